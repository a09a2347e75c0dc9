"""Values as JSON text: the one place Decimals and dates become strings for stored JSON (decision
traces, job results, audit details) and API answers.

A Decimal is written in plain notation, never in exponent form: `Decimal("800.0000").normalize()`
is `8E+2`, which a person (and a client parsing "months") cannot read. Without `places`, trailing
zeros go ("800", "20", "0.6"); money passes `places=2` and keeps its cents ("2400.00").
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any


def plain_decimal(value: Decimal | int, *, places: int | None = None) -> str:
    """'800' for Decimal('800.0000') or Decimal('8E+2'); '0.6' for Decimal('0.6000');
    with places=2, '2400.00' for Decimal('2400') (rounded half up)."""
    number = Decimal(value)
    if places is not None:
        return f"{number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"
    if number.is_zero():
        return "0"  # normalize() keeps a sign and an exponent on zero ("-0", "0E+2")
    return f"{number.normalize():f}"


def jsonable(value: Any) -> Any:
    """A fact, parameter or detail value as JSON can hold it: Decimals in plain notation, dates
    as ISO 8601; anything else unchanged."""
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value
