"""Seed the working-day calendar from chinese-calendar (every year it knows)."""

from django.db import migrations


def seed(apps, schema_editor):
    import chinese_calendar

    from anju.workflow.calendar import _NAMES, SEED_SOURCE

    CalendarDay = apps.get_model("workflow", "CalendarDay")
    CalendarYear = apps.get_model("workflow", "CalendarYear")
    if CalendarYear.objects.exists():
        return
    days = [CalendarDay(date=d, kind="holiday", name=_NAMES.get(n, n)) for d, n in chinese_calendar.holidays.items()]
    days += [CalendarDay(date=d, kind="makeup", name=_NAMES.get(n, n)) for d, n in chinese_calendar.workdays.items()]
    CalendarDay.objects.bulk_create(days)
    years = sorted({d.date.year for d in days})
    CalendarYear.objects.bulk_create([CalendarYear(year=y, source=SEED_SOURCE) for y in years])


class Migration(migrations.Migration):
    dependencies = [("workflow", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
