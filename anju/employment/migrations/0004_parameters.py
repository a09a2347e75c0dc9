"""The figures employment services read, as dated regional parameters.

Two conversions have national sources (the month's paid days and the working day's hours); the
follow-up time limits are Anju's defaults, stated as such, for each region to set by its own rules.
The odd-job reference wage of each occupation (odd_job_daily_wage_<key>) is created with the
occupation catalogue, with no value until the region enters one.
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

ANJU = "Anju 默认值：所据政策文件未规定%s（各地按本地经办规程另定）"
SEEDS = [
    ("month_paid_days", "number", "月计薪天数", "Paid days in a month", "天", "days", Decimal("21.75"),
     "劳动和社会保障部《关于职工全年月平均工作时间和工资折算问题的通知》（劳社部发〔2008〕3号）第二条：月计薪天数 ＝（365 天－104 天）÷ 12 月 ＝ 21.75 天"),
    ("day_working_hours", "number", "日工作小时数", "Working hours in a day", "小时", "hours", Decimal("8"),
     "《中华人民共和国劳动法》第三十六条：劳动者每日工作时间不超过八小时"),
    ("referral_follow_up_working_days", "number", "岗位推荐每个环节的跟进时限", "Time limit of each referral follow-up",
     "个工作日", "working days", Decimal("5"), ANJU % "岗位推荐后联系、面试、录用结果的跟进时限；取 5 个工作日"),
    ("interest_follow_up_working_days", "number", "求职报名跟进时限", "Time limit to follow up a job sign-up",
     "个工作日", "working days", Decimal("2"), ANJU % "网上求职报名的跟进时限；取 2 个工作日"),
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

    dependencies = [
        ("employment", "0003_services"),
        ("params", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
