"""Demo data of the shared machinery: two verification rounds of Shishi under way — an earlier
one in 湖滨街道 with a few tasks overdue, and this quarter's for the whole city — visits recorded
for some tasks, and the deadline sweep run, so the bell shows unread warnings. Idempotent."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from anju.accounts.models import User
from anju.lib.workdays import add_working_days
from anju.registry.choices import VisitResult
from anju.registry.models import VerificationRound, Worker
from anju.registry.rounds import round_open_tasks, round_workers
from anju.registry.services import visit_record
from anju.workflow.calendar import work_calendar
from anju.workflow.models import OPEN_STATES, WorkTask
from anju.workflow.services import deadlines_sweep

EARLIER = "2026年第三季度湖滨街道困难人员补充核实"
CURRENT = "2026年第四季度困难农民工入户核实"


def _opened(working_days_ago: int) -> dt.datetime:
    day = add_working_days(timezone.localdate(), -working_days_ago, work_calendar())
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


def _round(*, county: User, name: str, region: str, working_days: int, since: dt.date | None,
           working_days_ago: int) -> VerificationRound | None:
    if VerificationRound.objects.filter(name=name).exists():
        return None
    rnd = VerificationRound(created_by=county, name=name, region_prefix=region, working_days=working_days,
                            not_verified_since=since)
    if not round_workers(rnd).exists():
        return None  # a demo with few people: nobody in difficulty there
    with transaction.atomic():
        rnd.save()
    round_open_tasks(rnd, opened_at=_opened(working_days_ago))
    return rnd


def _visit(officer: User, rnd: VerificationRound, *, keep_open: int | None = None, share: float = 1.0) -> int:
    rng = random.Random(rnd.pk)
    tasks = list(WorkTask.objects.filter(parent_type="registry.round", parent_id=rnd.pk, state__in=OPEN_STATES,
                                         region_code__startswith=officer.jurisdiction).order_by("id"))
    chosen = tasks[keep_open:] if keep_open is not None else [t for t in tasks if rng.random() < share]
    workers = Worker.objects.in_bulk([t.subject_id for t in chosen])
    today = timezone.localdate()
    for task in chosen:
        visit_record(actor=officer, worker=workers[task.subject_id], visited_on=today, result=VisitResult.CONFIRMED,
                     findings="入户核实，情况属实。")
    return len(chosen)


def seed_workflow() -> dict[str, int]:
    county = User.objects.filter(username="shishi-hrss").first()
    town = User.objects.filter(username="shishi-town").first()
    if county is None or town is None:
        return {}
    out = {}
    earlier = _round(county=county, name=EARLIER, region="350581001", working_days=5, since=None, working_days_ago=12)
    if earlier:
        out["earlier_visits"] = _visit(town, earlier, keep_open=4)  # four left: overdue
    current = _round(county=county, name=CURRENT, region="350581", working_days=10,
                     since=timezone.localdate() - dt.timedelta(days=90), working_days_ago=7)
    if current:
        out["current_visits"] = _visit(town, current, share=0.25)
    out |= deadlines_sweep()
    return out
