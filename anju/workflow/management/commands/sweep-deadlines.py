"""`anju sweep-deadlines`: raise warnings, mark overdue and escalate (run hourly, e.g. from cron)."""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand

from anju.workflow.services import deadlines_sweep


class Command(BaseCommand):
    help = "Warn at the warning points of each task (regional parameters), mark overdue tasks and escalate them."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=dt.date.fromisoformat, default=None)

    def handle(self, *args, date=None, **options):
        self.stdout.write(json.dumps(deadlines_sweep(on=date)))
