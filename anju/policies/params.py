"""Parameters: dated, regional values, inherited down the region tree.

For a region code and a date, the value in force is the latest one dated on or before the date at
the most specific level that has one: the county's own, else the city's, else the province's,
else the national value (empty prefix). A value dated in the future changes nothing today.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Case, Value, When

from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.policies.models import Parameter, ParameterValue
from anju.regions.codes import prefix_q, significant_prefix

_MISSING = object()


def _levels(region_code: str) -> list[str]:
    """Prefixes of a code from the most specific up to national: 350581001000 -> [350581001, 350581, 3505, 35, '']."""
    significant = significant_prefix(region_code.ljust(12, "0")) if region_code else ""
    return [significant[:n] for n in (12, 9, 6, 4, 2) if n <= len(significant)] + [""]


def values_in_force(name: str, on: dt.date) -> dict[str, Decimal | None]:
    """{region_prefix: value} of every region that has its own value in force on `on`."""
    rows = (ParameterValue.objects.filter(parameter__name=name, valid_from__lte=on)
            .order_by("region_prefix", "-valid_from").values_list("region_prefix", "value"))
    result: dict[str, Decimal | None] = {}
    for prefix, value in rows:
        result.setdefault(prefix, value)
    return result


def resolve(name: str, region_code: str, on: dt.date, *, table: dict[str, Decimal | None] | None = None) -> tuple[Decimal | None, str | None]:
    """(value, the prefix it came from); (None, None) when no level has a value."""
    table = values_in_force(name, on) if table is None else table
    for prefix in _levels(region_code):
        if prefix in table:
            return table[prefix], prefix
    return None, None


def resolve_many(names: Iterable[str], region_code: str, on: dt.date) -> dict[str, Decimal | None]:
    return {name: resolve(name, region_code, on)[0] for name in names}


def sql_value(name: str, region_field: str, on: dt.date, *, overrides: dict[str, Any] | None = None):
    """The parameter as a SQL expression over subjects: a CASE on their region, most specific first."""
    from anju.policies.expressions import _decimal_field

    if overrides and name in overrides:
        return Value(overrides[name], output_field=_decimal_field())
    table = values_in_force(name, on)
    whens = [
        When(prefix_q(region_field, prefix), then=Value(value, output_field=_decimal_field()))
        for prefix, value in sorted(table.items(), key=lambda kv: -len(kv[0])) if prefix
    ]
    default = Value(table.get(""), output_field=_decimal_field())
    return Case(*whens, default=default, output_field=_decimal_field()) if whens else default


def history(name: str, region_code: str | None = None) -> list[ParameterValue]:
    qs = ParameterValue.objects.filter(parameter__name=name).select_related("created_by").order_by("region_prefix", "-valid_from")
    if region_code:
        qs = qs.filter(region_prefix__in=_levels(region_code))
    return list(qs)


class ParameterError(ValueError):
    pass


@transaction.atomic
def parameter_set(*, actor, name: str, region_prefix: str, valid_from: dt.date, value: Decimal | None, source: str = "") -> ParameterValue:
    """Record a value from a date on (a new row; history is never rewritten). Audited."""
    try:
        parameter = Parameter.objects.get(name=name)
    except Parameter.DoesNotExist:
        raise ParameterError(f"unknown parameter '{name}'") from None
    if value is not None and value < 0:
        raise ParameterError("a parameter value cannot be negative")
    if parameter.type == "rate" and value is not None and value > 1:
        raise ParameterError("a rate is a fraction from 0 to 1 (e.g. 0.9 for 90%)")
    existing = ParameterValue.objects.filter(parameter=parameter, region_prefix=region_prefix, valid_from=valid_from).first()
    before = existing.value if existing else _MISSING
    if existing:
        existing.value, existing.source, existing.created_by = value, source or existing.source, actor
        existing.save(update_fields=["value", "source", "created_by"])
        row = existing
    else:
        row = ParameterValue.objects.create(parameter=parameter, region_prefix=region_prefix, valid_from=valid_from,
                                            value=value, source=source, created_by=actor)
    audit_record(actor=actor, action=Action.UPDATE if existing else Action.CREATE, obj=row,
                 object_type="parameter", region_code=region_prefix.ljust(12, "0") if region_prefix else "",
                 changes={"value": (None if before is _MISSING else before, value)},
                 detail={"parameter": name, "region": region_prefix, "valid_from": valid_from})
    return row


@transaction.atomic
def sync_from_packs(policies) -> dict[str, int]:
    """Create the parameters the packs declare and the values they ship, where missing. Never
    overwrites a value staff have set: packs seed, staff govern."""
    created = values = 0
    for policy in policies:
        for decl in policy.parameters.values():
            parameter, was_created = Parameter.objects.get_or_create(
                name=decl.name,
                defaults={"type": decl.type, "label_zh": decl.label.zh, "label_en": decl.label.en,
                          "unit_zh": decl.unit.zh, "unit_en": decl.unit.en},
            )
            created += was_created
            for v in decl.values:
                _row, made = ParameterValue.objects.get_or_create(
                    parameter=parameter, region_prefix=v["region"], valid_from=v["from"],
                    defaults={"value": v["value"], "source": v["source"][:300]},
                )
                values += made
    return {"parameters": created, "values": values}
