"""The rights demo: after `seed-demo`, the hotline has a ticket in every state (one overdue, one
paused, one closed with a score, one merged), there are two arrears cases (a mediation concluded
with the money recovered, a labour inspection accepted and running), Shishi has construction
projects with rosters, attendance and payroll, the sweep has raised warnings of every colour, and
a second load creates nothing."""

from __future__ import annotations

import time

import pytest

from anju.core import demo, demo_rights
from anju.core.demo import DEMO_ORGANISATIONS
from anju.params.models import DEMO_SOURCE, ParameterValue
from anju.rights.models import (
    AccountEntry,
    ArrearsCase,
    Attendance,
    DepositMovement,
    Level,
    PayrollLine,
    Project,
    RosterEntry,
    Ticket,
    TicketEvent,
    TicketStatus,
    Warning,
)
from anju.workflow.models import Alert, TaskState, WorkTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    # What `seed-demo` loads before the rights demo, without the other apps' demos.
    from anju.policies.packs import load_all
    from anju.policies.services import sync_from_packs

    sync_from_packs(load_all().policies.values())
    demo.seed_reference_users()
    demo.insert_people(20)
    demo_rights.seed_rights()


def _snapshot() -> dict:
    models = (Ticket, TicketEvent, ArrearsCase, Project, RosterEntry, Attendance, PayrollLine, AccountEntry,
              DepositMovement, Warning, WorkTask, ParameterValue)
    return {m.__name__: m.objects.count() for m in models}


def _tickets() -> None:
    assert set(Ticket.objects.values_list("status", flat=True)) == set(TicketStatus.values)
    overdue = WorkTask.objects.filter(subject_type="ticket", state=TaskState.OPEN, alert__gte=Alert.OVERDUE)
    assert overdue.exists()
    assert Ticket.objects.get(pk=overdue.first().subject_id).status == TicketStatus.NEW
    paused = Ticket.objects.get(status=TicketStatus.PAUSED)
    assert WorkTask.objects.filter(subject_type="ticket", subject_id=paused.pk, state=TaskState.PAUSED).exists()
    closed = Ticket.objects.get(status=TicketStatus.CLOSED)
    assert closed.satisfaction == 5 and closed.case is not None
    merged = Ticket.objects.get(status=TicketStatus.MERGED)
    assert merged.merged_into == closed


def _cases() -> None:
    mediation = ArrearsCase.objects.get(route="mediation")
    assert mediation.status == "concluded" and mediation.conclusion == "paid_in_full"
    workers = list(mediation.workers.all())
    assert workers and all(w.amount_recovered == w.amount_owed for w in workers)
    assert {w.recovery for w in workers} == {"employer", "general_contractor"}
    inspection = ArrearsCase.objects.get(route="inspection")
    assert inspection.status == "accepted" and inspection.source == "warning"
    clock = WorkTask.objects.get(subject_type="arrears_case", subject_id=inspection.pk, state=TaskState.OPEN)
    assert clock.working_days == 60 and not clock.calendar_days
    assert Warning.objects.get(case=inspection).status == "case"
    assert inspection.workers.filter(recovery="deposit").exists()


def _projects() -> None:
    projects = Project.objects.filter(code__in=[s.code for s in demo_rights.PROJECTS])
    assert projects.count() == len(demo_rights.PROJECTS)
    own = projects.filter(contractor_uscc=DEMO_ORGANISATIONS["shishi-contractor"][0])
    assert own.count() >= 4
    for project in projects:
        assert 20 <= project.roster.count() <= 60, project.code
        assert PayrollLine.objects.filter(project=project).exists(), project.code
        assert Attendance.objects.filter(project=project).exists(), project.code
    assert AccountEntry.objects.filter(kind="allocation").exists() and AccountEntry.objects.filter(kind="wage").exists()
    kinds = set(DepositMovement.objects.values_list("kind", flat=True))
    assert {"lodged", "paid_out", "topped_up", "returned"} <= kinds
    wage = ParameterValue.objects.get(parameter__name="min_wage_monthly", region_prefix="350581",
                                      valid_from=demo_rights.DEMO_PARAMETERS[0][2])
    assert wage.is_demo and wage.source.startswith(DEMO_SOURCE)


def _warnings() -> None:
    assert {Level.RED, Level.ORANGE, Level.YELLOW} <= set(Warning.objects.values_list("level", flat=True))
    by_project = {(w.project.code, w.rule) for w in Warning.objects.select_related("project")}
    codes = [s.code for s in demo_rights.PROJECTS]
    assert (codes[1], "wages_unpaid") in by_project and (codes[1], "exit_unsettled") in by_project
    assert (codes[2], "account_not_opened") in by_project and (codes[3], "no_notice_board") in by_project
    # The clean project raises nothing: the warnings come from the crafted data, not from noise.
    assert not Warning.objects.filter(project__code=codes[0]).exists()


def test_the_demo_has_everything(seeded):
    _tickets()
    _cases()
    _projects()
    _warnings()


def test_a_second_load_creates_nothing_and_is_fast(seeded):
    before = _snapshot()
    started = time.monotonic()
    assert demo_rights.seed_rights() == {}
    assert time.monotonic() - started < 10
    assert _snapshot() == before
