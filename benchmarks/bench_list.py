"""Ledger list page (`/ledger/`) response time with 1,000,000 workers, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/bench_list.py [--db sqlite|postgres|both] [--workers N] [--requests N]
                                              [--budget S] [--paginator default|lazy|capped] [--explain]

Target (issue): a filtered list page with 1,000,000 workers in the database answers with
p95 under 150 ms, on SQLite and on PostgreSQL.

How: each backend runs in a child process of this script (settings read DATABASE_URL at import)
against its own database -- SQLite at $TMPDIR/anju-bench-list.sqlite3, PostgreSQL at
postgres://postgres@127.0.0.1:5432/anju_bench (created if missing). The child migrates, loads
regions, seeds the demo users and inserts the deterministic synthetic people 0..N-1 of
`anju.core.demo` (idempotent: a re-run over a populated database skips straight to timing), then
runs ANALYZE. It then times the real page end to end in-process with `django.test.Client`
(middleware, session, filter form, queries, django-tables2 rendering, full template) as the
county officer `shishi-hrss` (jurisdiction 350581: about 75% of all people), and once as the town
officer `shishi-town` (350581001). For each scenario: a few warm-up requests, then `--requests`
timed ones (stopping after `--budget` seconds, but with at least 20 samples, so that a page that
takes seconds does not hold `make bench` for half an hour); every response must be 200 and
contain the worker table. Reports p50/p95/max per
scenario, the overall p95 and `target / p95` (> 1 means faster than the target) as markdown.

`--paginator lazy|capped` swaps the list's paginator for this run only (monkeypatched here; the
view is unchanged) to measure what the paginator's COUNT(*) costs. `--explain` prints the plan of
each scenario's slowest query.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 150.0
WARMUP = 5
MIN_SAMPLES = 20  # a scenario stops early after --budget seconds, but never below this
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DB = "anju_bench"
COUNT_CAP = 10_000  # the capped paginator counts at most this many rows
SURNAME = "王"


def sqlite_path() -> Path:
    return Path(os.environ.get("TMPDIR") or tempfile.gettempdir()) / "anju-bench-list.sqlite3"


def database_url(backend: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{sqlite_path()}"
    return f"{PG_SERVER}/{PG_DB}"


@dataclass
class Scenario:
    key: str
    title: str
    query: str  # the query string after /ledger/
    user: str = "shishi-hrss"
    expect_rows: bool = True


@dataclass
class Result:
    key: str
    title: str
    url: str
    user: str
    samples_ms: list[float]
    queries: int = 0
    sql_ms: float = 0.0
    slowest_sql_ms: float = 0.0
    slowest_sql: str = ""
    plan: str = ""

    def pct(self, p: float) -> float:
        return percentile(self.samples_ms, p)


@dataclass
class BackendReport:
    backend: str
    version: str
    workers: int
    populate_s: float
    paginator: str
    results: list[Result] = field(default_factory=list)


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


# --------------------------------------------------------------------------- child: one backend


def scenarios(id_number: str) -> list[Scenario]:
    return [
        Scenario("a", "first page, no filter", ""),
        Scenario("b", "town + status (region=350581001, status=unemployed)", "region=350581001&status=unemployed"),
        Scenario("c", "any difficulty (difficulty=any)", "difficulty=any"),
        Scenario("d", f"name prefix (q={SURNAME})", f"q={SURNAME}"),
        Scenario("e", "full ID number (q=<18 digits>)", f"q={id_number}"),
        Scenario("f", "long unemployed (long_unemployed=true)", "long_unemployed=true"),
        Scenario("g", "deep page (status=unemployed, page=200)", "status=unemployed&page=200"),
        Scenario("h", "sorted by name (sort=name)", "sort=name"),
        Scenario("i", "town officer, first page (shishi-town)", "", user="shishi-town"),
    ]


def progress(done: int, total: int) -> None:
    if done == total or done % 50_000 == 0:
        print(f"  inserted up to {done:,}/{total:,}", file=sys.stderr, flush=True)


def ensure_pg_database() -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DB]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(PG_DB)))
            print(f"  created database {PG_DB}", file=sys.stderr)


def populate(n: int) -> float:
    """Bring the database to people 0..n-1; returns seconds spent (0 when already there)."""
    from django.core.management import call_command
    from django.db import connection

    from anju.core.demo import insert_people, person, seed_reference_users
    from anju.regions.loader import load_regions
    from anju.registry.models import Worker
    from anju.registry.services import id_hash

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_regions()
    seed_reference_users()
    last = person(n - 1, today=_today())["id_number"] if n else ""
    if Worker.objects.count() >= n and (not n or Worker.objects.filter(id_number_hash=id_hash(last)).exists()):
        print(f"  {n:,} people already present", file=sys.stderr)
        return 0.0
    print(f"  inserting people up to {n:,} (idempotent; this takes a while for 1M)", file=sys.stderr, flush=True)
    inserted = insert_people(n, progress=progress)
    print(f"  inserted {inserted:,} people in {time.perf_counter() - started:.0f}s; ANALYZE", file=sys.stderr, flush=True)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM (ANALYZE)")  # what autovacuum would do: statistics + visibility map
        else:
            cursor.execute("ANALYZE")
    return time.perf_counter() - started


def analyze_if_needed() -> None:
    """Statistics even when populating was skipped (e.g. after an interrupted first run)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'registry_worker'")
            if not cursor.fetchone()[0]:
                cursor.execute("VACUUM (ANALYZE)")
        else:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if not cursor.fetchone()[0]:
                cursor.execute("ANALYZE")


