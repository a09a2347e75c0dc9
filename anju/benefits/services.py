"""Writes of the benefits work: applications and their verification chains, grants, funds and
quotas, public notice and objections, payments, corrections. Each is atomic and audited; what a
person needs to know goes through the outbox in the same transaction.

    application_create(actor=..., policy=..., subject=worker, door=Door.COUNTER, on=date)
    step_decide(actor=..., application=..., outcome=StepOutcome.PASS, version=3)
    notice_publish(actor=..., policy=..., region_prefix="350581")
    batch_create(actor=..., fund=...); line_settle(actor=..., line=..., paid=True)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_noop as N_

from anju.accounts.models import DepartmentKind
from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.benefits import chain
from anju.benefits.models import (
    Application,
    ApplicationStatus,
    ApplicationStep,
    Door,
    Fund,
    FundMovement,
    Grant,
    GrantStatus,
    LineStatus,
    Notice,
    Objection,
    PaymentBatch,
    PaymentLine,
    Recovery,
    StepEvent,
    StepOutcome,
    StepState,
)
from anju.lib import crypto
from anju.lib.dates import today
from anju.lib.errors import AnjuError
from anju.lib.identifiers import mask_mobile
from anju.lib.jsonutil import jsonable, plain_decimal
from anju.lib.versioning import lock_versioned
from anju.lib.workdays import add_working_days, working_days_between
from anju.params.selectors import resolve
from anju.policies import engine
from anju.policies.facts import SUBJECTS
from anju.policies.models import Decision
from anju.policies.packs import Policy, get_policy
from anju.regions.codes import in_prefix
from anju.workflow import outbox
from anju.workflow.calendar import work_calendar
from anju.workflow.models import OPEN_STATES, TaskState, WorkTask
from anju.workflow.permissions import TaskPolicy
from anju.workflow.services import task_build, task_close, task_pause, task_resume

MAX_REASON = 300


class BenefitError(AnjuError):
    """A benefits move refused with a reason the user is shown (nothing was changed)."""


# Subjects ---------------------------------------------------------------------------------------
def subject_get(subject_type: str, subject_id: int):
    model = SUBJECTS[subject_type].model
    return model.objects.filter(pk=subject_id).first()


def worker_of(subject_type: str, subject) -> Any:
    """The worker an application is about (whose timeline and phone it uses), if any."""
    from anju.registry.models import Worker

    if subject_type == "worker":
        return subject
    if subject_type == "household":
        return Worker.objects.filter(household=subject).order_by("id").first()
    if subject_type in ("hire", "certificate", "training_enrolment"):
        return getattr(subject, "worker", None)
    if subject_type == "business":
        return getattr(subject, "founder", None)
    return None


def subject_label(subject_type: str, subject) -> str:
    from anju.policies.tasks import describe_subjects

    key, name = describe_subjects(subject_type, [subject.pk]).get(subject.pk, (str(subject.pk), ""))
    return (f"{name}（{key}）" if name else key)[:120]


def _clean_reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise BenefitError(N_("请填写理由。"), field="reason")
    if len(reason) > MAX_REASON:
        raise BenefitError(N_("理由不能超过 %(n)s 个字。"), field="reason", params={"n": MAX_REASON})
    return reason


def _notify_applicant(application: Application, text: str, params: dict | None = None, *, kind: str) -> None:
    phone = crypto.decrypt(application.phone_enc) if application.phone_enc else ""
    if phone:
        outbox.sms_to_phone(phone=phone, text=text,
                            params={"policy": application.policy_title, "number": application.number, **(params or {})},
                            kind=kind)


def _timeline(application: Application, kind: str, *, actor, data: dict) -> None:
    if application.worker_id is None:
        return
    from anju.registry.services import timeline_add

    timeline_add(worker=application.worker, kind=kind, actor=actor if getattr(actor, "is_authenticated", False) else None,
                 data={"application": application.pk, "policy": application.policy_id,
                       "title": application.policy_title, **data})


# Applications -----------------------------------------------------------------------------------
def _decision(*, actor, policy: Policy, subject, on: dt.date) -> Decision:
    from anju.policies.services import decision_record

    return decision_record(actor=actor, policy=policy, subject_obj=subject, on=on)


def policy_check(policy: Policy | None, region_code: str, on: dt.date) -> Policy:
    if policy is None:
        raise BenefitError(N_("政策不存在或未通过校验。"), field="policy")
    if not engine.applies_in(policy, region_code or ""):
        raise BenefitError(N_("该政策不适用于此对象所在地区。"), field="policy")
    if not policy.in_force(on):
        raise BenefitError(N_("该政策在 %(date)s 不在有效期内。"), field="policy", params={"date": on.isoformat()})
    return policy


def _clean_phone(phone: str) -> str:
    from anju.lib.identifiers import IdentifierError, validate_mobile

    if not phone:
        return ""
    try:
        return validate_mobile(phone)
    except IdentifierError:
        raise BenefitError(N_("手机号码不正确（应为 11 位，以 1 开头）。"), field="phone") from None


def _clean_account(account: str) -> str:
    account = "".join((account or "").split())
    if account and (not account.isdigit() or not account.isascii() or not 8 <= len(account) <= 30):
        raise BenefitError(N_("银行账号应为 8 至 30 位数字。"), field="account")
    return account


def _mask_account(account: str) -> str:
    return f"{account[:4]}{'*' * (len(account) - 8)}{account[-4:]}" if len(account) > 8 else account


def _set_account(application: Application, *, payee_name: str, bank_name: str, account: str) -> None:
    application.payee_name = (payee_name or "").strip()[:120]
    application.bank_name = (bank_name or "").strip()[:80]
    application.account_enc = crypto.encrypt(account) if account else ""
    application.account_masked = _mask_account(account)


@transaction.atomic
def application_create(*, actor, policy: Policy | None, subject_type: str, subject_id: int, door: str,
                       on: dt.date | None = None, phone: str = "", payee_name: str = "", bank_name: str = "",
                       account: str = "", note: str = "", recheck_of: Application | None = None) -> Application:
    """An application for one policy and subject: the decision is taken and stored now, the first
    verification step opens (or passes itself on fresh comparison data), the applicant is told."""
    on = on or today()
    if door not in Door.values:
        raise BenefitError(N_("申请渠道不正确。"), field="door")
    if policy is None or policy.subject != subject_type:
        raise BenefitError(N_("该政策的对象类型与所选对象不符。"), field="policy")
    subject = subject_get(subject_type, subject_id)
    if subject is None:
        raise BenefitError(N_("台账中没有该对象。"), field="subject")
    region = engine.region_of(policy.subject, subject) or ""
    policy_check(policy, region, on)
    if door == Door.COUNTER and not in_prefix(region, getattr(actor, "jurisdiction", None) or ""):
        raise BenefitError(N_("该对象不在您的管辖范围内。"), field="subject", status=404)
    phone = _clean_phone(phone)
    account = _clean_account(account)
    note = (note or "").strip()[:2000]
    worker = worker_of(subject_type, subject)
    if not phone and worker is not None and worker.phone_enc:
        phone = worker.phone
    period = chain.period_of(policy, on)
    if Grant.objects.filter(policy_id=policy.id, subject_type=subject_type, subject_id=subject_id,
                            period=period).exclude(status=GrantStatus.CANCELLED).exists() and door != Door.RECHECK:
        raise BenefitError(N_("该对象本期已获得此项待遇，不能重复申请。"), code="already_granted")
    decision = _decision(actor=actor, policy=policy, subject=subject, on=on)
    now = timezone.now()
    application = Application(
        policy_id=policy.id, policy_version=policy.version, policy_title=policy.title.zh, subject_type=subject_type,
        subject_id=subject_id, subject_label=subject_label(subject_type, subject), worker=worker, region_code=region,
        period=period, door=door, decision=decision, recheck_of=recheck_of, note=note,
        created_by=actor if getattr(actor, "is_authenticated", False) else None, created_at=now,
        phone_enc=crypto.encrypt(phone) if phone else "",
        phone_hash=crypto.lookup_hash(phone, purpose="phone") if phone else "",
        phone_masked=mask_mobile(phone) if phone else "",
    )
    _set_account(application, payee_name=payee_name or (worker.name if worker else ""), bank_name=bank_name,
                 account=account)
    if account:
        application.account_confirmed_at = now
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        raise BenefitError(N_("该对象已有一份同一政策、同一期次的申请正在办理，不能重复申请。"),
                           code="already_open") from None
    specs = chain.chain_of(policy)
    ApplicationStep.objects.bulk_create([
        ApplicationStep(application=application, position=i, code=s.code, label_zh=s.label.zh, label_en=s.label.en,
                        department_kind=s.department_kind, role=s.role)
        for i, s in enumerate(specs, start=1)])
    audit_record(actor=actor, action=Action.CREATE, obj=application, region_code=region,
                 detail={"policy": policy.id, "subject": f"{subject_type}:{subject_id}", "period": period,
                         "door": door, "decision": decision.pk, "status": decision.status})
    _timeline(application, "application", actor=actor, data={"door": door})
    _notify_applicant(application, N_("您的「%(policy)s」申请已受理，受理编号 %(number)s。可凭手机号在网上查看办理进度。"),
                      kind="benefits.received")
    _advance(application, actor=actor, at=now)
    return application


def _first_waiting(application: Application) -> ApplicationStep | None:
    return application.steps.filter(state=StepState.WAITING).order_by("position").first()


def _advance(application: Application, *, actor, at: dt.datetime) -> None:
    """Open the next waiting step; a step the comparison data answers passes itself and the chain
    goes on. With no step left, the application is approved (only by a person: the last step
    is never passed by data alone, since an approver sets the amount)."""
    while True:
        step = _first_waiting(application)
        if step is None:
            return
        is_last = not application.steps.filter(position__gt=step.position).exists()
        evidence = None if is_last else _data_answer(application, step)
        if evidence is not None:
            step.state, step.by_data, step.decided_at, step.evidence = StepState.PASSED, True, at, evidence
            step.reason = evidence["text"][:MAX_REASON]
            step.save(update_fields=["state", "by_data", "decided_at", "evidence", "reason"])
            StepEvent.objects.create(step=step, outcome=StepOutcome.PASS, reason=step.reason, by_data=True, at=at)
            continue
        _open_step(application, step, at=at)
        return


def _open_step(application: Application, step: ApplicationStep, *, at: dt.datetime) -> WorkTask:
    days = chain.step_days(step.code, application.region_code, timezone.localdate(at))
    if days is None:
        raise BenefitError(N_("「%(step)s」的办理时限尚未设定：请在政策参数中为本地区录入 benefit_step_working_days。"),
                           params={"step": step.label_zh}, code="no_time_limit")
    spec = chain.StepSpec(step.code, None, step.department_kind, step.role)  # type: ignore[arg-type]
    task = task_build(assignment=chain.assignment(spec, days), subject_type="benefits.application",
                      subject_id=application.pk, subject_label=f"{step.label_zh[:30]} · {application.policy_title[:40]} · {application.subject_label}",
                      region_code=application.region_code, opened_at=at)
    task.save()
    step.state, step.task, step.working_days = StepState.OPEN, task, days
    step.save(update_fields=["state", "task", "working_days"])
    application.current_step = step.code
    application.save(update_fields=["current_step"])
    return task


def _data_answer(application: Application, step: ApplicationStep) -> dict | None:
    """The comparison data that answers a step's question, when it is fresh and every fact the
    step checks is known from it and passes the policy's conditions; else None."""
    from anju.benefits.comparison import fresh_answer

    policy = get_policy(application.policy_id)
    spec = next((s for s in chain.chain_of(policy) if s.code == step.code), None) if policy else None
    if spec is None or not spec.checks:
        return None
    return fresh_answer(policy, application.subject_type, application.subject_id, spec.checks,
                        region_code=application.region_code, on=timezone.localdate())


