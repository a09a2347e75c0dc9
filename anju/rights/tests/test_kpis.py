"""The hotline's rates (三率 and the on-time rate) on crafted tickets: on time, late, unhappy,
undispatched, merged; per lead department and overall, within the date range and the user's
jurisdiction; and the page with its charts' links."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from anju.params.models import Parameter, ParameterValue
from anju.rights import kpis
from anju.rights import registrations as steps
from anju.rights.models import Ticket, TicketCategory, TicketStatus
from anju.rights.services import open_ticket_task, ticket_create
from anju.rights.tests.factories import rights_personas
from anju.workflow.models import TaskState, WorkTask

pytestmark = pytest.mark.django_db

TZ = timezone.get_fixed_timezone(480)
START, END = dt.date(2026, 11, 1), dt.date(2026, 11, 30)


def at(day: int, hour: int = 10, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=TZ)


def _task(actor, ticket, step, *, due: int, closed: int | None, state=TaskState.DONE):
    task = open_ticket_task(actor=actor, ticket=ticket, step=step, department_kind=ticket.lead_department_kind,
                            role=ticket.lead_role, opened_at=ticket.created_at)
    WorkTask.objects.filter(pk=task.pk).update(
        due_on=dt.date(2026, 11, due), state=state if closed else TaskState.OPEN,
        closed_at=at(closed, 16) if closed else None)


def _ticket(p, code: str, day: int, *, month: int = 11, **fields) -> Ticket:
    ticket = ticket_create(actor=p.desk, channel="phone", category=TicketCategory.objects.get(code=code),
                           region="350581001000", subject=f"{code} {day}", description="来电反映", phone="13800138000",
                           created_at=at(day, month=month))
    if fields:
        Ticket.objects.filter(pk=ticket.pk).update(**fields)
        ticket.refresh_from_db()
    return ticket


@pytest.fixture
def crafted():
    p = rights_personas()
    # Labour inspection (arrears → hrss): on time and satisfied; late and unhappy; not yet
    # dispatched; a duplicate merged into the first.
    good = _ticket(p, "arrears", 3, status=TicketStatus.CLOSED, replied_at=at(6), replied_on_time=True, satisfaction=5,
                   callback_at=at(9))
    _task(p.desk, good, steps.TICKET_CONTACT, due=5, closed=4)
    _task(p.desk, good, steps.TICKET_RESOLVE, due=10, closed=6)
    late = _ticket(p, "arrears", 4, status=TicketStatus.REPLIED, replied_at=at(20), replied_on_time=False,
                   satisfaction=2, callback_at=at(23))
    _task(p.desk, late, steps.TICKET_CONTACT, due=6, closed=9)
    _task(p.desk, late, steps.TICKET_RESOLVE, due=11, closed=20)
    _ticket(p, "arrears", 10)
    _ticket(p, "arrears", 11, status=TicketStatus.MERGED, merged_into=good)
    # A policy question (the fallback: the union's line): contacted on time, replied late by its
    # task (no replied_on_time recorded), not called back yet.
    policy = _ticket(p, "policy", 12, status=TicketStatus.REPLIED, replied_at=at(25))
    _task(p.desk, policy, steps.TICKET_CONTACT, due=14, closed=14)
    _task(p.desk, policy, steps.TICKET_RESOLVE, due=17, closed=25)
    # Outside the range: last month's ticket counts nowhere.
    _ticket(p, "policy", 20, month=10)
    return p


def _by_department(rows):
    return {r.department: r for r in rows}


def test_each_rate_on_crafted_tickets(crafted):
    rows = _by_department(kpis.kpis(crafted.county, START, END))
    hrss, union, total = rows["hrss"], rows["trade_union"], rows[""]
    assert hrss.received == 4
    assert (hrss.response.numerator, hrss.response.denominator, hrss.response.percent) == (1, 2, Decimal("50.0"))
    assert (hrss.resolution.numerator, hrss.resolution.denominator, hrss.resolution.percent) == (2, 3, Decimal("66.7"))
    assert (hrss.satisfaction.numerator, hrss.satisfaction.denominator) == (1, 2)
    assert (hrss.on_time.numerator, hrss.on_time.denominator) == (1, 2)
    assert union.received == 1 and union.response.percent == Decimal("100.0")
    assert union.satisfaction.percent is None  # nobody called back yet: no rate, not 0 %
    assert (union.on_time.numerator, union.on_time.denominator) == (0, 1)  # its task closed after the due day
    assert total.received == 5
    assert [(r.numerator, r.denominator) for r in (total.response, total.resolution, total.satisfaction, total.on_time)] \
        == [(2, 3), (3, 4), (1, 2), (1, 3)]
    assert list(rows)[:2] == ["hrss", "trade_union"] and list(rows)[-1] == ""


def test_a_running_first_contact_clock_is_not_counted_yet(crafted):
    waiting = _ticket(crafted, "arrears", 26)
    task = open_ticket_task(actor=crafted.desk, ticket=waiting, step=steps.TICKET_CONTACT, department_kind="hrss",
                            role="inspector", opened_at=waiting.created_at)
    WorkTask.objects.filter(pk=task.pk).update(due_on=timezone.localdate() + dt.timedelta(days=3))
    assert _by_department(kpis.kpis(crafted.county, START, END))["hrss"].response.denominator == 2
    # Its time limit has run out without a contact: now it counts, as a late response.
    WorkTask.objects.filter(pk=task.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    response = _by_department(kpis.kpis(crafted.county, START, END))["hrss"].response
    assert (response.numerator, response.denominator) == (1, 3)


def test_rates_follow_the_range_and_the_jurisdiction(crafted):
    october = _by_department(kpis.kpis(crafted.county, dt.date(2026, 10, 1), dt.date(2026, 10, 31)))
    assert october[""].received == 1 and october["trade_union"].resolution.percent == Decimal("0.0")
    lan = kpis.kpis(crafted.lan_inspector, START, END)
    assert len(lan) == 1 and lan[0].received == 0 and lan[0].response.percent is None
    assert kpis.kpis(crafted.contractor, START, END)[0].received == 0


def test_kpi_page(crafted):
    client = Client()
    client.force_login(crafted.county)
    page = client.get("/rights/kpis/", {"from": "2026-11-01", "to": "2026-11-30"})
    body = page.content.decode()
    assert page.status_code == 200 and 'data-testid="kpi-definitions"' in body
    assert "响应率" in body and "已回访的工单中，来电人评价 4 分及以上" in body
    assert "66.7%" in body and 'id="kpi-chart-data"' in body
    chart = json.loads(body.split('id="kpi-chart-data" type="application/json">')[1].split("</script>")[0])
    assert chart["received"]["data"] == [4, 1]
    try:
        tickets = reverse("rights:tickets")
    except NoReverseMatch:
        tickets = ""
    if tickets:
        assert chart["urls"][0] == f"{tickets}?department=hrss&from=2026-11-01&to=2026-11-30"
    # The default is this month; bad dates are said and this month is counted.
    assert client.get("/rights/kpis/").status_code == 200
    bad = client.get("/rights/kpis/", {"from": "2026-12-31", "to": "2026-01-01"})
    assert bad.status_code == 400 and 'data-testid="kpi-error"' in bad.content.decode()
    assert client.get("/rights/kpis/", {"from": "yesterday"}).status_code == 400
    contractor = Client()
    contractor.force_login(crafted.contractor)
    assert contractor.get("/rights/kpis/").status_code == 403


def test_a_chart_link_opens_the_tickets_it_counts(crafted):
    client = Client()
    client.force_login(crafted.county)
    listed = client.get("/rights/tickets/", {"department": "hrss", "from": "2026-11-01", "to": "2026-11-30"})
    assert listed.status_code == 200
    body = listed.content.decode()
    counted = _by_department(kpis.kpis(crafted.county, START, END))["hrss"].received
    assert body.count('data-testid="ticket-row"') == counted == 4
    # The month before holds one policy ticket for the union, and no ticket of the labour bureau.
    october = client.get("/rights/tickets/", {"from": "2026-10-01", "to": "2026-10-31"}).content.decode()
    assert october.count('data-testid="ticket-row"') == 1
    assert client.get("/rights/tickets/", {"department": "hrss", "from": "2026-10-01", "to": "2026-10-31"}
                      ).content.decode().count('data-testid="ticket-row"') == 0
    backwards = client.get("/rights/tickets/", {"from": "2026-11-30", "to": "2026-11-01"})
    assert backwards.status_code == 200 and "截止日期不能早于起始日期" in backwards.content.decode()


def test_satisfaction_follows_the_parameter(crafted):
    # Lowered to 2: the labour bureau's ticket scored 2 now counts as satisfied too.
    ParameterValue.objects.create(parameter=Parameter.objects.get(name="hotline_satisfied_score"),
                                  region_prefix="350581", valid_from=dt.date(2026, 1, 1), value=Decimal(2),
                                  source="test")
    hrss = _by_department(kpis.kpis(crafted.county, START, END))["hrss"]
    assert (hrss.satisfaction.numerator, hrss.satisfaction.denominator) == (2, 2)
    client = Client()
    client.force_login(crafted.county)
    assert "来电人评价 2 分及以上" in client.get("/rights/kpis/", {"from": "2026-11-01", "to": "2026-11-30"}).content.decode()
    # Emptied: no rate at all, and the page says why (not a 500, not 0 %).
    ParameterValue.objects.filter(region_prefix="350581", parameter__name="hotline_satisfied_score").update(value=None)
    hrss = _by_department(kpis.kpis(crafted.county, START, END))["hrss"]
    assert hrss.satisfaction.percent is None and hrss.response.percent == Decimal("50.0")
    page = client.get("/rights/kpis/", {"from": "2026-11-01", "to": "2026-11-30"})
    assert page.status_code == 200 and 'data-testid="no-satisfied-score"' in page.content.decode()
