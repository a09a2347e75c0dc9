"""Punctuation that differs between Chinese and English pages: "：" / ": " and "、" / ", "."""

from __future__ import annotations

from django import template

from anju.lib.i18n import is_english as _english

register = template.Library()


@register.simple_tag
def colon() -> str:
    return ": " if _english() else "："


@register.filter
def human_join(items) -> str:
    return (", " if _english() else "、").join(str(i) for i in items or [])


def _decimal(value):
    from decimal import Decimal, InvalidOperation

    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


@register.filter
def yuan(value) -> str:
    """An amount of money with thousands separators and two places: 68000000 → 68,000,000.00
    (Chinese pages group by thousands too; the locale's own setting groups nothing). None and
    non-numbers pass through unchanged, so `|default` still applies."""
    number = _decimal(value)
    return value if number is None else f"{number:,.2f}"


@register.filter
def num(value) -> str:
    """A figure as entered, without the database's trailing zeros: 2030.0000 → 2,030, 21.75 → 21.75."""
    number = _decimal(value)
    if number is None:
        return value
    text = f"{number:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def pct(value) -> str:
    """A rate as a percentage: 0.0150 → 1.5%."""
    number = _decimal(value)
    return value if number is None else num(number * 100) + "%"