def _locked_application(application: Application | int, version: int | None) -> Application:
    pk = application.pk if isinstance(application, Application) else application
    return lock_versioned(Application.objects, pk, expected_version=version)


def current_step(application: Application) -> ApplicationStep | None:
    return application.steps.filter(state__in=[StepState.OPEN, StepState.RETURNED]).order_by("position").first()


def can_decide(user, application: Application) -> bool:
    step = current_step(application)
    return bool(step and step.task_id and TaskPolicy.can_act(user, step.task))


def _parse_amount(amount: Any) -> Decimal | None:
    if amount in (None, ""):
        return None
    try:
        value = Decimal(str(amount).strip().replace(",", ""))
    except InvalidOperation:
        raise BenefitError(N_("金额应为数字，例如 1500 或 1500.00。"), field="amount") from None
    if not value.is_finite() or value < 0 or value >= Decimal("1e10") or value != value.quantize(Decimal("0.01")):
        raise BenefitError(N_("金额应为不小于 0 的数字，最多两位小数。"), field="amount")
    return value


@transaction.atomic
def step_decide(*, actor, application: Application | int, outcome: str, reason: str = "", amount: Any = None,
                version: int | None = None) -> Application:
    """The acting officer's decision on the current step: pass (the last step approves and may set
    the amount within the policy's range, with a reason), fail with a reason (the application is
    refused), or return for more information (the clock pauses until the applicant supplies it)."""
    if outcome not in StepOutcome.values:
        raise BenefitError(N_("办理结果不正确。"), field="outcome")
    application = _locked_application(application, version)
    if application.status != ApplicationStatus.IN_REVIEW:
        raise BenefitError(N_("该申请当前不在审核中（%(status)s），不能办理。"),
                           params={"status": application.get_status_display()}, code="not_in_review", status=409)
    step = current_step(application)
    if step is None or step.task is None or step.state != StepState.OPEN:
        raise BenefitError(N_("该申请没有待办理的环节。"), code="no_step", status=409)
    if not TaskPolicy.can_act(actor, step.task):
        raise BenefitError(N_("您不是「%(step)s」环节的承办人（应由%(department)s在对象所在地办理）。"),
                           params={"step": step.label_zh, "department": _department_name(step.department_kind)},
                           code="not_yours", status=403)
    reason = _clean_reason(reason, required=outcome != StepOutcome.PASS)
    chosen = _parse_amount(amount)
    now = timezone.now()
    is_last = not application.steps.filter(position__gt=step.position).exists()
    if chosen is not None and not is_last:
        raise BenefitError(N_("金额在最后的审批环节确定。"), field="amount")
    if outcome == StepOutcome.PASS and is_last:
        grant = _approve(application, actor=actor, chosen=chosen, reason=reason, at=now)
        step.evidence = {"grant": grant.pk, "amount": jsonable(grant.amount)}
    if outcome == StepOutcome.RETURN:
        task_pause(actor=actor, task=step.task, reason=reason)
        step.state = StepState.RETURNED
        application.status = ApplicationStatus.RETURNED
        _notify_applicant(application, N_("您的「%(policy)s」申请（%(number)s）需补充材料：%(reason)s。请补齐后在网上提交或到窗口办理。"),
                          {"reason": reason}, kind="benefits.returned")
    else:
        task_close(actor=actor, task=step.task, outcome=str(StepOutcome(outcome).label),
                   state=TaskState.DONE, note=reason)
        step.state = StepState.PASSED if outcome == StepOutcome.PASS else StepState.FAILED
        step.decided_by, step.decided_at = actor, now
    step.reason = reason
    step.save(update_fields=["state", "decided_by", "decided_at", "reason", "evidence"])
    StepEvent.objects.create(step=step, outcome=outcome, reason=reason, actor=actor, at=now)
    if outcome == StepOutcome.FAIL:
        application.status, application.closed_at, application.refusal_reason = ApplicationStatus.REFUSED, now, reason
        application.steps.filter(state=StepState.WAITING).update(state=StepState.SKIPPED)
        _notify_applicant(application, N_("很抱歉，您的「%(policy)s」申请（%(number)s）未通过：%(reason)s。如有疑问可申请复核。"),
                          {"reason": reason}, kind="benefits.refused")
        _timeline(application, "application_refused", actor=actor, data={"reason": reason})
    application.version += 1
    application.save(update_fields=["status", "closed_at", "refusal_reason", "version", "current_step"])
    audit_record(actor=actor, action=Action.UPDATE, obj=application, region_code=application.region_code,
                 changes={"status": (ApplicationStatus.IN_REVIEW, application.status)},
                 detail={"step": step.code, "outcome": outcome, "reason": reason, "amount": chosen})
    if outcome == StepOutcome.PASS and not is_last:
        _advance(application, actor=actor, at=now)
    return application


