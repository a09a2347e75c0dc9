"""Dead workers and the job time limit (anju.workflow.jobs.jobs_recover, `anju worker`).

The first test is the real thing: `anju worker` runs in a subprocess on the test database, takes
an import job, is killed with SIGKILL in the middle of it, and the next `anju worker` start fails
the job, deletes its upload and fails the task row the dead worker left RUNNING, then runs the
job queued behind it. The others simulate a dead worker with the pid of a finished process.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from anju.accounts.tests.factories import UserFactory
from anju.audit.models import AuditEvent
from anju.registry.models import ImportJob
from anju.registry.tasks import validate_import
from anju.workflow.jobs import JobFailure, job_running, job_task, jobs_recover, worker_name

Status = ImportJob.Status
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@job_task(ImportJob)
@task()
def hold_import(job_id: int, seconds: float) -> None:
    """An import that holds its worker for `seconds` (run by the subprocess worker)."""
    with job_running(ImportJob, job_id) as job:
        if job is not None:
            job.report(1, 2)
            time.sleep(seconds)
            job.finish(status=Status.VALIDATED)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = DB_TASKS
    return settings.MEDIA_ROOT


@pytest.fixture
def recover(django_capture_on_commit_callbacks):
    """jobs_recover, or with command=True `anju worker --recover-only` (its JSON). Recovery
    deletes files once its transaction commits, which the test's own transaction never does."""
    def run(*, command: bool = False):
        with django_capture_on_commit_callbacks(execute=True):
            if not command:
                return jobs_recover()
            out = io.StringIO()
            call_command("worker", "--recover-only", stdout=out)
            return json.loads(out.getvalue())
    return run


def make_job(**fields) -> ImportJob:
    job = ImportJob(created_by=UserFactory(), filename="台账.xlsx", **fields)
    job.file.save("台账.xlsx", ContentFile(b"PK\x03\x04 ID numbers in clear"), save=False)
    job.error_report.save("台账.errors.xlsx", ContentFile(b"PK\x03\x04 report"), save=False)
    job.save()
    return job


def dead_worker() -> str:
    """The worker name of a process that has ended (and been reaped) on this host."""
    proc = subprocess.Popen(["sleep", "0"])
    proc.wait()
    return worker_name(proc.pid)


def files_left(media) -> list[str]:
    return sorted(p.name for p in media.rglob("*") if p.is_file())


# The real thing: a worker process killed in the middle of a job -----------------------------


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _worker_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ANJU_TASKS_BACKEND", "DATABASE_URL_FILE")}
    env.update(DATABASE_URL=_database_url(), ANJU_DATA_DIR=str(tmp_path), ANJU_TESTING="1", PYTHONUNBUFFERED="1")
    return env


