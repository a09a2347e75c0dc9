"""`anju close-notices`: grants whose public notice ended without an objection become ready for
payment (run daily, e.g. from cron; making a payment batch does the same first)."""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand

from anju.benefits.services import notices_close


class Command(BaseCommand):
    help = "Close the public notices whose period has ended: their unobjected grants become ready for payment."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=dt.date.fromisoformat, default=None,
                            help="Close as on this day (YYYY-MM-DD); default today.")

    def handle(self, *args, date=None, **options):
        self.stdout.write(json.dumps({"ready": notices_close(on=date)}))
