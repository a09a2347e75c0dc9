"""Writes of the deadline engine: opening, pausing, resuming and closing tasks, and the sweep that
raises warnings (by default at 70 % and 90 % of the time: dated regional parameters
`workflow_warn_ratio` and `workflow_urgent_ratio`), marks tasks overdue and escalates them to the
supervising role. Messages go through the outbox in the same transaction."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_noop as N_

from anju.accounts.models import User
from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.lib.dates import today
from anju.lib.workdays import WorkCalendar, add_working_days, is_working_day, working_days_between
from anju.params.selectors import resolve, tables_in_force
from anju.regions.codes import in_prefix
from anju.workflow import outbox
from anju.workflow.calendar import work_calendar
from anju.workflow.models import OPEN_STATES, Alert, TaskPause, TaskState, WorkTask
from anju.workflow.permissions import TaskPolicy
from anju.workflow.steps import get_step

# The share of the time after which a task warns, and after which it is urgent: dated regional
# parameters (a town's supervision rules may set other points). Empty means no such warning.
WARN_PARAM = "workflow_warn_ratio"
URGENT_PARAM = "workflow_urgent_ratio"
BULK = 5000


class TaskError(Exception):
    """A task cannot make this move (closed already, not yours, not paused)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Assignment:
    """Who owes the work: the department kind and role acting in `region_code`, and who
    supervises it."""

    step: str
    department_kind: str
    role: str
    working_days: int
    supervisor_role: str = ""
    # The limit counts calendar days (a statute's "日"), not working days.
    calendar_days: bool = False


Ratios = tuple[Decimal | None, Decimal | None]


class _RatioCache:
    """The warning ratios in force on one day, per region code, read with one query."""

    def __init__(self, on: dt.date):
        self.on = on
        self.tables = tables_in_force([WARN_PARAM, URGENT_PARAM], on)
        self.by_region: dict[str, Ratios] = {}

    def __call__(self, region_code: str) -> Ratios:
        ratios = self.by_region.get(region_code)
        if ratios is None:
            ratios = self.by_region[region_code] = (
                resolve(WARN_PARAM, region_code, self.on, table=self.tables[WARN_PARAM])[0],
                resolve(URGENT_PARAM, region_code, self.on, table=self.tables[URGENT_PARAM])[0],
            )
        return ratios


def add_days(start: dt.date, n: int, calendar: WorkCalendar, calendar_days: bool = False) -> dt.date:
    """`n` working days after `start`, or `n` calendar days for a limit counted in days; a
    calendar-day limit whose last day falls on a rest day or holiday runs to the next working day
    (the usual rule for statutory periods counted in days)."""
    if not calendar_days:
        return add_working_days(start, n, calendar)
    day = start + dt.timedelta(days=n)
    if n > 0 and not is_working_day(day, calendar):
        day = add_working_days(day, 1, calendar)
    return day


def days_between(start: dt.date, end: dt.date, calendar: WorkCalendar, calendar_days: bool = False) -> int:
    return (end - start).days if calendar_days else working_days_between(start, end, calendar)


def _point(opened_on: dt.date, working_days: int, ratio: Decimal | None, calendar: WorkCalendar,
           calendar_days: bool = False) -> dt.date | None:
    if ratio is None:
        return None
    return add_days(opened_on, max(1, math.ceil(working_days * ratio)), calendar, calendar_days)


def _dates(opened_on: dt.date, working_days: int, calendar: WorkCalendar, ratios: Ratios,
           calendar_days: bool = False) -> dict:
    due = add_days(opened_on, working_days, calendar, calendar_days)
    return {
        "due_on": due,
        "warn_on": _point(opened_on, working_days, ratios[0], calendar, calendar_days),
        "urgent_on": _point(opened_on, working_days, ratios[1], calendar, calendar_days),
        "calendar_fallback": bool(calendar.fallback_years(opened_on, due)),
        "calendar_days": calendar_days,
    }


