"""`anju sync-knowledge`: bring the hotline's knowledge base up to the policy packs.

One entry per loaded pack, written from the pack; entries of retired packs deactivated. Run after
`load-policies` (scripts/run.sh does). Prints the counts as JSON.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Write one knowledge-base entry per policy pack and deactivate those of retired packs (idempotent)."

    def handle(self, *args, **options):
        from anju.rights.knowledge import sync_policies

        self.stdout.write(json.dumps(sync_policies()))
