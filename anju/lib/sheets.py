"""Spreadsheet files: reading .xlsx and .csv into rows of cells, writing .xlsx and CSV.

Reading is python-calamine (fast, read-only) for .xlsx, and the csv module for .csv in UTF-8
(with or without BOM) or GB18030 (a superset of GBK: what Excel saves on a Chinese Windows).
Before calamine reads a sheet, `check_xlsx` makes sure the sheet is no larger than the import
limits: calamine allocates the whole rectangle from A1 to the farthest cell, so a 2 KB file with
one cell at XFD1048576 would ask for hundreds of gigabytes and kill the worker.

Writing is xlsxwriter in constant-memory mode (rows streamed in order), and CSV through
`csv_lines` / `csv_writer` only: both neutralise cells that a spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO
from xml.etree import ElementTree

import xlsxwriter
from django.conf import settings
from django.utils.translation import gettext_noop as N_
from python_calamine import CalamineError, CalamineWorkbook

from anju.lib.errors import AnjuError

SUFFIXES = (".xlsx", ".csv")
# Rows above the data a sheet may have (a title, a blank line, the header) beyond the row limit.
HEADER_ROWS = 10


class SheetError(AnjuError):
    """The file itself cannot be read: not a workbook, wrong encoding, too large."""

    code = "unreadable_file"
    status = 400


class SheetTooLarge(SheetError):
    code = "sheet_too_large"
    status = 413


@dataclass(frozen=True)
class Limits:
    """How large a sheet an import accepts (settings ANJU_IMPORT_MAX_ROWS / _COLUMNS)."""

    rows: int
    columns: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(rows=int(getattr(settings, "ANJU_IMPORT_MAX_ROWS", 200_000)),
                   columns=int(getattr(settings, "ANJU_IMPORT_MAX_COLUMNS", 200)))


@dataclass
class RawSheet:
    """A sheet as read: `cells[i]` is spreadsheet row i + 1."""

    name: str
    cells: list[list[Any]]


def read_sheets(path: str | Path, filename: str | None = None, *, limits: Limits | None = None) -> list[RawSheet]:
    """Every sheet of an .xlsx, or the one sheet of a .csv (named after the file). Raises
    SheetError for a file that is not one of those, cannot be read, or is over the limits."""
    path = Path(path)
    filename = filename or path.name
    limits = limits or Limits.from_settings()
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(path, limits=limits)
    if suffix == ".csv":
        return [RawSheet(Path(filename).stem, read_csv(path, limits=limits))]
    raise SheetError(N_("只能导入 .xlsx 或 .csv 文件。"), code="unsupported_format")


# .xlsx -----------------------------------------------------------------------------------------


_UNREADABLE_XLSX = N_("无法读取该 Excel 文件，请确认是有效的 .xlsx 文件（%(detail)s）。")


def read_xlsx(path: Path, *, limits: Limits) -> list[RawSheet]:
    check_xlsx(path, limits)
    try:
        book = CalamineWorkbook.from_path(str(path))
        try:
            sheets = [RawSheet(name, book.get_sheet_by_name(name).to_python(skip_empty_area=False))
                      for name in book.sheet_names]
        finally:
            book.close()
    except (CalamineError, OSError, ValueError) as exc:
        raise SheetError(_UNREADABLE_XLSX, params={"detail": str(exc)[:100]}) from exc
    except Exception as exc:  # calamine raises its own types for broken zips and XML
        raise SheetError(_UNREADABLE_XLSX, params={"detail": type(exc).__name__}) from exc
    for sheet in sheets:
        _check_size(sheet.name, len(sheet.cells), max((len(r) for r in sheet.cells), default=0), limits)
    return sheets


_LIMITS = N_("导入上限为 %(rows)s 行、%(columns)s 列；请删除多余的行列（包括空白但设置过格式的单元格），或分成几个文件导入。")
_TOO_MANY_ROWS = N_("工作表“%(sheet)s”有 %(n)s 行，超过导入上限。")
_TOO_MANY_COLUMNS = N_("工作表“%(sheet)s”有 %(n)s 列，超过导入上限。")
_CELL_TOO_FAR = N_("工作表“%(sheet)s”在单元格 %(cell)s 有内容，超出导入上限的范围。")


class _TooLarge(SheetTooLarge):
    """Two msgids, one sentence: what is wrong, then the limits and what to do."""

    def text(self, language: str | None = None) -> str:
        from django.utils.translation import gettext

        if language is not None:
            return super().text(language)
        return gettext(self.message) % self.params + gettext(_LIMITS) % self.params


def _too_large(msgid: str, limits: Limits, **params: Any) -> SheetTooLarge:
    return _TooLarge(msgid, params={**params, "rows": f"{limits.rows:,}", "columns": limits.columns})


def _check_size(sheet: str, rows: int, columns: int, limits: Limits) -> None:
    if rows > limits.rows + HEADER_ROWS:
        raise _too_large(_TOO_MANY_ROWS, limits, sheet=sheet, n=f"{rows:,}")
    if columns > limits.columns:
        raise _too_large(_TOO_MANY_COLUMNS, limits, sheet=sheet, n=f"{columns:,}")


def column_number(letters: str) -> int:
    """A → 1, Z → 26, AA → 27, XFD → 16384."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)?([0-9]+)?(?::([A-Z]+)([0-9]+))?"')
