"""Background jobs: one abstract model and one runner for every long piece of work (imports,
scans, exports, verification rounds, warning sweeps).

    class ScanJob(Job): ...                     # a concrete job adds its own inputs and results

    @task()
    def run_scan(job_id):
        with job_running(ScanJob, job_id) as job:   # None when the job is no longer queued
            if job: ...; job.report(done, total); job.finish()

A job is never left running: an exception inside `job_running` marks it failed with a plain
message for the page (the traceback goes to the log), and `Job.fail` accepts a specific one; a
failed job's files (`Job.job_files`) are deleted. `job_for_user` is the one lookup of a user's
job (anyone else's is 404). The progress fragment is `workflow/_job_progress.html`.

Nor is a job left running when its worker dies (killed for memory, the machine restarted) or
runs past the time limit (settings ANJU_JOB_TIME_LIMIT, ANJU_JOB_TIME_LIMITS per kind): the
job records which process took it (`worker_id`: host, pid and the process's start time) and
when (`claimed_at`); `jobs_recover`, run by `anju worker` before it takes any task, fails the
jobs whose process is gone or whose time is up, deletes their files, and fails the task rows of
the database backend that such a worker left running (django-tasks-db never runs a RUNNING row
again). A job past its limit on a live worker is also stopped at its next `report()`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_

logger = logging.getLogger(__name__)


class JobStatus(models.TextChoices):
    QUEUED = "queued", gettext_lazy("排队中")
    RUNNING = "running", gettext_lazy("进行中")
    DONE = "done", gettext_lazy("已完成")
    FAILED = "failed", gettext_lazy("失败")


class JobStopped(Exception):  # noqa: N818 - not an error of the job: someone else ended it
    """The job left its running states while this worker held it (failed by `jobs_recover`)."""


class Job(models.Model):
    """Who started it, when, how far it is, how it ended. Subclasses may define their own status
    choices (an import also waits for confirmation): they list which of them are running in
    RUNNING_STATES and which one is failure in FAILED. A subclass with files lists them in
    `job_files`; they are deleted when the job fails."""

    Status = JobStatus
    RUNNING_STATES: tuple[str, ...] = (JobStatus.QUEUED, JobStatus.RUNNING)
    FAILED: str = JobStatus.FAILED
    DONE: str = JobStatus.DONE
    RUNNING: str = JobStatus.RUNNING
    # What the page says when the job's worker died, or the job ran past its time limit.
    LOST_MESSAGE = N_("任务处理进程已中断，任务未完成；请重新提交。")
    TIME_LIMIT_MESSAGE = N_("任务运行超过时限（%(minutes)s 分钟），已停止；请重新提交，或联系管理员。")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(gettext_lazy("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(gettext_lazy("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(gettext_lazy("结束时间"), null=True, blank=True)
    status = models.CharField(gettext_lazy("状态"), max_length=12, choices=JobStatus.choices,
                              default=JobStatus.QUEUED)
    done_count = models.PositiveIntegerField(default=0)
    total_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    # The process that holds the job (`worker_name()`), and since when: None when no worker holds
    # it (not yet taken, waiting for the user, ended). The time limit runs from claimed_at.
    worker_id = models.CharField(max_length=100, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    # Reads -----------------------------------------------------------------------------------
    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING_STATES

    @property
    def progress_percent(self) -> int:
        if not self.total_count:
            return 0 if self.is_running else 100
        return min(100, self.done_count * 100 // self.total_count)

    def job_files(self) -> list[FieldFile]:
        """The job's stored files (uploads, reports), deleted when it fails."""
        return []

    @classmethod
    def time_limit(cls) -> dt.timedelta:
        """ANJU_JOB_TIME_LIMITS["<app>.<model>"], else ANJU_JOB_TIME_LIMIT (seconds)."""
        default = getattr(settings, "ANJU_JOB_TIME_LIMIT", 3600)
        seconds = getattr(settings, "ANJU_JOB_TIME_LIMITS", {}).get(cls._meta.label_lower, default)
        return dt.timedelta(seconds=int(seconds))

    def time_limit_message(self) -> str:
        return _(self.TIME_LIMIT_MESSAGE) % {"minutes": max(1, int(self.time_limit().total_seconds()) // 60)}

    # Moves (each one UPDATE, so progress is seen by other connections while the job runs) ---
    def _update(self, **fields) -> None:
        for name, value in fields.items():
            setattr(self, name, value)
        type(self).objects.filter(pk=self.pk).update(**fields)

    def _move(self, **fields) -> None:
        """UPDATE a job that is still running; one that is not (failed by `jobs_recover` while
        this worker held it) is left as it is, and JobStopped ends the worker's run."""
        if not type(self).objects.filter(pk=self.pk, status__in=self.RUNNING_STATES).update(**fields):
            raise JobStopped(f"{type(self).__name__} {self.pk}")
        for name, value in fields.items():
            setattr(self, name, value)

    def start(self, *, total: int | None = None, status: str | None = None) -> None:
        fields = {"status": status or self.RUNNING, "started_at": timezone.now(), "message": ""}
        if total is not None:
            fields.update(total_count=total, done_count=0)
        self._move(**fields)

    def report(self, done: int, total: int | None = None, *, message: str | None = None) -> None:
        """Progress; also where a job past its time limit stops (JobFailure)."""
        if self.claimed_at and timezone.now() - self.claimed_at > self.time_limit():
            raise JobFailure(self.time_limit_message())
        fields: dict = {"done_count": done}
        if total is not None:
            fields["total_count"] = total
        if message is not None:
            fields["message"] = message
        self._move(**fields)

    def finish(self, *, status: str | None = None, message: str = "", **fields) -> None:
        """Done. Extra fields (results, summaries) are saved in the same UPDATE."""
        done = {"status": status or self.DONE, "finished_at": timezone.now(), "message": message,
                "claimed_at": None}
        if self.total_count and status is None:
            done["done_count"] = self.total_count
        self._move(**done, **fields)

    def fail(self, message: str) -> None:
        self._update(status=self.FAILED, finished_at=timezone.now(), message=message, claimed_at=None)
        self.remove_files()

    def remove_files(self) -> list[str]:
        """Delete the job's files and clear their fields; returns the names deleted."""
        names = _clear_files(self)
        _delete_files(names)
        return [name for _storage, name in names]


def _clear_files(job: Job) -> list[tuple[Any, str]]:
    """Clear the file fields of `job` (one UPDATE); the (storage, name) pairs to delete."""
    files = [f for f in job.job_files() if f]
    if not files:
        return []
    job._update(**{f.field.attname: "" for f in files})
    return [(f.storage, f.name) for f in files]


def _delete_files(names: list[tuple[Any, str]]) -> None:
    for storage, name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("could not delete the job file %s", name)


J = TypeVar("J", bound=Job)


def job_for_user(model: type[J], user, pk, *, queryset=None) -> J:
    """The user's own job of this kind; anyone else's, or a missing one, is 404."""
    qs = queryset if queryset is not None else model.objects.all()
    return get_object_or_404(qs, pk=pk, created_by=user)


class JobFailure(Exception):
    """Raised inside `job_running` to fail the job with this (translated) message."""


@contextlib.contextmanager
def job_running(model: type[J], job_id: int, *, expected: tuple[type[BaseException], ...] = (),
                states: tuple[str, ...] | None = None, queryset=None) -> Iterator[J | None]:
    """Run a job's body: yields the job when it is in one of `states` (default: its running
    states), else None (already finished, cancelled, or run twice by the queue). The job is
    claimed by this process first (worker_id, claimed_at). An exception fails the job: a
    JobFailure or one of `expected` with its own text, anything else with a generic message and
    the traceback in the log."""
    qs = queryset if queryset is not None else model.objects.all()
    states = states or model.RUNNING_STATES
    job = qs.filter(pk=job_id).first()
    claim = {"worker_id": worker_name(), "claimed_at": timezone.now()}
    if job is None or job.status not in states or not model.objects.filter(
            pk=job_id, status__in=states).update(**claim):
        yield None
        return
    for name, value in claim.items():
        setattr(job, name, value)
    try:
        yield job
    except JobStopped:
        logger.warning("%s %s was ended by another process while running", model.__name__, job_id)
        written = [(f.storage, f.name) for f in job.job_files() if f]  # this run's, maybe not saved
        job.refresh_from_db()
        if job.status == job.FAILED:
            _delete_files(written)
            job.remove_files()
    except (JobFailure, *expected) as exc:
        job.fail(str(exc))
    except Exception:
        logger.exception("%s %s failed", model.__name__, job_id)
        job.fail(_("任务失败：系统错误，数据未作任何修改。请稍后重试，或联系管理员。"))


# Dead workers and the time limit -----------------------------------------------------------


def worker_name(pid: int | None = None) -> str:
    """This process as a worker: `host:pid:start`, where start is the process's start time
    (Linux /proc), so that a pid reused after a restart is not mistaken for the old worker.
    At most 64 characters (django-tasks-db's limit on a worker id)."""
    pid = pid or os.getpid()
    return f"{socket.gethostname()[:40]}:{pid}:{_process_start(pid) or '-'}"


def _process_start(pid: int) -> str | None:
    """The start time of `pid` (clock ticks since boot), "" for a zombie, None without /proc
    or for no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()  # the command name, in brackets, may hold spaces
    return "" if fields[0] in ("Z", "X") else fields[19]


def worker_alive(worker: str) -> bool | None:
    """Whether the worker named `worker` (see `worker_name`) still runs: True or False for a
    process on this host, None when it is elsewhere or the name is not one of ours."""
    host, _sep, rest = worker.partition(":")
    pid_text, _sep, started = rest.partition(":")
    if host != socket.gethostname()[:40] or not pid_text.isdigit() or int(pid_text) <= 0:
        return None
    pid = int(pid_text)
    if Path("/proc/self/stat").exists():
        return _process_start(pid) == started
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


LOST = "worker_lost"
TIME_LIMIT = "time_limit"

# Tasks whose one argument is the id of a job of this model (`job_task`): task path -> model.
_JOB_TASKS: dict[str, type[Job]] = {}


def job_task(model: type[Job]) -> Callable:
    """Register a task that runs jobs of `model` and takes the job's id, so that recovery can
    fail the job of a task whose worker died before the job was claimed."""
    def register(task):
        _JOB_TASKS[task.module_path] = model
        return task
    return register


@dataclass
class Recovery:
    """What `jobs_recover` failed: (model label, pk, cause) of each job; the task rows."""

    jobs: list[tuple[str, int, str]] = field(default_factory=list)
    tasks: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"jobs": [{"kind": kind, "id": pk, "cause": cause} for kind, pk, cause in self.jobs],
                "tasks": self.tasks}


def jobs_recover(*, reason: str | None = None, now: dt.datetime | None = None) -> Recovery:
    """Fail every job left running by a dead worker or past its time limit, with `reason` (or
    the job's own message for the cause), delete its files and audit it; fail the database
    backend's task rows left running by such workers. Safe to run while other workers run: a
    job whose worker is alive on this host, or on another host within the limit, is kept."""
    now = now or timezone.now()
    recovery = Recovery()
    linked = _recover_task_rows(now, recovery)
    with translation.override(settings.LANGUAGE_CODE):
        for model in apps.get_models():
            if issubclass(model, Job):
                _recover_jobs(model, now, reason, linked.get(model, {}), recovery)
    return recovery


def _cause(worker: str, since: dt.datetime | None, limit: dt.timedelta, now: dt.datetime) -> str | None:
    if worker and worker_alive(worker) is False:
        return LOST
    if since is not None and now - since > limit:
        return TIME_LIMIT
    return None


def _recover_jobs(model: type[Job], now: dt.datetime, reason: str | None, linked: dict[int, tuple[str, str]],
                  recovery: Recovery) -> None:
    limit = model.time_limit()
    held = model.objects.filter(status__in=model.RUNNING_STATES).filter(
        models.Q(claimed_at__isnull=False) | models.Q(pk__in=list(linked)))
    for job in held:
        cause = _cause(job.worker_id, job.claimed_at, limit, now) if job.claimed_at else None
        if cause is None and job.pk in linked:
            # Its task's worker is gone: unless another (live) worker has claimed it since.
            task_cause, task_worker = linked[job.pk]
            if not job.claimed_at or job.worker_id == task_worker:
                cause = task_cause
        if cause is None:
            continue
        message = reason or (job.time_limit_message() if cause == TIME_LIMIT else _(job.LOST_MESSAGE))
        if _fail_recovered(job, cause=cause, message=message, now=now):
            recovery.jobs.append((model._meta.label_lower, job.pk, cause))


def _fail_recovered(job: Job, *, cause: str, message: str, now: dt.datetime) -> bool:
    from anju.audit.models import Action
    from anju.audit.services import audit_record

    model = type(job)
    with transaction.atomic():
        # Only if it is still as we found it: its worker may have finished it meanwhile.
        if not model.objects.filter(pk=job.pk, status=job.status, claimed_at=job.claimed_at).update(
                status=job.FAILED, finished_at=now, message=message, claimed_at=None):
            return False
        before, job.status = job.status, job.FAILED
        files = _clear_files(job)
        audit_record(actor=None, username="system", action=Action.UPDATE, obj=job,
                     changes={"status": (before, job.FAILED)},
                     detail={"cause": cause, "worker": job.worker_id, "claimed_at": job.claimed_at,
                             "files_deleted": [name for _storage, name in files]})
        transaction.on_commit(lambda: _delete_files(files))
    logger.warning("%s %s failed by recovery (%s, worker %s)", model.__name__, job.pk, cause, job.worker_id or "-")
    return True


def _recover_task_rows(now: dt.datetime, recovery: Recovery) -> dict[type[Job], dict[int, tuple[str, str]]]:
    """Fail the django-tasks-db rows left RUNNING by a dead worker or past the time limit (the
    backend never runs them again). Returns, per job model, {job id: (cause, worker)} of those
    rows whose task is a `job_task`."""
    if not apps.is_installed("django_tasks_db"):
        return {}
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    autodiscover_modules("tasks")  # so that every job_task is registered
    linked: dict[type[Job], dict[int, tuple[str, str]]] = {}
    default = dt.timedelta(seconds=int(getattr(settings, "ANJU_JOB_TIME_LIMIT", 3600)))
    running = DBTaskResult.objects.running().only("id", "task_path", "worker_ids", "started_at", "args_kwargs")
    for row in running:
        worker = (row.worker_ids or [""])[-1]
        model = _JOB_TASKS.get(row.task_path)
        cause = _cause(worker, row.started_at, model.time_limit() if model else default, now)
        if cause is None:
            continue
        text = f"anju.workflow.jobs: {cause.replace('_', ' ')} (worker {worker or '-'}); failed by jobs_recover\n"
        if not DBTaskResult.objects.filter(pk=row.pk, status=row.status).update(
                status=TaskResultStatus.FAILED, finished_at=now, return_value=None,
                exception_class_path="anju.workflow.jobs.JobStopped", traceback=text):
            continue
        recovery.tasks += 1
        args = (row.args_kwargs or {}).get("args") or []
        if model is not None and args and isinstance(args[0], int):
            linked.setdefault(model, {})[args[0]] = (cause, worker)
    return linked
