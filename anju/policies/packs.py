"""Policy packs: one YAML file per measure (format: docs/policy-packs.md), loaded and checked.

Every problem is reported with the file, line and column and a plain reason; a pack with a
problem is not loaded. Expressions are parsed and type-checked against the facts catalogue of the
pack's subject and the parameters the pack declares.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from anju.accounts.models import DepartmentKind
from anju.policies import yamlpos
from anju.policies.expressions import BOOL, DATE, NUMBER, Expression, ExpressionError, parse
from anju.policies.facts import CATALOGUE, SUBJECTS
from anju.policies.yamlpos import PosStr
from anju.regions.codes import is_prefix

PACK_DIR = Path(__file__).parent / "packs"
# Departments a pack may name: the kinds staff departments have (accounts.DepartmentKind).
DEPARTMENT_KINDS = set(DepartmentKind.values) - {DepartmentKind.AUDIT}
FREQUENCIES = {"once", "once_per_period", "per_subject", "monthly"}
PARAM_TYPES = {"money", "rate", "number", "months"}
STATUSES = {"eligible", "not_eligible", "unknown"}
# What a measure gives: money, a thing (a gift box, a waived fee), or a service (a post, a
# pairing). Only cash has an amount in yuan; the benefits work limits cash by funds and the
# others by their quota.
KINDS = ("cash", "in_kind", "service")


class PackError(ValueError):
    def __init__(self, path: Path | str, line: int, column: int, message: str):
        super().__init__(f"{path}:{line}:{column}: {message}")
        self.path, self.line, self.column, self.message = str(path), line, column, message




@dataclass(frozen=True)
class Label:
    zh: str
    en: str

    def text(self, language: str | None) -> str:
        return self.en if (language or "").startswith("en") else self.zh


@dataclass(frozen=True)
class Assumption:
    """Something the pack decides that its document does not state, with the reason: shown with a
    badge wherever the thing it is about is shown."""

    about: Label  # what is assumed: a condition, the start date, a frequency, a parameter value
    reason: Label
    line: int = 1


@dataclass(frozen=True)
class Condition:
    name: str
    label: Label
    expression: Expression
    assumption: Label | None = None


@dataclass(frozen=True)
class ParamDecl:
    name: str
    type: str
    label: Label
    unit: Label
    values: tuple[dict, ...]  # {region, from, value, source, assumption (Label | None)}
    assumption: Label | None = None


@dataclass(frozen=True)
class Quota:
    """How many units the measure may give (500 gift boxes); enforced by the benefits work."""

    units: int
    unit: Label


@dataclass
class Policy:
    id: str
    version: int
    digest: str
    path: Path
    title: Label
    document: str  # the source document's title, as it is titled (or translated: title_translated)
    issuer: str
    article: str
    gist: Label
    issuing_region: str
    lead: str
    cooperating: tuple[str, ...]
    subject: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    proactive: bool
    conditions: tuple[Condition, ...]
    exclusions: tuple[Condition, ...]
    amount: Expression | None
    cap: Expression | None
    amount_note: Label | None
    frequency: dict
    verification: tuple[dict, ...]
    parameters: dict[str, ParamDecl]
    examples: tuple[dict, ...] = field(default_factory=tuple)
    document_number: str = ""  # 文号, e.g. 狮委办〔2022〕19号
    document_date: dt.date | None = None
    title_translated: bool = False  # the Chinese title is unknown; `document` is an English translation
    kind: str = "cash"
    quota: Quota | None = None
    # The range the approver chooses the amount in (either bound may be open); a chosen amount
    # outside it is refused.
    amount_min: Expression | None = None
    amount_max: Expression | None = None
    # A date fact on which the parameters are read instead of the evaluation date (one month of
    # the minimum wage in force on the hire date).
    parameters_on: str | None = None
    # By application, but staff may run a list of those who may qualify to reach out to them.
    outreach: bool = False
    # For kind in_kind: how many units one grant gives (a gift box per April-born child); one
    # when not stated.
    units: Expression | None = None
    valid_assumption: Label | None = None
    frequency_assumption: Label | None = None
    assumptions: tuple[Assumption, ...] = ()

    def in_force(self, on: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on <= self.valid_to)

    @property
    def has_range(self) -> bool:
        return self.amount_min is not None or self.amount_max is not None

    def amount_expressions(self) -> tuple[Expression, ...]:
        return tuple(e for e in (self.amount, self.cap, self.amount_min, self.amount_max) if e is not None)

    def amount_facts(self) -> set[str]:
        """The facts the amount needs: its expressions' and the date its parameters are read on."""
        names: set[str] = set()
        for e in self.amount_expressions():
            names |= e.facts()
        if self.parameters_on and any(e.params() for e in self.amount_expressions()):
            names.add(self.parameters_on)
        return names

    def facts_read(self) -> set[str]:
        names: set[str] = set()
        for c in (*self.conditions, *self.exclusions):
            names |= c.expression.facts()
        if self.units is not None:
            names |= self.units.facts()
        return names | self.amount_facts()

    def params_read(self) -> set[str]:
        names: set[str] = set()
        for c in (*self.conditions, *self.exclusions):
            names |= c.expression.params()
        for e in self.amount_expressions():
            names |= e.params()
        return names


