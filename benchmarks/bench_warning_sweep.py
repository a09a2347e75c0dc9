"""The early-warning sweep over 10,000 construction projects, 500,000 roster workers and 12 months
of attendance, payroll and special-account wages (about 6,000,000 payroll lines).

    .venv/bin/python benchmarks/bench_warning_sweep.py [--db sqlite|postgres|both] [--projects N] [--keep]

Targets (issue 13): `anju.rights.warnings.sweep` under 60 s on PostgreSQL and under 120 s on
SQLite. How: a fresh database (SQLite at $TMPDIR/anju-bench-warnings.sqlite3, or the PostgreSQL
database anju_bench_warnings on BENCH_POSTGRES, default postgres://postgres@127.0.0.1:5432) is
migrated and the regions loaded; N projects in Shishi's towns get 50 roster workers each, and
for each of the 12 months Dec 2025 – Nov 2026 every worker's attendance, a payroll line and the
wage paid through the special account, plus the monthly labour-cost allocation, the account,
the deposit and the notice board — all inserted in bulk (`anju.lib.bulk.Inserter`: COPY on
PostgreSQL). One project in five breaks one rule (each rule alike), so the sweep raises about
2,000 warnings with their tasks. Then ANALYZE, and the sweep for 2026-12-04 is timed twice: the
first raises the warnings, opens their tasks and tells the inspector; the second (same day)
changes nothing. The bench database is dropped at the end unless --keep.

`--db both` runs each database in its own process (the settings read DATABASE_URL once).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SQLITE = Path(os.environ.get("TMPDIR") or tempfile.gettempdir()) / "anju-bench-warnings.sqlite3"
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432") + "/anju_bench_warnings"
TARGETS = {"postgresql": 60.0, "sqlite": 120.0}
WORKERS = 50
MONTHS = [dt.date(2025, 12, 1)] + [dt.date(2026, m, 1) for m in range(1, 12)]
ON = dt.date(2026, 12, 4)
RULES = 10  # one project in five breaks rule (i // 5) % RULES
BATCH = 50_000


def fresh_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url[len("sqlite:///"):] + suffix).unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if not os.environ.get("BENCH_DROP_ONLY"):
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE")


def breaks(i: int) -> str | None:
    """Which rule project i breaks (one in five breaks one), or None."""
    if i % 5:
        return None
    return ("allocation_overdue", "wages_unpaid", "paid_fewer_than_attended", "attendees_unpaid", "average_pay_low",
            "pay_implausible", "exit_unsettled", "account_not_opened", "deposit_not_lodged",
            "no_notice_board")[(i // 5) % RULES]


class Batches:
    """Rows collected per table and inserted BATCH at a time."""

    def __init__(self):
        self.inserters, self.rows, self.counts = {}, {}, {}

    def add(self, model, fields: tuple[str, ...], row: tuple) -> None:
        from anju.lib.bulk import Inserter

        key = model._meta.label
        if key not in self.inserters:
            self.inserters[key], self.rows[key], self.counts[key] = Inserter(model, fields), [], 0
        self.rows[key].append(row)
        if len(self.rows[key]) >= BATCH:
            self.flush(key)

    def flush(self, key: str | None = None) -> None:
        for k in [key] if key else list(self.rows):
            if self.rows[k]:
                self.inserters[k].insert(self.rows[k])
                self.counts[k] += len(self.rows[k])
                self.rows[k] = []


def populate(n: int) -> dict[str, int]:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from anju.accounts.models import DepartmentKind, Role, User
    from anju.accounts.tests.factories import department
    from anju.lib.bulk import collector_paused
    from anju.params.services import ParameterSeed, SeedValue, parameters_seed
    from anju.regions.loader import load_regions
    from anju.regions.models import Region
    from anju.rights.models import (
        AccountEntry,
        Attendance,
        DepositMovement,
        PayrollLine,
        PayrollSheet,
        Project,
        RosterEntry,
        WageAccount,
        WageDeposit,
    )

    call_command("migrate", verbosity=0)
    load_regions()
    hrss = department("bench-shishi-hrss", DepartmentKind.HRSS, "350581000000", "石狮市人社局")
    User.objects.create(username="bench-inspector", role=Role.INSPECTOR, jurisdiction="350581", department=hrss)
    parameters_seed(seeds=[ParameterSeed("min_wage_monthly", "money", "月最低工资标准", "Monthly minimum wage",
                                         values=(SeedValue("3505", dt.date(2022, 4, 1), Decimal("2030"), "基准测试"),))])
    towns = list(Region.objects.filter(code__startswith="350581").exclude(code="350581000000")
                 .values_list("code", flat=True))
    now = timezone.now()
    b = Batches()
    P = ("id", "code", "name", "region", "address", "owner_name", "owner_uscc", "contractor_name", "contractor_uscc",
         "contract_value", "labour_share", "disbursement_cycle_months", "contract_signed_on", "permit_on", "start_on",
         "planned_end_on", "completed_on", "status", "supervisor_name", "supervisor_phone_masked",
         "supervisor_phone_enc", "notice_board_on", "created_at", "updated_at", "version")
    R = ("id", "project", "name", "trade", "contract_signed", "bank_account_masked", "entered_on", "exited_on",
         "settled_on", "phone_enc", "phone_hash", "phone_masked", "id_number_enc", "id_number_hash", "id_number_masked")
    A = ("project", "roster", "month", "days")
    S = ("id", "project", "month", "payer_name", "pay_date", "paid_by_contractor", "uploaded_at")
    L = ("sheet", "project", "month", "roster", "work_days", "gross", "items", "deductions", "net", "bank_reference",
         "signed", "paid_on")
    E = ("account", "project", "kind", "booked_on", "amount", "roster", "month", "reference")
    value, share, days, gross, zero = Decimal("8000000"), Decimal("0.2500"), Decimal("22.0"), Decimal("6600.00"), Decimal("0")
    low, high, allocation, items = Decimal("1500.00"), Decimal("60000.00"), Decimal("330000.00"), {}
    signed, permit, start, board = dt.date(2025, 11, 1), dt.date(2025, 11, 5), dt.date(2025, 11, 10), dt.date(2025, 11, 12)
    t0 = time.perf_counter()
    with transaction.atomic(), collector_paused():
        for i in range(n):
            pk, rule = i + 1, breaks(i)
            b.add(Project, P, (pk, f"B{pk:05d}", f"基准项目{pk:05d}", towns[i % len(towns)], "", "石狮市城投公司", "",
                               "石狮建工集团有限公司", "91350581MA2Y1JG3P0", value, share, 1, signed, permit, start,
                               None, None, "building", "", "", "", None if rule == "no_notice_board" else board,
                               now, now, 1))
            has_account = rule != "account_not_opened"
            if has_account:
                b.add(WageAccount, ("id", "project", "bank", "account_masked", "account_enc", "opened_on"),
                      (pk, pk, "石狮农商行", "6222****0001", "", dt.date(2025, 11, 15)))
            b.add(WageDeposit, ("id", "project", "rate", "amount_due", "exempt", "basis", "form", "bank"),
                  (pk, pk, Decimal("0.02"), Decimal("160000"), False, "", "cash", ""))
            if rule != "deposit_not_lodged":
                b.add(DepositMovement, ("deposit", "kind", "on", "amount", "note"),
                      (pk, "lodged", dt.date(2025, 11, 20), Decimal("160000"), ""))
            first_roster = i * WORKERS + 1
            for w in range(WORKERS):
                rid = first_roster + w
                exited = dt.date(2026, 11, 2) if rule == "exit_unsettled" and w == 0 else None
                b.add(RosterEntry, R, (rid, pk, f"工人{rid}", "钢筋工", True, "", dt.date(2025, 11, 10), exited, None,
                                       "", "", "", "", f"bench{rid}", ""))
            for m, month in enumerate(MONTHS):
                sheet = i * len(MONTHS) + m + 1
                b.add(PayrollSheet, S, (sheet, pk, month, "石狮建工集团有限公司", month.replace(day=28), True, now))
                if has_account and not (rule == "allocation_overdue" and month >= dt.date(2026, 10, 1)):
                    b.add(AccountEntry, E, (pk, pk, "allocation", month.replace(day=5), allocation, None, None, f"A{m}"))
                for w in range(WORKERS):
                    rid = first_roster + w
                    b.add(Attendance, A, (pk, rid, month, days))
                    if rule == "attendees_unpaid" and month == dt.date(2026, 9, 1) and w < 10:
                        continue
                    pay = (low if rule == "average_pay_low" and month == dt.date(2026, 8, 1)
                           else high if rule == "pay_implausible" and month == dt.date(2026, 7, 1) and w == 0 else gross)
                    net = zero if rule == "paid_fewer_than_attended" and month == dt.date(2026, 11, 1) and w < 2 else pay
                    b.add(PayrollLine, L, (sheet, pk, month, rid, days, pay, items, zero, net, "", True, None))
                    if has_account and not (rule == "wages_unpaid" and month == dt.date(2026, 10, 1) and w < 3):
                        b.add(AccountEntry, E, (pk, pk, "wage", month.replace(day=28), pay, rid, month, f"W{m}-{rid}"))
            if i % 1000 == 999:
                print(f"  {i + 1:,} projects, {time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)
        b.flush()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Project, RosterEntry, PayrollSheet, WageAccount, WageDeposit):
                table = model._meta.db_table
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    analyze()
    print(f"  populated in {time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)
    return b.counts


def machine(version: str) -> str:
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} CPUs, {mem_kb / 1024 / 1024:.0f} GiB RAM, Python {platform.python_version()}, "
            f"{version}, load average {load}")


def run(projects: int, keep: bool) -> None:
    import django

    django.setup()
    from django.db import connection

    from anju.rights.models import Warning
    from anju.rights.warnings import sweep
    from anju.workflow.models import Message, WorkTask

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    version = " ".join(version.split()[:2]) if connection.vendor == "postgresql" else f"SQLite {version}"
    print(f"# Warning sweep, {projects:,} projects ({connection.vendor})", flush=True)
    counts = populate(projects)
    t0 = time.perf_counter()
    first = sweep(ON)
    first_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    second = sweep(ON)
    second_s = time.perf_counter() - t0
    expected = {rule: 0 for rule in first["by_rule"]}
    for i in range(projects):
        if breaks(i):
            expected[breaks(i)] += 1
    # A project without an account also misses its allocations and wages: at least what was broken.
    assert all(first["by_rule"][rule] >= n > 0 or n == 0 for rule, n in expected.items()), (first["by_rule"], expected)
    assert second["raised"] == second["cleared"] == second["changed"] == second["seen"] == 0, second
    tasks, messages = WorkTask.objects.count(), Message.objects.count()
    assert Warning.objects.count() == tasks == first["raised"] and messages == 1, (tasks, messages, first)
    target = TARGETS[connection.vendor]
    print(f"Machine: {machine(version)}; {dt.date.today():%Y-%m-%d}")
    rows = ", ".join(f"{label.split('.')[-1]} {n:,}" for label, n in counts.items())
    print(f"Rows: {rows}")
    print()
    print("| measurement | seconds | target | target/actual |")
    print("|---|---:|---:|---:|")
    print(f"| first sweep ({first['raised']:,} warnings raised, tasks opened, 1 message) | {first_s:.1f} | "
          f"{target:.0f} | {target / first_s:.2f} |")
    print(f"| second sweep, same day (nothing changes) | {second_s:.1f} | {target:.0f} | {target / second_s:.2f} |")
    connection.close()
    if not keep:
        url = os.environ["DATABASE_URL"]
        os.environ["BENCH_DROP_ONLY"] = "1"
        fresh_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the bench database (default: dropped)")
    args = parser.parse_args()
    if args.db == "both":
        for db in ("postgres", "sqlite"):
            command = [sys.executable, __file__, "--db", db, "--projects", str(args.projects)]
            subprocess.run(command + (["--keep"] if args.keep else []), check=True)
        return
    url = f"sqlite:///{SQLITE}" if args.db == "sqlite" else POSTGRES
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anju.settings")
    os.environ.setdefault("ANJU_DEV", "1")
    os.environ.setdefault("ANJU_DATA_DIR", str(Path(tempfile.gettempdir()) / "anju-bench-warnings"))
    fresh_database(url)
    run(args.projects, args.keep)


if __name__ == "__main__":
    main()
