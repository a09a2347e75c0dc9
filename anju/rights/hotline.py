"""The moves of a hotline ticket after intake (`services.ticket_create`): dispatch, first contact,
pause and resume, progress notes, the reply, return and reassignment, merging duplicates (并单),
linking a case, and the call-back that closes or reopens it.

Two parties act on a ticket: the desk of its place (`services.desk_of`: who takes calls,
dispatches and calls back) and the lead department (`ticket.lead_department_kind` /
`lead_role`: who contacts the caller and resolves it). Each clock is a task of the deadline
engine; who may act on it is the task's `TaskPolicy.can_act`, so a user of the wrong department
or jurisdiction is refused even when the ticket policy lets them handle tickets in general.

Every move locks the ticket at the version the user read (a stale page is refused with a
conflict), writes a `TicketEvent` for the timeline and an audit event, in one transaction.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_

from anju.accounts.models import DepartmentKind, Role, User
from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.lib.versioning import lock_versioned, save_versioned
from anju.params.selectors import levels
from anju.rights import registrations as steps
from anju.rights.models import (
    OPEN_TICKET,
    KnowledgeEntry,
    RoutingRule,
    Ticket,
    TicketEventKind,
    TicketStatus,
)
from anju.rights.permissions import CasePolicy, TicketPolicy
from anju.rights.services import (
    RightsError,
    desk_of,
    open_ticket_task,
    satisfied_score,
    ticket_create,
    ticket_event,
)
from anju.workflow import outbox
from anju.workflow.models import OPEN_STATES, TaskState, WorkTask
from anju.workflow.permissions import TaskPolicy
from anju.workflow.services import TaskError, task_close, task_pause, task_resume

# Why a resolve clock may stand still: the two waits the hotline does not control.
PAUSE_CALLER = "caller"
PAUSE_MEDIATION = "mediation"
PAUSE_REASONS = [
    (PAUSE_CALLER, _("等待来电人补充材料")),
    (PAUSE_MEDIATION, _("等待调解结果")),
]
# The call-back score runs 1 (very unhappy) to 5 (very happy); from the place's
# `hotline_satisfied_score` up the caller is satisfied, below it the ticket reopens.
SATISFACTION = range(1, 6)

LEAD_STEPS = (steps.TICKET_CONTACT, steps.TICKET_RESOLVE)


# Reads ---------------------------------------------------------------------------------------
def tickets_for_user(user, *, within: str = "") -> QuerySet[Ticket]:
    """Tickets the user may see, narrowed to a division prefix `within`."""
    return TicketPolicy.scope(user, Ticket.objects.all(), within=within)


def get_ticket_for_user(user, pk: Any) -> Ticket:
    """The ticket, if the user may see it; otherwise 404 (missing and forbidden look alike)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    ticket = (tickets_for_user(user).select_related("category", "category__parent", "region", "worker", "case",
                                                    "merged_into", "created_by").filter(pk=pk).first())
    if ticket is None or not TicketPolicy.can_on(user, "view", ticket):
        raise Http404
    return ticket


def ticket_tasks(ticket: Ticket) -> list[WorkTask]:
    """All clocks of the ticket, oldest first, with their pauses."""
    return list(WorkTask.objects.filter(subject_type="ticket", subject_id=ticket.pk).prefetch_related("pauses")
                .order_by("opened_at", "id"))


def open_task(ticket: Ticket, step: str) -> WorkTask | None:
    return (WorkTask.objects.filter(subject_type="ticket", subject_id=ticket.pk, step=step, state__in=OPEN_STATES)
            .order_by("-opened_at", "-id").first())


def _as_task(department_kind: str, role: str, region_code: str) -> SimpleNamespace:
    # TaskPolicy decides on the three fields a task names; asking it about a party that holds no
    # task at the moment (the desk while the lead works) keeps one rule for "who is this party".
    return SimpleNamespace(department_kind=department_kind, role=role, region_code=region_code)


def is_desk(user, ticket: Ticket) -> bool:
    desk = desk_of(ticket.region_id)
    return desk is not None and TaskPolicy.can_act(user, _as_task(desk.lead_department_kind, desk.lead_role,
                                                                  ticket.region_id))


