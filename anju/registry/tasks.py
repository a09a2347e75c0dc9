"""Background work of the ledger: validating and committing an uploaded workbook (ImportJob).

Both tasks take the job's id and run inside `workflow.jobs.job_running`: progress is recorded on
the job as they go, and a failure marks the job failed with a message for the page (a file that
cannot be read, or is over the import limits, with its own message) and deletes the upload and
any error report (`ImportJob.job_files`) — as does `jobs_recover` when the worker dies.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.core.files import File
from django_tasks import task

from anju.lib.sheets import SheetError
from anju.lib.versioning import VersionConflict
from anju.registry.imports import ImportPlan, import_book, plan_import
from anju.registry.models import ImportJob
from anju.registry.workbook import read_workbook, write_error_report
from anju.workflow.jobs import job_running, job_task
from anju.workflow.tabular import stored_errors

Status = ImportJob.Status
_JOBS = ImportJob.objects.select_related("created_by")


@job_task(ImportJob)
@task()
def validate_import(job_id: int) -> None:
    with _running(job_id, Status.VALIDATING) as job:
        if job is None:
            return
        with _local_copy(job) as path:
            book = read_workbook(path, filename=job.filename)
        job.report(0, message="")
        plan = plan_import(book, actor=job.created_by, progress=_progress(job, "validating"))
        # With the preview, the version of each stored person it showed a row against: the
        # confirm refuses the rows of people changed since (`import_book`'s `previewed`).
        _store_plan(job, plan, status=Status.VALIDATED, previewed_versions=plan.versions)


@job_task(ImportJob)
@task()
def commit_import(job_id: int) -> None:
    """Re-validate (the ledger may have changed since the preview) and write the valid rows, in
    one pass and one transaction; a row whose person was changed since the preview is rejected
    with the reason in the error report, the others are written. Progress written inside the
    transaction would only be seen when it commits, so the page shows this phase as under way
    (no row count) until done."""
    with _running(job_id, Status.IMPORTING) as job:
        if job is None:
            return
        with _local_copy(job) as path:
            book = read_workbook(path, filename=job.filename)
        job.report(0, job.total_count, message="writing")
        previewed = job.take_previewed_versions()
        plan = import_book(book, actor=job.created_by, filename=job.filename, job_id=job.pk, previewed=previewed)
        _store_plan(job, plan, status=Status.DONE)
        # The upload holds ID numbers in clear; once imported, the ledger (encrypted) is the copy
        # of record. The error report (rejected rows) stays for the user until purged.
        job.file.delete(save=True)


@contextlib.contextmanager
def _running(job_id: int, state: str) -> Iterator[ImportJob | None]:
    with job_running(ImportJob, job_id, expected=(SheetError, VersionConflict), states=(state,), queryset=_JOBS) as job:
        yield job


def _store_plan(job: ImportJob, plan: ImportPlan, *, status: str, **fields) -> None:
    report = ""
    if plan.rejected:
        with tempfile.TemporaryFile() as f:
            write_error_report(plan.book, plan.reasons(), f)
            f.seek(0)
            job.error_report.save(f"{Path(job.filename).stem}.errors.xlsx", File(f), save=False)
            report = job.error_report.name
    summary = plan.summary | {"errors_total": len(plan.errors)}
    job.finish(status=status, summary=summary, errors=stored_errors(plan.errors), error_report=report,
               total_count=plan.total_rows, done_count=plan.total_rows, **fields)


def _progress(job: ImportJob, phase: str):
    def report(done: int, total: int) -> None:
        # Validation runs in autocommit, so the page's bar moves with it.
        job.report(done, total, message=phase)
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
