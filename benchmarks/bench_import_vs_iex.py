"""The 100,000-row ledger workbook imported by Anju and by django-import-export, on fresh SQLite.

    .venv/bin/python benchmarks/bench_import_vs_iex.py [ROWS] [--iex-rows N] [--bulk]

The workbook is the one benchmarks/bench_import.py builds (ROWS workers, every tenth with a
certificate). Each importer runs in its own child process on its own fresh database
(DATABASE_URL, default SQLite files in $TMPDIR), and writes the same tables:

- Anju: `read_workbook` + `import_book` (what bench_import.py and `anju import-ledger` run).
- django-import-export (pip extra `bench`): the way a Django team would write it -- a
  `ModelResource` on `registry.Worker` (rows matched by `id_number_hash`), each row cleaned with
  Anju's own `clean_worker` in `before_import_row` (the Chinese labels, gender and birth date from
  the ID number), the household found or created there, the ID and phone numbers encrypted with
  `set_identifiers` in `before_save_instance`, the "registered" timeline line in
  `after_save_instance`; then a `ModelResource` on `Certificate` (holder looked up by the hash).
  Defaults otherwise: one transaction, row by row saves (so django-simple-history writes its
  history rows through signals), `--bulk` sets `use_bulk = True` instead.

django-import-export is slow enough that by default it imports only the first `--iex-rows`
(20,000) workers and their certificates, and the rate is extrapolated to ROWS (said so in the
output). Prints rows/s for both and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TMP = Path(os.environ.get("TMPDIR") or tempfile.gettempdir())


def setup_database(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anju.settings")
    os.environ.setdefault("ANJU_DEV", "1")
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url[len("sqlite:///"):] + suffix).unlink(missing_ok=True)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from anju.regions.loader import load_regions

    call_command("migrate", verbosity=0)
    load_regions()


def bench_user():
    from anju.accounts.models import Role, User

    return User.objects.create(username="bench", role=Role.COUNTY_OFFICER, jurisdiction="350581")


def run_anju(path: Path) -> dict:
    from anju.registry.imports import import_book
    from anju.registry.models import Worker
    from anju.registry.workbook import read_workbook

    user = bench_user()
    t0 = time.perf_counter()
    plan = import_book(read_workbook(path), actor=user, filename=path.name)
    seconds = time.perf_counter() - t0
    assert plan.summary["rejected"] == 0, plan.summary
    return {"rows": plan.total_rows, "seconds": seconds, "workers": Worker.objects.count()}


def resources(bulk: bool):
    from django.utils import timezone
    from import_export import fields, resources, widgets

    from anju.registry.choices import TimelineKind
    from anju.registry.models import Certificate, Household, TimelineEvent, Worker
    from anju.registry.services import id_hash, set_identifiers
    from anju.registry.validation import WORKER_MODEL_FIELDS, clean_certificate, clean_worker
    from anju.registry.workbook import CERTIFICATES as CERTS
    from anju.registry.workbook import COLUMNS, WORKERS

    worker_labels = dict((label, name) for name, label in COLUMNS[WORKERS])
    certificate_labels = dict((label, name) for name, label in COLUMNS[CERTS])
    certificate_label = {name: label for name, label in COLUMNS[CERTS]}
    id_label = next(label for name, label in COLUMNS[WORKERS] if name == "id_number")

    class IdHashWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return id_hash(str(value).strip().upper())

    def plain(name: str) -> fields.Field:
        return fields.Field(attribute=name, column_name=name)

    def problems_text(problems) -> str:
        return "; ".join(f"{p.field}: {p.message}" for p in problems)

    class WorkerResource(resources.ModelResource):
        id_number_hash = fields.Field(attribute="id_number_hash", column_name=id_label, widget=IdHashWidget())
        household_id = plain("household_id")
        locals().update({name: plain(name) for name in WORKER_MODEL_FIELDS})

        class Meta:
            model = Worker
            fields = ("id_number_hash", "household_id", *WORKER_MODEL_FIELDS)
            import_id_fields = ("id_number_hash",)
            use_bulk = bulk
            skip_diff = bulk  # required with use_bulk

        def before_import_row(self, row, **kwargs):
            raw = {worker_labels[k]: v for k, v in row.items() if k in worker_labels}
            data, problems = clean_worker(raw)
            if problems:
                raise ValueError(problems_text(problems))
            row.update({name: data.get(name) for name in WORKER_MODEL_FIELDS})
            row["_id_number"], row["_phone"] = data["id_number"], data.get("phone") or ""
            household_no = data.get("household_no")
            row["household_id"] = Household.objects.get_or_create(
                household_no=household_no, defaults={"region_id": data["residence_region_id"]})[0].pk \
                if household_no else None

        def before_save_instance(self, instance, row, **kwargs):
            set_identifiers(instance, id_number=row["_id_number"], phone=row["_phone"])
            row["_new"] = instance.pk is None

        def after_save_instance(self, instance, row, **kwargs):
            if not kwargs.get("dry_run") and instance.pk and row.get("_new", True):
                TimelineEvent.objects.create(worker_id=instance.pk, kind=TimelineKind.REGISTERED, at=timezone.now())

    class CertificateResource(resources.ModelResource):
        worker_id = fields.Field(attribute="worker_id", column_name="worker_id")
        # the lookup columns must be in the file's headers: the cleaned values go back under them
        kind = fields.Field(attribute="kind", column_name=certificate_label["kind"])
        occupation = plain("occupation")
        grade = plain("grade")
        shortage = plain("shortage")
        issued_on = plain("issued_on")
        certificate_no = fields.Field(attribute="certificate_no", column_name=certificate_label["certificate_no"])

        class Meta:
            model = Certificate
            fields = ("worker_id", "kind", "occupation", "grade", "shortage", "issued_on", "certificate_no")
            import_id_fields = ("kind", "certificate_no")
            use_bulk = bulk
            skip_diff = bulk

        def before_import_row(self, row, **kwargs):
            raw = {certificate_labels[k]: v for k, v in row.items() if k in certificate_labels}
            data, problems = clean_certificate(raw)
            if problems:
                raise ValueError(problems_text(problems))
            row.update({k: v for k, v in data.items() if k != "id_number"})
            row[certificate_label["kind"]] = data["kind"]
            row[certificate_label["certificate_no"]] = data["certificate_no"]
            row["worker_id"] = Worker.objects.only("id").get(id_number_hash=id_hash(data["id_number"])).pk

    return WorkerResource, CertificateResource


def run_iex(path: Path, rows: int, bulk: bool) -> dict:
    import tablib
    from django.db import transaction

    from anju.registry.models import Worker

    worker_resource, certificate_resource = resources(bulk)
    t0 = time.perf_counter()
    book = tablib.Databook()
    book.load(path.read_bytes(), "xlsx")
    workers, certificates = book.sheets()[0], book.sheets()[1]
    del workers[rows:]
    del certificates[(rows + 9) // 10:]
    total = len(workers) + len(certificates)
    with transaction.atomic():
        for resource, dataset in ((worker_resource(), workers), (certificate_resource(), certificates)):
            result = resource.import_data(dataset, dry_run=False, raise_errors=True, use_transactions=False)
            assert not result.has_errors() and not result.has_validation_errors(), result.invalid_rows[:3]
    seconds = time.perf_counter() - t0
    return {"rows": total, "seconds": seconds, "workers": Worker.objects.count()}


def child(args: argparse.Namespace) -> None:
    setup_database(f"sqlite:///{TMP / f'anju-bench-iex-{args._child}.sqlite3'}")
    path = Path(args._book)
    result = run_anju(path) if args._child == "anju" else run_iex(path, args.iex_rows, args.bulk)
    Path(args._result).write_text(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=100_000)
    parser.add_argument("--iex-rows", type=int, default=20_000,
                        help="workers django-import-export imports (its rate is extrapolated); default 20,000")
    parser.add_argument("--bulk", action="store_true", help="django-import-export with use_bulk = True")
    parser.add_argument("--_child", choices=["anju", "iex"], help=argparse.SUPPRESS)
    parser.add_argument("--_book", help=argparse.SUPPRESS)
    parser.add_argument("--_result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._child:
        child(args)
        return
    args.iex_rows = min(args.iex_rows, args.rows)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anju.settings")
    os.environ.setdefault("ANJU_DEV", "1")
    import django

    django.setup()  # the workbook writer reads the column contract; no database is touched here
    from anju.registry.tests.workbook_data import certificate_row, id_for, worker_row, write_xlsx

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "ledger.xlsx"
        write_xlsx(book, [worker_row(i) for i in range(args.rows)],
                   [certificate_row(i, id_for(i)) for i in range(0, args.rows, 10)])
        for who in ("anju", "iex"):
            out = Path(tmp) / f"{who}.json"
            command = [sys.executable, __file__, "--_child", who, "--_book", str(book), "--_result", str(out),
                       "--iex-rows", str(args.iex_rows)] + (["--bulk"] if args.bulk else [])
            subprocess.run(command, check=True, cwd=ROOT)
            results[who] = json.loads(out.read_text())
            r = results[who]
            print(f"  {who}: {r['rows']:,} rows in {r['seconds']:.1f}s ({r['workers']:,} workers stored)",
                  file=sys.stderr, flush=True)
    anju, iex = results["anju"], results["iex"]
    anju_rate, iex_rate = anju["rows"] / anju["seconds"], iex["rows"] / iex["seconds"]
    label = "django-import-export" + (" (use_bulk)" if args.bulk else "")
    print(f"# Ledger import, {args.rows:,} workers + {args.rows // 10:,} certificates ({anju['rows']:,} rows)")
    print(f"| importer | rows timed | seconds | rows/s | seconds for {anju['rows']:,} rows |")
    print("|---|---:|---:|---:|---:|")
    print(f"| Anju import_book | {anju['rows']:,} | {anju['seconds']:.1f} | {anju_rate:,.0f} | {anju['seconds']:.1f} |")
    extrapolated = iex["rows"] < anju["rows"]
    print(f"| {label} | {iex['rows']:,} | {iex['seconds']:.1f} | {iex_rate:,.0f} | "
          f"{anju['rows'] / iex_rate:.1f}{' (extrapolated)' if extrapolated else ''} |")
    print(f"\nAnju / django-import-export = {anju_rate / iex_rate:.1f}x"
          + (f" (django-import-export measured on the first {args.iex_rows:,} workers and their certificates, "
             "rate extrapolated)" if extrapolated else ""))


if __name__ == "__main__":
    main()
