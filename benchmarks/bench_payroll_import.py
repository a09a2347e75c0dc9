"""Payroll workbook import (issue 13): rows per second for a 100,000-line 工资表 on SQLite and
PostgreSQL.

    .venv/bin/python benchmarks/bench_payroll_import.py [--db sqlite|postgres|both] [--rows N]

Each backend runs in a child process (settings read DATABASE_URL at import) on a fresh database
(SQLite /tmp/anju-bench-payroll.sqlite3, PostgreSQL `anju_bench_payroll`), dropped at the end:
migrate, load regions, one project and its contractor user; a roster of N workers imported from
a 花名册 workbook (timed, reported beside the target); then the N-line payroll workbook of one
month (one further gross item column, 加班工资) imported as the job does it — read + check every
row + write in one transaction — timed twice: first upload, then the same month again (which
replaces the payer's sheet). Prints rows/s and the ratio against the 10,000 rows/s target, with the process's CPU time and the
load average: on a shared machine the wall time says more about the neighbours than the code.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 10_000  # rows/s
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DB = "anju_bench_payroll"
SQLITE = Path(tempfile.gettempdir()) / "anju-bench-payroll.sqlite3"
MONTH = dt.date(2026, 10, 1)
PAYER = "石狮建工劳务有限公司"


def id_for(i: int) -> str:
    """A distinct valid ID number for worker i (birth dates over 1960-1999, 1,000 per day)."""
    from anju.lib.identifiers import make_id_number

    return make_id_number("350581", dt.date(1960, 1, 1) + dt.timedelta(days=(i // 1000) % 14600), i % 1000)


def write_roster(path: Path, n: int) -> None:
    from anju.lib.sheets import XlsxWriter
    from anju.rights.imports import ROSTER_COLUMNS

    headers = [c.header for c in ROSTER_COLUMNS]
    teams = ["钢筋班", "木工班", "泥工班", "架子班", "水电班"]

    def rows():
        yield headers
        for i in range(n):
            yield [f"工人{i}", id_for(i), f"138{i:08d}", teams[i % 5], "普工", "是", "2026-03-01", "", f"62220202{i:08d}", ""]
    writer = XlsxWriter(path)
    writer.sheet("花名册", headers, rows())
    writer.close()


def write_payroll(path: Path, n: int) -> None:
    from anju.lib.sheets import XlsxWriter
    from anju.rights.imports import PAYROLL_COLUMNS

    headers = [c.header for c in PAYROLL_COLUMNS] + ["加班工资"]

    def rows():
        yield headers
        for i in range(n):
            gross = 6000 + (i % 400) * 10
            deductions = 200 + i % 50
            yield [PAYER, f"2026-11-{1 + i % 15:02d}", f"工人{i}", id_for(i), f"138{i:08d}", 20 + i % 11, f"{gross}.00",
                   f"{deductions}.00", f"{gross - deductions}.00", f"ZF{i:08d}", "是" if i % 3 else "",
                   f"{(i % 7) * 100}.00" if i % 2 else ""]
    writer = XlsxWriter(path)
    writer.sheet("工资表", headers, rows())
    writer.close()


# --------------------------------------------------------------------------- child


def child(backend: str, n: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from anju.accounts.models import Role, User
    from anju.lib.identifiers import make_uscc
    from anju.regions.loader import load_regions
    from anju.rights import imports
    from anju.rights.models import PayrollLine, Project, RosterEntry

    call_command("migrate", verbosity=0)
    load_regions()
    uscc = make_uscc("91350581MA2Y1JG3P")
    user = User.objects.create(username="bench-contractor", role=Role.CONTRACTOR_USER, jurisdiction="350581",
                               organisation_uscc=uscc)
    project = Project.objects.create(code="BENCH-1", name="基准测试项目", region_id="350581001000", owner_name="城投",
                                     contractor_name="石狮建工集团有限公司", contractor_uscc=uscc,
                                     contract_value=100_000_000, contract_signed_on=dt.date(2026, 1, 5))
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    version = " ".join(version.split()[:2]) if connection.vendor == "postgresql" else f"SQLite {version}"
    out: dict = {"backend": backend, "version": version, "rows": n}
    with tempfile.TemporaryDirectory() as tmp:
        roster_path, payroll_path = Path(tmp) / "roster.xlsx", Path(tmp) / "payroll.xlsx"
        t0 = time.perf_counter()
        write_roster(roster_path, n)
        write_payroll(payroll_path, n)
        print(f"[{backend}] generated roster and payroll workbooks in {time.perf_counter() - t0:.1f}s", file=sys.stderr,
              flush=True)

        def run(kind: str, path: Path, month: dt.date | None) -> dict:
            c0, t0 = time.process_time(), time.perf_counter()
            imports.check_import(user, project, kind, month)
            book = imports.read(kind, path)
            t1 = time.perf_counter()
            ctx = imports.context_for(user, project, kind, month)
            outcome = imports.import_run(book, ctx)
            t2, c2 = time.perf_counter(), time.process_time()
            assert outcome.ok, outcome.plan.errors[:5]
            return {"read_s": t1 - t0, "check_write_s": t2 - t1, "total_s": t2 - t0, "rate": n / (t2 - t0),
                    "cpu_s": c2 - c0}

        out["roster"] = run("roster", roster_path, None)
        assert RosterEntry.objects.filter(project=project).count() == n
        out["payroll"] = run("payroll", payroll_path, MONTH)
        assert PayrollLine.objects.filter(project=project, month=MONTH).count() == n
        out["payroll_again"] = run("payroll", payroll_path, MONTH)
        assert PayrollLine.objects.filter(project=project, month=MONTH).count() == n
    connection.close()
    out["load"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return out


# --------------------------------------------------------------------------- parent


def drop(backend: str) -> None:
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE}{suffix}").unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(PG_DB)))


def create(backend: str) -> str:
    drop(backend)
    if backend == "sqlite":
        return f"sqlite:///{SQLITE}"
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(PG_DB)))
    return f"{PG_SERVER}/{PG_DB}"


def report(result: dict) -> None:
    print(f"== {result['backend']} ({result['version']}), {result['rows']:,} rows")
    for key, label in (("roster", "roster import (花名册)"), ("payroll", "payroll import (工资表), first upload"),
                       ("payroll_again", "payroll import, same month again (replaces)")):
        r = result[key]
        print(f"  {label}: read {r['read_s']:.2f}s  check + write {r['check_write_s']:.2f}s  total {r['total_s']:.2f}s  "
              f"{r['rate']:,.0f} rows/s; ratio to target {TARGET:,} rows/s = {r['rate'] / TARGET:.2f}  "
              f"(this process's CPU {r['cpu_s']:.2f}s)")
    print(f"  load average at the end: {result['load']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--_child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._child:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(child(args._child, args.rows)))
        return
    backends = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for backend in backends:
        env = dict(os.environ, DATABASE_URL=create(backend), DJANGO_SETTINGS_MODULE="anju.settings", ANJU_DEV="1",
                   ANJU_DATA_DIR=os.environ.get("ANJU_DATA_DIR", tempfile.gettempdir()))
        try:
            proc = subprocess.run([sys.executable, __file__, "--_child", backend, "--rows", str(args.rows)], env=env,
                                  cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True)
            report(json.loads(proc.stdout.strip().splitlines()[-1]))
        finally:
            drop(backend)


if __name__ == "__main__":
    main()
