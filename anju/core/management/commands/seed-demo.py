from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from anju.core import demo
from anju.regions.loader import load_regions


class Command(BaseCommand):
    help = "Load reference data, the demo users (password anju-demo) and N synthetic people. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=2000, help="how many synthetic people (default 2000)")
        parser.add_argument("--no-extras", action="store_true", help="skip employers, hires, certificates and visits")

    def handle(self, *args, workers: int, no_extras: bool, **options):
        if workers < 0:
            self.stderr.write("--workers must be 0 or more")
            sys.exit(2)
        regions = load_regions()
        self.stderr.write(f"regions: {regions}")
        from anju.policies.packs import load_all
        from anju.policies.services import sync_from_packs

        self.stderr.write(f"policy parameters: {sync_from_packs(load_all().policies.values())}")
        self.stderr.write(f"demo parameter values (marked 演示数据): {demo.seed_demo_parameters()}")
        created = demo.seed_reference_users()
        self.stderr.write(f"demo users created: {created}")

        def progress(done: int, total: int) -> None:
            self.stderr.write(f"\rpeople: {done}/{total}", ending="")
            self.stderr.flush()

        inserted = demo.insert_people(workers, progress=progress)
        self.stderr.write("")
        if not no_extras:
            demo.seed_extras(limit=min(workers, 5000))
            from anju.core.demo_workflow import seed_workflow

            self.stderr.write(f"verification rounds and messages: {seed_workflow()}")
            from anju.core.demo_benefits import seed_benefits

            self.stderr.write(f"benefits (funds, applications, notices, payments): {seed_benefits()}")
            from anju.core.demo_employment import seed_employment

            self.stderr.write(f"employment (postings, referrals, campaign, trip): {seed_employment()}")
            from anju.core.demo_rights import seed_rights

            self.stderr.write(f"rights (tickets, cases, projects, warnings): {seed_rights()}")
        self.stdout.write(f"inserted {inserted} people (of {workers})")
