"""Benefits: from a decision to money in the account.

An Application (four doors: the public site, the counter, a proactive list, a re-check) carries
the decision it was made on and runs the pack's verification chain as tasks of the deadline
engine (ApplicationStep ↔ workflow.WorkTask). The approver's pass of the last step makes a Grant,
committing its amount on a Fund (or its units on a quota). Grants are published on a Notice for an
objection period; unobjected ones go into a PaymentBatch whose lines the bank's result file marks
paid or failed. Corrections: objections, cancellation before payment, recovery of undue payments.

Comparison sources (比对) are other departments' rosters imported as workbooks: each row sets facts
of a ledger subject, recorded as a FactSource (which fact, which value, whose data, as of when).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from anju.lib import crypto
from anju.workflow.jobs import Job


class Door(models.TextChoices):
    PORTAL = "portal", _("网上申请")
    COUNTER = "counter", _("窗口受理")
    PROACTIVE = "proactive", _("免申即享")
    RECHECK = "recheck", _("复核")


class ApplicationStatus(models.TextChoices):
    IN_REVIEW = "in_review", _("审核中")
    RETURNED = "returned", _("退回补充材料")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未通过")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_APPLICATION = (ApplicationStatus.IN_REVIEW, ApplicationStatus.RETURNED)


class Application(models.Model):
    """A request (or a proactive offer) for one policy, subject and period."""

    policy_id = models.CharField(_("政策"), max_length=80, db_index=True)
    policy_version = models.PositiveIntegerField(_("政策版本"))
    policy_title = models.CharField(_("政策名称"), max_length=200)
    subject_type = models.CharField(_("对象类型"), max_length=30)
    subject_id = models.BigIntegerField(_("对象编号"))
    subject_label = models.CharField(_("对象"), max_length=120)  # masked: 张*（350581********1234）
    # The worker concerned (the subject, or the worker behind a household, hire, certificate):
    # whose timeline shows the application and the payment.
    worker = models.ForeignKey("registry.Worker", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(_("区划"), max_length=12)
    period = models.CharField(_("期次"), max_length=20)
    door = models.CharField(_("申请渠道"), max_length=10, choices=Door.choices)
    status = models.CharField(_("状态"), max_length=10, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.IN_REVIEW)
    decision = models.ForeignKey("policies.Decision", verbose_name=_("受理时的判定"), on_delete=models.PROTECT,
                                 related_name="+")
    recheck_of = models.ForeignKey("self", verbose_name=_("复核的申请"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="rechecks")
    scan_job = models.ForeignKey("policies.ScanJob", verbose_name=_("主动发现名单"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    current_step = models.CharField(_("当前环节"), max_length=40, blank=True)
    # Who to tell: the applicant's phone (confirmed by an SMS code on the public site, or the
    # ledger's at the counter), encrypted with a keyed hash for "my applications".
    phone_enc = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=11, blank=True, editable=False)
    # Where the money goes (cash only): confirmed by the person (免申即享: the only thing they do).
    payee_name = models.CharField(_("收款人"), max_length=120, blank=True)
    bank_name = models.CharField(_("开户银行"), max_length=80, blank=True)
    account_enc = models.TextField(blank=True, editable=False)
    account_masked = models.CharField(_("银行账号"), max_length=40, blank=True, editable=False)
    account_confirmed_at = models.DateTimeField(_("账户确认时间"), null=True, blank=True)
    note = models.TextField(_("申请说明"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("申请时间"))
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    refusal_reason = models.CharField(_("未通过原因"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("待遇申请")
        verbose_name_plural = _("待遇申请")
        indexes = [
            models.Index(fields=["policy_id", "status", "region_code"], name="application_policy_status"),
            models.Index(fields=["subject_type", "subject_id"], name="application_subject"),
            models.Index(fields=["region_code", "created_at"], name="application_region"),
        ]
        constraints = [
            # One open application per policy, subject and period: a second is refused, not queued.
            models.UniqueConstraint(fields=["policy_id", "subject_type", "subject_id", "period"],
                                    condition=Q(status__in=["in_review", "returned"]),
                                    name="application_one_open"),
        ]

    def __str__(self) -> str:
        return f"{self.policy_title} {self.subject_label}"

    @property
    def number(self) -> str:
        """The reference the applicant is told: SQ + date + id."""
        return f"SQ{self.created_at:%Y%m%d}{self.pk:06d}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_APPLICATION

    @property
    def account(self) -> str:
        return crypto.decrypt(self.account_enc) if self.account_enc else ""


class StepState(models.TextChoices):
    WAITING = "waiting", _("未开始")
    OPEN = "open", _("办理中")
    RETURNED = "returned", _("退回补充材料")
    PASSED = "passed", _("通过")
    FAILED = "failed", _("不通过")
    SKIPPED = "skipped", _("未办理")


class StepOutcome(models.TextChoices):
    PASS = "pass", _("通过")
    FAIL = "fail", _("不通过")
    RETURN = "return", _("退回补充材料")


class ApplicationStep(models.Model):
    """One step of an application's verification chain, in the order of the pack's
    `verification`. The open step has a WorkTask (its deadline and queue entry)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    code = models.CharField(_("环节"), max_length=40)
    label_zh = models.CharField(max_length=200)
    label_en = models.CharField(max_length=300)
    department_kind = models.CharField(_("承办部门"), max_length=30)
    role = models.CharField(_("承办角色"), max_length=20)
    working_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=StepState.choices, default=StepState.WAITING)
    task = models.ForeignKey("workflow.WorkTask", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    by_data = models.BooleanField(_("比对通过"), default=False)
    reason = models.CharField(_("意见"), max_length=300, blank=True)
    # What the step was decided on: the facts it checks with their sources, at the time.
    evidence = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["application_id", "position"]
        verbose_name = _("审核环节")
        verbose_name_plural = _("审核环节")
        constraints = [
            models.UniqueConstraint(fields=["application", "position"], name="application_step_position"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}#{self.position} {self.code}"

    def label(self, language: str | None = None) -> str:
        from anju.lib.i18n import is_english

        return self.label_en if is_english() else self.label_zh


class StepEvent(models.Model):
    """What happened at a step, in order: passed, failed, returned, documents supplied, by whom."""

    step = models.ForeignKey(ApplicationStep, on_delete=models.CASCADE, related_name="events")
    outcome = models.CharField(_("结果"), max_length=12)
    reason = models.CharField(_("意见"), max_length=300, blank=True)
    by_data = models.BooleanField(default=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.step_id} {self.outcome}"


def attachment_path(instance, filename: str) -> str:
    return f"benefits/{instance.application_id}/{instance.stored_name}"


class AttachmentKind(models.TextChoices):
    ID_CARD = "id_card", _("身份证件")
    INCOME = "income", _("收入情况证明")
    BANK = "bank", _("银行卡")
    CONTRACT = "contract", _("劳动合同或解除证明")
    OTHER = "other", _("其他材料")


class Attachment(models.Model):
    """A scanned document kept with an application (PDF, JPEG or PNG, size limited)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("材料类型"), max_length=12, choices=AttachmentKind.choices)
    original_name = models.CharField(_("文件名"), max_length=200)
    stored_name = models.CharField(max_length=80)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to=attachment_path, max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")

    def __str__(self) -> str:
        return self.original_name


# Funds and quotas -------------------------------------------------------------------------------
class Fund(models.Model):
    """Where grants are paid from: a fund in yuan (Shishi's special fund), or a quota in units (500
    gift boxes). Approval commits, cancellation releases, payment moves committed to paid; the
    database refuses committed + paid above the budget."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=120)
    region_prefix = models.CharField(_("适用地区"), max_length=12)
    department_kind = models.CharField(_("管理部门"), max_length=30)
    policy_ids = models.JSONField(_("支出的政策"), default=list)
    unit = models.CharField(_("单位"), max_length=10, default="元")  # "元" for money, else the quota's unit
    budget = models.DecimalField(_("预算"), max_digits=16, decimal_places=2)
    committed = models.DecimalField(_("已批准未拨付"), max_digits=16, decimal_places=2, default=Decimal("0"))
    paid = models.DecimalField(_("已拨付"), max_digits=16, decimal_places=2, default=Decimal("0"))
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)
    source = models.CharField(_("资金依据"), max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["region_prefix", "code"]
        verbose_name = _("资金与名额")
        verbose_name_plural = _("资金与名额")
        constraints = [
            models.CheckConstraint(condition=Q(committed__gte=0) & Q(paid__gte=0) & Q(budget__gte=0),
                                   name="fund_not_negative"),
            models.CheckConstraint(condition=Q(committed__lte=F("budget") - F("paid")), name="fund_not_overdrawn"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_money(self) -> bool:
        return self.unit == "元"

    @property
    def available(self) -> Decimal:
        return self.budget - self.committed - self.paid


class FundMovement(models.Model):
    """Every change to a fund, with the grant that caused it: the fund's ledger."""

    class Kind(models.TextChoices):
        COMMIT = "commit", _("批准占用")
        RELEASE = "release", _("取消释放")
        PAY = "pay", _("拨付")
        RECOVER = "recover", _("追回")
        BUDGET = "budget", _("调整预算")

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="movements")
    grant = models.ForeignKey("Grant", null=True, blank=True, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    amount = models.DecimalField(_("金额"), max_digits=16, decimal_places=2)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.fund_id} {self.kind} {self.amount}"


# Grants ----------------------------------------------------------------------------------------
class GrantStatus(models.TextChoices):
    APPROVED = "approved", _("已批准待公示")
    ON_NOTICE = "on_notice", _("公示中")
    OBJECTED = "objected", _("有异议待复核")
    READY = "ready", _("待拨付")
    IN_BATCH = "in_batch", _("拨付中")
    PAID = "paid", _("已拨付")
    # A service (a post, a pairing) arranged on approval: nothing is paid or published.
    ARRANGED = "arranged", _("已落实")
    CANCELLED = "cancelled", _("已取消")
    RECOVERED = "recovered", _("已追回")


class Grant(models.Model):
    """What an approved application gives: money (amount), or units of a quota. The database keeps
    one live grant per policy, subject and period (a cancelled one frees the place)."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="grant")
    policy_id = models.CharField(_("政策"), max_length=80, db_index=True)
    subject_type = models.CharField(_("对象类型"), max_length=30)
    subject_id = models.BigIntegerField(_("对象编号"))
    region_code = models.CharField(_("区划"), max_length=12)
    period = models.CharField(_("期次"), max_length=20)
    kind = models.CharField(_("待遇类型"), max_length=10)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    units = models.PositiveIntegerField(_("数量"), default=0)
    amount_reason = models.CharField(_("金额确定理由"), max_length=300, blank=True)
    decision = models.ForeignKey("policies.Decision", verbose_name=_("批准时的判定"), on_delete=models.PROTECT,
                                 related_name="+")
    fund = models.ForeignKey(Fund, null=True, blank=True, on_delete=models.PROTECT, related_name="grants")
    status = models.CharField(_("状态"), max_length=10, choices=GrantStatus.choices, default=GrantStatus.APPROVED)
    notice = models.ForeignKey("Notice", null=True, blank=True, on_delete=models.PROTECT, related_name="grants")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("批准时间"))
    paid_at = models.DateTimeField(_("拨付时间"), null=True, blank=True)
    # The working days from the application (or the proactive list) to payment: the figure that
    # shows whether 免申即享 works.
    working_days_to_pay = models.PositiveIntegerField(null=True, blank=True)
    cancelled_reason = models.CharField(_("取消原因"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-approved_at", "-id"]
        verbose_name = _("待遇发放")
        verbose_name_plural = _("待遇发放")
        indexes = [
            models.Index(fields=["policy_id", "status", "region_code"], name="grant_policy_status"),
            models.Index(fields=["subject_type", "subject_id"], name="grant_subject"),
        ]
        constraints = [
            # Granted once: a second live grant of a policy to a subject for a period is impossible.
            models.UniqueConstraint(fields=["policy_id", "subject_type", "subject_id", "period"],
                                    condition=~Q(status="cancelled"), name="grant_once_per_period"),
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gte=0), name="grant_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} {self.subject_type}:{self.subject_id} {self.period}"


class Notice(models.Model):
    """A public notice (公示) of a policy's approved grants in a jurisdiction, for an objection
    period in working days (the regional parameter `benefit_notice_working_days`)."""

    policy_id = models.CharField(_("政策"), max_length=80)
    policy_title = models.CharField(_("政策名称"), max_length=200)
    region_prefix = models.CharField(_("公示范围"), max_length=12)
    department_name = models.CharField(_("公示单位"), max_length=120)
    published_at = models.DateTimeField(_("发布时间"))
    opens_on = models.DateField(_("公示开始"))
    closes_on = models.DateField(_("公示截止"))
    working_days = models.PositiveSmallIntegerField(_("公示期（工作日）"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("公示结束处理时间"), null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("公示")
        verbose_name_plural = _("公示")

    def __str__(self) -> str:
        return f"{self.policy_title} {self.opens_on}–{self.closes_on}"


class Objection(models.Model):
    """An objection to a grant on notice: it pauses the grant and opens a review."""

    class Status(models.TextChoices):
        OPEN = "open", _("待复核")
        UPHELD = "upheld", _("异议成立，取消发放")
        DISMISSED = "dismissed", _("异议不成立，继续发放")

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="objections")
    reason = models.TextField(_("异议内容"))
    contact_name = models.CharField(_("异议人"), max_length=50, blank=True)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=11, blank=True, editable=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    task = models.ForeignKey("workflow.WorkTask", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    received_at = models.DateTimeField(_("提出时间"))
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.CharField(_("复核意见"), max_length=300, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")

    def __str__(self) -> str:
        return f"{self.grant_id} {self.status}"


# Payments --------------------------------------------------------------------------------------
class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("待导出")
    EXPORTED = "exported", _("已导出，待银行回盘")
    CLOSED = "closed", _("已回盘")


class PaymentBatch(models.Model):
    """Approved, unobjected grants of one fund gathered for the bank: exported as a bank file,
    closed by the bank's result file."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="batches")
    region_prefix = models.CharField(_("地区"), max_length=12)
    status = models.CharField(_("状态"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))
    exported_at = models.DateTimeField(_("导出时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("回盘时间"), null=True, blank=True)
    line_count = models.PositiveIntegerField(default=0)
    total = models.DecimalField(_("合计金额"), max_digits=16, decimal_places=2, default=Decimal("0"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("拨付批次")
        verbose_name_plural = _("拨付批次")

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"PC{self.created_at:%Y%m%d}{self.pk:04d}"


class LineStatus(models.TextChoices):
    PENDING = "pending", _("待银行处理")
    PAID = "paid", _("已到账")
    FAILED = "failed", _("失败")


class PaymentLine(models.Model):
    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="lines")
    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="payment_lines")
    reference = models.CharField(_("业务参考号"), max_length=32, unique=True)
    payee_name = models.CharField(_("收款人"), max_length=120)
    account_enc = models.TextField(editable=False)
    account_masked = models.CharField(_("银行账号"), max_length=40)
    bank_name = models.CharField(_("开户银行"), max_length=80, blank=True)
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)
    status = models.CharField(_("状态"), max_length=10, choices=LineStatus.choices, default=LineStatus.PENDING)
    failure_reason = models.CharField(_("失败原因"), max_length=200, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["batch_id", "id"]
        verbose_name = _("拨付明细")
        verbose_name_plural = _("拨付明细")
        constraints = [
            # A grant is in at most one batch line that is not failed.
            models.UniqueConstraint(fields=["grant"], condition=~Q(status="failed"), name="payment_line_live_grant"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def account(self) -> str:
        return crypto.decrypt(self.account_enc)


class Recovery(models.Model):
    """Recovery of an undue payment (追回): the amount due back and what has been returned."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="recoveries")
    amount_due = models.DecimalField(_("应追回金额"), max_digits=14, decimal_places=2)
    amount_returned = models.DecimalField(_("已追回金额"), max_digits=14, decimal_places=2, default=Decimal("0"))
    reason = models.CharField(_("追回原因"), max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("追回记录")
        verbose_name_plural = _("追回记录")
        constraints = [
            models.CheckConstraint(condition=Q(amount_returned__gte=0) & Q(amount_returned__lte=F("amount_due")),
                                   name="recovery_returned_within_due"),
        ]

    def __str__(self) -> str:
        return f"{self.grant_id} {self.amount_due}"


class BulkJob(Job):
    """Work on many applications at once, as a background job with progress: creating them from a
    proactive list (免申即享), or passing one step for all of a selection."""

    class Kind(models.TextChoices):
        FROM_SCAN = "from_scan", _("按主动发现名单生成申请")
        PASS_STEP = "pass_step", _("批量通过审核环节")

    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices)
    policy_id = models.CharField(_("政策"), max_length=80)
    region_prefix = models.CharField(_("地区"), max_length=12, blank=True)
    scan_job = models.ForeignKey("policies.ScanJob", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    step_code = models.CharField(_("环节"), max_length=40, blank=True)
    reason = models.CharField(_("意见"), max_length=300, blank=True)
    created_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)

    class Meta(Job.Meta):
        verbose_name = _("批量办理任务")
        verbose_name_plural = _("批量办理任务")

    def __str__(self) -> str:
        return f"{self.kind} {self.policy_id}"


# Comparison sources ------------------------------------------------------------------------------
class SourceKind(models.TextChoices):
    MINIMUM_LIVING = "minimum_living", _("民政部门低保对象名单")
    UI_CONTRIBUTIONS = "ui_contributions", _("社保经办机构失业保险参保缴费记录")
    UNION_HARDSHIP = "union_hardship", _("工会困难职工名单")
    EMPLOYER_PREMIUMS = "employer_premiums", _("用人单位失业保险缴费情况（稳岗返还）")


class ComparisonImport(Job):
    """One roster of another department, imported as a workbook or CSV (the tabular import):
    matched to the ledger by the keyed ID (or credit code) hash, each match setting the facts the
    source covers with its as-of date."""

    kind = models.CharField(_("数据来源"), max_length=20, choices=SourceKind.choices)
    as_of = models.DateField(_("数据截止日期"))
    region_prefix = models.CharField(_("地区"), max_length=12)
    filename = models.CharField(_("文件名"), max_length=200)
    stored_name = models.CharField(max_length=200, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    matched_count = models.PositiveIntegerField(default=0)
    unmatched_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)

    class Meta(Job.Meta):
        verbose_name = _("比对数据导入")
        verbose_name_plural = _("比对数据导入")

    def job_files(self):
        """The upload, so that a failed or abandoned job (jobs_recover) does not leave it behind.
        `stored_name` is a storage name in a plain column: wrapped as the file it names."""
        from anju.workflow.uploads import stored_files

        return stored_files(self)


class FactSource(models.Model):
    """A fact of one subject as another department's data states it: which fact, which value,
    whose data and as of when. The latest per (subject, fact) is what the worker page and every
    trace show ("未参加失业保险 — 社保经办机构 2026-11-30 数据")."""

    subject_type = models.CharField(max_length=30)
    subject_id = models.BigIntegerField()
    fact = models.CharField(max_length=60)
    value = models.JSONField(null=True)
    kind = models.CharField(_("数据来源"), max_length=20, choices=SourceKind.choices)
    as_of = models.DateField(_("数据截止日期"))
    source_import = models.ForeignKey(ComparisonImport, on_delete=models.PROTECT, related_name="facts")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("比对数据")
        verbose_name_plural = _("比对数据")
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "subject_id", "fact"], name="fact_source_one"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_type}:{self.subject_id} {self.fact}"
