"""Job matching both ways with 100,000 open postings and 1,000,000 workers, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/bench_matching.py [--db sqlite|postgres|both] [--postings N] [--workers N]
                                                  [--requests N] [--explain]

Targets (issue 12): jobs for a worker p95 under 50 ms; workers for a job p95 under 200 ms.

How: each backend runs in a child process (settings read DATABASE_URL at import) against its own
database -- SQLite at $TMPDIR/anju-bench-matching.sqlite3, PostgreSQL at
postgres://postgres@127.0.0.1:5432/anju_bench_matching (created if missing). The child migrates
(which syncs the occupation catalogue), loads regions, then bulk-inserts (anju.lib.bulk.Inserter)
synthetic published postings with their PostingTerm rows, and workers with their Seeker and
SeekerTerm rows: every posting and seeker is one of the catalogue's occupations under one of its
everyday names, in the 19 towns of Shishi and Lan County, with pay, certificates, age ranges and
dates drawn from a seeded generator (so a re-run over a populated database of the same sizes
skips straight to timing). Terms are made by the real tokeniser (anju.employment.text), once per
distinct text. Then ANALYZE, and `--requests` timed calls of `matching.jobs_for_worker` and
`matching.workers_for_job` for random workers and postings (the calls the matches pages make,
MatchEvent logging included) after a few warm-up calls. Reports p50/p95/max and target/p95.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
JOBS_TARGET_MS = 50.0
WORKERS_TARGET_MS = 200.0
WARMUP = 5
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DB = "anju_bench_matching"
SHISHI = ["350581001000", "350581002000", "350581100000", "350581101000", "350581102000", "350581103000",
          "350581104000", "350581105000"]
BATCH = 5000


def sqlite_path() -> Path:
    return Path(os.environ.get("TMPDIR") or tempfile.gettempdir()) / "anju-bench-matching.sqlite3"


def database_url(backend: str) -> str:
    return f"sqlite:///{sqlite_path()}" if backend == "sqlite" else f"{PG_SERVER}/{PG_DB}"


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def ensure_pg_database() -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DB]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(PG_DB)))


def progress(label: str, done: int, total: int, started: float) -> None:
    print(f"\r  {label}: {done:,}/{total:,} ({time.perf_counter() - started:.0f}s)", end="", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- populate
def towns() -> list[str]:
    from anju.regions.models import Region

    codes = sorted(c for c in Region.objects.filter(code__regex=r"^(350581|141127)[0-9]{3}000$")
                   .exclude(code__endswith="000000").values_list("code", flat=True))
    return codes or SHISHI


def populate_postings(n: int, places: list[str]) -> float:
    from django.db import transaction
    from django.utils import timezone

    from anju.employment import text
    from anju.employment.matching import impact, posting_text
    from anju.employment.models import JobPosting, Occupation, PostingTerm
    from anju.lib.bulk import Inserter, collector_paused

    have = JobPosting.objects.filter(unit_name="bench").count()
    if have >= n:
        return 0.0
    started = time.perf_counter()
    occupations = list(Occupation.objects.order_by("pk"))
    rng = random.Random(12)
    now, today = timezone.now(), timezone.localdate()
    fields = ["kind", "status", "title", "occupation_id", "unit_name", "region_id", "address", "description", "pay_unit",
              "pay_min", "pay_max", "pay_monthly_min", "pay_monthly_max", "headcount", "hired_count", "start_date",
              "certificate", "age_min", "age_max", "physical", "requirements", "contact_name", "contact_phone_enc",
              "contact_phone_masked", "valid_from", "valid_until", "published_at", "source", "rule_check", "doc_len",
              "created_at", "updated_at", "version", "close_reason"]
    postings = Inserter(JobPosting, fields)
    terms = Inserter(PostingTerm, ["posting_id", "term", "tf", "dl", "impact"])
    counted: dict[tuple[int, str], tuple] = {}
    with collector_paused():
        for start in range(have, n, BATCH):
            rows, docs = [], []
            for i in range(start, min(n, start + BATCH)):
                o = occupations[i % len(occupations)]
                words = [o.name, *o.alias_list]
                title = rng.choice(words) + rng.choice(["", "师傅", "（长期）", "若干", "日结"])
                description = rng.choice(["", "包吃住", "计件，多劳多得", "两班倒，有社保", "熟手优先"])
                cert = rng.choice(["电工证", "焊工证", "叉车证"]) if rng.random() < 0.05 else ""
                pay = Decimal(rng.randrange(2500, 9000, 100))
                key = (o.pk, f"{title}|{description}|{cert}")
                if key not in counted:
                    fake = JobPosting(title=title, occupation=o, description=description, requirements="", certificate=cert)
                    c = text.term_counts(posting_text(fake))
                    counted[key] = (c, min(sum(c.values()), 32767))
                counts, dl = counted[key]
                kind = "odd_job" if rng.random() < 0.3 else "regular"
                age_min = rng.choice([None, 18, 18, 20])
                age_max = rng.choice([None, None, 45, 50, 55, 60])
                rows.append([kind, "published", title[:80], o.pk, "bench", rng.choice(places), "", description,
                             "month", pay, pay + 1000, pay, pay + 1000, 3, 0,
                             today + dt.timedelta(days=rng.randrange(0, 30)) if kind == "odd_job" else None, cert,
                             age_min, age_max, o.physical, "", "", "", "", today - dt.timedelta(days=rng.randrange(0, 60)),
                             None if rng.random() < 0.5 else today + dt.timedelta(days=rng.randrange(30, 365)),
                             now - dt.timedelta(days=rng.randrange(0, 60), seconds=rng.randrange(86400)), "staff", [], dl,
                             now, now, 1, ""])
                docs.append((counts, dl))
            with transaction.atomic():
                pks = postings.insert_returning_pks(rows)
                terms.insert([[pk, t, min(k, 32767), dl, impact(min(k, 32767), dl)] for pk, (counts, dl) in zip(pks, docs, strict=True)
                              for t, k in counts.items()])
            progress("postings", min(n, start + BATCH), n, started)
    print(file=sys.stderr)
    return time.perf_counter() - started


def populate_workers(n: int, places: list[str]) -> float:
    from django.db import transaction
    from django.utils import timezone

    from anju.employment import text
    from anju.employment.matching import impact
    from anju.employment.models import Occupation, Seeker, SeekerTerm
    from anju.employment.seekers import range_prefix
    from anju.lib.bulk import Inserter, collector_paused
    from anju.registry.models import Worker

    have = Worker.objects.filter(id_number_hash__startswith="bench-").count()
    if have >= n:
        return 0.0
    started = time.perf_counter()
    occupations = list(Occupation.objects.order_by("pk"))
    rng = random.Random(34 + have)
    now, today = timezone.now(), timezone.localdate()
    workers = Inserter(Worker, ["name", "id_number_enc", "id_number_hash", "id_number_masked", "gender", "birth_date",
                                "phone_enc", "phone_hash", "phone_masked", "phone_last4", "residence_region_id",
                                "education", "employment_status", "difficulty_mask", "skills", "desired_occupation",
                                "expected_salary", "notes", "relation_to_head", "created_at", "updated_at", "version"])
    seekers = Inserter(Seeker, ["worker_id", "active", "region_code", "work_range", "range_prefix", "pay_floor",
                                "birth_date", "available_from", "certificates", "physical", "occupation_id", "doc_len",
                                "indexed_at", "updated_at"])
    terms = Inserter(SeekerTerm, ["seeker_id", "term", "tf", "dl", "impact"])
    counted: dict[tuple[int | None, str], tuple] = {}
    with collector_paused():
        for start in range(have, n, BATCH):
            rows, extra = [], []
            for i in range(start, min(n, start + BATCH)):
                o = occupations[rng.randrange(len(occupations))] if rng.random() < 0.9 else None
                desired = rng.choice([o.name, *o.alias_list]) if o else ""
                skills = rng.choice(["", "", "有证", "吃苦耐劳", "会开车"]) if o else ""
                key = (o.pk if o else None, f"{desired}|{skills}")
                if key not in counted:
                    words = [desired, skills] + ([o.name, *o.alias_list] if o else [])
                    c = text.term_counts(" ".join(w for w in words if w))
                    counted[key] = (c, min(sum(c.values()), 32767))
                counts, dl = counted[key]
                birth = dt.date(1962, 1, 1) + dt.timedelta(days=rng.randrange(15000))
                home = rng.choice(places)
                floor = Decimal(rng.randrange(2500, 8000, 500)) if rng.random() < 0.6 else None
                work_range = rng.choice(["county", "county", "county", "town", "city", "province", "any"])
                certs = ["证:" + c for c in (rng.choice(["电工", "焊工", "叉车"]),)] if rng.random() < 0.08 else []
                rows.append([f"工{i}", "x", f"bench-{i}", "350581********0000", rng.choice(["male", "female"]), birth,
                             "", "", "", "", home, "", "unemployed", 0, skills, desired, floor, "", "", now, now, 1])
                extra.append((home, work_range, floor, birth, o, counts, dl, certs))
            with transaction.atomic():
                pks = workers.insert_returning_pks(rows)
                seekers.insert([[pk, True, home, wr, range_prefix(wr, home), floor, birth,
                                 today + dt.timedelta(days=rng.randrange(0, 20)) if rng.random() < 0.3 else None,
                                 "", rng.choice(["light", "medium", "heavy", "heavy"]), o.pk if o else None, dl, now, now]
                                for pk, (home, wr, floor, birth, o, counts, dl, certs) in zip(pks, extra, strict=True)])
                terms.insert([[pk, t, min(k, 32767), dl, impact(min(k, 32767), dl)]
                              for pk, (*_r, counts, dl, certs) in zip(pks, extra, strict=True)
                              for t, k in [*counts.items(), *((c, 1) for c in certs)]])
            progress("workers", min(n, start + BATCH), n, started)
    print(file=sys.stderr)
    return time.perf_counter() - started


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE")


# --------------------------------------------------------------------------- time
def time_calls(call, items: list, requests: int) -> list[float]:
    for item in items[:WARMUP]:
        call(item)
    samples = []
    for item in items[WARMUP:WARMUP + requests]:
        t0 = time.perf_counter()
        call(item)
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def slowest_plan(call, item) -> str:
    from django.db import connection

    timed = []

    def record(execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timed.append(((time.perf_counter() - t0) * 1000, sql, params))

    with connection.execute_wrapper(record):
        call(item)
    ms, sql, params = max((t for t in timed if t[1].lstrip().upper().startswith("SELECT")), key=lambda t: t[0])
    with connection.cursor() as cursor:
        prefix = "EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
        cursor.execute(prefix + sql, params)
        plan = "\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall())
    return f"slowest query {ms:.1f} ms ({len(timed)} queries):\n{sql[:600]}\n{plan}"


def child(args: argparse.Namespace) -> None:
    if args._child == "postgres":
        ensure_pg_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from anju.employment import matching
    from anju.employment.models import JobPosting
    from anju.regions.loader import load_regions
    from anju.registry.models import Worker

    call_command("migrate", verbosity=0)
    load_regions()
    places = towns()
    t_postings = populate_postings(args.postings, places)
    t_workers = populate_workers(args.workers, places)
    if t_postings or t_workers:
        analyze()
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    version = " ".join(version.split()[:2]) if connection.vendor == "postgresql" else f"SQLite {version}"
    rng = random.Random(99)
    n_open = JobPosting.objects.filter(status="published").count()
    n_workers = Worker.objects.count()
    worker_ids = list(Worker.objects.filter(id_number_hash__startswith="bench-").order_by("pk")
                      .values_list("pk", flat=True)[: args.workers])
    posting_ids = list(JobPosting.objects.filter(unit_name="bench").values_list("pk", flat=True)[: args.postings])
    some_workers = [Worker.objects.get(pk=pk) for pk in rng.sample(worker_ids, min(len(worker_ids), args.requests + WARMUP))]
    some_postings = [JobPosting.objects.select_related("occupation").get(pk=pk)
                     for pk in rng.sample(posting_ids, min(len(posting_ids), args.requests + WARMUP))]
    jobs = time_calls(lambda w: matching.jobs_for_worker(w, limit=20), some_workers, args.requests)
    print(f"  jobs for a worker: p95 {percentile(jobs, 95):.1f} ms", file=sys.stderr, flush=True)
    cands = time_calls(lambda p: matching.workers_for_job(p, limit=20, region_prefix=p.region_id[:6]), some_postings,
                       args.requests)
    print(f"  workers for a job: p95 {percentile(cands, 95):.1f} ms", file=sys.stderr, flush=True)
    plans = {}
    if args.explain:
        plans["jobs"] = slowest_plan(lambda w: matching.jobs_for_worker(w, limit=20), some_workers[0])
        plans["workers"] = slowest_plan(lambda p: matching.workers_for_job(p, limit=20), some_postings[0])
    Path(args._result).write_text(json.dumps({"backend": args._child, "version": version, "postings": n_open,
                                              "workers": n_workers, "populate_s": round(t_postings + t_workers),
                                              "jobs": jobs, "cands": cands, "plans": plans}))


# --------------------------------------------------------------------------- parent
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


def markdown(r: dict) -> str:
    lines = [f"**{r['backend']}** ({r['version']}, {r['postings']:,} open postings, {r['workers']:,} workers; "
             f"populated in {r['populate_s']} s)", "",
             "| call | n | p50 ms | p95 ms | max ms | target ms | target/p95 |", "|---|---:|---:|---:|---:|---:|---:|"]
    for name, key, target in (("jobs_for_worker", "jobs", JOBS_TARGET_MS), ("workers_for_job", "cands", WORKERS_TARGET_MS)):
        s = r[key]
        p95 = percentile(s, 95)
        lines.append(f"| {name} | {len(s)} | {percentile(s, 50):.1f} | {p95:.1f} | {max(s):.1f} | {target:.0f} | "
                     f"{target / p95:.2f} |")
    for name, plan in r.get("plans", {}).items():
        lines += ["", f"{name}: ```", plan, "```"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--postings", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--_child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    parser.add_argument("--_result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args._child:
        child(args)
        return
    print(f"Machine: {machine()}; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n")
    for backend in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        env = dict(os.environ, DATABASE_URL=database_url(backend), ANJU_DEV="1", DJANGO_SETTINGS_MODULE="anju.settings")
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
            result = Path(handle.name)
        try:
            command = [sys.executable, str(Path(__file__).resolve()), "--_child", backend, "--_result", str(result),
                       "--postings", str(args.postings), "--workers", str(args.workers), "--requests", str(args.requests)]
            if args.explain:
                command.append("--explain")
            subprocess.run(command, env=env, cwd=ROOT, check=True)
            print(markdown(json.loads(result.read_text())) + "\n", flush=True)
        finally:
            result.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
