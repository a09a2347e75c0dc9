"""Division codes as strings: normalising 6-, 9- and 12-digit forms, and jurisdiction prefixes.

A jurisdiction is the significant prefix of a code: `3505` is Quanzhou city, `350581` Shishi,
`350581001` one street. Matching is a range on the 12-digit code, so every database can use a
plain b-tree index (SQLite will not use one for LIKE ... ESCAPE, which Django emits).
"""

from __future__ import annotations

import re

# The one shape of a division code and of a jurisdiction prefix, for every caller that takes one
# from a request, a file or a form. ASCII digits only ([0-9], not \d or str.isdigit(), which also
# accept "²" or "٣"), and \Z rather than $ (which allows a trailing newline), so that `.match`
# and `.fullmatch` agree.
CODE_PATTERN = r"[0-9]{6}(?:[0-9]{3}(?:[0-9]{3})?)?"
PREFIX_PATTERN = r"[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12}"
CODE_RE = re.compile(rf"^(?:{CODE_PATTERN})\Z")
PREFIX_RE = re.compile(rf"^(?:{PREFIX_PATTERN})\Z")


def is_code(text: object) -> bool:
    """A 6-, 9- or 12-digit division code (shape only; whether it exists is `region_exists`)."""
    return isinstance(text, str) and CODE_RE.match(text) is not None


def is_prefix(text: object) -> bool:
    """A jurisdiction prefix: 2, 4, 6, 9 or 12 ASCII digits."""
    return isinstance(text, str) and PREFIX_RE.match(text) is not None


def clean_prefix(raw: object) -> str | None:
    """A region filter as typed or sent ('350581', ' 350581000000 ') -> its prefix ('350581');
    '' for blank; None when it is not a prefix's shape. A 12-digit code counts as the division
    it names."""
    if raw is None:
        return ""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not text:
        return ""
    if not is_prefix(text):
        return None
    return significant_prefix(text) if len(text) == 12 else text


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
    if not (prefix.isascii() and prefix.isdigit()):
        # int() would refuse "²" (a 500) and silently read "٣٥" as 35: callers validate first.
        raise ValueError(f"not a division prefix: {prefix!r}")
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
