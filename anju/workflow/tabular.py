"""The tabular import pipeline: sheet specification → preview → confirm → commit → error report.

Every import of a spreadsheet (the ledger, payroll, rosters, bank result files) is declared as a
`SheetSpec`: its columns (Chinese header, aliases), one cleaner per row, rules across rows and
the field that identifies a record; and a `Writer` that classifies the valid rows against what is
stored (created / updated / unchanged) and writes them. The pipeline does the rest:

    spec = SheetSpec("结果", [Column("account", "账号", required=True), ...], clean=clean_row, key="account")
    book = read_book(path, [spec])                  # .xlsx or .csv (UTF-8, BOM, GB18030/GBK), limits checked
    plan = preview(book, [spec], writer)            # every row error, what each valid row will do; writes nothing
    write_error_report(book, plan.reasons(), f)     # the file as read, with a 错误原因 column
    commit(book, [spec], writer)                    # again, against the data as it is now, in one transaction

Re-importing the same file changes nothing: the writer says a row equal to the stored record is
unchanged. A large import with its own tuned writing (the ledger, `registry.imports`) uses the
reading, recognition, limits, errors and report of this module and plans and writes itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from anju.lib.cells import text_of
from anju.lib.errors import Problem
from anju.lib.sheets import Limits, RawSheet, SheetError, XlsxWriter, read_sheets

ERROR_HEADER = "错误原因"
ERRORS_KEPT = 1000  # errors stored on a job for the page; the error report file has them all
Progress = Callable[[int, int], None]


class TabularError(SheetError):
    """The file has none of the sheets the import expects, or lacks a required column."""

    code = "not_an_import_sheet"


# Specification -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column: its field name, its header in the template, and other headers accepted."""

    name: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False  # the sheet must have this column


Cleaner = Callable[[dict[str, Any]], tuple[dict[str, Any], list[Problem]]]
# A rule across rows: given every valid (row number, data), the problems of the rows it breaks.
Rule = Callable[[list[tuple[int, dict[str, Any]]]], Iterable[tuple[int, Problem]]]


def norm_header(cell: Any) -> str:
    """A header as compared: no spaces, no leading required-mark, full-width brackets, lower case."""
    text = text_of(cell).replace(" ", "").replace("\u3000", "").lstrip("*＊")
    return text.replace("(", "（").replace(")", "）").lower()


@dataclass
class SheetSpec:
    title: str  # the sheet's name in a workbook, and in messages
    columns: list[Column]
    clean: Cleaner | None = None
    rules: list[Rule] = field(default_factory=list)
    key: str | None = None  # the field naming a record: a second row with the same key is refused
    names: tuple[str, ...] = ()  # other names the sheet may have in a workbook

    def __post_init__(self) -> None:
        table: dict[str, str] = {}
        for col in self.columns:
            for header in (col.header, *col.aliases):
                table[norm_header(header)] = col.name
            table[col.name.lower()] = col.name
        self.header_map = table
        self.labels = {col.name: col.header for col in self.columns}

    def matches(self, sheet_name: str) -> bool:
        return sheet_name.strip().lower() in {n.lower() for n in (self.title, *self.names)}

    def recognise(self, raw: RawSheet, warnings: list[str]) -> Sheet:
        """Find the header row (the first non-blank row) and which column holds which field."""
        header_index = next((i for i, cells in enumerate(raw.cells) if any(filled(c) for c in cells)), None)
        if header_index is None:
            return Sheet(raw, self, 1, [], [])
        headers = [text_of(c) for c in raw.cells[header_index]]
        fields: list[str | None] = []
        unknown = []
        for header in headers:
            name = self.header_map.get(norm_header(header))
            if name is not None and name in fields:
                warnings.append(_("工作表“%(sheet)s”中“%(column)s”列重复，只读取第一列。") % {"sheet": raw.name, "column": header})
                name = None
            elif name is None and header and norm_header(header) != ERROR_HEADER:
                unknown.append(header)
            fields.append(name)
        if unknown:
            warnings.append(_("工作表“%(sheet)s”中有无法识别的列，已忽略：%(columns)s")
                            % {"sheet": raw.name, "columns": "、".join(unknown)})
        missing = [col.header for col in self.columns if col.required and col.name not in fields]
        if missing:
            raise TabularError(N_("工作表“%(sheet)s”缺少必需的列：%(columns)s（表头须在第一个非空行）。"),
                               params={"sheet": raw.name, "columns": "、".join(missing)})
        return Sheet(raw, self, header_index + 1, headers, fields, unknown)


def filled(cell: Any) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


