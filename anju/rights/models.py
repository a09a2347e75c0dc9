"""Rights protection (维权): the one-number hotline, wage-arrears cases, the construction wage
guarantee and its early warnings.

Every time limit is a task of the shared deadline engine (`anju.workflow`), every threshold a dated
regional parameter (`anju.params`); nothing here keeps a clock or a figure of its own. ID and phone
numbers are stored encrypted (`*_enc`) with a keyed hash for exact lookup (`*_hash`) and a masked
copy for screens (`*_masked`), as in the ledger.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from anju.accounts.models import DepartmentKind, Role
from anju.lib import crypto
from anju.workflow.jobs import Job

MONEY = {"max_digits": 14, "decimal_places": 2}


class _Phone(models.Model):
    """A phone number kept as the ledger keeps it."""

    phone_enc = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("手机号码"), max_length=11, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_enc) if self.phone_enc else ""


class _Identity(_Phone):
    """A person named by ID number and phone (an arrears complainant, a roster worker)."""

    id_number_enc = models.TextField(blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number_masked = models.CharField(_("公民身份号码"), max_length=18, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_enc) if self.id_number_enc else ""


# The hotline ----------------------------------------------------------------------------------
class HotlineNumber(models.Model):
    """The one number to call (一号对外) in a jurisdiction, from a date on: a dated regional setting
    (a phone number is not a figure, so not a parameter), inherited down the region tree and shown
    on the portal and every notice board."""

    region_prefix = models.CharField(_("适用地区（区划前缀）"), max_length=12, blank=True)
    valid_from = models.DateField(_("起始日期"))
    number = models.CharField(_("热线号码"), max_length=30)
    name = models.CharField(_("热线名称"), max_length=60)
    hours = models.CharField(_("服务时间"), max_length=60, blank=True)
    source = models.CharField(_("依据"), max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["region_prefix", "-valid_from"]
        verbose_name = _("服务热线号码")
        verbose_name_plural = _("服务热线号码")
        constraints = [models.UniqueConstraint(fields=["region_prefix", "valid_from"], name="hotline_number_unique")]

    def __str__(self) -> str:
        return f"{self.name} {self.number}"


class TicketCategory(models.Model):
    """The category tree of hotline tickets. The top level is fixed by code (its time-limit
    parameters are named after it); sub-categories may be added by administrators."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    parent = models.ForeignKey("self", verbose_name=_("上级类别"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("工单类别")
        verbose_name_plural = _("工单类别")

    def __str__(self) -> str:
        return self.name

    @property
    def root(self) -> TicketCategory:
        node = self
        while node.parent_id:
            node = node.parent
        return node


