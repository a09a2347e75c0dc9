"""Applying policies: to one subject in Python with an explained trace, and to a population in
SQL (proactive scan, simulation). Both read the same facts and the same parameters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q

from anju.lib.jsonutil import jsonable
from anju.params import selectors as parameters
from anju.policies import facts as fact_catalogue
from anju.policies.expressions import SqlContext, native_dates
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
    # Parameters with no value whose absence keeps a condition undecided ("cannot tell: the
    # minimum wage is not entered"), or the amount pending.
    missing_params: list[str] = field(default_factory=list)
    # Parameters read whose value in force has no source, or is demo data: {name: "none" | "demo"}.
    unsourced: dict[str, str] = field(default_factory=dict)
    amount_min: Decimal | None = None  # the range the approver chooses in (amount_range)
    amount_max: Decimal | None = None
    params_on: dt.date | None = None  # the date the parameters were read on

    def trace(self) -> list[dict]:
        return [
            {"name": c.name, "label": {"zh": c.label_zh, "en": c.label_en}, "value": c.value, "passed": c.passed,
             "exclusion": c.exclusion, "facts": {k: jsonable(v) for k, v in c.facts.items()},
             "params": {k: jsonable(v) for k, v in c.params.items()}}
            for c in self.conditions
        ]

    def amount_problem(self, chosen: Decimal) -> str | None:
        """Why an amount the approver chose cannot be granted, as a code (None when it can): the
        policy states no range ("no_range"), the subject does not qualify ("not_eligible"), the
        amount lies outside the range ("outside"), or a bound is not known ("range_unknown")."""
        if not self.policy.has_range:
            return "no_range"
        if self.status != ELIGIBLE:
            return "not_eligible"
        if not chosen.is_finite() or chosen < 0 or chosen >= Decimal("1e12") or (
                self.amount_min is not None and chosen < self.amount_min) or (
                self.amount_max is not None and chosen > self.amount_max):
            return "outside"
        if (self.policy.amount_min is not None and self.amount_min is None) or (
                self.policy.amount_max is not None and self.amount_max is None):
            return "range_unknown"
        return None


def money(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _condition(c: Condition, facts: dict, params: dict, *, exclusion: bool = False) -> ConditionResult:
    value, reads = c.expression.evaluate(facts, params)
    return ConditionResult(c.name, c.label.zh, c.label.en, value, reads.facts, reads.params, exclusion)


def params_date(policy: Policy, facts: dict[str, Any], on: dt.date) -> dt.date | None:
    """The date a policy's parameters are read on: the evaluation date, or the date fact it names
    (`parameters_on: hire_date`; None while that fact is unknown)."""
    if not policy.parameters_on:
        return on
    value = facts.get(policy.parameters_on)
    return value if isinstance(value, dt.date) else None


def _unsourced(names: set[str], params: dict[str, Any], sources: dict[str, str | None] | None) -> dict[str, str]:
    if sources is None:
        return {}
    out = {}
    for name in sorted(names):
        if params.get(name) is None:
            continue
        kind = parameters.provenance(sources.get(name))
        if kind != "sourced":
            out[name] = kind
    return out


def evaluate(policy: Policy, *, facts: dict[str, Any], params: dict[str, Any], on: dt.date,
             sources: dict[str, str | None] | None = None) -> Evaluation:
    """Pure evaluation: `facts` missing a name are unknown, never assumed. `params` are read on
    `params_date(policy, facts, on)` by the caller; `sources` (the source text of each value in
    force) tells which figures rest on no source or on demo data."""
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
    amount_missing: set[str] = set()
    missing_params: set[str] = set()
    amount_params: set[str] = set()
    low = high = None
    if status == ELIGIBLE:
        date_known = params_date(policy, facts, on) is not None
        if not date_known and any(e.params() for e in policy.amount_expressions()):
            amount_missing.add(str(policy.parameters_on))
        if policy.amount is not None:
            amount, reads = policy.amount.evaluate(facts, params)
            if amount is not None and policy.cap is not None:
                cap, cap_reads = policy.cap.evaluate(facts, params)
                reads.facts.update(cap_reads.facts)
                reads.params.update(cap_reads.params)
                amount = None if cap is None else min(amount, cap)
            amount_params |= set(reads.params)
            if amount is None:
                # Unknown because a fact is missing ("still need to know X"), or because the
                # parameter ships empty ("amount to be set by the lead department").
                amount_missing |= {name for name, v in reads.facts.items() if v is None}
                if date_known and not amount_missing:
                    missing_params |= {name for name, v in reads.params.items() if v is None}
                pending = not amount_missing
            amount = money(amount)
        for bound, expression in (("min", policy.amount_min), ("max", policy.amount_max)):
            if expression is None:
                continue
            value, reads = expression.evaluate(facts, params)
            amount_params |= set(reads.params)
            if bound == "min":
                low = money(value)
            else:
                high = money(value)
    undecided = [r for r in results if r.value is None]
    missing = sorted({name for r in undecided for name, v in r.facts.items() if v is None} | amount_missing)
    missing_params |= {name for r in undecided for name, v in r.params.items() if v is None}
    decided_params = {name for r in results for name in r.params} | amount_params
    return Evaluation(policy, on, status, amount, pending, results,
                      facts={k: facts.get(k) for k in sorted(policy.facts_read())},
                      params={k: params.get(k) for k in sorted(policy.params_read())},
                      missing_facts=missing, applicable=policy.in_force(on),
                      missing_params=sorted(missing_params), unsourced=_unsourced(decided_params, params, sources),
                      amount_min=low, amount_max=high, params_on=params_date(policy, facts, on))


_FACT_SQL: dict[tuple, tuple] = {}
_FACT_SQL_LIMIT = 512
_PK_SENTINEL = -7_654_321_987  # stands for the subject's primary key in a compiled query


def _fact_query(policy_subject: str, names: tuple[str, ...], on: dt.date, alias: str):
    """The one-row fact query, compiled once per (subject, facts, date, database) and reused with
    another primary key: building and compiling ten annotated expressions costs a few ms in
    Django, far more than running the query."""
    key = (alias, policy_subject, names, on)
    entry = _FACT_SQL.get(key)
    if entry is None:
        model = fact_catalogue.SUBJECTS[policy_subject].model
        annotations = fact_catalogue.annotations(policy_subject, set(names), on)
        qs = model.objects.using(alias).filter(pk=_PK_SENTINEL).order_by().annotate(**annotations).values(*annotations)[:1]
        compiler = qs.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        at = [i for i, value in enumerate(params) if value == _PK_SENTINEL]
        if len(at) != 1:  # cannot happen with a pk filter; never guess
            return None
        columns = [a for _c, _s, a in compiler.select]
        converters = compiler.get_converters([c for c, _s, _a in compiler.select])
        entry = (sql, tuple(params), at[0], columns, compiler, converters)
        if len(_FACT_SQL) >= _FACT_SQL_LIMIT:
            _FACT_SQL.clear()
        _FACT_SQL[key] = entry
    return entry


def subject_facts(policy_subject: str, obj, names: set[str], on: dt.date) -> dict[str, Any]:
    """Fact values for one stored subject, read with the same expressions the scan uses."""
    from django.db import connections, router

    subject = fact_catalogue.SUBJECTS[policy_subject]
    types = fact_catalogue.fact_types(policy_subject)
    if not names:
        return {}
    alias = router.db_for_read(subject.model)
    entry = _fact_query(policy_subject, tuple(sorted(names)), on, alias)
    if entry is None:
        annotations = fact_catalogue.annotations(policy_subject, names, on)
        rows = list(subject.model.objects.filter(pk=obj.pk).order_by().annotate(**annotations).values(*annotations)[:1])
        row = rows[0] if rows else {}
    else:
        sql, params, at, columns, compiler, converters = entry
        params = list(params)
        params[at] = obj.pk
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            raw = cursor.fetchone()
        # The same converters the ORM applies (e.g. SQLite's decimals), so values are identical.
        row = dict(zip(columns, next(iter(compiler.apply_converters([raw], converters))), strict=True)) if raw else {}
    return {name: fact_catalogue.plain(row.get(f"fact__{name}"), types[name]) for name in names}


def region_of(policy_subject: str, obj) -> str | None:
    path = fact_catalogue.SUBJECTS[policy_subject].region_path
    value: Any = obj
    for part in path.split("__"):
        # A subject whose region comes through an optional relation (an enrolment without an
        # employer) has no region: None, not a crash (the scan's join does not list it either).
        if value is None:
            return None
        value = getattr(value, part)
    return value


def _param_values(names: set[str], region: str | None, on: dt.date | None) -> tuple[dict[str, Any], dict[str, str | None]]:
    """The parameters in force for a region and their sources, all names in one query (all
    unknown when the date to read them on is)."""
    if on is None:
        return {n: None for n in names}, {n: None for n in names}
    found = parameters.resolve_many_sourced(names, region or "", on)
    return {n: v for n, (v, _s) in found.items()}, {n: s for n, (_v, s) in found.items()}


def evaluate_subject(policy: Policy, obj, on: dt.date, *, overrides: dict[str, Any] | None = None) -> Evaluation:
    region = region_of(policy.subject, obj)
    facts = subject_facts(policy.subject, obj, policy.facts_read(), on)
    params, sources = _param_values(policy.params_read(), region, params_date(policy, facts, on))
    if overrides:
        params.update(overrides)
    return evaluate(policy, facts=facts, params=params, on=on, sources=sources)


def evaluate_subject_many(policies, obj, on: dt.date) -> list[Evaluation]:
    """`evaluate_subject` for several policies of one subject type (a worker's page: every policy
    that applies to them), with one query for all their facts and one for all their parameters
    (and one more per policy that reads its parameters on a date fact)."""
    policies = list(policies)
    if not policies:
        return []
    subject = policies[0].subject
    if any(p.subject != subject for p in policies):
        raise ValueError("evaluate_subject_many takes policies of one subject type")
    names: set[str] = set()
    param_names: set[str] = set()
    for p in policies:
        names |= p.facts_read()
        if not p.parameters_on:
            param_names |= p.params_read()
    facts = subject_facts(subject, obj, names, on)
    region = region_of(subject, obj)
    params, sources = _param_values(param_names, region, on)
    out = []
    for p in policies:
        mine = {k: facts[k] for k in p.facts_read()}
        if p.parameters_on:
            values, origin = _param_values(p.params_read(), region, params_date(p, mine, on))
        else:
            values, origin = {k: params[k] for k in p.params_read()}, {k: sources[k] for k in p.params_read()}
        out.append(evaluate(p, facts=mine, params=values, on=on, sources=origin))
    return out


def applies_in(policy: Policy, region_code: str) -> bool:
    return in_prefix(region_code, policy.issuing_region)


# ---------------------------------------------------------------------------------------------
# Populations
# ---------------------------------------------------------------------------------------------


def _sql_context(policy: Policy, on: dt.date, overrides: dict[str, Any] | None) -> SqlContext:
    subject = fact_catalogue.SUBJECTS[policy.subject]
    region_field = subject.region_path
    built: dict[str, Any] = {}

    def fact(name: str):
        if name not in built:
            expr = fact_catalogue.annotations(policy.subject, {name}, on)[f"fact__{name}"]
            built[name] = native_dates(expr, subject.model)
        return built[name]

    def param(name: str, _kind: str):
        return parameters.sql_value(name, region_field, on, overrides=overrides)

    return SqlContext(fact, param)


def _region_q(qs, region_field: str, prefix: str, *, broad: bool) -> Q:
    """`region_field` under `prefix`. On SQLite a range over the region index is slower than
    reading the table when the prefix covers much of it (a policy's issuing region, a city or a
    county: 0.75 s against 0.3 s for 750,000 of 1,000,000 workers), and SQLite's planner cannot
    tell; so broad prefixes are tested on substr(), which reads the table once. PostgreSQL's
    planner chooses well from its statistics."""
    if not prefix:
        return Q()
    from django.db import connections
    from django.db.models import F, Value
    from django.db.models.functions import Substr
    from django.db.models.lookups import Exact

    if broad and connections[qs.db].vendor == "sqlite":
        return Q(Exact(Substr(F(region_field), 1, len(prefix)), Value(prefix)))
    return prefix_q(region_field, prefix)


def eligible_queryset(policy: Policy, *, on: dt.date, region_prefix: str = "", base=None, overrides: dict[str, Any] | None = None):
    """Subjects for whom every condition holds and no exclusion does, as one SQL query. The fact
    values the amount needs come annotated (`fact__NAME`), so amounts are computed exactly in
    Decimal from the same values (SQLite has no exact decimal arithmetic)."""
    subject = fact_catalogue.SUBJECTS[policy.subject]
    qs = base if base is not None else subject.model.objects.all()
    region_field = subject.region_path
    qs = qs.filter(_region_q(qs, region_field, policy.issuing_region, broad=True))
    if region_prefix:
        qs = qs.filter(_region_q(qs, region_field, region_prefix, broad=len(region_prefix) <= 6))
    if not policy.in_force(on):
        # Still annotated like an eligible list (the scan selects `_region` and the amount
        # facts), just empty: a policy not in force on the date lists nobody.
        qs = qs.none()
    ctx = _sql_context(policy, on, overrides)
    condition = Q()
    for c in policy.conditions:
        condition &= Q(c.expression.to_django(ctx))
    for c in policy.exclusions:
        # An unknown exclusion makes the Python status "unknown", so such subjects are not
        # listed either: require the exclusion to be known false.
        condition &= Q(_known_false(c.expression.to_django(ctx)))
    annotations = {k: native_dates(v, subject.model)
                   for k, v in fact_catalogue.annotations(policy.subject, policy.amount_facts(), on).items()}
    qs = qs.filter(condition).annotate(**annotations)
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
    values: tuple = ()  # the extra `fields` asked for, in order


_AMOUNT_MEMO_LIMIT = 100_000


def _scan(policy: Policy, on: dt.date, region_prefix: str, base, overrides, fields: tuple[str, ...],
          chunk_size: int, order: bool):
    """The scan loop: yields (pk, region, amount, raw amount-fact values, extra field values).

    Python works only on eligible rows, and little: the amount depends on the region's parameters
    and the amount facts' values only, so it is computed once per distinct (region, values) and
    then looked up (an amount made of parameters alone is computed once per region)."""
    qs = eligible_queryset(policy, on=on, region_prefix=region_prefix, base=base, overrides=overrides)
    amount_facts = sorted(k for k in qs.query.annotations if k.startswith("fact__"))
    names = [k[len("fact__"):] for k in amount_facts]
    types = fact_catalogue.fact_types(policy.subject)
    kinds = [types[n] for n in names]
    param_names = policy.params_read()
    tables_on: dict[dt.date, dict] = {on: parameters.tables_in_force(param_names, on)}
    region_params: dict[tuple, dict[str, Any]] = {}
    memo: dict[tuple, Decimal | None] = {}
    n_fields = len(fields)

    def amount_of(region: str, raw: tuple) -> Decimal | None:
        if policy.amount is None:
            return None
        values = {n: fact_catalogue.plain(v, k) for n, k, v in zip(names, kinds, raw, strict=True)}
        when = params_date(policy, values, on)
        if when is None:  # the date the parameters are read on is unknown
            params: dict[str, Any] = {n: None for n in param_names}
        else:
            params = region_params.get((region, when))
            if params is None:
                if when not in tables_on:
                    if len(tables_on) > 1000:
                        tables_on.clear()
                    tables_on[when] = parameters.tables_in_force(param_names, when)
                tables = tables_on[when]
                params = {n: parameters.resolve(n, region, when, table=tables[n])[0] for n in param_names}
                if overrides:
                    params.update(overrides)
                if len(region_params) > _AMOUNT_MEMO_LIMIT:
                    region_params.clear()
                region_params[(region, when)] = params
        amount, _ = policy.amount.evaluate(values, params)
        if amount is not None and policy.cap is not None:
            cap, _ = policy.cap.evaluate(values, params)
            amount = None if cap is None else min(amount, cap)
        return money(amount)

    qs = qs.order_by("pk") if order else qs.order_by()
    for row in qs.values_list("pk", "_region", *fields, *amount_facts).iterator(chunk_size=chunk_size):
        region = row[1]
        raw = row[2 + n_fields:]
        key = (region, raw)
        try:
            amount = memo[key]
        except KeyError:
            if len(memo) >= _AMOUNT_MEMO_LIMIT:
                memo.clear()
            amount = memo[key] = amount_of(region, raw)
        yield row[0], region, amount, raw, row[2:2 + n_fields]


def scan(policy: Policy, *, on: dt.date, region_prefix: str = "", base=None, overrides: dict[str, Any] | None = None,
         chunk_size: int = 5000, progress=None, fields: tuple[str, ...] | list[str] = (), order: bool = False):
    """Yield ScanRow for every eligible subject, amounts exact (Decimal). `fields` are extra
    columns of the subject (e.g. "id_number_masked", "worker__id_number_masked") fetched in the
    same SELECT, in `ScanRow.values`; `order` sorts by primary key."""
    types = fact_catalogue.fact_types(policy.subject)
    names = None
    for pk, region, amount, raw, values in _scan(policy, on, region_prefix, base, overrides, tuple(fields), chunk_size, order):
        if names is None:
            names = sorted(policy.amount_facts())
        facts = {n: fact_catalogue.plain(v, types[n]) for n, v in zip(names, raw, strict=True)}
        if progress:
            progress()
        yield ScanRow(pk, region, amount, facts, values)


def scan_rows(policy: Policy, *, on: dt.date, region_prefix: str = "", base=None, overrides: dict[str, Any] | None = None,
              fields: tuple[str, ...] | list[str] = (), chunk_size: int = 5000, order: bool = False):
    """The fast path for lists and exports: yields plain tuples (pk, region, amount, *fields)."""
    for pk, region, amount, _raw, values in _scan(policy, on, region_prefix, base, overrides, tuple(fields), chunk_size, order):
        yield (pk, region, amount, *values)


def scan_summary(rows) -> tuple[int, Decimal]:
    count, total = 0, Decimal("0.00")
    for r in rows:
        count += 1
        total += (r.amount if hasattr(r, "amount") else r[2]) or 0
    return count, total


# ---------------------------------------------------------------------------------------------
# Simulation: the same scan twice, with the parameters in force and with values to try.
# ---------------------------------------------------------------------------------------------


@dataclass
class Tally:
    count: int = 0
    total: Decimal = Decimal("0.00")
    pending: int = 0  # eligible, but no amount (the amount parameter is not set)


@dataclass
class Simulation:
    policy: Policy
    on: dt.date
    region_prefix: str
    in_force: dict[str, Decimal | None]  # the values in force for the region itself
    overrides: dict[str, Decimal | None]
    before: Tally
    after: Tally

    @property
    def count_change(self) -> int:
        return self.after.count - self.before.count

    @property
    def total_change(self) -> Decimal:
        return self.after.total - self.before.total


def tally(rows) -> Tally:
    t = Tally()
    for row in rows:
        amount = row[2]
        t.count += 1
        if amount is None:
            t.pending += 1
        else:
            t.total += amount
    return t


def simulate(policy: Policy, *, on: dt.date, region_prefix: str = "", overrides: dict[str, Decimal | None],
             base=None) -> Simulation:
    """How many qualify and what it costs, before and after overriding parameters. Overrides apply
    across the whole region (every sub-region's own value is replaced too)."""
    region = region_prefix or policy.issuing_region
    in_force = parameters.resolve_many(sorted(policy.params_read()), region.ljust(12, "0"), on)
    before = tally(scan_rows(policy, on=on, region_prefix=region_prefix, base=base))
    after = tally(scan_rows(policy, on=on, region_prefix=region_prefix, base=base, overrides=dict(overrides)))
    return Simulation(policy, on, region_prefix, in_force, dict(overrides), before, after)
