"""Employment services: every write to postings, referrals and sign-ups goes through here, checked,
versioned and audited.

A posting is a draft until published; publishing runs the rules that apply to its kind in its
place (the packs whose verification names a `posting_check` step: the Shanxi public welfare post
subsidy bounds and accident insurance, the Jinzhong temporary post rule) and refuses it with the
failing condition's words. A published posting is in the matching index; pausing, filling and
closing take it out.

A referral moves recommended → contacted → interviewed → hired / not hired (with the reason);
each open stage is a follow-up task of the deadline engine on the queue of the worker's town
(`referral_follow_up_working_days`). A hire makes the ledger's Hire, sets the worker employed and
writes the timeline, so the hiring-subsidy policies see it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop as N_

from anju.accounts.models import DepartmentKind, Role
from anju.accounts.permissions import is_owner_scoped
from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.employment import occupations
from anju.employment.models import (
    REFERRAL_OPEN,
    Employer,
    Hire,
    InterestStatus,
    JobInterest,
    JobPosting,
    PayUnit,
    PostingKind,
    PostingSource,
    PostingStatus,
    Referral,
    ReferralEvent,
    ReferralOrigin,
    ReferralStatus,
)
from anju.employment.permissions import InterestPolicy, PostingPolicy, ReferralPolicy
from anju.lib import crypto
from anju.lib.errors import AnjuError
from anju.lib.identifiers import mask_mobile
from anju.lib.versioning import lock_versioned, save_versioned
from anju.params.selectors import resolve, resolve_many_sourced
from anju.regions.codes import in_prefix

REFERRAL_STEP = "employment.referral"  # WorkTask step: follow a referral up to its next stage
INTEREST_STEP = "employment.interest"  # WorkTask step: follow up a sign-up from the public board
REFERRAL_DAYS_PARAM = "referral_follow_up_working_days"
INTEREST_DAYS_PARAM = "interest_follow_up_working_days"
MONTH_DAYS_PARAM = "month_paid_days"
DAY_HOURS_PARAM = "day_working_hours"
CENT = Decimal("0.01")
POSTING_CHECK_STEP = "posting_check"
# The facts a posting itself gives to the posting rules; a condition on anything else (the post
# holder's) is checked when a worker is placed, not at posting.
POSTING_FACTS = frozenset({"public_welfare_post", "temporary_post", "contract_months", "monthly_pay",
                           "accident_insurance_cover"})
KIND_FACT = {PostingKind.PUBLIC_WELFARE: "public_welfare_post", PostingKind.TEMPORARY: "temporary_post"}
# The moves of a referral: from which stages each outcome may be recorded.
REFERRAL_MOVES = {
    ReferralStatus.CONTACTED: (ReferralStatus.RECOMMENDED,),
    ReferralStatus.INTERVIEWED: (ReferralStatus.RECOMMENDED, ReferralStatus.CONTACTED),
    ReferralStatus.HIRED: REFERRAL_OPEN,
    ReferralStatus.NOT_HIRED: REFERRAL_OPEN,
    ReferralStatus.WITHDRAWN: REFERRAL_OPEN,
}
POSTING_MOVES = {
    "publish": ((PostingStatus.DRAFT, PostingStatus.PAUSED), PostingStatus.PUBLISHED),
    "pause": ((PostingStatus.PUBLISHED,), PostingStatus.PAUSED),
    "fill": ((PostingStatus.PUBLISHED, PostingStatus.PAUSED), PostingStatus.FILLED),
    "close": ((PostingStatus.DRAFT, PostingStatus.PUBLISHED, PostingStatus.PAUSED, PostingStatus.FILLED),
              PostingStatus.CLOSED),
}


class EmploymentError(AnjuError):
    """An employment move refused with a reason the user is shown (nothing was changed)."""


def _today() -> dt.date:
    return timezone.localdate()


# Postings -------------------------------------------------------------------------------------
POSTING_FIELDS = (
    "kind", "title", "occupation", "employer", "unit_name", "region_id", "address", "description", "pay_unit",
    "pay_min", "pay_max", "headcount", "start_date", "duration_days", "duration_hours", "contract_months",
    "accident_insurance_cover", "certificate", "age_min", "age_max", "physical", "requirements", "contact_name",
    "valid_from", "valid_until",
)


def monthly_pay(amount: Decimal | None, unit: str, region_code: str, on: dt.date) -> Decimal | None:
    """A day's or an hour's pay as a month's (× `month_paid_days`, × `day_working_hours`); None
    when a conversion parameter is not set for the region."""
    if amount is None:
        return None
    if unit == PayUnit.MONTH:
        return Decimal(amount).quantize(CENT)
    days, _p = resolve(MONTH_DAYS_PARAM, region_code, on)
    if days is None:
        return None
    if unit == PayUnit.HOUR:
        hours, _p = resolve(DAY_HOURS_PARAM, region_code, on)
        if hours is None:
            return None
        days = days * hours
    return (Decimal(amount) * days).quantize(CENT, rounding=ROUND_HALF_UP)


def _posting_problems(posting: JobPosting) -> list[tuple[str, str, dict]]:
    """What is wrong with a posting's own fields, as (field, msgid, params)."""
    out = []
    if posting.pay_min is not None and posting.pay_max is not None and posting.pay_max < posting.pay_min:
        out.append(("pay_max", N_("最高薪酬不能低于最低薪酬。"), {}))
    if posting.pay_min is not None and posting.pay_min <= 0:
        out.append(("pay_min", N_("薪酬须大于 0。"), {}))
    if posting.age_min is not None and posting.age_max is not None and posting.age_max < posting.age_min:
        out.append(("age_max", N_("最高年龄不能低于最低年龄。"), {}))
    if posting.age_min is not None and posting.age_min < 16:
        out.append(("age_min", N_("不得招用未满 16 周岁的未成年人（《劳动法》第十五条）。"), {}))
    if posting.valid_from and posting.valid_until and posting.valid_until < posting.valid_from:
        out.append(("valid_until", N_("有效期截止日不能早于发布日期。"), {}))
    if posting.headcount < 1:
        out.append(("headcount", N_("招聘人数至少为 1。"), {}))
    if posting.kind == PostingKind.ODD_JOB:
        if posting.start_date is None:
            out.append(("start_date", N_("零工须填写开工日期。"), {}))
        if not posting.duration_days and not posting.duration_hours:
            out.append(("duration_days", N_("零工须填写用工天数或小时数。"), {}))
        if posting.pay_unit == PayUnit.MONTH:
            out.append(("pay_unit", N_("零工按天或按小时计薪。"), {}))
    if posting.kind in (PostingKind.PUBLIC_WELFARE, PostingKind.TEMPORARY) and not posting.contract_months:
        out.append(("contract_months", N_("公益性岗位和临时性岗位须填写岗位期限（月）。"), {}))
    if posting.kind == PostingKind.PUBLIC_WELFARE and posting.accident_insurance_cover is None:
        out.append(("accident_insurance_cover", N_("公益性岗位须填写为上岗人员购买的人身意外伤害保险保额。"), {}))
    return out


