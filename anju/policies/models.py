from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from anju.lib.i18n import is_english


class ParamType(models.TextChoices):
    MONEY = "money", _("金额（元）")
    RATE = "rate", _("比例")
    NUMBER = "number", _("数值")
    MONTHS = "months", _("月数")


class Parameter(models.Model):
    """A named value that policies read as `params.NAME` (minimum wage, living standard, rates)."""

    name = models.SlugField(_("参数名"), max_length=60, unique=True)
    type = models.CharField(_("类型"), max_length=10, choices=ParamType.choices)
    label_zh = models.CharField(_("中文名称"), max_length=80)
    label_en = models.CharField(_("英文名称"), max_length=120)
    unit_zh = models.CharField(_("单位"), max_length=20, blank=True)
    unit_en = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("政策参数")
        verbose_name_plural = _("政策参数")

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return self.label_en if is_english() else self.label_zh

    @property
    def unit(self) -> str:
        return self.unit_en if is_english() else self.unit_zh


class ParameterValue(models.Model):
    """The value of a parameter in a region from a date on. A region without its own value uses
    its parent's (county → city → province → national, the empty prefix). An empty value means
    the measure names no amount: decisions then say who sets it instead of inventing one."""

    parameter = models.ForeignKey(Parameter, verbose_name=_("参数"), on_delete=models.CASCADE, related_name="values")
    region_prefix = models.CharField(_("适用地区（区划前缀）"), max_length=12, blank=True)
    valid_from = models.DateField(_("起始日期"))
    value = models.DecimalField(_("取值"), max_digits=14, decimal_places=4, null=True, blank=True)
    source = models.CharField(_("依据"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["parameter__name", "region_prefix", "-valid_from"]
        verbose_name = _("参数取值")
        verbose_name_plural = _("参数取值")
        constraints = [
            models.UniqueConstraint(fields=["parameter", "region_prefix", "valid_from"], name="parameter_value_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.parameter.name}@{self.region_prefix or '*'} {self.valid_from}: {self.value}"


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
    facts = models.JSONField(_("依据的事实"), default=dict)
    params = models.JSONField(_("依据的参数"), default=dict)
    trace = models.JSONField(_("判定过程"), default=list)
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


class ScanJob(models.Model):
    """A proactive list (免申即享) for one policy, jurisdiction and date, run as a background task."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("计算中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    policy_id = models.CharField(_("政策"), max_length=80)
    region_prefix = models.CharField(_("地区"), max_length=12, blank=True)
    on_date = models.DateField(_("判定日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    result_count = models.PositiveIntegerField(default=0)
    result_total = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    results = models.JSONField(default=list, blank=True)  # [{subject_id, key_masked, name, region, amount}]
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("主动发现任务")
        verbose_name_plural = _("主动发现任务")

    def __str__(self) -> str:
        return f"{self.policy_id} {self.on_date}"
