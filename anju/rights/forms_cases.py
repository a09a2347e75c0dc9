"""Forms of the arrears-case pages. They check the shape of the input only; the services in
`services.case_create` and `cases` decide, and their refusals are shown beside the form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from anju.rights.models import CaseSource, CaseStatus, Conclusion, Recovery, Route

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}
SMALL = {"class": "form-select form-select-sm"}
_MONEY = forms.NumberInput(attrs=TEXT | {"step": "0.01", "inputmode": "decimal"})
_DATE = forms.DateInput(format="%Y-%m-%d", attrs=TEXT | {"type": "date"})


def _all(choices) -> list[tuple[str, str]]:
    return [("", _("全部"))] + list(choices)


class MonthField(forms.CharField):
    """A month typed as YYYY-MM (an <input type="month">), as the first day of that month."""

    widget = forms.TextInput(attrs=TEXT | {"type": "month", "placeholder": "2026-01"})

    def to_python(self, value):
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        try:
            return dt.datetime.strptime(text[:7], "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(_("月份格式应为 YYYY-MM。")) from None

    def prepare_value(self, value):
        return f"{value:%Y-%m}" if isinstance(value, dt.date) else value


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=_all(CaseStatus.choices),
                               widget=forms.Select(attrs=SMALL | {"data-autosubmit": ""}))
    route = forms.ChoiceField(label=_("办理途径"), required=False, choices=_all(Route.choices),
                              widget=forms.Select(attrs=SMALL | {"data-autosubmit": ""}))
    region = forms.CharField(label=_("区划代码"), required=False, max_length=12, widget=forms.TextInput(
        attrs={"class": "form-control form-control-sm", "inputmode": "numeric", "placeholder": "350581001"}))
    overdue = forms.BooleanField(label=_("只看已超期"), required=False,
                                 widget=forms.CheckboxInput(attrs={"class": "form-check-input", "data-autosubmit": ""}))


class CaseForm(forms.Form):
    """The case itself; the complainants are `ComplainantFormSet`, the employer picked from the
    search comes as `employer` (a select the search fragment renders), the ticket or warning it
    comes from as hidden fields."""

    source = forms.ChoiceField(label=_("来源"), choices=CaseSource.choices, initial=CaseSource.WALK_IN,
                               widget=forms.Select(attrs=SELECT))
    route = forms.ChoiceField(label=_("办理途径"), choices=Route.choices, initial=Route.INSPECTION,
                              widget=forms.Select(attrs=SELECT),
                              help_text=_("调解由工会承办；劳动保障监察、仲裁和法律援助由人社部门承办。"))
    region = forms.ChoiceField(label=_("所在地区"), widget=forms.Select(attrs=SELECT))
    employer_name = forms.CharField(label=_("被投诉的用人单位"), max_length=120, required=False,
                                    widget=forms.TextInput(attrs=TEXT),
                                    help_text=_("在上方查找并选中单位，或直接填写单位名称和统一社会信用代码。"))
    employer_uscc = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False,
                                    widget=forms.TextInput(attrs=TEXT | {"autocapitalize": "characters"}))
    project = forms.ChoiceField(label=_("工程项目"), required=False, widget=forms.Select(attrs=SELECT))
    period_from = MonthField(label=_("欠薪起始月份"))
    period_to = MonthField(label=_("欠薪截止月份"))
    summary = forms.CharField(label=_("案情"), max_length=4000, widget=forms.Textarea(attrs=TEXT | {"rows": 3}))
    ticket = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    warning = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, regions=(), projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("请选择"))] + [(code, name) for code, name in regions]
        self.fields["project"].choices = [("", _("（不涉及工程项目）"))] + [(str(p.pk), f"{p.code} {p.name}")
                                                                            for p in projects]


class ComplainantForm(forms.Form):
    """One complainant row. A row without a name is left out (a row the form offered, from the
    ticket or the warning's roster, is dropped by clearing its name); a named row needs its amount."""

    name = forms.CharField(label=_("姓名"), max_length=50, required=False, widget=forms.TextInput(attrs=TEXT))
    id_number = forms.CharField(label=_("公民身份号码"), max_length=18, required=False,
                                widget=forms.TextInput(attrs=TEXT | {"autocomplete": "off"}))
    phone = forms.CharField(label=_("手机号码"), max_length=11, required=False,
                            widget=forms.TextInput(attrs=TEXT | {"inputmode": "tel", "autocomplete": "off"}))
    amount_owed = forms.DecimalField(label=_("被拖欠金额（元）"), min_value=Decimal("0.01"), max_digits=14,
                                     decimal_places=2, required=False, widget=_MONEY)
    # The warning's roster worker this row was offered for (checked against the warning's project).
    roster = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("name"):
            if data.get("amount_owed") is None and "amount_owed" not in self.errors:
                self.add_error("amount_owed", _("请填写被拖欠金额。"))
        elif data.get("roster"):
            # A row offered from the roster, its name cleared: dropped, whatever else it holds.
            for field in list(self.errors):
                del self.errors[field]
        elif data.get("id_number") or data.get("phone") or data.get("amount_owed") is not None:
            self.add_error("name", _("请填写姓名（不需要的行请把各栏都留空）。"))
        return data


ComplainantFormSet = forms.formset_factory(ComplainantForm, extra=3, max_num=50, validate_max=True)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReasonForm(VersionForm):
    reason = forms.CharField(label=_("理由"), max_length=500, widget=forms.Textarea(attrs=TEXT | {"rows": 2}))


class TransferForm(ReasonForm):
    route = forms.ChoiceField(label=_("转入途径"), choices=Route.choices, widget=forms.Select(attrs=SELECT))

    field_order = ["route", "reason", "version"]

    def __init__(self, *args, current: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["route"].choices = [(v, label) for v, label in Route.choices if v != current]


class RecoveryForm(VersionForm):
    worker = forms.ChoiceField(label=_("投诉人"), widget=forms.Select(attrs=SELECT), error_messages={
        "invalid_choice": _("该投诉人的工资已全额追回（或不是本案投诉人），请重新选择。")})
    amount = forms.DecimalField(label=_("追回金额（元）"), min_value=Decimal("0.01"), max_digits=14, decimal_places=2,
                                widget=_MONEY)
    method = forms.ChoiceField(label=_("追回方式"), choices=Recovery.choices, widget=forms.Select(attrs=SELECT))
    on = forms.DateField(label=_("追回日期"), widget=_DATE)

    def __init__(self, *args, workers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].choices = [
            (str(w.pk), gettext("%(name)s（尚欠 %(left)s 元）") % {
                "name": w.name, "left": f"{w.amount_owed - w.amount_recovered:,.2f}"}) for w in workers]


class ConcludeForm(VersionForm):
    conclusion = forms.ChoiceField(label=_("结案类别"), choices=[("", _("请选择"))] + Conclusion.choices,
                                   widget=forms.Select(attrs=SELECT))
    note = forms.CharField(label=_("结案说明"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs=TEXT | {"rows": 2}))
