"""Each recovered payment as its own row (CaseRecovery), filled from the case events that
recorded them; a complainant's recovered sum that no event explains (entered before events
carried the details) becomes one row with the latest means and date."""

import datetime as dt
from decimal import Decimal

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def backfill(apps, schema_editor):
    CaseWorker = apps.get_model("rights", "CaseWorker")
    CaseEvent = apps.get_model("rights", "CaseEvent")
    CaseRecovery = apps.get_model("rights", "CaseRecovery")
    claims = {w.pk: w for w in CaseWorker.objects.filter(amount_recovered__gt=0).select_related("case")}
    explained: dict[int, Decimal] = {}
    rows = []
    for ev in CaseEvent.objects.filter(kind="recovery").order_by("at", "id"):
        data = ev.data or {}
        claim = claims.get(data.get("worker"))
        try:
            amount, on = Decimal(str(data["amount"])), dt.date.fromisoformat(data["on"])
        except (KeyError, ValueError, ArithmeticError, TypeError):
            continue
        if claim is None or amount <= 0 or data.get("method") is None:
            continue
        explained[claim.pk] = explained.get(claim.pk, Decimal("0")) + amount
        rows.append(CaseRecovery(claim_id=claim.pk, amount=amount, method=data["method"], on=on, recorded_at=ev.at,
                                 recorded_by_id=ev.actor_id))
    for claim in claims.values():
        rest = claim.amount_recovered - explained.get(claim.pk, Decimal("0"))
        if rest > 0:
            rows.append(CaseRecovery(claim_id=claim.pk, amount=rest, method=claim.recovery or "employer",
                                     on=claim.recovered_on or timezone.localdate(claim.case.created_at),
                                     recorded_at=claim.case.updated_at))
    CaseRecovery.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('rights', '0004_deposit_arrears_raise'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CaseRecovery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='追回金额（元）')),
                ('method', models.CharField(choices=[('employer', '用人单位支付'), ('deposit', '工资保证金支付'), ('owner_advance', '建设单位垫付'), ('general_contractor', '施工总承包单位先行清偿'), ('emergency_fund', '应急周转金垫付')], max_length=20, verbose_name='追回方式')),
                ('on', models.DateField(verbose_name='追回日期')),
                ('recorded_at', models.DateTimeField(verbose_name='登记时间')),
                ('claim', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='recoveries', to='rights.caseworker')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='经办人')),
            ],
            options={
                'verbose_name': '追回记录',
                'verbose_name_plural': '追回记录',
                'ordering': ['on', 'id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='case_recovery_positive')],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