def _department_name(kind: str) -> str:
    from anju.accounts.models import department_label

    return department_label(kind)


@transaction.atomic
def application_supply(*, actor, application: Application | int, note: str = "", version: int | None = None,
                       by_applicant: bool = False) -> Application:
    """The applicant has supplied what a returned step asked for (on the public site, or staff
    record it at the counter): the step's clock runs again."""
    application = _locked_application(application, version)
    if application.status != ApplicationStatus.RETURNED:
        raise BenefitError(N_("该申请没有被退回补充材料。"), code="not_returned", status=409)
    step = application.steps.filter(state=StepState.RETURNED).order_by("position").first()
    if step is None or step.task is None:
        raise BenefitError(N_("该申请没有被退回补充材料。"), code="not_returned", status=409)
    if not by_applicant and not TaskPolicy.can_act(actor, step.task):
        raise BenefitError(N_("您不是「%(step)s」环节的承办人。"), params={"step": step.label_zh}, status=403)
    note = _clean_reason(note, required=False)
    task_resume(actor=None if by_applicant else actor, task=step.task, by_applicant=by_applicant)
    now = timezone.now()
    step.state = StepState.OPEN
    step.save(update_fields=["state"])
    StepEvent.objects.create(step=step, outcome="supplied", reason=note,
                             actor=None if by_applicant else actor, at=now)
    application.status = ApplicationStatus.IN_REVIEW
    application.version += 1
    application.save(update_fields=["status", "version"])
    audit_record(actor=actor, action=Action.UPDATE, obj=application, region_code=application.region_code,
                 changes={"status": (ApplicationStatus.RETURNED, ApplicationStatus.IN_REVIEW)},
                 detail={"supplied": note, "by_applicant": by_applicant})
    return application


