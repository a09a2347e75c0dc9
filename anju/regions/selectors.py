from __future__ import annotations

import functools

from anju.regions.models import Level, Region


def region_exists(code12: str) -> bool:
    return code12 in _all_codes()


@functools.cache
def _all_codes() -> frozenset[str]:
    return frozenset(Region.objects.values_list("code", flat=True))


def clear_cache() -> None:
    _all_codes.cache_clear()
    _names.cache_clear()


@functools.cache
def _names() -> dict[str, tuple[str, str | None]]:
    return {c: (n, p) for c, n, p in Region.objects.values_list("code", "name", "parent_id")}


def region_name(code: str | None) -> str:
    if not code:
        return ""
    entry = _names().get(code)
    return entry[0] if entry else code


def region_path(code: str | None) -> str:
    """'福建省 泉州市 石狮市 湖滨街道'."""
    names: list[str] = []
    table = _names()
    while code and code in table:
        name, code = table[code]
        names.append(name)
    return " ".join(reversed(names))


def children(parent_code: str | None, *, include_abolished: bool = False):
    qs = Region.objects.filter(parent_id=parent_code) if parent_code else Region.objects.filter(level=Level.PROVINCE)
    if not include_abolished:
        qs = qs.filter(abolished=False)
    return qs.order_by("code")