_CHUNK = 1 << 22


def check_xlsx(path: Path | BinaryIO, limits: Limits) -> None:
    """Refuse a workbook with a sheet larger than `limits`, without loading it.

    Each worksheet's declared dimension (`<dimension ref="A1:Z100001"/>`) is checked first; then
    the cell references themselves are scanned, since the dimension is optional and may lie.
    The scan is a regular expression over the decompressed XML that only matches references
    beyond the first digit or letter of the limit, so a sheet well within the limits costs one
    pass in C (about 0.1 s per 100 MB of XML)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SheetError(_UNREADABLE_XLSX, params={"detail": str(exc)[:100]}) from exc
    with archive:
        for name, member in _worksheets(archive):
            _check_worksheet(archive, member, name, limits)


def _worksheets(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, zip member) of each worksheet; members not named by the workbook are
    checked too, under their file name, since calamine may still find them."""
    names = set(archive.namelist())
    found: list[tuple[str, str]] = []
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("rel:Relationship", _NS)}
        for sheet in book.iterfind("m:sheets/m:sheet", _NS):
            target = targets.get(sheet.get(f"{{{_NS['r']}}}id"), "")
            member = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            if member in names:
                found.append((sheet.get("name", member), member))
    except (KeyError, ElementTree.ParseError):
        pass  # calamine will report the broken workbook
    listed = {member for _name, member in found}
    found += [(PurePosixPath(n).stem, n) for n in sorted(names)
              if n.startswith("xl/worksheets/") and n.endswith(".xml") and n not in listed]
    return found


def _scan_pattern(limits: Limits) -> re.Pattern[bytes]:
    # Rows: more digits than the limit, or as many and starting at its first digit or above;
    # columns likewise in letters. Only references near or over a limit ever match.
    row_digits = str(limits.rows + HEADER_ROWS)
    col = column_letters(limits.columns)
    rows = rb"[0-9]{%d,}|[%s-9][0-9]{%d}" % (len(row_digits) + 1, row_digits[0].encode(), len(row_digits) - 1)
    cols = rb"[A-Z]{%d,}|[%s-Z][A-Z]{%d}" % (len(col) + 1, col[0].encode(), len(col) - 1)
    return re.compile(rb'r="(?:(' + cols + rb')([0-9]+)|([A-Z]{1,3})(' + rows + rb'))"')


def _check_worksheet(archive: zipfile.ZipFile, member: str, sheet: str, limits: Limits) -> None:
    max_row = limits.rows + HEADER_ROWS
    pattern = _scan_pattern(limits)
    try:
        with archive.open(member) as stream:
            tail = b""
            first = True
            while chunk := stream.read(_CHUNK):
                data = tail + chunk
                if first:
                    first = False
                    if m := _DIMENSION.search(data, 0, 4096):
                        _check_cell(sheet, (m[3] or m[1] or "A").decode(), int(m[4] or m[2] or 1), limits, max_row)
                for m in pattern.finditer(data):
                    letters, digits = (m[1], m[2]) if m[1] else (m[3], m[4])
                    _check_cell(sheet, letters.decode(), int(digits), limits, max_row)
                tail = data[-32:]
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise SheetError(_UNREADABLE_XLSX, params={"detail": str(exc)[:100]}) from exc
    except Exception as exc:  # zlib.error and the like, from a damaged member
        if isinstance(exc, SheetError):
            raise
        raise SheetError(_UNREADABLE_XLSX, params={"detail": type(exc).__name__}) from exc