@transaction.atomic
def application_confirm_account(*, application: Application | int, payee_name: str, bank_name: str, account: str,
                                 actor=None, version: int | None = None) -> Application:
    """The person confirms where the money goes (免申即享: the only thing they do)."""
    application = _locked_application(application, version)
    account = _clean_account(account)
    if not account:
        raise BenefitError(N_("请填写银行账号。"), field="account")
    if not (payee_name or "").strip():
        raise BenefitError(N_("请填写收款人姓名。"), field="payee_name")
    if application.status in (ApplicationStatus.REFUSED, ApplicationStatus.WITHDRAWN):
        raise BenefitError(N_("该申请已办结，不能再修改收款账户。"), status=409)
    if PaymentLine.objects.filter(grant__application=application, status=LineStatus.PENDING).exists():
        raise BenefitError(N_("款项正在拨付中，暂不能修改收款账户。"), status=409)
    _set_account(application, payee_name=payee_name, bank_name=bank_name, account=account)
    application.account_confirmed_at = timezone.now()
    application.version += 1
    application.save(update_fields=["payee_name", "bank_name", "account_enc", "account_masked",
                                    "account_confirmed_at", "version"])
    audit_record(actor=actor, action=Action.UPDATE, obj=application, region_code=application.region_code,
                 detail={"account": application.account_masked, "by_applicant": actor is None})
    return application


@transaction.atomic
def application_withdraw(*, actor, application: Application | int, reason: str, version: int | None = None,
                         by_applicant: bool = False) -> Application:
    application = _locked_application(application, version)
    if not application.is_open:
        raise BenefitError(N_("该申请已办结，不能撤回。"), status=409)
    reason = _clean_reason(reason, required=not by_applicant) or "本人撤回"
    now = timezone.now()
    for step in application.steps.filter(state__in=[StepState.OPEN, StepState.RETURNED]):
        if step.task_id:
            WorkTask.objects.filter(pk=step.task_id, state__in=OPEN_STATES).update(
                state=TaskState.CANCELLED, closed_at=now, outcome=N_("申请已撤回"), paused_at=None)
        step.state = StepState.SKIPPED
        step.save(update_fields=["state"])
    application.steps.filter(state=StepState.WAITING).update(state=StepState.SKIPPED)
    before = application.status
    application.status, application.closed_at, application.refusal_reason = ApplicationStatus.WITHDRAWN, now, reason
    application.version += 1
    application.save(update_fields=["status", "closed_at", "refusal_reason", "version"])
    audit_record(actor=actor, action=Action.UPDATE, obj=application, region_code=application.region_code,
                 changes={"status": (before, ApplicationStatus.WITHDRAWN)}, detail={"reason": reason})
    return application


def application_recheck(*, actor, application: Application, on: dt.date | None = None) -> Application:
    """A re-check of an earlier decision: a new application with a new decision, linked to it."""
    if application.is_open:
        raise BenefitError(N_("该申请仍在办理中，无需复核。"), status=409)
    return application_create(actor=actor, policy=get_policy(application.policy_id),
                              subject_type=application.subject_type, subject_id=application.subject_id,
                              door=Door.RECHECK, on=on, note=f"复核 {application.number}", recheck_of=application)


# Grants and funds -------------------------------------------------------------------------------
def fund_for(policy: Policy, region_code: str, on: dt.date) -> Fund | None:
    """The fund (or quota) that pays `policy` in a region on a day: the narrowest in force."""
    candidates = [f for f in Fund.objects.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
                  if policy.id in (f.policy_ids or []) and in_prefix(region_code, f.region_prefix)]
    return max(candidates, key=lambda f: len(f.region_prefix), default=None)


def _fund_commit(fund: Fund, amount: Decimal, *, grant: Grant | None, actor, at: dt.datetime) -> None:
    """Commit `amount` on a fund, or refuse with the figures: one conditional UPDATE, so concurrent
    approvals can never overdraw it (the check constraint stands behind it)."""
    done = Fund.objects.filter(pk=fund.pk, committed__lte=F("budget") - F("paid") - amount).update(
        committed=F("committed") + amount)
    if not done:
        fund.refresh_from_db()
        raise BenefitError(
            N_("「%(fund)s」余额不足：预算 %(budget)s%(unit)s，已拨付 %(paid)s，已批准未拨付 %(committed)s，可用 %(available)s，本次需要 %(amount)s。"),
            params={"fund": fund.name, "budget": fund.budget, "paid": fund.paid, "committed": fund.committed,
                    "available": fund.available, "amount": amount, "unit": fund.unit},
            code="fund_overdrawn", status=409)
    FundMovement.objects.create(fund=fund, grant=grant, kind=FundMovement.Kind.COMMIT, amount=amount,
                                actor=actor if getattr(actor, "is_authenticated", False) else None, at=at)


def _fund_release(grant: Grant, *, actor, at: dt.datetime) -> None:
    if grant.fund_id is None:
        return
    value = _grant_value(grant)
    Fund.objects.filter(pk=grant.fund_id).update(committed=F("committed") - value)
    FundMovement.objects.create(fund_id=grant.fund_id, grant=grant, kind=FundMovement.Kind.RELEASE, amount=value,
                                actor=actor if getattr(actor, "is_authenticated", False) else None, at=at)


def _grant_value(grant: Grant) -> Decimal:
    return grant.amount if grant.amount is not None else Decimal(grant.units)


def _units(policy: Policy, evaluation) -> int:
    """How many units an in-kind grant gives: the pack's `units` expression on the facts it was
    decided on (one gift box per April-born child), one when the pack states none."""
    if policy.units is None:
        return 1
    value, _reads = policy.units.evaluate(evaluation.facts, evaluation.params)
    if value is None or value < 1:
        raise BenefitError(N_("无法确定发放数量。"), code="units_unknown")
    return int(value)


