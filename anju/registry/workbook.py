"""The ledger workbook as a file (docs/ledger-workbook.md): its two sheets as specs of the tabular
import (`anju.workflow.tabular`), and writing the template and the export in the same layout.

Reading (.xlsx and .csv, the import limits), recognising the header row, the error report and
formula-safe CSV are the generic pieces in `anju.lib.sheets` and `anju.workflow.tabular`; what the
rows *mean* and how they are written, fast, is `registry.imports`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from django.utils import translation

from anju.lib.sheets import Limits, RawSheet, SheetError, XlsxWriter, csv_lines, decode_csv
from anju.registry.validation import CERTIFICATE_COLUMNS, WORKER_COLUMNS
from anju.workflow.tabular import (
    ERROR_HEADER,
    Book,
    Column,
    Sheet,
    SheetSpec,
    norm_header,
    read_book,
)
from anju.workflow.tabular import write_error_report as _write_error_report

__all__ = ["CERTIFICATES", "ERROR_HEADER", "WORKERS", "LedgerSheet", "LedgerWriter", "RawSheet", "Workbook",
           "WorkbookError", "csv_lines", "decode_csv", "ledger_headers", "read_workbook", "write_error_report",
           "write_ledger_xlsx", "write_template"]

WORKERS = "workers"
CERTIFICATES = "certificates"
SHEET_TITLES = {WORKERS: "人员", CERTIFICATES: "证书"}
COLUMNS = {WORKERS: WORKER_COLUMNS, CERTIFICATES: CERTIFICATE_COLUMNS}
_KINDS = {title: kind for kind, title in SHEET_TITLES.items()}

# A file that cannot be read as a ledger workbook (the generic error of `lib.sheets`).
WorkbookError = SheetError
LedgerSheet = Sheet
LedgerWriter = XlsxWriter

# The two sheets; every column also accepts its field name as header (English exports, the API).
SPECS = {
    kind: SheetSpec(SHEET_TITLES[kind], [Column(name, label) for name, label in COLUMNS[kind]], names=(kind,))
    for kind in (WORKERS, CERTIFICATES)
}


@dataclass
class Workbook(Book):
    @property
    def ledger(self) -> dict[str, Sheet]:
        """Recognised sheets by kind (WORKERS, CERTIFICATES)."""
        return {_KINDS[title]: sheet for title, sheet in self.recognised.items()}


def _guess(raw: RawSheet) -> SheetSpec:
    """A CSV file is the 证书 sheet when its header names a certificate number and no name."""
    for cells in raw.cells:
        if any(c not in (None, "") and str(c).strip() for c in cells):
            headers = {norm_header(c) for c in cells}
            certs = {SPECS[CERTIFICATES].header_map.get(h) for h in headers}
            workers = {SPECS[WORKERS].header_map.get(h) for h in headers}
            return SPECS[CERTIFICATES] if "certificate_no" in certs and "name" not in workers else SPECS[WORKERS]
    return SPECS[WORKERS]


def read_workbook(path: str | Path, filename: str | None = None, *, limits: Limits | None = None) -> Workbook:
    """Read an .xlsx (every sheet) or a .csv (one sheet). Raises WorkbookError."""
    book = read_book(path, [SPECS[WORKERS], SPECS[CERTIFICATES]], filename, limits=limits, guess=_guess)
    return Workbook(filename=book.filename, sheets=book.sheets, recognised=book.recognised, warnings=book.warnings)


# Writing ---------------------------------------------------------------------------------------


def ledger_headers(kind: str) -> list[str]:
    return [label for _name, label in COLUMNS[kind]]


def write_error_report(book: Workbook, reasons: dict[tuple[str, int], str], target: str | Path | BinaryIO) -> None:
    """The workbook as read, with a 错误原因 column on the ledger sheets (`tabular.write_error_report`)."""
    _write_error_report(book, reasons, target)


def template_rows(kind: str, example: list[Any]) -> list[list[Any]]:
    return [ledger_headers(kind), example]


def write_template(target: str | Path | BinaryIO, worker_example: list[Any], certificate_example: list[Any]) -> None:
    writer = LedgerWriter(target)
    with translation.override("zh-hans"):
        text_cols = {1: 20, 4: 13, 5: 14, 6: 14, 20: 14, 23: 14}
        writer.sheet(SHEET_TITLES[WORKERS], ledger_headers(WORKERS), template_rows(WORKERS, worker_example),
                     widths=text_cols)
        writer.sheet(SHEET_TITLES[CERTIFICATES], ledger_headers(CERTIFICATES),
                     template_rows(CERTIFICATES, certificate_example), widths={0: 20, 6: 20})
    writer.close()


def write_ledger_xlsx(target: str | Path | BinaryIO, workers: Iterable[list[Any]], certificates: Iterable[list[Any]]) -> int:
    """Export layout: both sheets with Chinese headers. Returns the number of worker rows."""
    writer = LedgerWriter(target)
    count = writer.sheet(SHEET_TITLES[WORKERS], ledger_headers(WORKERS), _prepend(ledger_headers(WORKERS), workers),
                         widths={1: 20, 4: 13})
    writer.sheet(SHEET_TITLES[CERTIFICATES], ledger_headers(CERTIFICATES),
                 _prepend(ledger_headers(CERTIFICATES), certificates), widths={0: 20, 6: 20})
    writer.close()
    return count - 1


def _prepend(first: list[Any], rows: Iterable[list[Any]]) -> Iterator[list[Any]]:
    yield first
    yield from rows
