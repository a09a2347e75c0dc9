"""Concurrent edits of one worker never lose a change (issue 9): every edit path re-reads the
record under a row lock, writes only the fields that change and refuses a stale version.

The threaded tests send real parallel requests, each in its own thread and database connection:
on PostgreSQL they queue on the worker's row lock; on SQLite on the database write lock
(`transaction_mode` IMMEDIATE), which serialises them — the outcome must be the same.
"""

from __future__ import annotations

import csv
import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from anju.api.tests.conftest import ApiClient
from anju.audit.models import Action, AuditEvent
from anju.lib.versioning import VersionConflict, etag, versions_from_if_match
from anju.registry.choices import mask_of
from anju.registry.forms import WorkerForm
from anju.registry.models import Household, Worker
from anju.registry.services import visit_record, worker_update
from anju.registry.tests.factories import make_worker

TOWN = "350581001000"

# Twenty fields no rule ties together: (API field, value sent, column read back, value stored).
# The household is looked up by number when checked.
EDITS = [
    ("name", "王五", "name", "王五"),
    ("phone", "13912340002", "phone_masked", "139****0002"),
    ("hukou_region", "350524000000", "hukou_region_id", "350524000000"),
    ("education", "college", "education", "college"),
    ("employment_status", "employed", "employment_status", "employed"),
    ("difficulty_types", ["disabled"], "difficulty_mask", mask_of(["disabled"])),
    ("pension_insured", True, "pension_insured", True),
    ("medical_insured", True, "medical_insured", True),
    ("unemployment_insured", False, "unemployment_insured", False),
    ("injury_insured", True, "injury_insured", True),
    ("ui_contribution_months", 24, "ui_contribution_months", 24),
    ("last_income_month", "2025-03", "last_income_month", dt.date(2025, 3, 1)),
    ("monthly_income", "1234.50", "monthly_income", Decimal("1234.50")),
    ("skills", "电焊", "skills", "电焊"),
    ("desired_occupation", "焊工", "desired_occupation", "焊工"),
    ("desired_region", "350581000000", "desired_region_id", "350581000000"),
    ("expected_salary", "6000.00", "expected_salary", Decimal("6000.00")),
    ("training_willing", True, "training_willing", True),
    ("household_no", "H-CONC-1", "household_id", "H-CONC-1"),
    ("notes", "并发修改", "notes", "并发修改"),
]
BY_FIELD = {field: (column, stored) for field, _sent, column, stored in EDITS}


def stored_value(field: str):
    column, stored = BY_FIELD[field]
    if column == "household_id":
        return Household.objects.get(household_no=stored).pk
    return stored


def patch_in_parallel(user, worker_id: int, bodies: list[dict], headers: dict[str, str] | None = None) -> list:
    """PATCH each body from its own thread, all released at once; the responses in body order."""
    clients = []
    for _body in bodies:
        client = ApiClient(user)  # the token is issued here, before the race
        client.headers.update(headers or {})
        clients.append(client)
    start = threading.Barrier(len(bodies))
    responses: list = [None] * len(bodies)

    def run(i: int) -> None:
        try:
            start.wait(timeout=30)
            responses[i] = clients[i].patch(f"workers/{worker_id}", bodies[i])
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            responses[i] = exc
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a request hung"
    for r in responses:
        assert not isinstance(r, Exception), r
        assert r.status_code in (200, 409), r.content
    return responses


def audited_fields(worker: Worker) -> dict[str, int]:
    """{field: the version its update wrote} over the worker's update audit events."""
    fields: dict[str, int] = {}
    for event in AuditEvent.objects.filter(action=Action.UPDATE, object_type="worker", object_id=str(worker.pk)):
        for name in event.changes:
            assert name not in fields, f"{name} audited twice"
            fields[name] = event.detail["version"]
    return fields


API_TO_AUDIT = {"hukou_region": "hukou_region_id", "desired_region": "desired_region_id",
                "difficulty_types": "difficulty_mask"}