def _approve(application: Application, *, actor, chosen: Decimal | None, reason: str, at: dt.datetime) -> Grant:
    policy = get_policy(application.policy_id)
    if policy is None:
        raise BenefitError(N_("政策不存在或未通过校验。"))
    subject = subject_get(application.subject_type, application.subject_id)
    # Judged for the date the application is about (the period it claims), on the facts as they
    # stand at approval; the approval's decision is stored with the grant.
    on = application.decision.decided_on
    evaluation = engine.evaluate_subject(policy, subject, on)
    if evaluation.status != engine.ELIGIBLE:
        failed = [c.label_zh for c in evaluation.conditions if c.passed is False]
        unknown = [c.label_zh for c in evaluation.conditions if c.passed is None]
        raise BenefitError(
            N_("按现有数据不能批准：不符合「%(failed)s」，尚不清楚「%(unknown)s」。请先核实并更新台账，或作不通过处理。"),
            params={"failed": "、".join(failed) or "—", "unknown": "、".join(unknown) or "—"}, code="not_eligible")
    amount = evaluation.amount
    if policy.kind == "cash":
        if chosen is not None:
            if policy.has_range:
                problem = evaluation.amount_problem(chosen)
                if problem == "outside":
                    raise BenefitError(N_("金额 %(amount)s 不在政策规定的范围内（%(low)s–%(high)s 元）。"), field="amount",
                                       params={"amount": chosen, "low": evaluation.amount_min or "—",
                                               "high": evaluation.amount_max or "—"})
                if problem == "range_unknown":
                    raise BenefitError(N_("政策金额范围的参数尚未录入，暂不能确定金额。"), field="amount")
            elif not evaluation.amount_pending:
                raise BenefitError(N_("该政策的金额由规则确定（%(amount)s 元），审批时不能另定。"), field="amount",
                                   params={"amount": evaluation.amount})
            if not reason:
                raise BenefitError(N_("确定金额须填写理由。"), field="reason")
            amount = engine.money(chosen)
        if amount is None:
            if policy.has_range:
                raise BenefitError(N_("请在政策规定的范围内（%(low)s–%(high)s 元）确定金额，并填写理由。"), field="amount",
                                   params={"low": evaluation.amount_min or "—", "high": evaluation.amount_max or "—"})
            raise BenefitError(N_("金额尚无法确定（%(missing)s 未录入）：请录入参数后再批准，或填写金额及理由。"),
                               field="amount", params={"missing": "、".join(evaluation.missing_params) or "—"})
    elif chosen is not None:
        raise BenefitError(N_("该政策不发放现金，无需确定金额。"), field="amount")
    from anju.policies.services import decision_record

    decision = decision_record(actor=actor, policy=policy, subject_obj=subject, on=on,
                               amount=chosen if policy.has_range else None)
    if chosen is not None and not policy.has_range:
        Decision.objects.filter(pk=decision.pk).update(amount=chosen)
    fund = None
    if policy.kind != "service":
        fund = fund_for(policy, application.region_code, timezone.localdate(at))
        if fund is None:
            raise BenefitError(N_("「%(policy)s」在本地区还没有登记资金来源或名额，请财政（或牵头）部门先登记后再批准。"),
                               params={"policy": policy.title.zh}, code="no_fund")
    grant = Grant(application=application, policy_id=policy.id, subject_type=application.subject_type,
                  subject_id=application.subject_id, region_code=application.region_code, period=application.period,
                  kind=policy.kind, amount=amount if policy.kind == "cash" else None,
                  units=_units(policy, evaluation) if policy.kind == "in_kind" else 0, amount_reason=reason if chosen is not None else "",
                  decision=decision, fund=fund, approved_by=actor, approved_at=at,
                  status=GrantStatus.APPROVED if policy.kind != "service" else GrantStatus.ARRANGED)
    try:
        with transaction.atomic():
            grant.save()
    except IntegrityError:
        raise BenefitError(N_("该对象本期已获得此项待遇，不能重复发放。"), code="already_granted", status=409) from None
    if fund is not None:
        _fund_commit(fund, _grant_value(grant), grant=grant, actor=actor, at=at)
    application.status, application.closed_at, application.current_step = ApplicationStatus.APPROVED, at, ""
    audit_record(actor=actor, action=Action.CREATE, obj=grant, region_code=grant.region_code,
                 detail={"application": application.pk, "amount": grant.amount, "units": grant.units,
                         "fund": fund.code if fund else None, "reason": reason, "decision": decision.pk})
    _notify_applicant(application, N_("您的「%(policy)s」申请（%(number)s）已批准%(amount)s，公示无异议后发放。"),
                      {"amount": f"，金额 {grant.amount} 元" if grant.amount is not None else ""}, kind="benefits.approved")
    _timeline(application, "grant_approved", actor=actor,
              data={"amount": None if grant.amount is None else plain_decimal(grant.amount, places=2)})
    return grant


@transaction.atomic
def fund_create(*, actor, code: str, name: str, region_prefix: str, department_kind: str, policy_ids: list[str],
                budget: Any, unit: str = "元", valid_from: dt.date, valid_to: dt.date | None = None, source: str) -> Fund:
    budget_value = _parse_amount(budget)
    if budget_value is None:
        raise BenefitError(N_("请填写预算。"), field="budget")
    unknown = [p for p in policy_ids if get_policy(p) is None]
    if unknown:
        raise BenefitError(N_("未知的政策：%(ids)s。"), field="policy_ids", params={"ids": "、".join(unknown)})
    if department_kind not in DepartmentKind.values:
        raise BenefitError(N_("管理部门不正确。"), field="department_kind")
    if not in_prefix(region_prefix.ljust(12, "0"), getattr(actor, "jurisdiction", "") or ""):
        raise BenefitError(N_("资金适用地区不在您的管辖范围内。"), field="region_prefix")
    if not (source or "").strip():
        raise BenefitError(N_("请填写资金依据（文件名称、文号或预算批复）。"), field="source")
    if Fund.objects.filter(code=code).exists():
        raise BenefitError(N_("代码 %(code)s 已被使用。"), field="code", params={"code": code})
    fund = Fund(code=code, name=name, region_prefix=region_prefix, department_kind=department_kind,
                policy_ids=list(policy_ids), unit=unit or "元", budget=budget_value, valid_from=valid_from,
                valid_to=valid_to, source=source.strip()[:300], created_by=actor)
    fund.full_clean()
    fund.save()
    FundMovement.objects.create(fund=fund, kind=FundMovement.Kind.BUDGET, amount=budget_value, actor=actor,
                                at=timezone.now())
    audit_record(actor=actor, action=Action.CREATE, obj=fund, region_code=region_prefix.ljust(12, "0"),
                 detail={"budget": budget_value, "unit": fund.unit, "policies": policy_ids, "source": fund.source})
    return fund


