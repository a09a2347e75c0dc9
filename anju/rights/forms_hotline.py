"""Forms of the hotline pages. They check only the shape of the input; the services in
`services.ticket_create` and `hotline` decide and refuse with a RightsError shown beside the form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from anju.accounts.models import DepartmentKind
from anju.regions.codes import normalize_code
from anju.regions.models import Level, Region
from anju.regions.selectors import region_exists, region_name
from anju.regions.widgets import RegionPicker
from anju.rights.hotline import PAUSE_REASONS, SATISFACTION, lead_choices
from anju.rights.models import Channel, Priority, TicketCategory, TicketStatus

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}
SMALL_SELECT = {"class": "form-select form-select-sm"}
# Above this many towns the intake form offers the cascading picker instead of one long list.
TOWN_LIST_LIMIT = 400


def _all(choices) -> list:
    return [("", _("全部"))] + list(choices)


def category_choices() -> list:
    """The category tree as option groups: each top-level category and its sub-categories."""
    nodes = list(TicketCategory.objects.filter(active=True).select_related("parent").order_by("order", "code"))
    children: dict[int, list[TicketCategory]] = {}
    for node in nodes:
        if node.parent_id:
            children.setdefault(node.parent_id, []).append(node)
    groups = []
    for root in (n for n in nodes if n.parent_id is None):
        options = [(str(root.pk), root.name)] + [(str(c.pk), f"{root.name} · {c.name}") for c in children.get(root.pk, [])]
        groups.append((root.name, options))
    return [("", "—")] + groups


def town_choices(jurisdiction: str) -> list | None:
    """The towns of the user's jurisdiction grouped by county (the county itself first, for a
    caller who does not say which town); None when there are too many for one list."""
    if len(jurisdiction) < 4:
        return None
    qs = Region.objects.filter(code__startswith=jurisdiction, abolished=False,
                               level__in=[Level.COUNTY, Level.TOWN]).order_by("code").values_list("code", "name", "level")
    rows = list(qs[: TOWN_LIST_LIMIT + 1])
    if len(rows) > TOWN_LIST_LIMIT:
        return None
    groups: dict[str, tuple[str, list]] = {}
    for code, name, level in rows:
        county = code[:6]
        if level == Level.COUNTY:
            groups[county] = (name, [(code, _("%(name)s（未细分到乡镇）") % {"name": name})])
        else:
            groups.setdefault(county, (region_name(county.ljust(12, "0")), []))[1].append((code, name))
    return [("", "—")] + [(label, options) for label, options in groups.values()]


class TicketFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=_all(TicketStatus.choices), widget=forms.Select(attrs=SMALL_SELECT))
    category = forms.ChoiceField(required=False, widget=forms.Select(attrs=SMALL_SELECT))
    channel = forms.ChoiceField(required=False, choices=_all(Channel.choices), widget=forms.Select(attrs=SMALL_SELECT))
    region = forms.CharField(required=False, max_length=12, widget=forms.TextInput(
        attrs={"class": "form-control form-control-sm", "inputmode": "numeric", "placeholder": "350581001"}))
    overdue = forms.BooleanField(required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    q = forms.CharField(required=False, max_length=40, widget=forms.TextInput(
        attrs={"class": "form-control form-control-sm", "placeholder": _("工单编号或标题")}))
    department = forms.ChoiceField(required=False, choices=_all(DepartmentKind.choices),
                                   widget=forms.Select(attrs=SMALL_SELECT))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        roots = TicketCategory.objects.filter(parent__isnull=True).order_by("order", "code")
        self.fields["category"].choices = _all((c.code, c.name) for c in roots)
        # "from" and "to" (the registration dates, both inclusive) are what the KPI page's links
        # carry; "from" cannot be a class attribute.
        for name in ("from", "to"):
            self.fields[name] = forms.DateField(required=False, widget=forms.DateInput(
                format="%Y-%m-%d", attrs={"class": "form-control form-control-sm", "type": "date"}))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and end < start:
            self.add_error("to", _("截止日期不能早于起始日期。"))
        return cleaned


class TicketForm(forms.Form):
    """The intake form: who called, about what, where."""

    channel = forms.ChoiceField(label=_("来源渠道"), choices=[c for c in Channel.choices if c[0] != Channel.PORTAL],
                                initial=Channel.PHONE, widget=forms.Select(attrs=SELECT))
    caller_name = forms.CharField(label=_("来电人姓名"), required=False, max_length=50, widget=forms.TextInput(attrs=TEXT))
    phone = forms.CharField(label=_("联系电话（手机）"), required=False, max_length=20,
                            widget=forms.TextInput(attrs=TEXT | {"inputmode": "tel", "autocomplete": "off"}))
    id_number = forms.CharField(label=_("公民身份号码"), required=False, max_length=18,
                                help_text=_("仅用于在台账中查找来电人，不随工单保存。"),
                                widget=forms.TextInput(attrs=TEXT | {"autocomplete": "off"}))
    category = forms.ChoiceField(label=_("诉求类别"), widget=forms.Select(attrs=SELECT))
    priority = forms.ChoiceField(label=_("紧急程度"), choices=Priority.choices, initial=Priority.NORMAL,
                                 widget=forms.Select(attrs=SELECT))
    region = forms.CharField(label=_("诉求所在地"), max_length=12)
    subject = forms.CharField(label=_("标题"), max_length=120,
                              widget=forms.TextInput(attrs=TEXT | {"placeholder": _("一句话概括，如：某工地拖欠三个月工资")}))
    description = forms.CharField(label=_("诉求内容"), max_length=5000, widget=forms.Textarea(attrs=TEXT | {"rows": 4}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        towns = town_choices(user.jurisdiction or "")
        if towns is None:
            self.fields["region"].widget = RegionPicker()
            self.fields["region"].widget.root = user.jurisdiction or ""
        else:
            self.fields["region"].widget = forms.Select(attrs=SELECT, choices=towns)

    def clean_category(self):
        value = self.cleaned_data["category"]
        category = TicketCategory.objects.filter(pk=int(value), active=True).first() if value.isdigit() else None
        if category is None:
            raise forms.ValidationError(_("请选择诉求类别。"))
        return category

    def clean_region(self):
        code = normalize_code(self.cleaned_data["region"])
        if code is None or not region_exists(code):
            raise forms.ValidationError(_("请选择有效的地区。"))
        return code


# Actions on a ticket: each states the version of the ticket the page showed.
class _Action(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    prefix_name = ""

    def __init__(self, *args, **kwargs):
        # Several action forms share the ticket page: their element ids must not clash.
        kwargs.setdefault("auto_id", f"{self.prefix_name}_%s")
        super().__init__(*args, **kwargs)


def _note(label, required=False, rows=2):
    return forms.CharField(label=label, required=required, max_length=2000, widget=forms.Textarea(attrs=TEXT | {"rows": rows}))


class _LeadField(forms.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(widget=forms.Select(attrs=SELECT), **kwargs)


class DispatchForm(_Action):
    prefix_name = "dispatch"
    lead = _LeadField(label=_("承办部门"))
    note = _note(_("派单说明"))

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].choices = _lead_choices(ticket)
        self.fields["lead"].initial = f"{ticket.lead_department_kind}:{ticket.lead_role}"


def _lead_choices(ticket) -> list:
    choices = lead_choices(ticket.region_id)
    current = f"{ticket.lead_department_kind}:{ticket.lead_role}"
    if ticket.lead_role and current not in dict(choices):
        # The routed lead has no staff here: shown so the desk sees why it must choose another.
        choices.insert(0, (current, _("%(lead)s（本地区无承办人员）") % {"lead": ticket.get_lead_department_kind_display()}))
    return choices


def split_lead(value: str) -> tuple[str, str]:
    kind, _sep, role = (value or "").partition(":")
    return kind, role


class ContactForm(_Action):
    prefix_name = "contact"
    note = _note(_("联系情况"))


class PauseForm(_Action):
    prefix_name = "pause"
    reason_kind = forms.ChoiceField(label=_("暂停原因"), choices=PAUSE_REASONS, widget=forms.Select(attrs=SELECT))
    note = _note(_("说明"))


class ResumeForm(_Action):
    prefix_name = "resume"
    note = _note(_("说明"))


class NoteForm(forms.Form):
    text = _note(_("办理记录"), required=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "note_%s")
        super().__init__(*args, **kwargs)


class ReplyForm(_Action):
    prefix_name = "reply"
    reply = _note(_("答复内容"), required=True, rows=4)


class ReturnForm(_Action):
    prefix_name = "return"
    reason = _note(_("退回理由"), required=True)


class ReassignForm(_Action):
    prefix_name = "reassign"
    lead = _LeadField(label=_("改派给"))
    reason = _note(_("改派理由"), required=True)

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, **kwargs)
        current = f"{ticket.lead_department_kind}:{ticket.lead_role}"
        self.fields["lead"].choices = [c for c in lead_choices(ticket.region_id) if c[0] != current]


class MergeForm(_Action):
    prefix_name = "merge"
    into = forms.CharField(label=_("并入工单编号"), max_length=20,
                           widget=forms.TextInput(attrs=TEXT | {"placeholder": "GD20261202-000123"}))
    reason = _note(_("并单理由"), required=True)


class LinkCaseForm(_Action):
    prefix_name = "link"
    case = forms.CharField(label=_("欠薪案件编号"), max_length=20,
                           widget=forms.TextInput(attrs=TEXT | {"placeholder": "QX20261202-000045"}))


class CallbackForm(_Action):
    prefix_name = "callback"
    satisfaction = forms.TypedChoiceField(
        label=_("满意度"), coerce=int, widget=forms.RadioSelect,
        choices=[(n, label) for n, label in zip(SATISFACTION, (_("1 分 很不满意"), _("2 分 不满意"), _("3 分 一般"),
                                                               _("4 分 基本满意"), _("5 分 满意")), strict=True)])
    note = _note(_("回访情况"))
