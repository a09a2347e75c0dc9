from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from anju.policies.documents import load_catalogue
from anju.policies.examples import run_example
from anju.policies.packs import PACK_DIR, load_all


class Command(BaseCommand):
    help = "Validate every policy pack (file:line:column: reason) and run its worked examples."

    def handle(self, *args, **options):
        catalogue = load_all(PACK_DIR)
        failures = 0
        # The packs, then the documents catalogue checked against them (anju/policies/documents.py).
        for error in (*catalogue.errors, *load_catalogue(catalogue.policies).errors):
            self.stderr.write(str(error))
            failures += 1
        examples = 0
        width = max((len(pid) for pid in catalogue.policies), default=0)
        for policy in catalogue.policies.values():
            failed = 0
            for example in policy.examples:
                examples += 1
                problem = run_example(policy, example)
                if problem:
                    failed += 1
                    self.stderr.write(f"{policy.path}: example '{example.get('name')}': {problem}")
            failures += failed
            verdict = "ok" if not failed else f"{failed} failed"
            self.stdout.write(f"{policy.id:<{width}}  {len(policy.examples):>3} examples  {verdict}")
        self.stdout.write(f"{len(catalogue.policies)} packs loaded, {len(catalogue.errors)} rejected, "
                          f"{examples} worked examples, {failures} problems")
        if failures:
            sys.exit(1)