@dataclass
class RuleResult:
    """What one posting rule said of a posting: passed, refused (the failing conditions' words) or
    cannot tell (the parameters not entered)."""

    policy_id: str
    title_zh: str
    title_en: str
    outcome: str  # "passed" | "refused" | "unknown"
    failed: list[dict]  # [{"zh": ..., "en": ...}] the conditions that failed
    missing_params: list[dict]  # [{"name": ..., "zh": ..., "en": ...}]
    source: str

    def as_json(self) -> dict:
        return {"policy": self.policy_id, "title": {"zh": self.title_zh, "en": self.title_en}, "outcome": self.outcome,
                "failed": self.failed, "missing_params": self.missing_params, "source": self.source}


def posting_rules_for(kind: str, region_code: str, on: dt.date) -> list:
    """The posting rules (packs) that apply to a kind of post in a place on a day."""
    from anju.policies.packs import catalogue

    fact = KIND_FACT.get(kind)
    if fact is None:
        return []
    out = []
    for policy in catalogue().policies.values():
        if policy.subject != "hire" or not policy.in_force(on) or not in_prefix(region_code, policy.issuing_region):
            continue
        if not any(step.get("step") == POSTING_CHECK_STEP for step in policy.verification):
            continue
        if fact in policy.facts_read():
            out.append(policy)
    return sorted(out, key=lambda p: p.id)


