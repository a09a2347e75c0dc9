"""Background jobs: one abstract model and one runner for every long piece of work (imports,
scans, exports, verification rounds, warning sweeps).

    class ScanJob(Job): ...                     # a concrete job adds its own inputs and results

    @task()
    def run_scan(job_id):
        with job_running(ScanJob, job_id) as job:   # None when the job is no longer queued
            if job: ...; job.report(done, total); job.finish()

A job is never left running: an exception inside `job_running` marks it failed with a plain
message for the page (the traceback goes to the log), and `Job.fail` accepts a specific one.
`job_for_user` is the one lookup of a user's job (anyone else's is 404). The progress fragment
is `workflow/_job_progress.html`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import TypeVar

from django.conf import settings
from django.db import models
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

logger = logging.getLogger(__name__)


class JobStatus(models.TextChoices):
    QUEUED = "queued", gettext_lazy("排队中")
    RUNNING = "running", gettext_lazy("进行中")
    DONE = "done", gettext_lazy("已完成")
    FAILED = "failed", gettext_lazy("失败")


class Job(models.Model):
    """Who started it, when, how far it is, how it ended. Subclasses may define their own status
    choices (an import also waits for confirmation): they list which of them are running in
    RUNNING_STATES and which one is failure in FAILED."""

    Status = JobStatus
    RUNNING_STATES: tuple[str, ...] = (JobStatus.QUEUED, JobStatus.RUNNING)
    FAILED: str = JobStatus.FAILED
    DONE: str = JobStatus.DONE
    RUNNING: str = JobStatus.RUNNING

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(gettext_lazy("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(gettext_lazy("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(gettext_lazy("结束时间"), null=True, blank=True)
    status = models.CharField(gettext_lazy("状态"), max_length=12, choices=JobStatus.choices,
                              default=JobStatus.QUEUED)
    done_count = models.PositiveIntegerField(default=0)
    total_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)

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

    # Moves (each one UPDATE, so progress is seen by other connections while the job runs) ---
    def _update(self, **fields) -> None:
        for name, value in fields.items():
            setattr(self, name, value)
        type(self).objects.filter(pk=self.pk).update(**fields)

    def start(self, *, total: int | None = None, status: str | None = None) -> None:
        fields = {"status": status or self.RUNNING, "started_at": timezone.now(), "message": ""}
        if total is not None:
            fields.update(total_count=total, done_count=0)
        self._update(**fields)

    def report(self, done: int, total: int | None = None, *, message: str | None = None) -> None:
        fields: dict = {"done_count": done}
        if total is not None:
            fields["total_count"] = total
        if message is not None:
            fields["message"] = message
        self._update(**fields)

    def finish(self, *, status: str | None = None, message: str = "", **fields) -> None:
        """Done. Extra fields (results, summaries) are saved in the same UPDATE."""
        done = {"status": status or self.DONE, "finished_at": timezone.now(), "message": message}
        if self.total_count and status is None:
            done["done_count"] = self.total_count
        self._update(**done, **fields)

    def fail(self, message: str) -> None:
        self._update(status=self.FAILED, finished_at=timezone.now(), message=message)


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
    states), else None (already finished, cancelled, or run twice by the queue). An exception
    fails the job: a JobFailure or one of `expected` with its own text, anything else with a
    generic message and the traceback in the log."""
    qs = queryset if queryset is not None else model.objects.all()
    job = qs.filter(pk=job_id).first()
    if job is None or job.status not in (states or model.RUNNING_STATES):
        yield None
        return
    try:
        yield job
    except (JobFailure, *expected) as exc:
        job.fail(str(exc))
    except Exception:
        logger.exception("%s %s failed", model.__name__, job_id)
        job.fail(_("任务失败：系统错误，数据未作任何修改。请稍后重试，或联系管理员。"))
