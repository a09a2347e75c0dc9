"""The upload a tabular-import job keeps while it runs: a storage name in a plain `stored_name`
column (no FileField, so no upload-path rules apply), and the error report written beside it.
Every import job that stores its upload this way uses these, not a copy (posting imports, the
contractors' project uploads, the comparison rosters' `job_files`)."""

from __future__ import annotations

import io
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.db.models.fields.files import FieldFile

from anju.workflow import tabular


def stored_files(job: models.Model) -> list[FieldFile]:
    """The job's upload as the file it names, for `Job.job_files` (deleted when the job fails)."""
    if not job.stored_name:
        return []
    field = models.FileField()
    field.set_attributes_from_name("stored_name")
    return [FieldFile(job, field, job.stored_name)]


def path_of(job: models.Model) -> str:
    return default_storage.path(job.stored_name)


def delete_upload(job: models.Model) -> None:
    """Delete the upload (it holds ID or phone numbers in clear) once the job has ended."""
    if job.stored_name:
        default_storage.delete(job.stored_name)
        type(job).objects.filter(pk=job.pk).update(stored_name="")
        job.stored_name = ""


def phase(job, default: str) -> str:
    """Where a job stands: its failure, else the phase its report records (`default` before any)."""
    if job.status == job.FAILED:
        return job.status
    return (job.report or {}).get("phase", default)


def error_report(job: models.Model, plan: tabular.Plan) -> str:
    """The workbook as read with a 错误原因 column, saved beside the upload; '' when no row failed."""
    reasons = plan.reasons()
    if not reasons:
        return ""
    buffer = io.BytesIO()
    tabular.write_error_report(plan.book, reasons, buffer)
    return default_storage.save(f"{Path(job.stored_name).with_suffix('')}.errors.xlsx", ContentFile(buffer.getvalue()))
