"""Forms of the construction-project pages. They check only the shape of the input; the services
in `construction.py` decide and refuse with a RightsError shown beside the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from anju.regions.widgets import RegionPicker
from anju.rights.models import EntryKind, Level, ProjectStatus, Subcontractor, WageDeposit

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}
CHECK = {"class": "form-check-input"}


def _date(**kwargs) -> forms.DateField:
    return forms.DateField(widget=forms.DateInput(format="%Y-%m-%d", attrs=TEXT | {"type": "date"}), **kwargs)


def _money(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(label=label, min_value=Decimal("0.01"), max_digits=14, decimal_places=2,
                              widget=forms.NumberInput(attrs=TEXT | {"step": "0.01", "inputmode": "decimal"}), **kwargs)


class MonthField(forms.CharField):
    """A month as the browser's month input sends it ("2026-03"), cleaned to its first day."""

    widget = forms.TextInput(attrs=TEXT | {"type": "month", "placeholder": "2026-03"})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return dt.datetime.strptime(value.strip()[:7], "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(_("月份格式不正确（如 2026-03）。")) from None


class PrefixedForm(forms.Form):
    """Several forms share the project page: their element ids must not clash."""

    id_prefix = "f"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class ProjectFilterForm(forms.Form):
    """The list's filters; an unknown value matches nothing rather than failing."""

    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部状态"))] + ProjectStatus.choices,
                               widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    town = forms.CharField(label=_("乡镇（街道）"), required=False, max_length=12,
                           widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    risk = forms.ChoiceField(label=_("风险"), required=False,
                             choices=[("", _("全部风险")), *[(str(v), label) for v, label in Level.choices],
                                      ("none", _("无预警"))],
                             widget=forms.Select(attrs={"class": "form-select form-select-sm"}))

    def __init__(self, *args, towns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].widget.choices = [("", _("全部乡镇（街道）")), *towns]


class ProjectForm(forms.Form):
    code = forms.CharField(label=_("项目编号"), max_length=40, widget=forms.TextInput(attrs=TEXT),
                           help_text=_("施工许可证编号或住建部门的项目编号。"))
    name = forms.CharField(label=_("项目名称"), max_length=160, widget=forms.TextInput(attrs=TEXT))
    region_id = forms.CharField(label=_("所在地区"), max_length=12, widget=RegionPicker())
    address = forms.CharField(label=_("项目地址"), max_length=200, required=False, widget=forms.TextInput(attrs=TEXT))
    owner_name = forms.CharField(label=_("建设单位"), max_length=120, widget=forms.TextInput(attrs=TEXT))
    owner_uscc = forms.CharField(label=_("建设单位统一社会信用代码"), max_length=18, required=False,
                                 widget=forms.TextInput(attrs=TEXT))
    contractor_name = forms.CharField(label=_("施工总承包单位"), max_length=120, widget=forms.TextInput(attrs=TEXT))
    contractor_uscc = forms.CharField(label=_("施工总承包单位统一社会信用代码"), max_length=18,
                                      widget=forms.TextInput(attrs=TEXT),
                                      help_text=_("总包单位的劳资专管员账号按此代码只能看到本单位的项目。"))
    contract_value = _money(_("合同金额（元）"))
    labour_share = forms.DecimalField(label=_("人工费用占比"), required=False, max_digits=5, decimal_places=4,
                                      widget=forms.NumberInput(attrs=TEXT | {"step": "0.0001"}),
                                      help_text=_("人工费用占工程款的比例，如 0.25 表示 25%。"))
    disbursement_cycle_months = forms.IntegerField(label=_("人工费用拨付周期（月）"), initial=1, min_value=1, max_value=120,
                                                   widget=forms.NumberInput(attrs=TEXT),
                                                   help_text=_("条例第二十四条：拨付周期不得超过 1 个月。"))
    contract_signed_on = _date(label=_("合同签订日期"))
    permit_on = _date(label=_("施工许可证日期"), required=False)
    start_on = _date(label=_("开工日期"), required=False)
    planned_end_on = _date(label=_("计划竣工日期"), required=False)
    completed_on = _date(label=_("竣工日期"), required=False)
    status = forms.ChoiceField(label=_("状态"), choices=ProjectStatus.choices, initial=ProjectStatus.BUILDING,
                               widget=forms.Select(attrs=SELECT))
    supervisor_name = forms.CharField(label=_("劳资专管员"), max_length=50, required=False, widget=forms.TextInput(attrs=TEXT))
    supervisor_phone = forms.CharField(label=_("劳资专管员电话"), max_length=20, required=False,
                                       widget=forms.TextInput(attrs=TEXT | {"inputmode": "tel", "autocomplete": "off"}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region_id"].widget.root = user.jurisdiction or ""
        if editing:
            del self.fields["code"]
            self.fields["version"].required = True
            self.fields["supervisor_phone"].help_text = _("留空则不修改已登记的电话。")


class SubcontractorForm(PrefixedForm):
    id_prefix = "sub"
    name = forms.CharField(label=_("分包单位"), max_length=120, widget=forms.TextInput(attrs=TEXT))
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False, widget=forms.TextInput(attrs=TEXT))
    kind = forms.ChoiceField(label=_("分包类型"), choices=Subcontractor.Kind.choices, widget=forms.Select(attrs=SELECT))


class TeamForm(PrefixedForm):
    id_prefix = "team"
    name = forms.CharField(label=_("班组"), max_length=60, widget=forms.TextInput(attrs=TEXT))
    leader = forms.CharField(label=_("班组长"), max_length=50, required=False, widget=forms.TextInput(attrs=TEXT))
    subcontractor = forms.ModelChoiceField(label=_("所属分包单位"), queryset=Subcontractor.objects.none(), required=False,
                                           widget=forms.Select(attrs=SELECT))

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subcontractor"].queryset = project.subcontractors.order_by("id")


class RosterForm(PrefixedForm):
    id_prefix = "roster"
    name = forms.CharField(label=_("姓名"), max_length=50, widget=forms.TextInput(attrs=TEXT))
    id_number = forms.CharField(label=_("公民身份号码"), max_length=18,
                                widget=forms.TextInput(attrs=TEXT | {"autocomplete": "off"}))
    phone = forms.CharField(label=_("手机号码"), max_length=20, required=False,
                            widget=forms.TextInput(attrs=TEXT | {"inputmode": "tel", "autocomplete": "off"}))
    team = forms.ModelChoiceField(label=_("班组"), queryset=None, required=False, widget=forms.Select(attrs=SELECT))
    trade = forms.CharField(label=_("工种"), max_length=40, required=False, widget=forms.TextInput(attrs=TEXT))
    contract_signed = forms.BooleanField(label=_("已签劳动合同"), required=False, widget=forms.CheckboxInput(attrs=CHECK))
    entered_on = _date(label=_("进场日期"))
    bank_account = forms.CharField(label=_("本人工资卡卡号"), max_length=30, required=False,
                                   widget=forms.TextInput(attrs=TEXT | {"inputmode": "numeric", "autocomplete": "off"}),
                                   help_text=_("只保存后四位，用于核对工资是否发到本人账户。"))

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = project.teams.order_by("id")


class DayForm(PrefixedForm):
    """One date (an exit, a settlement, the day the notice board went up)."""

    id_prefix = "day"
    on = _date(label=_("日期"))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


class AccountOpenForm(PrefixedForm):
    id_prefix = "acct"
    bank = forms.CharField(label=_("开户银行"), max_length=80, widget=forms.TextInput(attrs=TEXT))
    account_number = forms.CharField(label=_("账号"), max_length=40,
                                     widget=forms.TextInput(attrs=TEXT | {"inputmode": "numeric", "autocomplete": "off"}))
    opened_on = _date(label=_("开户日期"))


class AccountFileForm(PrefixedForm):
    id_prefix = "file"
    filed_on = _date(label=_("备案日期"))


class EntryForm(PrefixedForm):
    id_prefix = "entry"
    kind = forms.ChoiceField(label=_("类型"), choices=[(EntryKind.ALLOCATION, EntryKind.ALLOCATION.label),
                                                      (EntryKind.WAGE, EntryKind.WAGE.label)],
                             widget=forms.Select(attrs=SELECT))
    booked_on = _date(label=_("记账日期"))
    amount = _money(_("金额（元）"))
    reference = forms.CharField(label=_("流水号"), max_length=60, widget=forms.TextInput(attrs=TEXT))
    roster = forms.ModelChoiceField(label=_("收款人（代发工资时填写）"), queryset=None, required=False,
                                    widget=forms.Select(attrs=SELECT))
    month = MonthField(label=_("工资所属月份（代发工资时填写）"), required=False, max_length=7)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roster"].queryset = project.roster.order_by("name", "id")
        self.fields["roster"].label_from_instance = lambda r: f"{r.name} {r.id_number_masked}"


class DepositForm(PrefixedForm):
    id_prefix = "dep"
    form = forms.ChoiceField(label=_("存储方式"), required=False, choices=[("", "—"), *WageDeposit.Form.choices],
                             widget=forms.Select(attrs=SELECT))
    bank = forms.CharField(label=_("存储银行"), max_length=80, required=False, widget=forms.TextInput(attrs=TEXT))


class DepositMoveForm(PrefixedForm):
    id_prefix = "move"
    amount = _money(_("金额（元）"))
    on = _date(label=_("日期"))
    note = forms.CharField(label=_("说明"), max_length=200, required=False, widget=forms.TextInput(attrs=TEXT))
    # Only for a pay-out: the arrears case whose recovery it pays.
    case_number = forms.CharField(label=_("欠薪案件编号"), max_length=20, required=False, widget=forms.TextInput(attrs=TEXT))
