"""The shared machinery of the services: the working-day calendar, tasks with deadlines (work
queues), and the outbox. None of it knows which service uses it: a task names its subject and step
by strings that the owning app registered (`anju.workflow.steps`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from anju.accounts.models import DepartmentKind, Role
from anju.lib import crypto


# Working-day calendar ------------------------------------------------------------------------
class CalendarYear(models.Model):
    """A year whose holiday arrangement has been entered. A year without a row falls back to plain
    weekends, and every deadline computed across it says so."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("依据"), max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("节假日安排年度")
        verbose_name_plural = _("节假日安排年度")

    def __str__(self) -> str:
        return str(self.year)


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("法定节假日（休息）")
    MAKEUP = "makeup", _("调休上班日")


class CalendarDay(models.Model):
    """A day that differs from the plain week: a holiday, or a weekend day worked (调休)."""

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类别"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("节日"), max_length=40)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日及调休")
        verbose_name_plural = _("节假日及调休")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


# Tasks with deadlines -------------------------------------------------------------------------
class TaskState(models.TextChoices):
    OPEN = "open", _("待办")
    PAUSED = "paused", _("已暂停")
    DONE = "done", _("已办结")
    RETURNED = "returned", _("已退回")
    CANCELLED = "cancelled", _("已取消")


OPEN_STATES = (TaskState.OPEN, TaskState.PAUSED)


class Alert(models.IntegerChoices):
    NONE = 0, _("正常")
    WARNING = 70, _("即将到期")
    URGENT = 90, _("临近到期")
    OVERDUE = 100, _("已超期")
    ESCALATED = 200, _("已超期并上报")


