"""How much arrears in the previous two years raise a contractor's wage-deposit rate, as a dated
parameter (the deposit rules leave the figure to the provinces; until one is entered the
assessment keeps the plain rate and says the raise must be set)."""

import datetime as dt

from django.db import migrations

NAME = "wage_deposit_arrears_raise"
SOURCE = ("《工程建设领域农民工工资保证金规定》（人社部发〔2021〕65号，2021-11-01施行）：施工总承包单位近两年发生拖欠"
          "农民工工资的，适当提高其新增工程的存储比例，提高幅度由各省确定；未录入本省幅度（按比例录入，如 0.5 表示提高 50%）")


def seed(apps, schema_editor):
    Parameter = apps.get_model("params", "Parameter")
    ParameterValue = apps.get_model("params", "ParameterValue")
    parameter, _ = Parameter.objects.get_or_create(
        name=NAME, defaults={"type": "rate", "label_zh": "欠薪企业工资保证金存储比例提高幅度",
                             "label_en": "Wage deposit rate raise after arrears", "unit_zh": "", "unit_en": ""})
    ParameterValue.objects.get_or_create(parameter=parameter, region_prefix="", valid_from=dt.date(2000, 1, 1),
                                         defaults={"value": None, "source": SOURCE})


def unseed(apps, schema_editor):
    apps.get_model("params", "Parameter").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):

    dependencies = [("rights", "0003_cycle_and_satisfaction_parameters")]

    operations = [migrations.RunPython(seed, unseed)]
