"""The facts catalogue: every fact a policy may read, defined once per subject.

A fact has a name, a type, a unit, Chinese and English labels, and one database expression over
its subject as of an evaluation date. The same expression serves both evaluations: for one
subject it is annotated on a one-row query; for a population it is annotated on the whole
jurisdiction. A fact the database does not hold (`expression=None`, e.g. `no_family_support`) is
unknown unless a screening request gives it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear

from anju.lib.i18n import is_english as _english
from anju.policies.expressions import BOOL, DATE, NUMBER, TEXT
from anju.registry.choices import DIFFICULTY_BITS, DifficultyType, EmploymentStatus

Builder = Callable[[dt.date], Any]  # as_of -> a Django expression over the subject


@dataclass(frozen=True)
class FactDef:
    name: str
    subject: str
    type: str
    label_zh: str
    label_en: str
    build: Builder | None
    unit_zh: str = ""
    unit_en: str = ""
    ledger_field: str | None = None  # the ledger workbook/API field that gives this fact

    @property
    def in_database(self) -> bool:
        return self.build is not None

    @property
    def label(self) -> str:
        return self.label_en if _english() else self.label_zh

    @property
    def unit(self) -> str:
        return self.unit_en if _english() else self.unit_zh


@dataclass(frozen=True)
class SubjectDef:
    name: str
    model_label: str  # app_label.ModelName
    region_path: str  # path from the subject to its 12-digit region code
    label_zh: str
    label_en: str

    @property
    def label(self) -> str:
        return self.label_en if _english() else self.label_zh

    @property
    def model(self):
        from django.apps import apps

        return apps.get_model(self.model_label)


SUBJECTS: dict[str, SubjectDef] = {
    s.name: s
    for s in [
        SubjectDef("worker", "registry.Worker", "residence_region_id", "农民工", "worker"),
        SubjectDef("household", "registry.Household", "region_id", "家庭", "household"),
        SubjectDef("employer", "employment.Employer", "region_id", "用人单位", "employer"),
        SubjectDef("hire", "employment.Hire", "employer__region_id", "用工", "hire"),
        SubjectDef("certificate", "registry.Certificate", "worker__residence_region_id", "证书", "certificate"),
        SubjectDef("business", "employment.Business", "region_id", "创业实体", "business"),
        # Training subsidies are paid to the employer that trains: the employer's region decides.
        SubjectDef("training_enrolment", "training.TrainingEnrolment", "employer__region_id", "培训", "training enrolment"),
    ]
}

_DEC = DecimalField(max_digits=20, decimal_places=6)


def _f(prefix: str, field: str) -> F:
    return F(f"{prefix}{field}")


def _q(prefix: str, **lookups) -> Q:
    return Q(**{f"{prefix}{k}": v for k, v in lookups.items()})


def _bool(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


def _num(expr) -> ExpressionWrapper:
    return ExpressionWrapper(expr, output_field=_DEC)


def _months_after(prefix: str, field: str, as_of: dt.date):
    """Whole calendar months after `field`'s month and before `as_of`'s month (ledger spec:
    last income 2021-02, date 2021-06-15 -> 3); unknown when the field is empty; never negative."""
    months = Value(as_of.year * 12 + as_of.month - 1) - (ExtractYear(_f(prefix, field)) * 12 + ExtractMonth(_f(prefix, field)))
    return Case(
        When(_q(prefix, **{f"{field}__isnull": True}), then=None),
        When(_q(prefix, **{f"{field}__gte": as_of.replace(day=1)}), then=Value(0)),
        default=months, output_field=IntegerField(),
    )


def _whole_months_between(start_expr_prefix: str, start_field: str, end: dt.date | Any, end_is_field: str | None = None):
    """Whole months from `start_field` to `end` (a date, or another field): 2021-01-31 → 2021-03-30 is 1."""
    start = _f(start_expr_prefix, start_field)
    if end_is_field:
        end_expr = F(end_is_field)
        months = (ExtractYear(end_expr) - ExtractYear(start)) * 12 + ExtractMonth(end_expr) - ExtractMonth(start)
        short = Q(**{f"{start_expr_prefix}{start_field}__day__gt": ExtractDay(end_expr)})
    else:
        months = (Value(end.year) - ExtractYear(start)) * 12 + Value(end.month) - ExtractMonth(start)
        short = Q(**{f"{start_expr_prefix}{start_field}__day__gt": end.day})
    return Case(
        When(Q(**{f"{start_expr_prefix}{start_field}__isnull": True}), then=None),
        When(short, then=months - 1),
        default=months, output_field=IntegerField(),
    )


def _age(prefix: str, as_of: dt.date):
    birth = f"{prefix}birth_date"
    later_this_year = Q(**{f"{birth}__month__gt": as_of.month}) | Q(**{f"{birth}__month": as_of.month, f"{birth}__day__gt": as_of.day})
    return Case(When(later_this_year, then=Value(as_of.year - 1) - ExtractYear(F(birth))),
                default=Value(as_of.year) - ExtractYear(F(birth)), output_field=IntegerField())


def _has_type(prefix: str, code: str) -> Q:
    bit = DIFFICULTY_BITS[code]
    return _q(prefix, difficulty_mask__in=[m for m in range(1 << len(DIFFICULTY_BITS)) if m & bit])


def _worker_facts(subject: str, prefix: str) -> list[FactDef]:
    """Facts about a worker; reused (with a path prefix) by subjects that have one."""
    p = prefix
    facts = [
        FactDef("age", subject, NUMBER, "年龄", "Age", lambda d, x=p: _age(x, d), "岁", "years"),
        FactDef("employment_status", subject, TEXT, "就业状态", "Employment status",
                lambda d, x=p: _f(x, "employment_status"), ledger_field="employment_status"),
        FactDef("unemployed", subject, BOOL, "失业", "Unemployed",
                lambda d, x=p: _bool(_q(x, employment_status=EmploymentStatus.UNEMPLOYED))),
        FactDef("able_to_work", subject, BOOL, "有劳动能力", "Able to work",
                lambda d, x=p: _bool(~_q(x, employment_status=EmploymentStatus.UNABLE))),
        FactDef("unemployment_registered", subject, BOOL, "已办理失业登记", "Registered unemployed",
                lambda d, x=p: _bool(_q(x, employment_status=EmploymentStatus.UNEMPLOYED, unemployment_registered_on__isnull=False))),
        FactDef("unemployment_registered_months", subject, NUMBER, "失业登记时长", "Months registered unemployed",
                lambda d, x=p: Case(When(_q(x, employment_status=EmploymentStatus.UNEMPLOYED),
                                         then=_whole_months_between(x, "unemployment_registered_on", d)),
                                    default=None, output_field=IntegerField()),
                "个月", "months", ledger_field="unemployment_registered_on"),
        FactDef("months_without_income", subject, NUMBER, "连续无收入月数", "Months without income",
                lambda d, x=p: _months_after(x, "last_income_month", d), "个月", "months", ledger_field="last_income_month"),
        FactDef("in_difficulty", subject, BOOL, "困难农民工", "Worker in difficulty",
                lambda d, x=p: _bool(_q(x, difficulty_mask__gt=0)), ledger_field="difficulty_types"),
        FactDef("pension_insured", subject, BOOL, "参加养老保险", "Pension insured",
                lambda d, x=p: _f(x, "pension_insured"), ledger_field="pension_insured"),
        FactDef("medical_insured", subject, BOOL, "参加医疗保险", "Medical insured",
                lambda d, x=p: _f(x, "medical_insured"), ledger_field="medical_insured"),
        FactDef("unemployment_insured", subject, BOOL, "参加失业保险", "Unemployment insured",
                lambda d, x=p: _f(x, "unemployment_insured"), ledger_field="unemployment_insured"),
        FactDef("injury_insured", subject, BOOL, "参加工伤保险", "Injury insured",
                lambda d, x=p: _f(x, "injury_insured"), ledger_field="injury_insured"),
        FactDef("ui_contribution_months", subject, NUMBER, "失业保险缴费月数", "Unemployment insurance months paid",
                lambda d, x=p: _f(x, "ui_contribution_months"), "个月", "months", ledger_field="ui_contribution_months"),
        FactDef("monthly_income", subject, NUMBER, "月收入", "Monthly income",
                lambda d, x=p: _num(_f(x, "monthly_income")), "元", "yuan", ledger_field="monthly_income"),
        FactDef("training_willing", subject, BOOL, "有培训意愿", "Willing to train",
                lambda d, x=p: _f(x, "training_willing"), ledger_field="training_willing"),
    ]
    for code, label in DifficultyType.choices:
        with_en = {
            "employment_difficulty": "Person with employment difficulty", "poverty_alleviated": "Lifted out of poverty",
            "minimum_living_allowance": "Minimum living allowance recipient", "extreme_poverty": "In extreme poverty",
            "disabled": "Disabled", "zero_employment_family": "Zero-employment family",
            "relocated": "Poverty relocation household", "epidemic_affected": "Affected by the epidemic",
        }[code]
        facts.append(FactDef(code, subject, BOOL, str(label), with_en,
                             lambda d, x=p, c=code: _bool(_has_type(x, c)), ledger_field="difficulty_types"))
    return facts


def _catalogue() -> dict[str, dict[str, FactDef]]:
    c: dict[str, list[FactDef]] = {s: [] for s in SUBJECTS}
    c["worker"] += _worker_facts("worker", "")
    c["worker"] += [
        FactDef("no_family_support", "worker", BOOL, "无家庭支持", "No family support", None),
        FactDef("lost_job_involuntarily", "worker", BOOL, "非本人意愿中断就业", "Lost the job involuntarily", None),
        FactDef("seeking_work", "worker", BOOL, "有求职要求", "Seeking work", None),
        # Counted from point-to-point trips (anju.employment.trips): yes when the worker rode an
        # arrived trip that left in the 12 months before the date, else unknown — never "no", for
        # a worker may travel on their own (then the fact is given at application).
        FactDef("going_out_to_work", "worker", BOOL, "外出务工", "Going out to work",
                lambda d: Case(When(Exists(_recent_trips(d)), then=Value(True)), default=Value(None),
                               output_field=BooleanField())),
        FactDef("transport_cost", "worker", NUMBER, "实际交通费用", "Actual transport cost",
                lambda d: Subquery(_recent_trips(d).values("trip__fare")[:1], output_field=_DEC), "元", "yuan"),
        # How the last contract ended and whether benefit is being drawn: HRSS records, not the ledger.
        FactDef("contract_ended_not_renewed", "worker", BOOL, "劳动合同期满未续订或提前解除",
                "Contract expired without renewal or ended early", None),
        FactDef("receiving_unemployment_benefit", "worker", BOOL, "正在领取失业保险金",
                "Drawing unemployment insurance benefit", None),
        FactDef("children_under_18", "worker", NUMBER, "未满 18 周岁的子女数", "Children under 18",
                lambda d: _count_children("worker", d), "名", "children"),
    ]
    c["household"] += [
        FactDef("union_hardship", "household", BOOL, "符合工会困难帮扶条件", "Meets the union's hardship conditions",
                lambda d: F("union_hardship")),
        FactDef("member_count", "household", NUMBER, "台账中的家庭成员数", "Members in the ledger",
                lambda d: _count_members()),
        # Cable TV accounts are held by the broadcaster, not the ledger: given when the household applies.
        FactDef("cable_tv_cut_off_for_arrears", "household", BOOL, "广电机顶盒因欠费已停机",
                "Cable TV set-top box cut off for arrears", None),
        FactDef("cable_tv_new_user", "household", BOOL, "新办理广电网络用户", "New cable TV subscriber", None),
        # Children are held under their parents in the ledger (registry.Child): counted over the
        # household's workers, under 18 on the evaluation date.
        FactDef("children_under_18", "household", NUMBER, "家中未满 18 周岁的子女数", "Children under 18 in the household",
                lambda d: _count_children("worker__household", d), "名", "children"),
        FactDef("april_birthday_children", "household", NUMBER, "家中 4 月出生、未满 18 周岁的子女数",
                "Children under 18 in the household born in April",
                lambda d: _count_children("worker__household", d, birth_date__month=4), "名", "children"),
    ]
    c["employer"] += [
        FactDef("is_sme", "employer", BOOL, "中小微企业", "Small, medium or micro enterprise",
                lambda d: _bool(Q(size_class__in=["micro", "small", "medium"]))),
        FactDef("staff_count", "employer", NUMBER, "职工人数", "Staff", lambda d: F("staff_count"), "人", "people"),
        FactDef("ui_months_paid_last_year", "employer", NUMBER, "上年度失业保险缴费月数", "UI months paid last year",
                lambda d: _employer_year("ui_months_paid", d), "个月", "months"),
        FactDef("ui_premiums_paid_last_year", "employer", NUMBER, "上年度缴纳失业保险费", "UI premiums paid last year",
                lambda d: _num(_employer_year("ui_premiums_paid", d)), "元", "yuan"),
        FactDef("layoff_rate_last_year", "employer", NUMBER, "上年度裁员率", "Layoff rate last year",
                lambda d: _layoff_rate(d)),
        FactDef("insured_staff_last_year", "employer", NUMBER, "上年度平均参保职工人数", "Average insured staff last year",
                lambda d: _employer_year("average_staff", d), "人", "people"),
        FactDef("culture_spending", "employer", NUMBER, "文体设施及活动支出", "Spending on culture and sports", None, "元", "yuan"),
        FactDef("many_migrant_workers", "employer", BOOL, "农民工较多", "Employs many migrant workers", None),
        FactDef("is_small_or_micro", "employer", BOOL, "小微企业", "Small or micro enterprise",
                lambda d: _bool(Q(size_class__in=["small", "micro"]))),
        # Union dues are paid to the union, and the reward is judged by the reviewing bureau: neither
        # is in the ledger.
        FactDef("union_dues_paid", "employer", NUMBER, "已上缴工会经费", "Union dues paid", None, "元", "yuan"),
        FactDef("kept_jobs_resumed_production", "employer", BOOL, "稳岗复产等工作落实较好（主管部门认定）",
                "Did well at keeping jobs and resuming production (as the bureau judges)", None),
    ]
    c["hire"] += _worker_facts("hire", "worker__")
    c["hire"] += [
        FactDef("hire_date", "hire", DATE, "入职日期", "Hire date", lambda d: F("start_date")),
        FactDef("contract_months", "hire", NUMBER, "劳动合同期限", "Contract length", lambda d: F("contract_months"), "个月", "months"),
        FactDef("unemployed_months_at_hire", "hire", NUMBER, "入职时已登记失业月数", "Months registered unemployed at hire",
                lambda d: _whole_months_between("worker__", "unemployment_registered_on", None, end_is_field="start_date"),
                "个月", "months"),
        FactDef("pension_or_ui_enrolled", "hire", BOOL, "单位为其缴纳养老或失业保险", "Employer enrolled pension or UI",
                lambda d: _bool(Q(pension_insured=True) | Q(unemployment_insured=True))),
        FactDef("premiums_paid_monthly", "hire", NUMBER, "单位月缴社会保险费", "Employer premiums per month",
                lambda d: _num(F("pension_premium_monthly") + F("medical_premium_monthly") + F("unemployment_premium_monthly")),
                "元", "yuan"),
        FactDef("employer_is_sme", "hire", BOOL, "用人单位为中小微企业", "Employer is an SME",
                lambda d: _bool(Q(employer__size_class__in=["micro", "small", "medium"]))),
        FactDef("new_hire", "hire", BOOL, "新招用", "New hire", lambda d: _bool(Q(start_date__lte=d))),
        # Whole months from the hire date to the evaluation date (2021-01-31 → 2021-03-30: 1);
        # negative for a hire that starts later.
        FactDef("months_since_hire", "hire", NUMBER, "入职至今月数", "Months since the hire date",
                lambda d: _whole_months_between("", "start_date", d), "个月", "months"),
        FactDef("months_claimed", "hire", NUMBER, "申请补贴月数", "Months claimed", None, "个月", "months"),
        # A post as filled: a hire that is a public welfare post placement (anju.employment.placements)
        # gives the post's monthly subsidy and accident insurance cover; for any other hire the pay
        # and cover are unknown (given at screening). Temporary posts have no record of their own.
        FactDef("public_welfare_post", "hire", BOOL, "公益性岗位", "Public welfare post",
                lambda d: Exists(_post_assignment())),
        FactDef("temporary_post", "hire", BOOL, "临时性岗位", "Temporary post", None),
        FactDef("monthly_pay", "hire", NUMBER, "岗位月工资（补贴）", "Monthly pay or post subsidy",
                lambda d: Subquery(_post_assignment().values("monthly_subsidy")[:1], output_field=_DEC),
                "元/月", "yuan/month"),
        FactDef("accident_insurance_cover", "hire", NUMBER, "人身意外伤害保险保额", "Personal accident insurance cover",
                lambda d: Subquery(_post_assignment().values("accident_insurance_cover")[:1], output_field=_DEC),
                "元", "yuan"),
    ]
    c["certificate"] += [
        FactDef("holder_in_difficulty", "certificate", BOOL, "持证人为困难农民工", "Holder is a worker in difficulty",
                lambda d: _bool(Q(worker__difficulty_mask__gt=0))),
        FactDef("certificate_kind", "certificate", TEXT, "证书类型", "Certificate kind", lambda d: F("kind")),
        FactDef("grade", "certificate", NUMBER, "等级", "Grade", lambda d: F("grade")),
        FactDef("shortage", "certificate", BOOL, "紧缺工种", "Shortage occupation", lambda d: F("shortage")),
        FactDef("issued_on", "certificate", DATE, "发证日期", "Issued on", lambda d: F("issued_on")),
        # The category of a shortage occupation (Quanzhou raises service and manufacturing ones by
        # different rates); the ledger does not hold it: given when the worker applies.
        FactDef("occupation_category", "certificate", TEXT, "紧缺工种类别（service 服务类 / manufacturing 制造类）",
                "Shortage occupation category (service / manufacturing)", None),
    ]
    c["business"] += [
        FactDef("founder_employment_difficulty", "business", BOOL, "创业者为就业困难人员", "Founder has employment difficulty",
                lambda d: _bool(_has_type("founder__", "employment_difficulty"))),
        FactDef("first_business", "business", BOOL, "首次创业", "First business", lambda d: F("first_business")),
        FactDef("founder_is_legal_rep", "business", BOOL, "创业者为法定代表人或负责人", "Founder is legal representative",
                lambda d: F("founder_is_legal_rep")),
        FactDef("operating_months", "business", NUMBER, "正常经营月数", "Months operating",
                lambda d: Case(When(Q(closed_on__isnull=False, closed_on__lte=d), then=None),
                               default=_whole_months_between("", "founded_on", d), output_field=IntegerField()),
                "个月", "months"),
    ]
    c["training_enrolment"] += [
        FactDef("newly_hired", "training_enrolment", BOOL, "用人单位新招用", "Newly hired by the employer", lambda d: F("newly_hired")),
        FactDef("class_hours", "training_enrolment", NUMBER, "培训课时", "Class hours", lambda d: F("class_hours"), "课时", "hours"),
        FactDef("certificate_obtained", "training_enrolment", BOOL, "取得结业证书", "Completion certificate obtained",
                lambda d: F("certificate_obtained")),
    ]
    return {subject: {f.name: f for f in facts} for subject, facts in c.items()}


def _recent_trips(as_of: dt.date):
    """The worker's rides on arrived point-to-point trips that left in the 12 months up to
    `as_of`, the latest first (its fare is the transport cost; unknown when not recorded)."""
    from anju.employment.models import TripPassenger, TripStatus

    try:
        year_before = as_of.replace(year=as_of.year - 1)
    except ValueError:  # 29 February
        year_before = as_of.replace(year=as_of.year - 1, day=28)
    return (TripPassenger.objects.filter(worker=OuterRef("pk"), boarded=True, trip__status=TripStatus.ARRIVED,
                                         trip__departs_on__lte=as_of, trip__departs_on__gt=year_before)
            .order_by("-trip__departs_on", "-trip_id"))


def _post_assignment():
    """The hire's public welfare post placement (at most one)."""
    from anju.employment.models import PostAssignment

    return PostAssignment.objects.filter(hire=OuterRef("pk"))


