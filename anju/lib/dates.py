"""Dates in Asia/Shanghai."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    return timezone.localdate()


def months_between(year_month: dt.date, on: dt.date) -> int:
    """Whole calendar months after `year_month`'s month and before `on`'s month.

    Last income 2021-02, date 2021-06-15 -> March, April, May = 3 (ledger spec).
    """
    return max(0, (on.year - year_month.year) * 12 + (on.month - year_month.month) - 1)


def month_end(day: dt.date) -> dt.date:
    """The last day of `day`'s month."""
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)
