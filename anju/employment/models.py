from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from anju.lib import crypto
from anju.lib.identifiers import IdentifierError, validate_uscc
from anju.workflow.jobs import Job


class SizeClass(models.TextChoices):
    MICRO = "micro", _("微型")
    SMALL = "small", _("小型")
    MEDIUM = "medium", _("中型")
    LARGE = "large", _("大型")
    # A government office, public institution or village committee running public welfare posts:
    # an employer of the ledger, never an enterprise of any size.
    PUBLIC = "public", _("机关事业单位或基层组织")


SME_CLASSES = (SizeClass.MICRO, SizeClass.SMALL, SizeClass.MEDIUM)


class Employer(models.Model):
    name = models.CharField(_("单位名称"), max_length=120)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    size_class = models.CharField(_("企业规模"), max_length=8, choices=SizeClass.choices)
    industry = models.CharField(_("行业"), max_length=60, blank=True)
    staff_count = models.PositiveIntegerField(_("职工人数"), null=True, blank=True)
    region = models.ForeignKey("regions.Region", verbose_name=_("所在地区"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("用人单位")
        verbose_name_plural = _("用人单位")
        indexes = [models.Index(fields=["region"], name="employer_region")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        try:
            self.uscc = validate_uscc(self.uscc)
        except IdentifierError:
            raise ValidationError({"uscc": _("统一社会信用代码不正确（应为 18 位，末位校验码须正确）。")}) from None

    @property
    def is_sme(self) -> bool:
        return self.size_class in SME_CLASSES


class Hire(models.Model):
    """One worker hired by one employer: the contract and the insurance the employer pays."""

    worker = models.ForeignKey("registry.Worker", verbose_name=_("劳动者"), on_delete=models.CASCADE, related_name="hires")
    employer = models.ForeignKey(Employer, verbose_name=_("用人单位"), on_delete=models.PROTECT, related_name="hires")
    start_date = models.DateField(_("入职日期"))
    end_date = models.DateField(_("离职日期"), null=True, blank=True)
    contract_months = models.PositiveIntegerField(_("合同期限（月）"))
    pension_insured = models.BooleanField(_("参加养老保险"), default=False)
    medical_insured = models.BooleanField(_("参加医疗保险"), default=False)
    unemployment_insured = models.BooleanField(_("参加失业保险"), default=False)
    pension_premium_monthly = models.DecimalField(_("单位月缴养老保险费（元）"), max_digits=10, decimal_places=2, default=0)
    medical_premium_monthly = models.DecimalField(_("单位月缴医疗保险费（元）"), max_digits=10, decimal_places=2, default=0)
    unemployment_premium_monthly = models.DecimalField(
        _("单位月缴失业保险费（元）"), max_digits=10, decimal_places=2, default=0
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("用工记录")
        verbose_name_plural = _("用工记录")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="hire_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.worker.name} @ {self.employer.name}"


class EmployerYear(models.Model):
    """An employer's social-insurance year, as the tax and insurance records give it: what the
    job-stabilisation refund reads (premiums paid, months paid, staff and layoffs)."""

    employer = models.ForeignKey(Employer, verbose_name=_("用人单位"), on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("年度"))
    ui_months_paid = models.PositiveSmallIntegerField(_("失业保险缴费月数"), default=0)
    ui_premiums_paid = models.DecimalField(_("全年缴纳失业保险费（元）"), max_digits=14, decimal_places=2, default=0)
    average_staff = models.PositiveIntegerField(_("年平均参保职工人数"), default=0)
    layoffs = models.PositiveIntegerField(_("年度裁员人数"), default=0)

    class Meta:
        verbose_name = _("用人单位年度参保情况")
        verbose_name_plural = _("用人单位年度参保情况")
        constraints = [
            models.UniqueConstraint(fields=["employer", "year"], name="employer_year_unique"),
            models.CheckConstraint(condition=models.Q(ui_months_paid__lte=12), name="employer_year_months_le_12"),
        ]

    def __str__(self) -> str:
        return f"{self.employer_id} {self.year}"


class BusinessKind(models.TextChoices):
    COMPANY = "company", _("企业")
    INDIVIDUAL = "individual", _("个体工商户")
    ONLINE_SHOP = "online_shop", _("网店")


class Business(models.Model):
    """A business a worker founded (返乡入乡创业). Minimal: what the start-up subsidy reads."""

    founder = models.ForeignKey("registry.Worker", verbose_name=_("创业者"), on_delete=models.CASCADE, related_name="businesses")
    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=12, choices=BusinessKind.choices)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    region = models.ForeignKey("regions.Region", verbose_name=_("经营地"), on_delete=models.PROTECT, related_name="+")
    founded_on = models.DateField(_("成立日期"))
    founder_is_legal_rep = models.BooleanField(_("创业者为法定代表人或负责人"), default=True)
    first_business = models.BooleanField(_("首次创业"), default=True)
    closed_on = models.DateField(_("停业日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("创业实体")
        verbose_name_plural = _("创业实体")

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------------------------------------
# Employment services (就业援助): postings, matching, referrals and placements, campaigns,
# point-to-point transport, public welfare posts.


class OccupationGroup(models.TextChoices):
    """The eight major groups (大类) of the national occupational classification (职业分类大典)."""

    HEADS = "1", _("党的机关、国家机关、群众团体和社会组织、企事业单位负责人")
    PROFESSIONALS = "2", _("专业技术人员")
    CLERKS = "3", _("办事人员和有关人员")
    SERVICES = "4", _("社会生产服务和生活服务人员")
    FARMING = "5", _("农、林、牧、渔业生产及辅助人员")
    PRODUCTION = "6", _("生产制造及有关人员")
    MILITARY = "7", _("军人")
    OTHER = "8", _("不便分类的其他从业人员")


class Physical(models.TextChoices):
    LIGHT = "light", _("轻体力")
    MEDIUM = "medium", _("中等体力")
    HEAVY = "heavy", _("重体力")


class Occupation(models.Model):
    """One occupation of the catalogue (anju/employment/occupations.yaml, synced on migrate), with
    the everyday names people use for it (烧焊 → 电焊工)."""

    key = models.SlugField(_("标识"), max_length=40, unique=True)
    code = models.CharField(_("职业代码"), max_length=20, blank=True)
    name = models.CharField(_("职业名称"), max_length=60)
    group = models.CharField(_("大类"), max_length=1, choices=OccupationGroup.choices)
    aliases = models.TextField(_("俗称"), blank=True, help_text=_("常用叫法，以“、”分隔"))
    physical = models.CharField(_("体力要求"), max_length=8, choices=Physical.choices, default=Physical.MEDIUM)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "key"]
        verbose_name = _("职业")
        verbose_name_plural = _("职业")

    def __str__(self) -> str:
        return self.name

    @property
    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.aliases.replace(",", "、").split("、") if a.strip()]


class PostingKind(models.TextChoices):
    REGULAR = "regular", _("全职岗位")
    ODD_JOB = "odd_job", _("零工")
    PUBLIC_WELFARE = "public_welfare", _("公益性岗位")
    TEMPORARY = "temporary", _("临时性岗位")


class PostingStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("招聘中")
    PAUSED = "paused", _("已暂停")
    FILLED = "filled", _("已招满")
    CLOSED = "closed", _("已关闭")


class PayUnit(models.TextChoices):
    MONTH = "month", _("元/月")
    DAY = "day", _("元/天")
    HOUR = "hour", _("元/小时")


class PostingSource(models.TextChoices):
    STAFF = "staff", _("工作人员录入")
    EMPLOYER = "employer", _("用人单位发布")
    IMPORT = "import", _("批量导入")


class JobPosting(models.Model):
    """A job on offer. Employer users post for their own organisation; staff post for any unit in
    their jurisdiction (a village running public welfare posts, a fair's stall). The rules that
    apply to its kind (a public welfare post's subsidy bounds, a temporary post's length and pay)
    are checked when it is published; `rule_check` keeps what they said."""

    kind = models.CharField(_("岗位类型"), max_length=16, choices=PostingKind.choices)
    status = models.CharField(_("状态"), max_length=12, choices=PostingStatus.choices, default=PostingStatus.DRAFT)
    title = models.CharField(_("岗位名称"), max_length=80)
    occupation = models.ForeignKey(Occupation, verbose_name=_("职业"), on_delete=models.PROTECT, related_name="postings")
    employer = models.ForeignKey(Employer, verbose_name=_("用人单位"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="postings")
    unit_name = models.CharField(_("招聘单位"), max_length=120)
    region = models.ForeignKey("regions.Region", verbose_name=_("工作地点"), on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("详细地址"), max_length=200, blank=True)
    description = models.TextField(_("工作内容"), blank=True)
    pay_unit = models.CharField(_("计薪方式"), max_length=8, choices=PayUnit.choices, default=PayUnit.MONTH)
    pay_min = models.DecimalField(_("最低薪酬"), max_digits=10, decimal_places=2)
    pay_max = models.DecimalField(_("最高薪酬"), max_digits=10, decimal_places=2)
    # The pay range as a month's pay (a day's or an hour's pay times the month's working days or
    # hours, parameters), for the worker's pay floor; None while those parameters are not set.
    pay_monthly_min = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True, editable=False)
    pay_monthly_max = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True, editable=False)
    headcount = models.PositiveIntegerField(_("招聘人数"), default=1)
    hired_count = models.PositiveIntegerField(_("已录用人数"), default=0)
    start_date = models.DateField(_("开工日期"), null=True, blank=True)
    duration_days = models.PositiveIntegerField(_("用工天数"), null=True, blank=True)
    duration_hours = models.PositiveIntegerField(_("用工小时数"), null=True, blank=True)
    contract_months = models.PositiveIntegerField(_("岗位期限（月）"), null=True, blank=True)
    accident_insurance_cover = models.DecimalField(_("人身意外伤害保险保额（元）"), max_digits=12, decimal_places=2,
                                                   null=True, blank=True)
    certificate = models.CharField(_("所需证书"), max_length=60, blank=True)
    age_min = models.PositiveSmallIntegerField(_("最低年龄"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("最高年龄"), null=True, blank=True)
    physical = models.CharField(_("体力要求"), max_length=8, choices=Physical.choices, default=Physical.MEDIUM)
    requirements = models.TextField(_("其他要求"), blank=True)
    contact_name = models.CharField(_("联系人"), max_length=30, blank=True)
    contact_phone_enc = models.TextField(blank=True, editable=False)
    contact_phone_masked = models.CharField(_("联系电话"), max_length=11, blank=True, editable=False)
    valid_from = models.DateField(_("发布日期"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    close_reason = models.CharField(_("关闭原因"), max_length=200, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=PostingSource.choices, default=PostingSource.STAFF)
    import_job = models.ForeignKey("employment.PostingImport", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="postings", db_index=False)
    rule_check = models.JSONField(_("规则校验"), default=list, blank=True)
    doc_len = models.PositiveIntegerField(default=0, editable=False)  # tokens indexed (BM25)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_index=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("招聘岗位")
        verbose_name_plural = _("招聘岗位")
        indexes = [
            models.Index(fields=["status", "region"], name="posting_status_region"),
            # Leads with (region, status) like the plain index it replaced, and carries every
            # column of the hard filters and the recency order: "the nearest and newest open
            # jobs" of a town is read from the index alone (benchmarks/bench_matching.py).
            models.Index(fields=["region", "status", "published_at", "id", "valid_from", "valid_until",
                                 "pay_monthly_max", "certificate", "age_min", "age_max", "physical", "start_date"],
                         name="posting_region_cover"),
            # The hard filters read from the index alone when the text matches are checked
            # against every open posting of a wide range (matching.bm25's fallback: a worker who
            # would go anywhere in the province): the physical demand before the region, so a
            # light-work seeker reads the light postings of the range, not all of them.
            models.Index(fields=["status", "physical", "region", "pay_monthly_max", "certificate", "valid_from",
                                 "valid_until", "age_min", "age_max", "start_date", "id"],
                         name="posting_filter_cover"),
            models.Index(fields=["employer", "status"], name="posting_employer"),
            models.Index(fields=["kind", "status"], name="posting_kind"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(pay_max__gte=F("pay_min")), name="posting_pay_range"),
            models.CheckConstraint(condition=Q(pay_min__gte=0), name="posting_pay_positive"),
            models.CheckConstraint(condition=Q(age_max__isnull=True) | Q(age_min__isnull=True) | Q(age_max__gte=F("age_min")),
                                   name="posting_age_range"),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.unit_name}）"

    @property
    def region_code(self) -> str:
        return self.region_id

    @property
    def contact_phone(self) -> str:
        return crypto.decrypt(self.contact_phone_enc) if self.contact_phone_enc else ""

    @property
    def is_open(self) -> bool:
        return self.status == PostingStatus.PUBLISHED


class PostingImport(Job):
    """Postings collected in a workbook or CSV (a job fair's stalls), imported through the tabular
    import: every row checked, nothing saved unless all rows pass."""

    region_prefix = models.CharField(_("地区"), max_length=12)
    filename = models.CharField(_("文件名"), max_length=200)
    stored_name = models.CharField(max_length=200, blank=True)
    publish = models.BooleanField(_("导入后直接发布"), default=False)
    campaign = models.ForeignKey("employment.Campaign", verbose_name=_("所属活动"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    row_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)

    class Meta(Job.Meta):
        verbose_name = _("岗位批量导入")
        verbose_name_plural = _("岗位批量导入")

    def job_files(self):
        from anju.workflow.uploads import stored_files

        return stored_files(self)


class PostingTerm(models.Model):
    """The inverted index of published postings (BM25): one row per token of a posting's text,
    with its count (tf) and the posting's length (dl). Only published postings are indexed."""

    posting = models.ForeignKey(JobPosting, on_delete=models.CASCADE, related_name="terms", db_index=False)
    term = models.CharField(max_length=40)
    tf = models.PositiveSmallIntegerField()
    dl = models.PositiveSmallIntegerField()
    # The row's BM25 term weight at a reference length (matching.impact; the idf, the same for
    # every row of a term, left out): orders each term's rows best first, so a query reads only
    # the top of each list (docs/matching.md, "Impact-ordered lists").
    impact = models.FloatField(default=0.0)

    class Meta:
        indexes = [models.Index(fields=["term", "posting", "tf", "dl"], name="posting_term"),
                   models.Index(fields=["term", "-impact", "posting", "tf", "dl"], name="posting_term_impact"),
                   models.Index(fields=["posting"], name="posting_term_posting")]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class Seeker(models.Model):
    """A worker as job matching sees them (求职登记): the ledger's desired occupation, skills,
    desired place and expected pay, with what matching adds (available from, certificates, how
    far they would go). Kept in step with the ledger by `anju.employment.seekers`."""

    class Range(models.TextChoices):
        TOWN = "town", _("本乡镇（街道）")
        COUNTY = "county", _("本县（市、区）")
        CITY = "city", _("本市")
        PROVINCE = "province", _("本省")
        ANY = "any", _("不限")

    worker = models.OneToOneField("registry.Worker", verbose_name=_("劳动者"), primary_key=True, on_delete=models.CASCADE,
                                  related_name="seeker")
    active = models.BooleanField(_("正在求职"), default=True)
    region_code = models.CharField(max_length=12)  # where they live (the ledger's residence)
    work_range = models.CharField(_("求职范围"), max_length=10, choices=Range.choices, default=Range.COUNTY)
    range_prefix = models.CharField(max_length=12, blank=True)  # the division code prefix of that range
    pay_floor = models.DecimalField(_("期望月薪不低于（元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    birth_date = models.DateField()
    available_from = models.DateField(_("可到岗日期"), null=True, blank=True)
    certificates = models.CharField(_("持有证书"), max_length=300, blank=True, help_text=_("以“、”分隔"))
    physical = models.CharField(_("可承受体力"), max_length=8, choices=Physical.choices, default=Physical.HEAVY)
    occupation = models.ForeignKey(Occupation, verbose_name=_("意向职业"), null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    doc_len = models.PositiveIntegerField(default=0, editable=False)
    indexed_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("求职登记")
        verbose_name_plural = _("求职登记")
        indexes = [models.Index(fields=["range_prefix", "active"], name="seeker_range"),
                   models.Index(fields=["region_code"], name="seeker_region")]

    def __str__(self) -> str:
        return str(self.worker_id)


class SeekerTerm(models.Model):
    """The inverted index of active seekers: one row per token of their desired occupation and
    skills (with the occupation's names), as PostingTerm."""

    seeker = models.ForeignKey(Seeker, on_delete=models.CASCADE, related_name="terms", db_index=False)
    term = models.CharField(max_length=40)
    tf = models.PositiveSmallIntegerField()
    dl = models.PositiveSmallIntegerField()
    impact = models.FloatField(default=0.0)  # as PostingTerm.impact

    class Meta:
        indexes = [models.Index(fields=["term", "seeker", "tf", "dl"], name="seeker_term"),
                   models.Index(fields=["term", "-impact", "seeker", "tf", "dl"], name="seeker_term_impact"),
                   models.Index(fields=["seeker"], name="seeker_term_seeker")]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class MatchEvent(models.Model):
    """What a matching list showed and what was chosen from it, for a learned ranker later."""

    class Kind(models.TextChoices):
        SHOWN = "shown", _("展示")
        CHOSEN = "chosen", _("选中")

    class Direction(models.TextChoices):
        JOBS_FOR_WORKER = "jobs", _("为劳动者找岗位")
        WORKERS_FOR_JOB = "workers", _("为岗位找劳动者")
        PUBLIC_SEARCH = "search", _("公众搜索")

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    worker_id = models.BigIntegerField(null=True)
    posting_id = models.BigIntegerField()
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()
    parts = models.JSONField(default=dict)
    query = models.CharField(max_length=100, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             db_index=False)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["at"], name="match_event_at")]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class ReferralStatus(models.TextChoices):
    RECOMMENDED = "recommended", _("已推荐")
    CONTACTED = "contacted", _("已联系")
    INTERVIEWED = "interviewed", _("已面试")
    HIRED = "hired", _("已录用")
    NOT_HIRED = "not_hired", _("未录用")
    WITHDRAWN = "withdrawn", _("已撤销")


REFERRAL_OPEN = (ReferralStatus.RECOMMENDED, ReferralStatus.CONTACTED, ReferralStatus.INTERVIEWED)


class ReferralOrigin(models.TextChoices):
    STAFF = "staff", _("工作人员推荐")
    INTEREST = "interest", _("求职者报名")
    EMPLOYER = "employer", _("用人单位邀约")


class Referral(models.Model):
    """A job recommended to a worker (岗位推荐) and what came of it: contacted → interviewed →
    hired / not hired (with the reason). Each open stage is a follow-up task on the officer's
    queue; a hire makes the ledger's Hire."""

    worker = models.ForeignKey("registry.Worker", verbose_name=_("劳动者"), on_delete=models.CASCADE, related_name="referrals")
    posting = models.ForeignKey(JobPosting, verbose_name=_("岗位"), on_delete=models.PROTECT, related_name="referrals")
    status = models.CharField(_("状态"), max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.RECOMMENDED)
    origin = models.CharField(_("来源"), max_length=10, choices=ReferralOrigin.choices, default=ReferralOrigin.STAFF)
    region_code = models.CharField(max_length=12)  # the worker's residence: whose town follows up
    reason = models.CharField(_("未录用原因"), max_length=200, blank=True)
    note = models.CharField(_("推荐说明"), max_length=200, blank=True)
    hire = models.OneToOneField(Hire, null=True, blank=True, on_delete=models.SET_NULL, related_name="referral")
    interest = models.ForeignKey("employment.JobInterest", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="referrals")
    score = models.FloatField(null=True, blank=True)  # the matcher's score when it was recommended
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", db_index=False)
    created_at = models.DateTimeField(_("推荐时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("岗位推荐")
        verbose_name_plural = _("岗位推荐")
        indexes = [models.Index(fields=["region_code", "status"], name="referral_region_status"),
                   models.Index(fields=["posting", "status"], name="referral_posting")]
        constraints = [
            models.UniqueConstraint(fields=["worker", "posting"], condition=Q(status__in=REFERRAL_OPEN),
                                    name="referral_one_open"),
        ]

    def __str__(self) -> str:
        return f"{self.worker_id} → {self.posting_id}"

    @property
    def is_open(self) -> bool:
        return self.status in REFERRAL_OPEN


class ReferralEvent(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=12, choices=ReferralStatus.choices)
    note = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                           db_index=False)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class InterestStatus(models.TextChoices):
    NEW = "new", _("待跟进")
    REFERRED = "referred", _("已转推荐")
    CLOSED = "closed", _("已结束")


class JobInterest(models.Model):
    """"I'm interested" from the public board, the phone confirmed by an SMS code. Staff of the
    posting's town follow it up (a task), usually turning it into a referral."""

    posting = models.ForeignKey(JobPosting, verbose_name=_("岗位"), on_delete=models.CASCADE, related_name="interests")
    name = models.CharField(_("姓名"), max_length=50)
    phone_enc = models.TextField(editable=False)
    phone_hash = models.CharField(max_length=64, db_index=True, editable=False)
    phone_masked = models.CharField(_("手机号码"), max_length=11, editable=False)
    worker = models.ForeignKey("registry.Worker", verbose_name=_("劳动者"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="job_interests")
    note = models.CharField(_("留言"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=InterestStatus.choices, default=InterestStatus.NEW)
    region_code = models.CharField(max_length=12)  # the posting's place
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_index=False)
    close_reason = models.CharField(_("结束原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("报名时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("求职报名")
        verbose_name_plural = _("求职报名")
        indexes = [models.Index(fields=["region_code", "status"], name="interest_region_status")]
        constraints = [models.UniqueConstraint(fields=["posting", "phone_hash"], name="interest_once_per_phone")]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_enc)


class CampaignKind(models.TextChoices):
    SPRING_BREEZE = "spring_breeze", _("春风行动")
    ASSISTANCE_MONTH = "assistance_month", _("就业援助月")
    PRIVATE_ENTERPRISE = "private_enterprise", _("民营企业招聘月")
    GOLDEN_AUTUMN = "golden_autumn", _("金秋招聘月")
    WARM_RETURN = "warm_return", _("暖心返岗")
    OTHER = "other", _("其他专项活动")


class Campaign(models.Model):
    """A recruitment campaign: its dates and region, the employers taking part, the postings on
    offer and its fairs. The figures are counted, not entered (anju.employment.campaigns)."""

    kind = models.CharField(_("活动类型"), max_length=20, choices=CampaignKind.choices)
    name = models.CharField(_("活动名称"), max_length=100)
    region = models.ForeignKey("regions.Region", verbose_name=_("活动地区"), on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    description = models.TextField(_("活动说明"), blank=True)
    employers = models.ManyToManyField(Employer, verbose_name=_("参与单位"), blank=True, related_name="campaigns")
    postings = models.ManyToManyField(JobPosting, verbose_name=_("活动岗位"), blank=True, related_name="campaigns")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("招聘活动")
        verbose_name_plural = _("招聘活动")
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="campaign_dates")]

    def __str__(self) -> str:
        return self.name

    @property
    def region_code(self) -> str:
        return self.region_id


class CampaignFair(models.Model):
    class Mode(models.TextChoices):
        ONLINE = "online", _("线上")
        OFFLINE = "offline", _("线下")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="fairs")
    name = models.CharField(_("招聘会名称"), max_length=100)
    mode = models.CharField(_("形式"), max_length=8, choices=Mode.choices)
    held_on = models.DateField(_("举办日期"))
    place = models.CharField(_("地点或网址"), max_length=200, blank=True)
    employers_count = models.PositiveIntegerField(_("参会单位数"), null=True, blank=True)
    visitors_count = models.PositiveIntegerField(_("入场（访问）人次"), null=True, blank=True)

    class Meta:
        ordering = ["held_on", "id"]
        verbose_name = _("招聘会")
        verbose_name_plural = _("招聘会")

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class TripStatus(models.TextChoices):
    PLANNED = "planned", _("报名中")
    DEPARTED = "departed", _("已发车")
    ARRIVED = "arrived", _("已到达")
    CANCELLED = "cancelled", _("已取消")


class TransportTrip(models.Model):
    """A point-to-point trip (点对点) taking workers from home to an employer."""

    class Vehicle(models.TextChoices):
        BUS = "bus", _("大巴")
        TRAIN = "train", _("火车专列（车厢）")
        PLANE = "plane", _("包机")
        OTHER = "other", _("其他")

    origin_region = models.ForeignKey("regions.Region", verbose_name=_("出发地"), on_delete=models.PROTECT, related_name="+")
    origin_place = models.CharField(_("集合地点"), max_length=120)
    destination_employer = models.ForeignKey(Employer, verbose_name=_("目的地用人单位"), null=True, blank=True,
                                             on_delete=models.PROTECT, related_name="trips")
    destination_place = models.CharField(_("目的地"), max_length=120)
    departs_on = models.DateField(_("出发日期"))
    vehicle = models.CharField(_("交通工具"), max_length=8, choices=Vehicle.choices, default=Vehicle.BUS)
    vehicle_no = models.CharField(_("车牌或车次"), max_length=30, blank=True)
    seats = models.PositiveIntegerField(_("座位数"))
    fare = models.DecimalField(_("每人交通费用（元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=TripStatus.choices, default=TripStatus.PLANNED)
    campaign = models.ForeignKey(Campaign, verbose_name=_("所属活动"), null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="trips")
    departed_at = models.DateTimeField(_("发车时间"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("到达时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-departs_on", "-id"]
        verbose_name = _("点对点运送")
        verbose_name_plural = _("点对点运送")

    def __str__(self) -> str:
        return f"{self.origin_place} → {self.destination_place} {self.departs_on}"

    @property
    def region_code(self) -> str:
        return self.origin_region_id


class TripPassenger(models.Model):
    trip = models.ForeignKey(TransportTrip, on_delete=models.CASCADE, related_name="passengers")
    worker = models.ForeignKey("registry.Worker", verbose_name=_("劳动者"), on_delete=models.PROTECT, related_name="trips")
    on_the_spot = models.BooleanField(_("现场报名"), default=False)
    health_checked = models.BooleanField(_("已健康检查"), default=False)
    boarded = models.BooleanField(_("已上车"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("乘车人员")
        verbose_name_plural = _("乘车人员")
        constraints = [models.UniqueConstraint(fields=["trip", "worker"], name="trip_passenger_once")]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class AssignmentStatus(models.TextChoices):
    ACTIVE = "active", _("在岗")
    ENDED = "ended", _("已离岗")


class PostAssignment(models.Model):
    """A worker placed in a public welfare post (公益性岗位安置): the monthly subsidy (checked
    against the policy's bounds), the accident insurance, the tenure. The placement is the
    ledger's Hire by the unit that runs the post."""

    posting = models.ForeignKey(JobPosting, verbose_name=_("公益性岗位"), on_delete=models.PROTECT, related_name="assignments")
    worker = models.ForeignKey("registry.Worker", verbose_name=_("上岗人员"), on_delete=models.PROTECT,
                               related_name="post_assignments")
    hire = models.OneToOneField(Hire, null=True, blank=True, on_delete=models.SET_NULL, related_name="post_assignment")
    region_code = models.CharField(max_length=12)  # the post's place
    start_date = models.DateField(_("上岗日期"))
    end_date = models.DateField(_("离岗日期"), null=True, blank=True)
    end_reason = models.CharField(_("离岗原因"), max_length=200, blank=True)
    monthly_subsidy = models.DecimalField(_("月岗位补贴（元）"), max_digits=10, decimal_places=2)
    accident_insurance_cover = models.DecimalField(_("意外伤害保险保额（元）"), max_digits=12, decimal_places=2)
    insurance_policy_no = models.CharField(_("保单号"), max_length=60, blank=True)
    insured_until = models.DateField(_("保险有效期至"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=AssignmentStatus.choices, default=AssignmentStatus.ACTIVE)
    rule_check = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("公益性岗位安置")
        verbose_name_plural = _("公益性岗位安置")
        indexes = [models.Index(fields=["region_code", "status"], name="assignment_region")]
        constraints = [
            models.UniqueConstraint(fields=["worker"], condition=Q(status="active"), name="assignment_one_active"),
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                                   name="assignment_dates"),
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class PostAttendance(models.Model):
    """One month of a post holder's attendance and the subsidy due for it."""

    assignment = models.ForeignKey(PostAssignment, on_delete=models.CASCADE, related_name="attendance")
    month = models.DateField(_("月份"))  # first day of the month
    days_required = models.PositiveSmallIntegerField(_("应出勤天数"))
    days_present = models.PositiveSmallIntegerField(_("实际出勤天数"))
    subsidy_due = models.DecimalField(_("应发补贴（元）"), max_digits=10, decimal_places=2)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", db_index=False)
    recorded_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)  # a correction made from a stale page is refused

    class Meta:
        ordering = ["-month"]
        verbose_name = _("岗位考勤")
        verbose_name_plural = _("岗位考勤")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "month"], name="attendance_once_per_month"),
            models.CheckConstraint(condition=Q(days_present__lte=F("days_required")), name="attendance_days"),
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"
