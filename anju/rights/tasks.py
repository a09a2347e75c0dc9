"""Background tasks of rights protection.

Contractor uploads (anju.rights.imports): one task checks every row of a roster, attendance,
payroll or bank statement workbook and, when all pass, writes them, inside
`workflow.jobs.job_running`; a failed job's upload is deleted (it holds ID numbers in clear).
"""

from __future__ import annotations

from django_tasks import task

from anju.lib.errors import AnjuError
from anju.rights import imports
from anju.rights.models import ProjectImport
from anju.workflow import uploads
from anju.workflow.jobs import job_running, job_task


@job_task(ProjectImport)
@task()
def import_project_data(job_id: int) -> None:
    queryset = ProjectImport.objects.select_related("created_by", "project")
    with job_running(ProjectImport, job_id, expected=(AnjuError,), queryset=queryset) as job:
        if job is not None:
            imports.run_job(job)
    job = ProjectImport.objects.filter(pk=job_id).exclude(stored_name="").first()
    if job is not None and job.status == ProjectImport.FAILED:
        uploads.delete_upload(job)
