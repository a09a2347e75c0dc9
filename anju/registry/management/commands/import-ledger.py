"""`anju import-ledger PATH --as USERNAME [--dry-run]`: import a ledger workbook from the shell.

Progress goes to stderr; the last stdout line is one JSON object (docs/ledger-workbook.md).
Exit status: 0 no row rejected, 3 some rejected, 2 the file (or the user) cannot be used — a
file over the import limits (ANJU_IMPORT_MAX_ROWS / _COLUMNS) is refused before it is read.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from anju.registry.imports import import_book, plan_import
from anju.registry.permissions import WorkerPolicy
from anju.registry.workbook import WorkbookError, read_workbook, write_error_report

EXIT_REJECTED = 3
EXIT_UNREADABLE = 2


class Command(BaseCommand):
    help = "Import a ledger workbook (.xlsx or .csv) as the given user."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--as", dest="username", required=True, help="the importing user's username")
        parser.add_argument("--dry-run", action="store_true", help="validate and report; write nothing")
        parser.add_argument("--error-report", dest="error_report", help="where to write the error report "
                            "(default: <name>.errors.xlsx next to the input)")

    def handle(self, *args, path, username, dry_run, error_report, **options):
        self.started = time.monotonic()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None or not WorkerPolicy.can(user, "import"):
            self.fail(f"user {username!r} is unknown, inactive or may not import")
        try:
            book = read_workbook(path)
        except WorkbookError as exc:
            self.fail(str(exc))
        for warning in book.warnings:
            self.stderr.write(f"warning: {warning}")
        if dry_run:
            plan = plan_import(book, actor=user, progress=self.progress("validate"))
        else:
            plan = import_book(book, actor=user, filename=Path(path).name, progress=self.progress("import"))
        summary = plan.summary
        report = None
        if plan.rejected:
            report = error_report or str(Path(path).with_name(Path(path).stem + ".errors.xlsx"))
            write_error_report(book, plan.reasons(), report)
            for e in plan.errors[:20]:
                self.stderr.write(f"{e.sheet} row {e.row} [{e.column}]: {e.reason_zh}")
            if len(plan.errors) > 20:
                self.stderr.write(f"... {len(plan.errors) - 20} more in {report}")
        result = {k: summary[k] for k in ("created", "updated", "unchanged", "rejected")} | {"error_report": report}
        if dry_run:
            result["dry_run"] = True
        self.stdout.write(json.dumps(result, ensure_ascii=False))
        if plan.rejected:
            sys.exit(EXIT_REJECTED)

    def progress(self, phase: str):
        def report(done: int, total: int) -> None:
            rate = done / max(time.monotonic() - self.started, 1e-6)
            self.stderr.write(f"{phase}: {done}/{total} rows ({rate:,.0f} rows/s)")
        return report

    def fail(self, message: str):
        self.stderr.write(f"error: {message}")
        self.stdout.write(json.dumps({"created": 0, "updated": 0, "unchanged": 0, "rejected": 0,
                                      "error_report": None, "error": message}, ensure_ascii=False))
        sys.exit(EXIT_UNREADABLE)
