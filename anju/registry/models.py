from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_
from simple_history.models import HistoricalRecords

from anju.lib import crypto
from anju.registry.choices import (
    CertificateKind,
    Education,
    EmploymentStatus,
    Gender,
    Relation,
    VisitResult,
    types_of,
)
from anju.registry.timeline import KIND_MAX_LENGTH, timeline_kind_choices
from anju.workflow.jobs import Job


class Household(models.Model):
    household_no = models.CharField(_("户编号"), max_length=40, unique=True)
    # Set by the trade union: the household meets its temporary relief conditions (困难帮扶).
    union_hardship = models.BooleanField(_("符合工会困难帮扶条件"), null=True, blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在地区"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("家庭")
        verbose_name_plural = _("家庭")

    def __str__(self) -> str:
        return self.household_no


class Worker(models.Model):
    """A person in the ledger. Field names follow docs/ledger-workbook.md.

    ID and phone numbers are kept encrypted (`*_enc`), with a keyed hash for exact lookup
    (`*_hash`) and a pre-masked copy for screens, so that lists never decrypt.
    """

    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    id_number_enc = models.TextField(editable=False)
    id_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField(_("公民身份号码"), max_length=18, editable=False)
    gender = models.CharField(_("性别"), max_length=6, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    phone_enc = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("手机号码"), max_length=11, blank=True, editable=False)
    phone_last4 = models.CharField(max_length=4, blank=True, db_index=True, editable=False)
    hukou_region = models.ForeignKey(
        "regions.Region", verbose_name=_("户籍地"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False,
    )
    residence_region = models.ForeignKey(
        "regions.Region", verbose_name=_("现居住地"), on_delete=models.PROTECT, related_name="+",
        db_index=False,  # the composite indexes below start with it
    )
    education = models.CharField(_("文化程度"), max_length=12, choices=Education.choices, blank=True)
    employment_status = models.CharField(_("就业状态"), max_length=16, choices=EmploymentStatus.choices)
    unemployment_registered_on = models.DateField(_("失业登记日期"), null=True, blank=True)
    difficulty_mask = models.PositiveIntegerField(_("困难类型"), default=0)
    pension_insured = models.BooleanField(_("养老保险"), null=True, blank=True)
    medical_insured = models.BooleanField(_("医疗保险"), null=True, blank=True)
    unemployment_insured = models.BooleanField(_("失业保险"), null=True, blank=True)
    injury_insured = models.BooleanField(_("工伤保险"), null=True, blank=True)
    ui_contribution_months = models.PositiveIntegerField(_("失业保险缴费月数"), null=True, blank=True)
    # First day of the month; null = unknown, never zero (ledger spec).
    last_income_month = models.DateField(_("最近有收入月份"), null=True, blank=True)
    monthly_income = models.DecimalField(_("月收入（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    skills = models.CharField(_("技能特长"), max_length=200, blank=True)
    desired_occupation = models.CharField(_("求职意向工种"), max_length=100, blank=True)
    desired_region = models.ForeignKey(
        "regions.Region", verbose_name=_("期望工作地"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", db_index=False,
    )
    expected_salary = models.DecimalField(_("期望月薪（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    training_willing = models.BooleanField(_("培训意愿"), null=True, blank=True)
    household = models.ForeignKey(
        Household, verbose_name=_("户编号"), null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    relation_to_head = models.CharField(_("与户主关系"), max_length=10, choices=Relation.choices, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    last_verified_on = models.DateField(_("最近核实日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # Every write adds one (`anju.lib.versioning`): an edit states the version it read and is
    # refused if the record changed since, so nobody silently undoes another's change.
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False,
    )

    # The history is read by person (id) and date; indexes on its copies of the looked-up
    # columns would only slow every write (100,000-row imports write one record per person).
    history = HistoricalRecords(excluded_fields=["updated_at"], no_db_index=[
        "name", "id_number_hash", "phone_hash", "phone_last4", "hukou_region", "residence_region", "desired_region",
        "household", "created_by",
    ])

    class Meta:
        verbose_name = _("农民工")
        verbose_name_plural = _("农民工")
        indexes = [
            models.Index(fields=["residence_region", "employment_status"], name="worker_region_status"),
            models.Index(fields=["residence_region", "id"], name="worker_region_id"),
            models.Index(fields=["employment_status", "unemployment_registered_on"], name="worker_unemployed"),
            models.Index(fields=["last_verified_on"], name="worker_verified"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_number_masked}）"

    @property
    def id_number(self) -> str:
        """The full number. Only `registry.services.worker_reveal_id` may show it to a person."""
        return crypto.decrypt(self.id_number_enc)

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_enc)

    @property
    def difficulty_types(self) -> list[str]:
        return types_of(self.difficulty_mask)

    @property
    def in_difficulty(self) -> bool:
        return self.difficulty_mask != 0

    @property
    def age(self) -> int:
        from anju.lib.dates import today

        t = today()
        return t.year - self.birth_date.year - ((t.month, t.day) < (self.birth_date.month, self.birth_date.day))


class Certificate(models.Model):
    worker = models.ForeignKey(Worker, verbose_name=_("持证人"), on_delete=models.CASCADE, related_name="certificates")
    kind = models.CharField(_("证书类型"), max_length=30, choices=CertificateKind.choices)
    occupation = models.CharField(_("职业（工种）"), max_length=100)
    grade = models.PositiveSmallIntegerField(_("等级"), null=True, blank=True)
    shortage = models.BooleanField(_("紧缺工种"), default=False)
    issued_on = models.DateField(_("发证日期"), null=True, blank=True)
    certificate_no = models.CharField(_("证书编号"), max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("证书")
        verbose_name_plural = _("证书")
        constraints = [
            models.UniqueConstraint(fields=["kind", "certificate_no"], name="certificate_unique_no"),
            models.CheckConstraint(
                condition=models.Q(grade__isnull=True) | models.Q(grade__gte=1, grade__lte=5),
                name="certificate_grade_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occupation} {self.certificate_no}"


# A child is a minor: under 18 (未成年人保护法 art. 2), so the law fixes the bound, not a setting.
CHILD_AGE_LIMIT = 18


def child_born_after(on: dt.date) -> dt.date:
    """The latest birth date of someone already 18 on `on`: a child under 18 is born after it."""
    try:
        return on.replace(year=on.year - CHILD_AGE_LIMIT)
    except ValueError:  # on 29 February, someone born 28 February 18 years before is already 18
        return on.replace(year=on.year - CHILD_AGE_LIMIT, day=28)


class Child(models.Model):
    """A worker's child under 18, for the measures that reach children (Shishi 五: the April
    birthday gift, "caring mother" pairing). Held under the parent; the parent's region decides
    who may see and change it."""

    worker = models.ForeignKey(Worker, verbose_name=_("父母（台账人员）"), on_delete=models.CASCADE, related_name="children")
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=6, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    school = models.CharField(_("就读学校"), max_length=100, blank=True)
    notes = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(no_db_index=["worker"])

    class Meta:
        verbose_name = _("子女")
        verbose_name_plural = _("子女")
        ordering = ["birth_date", "id"]

    def __str__(self) -> str:
        return self.name

    def age_on(self, day) -> int:
        return day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))

    @property
    def age(self) -> int:
        from anju.lib.dates import today

        return self.age_on(today())


class VerificationVisit(models.Model):
    """A house-to-house verification (入户核实): who went, when, what they found."""

    worker = models.ForeignKey(Worker, verbose_name=_("核实对象"), on_delete=models.CASCADE, related_name="visits")
    visited_on = models.DateField(_("核实日期"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("核实人员"), on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(_("核实结果"), max_length=12, choices=VisitResult.choices)
    findings = models.TextField(_("核实情况"), blank=True)
    fields_confirmed = models.JSONField(_("核实无误的字段"), default=list, blank=True)
    corrections = models.JSONField(_("更正的字段"), default=dict, blank=True)  # {field: [before, after]}
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("入户核实")
        verbose_name_plural = _("入户核实")

    def __str__(self) -> str:
        return f"{self.worker.name} {self.visited_on}"


class TimelineEvent(models.Model):
    """One line on a worker's timeline. Other apps register their own kinds (applications,
    placements, cases) with `registry.timeline.register_timeline_kind` and write lines through
    `registry.services.timeline_add`."""

    worker = models.ForeignKey(Worker, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(_("时间"), db_index=True)
    # Callable choices: the registered kinds, so a service's new kind needs no migration here.
    kind = models.CharField(_("类别"), max_length=KIND_MAX_LENGTH, choices=timeline_kind_choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("时间线事件")
        verbose_name_plural = _("时间线事件")

    def __str__(self) -> str:
        return f"{self.worker_id} {self.kind} {self.at:%Y-%m-%d}"


class ImportJob(Job):
    """One workbook upload: validated, previewed, then (on confirmation) committed by a task.

    A background job (`anju.workflow.jobs.Job`) whose running states are validating and
    importing; between them it waits for the user's confirmation (validated)."""

    class Status(models.TextChoices):
        VALIDATING = "validating", _("校验中")
        VALIDATED = "validated", _("待确认")
        IMPORTING = "importing", _("导入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    RUNNING_STATES = (Status.VALIDATING, Status.IMPORTING)
    RUNNING = Status.VALIDATING
    DONE = Status.DONE
    FAILED = Status.FAILED
    # Nothing is written before the commit, and the commit is one transaction.
    LOST_MESSAGE = N_("导入处理进程已中断，导入未完成，数据未作任何修改；请重新上传文件。")
    TIME_LIMIT_MESSAGE = N_("导入运行超过时限（%(minutes)s 分钟），已停止，数据未作任何修改；请分成几个较小的文件重新上传。")

    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.VALIDATING)
    filename = models.CharField(_("文件名"), max_length=200)
    file = models.FileField(upload_to="imports/%Y/%m/")
    error_report = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    summary = models.JSONField(default=dict, blank=True)  # created/updated/unchanged/rejected
    # The first ERRORS_KEPT row errors [{sheet,row,column,reason_zh,reason_en}]; the error
    # report file has every one.
    errors = models.JSONField(default=list, blank=True)
    # {stored person's key: version} of every person the preview matched a valid row with
    # (`ImportPlan.versions`): the confirm refuses the rows of those changed since, which the
    # preview did not show. Set with the preview (at most ANJU_IMPORT_MAX_ROWS entries), taken
    # and cleared when the confirm starts (`take_previewed_versions`). Pages defer it.
    previewed_versions = models.JSONField(default=dict, blank=True, editable=False)

    class Meta(Job.Meta):
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")

    def __str__(self) -> str:
        return self.filename

    def job_files(self):
        # The upload holds ID numbers in clear; a failed import keeps neither it nor a report.
        return [self.file, self.error_report]

    def take_previewed_versions(self) -> dict[int, int]:
        """The versions the preview recorded, cleared on the job (one UPDATE): a job is
        confirmed once, and a large map is not kept after."""
        versions = {int(pk): version for pk, version in self.previewed_versions.items()}
        self._update(previewed_versions={})
        return versions


class VerificationRound(Job):
    """A round of house-to-house verification scheduled by a county officer: one task per worker
    in difficulty (not verified since a date) for the town that holds them, due in N working days.
    Opening the tasks is the round's background job (done_count/total_count)."""

    name = models.CharField(_("名称"), max_length=80)
    region_prefix = models.CharField(_("范围（区划前缀）"), max_length=12)
    not_verified_since = models.DateField(_("此日期以来未核实"), null=True, blank=True)
    difficulty_only = models.BooleanField(_("仅困难人员"), default=True)
    working_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"))
    task_count = models.PositiveIntegerField(_("任务数"), default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("核实轮次")
        verbose_name_plural = _("核实轮次")

    def __str__(self) -> str:
        return self.name
