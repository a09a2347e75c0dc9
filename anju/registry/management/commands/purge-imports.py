from __future__ import annotations

import datetime as dt
import sys

from django.core.management.base import BaseCommand
from django.utils import timezone

from anju.registry.models import ImportJob


class Command(BaseCommand):
    help = ("Delete uploaded workbooks and error reports of import jobs older than N days (default 7): "
            "they hold ID numbers in clear. Run daily (e.g. from cron).")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args, days: int, **options):
        if days < 0:
            self.stderr.write("--days must be 0 or more")
            sys.exit(2)
        cutoff = timezone.now() - dt.timedelta(days=days)
        purged = 0
        for job in ImportJob.objects.filter(created_at__lt=cutoff).exclude(file="", error_report=""):
            job.file.delete(save=False)
            job.error_report.delete(save=False)
            job.save(update_fields=["file", "error_report"])
            purged += 1
        self.stdout.write(f"purged files of {purged} import jobs older than {days} days")