def is_lead(user, ticket: Ticket) -> bool:
    return bool(ticket.lead_role) and TaskPolicy.can_act(
        user, _as_task(ticket.lead_department_kind, ticket.lead_role, ticket.region_id))


def party_users(department_kind: str, role: str | None, region_code: str) -> list[User]:
    """Active users who act for `department_kind` (in `role`, when given) over `region_code`."""
    qs = User.objects.filter(is_active=True, jurisdiction__in=[p for p in levels(region_code) if p])
    if role:
        # As TaskPolicy.can_act: a user without a department acts for any kind.
        qs = qs.filter(Q(department__isnull=True) | Q(department__kind=department_kind), role=role)
    else:
        qs = qs.filter(department__kind=department_kind)
    return list(qs.select_related("department").order_by("id"))


def caller_in_ledger(*, phone: str = "", id_number: str = ""):
    """The ledger's worker with this ID number, else with this mobile number, by the keyed
    hashes; None unless exactly one matches (a shared family phone links nobody). Unscoped, as
    the ledger's de-duplication is: the page shows the worker only to those who may see them."""
    from anju.lib.identifiers import IdentifierError, parse_id_number, validate_mobile
    from anju.registry.models import Worker
    from anju.registry.services import id_hash, phone_hash

    lookups = []
    if (id_number or "").strip():
        try:
            lookups.append({"id_number_hash": id_hash(parse_id_number(id_number).number)})
        except IdentifierError:
            raise RightsError(N_("公民身份号码不正确（应为 18 位，末位校验码须正确）。"), "id_number") from None
    if (phone or "").strip():
        try:
            lookups.append({"phone_hash": phone_hash(validate_mobile(phone))})
        except IdentifierError:
            raise RightsError(N_("手机号码格式不正确（应为 11 位手机号）。"), "phone") from None
    for lookup in lookups:
        found = list(Worker.objects.filter(**lookup).values_list("pk", flat=True)[:2])
        if len(found) == 1:
            return Worker.objects.get(pk=found[0])
    return None


def available_actions(user, ticket: Ticket) -> set[str]:
    """The moves `user` may try on `ticket` now (what its page offers); the services decide."""
    if not TicketPolicy.can_on(user, "handle", ticket) or ticket.status == TicketStatus.MERGED:
        return set()
    desk, lead = is_desk(user, ticket), is_lead(user, ticket)
    status = ticket.status
    acts: set[str] = set()
    if desk or lead:
        acts.add("link_case")
        if status != TicketStatus.CLOSED:
            acts.add("note")
    if desk and status in OPEN_TICKET:
        acts.add("merge")
    if desk and status == TicketStatus.NEW:
        acts.add("dispatch")
    if desk and status in (TicketStatus.DISPATCHED, TicketStatus.IN_PROGRESS, TicketStatus.PAUSED):
        acts.add("reassign")
    if desk and status == TicketStatus.REPLIED:
        acts.add("callback")
    if lead and status in (TicketStatus.DISPATCHED, TicketStatus.IN_PROGRESS, TicketStatus.PAUSED):
        acts |= {"reply", "return"}
        acts.add({TicketStatus.DISPATCHED: "contact", TicketStatus.IN_PROGRESS: "pause",
                  TicketStatus.PAUSED: "resume"}[status])
    return acts


def lead_choices(region_code: str) -> list[tuple[str, str]]:
    """("department_kind:role", label) of every department and role with staff over the region
    who may handle tickets: whom a ticket can be sent to."""
    pairs = (User.objects.filter(is_active=True, jurisdiction__in=[p for p in levels(region_code) if p],
                                 department__isnull=False, role__in=TicketPolicy.actions["handle"])
             .values_list("department__kind", "role").distinct())
    out = []
    for kind, role in sorted(set(pairs)):
        out.append((f"{kind}:{role}", f"{DepartmentKind(kind).label}（{Role(role).label}）"))
    return out


