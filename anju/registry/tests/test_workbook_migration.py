"""The migration that made ImportJob a workflow Job keeps existing jobs and their counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("registry", "0006_verification_round")]
AFTER = [("registry", "0007_importjob_is_a_workflow_job")]


@pytest.mark.django_db(transaction=True)
def test_existing_jobs_keep_their_counts(personas):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("registry", "ImportJob")
    old.objects.create(created_by_id=personas.town.pk, filename="old.xlsx", file="imports/old.xlsx",
                       status="done", total_rows=120, processed_rows=120, summary={"created": 120})
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    from anju.registry.models import ImportJob

    job = ImportJob.objects.get(filename="old.xlsx")
    assert (job.total_count, job.done_count, job.summary, job.is_running) == (120, 120, {"created": 120}, False)
