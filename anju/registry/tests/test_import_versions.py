"""The import's confirm step against edits saved after its preview (issue 9, finding 1): the
preview keeps the version of every stored person it showed a row against; the confirm rejects
the rows of people changed since (the reason in the page's errors and the error report) and
writes the rest. `anju import-ledger` has no preview and compares with the ledger as it is."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from anju.audit.models import AuditEvent
from anju.registry.imports import CHANGED_SINCE_PREVIEW, import_book
from anju.registry.models import ImportJob, Worker
from anju.registry.services import visit_record, worker_update
from anju.registry.tests.factories import make_worker
from anju.registry.tests.workbook_data import id_for, worker_row, write_xlsx
from anju.registry.workbook import read_workbook

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
TOWN = "350581001000"


@pytest.fixture(autouse=True)
def media_and_tasks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with override_settings(TASKS=IMMEDIATE):
        yield


def rows_of(*numbers: int, **over) -> list[dict]:
    return [worker_row(i, street="350581001", **over) for i in numbers]


def stored(personas, tmp_path, rows) -> dict[str, Worker]:
    """Import `rows` (as the command would), so that the same rows preview as unchanged."""
    import_book(read_workbook(write_xlsx(tmp_path / "before.xlsx", rows)), actor=personas.town)
    return {w.name: w for w in Worker.objects.all()}


def preview(client, personas, tmp_path, rows) -> ImportJob:
    client.force_login(personas.town)
    path = write_xlsx(tmp_path / "台账.xlsx", rows)
    client.post(reverse("registry:import_start"), {"file": SimpleUploadedFile(path.name, path.read_bytes())})
    job = ImportJob.objects.get(filename=path.name, status=ImportJob.Status.VALIDATED)
    return job


def confirm(client, job: ImportJob) -> ImportJob:
    client.post(reverse("registry:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    return job


def by_id(number: str) -> Worker:
    return next(w for w in Worker.objects.all() if w.id_number == number)


def test_the_preview_keeps_the_version_of_each_person_it_matched_and_the_confirm_clears_them(
        client, personas, tmp_path):
    rows = rows_of(1, 2)
    stored(personas, tmp_path, rows)
    first, second = by_id(id_for(1)), by_id(id_for(2))
    worker_update(actor=personas.town, worker=second, data={"notes": "已走访"})  # version 2
    job = preview(client, personas, tmp_path, rows + rows_of(3))
    assert (job.summary["unchanged"], job.summary["updated"], job.summary["created"]) == (1, 1, 1)
    assert job.previewed_versions == {str(first.pk): 1, str(second.pk): 2}  # the new row has none
    job = confirm(client, job)
    assert job.previewed_versions == {} and job.summary["rejected"] == 0
    assert by_id(id_for(2)).notes == rows[1]["备注"] and Worker.objects.count() == 3


def test_a_person_edited_after_the_preview_is_refused_and_the_rest_is_written(client, personas, tmp_path):
    rows = rows_of(1, 2, 3)
    stored(personas, tmp_path, rows)
    edited, untouched = by_id(id_for(1)), by_id(id_for(2))
    job = preview(client, personas, tmp_path, [*rows[:2], {**rows[2], "技能特长": "电工"}, *rows_of(4)])
    assert (job.summary["unchanged"], job.summary["updated"], job.summary["created"]) == (2, 1, 1)
    # Another officer changes a person the preview showed as unchanged, and (below) the one
    # the preview showed as updated.
    worker_update(actor=personas.county, worker=edited, data={"skills": "电焊", "notes": "他人修改"})
    worker_update(actor=personas.county, worker=by_id(id_for(3)), data={"notes": "他人修改"})
    job = confirm(client, job)

    assert (job.summary["created"], job.summary["updated"], job.summary["unchanged"], job.summary["rejected"]) \
        == (1, 0, 1, 2)
    assert {(e["row"], e["column"], e["reason_zh"]) for e in job.errors} == {
        (2, "公民身份号码", CHANGED_SINCE_PREVIEW), (4, "公民身份号码", CHANGED_SINCE_PREVIEW)}
    edited.refresh_from_db()
    assert (edited.skills, edited.notes, edited.version) == ("电焊", "他人修改", 2)  # the edit stands
    third = by_id(id_for(3))
    assert (third.skills, third.notes, third.version) == (rows[2]["技能特长"], "他人修改", 2)
    untouched.refresh_from_db()
    assert untouched.version == 1 and Worker.objects.filter(name=rows_of(4)[0]["姓名"]).exists()
    # The error report says so too, and the import's audit counts the refused rows.
    report = client.get(reverse("registry:import_error_report", args=[job.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content)))["人员"]
    assert CHANGED_SINCE_PREVIEW in sheet.cell(2, sheet.max_column).value
    assert AuditEvent.objects.get(action="import", object_id=str(job.pk)).detail["rejected"] == 2


def test_a_person_registered_after_the_preview_showed_the_row_as_new_is_refused(client, personas, tmp_path):
    rows = rows_of(1)
    job = preview(client, personas, tmp_path, rows)
    assert job.summary["created"] == 1 and job.previewed_versions == {}
    registered = make_worker(residence=TOWN, name="他人登记", id_number=id_for(1))
    job = confirm(client, job)
    assert (job.summary["created"], job.summary["updated"], job.summary["rejected"]) == (0, 0, 1)
    assert job.errors[0]["reason_zh"] == CHANGED_SINCE_PREVIEW
    registered.refresh_from_db()
    assert registered.name == "他人登记" and Worker.objects.count() == 1


def test_a_change_since_the_preview_that_leaves_nothing_to_write_is_not_refused(client, personas, tmp_path):
    """A verification visit (version + 1, no field of the file) on a row previewed unchanged,
    and an edit that made a person equal to the file: nothing would be undone."""
    rows = rows_of(1, 2)
    stored(personas, tmp_path, rows)
    visited, equalled = by_id(id_for(1)), by_id(id_for(2))
    job = preview(client, personas, tmp_path, [rows[0], {**rows[1], "备注": "新备注"}])
    assert (job.summary["unchanged"], job.summary["updated"]) == (1, 1)
    visit_record(actor=personas.town, worker=visited, visited_on=dt.date.today() - dt.timedelta(days=1),
                 result="confirmed")
    worker_update(actor=personas.county, worker=equalled, data={"notes": "新备注"})
    job = confirm(client, job)
    assert (job.summary["unchanged"], job.summary["updated"], job.summary["rejected"]) == (2, 0, 0)
    visited.refresh_from_db()
    assert visited.version == 2 and visited.last_verified_on is not None


def test_the_command_has_no_preview_and_compares_with_the_ledger_as_it_is(personas, tmp_path):
    rows = rows_of(1)
    stored(personas, tmp_path, rows)
    worker_update(actor=personas.county, worker=by_id(id_for(1)), data={"notes": "他人修改"})
    out = io.StringIO()
    call_command("import-ledger", str(write_xlsx(tmp_path / "again.xlsx", rows)), "--as", personas.town.username,
                 stdout=out, stderr=io.StringIO())
    worker = by_id(id_for(1))
    assert (worker.notes, worker.version) == (rows[0]["备注"], 3)  # the file is the newer word


def test_the_job_pages_do_not_load_the_versions(client, personas, tmp_path):
    rows = rows_of(1, 2)
    stored(personas, tmp_path, rows)
    job = preview(client, personas, tmp_path, rows)
    assert len(job.previewed_versions) == 2
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("registry:import_detail", args=[job.pk]))
    assert page.status_code == 200 and "确认导入" in page.content.decode()
    job_reads = [q["sql"] for q in queries if "registry_importjob" in q["sql"] and q["sql"].startswith("SELECT")]
    assert job_reads and not any("previewed_versions" in sql for sql in job_reads)