@transaction.atomic
def fund_set_budget(*, actor, fund: Fund | int, budget: Any, reason: str, version: int | None = None) -> Fund:
    fund = lock_versioned(Fund.objects, fund.pk if isinstance(fund, Fund) else fund, expected_version=version)
    value = _parse_amount(budget)
    reason = _clean_reason(reason, required=True)
    if value is None or value < fund.committed + fund.paid:
        raise BenefitError(N_("预算不能低于已批准和已拨付的合计（%(used)s）。"), field="budget",
                           params={"used": fund.committed + fund.paid})
    before = fund.budget
    fund.budget = value
    fund.version += 1
    fund.save(update_fields=["budget", "version"])
    FundMovement.objects.create(fund=fund, kind=FundMovement.Kind.BUDGET, amount=value - before, actor=actor,
                                at=timezone.now())
    audit_record(actor=actor, action=Action.UPDATE, obj=fund, region_code=fund.region_prefix.ljust(12, "0"),
                 changes={"budget": (before, value)}, detail={"reason": reason})
    return fund


def _locked_grant(grant: Grant | int, version: int | None = None) -> Grant:
    return lock_versioned(Grant.objects, grant.pk if isinstance(grant, Grant) else grant, expected_version=version)


@transaction.atomic
def grant_cancel(*, actor, grant: Grant | int, reason: str, version: int | None = None) -> Grant:
    """Cancel a grant before it is paid: its fund is released and its place freed."""
    grant = _locked_grant(grant, version)
    reason = _clean_reason(reason, required=True)
    if grant.status not in (GrantStatus.APPROVED, GrantStatus.ON_NOTICE, GrantStatus.OBJECTED, GrantStatus.READY):
        raise BenefitError(N_("只有尚未拨付的待遇可以取消（当前：%(status)s）。"),
                           params={"status": grant.get_status_display()}, status=409)
    now = timezone.now()
    before = grant.status
    _fund_release(grant, actor=actor, at=now)
    grant.status, grant.cancelled_reason = GrantStatus.CANCELLED, reason
    grant.version += 1
    grant.save(update_fields=["status", "cancelled_reason", "version"])
    audit_record(actor=actor, action=Action.UPDATE, obj=grant, region_code=grant.region_code,
                 changes={"status": (before, GrantStatus.CANCELLED)}, detail={"reason": reason})
    _notify_applicant(grant.application, N_("您的「%(policy)s」待遇（%(number)s）已取消：%(reason)s。"), {"reason": reason},
                      kind="benefits.cancelled")
    return grant


# Public notice ----------------------------------------------------------------------------------
def notice_days(region_code: str, on: dt.date) -> int | None:
    value, _src = resolve(chain.NOTICE_DAYS_PARAM, region_code, on)
    return None if value is None else max(1, int(value))


@transaction.atomic
def notice_publish(*, actor, policy: Policy, region_prefix: str, department_name: str = "") -> Notice:
    """Publish the approved grants of a policy in a jurisdiction for the objection period."""
    if not in_prefix(region_prefix.ljust(12, "0"), actor.jurisdiction or ""):
        raise BenefitError(N_("公示范围不在您的管辖范围内。"), field="region_prefix")
    grants = list(Grant.objects.select_for_update().filter(policy_id=policy.id, status=GrantStatus.APPROVED,
                                                           region_code__startswith=region_prefix))
    if not grants:
        raise BenefitError(N_("没有待公示的已批准待遇。"), code="nothing_to_publish")
    on = today()
    days = notice_days(region_prefix.ljust(12, "0"), on)
    if days is None:
        raise BenefitError(N_("公示期尚未设定：请在政策参数中为本地区录入 benefit_notice_working_days。"), code="no_notice_days")
    now = timezone.now()
    notice = Notice.objects.create(
        policy_id=policy.id, policy_title=policy.title.zh, region_prefix=region_prefix,
        department_name=department_name or (actor.department.name if getattr(actor, "department", None) else str(actor)),
        published_at=now, opens_on=on, closes_on=add_working_days(on, days, work_calendar()), working_days=days,
        published_by=actor)
    Grant.objects.filter(pk__in=[g.pk for g in grants]).update(status=GrantStatus.ON_NOTICE, notice=notice,
                                                                 version=F("version") + 1)
    audit_record(actor=actor, action=Action.CREATE, obj=notice, region_code=region_prefix.ljust(12, "0"),
                 detail={"policy": policy.id, "grants": len(grants), "closes_on": notice.closes_on})
    for grant in grants:
        _notify_applicant(grant.application, N_("您的「%(policy)s」待遇已进入公示，公示至 %(date)s，无异议后发放。"),
                          {"date": notice.closes_on.isoformat()}, kind="benefits.published")
    return notice


@transaction.atomic
def notices_close(*, on: dt.date | None = None) -> int:
    """Grants whose notice period has ended without an objection become ready for payment."""
    on = on or today()
    ended = Notice.objects.filter(closes_on__lt=on, closed_at__isnull=True)
    count = 0
    for notice in ended.select_for_update():
        count += Grant.objects.filter(notice=notice, status=GrantStatus.ON_NOTICE).update(
            status=GrantStatus.READY, version=F("version") + 1)
        notice.closed_at = timezone.now()
        notice.save(update_fields=["closed_at"])
    return count


