"""Verification rounds (核实轮次): the ledger's first user of the deadline engine.

A county officer schedules a round for a part of their jurisdiction; a background job opens one
task per worker for the town officers of the town that holds them; recording the house-to-house
visit closes the task (registry.services.visit_record); the round page shows progress by town."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_noop as N_
from django_tasks import task

from anju.accounts.models import DepartmentKind, Role
from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.regions.codes import in_prefix, prefix_q
from anju.registry.models import VerificationRound, Worker
from anju.workflow.jobs import JobFailure, job_running, job_task
from anju.workflow.services import Assignment, tasks_build_many, tasks_open

STEP = "registry.verification_visit"
SUBJECT = "registry.worker"
PARENT = "registry.round"
STEP_LABEL = N_("入户核实")
CHUNK = 5000


class RoundError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


def assignment(working_days: int) -> Assignment:
    return Assignment(step=STEP, department_kind=DepartmentKind.TOWN_STATION, role=Role.TOWN_OFFICER,
                      working_days=working_days, supervisor_role=Role.COUNTY_OFFICER)


def round_workers(rnd: VerificationRound):
    qs = Worker.objects.filter(prefix_q("residence_region_id", rnd.region_prefix))
    if rnd.difficulty_only:
        qs = qs.exclude(difficulty_mask=0)
    if rnd.not_verified_since:
        qs = qs.filter(Q(last_verified_on__isnull=True) | Q(last_verified_on__lt=rnd.not_verified_since))
    return qs


@transaction.atomic
def round_create(*, actor, name: str, region_prefix: str, working_days: int,
                 not_verified_since: dt.date | None, difficulty_only: bool = True) -> VerificationRound:
    """Schedule a round; its tasks are opened by `open_round_tasks` after commit."""
    if actor.jurisdiction and not in_prefix(region_prefix.ljust(12, "0"), actor.jurisdiction):
        raise RoundError(N_("范围须在您的管辖范围以内。"), field="region")
    if len(region_prefix) < len(actor.jurisdiction or ""):
        raise RoundError(N_("范围须在您的管辖范围以内。"), field="region")
    rnd = VerificationRound(created_by=actor, name=name, region_prefix=region_prefix, working_days=working_days,
                            not_verified_since=not_verified_since, difficulty_only=difficulty_only)
    rnd.full_clean()
    rnd.save()
    audit_record(actor=actor, action=Action.CREATE, obj=rnd, region_code=region_prefix.ljust(12, "0"),
                 detail={"region_prefix": region_prefix, "working_days": working_days,
                         "not_verified_since": not_verified_since, "difficulty_only": difficulty_only})
    transaction.on_commit(lambda: open_round_tasks.enqueue(rnd.pk))
    return rnd


def round_open_tasks(rnd: VerificationRound, *, opened_at: dt.datetime | None = None) -> int:
    """Open the round's tasks in one transaction (all or none), reporting progress before it."""
    workers = round_workers(rnd).order_by("id").values_list("id", "name", "id_number_masked", "residence_region_id")
    total = workers.count()
    if total == 0:
        raise JobFailure(N_("范围内没有符合条件的人员，未生成任务。"))
    rnd.start(total=total)
    subjects = ((SUBJECT, pk, f"{name}（{masked}）", region) for pk, name, masked, region in workers.iterator(CHUNK))
    with transaction.atomic():
        count = tasks_open(tasks_build_many(assignment=assignment(rnd.working_days), subjects=subjects,
                                            parent=(PARENT, rnd.pk), opened_at=opened_at))
        audit_record(actor=rnd.created_by, action=Action.CREATE, object_type="worktask", object_id=f"round:{rnd.pk}",
                     object_repr=rnd.name, region_code=rnd.region_prefix.ljust(12, "0"), detail={"tasks": count})
    rnd.finish(task_count=count)
    return count


@job_task(VerificationRound)
@task()
def open_round_tasks(round_id: int) -> None:
    with job_running(VerificationRound, round_id) as rnd:
        if rnd is not None:
            round_open_tasks(rnd)
