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
import functools
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
    """How large a sheet an import accepts (settings ANJU_IMPORT_MAX_ROWS / _COLUMNS / _CELLS).
    `cells` bounds the rectangle from A1 to the farthest cell, which is what the reader allocates:
    rows × columns at their limits would be 40 million cells, several gigabytes."""

    rows: int
    columns: int
    cells: int = 5_000_000

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(rows=int(getattr(settings, "ANJU_IMPORT_MAX_ROWS", 200_000)),
                   columns=int(getattr(settings, "ANJU_IMPORT_MAX_COLUMNS", 200)),
                   cells=int(getattr(settings, "ANJU_IMPORT_MAX_CELLS", 5_000_000)))


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
_TOO_MANY_CELLS = N_("工作表“%(sheet)s”有超过 %(cells)s 个单元格，超过导入上限。")
_AREA_TOO_LARGE = N_("工作表“%(sheet)s”从 A1 到 %(cell)s 共 %(n)s 个单元格，超过导入上限 %(cells)s 个。")


class _TooLarge(SheetTooLarge):
    """Two msgids, one sentence: what is wrong, then the limits and what to do."""

    def text(self, language: str | None = None) -> str:
        from django.utils.translation import gettext

        if language is not None:
            return super().text(language)
        return gettext(self.message) % self.params + gettext(_LIMITS) % self.params


def _too_large(msgid: str, limits: Limits, **params: Any) -> SheetTooLarge:
    return _TooLarge(msgid, params={**params, "rows": f"{limits.rows:,}", "columns": limits.columns,
                                    "cells": f"{limits.cells:,}"})


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
_OVERLAP = 64  # bytes of one chunk read again with the next, so that no tag is missed at the seam


def check_xlsx(path: Path | BinaryIO, limits: Limits) -> None:
    """Refuse a workbook with a sheet larger than `limits`, without loading it.

    calamine places each cell at its reference (`<c r="B7">`, quotes ' or ", any case, any
    namespace prefix) or, without one, after the previous cell of the row, in the row of `<row
    r="N">` or after the previous row; then allocates the rectangle from A1 to the farthest
    cell. The check follows the same rules. Sheets written the usual way (every cell `<c r="A1"`)
    take the fast path: a few regular-expression passes in C over the decompressed XML that only
    match references beyond the farthest seen so far (about 0.3 s per 100 MB). Any other spelling
    sends the sheet to an exact, slower scan tag by tag."""
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


def _chunks(archive: zipfile.ZipFile, member: str, overlap: int = _OVERLAP) -> Iterator[tuple[bytes, int, int]]:
    """(data, fresh, sure) over a member: `data[fresh:]` was not in the previous data, and a
    tag starting before `sure` ends within `data` (the rest comes again with the next data)."""
    try:
        with archive.open(member) as stream:
            tail = b""
            chunk = stream.read(_CHUNK)
            while chunk:
                following = stream.read(_CHUNK)
                data = tail + chunk
                yield data, len(tail), len(data) - overlap if following else len(data)
                tail, chunk = data[len(data) - overlap:], following
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise SheetError(_UNREADABLE_XLSX, params={"detail": str(exc)[:100]}) from exc
    except Exception as exc:  # zlib.error and the like, from a damaged member
        if isinstance(exc, SheetError):
            raise
        raise SheetError(_UNREADABLE_XLSX, params={"detail": type(exc).__name__}) from exc


class _Extent:
    """The farthest row and column with a cell, and how many cells: refused past the limits."""

    def __init__(self, sheet: str, limits: Limits):
        self.sheet, self.limits, self.max_row = sheet, limits, limits.rows + HEADER_ROWS
        self.rows = self.columns = self.cells = 0

    def cell(self, row: int, column: int) -> None:
        if row > self.max_row or column > self.limits.columns:
            raise _too_large(_CELL_TOO_FAR, self.limits, sheet=self.sheet, cell=f"{column_letters(column)}{row}")
        self.rows, self.columns = max(self.rows, row), max(self.columns, column)

    def count(self, cells: int) -> None:
        self.cells += cells
        if self.cells > self.limits.cells:
            raise _too_large(_TOO_MANY_CELLS, self.limits, sheet=self.sheet)

    def finish(self) -> None:
        if self.rows * self.columns > self.limits.cells:
            raise _too_large(_AREA_TOO_LARGE, self.limits, sheet=self.sheet, n=f"{self.rows * self.columns:,}",
                             cell=f"{column_letters(self.columns)}{self.rows}")


