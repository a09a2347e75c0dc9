from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from anju.regions.selectors import region_name
from anju.registry.choices import DifficultyType
from anju.registry.models import Worker

_DIFFICULTY_LABELS = dict(DifficultyType.choices)


class WorkerTable(tables.Table):
    name = tables.Column(verbose_name=_("姓名"), order_by=("name",))
    id_number_masked = tables.Column(verbose_name=_("公民身份号码"), orderable=False, attrs={"td": {"class": "masked"}})
    gender = tables.Column(verbose_name=_("性别"), orderable=False)
    birth_date = tables.Column(verbose_name=_("年龄"), order_by=("-birth_date",))
    residence_region = tables.Column(verbose_name=_("现居住地"), accessor="residence_region_id", order_by=("residence_region_id",))
    employment_status = tables.Column(verbose_name=_("就业状态"))
    difficulty_mask = tables.Column(verbose_name=_("困难类型"), orderable=False)
    phone_masked = tables.Column(verbose_name=_("手机号码"), orderable=False, attrs={"td": {"class": "masked"}})
    last_verified_on = tables.DateColumn(verbose_name=_("最近核实"), format="Y-m-d", default="—")

    class Meta:
        model = Worker
        fields = ()
        sequence = ("name", "id_number_masked", "gender", "birth_date", "residence_region", "employment_status",
                    "difficulty_mask", "phone_masked", "last_verified_on")
        attrs = {"class": "table table-hover table-sm bg-white mb-0", "data-testid": "worker-table"}
        order_by_field = "order"
        empty_text = _("没有符合条件的人员。可以调整筛选条件，或登记新人员。")

    def render_name(self, record, value):
        return format_html('<a href="{}">{}</a>', reverse("registry:worker_detail", args=[record.pk]), value)

    def render_birth_date(self, record):
        return record.age

    def render_residence_region(self, value):
        return region_name(value)

    def render_difficulty_mask(self, record):
        types = record.difficulty_types
        if not types:
            return "—"
        return format_html(" ".join('<span class="badge text-bg-warning me-1">{}</span>' for _t in types),
                           *[_DIFFICULTY_LABELS[t] for t in types])
