"""`anju sweep-warnings [--date YYYY-MM-DD]`: run the early-warning sweep of the construction wage
guarantee for a day (default today) and print its counts. Idempotent: run again on the same day,
it changes nothing."""

from __future__ import annotations

import datetime as dt
import json
import time

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run the wage-guarantee early-warning sweep for a day (default today)."

    def add_arguments(self, parser):
        parser.add_argument("--date", dest="on", help="the sweep date, YYYY-MM-DD (default today)")

    def handle(self, *args, on=None, **options):
        from anju.lib.errors import AnjuError
        from anju.rights.warnings import sweep

        try:
            day = dt.date.fromisoformat(on) if on else None
        except ValueError:
            raise CommandError(f"--date {on!r} is not a date (YYYY-MM-DD)") from None
        started = time.monotonic()
        try:
            counts = sweep(day)
        except AnjuError as exc:
            raise CommandError(exc.text("en")) from None
        self.stdout.write(json.dumps(counts, ensure_ascii=False, sort_keys=True))
        self.stdout.write(f"swept in {time.monotonic() - started:.1f} s")
