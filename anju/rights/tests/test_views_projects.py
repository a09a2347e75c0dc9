"""Project pages with three personas: a contractor's payroll supervisor sees and changes only its
own projects (another contractor's is 404), a Shishi inspector sees Shishi's, a Lan County
inspector none; every section renders; bad input is a form error, never a 500."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from anju.rights import construction as c
from anju.rights.models import Project, RosterEntry, Warning
from anju.rights.tests.factories import OTHER_USCC, id_number, make_project, rights_personas
from anju.rights.views_projects import SECTIONS

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    p = rights_personas()
    mine = make_project(code="P-MINE", name="湖滨安置房", supervisor_name="王专管")
    theirs = make_project(code="P-THEIRS", name="蚶江码头", uscc=OTHER_USCC, region="350581102000")
    entry = c.roster_add(actor=p.contractor, project=mine, name="李四", id_number=id_number(7),
                         entered_on=dt.date(2026, 3, 1))
    Warning.objects.create(project=mine, rule="wages_unpaid", level=3, period=dt.date(2026, 9, 1),
                           raised_on=dt.date(2026, 11, 1), last_seen_on=dt.date(2026, 11, 1))
    Warning.objects.create(project=theirs, rule="no_notice_board", level=1, period=dt.date(2026, 2, 1),
                           raised_on=dt.date(2026, 2, 20), last_seen_on=dt.date(2026, 2, 20))
    return p, mine, theirs, entry


def _rows(response) -> set[str]:
    return {p.code for p in response.context["rows"]}


def test_the_contractor_sees_and_changes_only_its_projects(client, world):
    p, mine, theirs, entry = world
    client.force_login(p.contractor)
    response = client.get(reverse("rights:projects"))
    assert response.status_code == 200 and _rows(response) == {"P-MINE"}
    assert client.get(reverse("rights:project", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("rights:notice_board", args=[theirs.pk])).status_code == 404
    add = {"name": "王五", "id_number": id_number(8), "entered_on": "2026-03-02"}
    assert client.post(reverse("rights:project_roster_add", args=[theirs.pk]), add).status_code == 404
    response = client.post(reverse("rights:project_roster_add", args=[mine.pk]), add)
    assert response.status_code == 302 and RosterEntry.objects.filter(project=mine).count() == 2
    response = client.post(reverse("rights:project_roster_exit", args=[mine.pk, entry.pk]), {"on": "2026-06-30"})
    assert response.status_code == 302
    client.post(reverse("rights:project_roster_settle", args=[mine.pk, entry.pk]), {"on": "2026-07-02"})
    entry.refresh_from_db()
    assert (entry.exited_on, entry.settled_on) == (dt.date(2026, 6, 30), dt.date(2026, 7, 2))
    # Not the project, the deposit or the account's opening.
    assert client.get(reverse("rights:project_edit", args=[mine.pk])).status_code == 403
    assert client.get(reverse("rights:project_new")).status_code == 403
    assert client.post(reverse("rights:project_deposit_move", args=[mine.pk, "lodged"]),
                       {"lodged-amount": "100", "lodged-on": "2026-03-01"}).status_code == 403
    assert client.post(reverse("rights:project_account_open", args=[mine.pk]),
                       {"bank": "农行", "account_number": "62284800123456789",
                        "opened_on": "2026-01-20"}).status_code == 403
    page = client.get(reverse("rights:project", args=[mine.pk]), {"section": "deposit"})
    assert page.status_code == 200 and page.context["deposit_form"] is None
    # A roster row of another project through this project's url is not found.
    other = c.roster_add(actor=p.other_contractor, project=theirs, name="赵六", id_number=id_number(9),
                         entered_on=dt.date(2026, 3, 1))
    assert client.post(reverse("rights:project_roster_exit", args=[mine.pk, other.pk]),
                       {"on": "2026-06-30"}).status_code == 404


def test_a_shishi_inspector_sees_shishi_and_lan_county_none(client, world):
    p, mine, theirs, _entry = world
    client.force_login(p.inspector)
    response = client.get(reverse("rights:projects"))
    assert _rows(response) == {"P-MINE", "P-THEIRS"}
    client.force_login(p.lan_inspector)
    response = client.get(reverse("rights:projects"))
    assert response.status_code == 200 and _rows(response) == set()
    assert b'data-testid="empty"' in response.content
    assert client.get(reverse("rights:project", args=[mine.pk])).status_code == 404


def test_list_filters_by_status_town_and_risk(client, world, django_assert_max_num_queries):
    p, mine, theirs, _entry = world
    client.force_login(p.inspector)
    url = reverse("rights:projects")
    assert _rows(client.get(url, {"risk": "3"})) == {"P-MINE"}
    assert _rows(client.get(url, {"risk": "1"})) == {"P-THEIRS"}
    assert _rows(client.get(url, {"risk": "none"})) == set()
    assert _rows(client.get(url, {"town": "350581102"})) == {"P-THEIRS"}
    assert _rows(client.get(url, {"town": "141127100"})) == set()
    assert _rows(client.get(url, {"status": "completed"})) == set()
    for bad in ({"risk": "9"}, {"status": "x"}, {"page": "999"}, {"town": "'; drop"}):
        assert client.get(url, bad).status_code == 200
    assert _rows(client.get(url, {"risk": "9", "town": "350581102"})) == {"P-THEIRS"}
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert [r["level"] for r in [row.risk_badge for row in response.context["rows"]]] == [3, 1]


def test_every_section_renders(client, world, django_assert_max_num_queries):
    p, mine, _theirs, _entry = world
    c.account_open(actor=p.inspector, project=mine, bank="农行石狮支行", account_number="62284800123456789",
                   opened_on=dt.date(2026, 1, 20))
    c.deposit_set(actor=p.inspector, project=mine)
    for user in (p.inspector, p.contractor):
        client.force_login(user)
        for section in SECTIONS:
            with django_assert_max_num_queries(20):
                response = client.get(reverse("rights:project", args=[mine.pk]), {"section": section})
            assert response.status_code == 200, (user, section)
        assert client.get(reverse("rights:project", args=[mine.pk]), {"section": "nope"}).status_code == 200
    client.force_login(p.inspector)
    response = client.get(reverse("rights:project", args=[mine.pk]), {"section": "deposit"})
    assert b'data-result="not_set"' in response.content and "wage_deposit_rate" in response.content.decode()
    board = client.get(reverse("rights:notice_board", args=[mine.pk])).content.decode()
    assert "88712565" in board and "12333" in board and "12348" in board and "未录入" in board


def test_printed_board_shows_the_supervisors_phone_in_full_audited_and_figures_plainly(client, world):
    """The board is for workers to call the payroll supervisor: the printed sheet shows the
    number (each opening audited as a reveal); the project tab keeps it masked. Money and the
    minimum wage read as people write them (2,030, not 2030.0000); the deposit rate as 1.5%."""
    from anju.audit.models import AuditEvent

    p, mine, _theirs, _entry = world
    Project.objects.filter(pk=mine.pk).update(supervisor_name="陈志强", **c._supervisor_phone("13906661688"))
    _set_parameter(p, "min_wage_monthly", "35", "2030")
    _set_parameter(p, "wage_deposit_rate", "35", "0.015")
    client.force_login(p.inspector)
    tab = client.get(reverse("rights:project", args=[mine.pk]), {"section": "board"}).content.decode()
    assert "13906661688" not in tab and "139****1688" in tab
    board = client.get(reverse("rights:notice_board", args=[mine.pk])).content.decode()
    assert "13906661688" in board and "每月 2,030 元" in board and 'data-print' in board
    assert AuditEvent.objects.filter(action="reveal", object_type__icontains="project", object_id=str(mine.pk),
                                     actor=p.inspector).count() == 1
    deposit = client.get(reverse("rights:project", args=[mine.pk]), {"section": "deposit"}).content.decode()
    assert "存储比例 1.5%" in deposit and "应存 120,000.00 元" in deposit


def _set_parameter(p, name, prefix, value):
    from anju.params.models import Parameter
    from anju.params.services import parameter_set

    Parameter.objects.get_or_create(name=name, defaults={"type": "money", "label_zh": name, "label_en": name})

    parameter_set(actor=p.admin, name=name, region_prefix=prefix, valid_from=dt.date(2021, 1, 1),
                  value=Decimal(value), source="测试")


def test_project_new_and_edit(client, world):
    p, mine, _theirs, _entry = world
    client.force_login(p.inspector)
    data = {"code": "P-NEW", "name": "宝盖镇厂房", "region_id": "350581001000", "owner_name": "某实业公司",
            "contractor_name": "石狮建工集团有限公司", "contractor_uscc": mine.contractor_uscc,
            "contract_value": "5000000", "labour_share": "0.3", "disbursement_cycle_months": "3",
            "contract_signed_on": "2026-02-01", "start_on": "2026-03-01", "status": "building"}
    response = client.post(reverse("rights:project_new"), data)
    assert response.status_code == 400 and "第二十四条" in response.content.decode()
    response = client.post(reverse("rights:project_new"), data | {"disbursement_cycle_months": "1"})
    assert response.status_code == 302
    project = Project.objects.get(code="P-NEW")
    assert project.labour_share == Decimal("0.3")
    edit = reverse("rights:project_edit", args=[project.pk])
    assert client.get(edit).status_code == 200
    body = data | {"name": "宝盖镇厂房（二期）", "disbursement_cycle_months": "1", "version": "1"}
    body.pop("code")
    assert client.post(edit, body).status_code == 302
    response = client.post(edit, body | {"name": "过期的修改"})
    assert response.status_code == 400 and "已被他人修改" in response.content.decode()
    project.refresh_from_db()
    assert (project.name, project.version) == ("宝盖镇厂房（二期）", 2)


def test_section_forms_show_refusals(client, world):
    p, mine, _theirs, _entry = world
    client.force_login(p.contractor)
    response = client.post(reverse("rights:project_roster_add", args=[mine.pk]),
                           {"name": "王五", "id_number": "123", "entered_on": "2026-03-02"})
    assert response.status_code == 400 and "公民身份号码不正确" in response.content.decode()
    response = client.post(reverse("rights:notice_board_posted", args=[mine.pk]),
                           {"on": "2026-02-03", "version": str(mine.version)})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.notice_board_on == dt.date(2026, 2, 3)
    client.force_login(p.inspector)
    response = client.post(reverse("rights:project_deposit_move", args=[mine.pk, "paid_out"]),
                           {"paid_out-amount": "100", "paid_out-on": "2026-03-01"})
    assert response.status_code == 400 and "超过保证金余额" in response.content.decode()
    response = client.post(reverse("rights:project_deposit_move", args=[mine.pk, "bogus"]), {})
    assert response.status_code == 302
    response = client.post(reverse("rights:project_entry_add", args=[mine.pk]),
                           {"kind": "allocation", "booked_on": "2026-03-01", "amount": "100",
                            "reference": "X1"})
    assert response.status_code == 400 and "尚未登记农民工工资专用账户" in response.content.decode()
