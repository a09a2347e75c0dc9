"""Comparison data (比对): what other departments' rosters state about a subject's facts, and
when that answers a verification step by itself.

A step of a pack may name the facts it checks (`checks: [unemployment_insured]`). When every one
of them is known from a comparison source as of no more than `benefit_data_fresh_days` days ago
(a dated regional parameter), and every condition of the policy that reads only those facts
passes on the source's values, the step passes by data: recorded with the sources it rests on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from anju.benefits.models import FactSource, SourceKind
from anju.params.selectors import resolve
from anju.policies.facts import CATALOGUE
from anju.policies.packs import Policy

FRESH_PARAM = "benefit_data_fresh_days"


def sources_for(subject_type: str, subject_id: int, facts: set[str] | None = None) -> dict[str, FactSource]:
    qs = FactSource.objects.filter(subject_type=subject_type, subject_id=subject_id)
    if facts is not None:
        qs = qs.filter(fact__in=sorted(facts))
    return {row.fact: row for row in qs}


def _value_text(subject_type: str, fact: str, value: Any) -> str:
    definition = CATALOGUE.get(subject_type, {}).get(fact)
    label = definition.label if definition else fact
    if value is True:
        return label
    if value is False:
        return _("未%(label)s") % {"label": label} if label.startswith(("参加", "已", "有")) else \
            _("非%(label)s") % {"label": label}
    unit = definition.unit if definition else ""
    return f"{label} {value}{unit}"


def source_line(subject_type: str, row: FactSource) -> str:
    """"未参加失业保险 — 社保经办机构失业保险参保缴费记录 2026-11-30 数据"."""
    return _("%(fact)s — %(source)s %(date)s 数据") % {
        "fact": _value_text(subject_type, row.fact, row.value), "source": SourceKind(row.kind).label,
        "date": row.as_of.isoformat()}


def fresh_days(region_code: str, on: dt.date) -> int | None:
    value, _src = resolve(FRESH_PARAM, region_code, on)
    return None if value is None else int(value)


def fresh_answer(policy: Policy, subject_type: str, subject_id: int, checks: tuple[str, ...], *,
                 region_code: str, on: dt.date) -> dict | None:
    days = fresh_days(region_code, on)
    if days is None or not checks:
        return None
    rows = sources_for(subject_type, subject_id, set(checks))
    if set(rows) != set(checks):
        return None
    oldest = on - dt.timedelta(days=days)
    if any(row.as_of < oldest or row.as_of > on for row in rows.values()):
        return None
    values = {name: _plain(subject_type, name, row.value) for name, row in rows.items()}
    relevant = [c for c in (*policy.conditions, *policy.exclusions) if c.expression.facts() and
                c.expression.facts() <= set(checks)]
    if not relevant:
        return None
    exclusions = set(id(c) for c in policy.exclusions)
    for c in relevant:
        value, _reads = c.expression.evaluate(values, {})
        passed = (not value) if id(c) in exclusions and value is not None else value
        if passed is not True:
            return None
    lines = [source_line(subject_type, rows[name]) for name in checks]
    return {"text": _("比对通过：%(lines)s") % {"lines": "；".join(lines)},
            "facts": {name: rows[name].value for name in checks},
            "sources": [{"fact": name, "kind": rows[name].kind, "as_of": rows[name].as_of.isoformat(),
                         "import": rows[name].source_import_id} for name in checks]}


def _plain(subject_type: str, name: str, value: Any) -> Any:
    from anju.policies.facts import plain

    definition = CATALOGUE[subject_type].get(name)
    return plain(value, definition.type) if definition else value
