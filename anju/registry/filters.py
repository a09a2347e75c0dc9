"""The ledger list's filters, shared by the list page, the export and the dashboard's links."""

from __future__ import annotations

import calendar
import datetime as dt

import django_filters
from django import forms
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from anju.lib.dates import today
from anju.regions.codes import prefix_q
from anju.registry.choices import DIFFICULTY_BITS, DifficultyType, EmploymentStatus
from anju.registry.models import Worker
from anju.registry.selectors import narrower_scope, search_workers

SORTS = {
    "name": "name", "-name": "-name",
    "birth_date": "birth_date", "-birth_date": "-birth_date",
    "updated": "updated_at", "-updated": "-updated_at",
    "verified": "last_verified_on", "-verified": "-last_verified_on",
    "region": "residence_region_id", "-region": "-residence_region_id",
}


class WorkerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="filter_q",
                                  widget=forms.TextInput(attrs={"placeholder": _("姓名、完整身份证号或手机尾号 4 位"), "class": "form-control", "type": "search"}))
    region = django_filters.CharFilter(label=_("地区"), method="filter_region")
    status = django_filters.ChoiceFilter(label=_("就业状态"), method="filter_status", choices=EmploymentStatus.choices,
                                         empty_label=_("全部状态"), widget=forms.Select(attrs={"class": "form-select"}))
    difficulty = django_filters.ChoiceFilter(
        label=_("困难类型"), method="filter_difficulty",
        choices=[("any", _("任一困难类型")), *DifficultyType.choices], empty_label=_("全部人员"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    long_unemployed = django_filters.BooleanFilter(label=_("登记失业超过 6 个月"), method="filter_long_unemployed",
                                                   widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    unverified = django_filters.BooleanFilter(label=_("12 个月内未核实"), method="filter_unverified",
                                              widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    sort = django_filters.ChoiceFilter(label=_("排序"), method="filter_sort", empty_label=_("最近登记"),
                                       choices=[
                                           ("name", _("姓名")), ("-name", _("姓名（倒序）")), ("-updated", _("最近更新")),
                                           ("updated", _("最早更新")), ("verified", _("最久未核实")), ("-verified", _("最近核实")),
                                           ("region", _("地区")), ("-region", _("地区（倒序）")),
                                           ("-birth_date", _("年龄从小到大")), ("birth_date", _("年龄从大到小")),
                                       ])

    class Meta:
        model = Worker
        fields: list[str] = []

    # Columns a broad filter reads. For a page query (walk_rows=True) they are read through
    # NoIndex, so SQLite walks rows in the sort order and stops at the page's end instead of
    # collecting every match through an index and sorting them (it has no range statistics to
    # know better). Counting keeps the indexes.
    _BROAD = ("employment_status", "unemployment_registered_on", "last_verified_on", "difficulty_mask")

    def __init__(self, *args, walk_rows: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.walk_rows = walk_rows
        if walk_rows:
            from anju.registry.selectors import NoIndex

            self.queryset = self.queryset.alias(**{f"_{c}": NoIndex(F(c), output_field=Worker._meta.get_field(c))
                                                   for c in self._BROAD})

    def col(self, name: str) -> str:
        return f"_{name}" if self.walk_rows and name in self._BROAD else name

    def filter_status(self, qs, name, value):
        return qs.filter(**{self.col("employment_status"): value}) if value else qs

    def filter_q(self, qs, name, value):
        return search_workers(qs, value)

    def filter_region(self, qs, name, value):
        # The list, the export and the API pass the region to workers_for_user(within=...) as a
        # narrower jurisdiction; this is for a FilterSet given it directly, with the same rules.
        scope = narrower_scope("", value)
        if scope is None:
            return qs.none()
        return qs.filter(prefix_q("residence_region_id", scope))

    def filter_difficulty(self, qs, name, value):
        mask = self.col("difficulty_mask")
        if value == "any":
            return qs.filter(**{f"{mask}__gt": 0})
        bit = DIFFICULTY_BITS[value]
        # Bits are few: list the masks that contain this bit, so the test is an IN on a column.
        return qs.filter(**{f"{mask}__in": [m for m in range(1 << len(DIFFICULTY_BITS)) if m & bit]})

    def filter_long_unemployed(self, qs, name, value):
        if not value:
            return qs
        return qs.filter(**{self.col("employment_status"): EmploymentStatus.UNEMPLOYED,
                            f"{self.col('unemployment_registered_on')}__lt": six_months_ago()})

    def filter_unverified(self, qs, name, value):
        if not value:
            return qs
        verified = self.col("last_verified_on")
        return qs.filter(Q(**{f"{verified}__isnull": True}) | Q(**{f"{verified}__lt": twelve_months_ago()}))

    def filter_sort(self, qs, name, value):
        return qs.order_by(SORTS.get(value, "-id"), "-id")

    @property
    def qs(self):
        qs = super().qs
        if not self.form.cleaned_data.get("sort"):
            qs = qs.order_by("-id")
        return qs


def _months_ago(months: int) -> dt.date:
    t = today()
    year, month = divmod(t.year * 12 + t.month - 1 - months, 12)
    month += 1
    return dt.date(year, month, min(t.day, calendar.monthrange(year, month)[1]))


def six_months_ago() -> dt.date:
    return _months_ago(6)


def twelve_months_ago() -> dt.date:
    return _months_ago(12)
