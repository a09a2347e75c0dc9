"""The hotline's four rates (三率, with the on-time rate), per lead department and overall, for
the tickets received in a date range within the user's jurisdiction.

    响应率 response rate    tickets first contacted within their time limit / tickets dispatched
                            (those whose first-contact clock still runs within its limit left out)
    办结率 resolution rate  tickets replied / tickets received (merged duplicates left out)
    满意率 satisfaction     callbacks scoring 4 or 5 / tickets called back
    按时办结率 on-time rate  tickets replied within their time limit / tickets replied

The clocks are the deadline engine's tasks: a ticket is dispatched when its first-contact task
(`rights.ticket_contact`) exists, contacted on time when such a task was done on or before its
due day. A ticket not yet contacted whose clock has not run out counts neither way: its response
is still to come. Replied on time is the ticket's own `replied_on_time`, else its resolution
task (`rights.ticket_resolve`) done by its due day. One grouped query, counted in the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from anju.accounts.models import department_label
from anju.rights import registrations as steps
from anju.rights.models import Ticket, TicketStatus
from anju.rights.permissions import TicketPolicy
from anju.rights.services import RightsError, satisfied_score
from anju.workflow.models import OPEN_STATES, TaskState, WorkTask


@dataclass
class Rate:
    numerator: int
    denominator: int

    @property
    def percent(self) -> Decimal | None:
        """The rate in per cent to one decimal; None when nothing was counted (not 0 %)."""
        if not self.denominator:
            return None
        return (Decimal(self.numerator) * 100 / Decimal(self.denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class Row:
    department: str  # the lead department kind; "" for the total
    label: str
    received: int
    response: Rate
    resolution: Rate
    satisfaction: Rate
    on_time: Rate


def month_range(on: dt.date) -> tuple[dt.date, dt.date]:
    first = on.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def registered_between(start: dt.date | None, end: dt.date | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The local-time bounds [low, high) of the days start..end, both inclusive; None for an open end.
    The KPI figures and the ticket list their links open count the same tickets."""
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time.min, tzinfo=tz) if start else None,
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz) if end else None)


def _task(step: str, *, on_time: bool = False, running: bool = False):
    tasks = WorkTask.objects.filter(subject_type="ticket", subject_id=OuterRef("pk"), step=step)
    if on_time:
        tasks = tasks.filter(state=TaskState.DONE, closed_at__date__lte=F("due_on"))
    elif running:
        tasks = tasks.filter(state__in=OPEN_STATES, due_on__gte=timezone.localdate())
    else:
        tasks = tasks.exclude(state=TaskState.CANCELLED)
    return Exists(tasks)


def tickets_in_range(user, start: dt.date, end: dt.date, *, department: str = ""):
    low, high = registered_between(start, end)
    qs = TicketPolicy.scope(user, Ticket.objects.all()).filter(created_at__gte=low, created_at__lt=high)
    return qs.filter(lead_department_kind=department) if department else qs


def called_back_q() -> Q:
    return Q(callback_at__isnull=False) | Q(satisfaction__isnull=False)


def satisfied_score_or_none(user) -> int | None:
    """The satisfied score where the user works, or None when the place has emptied the parameter
    (the satisfaction rate then shows "—" and the page says why)."""
    try:
        return satisfied_score(user.jurisdiction or "")
    except RightsError:
        return None


def kpis(user, start: dt.date, end: dt.date) -> list[Row]:
    """One row per lead department with tickets in the range, then the total ("" department)."""
    score = satisfied_score_or_none(user)
    # Without a score nothing counts as scored: the rate is "—", not 0 %.
    scored = {} if score is None else {
        "satisfied_n": Count("pk", filter=called_back_q() & Q(satisfaction__gte=score)),
        "scored_n": Count("pk", filter=called_back_q())}
    replied = Q(replied_at__isnull=False) | Q(status__in=(TicketStatus.REPLIED, TicketStatus.CLOSED))
    called_back = called_back_q()
    grouped = (tickets_in_range(user, start, end)
               .annotate(dispatched=_task(steps.TICKET_CONTACT), contacted=_task(steps.TICKET_CONTACT, on_time=True),
                         waiting=_task(steps.TICKET_CONTACT, running=True),
                         resolved_in_time=_task(steps.TICKET_RESOLVE, on_time=True))
               .order_by().values("lead_department_kind")
               .annotate(received=Count("pk"),
                         counted=Count("pk", filter=~Q(status=TicketStatus.MERGED)),
                         dispatched_n=Count("pk", filter=Q(dispatched=True) & (Q(contacted=True) | Q(waiting=False))),
                         contacted_n=Count("pk", filter=Q(dispatched=True, contacted=True)),
                         replied_n=Count("pk", filter=replied & ~Q(status=TicketStatus.MERGED)),
                         on_time_n=Count("pk", filter=replied & ~Q(status=TicketStatus.MERGED) & (
                             Q(replied_on_time=True) | Q(replied_on_time__isnull=True, resolved_in_time=True))),
                         called_n=Count("pk", filter=called_back),
                         **scored))
    rows = []
    total = dict.fromkeys(("received", "counted", "dispatched_n", "contacted_n", "replied_n", "on_time_n", "called_n",
                           "satisfied_n", "scored_n"), 0)
    for g in sorted(grouped, key=lambda g: -g["received"]):
        for key in total:
            total[key] += g.get(key, 0)
        rows.append(_row(g["lead_department_kind"] or "", g))
    rows.append(_row("", total))
    return rows


def _row(department: str, g: dict) -> Row:
    from django.utils.translation import gettext

    label = gettext("合计") if not department else department_label(department)
    return Row(department=department, label=label, received=g["received"],
               response=Rate(g["contacted_n"], g["dispatched_n"]), resolution=Rate(g["replied_n"], g["counted"]),
               satisfaction=Rate(g.get("satisfied_n", 0), g.get("scored_n", 0)), on_time=Rate(g["on_time_n"], g["replied_n"]))


def status_counts(user, start: dt.date, end: dt.date) -> dict[tuple[str, str], int]:
    """{(lead department, status): tickets} of the range, for the chart of where tickets stand."""
    rows = (tickets_in_range(user, start, end).order_by().values("lead_department_kind", "status")
            .annotate(n=Count("pk")))
    return {(r["lead_department_kind"] or "", r["status"]): r["n"] for r in rows}