def citation(policy) -> str:
    """The rule's source as a line: document, issuer, number, date, article."""
    parts = [f"《{policy.document}》" if not policy.title_translated else policy.document, policy.issuer]
    if policy.document_number:
        parts.append(policy.document_number)
    if policy.document_date:
        parts.append(policy.document_date.isoformat())
    if policy.article:
        parts.append(policy.article)
    return "，".join(p for p in parts if p)


def posting_facts(posting: JobPosting, pay: Decimal | None) -> dict[str, Any]:
    return {
        "public_welfare_post": posting.kind == PostingKind.PUBLIC_WELFARE,
        "temporary_post": posting.kind == PostingKind.TEMPORARY,
        "contract_months": posting.contract_months,
        "monthly_pay": pay,
        "accident_insurance_cover": posting.accident_insurance_cover,
    }


def check_rules(policy, *, facts: dict[str, Any], region_code: str, on: dt.date, only: frozenset[str] | None = None) -> RuleResult:
    """Evaluate one rule with the facts given; conditions reading facts outside `only` (the post
    holder's, at posting) are left out."""
    from anju.policies.engine import evaluate, params_date

    names = policy.params_read()
    found = resolve_many_sourced(names, region_code, params_date(policy, facts, on) or on)
    params = {n: v for n, (v, _s) in found.items()}
    evaluation = evaluate(policy, facts=facts, params=params, on=on)
    failed, undecided = [], []
    for c in evaluation.conditions:
        if only is not None and not set(c.facts) <= only:
            continue
        if c.passed is False:
            failed.append({"zh": c.label_zh, "en": c.label_en})
        elif c.passed is None:
            undecided.append(c)
    missing = sorted({name for c in undecided for name, v in c.params.items() if v is None})
    missing_params = []
    for name in missing:
        spec = policy.parameters.get(name)
        missing_params.append({"name": name, "zh": spec.label.zh if spec else name, "en": spec.label.en if spec else name})
    outcome = "refused" if failed else ("unknown" if undecided else "passed")
    return RuleResult(policy.id, policy.title.zh, policy.title.en, outcome, failed, missing_params, citation(policy))


def posting_check(posting: JobPosting, on: dt.date | None = None) -> list[RuleResult]:
    """The posting rules of the posting's kind and place, each with its outcome. A pay range is
    checked at both ends."""
    on = on or _today()
    results = []
    for policy in posting_rules_for(posting.kind, posting.region_id, on):
        worst = None
        for pay in {posting.pay_monthly_min, posting.pay_monthly_max}:
            result = check_rules(policy, facts=posting_facts(posting, pay), region_code=posting.region_id, on=on,
                                 only=POSTING_FACTS)
            order = {"refused": 2, "unknown": 1, "passed": 0}
            if worst is None or order[result.outcome] > order[worst.outcome]:
                worst = result
        results.append(worst)
    return results


def refusal_of(results: list[RuleResult]) -> EmploymentError | None:
    """The error that refuses a posting whose rules did not pass, in the rules' own words."""
    for r in results:
        if r.outcome == "refused":
            return EmploymentError(N_("不符合「%(rule)s」，不能发布：%(reasons)s。"), code="posting_rule",
                                   params={"rule": r.title_zh, "reasons": "；".join(f["zh"] for f in r.failed)})
    for r in results:
        if r.outcome == "unknown":
            return EmploymentError(N_("「%(rule)s」无法校验：%(params)s尚未录入，请先在政策参数中为本地区录入后再发布。"),
                                   code="posting_rule_unknown",
                                   params={"rule": r.title_zh, "params": "、".join(p["zh"] for p in r.missing_params)})
    return None


