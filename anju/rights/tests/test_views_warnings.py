"""The warning pages for three personas: the Shishi inspector handles them; a contractor sees its
own projects' warnings read-only; Lan County's inspector sees none of Shishi's. Bad input never
answers 500."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import NoReverseMatch, reverse

from anju.rights.models import Level, SweepRun, Warning, WarningStatus
from anju.rights.tests.factories import OTHER_USCC, make_project, rights_personas
from anju.rights.warnings import sweep

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 3, 20)


@pytest.fixture
def data():
    """A Hubin project and one of another contractor in another town, none with an allocation, an
    account, a deposit or a notice board: on ON each raises those four warnings."""
    p = rights_personas()
    ours = make_project(code="P-OURS", signed=dt.date(2026, 2, 2), permit_on=dt.date(2026, 2, 2))
    theirs = make_project(code="P-THEIRS", uscc=OTHER_USCC, signed=dt.date(2026, 2, 2), region="350581002000")
    sweep(ON)
    return p, ours, theirs


def test_the_inspector_lists_filters_and_sees_open_ones_first(client, data):
    p, ours, theirs = data
    Warning.objects.filter(project=theirs, rule="no_notice_board").update(status=WarningStatus.DISMISSED)
    client.force_login(p.inspector)
    response = client.get(reverse("rights:warnings"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert len(rows) == 8 and rows[-1]["w"].status == WarningStatus.DISMISSED
    assert response.context["rows"][0]["w"].status == WarningStatus.OPEN
    assert "专用账户未按期开立" in response.content.decode()
    by_level = client.get(reverse("rights:warnings"), {"level": Level.YELLOW, "status": "open"})
    assert {r["w"].rule for r in by_level.context["rows"]} == {"no_notice_board"}
    by_town = client.get(reverse("rights:warnings"), {"town": "350581002"})
    assert {r["w"].project_id for r in by_town.context["rows"]} == {theirs.pk}
    by_rule = client.get(reverse("rights:warnings"), {"rule": "deposit_not_lodged"})
    assert {r["w"].rule for r in by_rule.context["rows"]} == {"deposit_not_lodged"}


def test_bad_filters_are_ignored_not_errors(client, data):
    p, _ours, _theirs = data
    client.force_login(p.inspector)
    for query in ({"town": "abc"}, {"level": "9"}, {"rule": "nonsense"}, {"page": "x"}, {"page": "999"},
                  {"project": "-1"}):
        assert client.get(reverse("rights:warnings"), query).status_code == 200


def test_a_contractor_sees_only_its_own_projects_read_only(client, data):
    p, ours, theirs = data
    client.force_login(p.contractor)
    response = client.get(reverse("rights:warnings"))
    assert {r["w"].project_id for r in response.context["rows"]} == {ours.pk}
    mine = Warning.objects.filter(project=ours).first()
    detail = client.get(reverse("rights:warning", args=[mine.pk]))
    assert detail.status_code == 200 and b"dismiss-form" not in detail.content and b"read-only" in detail.content
    other = Warning.objects.filter(project=theirs).first()
    assert client.get(reverse("rights:warning", args=[other.pk])).status_code == 404
    assert client.post(reverse("rights:warning_dismiss", args=[mine.pk]), {"reason": "x"}).status_code == 403
    assert client.get(reverse("rights:risk")).status_code == 403
    assert client.get(reverse("rights:overview")).status_code == 403


def test_another_county_sees_nothing(client, data):
    p, ours, _theirs = data
    client.force_login(p.lan_inspector)
    assert client.get(reverse("rights:warnings")).context["rows"] == []
    w = Warning.objects.filter(project=ours).first()
    assert client.get(reverse("rights:warning", args=[w.pk])).status_code == 404
    assert client.post(reverse("rights:warning_dismiss", args=[w.pk]), {"reason": "x"}).status_code == 404
    assert client.get(reverse("rights:overview")).context["rows"] == []


def test_detail_and_dismiss(client, data):
    p, ours, _theirs = data
    w = Warning.objects.get(project=ours, rule="account_not_opened")
    client.force_login(p.inspector)
    page = client.get(reverse("rights:warning", args=[w.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "2026-03-04" in body and "dismiss-form" in body and "P-OURS" in body
    try:
        case_new = reverse("rights:case_new")
    except NoReverseMatch:  # the cases pages are another engineer's; the link shows once they exist
        assert "open-case" not in body
    else:
        assert f'{case_new}?warning={w.pk}' in body
    empty = client.post(reverse("rights:warning_dismiss", args=[w.pk]), {"reason": ""})
    assert empty.status_code == 422 and b'data-testid="error"' in empty.content
    done = client.post(reverse("rights:warning_dismiss", args=[w.pk]), {"reason": "专户已开立，银行回单待补录"})
    assert done.status_code == 302
    w.refresh_from_db()
    assert w.status == WarningStatus.DISMISSED and w.dismissed_reason.startswith("专户已开立")
    again = client.post(reverse("rights:warning_dismiss", args=[w.pk]), {"reason": "再次"})
    assert again.status_code == 409
    assert client.get(reverse("rights:warning", args=[999999])).status_code == 404


def test_risk_list_orders_projects_by_highest_level(client, data):
    p, ours, theirs = data
    Warning.objects.filter(project=ours, rule="allocation_overdue").update(status=WarningStatus.DISMISSED)
    client.force_login(p.inspector)
    response = client.get(reverse("rights:risk"))
    rows = response.context["rows"]
    assert [r["project"]["project_id"] for r in rows] == [theirs.pk, ours.pk]
    assert rows[0]["project"]["top"] == Level.RED and rows[0]["project"]["total"] == 4
    assert rows[1]["project"]["top"] == Level.ORANGE and rows[1]["project"]["total"] == 3
    rules = [code for code, _label in response.context["rules"]]
    assert rows[1]["counts"][rules.index("deposit_not_lodged")] == 1


def test_overview_by_town_links_to_the_filtered_list(client, data):
    p, ours, theirs = data
    client.force_login(p.county)
    response = client.get(reverse("rights:overview"))
    rows = {r["town"]: r for r in response.context["rows"]}
    assert set(rows) == {"350581001", "350581002"}
    hubin = rows["350581001"]
    assert hubin["projects"] == 1 and [c["n"] for c in hubin["cells"]] == [1, 2, 1]
    assert response.context["at_risk"] == 2 and 'data-testid="total-at-risk">2<' in response.content.decode()
    orange = client.get(hubin["cells"][1]["url"])
    assert {r["w"].rule for r in orange.context["rows"]} == {"account_not_opened", "deposit_not_lodged"}


def test_the_town_officer_sees_only_its_town(client, data):
    p, ours, _theirs = data
    client.force_login(p.town)
    rows = client.get(reverse("rights:warnings")).context["rows"]
    assert {r["w"].project_id for r in rows} == {ours.pk}


def test_the_risk_page_starts_a_sweep_job(client, data, settings):
    p, _ours, _theirs = data
    client.force_login(p.inspector)
    assert client.post(reverse("rights:warning_sweep"), {"on": "not-a-date"}).status_code == 302
    assert client.post(reverse("rights:warning_sweep"), {"on": "2999-01-01"}).status_code == 302
    assert not SweepRun.objects.exists()
    response = client.post(reverse("rights:warning_sweep"), {"on": "2026-03-21"})
    assert response.status_code == 302
    job = SweepRun.objects.get()
    # The test task backend runs the job at once (or leaves it queued): either way it is recorded.
    job.refresh_from_db()
    if job.status == job.DONE:
        assert job.counts["seen"] == 8
    page = client.get(reverse("rights:risk"))
    assert b'data-testid="runs"' in page.content
    client.force_login(p.town)
    assert client.post(reverse("rights:warning_sweep"), {"on": "2026-03-21"}).status_code == 403


def test_a_wage_warning_becomes_a_case_with_the_unpaid_roster_workers(client, data):
    """Turning a wage warning into a case brings the workers it is about from the roster (their ID
    numbers and phones with them, never shown); a rule about no particular worker opens a case
    with no complainant (the inspector acts of their own motion)."""
    from decimal import Decimal

    from anju.rights import construction as c
    from anju.rights.models import (
        AccountEntry,
        ArrearsCase,
        Attendance,
        PayrollLine,
        PayrollSheet,
        WageAccount,
    )
    from anju.rights.tests.factories import id_number

    p, ours, _theirs = data
    month = dt.date(2026, 2, 1)
    people = [c.roster_add(actor=p.contractor, project=ours, name=n, id_number=id_number(40 + i),
                           phone=f"1390000000{i}", entered_on=dt.date(2026, 2, 3)) for i, n in enumerate("甲乙丙")]
    for entry in people:
        Attendance.objects.create(project=ours, roster=entry, month=month, days=Decimal("20"))
    sheet = PayrollSheet.objects.create(project=ours, month=month, payer_name="劳务公司", pay_date=dt.date(2026, 3, 10))
    for entry in people[:2]:
        PayrollLine.objects.create(sheet=sheet, project=ours, month=month, roster=entry, work_days=Decimal("20"),
                                   gross=Decimal("6000"), net=Decimal("5800"))
    account = WageAccount.objects.create(project=ours, bank="农行", account_masked="6228****0001",
                                         opened_on=dt.date(2026, 2, 5))
    AccountEntry.objects.create(account=account, project=ours, kind="wage", booked_on=dt.date(2026, 3, 10),
                                amount=Decimal("5800"), roster=people[0], month=month, reference="R-1")
    warning = Warning.objects.create(project=ours, rule="wages_unpaid", level=3, period=month,
                                     raised_on=ON, last_seen_on=ON)
    workers, total = c.warning_workers(warning)
    assert [(w["name"], w["amount_owed"]) for w in workers] == [("丙", None), ("乙", Decimal("5800.00"))]
    assert total == 2
    client.force_login(p.inspector)
    url = reverse("rights:case_new")
    page = client.get(url, {"warning": warning.pk}).content.decode()
    assert 'data-testid="warning-workers"' in page and 'value="乙"' in page and "13900000001" not in page
    rows = {"workers-TOTAL_FORMS": "2", "workers-INITIAL_FORMS": "2", "workers-MIN_NUM_FORMS": "0",
            "workers-MAX_NUM_FORMS": "50",
            "workers-0-name": "丙", "workers-0-amount_owed": "", "workers-0-roster": str(people[2].pk),
            "workers-1-name": "乙", "workers-1-amount_owed": "5800.00", "workers-1-roster": str(people[1].pk)}
    form = {"source": "warning", "warning": str(warning.pk), "route": "inspection", "region": ours.region_id,
            "project": str(ours.pk), "employer_name": ours.contractor_name, "employer_uscc": ours.contractor_uscc,
            "period_from": "2026-02", "period_to": "2026-02", "summary": "工资未按月经专户支付"}
    missing = client.post(url, form | rows)
    assert missing.status_code == 400 and "请填写被拖欠金额" in missing.content.decode()
    # A roster row whose name is typed over is another person: it must not carry 乙's identity.
    typed_over = client.post(url, form | rows | {"workers-0-amount_owed": "5600", "workers-1-name": "丁"})
    assert typed_over.status_code == 302
    case = ArrearsCase.objects.get(warning=warning)
    claims = {w.name: w for w in case.workers.all()}
    assert claims["丁"].roster_id is None and claims["丁"].phone_masked == "" and claims["丁"].id_number_masked == ""
    assert claims["丙"].roster_id == people[2].pk and claims["丙"].phone_masked == "139****0002"
    assert claims["丙"].id_number_masked == people[2].id_number_masked and claims["丙"].amount_owed == Decimal("5600")
    # Clearing the name of an offered row drops it, though its amount was filled in.
    case.delete()
    Warning.objects.filter(pk=warning.pk).update(status=WarningStatus.OPEN, handled_by=None, handled_at=None)
    dropped = client.post(url, form | rows | {"workers-0-amount_owed": "5600", "workers-1-name": ""})
    assert dropped.status_code == 302
    assert [w.name for w in ArrearsCase.objects.get(warning=warning).workers.all()] == ["丙"]
    # 来源=预警 without a warning is a complaint like any other: it names someone.
    plain = {k: v for k, v in form.items() if k != "warning"}
    empty_rows = {"workers-TOTAL_FORMS": "3", "workers-INITIAL_FORMS": "0", "workers-MIN_NUM_FORMS": "0",
                  "workers-MAX_NUM_FORMS": "50"}
    refused = client.post(url, plain | empty_rows)
    assert refused.status_code == 400 and "请至少填写一名投诉人" in refused.content.decode()
    # A rule about no particular worker: no complainant needed.
    other = Warning.objects.filter(project=ours, rule="no_notice_board").get()
    assert c.warning_workers(other) == ([], 0)
    empty = {"workers-TOTAL_FORMS": "3", "workers-INITIAL_FORMS": "0", "workers-MIN_NUM_FORMS": "0",
             "workers-MAX_NUM_FORMS": "50"}
    done = client.post(url, form | empty | {"warning": str(other.pk), "summary": "未设立维权信息告示牌"})
    own_motion = ArrearsCase.objects.get(warning=other)
    assert done.status_code == 302 and own_motion.workers.count() == 0
    # It can conclude, but not as wages paid, and it is no arrears history of the contractor.
    from anju.rights import cases
    from anju.rights.services import RightsError

    own_motion = cases.case_accept(actor=p.inspector, case=own_motion)
    with pytest.raises(RightsError):
        cases.case_conclude(actor=p.inspector, case=own_motion, conclusion="paid_in_full")
    cases.case_conclude(actor=p.inspector, case=own_motion, conclusion="other", note="已责令设立告示牌")
    ArrearsCase.objects.filter(pk=own_motion.pk).update(concluded_on=dt.date(2025, 6, 1))
    assert c.arrears_years(ours.contractor_uscc, dt.date(2026, 3, 1)) == []


def test_an_exit_warning_names_the_workers_who_left_that_month_unsettled_past_the_limit(data):
    from anju.rights import construction as c
    from anju.rights.tests.factories import id_number

    p, ours, _theirs = data
    rows = {}
    people = [("甲", dt.date(2026, 2, 10), None), ("乙", dt.date(2026, 2, 12), dt.date(2026, 2, 20)),
              ("丙", dt.date(2026, 3, 1), None), ("丁", dt.date(2026, 2, 27), None)]
    for i, (name, exited, settled) in enumerate(people):
        rows[name] = c.roster_add(actor=p.contractor, project=ours, name=name, id_number=id_number(60 + i),
                                  entered_on=dt.date(2026, 2, 3))
        type(rows[name]).objects.filter(pk=rows[name].pk).update(exited_on=exited, settled_on=settled)
    warning = Warning.objects.create(project=ours, rule="exit_unsettled", level=2, period=dt.date(2026, 2, 1),
                                     raised_on=ON, last_seen_on=ON)
    # On 2026-03-05 with the 7-day limit: 甲 (left 02-10, unsettled) only — 乙 settled, 丙 left in
    # March, 丁 left 6 days ago.
    workers, total = c.warning_workers(warning, on=dt.date(2026, 3, 5))
    assert [w["name"] for w in workers] == ["甲"] and total == 1