# Helpers of the moves ------------------------------------------------------------------------
def _lock(actor, ticket: Ticket, expected_version: int | None) -> Ticket:
    if not TicketPolicy.can_on(actor, "handle", ticket):
        raise RightsError(N_("您没有办理该工单的权限。"), code="forbidden", status=403)
    return lock_versioned(Ticket.objects.select_related("category", "region"), ticket.pk,
                          expected_version=expected_version)


def _require_state(ticket: Ticket, *allowed: str) -> None:
    if ticket.status not in allowed:
        raise RightsError(N_("工单当前状态为“%(status)s”，不能进行此操作。"), code="wrong_state", status=409,
                          params={"status": ticket.get_status_display()})


def _task_for(actor, ticket: Ticket, step: str) -> WorkTask:
    task = open_task(ticket, step)
    if task is None:
        raise RightsError(N_("该工单没有待办的“%(step)s”事项。"), code="wrong_state", status=409,
                          params={"step": _step_label(step)})
    if not TaskPolicy.can_act(actor, task):
        raise RightsError(N_("您不是该工单“%(step)s”的承办人。"), code="forbidden", status=403,
                          params={"step": _step_label(step)})
    return task


def _step_label(step: str) -> str:
    from anju.workflow.steps import get_step

    return str(get_step(step).label)


def _engine(call, **kwargs):
    """Run a deadline-engine move, its refusal told as this app's error."""
    try:
        return call(**kwargs)
    except TaskError as exc:
        raise RightsError(exc.message, code="task_refused", status=409) from None


def _refuse_merged(ticket: Ticket) -> None:
    if ticket.status == TicketStatus.MERGED:
        raise RightsError(N_("该工单已并入工单 %(number)s，请在该工单上办理。"), code="wrong_state", status=409,
                          params={"number": ticket.merged_into.number if ticket.merged_into_id else ""})


def _require_desk(actor, ticket: Ticket) -> None:
    if not is_desk(actor, ticket):
        raise RightsError(N_("只有本地区热线受理（派单）人员可以进行此操作。"), code="forbidden", status=403)


def _require_lead(actor, ticket: Ticket) -> None:
    if not is_lead(actor, ticket):
        raise RightsError(N_("只有该工单的承办部门可以进行此操作。"), code="forbidden", status=403)


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise RightsError(message, field)
    return value[:2000]


def _link(ticket: Ticket) -> str:
    try:
        return reverse("rights:ticket", args=[ticket.pk])
    except NoReverseMatch:
        return ""


def _tell(users, ticket: Ticket, text: str, *, kind: str, params: dict | None = None, skip=()) -> None:
    skip_ids = {u.pk for u in skip if u is not None}
    for user in users:
        if user.pk in skip_ids:
            continue
        outbox.message_to_user(user=user, text=text, kind=kind, link=_link(ticket),
                               params={"number": ticket.number, "subject": ticket.subject, **(params or {})})


def _tell_lead(actor, ticket: Ticket, text: str, *, kind: str) -> None:
    """The lead department's users, then the co-handlers' (each told once)."""
    lead = party_users(ticket.lead_department_kind, ticket.lead_role, ticket.region_id)
    _tell(lead, ticket, text, kind=kind, skip=[actor])
    told = {u.pk for u in lead} | {getattr(actor, "pk", None)}
    for kind_code in ticket.co_handlers or []:
        if kind_code == ticket.lead_department_kind:
            continue
        others = [u for u in party_users(kind_code, None, ticket.region_id) if u.pk not in told]
        _tell(others, ticket, N_("工单 %(number)s「%(subject)s」需要贵部门配合办理。"), kind="rights.ticket_cohandle")
        told |= {u.pk for u in others}


def _tell_desk(actor, ticket: Ticket, text: str, *, kind: str, params: dict | None = None) -> None:
    desk = desk_of(ticket.region_id)
    if desk is not None:
        _tell(party_users(desk.lead_department_kind, desk.lead_role, ticket.region_id), ticket, text, kind=kind,
              params=params, skip=[actor])


def _open_lead_tasks(actor, ticket: Ticket) -> None:
    for step in LEAD_STEPS:
        open_ticket_task(actor=actor, ticket=ticket, step=step, department_kind=ticket.lead_department_kind,
                         role=ticket.lead_role)


