"""The rights API: tickets, cases, projects and warnings scoped for three personas (the staff of
the place, staff elsewhere, a contractor's payroll supervisor), versioned moves (none → 428,
stale → 409), and bad input answered 4xx with the service's words."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from anju.api.tests.conftest import ApiClient
from anju.rights.models import (
    AccountEntry,
    DepositMovement,
    TicketCategory,
    WageAccount,
    WageDeposit,
    Warning,
)
from anju.rights.services import ticket_create
from anju.rights.tests.factories import OTHER_USCC, id_number, make_project, rights_personas

pytestmark = pytest.mark.django_db
TOWN = "350581001000"


@pytest.fixture
def p():
    return rights_personas()


def _ticket_body(**over) -> dict:
    body = {"channel": "phone", "category": "arrears", "region": TOWN, "subject": "工地拖欠两个月工资",
            "description": "在湖滨街道某工地做钢筋工，9 月、10 月工资没发。", "caller_name": "张三",
            "phone": "13800138000"}
    body.update(over)
    return body


def test_desk_takes_a_call_and_the_dispatch_clock_runs(p):
    api = ApiClient(p.desk)
    r = api.post("rights/tickets", _ticket_body())
    assert r.status_code == 201, r.content
    ticket = r.json()
    assert r["ETag"] == f'"{ticket["version"]}"'
    assert ticket["number"].startswith("GD") and ticket["phone"] == "138****8000"
    assert (ticket["status"], ticket["lead_department_kind"], ticket["lead_role"]) == ("new", "hrss", "inspector")
    assert [(c["step"], c["state"], c["working_days"]) for c in ticket["clocks"]] == [
        ("rights.ticket_dispatch", "open", 1)]
    assert [e["kind"] for e in ticket["events"]] == ["created"]

    listed = api.get("rights/tickets", status="new", category="arrears").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == ticket["id"]
    assert api.get("rights/tickets", status="closed").json()["count"] == 0
    # Staff elsewhere see nothing of it; a contractor user has no business with tickets.
    assert ApiClient(p.lan_inspector).get("rights/tickets").json()["count"] == 0
    assert ApiClient(p.lan_inspector).get(f"rights/tickets/{ticket['id']}").status_code == 404
    assert ApiClient(p.contractor).get("rights/tickets").status_code == 403


def test_ticket_intake_refuses_bad_input_with_the_field(p):
    api = ApiClient(p.desk)
    for over, field in (({"category": "nope"}, "category"), ({"region": "141127100000"}, "region"),
                        ({"phone": "12345"}, "phone"), ({"subject": "a\x00b"}, "subject"),
                        ({"region": "35058100100"}, "region")):
        r = api.post("rights/tickets", _ticket_body(**over))
        assert 400 <= r.status_code < 500, (over, r.status_code)
        assert field in {d["field"] for d in r.json()["detail"]}, (over, r.json())
    assert ApiClient(p.contractor).post("rights/tickets", _ticket_body()).status_code == 403


def test_ticket_moves_carry_their_version(p):
    ticket = ticket_create(actor=p.desk, channel="phone", category=TicketCategory.objects.get(code="arrears"),
                           region=TOWN, subject="欠薪", description="拖欠工资")
    desk, url = ApiClient(p.desk), f"rights/tickets/{ticket.pk}/move"
    assert desk.post(url, {"move": "dispatch"}).status_code == 428
    desk.headers["If-Match"] = '"7"'
    assert desk.post(url, {"move": "dispatch"}).json()["code"] == "version_conflict"
    desk.headers["If-Match"] = f'"{ticket.version}"'
    r = desk.post(url, {"move": "dispatch", "note": "转监察大队"})
    assert r.status_code == 200, r.content
    moved = r.json()
    assert moved["status"] == "dispatched" and r["ETag"] == f'"{moved["version"]}"'
    steps = {c["step"]: c["state"] for c in moved["clocks"]}
    assert steps == {"rights.ticket_dispatch": "done", "rights.ticket_contact": "open", "rights.ticket_resolve": "open"}
    # The lead (the inspector) contacts the caller; the desk may not reply in its place.
    desk.headers["If-Match"] = f'"{moved["version"]}"'
    assert desk.post(url, {"move": "reply", "reply": "已处理"}).status_code == 403
    lead = ApiClient(p.inspector)
    lead.headers["If-Match"] = f'"{moved["version"]}"'
    r = lead.post(url, {"move": "contact", "note": "已电话联系"})
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    lead.headers["If-Match"] = r["ETag"]
    assert lead.post(url, {"move": "pause"}).status_code == 422  # no reason given
    r = lead.post(url, {"move": "pause", "reason_kind": "mediation"})
    assert r.status_code == 200 and r.json()["status"] == "paused"
    assert [c["state"] for c in r.json()["clocks"] if c["step"] == "rights.ticket_resolve"] == ["paused"]


def _case_body(**over) -> dict:
    body = {"source": "walk_in", "route": "inspection", "region": TOWN, "employer_name": "石狮某劳务公司",
            "period_from": "2026-08-01", "period_to": "2026-10-31", "summary": "拖欠两名钢筋工三个月工资",
            "complainants": [{"name": "李四", "amount_owed": "12000.00", "id_number": id_number(21)},
                             {"name": "王五", "amount_owed": "9000.50", "phone": "13900139000"}]}
    body.update(over)
    return body


def test_inspector_opens_a_case_and_accepts_it(p):
    api = ApiClient(p.inspector)
    r = api.post("rights/cases", _case_body())
    assert r.status_code == 201, r.content
    case = r.json()
    assert (case["status"], case["complainants"], Decimal(case["amount_owed"])) == ("registered", 2,
                                                                                    Decimal("21000.50"))
    assert case["workers"][0]["id_number"].startswith("350581") and "*" in case["workers"][0]["id_number"]
    assert [c["step"] for c in case["clocks"]] == ["rights.case_accept"]
    api.headers["If-Match"] = r["ETag"]
    r = api.post(f"rights/cases/{case['id']}/move", {"move": "accept"})
    assert r.status_code == 200, r.content
    accepted = r.json()
    assert accepted["status"] == "accepted"
    conclude = [c for c in accepted["clocks"] if c["step"] == "rights.case_conclude"]
    assert conclude and conclude[0]["working_days"] == 60 and not conclude[0]["calendar_days"]
    assert api.get("rights/cases", status="accepted").json()["count"] == 1
    assert ApiClient(p.lan_inspector).get(f"rights/cases/{case['id']}").status_code == 404
    assert ApiClient(p.contractor).get("rights/cases").status_code == 403


def test_case_refuses_bad_input(p):
    api = ApiClient(p.inspector)
    assert api.post("rights/cases", _case_body(complainants=[])).status_code == 422
    r = api.post("rights/cases", _case_body(period_from="2026-11-01", period_to="2026-10-01"))
    assert r.status_code == 422 and "period_to" in {d["field"] for d in r.json()["detail"]}
    r = api.post("rights/cases", _case_body(project_id=999))
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "project_id"


@pytest.fixture
def projects(p):
    mine = make_project(code="P-API-1", notice_board_on=dt.date(2026, 1, 10))
    theirs = make_project(code="P-API-2", uscc=OTHER_USCC, contractor_name="另一家建筑公司")
    lan = make_project(code="P-API-3", region="141127100000")
    account = WageAccount.objects.create(project=mine, bank="中国农业银行石狮支行", account_masked="6228****0001",
                                         opened_on=dt.date(2026, 1, 20))
    AccountEntry.objects.create(account=account, project=mine, kind="allocation", booked_on=dt.date(2026, 2, 1),
                                amount=Decimal("500000"), reference="IN-1")
    deposit = WageDeposit.objects.create(project=mine, rate=Decimal("0.015"), amount_due=Decimal("120000"))
    DepositMovement.objects.create(deposit=deposit, kind="lodged", on=dt.date(2026, 1, 25), amount=Decimal("120000"))
    Warning.objects.create(project=mine, rule="no_notice_board", level=1, period=dt.date(2026, 1, 1),
                           raised_on=dt.date(2026, 2, 1), last_seen_on=dt.date(2026, 2, 1))
    Warning.objects.create(project=theirs, rule="wages_unpaid", level=3, period=dt.date(2026, 1, 1),
                           raised_on=dt.date(2026, 3, 1), last_seen_on=dt.date(2026, 3, 1))
    return mine, theirs, lan


def test_contractor_sees_only_its_own_projects_and_warnings(p, projects):
    mine, theirs, lan = projects
    contractor = ApiClient(p.contractor)
    listed = contractor.get("rights/projects").json()
    assert [i["code"] for i in listed["items"]] == ["P-API-1"]
    assert contractor.get(f"rights/projects/{theirs.pk}").status_code == 404
    detail = contractor.get(f"rights/projects/{mine.pk}").json()
    assert detail["account"]["inflow"] == "500000.00" and detail["account"]["account"] == "6228****0001"
    assert detail["deposit"]["held"] == "120000.00"
    assert [w["colour"] for w in detail["warnings"]] == ["yellow"] and detail["open_warnings"] == 1
    assert [w["rule"] for w in contractor.get("rights/warnings").json()["items"]] == ["no_notice_board"]

    inspector = ApiClient(p.inspector)
    assert {i["code"] for i in inspector.get("rights/projects").json()["items"]} == {"P-API-1", "P-API-2"}
    red = inspector.get("rights/warnings", colour="red").json()
    assert [(w["rule"], w["project_code"]) for w in red["items"]] == [("wages_unpaid", "P-API-2")]
    assert [i["code"] for i in ApiClient(p.lan_inspector).get("rights/projects").json()["items"]] == ["P-API-3"]


def test_project_list_queries_do_not_grow_with_the_page(p, projects, django_assert_max_num_queries):
    for i in range(5):
        make_project(code=f"P-API-X{i}")
    api = ApiClient(p.inspector)
    with django_assert_max_num_queries(6):
        assert api.get("rights/projects").json()["count"] == 7


def test_union_mediates_records_the_money_and_concludes(p):
    api = ApiClient(p.desk)
    r = api.post("rights/cases", _case_body(route="mediation"))
    assert r.status_code == 201, r.content
    case = r.json()
    assert case["status"] == "accepted" and [c["calendar_days"] for c in case["clocks"]] == [True]
    url = f"rights/cases/{case['id']}/move"
    api.headers["If-Match"] = r["ETag"]
    r = api.post(url, {"move": "conclude", "conclusion": "paid_in_full"})
    assert r.status_code == 422 and r.json()["code"] == "amounts"  # nothing recovered yet
    for worker in case["workers"]:
        r = api.post(url, {"move": "recover", "complainant_id": worker["id"], "amount": worker["amount_owed"],
                           "method": "employer", "on": timezone.localdate().isoformat()})
        assert r.status_code == 200, r.content
        api.headers["If-Match"] = r["ETag"]
    assert api.post(url, {"move": "recover"}).status_code == 422
    r = api.post(url, {"move": "conclude", "conclusion": "paid_in_full", "note": "调解成功"})
    assert r.status_code == 200, r.content
    done = r.json()
    assert (done["status"], done["conclusion"], done["amount_recovered"]) == ("concluded", "paid_in_full", "21000.50")
    assert [[(r["amount"], r["method"]) for r in w["recoveries"]] for w in done["workers"]] == [
        [(w["amount_owed"], "employer")] for w in case["workers"]]
