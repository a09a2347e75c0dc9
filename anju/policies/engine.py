"""Applying policies: to one subject in Python with an explained trace, and to a population in
SQL (proactive scan, simulation). Both read the same facts and the same parameters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q

from anju.policies import facts as fact_catalogue
from anju.policies import params as parameters
from anju.policies.expressions import SqlContext
from anju.policies.packs import Condition, Policy
from anju.regions.codes import in_prefix, prefix_q

CENT = Decimal("0.01")
ELIGIBLE, NOT_ELIGIBLE, UNKNOWN = "eligible", "not_eligible", "unknown"


@dataclass
class ConditionResult:
    name: str
    label_zh: str
    label_en: str
    value: bool | None
    facts: dict[str, Any]
    params: dict[str, Any]
    exclusion: bool = False

    @property
    def passed(self) -> bool | None:
        if self.value is None:
            return None
        return (not self.value) if self.exclusion else self.value


@dataclass
class Evaluation:
    policy: Policy
    on: dt.date
    status: str
    amount: Decimal | None
    amount_pending: bool  # eligible, but the amount parameter ships empty
    conditions: list[ConditionResult]
    facts: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    missing_facts: list[str] = field(default_factory=list)
    applicable: bool = True

    def trace(self) -> list[dict]:
        return [
            {"name": c.name, "label": {"zh": c.label_zh, "en": c.label_en}, "value": c.value, "passed": c.passed,
             "exclusion": c.exclusion, "facts": {k: _json(v) for k, v in c.facts.items()},
             "params": {k: _json(v) for k, v in c.params.items()}}
            for c in self.conditions
        ]


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def money(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _condition(c: Condition, facts: dict, params: dict, *, exclusion: bool = False) -> ConditionResult:
    value, reads = c.expression.evaluate(facts, params)
    return ConditionResult(c.name, c.label.zh, c.label.en, value, reads.facts, reads.params, exclusion)


def evaluate(policy: Policy, *, facts: dict[str, Any], params: dict[str, Any], on: dt.date) -> Evaluation:
    """Pure evaluation: `facts` missing a name are unknown, never assumed."""
    results = [_condition(c, facts, params) for c in policy.conditions]
    results += [_condition(c, facts, params, exclusion=True) for c in policy.exclusions]
    passed = [r.passed for r in results]
    if any(p is False for p in passed):
        status = NOT_ELIGIBLE
    elif any(p is None for p in passed):
        status = UNKNOWN
    else:
        status = ELIGIBLE
    if not policy.in_force(on):
        status = NOT_ELIGIBLE
    amount, pending = None, False
    if status == ELIGIBLE and policy.amount is not None:
        amount, _reads = policy.amount.evaluate(facts, params)
        if amount is not None and policy.cap is not None:
            cap, _ = policy.cap.evaluate(facts, params)
            amount = None if cap is None else min(amount, cap)
        pending = amount is None
        amount = money(amount)
    missing = sorted({name for r in results if r.value is None for name, v in r.facts.items() if v is None})
    return Evaluation(policy, on, status, amount, pending, results,
                      facts={k: facts.get(k) for k in sorted(policy.facts_read())},
                      params={k: params.get(k) for k in sorted(policy.params_read())},
                      missing_facts=missing, applicable=policy.in_force(on))


def subject_facts(policy_subject: str, obj, names: set[str], on: dt.date) -> dict[str, Any]:
    """Fact values for one stored subject, read with the same expressions the scan uses."""
    subject = fact_catalogue.SUBJECTS[policy_subject]
    annotations = fact_catalogue.annotations(policy_subject, names, on)
    row = subject.model.objects.filter(pk=obj.pk).annotate(**annotations).values(*annotations).first() or {}
    types = fact_catalogue.fact_types(policy_subject)
    return {name: fact_catalogue.plain(row.get(f"fact__{name}"), types[name]) for name in names}


def region_of(policy_subject: str, obj) -> str:
    path = fact_catalogue.SUBJECTS[policy_subject].region_path
    value: Any = obj
    for part in path.split("__"):
        value = getattr(value, part)
    return value


def evaluate_subject(policy: Policy, obj, on: dt.date, *, overrides: dict[str, Any] | None = None) -> Evaluation:
    region = region_of(policy.subject, obj)
    facts = subject_facts(policy.subject, obj, policy.facts_read(), on)
    params = parameters.resolve_many(policy.params_read(), region, on)
    if overrides:
        params.update(overrides)
    return evaluate(policy, facts=facts, params=params, on=on)


def applies_in(policy: Policy, region_code: str) -> bool:
    return in_prefix(region_code, policy.issuing_region)


# ---------------------------------------------------------------------------------------------
# Populations
# ---------------------------------------------------------------------------------------------


def _sql_context(policy: Policy, on: dt.date, overrides: dict[str, Any] | None) -> SqlContext:
    region_field = fact_catalogue.SUBJECTS[policy.subject].region_path
    built: dict[str, Any] = {}

    def fact(name: str):
        if name not in built:
            built[name] = fact_catalogue.annotations(policy.subject, {name}, on)[f"fact__{name}"]
        return built[name]

    def param(name: str, _kind: str):
        return parameters.sql_value(name, region_field, on, overrides=overrides)

    return SqlContext(fact, param)


def eligible_queryset(policy: Policy, *, on: dt.date, region_prefix: str = "", base=None, overrides: dict[str, Any] | None = None):
    """Subjects for whom every condition holds and no exclusion does, as one SQL query. The fact
    values the amount needs come annotated (`fact__NAME`), so amounts are computed exactly in
    Decimal from the same values (SQLite has no exact decimal arithmetic)."""
    subject = fact_catalogue.SUBJECTS[policy.subject]
    qs = base if base is not None else subject.model.objects.all()
    region_field = subject.region_path
    qs = qs.filter(prefix_q(region_field, policy.issuing_region))
    if region_prefix:
        qs = qs.filter(prefix_q(region_field, region_prefix))
    if not policy.in_force(on):
        return qs.none()
    ctx = _sql_context(policy, on, overrides)
    condition = Q()
    for c in policy.conditions:
        condition &= Q(c.expression.to_django(ctx))
    for c in policy.exclusions:
        # An unknown exclusion makes the Python status "unknown", so such subjects are not
        # listed either: require the exclusion to be known false.
        condition &= Q(_known_false(c.expression.to_django(ctx)))
    amount_facts = set()
    for e in (policy.amount, policy.cap):
        if e is not None:
            amount_facts |= e.facts()
    qs = qs.filter(condition).annotate(**fact_catalogue.annotations(policy.subject, amount_facts, on))
    return qs.annotate(_region=_region_expr(region_field))


def _known_false(expr):
    from django.db.models import BooleanField, Case, Value, When

    # CASE WHEN expr THEN false WHEN NOT expr THEN true END: NULL stays NULL (not listed).
    return Case(When(Q(expr), then=Value(False)), When(~Q(expr), then=Value(True)), default=None, output_field=BooleanField())


def _region_expr(region_field: str):
    from django.db.models import F

    return F(region_field)


@dataclass
class ScanRow:
    pk: int
    region: str
    amount: Decimal | None
    facts: dict[str, Any]


def scan(policy: Policy, *, on: dt.date, region_prefix: str = "", base=None, overrides: dict[str, Any] | None = None,
         chunk_size: int = 5000, progress=None):
    """Yield ScanRow for every eligible subject, amounts exact (Decimal)."""
    qs = eligible_queryset(policy, on=on, region_prefix=region_prefix, base=base, overrides=overrides)
    amount_facts = sorted(k for k in qs.query.annotations if k.startswith("fact__"))
    types = fact_catalogue.fact_types(policy.subject)
    param_names = policy.params_read()
    param_cache: dict[str, dict[str, Any]] = {}
    tables = {name: parameters.values_in_force(name, on) for name in param_names}
    for row in qs.values_list("pk", "_region", *amount_facts).order_by().iterator(chunk_size=chunk_size):
        pk, region, *values = row
        fact_values = {k[len("fact__"):]: fact_catalogue.plain(v, types[k[len("fact__"):]]) for k, v in zip(amount_facts, values, strict=True)}
        amount = None
        if policy.amount is not None:
            params = param_cache.get(region)
            if params is None:
                params = {n: parameters.resolve(n, region, on, table=tables[n])[0] for n in param_names}
                if overrides:
                    params.update(overrides)
                param_cache[region] = params
            amount, _ = policy.amount.evaluate(fact_values, params)
            if amount is not None and policy.cap is not None:
                cap, _ = policy.cap.evaluate(fact_values, params)
                amount = None if cap is None else min(amount, cap)
            amount = money(amount)
        if progress:
            progress()
        yield ScanRow(pk, region, amount, fact_values)


def scan_summary(rows) -> tuple[int, Decimal]:
    count, total = 0, Decimal("0.00")
    for r in rows:
        count += 1
        total += r.amount or 0
    return count, total
