from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from anju.regions.loader import load_regions


class Command(BaseCommand):
    help = "Load division codes (idempotent): provinces, cities, counties, pilot towns, abolished codes."

    def handle(self, *args, **options):
        result = load_regions()
        self.stdout.write(json.dumps(result))
