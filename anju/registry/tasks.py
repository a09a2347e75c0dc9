"""Background work of the ledger: validating and committing an uploaded workbook (ImportJob).

Both tasks take the job's id, record progress on the job as they go, and never leave a job
stuck in a running state: any failure marks it failed with a message for the page.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.core.files import File
from django.utils.translation import gettext as _
from django_tasks import task

from anju.registry.imports import ImportPlan, import_book, plan_import
from anju.registry.models import ImportJob
from anju.registry.workbook import WorkbookError, read_workbook, write_error_report

logger = logging.getLogger(__name__)
Status = ImportJob.Status


@task()
def validate_import(job_id: int) -> None:
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    with _failing_safely(job):
        plan = _plan(job)
        _store_plan(job, plan, status=Status.VALIDATED)


@task()
def commit_import(job_id: int) -> None:
    """Re-validate (the ledger may have changed since the preview) and write the valid rows, in
    one pass and one transaction. Progress written inside the transaction would only be seen
    when it commits, so the page shows this phase as under way (no row count) until done."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != Status.IMPORTING:
        return
    with _failing_safely(job):
        with _local_copy(job) as path:
            book = read_workbook(path, filename=job.filename)
        job.message = ""
        _progress(job, "writing")(0, job.total_rows)
        plan = import_book(book, actor=job.created_by, filename=job.filename, job_id=job.pk)
        _store_plan(job, plan, status=Status.DONE)
        # The upload holds ID numbers in clear; once imported, the ledger (encrypted) is the copy
        # of record. The error report (rejected rows) stays for the user until purged.
        job.file.delete(save=True)


def _plan(job: ImportJob) -> ImportPlan:
    with _local_copy(job) as path:
        book = read_workbook(path, filename=job.filename)
    job.message = ""
    return plan_import(book, actor=job.created_by, progress=_progress(job, "validating"))


def _store_plan(job: ImportJob, plan: ImportPlan, *, status: str, summary: dict | None = None) -> None:
    job.summary = summary or plan.summary
    job.errors = [e.as_dict() for e in plan.errors]
    job.total_rows = job.processed_rows = plan.total_rows
    if plan.rejected:
        with tempfile.TemporaryFile() as f:
            write_error_report(plan.book, plan.reasons(), f)
            f.seek(0)
            job.error_report.save(f"{Path(job.filename).stem}.errors.xlsx", File(f), save=False)
    else:
        job.error_report = ""
    job.status = status
    job.save()


def _progress(job: ImportJob, phase: str):
    def report(done: int, total: int) -> None:
        # Validation runs in autocommit, so the page's bar moves with it; the commit runs in one
        # transaction, so it reports once, before it starts.
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=done, total_rows=total,
                                                   message=phase)
    return report


@contextlib.contextmanager
def _local_copy(job: ImportJob) -> Iterator[Path]:
    """A local path for the uploaded file, whatever the storage."""
    try:
        local = job.file.path
    except NotImplementedError:
        local = None
    if local:
        yield Path(local)
        return
    suffix = Path(job.filename).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp, job.file.open("rb") as src:
        shutil.copyfileobj(src, tmp)
        tmp.flush()
        yield Path(tmp.name)


@contextlib.contextmanager
def _failing_safely(job: ImportJob) -> Iterator[None]:
    try:
        yield
    except WorkbookError as exc:
        _fail(job, str(exc))
    except Exception:
        logger.exception("import job %s failed", job.pk)
        _fail(job, _("导入失败：系统错误，数据未作任何修改。请稍后重试，或联系管理员。"))


def _fail(job: ImportJob, message: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(status=Status.FAILED, message=message)