def _open_desk_task(actor, ticket: Ticket, step: str) -> None:
    """A clock of the desk (dispatch, call-back)."""
    desk = desk_of(ticket.region_id)
    if desk is None:
        raise RightsError(N_("本地区尚未设置工单分派规则（至少需要一条兜底规则），请联系管理员。"), code="no_route")
    open_ticket_task(actor=actor, ticket=ticket, step=step, department_kind=desk.lead_department_kind,
                     role=desk.lead_role)


def _close_all(actor, ticket: Ticket, steps_: tuple[str, ...], *, state: str, outcome: str, note: str = "") -> int:
    """Close the ticket's open tasks of `steps_` on the record's move (whoever owes them)."""
    closed = 0
    for task in WorkTask.objects.filter(subject_type="ticket", subject_id=ticket.pk, step__in=steps_,
                                        state__in=OPEN_STATES):
        _engine(task_close, actor=actor, task=task, outcome=outcome, state=state, note=note[:100], by_record=True)
        closed += 1
    return closed


def _check_lead(ticket: Ticket, department_kind: str, role: str) -> None:
    if department_kind not in DepartmentKind.values:
        raise RightsError(N_("请选择承办部门。"), "department_kind")
    if role not in TicketPolicy.actions["handle"]:
        raise RightsError(N_("请选择承办角色（须为可办理热线工单的角色）。"), "role")
    if not party_users(department_kind, role, ticket.region_id):
        raise RightsError(N_("本地区没有“%(department)s”的“%(role)s”账号，工单派出后无人承办，请另选部门。"),
                          "department_kind", params={"department": DepartmentKind(department_kind).label,
                                                      "role": Role(role).label})


def _knowledge(knowledge_ids) -> tuple[list[int], list[KnowledgeEntry]]:
    """The cited knowledge base entries (active ones only), refused if any is unknown."""
    try:
        ids = sorted({int(i) for i in knowledge_ids or ()})
    except (TypeError, ValueError):
        raise RightsError(N_("引用的知识库条目不存在。"), "knowledge") from None
    entries = list(KnowledgeEntry.objects.filter(pk__in=ids, active=True))
    if len(entries) != len(ids):
        raise RightsError(N_("引用的知识库条目不存在。"), "knowledge")
    return ids, entries


def _audit(actor, ticket: Ticket, before: str, **detail) -> None:
    changes = {"status": (before, ticket.status)} if before != ticket.status else None
    audit_record(actor=actor, action=Action.UPDATE, obj=ticket, region_code=ticket.region_id, changes=changes,
                 detail={"number": ticket.number, **detail})


# The moves -----------------------------------------------------------------------------------
@transaction.atomic
def ticket_intake(*, actor, phone: str = "", id_number: str = "", knowledge_ids=(), **fields) -> Ticket:
    """A call taken at the desk: the caller is looked up in the ledger (`caller_in_ledger`; the
    ID number is not kept), the ticket registered and routed (`services.ticket_create`), and the
    knowledge base answers the desk gave on the phone recorded on it."""
    ids, entries = _knowledge(knowledge_ids)
    worker = caller_in_ledger(phone=phone, id_number=id_number)
    ticket = ticket_create(actor=actor, phone=phone, worker=worker, **fields)
    if entries:
        ticket.knowledge.add(*entries)
        audit_record(actor=actor, action=Action.UPDATE, obj=ticket, region_code=ticket.region_id,
                     detail={"number": ticket.number, "knowledge": ids})
    return ticket


