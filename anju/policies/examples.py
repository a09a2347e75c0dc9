"""Running a pack's worked examples: each example's facts and date through `engine.evaluate`, with
the parameter values the pack itself ships (a pack's examples must hold with its own values,
whatever staff later set). Used by `anju check-policies` and the tests; the loader (packs.py)
only checks an example's shape."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from anju.params.selectors import resolve
from anju.policies.engine import evaluate, params_date
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


def _decimal(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value)).quantize(Decimal("0.01"))


def run_example(policy: Policy, example: dict) -> str | None:
    """None when the worked example holds, else what differs.

    Besides `status` and `amount`, an example may expect `missing_params` (the parameters whose
    missing value keeps it undecided: "cannot tell, the minimum wage is not entered"), the range
    (`amount_min`, `amount_max`), and, with `choose: AMOUNT` (what the approver picks), whether
    that amount is `refused`."""
    on = example["date"] if isinstance(example["date"], dt.date) else dt.date.fromisoformat(str(example["date"]))
    facts = example_facts(policy, example)
    when = params_date(policy, facts, on)
    region = str(example.get("region", policy.issuing_region))
    params = shipped_params(policy, region, when) if when else {name: None for name in policy.parameters}
    for name, value in (example.get("params") or {}).items():
        params[name] = None if value in (None, "") else Decimal(str(value))
    result = evaluate(policy, facts=facts, params=params, on=on)
    expect = example["expect"]
    problems = []
    if result.status != expect["status"]:
        problems.append(f"status {result.status}, expected {expect['status']}")
    for key, got in (("amount", result.amount), ("amount_min", result.amount_min), ("amount_max", result.amount_max)):
        if key in expect and got != _decimal(expect[key]):
            problems.append(f"{key} {got}, expected {_decimal(expect[key])}")
    if "missing_params" in expect and result.missing_params != sorted(expect["missing_params"] or []):
        problems.append(f"missing_params {result.missing_params}, expected {sorted(expect['missing_params'] or [])}")
    if "choose" in example:
        problem = result.amount_problem(Decimal(str(example["choose"])))
        if bool(problem) != bool(expect.get("refused", False)):
            problems.append(f"choosing {example['choose']}: {'refused (' + problem + ')' if problem else 'accepted'}, "
                            f"expected {'refused' if expect.get('refused') else 'accepted'}")
    return "; ".join(problems) or None
