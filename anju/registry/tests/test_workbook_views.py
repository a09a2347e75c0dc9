"""Import and export pages: upload -> preview -> confirm -> done with the immediate task backend;
error report and template downloads; masked and full exports with their audit events; three
personas (owner, colleague elsewhere, outsider)."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from anju.audit.models import AuditEvent
from anju.registry.models import ImportJob, Worker
from anju.registry.tests.factories import make_worker
from anju.registry.tests.workbook_data import id_for, worker_row, write_csv, write_xlsx
from anju.registry.validation import CERTIFICATE_COLUMNS, WORKER_COLUMNS

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def media_and_tasks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with override_settings(TASKS=IMMEDIATE):
        yield


def login(client, user):
    client.force_login(user)
    return client


def upload(client, path, name=None):
    with open(path, "rb") as f:
        data = SimpleUploadedFile(name or path.name, f.read())
    return client.post(reverse("registry:import_start"), {"file": data})


def test_upload_preview_confirm_done(client, personas, tmp_path):
    rows = [worker_row(i, street="350581001") for i in range(6)] + [worker_row(7, street="350581001", 手机号码="1")]
    login(client, personas.town)
    response = upload(client, write_xlsx(tmp_path / "台账.xlsx", rows))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("registry:import_detail", args=[job.pk])
    assert job.status == ImportJob.Status.VALIDATED and Worker.objects.count() == 0

    page = client.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200 and "确认导入" in html
    assert job.summary["created"] == 6 and job.summary["rejected"] == 1
    assert "手机号码" in html and ">8<" in html  # the bad row's sheet row number and column

    report = client.get(reverse("registry:import_error_report", args=[job.pk]))
    assert report.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content)))["人员"]
    assert sheet.cell(8, sheet.max_column).value.startswith("手机号码")

    done = client.post(reverse("registry:import_confirm", args=[job.pk]))
    assert done.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.summary["created"] == 6
    assert not job.file  # the upload (ID numbers in clear) is gone once imported
    assert Worker.objects.count() == 6
    assert AuditEvent.objects.filter(action="import", object_id=str(job.pk)).count() == 1
    html = client.get(done.url).content.decode()
    assert "导入完成" in html and reverse("registry:worker_list") in html
    # A second confirmation is refused, not repeated.
    client.post(reverse("registry:import_confirm", args=[job.pk]))
    assert AuditEvent.objects.filter(action="import").count() == 1


def test_progress_fragment_and_refresh(client, personas, tmp_path):
    login(client, personas.town)
    job = ImportJob.objects.create(created_by=personas.town, filename="x.xlsx", status=ImportJob.Status.VALIDATING,
                                   total_count=200, done_count=50)
    url = reverse("registry:import_progress", args=[job.pk])
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and b"25%" in fragment.content and b"<html" not in fragment.content
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.VALIDATED)
    finished = client.get(url, headers={"HX-Request": "true"})
    assert finished["HX-Refresh"] == "true"


def test_confirm_revalidates(client, personas, tmp_path):
    login(client, personas.town)
    upload(client, write_xlsx(tmp_path / "a.xlsx", [worker_row(1, street="350581001")]))
    job = ImportJob.objects.get()
    make_worker(residence="350581002000", id_number=id_for(1))  # registered elsewhere meanwhile
    client.post(reverse("registry:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.summary["created"], job.summary["rejected"]) == (0, 1)


@pytest.mark.parametrize("name, content, message", [
    ("a.pdf", b"%PDF-1.4", "只能导入"),
    ("a.xls", b"\xd0\xcf\x11\xe0", "只能导入"),
    ("a.xlsx", b"not a zip at all", "不是有效的 .xlsx"),
    ("a.csv", b"", "空"),
])
def test_bad_uploads_get_a_clear_message(client, personas, name, content, message):
    login(client, personas.town)
    response = client.post(reverse("registry:import_start"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400 and message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_too_large_upload_and_broken_workbook(client, personas, settings):
    settings.ANJU_MAX_UPLOAD_BYTES = 10
    login(client, personas.town)
    response = client.post(reverse("registry:import_start"), {"file": SimpleUploadedFile("a.csv", b"x" * 11)})
    assert response.status_code == 400 and "文件太大" in response.content.decode()
    settings.ANJU_MAX_UPLOAD_BYTES = 10**6
    response = client.post(reverse("registry:import_start"), {"file": SimpleUploadedFile("a.xlsx", b"PK\x03\x04junk")})
    # A broken zip is refused by the page itself, before any job is made.
    assert response.status_code == 400 and "Excel" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_bomb_workbook_is_refused_by_the_page(client, personas, tmp_path):
    from anju.lib.tests.test_sheets import bomb

    login(client, personas.town)
    path = bomb(tmp_path / "bomb.xlsx", "XFD1048576", dimension="A1:B2")
    response = upload(client, path)
    assert response.status_code == 400 and "超出导入上限" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_csv_over_the_row_limit_fails_its_job_and_the_upload_is_deleted(client, personas, tmp_path, settings):
    settings.ANJU_IMPORT_MAX_ROWS = 5
    login(client, personas.town)
    path = write_csv(tmp_path / "long.csv", [worker_row(i, street="350581001") for i in range(30)])
    response = upload(client, path)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED and "超过导入上限" in job.message and job.finished_at
    assert not job.file and not list((settings.MEDIA_ROOT / "imports").rglob("*.csv"))
    assert "超过导入上限" in client.get(response.url).content.decode()


def test_errors_kept_on_the_job_are_capped_the_report_has_all(client, personas, tmp_path, monkeypatch):
    from anju.workflow import tabular

    monkeypatch.setattr(tabular, "ERRORS_KEPT", 3)
    login(client, personas.town)
    rows = [worker_row(i, street="350581001", 手机号码="1") for i in range(5)]
    response = upload(client, write_xlsx(tmp_path / "bad.xlsx", rows))
    job = ImportJob.objects.get()
    assert len(job.errors) == 3 and job.summary["errors_total"] == 5 and job.summary["rejected"] == 5
    page = client.get(response.url).content.decode()
    assert 'data-testid="errors-capped"' in page
    report = openpyxl.load_workbook(io.BytesIO(client.get(reverse("registry:import_error_report", args=[job.pk]))
                                               .getvalue()))
    reasons = [row[-1] for row in report["人员"].iter_rows(min_row=2, values_only=True)]
    assert len([r for r in reasons if r]) == 5


def test_jobs_are_private_and_import_needs_the_right(client, personas, tmp_path):
    login(client, personas.town)
    upload(client, write_xlsx(tmp_path / "a.xlsx", [worker_row(1, street="350581001")]))
    job = ImportJob.objects.get()
    client.force_login(personas.town2)  # a colleague in another street
    for name in ("import_detail", "import_progress", "import_error_report"):
        assert client.get(reverse(f"registry:{name}", args=[job.pk])).status_code == 404
    assert client.post(reverse("registry:import_confirm", args=[job.pk])).status_code == 404
    client.force_login(personas.union)  # an outsider: no import right at all
    assert client.get(reverse("registry:import_start")).status_code == 403
    assert client.get(reverse("registry:import_detail", args=[job.pk])).status_code == 403
    client.logout()
    assert client.get(reverse("registry:import_start")).status_code == 302


def test_template_download(client, personas):
    login(client, personas.town)
    response = client.get(reverse("registry:import_template"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["人员", "证书"]
    assert [c.value for c in book["人员"][1]] == [label for _f, label in WORKER_COLUMNS]
    assert [c.value for c in book["证书"][1]] == [label for _f, label in CERTIFICATE_COLUMNS]
    assert book["人员"].max_row == 2 and book["证书"].max_row == 2


def export_book(response):
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_export_masked_full_and_audited(client, personas):
    mine = make_worker(residence="350581001000", name="甲", id_number=id_for(1))
    make_worker(residence="350581002000", name="乙", id_number=id_for(2))
    make_worker(residence="141127100000", name="丙", id_number=id_for(3))

    login(client, personas.town)
    book = export_book(client.get(reverse("registry:worker_export")))
    rows = list(book["人员"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["甲"] and rows[0][1] == mine.id_number_masked
    assert client.get(reverse("registry:worker_export") + "?full=1").status_code == 403
    event = AuditEvent.objects.get(action="export")
    assert event.detail["rows"] == 1 and event.detail["full"] is False

    login(client, personas.county)
    book = export_book(client.get(reverse("registry:worker_export") + "?full=1&region=350581001"))
    rows = list(book["人员"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[4]) for r in rows] == [("甲", id_for(1), "13800001234")]
    event = AuditEvent.objects.filter(action="export", actor=personas.county).get()
    assert event.detail == {"filters": {"region": "350581001"}, "rows": 1, "full": True, "format": "xlsx"}
    # A region outside the jurisdiction narrows to nothing; one that is not a division code is refused.
    book = export_book(client.get(reverse("registry:worker_export") + "?region=141127"))
    assert list(book["人员"].iter_rows(min_row=2, values_only=True)) == []
    assert client.get(reverse("registry:worker_export") + "?region=35x").status_code == 400

    login(client, personas.lanxian)  # a colleague in another county sees only theirs
    names = [r[0] for r in export_book(client.get(reverse("registry:worker_export")))["人员"].iter_rows(min_row=2, values_only=True)]
    assert names == ["丙"]


def test_export_csv_and_round_trip(client, personas, tmp_path):
    rows = [worker_row(i, street="350581001") for i in range(5)]
    from anju.registry.imports import ledger_import, plan_import
    from anju.registry.workbook import read_workbook

    ledger_import(actor=personas.county, plan=plan_import(read_workbook(write_xlsx(tmp_path / "a.xlsx", rows)),
                                                          actor=personas.county))
    login(client, personas.county)
    response = client.get(reverse("registry:worker_export") + "?format=csv&status=employed")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][:2] == ["姓名", "公民身份号码"]
    assert len(lines) - 1 == Worker.objects.filter(employment_status="employed").count()
    # The full export reads back as the same ledger: nothing to create or update.
    full = client.get(reverse("registry:worker_export") + "?full=1")
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"".join(full.streaming_content))
    summary = plan_import(read_workbook(path), actor=personas.county).summary
    assert (summary["created"], summary["updated"], summary["unchanged"], summary["rejected"]) == (0, 0, 5, 0)


@pytest.mark.parametrize("value", ["=1+2", "+1+2", "-1+2", "@SUM(A1)", "\t=1", "\r=1"])
def test_csv_export_neutralises_formulas(client, personas, value):
    """The ledger CSV export goes through lib.sheets.csv_lines: a note that a spreadsheet would
    run as a formula is written with a leading quote."""
    make_worker(name="公式", notes=value)
    login(client, personas.county)
    response = client.get(reverse("registry:worker_export") + "?format=csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text, newline="")))
    notes = [line[-1] for line in lines[1:] if line[0] == "公式"]
    assert notes == ["'" + value]


def test_export_query_count_is_bounded(client, personas, django_assert_max_num_queries):
    for i in range(30):
        make_worker(residence="350581001000", id_number=id_for(i))
    login(client, personas.county)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("registry:worker_export"))
        book = export_book(response)
    assert book["人员"].max_row == 31


def test_old_uploads_and_error_reports_are_purged(personas, tmp_path, settings):
    import datetime as dt
    import os

    from django.core.files.base import ContentFile
    from django.core.management import call_command
    from django.utils import timezone

    from anju.registry.models import ImportJob

    settings.MEDIA_ROOT = tmp_path
    job = ImportJob.objects.create(created_by=personas.town, filename="x.xlsx")
    job.file.save("x.xlsx", ContentFile(b"id numbers"))
    job.error_report.save("x.errors.xlsx", ContentFile(b"id numbers"))
    recent = ImportJob.objects.create(created_by=personas.town, filename="y.xlsx")
    recent.file.save("y.xlsx", ContentFile(b"id numbers"))
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    path = job.file.path
    call_command("purge-imports", "--days", "7")
    job.refresh_from_db()
    recent.refresh_from_db()
    assert not job.file and not job.error_report and not os.path.exists(path)
    assert recent.file
