from __future__ import annotations

import datetime as dt

import chinese_calendar
from hypothesis import given
from hypothesis import strategies as st

from anju.lib.workdays import WorkCalendar, add_working_days, is_working_day, working_days_between

D = dt.date
CAL = WorkCalendar(
    holidays={d for d in chinese_calendar.holidays},
    makeup_days={d for d in chinese_calendar.workdays},
    known_years=set(range(2004, 2027)),
)


def test_spring_festival_2026():
    # 2026: Spring Festival 15–23 Feb; Saturday 14 Feb and 28 Feb are make-up working days.
    assert is_working_day(D(2026, 2, 14), CAL)
    assert not is_working_day(D(2026, 2, 16), CAL)
    assert add_working_days(D(2026, 2, 13), 1, CAL) == D(2026, 2, 14)
    assert add_working_days(D(2026, 2, 14), 1, CAL) == D(2026, 2, 24)
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 24), CAL) == 2


def test_national_day_2025():
    # 2025: 1–8 October off; Sunday 28 Sept and Saturday 11 Oct worked.
    assert is_working_day(D(2025, 9, 28), CAL) and is_working_day(D(2025, 10, 11), CAL)
    assert add_working_days(D(2025, 9, 30), 1, CAL) == D(2025, 10, 9)
    assert add_working_days(D(2025, 9, 30), 3, CAL) == D(2025, 10, 11)
    assert working_days_between(D(2025, 9, 26), D(2025, 10, 13), CAL) == 7  # 28, 29, 30 Sep; 9, 10, 11, 13 Oct


def test_plain_weekends_for_unknown_years():
    assert CAL.fallback_years(D(2026, 12, 1), D(2027, 1, 20)) == [2027]
    # 1 January 2027 is a Friday: a fallback year treats it as a working day.
    assert is_working_day(D(2027, 1, 1), CAL)


def test_zero_and_negative():
    assert add_working_days(D(2026, 3, 7), 0, CAL) == D(2026, 3, 7)
    assert add_working_days(D(2026, 3, 9), -1, CAL) == D(2026, 3, 6)
    assert working_days_between(D(2026, 3, 9), D(2026, 3, 6), CAL) == -1
    assert working_days_between(D(2026, 3, 6), D(2026, 3, 6), CAL) == 0


def _count_slowly(a: dt.date, b: dt.date) -> int:
    n, d = 0, a
    while d < b:
        d += dt.timedelta(days=1)
        n += chinese_calendar.is_workday(d)
    return n


@given(st.dates(D(2004, 1, 1), D(2026, 10, 1)), st.integers(0, 60))
def test_agrees_with_chinese_calendar_every_seeded_year(start, n):
    end = add_working_days(start, n, CAL)
    assert working_days_between(start, end, CAL) == n == _count_slowly(start, end)
    if n:
        assert chinese_calendar.is_workday(end)
