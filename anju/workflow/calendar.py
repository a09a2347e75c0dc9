"""The working-day calendar as data: reading it (`work_calendar`), seeding it from chinese-calendar,
and the administrator's edits (audited, with history).

The calendar is small (a few dozen days a year) and read whole; a process keeps it until any edit
bumps the version it checks, so every process sees an administrator's change on its next read."""

from __future__ import annotations

import datetime as dt
import threading

from django.db import transaction
from django.db.models import Count, Max

from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.lib.workdays import WorkCalendar, add_working_days, working_days_between
from anju.workflow.models import CalendarDay, CalendarYear, DayKind

SEED_SOURCE = "国务院办公厅关于部分节假日安排的通知（各年度），据 chinese-calendar 1.11.0 数据"
_lock = threading.Lock()
_cached: tuple[tuple, WorkCalendar] | None = None


def _version() -> tuple:
    days = CalendarDay.objects.aggregate(n=Count("id"), at=Max("created_at"), top=Max("id"))
    years = CalendarYear.objects.aggregate(n=Count("id"), top=Max("id"))
    history = CalendarDay.history.aggregate(top=Max("history_id"))
    return (days["n"], days["top"], days["at"], years["n"], years["top"], history["top"])


def work_calendar() -> WorkCalendar:
    """The calendar as entered (holidays, make-up days, the years known)."""
    global _cached
    version = _version()
    with _lock:
        if _cached and _cached[0] == version:
            return _cached[1]
    holidays, makeup = set(), set()
    for date, kind in CalendarDay.objects.values_list("date", "kind"):
        (holidays if kind == DayKind.HOLIDAY else makeup).add(date)
    calendar = WorkCalendar(holidays=holidays, makeup_days=makeup,
                            known_years=set(CalendarYear.objects.values_list("year", flat=True)))
    with _lock:
        _cached = (version, calendar)
    return calendar


def deadline(start: dt.date, working_days: int, calendar: WorkCalendar | None = None) -> tuple[dt.date, bool]:
    """(the day `working_days` working days after `start`, whether a fallback year was used)."""
    calendar = calendar or work_calendar()
    due = add_working_days(start, working_days, calendar)
    return due, bool(calendar.fallback_years(start, due))


def elapsed(start: dt.date, on: dt.date, calendar: WorkCalendar | None = None) -> int:
    return working_days_between(start, on, calendar or work_calendar())


# Seeding and edits --------------------------------------------------------------------------
def seed_calendar() -> int:
    """Load every year chinese-calendar knows that nobody has entered yet (idempotent; an edited
    or entered year is never overwritten). Returns the number of days added."""
    import chinese_calendar

    entered = set(CalendarYear.objects.values_list("year", flat=True))
    by_year: dict[int, list[CalendarDay]] = {}
    for table, kind in ((chinese_calendar.holidays, DayKind.HOLIDAY), (chinese_calendar.workdays, DayKind.MAKEUP)):
        for date, name in table.items():
            if date.year not in entered:
                by_year.setdefault(date.year, []).append(CalendarDay(date=date, kind=kind, name=_NAMES.get(name, name)))
    added = 0
    with transaction.atomic():
        for year, days in sorted(by_year.items()):
            existing = set(CalendarDay.objects.filter(date__year=year).values_list("date", flat=True))
            new = [d for d in days if d.date not in existing]
            CalendarDay.objects.bulk_create(new)
            CalendarYear.objects.create(year=year, source=SEED_SOURCE)
            added += len(new)
    return added


_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@transaction.atomic
def calendar_day_set(*, actor, date: dt.date, kind: str, name: str) -> CalendarDay:
    day = CalendarDay.objects.select_for_update().filter(date=date).first()
    before = (day.kind, day.name) if day else None
    if day is None:
        day = CalendarDay(date=date, created_by=actor)
    day.kind, day.name = kind, name
    day.full_clean()
    day.save()
    audit_record(actor=actor, action=Action.UPDATE if before else Action.CREATE, obj=day,
                 changes={"kind": (before[0] if before else None, kind), "name": (before[1] if before else None, name)})
    return day


@transaction.atomic
def calendar_day_delete(*, actor, day: CalendarDay) -> None:
    audit_record(actor=actor, action=Action.DELETE, obj=day, changes={"kind": (day.kind, None)})
    day.delete()


@transaction.atomic
def calendar_year_publish(*, actor, year: int, source: str) -> CalendarYear:
    """Mark a year as entered: from now on its plain weekdays are working days, not a fallback."""
    entry, created = CalendarYear.objects.get_or_create(year=year, defaults={"source": source, "created_by": actor})
    if not created:
        before = entry.source
        entry.source = source
        entry.save(update_fields=["source"])
        audit_record(actor=actor, action=Action.UPDATE, obj=entry, changes={"source": (before, source)})
    else:
        audit_record(actor=actor, action=Action.CREATE, obj=entry, detail={"source": source})
    return entry
