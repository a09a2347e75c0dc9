"""Background tasks of the employment work.

Posting imports (anju.employment.imports): one task checks every row and, when all pass, writes
the postings, inside `workflow.jobs.job_running`; a failed job's upload is deleted (it holds
contact phone numbers in clear).

After a ledger workbook import (which writes in bulk, without the per-worker signal), the seekers
it made stale or that it added are indexed by `index_stale_seekers`, so matching sees them within
minutes instead of at the next hourly `anju index-seekers`.
"""

from __future__ import annotations

from django_tasks import task

from anju.employment import imports
from anju.employment.models import PostingImport
from anju.lib.errors import AnjuError
from anju.workflow import uploads
from anju.workflow.jobs import job_running, job_task


@job_task(PostingImport)
@task()
def import_postings(job_id: int) -> None:
    queryset = PostingImport.objects.select_related("created_by", "campaign")
    with job_running(PostingImport, job_id, expected=(AnjuError,), queryset=queryset) as job:
        if job is not None:
            imports.run_job(job)
    job = PostingImport.objects.filter(pk=job_id).exclude(stored_name="").first()
    if job is not None and job.status == PostingImport.FAILED:
        uploads.delete_upload(job)


@task()
def index_stale_seekers() -> None:
    from anju.employment import seekers

    seekers.refresh_all(everyone=False)
