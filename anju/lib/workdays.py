"""Working-day arithmetic over a holiday set (no database).

China's calendar: Monday to Friday are working days, except public holidays; some Saturdays and
Sundays are make-up working days (调休). The State Council publishes each year's arrangement late
in the year before, so a calendar knows only some years; for any other year it falls back to plain
weekends, and callers show that a deadline rests on the fallback (`WorkCalendar.fallback_years`).

    cal = WorkCalendar(holidays={...}, makeup_days={...}, known_years={2025, 2026})
    add_working_days(date(2026, 9, 30), 1, cal)        # 2026-10-09 (National Day week skipped)
    working_days_between(date(2026, 9, 30), date(2026, 10, 9), cal)   # 1
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    makeup_days: frozenset[dt.date] = field(default_factory=frozenset)
    known_years: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "makeup_days", frozenset(self.makeup_days))
        object.__setattr__(self, "known_years", frozenset(self.known_years))

    def fallback_years(self, start: dt.date, end: dt.date) -> list[int]:
        """Years in [start, end] (either order) that the calendar does not know: plain weekends."""
        low, high = sorted((start, end))
        return [y for y in range(low.year, high.year + 1) if y not in self.known_years]


PLAIN = WorkCalendar()


def is_working_day(day: dt.date, calendar: WorkCalendar = PLAIN) -> bool:
    if day in calendar.makeup_days:
        return True
    if day in calendar.holidays:
        return False
    return day.weekday() < 5


def add_working_days(start: dt.date, n: int, calendar: WorkCalendar = PLAIN) -> dt.date:
    """The day that is the n-th working day after `start` (start itself not counted); n = 0 gives
    `start`; a negative n counts backwards."""
    step = ONE_DAY if n >= 0 else -ONE_DAY
    day, left = start, abs(n)
    while left:
        day += step
        if is_working_day(day, calendar):
            left -= 1
    return day


def working_days_between(start: dt.date, end: dt.date, calendar: WorkCalendar = PLAIN) -> int:
    """Working days after `start` up to and including `end`; negative when end is before start."""
    if end < start:
        return -working_days_between(end, start, calendar)
    # Whole weeks have five weekdays; only the days the calendar changes need looking at.
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    day = start + dt.timedelta(days=weeks * 7)
    for _ in range(rest):
        day += ONE_DAY
        if day.weekday() < 5:
            count += 1
    for special in _between(calendar.holidays, start, end):
        if special.weekday() < 5 and special not in calendar.makeup_days:
            count -= 1
    for special in _between(calendar.makeup_days, start, end):
        if special.weekday() >= 5:
            count += 1
    return count


def _between(days: Iterable[dt.date], start: dt.date, end: dt.date) -> Iterable[dt.date]:
    return (d for d in days if start < d <= end)