@transaction.atomic
def objection_file(*, grant: Grant | int, reason: str, contact_name: str = "", phone: str = "") -> Objection:
    """Anyone may object to a grant on notice: the grant stops and the lead department reviews."""
    grant = _locked_grant(grant)
    reason = (reason or "").strip()
    if not reason:
        raise BenefitError(N_("请填写异议内容。"), field="reason")
    if len(reason) > 1000:
        raise BenefitError(N_("异议内容不能超过 1000 字。"), field="reason")
    if grant.status not in (GrantStatus.ON_NOTICE, GrantStatus.OBJECTED) or grant.notice is None \
            or grant.notice.closes_on < today():
        raise BenefitError(N_("该公示已结束或不在公示中，不能再提出异议。"), status=409)
    phone = _clean_phone(phone)
    now = timezone.now()
    policy = get_policy(grant.policy_id)
    lead = policy.lead if policy else DepartmentKind.HRSS
    days = chain.step_days("objection_review", grant.region_code, today()) or 5
    assignment = chain.Assignment(step=chain.OBJECTION_STEP, department_kind=lead, role=chain.role_for(lead),
                                  working_days=days)
    task = task_build(assignment=assignment,
                      subject_type="benefits.grant", subject_id=grant.pk,
                      subject_label=f"{grant.application.policy_title} · {grant.application.subject_label}",
                      region_code=grant.region_code, opened_at=now)
    task.save()
    objection = Objection.objects.create(
        grant=grant, reason=reason, contact_name=(contact_name or "").strip()[:50],
        phone_enc=crypto.encrypt(phone) if phone else "", phone_masked=mask_mobile(phone) if phone else "",
        task=task, received_at=now)
    before = grant.status
    grant.status = GrantStatus.OBJECTED
    grant.version += 1
    grant.save(update_fields=["status", "version"])
    audit_record(actor=None, action=Action.CREATE, obj=objection, region_code=grant.region_code,
                 detail={"grant": grant.pk, "status_before": before})
    return objection


@transaction.atomic
def objection_review(*, actor, objection: Objection | int, upheld: bool, reason: str) -> Objection:
    objection = Objection.objects.select_for_update().get(pk=objection.pk if isinstance(objection, Objection) else objection)
    if objection.status != Objection.Status.OPEN:
        raise BenefitError(N_("该异议已复核。"), status=409)
    if objection.task is None or not TaskPolicy.can_act(actor, objection.task):
        raise BenefitError(N_("您不是该异议复核的承办人。"), status=403)
    reason = _clean_reason(reason, required=True)
    now = timezone.now()
    task_close(actor=actor, task=objection.task, outcome=str(N_("异议成立") if upheld else N_("异议不成立")), note=reason)
    objection.status = Objection.Status.UPHELD if upheld else Objection.Status.DISMISSED
    objection.reviewed_by, objection.reviewed_at, objection.review_reason = actor, now, reason
    objection.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_reason"])
    audit_record(actor=actor, action=Action.UPDATE, obj=objection, region_code=objection.grant.region_code,
                 changes={"status": (Objection.Status.OPEN, objection.status)}, detail={"reason": reason})
    grant = _locked_grant(objection.grant_id)
    if upheld:
        grant_cancel(actor=actor, grant=grant, reason=f"公示异议成立：{reason}")
    elif not grant.objections.filter(status=Objection.Status.OPEN).exists():
        grant.status = GrantStatus.ON_NOTICE if grant.notice and grant.notice.closes_on >= today() else GrantStatus.READY
        grant.version += 1
        grant.save(update_fields=["status", "version"])
    return objection


# Payments ---------------------------------------------------------------------------------------
def payable(fund: Fund, region_prefix: str = ""):
    """Grants of a fund ready to pay: notice over without objection, account confirmed."""
    return (Grant.objects.filter(fund=fund, status=GrantStatus.READY, kind="cash",
                                 region_code__startswith=region_prefix)
            .exclude(application__account_enc="").select_related("application"))


@transaction.atomic
def batch_create(*, actor, fund: Fund, region_prefix: str = "") -> PaymentBatch:
    notices_close()
    prefix = region_prefix or fund.region_prefix
    if not in_prefix(prefix.ljust(12, "0"), actor.jurisdiction or ""):
        raise BenefitError(N_("拨付范围不在您的管辖范围内。"), field="region_prefix")
    grants = list(payable(fund, prefix).select_for_update(of=("self",)))
    if not grants:
        raise BenefitError(N_("没有可拨付的待遇（须公示期满无异议，且已确认收款账户）。"), code="nothing_to_pay")
    now = timezone.now()
    batch = PaymentBatch.objects.create(fund=fund, region_prefix=prefix, created_by=actor, created_at=now)
    lines = []
    for grant in grants:
        app = grant.application
        lines.append(PaymentLine(batch=batch, grant=grant, reference=f"AJ{batch.pk:06d}{grant.pk:010d}",
                                 payee_name=app.payee_name, account_enc=app.account_enc,
                                 account_masked=app.account_masked, bank_name=app.bank_name, amount=grant.amount))
    PaymentLine.objects.bulk_create(lines)
    Grant.objects.filter(pk__in=[g.pk for g in grants]).update(status=GrantStatus.IN_BATCH, version=F("version") + 1)
    batch.line_count = len(lines)
    batch.total = sum((line.amount for line in lines), Decimal("0"))
    batch.save(update_fields=["line_count", "total"])
    audit_record(actor=actor, action=Action.CREATE, obj=batch, region_code=prefix.ljust(12, "0"),
                 detail={"fund": fund.code, "lines": batch.line_count, "total": batch.total})
    return batch


def _delivered(grant: Grant, value: Decimal, *, actor, at: dt.datetime) -> None:
    """A grant paid (or handed over): marked so, with the working days since the application (or
    the proactive list), and its value moved from committed to paid on its fund. The caller saves
    the grant."""
    app = grant.application
    start = timezone.localdate(app.scan_job.created_at) if app.scan_job_id else timezone.localdate(app.created_at)
    grant.status, grant.paid_at = GrantStatus.PAID, at
    grant.working_days_to_pay = max(0, working_days_between(start, timezone.localdate(at), work_calendar()))
    if grant.fund_id:
        Fund.objects.filter(pk=grant.fund_id).update(committed=F("committed") - value, paid=F("paid") + value)
        FundMovement.objects.create(fund_id=grant.fund_id, grant=grant, kind=FundMovement.Kind.PAY, amount=value,
                                    actor=actor, at=at)