@transaction.atomic
def ticket_dispatch(*, actor, ticket: Ticket, rule: RoutingRule | None = None, department_kind: str = "",
                    role: str = "", note: str = "", expected_version: int | None = None) -> Ticket:
    """The desk confirms the routed lead department or names another (a routing rule, or a
    department kind and role); the lead's contact and resolution clocks start now."""
    ticket = _lock(actor, ticket, expected_version)
    _require_state(ticket, TicketStatus.NEW)
    task = _task_for(actor, ticket, steps.TICKET_DISPATCH)
    before = ticket.status
    if rule is not None:
        department_kind, role = rule.lead_department_kind, rule.lead_role
        ticket.co_handlers, ticket.routing_rule = list(rule.co_handlers or []), rule
    department_kind = department_kind or ticket.lead_department_kind
    role = role or ticket.lead_role
    _check_lead(ticket, department_kind, role)
    changed = (department_kind, role) != (ticket.lead_department_kind, ticket.lead_role)
    ticket.lead_department_kind, ticket.lead_role = department_kind, role
    ticket.status = TicketStatus.DISPATCHED
    _engine(task_close, actor=actor, task=task, outcome=str(_("已派单")), note=note)
    save_versioned(ticket, ["lead_department_kind", "lead_role", "co_handlers", "routing_rule", "status"])
    _open_lead_tasks(actor, ticket)
    ticket_event(ticket, TicketEventKind.DISPATCHED, actor=actor, text=note,
                 data={"lead": department_kind, "role": role, "changed": changed, "co_handlers": ticket.co_handlers})
    _tell_lead(actor, ticket, N_("您有新的热线工单 %(number)s「%(subject)s」待办理，请及时联系来电人。"),
               kind="rights.ticket_dispatched")
    _audit(actor, ticket, before, lead=department_kind, role=role, changed=changed)
    return ticket


@transaction.atomic
def ticket_contact(*, actor, ticket: Ticket, note: str = "", expected_version: int | None = None) -> Ticket:
    """The lead department has reached the caller: the first-contact clock stops."""
    ticket = _lock(actor, ticket, expected_version)
    _require_state(ticket, TicketStatus.DISPATCHED)
    task = _task_for(actor, ticket, steps.TICKET_CONTACT)
    before = ticket.status
    _engine(task_close, actor=actor, task=task, outcome=str(_("已联系来电人")), note=note)
    ticket.contacted_at, ticket.status = timezone.now(), TicketStatus.IN_PROGRESS
    save_versioned(ticket, ["contacted_at", "status"])
    ticket_event(ticket, TicketEventKind.CONTACTED, actor=actor, text=note)
    _audit(actor, ticket, before)
    return ticket


@transaction.atomic
def ticket_pause(*, actor, ticket: Ticket, reason_kind: str, note: str = "",
                 expected_version: int | None = None) -> Ticket:
    """Stop the resolution clock while waiting for what the hotline does not control."""
    reasons = dict(PAUSE_REASONS)
    if reason_kind not in reasons:
        raise RightsError(N_("请选择暂停计时的原因。"), "reason_kind")
    ticket = _lock(actor, ticket, expected_version)
    _require_state(ticket, TicketStatus.IN_PROGRESS)
    task = _task_for(actor, ticket, steps.TICKET_RESOLVE)
    before = ticket.status
    reason = str(reasons[reason_kind]) + (f"：{note.strip()}" if note.strip() else "")
    _engine(task_pause, actor=actor, task=task, reason=reason)
    ticket.status = TicketStatus.PAUSED
    save_versioned(ticket, ["status"])
    ticket_event(ticket, TicketEventKind.PAUSED, actor=actor, text=note, data={"reason": reason_kind, "task": task.pk})
    _audit(actor, ticket, before, reason=reason_kind)
    return ticket


@transaction.atomic
def ticket_resume(*, actor, ticket: Ticket, note: str = "", expected_version: int | None = None) -> Ticket:
    """Run the resolution clock again; its deadline moves by the working days it stood still."""
    ticket = _lock(actor, ticket, expected_version)
    _require_state(ticket, TicketStatus.PAUSED)
    task = _task_for(actor, ticket, steps.TICKET_RESOLVE)
    before = ticket.status
    task = _engine(task_resume, actor=actor, task=task)
    pause = task.pauses.order_by("-paused_at", "-id").first()
    ticket.status = TicketStatus.IN_PROGRESS
    save_versioned(ticket, ["status"])
    ticket_event(ticket, TicketEventKind.RESUMED, actor=actor, text=note,
                 data={"task": task.pk, "days": pause.working_days if pause else 0, "due_on": task.due_on.isoformat()})
    _audit(actor, ticket, before, due_on=task.due_on.isoformat())
    return ticket


