"""Background tasks of the benefits work.

Comparison imports (anju.benefits.sources): the preview and the commit of a ComparisonImport,
each inside `workflow.jobs.job_running`; a failed job's upload and error report are deleted.
"""

from __future__ import annotations

from django_tasks import task

from anju.benefits import sources
from anju.benefits.models import ComparisonImport
from anju.lib.errors import AnjuError
from anju.workflow.jobs import job_running, job_task


def _source_job(job_id: int, phase: str, run) -> None:
    queryset = ComparisonImport.objects.select_related("created_by").filter(report__phase=phase)
    with job_running(ComparisonImport, job_id, expected=(AnjuError,), queryset=queryset) as job:
        if job is not None:
            run(job)
    job = ComparisonImport.objects.filter(pk=job_id, status=ComparisonImport.FAILED).first()
    if job is not None:
        sources.delete_files(job)


@job_task(ComparisonImport)
@task()
def preview_source(job_id: int) -> None:
    _source_job(job_id, sources.PREVIEW, sources.preview_job)


@job_task(ComparisonImport)
@task()
def commit_source(job_id: int) -> None:
    _source_job(job_id, sources.COMMIT, sources.commit_job)
