"""The moves of a wage-arrears case after `services.case_create`: acceptance or refusal, the
extension of the time limit, a pause where the law lets the clock stop, a transfer to another
route, the money recovered for each complainant and the conclusion.

Every move locks the case at the version the user read (`lock_versioned`), checks `CasePolicy`
on the case and `TaskPolicy.can_act` on its open task (so only the department and role the route
names act: the labour inspector on an inspection, the arbitration commission's county officers on
arbitration, the union on mediation), writes a `CaseEvent` and an audit event. The clocks are
tasks of the deadline engine; their limits are the route's dated regional parameters
(`services.ROUTES`). Complainants are told by SMS of a refusal and of the outcome.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_

from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.lib.versioning import lock_versioned, save_versioned
from anju.rights import registrations as steps
from anju.rights.models import (
    ArrearsCase,
    CaseRecovery,
    CaseStatus,
    CaseWorker,
    Conclusion,
    Recovery,
    Route,
    WageDeposit,
)
from anju.rights.permissions import CasePolicy
from anju.rights.services import (
    CENT,
    ROUTES,
    RightsError,
    case_create,
    case_event,
    days_param,
    money,
    open_case_task,
    today,
)
from anju.workflow import outbox
from anju.workflow.models import OPEN_STATES, TaskState, WorkTask
from anju.workflow.permissions import TaskPolicy
from anju.workflow.services import TaskError, task_close, task_extend, task_pause, task_resume

SUBJECT = "arrears_case"

# Routes whose conclusion clock may stand still, and the law that lets it. Labour inspection:
# the time a mediation of the same dispute takes is not counted (劳动保障监察条例 art. 17 with
# 劳动和社会保障部令第25号 on cases mediated first); arbitration and its fast track: the hearing
# suspended (中止审理, 劳动人事争议仲裁办案规则 art. 46–47). Mediation and legal aid run straight.
PAUSABLE = {
    Route.INSPECTION: _("劳动保障监察：当事人调解期间不计入办理时限"),
    Route.ARBITRATION: _("劳动仲裁：中止审理期间不计入审理期限"),
    Route.ARBITRATION_FAST: _("劳动仲裁：中止审理期间不计入审理期限"),
}

EVENT_LABELS = {
    "created": _("登记"),
    "accepted": _("已受理"),
    "not_accepted": _("不予受理"),
    "extended": _("延长办理期限"),
    "paused": _("暂停计时"),
    "resumed": _("恢复计时"),
    "transferred": _("转办"),
    "recovery": _("追回工资"),
    "concluded": _("结案"),
}

# The conclusions that state how much was paid, checked against the amounts recorded.
FULL, PART = Conclusion.PAID_IN_FULL, Conclusion.PAID_IN_PART


# Reads ---------------------------------------------------------------------------------------
def cases_for_user(user, action: str = "view", *, within: str = "") -> QuerySet[ArrearsCase]:
    return CasePolicy.scope(user, ArrearsCase.objects.all(), action, within=within)


def get_case_for_user(user, pk, *, action: str = "view") -> ArrearsCase:
    """A case the user may see (missing and forbidden alike are 404)."""
    from anju.employment.selectors import checked_pk

    case = (cases_for_user(user).select_related("employer", "project", "created_by")
            .filter(pk=checked_pk(pk)).first())
    if case is None or not CasePolicy.can_on(user, action, case):
        raise Http404
    return case


def overdue_q(on: dt.date | None = None):
    """Cases whose running clock has passed its limit (a paused clock is not late: its limit
    moves on by the pause when it resumes, as the engine's sweep sees it)."""
    late = WorkTask.objects.filter(subject_type=SUBJECT, subject_id=OuterRef("pk"), state=TaskState.OPEN,
                                   due_on__lt=on or today())
    return Exists(late)


def case_tasks(case: ArrearsCase) -> list[WorkTask]:
    return list(WorkTask.objects.filter(subject_type=SUBJECT, subject_id=case.pk).order_by("opened_at", "id"))


def open_task(case: ArrearsCase) -> WorkTask | None:
    return (WorkTask.objects.filter(subject_type=SUBJECT, subject_id=case.pk, state__in=OPEN_STATES)
            .order_by("-opened_at", "-id").first())


def can_extend(case: ArrearsCase) -> bool:
    return ROUTES[case.route][2] is not None


def may_act(user, case: ArrearsCase, task: WorkTask | None) -> bool:
    """The user handles the case and owes its open clock."""
    return task is not None and CasePolicy.can_on(user, "handle", case) and TaskPolicy.can_act(user, task)


# Checks --------------------------------------------------------------------------------------
def _locked(actor, case: ArrearsCase, expected_version: int | None) -> tuple[ArrearsCase, WorkTask | None]:
    locked = lock_versioned(ArrearsCase.objects.select_related("project"), case.pk, expected_version=expected_version)
    if not CasePolicy.can_on(actor, "handle", locked):
        raise RightsError(N_("您没有办理该欠薪案件的权限。"), code="forbidden", status=403)
    return locked, open_task(locked)


def _acting(actor, case: ArrearsCase, task: WorkTask | None, *, status: str, step: str) -> WorkTask:
    """The open task of `step`, which the actor owes, on a case in `status`; refused otherwise."""
    if case.status != status or task is None or task.step != step:
        raise RightsError(N_("案件当前状态（%(status)s）不能办理此事项。"), code="state",
                          params={"status": case.get_status_display()})
    if not TaskPolicy.can_act(actor, task):
        raise RightsError(N_("该案件的当前环节由其他部门或岗位承办，您不能办理。"), code="forbidden", status=403)
    return task


def _reason(text: str, field: str = "reason") -> str:
    text = (text or "").strip()
    if not text:
        raise RightsError(N_("请填写理由。"), field)
    return text[:500]


def _tell(case: ArrearsCase, text: str, kind: str, extra=None) -> int:
    """One SMS to each complainant who gave a phone (the written notice the law owes them)."""
    sent = 0
    for row in case.workers.exclude(phone_enc=""):
        params = {"name": row.name, "number": case.number, "employer": case.employer_name}
        params.update(extra(row) if extra else {})
        outbox.sms_to_phone(phone=row.phone, text=text, params=params, kind=kind)
        sent += 1
    return sent


def _run(move):
    """A task move of the engine, its refusal told as the case's."""
    try:
        return move()
    except TaskError as exc:
        raise RightsError(exc.message, code="task") from None


# Registration --------------------------------------------------------------------------------
@transaction.atomic
def case_register(*, actor, warning=None, **kwargs) -> ArrearsCase:
    """Open a case (`services.case_create`); one opened from a warning also marks the warning as
    turned into this case and closes its handling task, in the same transaction."""
    from anju.rights.warnings import warning_to_case

    case = case_create(actor=actor, warning=warning, **kwargs)
    if warning is not None:
        warning_to_case(actor, warning, case)
    return case


# Acceptance ----------------------------------------------------------------------------------
@transaction.atomic
def case_accept(*, actor, case: ArrearsCase, expected_version: int | None = None) -> ArrearsCase:
    """Accept a registered case: its acceptance clock stops and the conclusion clock of its route
    starts today (labour inspection 60 working days, arbitration 45 days, fast track 30 days)."""
    case, task = _locked(actor, case, expected_version)
    task = _acting(actor, case, task, status=CaseStatus.REGISTERED, step=steps.CASE_ACCEPT)
    _run(lambda: task_close(actor=actor, task=task, outcome=N_("已受理")))
    case.status, case.accepted_on = CaseStatus.ACCEPTED, today()
    save_versioned(case, ["status", "accepted_on"])
    conclude = open_case_task(actor=actor, case=case, stage="conclude")
    case_event(case, "accepted", actor=actor, data={"due_on": conclude.due_on.isoformat()})
    audit_record(actor=actor, action=Action.UPDATE, obj=case, region_code=case.region_id,
                 changes={"status": (CaseStatus.REGISTERED, CaseStatus.ACCEPTED)},
                 detail={"due_on": conclude.due_on.isoformat()})
    return case


@transaction.atomic
def case_refuse(*, actor, case: ArrearsCase, reason: str, expected_version: int | None = None) -> ArrearsCase:
    """Refuse a registered case with the reason; each complainant with a phone is told by SMS."""
    reason = _reason(reason)
    case, task = _locked(actor, case, expected_version)
    task = _acting(actor, case, task, status=CaseStatus.REGISTERED, step=steps.CASE_ACCEPT)
    _run(lambda: task_close(actor=actor, task=task, outcome=N_("不予受理"), note=reason[:100]))
    case.status, case.conclusion_note = CaseStatus.NOT_ACCEPTED, reason
    save_versioned(case, ["status", "conclusion_note"])
    case_event(case, "not_accepted", actor=actor, text=reason)
    told = _tell(case, N_("%(name)s：您对%(employer)s的欠薪投诉（案件 %(number)s）不予受理，理由：%(reason)s。"
                          "如有疑问可拨打服务热线咨询。"), "arrears.not_accepted", lambda row: {"reason": reason})
    audit_record(actor=actor, action=Action.UPDATE, obj=case, region_code=case.region_id,
                 changes={"status": (CaseStatus.REGISTERED, CaseStatus.NOT_ACCEPTED)},
                 detail={"reason": reason, "sms": told})
    return case


# The clock -----------------------------------------------------------------------------------
def _conclude_task(actor, case: ArrearsCase, task: WorkTask | None) -> WorkTask:
    return _acting(actor, case, task, status=CaseStatus.ACCEPTED, step=steps.CASE_CONCLUDE)


@transaction.atomic
def case_extend(*, actor, case: ArrearsCase, reason: str, expected_version: int | None = None) -> ArrearsCase:
    """Extend the conclusion limit once by the route's extension (labour inspection 30 working
    days, arbitration 15 days). Fast track, mediation and legal aid have none."""
    reason = _reason(reason)
    case, task = _locked(actor, case, expected_version)
    param = ROUTES[case.route][2]
    if param is None:
        raise RightsError(N_("「%(route)s」的办理期限依法不能延长。"), code="no_extension",
                          params={"route": case.get_route_display()})
    task = _conclude_task(actor, case, task)
    if task.extended_days:
        raise RightsError(N_("该案件已经延长过一次办理期限，不能再次延长。"), code="extended")
    days = days_param(param, case.region_id)
    before = task.due_on
    task = _run(lambda: task_extend(actor=actor, task=task, days=days, reason=reason, once=True))
    save_versioned(case, [])
    case_event(case, "extended", actor=actor, text=reason,
               data={"days": days, "from": before.isoformat(), "to": task.due_on.isoformat()})
    audit_record(actor=actor, action=Action.UPDATE, obj=case, region_code=case.region_id,
                 changes={"due_on": (before, task.due_on)}, detail={"days": days, "reason": reason})
    return case


@transaction.atomic
def case_pause(*, actor, case: ArrearsCase, reason: str, expected_version: int | None = None) -> ArrearsCase:
    """Stop the conclusion clock where the route's law allows it (`PAUSABLE`)."""
    reason = _reason(reason)
    case, task = _locked(actor, case, expected_version)
    if case.route not in PAUSABLE:
        raise RightsError(N_("「%(route)s」的办理期限依法不能暂停计时。"), code="no_pause",
                          params={"route": case.get_route_display()})
    task = _conclude_task(actor, case, task)
    if task.state == TaskState.PAUSED:
        raise RightsError(N_("办理期限已经暂停计时。"), code="paused")
    _run(lambda: task_pause(actor=actor, task=task, reason=reason))
    save_versioned(case, [])
    case_event(case, "paused", actor=actor, text=reason)
    audit_record(actor=actor, action=Action.UPDATE, obj=case, region_code=case.region_id, detail={"paused": reason})
    return case


@transaction.atomic
def case_resume(*, actor, case: ArrearsCase, expected_version: int | None = None) -> ArrearsCase:
    """Run the clock again; its limit moves by the (working) days it stood still."""
    case, task = _locked(actor, case, expected_version)
    task = _conclude_task(actor, case, task)
    if task.state != TaskState.PAUSED:
        raise RightsError(N_("办理期限没有暂停，无需恢复。"), code="not_paused")
    task = _run(lambda: task_resume(actor=actor, task=task))
    save_versioned(case, [])
    case_event(case, "resumed", actor=actor, data={"due_on": task.due_on.isoformat()})
    audit_record(actor=actor, action=Action.UPDATE, obj=case, region_code=case.region_id,
                 detail={"resumed": True, "due_on": task.due_on.isoformat()})
    return case


@transaction.atomic
def case_transfer(*, actor, case: ArrearsCase, route: str, reason: str,
                  expected_version: int | None = None) -> ArrearsCase:
    """Move an open case to another route (mediation failed → arbitration, …): the open clock is
    closed, and the new route's clocks start as if the case had been registered on it today."""
    reason = _reason(reason)
    if route not in ROUTES:
        raise RightsError(N_("请选择办理途径。"), "route")
    case, task = _locked(actor, case, expected_version)
    if case.status not in (CaseStatus.REGISTERED, CaseStatus.ACCEPTED) or task is None:
        raise RightsError(N_("案件当前状态（%(status)s）不能转办。"), code="state",
                          params={"status": case.get_status_display()})
    if not TaskPolicy.can_act(actor, task):
        raise RightsError(N_("该案件的当前环节由其他部门或岗位承办，您不能办理。"), code="forbidden", status=403)
    if route == case.route:
        raise RightsError(N_("案件已在「%(route)s」途径办理。"), "route", params={"route": case.get_route_display()})
    before = case.route
    with translation.override("zh-hans"):
        outcome = gettext("转%(route)s办理") % {"route": Route(route).label}
    _run(lambda: task_close(actor=actor, task=task, outcome=outcome, note=reason[:100]))
    case.route = route
    if ROUTES[route][0]:
        case.status, case.accepted_on = CaseStatus.REGISTERED, None
        new_task = open_case_task(actor=actor, case=case, stage="accept")
    else:
        case.status, case.accepted_on = CaseStatus.ACCEPTED, today()
        new_task = open_case_task(actor=actor, case=case, stage="conclude")
    save_versioned(case, ["route", "status", "accepted_on"])
    case_event(case, "transferred", actor=actor, text=reason,
               data={"from": before, "to": route, "due_on": new_task.due_on.isoformat()})
    audit_record(actor=actor, action=Action.UPDATE, obj=case, region_code=case.region_id,
                 changes={"route": (before, route)}, detail={"reason": reason})
    return case


# Money ---------------------------------------------------------------------------------------
def _pay_from_deposit(*, actor, case: ArrearsCase, amount: Decimal, on: dt.date, note: str) -> None:
    """The project's wage deposit pays the complainant (保证金规定: on the labour bureau's notice);
    a case without a project that holds a deposit cannot be paid from one."""
    from anju.rights.construction import deposit_pay_out

    if case.project is None or not WageDeposit.objects.filter(project_id=case.project_id).exists():
        raise RightsError(N_("该案件没有关联已存储工资保证金的工程项目，不能以工资保证金支付。"), "method",
                          code="no_deposit")
    deposit_pay_out(actor, case.project, amount, case, on, note=note)


@transaction.atomic
def case_record_recovery(*, actor, case: ArrearsCase, worker_row: CaseWorker | int, amount, method: str,
                         on: dt.date, expected_version: int | None = None) -> CaseWorker:
    """Money recovered for one complainant, and how. Several payments add up; together they may
    not exceed what is owed. Paid from the wage deposit, the project's deposit pays it out."""
    case, task = _locked(actor, case, expected_version)
    _conclude_task(actor, case, task)
    pk = worker_row.pk if isinstance(worker_row, CaseWorker) else worker_row
    row = CaseWorker.objects.select_for_update().filter(case=case, pk=pk).first()
    if row is None:
        raise RightsError(N_("请选择投诉人。"), "worker")
    amount = money(amount, "amount")
    if method not in Recovery.values:
        raise RightsError(N_("请选择追回方式。"), "method")
    if not isinstance(on, dt.date):
        raise RightsError(N_("请填写追回日期。"), "on")
    if on > today():
        raise RightsError(N_("追回日期不能在今天之后。"), "on")
    if on < timezone.localdate(case.created_at):
        raise RightsError(N_("追回日期不能早于案件登记日期。"), "on")
    left = row.amount_owed - row.amount_recovered
    if amount > left:
        raise RightsError(N_("追回金额超过尚欠金额（%(name)s 尚欠 %(left)s 元）。"), "amount", code="above_owed",
                          params={"name": row.name, "left": f"{left:,.2f}"})
    if method == Recovery.DEPOSIT:
        _pay_from_deposit(actor=actor, case=case, amount=amount, on=on, note=f"{case.number} {row.name}")
    before = row.amount_recovered
    row.amount_recovered, row.recovery, row.recovered_on = before + amount, method, on
    row.save(update_fields=["amount_recovered", "recovery", "recovered_on"])
    CaseRecovery.objects.create(claim=row, amount=amount, method=method, on=on, recorded_at=timezone.now(),
                                recorded_by=actor if getattr(actor, "pk", None) else None)
    save_versioned(case, [])
    case_event(case, "recovery", actor=actor, text=f"{row.name} {amount:,.2f}",
               data={"worker": row.pk, "amount": str(amount), "method": method, "on": on.isoformat()})
    audit_record(actor=actor, action=Action.UPDATE, obj=row, region_code=case.region_id,
                 changes={"amount_recovered": (str(before), str(row.amount_recovered))},
                 detail={"case": case.number, "method": method, "on": on.isoformat()})
    return row


def open_claims(case: ArrearsCase) -> list[CaseWorker]:
    """The complainants of the case still owed something (those a recovery may be recorded for)."""
    return [w for w in case.workers.all() if w.amount_recovered < w.amount_owed]


def recovered_by_method(case_ids) -> list[tuple[str, str, Decimal]]:
    """What was recovered for the complainants of these cases (a queryset or list of keys), by
    means, in the order of the choices: (method, label, amount); means never used left out."""
    rows = dict(CaseRecovery.objects.filter(claim__case_id__in=case_ids).order_by().values("method")
                .annotate(total=Sum("amount")).values_list("method", "total"))
    return [(value, label, Decimal(rows[value]).quantize(CENT))
            for value, label in Recovery.choices if rows.get(value)]


def _check_conclusion(case: ArrearsCase, conclusion: str, note: str) -> None:
    rows = list(case.workers.values_list("amount_owed", "amount_recovered"))
    if not rows and conclusion in (FULL, PART):
        # A case the inspector opened of their own motion names nobody owed: it cannot conclude
        # that wages were paid, and it never counts as arrears history (construction.arrears_years).
        raise RightsError(N_("本案没有投诉人及被拖欠金额，不能以“已全额支付”或“部分支付”结案。"), "conclusion",
                          code="amounts")
    owed = sum((o for o, _r in rows), Decimal("0"))
    recovered = sum((r for _o, r in rows), Decimal("0"))
    if conclusion == FULL and any(r < o for o, r in rows):
        raise RightsError(N_("尚有 %(left)s 元未追回，不能以「已全额支付」结案。"), "conclusion", code="amounts",
                          params={"left": f"{owed - recovered:,.2f}"})
    if conclusion == PART and (recovered == 0 or recovered >= owed):
        raise RightsError(N_("「部分支付」须有已追回但未追足的金额（已追回 %(recovered)s 元，共欠 %(owed)s 元）。"),
                          "conclusion", code="amounts", params={"recovered": f"{recovered:,.2f}",
                                                                "owed": f"{owed:,.2f}"})
    if conclusion == Conclusion.NOT_ESTABLISHED and recovered > 0:
        raise RightsError(N_("已追回 %(recovered)s 元，不能以「经查欠薪不属实」结案。"), "conclusion", code="amounts",
                          params={"recovered": f"{recovered:,.2f}"})
    if conclusion == Conclusion.OTHER and not note:
        raise RightsError(N_("以「其他」结案须填写结案说明。"), "note")


@transaction.atomic
def case_conclude(*, actor, case: ArrearsCase, conclusion: str, note: str = "",
                  expected_version: int | None = None) -> ArrearsCase:
    """Conclude an accepted case in a conclusion category that the amounts recorded bear out;
    each complainant with a phone is told the outcome and what was recovered for them."""
    if conclusion not in Conclusion.values:
        raise RightsError(N_("请选择结案类别。"), "conclusion")
    note = (note or "").strip()[:2000]
    case, task = _locked(actor, case, expected_version)
    task = _conclude_task(actor, case, task)
    _check_conclusion(case, conclusion, note)
    with translation.override("zh-hans"):
        label = str(Conclusion(conclusion).label)
    _run(lambda: task_close(actor=actor, task=task, outcome=label))
    case.status, case.conclusion, case.conclusion_note, case.concluded_on = (CaseStatus.CONCLUDED, conclusion, note,
                                                                             today())
    save_versioned(case, ["status", "conclusion", "conclusion_note", "concluded_on"])
    case_event(case, "concluded", actor=actor, text=note, data={"conclusion": conclusion})
    told = _tell(case, N_("%(name)s：您对%(employer)s的欠薪投诉（案件 %(number)s）已结案：%(outcome)s，"
                          "为您追回工资 %(recovered)s 元。"), "arrears.concluded",
                 lambda row: {"outcome": label, "recovered": f"{row.amount_recovered:,.2f}"})
    audit_record(actor=actor, action=Action.UPDATE, obj=case, region_code=case.region_id,
                 changes={"status": (CaseStatus.ACCEPTED, CaseStatus.CONCLUDED)},
                 detail={"conclusion": conclusion, "sms": told})
    return case