@transaction.atomic
def ticket_note(*, actor, ticket: Ticket, text: str) -> Ticket:
    """A progress note on the timeline, by the desk or the lead department. It changes no field,
    so it takes no version: a note never conflicts with a move made meanwhile."""
    if not TicketPolicy.can_on(actor, "handle", ticket):
        raise RightsError(N_("您没有办理该工单的权限。"), code="forbidden", status=403)
    text = _text(text, "text", N_("请填写办理记录。"))
    ticket = lock_versioned(Ticket.objects.all(), ticket.pk)
    _refuse_merged(ticket)
    _require_state(ticket, *OPEN_TICKET, TicketStatus.REPLIED)
    if not (is_lead(actor, ticket) or is_desk(actor, ticket)):
        raise RightsError(N_("只有热线受理人员或承办部门可以填写办理记录。"), code="forbidden", status=403)
    event = ticket_event(ticket, TicketEventKind.NOTE, actor=actor, text=text)
    audit_record(actor=actor, action=Action.UPDATE, obj=ticket, region_code=ticket.region_id,
                 detail={"number": ticket.number, "note": event.pk})
    return ticket


@transaction.atomic
def ticket_reply(*, actor, ticket: Ticket, reply: str, knowledge_ids=(), expected_version: int | None = None) -> Ticket:
    """The lead department's answer to the caller: the resolution clock stops (on time when on or
    before its due day), and the desk's call-back clock starts. A reply is also a contact, so an
    open first-contact clock stops with it; a paused clock ends its pause."""
    reply = _text(reply, "reply", N_("请填写答复内容。"))
    ticket = _lock(actor, ticket, expected_version)
    _require_state(ticket, TicketStatus.DISPATCHED, TicketStatus.IN_PROGRESS, TicketStatus.PAUSED)
    task = _task_for(actor, ticket, steps.TICKET_RESOLVE)
    ids, entries = _knowledge(knowledge_ids)
    before = ticket.status
    now = timezone.now()
    contact = open_task(ticket, steps.TICKET_CONTACT)
    if contact is not None:
        _engine(task_close, actor=actor, task=contact, outcome=str(_("已答复来电人")))
    task = _engine(task_close, actor=actor, task=task, outcome=str(_("已答复")))
    ticket.reply, ticket.replied_at = reply, now
    ticket.replied_on_time = timezone.localdate(task.closed_at) <= task.due_on
    ticket.contacted_at = ticket.contacted_at or now
    ticket.status = TicketStatus.REPLIED
    save_versioned(ticket, ["reply", "replied_at", "replied_on_time", "contacted_at", "status"])
    ticket.knowledge.add(*entries)
    _open_desk_task(actor, ticket, steps.TICKET_CALLBACK)
    ticket_event(ticket, TicketEventKind.REPLIED, actor=actor, text=reply,
                 data={"on_time": ticket.replied_on_time, "knowledge": ids})
    _tell_desk(actor, ticket, N_("工单 %(number)s「%(subject)s」已答复，请回访来电人。"), kind="rights.ticket_replied")
    _audit(actor, ticket, before, on_time=ticket.replied_on_time, knowledge=ids)
    return ticket


@transaction.atomic
def ticket_return(*, actor, ticket: Ticket, reason: str, expected_version: int | None = None) -> Ticket:
    """The lead department sends the ticket back to the desk (not theirs): its clocks close as
    returned and the desk must dispatch it again."""
    reason = _text(reason, "reason", N_("请填写退回理由。"))
    ticket = _lock(actor, ticket, expected_version)
    _require_state(ticket, TicketStatus.DISPATCHED, TicketStatus.IN_PROGRESS, TicketStatus.PAUSED)
    _require_lead(actor, ticket)
    before, lead = ticket.status, ticket.lead_department_kind
    _close_all(actor, ticket, LEAD_STEPS, state=TaskState.RETURNED, outcome=str(_("退回派单")), note=reason)
    ticket.status, ticket.contacted_at = TicketStatus.NEW, None
    save_versioned(ticket, ["status", "contacted_at"])
    _open_desk_task(actor, ticket, steps.TICKET_DISPATCH)
    ticket_event(ticket, TicketEventKind.RETURNED, actor=actor, text=reason, data={"lead": lead})
    _tell_desk(actor, ticket, N_("工单 %(number)s「%(subject)s」被承办部门退回：%(reason)s，请重新派单。"),
               kind="rights.ticket_returned", params={"reason": reason[:100]})
    _audit(actor, ticket, before, reason=reason[:200], lead=lead)
    return ticket


