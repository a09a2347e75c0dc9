"""The ledger workbook as a file (../shared/specs/ledger.md): reading .xlsx and .csv, and writing
the template, the export and the error report in the same layout.

Reading is python-calamine (fast, read-only); writing is xlsxwriter in constant-memory mode, so a
100,000-row ledger streams out row by row. What the rows *mean* is `registry.imports`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import xlsxwriter
from django.utils import translation
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from anju.registry.validation import CERTIFICATE_COLUMNS, WORKER_COLUMNS, text_of

WORKERS = "workers"
CERTIFICATES = "certificates"
SHEET_TITLES = {WORKERS: "人员", CERTIFICATES: "证书"}
COLUMNS = {WORKERS: WORKER_COLUMNS, CERTIFICATES: CERTIFICATE_COLUMNS}
ERROR_HEADER = "错误原因"
_SHEET_KINDS = {"人员": WORKERS, "workers": WORKERS, "证书": CERTIFICATES, "certificates": CERTIFICATES}


class WorkbookError(Exception):
    """The file itself cannot be read (not a workbook, wrong encoding, no header row)."""


@dataclass
class RawSheet:
    """A sheet as read: `cells[i]` is spreadsheet row i + 1."""

    name: str
    cells: list[list[Any]]


@dataclass
class LedgerSheet:
    """A recognised sheet: which column holds which field, and its data rows."""

    raw: RawSheet
    kind: str
    header_row: int  # 1-based
    headers: list[str]  # as written in the file
    fields: list[str | None]  # field of each column, None = unknown
    unknown: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.raw.name

    def column_label(self, field_name: str) -> str:
        """The header of `field_name` as written in the file (or its Chinese header if absent)."""
        if field_name in self.fields:
            return self.headers[self.fields.index(field_name)]
        return dict(COLUMNS[self.kind]).get(field_name, field_name)

    def records(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(spreadsheet row number, {field: cell}) for every non-blank data row."""
        pairs = [(i, f) for i, f in enumerate(self.fields) if f]
        for index in range(self.header_row, len(self.raw.cells)):
            cells = self.raw.cells[index]
            if not any(_filled(c) for c in cells):
                continue
            width = len(cells)
            yield index + 1, {f: (cells[i] if i < width else None) for i, f in pairs}

    def row_count(self) -> int:
        return sum(1 for cells in self.raw.cells[self.header_row:] if any(_filled(c) for c in cells))


@dataclass
class Workbook:
    filename: str
    sheets: list[RawSheet]
    ledger: dict[str, LedgerSheet]  # kind -> sheet
    warnings: list[str] = field(default_factory=list)


def _filled(cell: Any) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


def _norm_header(cell: Any) -> str:
    text = text_of(cell).replace(" ", "").replace("\u3000", "").lstrip("*＊")
    return text.replace("(", "（").replace(")", "）").lower()


def _header_map(kind: str) -> dict[str, str]:
    table = {}
    for name, label in COLUMNS[kind]:
        table[_norm_header(label)] = name
        table[name.lower()] = name
    return table


_HEADER_MAPS = {kind: _header_map(kind) for kind in COLUMNS}


def read_workbook(path: str | Path, filename: str | None = None) -> Workbook:
    """Read an .xlsx (every sheet) or a .csv (one sheet). Raises WorkbookError."""
    path = Path(path)
    filename = filename or path.name
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        sheets = _read_xlsx(path)
    elif suffix == ".csv":
        sheets = [RawSheet("人员", _read_csv(path))]
    else:
        raise WorkbookError(_("只能导入 .xlsx 或 .csv 文件。"))
    return _recognise(filename, sheets, csv_file=suffix == ".csv")


def _read_xlsx(path: Path) -> list[RawSheet]:
    try:
        book = CalamineWorkbook.from_path(str(path))
        try:
            return [RawSheet(name, book.get_sheet_by_name(name).to_python(skip_empty_area=False))
                    for name in book.sheet_names]
        finally:
            book.close()
    except (CalamineError, OSError, ValueError) as exc:
        raise WorkbookError(_("无法读取该 Excel 文件，请确认是有效的 .xlsx 文件（%(detail)s）。")
                            % {"detail": str(exc)[:100]}) from exc
    except Exception as exc:  # calamine raises its own types for broken zips and XML
        raise WorkbookError(_("无法读取该 Excel 文件，请确认是有效的 .xlsx 文件（%(detail)s）。")
                            % {"detail": type(exc).__name__}) from exc


