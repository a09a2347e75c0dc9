"""Money: Decimal yuan with two places, never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


class MoneyError(ValueError):
    pass


def parse_yuan(raw: object) -> Decimal:
    """Parse an amount in yuan: >= 0, at most two decimals. Floats from spreadsheets are read via
    their shortest repr so that 3500.1 stays 3500.1."""
    if isinstance(raw, Decimal):
        value = raw
    else:
        text = repr(raw) if isinstance(raw, float) else str(raw).strip().replace(",", "")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise MoneyError("not a number") from None
    if not value.is_finite():
        raise MoneyError("not a number")
    if value < 0:
        raise MoneyError("negative")
    # Size first: quantize() raises InvalidOperation for values beyond the context's precision.
    if value >= Decimal("1e10"):
        raise MoneyError("too large")
    if value != value.quantize(CENT):
        raise MoneyError("more than two decimals")
    return value.quantize(CENT)


def round_yuan(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
