"""Comparison import: rows per second for a 100,000-row UI contributions CSV (失业保险参保缴费记录)
against a 100,000-worker ledger.

    .venv/bin/python benchmarks/bench_comparison.py [ROWS]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/anju_bench_cmp .venv/bin/python benchmarks/bench_comparison.py

Makes a fresh database (DATABASE_URL, default sqlite:////tmp/anju-bench-comparison.sqlite3; a
PostgreSQL database is migrated and its worker and comparison tables emptied), loads regions, inserts ROWS
workers in Shishi's streets (unemployment insurance unknown), and writes a CSV of ROWS rows: 95 %
of the workers (two thirds 参保 with months, a third 未参保) and 5 % ID numbers the ledger does not
hold. Then times what the confirm task does — read + clean + match + commit in one transaction
(worker updates with version + 1 and a history record each, FactSource rows, the audit event) —
for the first import (every worker changes) and for the same file again (nothing changes).
Prints rows/s and the ratio against the 10,000 rows/s target; the preview is timed too.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

TARGET = 10_000  # rows/s
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/anju-bench-comparison.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anju.settings")
os.environ.setdefault("ANJU_DEV", "1")


def fresh_database() -> None:
    url = os.environ["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url[len("sqlite:///"):] + suffix).unlink(missing_ok=True)


def seed_workers(rows: int) -> list[tuple[str, str]]:
    """ROWS workers inserted in bulk (no history: set-up only); returns (ID number, name) of each."""
    from anju.lib.bulk import Inserter
    from anju.lib.identifiers import make_id_number
    from anju.regions.models import Region
    from anju.registry.models import Worker
    from anju.registry.services import IDENTIFIER_FIELDS, identifier_columns

    streets = sorted(c for c in Region.objects.filter(code__startswith="350581").values_list("code", flat=True)
                     if not c.endswith("000000"))
    people = []
    for i in range(rows):
        birth = dt.date(1970, 1, 1) + dt.timedelta(days=i // 900)
        people.append((make_id_number("350581", birth, i % 900 + 1), f"工人{i}", birth, streets[i % len(streets)]))
    now = dt.datetime.now(dt.UTC)
    fields = ["name", "gender", "birth_date", "residence_region_id", "employment_status", "difficulty_mask",
              "version", "created_at", "updated_at", "education", "skills", "desired_occupation", "relation_to_head",
              "notes", *IDENTIFIER_FIELDS]
    inserter = Inserter(Worker, fields)
    for start in range(0, rows, 10_000):
        part = people[start:start + 10_000]
        columns = identifier_columns([p[0] for p in part], [f"138{i:08d}" for i in range(start, start + len(part))])
        inserter.insert([(p[1], "male" if int(p[0][16]) % 2 else "female", p[2], p[3], "unemployed", 0, 1, now, now,
                          "", "", "", "", "", *cols) for p, cols in zip(part, columns, strict=True)])
    return [(p[0], p[1]) for p in people]


def write_csv(path: Path, people: list[tuple[str, str]]) -> int:
    from anju.lib.identifiers import make_id_number

    listed = people[: len(people) * 95 // 100]
    strangers = [(make_id_number("350581", dt.date(1960, 1, 1) + dt.timedelta(days=i // 900), i % 900 + 1), f"外人{i}")
                 for i in range(len(people) - len(listed))]
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["身份证号", "姓名", "参保状态", "缴费月数"])
        for i, (number, name) in enumerate(listed + strangers):
            writer.writerow([number, name, "参保", 12 + i % 120] if i % 3 else [number, name, "未参保", ""])
    return len(listed) + len(strangers)


def timed_import(user, path: Path, *, preview: bool = False):
    from anju.benefits import sources
    from anju.benefits.models import ComparisonImport, SourceKind
    from anju.lib.dates import today

    job = ComparisonImport.objects.create(created_by=user, kind=SourceKind.UI_CONTRIBUTIONS, as_of=today(),
                                          region_prefix="350581", filename=path.name, report={"phase": "commit"})
    t0 = time.perf_counter()
    book = sources.read_source(path, job.kind, path.name)
    t1 = time.perf_counter()
    plan = sources.source_run(book, kind=job.kind, region_prefix="350581", as_of=job.as_of, job=job,
                              write=not preview)
    t2 = time.perf_counter()
    return plan, t1 - t0, t2 - t1


def main(rows: int) -> None:
    fresh_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from anju.accounts.models import Role, User
    from anju.benefits.models import FactSource
    from anju.regions.loader import load_regions
    from anju.registry.models import Worker

    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql":
        _truncate()
    load_regions()
    user = User.objects.create(username="bench", role=Role.COUNTY_OFFICER, jurisdiction="350581")
    started = time.perf_counter()
    people = seed_workers(rows)
    print(f"seeded {rows:,} workers in {time.perf_counter() - started:.1f}s ({connection.vendor})", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "失业保险参保缴费记录.csv"
        total = write_csv(path, people)
        plan, read, run = timed_import(user, path, preview=True)
        print(f"preview: read {read:.2f}s  clean + match {run:.2f}s  total {read + run:.2f}s  "
              f"{total / (read + run):,.0f} rows/s")
        for label in ("first import", "same file again"):
            plan, read, run = timed_import(user, path)
            counts = plan.totals()
            rate = total / (read + run)
            print(f"{label}: read {read:.2f}s  clean + match + commit {run:.2f}s  total {read + run:.2f}s; "
                  f"matched {counts['matched']:,} unmatched {counts['unmatched']:,} errors {counts['errors']:,} "
                  f"ledger changed {counts['ledger_changed']:,} facts new {counts['facts_new']:,}")
            print(f"  {total:,} rows: {rate:,.0f} rows/s; ratio to target {TARGET:,} rows/s = {rate / TARGET:.2f}")
    assert Worker.objects.filter(unemployment_insured__isnull=True).count() == 0
    assert FactSource.objects.count() == counts["facts_unchanged"]


def _truncate() -> None:
    """PostgreSQL: start from empty tables (the migrations' seed rows kept)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("benefits_factsource", "benefits_comparisonimport", "registry_historicalworker", "registry_worker"):
            cursor.execute(f"TRUNCATE {table} CASCADE")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
