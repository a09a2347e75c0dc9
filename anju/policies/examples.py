"""Running a pack's worked examples: each example's facts and date through `engine.evaluate`, with
the parameter values the pack itself ships (a pack's examples must hold with its own values,
whatever staff later set). Used by `anju check-policies` and the tests; the loader (packs.py)
only checks an example's shape."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from anju.params.selectors import resolve
from anju.policies.engine import evaluate
from anju.policies.expressions import NUMBER
from anju.policies.facts import CATALOGUE, plain
from anju.policies.packs import Policy


def shipped_params(policy: Policy, region_code: str, on: dt.date) -> dict[str, Decimal | None]:
    """The values the pack itself ships, resolved like database parameters (for worked examples:
    a pack's examples must hold with the pack's own values, whatever staff later set)."""
    out = {}
    for name, decl in policy.parameters.items():
        table: dict[str, Any] = {}
        for v in sorted(decl.values, key=lambda v: v["from"], reverse=True):
            if v["from"] <= on:
                table.setdefault(v["region"], v["value"])
        out[name] = resolve(name, region_code, on, table=table)[0]
    return out


def example_facts(policy: Policy, example: dict) -> dict[str, Any]:
    types = {n: f.type for n, f in CATALOGUE[policy.subject].items()}
    out = {}
    for name, value in (example.get("facts") or {}).items():
        if types[name] == NUMBER and value is not None and not isinstance(value, bool):
            value = Decimal(str(value))
        out[name] = plain(value, types[name])
    return out


def run_example(policy: Policy, example: dict) -> str | None:
    """None when the worked example holds, else what differs."""
    on = example["date"] if isinstance(example["date"], dt.date) else dt.date.fromisoformat(str(example["date"]))
    params = shipped_params(policy, str(example.get("region", policy.issuing_region)), on)
    for name, value in (example.get("params") or {}).items():
        params[name] = None if value in (None, "") else Decimal(str(value))
    result = evaluate(policy, facts=example_facts(policy, example), params=params, on=on)
    expect = example["expect"]
    problems = []
    if result.status != expect["status"]:
        problems.append(f"status {result.status}, expected {expect['status']}")
    if "amount" in expect:
        wanted = None if expect["amount"] in (None, "") else Decimal(str(expect["amount"])).quantize(Decimal("0.01"))
        if result.amount != wanted:
            problems.append(f"amount {result.amount}, expected {wanted}")
    return "; ".join(problems) or None
