"""Ledger workbook import: rows per second for a 100,000-row workbook on a fresh SQLite database.

    .venv/bin/python benchmarks/bench_import.py [ROWS]

Generates a realistic workbook (valid rows; every tenth person with a certificate) in a temporary
directory, migrates and loads regions into a fresh database (DATABASE_URL, default
sqlite:////tmp/anju-bench.sqlite3), then times reading + validating + committing, as the
import-ledger command does. Prints rows/s and the ratio against the 10,000 rows/s target.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

TARGET = 10_000  # rows/s
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/anju-bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anju.settings")
os.environ.setdefault("ANJU_DEV", "1")


def fresh_database() -> None:
    url = os.environ["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url[len("sqlite:///"):] + suffix).unlink(missing_ok=True)


def main(rows: int) -> None:
    fresh_database()
    import django

    django.setup()
    from django.core.management import call_command

    from anju.accounts.models import Role, User
    from anju.regions.loader import load_regions
    from anju.registry.imports import import_book
    from anju.registry.models import Worker
    from anju.registry.tests.workbook_data import certificate_row, id_for, worker_row, write_xlsx
    from anju.registry.workbook import read_workbook

    call_command("migrate", verbosity=0)
    load_regions()
    user = User.objects.create(username="bench", role=Role.COUNTY_OFFICER, jurisdiction="350581")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.xlsx"
        started = time.perf_counter()
        write_xlsx(path, [worker_row(i) for i in range(rows)],
                   [certificate_row(i, id_for(i)) for i in range(0, rows, 10)])
        print(f"generated {rows:,} worker rows + {rows // 10:,} certificates in {time.perf_counter() - started:.1f}s",
              file=sys.stderr)
        t0 = time.perf_counter()
        book = read_workbook(path)
        t1 = time.perf_counter()
        plan = import_book(book, actor=user, filename=path.name)
        t3 = time.perf_counter()
        summary = plan.summary
    assert summary["rejected"] == 0 and Worker.objects.count() == rows, summary
    total_rows = plan.total_rows
    rate = total_rows / (t3 - t0)
    print(f"read {t1 - t0:.2f}s  validate + commit {t3 - t1:.2f}s  total {t3 - t0:.2f}s")
    print(f"{total_rows:,} rows ({rows:,} workers + {total_rows - rows:,} certificates): {rate:,.0f} rows/s; "
          f"ratio to target {TARGET:,} rows/s = {rate / TARGET:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