def task_build(*, assignment: Assignment, subject_type: str, subject_id: int, subject_label: str,
               region_code: str, parent: tuple[str, int] | None = None, opened_at: dt.datetime | None = None,
               calendar: WorkCalendar | None = None) -> WorkTask:
    """An unsaved task (for `tasks_open`); dates computed from the calendar."""
    opened_at = opened_at or timezone.now()
    opened_on = timezone.localdate(opened_at)
    return WorkTask(
        step=assignment.step, subject_type=subject_type, subject_id=subject_id,
        subject_label=subject_label[:120], region_code=region_code,
        parent_type=parent[0] if parent else "", parent_id=parent[1] if parent else None,
        department_kind=assignment.department_kind, role=assignment.role,
        supervisor_role=assignment.supervisor_role, working_days=assignment.working_days,
        opened_at=opened_at, opened_on=opened_on,
        **_dates(opened_on, assignment.working_days, calendar or work_calendar(), _RatioCache(opened_on)(region_code),
                 assignment.calendar_days),
    )


def tasks_build_many(*, assignment: Assignment, subjects: Iterable[tuple[str, int, str, str]],
                     parent: tuple[str, int] | None = None, opened_at: dt.datetime | None = None) -> Iterable[WorkTask]:
    """Unsaved tasks for many records opened together (same clock): `subjects` yields
    (subject_type, subject_id, subject_label, region_code). The dates are computed once per set
    of warning ratios (regions may differ)."""
    opened_at = opened_at or timezone.now()
    opened_on = timezone.localdate(opened_at)
    calendar, ratios_of = work_calendar(), _RatioCache(opened_on)
    dates_by_ratios: dict[Ratios, dict] = {}
    common = dict(step=assignment.step, parent_type=parent[0] if parent else "", parent_id=parent[1] if parent else None,
                  department_kind=assignment.department_kind, role=assignment.role,
                  supervisor_role=assignment.supervisor_role, working_days=assignment.working_days,
                  opened_at=opened_at, opened_on=opened_on)
    for subject_type, subject_id, label, region_code in subjects:
        ratios = ratios_of(region_code)
        dates = dates_by_ratios.get(ratios)
        if dates is None:
            dates = dates_by_ratios[ratios] = _dates(opened_on, assignment.working_days, calendar, ratios,
                                                     assignment.calendar_days)
        yield WorkTask(subject_type=subject_type, subject_id=subject_id, subject_label=label[:120],
                       region_code=region_code, **common, **dates)


def tasks_open(tasks: Iterable[WorkTask]) -> int:
    """Save many built tasks at once (the caller's transaction; audited by the caller as one
    event for the batch, e.g. the round that opened them)."""
    count, batch = 0, []
    for task in tasks:
        batch.append(task)
        if len(batch) >= BULK:
            WorkTask.objects.bulk_create(batch)
            count, batch = count + len(batch), []
    if batch:
        WorkTask.objects.bulk_create(batch)
        count += len(batch)
    return count


@transaction.atomic
def task_open(*, actor, **kwargs) -> WorkTask:
    task = task_build(**kwargs)
    task.full_clean()
    task.save()
    audit_record(actor=actor, action=Action.CREATE, obj=task, region_code=task.region_code,
                 detail={"step": task.step, "due_on": task.due_on})
    return task


def _locked(task: WorkTask) -> WorkTask:
    return WorkTask.objects.select_for_update().get(pk=task.pk)


@transaction.atomic
def task_close(*, actor, task: WorkTask, outcome: str, state: str = TaskState.DONE, note: str = "",
               by_record: bool = False) -> WorkTask:
    """Close a task as done, returned or cancelled. Only the role, jurisdiction and department
    kind the task names may; closing twice is refused. `by_record`: the record the task is about
    has moved on by someone else entitled to move it (an employer recording the outcome of its
    own interview), so the task it waited for is done whoever they are."""
    if state not in (TaskState.DONE, TaskState.RETURNED, TaskState.CANCELLED):
        raise ValueError(state)
    task = _locked(task)
    if not by_record and not TaskPolicy.can_act(actor, task):
        raise TaskError(N_("您不是该事项的承办人，不能办结。"))
    if not task.is_open:
        raise TaskError(N_("该事项已经办结，不能重复办结。"))
    now = timezone.now()
    if task.state == TaskState.PAUSED:
        _end_pause(task, actor=actor, at=now)
    task.state, task.closed_at, task.closed_by = state, now, actor
    task.outcome = (outcome + (f"：{note}" if note else ""))[:200]
    task.save(update_fields=["state", "closed_at", "closed_by", "outcome", "due_on", "warn_on", "urgent_on",
                             "paused_at"])
    audit_record(actor=actor, action=Action.UPDATE, obj=task, region_code=task.region_code,
                 changes={"state": (TaskState.OPEN, state)}, detail={"outcome": task.outcome})
    return task