@transaction.atomic
def line_settle(*, actor, line: PaymentLine, paid: bool, reason: str = "", at: dt.datetime | None = None) -> PaymentLine:
    """The bank's answer for one line: paid (the grant is paid, its fund moves from committed to
    paid, the worker's timeline shows it) or failed with the reason (the grant returns to the
    payment queue)."""
    line = PaymentLine.objects.select_for_update().get(pk=line.pk)
    if line.status != LineStatus.PENDING:
        raise BenefitError(N_("该笔拨付已处理（%(status)s）。"), params={"status": line.get_status_display()}, status=409)
    now = at or timezone.now()
    grant = Grant.objects.select_for_update().select_related("application").get(pk=line.grant_id)
    line.settled_at = now
    if paid:
        line.status = LineStatus.PAID
        _delivered(grant, line.amount, actor=actor, at=now)
        _timeline(grant.application, "grant_paid", actor=actor, data={"amount": plain_decimal(line.amount, places=2)})
        _notify_applicant(grant.application, N_("您的「%(policy)s」%(amount)s 元已拨付至尾号 %(tail)s 的账户，请注意查收。"),
                          {"amount": str(line.amount), "tail": line.account_masked[-4:]}, kind="benefits.paid")
    else:
        line.status, line.failure_reason = LineStatus.FAILED, (reason or "")[:200]
        grant.status = GrantStatus.READY
        _notify_applicant(grant.application, N_("您的「%(policy)s」款项拨付未成功（%(reason)s），请核对收款账户。"),
                          {"reason": line.failure_reason}, kind="benefits.payment_failed")
    line.save(update_fields=["status", "failure_reason", "settled_at"])
    grant.version += 1
    grant.save(update_fields=["status", "paid_at", "working_days_to_pay", "version"])
    audit_record(actor=actor, action=Action.UPDATE, obj=line, object_type="payment_line", region_code=grant.region_code,
                 changes={"status": (LineStatus.PENDING, line.status)}, detail={"reason": line.failure_reason})
    batch = line.batch
    if not batch.lines.filter(status=LineStatus.PENDING).exists():
        PaymentBatch.objects.filter(pk=batch.pk).update(status="closed", closed_at=now)
    return line


@transaction.atomic
def grant_provide(*, actor, grant: Grant | int, note: str = "", version: int | None = None) -> Grant:
    """An in-kind grant handed over (a gift box delivered, a fee waived) once its notice is over:
    its units move from committed to used on the quota."""
    grant = _locked_grant(grant, version)
    if grant.kind != "in_kind" or grant.status != GrantStatus.READY:
        raise BenefitError(N_("只有公示期满、待发放的实物待遇可以登记发放。"), status=409)
    note = _clean_reason(note, required=False)
    now = timezone.now()
    _delivered(grant, _grant_value(grant), actor=actor, at=now)
    app = grant.application
    grant.version += 1
    grant.save(update_fields=["status", "paid_at", "working_days_to_pay", "version"])
    audit_record(actor=actor, action=Action.UPDATE, obj=grant, region_code=grant.region_code,
                 changes={"status": (GrantStatus.READY, GrantStatus.PAID)}, detail={"units": grant.units, "note": note})
    _timeline(app, "grant_paid", actor=actor, data={"units": grant.units})
    return grant


@transaction.atomic
def batch_mark_exported(*, actor, batch: PaymentBatch, rows: int) -> PaymentBatch:
    PaymentBatch.objects.filter(pk=batch.pk, status="draft").update(status="exported", exported_at=timezone.now())
    batch.refresh_from_db()
    audit_record(actor=actor, action=Action.EXPORT, obj=batch, region_code=batch.region_prefix.ljust(12, "0"),
                 detail={"rows": rows, "format": "csv-gb18030"})
    return batch


# Corrections ------------------------------------------------------------------------------------
@transaction.atomic
def recovery_create(*, actor, grant: Grant | int, amount_due: Any, reason: str, version: int | None = None) -> Recovery:
    """An undue payment to be recovered (追回): the grant is marked, the amount due recorded."""
    grant = _locked_grant(grant, version)
    if grant.status != GrantStatus.PAID or grant.amount is None:
        raise BenefitError(N_("只有已拨付的现金待遇可以追回。"), status=409)
    due = _parse_amount(amount_due)
    if due is None or due <= 0 or due > grant.amount:
        raise BenefitError(N_("应追回金额应大于 0，且不超过已拨付金额 %(amount)s 元。"), field="amount_due",
                           params={"amount": grant.amount})
    reason = _clean_reason(reason, required=True)
    recovery = Recovery.objects.create(grant=grant, amount_due=due, reason=reason, created_by=actor,
                                       created_at=timezone.now())
    grant.status = GrantStatus.RECOVERED
    grant.version += 1
    grant.save(update_fields=["status", "version"])
    audit_record(actor=actor, action=Action.CREATE, obj=recovery, region_code=grant.region_code,
                 detail={"grant": grant.pk, "amount_due": due, "reason": reason})
    return recovery


@transaction.atomic
def recovery_record_return(*, actor, recovery: Recovery | int, amount: Any, version: int | None = None) -> Recovery:
    recovery = lock_versioned(Recovery.objects, recovery.pk if isinstance(recovery, Recovery) else recovery,
                              expected_version=version)
    value = _parse_amount(amount)
    if value is None or value <= 0 or recovery.amount_returned + value > recovery.amount_due:
        raise BenefitError(N_("退回金额应大于 0，且累计不超过应追回金额 %(due)s 元（已追回 %(done)s 元）。"), field="amount",
                           params={"due": recovery.amount_due, "done": recovery.amount_returned})
    now = timezone.now()
    recovery.amount_returned += value
    if recovery.amount_returned == recovery.amount_due:
        recovery.closed_at = now
    recovery.version += 1
    recovery.save(update_fields=["amount_returned", "closed_at", "version"])
    grant = recovery.grant
    if grant.fund_id:
        Fund.objects.filter(pk=grant.fund_id).update(paid=F("paid") - value)
        FundMovement.objects.create(fund_id=grant.fund_id, grant=grant, kind=FundMovement.Kind.RECOVER, amount=value,
                                    actor=actor, at=now)
    audit_record(actor=actor, action=Action.UPDATE, obj=recovery, region_code=grant.region_code,
                 changes={"amount_returned": (recovery.amount_returned - value, recovery.amount_returned)})
    return recovery