def _apply(posting: JobPosting, data: dict[str, Any]) -> None:
    for name in POSTING_FIELDS:
        if name in data:
            setattr(posting, name, data[name])
    if "contact_phone" in data:
        phone = (data["contact_phone"] or "").strip()
        posting.contact_phone_enc = crypto.encrypt(phone) if phone else ""
        posting.contact_phone_masked = mask_mobile(phone) if phone else ""
    on = posting.valid_from or _today()
    posting.pay_monthly_min = monthly_pay(posting.pay_min, posting.pay_unit, posting.region_id, on)
    posting.pay_monthly_max = monthly_pay(posting.pay_max, posting.pay_unit, posting.region_id, on)
    if posting.employer_id and not posting.unit_name:
        posting.unit_name = posting.employer.name


def _check_scope(actor, posting: JobPosting, action: str) -> None:
    if not PostingPolicy.can_on(actor, action, posting):
        raise EmploymentError(N_("您没有在该地区或为该单位管理招聘岗位的权限。"), code="forbidden", status=403)


def _raise_problems(problems) -> None:
    if problems:
        field, msgid, params = problems[0]
        raise EmploymentError(msgid, field, params=params)


@transaction.atomic
def posting_create(*, actor, data: dict[str, Any], publish: bool = False, source: str = PostingSource.STAFF) -> JobPosting:
    """A new posting (a draft, or published at once when `publish`). An employer user's posting is
    always its own organisation's."""
    posting = JobPosting(source=source, created_by=actor)
    if is_owner_scoped(actor):
        employer = Employer.objects.filter(uscc=actor.organisation_uscc).first()
        if employer is None:
            raise EmploymentError(N_("您的账号未关联用人单位，不能发布岗位。"), code="forbidden", status=403)
        data = {**data, "employer": employer}
        posting.source = PostingSource.EMPLOYER if source == PostingSource.STAFF else source
    _apply(posting, data)
    if not posting.unit_name:
        raise EmploymentError(N_("请填写招聘单位。"), "unit_name")
    _check_scope(actor, posting, "create")
    _raise_problems(_posting_problems(posting))
    posting.full_clean(exclude=["occupation", "employer", "region", "import_job", "created_by"])
    posting.save()
    audit_record(actor=actor, action=Action.CREATE, obj=posting, region_code=posting.region_id,
                 detail={"kind": posting.kind, "title": posting.title})
    if publish:
        posting = posting_move(actor=actor, posting=posting, move="publish")
    return posting


@transaction.atomic
def posting_update(*, actor, posting: JobPosting, data: dict[str, Any], expected_version: int | None = None) -> JobPosting:
    """Edit a posting. A published one is checked against its rules again and re-indexed."""
    locked = lock_versioned(JobPosting.objects.select_related("employer", "occupation"), posting.pk,
                            expected_version=expected_version)
    _check_scope(actor, locked, "change")
    if locked.status == PostingStatus.CLOSED:
        raise EmploymentError(N_("已关闭的岗位不能修改。"), code="closed")
    if "employer" in data and is_owner_scoped(actor):
        data = {k: v for k, v in data.items() if k != "employer"}
    before = {name: getattr(locked, name) for name in POSTING_FIELDS}
    _apply(locked, data)
    _check_scope(actor, locked, "change")  # the new place must be in the actor's jurisdiction too
    _raise_problems(_posting_problems(locked))
    if locked.status == PostingStatus.PUBLISHED:
        results = posting_check(locked)
        error = refusal_of(results)
        if error is not None:
            raise error
        locked.rule_check = [r.as_json() for r in results]
    changes = {name: (before[name], getattr(locked, name)) for name in POSTING_FIELDS if before[name] != getattr(locked, name)}
    if not changes:
        return locked
    locked.full_clean(exclude=["occupation", "employer", "region", "import_job", "created_by"])
    save_versioned(locked, [*(n for n in POSTING_FIELDS), "pay_monthly_min", "pay_monthly_max", "rule_check",
                            "contact_phone_enc", "contact_phone_masked", "unit_name"])
    if locked.status == PostingStatus.PUBLISHED:
        _index(locked)
    audit_record(actor=actor, action=Action.UPDATE, obj=locked, region_code=locked.region_id,
                 changes={k: (str(a), str(b)) for k, (a, b) in changes.items()})
    return locked


