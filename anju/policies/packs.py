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

import yaml

from anju.accounts.models import DepartmentKind
from anju.policies.expressions import BOOL, NUMBER, Expression, ExpressionError, parse
from anju.policies.facts import CATALOGUE, SUBJECTS
from anju.regions.codes import is_prefix

PACK_DIR = Path(__file__).parent / "packs"
# Departments a pack may name: the kinds staff departments have (accounts.DepartmentKind).
DEPARTMENT_KINDS = set(DepartmentKind.values) - {DepartmentKind.AUDIT}
FREQUENCIES = {"once", "once_per_period", "per_subject", "monthly"}
PARAM_TYPES = {"money", "rate", "number", "months"}
STATUSES = {"eligible", "not_eligible", "unknown"}


class PackError(ValueError):
    def __init__(self, path: Path | str, line: int, column: int, message: str):
        super().__init__(f"{path}:{line}:{column}: {message}")
        self.path, self.line, self.column, self.message = str(path), line, column, message


class _Str(str):
    line: int = 1
    column: int = 1
    folded: bool = False


class _Loader(yaml.SafeLoader):
    """Keeps each scalar string's position, so an expression error points into the file."""


def _construct_str(loader, node):
    value = _Str(loader.construct_scalar(node))
    value.line, value.column = node.start_mark.line + 1, node.start_mark.column + 1
    if node.style in ("|", ">"):
        value.line += 1
    # A folded block (">") joins its lines, so positions inside it cannot be mapped back to the
    # file: errors then point at the block's first line.
    value.folded = node.style == ">"
    return value


_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)


@dataclass(frozen=True)
class Label:
    zh: str
    en: str

    def text(self, language: str | None) -> str:
        return self.en if (language or "").startswith("en") else self.zh


@dataclass(frozen=True)
class Condition:
    name: str
    label: Label
    expression: Expression


@dataclass(frozen=True)
class ParamDecl:
    name: str
    type: str
    label: Label
    unit: Label
    values: tuple[dict, ...]


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


    def in_force(self, on: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on <= self.valid_to)

    def facts_read(self) -> set[str]:
        names: set[str] = set()
        for c in (*self.conditions, *self.exclusions):
            names |= c.expression.facts()
        for e in (self.amount, self.cap):
            if e is not None:
                names |= e.facts()
        return names

    def params_read(self) -> set[str]:
        names: set[str] = set()
        for c in (*self.conditions, *self.exclusions):
            names |= c.expression.params()
        for e in (self.amount, self.cap):
            if e is not None:
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
            raise self.fail(value if isinstance(value, _Str) else _first_key(value) if isinstance(value, dict) else None,
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
            value = _Str(repr(value))
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


def _first_key(mapping: Any) -> Any:
    if isinstance(mapping, dict) and mapping:
        return next(iter(mapping))
    return None


def load_pack(path: Path) -> Policy:
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise PackError(path, (mark.line + 1) if mark else 1, (mark.column + 1) if mark else 1,
                        f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise PackError(path, 1, 1, "a pack is a YAML mapping")
    r = _Reader(path, data)
    pid = str(r.get(data, "id"))
    if pid != path.stem:
        raise r.fail(data["id"], f"id '{pid}' must equal the file name '{path.stem}'")
    subject = str(r.get(data, "subject"))
    if subject not in SUBJECTS:
        raise r.fail(data["subject"], f"unknown subject '{subject}' (one of {', '.join(SUBJECTS)})")
    region = str(r.get(data, "issuing_region"))
    if not is_prefix(region):
        raise r.fail(data["issuing_region"], "issuing_region is a 2-, 4-, 6-, 9- or 12-digit division prefix")

    source = r.get(data, "source")
    departments = r.get(data, "departments")
    lead = str(r.get(departments, "lead", context=data.get("departments")))
    cooperating = tuple(str(d) for d in (departments.get("cooperating") or []))
    for dep in (lead, *cooperating):
        if dep not in DEPARTMENT_KINDS:
            raise r.fail(dep, f"unknown department '{dep}'")

    parameters = _parameters(r, data.get("parameters") or {})
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
            out.append(Condition(name, r.label(r.get(item, "label", context=item["name"]), f"condition '{name}' label"),
                                 r.expression(r.get(item, "when", context=item["name"]), expect=BOOL, facts=facts,
                                              params=param_types, what=f"condition '{name}'")))
        return tuple(out)

    amount = data.get("amount")
    cap = data.get("cap")
    valid = data.get("valid") or {}
    frequency = data.get("frequency") or {"kind": "once"}
    if frequency.get("kind") not in FREQUENCIES:
        raise r.fail(frequency.get("kind"), f"frequency kind must be one of {', '.join(sorted(FREQUENCIES))}")
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
        amount=None if amount is None else r.expression(amount, expect=NUMBER, facts=facts, params=param_types, what="amount"),
        cap=None if cap is None else r.expression(cap, expect=NUMBER, facts=facts, params=param_types, what="cap"),
        amount_note=r.label(data["amount_note"], "amount_note") if data.get("amount_note") else None,
        frequency=dict(frequency),
        verification=tuple(dict(v) for v in (data.get("verification") or [])),
        parameters=parameters,
        examples=tuple(data.get("examples") or []),
    )
    unused = set(parameters) - policy.params_read()
    if unused:
        raise r.fail(_first_key(data.get("parameters")), f"parameters declared but never read: {', '.join(sorted(unused))}")
    _check_examples(r, policy)
    return policy


def _parameters(r: _Reader, raw: dict) -> dict[str, ParamDecl]:
    out = {}
    if not isinstance(raw, dict):
        raise r.fail(None, "'parameters' is a mapping of NAME: {...}")
    for name, spec in raw.items():
        ptype = str(r.get(spec, "type", context=name))
        if ptype not in PARAM_TYPES:
            raise r.fail(spec["type"], f"parameter type must be one of {', '.join(sorted(PARAM_TYPES))}")
        values = []
        for v in spec.get("values") or []:
            region = str(v.get("region", ""))
            if region and not is_prefix(region):
                raise r.fail(v.get("region"), "a parameter value's region is a division prefix")
            try:
                value = None if v.get("value") in (None, "") else Decimal(str(v["value"]))
            except InvalidOperation:
                raise r.fail(v.get("value"), f"'{v.get('value')}' is not a number") from None
            values.append({"region": region, "from": r.date(r.get(v, "from", context=name), "from"),
                           "value": value, "source": str(v.get("source", ""))})
        out[str(name)] = ParamDecl(str(name), ptype, r.label(r.get(spec, "label", context=name), f"parameter {name} label"),
                                   r.label(spec.get("unit") or {"zh": "", "en": ""}, "unit") if spec.get("unit") else Label("", ""),
                                   tuple(values))
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
