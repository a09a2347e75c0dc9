"""Workbooks that would kill a worker are refused, in the page, the task and `anju import-ledger`,
within seconds and in bounded memory: the 2 KB bomb with one cell at XFD1048576, a sheet of
1.5 million one-cell rows (the issue's 7 MB workbook; read uncapped it takes about 8 s, 150 MB of
Python objects and 800 MB of memory), and a genuine ledger over ANJU_IMPORT_MAX_ROWS.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import resource
import time
import tracemalloc
import zipfile

import pytest
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from anju.lib.tests.test_sheets import _CONTENT_TYPES, _ROOT_RELS, _WORKBOOK, _WORKBOOK_RELS, bomb
from anju.registry.models import ImportJob, Worker
from anju.registry.tasks import validate_import
from anju.registry.tests.workbook_data import worker_row, write_xlsx

SECONDS = 5
PYTHON_MB = 64  # the page holds the upload itself (11 MB) a few times over
RSS_MB = 200


def long_sheet(path, rows: int):
    """A header and `rows` - 1 one-cell rows, written as a stream (never whole in memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in (("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _ROOT_RELS),
                           ("xl/workbook.xml", _WORKBOOK), ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)):
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                         '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                         '<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>').encode())
            for start in range(2, rows + 1, 50_000):
                sheet.write("".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>'
                                    for r in range(start, min(start + 50_000, rows + 1))).encode())
            sheet.write(b"</sheetData></worksheet>")
    return path


@pytest.fixture(scope="module")
def million_rows(tmp_path_factory):
    return long_sheet(tmp_path_factory.mktemp("sheets") / "百万行.xlsx", 1_500_000)


@pytest.fixture(params=["bomb", "million_rows", "over_cap"])
def sheet(request, tmp_path, settings):
    """(path, what the refusal names) of each kind of workbook."""
    if request.param == "bomb":
        return bomb(tmp_path / "bomb.xlsx", "XFD1048576", dimension="A1:B2"), "XFD1048576"
    if request.param == "million_rows":
        # The scan names a cell past the cap (not necessarily the first one), and the cap itself.
        return request.getfixturevalue("million_rows"), "200,000"
    settings.ANJU_IMPORT_MAX_ROWS = 50
    return write_xlsx(tmp_path / "台账.xlsx", [worker_row(i, street="350581001") for i in range(70)]), "导入上限为 50 行"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return settings.MEDIA_ROOT


@contextlib.contextmanager
def fast_and_small():
    """The block runs within SECONDS, allocates at most PYTHON_MB of Python objects, and grows
    the process's peak memory (calamine's own allocations included) by at most RSS_MB."""
    gc.collect()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    tracemalloc.start()
    started = time.monotonic()
    try:
        yield
    finally:
        elapsed = time.monotonic() - started
        python_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert elapsed < SECONDS, f"took {elapsed:.1f} s"
    assert python_peak < PYTHON_MB * 2**20, f"{python_peak / 2**20:.0f} MB of Python objects"
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert grown < RSS_MB, f"peak memory grew by {grown:.0f} MB"


def test_the_page_refuses_it_before_any_job_is_made(client, personas, sheet):
    path, named = sheet
    client.force_login(personas.town)
    assert client.get(reverse("registry:import_start")).status_code == 200  # not timing the first request
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    with fast_and_small():
        response = client.post(reverse("registry:import_start"), {"file": upload})
    page = response.content.decode()
    assert response.status_code == 400 and named in page and "导入上限为" in page
    assert not ImportJob.objects.exists()

    client.cookies["django_language"] = "en"
    upload.seek(0)
    page = client.post(reverse("registry:import_start"), {"file": upload}).content.decode()
    assert "The import limit is" in page and named.replace("导入上限为 50 行", "50 rows") in page


def test_the_task_fails_the_job_and_deletes_the_upload(personas, sheet, media):
    """A file that reached the queue anyway (uploaded before the limits were lowered, or by
    another way in) fails its job with the same message."""
    path, named = sheet
    with path.open("rb") as f:
        job = ImportJob.objects.create(created_by=personas.town, filename=path.name, file=File(f, name=path.name))
    assert list(media.rglob("*.xlsx"))
    with fast_and_small(), translation.override("zh-hans"):
        validate_import.call(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.finished_at and job.claimed_at is None
    assert named in job.message and "导入上限为" in job.message
    assert not job.file and not list(media.rglob("*.xlsx")) and not Worker.objects.exists()


def test_the_command_refuses_it(personas, sheet):
    path, named = sheet
    out, err = io.StringIO(), io.StringIO()
    with fast_and_small(), pytest.raises(SystemExit) as exited, translation.override("zh-hans"):
        call_command("import-ledger", str(path), "--as", "t-county", stdout=out, stderr=err)
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert exited.value.code == 2 and named in result["error"] and "导入上限为" in result["error"]
    assert result["created"] == 0 and not Worker.objects.exists()
