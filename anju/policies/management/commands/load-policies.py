from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand

from anju.policies.packs import load_all
from anju.policies.services import sync_from_packs


class Command(BaseCommand):
    help = "Load the policy packs: validate them and create the parameters and values they ship (idempotent)."

    def handle(self, *args, **options):
        catalogue = load_all()
        for error in catalogue.errors:
            self.stderr.write(str(error))
        result = sync_from_packs(catalogue.policies.values())
        self.stdout.write(json.dumps({"packs": len(catalogue.policies), "rejected": len(catalogue.errors), **result}))
        if catalogue.errors:
            sys.exit(1)
