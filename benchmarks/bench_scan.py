"""Policy engine benchmarks over 1,000,000 ledger workers, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/bench_scan.py [--db sqlite|postgres|both] [--workers N] [--rounds N]

Targets (issue 3):
- a proactive scan of every worker-subject policy, end to end from the database to the list
  (rows materialised as (masked ID number, amount)), under 3 s in total;
- measured in the same run against OpenFisca (openfisca-core, `bench` extra; model in
  benchmarks/openfisca_model.py) computing quanzhou-temporary-assistance,
  quanzhou-training-certificate-subsidy and quanzhou-employment-subsidy over the same data exported
  from the same database; both must agree (same subjects, same amounts), the ratio is reported;
- one worker's explained evaluation of every applicable policy (evaluate_subject): p95 < 10 ms;
- the screening API (POST /api/v1/screening through django.test.Client): p95 < 20 ms.

Databases: SQLite at /tmp/anju-bench-scan.sqlite3 and PostgreSQL `anju_bench_scan`. When missing
they are copied from benchmarks/bench_list.py's databases if those exist (file copy /
CREATE DATABASE ... TEMPLATE anju_bench), else created; then migrated and filled with the
deterministic people 0..N-1 of `anju.core.demo` (idempotent). For the hire and certificate
policies the script adds (once, deterministically) 50 employers, a hire for every worker whose
id ends in 0 (with a registration date in 2019-2021, so that the 2020-2022 employment subsidy has
someone to find) and a certificate for every worker whose id ends in 5. Each backend runs in a
child process (settings read DATABASE_URL at import).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DB = "anju_bench_scan"
PG_SOURCE = "anju_bench"
SQLITE = Path(tempfile.gettempdir()) / "anju-bench-scan.sqlite3"
SQLITE_SOURCE = Path(tempfile.gettempdir()) / "anju-bench-list.sqlite3"
ON = dt.date(2026, 11, 25)          # worker and certificate policies
EMPLOYMENT_ON = dt.date(2022, 1, 31)  # quanzhou-employment-subsidy is in force 2020-03-01 .. 2022-02-03
THREE = ("quanzhou-temporary-assistance", "quanzhou-training-certificate-subsidy", "quanzhou-employment-subsidy")
SCAN_TARGET_S, EXPLAIN_TARGET_MS, API_TARGET_MS = 3.0, 10.0, 20.0


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


# --------------------------------------------------------------------------- child: preparation


def prepare_database(backend: str) -> None:
    if backend == "sqlite":
        if not SQLITE.exists() and SQLITE_SOURCE.exists():
            print(f"  copying {SQLITE_SOURCE} -> {SQLITE}", file=sys.stderr, flush=True)
            shutil.copyfile(SQLITE_SOURCE, SQLITE)
        return
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DB]).fetchone():
            return
        try:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_SOURCE]).fetchone():
                conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(PG_DB), sql.Identifier(PG_SOURCE)))
                print(f"  created {PG_DB} from {PG_SOURCE}", file=sys.stderr)
                return
        except psycopg.Error as exc:  # the template is in use: start empty
            print(f"  could not copy {PG_SOURCE} ({exc.__class__.__name__}); creating empty", file=sys.stderr)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(PG_DB)))


def populate(n: int) -> float:
    from django.core.management import call_command

    from anju.core.demo import insert_people, person, seed_reference_users
    from anju.policies.packs import catalogue
    from anju.policies.services import sync_from_packs
    from anju.regions.loader import load_regions
    from anju.registry.models import Worker
    from anju.registry.services import id_hash

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_regions()
    seed_reference_users()
    sync_from_packs(catalogue().policies.values())
    from django.utils import timezone

    last = person(n - 1, today=timezone.localdate())["id_number"]
    if not Worker.objects.filter(id_number_hash=id_hash(last)).exists():
        print(f"  inserting people up to {n:,}", file=sys.stderr, flush=True)
        insert_people(n, progress=lambda d, t: d % 100_000 == 0 and print(f"  {d:,}/{t:,}", file=sys.stderr, flush=True))
    added = populate_extras()
    if added:
        analyze()
    return time.perf_counter() - started


def populate_extras() -> int:
    """Employers, hires (workers with id % 10 == 0) and certificates (id % 10 == 5), once."""
    from django.db import connection, transaction

    from anju.employment.models import Employer, Hire, SizeClass
    from anju.lib.identifiers import make_uscc
    from anju.registry.choices import CertificateKind
    from anju.registry.models import Certificate, Worker

    if Certificate.objects.filter(certificate_no__startswith="BENCH").exists():
        return 0
    print("  adding employers, hires and certificates", file=sys.stderr, flush=True)
    regions = (["350581001000", "350581002000", "350581100000", "350581101000", "350581102000", "350581103000"] * 5
               + ["350582000000", "350583000000", "350524000000", "350502000000", "350521000000"] * 2
               + ["141127100000", "141127101000", "141127102000", "141127103000", "141127201000"] * 2)
    sizes = [SizeClass.MICRO, SizeClass.SMALL, SizeClass.MEDIUM, SizeClass.LARGE]
    employers = []
    for k, region in enumerate(regions):
        e, _ = Employer.objects.get_or_create(uscc=make_uscc(f"93{region[:6]}{k:09d}"), defaults={
            "name": f"基准测试单位{k}", "size_class": sizes[k % 4], "region_id": region, "staff_count": 20 + k * 7})
        employers.append(e.pk)
    ids = list(Worker.objects.order_by("id").values_list("id", flat=True))
    kinds = [CertificateKind.SPECIAL_ABILITY, CertificateKind.VOCATIONAL_QUALIFICATION, CertificateKind.SKILL_LEVEL]
    day0, hire0 = dt.date(2019, 9, 1), dt.date(2020, 3, 1)
    hires, certificates = [], []
    for wid in ids:
        if wid % 10 == 0:
            hires.append(Hire(worker_id=wid, employer_id=employers[wid % len(employers)],
                              start_date=hire0 + dt.timedelta(days=(wid * 13) % 700), contract_months=(6, 12, 24, 36)[wid % 4],
                              pension_insured=wid % 3 != 0, unemployment_insured=wid % 4 == 0, medical_insured=True,
                              pension_premium_monthly=Decimal("640.00"), medical_premium_monthly=Decimal("280.00"),
                              unemployment_premium_monthly=Decimal("20.00")))
        elif wid % 10 == 5:
            kind = kinds[wid % 3]
            certificates.append(Certificate(worker_id=wid, kind=kind, occupation="电工",
                                            grade=None if kind == CertificateKind.SPECIAL_ABILITY else wid % 5 + 1,
                                            shortage=wid % 4 == 0, issued_on=day0 + dt.timedelta(days=(wid * 11) % 2000),
                                            certificate_no=f"BENCH{wid:09d}"))
    with transaction.atomic():
        Hire.objects.bulk_create(hires, batch_size=5000)
        Certificate.objects.bulk_create(certificates, batch_size=5000)
        with connection.cursor() as cursor:
            # Registered unemployed in 2019-2021 (the demo people registered relative to today).
            if connection.vendor == "postgresql":
                cursor.execute("UPDATE registry_worker SET unemployment_registered_on = DATE '2019-06-01' + ((id * 7) % 900)::int "
                               "WHERE id % 10 = 0")
            else:
                cursor.execute("UPDATE registry_worker SET unemployment_registered_on = date('2019-06-01', '+' || ((id * 7) % 900) || ' days') "
                               "WHERE id % 10 = 0")
    return len(hires) + len(certificates)


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE")


# --------------------------------------------------------------------------- child: measurements


def worker_policies():
    from anju.policies.packs import catalogue

    return [p for p in sorted(catalogue().policies.values(), key=lambda p: p.id) if p.subject == "worker"]


def time_worker_scans(rounds: int) -> dict:
    """Every worker-subject policy, database -> list of (masked ID number, amount)."""
    from anju.policies.engine import scan_rows

    per_policy: dict[str, list[float]] = {}
    counts: dict[str, int] = {}
    totals = []
    for _ in range(rounds):
        started = time.perf_counter()
        for policy in worker_policies():
            t0 = time.perf_counter()
            rows = [(r[3], r[2]) for r in scan_rows(policy, on=ON, fields=["id_number_masked"])]
            per_policy.setdefault(policy.id, []).append(time.perf_counter() - t0)
            counts[policy.id] = len(rows)
        totals.append(time.perf_counter() - started)
    return {"policies": [{"id": pid, "count": counts[pid], "median_s": statistics.median(ts), "min_s": min(ts)}
                         for pid, ts in per_policy.items()],
            "total_median_s": statistics.median(totals), "total_min_s": min(totals), "rounds": rounds}


def anju_three() -> dict[str, set]:
    from anju.policies.engine import scan_rows
    from anju.policies.packs import get_policy

    def amount(a):
        return None if a is None else str(a)

    return {
        # Keyed by worker id too: masked ID numbers are not unique (first 6 and last 4 digits).
        THREE[0]: {((r[0], r[3]), amount(r[2])) for r in scan_rows(get_policy(THREE[0]), on=ON, fields=["id_number_masked"])},
        THREE[1]: {((r[3], r[4]), amount(r[2])) for r in scan_rows(get_policy(THREE[1]), on=ON,
                                                                    fields=["worker__id_number_masked", "certificate_no"])},
        THREE[2]: {((r[3], r[4]), amount(r[2])) for r in scan_rows(get_policy(THREE[2]), on=EMPLOYMENT_ON,
                                                                    fields=["worker__id_number_masked", "id"])},
    }


def export_for_openfisca():
    """The ledger data the three policies read, from the same database, as numpy arrays."""
    import numpy as np

    from anju.employment.models import Hire
    from anju.params import selectors as params
    from anju.registry.choices import DIFFICULTY_BITS
    from anju.registry.models import Certificate, Worker

    rows = list(Worker.objects.order_by("id").values_list(
        "id", "id_number_masked", "residence_region_id", "difficulty_mask", "last_income_month", "unemployment_insured",
        "unemployment_registered_on").iterator(chunk_size=20_000))
    n = len(rows)
    ids, masked, region, mask, last_income, insured, registered = zip(*rows, strict=True)
    ids = np.array(ids, dtype=np.int64)
    region = np.array(region)
    mask = np.array(mask, dtype=np.int64)

    def dates(values):
        array = np.array(values, dtype="datetime64[D]")
        known = ~np.isnat(array)
        return np.where(known, array, np.datetime64("1970-01-01")), known

    last_income, last_known = dates(last_income)
    registered, registered_known = dates(registered)
    insured = np.array([None if v is None else bool(v) for v in insured], dtype=object)
    inputs = {
        "in_quanzhou": np.char.startswith(region, "3505"),
        "minimum_living_allowance": (mask & DIFFICULTY_BITS["minimum_living_allowance"]) != 0,
        "in_difficulty": mask > 0,
        "last_income_known": last_known, "last_income_month": last_income,
        "unemployment_insured_known": insured != None,  # noqa: E711 - elementwise
        "unemployment_insured": insured == True,  # noqa: E712 - elementwise
        "registered_known": registered_known, "unemployment_registered_on": registered,
    }
    # Certificates and hires: person-level variables of the holder / the hired worker.
    cert = list(Certificate.objects.values_list("worker_id", "certificate_no", "kind", "grade", "shortage", "issued_on",
                                                "worker__residence_region_id"))
    at = np.searchsorted(ids, np.array([c[0] for c in cert], dtype=np.int64))
    cert_no = np.full(n, "", dtype=object)
    cert_no[at] = [c[1] for c in cert]

    def scatter(values, dtype, default):
        array = np.full(n, default, dtype=dtype)
        array[at] = values
        return array

    issued, issued_known = dates([c[5] for c in cert])
    inputs |= {
        "has_certificate": scatter(True, bool, False),
        "certificate_in_quanzhou": scatter([c[6].startswith("3505") for c in cert], bool, False),
        "certificate_special": scatter([c[2] == "special_ability" for c in cert], bool, False),
        "certificate_graded": scatter([c[2] in ("vocational_qualification", "skill_level") for c in cert], bool, False),
        "certificate_grade": scatter([c[3] or 0 for c in cert], np.int64, 0),
        "certificate_shortage": scatter([bool(c[4]) for c in cert], bool, False),
        "certificate_issued_known": scatter(issued_known, bool, False),
        "certificate_issued_on": scatter(issued, "datetime64[D]", np.datetime64("1970-01-01")),
    }
    hires = list(Hire.objects.values_list("worker_id", "id", "employer__region_id", "start_date", "contract_months",
                                          "pension_insured", "unemployment_insured"))
    at = np.searchsorted(ids, np.array([h[0] for h in hires], dtype=np.int64))
    hire_id = np.full(n, 0, dtype=np.int64)
    hire_id[at] = [h[1] for h in hires]
    table = params.values_in_force("min_wage_monthly", EMPLOYMENT_ON)
    wage_of = {}
    for h in hires:
        if h[2] not in wage_of:
            value = params.resolve("min_wage_monthly", h[2], EMPLOYMENT_ON, table=table)[0]
            wage_of[h[2]] = math.nan if value is None else float(value)
    inputs |= {
        "has_hire": scatter(True, bool, False),
        "hire_in_quanzhou": scatter([h[2].startswith("3505") for h in hires], bool, False),
        "hire_start_date": scatter(np.array([h[3] for h in hires], dtype="datetime64[D]"), "datetime64[D]", np.datetime64("1970-01-01")),
        "hire_contract_months": scatter([h[4] for h in hires], np.int64, 0),
        "hire_pension_or_ui": scatter([bool(h[5] or h[6]) for h in hires], bool, False),
        "hire_min_wage": scatter([wage_of[h[2]] for h in hires], np.float64, 0.0),
    }
    names = ["min_living_standard_monthly", "temporary_assistance_months", "training_subsidy_special_ability",
             "training_subsidy_grade_5", "training_subsidy_grade_4", "training_subsidy_grade_3", "training_subsidy_grade_2",
             "training_subsidy_grade_1", "training_shortage_uplift", "training_subsidy_cap"]
    values = {name: params.resolve(name, "350500000000", ON)[0] for name in names}
    keys = {"ids": ids, "masked": np.array(masked, dtype=object), "cert_no": cert_no, "hire_id": hire_id}
    return inputs, values, keys


def openfisca_sets(out, keys) -> dict[str, set]:
    import numpy as np

    def amount(x: float):
        return None if math.isnan(x) else f"{x:.2f}"

    ta = np.flatnonzero(out["temporary_assistance_eligible"])
    ce = np.flatnonzero(out["certificate_subsidy_eligible"])
    em = np.flatnonzero(out["employment_subsidy_eligible"])
    return {
        THREE[0]: {((int(keys["ids"][i]), keys["masked"][i]), amount(out["temporary_assistance"][i])) for i in ta},
        THREE[1]: {((keys["masked"][i], keys["cert_no"][i]), amount(out["certificate_subsidy"][i])) for i in ce},
        THREE[2]: {((keys["masked"][i], int(keys["hire_id"][i])), amount(out["employment_subsidy"][i])) for i in em},
    }


def compare_with_openfisca(rounds: int) -> dict:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import openfisca_model

    anju_times, export_times, of_times = [], [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        anju = anju_three()
        anju_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        inputs, values, keys = export_for_openfisca()
        export_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        system = openfisca_model.build_system(values)
        out = openfisca_model.simulate(system, inputs)
        of_times.append(time.perf_counter() - t0)
    theirs = openfisca_sets(out, keys)
    agree = {pid: {"anju": len(anju[pid]), "openfisca": len(theirs[pid]), "same": anju[pid] == theirs[pid],
                   "only_anju": sorted(map(str, anju[pid] - theirs[pid]))[:3],
                   "only_openfisca": sorted(map(str, theirs[pid] - anju[pid]))[:3]} for pid in THREE}
    return {"anju_s": statistics.median(anju_times), "export_s": statistics.median(export_times),
            "openfisca_s": statistics.median(of_times), "persons": len(keys["masked"]), "agree": agree}


def time_explained(samples: int = 200) -> dict:
    """One worker's explained evaluation of every worker policy that applies where they live and
    is in force: `evaluate_subject_many` (one facts query, one parameters query), and for
    comparison `evaluate_subject` once per policy."""
    from anju.policies.engine import applies_in, evaluate_subject, evaluate_subject_many
    from anju.registry.models import Worker

    step = max(1, Worker.objects.count() // samples)
    workers = list(Worker.objects.filter(id__in=range(1, step * samples + 1, step)).order_by("id")[:samples])
    policies = worker_policies()

    def applicable(w):
        return [p for p in policies if applies_in(p, w.residence_region_id) and p.in_force(ON)]

    for w in workers[:5]:  # warm-up (compiled expressions, region tables)
        evaluate_subject_many(applicable(w), w, ON)
    many, one_by_one, evaluated = [], [], 0
    for w in workers:
        t0 = time.perf_counter()
        results = evaluate_subject_many(applicable(w), w, ON)
        many.append((time.perf_counter() - t0) * 1000)
        evaluated += len(results)
        t0 = time.perf_counter()
        for p in applicable(w):
            evaluate_subject(p, w, ON)
        one_by_one.append((time.perf_counter() - t0) * 1000)
    return {"workers": len(workers), "policies_evaluated": evaluated, "p50_ms": percentile(many, 50),
            "p95_ms": percentile(many, 95), "one_by_one_p50_ms": percentile(one_by_one, 50),
            "one_by_one_p95_ms": percentile(one_by_one, 95)}


def time_screening(samples: int = 200) -> dict:
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    body = {"subject": "worker", "region": "350581001000", "date": ON.isoformat(),
            "facts": {"last_income_month": "2026-06", "unemployment_insured": False, "difficulty_types": ["employment_difficulty"],
                      "employment_status": "unemployed"}}
    probe = client.post("/api/v1/screening", json.dumps(body), content_type="application/json")
    if probe.status_code != 200:
        return time_evaluate_fallback(samples, f"POST /api/v1/screening answered {probe.status_code}")
    timings = []
    for _ in range(samples):
        t0 = time.perf_counter()
        r = client.post("/api/v1/screening", json.dumps(body), content_type="application/json")
        timings.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200
    return {"what": "POST /api/v1/screening (django.test.Client)", "requests": samples, "policies": len(r.json().get("policies", [])),
            "p50_ms": percentile(timings, 50), "p95_ms": percentile(timings, 95)}


def time_evaluate_fallback(samples: int, why: str) -> dict:
    from anju.params import selectors as params
    from anju.policies.engine import evaluate

    facts = {"minimum_living_allowance": False, "months_without_income": Decimal(5), "unemployment_insured": False}
    timings = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for p in worker_policies():
            evaluate(p, facts=facts, params=params.resolve_many(p.params_read(), "350581001000", ON), on=ON)
        timings.append((time.perf_counter() - t0) * 1000)
    return {"what": f"engine.evaluate of every worker policy with given facts ({why})", "requests": samples,
            "p50_ms": percentile(timings, 50), "p95_ms": percentile(timings, 95)}


def child(args) -> None:
    prepare_database(args._child)
    import django

    django.setup()
    from django.db import connection

    print(f"[{args._child}] preparing {connection.settings_dict['NAME']}", file=sys.stderr, flush=True)
    populate_s = populate(args.workers)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        version = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM registry_worker")
        workers = cursor.fetchone()[0]
    version = " ".join(version.split()[:2]) if connection.vendor == "postgresql" else f"SQLite {version}"
    report = {"backend": args._child, "version": version, "workers": workers, "populate_s": populate_s,
              "load_before": os.getloadavg()[0]}
    print(f"[{args._child}] worker scans", file=sys.stderr, flush=True)
    report["scans"] = time_worker_scans(args.rounds)
    print(f"[{args._child}] Anju vs OpenFisca", file=sys.stderr, flush=True)
    report["openfisca"] = compare_with_openfisca(args.rounds)
    print(f"[{args._child}] explained evaluation and screening", file=sys.stderr, flush=True)
    report["explained"] = time_explained()
    report["screening"] = time_screening()
    report["load_after"] = os.getloadavg()[0]
    Path(args._result).write_text(json.dumps(report, ensure_ascii=False, default=str))


# --------------------------------------------------------------------------- parent


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown CPU")
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    from importlib.metadata import version

    import openfisca_core  # noqa: F401

    return (f"{os.cpu_count()} CPUs ({cpu}), {mem_kb / 1024 / 1024:.0f} GiB RAM, Python {platform.python_version()}, "
            f"openfisca-core {version('openfisca-core')}, numpy {version('numpy')}")


def verdict(ok: bool) -> str:
    return "meets" if ok else "misses"


def markdown(r: dict) -> str:
    s, o = r["scans"], r["openfisca"]
    lines = [f"**{r['backend']}** ({r['version']}, {r['workers']:,} workers; load average {r['load_before']:.1f} before, "
             f"{r['load_after']:.1f} after)", "",
             f"Proactive scan of every worker-subject policy on {ON}, database → list of (masked ID number, amount); "
             f"median of {s['rounds']} rounds:", "",
             "| policy | qualifying | median s | best s |", "|---|---:|---:|---:|"]
    for p in s["policies"]:
        lines.append(f"| {p['id']} | {p['count']:,} | {p['median_s']:.3f} | {p['min_s']:.3f} |")
    lines += [f"| **all {len(s['policies'])} worker policies** | | **{s['total_median_s']:.2f}** | {s['total_min_s']:.2f} |", "",
              f"Target < {SCAN_TARGET_S:.0f} s: {verdict(s['total_median_s'] < SCAN_TARGET_S)} "
              f"({SCAN_TARGET_S / s['total_median_s']:.1f}× under).", "",
              f"Anju vs OpenFisca, the three policies ({o['persons']:,} persons):", "",
              "| | seconds |", "|---|---:|",
              f"| Anju: three scans, database → lists | {o['anju_s']:.2f} |",
              f"| OpenFisca: export from the database to arrays | {o['export_s']:.2f} |",
              f"| OpenFisca: build system + vectorised calculation | {o['openfisca_s']:.2f} |",
              f"| OpenFisca end to end (export + calculation) | {o['export_s'] + o['openfisca_s']:.2f} |", "",
              f"Ratio OpenFisca end to end / Anju = **{(o['export_s'] + o['openfisca_s']) / o['anju_s']:.1f}**; "
              f"calculation alone / Anju = {o['openfisca_s'] / o['anju_s']:.2f}.", "",
              "| policy | Anju | OpenFisca | agree |", "|---|---:|---:|---|"]
    for pid, a in o["agree"].items():
        lines.append(f"| {pid} | {a['anju']:,} | {a['openfisca']:,} | {'yes' if a['same'] else 'NO ' + str(a)} |")
    e, q = r["explained"], r["screening"]
    lines += ["", f"One worker, every applicable worker policy explained ({e['policies_evaluated'] / e['workers']:.1f} "
              f"policies per worker on average), {e['workers']} workers: evaluate_subject_many p50 {e['p50_ms']:.2f} ms, "
              f"p95 {e['p95_ms']:.2f} ms — target < {EXPLAIN_TARGET_MS:.0f} ms: {verdict(e['p95_ms'] < EXPLAIN_TARGET_MS)} "
              f"(evaluate_subject once per policy: p50 {e['one_by_one_p50_ms']:.2f} ms, p95 {e['one_by_one_p95_ms']:.2f} ms).",
              f"Screening, {q['what']}, {q['requests']} requests: p50 {q['p50_ms']:.2f} ms, p95 {q['p95_ms']:.2f} ms — "
              f"target < {API_TARGET_MS:.0f} ms: {verdict(q['p95_ms'] < API_TARGET_MS)}."]
    return "\n".join(lines)


def run_backend(backend: str, args) -> dict:
    url = f"sqlite:///{SQLITE}" if backend == "sqlite" else f"{PG_SERVER}/{PG_DB}"
    env = dict(os.environ, DATABASE_URL=url, ANJU_DEV="1", DJANGO_SETTINGS_MODULE="anju.settings",
               PYTHONPATH=str(ROOT))
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        result = Path(handle.name)
    try:
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--_child", backend, "--_result", str(result),
                        "--workers", str(args.workers), "--rounds", str(args.rounds)], env=env, cwd=ROOT, check=True)
        return json.loads(result.read_text())
    finally:
        result.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--workers", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--_child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    parser.add_argument("--_result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._child:
        sys.path.insert(0, str(ROOT))
        child(args)
        return
    print(f"# Policy engine, {args.workers:,} workers")
    print(f"Machine: {machine()}")
    failed = False
    for backend in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        report = run_backend(backend, args)
        print()
        print(markdown(report))
        failed |= not all(a["same"] for a in report["openfisca"]["agree"].values())
    if failed:
        sys.exit("Anju and OpenFisca disagree")


if __name__ == "__main__":
    main()
