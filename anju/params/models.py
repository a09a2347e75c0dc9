"""Dated regional parameters: named values (minimum wage, minimum living standard, rates) that
hold in a region from a date on and are inherited down the region tree.

The tables keep the names they had when parameters lived in the policy engine (policies_*): an
existing database keeps its rows (migration 0001 only takes over the models' state).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from anju.lib.i18n import is_english

# The source of a value the demo loader sets (anju/core/demo.py): shown as "演示数据" wherever the
# value is, and any figure resting on it says so.
DEMO_SOURCE = "演示数据"


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
        db_table = "policies_parameter"
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

    history = HistoricalRecords(table_name="policies_historicalparametervalue")

    class Meta:
        db_table = "policies_parametervalue"
        ordering = ["parameter__name", "region_prefix", "-valid_from"]
        verbose_name = _("参数取值")
        verbose_name_plural = _("参数取值")
        constraints = [
            models.UniqueConstraint(fields=["parameter", "region_prefix", "valid_from"], name="parameter_value_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.parameter.name}@{self.region_prefix or '*'} {self.valid_from}: {self.value}"

    @property
    def is_demo(self) -> bool:
        return self.source.strip().startswith(DEMO_SOURCE)

    @property
    def is_unsourced(self) -> bool:
        return not self.source.strip()
