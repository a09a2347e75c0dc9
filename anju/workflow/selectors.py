"""Reads of the work queues: what waits for a user, and the supervisors' counts."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from anju.lib.dates import today
from anju.regions.codes import prefix_q
from anju.workflow.models import OPEN_STATES, Alert, WorkTask
from anju.workflow.permissions import TaskPolicy


def queue_for_user(user) -> QuerySet[WorkTask]:
    """Open and paused tasks the user may act on, oldest first (exactly TaskPolicy.can_act)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or not user.jurisdiction:
        return WorkTask.objects.none()
    qs = WorkTask.objects.filter(prefix_q("region_code", user.jurisdiction), role=user.role, state__in=OPEN_STATES)
    department = getattr(user, "department", None)
    if department is not None:
        qs = qs.filter(department_kind=department.kind)
    return qs.order_by("opened_at", "id")


def supervised_tasks(user) -> QuerySet[WorkTask]:
    """Every task in the supervisor's jurisdiction (nothing for others)."""
    if not TaskPolicy.can_supervise(user):
        return WorkTask.objects.none()
    qs = WorkTask.objects.all()
    if user.jurisdiction:
        qs = qs.filter(prefix_q("region_code", user.jurisdiction))
    return qs


def get_task_for_user(user, pk: int) -> WorkTask | None:
    task = WorkTask.objects.filter(pk=pk).first()
    return task if task is not None and TaskPolicy.can_view(user, task) else None


def open_counts(qs: QuerySet[WorkTask], by: str, *, on: dt.date | None = None) -> list[dict]:
    """Open tasks grouped by a field (`step`, `department_kind`, `town`), most overdue first."""
    return task_counts(qs.filter(state__in=OPEN_STATES), by, on=on, order=("-overdue", "-open"))


def task_counts(qs: QuerySet[WorkTask], by: str, *, on: dt.date | None = None,
                order: tuple[str, ...] = ()) -> list[dict]:
    """Tasks grouped by a field (`town` is the first 9 digits of the region): total, done, open,
    overdue and warned (alerted, not yet overdue), in one query."""
    on = on or today()
    if by == "town":
        qs = qs.annotate(town=Substr("region_code", 1, 9))
    is_open = Q(state__in=OPEN_STATES)
    return list(
        qs.values(by)
        .annotate(total=Count("id"), done=Count("id", filter=~is_open), open=Count("id", filter=is_open),
                  overdue=Count("id", filter=is_open & Q(due_on__lt=on)),
                  warned=Count("id", filter=is_open & Q(alert__gte=Alert.WARNING, due_on__gte=on)))
        .order_by(*(order or (by,)))
    )


def parent_progress(parent_type: str, parent_id: int, *, on: dt.date | None = None) -> dict:
    """A batch of tasks (a round, a campaign): totals by state, overdue, and by town."""
    on = on or today()
    qs = WorkTask.objects.filter(parent_type=parent_type, parent_id=parent_id)
    totals = dict(qs.values_list("state").annotate(n=Count("id")).order_by())
    overdue = qs.filter(state__in=OPEN_STATES, due_on__lt=on).count()
    return {"by_state": totals, "total": sum(totals.values()), "overdue": overdue,
            "by_town": task_counts(qs, "town", on=on)}