class RoutingRule(models.Model):
    """Category × region → lead department and co-handlers. The most specific rule wins: a rule
    for the category beats one for its parent or for any category (empty), a longer region prefix
    beats a shorter one; the rule with neither is the fallback."""

    category = models.ForeignKey(TicketCategory, verbose_name=_("工单类别"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="routes",
                                 help_text=_("留空表示所有类别（兜底）。"))
    region_prefix = models.CharField(_("适用地区（区划前缀）"), max_length=12, blank=True,
                                     help_text=_("留空表示所有地区。"))
    lead_department_kind = models.CharField(_("牵头部门"), max_length=30, choices=DepartmentKind.choices)
    lead_role = models.CharField(_("承办角色"), max_length=20, choices=Role.choices)
    co_handlers = models.JSONField(_("配合部门"), default=list, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["category__order", "region_prefix"]
        verbose_name = _("工单分派规则")
        verbose_name_plural = _("工单分派规则")
        constraints = [models.UniqueConstraint(fields=["category", "region_prefix"], name="routing_rule_unique",
                                               nulls_distinct=False)]

    def __str__(self) -> str:
        return f"{self.category or '*'} {self.region_prefix or '*'} → {self.lead_department_kind}"


class Channel(models.TextChoices):
    PHONE = "phone", _("来电")
    VISIT = "visit", _("来访")
    LETTER = "letter", _("来信")
    ONLINE = "online", _("网上留言")
    PORTAL = "portal", _("网上投诉（门户）")


class Priority(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")


class TicketStatus(models.TextChoices):
    NEW = "new", _("待派单")
    DISPATCHED = "dispatched", _("待联系")
    IN_PROGRESS = "in_progress", _("办理中")
    PAUSED = "paused", _("暂停计时")
    REPLIED = "replied", _("已答复待回访")
    CLOSED = "closed", _("已办结")
    MERGED = "merged", _("已并单")


OPEN_TICKET = (TicketStatus.NEW, TicketStatus.DISPATCHED, TicketStatus.IN_PROGRESS, TicketStatus.PAUSED)


class Ticket(_Phone):
    """One call, visit, letter or online message. Its three clocks (dispatch, first contact,
    resolution) are tasks of the deadline engine with subject_type "ticket"."""

    number = models.CharField(_("工单编号"), max_length=20, unique=True)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    caller_name = models.CharField(_("来电人"), max_length=50, blank=True)
    worker = models.ForeignKey("registry.Worker", verbose_name=_("台账人员"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="tickets")
    category = models.ForeignKey(TicketCategory, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="tickets")
    priority = models.CharField(_("紧急程度"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    region = models.ForeignKey("regions.Region", verbose_name=_("所在地区"), on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(_("标题"), max_length=120)
    description = models.TextField(_("诉求内容"))
    status = models.CharField(_("状态"), max_length=12, choices=TicketStatus.choices, default=TicketStatus.NEW)
    lead_department_kind = models.CharField(_("牵头部门"), max_length=30, choices=DepartmentKind.choices, blank=True)
    lead_role = models.CharField(_("承办角色"), max_length=20, choices=Role.choices, blank=True)
    co_handlers = models.JSONField(_("配合部门"), default=list, blank=True)
    routing_rule = models.ForeignKey(RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    merged_into = models.ForeignKey("self", verbose_name=_("并入工单"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="merged")
    case = models.ForeignKey("rights.ArrearsCase", verbose_name=_("关联欠薪案件"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="tickets")
    knowledge = models.ManyToManyField("rights.KnowledgeEntry", verbose_name=_("引用知识"), blank=True,
                                       related_name="tickets")
    contacted_at = models.DateTimeField(_("首次联系时间"), null=True, blank=True)
    reply = models.TextField(_("答复内容"), blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    replied_on_time = models.BooleanField(_("按时办结"), null=True)
    satisfaction = models.PositiveSmallIntegerField(_("满意度"), null=True, blank=True)
    callback_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    reopened = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"))
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("热线工单")
        verbose_name_plural = _("热线工单")
        indexes = [
            models.Index(fields=["region", "status", "created_at"], name="ticket_region_status"),
            models.Index(fields=["lead_department_kind", "created_at"], name="ticket_department"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(satisfaction__isnull=True)
                                   | models.Q(satisfaction__gte=1, satisfaction__lte=5), name="ticket_satisfaction_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TICKET


class TicketEventKind(models.TextChoices):
    CREATED = "created", _("登记")
    DISPATCHED = "dispatched", _("派单")
    CONTACTED = "contacted", _("首次联系")
    PAUSED = "paused", _("暂停计时")
    RESUMED = "resumed", _("恢复计时")
    NOTE = "note", _("办理记录")
    REPLIED = "replied", _("答复")
    RETURNED = "returned", _("退回")
    REASSIGNED = "reassigned", _("改派")
    MERGED = "merged", _("并单")
    LINKED = "linked", _("关联案件")
    CALLBACK = "callback", _("回访")
    REOPENED = "reopened", _("重新办理")
    CLOSED = "closed", _("办结")


class TicketEvent(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("环节"), max_length=12, choices=TicketEventKind.choices)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("工单办理记录")
        verbose_name_plural = _("工单办理记录")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class KnowledgeEntry(models.Model):
    """An answer the hotline gives. Every policy in the packs is an entry (`policy_key`, kept in
    step with the packs by `knowledge.sync_policies`); others are written by staff. `tokens` are
    jieba search-mode tokens of the title, question, keywords and answer, for the intake search."""

    title = models.CharField(_("标题"), max_length=160)
    question = models.TextField(_("常见问法"), blank=True)
    answer = models.TextField(_("答复口径"))
    keywords = models.CharField(_("关键词"), max_length=300, blank=True)
    category = models.ForeignKey(TicketCategory, verbose_name=_("类别"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="knowledge")
    region_prefix = models.CharField(_("适用地区（区划前缀）"), max_length=12, blank=True)
    policy_key = models.CharField(_("政策包"), max_length=80, blank=True, db_index=True)
    source = models.CharField(_("依据"), max_length=300, blank=True)
    tokens = models.TextField(blank=True, editable=False)
    active = models.BooleanField(_("启用"), default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("知识库条目")
        verbose_name_plural = _("知识库条目")

    def __str__(self) -> str:
        return self.title


# Wage-arrears cases ---------------------------------------------------------------------------
class CaseSource(models.TextChoices):
    TICKET = "ticket", _("热线工单")
    WARNING = "warning", _("预警")
    WALK_IN = "walk_in", _("来访")
    PORTAL = "portal", _("网上投诉")


class Route(models.TextChoices):
    MEDIATION = "mediation", _("调解")
    INSPECTION = "inspection", _("劳动保障监察")
    ARBITRATION = "arbitration", _("劳动仲裁绿色通道")
    ARBITRATION_FAST = "arbitration_fast", _("劳动仲裁速裁")
    LEGAL_AID = "legal_aid", _("法律援助")


class CaseStatus(models.TextChoices):
    REGISTERED = "registered", _("已登记待受理")
    ACCEPTED = "accepted", _("已受理办理中")
    CONCLUDED = "concluded", _("已结案")
    NOT_ACCEPTED = "not_accepted", _("不予受理")


class Conclusion(models.TextChoices):
    PAID_IN_FULL = "paid_in_full", _("已全额支付")
    PAID_IN_PART = "paid_in_part", _("部分支付")
    MEDIATION_AGREEMENT = "mediation_agreement", _("达成调解协议")
    ORDER_ISSUED = "order_issued", _("下达限期整改指令书")
    PENALTY = "penalty", _("作出行政处罚")
    AWARD = "award", _("作出仲裁裁决")
    TO_POLICE = "to_police", _("涉嫌拒不支付劳动报酬罪移送公安")
    TO_COURT = "to_court", _("引导诉讼")
    NOT_ESTABLISHED = "not_established", _("经查欠薪不属实")
    WITHDRAWN = "withdrawn", _("投诉人撤回")
    OTHER = "other", _("其他")


class Recovery(models.TextChoices):
    EMPLOYER = "employer", _("用人单位支付")
    DEPOSIT = "deposit", _("工资保证金支付")
    OWNER_ADVANCE = "owner_advance", _("建设单位垫付")
    GENERAL_CONTRACTOR = "general_contractor", _("施工总承包单位先行清偿")
    EMERGENCY_FUND = "emergency_fund", _("应急周转金垫付")


class ArrearsCase(models.Model):
    """A wage-arrears case: one or many complainants against an employer (and a project). Its
    time limits (acceptance, conclusion; an extension once) are tasks with subject_type
    "arrears_case", counted as the route's law counts them (working days or days)."""

    number = models.CharField(_("案件编号"), max_length=20, unique=True)
    source = models.CharField(_("来源"), max_length=10, choices=CaseSource.choices)
    route = models.CharField(_("办理途径"), max_length=20, choices=Route.choices)
    status = models.CharField(_("状态"), max_length=14, choices=CaseStatus.choices, default=CaseStatus.REGISTERED)
    employer = models.ForeignKey("employment.Employer", verbose_name=_("用人单位"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="arrears_cases")
    employer_name = models.CharField(_("用人单位名称"), max_length=120)
    employer_uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    project = models.ForeignKey("rights.Project", verbose_name=_("工程项目"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="arrears_cases")
    warning = models.ForeignKey("rights.Warning", verbose_name=_("来源预警"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    region = models.ForeignKey("regions.Region", verbose_name=_("所在地区"), on_delete=models.PROTECT, related_name="+")
    period_from = models.DateField(_("欠薪起始月份"))
    period_to = models.DateField(_("欠薪截止月份"))
    summary = models.TextField(_("案情"))
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    conclusion = models.CharField(_("结案类别"), max_length=20, choices=Conclusion.choices, blank=True)
    conclusion_note = models.TextField(_("结案说明"), blank=True)
    concluded_on = models.DateField(_("结案日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"))
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("欠薪案件")
        verbose_name_plural = _("欠薪案件")
        indexes = [models.Index(fields=["region", "status", "created_at"], name="case_region_status")]
        constraints = [models.CheckConstraint(condition=models.Q(period_from__lte=models.F("period_to")),
                                              name="case_period_ordered")]

    def __str__(self) -> str:
        return f"{self.number} {self.employer_name}"


class CaseWorker(_Identity):
    """One complainant of a case: what is owed and what was recovered, and how."""

    case = models.ForeignKey(ArrearsCase, on_delete=models.CASCADE, related_name="workers")
    worker = models.ForeignKey("registry.Worker", verbose_name=_("台账人员"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="arrears_claims")
    roster = models.ForeignKey("rights.RosterEntry", verbose_name=_("实名制花名册"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(_("姓名"), max_length=50)
    amount_owed = models.DecimalField(_("被拖欠金额（元）"), **MONEY)
    amount_recovered = models.DecimalField(_("追回金额（元）"), default=0, **MONEY)
    recovery = models.CharField(_("追回方式"), max_length=20, choices=Recovery.choices, blank=True)
    recovered_on = models.DateField(_("追回日期"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("欠薪投诉人")
        verbose_name_plural = _("欠薪投诉人")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_owed__gt=0), name="case_worker_owed_positive"),
            models.CheckConstraint(condition=models.Q(amount_recovered__gte=0), name="case_worker_recovered_nonneg"),
        ]

    def __str__(self) -> str:
        return self.name


class CaseRecovery(models.Model):
    """One payment recovered for a complainant: a worker may be paid in parts and by different
    means (the employer part, the wage deposit the rest); CaseWorker.amount_recovered is their sum
    and CaseWorker.recovery the latest means."""

    claim = models.ForeignKey(CaseWorker, on_delete=models.CASCADE, related_name="recoveries")
    amount = models.DecimalField(_("追回金额（元）"), **MONEY)
    method = models.CharField(_("追回方式"), max_length=20, choices=Recovery.choices)
    on = models.DateField(_("追回日期"))
    recorded_at = models.DateTimeField(_("登记时间"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("追回记录")
        verbose_name_plural = _("追回记录")
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="case_recovery_positive")]

    def __str__(self) -> str:
        return f"{self.claim} {self.amount}"


class CaseEvent(models.Model):
    case = models.ForeignKey(ArrearsCase, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("环节"), max_length=20)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("案件办理记录")
        verbose_name_plural = _("案件办理记录")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


# Construction wage guarantee -----------------------------------------------------------------
class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("未开工")
    BUILDING = "building", _("在建")
    COMPLETED = "completed", _("已竣工")
    CLOSED = "closed", _("已销项")


class Project(models.Model):
    """A construction project under the wage-payment guarantee. Owned by its general contractor:
    a contractor user (the payroll supervisor, 劳资专管员) sees only projects whose
    `contractor_uscc` is its organisation's."""

    code = models.CharField(_("项目编号"), max_length=40, unique=True)
    name = models.CharField(_("项目名称"), max_length=160)
    region = models.ForeignKey("regions.Region", verbose_name=_("所在地区"), on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("项目地址"), max_length=200, blank=True)
    owner_name = models.CharField(_("建设单位"), max_length=120)
    owner_uscc = models.CharField(_("建设单位统一社会信用代码"), max_length=18, blank=True)
    contractor_name = models.CharField(_("施工总承包单位"), max_length=120)
    contractor_uscc = models.CharField(_("施工总承包单位统一社会信用代码"), max_length=18, db_index=True)
    contract_value = models.DecimalField(_("合同金额（元）"), **MONEY)
    labour_share = models.DecimalField(_("人工费用占比"), max_digits=5, decimal_places=4, null=True, blank=True,
                                       help_text=_("人工费用占工程款的比例，如 0.25 表示 25%。"))
    disbursement_cycle_months = models.PositiveSmallIntegerField(_("人工费用拨付周期（月）"), default=1)
    contract_signed_on = models.DateField(_("合同签订日期"))
    permit_on = models.DateField(_("施工许可证日期"), null=True, blank=True,
                                 help_text=_("依法不需要办理施工许可证的工程留空，工资保证金存储期限从合同签订日期起算。"))
    start_on = models.DateField(_("开工日期"), null=True, blank=True)
    planned_end_on = models.DateField(_("计划竣工日期"), null=True, blank=True)
    completed_on = models.DateField(_("竣工日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.BUILDING)
    supervisor_name = models.CharField(_("劳资专管员"), max_length=50, blank=True)
    supervisor_phone_masked = models.CharField(_("劳资专管员电话"), max_length=11, blank=True)
    supervisor_phone_enc = models.TextField(blank=True, editable=False)
    notice_board_on = models.DateField(_("维权信息告示牌设立日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["region_id", "code"]
        verbose_name = _("工程建设项目")
        verbose_name_plural = _("工程建设项目")
        indexes = [models.Index(fields=["region", "status"], name="project_region_status")]
        constraints = [
            models.CheckConstraint(condition=models.Q(contract_value__gt=0), name="project_value_positive"),
            models.CheckConstraint(condition=models.Q(disbursement_cycle_months__gte=1), name="project_cycle_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Subcontractor(models.Model):
    class Kind(models.TextChoices):
        SPECIALIST = "specialist", _("专业分包")
        LABOUR = "labour", _("劳务分包")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="subcontractors")
    name = models.CharField(_("分包单位"), max_length=120)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    kind = models.CharField(_("分包类型"), max_length=10, choices=Kind.choices, default=Kind.LABOUR)

    class Meta:
        ordering = ["id"]
        verbose_name = _("分包单位")
        verbose_name_plural = _("分包单位")

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="teams")
    subcontractor = models.ForeignKey(Subcontractor, verbose_name=_("所属分包单位"), null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="teams")
    name = models.CharField(_("班组"), max_length=60)
    leader = models.CharField(_("班组长"), max_length=50, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("班组")
        verbose_name_plural = _("班组")
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="team_unique_name")]

    def __str__(self) -> str:
        return self.name


class RosterEntry(_Identity):
    """A worker on a project's real-name roster (实名制花名册). Linked to the ledger when the ID
    number is there; the roster itself is not the ledger of workers in difficulty."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="roster")
    team = models.ForeignKey(Team, verbose_name=_("班组"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="members")
    worker = models.ForeignKey("registry.Worker", verbose_name=_("台账人员"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="rosters")
    name = models.CharField(_("姓名"), max_length=50)
    trade = models.CharField(_("工种"), max_length=40, blank=True)
    contract_signed = models.BooleanField(_("已签劳动合同"), default=False)
    bank_account_masked = models.CharField(_("本人工资卡"), max_length=30, blank=True)
    entered_on = models.DateField(_("进场日期"))
    exited_on = models.DateField(_("退场日期"), null=True, blank=True)
    settled_on = models.DateField(_("工资结清确认日期"), null=True, blank=True)

    class Meta:
        ordering = ["project_id", "id"]
        verbose_name = _("实名制人员")
        verbose_name_plural = _("实名制人员")
        constraints = [models.UniqueConstraint(fields=["project", "id_number_hash"], name="roster_unique_person")]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_number_masked}）"


class Attendance(models.Model):
    """A roster worker's attendance in a month (the first day of the month names it)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="attendance")
    roster = models.ForeignKey(RosterEntry, on_delete=models.CASCADE, related_name="attendance")
    month = models.DateField(_("月份"))
    days = models.DecimalField(_("出勤天数"), max_digits=4, decimal_places=1)

    class Meta:
        verbose_name = _("考勤")
        verbose_name_plural = _("考勤")
        constraints = [
            models.UniqueConstraint(fields=["roster", "month"], name="attendance_unique_month"),
            models.CheckConstraint(condition=models.Q(days__gte=0, days__lte=31), name="attendance_days_range"),
        ]
        indexes = [models.Index(fields=["project", "month"], name="attendance_project_month")]

    def __str__(self) -> str:
        return f"{self.roster_id} {self.month:%Y-%m} {self.days}"


class PayrollSheet(models.Model):
    """A month's wage sheet of one paying unit on a project (art. 15 of the wage payment
    regulation: the payer, the pay cycle and pay date; its lines carry the rest)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="payrolls")
    month = models.DateField(_("工资所属月份"))
    payer_name = models.CharField(_("用人单位"), max_length=120)
    pay_date = models.DateField(_("支付日期"))
    paid_by_contractor = models.BooleanField(_("总包代发"), default=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project_id", "-month"]
        verbose_name = _("工资支付台账")
        verbose_name_plural = _("工资支付台账")
        constraints = [models.UniqueConstraint(fields=["project", "month", "payer_name"], name="payroll_unique_month")]

    def __str__(self) -> str:
        return f"{self.payer_name} {self.month:%Y-%m}"


class PayrollLine(models.Model):
    """One worker's line of a wage sheet (art. 15: working time, gross items and amounts,
    deductions, net pay, bank voucher or the worker's signature). Project and month are copied
    from the sheet so the warning sweep aggregates without a join."""

    sheet = models.ForeignKey(PayrollSheet, on_delete=models.CASCADE, related_name="lines")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    roster = models.ForeignKey(RosterEntry, on_delete=models.CASCADE, related_name="pay")
    work_days = models.DecimalField(_("出勤天数"), max_digits=4, decimal_places=1)
    gross = models.DecimalField(_("应发工资（元）"), **MONEY)
    items = models.JSONField(_("应发项目"), default=dict, blank=True)
    deductions = models.DecimalField(_("代扣代缴（元）"), default=0, **MONEY)
    net = models.DecimalField(_("实发工资（元）"), **MONEY)
    bank_reference = models.CharField(_("银行支付凭证号"), max_length=60, blank=True)
    signed = models.BooleanField(_("本人签字确认"), default=False)
    paid_on = models.DateField(_("实际支付日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("工资支付明细")
        verbose_name_plural = _("工资支付明细")
        constraints = [models.UniqueConstraint(fields=["sheet", "roster"], name="payroll_line_unique")]
        indexes = [models.Index(fields=["project", "month"], name="payroll_line_project_month")]

    def __str__(self) -> str:
        return f"{self.roster_id} {self.month:%Y-%m} {self.net}"


class WageAccount(models.Model):
    """The project's special wage account (农民工工资专用账户)."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="wage_account")
    bank = models.CharField(_("开户银行"), max_length=80)
    account_masked = models.CharField(_("账号"), max_length=30)
    account_enc = models.TextField(blank=True, editable=False)
    opened_on = models.DateField(_("开户日期"))
    filed_on = models.DateField(_("备案日期"), null=True, blank=True)
    closed_on = models.DateField(_("销户日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("农民工工资专用账户")
        verbose_name_plural = _("农民工工资专用账户")

    def __str__(self) -> str:
        return f"{self.bank} {self.account_masked}"


class EntryKind(models.TextChoices):
    ALLOCATION = "allocation", _("建设单位拨付人工费用")
    WAGE = "wage", _("代发工资")
    RETURN = "return", _("退回")


class AccountEntry(models.Model):
    """A line of the special account's bank statement: an inflow (labour-cost allocation from the
    owner) or an outflow (a wage paid into a worker's own account)."""

    account = models.ForeignKey(WageAccount, on_delete=models.CASCADE, related_name="entries")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类型"), max_length=10, choices=EntryKind.choices)
    booked_on = models.DateField(_("记账日期"))
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    roster = models.ForeignKey(RosterEntry, verbose_name=_("收款人"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    month = models.DateField(_("工资所属月份"), null=True, blank=True)
    reference = models.CharField(_("流水号"), max_length=60)

    class Meta:
        ordering = ["booked_on", "id"]
        verbose_name = _("专户流水")
        verbose_name_plural = _("专户流水")
        constraints = [
            models.UniqueConstraint(fields=["account", "reference"], name="account_entry_unique_ref"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="account_entry_positive"),
        ]
        indexes = [models.Index(fields=["project", "kind", "booked_on"], name="account_entry_project")]

    def __str__(self) -> str:
        return f"{self.booked_on} {self.kind} {self.amount}"


class WageDeposit(models.Model):
    """The project's wage deposit (工资保证金): the rate and amount the rules give, or the exemption
    and its reason; its movements below."""

    class Form(models.TextChoices):
        CASH = "cash", _("现金存储")
        BANK_GUARANTEE = "bank_guarantee", _("银行保函")
        INSURANCE = "insurance", _("工程担保公司保函或保险")

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="deposit")
    rate = models.DecimalField(_("存储比例"), max_digits=6, decimal_places=4, null=True, blank=True)
    amount_due = models.DecimalField(_("应存金额（元）"), null=True, blank=True, **MONEY)
    exempt = models.BooleanField(_("免于存储"), default=False)
    basis = models.CharField(_("计算依据"), max_length=300, blank=True)
    form = models.CharField(_("存储方式"), max_length=16, choices=Form.choices, blank=True)
    bank = models.CharField(_("存储银行"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("工资保证金")
        verbose_name_plural = _("工资保证金")

    def __str__(self) -> str:
        return f"{self.project_id} {self.amount_due}"


class DepositMovement(models.Model):
    class Kind(models.TextChoices):
        LODGED = "lodged", _("存储")
        PAID_OUT = "paid_out", _("动用支付")
        TOPPED_UP = "topped_up", _("补足")
        RETURNED = "returned", _("返还")

    deposit = models.ForeignKey(WageDeposit, on_delete=models.CASCADE, related_name="movements")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    on = models.DateField(_("日期"))
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    case = models.ForeignKey(ArrearsCase, verbose_name=_("关联欠薪案件"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("保证金收支")
        verbose_name_plural = _("保证金收支")
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="deposit_movement_positive")]

    def __str__(self) -> str:
        return f"{self.on} {self.kind} {self.amount}"


class ProjectImport(Job):
    """A contractor's upload of a roster, attendance, payroll or bank statement workbook."""

    class Kind(models.TextChoices):
        ROSTER = "roster", _("实名制花名册")
        ATTENDANCE = "attendance", _("考勤表")
        PAYROLL = "payroll", _("工资表")
        STATEMENT = "statement", _("专户银行流水")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="imports")
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    month = models.DateField(_("所属月份"), null=True, blank=True)
    filename = models.CharField(_("文件名"), max_length=200)
    stored_name = models.CharField(max_length=200, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)

    class Meta(Job.Meta):
        verbose_name = _("项目数据导入")
        verbose_name_plural = _("项目数据导入")

    def job_files(self):
        from anju.workflow.uploads import stored_files

        return stored_files(self)


# Early warning --------------------------------------------------------------------------------
class Level(models.IntegerChoices):
    YELLOW = 1, _("黄色")
    ORANGE = 2, _("橙色")
    RED = 3, _("红色")


class WarningStatus(models.TextChoices):
    OPEN = "open", _("待处置")
    DISMISSED = "dismissed", _("已排除")
    CASE = "case", _("已立案")
    CLEARED = "cleared", _("已消除")


class Warning(models.Model):
    """A warning a rule raised on a project for a period (`period` is the month, or the day the
    condition began). The sweep raises it once, keeps `last_seen_on` while it holds, and clears
    it when it no longer does; an inspector dismisses it with a reason or opens a case."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="warnings")
    rule = models.CharField(_("预警规则"), max_length=40)
    level = models.PositiveSmallIntegerField(_("预警等级"), choices=Level.choices)
    period = models.DateField(_("所属期间"))
    detail = models.JSONField(_("预警数据"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=WarningStatus.choices, default=WarningStatus.OPEN)
    raised_on = models.DateField(_("预警日期"))
    last_seen_on = models.DateField(_("最近确认日期"))
    cleared_on = models.DateField(_("消除日期"), null=True, blank=True)
    dismissed_reason = models.CharField(_("排除理由"), max_length=300, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey(ArrearsCase, verbose_name=_("立案"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")

    class Meta:
        ordering = ["-level", "-raised_on", "id"]
        verbose_name = _("欠薪预警")
        verbose_name_plural = _("欠薪预警")
        constraints = [models.UniqueConstraint(fields=["project", "rule", "period"], name="warning_unique_period")]
        indexes = [models.Index(fields=["status", "level"], name="warning_status_level")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.rule} {self.period}"


class SweepRun(Job):
    """One run of the daily warning sweep (`anju sweep-warnings --date D`)."""

    on = models.DateField(_("预警日期"))
    counts = models.JSONField(default=dict, blank=True)

    class Meta(Job.Meta):
        verbose_name = _("预警扫描")
        verbose_name_plural = _("预警扫描")
