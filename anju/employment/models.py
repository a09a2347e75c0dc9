from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from anju.lib.identifiers import IdentifierError, validate_uscc


class SizeClass(models.TextChoices):
    MICRO = "micro", _("微型")
    SMALL = "small", _("小型")
    MEDIUM = "medium", _("中型")
    LARGE = "large", _("大型")


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
        return self.size_class != SizeClass.LARGE


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