class WorkTask(models.Model):
    """A piece of work a department must do for a record within N working days.

    Who may act: users of `role` whose jurisdiction covers `region_code` (and, when the user
    belongs to a department, of `department_kind`). The clock runs from `opened_on` in working
    days; a pause stops it and moves `due_on` by the working days it lasted. `warn_on` and
    `urgent_on` are the days the warning shares of the time have run (the regional parameters
    `workflow_warn_ratio` and `workflow_urgent_ratio` of the opening day; empty when the region
    sets none), kept as dates so that the sweep and the queues are plain indexed comparisons."""

    step = models.CharField(_("事项"), max_length=60)
    subject_type = models.CharField(_("对象类型"), max_length=40)
    subject_id = models.BigIntegerField(_("对象编号"))
    subject_label = models.CharField(_("对象"), max_length=120)
    parent_type = models.CharField(max_length=40, blank=True)
    parent_id = models.BigIntegerField(null=True, blank=True)
    region_code = models.CharField(_("区划"), max_length=12)
    department_kind = models.CharField(_("承办部门"), max_length=30, choices=DepartmentKind.choices)
    role = models.CharField(_("承办角色"), max_length=20, choices=Role.choices)
    supervisor_role = models.CharField(_("督办角色"), max_length=20, choices=Role.choices, blank=True)
    working_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"))
    # Some statutory limits count calendar days, not working days (an arbitration award within 45
    # days: 劳动争议调解仲裁法 art. 43). Then `working_days` holds the number of days, pauses move
    # the dates by calendar days, and the pages say 日 rather than 个工作日.
    calendar_days = models.BooleanField(_("按自然日计算"), default=False)
    # Days added to the time limit by an extension (`task_extend`): a labour inspection may be
    # extended by 30 working days once, an arbitration award by 15 days.
    extended_days = models.PositiveSmallIntegerField(_("延长天数"), default=0)
    opened_at = models.DateTimeField(_("开始时间"))
    opened_on = models.DateField(_("开始日期"))
    due_on = models.DateField(_("办理期限"))
    warn_on = models.DateField(null=True, blank=True)
    urgent_on = models.DateField(null=True, blank=True)
    calendar_fallback = models.BooleanField(_("按普通周末推算"), default=False)
    state = models.CharField(_("状态"), max_length=10, choices=TaskState.choices, default=TaskState.OPEN)
    alert = models.PositiveSmallIntegerField(_("预警"), choices=Alert.choices, default=Alert.NONE)
    paused_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("办结人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("办理结果"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("待办事项")
        verbose_name_plural = _("待办事项")
        indexes = [
            # The queue: open tasks of a role, in a jurisdiction (prefix), oldest first.
            models.Index(fields=["role", "state", "region_code", "opened_at"], name="task_queue"),
            # The same for users in a department (town officers): covers the queue's COUNT(*) and
            # its page ids, so neither reads the table rows (benchmarks/bench_workflow.py).
            models.Index(fields=["role", "department_kind", "state", "region_code", "opened_at"],
                         name="task_queue_department"),
            models.Index(fields=["state", "urgent_on"], name="task_sweep_urgent"),
            models.Index(fields=["state", "warn_on"], name="task_sweep_warn"),
            models.Index(fields=["state", "due_on"], name="task_sweep_due"),
            models.Index(fields=["subject_type", "subject_id", "state"], name="task_subject"),
            models.Index(fields=["parent_type", "parent_id", "state"], name="task_parent"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(working_days__gte=1), name="task_working_days_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.step} {self.subject_label}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def limit_text(self) -> str:
        """The time limit in words: "5 个工作日" or "45 日", with an extension if any."""
        from django.utils.translation import gettext

        days = self.working_days + self.extended_days
        text = (gettext("%(n)s 日") if self.calendar_days else gettext("%(n)s 个工作日")) % {"n": days}
        if self.extended_days:
            text += gettext("（含延长 %(n)s 日）") % {"n": self.extended_days}
        return text


class TaskPause(models.Model):
    """A span during which a task's clock stood still, and why (e.g. waiting for the applicant)."""

    task = models.ForeignKey(WorkTask, on_delete=models.CASCADE, related_name="pauses")
    paused_at = models.DateTimeField(_("暂停时间"))
    resumed_at = models.DateTimeField(_("恢复时间"), null=True, blank=True)
    reason = models.CharField(_("暂停原因"), max_length=200)
    paused_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    resumed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    working_days = models.PositiveSmallIntegerField(_("顺延工作日"), default=0)  # days, for a calendar-day task

    class Meta:
        ordering = ["paused_at"]
        verbose_name = _("暂停记录")
        verbose_name_plural = _("暂停记录")

    def __str__(self) -> str:
        return f"{self.task_id} {self.paused_at:%Y-%m-%d} {self.reason}"


# Outbox -----------------------------------------------------------------------------------------
class Channel(models.TextChoices):
    APP = "app", _("站内消息")
    SMS = "sms", _("短信")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    LIMITED = "limited", _("超出每日上限，未发送")


class Message(models.Model):
    """A message to a staff user (in the app: the bell) or to a phone (SMS, in Chinese). Written in
    the transaction of the change that causes it; SMS are sent after commit by the task worker."""

    channel = models.CharField(_("渠道"), max_length=4, choices=Channel.choices)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("收件人"), null=True, blank=True,
                                  on_delete=models.CASCADE, related_name="messages")
    phone_enc = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone_masked = models.CharField(_("手机号码"), max_length=11, blank=True, editable=False)
    title = models.CharField(_("标题"), max_length=120, blank=True)
    body = models.TextField(_("内容"), blank=True)
    # The text is kept as its Chinese msgid and parameters, so each reader sees it in their language;
    # an SMS is rendered in Chinese when written (`body`).
    text = models.CharField(max_length=300, blank=True)
    params = models.JSONField(default=dict, blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    kind = models.CharField(_("类别"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    status = models.CharField(_("发送状态"), max_length=8, choices=MessageStatus.choices,
                              default=MessageStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    # A one-time code: its text is wiped once it is sent or has finally failed, so the code never
    # stays readable in the database.
    secret = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="message_unread"),
            models.Index(fields=["phone_hash", "created_at"], name="message_phone_day"),
            models.Index(fields=["channel", "status"], name="message_status"),
        ]

    def __str__(self) -> str:
        return self.title or self.body[:40]

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_enc) if self.phone_enc else ""
