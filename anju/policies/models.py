from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from anju.workflow.jobs import Job, JobStatus


class DecisionStatus(models.TextChoices):
    ELIGIBLE = "eligible", _("符合条件")
    NOT_ELIGIBLE = "not_eligible", _("不符合条件")
    UNKNOWN = "unknown", _("暂无法判断")


class Decision(models.Model):
    """A policy applied to one subject on one date, with everything it was decided on: the pack's
    version and digest, the parameter values and fact values read, and the trace. Later edits to the
    ledger or parameters never change it; a re-check is a new decision."""

    policy_id = models.CharField(_("政策"), max_length=80, db_index=True)
    policy_version = models.PositiveIntegerField(_("政策版本"))
    policy_digest = models.CharField(max_length=64)
    subject_type = models.CharField(_("对象类型"), max_length=30)
    subject_id = models.BigIntegerField(_("对象编号"))
    region_code = models.CharField(_("区划"), max_length=12, db_index=True)
    decided_on = models.DateField(_("判定日期"))
    status = models.CharField(_("结果"), max_length=14, choices=DecisionStatus.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    # Blank allowed: a policy may read no parameter (a gift box per April-born child).
    facts = models.JSONField(_("依据的事实"), default=dict, blank=True)
    params = models.JSONField(_("依据的参数"), default=dict, blank=True)
    trace = models.JSONField(_("判定过程"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("判定记录")
        verbose_name_plural = _("判定记录")
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="decision_subject")]

    def __str__(self) -> str:
        return f"{self.policy_id} {self.subject_type}:{self.subject_id} {self.status}"


class ScanStatus(models.TextChoices):
    # The job states of anju.workflow.jobs, with the words the scan page has always used.
    QUEUED = JobStatus.QUEUED.value, _("排队中")
    RUNNING = JobStatus.RUNNING.value, _("计算中")
    DONE = JobStatus.DONE.value, _("已完成")
    FAILED = JobStatus.FAILED.value, _("失败")


class ScanJob(Job):
    """A proactive list (免申即享) for one policy, jurisdiction and date, run as a background job:
    done_count of total_count eligible subjects listed so far."""

    Status = ScanStatus

    policy_id = models.CharField(_("政策"), max_length=80)
    region_prefix = models.CharField(_("地区"), max_length=12, blank=True)
    on_date = models.DateField(_("判定日期"))
    status = models.CharField(_("状态"), max_length=12, choices=ScanStatus.choices, default=ScanStatus.QUEUED)
    result_count = models.PositiveIntegerField(default=0)
    result_total = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    results = models.JSONField(default=list, blank=True)  # [{subject_id, key, name, region, amount}]

    class Meta(Job.Meta):
        verbose_name = _("主动发现任务")
        verbose_name_plural = _("主动发现任务")

    def __str__(self) -> str:
        return f"{self.policy_id} {self.on_date}"
