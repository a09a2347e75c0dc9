from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from anju.lib.cells import (
    BAD,
    parse_bool,
    parse_code,
    parse_date,
    parse_decimal,
    parse_month,
    parse_whole,
    text_of,
)


@pytest.mark.parametrize("raw, expected", [
    ("2021-03-01", dt.date(2021, 3, 1)), ("2021/3/1", dt.date(2021, 3, 1)), ("20210301", dt.date(2021, 3, 1)),
    ("2021年3月1日", dt.date(2021, 3, 1)), (dt.datetime(2021, 3, 1, 8), dt.date(2021, 3, 1)),
    ("2021-02-30", None), ("三月", None), (None, None),
])
def test_dates(raw, expected):
    assert parse_date(raw) == expected


def test_months_bools_wholes_and_text():
    assert parse_month("2025-02") == parse_month("2025年2月") == parse_month(dt.date(2025, 2, 17)) == dt.date(2025, 2, 1)
    assert parse_month("2025-13") is None
    assert [parse_bool(v) for v in ("是", "否", "√", " ", True, "也许")] == [True, False, True, None, True, BAD]
    assert [parse_whole(v) for v in (24.0, "24", "", 2.5, "-1", True)] == [24, 24, None, BAD, BAD, BAD]
    assert text_of(13800001234.0) == "13800001234"


@pytest.mark.parametrize("raw, expected", [
    ("1,234.5", Decimal("1234.50")), ("￥12", Decimal("12.00")), ("12元", Decimal("12.00")),
    (0.1, Decimal("0.10")), (3, Decimal("3.00")), ("1.005", BAD), ("-3", BAD), ("abc", BAD), ("", None),
    (True, BAD), ("NaN", BAD),
])
def test_decimals_are_exact(raw, expected):
    assert parse_decimal(raw) == expected


def test_codes():
    assert parse_code(" 6222 0200 0000 1234 ") == "6222020000001234"
    assert parse_code(350581.0, length=6) == "350581"
    assert parse_code("35058", length=(6, 9, 12)) == BAD
    assert parse_code("9135ABC", digits=False) == "9135ABC"
    assert parse_code(None) is None