@dataclass
class Sheet:
    """A recognised sheet: which column holds which field, and its data rows."""

    raw: RawSheet
    spec: SheetSpec
    header_row: int  # 1-based
    headers: list[str]  # as written in the file
    fields: list[str | None]  # field of each column, None = unknown
    unknown: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.raw.name

    def column_label(self, field_name: str) -> str:
        """The header of `field_name` as written in the file (or its template header if absent)."""
        if field_name in self.fields:
            return self.headers[self.fields.index(field_name)]
        return self.spec.labels.get(field_name, field_name)

    def records(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(spreadsheet row number, {field: cell}) for every non-blank data row."""
        pairs = [(i, f) for i, f in enumerate(self.fields) if f]
        for index in range(self.header_row, len(self.raw.cells)):
            cells = self.raw.cells[index]
            if not any(filled(c) for c in cells):
                continue
            width = len(cells)
            yield index + 1, {f: (cells[i] if i < width else None) for i, f in pairs}

    def row_count(self) -> int:
        return sum(1 for cells in self.raw.cells[self.header_row:] if any(filled(c) for c in cells))


@dataclass
class Book:
    """A file as read: every sheet, and the recognised ones by spec title."""

    filename: str
    sheets: list[RawSheet]
    recognised: dict[str, Sheet]
    warnings: list[str] = field(default_factory=list)


def read_book(path: str | Path, specs: list[SheetSpec], filename: str | None = None, *,
              limits: Limits | None = None, guess: Callable[[RawSheet], SheetSpec] | None = None) -> Book:
    """Read the file and recognise its sheets by name; a CSV file (one sheet, no name) is the
    spec `guess` picks from its header, else the first spec; a workbook none of whose sheets is
    named as expected has its first sheet read as the first spec. Raises SheetError."""
    filename = filename or Path(path).name
    csv_file = Path(filename).suffix.lower() == ".csv"
    raws = read_sheets(path, filename, limits=limits)
    book = Book(filename=filename, sheets=raws, recognised={})
    for raw in raws:
        spec = (guess(raw) if guess else specs[0]) if csv_file else next((s for s in specs if s.matches(raw.name)), None)
        if csv_file and spec is not None:
            raw.name = spec.title
        if spec is None or spec.title in book.recognised:
            book.warnings.append(_("工作表“%(name)s”不是可导入的工作表，已忽略。") % {"name": raw.name})
            continue
        book.recognised[spec.title] = spec.recognise(raw, book.warnings)
    if not book.recognised and raws and not csv_file:
        # A workbook whose sheet was renamed ("Sheet1"): read its first sheet as the first spec.
        book.warnings.pop(0)
        book.recognised[specs[0].title] = specs[0].recognise(raws[0], book.warnings)
    if not book.recognised:
        raise TabularError(N_("文件中没有可导入的工作表（应为：%(names)s）。"),
                           params={"names": "、".join(f"“{s.title}”" for s in specs)})
    return book


# Outcome -------------------------------------------------------------------------------------


@dataclass
class RowError:
    sheet: str
    row: int
    column: str
    reason_zh: str
    reason_en: str

    def as_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column,
                "reason_zh": self.reason_zh, "reason_en": self.reason_en}


def reasons_of(errors: Iterable[RowError]) -> dict[tuple[str, int], str]:
    """Per rejected row, "列：中文原因 / column: English reason" (several joined by "；")."""
    out: dict[tuple[str, int], list[str]] = defaultdict(list)
    for e in errors:
        text = f"{e.column}：{e.reason_zh}" + ("" if e.reason_en == e.reason_zh else f" / {e.column}: {e.reason_en}")
        out[(e.sheet, e.row)].append(text)
    return {key: "；".join(texts) for key, texts in out.items()}


def stored_errors(errors: list[RowError], limit: int | None = None) -> list[dict[str, Any]]:
    """What a job keeps for its page: the first `limit` (ERRORS_KEPT) errors; the error report
    file has all of them."""
    return [e.as_dict() for e in errors[:limit or ERRORS_KEPT]]


@dataclass
class Row:
    row: int
    data: dict[str, Any]


@dataclass
class Plan:
    """What an import will do (or did): per sheet, the valid rows and the writer's counts."""

    book: Book
    total_rows: int = 0
    rows: dict[str, list[Row]] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # sheet title -> created/updated/unchanged
    errors: list[RowError] = field(default_factory=list)
    rejected: set[tuple[str, int]] = field(default_factory=set)

    def reject(self, sheet: Sheet, row: int, problem: Problem) -> None:
        self.rejected.add((sheet.name, row))
        self.errors.append(RowError(sheet.name, row, sheet.column_label(problem.field), problem.zh, problem.en))

    def reasons(self) -> dict[tuple[str, int], str]:
        return reasons_of(self.errors)

    def summary_sheets(self) -> list[tuple[str, str]]:
        """(key in the summary, spec title) of the sheets the summary counts: the recognised ones."""
        return [(title, title) for title in self.book.recognised]

    def sheet_counts(self, title: str) -> dict[str, int]:
        """The writer's counts for a sheet: {"created", "updated", "unchanged"}."""
        return self.counts.get(title, {})

    def rejected_in(self, sheet: Sheet | None) -> int:
        return 0 if sheet is None else sum(1 for name, _row in self.rejected if name == sheet.name)

    @property
    def summary(self) -> dict[str, Any]:
        """Counts of rows over all sheets, and per sheet; what a job stores and its page shows."""
        per = {}
        for key, title in self.summary_sheets():
            counts = {"created": 0, "updated": 0, "unchanged": 0} | self.sheet_counts(title)
            per[key] = counts | {"rejected": self.rejected_in(self.book.recognised.get(title))}
        total = {k: sum(p[k] for p in per.values()) for k in ("created", "updated", "unchanged", "rejected")}
        return total | {"total_rows": self.total_rows, "sheets": per, "warnings": self.book.warnings}


class Writer(Protocol):
    """What an import does with valid rows. `classify` looks them up (and may reject some, with
    `plan.reject`) and returns the counts {"created", "updated", "unchanged"}; `write` makes them
    so. Both run in one transaction on commit; `classify` alone on preview."""

    def classify(self, plan: Plan, sheet: Sheet, rows: list[Row]) -> dict[str, int]: ...

    def write(self, plan: Plan, sheet: Sheet, rows: list[Row]) -> None: ...


_DUPLICATE = N_("“%(column)s”在本表中出现多次（第 %(rows)s 行），请只保留一行。")


def _check(book: Book, specs: list[SheetSpec], writer: Writer, progress: Progress | None) -> Plan:
    plan = Plan(book=book, total_rows=sum(s.row_count() for s in book.recognised.values()))
    done = 0
    for spec in specs:
        sheet = book.recognised.get(spec.title)
        if sheet is None:
            continue
        valid: list[Row] = []
        for number, raw in sheet.records():
            data, problems = spec.clean(raw) if spec.clean else (raw, [])
            for p in problems:
                plan.reject(sheet, number, p)
            if not problems:
                valid.append(Row(number, data))
            done += 1
            if progress and done % 1000 == 0:
                progress(done, plan.total_rows)
        rules = list(spec.rules)
        if spec.key:
            rules.insert(0, _unique(spec.key, sheet.column_label(spec.key)))
        for rule in rules:
            for number, problem in rule([(r.row, r.data) for r in valid]):
                plan.reject(sheet, number, problem)
        valid = [r for r in valid if (sheet.name, r.row) not in plan.rejected]
        plan.counts[spec.title] = writer.classify(plan, sheet, valid)
        plan.rows[spec.title] = [r for r in valid if (sheet.name, r.row) not in plan.rejected]
    plan.errors.sort(key=lambda e: ([s.name for s in book.recognised.values()].index(e.sheet), e.row))
    if progress:
        progress(plan.total_rows, plan.total_rows)
    return plan


def _unique(key: str, label: str) -> Rule:
    def rule(rows: list[tuple[int, dict[str, Any]]]) -> Iterator[tuple[int, Problem]]:
        groups: dict[Any, list[int]] = defaultdict(list)
        for number, data in rows:
            if data.get(key) not in (None, ""):
                groups[data[key]].append(number)
        for numbers in groups.values():
            if len(numbers) > 1:
                listed = "、".join(str(n) for n in numbers[:10])
                for number in numbers:
                    yield number, Problem(key, _DUPLICATE, {"column": label, "rows": listed})
    return rule


def preview(book: Book, specs: list[SheetSpec], writer: Writer, *, progress: Progress | None = None) -> Plan:
    """Check every row and decide what each valid row will do. Writes nothing."""
    return _check(book, specs, writer, progress)


def commit(book: Book, specs: list[SheetSpec], writer: Writer, *, progress: Progress | None = None) -> Plan:
    """Check again (the data may have changed since the preview) and write the valid rows, all
    in one transaction: an error anywhere writes nothing."""
    with transaction.atomic():
        plan = _check(book, specs, writer, progress)
        for spec in specs:
            sheet = book.recognised.get(spec.title)
            if sheet is not None and plan.rows.get(spec.title):
                writer.write(plan, sheet, plan.rows[spec.title])
    return plan


# Error report --------------------------------------------------------------------------------


def write_error_report(book: Book, reasons: dict[tuple[str, int], str], target: str | Path | BinaryIO) -> None:
    """A copy of the file, every sheet and row as read, with a 错误原因 column on the recognised
    sheets holding "中文原因 / English reason" for each rejected row: fix it and import again."""
    writer = XlsxWriter(target)
    for raw in book.sheets:
        sheet = next((s for s in book.recognised.values() if s.raw is raw), None)
        if sheet is None:
            writer.sheet(raw.name, [], raw.cells)
            continue
        writer.sheet(raw.name, sheet.headers, _with_reasons(sheet, reasons),
                     error_column=_error_column(sheet), header_row=sheet.header_row - 1)
    writer.close()


def _error_column(sheet: Sheet) -> int:
    if ERROR_HEADER in sheet.headers:
        return sheet.headers.index(ERROR_HEADER)
    return max((len(c) for c in sheet.raw.cells), default=0)


def _with_reasons(sheet: Sheet, reasons: dict[tuple[str, int], str]) -> Iterator[list[Any]]:
    column = _error_column(sheet)
    for index, cells in enumerate(sheet.raw.cells):
        row = list(cells) + [None] * max(0, column + 1 - len(cells))
        if index == sheet.header_row - 1:
            row[column] = ERROR_HEADER
        elif index >= sheet.header_row:
            row[column] = reasons.get((sheet.name, index + 1), "")
        yield row
