"""Warning points of the deadline engine become dated regional parameters (national defaults)."""

import datetime as dt
from decimal import Decimal

from django.db import migrations, models

# No national rule fixes when a time-limited task should warn; the defaults are Anju's, and a
# region whose supervision rules name other points sets its own value on the parameters page.
SOURCE = "Anju 默认值：办理时限用去 70 %/90 % 时预警（无全国统一规定，各地可按本地督办制度另定）"
SEEDS = [
    ("workflow_warn_ratio", "待办预警点（占办理时限的比例）", "Work task warning point (share of the time limit)", Decimal("0.7")),
    ("workflow_urgent_ratio", "待办临期提醒点（占办理时限的比例）", "Work task urgent point (share of the time limit)", Decimal("0.9")),
]


def seed(apps, schema_editor):
    Parameter = apps.get_model("params", "Parameter")
    ParameterValue = apps.get_model("params", "ParameterValue")
    for name, label_zh, label_en, value in SEEDS:
        parameter, _ = Parameter.objects.get_or_create(
            name=name, defaults={"type": "rate", "label_zh": label_zh, "label_en": label_en})
        ParameterValue.objects.get_or_create(
            parameter=parameter, region_prefix="", valid_from=dt.date(2000, 1, 1),
            defaults={"value": value, "source": SOURCE})


def unseed(apps, schema_editor):
    apps.get_model("params", "Parameter").objects.filter(name__in=[s[0] for s in SEEDS]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("workflow", "0003_task_queue_department_index"),
        ("params", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(model_name="worktask", name="urgent_on", field=models.DateField(blank=True, null=True)),
        migrations.AlterField(model_name="worktask", name="warn_on", field=models.DateField(blank=True, null=True)),
        migrations.RunPython(seed, unseed),
    ]
