"""Forms of the employment pages. They only check the shape of the input; the services decide (and
refuse with an EmploymentError, shown beside the form)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from anju.employment.models import (
    Employer,
    Occupation,
    OccupationGroup,
    PayUnit,
    Physical,
    PostingKind,
    PostingStatus,
    ReferralStatus,
    Seeker,
)
from anju.regions.widgets import RegionPicker

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}


def _blank(choices) -> list[tuple[str, str]]:
    return [("", _("全部"))] + list(choices)


class VersionedForm(forms.Form):
    """Every edit states the version of the record it was opened at."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    id_prefix = "form"

    def __init__(self, *args, **kwargs):
        # Several forms share a detail page: their element ids must not clash.
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


# Filters ----------------------------------------------------------------------------------------
class PostingFilterForm(forms.Form):
    """The postings list's filters (kind, status, campaign, q): an unknown value matches nothing."""

    kind = forms.CharField(required=False, max_length=20, widget=forms.Select(choices=_blank(PostingKind.choices)))
    status = forms.CharField(required=False, max_length=12, widget=forms.Select(choices=_blank(PostingStatus.choices)))
    campaign = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    q = forms.CharField(required=False, max_length=50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("kind", "status"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["q"].widget.attrs.update({"class": "form-control form-control-sm",
                                              "placeholder": _("岗位名称、单位或职业俗称，如“烧焊”")})


class ReferralFilterForm(forms.Form):
    status = forms.CharField(required=False, max_length=12, widget=forms.Select(choices=_blank(ReferralStatus.choices)))
    campaign = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    posting = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].widget.attrs["class"] = "form-select form-select-sm"


# Postings ---------------------------------------------------------------------------------------
def occupation_choices() -> list:
    """The catalogue as option groups by major group (大类)."""
    groups: dict[str, list] = {}
    for o in Occupation.objects.order_by("position", "key").only("pk", "name", "group", "aliases"):
        groups.setdefault(o.group, []).append((str(o.pk), o.name))
    labels = dict(OccupationGroup.choices)
    return [("", "—")] + [(labels.get(g, g), rows) for g, rows in sorted(groups.items())]


class PostingForm(forms.Form):
    """A posting's fields. An odd job needs only a few of them (kind, title, occupation, place,
    start date, days or hours, pay); the rest are under 更多信息."""

    kind = forms.ChoiceField(label=_("岗位类型"), choices=PostingKind.choices, initial=PostingKind.ODD_JOB,
                             widget=forms.Select(attrs=SELECT))
    title = forms.CharField(label=_("岗位名称"), max_length=80, widget=forms.TextInput(attrs=TEXT))
    occupation = forms.ChoiceField(label=_("职业"), required=False, widget=forms.Select(attrs=SELECT))
    occupation_text = forms.CharField(label=_("或输入常用叫法"), required=False, max_length=30,
                                      widget=forms.TextInput(attrs=TEXT | {"placeholder": _("如：烧焊、搬砖、看大门")}))
    employer = forms.ChoiceField(label=_("用人单位"), required=False, widget=forms.Select(attrs=SELECT))
    unit_name = forms.CharField(label=_("招聘单位"), required=False, max_length=120, widget=forms.TextInput(attrs=TEXT))
    region = forms.CharField(label=_("工作地点"), max_length=12, min_length=12, widget=RegionPicker())
    address = forms.CharField(label=_("详细地址"), required=False, max_length=200, widget=forms.TextInput(attrs=TEXT))
    pay_unit = forms.ChoiceField(label=_("计薪方式"), choices=PayUnit.choices, initial=PayUnit.DAY,
                                 widget=forms.Select(attrs=SELECT))
    pay_min = forms.DecimalField(label=_("最低薪酬（元）"), min_value=0, max_digits=10, decimal_places=2,
                                 widget=forms.NumberInput(attrs=TEXT | {"inputmode": "decimal", "step": "0.01"}))
    pay_max = forms.DecimalField(label=_("最高薪酬（元）"), required=False, min_value=0, max_digits=10, decimal_places=2,
                                 widget=forms.NumberInput(attrs=TEXT | {"inputmode": "decimal", "step": "0.01"}))
    headcount = forms.IntegerField(label=_("招聘人数"), min_value=1, max_value=100000, initial=1,
                                   widget=forms.NumberInput(attrs=TEXT | {"inputmode": "numeric"}))
    start_date = forms.DateField(label=_("开工日期"), required=False, widget=forms.DateInput(attrs=TEXT | {"type": "date"}))
    duration_days = forms.IntegerField(label=_("用工天数"), required=False, min_value=1, max_value=3650,
                                       widget=forms.NumberInput(attrs=TEXT | {"inputmode": "numeric"}))
    duration_hours = forms.IntegerField(label=_("用工小时数"), required=False, min_value=1, max_value=10000,
                                        widget=forms.NumberInput(attrs=TEXT | {"inputmode": "numeric"}))
    contract_months = forms.IntegerField(label=_("岗位期限（月）"), required=False, min_value=1, max_value=600,
                                         widget=forms.NumberInput(attrs=TEXT | {"inputmode": "numeric"}))
    accident_insurance_cover = forms.DecimalField(label=_("人身意外伤害保险保额（元）"), required=False, min_value=0,
                                                  max_digits=12, decimal_places=2,
                                                  widget=forms.NumberInput(attrs=TEXT | {"inputmode": "decimal"}))
    description = forms.CharField(label=_("工作内容"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs=TEXT | {"rows": 2}))
    certificate = forms.CharField(label=_("所需证书"), required=False, max_length=60, widget=forms.TextInput(attrs=TEXT))
    age_min = forms.IntegerField(label=_("最低年龄"), required=False, min_value=0, max_value=100,
                                 widget=forms.NumberInput(attrs=TEXT))
    age_max = forms.IntegerField(label=_("最高年龄"), required=False, min_value=0, max_value=100,
                                 widget=forms.NumberInput(attrs=TEXT))
    physical = forms.ChoiceField(label=_("体力要求"), choices=Physical.choices, initial=Physical.MEDIUM,
                                 widget=forms.Select(attrs=SELECT))
    requirements = forms.CharField(label=_("其他要求"), required=False, max_length=2000,
                                   widget=forms.Textarea(attrs=TEXT | {"rows": 2}))
    contact_name = forms.CharField(label=_("联系人"), required=False, max_length=30, widget=forms.TextInput(attrs=TEXT))
    contact_phone = forms.RegexField(label=_("联系电话"), required=False, regex=r"^1\d{10}$",
                                     error_messages={"invalid": _("请填写 11 位手机号码。")},
                                     widget=forms.TextInput(attrs=TEXT | {"inputmode": "tel"}))
    valid_until = forms.DateField(label=_("有效期至"), required=False, widget=forms.DateInput(attrs=TEXT | {"type": "date"}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    # What an odd job shows first; everything else is folded away.
    QUICK = ("kind", "title", "occupation", "occupation_text", "employer", "unit_name", "region", "start_date",
             "duration_days", "duration_hours", "pay_unit", "pay_min", "pay_max", "headcount")

    def __init__(self, *args, employers=(), owner: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occupation"].choices = occupation_choices()
        self.owner = owner
        if owner:  # an employer user posts for its own organisation only
            del self.fields["employer"]
        else:
            self.fields["employer"].choices = [("", _("（不关联用人单位）"))] + [(str(e.pk), e.name) for e in employers]

    def quick_fields(self):
        return [self[n] for n in self.QUICK if n in self.fields]

    def more_fields(self):
        return [self[n] for n in self.fields if n not in self.QUICK and n != "version"]

    def clean_region(self) -> str:
        from anju.regions.models import Region

        code = self.cleaned_data["region"].strip()
        if not code.isdigit() or not Region.objects.filter(code=code).exists():
            raise forms.ValidationError(_("请选择工作地点（须为已有的行政区划）。"))
        return code

    def clean(self):
        data = super().clean()
        from anju.employment import occupations

        occupation = None
        text = (data.get("occupation_text") or "").strip()
        if data.get("occupation"):
            occupation = Occupation.objects.filter(pk=data["occupation"]).first()
        if occupation is None and text:
            pk = occupations.resolve(text)
            occupation = Occupation.objects.filter(pk=pk).first() if pk else None
            if occupation is None:
                self.add_error("occupation_text", _("未能识别“%(text)s”，请从职业列表中选择。") % {"text": text})
        if occupation is None and not self.errors.get("occupation_text"):
            self.add_error("occupation", _("请选择职业，或输入常用叫法。"))
        data["occupation_obj"] = occupation
        employer = None
        if data.get("employer"):
            employer = Employer.objects.filter(pk=data["employer"]).first()
            if employer is None:
                self.add_error("employer", _("请选择用人单位。"))
        data["employer_obj"] = employer
        if data.get("pay_min") is not None and data.get("pay_max") is None:
            data["pay_max"] = data["pay_min"]
        return data

    def service_data(self) -> dict:
        """The cleaned input as the posting services take it."""
        d = self.cleaned_data
        out = {
            "kind": d["kind"], "title": d["title"].strip(), "occupation": d["occupation_obj"], "region_id": d["region"],
            "address": d["address"], "description": d["description"], "pay_unit": d["pay_unit"],
            "pay_min": d["pay_min"], "pay_max": d["pay_max"], "headcount": d["headcount"],
            "start_date": d["start_date"], "duration_days": d["duration_days"], "duration_hours": d["duration_hours"],
            "contract_months": d["contract_months"], "accident_insurance_cover": d["accident_insurance_cover"],
            "certificate": d["certificate"], "age_min": d["age_min"], "age_max": d["age_max"],
            "physical": d["physical"], "requirements": d["requirements"], "contact_name": d["contact_name"],
            "valid_until": d["valid_until"],
        }
        if d.get("contact_phone"):
            out["contact_phone"] = d["contact_phone"]
        if not self.owner:
            out["employer"] = d["employer_obj"]
            out["unit_name"] = (d["unit_name"] or "").strip() or (d["employer_obj"].name if d["employer_obj"] else "")
        elif d.get("unit_name"):
            out["unit_name"] = d["unit_name"].strip()
        return out

    @staticmethod
    def initial_of(posting) -> dict:
        return {
            "kind": posting.kind, "title": posting.title, "occupation": str(posting.occupation_id),
            "employer": str(posting.employer_id or ""), "unit_name": posting.unit_name, "region": posting.region_id,
            "address": posting.address, "pay_unit": posting.pay_unit, "pay_min": posting.pay_min,
            "pay_max": posting.pay_max, "headcount": posting.headcount, "start_date": posting.start_date,
            "duration_days": posting.duration_days, "duration_hours": posting.duration_hours,
            "contract_months": posting.contract_months, "accident_insurance_cover": posting.accident_insurance_cover,
            "description": posting.description, "certificate": posting.certificate, "age_min": posting.age_min,
            "age_max": posting.age_max, "physical": posting.physical, "requirements": posting.requirements,
            "contact_name": posting.contact_name, "valid_until": posting.valid_until, "version": posting.version,
        }


class PostingMoveForm(VersionedForm):
    id_prefix = "move"

    move = forms.ChoiceField(choices=[("publish", "publish"), ("pause", "pause"), ("fill", "fill"), ("close", "close")])
    reason = forms.CharField(label=_("原因"), required=False, max_length=200, widget=forms.TextInput(attrs=TEXT))


# Referrals --------------------------------------------------------------------------------------
class ReferForm(forms.Form):
    """推荐 from a matches page: which worker to which posting, where the row stood in the list."""

    worker = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    posting = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    direction = forms.ChoiceField(choices=[("jobs", "jobs"), ("workers", "workers")], widget=forms.HiddenInput)
    rank = forms.IntegerField(required=False, min_value=0, max_value=10000, widget=forms.HiddenInput)
    score = forms.FloatField(required=False, min_value=0, max_value=1000, widget=forms.HiddenInput)
    note = forms.CharField(required=False, max_length=200)


class ReferralAdvanceForm(VersionedForm):
    id_prefix = "advance"

    status = forms.ChoiceField(choices=[(s, s) for s in (ReferralStatus.CONTACTED, ReferralStatus.INTERVIEWED,
                                                         ReferralStatus.HIRED, ReferralStatus.NOT_HIRED,
                                                         ReferralStatus.WITHDRAWN)], widget=forms.HiddenInput)
    reason = forms.CharField(label=_("原因"), required=False, max_length=200, widget=forms.TextInput(attrs=TEXT))
    note = forms.CharField(label=_("说明"), required=False, max_length=200, widget=forms.TextInput(attrs=TEXT))
    start_date = forms.DateField(label=_("入职日期"), required=False, widget=forms.DateInput(attrs=TEXT | {"type": "date"}))
    contract_months = forms.IntegerField(label=_("劳动合同期限（月）"), required=False, min_value=1, max_value=600,
                                         widget=forms.NumberInput(attrs=TEXT | {"inputmode": "numeric"}))
    pension_insured = forms.BooleanField(label=_("参加养老保险"), required=False,
                                         widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    medical_insured = forms.BooleanField(label=_("参加医疗保险"), required=False,
                                         widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    unemployment_insured = forms.BooleanField(label=_("参加失业保险"), required=False,
                                              widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))


class InterestReferForm(forms.Form):
    id_number = forms.CharField(label=_("公民身份号码"), max_length=18, min_length=15,
                                widget=forms.TextInput(attrs=TEXT | {"autocomplete": "off"}))


class InterestCloseForm(forms.Form):
    reason = forms.CharField(label=_("结束原因"), max_length=200, widget=forms.TextInput(attrs=TEXT))


class SeekerForm(forms.Form):
    active = forms.BooleanField(label=_("正在求职"), required=False,
                                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    work_range = forms.ChoiceField(label=_("求职范围"), choices=Seeker.Range.choices, widget=forms.Select(attrs=SELECT))
    available_from = forms.DateField(label=_("可到岗日期"), required=False,
                                     widget=forms.DateInput(attrs=TEXT | {"type": "date"}))
    certificates = forms.CharField(label=_("持有证书"), required=False, max_length=300,
                                   help_text=_("以“、”分隔"), widget=forms.TextInput(attrs=TEXT))
    physical = forms.ChoiceField(label=_("可承受体力"), choices=Physical.choices, widget=forms.Select(attrs=SELECT))