def _check_worksheet(archive: zipfile.ZipFile, member: str, sheet: str, limits: Limits) -> None:
    extent = _Extent(sheet, limits)
    if not _fast_scan(archive, member, extent):
        extent = _Extent(sheet, limits)
        _exact_scan(archive, member, extent)
        extent.finish()


# A cell written with a namespace prefix (`<x:c`): the exact scan reads those. `_beyond` finds
# the other irregular ones.
_PREFIXED_CELL = re.compile(rb":c[ \t\r\n/>]")
_REFERENCE = re.compile(rb'<c r="([A-Za-z]+)([0-9]+)"')
_CELL_START = b'<c r="'
_ROW_SLACK = 64  # the row threshold moves in steps of 1/64: a few hundred regex passes at most


def _fast_scan(archive: zipfile.ZipFile, member: str, extent: _Extent) -> bool:
    """The check for a sheet whose every cell has a plain reference; False for any other."""
    limits, max_row = extent.limits, extent.max_row
    columns = threshold = 0  # no cell beyond column `columns`, nor beyond row `threshold`
    first = True
    for data, fresh, sure in _chunks(archive, member):
        if first:
            first = False
            if m := _DIMENSION.search(data, 0, 4096):
                extent.cell(int(m[4] or m[2] or 1), column_number((m[3] or m[1] or "A").decode()))
            extent.rows = extent.columns = 0  # the declared size is a bound to refuse by, not the extent
        if (m := _PREFIXED_CELL.search(data)) and m.start() < sure:
            return False
        extent.count(data.count(_CELL_START, max(0, fresh - len(_CELL_START) + 1)))
        # A sheet in order ends each chunk at its farthest row: take that as the threshold.
        if (last := data.rfind(_CELL_START, 0, sure)) >= 0 and (m := _REFERENCE.match(data, last)):
            extent.cell(int(m[2]), column_number(m[1].upper().decode()))
            columns, threshold = extent.columns, max(threshold, extent.rows)
        pos = 0
        while (m := _beyond(columns, threshold).search(data, pos)) and m.start() < sure:
            if m[1] is None and m[3] is None:
                return False
            letters, digits = (m[1], m[2]) if m[1] else (m[3], m[4])
            extent.cell(int(digits), column_number(letters.upper().decode()))
            columns = extent.columns
            if extent.rows > threshold:
                threshold = min(extent.rows + extent.rows // _ROW_SLACK, max_row)
            pos = m.end()
    # Rows between the farthest seen and `threshold` are not looked at: when that matters, the
    # exact scan decides.
    if extent.rows * extent.columns <= limits.cells < threshold * extent.columns:
        return False
    extent.finish()
    return True


@functools.lru_cache(maxsize=1024)
def _beyond(columns: int, rows: int) -> re.Pattern[bytes]:
    """Plain references beyond column `columns` or row `rows` (groups 1-2 or 3-4), and cells not
    written `<c r="...` (no group): without a reference, with another attribute first, other
    quotes or spacing. One pattern, one pass: a reference other than letters then digits is an
    error for calamine, not a position."""
    return re.compile(rb'<c(?: r="(?:(%s)([0-9]+)|([A-Za-z]+)(%s))"|(?! r=")[ \t\r\n/>])'
                      % (_letters_over(columns), _digits_over(rows)))


def _digits_over(n: int) -> bytes:
    """A regex for numbers over n (and some over-long ones with leading zeros, checked after)."""
    digits = str(n).encode() if n else b""
    branches = [rb"[0-9]{%d,}" % (len(digits) + 1)]
    for i, d in enumerate(digits):
        if d != ord("9"):
            branches.append(digits[:i] + rb"[%c-9][0-9]{%d}" % (d + 1, len(digits) - i - 1))
    return b"|".join(branches)


def _letters_over(n: int) -> bytes:
    """A regex for column letters, either case, beyond column n."""
    letters = column_letters(n).encode()
    branches = [rb"[A-Za-z]{%d,}" % (len(letters) + 1)]
    for i, ch in enumerate(letters):
        if ch != ord("Z"):
            same = b"".join(rb"[%c%c]" % (c, c + 32) for c in letters[:i])
            branches.append(same + rb"[%c-Z%c-z][A-Za-z]{%d}" % (ch + 1, ch + 33, len(letters) - i - 1))
    return b"|".join(branches)


_WS = rb"[ \t\r\n]"  # XML white space; a form feed does not end a tag name for calamine
_TAG = re.compile(rb"<(/?)(?:[^ \t\r\n<>/:!?]+:)?(c|row)(?=[ \t\r\n/>])((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_ATTRIBUTE = re.compile(_WS + rb"*([^ \t\r\n=/>]+)" + _WS + rb"*=" + _WS + rb"*(?:\"([^\"]*)\"|'([^']*)')")
_CELL_REFERENCE = re.compile(rb"([A-Za-z]+)([0-9]+)")
_ROW_NUMBER = re.compile(rb"[0-9]+")


def _reference(attributes: bytes) -> bytes | None:
    """The value of the first attribute named r, as calamine reads it."""
    pos = 0
    while m := _ATTRIBUTE.match(attributes, pos):
        if m[1] == b"r":
            return m[2] if m[2] is not None else m[3]
        pos = m.end()
    if attributes[pos:].strip(b" \t\r\n/"):
        raise SheetError(_UNREADABLE_XLSX, params={"detail": attributes[:60].decode("utf-8", "replace")})
    return None


def _exact_scan(archive: zipfile.ZipFile, member: str, extent: _Extent) -> None:
    """Tag by tag, as calamine places cells: a cell without a reference goes after the previous
    cell of its row; a row without a number after the previous row."""
    row, column, rows_seen = 1, 1, 0  # where the next cell without a reference goes
    leftover = b""
    for data, _fresh, _sure in _chunks(archive, member, overlap=0):
        data = leftover + data
        end = 0
        for m in _TAG.finditer(data):
            end = m.end()
            closing, name, attributes = m[1], m[2], m[3]
            if closing:
                if name == b"row":
                    row, column = row + 1, 1
                continue
            value = _reference(attributes)
            if name == b"row":
                rows_seen += 1
                if rows_seen > extent.max_row:
                    raise _too_large(_TOO_MANY_ROWS, extent.limits, sheet=extent.sheet, n=f"{rows_seen:,}+")
                if value is not None:
                    if not _ROW_NUMBER.fullmatch(value):
                        raise SheetError(_UNREADABLE_XLSX, params={"detail": f"row r={value[:20]!r}"})
                    row = int(value)
                if attributes.endswith(b"/"):
                    row, column = row + 1, 1
                continue
            if value is None:
                extent.cell(row, column)
                column += 1
            else:
                if not (ref := _CELL_REFERENCE.fullmatch(value)):
                    raise SheetError(_UNREADABLE_XLSX, params={"detail": f"r={value[:20]!r}"})
                cell_column = column_number(ref[1].upper().decode())
                extent.cell(int(ref[2]), cell_column)
                column = cell_column + 1
            extent.count(1)
        # What follows the last whole tag is read again with the next chunk; a cell or row tag
        # longer than _CARRY (no writer makes one) is refused rather than skipped.
        leftover = data[end:]
        if len(leftover) > _CARRY:
            if _TAG_START.search(leftover, 0, len(leftover) - _CARRY + 8):
                raise SheetError(_UNREADABLE_XLSX, params={"detail": "tag too long"})
            leftover = leftover[-_CARRY:]


_CARRY = 1 << 20
_TAG_START = re.compile(rb"<(?:[^ \t\r\n<>/:!?]+:)?(?:c|row)[ \t\r\n/>]")


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