def _wait_for(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_a_killed_worker_s_job_is_failed_at_the_next_worker_start(transactional_db, media, tmp_path):
    held = make_job()
    behind = make_job()
    hold_import.enqueue(held.pk, 120)
    hold_import.enqueue(behind.pk, 0)
    worker = [sys.executable, "-m", "anju", "worker", "--no-startup-delay", "--no-reload", "--interval", "0.1"]
    proc = subprocess.Popen(worker, env=_worker_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for(lambda: ImportJob.objects.filter(pk=held.pk, done_count=1).exists())
    finally:
        proc.send_signal(signal.SIGKILL)
        _stderr = proc.communicate(timeout=10)[1]
    held.refresh_from_db()
    # What the issue saw: the job stays running and its task row RUNNING, which the database
    # backend never hands out again; the job behind it waits.
    assert held.status == Status.VALIDATING and held.worker_id.split(":")[1] == str(proc.pid), _stderr
    row = DBTaskResult.objects.get(args_kwargs__args=[held.pk, 120])
    assert row.status == "RUNNING" and row.worker_ids == [held.worker_id]
    assert ImportJob.objects.get(pk=behind.pk).status == Status.VALIDATING

    # The held job would run 120 s: a restart that waited for its time limit would overrun the
    # timeout. The timeout is loose because a loaded CI machine starts Django slowly.
    restart = subprocess.run([*worker, "--batch"], env=_worker_env(tmp_path), capture_output=True, timeout=100)
    assert restart.returncode == 0, restart.stderr.decode()

    held.refresh_from_db()
    assert held.status == Status.FAILED and held.finished_at and held.claimed_at is None
    assert held.message == ImportJob.LOST_MESSAGE
    assert not held.file and not held.error_report
    row.refresh_from_db()
    assert row.status == "FAILED" and "worker lost" in row.traceback
    event = AuditEvent.objects.get(object_type="importjob", object_id=str(held.pk))
    assert event.detail["cause"] == "worker_lost" and event.changes["status"] == ["validating", "failed"]
    # The restarted worker ran the job behind it; only that job's files are left.
    assert ImportJob.objects.get(pk=behind.pk).status == Status.VALIDATED
    assert len(files_left(media)) == 2


# Simulated: a job whose recorded worker is a finished process -------------------------------


@pytest.mark.django_db
def test_recovery_fails_jobs_of_dead_workers_only(media, recover):
    now = timezone.now()
    dead = make_job(worker_id=dead_worker(), claimed_at=now)
    mine = make_job(worker_id=worker_name(), claimed_at=now)  # this process: alive
    remote = make_job(worker_id="other-host:4242:99", claimed_at=now)  # elsewhere, within the limit
    waiting = make_job()  # not yet taken by any worker
    confirmed = make_job(status=Status.VALIDATED, worker_id=dead_worker())  # waits for the user

    result = recover(command=True)

    assert result == {"jobs": [{"kind": "registry.importjob", "id": dead.pk, "cause": "worker_lost"}], "tasks": 0}
    dead.refresh_from_db()
    assert dead.status == Status.FAILED and dead.message == ImportJob.LOST_MESSAGE and dead.finished_at
    assert not dead.file and not dead.error_report
    for job in (mine, remote, waiting, confirmed):
        before = job.status
        job.refresh_from_db()
        assert job.status == before and job.file and job.error_report
    assert len(files_left(media)) == 8
    assert AuditEvent.objects.filter(object_type="importjob").count() == 1
    assert recover(command=True) == {"jobs": [], "tasks": 0}  # idempotent


@pytest.mark.django_db
def test_time_limit_fails_jobs_even_of_live_workers(media, settings, recover):
    settings.ANJU_JOB_TIME_LIMIT = 3600
    settings.ANJU_JOB_TIME_LIMITS = {"registry.importjob": 600}
    now = timezone.now()
    over = make_job(worker_id=worker_name(), claimed_at=now - dt.timedelta(minutes=11))
    remote = make_job(worker_id="other-host:4242:99", claimed_at=now - dt.timedelta(minutes=11))
    within = make_job(worker_id=worker_name(), claimed_at=now - dt.timedelta(minutes=9))

    recovery = recover()

    assert sorted(pk for _kind, pk, _cause in recovery.jobs) == sorted([over.pk, remote.pk])
    over.refresh_from_db()
    assert over.status == Status.FAILED and "10 分钟" in over.message and not over.file
    within.refresh_from_db()
    assert within.status == Status.VALIDATING and within.file

    # The live worker of `over` learns at its next progress report, and changes nothing more.
    with pytest.raises(Exception) as stopped:
        over.report(5, 10)
    assert type(stopped.value).__name__ == "JobStopped"
    over.refresh_from_db()
    assert over.status == Status.FAILED and over.done_count == 0


@pytest.mark.django_db
def test_a_job_past_its_limit_stops_at_its_next_report(media, settings):
    settings.ANJU_JOB_TIME_LIMITS = {"registry.importjob": 0}
    job = make_job()
    with job_running(ImportJob, job.pk) as running:
        assert running.worker_id == worker_name() and running.claimed_at
        time.sleep(0.01)
        with pytest.raises(JobFailure):
            running.report(1, 2)
        raise JobFailure(running.time_limit_message())
    job.refresh_from_db()
    assert job.status == Status.FAILED and "超过时限（1 分钟）" in job.message
    assert not job.file and not job.error_report and files_left(media) == []


@pytest.mark.django_db
def test_a_recovered_job_is_not_overwritten_by_its_worker(media, recover):
    job = make_job()
    with job_running(ImportJob, job.pk) as running:
        # Another process decides this worker is gone (e.g. the host was thought dead).
        ImportJob.objects.filter(pk=job.pk).update(worker_id=dead_worker())
        assert recover().jobs == [("registry.importjob", job.pk, "worker_lost")]
        running.error_report.save("late.errors.xlsx", ContentFile(b"late"), save=False)
        running.finish(status=Status.VALIDATED, error_report=running.error_report.name)
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.message == ImportJob.LOST_MESSAGE
    assert files_left(media) == []  # the report the worker wrote after the recovery is gone too


@pytest.mark.django_db
def test_task_rows_of_dead_workers_are_failed_with_their_unclaimed_jobs(media, settings, recover):
    settings.ANJU_JOB_TIME_LIMIT = 600
    gone = dead_worker()
    # Killed between taking the task and claiming the job: the job has no worker of its own.
    unclaimed = make_job()
    validate_import.enqueue(unclaimed.pk)
    row = DBTaskResult.objects.get()
    row.claim(gone)
    # A task row of a plain `db_worker` (random worker id, pid unknown) past the limit.
    old = make_job()
    validate_import.enqueue(old.pk)
    old_row = DBTaskResult.objects.exclude(pk=row.pk).get()
    old_row.claim("a0b1c2d3e4f5")
    DBTaskResult.objects.filter(pk=old_row.pk).update(started_at=timezone.now() - dt.timedelta(minutes=11))
    # A live worker's row, and one still waiting in the queue: kept.
    kept = make_job()
    validate_import.enqueue(kept.pk)
    kept_row = DBTaskResult.objects.exclude(pk__in=[row.pk, old_row.pk]).get()
    kept_row.claim(worker_name())
    queued = make_job()
    validate_import.enqueue(queued.pk)

    result = recover(command=True)

    assert result["tasks"] == 2
    assert {(j["id"], j["cause"]) for j in result["jobs"]} == {(unclaimed.pk, "worker_lost"), (old.pk, "time_limit")}
    rows = {r.args_kwargs["args"][0]: r.status for r in DBTaskResult.objects.all()}
    assert rows == {unclaimed.pk: "FAILED", old.pk: "FAILED", kept.pk: "RUNNING", queued.pk: "READY"}
    for job, status in ((unclaimed, Status.FAILED), (old, Status.FAILED), (kept, Status.VALIDATING),
                        (queued, Status.VALIDATING)):
        job.refresh_from_db()
        assert job.status == status
        assert bool(job.file) == (status != Status.FAILED)
