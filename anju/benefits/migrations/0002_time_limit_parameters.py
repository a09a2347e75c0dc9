"""Time limits of the benefits work as dated regional parameters (national defaults).

None of the measures Anju implements sets how many working days a verification step, the public
notice or the freshness of comparison data may take. The defaults are Anju's, stated as such in
their source; a region whose rules name other figures sets its own value on the parameters page
(a step may also have its own limit: `benefit_days_<step>`, e.g. `benefit_days_town_verification`).
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

SOURCE = "Anju 默认值：所据政策文件未规定%s（各地按本地经办规程另定）"
SEEDS = [
    ("benefit_step_working_days", "number", "待遇审核每个环节的办理时限", "Time limit of each benefit verification step",
     "个工作日", "working days", Decimal("5"), "审核环节的办理时限；取 5 个工作日"),
    ("benefit_notice_working_days", "number", "待遇发放公示期", "Public notice period of grants",
     "个工作日", "working days", Decimal("5"), "公示期；取 5 个工作日"),
    ("benefit_days_objection_review", "number", "公示异议复核时限", "Time limit of an objection review",
     "个工作日", "working days", Decimal("5"), "异议复核时限；取 5 个工作日"),
    ("benefit_data_fresh_days", "number", "比对数据有效天数", "Days comparison data stays fresh",
     "天", "days", Decimal("31"), "比对数据多旧仍可直接作为审核依据；取数据截止日起 31 天"),
]


def seed(apps, schema_editor):
    Parameter = apps.get_model("params", "Parameter")
    ParameterValue = apps.get_model("params", "ParameterValue")
    for name, kind, label_zh, label_en, unit_zh, unit_en, value, what in SEEDS:
        parameter, _ = Parameter.objects.get_or_create(
            name=name, defaults={"type": kind, "label_zh": label_zh, "label_en": label_en,
                                 "unit_zh": unit_zh, "unit_en": unit_en})
        ParameterValue.objects.get_or_create(
            parameter=parameter, region_prefix="", valid_from=dt.date(2000, 1, 1),
            defaults={"value": value, "source": SOURCE % what})


def unseed(apps, schema_editor):
    apps.get_model("params", "Parameter").objects.filter(name__in=[s[0] for s in SEEDS]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("benefits", "0001_initial"),
        ("params", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
