"""Public welfare posts (公益性岗位): placing a worker in a post, monthly attendance and the subsidy
due for it, the accident insurance, the tenure and the end of a placement.

A placement assigns a worker to a published public welfare posting. It is the ledger's Hire by
the unit that runs the post (the posting's employer), sets the worker employed and writes the
timeline. The monthly subsidy and the accident insurance are checked, on the start date, with the
rules that apply where the post is (`services.posting_rules_for`), reading the post's terms and
the post holder's ledger facts (poverty-alleviated ...); a refusal is in the rule's words, and a
rule that cannot tell (a parameter not entered) refuses too, naming the parameter. What the rules
said is kept in `rule_check`.

Each month's attendance gives the subsidy due: the monthly subsidy × days present ÷ days
required, to the cent (the full subsidy for a full month); the officer may enter a lower figure
with a note, never more than the monthly subsidy.

Candidates for a post come from `quanzhou-public-welfare-post-placement` where it applies; where
the Shanxi subsidy rule applies, the poverty-alleviated workers (the rule's post holder); each
list within the officer's jurisdiction, ranked by the matcher.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_

from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.employment import services
from anju.employment.models import (
    AssignmentStatus,
    Hire,
    JobPosting,
    PostAssignment,
    PostAttendance,
    PostingKind,
    PostingStatus,
)
from anju.employment.permissions import PlacementPolicy
from anju.employment.services import EmploymentError
from anju.lib.dates import month_end
from anju.lib.versioning import lock_versioned, save_versioned

CENT = Decimal("0.01")
CANDIDATE_POLICY = "quanzhou-public-welfare-post-placement"
EXPIRY_WARNING_DAYS = 30  # insurance ending within this many days is flagged
CANDIDATE_LIMIT = 50
# The facts the post gives to its rules at placement (the rest are the post holder's).
POST_FACTS = frozenset({"public_welfare_post", "temporary_post", "contract_months", "monthly_pay",
                        "accident_insurance_cover", "hire_date", "new_hire"})


def _today() -> dt.date:
    return timezone.localdate()


# Reads -------------------------------------------------------------------------------------------
def placements_for_user(user, action: str = "view", *, within: str = "") -> QuerySet[PostAssignment]:
    return PlacementPolicy.scope(user, PostAssignment.objects.all(), action, within=within)


def get_placement_for_user(user, pk, *, action: str = "view") -> PostAssignment:
    from anju.employment.selectors import checked_pk

    placement = (placements_for_user(user).select_related("posting", "posting__employer", "worker", "hire", "created_by")
                 .filter(pk=checked_pk(pk)).first())
    if placement is None or not PlacementPolicy.can_on(user, action, placement):
        raise Http404
    return placement


def tenure_months(placement: PostAssignment, on: dt.date | None = None) -> int:
    """Whole months in the post, from the start date to the end date (or today)."""
    end = placement.end_date or on or _today()
    if end < placement.start_date:
        return 0
    months = (end.year - placement.start_date.year) * 12 + end.month - placement.start_date.month
    if end.day < placement.start_date.day:
        months -= 1
    return max(months, 0)


def insurance_expiring(placement: PostAssignment, on: dt.date | None = None) -> bool:
    """An active placement whose insurance has ended or ends within 30 days (or is not dated)."""
    if placement.status != AssignmentStatus.ACTIVE:
        return False
    if placement.insured_until is None:
        return True
    return placement.insured_until < (on or _today()) + dt.timedelta(days=EXPIRY_WARNING_DAYS)


def subsidy_for(monthly: Decimal, days_required: int, days_present: int) -> Decimal:
    """The subsidy due for a month: the full monthly subsidy for a full month, else pro rata."""
    if days_present >= days_required:
        return Decimal(monthly).quantize(CENT)
    return (Decimal(monthly) * days_present / days_required).quantize(CENT, rounding=ROUND_HALF_UP)


def active_count(posting: JobPosting) -> int:
    return PostAssignment.objects.filter(posting=posting, status=AssignmentStatus.ACTIVE).count()


# The rules -----------------------------------------------------------------------------------------
def _holder_facts(policy, worker, facts: dict[str, Any], on: dt.date) -> dict[str, Any]:
    """The post holder's facts the rule reads that the post does not give, from the ledger."""
    from anju.policies import engine
    from anju.policies.facts import CATALOGUE

    names = {n for n in policy.facts_read() if n not in facts and n in CATALOGUE["worker"]}
    return engine.subject_facts("worker", worker, names, on) if names else {}


