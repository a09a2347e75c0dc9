"""Verification round for 100,000 workers, and the work-queue page (我的待办) over their open tasks.

    .venv/bin/python benchmarks/bench_workflow.py [--workers N] [--requests N] [--explain]

Targets (issue 8): (a) opening a verification round's tasks for 100,000 workers in difficulty
(`registry.rounds.round_open_tasks`, one WorkTask per worker) takes under 30 s; (b) the work-queue
page `/workflow/queue/`, for a town officer whose jurisdiction holds all 100,000 open tasks,
answers with p95 under 150 ms (first page and a later page).

How: a fresh database (DATABASE_URL; default SQLite at $TMPDIR/anju-bench-workflow.sqlite3; a
PostgreSQL URL is dropped and re-created) is migrated, regions and the demo users are loaded, and
the deterministic synthetic people 0..N-1 of `anju.core.demo` are inserted, all living in the town
of `shishi-town` (350581001) and all in difficulty (people without a difficulty get
"employment difficulty"), then ANALYZE. The county officer `shishi-hrss` schedules the round with
`round_create` (the background job is not enqueued: the dummy task backend), and the benchmark
times `round_open_tasks` itself. Then, with `django.test.Client` logged in as `shishi-town`, it
times the full page (middleware, session, paginator COUNT, page query, template) for the first
page and the deepest page the capped count offers (page 200 of 10,000 counted tasks). Prints seconds / p50 / p95 and `target / actual`
(> 1 means faster than the target). `--explain` prints each page's slowest query and its plan.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_SQLITE = Path(os.environ.get("TMPDIR") or tempfile.gettempdir()) / "anju-bench-workflow.sqlite3"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{DEFAULT_SQLITE}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anju.settings")
os.environ.setdefault("ANJU_DEV", "1")
# round_create enqueues the opening job on commit: keep it from running, the benchmark times it.
os.environ["ANJU_TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"

ROUND_TARGET_S = 30.0
PAGE_TARGET_MS = 150.0
WARMUP = 5
TOWN = "350581001"


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def fresh_database() -> None:
    url = os.environ["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url[len("sqlite:///"):] + suffix).unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE")


def populate(n: int) -> None:
    from django.core.management import call_command

    from anju.core.demo import insert_people, seed_reference_users
    from anju.regions.loader import load_regions
    from anju.registry.choices import DIFFICULTY_BITS
    from anju.registry.models import Worker

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_regions()
    seed_reference_users()
    insert_people(n, towns=[TOWN + "000"])
    Worker.objects.filter(difficulty_mask=0).update(difficulty_mask=DIFFICULTY_BITS["employment_difficulty"])
    analyze()
    print(f"  populated {n:,} workers in {time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)


def explain(sql: str, params) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall())


def time_page(client, url: str, requests: int, want_plan: bool) -> dict:
    from django.db import connection

    def get() -> None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert "入户核实".encode() in response.content or b"verification" in response.content, f"{url}: no task rows"

    for _ in range(WARMUP):
        get()
    samples = []
    for _ in range(requests):
        t0 = time.perf_counter()
        get()
        samples.append((time.perf_counter() - t0) * 1000)
    timed: list[tuple[float, str, object]] = []

    def record(execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timed.append(((time.perf_counter() - t0) * 1000, sql, params))

    with connection.execute_wrapper(record):
        get()
    slowest = max(timed, key=lambda t: t[0])
    result = {"url": url, "samples": samples, "queries": len(timed), "sql_ms": sum(t[0] for t in timed),
              "slowest_ms": slowest[0], "slowest_sql": slowest[1], "slowest_params": slowest[2]}
    if want_plan:
        result["plan"] = explain(slowest[1], slowest[2])
    return result


def machine(version: str) -> str:
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} CPUs, {mem_kb / 1024 / 1024:.0f} GiB RAM, Python {platform.python_version()}, "
            f"{version}, load average {load}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page (default 50)")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()

    fresh_database()
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from anju.accounts.models import User
    from anju.registry.rounds import round_create, round_open_tasks
    from anju.workflow.models import WorkTask

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    version = " ".join(version.split()[:2]) if connection.vendor == "postgresql" else f"SQLite {version}"
    print(f"# Workflow: verification round and work queue, {args.workers:,} workers ({connection.vendor})")
    populate(args.workers)

    # (a) the round
    county = User.objects.get(username="shishi-hrss")
    rnd = round_create(actor=county, name="基准核实轮次", region_prefix=TOWN, working_days=10,
                       not_verified_since=None, difficulty_only=True)
    t0 = time.perf_counter()
    count = round_open_tasks(rnd)
    round_s = time.perf_counter() - t0
    assert count == args.workers == WorkTask.objects.count(), (count, args.workers)
    analyze()

    # (b) the queue page
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="shishi-town"))
    # The queue counts at most COUNT_CAP tasks (CappedPaginator), so the deepest page reachable is
    # the last one within the cap; time it (or the middle of a smaller queue).
    from anju.lib.paginators import COUNT_CAP

    middle = max(1, min(args.workers // 50 // 2, COUNT_CAP // 50))
    pages = [time_page(client, "/workflow/queue/", args.requests, args.explain),
             time_page(client, f"/workflow/queue/?page={middle}", args.requests, args.explain)]

    print(f"Machine: {machine(version)}")
    print()
    print("| measurement | n | p50 | p95 | target | target/actual |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| (a) round_open_tasks, {count:,} tasks | 1 | {round_s:.1f} s | | {ROUND_TARGET_S:.0f} s | "
          f"{ROUND_TARGET_S / round_s:.2f} |")
    for page in pages:
        p50, p95 = percentile(page["samples"], 50), percentile(page["samples"], 95)
        print(f"| (b) GET {page['url']} ({page['queries']} queries, {page['sql_ms']:.1f} ms SQL) | "
              f"{len(page['samples'])} | {p50:.1f} ms | {p95:.1f} ms | {PAGE_TARGET_MS:.0f} ms | "
              f"{PAGE_TARGET_MS / p95:.2f} |")
    worst = max(percentile(p["samples"], 95) for p in pages)
    print(f"\nRound: {count / round_s:,.0f} tasks/s. Queue worst p95 {worst:.1f} ms: "
          f"{'meets' if worst < PAGE_TARGET_MS else 'misses'} the {PAGE_TARGET_MS:.0f} ms target.")
    if args.explain:
        for page in pages:
            print(f"\n{page['url']}: slowest query {page['slowest_ms']:.1f} ms\n{page['slowest_sql']}\n"
                  f"-- params {list(page['slowest_params'] or [])}\n{page['plan']}")


if __name__ == "__main__":
    main()