def _count_members():
    from anju.registry.models import Worker

    return Coalesce(Subquery(Worker.objects.filter(household=OuterRef("pk")).order_by().values("household")
                             .annotate(n=_count()).values("n")[:1]), Value(0), output_field=IntegerField())


def _count_children(parent: str, as_of: dt.date, **lookups):
    """Children of the subject (`parent` is the path from a child to it) under 18 on `as_of`."""
    from anju.registry.models import Child, child_born_after

    children = Child.objects.filter(**{parent: OuterRef("pk")}, birth_date__lte=as_of,
                                    birth_date__gt=child_born_after(as_of), **lookups)
    return Coalesce(Subquery(children.order_by().values(parent).annotate(n=_count()).values("n")[:1]),
                    Value(0), output_field=IntegerField())


def _count():
    from django.db.models import Count

    return Count("id")


def _employer_year(field: str, as_of: dt.date):
    from anju.employment.models import EmployerYear

    return Subquery(EmployerYear.objects.filter(employer=OuterRef("pk"), year=as_of.year - 1).values(field)[:1])


def _layoff_rate(as_of: dt.date):
    from anju.employment.models import EmployerYear

    year = EmployerYear.objects.filter(employer=OuterRef("pk"), year=as_of.year - 1, average_staff__gt=0)
    rate = ExpressionWrapper(F("layoffs") * Value(Decimal("1.0")) / F("average_staff"), output_field=_DEC)
    return Subquery(year.annotate(rate=rate).values("rate")[:1], output_field=_DEC)


