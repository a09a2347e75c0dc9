"""Division codes as strings: normalising 6-, 9- and 12-digit forms, and jurisdiction prefixes.

A jurisdiction is the significant prefix of a code: `3505` is Quanzhou city, `350581` Shishi,
`350581001` one street. Matching is a range on the 12-digit code, so every database can use a
plain b-tree index (SQLite will not use one for LIKE ... ESCAPE, which Django emits).
"""

from __future__ import annotations

import re

CODE_RE = re.compile(r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$")
PREFIX_RE = re.compile(r"^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$")


def normalize_code(raw: object) -> str | None:
    """'350581' / '350581001' / '350581001000' -> 12 digits; None when it is not a code's shape."""
    text = str(raw).strip() if raw is not None else ""
    if text.endswith(".0"):  # spreadsheet cells read as numbers
        text = text[:-2]
    if not CODE_RE.match(text):
        return None
    return text.ljust(12, "0")


def significant_prefix(code: str) -> str:
    """The prefix that names this division and everything under it."""
    code = code.ljust(12, "0")
    if code[2:] == "0" * 10:
        return code[:2]
    if code[4:] == "0" * 8:
        return code[:4]
    if code[6:] == "0" * 6:
        return code[:6]
    if code[9:] == "000":
        return code[:9]
    return code


def prefix_bounds(prefix: str) -> tuple[str, str | None]:
    """[low, high) bounds of 12-digit codes starting with `prefix`."""
    if not prefix:
        return "", None
    upper = str(int(prefix) + 1).zfill(len(prefix))
    return prefix, (upper if len(upper) == len(prefix) else None)


def prefix_q(field: str, prefix: str):
    """A Q object: `field` (a 12-digit code column) lies under `prefix`."""
    from django.db.models import Q

    low, high = prefix_bounds(prefix)
    if not low:
        return Q()
    q = Q(**{f"{field}__gte": low})
    if high is not None:
        q &= Q(**{f"{field}__lt": high})
    return q


def in_prefix(code: str | None, prefix: str) -> bool:
    return bool(code) and str(code).startswith(prefix) if prefix else True