class _Reader:
    def __init__(self, path: Path, data: dict):
        self.path = path
        self.data = data

    def fail(self, where: Any, message: str) -> PackError:
        return PackError(self.path, getattr(where, "line", 1), getattr(where, "column", 1), message)

    def get(self, mapping: dict, key: str, *, required: bool = True, default: Any = None, context: Any = None) -> Any:
        if not isinstance(mapping, dict):
            raise self.fail(context, f"expected a mapping with '{key}'")
        if key not in mapping or mapping[key] is None:
            if required:
                raise self.fail(context or _first_key(mapping), f"'{key}' is missing")
            return default
        return mapping[key]

    def label(self, value: Any, what: str) -> Label:
        if not isinstance(value, dict) or not value.get("zh") or not value.get("en"):
            raise self.fail(value if isinstance(value, PosStr) else _first_key(value) if isinstance(value, dict) else None,
                            f"{what} needs both zh and en")
        return Label(str(value["zh"]), str(value["en"]))

    def date(self, value: Any, what: str) -> dt.date | None:
        if value is None:
            return None
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(value, f"{what} must be a date YYYY-MM-DD") from None

    def expression(self, value: Any, *, expect: str, facts: dict[str, str], params: dict[str, str], what: str) -> Expression:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = PosStr(repr(value))
        if not isinstance(value, str):
            raise self.fail(value, f"{what} must be an expression")
        try:
            return parse(value, facts=facts, params=params, expect=expect)
        except ExpressionError as exc:
            if getattr(value, "folded", False):
                line, column = getattr(value, "line", 1), 1
            else:
                line = getattr(value, "line", 1) + exc.line - 1
                column = (getattr(value, "column", 1) if exc.line == 1 else 1) + exc.column - 1
            raise PackError(self.path, line, column, f"{what}: {exc.message}") from None


def _verification(r: _Reader, raw: Any, facts: dict[str, str]) -> tuple[dict, ...]:
    """The verification steps, in order: {step, department, label, checks}. `checks` names the
    facts whose fresh comparison data answers the step by itself (the benefits work)."""
    if not isinstance(raw, list):
        raise r.fail(None, "verification is a list of {step, department, label}")
    out, seen = [], set()
    for item in raw:
        code = str(r.get(item, "step", context=item))
        if code in seen:
            raise r.fail(item["step"], f"step '{code}' appears twice")
        seen.add(code)
        department = item.get("department")
        if department is not None and str(department) not in DEPARTMENT_KINDS:
            raise r.fail(department, f"unknown department '{department}'")
        checks = item.get("checks") or []
        if not isinstance(checks, list):
            raise r.fail(_key(item, "checks"), "checks is a list of fact names")
        for name in checks:
            if str(name) not in facts:
                raise r.fail(name, f"step '{code}' checks unknown fact '{name}'")
        out.append({**dict(item), "checks": [str(c) for c in checks]})
    return tuple(out)


def _first_key(mapping: Any) -> Any:
    if isinstance(mapping, dict) and mapping:
        return next(iter(mapping))
    return None


