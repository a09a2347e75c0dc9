"""`anju workdays add DATE N` / `anju workdays between A B` / `anju workdays seed`."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from anju.lib.workdays import add_working_days, working_days_between
from anju.workflow.calendar import seed_calendar, work_calendar


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "Working days from the calendar: add N working days to a date, count working days between two."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="print the date N working days after DATE")
        add.add_argument("date")
        add.add_argument("n", type=int)
        between = sub.add_parser("between", help="print the working days after A up to and including B")
        between.add_argument("a")
        between.add_argument("b")
        sub.add_parser("seed", help="load the years chinese-calendar knows that nobody has entered")

    def handle(self, *args, action, **options):
        if action == "seed":
            self.stdout.write(f"{seed_calendar()} days added")
            return
        calendar = work_calendar()
        if action == "add":
            start = _date(options["date"])
            result = add_working_days(start, options["n"], calendar)
            self.stdout.write(result.isoformat())
            years = calendar.fallback_years(start, result)
        else:
            a, b = _date(options["a"]), _date(options["b"])
            self.stdout.write(str(working_days_between(a, b, calendar)))
            years = calendar.fallback_years(a, b)
        if years:
            self.stderr.write(f"warning: no holidays entered for {', '.join(map(str, years))}: plain weekends assumed")