CATALOGUE: dict[str, dict[str, FactDef]] = _catalogue()

def fact_types(subject: str) -> dict[str, str]:
    return {name: f.type for name, f in CATALOGUE[subject].items()}


def annotations(subject: str, names: set[str], as_of: dt.date) -> dict[str, Any]:
    """Django expressions for the named facts of `subject`, as of a date (facts not held in the
    database become NULL)."""
    out: dict[str, Any] = {}
    for name in sorted(names):
        fact = CATALOGUE[subject][name]
        expr = fact.build(as_of) if fact.build else Value(None, output_field=_output(fact.type))
        # One declared output type per fact: SQL sees booleans as conditions, numbers as decimals.
        out[f"fact__{name}"] = ExpressionWrapper(expr, output_field=_output(fact.type))
    return out


def _output(kind: str):
    from django.db.models import DateField, TextField

    return {BOOL: BooleanField(), NUMBER: _DEC, DATE: DateField(), TEXT: TextField()}[kind]


def plain(value: Any, kind: str) -> Any:
    """A fact value as evaluation wants it: numbers as Decimal (SQLite gives floats or ints)."""
    if value is None:
        return None
    if kind == NUMBER:
        return Decimal(str(value)) if not isinstance(value, Decimal) else value
    if kind == BOOL:
        return bool(value)
    if kind == DATE and isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value
