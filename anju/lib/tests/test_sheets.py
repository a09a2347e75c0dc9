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