def assert_kept(worker: Worker, accepted: list[str]) -> None:
    """Each accepted change is in the stored record, in its audit event, and in every history
    record from the version that wrote it on (never undone by a later write); nothing else changed.
    `worker` is the record as it was before the edits."""
    before = {column: getattr(worker, column) for _f, _sent, column, _stored in EDITS}
    worker.refresh_from_db()
    assert worker.version == 1 + len(accepted)
    for field, _sent, column, _stored in EDITS:
        value = getattr(worker, column)
        if field in accepted:
            assert value == stored_value(field) != before[column], field
        else:
            assert value == before[column], f"{field} changed without a 200"
    audited = audited_fields(worker)
    assert set(audited) == {API_TO_AUDIT.get(f, f) for f in accepted}
    history = list(worker.history.order_by("version"))
    assert [h.version for h in history] == list(range(1, len(accepted) + 2))  # one record per write
    for field in accepted:
        version = audited[API_TO_AUDIT.get(field, field)]
        column = BY_FIELD[field][0]
        for h in history:
            if h.version >= version:
                assert getattr(h, column) == stored_value(field), (field, h.version)


@pytest.fixture
def officer(regions_loaded):
    from anju.accounts.tests.factories import make_personas

    return make_personas().town


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_patches_of_different_fields_keep_every_200(officer):
    worker = make_worker(residence=TOWN, name="张三", phone="13800001234")
    responses = patch_in_parallel(officer, worker.pk, [{field: sent} for field, sent, _c, _s in EDITS])
    accepted = [field for (field, *_rest), r in zip(EDITS, responses, strict=True) if r.status_code == 200]
    # Without If-Match nobody is refused: each waits for the lock and changes its own field.
    assert len(accepted) == len(EDITS)
    assert_kept(worker, accepted)
    # Each answer carried the version it wrote, every one different.
    assert sorted(int(r["ETag"].strip('"')) for r in responses) == list(range(2, len(EDITS) + 2))


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_patches_from_one_read_version_one_wins_the_rest_409(officer):
    worker = make_worker(residence=TOWN, name="张三", phone="13800001234")
    responses = patch_in_parallel(officer, worker.pk, [{field: sent} for field, sent, _c, _s in EDITS],
                                  headers={"If-Match": etag(worker.version)})
    accepted = [field for (field, *_rest), r in zip(EDITS, responses, strict=True) if r.status_code == 200]
    assert len(accepted) == 1
    for r in responses:
        if r.status_code == 409:
            assert "已被他人修改" in r.json()["detail"][0]["message"]
    assert_kept(worker, accepted)


# -- one request at a time ---------------------------------------------------------------------

@pytest.fixture
def api_as(db):
    return ApiClient


@pytest.fixture
def town_worker(db):
    return make_worker(residence=TOWN, name="张三")


def test_detail_and_updates_carry_the_version_as_etag(api_as, personas, town_worker):
    client = api_as(personas.town)
    got = client.get(f"workers/{town_worker.pk}")
    assert got["ETag"] == '"1"' and got.json()["version"] == 1
    patched = client.patch(f"workers/{town_worker.pk}", {"notes": "一"})
    assert patched.status_code == 200 and patched["ETag"] == '"2"' and patched.json()["version"] == 2
    # Nothing changes: no write, the version stays.
    same = client.patch(f"workers/{town_worker.pk}", {"notes": "一"})
    assert same["ETag"] == '"2"'
    assert Worker.objects.get(pk=town_worker.pk).version == 2


def test_matching_if_match_saves_and_adds_one(api_as, personas, town_worker):
    client = api_as(personas.town)
    client.headers["If-Match"] = '"1"'
    response = client.patch(f"workers/{town_worker.pk}", {"notes": "核对"})
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2 and response["ETag"] == '"2"'
    town_worker.refresh_from_db()
    assert (town_worker.notes, town_worker.version) == ("核对", 2)


