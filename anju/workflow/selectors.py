"""Reads of the work queues: what waits for a user, and the supervisors' counts."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet

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
    """Open tasks grouped by a field (`step`, `department_kind`, `town`): open, overdue, alerted."""
    on = on or today()
    if by == "town":
        from django.db.models.functions import Substr

        qs = qs.annotate(town=Substr("region_code", 1, 9))
    return list(
        qs.filter(state__in=OPEN_STATES).values(by)
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_on__lt=on)),
                  warned=Count("id", filter=Q(alert__gte=Alert.WARNING, due_on__gte=on)))
        .order_by("-overdue", "-open")
    )


def parent_progress(parent_type: str, parent_id: int, *, on: dt.date | None = None) -> dict:
    """A batch of tasks (a round, a campaign): totals by state, overdue, and by town."""
    on = on or today()
    qs = WorkTask.objects.filter(parent_type=parent_type, parent_id=parent_id)
    totals = dict(qs.values_list("state").annotate(n=Count("id")).order_by())
    overdue = qs.filter(state__in=OPEN_STATES, due_on__lt=on).count()
    return {"by_state": totals, "total": sum(totals.values()), "overdue": overdue,
            "by_town": open_counts_all(qs, on=on)}


def open_counts_all(qs: QuerySet[WorkTask], *, on: dt.date) -> list[dict]:
    from django.db.models.functions import Substr

    return list(
        qs.annotate(town=Substr("region_code", 1, 9)).values("town")
        .annotate(total=Count("id"), done=Count("id", filter=~Q(state__in=OPEN_STATES)),
                  overdue=Count("id", filter=Q(state__in=OPEN_STATES, due_on__lt=on)))
        .order_by("town")
    )