def _today():
    from django.utils import timezone

    return timezone.localdate()


def sample_id_number(n: int) -> str:
    """The ID number of an existing person who lives in Shishi (within shishi-hrss's jurisdiction)."""
    from anju.core.demo import person

    for i in range(n // 2, n):
        data = person(i, today=_today())
        if data["residence_region_id"].startswith("350581"):
            return data["id_number"]
    raise SystemExit("no person in Shishi: populate more workers")


def install_paginator(kind: str) -> None:
    """Swap the paginator the list view asks django-tables2 for (this benchmark run only)."""
    if kind == "default":
        return
    from django.core.paginator import Paginator
    from django.utils.functional import cached_property
    from django_tables2 import RequestConfig
    from django_tables2.paginators import LazyPaginator

    import anju.registry.views as views

    class CountlessLazyPaginator(LazyPaginator):
        """django-tables2's LazyPaginator (no COUNT); the page's "共 N 人" shows a lower bound."""

        @property
        def count(self) -> int:  # LazyPaginator raises NotImplementedError; the template reads it
            return (self._num_pages or 1) * self.per_page

    class CappedCountPaginator(Paginator):
        """Exact page numbers, but COUNT(*) stops at COUNT_CAP rows ("10,000+ people")."""

        @cached_property
        def count(self) -> int:
            # django-tables2 hands the paginator its BoundRows; the queryset is under .data.data
            queryset = getattr(getattr(self.object_list, "data", None), "data", None)
            if not hasattr(queryset, "order_by"):
                return len(self.object_list)
            return queryset.order_by()[: COUNT_CAP + 1].count()

    paginator_class = CountlessLazyPaginator if kind == "lazy" else CappedCountPaginator

    class PatchedRequestConfig(RequestConfig):
        def __init__(self, request, paginate=True):
            options = dict(paginate) if isinstance(paginate, dict) else {}
            options["paginator_class"] = paginator_class
            super().__init__(request, paginate=options)

    views.RequestConfig = PatchedRequestConfig  # type: ignore[misc]


def explain(sql: str, params: Any) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall())


def time_scenario(client_for: dict[str, Any], scenario: Scenario, requests: int, budget_s: float,
                  want_plan: bool) -> Result:
    from django.db import connection

    client = client_for[scenario.user]
    url = "/ledger/" + (f"?{scenario.query}" if scenario.query else "")

    def get() -> bytes:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        body = response.content
        assert b'data-testid="worker-table"' in body, f"{url}: no worker table"
        if scenario.expect_rows:
            assert b'href="/ledger/' in body and "没有符合条件的人员".encode() not in body, f"{url}: empty list"
        return body

    for _ in range(WARMUP):
        get()
    samples: list[float] = []
    deadline = time.perf_counter() + budget_s
    for _ in range(requests):
        t0 = time.perf_counter()
        get()
        samples.append((time.perf_counter() - t0) * 1000)
        if len(samples) >= MIN_SAMPLES and time.perf_counter() > deadline:
            break  # a page this slow is measured well enough: do not spend minutes on it
    timed: list[tuple[float, str, Any]] = []

    def record(execute, sql, params, many, context):  # one more request, to see the SQL behind it
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timed.append(((time.perf_counter() - t0) * 1000, sql, params))

    with connection.execute_wrapper(record):
        get()
    selects = [t for t in timed if t[1].lstrip().upper().startswith("SELECT")]
    slowest_ms, slowest_sql, slowest_params = max(selects, key=lambda t: t[0]) if selects else (0.0, "", None)
    result = Result(scenario.key, scenario.title, url, scenario.user, samples, queries=len(timed),
                    sql_ms=sum(t[0] for t in timed), slowest_sql_ms=slowest_ms,
                    slowest_sql=f"{slowest_sql}  -- params {list(slowest_params or [])}")
    if want_plan and slowest_sql:
        try:
            result.plan = explain(slowest_sql, slowest_params)
        except Exception as exc:  # report, but do not lose the timings
            result.plan = f"(could not explain: {exc})"
    return result