@transaction.atomic
def task_pause(*, actor, task: WorkTask, reason: str) -> WorkTask:
    task = _locked(task)
    if not TaskPolicy.can_act(actor, task):
        raise TaskError(N_("您不是该事项的承办人，不能暂停。"))
    if task.state != TaskState.OPEN:
        raise TaskError(N_("只有待办中的事项可以暂停。"))
    now = timezone.now()
    TaskPause.objects.create(task=task, paused_at=now, reason=reason[:200], paused_by=actor)
    task.state, task.paused_at = TaskState.PAUSED, now
    task.save(update_fields=["state", "paused_at"])
    audit_record(actor=actor, action=Action.UPDATE, obj=task, region_code=task.region_code,
                 changes={"state": (TaskState.OPEN, TaskState.PAUSED)}, detail={"reason": reason})
    return task


@transaction.atomic
def task_resume(*, actor, task: WorkTask, by_applicant: bool = False) -> WorkTask:
    """Run a paused task's clock again. `by_applicant`: the person the work is for has supplied
    what was asked for (a returned application); no staff user acts, so no role check applies."""
    task = _locked(task)
    if not by_applicant and not TaskPolicy.can_act(actor, task):
        raise TaskError(N_("您不是该事项的承办人，不能恢复。"))
    if task.state != TaskState.PAUSED:
        raise TaskError(N_("该事项没有暂停。"))
    pause = _end_pause(task, actor=actor, at=timezone.now())
    task.state = TaskState.OPEN
    task.save(update_fields=["state", "paused_at", "due_on", "warn_on", "urgent_on"])
    audit_record(actor=actor, action=Action.UPDATE, obj=task, region_code=task.region_code,
                 changes={"state": (TaskState.PAUSED, TaskState.OPEN), "due_on": (None, task.due_on)},
                 detail={"paused_working_days": pause.working_days})
    return task


def _end_pause(task: WorkTask, *, actor, at: dt.datetime) -> TaskPause:
    """Close the open pause; the deadlines move by the working days it lasted (a pause begun and
    ended on the same day moves nothing)."""
    calendar = work_calendar()
    pause = task.pauses.filter(resumed_at__isnull=True).order_by("-paused_at").first()
    shift = days_between(timezone.localdate(pause.paused_at), timezone.localdate(at), calendar, task.calendar_days)
    pause.resumed_at, pause.resumed_by, pause.working_days = at, actor, max(0, shift)
    pause.save(update_fields=["resumed_at", "resumed_by", "working_days"])
    if shift > 0:
        _shift_dates(task, shift, calendar)
    task.paused_at = None
    return pause


def _shift_dates(task: WorkTask, days: int, calendar: WorkCalendar) -> None:
    """Move the task's due, warning and urgent days later by `days` of its own kind."""
    move = task.calendar_days
    task.due_on = add_days(task.due_on, days, calendar, move)
    if task.warn_on:
        task.warn_on = add_days(task.warn_on, days, calendar, move)
    if task.urgent_on:
        task.urgent_on = add_days(task.urgent_on, days, calendar, move)


@transaction.atomic
def task_extend(*, actor, task: WorkTask, days: int, reason: str, once: bool = True) -> WorkTask:
    """Extend an open task's time limit by `days` (of its own kind), e.g. a labour inspection by 30
    working days with the department head's approval. `once`: a limit the law lets be extended only
    once is refused a second time. The alert falls back to what the new dates give."""
    task = _locked(task)
    if not TaskPolicy.can_act(actor, task):
        raise TaskError(N_("您不是该事项的承办人，不能延期。"))
    if not task.is_open:
        raise TaskError(N_("该事项已经办结，不能延期。"))
    if days < 1:
        raise TaskError(N_("延长的天数须为正整数。"))
    if once and task.extended_days:
        raise TaskError(N_("该事项已经延期过一次，不能再次延期。"))
    if not reason.strip():
        raise TaskError(N_("请填写延期理由。"))
    before = task.due_on
    _shift_dates(task, days, work_calendar())
    task.extended_days += days
    on = today()
    task.alert = (Alert.OVERDUE if task.due_on < on else Alert.URGENT if task.urgent_on and task.urgent_on <= on
                  else Alert.WARNING if task.warn_on and task.warn_on <= on else Alert.NONE)
    task.save(update_fields=["due_on", "warn_on", "urgent_on", "extended_days", "alert"])
    audit_record(actor=actor, action=Action.UPDATE, obj=task, region_code=task.region_code,
                 changes={"due_on": (before, task.due_on)}, detail={"extended_days": days, "reason": reason[:200]})
    return task