def rule_results(posting: JobPosting, worker, *, monthly_subsidy: Decimal, cover: Decimal,
                 start: dt.date) -> list[services.RuleResult]:
    """What each rule of a public welfare post in its place says of this placement, on its start date."""
    from anju.policies.facts import CATALOGUE

    results = []
    for policy in services.posting_rules_for(PostingKind.PUBLIC_WELFARE, posting.region_id, start):
        facts: dict[str, Any] = {
            "public_welfare_post": True, "temporary_post": False, "contract_months": posting.contract_months,
            "monthly_pay": Decimal(monthly_subsidy), "accident_insurance_cover": Decimal(cover),
            "hire_date": start, "new_hire": True,
        }
        facts.update(_holder_facts(policy, worker, facts, start))
        result = services.check_rules(policy, facts=facts, region_code=posting.region_id, on=start)
        missing = sorted(n for n in policy.facts_read() if facts.get(n) is None)
        if result.outcome == "unknown" and not result.missing_params and missing:
            hire_facts = CATALOGUE["hire"]
            result.missing_params = [{"name": n, "zh": hire_facts[n].label_zh if n in hire_facts else n,
                                      "en": hire_facts[n].label_en if n in hire_facts else n} for n in missing]
        results.append(result)
    return results


def refusal(results: list[services.RuleResult]) -> EmploymentError | None:
    for r in results:
        if r.outcome == "refused":
            return EmploymentError(N_("不符合「%(rule)s」，不能安置：%(reasons)s。"), code="placement_rule",
                                   params={"rule": r.title_zh, "reasons": "；".join(f["zh"] for f in r.failed)})
    for r in results:
        if r.outcome == "unknown":
            return EmploymentError(N_("「%(rule)s」无法校验：%(params)s尚未录入，请先在政策参数中为本地区录入后再安置。"),
                                   code="placement_rule_unknown",
                                   params={"rule": r.title_zh, "params": "、".join(p["zh"] for p in r.missing_params)})
    return None


# Writes ----------------------------------------------------------------------------------------------
def _check(actor, placement: PostAssignment, action: str) -> None:
    if not PlacementPolicy.can_on(actor, action, placement):
        raise EmploymentError(N_("您没有管理该地区公益性岗位安置的权限。"), code="forbidden", status=403)


