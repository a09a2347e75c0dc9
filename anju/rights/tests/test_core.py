"""The shared core: intake routes a ticket and starts the desk's clock; a case starts its route's
clock counted as its law counts it."""

from __future__ import annotations

import datetime as dt

import pytest

from anju.rights import registrations as steps
from anju.rights.models import RoutingRule, TicketCategory
from anju.rights.services import (
    Complainant,
    RightsError,
    case_create,
    hotline_number,
    route_for,
    ticket_create,
)
from anju.rights.tests.factories import id_number, rights_personas
from anju.workflow.models import WorkTask

pytestmark = pytest.mark.django_db


def test_ticket_is_routed_and_the_desk_must_dispatch_it():
    p = rights_personas()
    arrears = TicketCategory.objects.get(code="arrears")
    ticket = ticket_create(actor=p.desk, channel="phone", category=arrears, region="350581001000",
                           subject="工地欠薪三个月", description="石狮某工地拖欠工资", caller_name="张三", phone="13800138000")
    assert ticket.number.startswith("GD") and ticket.phone_masked == "138****8000"
    assert (ticket.lead_department_kind, ticket.lead_role) == ("hrss", "inspector")
    task = WorkTask.objects.get(subject_type="ticket", subject_id=ticket.pk)
    assert (task.step, task.role, task.department_kind, task.working_days) == (steps.TICKET_DISPATCH, "union",
                                                                                "trade_union", 1)


def test_routing_prefers_the_category_then_the_longest_region():
    policy = TicketCategory.objects.get(code="policy")
    town = RoutingRule.objects.create(category=policy, region_prefix="350581001", lead_department_kind="town_station",
                                      lead_role="town_officer")
    county = RoutingRule.objects.create(category=policy, region_prefix="350581", lead_department_kind="hrss",
                                        lead_role="county_officer")
    assert route_for(policy, "350581001000") == town
    assert route_for(policy, "350581002000") == county
    assert route_for(policy, "141127000000").category is None  # the fallback


def test_ticket_refuses_bad_input():
    p = rights_personas()
    policy = TicketCategory.objects.get(code="policy")
    with pytest.raises(RightsError):
        ticket_create(actor=p.desk, channel="phone", category=policy, region="350581001000", subject="",
                      description="x")
    with pytest.raises(RightsError):
        ticket_create(actor=p.desk, channel="phone", category=policy, region="141127000000", subject="s",
                      description="x")
    with pytest.raises(RightsError):
        ticket_create(actor=p.desk, channel="phone", category=policy, region="350581001000", subject="s",
                      description="x", phone="12345")


def test_shishi_hotline_number_is_the_unions_line():
    assert hotline_number("350581001000").number == "88712565"
    assert hotline_number("141127000000") is None


def test_arbitration_case_counts_calendar_days():
    p = rights_personas()
    case = case_create(actor=p.inspector, source="walk_in", route="arbitration", region="350581001000",
                       employer_name="某劳务公司", period_from=dt.date(2026, 8, 1), period_to=dt.date(2026, 10, 31),
                       summary="拖欠三个月工资",
                       complainants=[Complainant(name="李四", amount_owed="12000", id_number=id_number(11))])
    task = WorkTask.objects.get(subject_type="arrears_case", subject_id=case.pk)
    assert task.step == steps.CASE_ACCEPT and task.calendar_days and task.working_days == 5
    assert case.workers.get().id_number_masked.startswith("350581")