@transaction.atomic
def ticket_reassign(*, actor, ticket: Ticket, department_kind: str, role: str, reason: str,
                    expected_version: int | None = None) -> Ticket:
    """The desk moves a dispatched ticket to another lead department: the old lead's clocks are
    cancelled and the new lead's start now."""
    reason = _text(reason, "reason", N_("请填写改派理由。"))
    ticket = _lock(actor, ticket, expected_version)
    _require_state(ticket, TicketStatus.DISPATCHED, TicketStatus.IN_PROGRESS, TicketStatus.PAUSED)
    _require_desk(actor, ticket)
    if (department_kind, role) == (ticket.lead_department_kind, ticket.lead_role):
        raise RightsError(N_("改派的部门与当前承办部门相同。"), "department_kind")
    _check_lead(ticket, department_kind, role)
    before, old = ticket.status, (ticket.lead_department_kind, ticket.lead_role)
    _close_all(actor, ticket, LEAD_STEPS, state=TaskState.CANCELLED, outcome=str(_("已改派")), note=reason)
    ticket.lead_department_kind, ticket.lead_role = department_kind, role
    ticket.status, ticket.contacted_at = TicketStatus.DISPATCHED, None
    save_versioned(ticket, ["lead_department_kind", "lead_role", "status", "contacted_at"])
    _open_lead_tasks(actor, ticket)
    ticket_event(ticket, TicketEventKind.REASSIGNED, actor=actor, text=reason,
                 data={"from": list(old), "lead": department_kind, "role": role})
    _tell_lead(actor, ticket, N_("工单 %(number)s「%(subject)s」已改派给您办理，请及时联系来电人。"),
               kind="rights.ticket_reassigned")
    _audit(actor, ticket, before, lead=department_kind, role=role, reason=reason[:200])
    return ticket


@transaction.atomic
def ticket_merge(*, actor, ticket: Ticket, into: Ticket, reason: str, expected_version: int | None = None) -> Ticket:
    """并单: a duplicate is folded into the ticket that carries on; its open clocks are cancelled
    and tickets merged into it before now follow it into the survivor."""
    reason = _text(reason, "reason", N_("请填写并单理由。"))
    if into is None or into.pk == ticket.pk:
        raise RightsError(N_("请填写要并入的另一张工单。"), "into")
    if not TicketPolicy.can_on(actor, "handle", into):
        raise RightsError(N_("要并入的工单不存在或不在您的管辖范围内。"), "into")
    ticket = _lock(actor, ticket, expected_version)
    _require_state(ticket, *OPEN_TICKET)
    _require_desk(actor, ticket)
    into = lock_versioned(Ticket.objects.all(), into.pk)
    if into.status == TicketStatus.MERGED:
        raise RightsError(N_("工单 %(number)s 本身已并入其他工单，请并入最终保留的工单。"), "into",
                          params={"number": into.number})
    before = ticket.status
    _close_all(actor, ticket, (steps.TICKET_DISPATCH, *LEAD_STEPS, steps.TICKET_CALLBACK), state=TaskState.CANCELLED,
               outcome=str(_("已并单")), note=into.number)
    Ticket.objects.filter(merged_into=ticket).update(merged_into=into)
    ticket.status, ticket.merged_into, ticket.closed_at = TicketStatus.MERGED, into, timezone.now()
    save_versioned(ticket, ["status", "merged_into", "closed_at"])
    ticket_event(ticket, TicketEventKind.MERGED, actor=actor, text=reason, data={"into": into.pk, "number": into.number})
    ticket_event(into, TicketEventKind.MERGED, actor=actor, text=reason,
                 data={"from": ticket.pk, "number": ticket.number})
    _audit(actor, ticket, before, into=into.number, reason=reason[:200])
    return ticket


