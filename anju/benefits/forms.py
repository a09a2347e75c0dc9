"""Forms of the application pages. They only check the shape of the input; the services decide
(and refuse with a BenefitError, shown beside the form)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from anju.benefits import attachments
from anju.benefits.models import ApplicationStatus, AttachmentKind, Door, StepOutcome
from anju.benefits.services import MAX_REASON


class VersionedForm(forms.Form):
    """Every edit states the version of the application it was opened at."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    id_prefix = "form"

    def __init__(self, *args, **kwargs):
        # Several forms share the detail page: their element ids must not clash.
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


def _blank(choices) -> list[tuple[str, str]]:
    return [("", _("全部"))] + list(choices)


class ApplicationFilterForm(forms.Form):
    """The list's filters, read from GET (policy, status, door, step, region): other pages link
    with them. An unknown value is not an error; it simply matches nothing."""

    policy = forms.CharField(required=False, max_length=80)
    status = forms.CharField(required=False, max_length=10, widget=forms.Select(choices=_blank(ApplicationStatus.choices)))
    door = forms.CharField(required=False, max_length=10, widget=forms.Select(choices=_blank(Door.choices)))
    step = forms.CharField(required=False, max_length=40)
    region = forms.CharField(required=False, max_length=12)

    def __init__(self, *args, policies: list[tuple[str, str]] = (), steps: list[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].widget = forms.Select(choices=_blank(policies))
        self.fields["step"].widget = forms.Select(choices=_blank(steps))
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select form-select-sm")
        self.fields["region"].widget = forms.TextInput(attrs={"class": "form-control form-control-sm",
                                                              "inputmode": "numeric", "placeholder": "350581"})


class DecideForm(VersionedForm):
    id_prefix = "decide"

    outcome = forms.ChoiceField(label=_("办理结果"), choices=StepOutcome.choices,
                                widget=forms.RadioSelect(attrs={"class": "form-check-input"}))
    reason = forms.CharField(label=_("意见或理由"), required=False, max_length=MAX_REASON,
                             widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))
    amount = forms.CharField(label=_("核定金额（元）"), required=False, max_length=20,
                             widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal"}))


class SupplyForm(VersionedForm):
    id_prefix = "supply"

    note = forms.CharField(label=_("补充了哪些材料"), required=False, max_length=MAX_REASON,
                           widget=forms.TextInput(attrs={"class": "form-control"}))


class WithdrawForm(VersionedForm):
    id_prefix = "withdraw"

    reason = forms.CharField(label=_("撤回原因"), max_length=MAX_REASON,
                             widget=forms.TextInput(attrs={"class": "form-control"}))


class AccountForm(VersionedForm):
    id_prefix = "account"

    payee_name = forms.CharField(label=_("收款人"), max_length=120, required=False,
                                 widget=forms.TextInput(attrs={"class": "form-control"}))
    bank_name = forms.CharField(label=_("开户银行"), max_length=80, required=False,
                                widget=forms.TextInput(attrs={"class": "form-control"}))
    account = forms.CharField(label=_("银行账号"), max_length=40, required=False,
                              widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "numeric",
                                                            "autocomplete": "off"}))


class AttachmentForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "attach_%s")
        super().__init__(*args, **kwargs)

    kind = forms.ChoiceField(label=_("材料类型"), choices=[("", "—")] + list(AttachmentKind.choices),
                             widget=forms.Select(attrs={"class": "form-select"}))
    file = forms.FileField(label=_("文件（PDF、JPG 或 PNG）"),
                           widget=forms.ClearableFileInput(attrs={"class": "form-control",
                                                                  "accept": ".pdf,.jpg,.jpeg,.png"}))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"class": "form-control", "accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class IntakeForm(forms.Form):
    """Counter intake: which policy, how to reach the person, where the money goes, documents."""

    policy = forms.ChoiceField(label=_("申请的政策"), widget=forms.RadioSelect)
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=20,
                            widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "tel"}))
    payee_name = forms.CharField(label=_("收款人"), required=False, max_length=120,
                                 widget=forms.TextInput(attrs={"class": "form-control"}))
    bank_name = forms.CharField(label=_("开户银行"), required=False, max_length=80,
                                widget=forms.TextInput(attrs={"class": "form-control"}))
    account = forms.CharField(label=_("银行账号"), required=False, max_length=40,
                              widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "numeric",
                                                            "autocomplete": "off"}))
    note = forms.CharField(label=_("申请说明"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))
    attachment_kind = forms.ChoiceField(label=_("材料类型"), required=False,
                                        choices=[("", "—")] + list(AttachmentKind.choices),
                                        widget=forms.Select(attrs={"class": "form-select"}))
    files = MultipleFileField(label=_("申请材料（可多选，PDF、JPG 或 PNG）"), required=False)

    def __init__(self, *args, policies: list[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].choices = list(policies)

    def clean(self):
        data = super().clean()
        files = data.get("files") or []
        if files and not data.get("attachment_kind"):
            self.add_error("attachment_kind", _("上传材料时请选择材料类型。"))
        if len(files) > attachments.max_count():
            self.add_error("files", _("每份申请最多上传 %(n)s 个文件。") % {"n": attachments.max_count()})
        for upload in files:
            # Checked again by attachment_add; refusing here keeps the application from being
            # created with a file that will not be kept.
            if upload.size > attachments.max_bytes():
                self.add_error("files", _("文件不能超过 %(mb)s MB。") % {"mb": attachments.max_bytes() // (1024 * 1024)})
                break
            head = upload.read(16)
            upload.seek(0)
            if upload.size <= 0 or attachments.sniff(head) is None:
                self.add_error("files", _("只能上传 PDF、JPG 或 PNG 文件。"))
                break
        return data