def child(args: argparse.Namespace) -> None:
    backend = args._child
    if backend == "postgres":
        ensure_pg_database()
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from anju.accounts.models import User

    print(f"[{backend}] populating {connection.settings_dict['NAME']}", file=sys.stderr, flush=True)
    populate_s = populate(args.workers)
    analyze_if_needed()
    if args.populate_only:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        version = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM registry_worker")
        workers = cursor.fetchone()[0]
    if connection.vendor == "postgresql":
        version = " ".join(version.split()[:2])
    else:
        version = f"SQLite {version}"
    install_paginator(args.paginator)

    client_for: dict[str, Any] = {}
    for username in {"shishi-hrss", "shishi-town"}:
        client = Client(HTTP_HOST="localhost")  # in the default ALLOWED_HOSTS
        client.force_login(User.objects.get(username=username))
        client_for[username] = client

    report = BackendReport(backend, version, workers, populate_s, args.paginator)
    for scenario in scenarios(sample_id_number(args.workers)):
        if args.only and scenario.key not in args.only:
            continue
        result = time_scenario(client_for, scenario, args.requests, args.budget, args.explain)
        report.results.append(result)
        print(f"  [{backend}] {scenario.key}: p50 {result.pct(50):.1f} ms  p95 {result.pct(95):.1f} ms  "
              f"({result.queries} queries, slowest {result.slowest_sql_ms:.1f} ms)", file=sys.stderr, flush=True)
    Path(args._result).write_text(json.dumps(asdict(report), ensure_ascii=False))


# --------------------------------------------------------------------------- parent: orchestration


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))
        mem = f"{mem_kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        mem = "? GiB"
    return f"{os.cpu_count()} CPUs ({cpu}), {mem} RAM, Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}"


def markdown(report: BackendReport) -> str:
    lines = [
        f"**{report.backend}** ({report.version}, {report.workers:,} workers, paginator: {report.paginator})",
        "",
        "| scenario | user | n | p50 ms | p95 ms | max ms | queries | SQL ms | target/p95 |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report.results:
        p95 = r.pct(95)
        lines.append(f"| {r.key}. {r.title} | {r.user} | {len(r.samples_ms)} | {r.pct(50):.1f} | {p95:.1f} | {max(r.samples_ms):.1f} | "
                     f"{r.queries} | {r.sql_ms:.1f} | {TARGET_MS / p95:.2f} |")
    overall = percentile([s for r in report.results for s in r.samples_ms], 95)
    lines += ["", f"Overall p95 {overall:.1f} ms; target {TARGET_MS:.0f} ms; ratio target/p95 = {TARGET_MS / overall:.2f}"
              f" ({'meets' if overall < TARGET_MS else 'misses'} the target)."]
    slow = [r for r in report.results if r.pct(95) >= TARGET_MS]
    if slow:
        lines.append(f"Scenarios over target: {', '.join(r.key for r in slow)}.")
    return "\n".join(lines)


def run_backend(backend: str, args: argparse.Namespace) -> BackendReport | None:
    env = dict(os.environ, DATABASE_URL=database_url(backend), ANJU_DEV="1", DJANGO_SETTINGS_MODULE="anju.settings")
    env.pop("DEBUG", None)
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        result_path = Path(handle.name)
    try:
        command = [sys.executable, str(Path(__file__).resolve()), "--_child", backend, "--_result", str(result_path),
                   "--workers", str(args.workers), "--requests", str(args.requests), "--budget", str(args.budget),
                   "--paginator", args.paginator]
        if args.explain:
            command.append("--explain")
        if args.only:
            command += ["--only", args.only]
        if args.populate_only:
            command.append("--populate-only")
        subprocess.run(command, env=env, cwd=ROOT, check=True)
        if args.populate_only:
            return None
        data = json.loads(result_path.read_text())
    finally:
        result_path.unlink(missing_ok=True)
    results = [Result(**r) for r in data.pop("results")]
    return BackendReport(**data, results=results)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--workers", type=int, default=1_000_000, help="people in the database (default 1,000,000)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per scenario (default 200)")
    parser.add_argument("--budget", type=float, default=60.0,
                        help="seconds per scenario after which sampling stops early (>= 20 samples kept)")
    parser.add_argument("--paginator", choices=["default", "lazy", "capped"], default="default",
                        help="EXPERIMENT: swap the list's paginator (lazy: no COUNT; capped: COUNT up to 10,000)")
    parser.add_argument("--explain", action="store_true", help="print the plan of each scenario's slowest query")
    parser.add_argument("--only", default="", help="scenario letters to run, e.g. 'acd'")
    parser.add_argument("--populate-only", action="store_true", help="fill the database(s), time nothing")
    parser.add_argument("--_child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    parser.add_argument("--_result", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    if args._child:
        sys.path.insert(0, str(ROOT))
        child(args)
        return
    backends = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    print(f"# Ledger list page, {args.workers:,} workers, {args.requests} requests per scenario")
    print(f"Machine: {machine()}")
    worst = 0.0
    for backend in backends:
        report = run_backend(backend, args)
        if report is None:
            continue
        print()
        print(markdown(report))
        if args.explain:
            for r in report.results:
                print(f"\n[{backend}] {r.key}. slowest query {r.slowest_sql_ms:.1f} ms:\n{r.slowest_sql}\n{r.plan}")
        worst = max(worst, percentile([s for r in report.results for s in r.samples_ms], 95))
    if worst:
        print(f"\nWorst overall p95 {worst:.1f} ms: ratio target/p95 = {TARGET_MS / worst:.2f}")


if __name__ == "__main__":
    main()