def load_pack(path: Path) -> Policy:
    text = path.read_text(encoding="utf-8")
    data = yamlpos.load(path, text, PackError)
    if not isinstance(data, dict):
        raise PackError(path, 1, 1, "a pack is a YAML mapping")
    r = _Reader(path, data)
    # Every `assumption:` anywhere in the file must give its reason; the ones read below are
    # ticked off, and one left over (in a place nothing shows) is refused too.
    pending = _assumptions(r, data)
    pid = str(r.get(data, "id"))
    if pid != path.stem:
        raise r.fail(data["id"], f"id '{pid}' must equal the file name '{path.stem}'")
    subject = str(r.get(data, "subject"))
    if subject not in SUBJECTS:
        raise r.fail(data["subject"], f"unknown subject '{subject}' (one of {', '.join(SUBJECTS)})")
    region = str(r.get(data, "issuing_region"))
    if not is_prefix(region):
        raise r.fail(data["issuing_region"], "issuing_region is a 2-, 4-, 6-, 9- or 12-digit division prefix")
    kind = str(data.get("kind") or "cash")
    if kind not in KINDS:
        raise r.fail(data.get("kind"), f"kind must be one of {', '.join(KINDS)}")

    source = r.get(data, "source")
    departments = r.get(data, "departments")
    lead = str(r.get(departments, "lead", context=data.get("departments")))
    cooperating = tuple(str(d) for d in (departments.get("cooperating") or []))
    for dep in (lead, *cooperating):
        if dep not in DEPARTMENT_KINDS:
            raise r.fail(dep, f"unknown department '{dep}'")

    found: list[Assumption] = []

    def assumed(mapping: Any, about: Label) -> Label | None:
        if not isinstance(mapping, dict) or id(mapping) not in pending:
            return None
        reason = pending.pop(id(mapping))
        found.append(Assumption(about, Label(reason.zh, reason.en), reason.line))
        return Label(reason.zh, reason.en)

    parameters = _parameters(r, data.get("parameters") or {}, assumed)
    facts = {name: f.type for name, f in CATALOGUE[subject].items()}
    param_types = {name: NUMBER for name in parameters}

    def conditions(key: str, *, required: bool) -> tuple[Condition, ...]:
        items = data.get(key) or []
        if required and not items:
            raise r.fail(_first_key(data), f"'{key}' needs at least one condition")
        seen: set[str] = set()
        out = []
        for item in items:
            name = str(r.get(item, "name", context=item))
            if name in seen:
                raise r.fail(item["name"], f"condition '{name}' appears twice")
            seen.add(name)
            label = r.label(r.get(item, "label", context=item["name"]), f"condition '{name}' label")
            out.append(Condition(name, label,
                                 r.expression(r.get(item, "when", context=item["name"]), expect=BOOL, facts=facts,
                                              params=param_types, what=f"condition '{name}'"),
                                 assumed(item, label)))
        return tuple(out)

    def number(key: str, value: Any) -> Expression | None:
        if value is None:
            return None
        return r.expression(value, expect=NUMBER, facts=facts, params=param_types, what=key)

    valid = data.get("valid") or {}
    frequency = data.get("frequency") or {"kind": "once"}
    if frequency.get("kind") not in FREQUENCIES:
        raise r.fail(frequency.get("kind"), f"frequency kind must be one of {', '.join(sorted(FREQUENCIES))}")
    amount_range = data.get("amount_range")
    if amount_range is not None and (not isinstance(amount_range, dict)
                                     or (amount_range.get("min") is None and amount_range.get("max") is None)):
        raise r.fail(_key(data, "amount_range"), "amount_range is {min: EXPRESSION, max: EXPRESSION} with at least one bound")
    amount_range = amount_range or {}
    if data.get("units") is not None and kind != "in_kind":
        raise r.fail(_key(data, "units"), "'units' (how many a grant gives) is for kind in_kind")
    if kind != "cash":
        for key in ("amount", "cap", "amount_range"):
            if data.get(key) is not None:
                raise r.fail(_key(data, key), f"a measure of kind '{kind}' pays no money: '{key}' is for kind cash")
    parameters_on = data.get("parameters_on")
    if parameters_on is not None:
        if facts.get(str(parameters_on)) != DATE:
            raise r.fail(parameters_on, f"parameters_on names a date fact of the subject, not '{parameters_on}'")
        parameters_on = str(parameters_on)
    policy = Policy(
        id=pid,
        version=int(r.get(data, "version")),
        digest=hashlib.sha256(text.encode()).hexdigest(),
        path=path,
        title=r.label(r.get(data, "title"), "title"),
        document=str(r.get(source, "document", context=data.get("source"))),
        issuer=str(r.get(source, "issuer", context=data.get("source"))),
        document_number=str(source.get("number") or ""),
        document_date=r.date(source.get("date"), "source.date"),
        title_translated=bool(source.get("title_translated", False)),
        article=str(r.get(source, "article", context=data.get("source"))),
        gist=r.label(r.get(source, "gist", context=data.get("source")), "source gist"),
        issuing_region=region,
        lead=lead,
        cooperating=cooperating,
        subject=subject,
        valid_from=r.date(valid.get("from"), "valid.from"),
        valid_to=r.date(valid.get("to"), "valid.to"),
        proactive=bool(data.get("proactive", False)),
        conditions=conditions("conditions", required=True),
        exclusions=conditions("exclusions", required=False),
        amount=number("amount", data.get("amount")),
        cap=number("cap", data.get("cap")),
        amount_note=r.label(data["amount_note"], "amount_note") if data.get("amount_note") else None,
        frequency={k: v for k, v in frequency.items() if k != "assumption"},
        verification=_verification(r, data.get("verification") or [], facts),
        parameters=parameters,
        examples=tuple(data.get("examples") or []),
        kind=kind,
        quota=_quota(r, data.get("quota"), assumed),
        amount_min=number("amount_range.min", amount_range.get("min")),
        amount_max=number("amount_range.max", amount_range.get("max")),
        parameters_on=parameters_on,
        outreach=bool(data.get("outreach", False)),
        units=number("units", data.get("units")),
        valid_assumption=assumed(valid, Label("有效期", "Validity")),
        frequency_assumption=assumed(frequency, Label("频次", "Frequency")),
    )
    assumed(amount_range, Label("金额范围", "Amount range"))
    if policy.proactive and policy.outreach:
        raise r.fail(_key(data, "outreach"), "outreach is for measures by application; a proactive one lists everyone anyway")
    if parameters_on and any(c.expression.params() for c in (*policy.conditions, *policy.exclusions)):
        # The SQL scan reads a condition's parameters on the evaluation date, for every row alike.
        raise r.fail(data["parameters_on"], "with parameters_on, only the amount may read parameters (not the conditions)")
    if pending:
        line = min(reason.line for reason in pending.values())
        raise PackError(path, line, 1, "this assumption is shown nowhere: put it on a condition, valid, frequency, "
                                       "amount_range, quota, a parameter or a parameter value")
    policy.assumptions = tuple(sorted(found, key=lambda a: a.line))
    unused = set(parameters) - policy.params_read()
    if unused:
        raise r.fail(_first_key(data.get("parameters")), f"parameters declared but never read: {', '.join(sorted(unused))}")
    _check_examples(r, policy)
    return policy