def close_open_tasks_for(*, actor, step: str, subject_type: str, subject_id: int, outcome: str) -> int:
    """Close the actor's open tasks of `step` about one record (e.g. a visit recorded closes the
    verification task of that worker). Tasks the actor may not close stay open. Returns how many."""
    closed = 0
    for task in WorkTask.objects.filter(step=step, subject_type=subject_type, subject_id=subject_id,
                                        state__in=OPEN_STATES):
        if TaskPolicy.can_act(actor, task):
            task_close(actor=actor, task=task, outcome=outcome)
            closed += 1
    return closed


# The sweep --------------------------------------------------------------------------------------
_LEVELS = (
    # (alert, which date has passed, message to the acting users)
    (Alert.WARNING, "warn_on__lte", N_("您有 %(count)s 项「%(step)s」待办已到预警时间，请及时办理。")),
    (Alert.URGENT, "urgent_on__lte", N_("您有 %(count)s 项「%(step)s」待办临近办理期限，即将到期。")),
    (Alert.OVERDUE, "due_on__lt", N_("您有 %(count)s 项「%(step)s」待办已超过办理期限。")),
)
ESCALATION = N_("%(region)s 有 %(count)s 项「%(step)s」待办已超期，请督办。")


@transaction.atomic
def deadlines_sweep(*, on: dt.date | None = None) -> dict[str, int]:
    """Raise each open (not paused) task to the alert level its dates have reached, and tell the
    people concerned: one message per user, level and step (not one per task). Overdue tasks with
    a supervising role are escalated to that role in the same jurisdiction. Idempotent."""
    on = on or today()
    counts: dict[str, int] = {}
    base = WorkTask.objects.filter(state=TaskState.OPEN)
    # Highest level first, so a task that jumped several levels since the last sweep is told once.
    for level, passed, text in reversed(_LEVELS):
        qs = base.filter(alert__lt=level, **{passed: on})
        groups = list(qs.values("step", "role", "region_code", "department_kind").annotate(n=Count("id")))
        counts[Alert(level).name.lower()] = qs.update(alert=level)
        _notify(groups, text, level=level, role_key="role")
    overdue = base.filter(alert=Alert.OVERDUE, due_on__lt=on).exclude(supervisor_role="")
    groups = list(overdue.values("step", "supervisor_role", "region_code").annotate(n=Count("id")))
    counts["escalated"] = overdue.update(alert=Alert.ESCALATED)
    _notify(groups, ESCALATION, level=Alert.ESCALATED, role_key="supervisor_role")
    return counts


def _notify(groups: list[dict], text: str, *, level: int, role_key: str) -> None:
    if not groups:
        return
    roles = {g[role_key] for g in groups}
    users = list(User.objects.filter(is_active=True, role__in=roles).exclude(jurisdiction="")
                 .select_related("department"))
    per_user: dict[tuple[int, str], int] = defaultdict(int)
    regions: dict[tuple[int, str], set[str]] = defaultdict(set)
    for g in groups:
        for user in users:
            if user.role != g[role_key] or not in_prefix(g["region_code"], user.jurisdiction):
                continue
            if role_key == "role" and user.department and user.department.kind != g["department_kind"]:
                continue
            per_user[(user.pk, g["step"])] += g["n"]
            regions[(user.pk, g["step"])].add(g["region_code"][:9])
    by_pk = {u.pk: u for u in users}
    for (pk, step), n in per_user.items():
        outbox.message_to_user(
            user=by_pk[pk], kind=f"task.{Alert(level).name.lower()}", text=text,
            params={"count": n, "step": get_step(step).label, "region": _region_names(regions[(pk, step)])},
            link="/workflow/queue/" if role_key == "role" else "/workflow/supervise/",
        )


def _region_names(prefixes: set[str]) -> str:
    from anju.regions.models import Region

    names = list(Region.objects.filter(code__in=[p.ljust(12, "0") for p in prefixes]).values_list("name", flat=True)[:3])
    return "、".join(names) + ("等" if len(prefixes) > 3 else "")
