"""Two more figures as dated parameters: the longest labour-cost disbursement cycle (the
regulation's ceiling, which an amendment could change) and the satisfaction score from which a
caller counts as satisfied (Anju's default; a hotline's own rules may set another)."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

SEEDS = [
    ("labour_cost_cycle_max_months", "months", "人工费用拨付周期上限", "Longest labour-cost disbursement cycle",
     "个月", "months", Decimal("1"),
     "《保障农民工工资支付条例》（国务院令第724号，2020-05-01施行）第二十四条：人工费用拨付周期不得超过1个月"),
    ("hotline_satisfied_score", "number", "回访满意的最低评分", "Lowest call-back score counted as satisfied",
     "分", "points", Decimal("4"),
     "Anju 默认值：所据政策文件未规定满意度口径；按 1–5 分评价，4 分及以上计为满意，以下为不满意并重新办理（各地按本地热线考核办法另定）"),
]


def seed(apps, schema_editor):
    Parameter = apps.get_model("params", "Parameter")
    ParameterValue = apps.get_model("params", "ParameterValue")
    for name, kind, label_zh, label_en, unit_zh, unit_en, value, source in SEEDS:
        parameter, _ = Parameter.objects.get_or_create(
            name=name, defaults={"type": kind, "label_zh": label_zh, "label_en": label_en,
                                 "unit_zh": unit_zh, "unit_en": unit_en})
        ParameterValue.objects.get_or_create(
            parameter=parameter, region_prefix="", valid_from=dt.date(2000, 1, 1),
            defaults={"value": value, "source": source})


def unseed(apps, schema_editor):
    apps.get_model("params", "Parameter").objects.filter(name__in=[s[0] for s in SEEDS]).delete()


class Migration(migrations.Migration):

    dependencies = [("rights", "0002_parameters_and_categories")]

    operations = [migrations.RunPython(seed, unseed)]
