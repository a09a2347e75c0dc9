"""Reading parameters: the value in force for a region on a date, inherited down the region tree.

For a region code and a date, the value in force is the latest one dated on or before the date at
the most specific level that has one: the county's own, else the city's, else the province's,
else the national value (empty prefix). A value dated in the future changes nothing today.

Parameters are public rules, not personal data: every staff member may read every region's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Case, DecimalField, Value, When
from django.db.models.functions import Cast

from anju.params.models import DEMO_SOURCE, ParameterValue
from anju.regions.codes import prefix_q, significant_prefix

Table = dict[str, Decimal | None]  # {region_prefix: value} of the regions with their own value


def levels(region_code: str) -> list[str]:
    """Prefixes of a code from the most specific up to national: 350581001000 -> [350581001, 350581, 3505, 35, '']."""
    significant = significant_prefix(region_code.ljust(12, "0")) if region_code else ""
    return [significant[:n] for n in (12, 9, 6, 4, 2) if n <= len(significant)] + [""]


def values_in_force(name: str, on: dt.date) -> Table:
    """{region_prefix: value} of every region that has its own value of `name` in force on `on`."""
    return tables_in_force([name], on)[name]


def tables_in_force(names: Iterable[str], on: dt.date) -> dict[str, Table]:
    """`values_in_force` for several parameters, in one query."""
    tables: dict[str, Table] = {name: {} for name in names}
    if not tables:
        return tables
    rows = (ParameterValue.objects.filter(parameter__name__in=sorted(tables), valid_from__lte=on)
            .order_by("parameter__name", "region_prefix", "-valid_from")
            .values_list("parameter__name", "region_prefix", "value"))
    for name, prefix, value in rows:
        tables[name].setdefault(prefix, value)
    return tables


def resolve(name: str, region_code: str, on: dt.date, *, table: Table | None = None) -> tuple[Decimal | None, str | None]:
    """(value, the prefix it came from); (None, None) when no level has a value. `table` is the
    parameter's `values_in_force` when the caller already has it."""
    table = values_in_force(name, on) if table is None else table
    for prefix in levels(region_code):
        if prefix in table:
            return table[prefix], prefix
    return None, None


def resolve_many(names: Iterable[str], region_code: str, on: dt.date) -> dict[str, Decimal | None]:
    """The values in force of several parameters for one region (one query)."""
    tables = tables_in_force(names, on)
    return {name: resolve(name, region_code, on, table=table)[0] for name, table in tables.items()}


def resolve_many_sourced(names: Iterable[str], region_code: str, on: dt.date) -> dict[str, tuple[Decimal | None, str | None]]:
    """`resolve_many` with the source of each value in force: {name: (value, source)}; the
    source is None where no level has a value (one query)."""
    wanted = sorted(set(names))
    out: dict[str, tuple[Decimal | None, str | None]] = {name: (None, None) for name in wanted}
    if not wanted:
        return out
    prefixes = levels(region_code)
    rows = (ParameterValue.objects.filter(parameter__name__in=wanted, valid_from__lte=on, region_prefix__in=prefixes)
            .order_by("parameter__name", "region_prefix", "-valid_from")
            .values_list("parameter__name", "region_prefix", "value", "source"))
    found: dict[str, dict[str, tuple[Decimal | None, str]]] = {name: {} for name in wanted}
    for name, prefix, value, source in rows:
        found[name].setdefault(prefix, (value, source))
    for name, table in found.items():
        for prefix in prefixes:
            if prefix in table:
                out[name] = table[prefix]
                break
    return out


def provenance(source: str | None) -> str:
    """Where a value in force comes from: "sourced" (it names its source), "demo" (demo data,
    anju.params.models.DEMO_SOURCE) or "none" (no source given)."""
    text = (source or "").strip()
    if not text:
        return "none"
    return "demo" if text.startswith(DEMO_SOURCE) else "sourced"


def _decimal_field() -> DecimalField:
    return DecimalField(max_digits=20, decimal_places=6)


def _sql_decimal(value: Decimal | None):
    """A parameter value in SQL. An empty one is a typed NULL (NULL::numeric): PostgreSQL takes a
    bare NULL parameter for text, and `NULL * 0.5` then fails instead of being NULL."""
    if value is None:
        return Cast(Value(None), output_field=_decimal_field())
    return Value(value, output_field=_decimal_field())


def sql_value(name: str, region_field: str, on: dt.date, *, overrides: dict[str, Any] | None = None):
    """The parameter as a SQL expression over rows with a region code in `region_field`: a CASE on
    their region, most specific prefix first. `overrides` replace the value everywhere."""
    if overrides and name in overrides:
        return _sql_decimal(overrides[name])
    table = values_in_force(name, on)
    whens = [
        When(prefix_q(region_field, prefix), then=_sql_decimal(value))
        for prefix, value in sorted(table.items(), key=lambda kv: -len(kv[0])) if prefix
    ]
    default = _sql_decimal(table.get(""))
    return Case(*whens, default=default, output_field=_decimal_field()) if whens else default


def history(name: str, region_code: str | None = None) -> list[ParameterValue]:
    """Every value of `name` (future ones too), by region then newest first; with `region_code`,
    only the levels that region inherits from."""
    qs = ParameterValue.objects.filter(parameter__name=name).select_related("created_by").order_by("region_prefix", "-valid_from")
    if region_code:
        qs = qs.filter(region_prefix__in=levels(region_code))
    return list(qs)


# -- who reads a parameter --------------------------------------------------------------------
# Apps above (the policy engine) register what reads a parameter, so the parameter page can
# link to them without this app knowing about them.

_READERS: list = []


def register_reader(readers) -> None:
    """`readers(name) -> [(label, url), ...]`: the things that read the parameter `name`."""
    if readers not in _READERS:
        _READERS.append(readers)


def readers_of(name: str) -> list[tuple[str, str]]:
    return [item for readers in _READERS for item in readers(name)]
