"""`anju index-seekers [--all]`: bring job matching's seekers up to the ledger.

Without --all: a Seeker made for every seeking worker who has none, and every seeker whose
worker changed since it was indexed re-read. With --all: every seeking worker and every seeker
re-read and re-indexed. Prints how many were written.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create and refresh the job-matching seekers (and their index) from the ledger."

    def add_arguments(self, parser):
        parser.add_argument("--all", dest="everyone", action="store_true", help="re-read every seeker, not only stale ones")

    def handle(self, *args, everyone=False, **options):
        from anju.employment.seekers import refresh_all

        started = time.monotonic()
        written = refresh_all(everyone=everyone)
        self.stdout.write(f"{written} seekers indexed in {time.monotonic() - started:.1f} s")