@dataclass(frozen=True)
class _Reason:
    zh: str
    en: str
    line: int


def _assumptions(r: _Reader, data: Any) -> dict[int, _Reason]:
    """Every `assumption:` in the pack, by the mapping that holds it. Each needs its reason in
    Chinese and English: `assumption: {zh: …, en: …}`."""
    out: dict[int, _Reason] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "assumption":
                    if (not isinstance(value, dict) or not str(value.get("zh") or "").strip()
                            or not str(value.get("en") or "").strip()):
                        raise r.fail(key, "an assumption needs its reason in zh and en: assumption: {zh: ..., en: ...}")
                    out[id(node)] = _Reason(str(value["zh"]).strip(), str(value["en"]).strip(), getattr(key, "line", 1))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return out


def _key(mapping: Any, name: str) -> Any:
    """The key `name` of `mapping` as loaded (it knows its line)."""
    return next((k for k in mapping if k == name), None) if isinstance(mapping, dict) else None


def _quota(r: _Reader, raw: Any, assumed) -> Quota | None:
    if raw is None:
        return None
    units = raw.get("units") if isinstance(raw, dict) else None
    if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
        raise r.fail(_key(raw, "units") or _key(raw, "unit") or raw,
                     "quota is {units: a whole number above 0, unit: {zh: ..., en: ...}}")
    unit = r.label(r.get(raw, "unit", context=_key(raw, "units")), "quota unit")
    assumed(raw, Label("名额", "Quota"))
    return Quota(units, unit)