def _index(posting: JobPosting) -> None:
    from anju.employment import matching

    matching.index_postings([posting])


def _unindex(posting: JobPosting) -> None:
    from anju.employment import matching

    matching.unindex_postings([posting.pk])


@transaction.atomic
def posting_move(*, actor, posting: JobPosting, move: str, reason: str = "", expected_version: int | None = None) -> JobPosting:
    """publish, pause, fill or close a posting. Publishing runs its rules and refuses it with their
    words; closing needs a reason."""
    if move not in POSTING_MOVES:
        raise EmploymentError(N_("未知的操作。"), code="invalid")
    sources, target = POSTING_MOVES[move]
    locked = lock_versioned(JobPosting.objects.select_related("employer", "occupation"), posting.pk,
                            expected_version=expected_version)
    _check_scope(actor, locked, "change")
    if locked.status not in sources:
        raise EmploymentError(N_("岗位当前状态为“%(status)s”，不能执行该操作。"), code="state",
                              params={"status": locked.get_status_display()})
    fields = ["status"]
    now = timezone.now()
    if move == "publish":
        today = _today()
        if locked.valid_until and locked.valid_until < today:
            raise EmploymentError(N_("岗位有效期已过（%(date)s），请先修改有效期。"), "valid_until",
                                  code="expired", params={"date": locked.valid_until.isoformat()})
        _raise_problems(_posting_problems(locked))
        results = posting_check(locked, today)
        error = refusal_of(results)
        locked.rule_check = [r.as_json() for r in results]
        if error is not None:
            raise error
        locked.published_at = locked.published_at or now
        locked.valid_from = locked.valid_from or today
        fields += ["rule_check", "published_at", "valid_from"]
    if move == "close":
        reason = (reason or "").strip()
        if not reason:
            raise EmploymentError(N_("关闭岗位须说明原因。"), "reason")
        locked.close_reason, locked.closed_at = reason[:200], now
        fields += ["close_reason", "closed_at"]
    before = locked.status
    locked.status = target
    save_versioned(locked, fields)
    if target == PostingStatus.PUBLISHED:
        _index(locked)
    else:
        _unindex(locked)
    audit_record(actor=actor, action=Action.UPDATE, obj=locked, region_code=locked.region_id,
                 changes={"status": (before, target)}, detail={"move": move, "reason": reason})
    return locked


def reference_wage(posting: JobPosting, on: dt.date | None = None) -> tuple[Decimal | None, str | None]:
    """The odd-job reference wage (a day's pay) of the posting's occupation in its place, with the
    prefix it came from; (None, None) while the region has entered none."""
    return resolve(occupations.wage_parameter(posting.occupation.key), posting.region_id, on or _today())


# Referrals ------------------------------------------------------------------------------------
def _follow_up_task(*, actor, referral: Referral, worker) -> None:
    from anju.workflow.services import Assignment, task_open

    days, _p = resolve(REFERRAL_DAYS_PARAM, referral.region_code, _today())
    if days is None:
        raise EmploymentError(N_("岗位推荐的跟进时限尚未设定：请在政策参数中为本地区录入 %(name)s。"),
                              code="param_missing", params={"name": REFERRAL_DAYS_PARAM})
    task_open(actor=actor, assignment=Assignment(step=REFERRAL_STEP, department_kind=DepartmentKind.TOWN_STATION,
                                                 role=Role.TOWN_OFFICER, working_days=int(days),
                                                 supervisor_role=Role.COUNTY_OFFICER),
              subject_type="referral", subject_id=referral.pk,
              subject_label=f"{worker.name} → {referral.posting.title}"[:120], region_code=referral.region_code)


def _close_tasks(*, actor, referral: Referral, outcome: str) -> None:
    from anju.workflow.models import OPEN_STATES, WorkTask
    from anju.workflow.services import task_close

    for task in WorkTask.objects.filter(step=REFERRAL_STEP, subject_type="referral", subject_id=referral.pk,
                                        state__in=OPEN_STATES):
        task_close(actor=actor, task=task, outcome=outcome, by_record=True)


