"""免申即享 at scale: a 100,000-subject proactive list made into applications, then one step passed
for all of them.

    .venv/bin/python benchmarks/bench_benefits.py [--workers N]

Targets: (a) `bulk.applications_from_scan` — one application per subject of a finished
proactive list, each with its stored decision, its chain of steps, its first step's task, the
timeline line and the SMS — under 60 s for 100,000; (b) `bulk.step_pass_many` — the town's
verification step passed for all of them (tasks closed, step events, the county's next step and
its tasks opened) — under 60 s.

How: a fresh database (DATABASE_URL; default SQLite at $TMPDIR/anju-bench-benefits.sqlite3; a
PostgreSQL URL is dropped and re-created) is migrated, regions, packs and the demo users are
loaded, and the deterministic people 0..N-1 of `anju.core.demo` are inserted in the town of
`shishi-town` (350581001), all made to qualify for the Quanzhou temporary assistance (no income
for six months, not insured, not on the minimum living allowance; a living standard of 800 yuan).
The proactive list is run (`policies.tasks.run_scan`, timed for information), then civil affairs
(`shishi-civil`) makes the applications and the town officer (`shishi-town`) passes the town
verification, each through `benefits.tasks_bulk.run_bulk` as the task worker runs it (the task
backend is the dummy one: the SMS delivery task is not run). Prints seconds and target/actual.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_SQLITE = Path(os.environ.get("TMPDIR") or tempfile.gettempdir()) / "anju-bench-benefits.sqlite3"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{DEFAULT_SQLITE}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anju.settings")
os.environ.setdefault("ANJU_DEV", "1")
# The bulk work enqueues SMS delivery after commit: keep it from running (outside the system).
os.environ["ANJU_TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"

sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_workflow import analyze, fresh_database, machine  # noqa: E402

TARGET_S = 60.0
TOWN = "350581001"
POLICY = "quanzhou-temporary-assistance"


def populate(n: int) -> None:
    from django.core.management import call_command

    from anju.core.demo import insert_people, seed_reference_users
    from anju.params.services import parameter_set
    from anju.policies.packs import catalogue
    from anju.policies.services import sync_from_packs
    from anju.regions.loader import load_regions
    from anju.registry.choices import DIFFICULTY_BITS
    from anju.registry.models import Worker

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_regions()
    seed_reference_users()
    sync_from_packs(catalogue().policies.values())
    parameter_set(actor=None, name="min_living_standard_monthly", region_prefix="3505", valid_from=dt.date(2020, 1, 1),
                  value=Decimal("800"), source="基准测试：泉州市低保标准（示例）")
    insert_people(n, towns=[TOWN + "000"])
    today = dt.date.today()
    six_months_ago = (today.replace(day=1) - dt.timedelta(days=160)).replace(day=1)
    Worker.objects.update(last_income_month=six_months_ago, unemployment_insured=False,
                          difficulty_mask=DIFFICULTY_BITS["employment_difficulty"])
    analyze()
    print(f"  populated {n:,} workers in {time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=100_000)
    args = parser.parse_args()

    fresh_database()
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from anju.accounts.models import User
    from anju.benefits.models import Application, ApplicationStep, BulkJob
    from anju.benefits.tasks_bulk import bulk_job_create, run_bulk
    from anju.policies.models import ScanJob
    from anju.policies.tasks import run_scan
    from anju.workflow.models import Message, WorkTask

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    version = " ".join(version.split()[:2]) if connection.vendor == "postgresql" else f"SQLite {version}"
    print(f"# Benefits: 免申即享 for {args.workers:,} workers ({connection.vendor})")
    populate(args.workers)
    civil = User.objects.get(username="shishi-civil")
    town = User.objects.get(username="shishi-town")

    scan = ScanJob.objects.create(policy_id=POLICY, region_prefix=TOWN, on_date=timezone.localdate(), created_by=civil)
    t0 = time.perf_counter()
    run_scan.call(scan.pk)
    scan_s = time.perf_counter() - t0
    scan.refresh_from_db()
    assert scan.status == "done" and scan.result_count == args.workers, (scan.status, scan.message, scan.result_count)

    # (a) the applications
    job = bulk_job_create(actor=civil, kind=BulkJob.Kind.FROM_SCAN, policy_id=POLICY, region_prefix=TOWN, scan=scan)
    t0 = time.perf_counter()
    run_bulk.call(job.pk)
    create_s = time.perf_counter() - t0
    job.refresh_from_db()
    assert job.status == "done" and job.created_count == args.workers, (job.status, job.message, job.created_count)
    assert Application.objects.count() == args.workers == WorkTask.objects.filter(state="open").count()
    assert ApplicationStep.objects.count() == 3 * args.workers
    # Everyone whose ledger record has a phone is told (the demo people without one are not).
    sms = Message.objects.filter(kind="benefits.proactive").count()
    assert sms == Application.objects.exclude(phone_enc="").count() > 0
    analyze()

    # (b) one step for all
    job = bulk_job_create(actor=town, kind=BulkJob.Kind.PASS_STEP, policy_id=POLICY, region_prefix=TOWN,
                          step_code="town_verification", reason="基准测试：批量核实")
    t0 = time.perf_counter()
    run_bulk.call(job.pk)
    pass_s = time.perf_counter() - t0
    job.refresh_from_db()
    assert job.status == "done" and job.created_count == args.workers, (job.status, job.message, job.created_count)
    assert Application.objects.filter(current_step="insurance_check").count() == args.workers

    print(f"Machine: {machine(version)}; {dt.date.today().isoformat()}; {sms:,} SMS written")
    print()
    print("| measurement | n | seconds | per second | target | target/actual |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| proactive list (run_scan, for information) | {args.workers:,} | {scan_s:.1f} s | "
          f"{args.workers / scan_s:,.0f} | | |")
    for name, seconds in (("(a) applications_from_scan", create_s), ("(b) step_pass_many (town_verification)", pass_s)):
        print(f"| {name} | {args.workers:,} | {seconds:.1f} s | {args.workers / seconds:,.0f} | {TARGET_S:.0f} s | "
              f"{TARGET_S / seconds:.2f} |")
    ok = create_s < TARGET_S and pass_s < TARGET_S
    print(f"\n{'Meets' if ok else 'Misses'} the {TARGET_S:.0f} s target for each.")


if __name__ == "__main__":
    main()