@pytest.mark.parametrize("method", ["patch", "put"])
def test_stale_if_match_is_409_and_changes_nothing(api_as, personas, town_worker, method):
    client = api_as(personas.town)
    client.patch(f"workers/{town_worker.pk}", {"skills": "木工"})  # someone else's edit: version 2
    client.headers["If-Match"] = 'W/"1"'
    body = {"notes": "旧页面"} if method == "patch" else {
        "name": "张三", "id_number": town_worker.id_number, "residence_region": TOWN,
        "employment_status": "unemployed", "notes": "旧页面"}
    response = getattr(client, method)(f"workers/{town_worker.pk}", body)
    assert response.status_code == 409
    detail = response.json()["detail"][0]
    assert "第 1 版" in detail["message"] and "第 2 版" in detail["message"]
    town_worker.refresh_from_db()
    assert (town_worker.notes, town_worker.skills, town_worker.version) == ("", "木工", 2)
    assert AuditEvent.objects.filter(action=Action.UPDATE).count() == 1


@pytest.mark.parametrize("header", ['"abc"', "W/", '"1", x', "1.5"])
def test_if_match_that_is_no_version_is_400(api_as, personas, town_worker, header):
    client = api_as(personas.town)
    client.headers["If-Match"] = header
    response = client.patch(f"workers/{town_worker.pk}", {"notes": "x"})
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "If-Match"
    assert Worker.objects.get(pk=town_worker.pk).notes == ""


def test_if_match_forms():
    assert versions_from_if_match(None) is None and versions_from_if_match("*") is None
    assert versions_from_if_match('"3"') == {3} == versions_from_if_match('W/"3"') == versions_from_if_match("3")
    assert versions_from_if_match('"3", "4"') == {3, 4}


def test_service_compares_with_the_stored_record_not_the_callers_copy(personas, town_worker):
    # Two officers read the record; the first changes the skills; the second, from its old copy,
    # changes only the notes: both changes are kept, the second's copy is brought up to date.
    first, second = Worker.objects.get(pk=town_worker.pk), Worker.objects.get(pk=town_worker.pk)
    worker_update(actor=personas.town, worker=first, data={"skills": "木工"})
    changes = worker_update(actor=personas.town, worker=second, data={"notes": "入户"})
    assert set(changes) == {"notes"}
    assert (second.skills, second.notes, second.version) == ("木工", "入户", 3)
    with pytest.raises(VersionConflict):
        worker_update(actor=personas.town, worker=second, data={"notes": "再改"}, expected_version=2)
    town_worker.refresh_from_db()
    assert (town_worker.skills, town_worker.notes, town_worker.version) == ("木工", "入户", 3)


def test_a_visit_adds_one_to_the_version_and_refuses_stale_corrections(personas, town_worker):
    visit_record(actor=personas.town, worker=town_worker, visited_on=dt.date(2025, 1, 6), result="confirmed")
    town_worker.refresh_from_db()
    assert (town_worker.last_verified_on, town_worker.version) == (dt.date(2025, 1, 6), 2)
    with pytest.raises(VersionConflict):
        visit_record(actor=personas.town, worker=town_worker, visited_on=dt.date(2025, 1, 7), result="corrected",
                     corrections={"notes": "更正"}, expected_version=1)
    town_worker.refresh_from_db()
    assert (town_worker.notes, town_worker.last_verified_on, town_worker.version) == ("", dt.date(2025, 1, 6), 2)


def test_import_update_adds_one_to_the_version(personas, town_worker, tmp_path):
    from anju.registry.imports import import_book
    from anju.registry.workbook import read_workbook

    path = tmp_path / "ledger.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["姓名", "公民身份号码", "手机号码", "现居住地区划代码", "就业状态", "备注"],
                                 ["张三", town_worker.id_number, "13800001234", TOWN, "失业", "导入更新"]])
    plan = import_book(read_workbook(path), actor=personas.town)
    assert plan.summary["updated"] == 1
    town_worker.refresh_from_db()
    assert (town_worker.notes, town_worker.version) == ("导入更新", 2)
    assert town_worker.history.latest("history_date").version == 2


