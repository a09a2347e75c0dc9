"""The occupation catalogue (data/occupations.yaml): synced into Occupation on migrate, and the
everyday names (烧焊 → 电焊工) resolved to it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

CATALOGUE = Path(__file__).with_name("data") / "occupations.yaml"


@lru_cache(maxsize=1)
def catalogue() -> tuple[dict, ...]:
    rows = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8")) or []
    return tuple(rows)


def sync(using: str = "default") -> int:
    """Create or update every occupation of the catalogue (by key); returns how many changed.
    Occupations no longer in the catalogue are kept (postings refer to them)."""
    from anju.employment.models import Occupation

    existing = {o.key: o for o in Occupation.objects.using(using).all()}
    changed = 0
    for position, row in enumerate(catalogue()):
        values = {"code": str(row.get("code") or ""), "name": row["name"], "group": str(row["group"]),
                  "aliases": row.get("aliases") or "", "physical": row.get("physical") or "medium",
                  "position": position}
        current = existing.get(row["key"])
        if current is None:
            Occupation.objects.using(using).create(key=row["key"], **values)
            changed += 1
        elif any(getattr(current, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(current, k, v)
            current.save(using=using)
            changed += 1
    _wage_parameters(using)
    names.cache_clear()
    return changed


def wage_parameter(key: str) -> str:
    """The name of an occupation's odd-job reference wage (a day's pay), a dated regional parameter."""
    return "odd_job_daily_wage_" + key.replace("-", "_")


def _wage_parameters(using: str) -> None:
    """One reference-wage parameter per occupation, created without a value: a region enters its
    own (from its human-resources market wage guide) and until then the board says none is set."""
    from anju.params.models import Parameter

    have = set(Parameter.objects.using(using).filter(name__startswith="odd_job_daily_wage_").values_list("name", flat=True))
    Parameter.objects.using(using).bulk_create([
        Parameter(name=wage_parameter(row["key"]), type="money", label_zh=f"零工日工资参考价：{row['name']}",
                  label_en=f"Odd-job reference wage per day: {row['key'].replace('-', ' ')}",
                  unit_zh="元/天", unit_en="yuan/day")
        for row in catalogue() if wage_parameter(row["key"]) not in have])


@lru_cache(maxsize=1)
def names() -> dict[str, int]:
    """Every name and everyday name of every occupation → its primary key."""
    from anju.employment.models import Occupation

    out: dict[str, int] = {}
    for o in Occupation.objects.all():
        out.setdefault(o.name, o.pk)
        for alias in o.alias_list:
            out.setdefault(alias, o.pk)
    return out


def resolve(text: str) -> int | None:
    """The occupation a short text names (exactly, or the longest name it contains), or None."""
    text = (text or "").strip()
    if not text:
        return None
    table = names()
    if text in table:
        return table[text]
    best = None
    for name, pk in table.items():
        if len(name) >= 2 and name in text and (best is None or len(name) > len(best[0])):
            best = (name, pk)
    return best[1] if best else None
