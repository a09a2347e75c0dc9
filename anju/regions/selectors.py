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
    _children_index.cache_clear()


@functools.cache
def _children_index() -> dict[str | None, list[tuple[str, str]]]:
    index: dict[str | None, list[tuple[str, str]]] = {}
    rows = Region.objects.filter(abolished=False).order_by("code").values_list("code", "name", "parent_id", "level")
    for code, name, parent, level in rows:
        index.setdefault(None if level == Level.PROVINCE else parent, []).append((code, name))
    return index


def child_options(parent_code: str | None) -> list[tuple[str, str]]:
    """(code, name) of the current divisions under `parent_code` (None: the provinces), cached."""
    return _children_index().get(parent_code, [])


def ancestors(code: str) -> list[str]:
    """Codes from the province down to `code` itself (known codes only)."""
    chain: list[str] = []
    table = _names()
    current: str | None = code
    while current and current in table:
        chain.append(current)
        current = table[current][1]
    return list(reversed(chain))


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