def test_import_refuses_a_person_changed_between_its_read_and_its_write(personas, town_worker):
    from anju.registry import imports

    row = imports.PlannedRow(row=2, data={"notes": "导入"}, existing=Worker.objects.get(pk=town_worker.pk),
                             changes={"notes": ("", "导入")})
    worker_update(actor=personas.town, worker=Worker.objects.get(pk=town_worker.pk), data={"notes": "他人"})
    batch = imports._Batch(actor=personas.town, now=town_worker.updated_at, meta={})
    with pytest.raises(VersionConflict, match="第 2 行"):
        imports._update_workers([row], {}, batch)
    town_worker.refresh_from_db()
    assert (town_worker.notes, town_worker.version) == ("他人", 2)


# -- the edit form -----------------------------------------------------------------------------

def edit_post(worker: Worker, version: int, **changes) -> dict:
    form = WorkerForm(worker=worker)
    data = {name: value for name, value in form.initial.items() if name != "id_number"}
    data = {k: ("" if v is None else v) for k, v in data.items()} | {"version": version} | changes
    return data


def test_edit_form_with_a_stale_version_shows_the_conflict_and_saves_nothing(client, personas, town_worker):
    from django.urls import reverse

    client.force_login(personas.town)
    url = reverse("registry:worker_edit", args=[town_worker.pk])
    opened = client.get(url)
    assert b'name="version" value="1"' in opened.content
    stale = edit_post(town_worker, 1, notes="第二位经办员")
    worker_update(actor=personas.county, worker=town_worker, data={"skills": "木工"})  # the first officer saves

    response = client.post(url, stale)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="edit-conflict"' in page and "您的修改没有保存" in page
    # The field only the other officer changed now holds their value; this officer's change stays.
    form = response.context["form"]
    assert form["skills"].value() == "木工" and form["notes"].value() == "第二位经办员"
    assert 'data-testid="filled-skills"' in page and 'data-testid="current-' not in page
    assert 'name="version" value="2"' in page  # saving again is now a decision made knowing it
    town_worker.refresh_from_db()
    assert (town_worker.notes, town_worker.skills, town_worker.version) == ("", "木工", 2)

    response = client.post(url, stale | {"version": 2, "skills": form["skills"].value()})
    assert response.status_code == 302
    town_worker.refresh_from_db()
    assert (town_worker.notes, town_worker.skills, town_worker.version) == ("第二位经办员", "木工", 3)


def test_edit_form_conflict_on_the_same_field_shows_the_current_value_and_keeps_mine(client, personas, town_worker):
    from django.urls import reverse

    client.force_login(personas.town)
    url = reverse("registry:worker_edit", args=[town_worker.pk])
    stale = edit_post(town_worker, 1, notes="我的备注")
    worker_update(actor=personas.county, worker=town_worker, data={"notes": "他人的备注"})
    response = client.post(url, stale)
    page = response.content.decode()
    assert response.context["form"]["notes"].value() == "我的备注"
    assert 'data-testid="current-notes"' in page and "他人的备注" in page
    assert Worker.objects.get(pk=town_worker.pk).notes == "他人的备注"


def test_edit_form_with_a_tampered_version_is_refused_in_place(client, personas, town_worker):
    from django.urls import reverse

    client.force_login(personas.town)
    response = client.post(reverse("registry:worker_edit", args=[town_worker.pk]), edit_post(town_worker, 1) | {"version": "x"})
    assert response.status_code == 200
    assert "版本信息无效" in response.content.decode()
    assert Worker.objects.get(pk=town_worker.pk).version == 1


def test_edit_form_blank_phone_keeps_a_number_changed_meanwhile(client, personas, town_worker):
    from django.urls import reverse

    client.force_login(personas.town)
    data = edit_post(town_worker, 1, notes="只改备注")  # phone left blank: "do not change"
    assert data["phone"] == ""
    response = client.post(reverse("registry:worker_edit", args=[town_worker.pk]), data)
    assert response.status_code == 302
    town_worker.refresh_from_db()
    assert (town_worker.notes, town_worker.phone, town_worker.version) == ("只改备注", "13800001234", 2)