@transaction.atomic
def referral_create(*, actor, worker, posting: JobPosting, note: str = "", origin: str = ReferralOrigin.STAFF,
                    interest: JobInterest | None = None, score: float | None = None, notify: bool = True) -> Referral:
    """Recommend a published posting to a worker: the worker is told by SMS and the worker's town
    gets the follow-up task."""
    from anju.registry.permissions import WorkerPolicy
    from anju.registry.services import timeline_add

    if not ReferralPolicy.can(actor, "create") or not WorkerPolicy.can_on(actor, "view", worker):
        raise EmploymentError(N_("您没有为该劳动者推荐岗位的权限。"), code="forbidden", status=403)
    posting = JobPosting.objects.select_related("employer", "occupation").get(pk=posting.pk)
    if posting.status != PostingStatus.PUBLISHED:
        raise EmploymentError(N_("该岗位不在招聘中，不能推荐。"), code="state")
    if Referral.objects.filter(worker=worker, posting=posting, status__in=REFERRAL_OPEN).exists():
        raise EmploymentError(N_("已向该劳动者推荐过这个岗位，推荐尚在跟进中。"), code="duplicate")
    referral = Referral.objects.create(worker=worker, posting=posting, origin=origin, region_code=worker.residence_region_id,
                                       note=(note or "")[:200], interest=interest, score=score, referred_by=actor)
    ReferralEvent.objects.create(referral=referral, status=ReferralStatus.RECOMMENDED, note=referral.note, by=actor)
    _follow_up_task(actor=actor, referral=referral, worker=worker)
    timeline_add(worker=worker, kind="referral", actor=actor,
                 data={"title": posting.title, "unit": posting.unit_name, "posting": posting.pk})
    if notify and worker.phone_enc:
        from anju.workflow.outbox import sms_to_phone

        sms_to_phone(phone=worker.phone, kind="employment.referral",
                     text=N_("【安居】%(name)s您好，为您推荐岗位：%(unit)s「%(title)s」，%(pay)s。工作人员将与您联系。"),
                     params={"name": worker.name, "unit": posting.unit_name, "title": posting.title,
                             "pay": pay_text(posting)})
    audit_record(actor=actor, action=Action.CREATE, obj=referral, region_code=referral.region_code,
                 detail={"posting": posting.pk, "origin": origin})
    return referral


def _filled_when_full(posting_id: int) -> None:
    """A published posting whose headcount is reached is filled (and leaves the index)."""
    full = JobPosting.objects.filter(pk=posting_id, status=PostingStatus.PUBLISHED, hired_count__gte=F("headcount"))
    if full.update(status=PostingStatus.FILLED, version=F("version") + 1):
        _unindex(JobPosting(pk=posting_id))


def pay_text(posting: JobPosting) -> str:
    unit = dict(PayUnit.choices)[posting.pay_unit]
    low, high = posting.pay_min.normalize(), posting.pay_max.normalize()
    amount = f"{low:f}" if low == high else f"{low:f}–{high:f}"
    return f"{amount} {unit}"