def _check_cell(sheet: str, letters: str, row: int, limits: Limits, max_row: int) -> None:
    if row > max_row or column_number(letters) > limits.columns:
        raise _too_large(_CELL_TOO_FAR, limits, sheet=sheet, cell=f"{letters}{row}")


# .csv ------------------------------------------------------------------------------------------


def decode_csv(data: bytes) -> str:
    """UTF-8 with or without BOM, else GB18030 (which reads GBK and GB2312 too)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise SheetError(N_("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GB18030 编码。"), code="bad_encoding") from None


def read_csv(path: Path, *, limits: Limits) -> list[list[Any]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SheetError(N_("无法读取文件：%(detail)s"), params={"detail": exc.strerror or str(exc)}) from exc
    if b"\x00" in data[:4096]:
        raise SheetError(N_("该文件不是文本格式的 CSV 文件。"))
    rows: list[list[Any]] = []
    widest = 0
    name = path.name
    try:
        for row in csv.reader(io.StringIO(decode_csv(data), newline="")):
            rows.append(row)
            if len(row) > widest:
                widest = len(row)
                if widest > limits.columns:
                    _check_size(name, len(rows), widest, limits)
            if len(rows) > limits.rows + HEADER_ROWS:
                _check_size(name, len(rows), widest, limits)
    except csv.Error as exc:
        raise SheetError(N_("CSV 文件格式有误：%(detail)s"), params={"detail": str(exc)}) from exc
    return rows


# Writing ---------------------------------------------------------------------------------------


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[-+]?[0-9]+(\.[0-9]+)?")


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run: text beginning with = + - @ tab or carriage
    return gets a leading single quote (OWASP, "CSV injection"). Plain numbers written as text
    ("-12.50") are left alone: no spreadsheet reads them as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return safe_cell(value)


class SafeCsvWriter:
    """`csv.writer` whose rows are made formula-safe (`safe_cell`) and dates ISO 8601."""

    def __init__(self, stream, **options: Any):
        self._writer = csv.writer(stream, **options)
        # The csv module quotes only the line terminator's own characters: with "\n" a bare
        # "\r" would go out unquoted and split the line for the reader. Such rows are quoted.
        terminator = options.get("lineterminator", "\r\n")
        self._bare = "".join(ch for ch in "\r\n" if ch not in terminator)
        self._quoted = csv.writer(stream, **(options | {"quoting": csv.QUOTE_ALL})) if self._bare else None

    def writerow(self, row: Iterable[Any]) -> Any:
        values = [_csv_value(v) for v in row]
        if self._quoted is not None and any(isinstance(v, str) and any(ch in v for ch in self._bare) for v in values):
            return self._quoted.writerow(values)
        return self._writer.writerow(values)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream, **options: Any) -> SafeCsvWriter:
    """The one way to write CSV in Anju (see `safe_cell`)."""
    return SafeCsvWriter(stream, **options)


def csv_lines(headers: list[str], rows: Iterable[list[Any]], *, bom: bool = True) -> Iterator[str]:
    """CSV text, line by line (for a streaming response), with a BOM first so that Excel opens
    it as UTF-8."""
    buffer = io.StringIO()
    out = csv_writer(buffer)
    out.writerow(headers)
    yield ("\ufeff" if bom else "") + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        out.writerow(row)
        yield buffer.getvalue()


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (dt.time, dt.timedelta)):
        return str(value)
    return value


class XlsxWriter:
    """Sheets of rows into an .xlsx, constant memory (rows in order). Text stays text: nothing
    is turned into a formula, a number or a link."""

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
        """Write one sheet; `rows` includes the header row (at index `header_row`). Returns the
        number of rows written."""
        ws = self.book.add_worksheet(title[:31])
        for col, width in (widths or {}).items():
            ws.set_column(col, col, width, self.text)
        count = 0
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                value = _xlsx_value(value)
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
