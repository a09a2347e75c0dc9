"""Parameters moved to the params app with their tables (see params 0001): this app forgets the
models; the database keeps the tables and their rows."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("policies", "0001_initial"),
        ("params", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="parametervalue", name="parameter"),
                migrations.RemoveField(model_name="parametervalue", name="created_by"),
                migrations.DeleteModel(name="HistoricalParameterValue"),
                migrations.DeleteModel(name="Parameter"),
                migrations.DeleteModel(name="ParameterValue"),
            ],
            database_operations=[],
        ),
    ]