@transaction.atomic
def referral_advance(*, actor, referral: Referral, status: str, reason: str = "", note: str = "",
                     hire: dict[str, Any] | None = None, expected_version: int | None = None) -> Referral:
    """Record the next stage of a referral. `hired` needs the hire's start date and contract
    months (`hire`); `not_hired` and `withdrawn` need a reason. The open follow-up task closes
    and, while the referral stays open, the next one opens."""
    from anju.registry.models import Worker
    from anju.registry.services import timeline_add, worker_update

    if status not in REFERRAL_MOVES:
        raise EmploymentError(N_("未知的推荐结果。"), "status")
    locked = lock_versioned(Referral.objects.select_related("posting", "posting__employer", "worker"), referral.pk,
                            expected_version=expected_version)
    if not ReferralPolicy.can_on(actor, "change", locked):
        raise EmploymentError(N_("您没有跟进该推荐的权限。"), code="forbidden", status=403)
    if locked.status not in REFERRAL_MOVES[status]:
        raise EmploymentError(N_("推荐当前为“%(status)s”，不能记为“%(target)s”。"), "status", code="state",
                              params={"status": locked.get_status_display(), "target": ReferralStatus(status).label})
    reason = (reason or "").strip()
    if status in (ReferralStatus.NOT_HIRED, ReferralStatus.WITHDRAWN) and not reason:
        raise EmploymentError(N_("请说明原因。"), "reason")
    posting = locked.posting
    fields = ["status"]
    if status == ReferralStatus.HIRED:
        hire = hire or {}
        start = hire.get("start_date")
        months = hire.get("contract_months") or posting.contract_months
        if months is None and posting.kind == PostingKind.ODD_JOB:
            months = 0  # an odd job has no labour contract of months
        if not isinstance(start, dt.date):
            raise EmploymentError(N_("请填写入职日期。"), "start_date")
        if months is None or months == "":
            raise EmploymentError(N_("请填写劳动合同期限（月）。"), "contract_months")
        # An odd job for a household or a small boss without a credit code is flexible work, not
        # a labour contract: it is recorded as taken, with no Hire (the hiring subsidies need an
        # employer, so they never applied). Any other kind needs its employer for the Hire.
        casual = posting.employer_id is None and posting.kind == PostingKind.ODD_JOB
        if posting.employer_id is None and not casual:
            raise EmploymentError(N_("该岗位未关联用人单位，不能登记用工；请先为岗位选择用人单位。"), code="no_employer")
        if start > _today() + dt.timedelta(days=366):
            raise EmploymentError(N_("入职日期不能晚于一年以后。"), "start_date")
        record = None
        if not casual:
            record = Hire.objects.create(
                worker=locked.worker, employer=posting.employer, start_date=start, contract_months=int(months),
                pension_insured=bool(hire.get("pension_insured")), medical_insured=bool(hire.get("medical_insured")),
                unemployment_insured=bool(hire.get("unemployment_insured")))
            locked.hire = record
            fields.append("hire")
        worker = Worker.objects.get(pk=locked.worker_id)
        timeline_add(worker=worker, kind="hired", actor=actor,
                     data={"employer": posting.employer.name if record else posting.unit_name,
                           "start_date": start.isoformat(), "referral": locked.pk})
        status_now = "flexible" if casual else "employed"
        if worker.employment_status != "employed" and worker.employment_status != status_now:
            worker_update(actor=actor, worker=worker, data={"employment_status": status_now}, kind="status",
                          authorised=True)
        JobPosting.objects.filter(pk=posting.pk).update(hired_count=F("hired_count") + 1)
        _filled_when_full(posting.pk)
        if record is not None:
            audit_record(actor=actor, action=Action.CREATE, obj=record, region_code=locked.region_code,
                         detail={"referral": locked.pk})
    if status in (ReferralStatus.NOT_HIRED, ReferralStatus.WITHDRAWN):
        locked.reason = reason[:200]
        fields.append("reason")
    before = locked.status
    locked.status = status
    closing = status not in REFERRAL_OPEN
    if closing:
        locked.closed_at = timezone.now()
        fields.append("closed_at")
    save_versioned(locked, fields)
    ReferralEvent.objects.create(referral=locked, status=status, note=(note or reason)[:200], by=actor)
    _close_tasks(actor=actor, referral=locked, outcome=status)
    if not closing:
        _follow_up_task(actor=actor, referral=locked, worker=locked.worker)
    audit_record(actor=actor, action=Action.UPDATE, obj=locked, region_code=locked.region_code,
                 changes={"status": (before, status)}, detail={"reason": reason})
    return locked