def _parameters(r: _Reader, raw: dict, assumed) -> dict[str, ParamDecl]:
    out = {}
    if not isinstance(raw, dict):
        raise r.fail(None, "'parameters' is a mapping of NAME: {...}")
    for name, spec in raw.items():
        ptype = str(r.get(spec, "type", context=name))
        if ptype not in PARAM_TYPES:
            raise r.fail(spec["type"], f"parameter type must be one of {', '.join(sorted(PARAM_TYPES))}")
        label = r.label(r.get(spec, "label", context=name), f"parameter {name} label")
        values = []
        for v in spec.get("values") or []:
            if not isinstance(v, dict):
                raise r.fail(name, f"parameter {name}: a value is {{region, from, value, source}}")
            region = str(v.get("region", ""))
            if region and not is_prefix(region):
                raise r.fail(v.get("region"), "a parameter value's region is a division prefix")
            try:
                value = None if v.get("value") in (None, "") else Decimal(str(v["value"]))
            except InvalidOperation:
                raise r.fail(v.get("value"), f"'{v.get('value')}' is not a number") from None
            valid_from = r.date(r.get(v, "from", context=name), "from")
            source = str(v.get("source") or "").strip()
            if not source:
                # No value without a source: the document (title, issuer, date) that sets it, or,
                # for an empty value, why none is shipped ("已调整，金额未录入").
                raise r.fail(_key(v, "source") or _first_key(v),
                             f"parameter {name}: the value from {valid_from} has no source (name the document, "
                             "issuer and date; where none is known, ship no value)")
            about = Label(f"{label.zh}（{region or '全国'}，{valid_from} 起）",
                          f"{label.en} ({region or 'national'}, from {valid_from})")
            values.append({"region": region, "from": valid_from, "value": value, "source": source,
                           "assumption": assumed(v, about)})
        unit = r.label(spec["unit"], "unit") if spec.get("unit") else Label("", "")
        out[str(name)] = ParamDecl(str(name), ptype, label, unit, tuple(values), assumed(spec, label))
    return out


def _check_examples(r: _Reader, policy: Policy) -> None:
    facts = CATALOGUE[policy.subject]
    if not policy.examples:
        raise r.fail(_first_key(r.data), "a pack needs at least one worked example")
    for ex in policy.examples:
        name = r.get(ex, "name", context=ex)
        for fact in (ex.get("facts") or {}):
            if fact not in facts:
                raise r.fail(fact, f"example '{name}': unknown fact '{fact}'")
        expect = r.get(ex, "expect", context=name)
        if expect.get("status") not in STATUSES:
            raise r.fail(expect.get("status") or name, f"example '{name}': expect.status must be one of {', '.join(sorted(STATUSES))}")
        r.date(r.get(ex, "date", context=name), "example date")
        if "choose" in ex and not policy.has_range:
            raise r.fail(_key(ex, "choose"), f"example '{name}': 'choose' (an amount the approver picks) needs an amount_range")
        if "refused" in expect and "choose" not in ex:
            raise r.fail(_key(expect, "refused"), f"example '{name}': 'refused' is about a chosen amount ('choose')")


@dataclass
class Catalogue:
    policies: dict[str, Policy]
    errors: list[PackError]


def load_all(directory: Path = PACK_DIR) -> Catalogue:
    policies: dict[str, Policy] = {}
    errors: list[PackError] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            policy = load_pack(path)
        except PackError as exc:
            errors.append(exc)
        else:
            policies[policy.id] = policy
    return Catalogue(policies, errors)


@functools.cache
def catalogue() -> Catalogue:
    return load_all()


def get_policy(policy_id: str) -> Policy | None:
    return catalogue().policies.get(policy_id)