def _money(value, field: str, label: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (ArithmeticError, ValueError, TypeError):
        raise EmploymentError(N_("请填写%(label)s。"), field, params={"label": label}) from None
    if not amount.is_finite() or amount <= 0:
        raise EmploymentError(N_("%(label)s须大于 0。"), field, params={"label": label})
    return amount.quantize(CENT)


def _set_posting_full(posting_id: int) -> None:
    """A published post whose places are all taken is filled (and leaves the matching index)."""
    posting = JobPosting.objects.get(pk=posting_id)
    if posting.status == PostingStatus.PUBLISHED and active_count(posting) >= posting.headcount:
        JobPosting.objects.filter(pk=posting_id, status=PostingStatus.PUBLISHED).update(
            status=PostingStatus.FILLED, version=F("version") + 1)
        services._unindex(posting)


def _reopen_posting(posting_id: int) -> None:
    """A filled post with a place free again (a holder left) is open again while still valid."""
    posting = JobPosting.objects.select_related("occupation").get(pk=posting_id)
    if posting.status != PostingStatus.FILLED or active_count(posting) >= posting.headcount:
        return
    if posting.valid_until and posting.valid_until < _today():
        return
    JobPosting.objects.filter(pk=posting_id, status=PostingStatus.FILLED).update(
        status=PostingStatus.PUBLISHED, version=F("version") + 1)
    posting.status = PostingStatus.PUBLISHED
    services._index(posting)


@transaction.atomic
def assignment_create(*, actor, posting: JobPosting, worker, data: dict[str, Any]) -> PostAssignment:
    """Place a worker in a published public welfare post: `data` has start_date, monthly_subsidy,
    accident_insurance_cover, insurance_policy_no and insured_until."""
    from anju.registry.models import Worker
    from anju.registry.permissions import WorkerPolicy
    from anju.registry.services import timeline_add, worker_update

    locked = lock_versioned(JobPosting.objects.select_related("employer", "occupation"), posting.pk)
    placement = PostAssignment(posting=locked, worker=worker, region_code=locked.region_id, created_by=actor)
    _check(actor, placement, "create")
    if not WorkerPolicy.can_on(actor, "view", worker):
        raise EmploymentError(N_("该人员不在您的管辖范围内。"), "worker", code="forbidden", status=403)
    if locked.kind != PostingKind.PUBLIC_WELFARE:
        raise EmploymentError(N_("该岗位不是公益性岗位。"), code="kind")
    taken = active_count(locked)
    if taken >= locked.headcount and locked.status in (PostingStatus.PUBLISHED, PostingStatus.FILLED):
        raise EmploymentError(N_("该岗位已满员（共 %(headcount)s 个岗位，在岗 %(taken)s 人）。"), code="full",
                              params={"headcount": locked.headcount, "taken": taken})
    if locked.status != PostingStatus.PUBLISHED:
        raise EmploymentError(N_("该岗位不在招聘中（%(status)s），不能安置。"), code="state",
                              params={"status": locked.get_status_display()})
    if locked.employer_id is None:
        raise EmploymentError(N_("该岗位未关联用人单位（岗位开发单位），不能登记安置；请先为岗位选择用人单位。"),
                              code="no_employer")
    if PostAssignment.objects.filter(worker=worker, status=AssignmentStatus.ACTIVE).exists():
        raise EmploymentError(N_("%(name)s已在公益性岗位上岗，须先办理离岗。"), "worker", code="duplicate",
                              params={"name": worker.name})
    start = data.get("start_date")
    if not isinstance(start, dt.date):
        raise EmploymentError(N_("请填写上岗日期。"), "start_date")
    if start > _today() + dt.timedelta(days=366):
        raise EmploymentError(N_("上岗日期不能晚于一年以后。"), "start_date")
    subsidy = _money(data.get("monthly_subsidy"), "monthly_subsidy", gettext_lazy("月岗位补贴"))
    cover = _money(data.get("accident_insurance_cover"), "accident_insurance_cover", gettext_lazy("意外伤害保险保额"))
    insured_until = data.get("insured_until")
    if insured_until is not None and (not isinstance(insured_until, dt.date) or insured_until < start):
        raise EmploymentError(N_("保险有效期不能早于上岗日期。"), "insured_until")
    if not locked.contract_months:
        raise EmploymentError(N_("岗位未填写岗位期限（月），不能登记安置。"), code="contract_months")
    results = rule_results(locked, worker, monthly_subsidy=subsidy, cover=cover, start=start)
    error = refusal(results)
    if error is not None:
        raise error
    hire = Hire.objects.create(worker=worker, employer=locked.employer, start_date=start,
                               contract_months=int(locked.contract_months))
    placement.hire = hire
    placement.start_date = start
    placement.monthly_subsidy = subsidy
    placement.accident_insurance_cover = cover
    placement.insurance_policy_no = (data.get("insurance_policy_no") or "").strip()[:60]
    placement.insured_until = insured_until
    placement.rule_check = [r.as_json() for r in results]
    try:
        with transaction.atomic():
            placement.save()
    except IntegrityError:
        raise EmploymentError(N_("%(name)s已在公益性岗位上岗，须先办理离岗。"), "worker", code="duplicate",
                              params={"name": worker.name}) from None
    JobPosting.objects.filter(pk=locked.pk).update(hired_count=F("hired_count") + 1)
    _set_posting_full(locked.pk)
    fresh = Worker.objects.get(pk=worker.pk)
    timeline_add(worker=fresh, kind="post_assignment", actor=actor,
                 data={"title": locked.title, "unit": locked.unit_name, "start_date": start.isoformat(),
                       "placement": placement.pk})
    if fresh.employment_status != "employed":
        worker_update(actor=actor, worker=fresh, data={"employment_status": "employed"}, kind="status",
                      authorised=True)
    audit_record(actor=actor, action=Action.CREATE, obj=hire, region_code=placement.region_code,
                 detail={"placement": placement.pk})
    audit_record(actor=actor, action=Action.CREATE, obj=placement, region_code=placement.region_code,
                 detail={"posting": locked.pk, "worker": worker.pk, "start_date": start.isoformat(),
                         "monthly_subsidy": str(subsidy), "accident_insurance_cover": str(cover)})
    return placement


def _lock(actor, placement: PostAssignment, expected_version: int | None = None) -> PostAssignment:
    locked = lock_versioned(PostAssignment.objects.select_related("posting", "worker", "hire"), placement.pk,
                            expected_version=expected_version)
    _check(actor, locked, "change")
    return locked


def _attendance_values(locked: PostAssignment, month, days_required, days_present, subsidy_due, note: str,
                       ) -> tuple[dt.date, int, int, Decimal, Decimal, str]:
    """The month (its first day), the days, the subsidy due and the one computed from the days,
    and the note, checked against the placement: refused with the field when wrong."""
    if not isinstance(month, dt.date):
        raise EmploymentError(N_("请选择月份。"), "month")
    month = month.replace(day=1)
    today = _today()
    if month > today.replace(day=1):
        raise EmploymentError(N_("不能登记未来月份（%(month)s）的考勤。"), "month", code="future",
                              params={"month": f"{month:%Y-%m}"})
    if month < locked.start_date.replace(day=1):
        raise EmploymentError(N_("%(month)s早于上岗日期（%(start)s）。"), "month", code="before_start",
                              params={"month": f"{month:%Y-%m}", "start": locked.start_date.isoformat()})
    if locked.end_date is not None and month > locked.end_date.replace(day=1):
        raise EmploymentError(N_("%(month)s晚于离岗日期（%(end)s）。"), "month", code="after_end",
                              params={"month": f"{month:%Y-%m}", "end": locked.end_date.isoformat()})
    try:
        required, present = int(days_required), int(days_present)
    except (TypeError, ValueError):
        raise EmploymentError(N_("请填写出勤天数。"), "days_required") from None
    days_in_month = month_end(month).day
    if not 1 <= required <= days_in_month:
        raise EmploymentError(N_("应出勤天数须在 1 到 %(days)s 天之间。"), "days_required", params={"days": days_in_month})
    if present < 0:
        raise EmploymentError(N_("实际出勤天数不能为负数。"), "days_present")
    if present > required:
        raise EmploymentError(N_("实际出勤天数（%(present)s）不能多于应出勤天数（%(required)s）。"), "days_present",
                              params={"present": present, "required": required})
    computed = subsidy_for(locked.monthly_subsidy, required, present)
    note = (note or "").strip()[:200]
    due = computed
    if subsidy_due is not None:
        try:
            due = Decimal(str(subsidy_due)).quantize(CENT)
        except (ArithmeticError, ValueError):
            raise EmploymentError(N_("应发补贴金额不正确。"), "subsidy_due") from None
        if not due.is_finite() or due < 0:
            raise EmploymentError(N_("应发补贴金额不正确。"), "subsidy_due")
        if due > locked.monthly_subsidy:
            raise EmploymentError(N_("应发补贴不能高于月岗位补贴（%(amount)s 元）。"), "subsidy_due",
                                  params={"amount": f"{locked.monthly_subsidy:f}"})
        if due != computed and not note:
            raise EmploymentError(N_("应发补贴与按出勤计算的 %(amount)s 元不同，请在备注中说明原因。"), "note",
                                  params={"amount": f"{computed:f}"})
    return month, required, present, due, computed, note


@transaction.atomic
def attendance_record(*, actor, assignment: PostAssignment, month: dt.date, days_required: int, days_present: int,
                      subsidy_due: Decimal | None = None, note: str = "") -> PostAttendance:
    """One month's attendance and the subsidy due for it (once per month; months of the placement,
    not in the future). A month recorded wrongly is corrected by `attendance_correct`."""
    locked = _lock(actor, assignment)
    month, required, present, due, computed, note = _attendance_values(locked, month, days_required, days_present,
                                                                       subsidy_due, note)
    if locked.attendance.filter(month=month).exists():
        raise EmploymentError(N_("%(month)s的考勤已登记。"), "month", code="duplicate", params={"month": f"{month:%Y-%m}"})
    try:
        with transaction.atomic():
            row = PostAttendance.objects.create(assignment=locked, month=month, days_required=required,
                                                days_present=present, subsidy_due=due, note=note, recorded_by=actor)
    except IntegrityError:
        raise EmploymentError(N_("%(month)s的考勤已登记。"), "month", code="duplicate",
                              params={"month": f"{month:%Y-%m}"}) from None
    audit_record(actor=actor, action=Action.CREATE, obj=row, region_code=locked.region_code,
                 detail={"placement": locked.pk, "month": f"{month:%Y-%m}", "days_required": required,
                         "days_present": present, "subsidy_due": str(due), "computed": str(computed)})
    return row


@transaction.atomic
def attendance_correct(*, actor, assignment: PostAssignment, month: dt.date, days_required: int, days_present: int,
                       reason: str, subsidy_due: Decimal | None = None,
                       expected_version: int | None = None) -> PostAttendance:
    """Correct a month already recorded (the same checks as recording it), with the reason, which
    becomes the row's note; the audit keeps what it said before. A row changed since the page
    showed it (`expected_version`) is refused."""
    locked = _lock(actor, assignment)
    reason = (reason or "").strip()
    if not reason:
        raise EmploymentError(N_("请填写更正原因。"), "note")
    month, required, present, due, computed, reason = _attendance_values(locked, month, days_required, days_present,
                                                                         subsidy_due, reason)
    pk = PostAttendance.objects.filter(assignment=locked, month=month).values_list("pk", flat=True).first()
    if pk is None:
        raise EmploymentError(N_("%(month)s还没有考勤记录，无需更正。"), "month", code="missing",
                              params={"month": f"{month:%Y-%m}"})
    row = lock_versioned(PostAttendance.objects.all(), pk, expected_version=expected_version)
    before = {"days_required": row.days_required, "days_present": row.days_present,
              "subsidy_due": str(row.subsidy_due), "note": row.note}
    row.days_required, row.days_present, row.subsidy_due, row.note = required, present, due, reason
    row.recorded_by = actor
    after = {"days_required": required, "days_present": present, "subsidy_due": str(due), "note": reason}
    if all(after[k] == before[k] for k in ("days_required", "days_present", "subsidy_due")):
        # A correction changes the figures; a new reason alone would only overwrite the note.
        raise EmploymentError(N_("更正后的考勤与原记录相同。"), "days_present", code="unchanged")
    save_versioned(row, ["days_required", "days_present", "subsidy_due", "note", "recorded_by", "recorded_at"])
    audit_record(actor=actor, action=Action.UPDATE, obj=row, region_code=locked.region_code,
                 changes={k: (before[k], after[k]) for k in before if before[k] != after[k]},
                 detail={"placement": locked.pk, "month": f"{month:%Y-%m}", "computed": str(computed),
                         "correction": True})
    return row


@transaction.atomic
def assignment_end(*, actor, assignment: PostAssignment, end_date: dt.date, reason: str,
                   expected_version: int | None = None, status_after: str = "") -> PostAssignment:
    """The holder leaves the post: the placement and its Hire end on that day, a filled post has
    a place again, and the worker's employment status in the ledger becomes `status_after` (one of
    the ledger's statuses; empty leaves it as it is, e.g. when they have another job on record)."""
    from anju.registry.choices import EmploymentStatus
    from anju.registry.models import Worker
    from anju.registry.services import worker_update

    if status_after and status_after not in EmploymentStatus.values:
        raise EmploymentError(N_("请选择离岗后的就业状态。"), "status_after")
    locked = _lock(actor, assignment, expected_version)
    if locked.status != AssignmentStatus.ACTIVE:
        raise EmploymentError(N_("该安置已离岗。"), code="state")
    reason = (reason or "").strip()
    if not reason:
        raise EmploymentError(N_("请填写离岗原因。"), "reason")
    if not isinstance(end_date, dt.date):
        raise EmploymentError(N_("请填写离岗日期。"), "end_date")
    if end_date < locked.start_date:
        raise EmploymentError(N_("离岗日期不能早于上岗日期（%(start)s）。"), "end_date",
                              params={"start": locked.start_date.isoformat()})
    if end_date > _today():
        raise EmploymentError(N_("离岗日期不能晚于今天。"), "end_date")
    last = locked.attendance.order_by("-month").values_list("month", flat=True).first()
    if last is not None and last > end_date.replace(day=1):
        raise EmploymentError(N_("%(month)s已登记考勤，离岗日期不能早于该月。"), "end_date",
                              params={"month": f"{last:%Y-%m}"})
    locked.status, locked.end_date, locked.end_reason = AssignmentStatus.ENDED, end_date, reason[:200]
    save_versioned(locked, ["status", "end_date", "end_reason"])
    if locked.hire_id:
        Hire.objects.filter(pk=locked.hire_id).update(end_date=end_date)
    from anju.registry.services import timeline_add

    timeline_add(worker=locked.worker, kind="post_assignment", actor=actor,
                 data={"title": locked.posting.title, "ended": end_date.isoformat(), "reason": reason[:200],
                       "placement": locked.pk})
    _reopen_posting(locked.posting_id)
    worker = Worker.objects.get(pk=locked.worker_id)
    if status_after and worker.employment_status != status_after:
        worker_update(actor=actor, worker=worker, data={"employment_status": status_after}, kind="status",
                      authorised=True)
    audit_record(actor=actor, action=Action.UPDATE, obj=locked, region_code=locked.region_code,
                 changes={"status": (AssignmentStatus.ACTIVE, AssignmentStatus.ENDED)},
                 detail={"end_date": end_date.isoformat(), "reason": reason[:200], "status_after": status_after})
    return locked


# Candidates ---------------------------------------------------------------------------------------
def candidate_queryset(posting: JobPosting, *, region_prefix: str, on: dt.date | None = None):
    """The workers a post may be offered to, within `region_prefix`, not already in a post:
    `quanzhou-public-welfare-post-placement`'s list where it applies; where the post's subsidy rule
    reads the holder's poverty alleviation (Shanxi), the poverty-alleviated workers. None when no
    rule gives candidates for the post's place."""
    from anju.policies import engine
    from anju.policies.facts import CATALOGUE
    from anju.policies.packs import get_policy
    from anju.regions.codes import in_prefix, prefix_q
    from anju.registry.models import Worker

    on = on or _today()
    policy = get_policy(CANDIDATE_POLICY)
    base = Worker.objects.exclude(post_assignments__status=AssignmentStatus.ACTIVE)
    if policy is not None and policy.in_force(on) and in_prefix(posting.region_id, policy.issuing_region):
        return engine.eligible_queryset(policy, on=on, region_prefix=region_prefix, base=base)
    holder = [n for p in services.posting_rules_for(PostingKind.PUBLIC_WELFARE, posting.region_id, on)
              for n in p.facts_read() if n == "poverty_alleviated"]
    if holder:
        fact = CATALOGUE["worker"]["poverty_alleviated"]
        qs = base.filter(prefix_q("residence_region_id", region_prefix)) if region_prefix else base
        return qs.annotate(_poor=fact.build(on)).filter(_poor=True)
    return None
