"""Issue 9, item 7: each finding replayed against the real pages, API and import.

- a region code in a query is checked with the one pattern (`regions.codes`): "²" is no 500;
- control characters are refused by the form, the import and the API, with the same message;
- an ID number held in another jurisdiction is refused neutrally, and the attempt audited;
- dates are bounded: born from 1900, registered, verified and visited from 1990, none in the future.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from anju.accounts.tokens import token_issue
from anju.audit.models import AuditEvent
from anju.regions.codes import clean_prefix, is_code, is_prefix
from anju.registry.models import Certificate, Household, VerificationVisit, Worker
from anju.registry.services import id_hash
from anju.registry.tests.factories import make_worker, next_id_number
from anju.registry.tests.workbook_data import worker_row, write_csv, write_xlsx

TOWN = "350581001000"  # personas.town's street
LANXIAN = "141127100000"  # personas.lanxian's county
BAD_CODES = ["²", "³⁵⁰⁵⁸¹", "٣٥٠٥٨١", "350581²", "35x", "3505810", "350581\x00", "\x1b"]

BAD_TEXT_ZH = "含有无法保存的字符（控制字符或无效的 Unicode）。"
NEUTRAL = "该身份证号码无法在此登记，请联系县级管理员核实。"


def api(user) -> tuple[Client, dict[str, str]]:
    key, _token = token_issue(user=user)
    return Client(), {"Authorization": f"Bearer {key}", "Accept-Language": "zh-hans"}


def form_data(**over) -> dict:
    return {"name": "陈新", "id_number": next_id_number(), "residence_region": TOWN,
            "employment_status": "unemployed", **over}


def api_body(**over) -> dict:
    return {"name": "李四", "id_number": next_id_number(), "residence_region": TOWN,
            "employment_status": "unemployed", **over}


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def import_errors(path, user) -> list:
    from anju.registry.imports import import_book
    from anju.registry.workbook import read_workbook

    plan = import_book(read_workbook(path), actor=user)
    return plan.errors


# -- region codes ------------------------------------------------------------------------------

def test_the_one_pattern_takes_ascii_digits_of_a_division_length_only():
    assert is_prefix("35") and is_prefix("350581") and is_prefix("350581001000") and is_code("350581001")
    for bad in ["²", "٣٥", "350581\n", "3505810", "", " 350581", "35058a"]:
        assert not is_prefix(bad) and not is_code(bad), repr(bad)
    # A filter as typed: trimmed, a 12-digit code names its division, anything else is None.
    assert clean_prefix(" 350581000000\n") == "350581" and clean_prefix("") == "" and clean_prefix(None) == ""
    assert clean_prefix("²") is None and clean_prefix("٣٥٠٥٨١") is None


@pytest.mark.parametrize("bad", BAD_CODES)
def test_a_malformed_region_in_a_query_is_never_a_500(personas, bad):
    make_worker(residence=TOWN, name="王湖滨")
    client = Client(raise_request_exception=False)
    client.force_login(personas.county)
    # The home page ignores it (the whole jurisdiction) and says so.
    home = client.get(reverse("core:home"), {"region": bad})
    assert home.status_code == 200 and home.context["stats"]["scope"] == "350581"
    assert any("地区筛选无效" in m for m in messages_of(home))
    # The ledger list shows nobody for it, and says why.
    page = client.get(reverse("registry:worker_list"), {"region": bad})
    assert page.status_code == 200 and list(page.context["page_obj"].object_list) == []
    assert any("地区筛选无效" in m for m in messages_of(page))
    # The export refuses it, as the API does.
    export = client.get(reverse("registry:worker_export"), {"region": bad, "format": "csv"})
    assert export.status_code == 400 and "区划代码" in export.content.decode()
    api_client, headers = api(personas.county)
    assert api_client.get("/api/v1/workers", {"region": bad}, headers=headers).status_code == 422
    # The region picker's children of a malformed parent: none.
    children = client.get(reverse("regions:children"), {"parent": bad})
    assert children.status_code == 200 and children.json() == []
    # A verification round over it: a form error, nothing scheduled.
    rounds = client.post(reverse("registry:round_list"), {"name": "轮次", "region": bad, "working_days": 10})
    assert rounds.status_code == 200 and "region" in rounds.context["form"].errors
    # A simulation over it: a form error (400), no result.
    sim = client.get(reverse("policies:simulate"), {"policy": "quanzhou-employment-subsidy", "run": "1",
                                                     "on": "2025-06-01", "region": bad})
    assert sim.status_code == 400 and "region" in sim.context["form"].errors and sim.context["result"] is None
    assert not AuditEvent.objects.filter(action="create").exists()


# -- control characters --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["王\x1b芳", "王\x07芳", "王\x7f芳", "王\x85芳", "王\u009b芳", "王\n芳", "王\t芳"])
def test_control_characters_are_refused_alike_by_form_api_and_import(personas, tmp_path, name):
    client = Client()
    client.force_login(personas.town)
    form = client.post(reverse("registry:worker_create"), form_data(name=name))
    assert form.status_code == 200 and form.context["form"].errors["name"] == [BAD_TEXT_ZH]

    api_client, headers = api(personas.town)
    response = api_client.post("/api/v1/workers", api_body(name=name), content_type="application/json", headers=headers)
    assert response.status_code == 422
    assert [(p["field"], p["message"]) for p in response.json()["detail"]] == [("name", BAD_TEXT_ZH)]

    errors = import_errors(write_csv(tmp_path / "w.csv", [worker_row(1, street="350581001", 姓名=name)]), personas.town)
    assert [(e.column, e.reason_zh) for e in errors] == [("姓名", BAD_TEXT_ZH)]
    assert not Worker.objects.exists()


def test_nul_from_the_form_gets_the_same_words_as_the_api(personas):
    client = Client()
    client.force_login(personas.town)
    form = client.post(reverse("registry:worker_create"), form_data(name="王\x00芳"))
    assert form.context["form"].errors["name"] == [BAD_TEXT_ZH]
    api_client, headers = api(personas.town)
    response = api_client.post("/api/v1/workers", api_body(name="王\x00芳"), content_type="application/json", headers=headers)
    assert response.json()["detail"][0]["message"] == BAD_TEXT_ZH
    assert not Worker.objects.exists()


def test_notes_keep_line_breaks_and_tabs_but_not_other_controls(personas, tmp_path):
    client = Client()
    client.force_login(personas.town)
    refused = client.post(reverse("registry:worker_create"), form_data(notes="第一行\x0c第二行"))
    assert refused.context["form"].errors["notes"] == [BAD_TEXT_ZH]
    kept = client.post(reverse("registry:worker_create"), form_data(notes="第一行\r\n\t第二行"))
    assert kept.status_code == 302 and Worker.objects.get().notes == "第一行\r\n\t第二行"
    # A list typed one item per line in a cell stays a list.
    path = write_csv(tmp_path / "w.csv", [worker_row(1, street="350581001", 困难类型="低保对象\n残疾人")])
    assert import_errors(path, personas.town) == []
    visit = client.post(reverse("registry:visit_create", args=[Worker.objects.earliest("pk").pk]),
                        {"visited_on": dt.date.today().isoformat(), "result": "confirmed", "findings": "在家\x1b"})
    assert visit.context["form"].errors["findings"] == [BAD_TEXT_ZH] and not VerificationVisit.objects.exists()


def test_control_characters_in_an_xlsx_cell_are_refused(personas, tmp_path):
    # XML cannot hold C0 characters, but it holds C1 ones.
    errors = import_errors(write_xlsx(tmp_path / "w.xlsx", [worker_row(1, street="350581001", 技能特长="电\x9b焊")]),
                           personas.town)
    assert [(e.column, e.reason_zh) for e in errors] == [("技能特长", BAD_TEXT_ZH)]
    assert not Worker.objects.exists()


# -- an ID number held in another jurisdiction -----------------------------------------------------

@pytest.fixture
def held(db):
    """The same person registered in Lan County, and in the next street of Shishi."""
    return {"lanxian": make_worker(residence=LANXIAN, name="赵岚县", id_number=next_id_number("141127")),
            "town2": make_worker(residence="350581002000", name="李凤里")}


def refusals():
    return AuditEvent.objects.filter(detail__reason="id_number_held_elsewhere")


def test_form_refuses_an_id_held_elsewhere_neutrally_and_audits_it(client, personas, held):
    client.force_login(personas.town)
    for holder in (held["lanxian"], held["town2"]):
        response = client.post(reverse("registry:worker_create"), form_data(id_number=holder.id_number))
        assert response.context["form"].errors["id_number"] == [NEUTRAL]
        page = response.content.decode()
        assert "已在台账中登记" not in page and "管辖范围以外" not in page and holder.name not in page
    assert Worker.objects.count() == 2
    events = list(refusals().order_by("id"))
    assert [e.detail["holder_region"] for e in events] == [LANXIAN, "350581002000"]
    event = events[0]
    assert event.actor == personas.town and event.region_code == TOWN
    assert event.detail["id_number_hash"] == id_hash(held["lanxian"].id_number)
    assert held["lanxian"].id_number not in str(event.detail) + event.object_repr


def test_within_the_jurisdiction_the_precise_message_stays(client, personas, held):
    client.force_login(personas.county)  # Shishi: the next street is theirs
    response = client.post(reverse("registry:worker_create"), form_data(id_number=held["town2"].id_number))
    assert response.context["form"].errors["id_number"] == ["该公民身份号码已在台账中登记。"]
    assert not refusals().exists()


def test_api_refuses_an_id_held_elsewhere_neutrally_and_audits_it(personas, held):
    api_client, headers = api(personas.town)
    response = api_client.post("/api/v1/workers", api_body(id_number=held["lanxian"].id_number),
                               content_type="application/json", headers=headers)
    assert response.status_code == 422
    assert [(p["field"], p["message"]) for p in response.json()["detail"]] == [("id_number", NEUTRAL)]
    assert refusals().get().detail["holder_region"] == LANXIAN


def test_import_refuses_an_id_held_elsewhere_neutrally_and_audits_it(personas, held, tmp_path):
    rows = [worker_row(1, street="350581001", 公民身份号码=held["lanxian"].id_number),
            worker_row(2, street="350581001")]
    errors = import_errors(write_xlsx(tmp_path / "w.xlsx", rows), personas.town)
    assert [(e.row, e.column, e.reason_zh) for e in errors] == [(2, "公民身份号码", NEUTRAL)]
    event = refusals().get()
    assert event.actor == personas.town and event.detail["holder_region"] == LANXIAN
    assert event.detail["source"] == "import" and event.detail["row"] == 2
    held["lanxian"].refresh_from_db()
    assert held["lanxian"].residence_region_id == LANXIAN and Worker.objects.count() == 3


def test_a_household_number_used_elsewhere_is_refused_neutrally(client, personas, tmp_path):
    Household.objects.create(household_no="H-LAN-1", region_id=LANXIAN)
    client.force_login(personas.town)
    response = client.post(reverse("registry:worker_create"), form_data(household_no="H-LAN-1"))
    assert response.context["form"].errors["household_no"] == ["该户编号无法在此使用，请联系县级管理员核实。"]
    from anju.audit.models import AuditEvent

    event = AuditEvent.objects.get(object_type="household", detail__reason="household_no_held_elsewhere")
    assert event.actor == personas.town and event.detail["holder_region"] == LANXIAN
    assert "H-LAN-1" not in str(event.detail)
    errors = import_errors(write_xlsx(tmp_path / "w.xlsx", [worker_row(1, street="350581001", 户编号="H-LAN-1")]),
                           personas.town)
    assert [e.reason_zh for e in errors] == ["该户编号无法在此使用，请联系县级管理员核实。"]
    assert not Worker.objects.exists()


# -- date bounds ----------------------------------------------------------------------------------

FUTURE = (dt.date.today() + dt.timedelta(days=2)).isoformat()


@pytest.mark.parametrize("field, value, message", [
    ("unemployment_registered_on", "0001-01-01", "日期不能早于 1990-01-01。"),
    ("unemployment_registered_on", "1989-12-31", "日期不能早于 1990-01-01。"),
    ("unemployment_registered_on", FUTURE, "失业登记日期不能晚于今天。"),
])
def test_record_dates_are_bounded_in_form_api_and_import(personas, tmp_path, field, value, message):
    client = Client()
    client.force_login(personas.town)
    form = client.post(reverse("registry:worker_create"), form_data(**{field: value}))
    assert form.context["form"].errors[field] == [message]
    api_client, headers = api(personas.town)
    response = api_client.post("/api/v1/workers", api_body(**{field: value}), content_type="application/json", headers=headers)
    assert [(p["field"], p["message"]) for p in response.json()["detail"]] == [(field, message)]
    row = worker_row(1, street="350581001", 就业状态="失业", 失业登记日期=value)
    assert [e.reason_zh for e in import_errors(write_xlsx(tmp_path / "w.xlsx", [row]), personas.town)] == [message]
    assert not Worker.objects.exists()


def test_the_bounds_themselves_are_accepted(personas):
    api_client, headers = api(personas.town)
    response = api_client.post("/api/v1/workers", api_body(unemployment_registered_on="1990-01-01",
                                                           last_income_month="1990-01"),
                               content_type="application/json", headers=headers)
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("value", ["0001-01-01", "1899-12-31", FUTURE])
def test_a_birth_date_out_of_range_is_refused_even_without_a_valid_id(personas, value):
    api_client, headers = api(personas.town)
    response = api_client.post("/api/v1/workers", api_body(birth_date=value, id_number="bad"),
                               content_type="application/json", headers=headers)
    messages = {p["field"]: p["message"] for p in response.json()["detail"]}
    assert messages["birth_date"] == "出生日期不能早于 1900-01-01，也不能晚于今天。"
    # An ID number can never carry such a date either.
    from anju.lib.identifiers import make_id_number

    response = api_client.post("/api/v1/workers", api_body(id_number=make_id_number("350581", dt.date(1899, 12, 31), 11)),
                               content_type="application/json", headers=headers)
    assert {p["field"] for p in response.json()["detail"]} == {"id_number"}
    assert not Worker.objects.exists()


def test_last_income_month_before_1990_is_refused(personas):
    api_client, headers = api(personas.town)
    response = api_client.post("/api/v1/workers", api_body(last_income_month="0001-01"),
                               content_type="application/json", headers=headers)
    assert [(p["field"], p["message"]) for p in response.json()["detail"]] == [("last_income_month", "日期不能早于 1990-01-01。")]


@pytest.mark.parametrize("value, message", [
    ("0001-01-01", "日期不能早于 1990-01-01。"),
    ("1989-12-31", "日期不能早于 1990-01-01。"),
    (FUTURE, "核实日期不能晚于今天。"),
])
def test_visit_dates_are_bounded(client, personas, value, message):
    worker = make_worker(residence=TOWN)
    client.force_login(personas.town)
    response = client.post(reverse("registry:visit_create", args=[worker.pk]), {"visited_on": value, "result": "confirmed"})
    assert response.status_code == 200 and response.context["form"].errors["visited_on"] == [message]
    worker.refresh_from_db()
    assert not worker.visits.exists() and worker.last_verified_on is None


def test_a_certificate_is_not_older_than_its_holder(client, personas):
    worker = make_worker(residence=TOWN)  # born in 1985
    client.force_login(personas.town)
    url = reverse("registry:certificate_create", args=[worker.pk])
    data = {"kind": "skill_level", "occupation": "电工", "grade": "4", "certificate_no": "C-1"}
    before_birth = (worker.birth_date - dt.timedelta(days=1)).isoformat()
    for value in ("0001-01-01", before_birth, FUTURE):
        response = client.post(url, dict(data, issued_on=value))
        assert response.status_code == 200 and "issued_on" in response.context["form"].errors, value
    assert not Certificate.objects.exists()
    assert client.post(url, dict(data, issued_on="2010-05-01")).status_code == 302
