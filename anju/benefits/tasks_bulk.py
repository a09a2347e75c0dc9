"""Background work of the bulk pages: a BulkJob run by the task worker, with its progress.

    job = bulk_job_create(actor=..., kind=BulkJob.Kind.FROM_SCAN, scan=scan_job)
    run_bulk.enqueue(job.pk)
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks import task

from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.benefits import bulk
from anju.benefits.models import BulkJob
from anju.benefits.services import BenefitError
from anju.workflow.jobs import JobFailure, job_running, job_task


@transaction.atomic
def bulk_job_create(*, actor, kind: str, policy_id: str, region_prefix: str = "", scan=None, step_code: str = "",
                    reason: str = "") -> BulkJob:
    """A queued bulk job; the caller enqueues `run_bulk` with its id after commit."""
    job = BulkJob(kind=kind, policy_id=policy_id, region_prefix=region_prefix, scan_job=scan, step_code=step_code,
                  reason=reason, created_by=actor)
    job.full_clean()
    job.save()
    audit_record(actor=actor, action=Action.CREATE, obj=job, object_type="bulk_job",
                 region_code=region_prefix.ljust(12, "0") if region_prefix else "",
                 detail={"kind": kind, "policy": policy_id, "scan_job": scan.pk if scan else None, "step": step_code})
    return job


@job_task(BulkJob)
@task()
def run_bulk(job_id: int) -> None:
    with job_running(BulkJob, job_id) as job:
        if job is not None:
            run(job)


def run(job: BulkJob) -> None:
    job.start()
    actor = job.created_by

    def progress(done: int, total: int) -> None:
        _progress(job, min(done, total), total)

    work = bulk.applications_from_scan if job.kind == BulkJob.Kind.FROM_SCAN else bulk.step_pass_many
    try:
        work(actor=actor, job=job, progress=progress)
    except BenefitError as exc:
        _save_counts(job)
        done = job.created_count
        message = exc.text()
        if done:
            message = _("%(message)s（已处理 %(done)s 件，再次提交时已处理的会跳过。）") % {"message": message, "done": done}
        raise JobFailure(message) from exc
    except Exception:
        _save_counts(job)
        if job.created_count:
            raise JobFailure(_("任务中途失败：已处理 %(done)s 件（已记录），其余未处理；请重新提交，已处理的会跳过。")
                             % {"done": job.created_count}) from None
        raise
    job.finish(created_count=job.created_count, skipped_count=job.skipped_count, report=job.report)


def _progress(job: BulkJob, done: int, total: int) -> None:
    # Job.report (progress) is shadowed by BulkJob's `report` field (the summary): call the base.
    from anju.workflow.jobs import Job

    Job.report(job, done, total)


def _save_counts(job: BulkJob) -> None:
    BulkJob.objects.filter(pk=job.pk).update(created_count=job.created_count, skipped_count=job.skipped_count,
                                             report=job.report)
