"""Forms of the money pages: grants (cancel, objection review, recovery), funds and quotas,
notices, payment batches and the bank's result file. They check shapes; the services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from anju.accounts.models import DepartmentKind
from anju.regions.codes import PREFIX_RE, in_prefix

_TEXT = {"class": "form-control"}
_SELECT = {"class": "form-select"}
MAX_MONEY = Decimal("9999999999.99")


def _version(initial: int | None = None) -> forms.IntegerField:
    # The version the form was opened at: the service refuses it if the record changed since.
    return forms.IntegerField(min_value=1, max_value=2_147_483_647, initial=initial, widget=forms.HiddenInput)


def _reason(label=None, *, required: bool = True) -> forms.CharField:
    return forms.CharField(label=label or _("理由"), max_length=300, required=required,
                           widget=forms.Textarea(attrs=_TEXT | {"rows": 2}))


def _amount(label, *, minimum: str = "0.01") -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=12, decimal_places=2, min_value=Decimal(minimum),
                              max_value=MAX_MONEY, widget=forms.NumberInput(attrs=_TEXT | {"step": "0.01"}))


def clean_region(value: str, user) -> str:
    """A division prefix within the user's jurisdiction (blank: the whole jurisdiction)."""
    value = (value or "").strip() or (user.jurisdiction or "")
    if not PREFIX_RE.match(value):
        raise forms.ValidationError(_("请填写 2、4、6、9 或 12 位区划代码前缀。"))
    if user.jurisdiction and not (in_prefix(value, user.jurisdiction) and len(value) >= len(user.jurisdiction)):
        raise forms.ValidationError(_("范围须在您的管辖范围以内。"))
    return value


class VersionedForm(forms.Form):
    def __init__(self, *args, version: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"] = _version(version)


class CancelForm(VersionedForm):
    reason = _reason(_("取消原因"))


class ProvideForm(VersionedForm):
    note = _reason(_("发放说明"), required=False)


class ObjectionReviewForm(VersionedForm):
    outcome = forms.ChoiceField(label=_("复核结论"), widget=forms.RadioSelect,
                                choices=[("dismissed", _("异议不成立，继续发放")), ("upheld", _("异议成立，取消发放"))])
    reason = _reason(_("复核意见"))


class RecoveryCreateForm(VersionedForm):
    amount_due = _amount(_("应追回金额（元）"))
    reason = _reason(_("追回原因"))


class RecoveryReturnForm(VersionedForm):
    amount = _amount(_("本次退回金额（元）"))


class BudgetForm(VersionedForm):
    budget = _amount(_("新的预算"), minimum="0")
    reason = _reason(_("调整理由"))


class FundForm(forms.Form):
    code = forms.SlugField(label=_("代码"), max_length=40, widget=forms.TextInput(attrs=_TEXT),
                           help_text=_("字母、数字和连字符，例如 shishi-care-2026。"))
    name = forms.CharField(label=_("名称"), max_length=120, widget=forms.TextInput(attrs=_TEXT))
    region_prefix = forms.CharField(label=_("适用地区（区划代码前缀）"), max_length=12, required=False,
                                    widget=forms.TextInput(attrs=_TEXT | {"inputmode": "numeric"}),
                                    help_text=_("留空为您的整个管辖范围。"))
    department_kind = forms.ChoiceField(label=_("管理部门"), choices=DepartmentKind.choices,
                                        initial=DepartmentKind.FINANCE, widget=forms.Select(attrs=_SELECT))
    policy_ids = forms.MultipleChoiceField(label=_("支出的政策"), widget=forms.SelectMultiple(attrs=_SELECT | {"size": 8}),
                                           help_text=_("按住 Ctrl 可多选。"))
    budget = _amount(_("预算"), minimum="0")
    unit = forms.CharField(label=_("单位"), max_length=10, initial="元", widget=forms.TextInput(attrs=_TEXT),
                           help_text=_("资金填「元」；名额填其单位，如「份」「个」。"))
    valid_from = forms.DateField(label=_("起始日期"), widget=forms.DateInput(attrs=_TEXT | {"type": "date"}))
    valid_to = forms.DateField(label=_("截止日期"), required=False,
                               widget=forms.DateInput(attrs=_TEXT | {"type": "date"}), help_text=_("留空为长期有效。"))
    source = forms.CharField(label=_("资金依据"), max_length=300, widget=forms.TextInput(attrs=_TEXT),
                             help_text=_("文件名称、文号或预算批复。"))

    def __init__(self, *args, user, policies: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["policy_ids"].choices = policies
        self.fields["region_prefix"].initial = user.jurisdiction

    def clean_region_prefix(self):
        return clean_region(self.cleaned_data.get("region_prefix"), self.user)

    def clean_unit(self):
        unit = self.cleaned_data["unit"].strip()
        if not unit or any(ch.isdigit() for ch in unit):
            raise forms.ValidationError(_("请填写单位，例如「元」或「份」。"))
        return unit

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("截止日期不能早于起始日期。"))
        if data.get("unit") and data["unit"] != "元" and data.get("budget") is not None \
                and data["budget"] != data["budget"].to_integral_value():
            self.add_error("budget", _("名额须为整数。"))
        return data


class NoticeForm(forms.Form):
    policy = forms.ChoiceField(label=_("政策"), widget=forms.Select(attrs=_SELECT))
    region_prefix = forms.CharField(label=_("公示范围（区划代码前缀）"), max_length=12, required=False,
                                    widget=forms.TextInput(attrs=_TEXT | {"inputmode": "numeric"}),
                                    help_text=_("留空为您的整个管辖范围。"))
    department_name = forms.CharField(label=_("公示单位"), max_length=120, required=False,
                                      widget=forms.TextInput(attrs=_TEXT), help_text=_("留空为您所在的部门。"))

    def __init__(self, *args, user, policies: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["policy"].choices = policies
        self.fields["region_prefix"].initial = user.jurisdiction

    def clean_region_prefix(self):
        return clean_region(self.cleaned_data.get("region_prefix"), self.user)


class BatchForm(forms.Form):
    fund = forms.TypedChoiceField(label=_("资金"), coerce=int, widget=forms.Select(attrs=_SELECT))
    region_prefix = forms.CharField(label=_("拨付范围（区划代码前缀）"), max_length=12, required=False,
                                    widget=forms.TextInput(attrs=_TEXT | {"inputmode": "numeric"}),
                                    help_text=_("留空为资金的适用地区与您的管辖范围中较小者。"))

    def __init__(self, *args, user, funds: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["fund"].choices = funds

    def clean_region_prefix(self):
        value = (self.cleaned_data.get("region_prefix") or "").strip()
        return clean_region(value, self.user) if value else ""


class ResultFileForm(forms.Form):
    file = forms.FileField(label=_("银行回盘文件（CSV）"), widget=forms.ClearableFileInput(attrs=_TEXT | {"accept": ".csv"}),
                           help_text=_("列：业务参考号、收款账号、金额、处理结果（成功/失败）、失败原因；GB18030 或 UTF-8 编码。"))
