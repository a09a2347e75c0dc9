"""Reading and writing sheets: encodings, the size limits (a real bomb workbook), formula-safe CSV."""

from __future__ import annotations

import csv
import io
import time
import zipfile

import pytest
from django.utils import translation

from anju.lib.errors import AnjuError
from anju.lib.sheets import (
    Limits,
    SheetError,
    SheetTooLarge,
    XlsxWriter,
    check_xlsx,
    csv_lines,
    csv_writer,
    read_sheets,
    safe_cell,
)

LIMITS = Limits(rows=200_000, columns=200)

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""
_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="人员" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
</Relationships>"""


def bomb(path, far_cell: str = "XFD1048576", *, dimension: str | None = None):
    """A 2 KB workbook with one cell at A1 and one at `far_cell`: calamine would allocate the
    whole rectangle between them (about 550 GB for XFD1048576)."""
    row = "".join(ch for ch in far_cell if ch.isdigit())
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + dim +
             '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>'
             f'<row r="{row}"><c r="{far_cell}" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _ROOT_RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


@pytest.mark.parametrize("far_cell, dimension", [
    ("XFD1048576", "A1:XFD1048576"),  # declared honestly
    ("XFD1048576", "A1:B2"),  # the dimension lies: the cells themselves are checked
    ("XFD1048576", None),  # no dimension at all
    ("A300000", None),  # rows over the limit, columns fine
    ("GS2", None),  # column 201
])
def test_bomb_workbook_is_refused_within_a_second(tmp_path, far_cell, dimension):
    path = bomb(tmp_path / "bomb.xlsx", far_cell, dimension=dimension)
    assert path.stat().st_size < 3000
    started = time.monotonic()
    with pytest.raises(SheetTooLarge) as caught, translation.override("zh-hans"):
        read_sheets(path, limits=LIMITS)
    assert time.monotonic() - started < 1
    with translation.override("zh-hans"):
        message = str(caught.value)
    assert "超出导入上限" in message and "200,000 行、200 列" in message
    assert isinstance(caught.value, AnjuError) and caught.value.code == "sheet_too_large"


def test_cells_at_the_limits_are_read(tmp_path):
    path = bomb(tmp_path / "edge.xlsx", "GR12", dimension="A1:GR12")
    sheets = read_sheets(path, limits=LIMITS)
    assert sheets[0].name == "人员" and len(sheets[0].cells) == 12 and len(sheets[0].cells[0]) == 200


def sheet_book(path, sheet_data: str, *, prefix: str = ""):
    """A one-sheet workbook whose sheetData is `sheet_data`; `prefix` spells the main
    namespace with a prefix (`x:`), as some writers do."""
    ns = f"xmlns:{prefix[:-1]}" if prefix else "xmlns"
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             f'<{prefix}worksheet {ns}="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<{prefix}cols><{prefix}col min="1" max="3" width="12"/></{prefix}cols>'
             f"<{prefix}sheetData>{sheet_data}</{prefix}sheetData></{prefix}worksheet>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in (("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _ROOT_RELS),
                           ("xl/workbook.xml", _WORKBOOK), ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
                           ("xl/worksheets/sheet1.xml", sheet)):
            z.writestr(name, text)
    return path


def _t(text: str, prefix: str = "") -> str:
    return f'<{prefix}c t="inlineStr"><{prefix}is><{prefix}t>{text}</{prefix}t></{prefix}is></{prefix}c>'


V = "<v>1</v>"
# Each spelling places a cell where calamine would allocate gigabytes (or past a limit).
BOMBS = {
    "single_quotes": "<row r='1'><c r='A1'><v>1</v></c></row><row r='1048576'><c r='XFD1048576'><v>1</v></c></row>",
    "spaces_and_newlines_around_equals": '<row r="2"><c\n r \t=\r\n "XFD2">' + V + "</c></row>",
    "lowercase_column": '<row r="2"><c r="xfd2">' + V + "</c></row>",
    "reference_after_another_attribute": '<row r="2"><c t="n" r="XFD2">' + V + "</c></row>",
    "namespace_prefix": '<x:row r="2"><x:c r="XFD2">' + V + "</x:c></x:row>",
    "row_number_only": '<row r="1048576"><c>' + V + "</c></row>",
    "rows_without_numbers": '<row r="200000"/>' + "<row/>" * 20 + "<row><c>" + V + "</c></row>",
    "cells_without_references": '<row r="2">' + "<c><v>1</v></c>" * 201 + "</row>",
    "after_an_explicit_column": '<row r="2"><c r="GR2">' + V + "</c><c>" + V + "</c></row>",
    "leading_zeros": '<row r="2"><c r="A0000300000">' + V + "</c></row>",
    "area_over_the_cell_cap": '<row r="2"><c r="GR2">' + V + '</c></row><row r="190000"><c r="A190000">' + V + "</c></row>",
    "area_over_the_cap_without_references": "<row/>" * 30_000 + "<row>" + "<c><v>1</v></c>" * 199 + "</row>",
}


@pytest.mark.parametrize("spelling", list(BOMBS))
def test_the_bomb_in_every_spelling_calamine_reads_is_refused_fast(tmp_path, spelling):
    prefix = "x:" if spelling == "namespace_prefix" else ""
    path = sheet_book(tmp_path / "bomb.xlsx", BOMBS[spelling], prefix=prefix)
    started = time.monotonic()
    with pytest.raises(SheetTooLarge) as caught, translation.override("zh-hans"):
        read_sheets(path, limits=LIMITS)
    assert time.monotonic() - started < 1
    with translation.override("zh-hans"):
        assert "导入上限" in str(caught.value)


def test_the_cell_cap_is_the_rectangle_calamine_allocates(tmp_path):
    """200 columns × 190,000 rows is within each limit but 38 million cells: refused; the same
    rows at 26 columns read (4.9 million cells)."""
    wide = sheet_book(tmp_path / "wide.xlsx", BOMBS["area_over_the_cell_cap"])
    with pytest.raises(SheetTooLarge) as caught, translation.override("zh-hans"):
        read_sheets(wide, limits=LIMITS)
    with translation.override("zh-hans"):
        assert "从 A1 到 GR190000 共 38,000,000 个单元格，超过导入上限 5,000,000 个" in str(caught.value)
    narrow = sheet_book(tmp_path / "narrow.xlsx", '<row r="190000"><c r="Z190000"><v>1</v></c></row>')
    assert len(read_sheets(narrow, limits=LIMITS)[0].cells) == 190_000
    assert check_xlsx(narrow, Limits(rows=200_000, columns=200, cells=26 * 190_000)) is None
    with pytest.raises(SheetTooLarge):
        check_xlsx(narrow, Limits(rows=200_000, columns=200, cells=26 * 190_000 - 1))


def test_more_cells_than_the_cap_are_refused_even_on_top_of_each_other(tmp_path):
    path = sheet_book(tmp_path / "pile.xlsx", '<row r="1">' + '<c r="A1"><v>1</v></c>' * 1001 + "</row>")
    with pytest.raises(SheetTooLarge):
        check_xlsx(path, Limits(rows=10, columns=10, cells=1000))
    assert check_xlsx(path, Limits(rows=10, columns=10, cells=1001)) is None


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_a_workbook_without_references_is_placed_as_calamine_places_it_and_read(tmp_path, prefix):
    """Some writers leave out r on rows and cells (and use a prefix): such a workbook is checked
    exactly, cell by cell, and still reads. `<col>` and `<cols>` are not cells."""
    rows = "".join(f"<{prefix}row>{_t('姓名' if i == 0 else str(i), prefix)}{_t('x', prefix)}{_t('y', prefix)}</{prefix}row>"
                   for i in range(30))
    path = sheet_book(tmp_path / "plain.xlsx", rows, prefix=prefix)
    cells = read_sheets(path, limits=Limits(rows=20, columns=3))[0].cells
    assert len(cells) == 30 and cells[0] == ["姓名", "x", "y"] and cells[29][0] == "29"
    with pytest.raises(SheetTooLarge):  # the 30th row by count is over 19 + 10 rows
        read_sheets(path, limits=Limits(rows=19, columns=3))
    with pytest.raises(SheetTooLarge):  # the third cell by count is over 2 columns
        read_sheets(path, limits=Limits(rows=20, columns=2))


def test_rows_and_columns_follow_the_previous_one(tmp_path):
    """A cell without r goes after the previous cell; a row without r after the previous row."""
    data = ('<row r="3"><c r="B17"><v>1</v></c><c><v>2</v></c></row>'  # C3: the row of <row>, not of B17
            '<row><c><v>3</v></c></row>')  # A4
    path = sheet_book(tmp_path / "follow.xlsx", data)
    cells = read_sheets(path, limits=LIMITS)[0].cells
    assert len(cells) == 17 and cells[2][2] == 2.0 and cells[3][0] == 3.0 and cells[16][1] == 1.0
    check_xlsx(path, Limits(rows=7, columns=3))
    with pytest.raises(SheetTooLarge):
        check_xlsx(path, Limits(rows=6, columns=10))  # row 17 > 6 + 10
    with pytest.raises(SheetTooLarge):
        check_xlsx(path, Limits(rows=10, columns=2))  # C3


def test_a_reference_at_a_chunk_seam_is_seen(tmp_path, monkeypatch):
    from anju.lib import sheets

    monkeypatch.setattr(sheets, "_CHUNK", 100)
    rows = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(1, 40))
    path = sheet_book(tmp_path / "seams.xlsx", rows + '<row r="40"><c r="GS40"><v>1</v></c></row>')
    with pytest.raises(SheetTooLarge):
        check_xlsx(path, LIMITS)
    path = sheet_book(tmp_path / "seams2.xlsx", rows + '<row r="40"><c><v>1</v></c></row>' + rows)
    check_xlsx(path, Limits(rows=70, columns=1))  # the exact scan, across seams too
    path = sheet_book(tmp_path / "seams3.xlsx", rows + "<row><c/><c/></row>")
    with pytest.raises(SheetTooLarge):
        check_xlsx(path, Limits(rows=30, columns=1))


def test_csv_limits_and_encodings(tmp_path):
    text = "账号,户名\n6222,张三\n"
    for encoding in ("utf-8", "utf-8-sig", "gbk", "gb18030"):
        path = tmp_path / f"f-{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        assert read_sheets(path, limits=LIMITS)[0].cells == [["账号", "户名"], ["6222", "张三"]]
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(["a"] * 201) + "\n", encoding="utf-8")
    with pytest.raises(SheetTooLarge):
        read_sheets(wide, limits=LIMITS)
    long = tmp_path / "long.csv"
    long.write_text("a\n" * 31, encoding="utf-8")
    with pytest.raises(SheetTooLarge):
        read_sheets(long, limits=Limits(rows=20, columns=5))
    assert len(read_sheets(long, limits=Limits(rows=21, columns=5))[0].cells) == 31
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"\x00\x01")
    with pytest.raises(SheetError):
        read_sheets(binary, limits=LIMITS)
    with pytest.raises(SheetError):
        read_sheets(tmp_path / "x.xls", limits=LIMITS)


DANGEROUS = ["=1+2", "+1+2", "-1+2", "@SUM(A1)", "\t=1", "\r=1", "=HYPERLINK(\"http://x\")"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_every_csv_writer_neutralises_formulas(value):
    """Both of lib's CSV writers (every CSV in Anju goes through one of them: the ledger export,
    the proactive list export and the scan command)."""
    lines = "".join(csv_lines(["h"], [[value, 5]]))
    assert list(csv.reader(io.StringIO(lines.lstrip("\ufeff"), newline=""))) == [["h"], ["'" + value, "5"]]
    stream = io.StringIO()
    csv_writer(stream, lineterminator="\n").writerow([value, None])
    assert list(csv.reader(io.StringIO(stream.getvalue(), newline=""))) == [["'" + value, ""]]
    assert safe_cell(value) == "'" + value


def test_plain_values_are_left_alone():
    assert [safe_cell(v) for v in ("-12.50", "+3", "张三", "a=b", -5, None)] == ["-12.50", "+3", "张三", "a=b", -5, None]


def test_xlsx_writer_keeps_text_as_text(tmp_path):
    path = tmp_path / "out.xlsx"
    writer = XlsxWriter(path)
    writer.sheet("表", ["a"], [["a"], ["=1+2"], ["00123"]])
    writer.close()
    assert read_sheets(path, limits=LIMITS)[0].cells == [["a"], ["=1+2"], ["00123"]]
