"""Writing parameters: a value from a date on (audited; history is never rewritten), and seeding
declared parameters with the values their source ships without overwriting what staff set."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.params.models import Parameter, ParameterValue

_MISSING = object()


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


@dataclass(frozen=True)
class SeedValue:
    region: str
    valid_from: dt.date
    value: Decimal | None
    source: str = ""


@dataclass(frozen=True)
class ParameterSeed:
    """A parameter as a rule's source declares it, with the values the source gives."""

    name: str
    type: str
    label_zh: str
    label_en: str
    unit_zh: str = ""
    unit_en: str = ""
    values: tuple[SeedValue, ...] = field(default_factory=tuple)


@transaction.atomic
def parameters_seed(*, seeds: Iterable[ParameterSeed]) -> dict[str, int]:
    """Create the parameters and values that are missing. Never overwrites a value staff have
    set: sources seed, staff govern. Returns how many parameters and values were created."""
    created = values = 0
    for seed in seeds:
        parameter, was_created = Parameter.objects.get_or_create(
            name=seed.name,
            defaults={"type": seed.type, "label_zh": seed.label_zh, "label_en": seed.label_en,
                      "unit_zh": seed.unit_zh, "unit_en": seed.unit_en},
        )
        created += was_created
        for v in seed.values:
            _row, made = ParameterValue.objects.get_or_create(
                parameter=parameter, region_prefix=v.region, valid_from=v.valid_from,
                defaults={"value": v.value, "source": v.source[:300]},
            )
            values += made
    return {"parameters": created, "values": values}