@transaction.atomic
def ticket_link_case(*, actor, ticket: Ticket, case, expected_version: int | None = None) -> Ticket:
    """Link the wage-arrears case the ticket's matter became (or already is)."""
    if case is None or not CasePolicy.can_on(actor, "view", case):
        raise RightsError(N_("案件不存在或不在您的管辖范围内。"), "case")
    ticket = _lock(actor, ticket, expected_version)
    _refuse_merged(ticket)
    if not (is_lead(actor, ticket) or is_desk(actor, ticket)):
        raise RightsError(N_("只有热线受理人员或承办部门可以关联案件。"), code="forbidden", status=403)
    if ticket.case_id == case.pk:
        raise RightsError(N_("该工单已关联此案件。"), "case")
    previous = ticket.case_id
    ticket.case = case
    save_versioned(ticket, ["case"])
    ticket_event(ticket, TicketEventKind.LINKED, actor=actor, data={"case": case.pk, "number": case.number})
    audit_record(actor=actor, action=Action.UPDATE, obj=ticket, region_code=ticket.region_id,
                 changes={"case": (previous, case.pk)}, detail={"number": ticket.number, "case": case.number})
    return ticket


@transaction.atomic
def ticket_callback(*, actor, ticket: Ticket, satisfaction: int, note: str = "",
                    expected_version: int | None = None, by_caller: bool = False) -> Ticket:
    """The desk calls the caller back. A satisfied caller closes the ticket; an unhappy one
    reopens it: the lead department must resolve it again, on a new clock. `by_caller`: the
    caller rated the reply on the portal (which proved their phone); no staff user acts, so the
    desk's call-back is done by the record."""
    try:
        satisfaction = int(satisfaction)
    except (TypeError, ValueError):
        satisfaction = 0
    if satisfaction not in SATISFACTION:
        raise RightsError(N_("满意度须为 1 至 5 分。"), "satisfaction")
    if by_caller:
        actor = None
        ticket = lock_versioned(Ticket.objects.select_related("category", "region"), ticket.pk,
                                expected_version=expected_version)
    else:
        ticket = _lock(actor, ticket, expected_version)
    _require_state(ticket, TicketStatus.REPLIED)
    task = open_task(ticket, steps.TICKET_CALLBACK) if by_caller else _task_for(actor, ticket, steps.TICKET_CALLBACK)
    before = ticket.status
    now = timezone.now()
    if task is not None:
        outcome = _("来电人网上评价，满意度 %(n)s 分") if by_caller else _("已回访，满意度 %(n)s 分")
        _engine(task_close, actor=actor, task=task, outcome=str(outcome) % {"n": satisfaction}, note=note,
                by_record=by_caller)
    ticket.satisfaction, ticket.callback_at = satisfaction, now
    satisfied = satisfaction >= satisfied_score(ticket.region_id)
    if satisfied:
        ticket.status, ticket.closed_at = TicketStatus.CLOSED, now
    else:
        ticket.status, ticket.reopened = TicketStatus.IN_PROGRESS, ticket.reopened + 1
    save_versioned(ticket, ["satisfaction", "callback_at", "status", "closed_at", "reopened"])
    ticket_event(ticket, TicketEventKind.CALLBACK, actor=actor, text=note, data={"satisfaction": satisfaction})
    if satisfied:
        ticket_event(ticket, TicketEventKind.CLOSED, actor=actor)
    else:
        open_ticket_task(actor=actor, ticket=ticket, step=steps.TICKET_RESOLVE,
                         department_kind=ticket.lead_department_kind, role=ticket.lead_role)
        ticket_event(ticket, TicketEventKind.REOPENED, actor=actor, text=note, data={"reopened": ticket.reopened})
        _tell_lead(actor, ticket, N_("工单 %(number)s「%(subject)s」回访不满意，已重新交您办理。"),
                   kind="rights.ticket_reopened")
    _audit(actor, ticket, before, satisfaction=satisfaction)
    return ticket