# Sign-ups from the public board -----------------------------------------------------------------
@transaction.atomic
def interest_create(*, posting: JobPosting, name: str, phone: str, note: str = "") -> JobInterest:
    """A sign-up, after the phone was confirmed by an SMS code: linked to the ledger by the phone
    when one worker has it, with a follow-up task for the posting's town."""
    from anju.registry.models import Worker
    from anju.registry.services import phone_hash
    from anju.workflow.services import Assignment, task_open

    name = (name or "").strip()
    if not name:
        raise EmploymentError(N_("请填写姓名。"), "name")
    today = _today()
    if posting.status != PostingStatus.PUBLISHED or (posting.valid_until and posting.valid_until < today):
        raise EmploymentError(N_("该岗位已停止招聘。"), code="state")
    digest = phone_hash(phone)
    existing = JobInterest.objects.filter(posting=posting, phone_hash=digest).first()
    if existing is not None:
        return existing
    workers = list(Worker.objects.filter(phone_hash=digest).values_list("pk", flat=True)[:2])
    interest = JobInterest.objects.create(
        posting=posting, name=name[:50], phone_enc=crypto.encrypt(phone), phone_hash=digest,
        phone_masked=mask_mobile(phone), worker_id=workers[0] if len(workers) == 1 else None,
        note=(note or "")[:200], region_code=posting.region_id)
    days, _p = resolve(INTEREST_DAYS_PARAM, posting.region_id, today)
    if days is not None:
        task_open(actor=None, assignment=Assignment(step=INTEREST_STEP, department_kind=DepartmentKind.TOWN_STATION,
                                                    role=Role.TOWN_OFFICER, working_days=int(days),
                                                    supervisor_role=Role.COUNTY_OFFICER),
                  subject_type="job_interest", subject_id=interest.pk,
                  subject_label=f"{interest.name} → {posting.title}"[:120], region_code=posting.region_id)
    audit_record(actor=None, action=Action.CREATE, obj=interest, region_code=posting.region_id,
                 detail={"posting": posting.pk}, username="public")
    return interest


def _close_interest_tasks(*, actor, interest: JobInterest, outcome: str) -> None:
    from anju.workflow.models import OPEN_STATES, WorkTask
    from anju.workflow.services import task_close

    for task in WorkTask.objects.filter(step=INTEREST_STEP, subject_type="job_interest", subject_id=interest.pk,
                                        state__in=OPEN_STATES):
        task_close(actor=actor, task=task, outcome=outcome, by_record=True)


@transaction.atomic
def interest_refer(*, actor, interest: JobInterest, worker) -> Referral:
    """Turn a sign-up into a referral of the worker it is (found in the ledger by the officer)."""
    interest = JobInterest.objects.select_for_update().get(pk=interest.pk)
    if not InterestPolicy.can_on(actor, "change", interest):
        raise EmploymentError(N_("您没有跟进该报名的权限。"), code="forbidden", status=403)
    if interest.status != InterestStatus.NEW:
        raise EmploymentError(N_("该报名已处理。"), code="state")
    referral = referral_create(actor=actor, worker=worker, posting=interest.posting, origin=ReferralOrigin.INTEREST,
                               interest=interest, note=interest.note, notify=False)
    interest.status, interest.worker, interest.handled_by = InterestStatus.REFERRED, worker, actor
    interest.save(update_fields=["status", "worker", "handled_by"])
    _close_interest_tasks(actor=actor, interest=interest, outcome="referred")
    audit_record(actor=actor, action=Action.UPDATE, obj=interest, region_code=interest.region_code,
                 changes={"status": (InterestStatus.NEW, InterestStatus.REFERRED)})
    return referral


@transaction.atomic
def interest_close(*, actor, interest: JobInterest, reason: str) -> JobInterest:
    interest = JobInterest.objects.select_for_update().get(pk=interest.pk)
    if not InterestPolicy.can_on(actor, "change", interest):
        raise EmploymentError(N_("您没有跟进该报名的权限。"), code="forbidden", status=403)
    if interest.status != InterestStatus.NEW:
        raise EmploymentError(N_("该报名已处理。"), code="state")
    reason = (reason or "").strip()
    if not reason:
        raise EmploymentError(N_("请说明原因。"), "reason")
    interest.status, interest.close_reason, interest.handled_by = InterestStatus.CLOSED, reason[:200], actor
    interest.save(update_fields=["status", "close_reason", "handled_by"])
    _close_interest_tasks(actor=actor, interest=interest, outcome="closed")
    audit_record(actor=actor, action=Action.UPDATE, obj=interest, region_code=interest.region_code,
                 changes={"status": (InterestStatus.NEW, InterestStatus.CLOSED)}, detail={"reason": reason})
    return interest
