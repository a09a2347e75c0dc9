"""Reading values out of spreadsheet cells (and form or API strings).

A cell may hold what Excel stores (floats for numbers typed as numbers, datetimes), text typed by
hand (2021/3/1, 2021年3月1日, 是/否) or what an API sends (ISO dates, booleans). Each parser takes
one raw value and returns the value, None for a blank cell, or — for the ones that can fail in a
way the caller reports — the string BAD.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

BAD = "bad"

_TRUE = {"是", "yes", "y", "true", "1", "有", "√"}
_FALSE = {"否", "no", "n", "false", "0", "无", "×"}
_DATE = re.compile(r"([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?")
_DATE_DIGITS = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_MONTH = re.compile(r"([0-9]{4})[-/.年]([0-9]{1,2})月?")
_MONTH_DIGITS = re.compile(r"([0-9]{4})([0-9]{2})")
_AMOUNT = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def text_of(raw: Any) -> str:
    """The cell as trimmed text; a whole float (Excel's 13800001234.0) without its ".0"."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def parse_date(raw: Any) -> dt.date | None:
    """A date from a cell or a string: 2021-03-01, 2021/3/1, 20210301, 2021年3月1日."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = text_of(raw)
    m = _DATE.fullmatch(text) or _DATE_DIGITS.fullmatch(text)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def parse_month(raw: Any) -> dt.date | None:
    """YYYY-MM (or a date, whose month is taken) -> the first day of that month."""
    if isinstance(raw, (dt.date, dt.datetime)):
        return dt.date(raw.year, raw.month, 1)
    text = text_of(raw)
    m = _MONTH.fullmatch(text) or _MONTH_DIGITS.fullmatch(text)
    if not m:
        d = parse_date(text)
        return dt.date(d.year, d.month, 1) if d else None
    if not 1 <= int(m[2]) <= 12:
        return None
    return dt.date(int(m[1]), int(m[2]), 1)


def parse_bool(raw: Any) -> bool | None | str:
    """True/False from 是/否, yes/no, 1/0, √/×; None for blank; else BAD."""
    if isinstance(raw, bool):
        return raw
    if is_blank(raw):
        return None
    text = text_of(raw).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return BAD


def parse_whole(raw: Any, *, digits: int = 6) -> int | None | str:
    """A whole number 0 ≤ n < 10**digits; None for blank; else BAD."""
    if is_blank(raw):
        return None
    if isinstance(raw, bool):
        return BAD
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() and 0 <= raw < 10**digits else BAD
    text = text_of(raw)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= digits else BAD


def parse_decimal(raw: Any, *, places: int = 2, negative: bool = False) -> Decimal | None | str:
    """An exact decimal with at most `places` decimals, from text ("1,234.50", "￥12") or a
    number cell (a float is read through its shortest repr, so 0.1 stays 0.1); None for blank;
    else BAD (not a number, too many decimals, or negative when not allowed)."""
    if is_blank(raw):
        return None
    if isinstance(raw, bool):
        return BAD
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, (int, float)):
        try:
            value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
        except InvalidOperation:
            return BAD
    else:
        text = text_of(raw).replace(",", "").replace("，", "").lstrip("¥￥").removesuffix("元").strip()
        if not _AMOUNT.fullmatch(text):
            return BAD
        value = Decimal(text)
    if not value.is_finite() or (value < 0 and not negative):
        return BAD
    if value.as_tuple().exponent < -places and value != value.quantize(Decimal(1).scaleb(-places)):
        return BAD
    return value.quantize(Decimal(1).scaleb(-places))


def parse_code(raw: Any, *, length: int | tuple[int, ...] | None = None, digits: bool = True) -> str | None:
    """A code typed into a cell (a region code, an account number, a USCC): trimmed, with
    inner spaces and Excel's ".0" removed; None for blank; BAD when it is not `length` long or
    (with `digits`) not all digits. An account number typed as a number cell loses nothing
    under 2**53; longer ones must be text cells, as the templates set."""
    if is_blank(raw):
        return None
    text = text_of(raw).replace(" ", "").replace("\u3000", "").upper()
    if digits and not (text.isascii() and text.isdigit()):
        return BAD
    lengths = (length,) if isinstance(length, int) else length
    if lengths and len(text) not in lengths:
        return BAD
    return text
