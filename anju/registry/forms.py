"""Web forms for the ledger. They collect raw values; `registry.validation` decides, so the form,
the workbook import and the API accept and refuse exactly the same things."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_

from anju.lib.dates import today as local_today
from anju.regions.widgets import RegionPicker
from anju.registry.choices import (
    CertificateKind,
    DifficultyType,
    Education,
    EmploymentStatus,
    Gender,
    Relation,
    VisitResult,
)
from anju.registry.validation import (
    BAD_TEXT,
    bad_text,
    clean_certificate,
    clean_worker,
    date_problem,
)

YES_NO = [("", _("未知")), ("是", _("是")), ("否", _("否"))]
_TEXT = {"class": "form-control"}
_SELECT = {"class": "form-select"}


def _yes_no(value) -> str:
    return "" if value is None else ("是" if value else "否")


class ValidatedForm(forms.Form):
    """Runs a `registry.validation` cleaner over the raw values and maps its problems to fields."""

    cleaner = staticmethod(clean_worker)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django refuses NUL itself, in its own words; say it as the import and the API do.
        for field in self.fields.values():
            field.error_messages["null_characters_not_allowed"] = gettext(BAD_TEXT)

    def raw_values(self) -> dict:
        return dict(self.cleaned_data)

    def clean(self):
        super().clean()
        # Run the shared rules even when a field already failed, so that every problem shows at once.
        data, problems = self.cleaner(self.raw_values())
        for problem in problems:
            field = problem.field if problem.field in self.fields else None
            if field is None or field not in self.errors:
                self.add_error(field, problem.text())
        self.validated = data
        return self.cleaned_data


class WorkerForm(ValidatedForm):
    name = forms.CharField(label=_("姓名"), max_length=50, widget=forms.TextInput(attrs=_TEXT))
    id_number = forms.CharField(label=_("公民身份号码"), max_length=18, widget=forms.TextInput(attrs=_TEXT | {"autocomplete": "off"}))
    phone = forms.CharField(label=_("手机号码"), max_length=20, required=False, widget=forms.TextInput(attrs=_TEXT | {"inputmode": "tel"}))
    residence_region = forms.CharField(label=_("现居住地"), max_length=12, widget=RegionPicker())
    hukou_region = forms.CharField(label=_("户籍地"), max_length=12, required=False, widget=RegionPicker())
    education = forms.ChoiceField(label=_("文化程度"), choices=[("", "—")] + Education.choices, required=False, widget=forms.Select(attrs=_SELECT))
    employment_status = forms.ChoiceField(label=_("就业状态"), choices=[("", "—")] + EmploymentStatus.choices, widget=forms.Select(attrs=_SELECT))
    unemployment_registered_on = forms.DateField(label=_("失业登记日期"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs=_TEXT | {"type": "date"}))
    difficulty_types = forms.MultipleChoiceField(label=_("困难类型"), choices=DifficultyType.choices, required=False, widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}))
    pension_insured = forms.ChoiceField(label=_("养老保险"), choices=YES_NO, required=False, widget=forms.Select(attrs=_SELECT))
    medical_insured = forms.ChoiceField(label=_("医疗保险"), choices=YES_NO, required=False, widget=forms.Select(attrs=_SELECT))
    unemployment_insured = forms.ChoiceField(label=_("失业保险"), choices=YES_NO, required=False, widget=forms.Select(attrs=_SELECT))
    injury_insured = forms.ChoiceField(label=_("工伤保险"), choices=YES_NO, required=False, widget=forms.Select(attrs=_SELECT))
    ui_contribution_months = forms.CharField(label=_("失业保险缴费月数"), required=False, widget=forms.TextInput(attrs=_TEXT | {"inputmode": "numeric"}))
    last_income_month = forms.CharField(label=_("最近有收入月份"), required=False, help_text=_("格式 YYYY-MM；不清楚请留空。"),
                                        widget=forms.TextInput(attrs=_TEXT | {"type": "month"}))
    monthly_income = forms.CharField(label=_("月收入（元）"), required=False, widget=forms.TextInput(attrs=_TEXT | {"inputmode": "decimal"}))
    skills = forms.CharField(label=_("技能特长"), required=False, widget=forms.TextInput(attrs=_TEXT))
    desired_occupation = forms.CharField(label=_("求职意向工种"), required=False, widget=forms.TextInput(attrs=_TEXT))
    desired_region = forms.CharField(label=_("期望工作地"), max_length=12, required=False, widget=RegionPicker())
    expected_salary = forms.CharField(label=_("期望月薪（元）"), required=False, widget=forms.TextInput(attrs=_TEXT | {"inputmode": "decimal"}))
    training_willing = forms.ChoiceField(label=_("培训意愿"), choices=YES_NO, required=False, widget=forms.Select(attrs=_SELECT))
    household_no = forms.CharField(label=_("户编号"), required=False, max_length=40, widget=forms.TextInput(attrs=_TEXT))
    relation_to_head = forms.ChoiceField(label=_("与户主关系"), choices=[("", "—")] + Relation.choices, required=False, widget=forms.Select(attrs=_SELECT))
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs=_TEXT | {"rows": 3}))

    def __init__(self, *args, worker=None, **kwargs):
        self.worker = worker
        if worker is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_for(worker)
        super().__init__(*args, **kwargs)
        if worker is not None:
            # The version this form was opened at: saving refuses it if the record has changed
            # since (`registry.services.worker_update`), instead of undoing the other change.
            stale = _("此页面的版本信息无效，请重新打开修改页面。")
            self.fields["version"] = forms.IntegerField(
                min_value=1, max_value=2_147_483_647, initial=worker.version, widget=forms.HiddenInput,
                error_messages={"required": stale, "invalid": stale, "min_value": stale, "max_value": stale})
            # The ID number is the person's identity: it is shown masked and cannot be edited.
            self.fields["id_number"].disabled = True
            self.fields["id_number"].required = False
            self.fields["phone"].help_text = _("已登记：%(masked)s。留空表示不修改。") % {"masked": worker.phone_masked or "—"}

    def clean(self):
        cleaned = super().clean()
        if self.worker is not None and not cleaned.get("phone"):
            # Left blank: the stored number stays. Not sending it keeps a number someone else
            # changed meanwhile from being put back.
            self.validated.pop("phone", None)
        return cleaned

    @property
    def version(self) -> int | None:
        """The version the form was opened at (None: not stated, e.g. a page saved before versions)."""
        return self.cleaned_data.get("version") if self.worker is not None else None

    def raw_values(self) -> dict:
        raw = dict(self.cleaned_data)
        raw.pop("version", None)
        if self.worker is not None:
            raw["id_number"] = self.worker.id_number
            if not raw.get("phone"):
                raw["phone"] = self.worker.phone
        return raw


def initial_for(worker) -> dict:
    return {
        "name": worker.name, "id_number": worker.id_number_masked, "phone": "",
        "residence_region": worker.residence_region_id, "hukou_region": worker.hukou_region_id or "",
        "education": worker.education, "employment_status": worker.employment_status,
        "unemployment_registered_on": worker.unemployment_registered_on,
        "difficulty_types": worker.difficulty_types,
        "pension_insured": _yes_no(worker.pension_insured), "medical_insured": _yes_no(worker.medical_insured),
        "unemployment_insured": _yes_no(worker.unemployment_insured), "injury_insured": _yes_no(worker.injury_insured),
        "ui_contribution_months": worker.ui_contribution_months if worker.ui_contribution_months is not None else "",
        "last_income_month": f"{worker.last_income_month:%Y-%m}" if worker.last_income_month else "",
        "monthly_income": worker.monthly_income if worker.monthly_income is not None else "",
        "skills": worker.skills, "desired_occupation": worker.desired_occupation,
        "desired_region": worker.desired_region_id or "",
        "expected_salary": worker.expected_salary if worker.expected_salary is not None else "",
        "training_willing": _yes_no(worker.training_willing),
        "household_no": worker.household.household_no if worker.household_id else "",
        "relation_to_head": worker.relation_to_head, "notes": worker.notes,
    }


VISIT_CORRECTABLE = [
    ("phone", _("手机号码")), ("residence_region", _("现居住地")), ("employment_status", _("就业状态")),
    ("difficulty_types", _("困难类型")), ("last_income_month", _("最近有收入月份")), ("monthly_income", _("月收入")),
]


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("核实日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs=_TEXT | {"type": "date"}))
    result = forms.ChoiceField(label=_("核实结果"), choices=VisitResult.choices, widget=forms.Select(attrs=_SELECT))
    findings = forms.CharField(label=_("核实情况"), required=False, max_length=2000, widget=forms.Textarea(attrs=_TEXT | {"rows": 3}))
    fields_confirmed = forms.MultipleChoiceField(label=_("核实无误的信息"), choices=VISIT_CORRECTABLE, required=False,
                                                 widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["findings"].error_messages["null_characters_not_allowed"] = gettext(BAD_TEXT)

    def clean_visited_on(self):
        value = self.cleaned_data["visited_on"]
        problem = date_problem(value, today=local_today(), future_msgid=N_("核实日期不能晚于今天。"))
        if problem is not None:
            raise forms.ValidationError(problem.text(), code="range")
        return value

    def clean_findings(self):
        value = self.cleaned_data.get("findings", "")
        if bad_text(value, multiline=True):
            raise forms.ValidationError(gettext(BAD_TEXT), code="text")
        return value


class CertificateForm(ValidatedForm):
    cleaner = staticmethod(clean_certificate)
    kind = forms.ChoiceField(label=_("证书类型"), choices=CertificateKind.choices, widget=forms.Select(attrs=_SELECT))
    occupation = forms.CharField(label=_("职业（工种）"), max_length=100, widget=forms.TextInput(attrs=_TEXT))
    grade = forms.ChoiceField(label=_("等级"), required=False, widget=forms.Select(attrs=_SELECT), choices=[
        ("", "—"), ("1", _("一级 / 高级技师")), ("2", _("二级 / 技师")), ("3", _("三级 / 高级工")),
        ("4", _("四级 / 中级工")), ("5", _("五级 / 初级工"))])
    shortage = forms.BooleanField(label=_("紧缺工种"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    issued_on = forms.DateField(label=_("发证日期"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs=_TEXT | {"type": "date"}))
    certificate_no = forms.CharField(label=_("证书编号"), max_length=60, widget=forms.TextInput(attrs=_TEXT))

    def __init__(self, *args, worker, **kwargs):
        self.worker = worker
        super().__init__(*args, **kwargs)

    def raw_values(self) -> dict:
        return dict(self.cleaned_data) | {"id_number": self.worker.id_number}


class ChildForm(forms.Form):
    """A worker's child; `registry.services.child_birth_date_problem` bounds the birth date."""

    name = forms.CharField(label=_("姓名"), max_length=50, widget=forms.TextInput(attrs=_TEXT))
    gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices, widget=forms.Select(attrs=_SELECT))
    birth_date = forms.DateField(label=_("出生日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs=_TEXT | {"type": "date"}))
    school = forms.CharField(label=_("就读学校"), max_length=100, required=False, widget=forms.TextInput(attrs=_TEXT))
    notes = forms.CharField(label=_("备注"), max_length=200, required=False, widget=forms.TextInput(attrs=_TEXT))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages["null_characters_not_allowed"] = gettext(BAD_TEXT)

    def clean_birth_date(self):
        from anju.registry.services import child_birth_date_problem

        value = self.cleaned_data["birth_date"]
        problem = child_birth_date_problem(value, on=local_today())
        if problem:
            raise forms.ValidationError(gettext(problem))
        return value

    def clean(self):
        super().clean()
        for name in ("name", "school", "notes"):
            if name in self.cleaned_data and bad_text(self.cleaned_data[name]):
                self.add_error(name, gettext(BAD_TEXT))
        self.validated = dict(self.cleaned_data)