def decode_csv(data: bytes) -> str:
    """UTF-8 with or without BOM, else GB18030 (what Excel saves on a Chinese Windows)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise WorkbookError(_("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GB18030 编码。")) from None


def _read_csv(path: Path) -> list[list[Any]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise WorkbookError(_("无法读取文件：%(detail)s") % {"detail": exc.strerror or exc}) from exc
    if b"\x00" in data[:4096]:
        raise WorkbookError(_("该文件不是文本格式的 CSV 文件。"))
    try:
        return [list(row) for row in csv.reader(io.StringIO(decode_csv(data), newline=""))]
    except csv.Error as exc:
        raise WorkbookError(_("CSV 文件格式有误：%(detail)s") % {"detail": exc}) from exc


def _recognise(filename: str, sheets: list[RawSheet], *, csv_file: bool) -> Workbook:
    book = Workbook(filename=filename, sheets=sheets, ledger={})
    for sheet in sheets:
        kind = _SHEET_KINDS.get(sheet.name.strip().lower())
        if csv_file:
            kind = _guess_kind(sheet)
            sheet.name = SHEET_TITLES[kind]
        if kind is None or kind in book.ledger:
            book.warnings.append(_("工作表“%(name)s”不是台账工作表，已忽略。") % {"name": sheet.name})
            continue
        book.ledger[kind] = _ledger_sheet(sheet, kind, book.warnings)
    if not book.ledger and sheets and not csv_file:
        # A workbook whose sheet was renamed ("Sheet1"): read its first sheet as the 人员 sheet.
        book.warnings.pop(0)
        book.ledger[WORKERS] = _ledger_sheet(sheets[0], WORKERS, book.warnings)
    if not book.ledger:
        raise WorkbookError(_("文件中没有“人员”或“证书”工作表。"))
    return book


def _guess_kind(sheet: RawSheet) -> str:
    for cells in sheet.cells:
        if any(_filled(c) for c in cells):
            names = {_HEADER_MAPS[CERTIFICATES].get(_norm_header(c)) for c in cells}
            workers = {_HEADER_MAPS[WORKERS].get(_norm_header(c)) for c in cells}
            return CERTIFICATES if "certificate_no" in names and "name" not in workers else WORKERS
    return WORKERS


def _ledger_sheet(sheet: RawSheet, kind: str, warnings: list[str]) -> LedgerSheet:
    header_index = next((i for i, cells in enumerate(sheet.cells) if any(_filled(c) for c in cells)), None)
    if header_index is None:
        return LedgerSheet(sheet, kind, 1, [], [])
    headers = [text_of(c) for c in sheet.cells[header_index]]
    fields: list[str | None] = []
    unknown = []
    for header in headers:
        name = _HEADER_MAPS[kind].get(_norm_header(header))
        if name in fields:
            warnings.append(_("工作表“%(sheet)s”中“%(column)s”列重复，只读取第一列。") % {"sheet": sheet.name, "column": header})
            name = None
        elif name is None and header and _norm_header(header) != ERROR_HEADER:
            unknown.append(header)
        fields.append(name)
    if unknown:
        warnings.append(_("工作表“%(sheet)s”中有无法识别的列，已忽略：%(columns)s")
                        % {"sheet": sheet.name, "columns": "、".join(unknown)})
    return LedgerSheet(sheet, kind, header_index + 1, headers, fields, unknown)


# Writing ---------------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (dt.time, dt.timedelta)):
        return str(value)
    return value


class LedgerWriter:
    """Write sheets of rows into an .xlsx with xlsxwriter, constant memory (rows in order)."""

    def __init__(self, target: str | Path | BinaryIO):
        self.book = xlsxwriter.Workbook(
            target, {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                     "strings_to_urls": False, "remove_timezone": True},
        )
        self.header = self.book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        self.error = self.book.add_format({"font_color": "#C00000"})
        self.date = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.text = self.book.add_format({"num_format": "@"})

    def sheet(self, title: str, headers: list[str], rows: Iterable[list[Any]], *, error_column: int | None = None,
              header_row: int = 0, widths: dict[int, int] | None = None) -> int:
        ws = self.book.add_worksheet(title[:31])
        for col, width in (widths or {}).items():
            ws.set_column(col, col, width, self.text)
        count = 0
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                value = _cell(value)
                if value is None or value == "":
                    continue
                if r == header_row:
                    ws.write_string(r, c, str(value), self.header)
                elif c == error_column:
                    ws.write_string(r, c, str(value), self.error)
                elif isinstance(value, (dt.date, dt.datetime)):
                    ws.write_datetime(r, c, value, self.date)
                elif isinstance(value, str):
                    ws.write_string(r, c, value)
                else:
                    ws.write(r, c, value)
            count += 1
        if headers:
            ws.freeze_panes(header_row + 1, 0)
        return count

    def close(self) -> None:
        self.book.close()


def ledger_headers(kind: str) -> list[str]:
    return [label for _name, label in COLUMNS[kind]]


def write_error_report(book: Workbook, reasons: dict[tuple[str, int], str], target: str | Path | BinaryIO) -> None:
    """A copy of the workbook, every sheet and row as read, with a 错误原因 column on the ledger
    sheets holding "中文原因 / English reason" for each rejected row."""
    writer = LedgerWriter(target)
    for raw in book.sheets:
        ledger = next((s for s in book.ledger.values() if s.raw is raw), None)
        if ledger is None:
            writer.sheet(raw.name, [], raw.cells)
            continue
        writer.sheet(raw.name, ledger.headers, _with_reasons(ledger, reasons),
                     error_column=_error_column(ledger), header_row=ledger.header_row - 1)
    writer.close()


def _error_column(ledger: LedgerSheet) -> int:
    if ERROR_HEADER in ledger.headers:
        return ledger.headers.index(ERROR_HEADER)
    return max((len(c) for c in ledger.raw.cells), default=0)


def _with_reasons(ledger: LedgerSheet, reasons: dict[tuple[str, int], str]) -> Iterator[list[Any]]:
    column = _error_column(ledger)
    for index, cells in enumerate(ledger.raw.cells):
        row = list(cells) + [None] * max(0, column + 1 - len(cells))
        if index == ledger.header_row - 1:
            row[column] = ERROR_HEADER
        elif index >= ledger.header_row:
            row[column] = reasons.get((ledger.name, index + 1), "")
        yield row


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


def csv_lines(headers: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    """CSV text, line by line, with a BOM first so that Excel opens it as UTF-8."""
    buffer = io.StringIO()
    out = csv.writer(buffer)
    out.writerow(headers)
    yield "\ufeff" + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        out.writerow(["" if v is None else (v.isoformat() if isinstance(v, dt.date) else v) for v in row])
        yield buffer.getvalue()
