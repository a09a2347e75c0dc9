"""Screening: which policies may apply to someone described only by what they tell us.

Nothing is read from or written to the ledger. Facts come from the request, either by their
catalogue names (`months_without_income`) or by the ledger's own field names (`last_income_month`,
`difficulty_types`, ...; docs/ledger-workbook.md), cleaned by the ledger's own validation and
turned into facts with the same rules the SQL facts use. A fact nobody gave is unknown — never
assumed — and the policy then says "cannot tell yet" and which facts it is missing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_noop as N_

from anju.accounts.models import department_labels
from anju.lib.dates import months_between
from anju.lib.dates import today as local_today
from anju.lib.jsonutil import jsonable, plain_decimal
from anju.lib.text import bad_text
from anju.params import selectors as parameters
from anju.policies import engine
from anju.policies.expressions import BOOL, DATE, NUMBER, TEXT
from anju.policies.facts import CATALOGUE, SUBJECTS
from anju.policies.packs import Policy, catalogue
from anju.regions.codes import in_prefix, normalize_code
from anju.regions.selectors import region_exists
from anju.registry.choices import DIFFICULTY_BITS, EmploymentStatus, types_of
from anju.registry.validation import Problem, clean_worker, parse_bool, parse_date, text_of

MAX_FACTS = 100
_NUMBER_LIMIT = Decimal("1e12")

# Ledger fields (docs/ledger-workbook.md) and the facts each one gives. A field is accepted for a subject
# when the subject has at least one of its facts.
LEDGER_FIELDS: dict[str, tuple[str, ...]] = {
    "employment_status": ("employment_status", "unemployed", "able_to_work", "unemployment_registered",
                          "unemployment_registered_months"),
    "unemployment_registered_on": ("unemployment_registered", "unemployment_registered_months"),
    "difficulty_types": ("in_difficulty", *DIFFICULTY_BITS),
    "last_income_month": ("months_without_income",),
    "pension_insured": ("pension_insured",),
    "medical_insured": ("medical_insured",),
    "unemployment_insured": ("unemployment_insured",),
    "injury_insured": ("injury_insured",),
    "ui_contribution_months": ("ui_contribution_months",),
    "monthly_income": ("monthly_income",),
    "training_willing": ("training_willing",),
    "birth_date": ("age",),
    "id_number": ("age",),
}


def department(code: str) -> dict[str, Any]:
    return {"code": code, "label": department_labels(code)}


# -- input ------------------------------------------------------------------------------------

def _problem(name: str, msgid: str, /, **params: Any) -> Problem:
    return Problem(f"facts.{_printable(name)}", msgid, params)


def _printable(text: str) -> str:
    # A name may hold anything JSON can (lone surrogates too); messages must stay encodable.
    return text.encode("utf-8", "replace").decode("utf-8")[:60]


def _number(raw: Any) -> Decimal | None | str:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str, Decimal)):
        return "bad"
    try:
        value = Decimal(repr(raw) if isinstance(raw, float) else str(raw).strip())
    except (InvalidOperation, ValueError):
        return "bad"
    if not value.is_finite() or abs(value) >= _NUMBER_LIMIT:
        return "bad"
    return value


def _typed(subject: str, name: str, raw: Any) -> tuple[Any, Problem | None]:
    """A value given by its fact name, as evaluation wants it (None: unknown)."""
    kind = CATALOGUE[subject][name].type
    if raw is None:
        return None, None
    if kind == BOOL:
        value = parse_bool(raw) if isinstance(raw, (bool, str, int)) else "bad"
        if value == "bad":
            return None, _problem(name, N_("须为 true 或 false（或“是”“否”）。"))
        return value, None
    if kind == NUMBER:
        value = _number(raw)
        if value == "bad":
            return None, _problem(name, N_("须为数字。"))
        return value, None
    if kind == DATE:
        value = parse_date(raw) if isinstance(raw, str) else None
        if value is None:
            return None, _problem(name, N_("日期格式应为 YYYY-MM-DD。"))
        return value, None
    if kind == TEXT:
        if not isinstance(raw, str) or len(raw) > 100 or _bad_text(raw):
            return None, _problem(name, N_("须为不超过 100 个字符的文本。"))
        return raw.strip() or None, None
    return None, _problem(name, N_("取值无效。"))  # pragma: no cover - every fact has one of the four types


def _bad_text(value: str) -> bool:
    return bad_text(value)  # the one check of anju.lib.text: control characters, DEL, C1, surrogates


def _whole_months(start: dt.date, end: dt.date) -> int:
    """Whole months from `start` to `end`, as the SQL fact counts them (2021-01-31 → 2021-03-30: 1)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if start.day > end.day else months


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _ledger_facts(ledger: dict[str, Any], on: dt.date) -> tuple[dict[str, Any], list[Problem]]:
    """Facts from ledger fields, cleaned by the ledger's own validation (clean_worker)."""
    raw = dict(ledger)
    for key, value in raw.items():
        if key == "difficulty_types" and isinstance(value, (list, tuple)):
            if not all(isinstance(v, str) for v in value):
                return {}, [_problem(key, N_("须为困难类型代码或名称的列表。"))]
        elif isinstance(value, (list, tuple, dict)):
            return {}, [_problem(key, N_("取值无效。"))]
        elif isinstance(value, str) and _bad_text(value):
            return {}, [_problem(key, N_("含有无法识别的字符。"))]
    if "unemployment_registered_on" in raw and "employment_status" not in raw:
        # A registration date belongs to an unemployed person (ledger rule); the status itself
        # stays unknown, so the date is cleaned as if the status were given.
        raw["employment_status"] = EmploymentStatus.UNEMPLOYED
    data, found = clean_worker(raw, today=max(local_today(), on))
    problems = [_problem(p.field, p.msgid, **p.params) for p in found if p.field in ledger]
    if problems:
        return {}, problems

    facts: dict[str, Any] = {}
    status = data.get("employment_status") if "employment_status" in ledger else None
    if status:
        facts["employment_status"] = status
        facts["unemployed"] = status == EmploymentStatus.UNEMPLOYED
        facts["able_to_work"] = status != EmploymentStatus.UNABLE
        if status != EmploymentStatus.UNEMPLOYED:
            # As the SQL fact: only an unemployed person can be registered unemployed.
            facts["unemployment_registered"] = False
    registered = data.get("unemployment_registered_on")
    if registered:
        facts["unemployment_registered"] = True
        facts["unemployment_registered_months"] = Decimal(_whole_months(registered, on))
    if "difficulty_types" in ledger and ledger["difficulty_types"] is not None:
        types = set(types_of(data.get("difficulty_mask") or 0))
        facts["in_difficulty"] = bool(types)
        for code in DIFFICULTY_BITS:
            facts[code] = code in types
    if data.get("last_income_month"):
        facts["months_without_income"] = Decimal(months_between(data["last_income_month"], on))
    for key in ("pension_insured", "medical_insured", "unemployment_insured", "injury_insured", "training_willing"):
        if data.get(key) is not None and key in ledger:
            facts[key] = data[key]
    if data.get("ui_contribution_months") is not None and "ui_contribution_months" in ledger:
        facts["ui_contribution_months"] = Decimal(data["ui_contribution_months"])
    if data.get("monthly_income") is not None and "monthly_income" in ledger:
        facts["monthly_income"] = data["monthly_income"]
    birth = data.get("birth_date")
    if birth is None and "birth_date" in ledger and ledger["birth_date"] is not None:
        birth = parse_date(ledger["birth_date"])  # without an ID number, clean_worker keeps none
        if birth is None:
            return {}, [_problem("birth_date", N_("日期格式应为 YYYY-MM-DD。"))]
    if birth is not None:
        facts["age"] = Decimal(_age(birth, on))
    return facts, []


def facts_from_ledger(subject: str, raw: dict[str, Any], on: dt.date) -> tuple[dict[str, Any], list[Problem]]:
    """Facts for `subject` on `on` from a mapping whose keys are fact names of the subject or
    ledger field names. Returns (facts, problems); facts are usable only without problems.

    Values `null` (or left out) are unknown. A fact given both by name and through a ledger field
    must agree. Derived facts the subject does not have are dropped.
    """
    if subject not in CATALOGUE:
        return {}, [Problem("subject", N_("未知的对象类型“%(value)s”。"), {"value": _printable(str(subject))})]
    known = CATALOGUE[subject]
    if len(raw) > MAX_FACTS:
        return {}, [Problem("facts", N_("事实最多 %(max)s 项。"), {"max": MAX_FACTS})]
    problems: list[Problem] = []
    direct: dict[str, Any] = {}
    ledger: dict[str, Any] = {}
    unknown = []
    for name, value in raw.items():
        if name in LEDGER_FIELDS and any(f in known for f in LEDGER_FIELDS[name]):
            if value is not None and not (isinstance(value, str) and not value.strip()):
                ledger[name] = value
        elif name in known:
            value, problem = _typed(subject, name, value)
            if problem:
                problems.append(problem)
            elif value is not None:
                direct[name] = value
        else:
            unknown.append(name)
    for name in unknown:
        problems.append(_problem(name, N_("未知的事实“%(name)s”（可用：事实目录中的名称或台账字段名）。"), name=_printable(name)))
    derived, found = _ledger_facts(ledger, on) if ledger else ({}, [])
    problems += found
    if problems:
        return {}, problems
    facts = {name: value for name, value in derived.items() if name in known}
    for name, value in direct.items():
        if name in facts and not _same(facts[name], value):
            sources = ", ".join(sorted(k for k in ledger if name in LEDGER_FIELDS[k]))
            problems.append(_problem(name, N_("与台账字段 %(fields)s 推出的值（%(value)s）不一致。"),
                                     fields=sources, value=jsonable(facts[name])))
        facts[name] = value
    return (facts, []) if not problems else ({}, problems)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


def parse_region(raw: Any) -> tuple[str | None, Problem | None]:
    code = normalize_code(raw) if isinstance(raw, str) else None
    if code is None or not region_exists(code):
        return None, Problem("region", N_("区划代码“%(value)s”不存在（应为 6、9 或 12 位统计用区划代码）。"),
                             {"value": _printable(text_of(raw))[:20]})
    return code, None


def parse_on(raw: Any) -> tuple[dt.date | None, Problem | None]:
    if raw is None or raw == "":
        return local_today(), None
    try:
        on = dt.date.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 10 else None
    except ValueError:
        on = None
    if on is None or not dt.date(1990, 1, 1) <= on <= dt.date(2100, 12, 31):
        return None, Problem("date", N_("日期格式应为 YYYY-MM-DD（1990 年至 2100 年）。"))
    return on, None


# -- screening --------------------------------------------------------------------------------

@dataclass
class Screened:
    policy: Policy
    evaluation: engine.Evaluation

    @property
    def in_force(self) -> bool:
        return self.evaluation.applicable


def applicable(subject: str, region: str) -> list[Policy]:
    """Policies of `subject` whose issuing region contains `region`, in a stable order."""
    return [p for p in catalogue().policies.values() if p.subject == subject and in_prefix(region, p.issuing_region)]


def screen(subject: str, region: str, on: dt.date, facts: dict[str, Any]) -> list[Screened]:
    """Every policy that applies to `subject` in `region`, evaluated on `on` with `facts` (names
    missing are unknown). Policies not in force on the date are listed too, as not eligible."""
    policies = applicable(subject, region)
    names: set[str] = set()
    for p in policies:
        if not p.parameters_on:
            names |= p.params_read()
    found = parameters.resolve_many_sourced(names, region, on)
    out = []
    for policy in policies:
        when = engine.params_date(policy, facts, on)
        if not policy.parameters_on:
            mine = {n: found[n] for n in policy.params_read()}
        elif when is None:
            mine = {n: (None, None) for n in policy.params_read()}
        else:  # read on the policy's own date fact (the hire date)
            mine = parameters.resolve_many_sourced(policy.params_read(), region, when)
        values = {n: v for n, (v, _s) in mine.items()}
        sources = {n: src for n, (_v, src) in mine.items()}
        out.append(Screened(policy, engine.evaluate(policy, facts=facts, params=values, on=on, sources=sources)))
    order = {engine.ELIGIBLE: 0, engine.UNKNOWN: 1, engine.NOT_ELIGIBLE: 2}
    out.sort(key=lambda s: (not s.in_force, order[s.evaluation.status], s.policy.id))
    return out


_SMALL_WORDS = {"and", "of", "the", "for", "in"}


def department_phrase(code: str) -> dict[str, str]:
    """A department as a sentence names it: "民政局" / "the Civil Affairs Bureau". A proper name
    keeps its capitals mid-sentence; a common noun ("Town (street) labour-security station")
    is lower-cased: "the town (street) labour-security station"."""
    label = department(code)["label"]
    en = label["en"]
    words = [w for w in en.split() if w.lower() not in _SMALL_WORDS]
    proper = all(w[:1].isupper() for w in words)
    return {"zh": label["zh"], "en": "the " + (en if proper else en[:1].lower() + en[1:])}


# What the measure gives, as the how-to sentence ends: "…核实后发放" / "…and pays".
_GIVES = {
    "cash": ({"zh": "发放", "en": "pays"}, {"zh": "发放", "en": "granted"}),
    "in_kind": ({"zh": "提供", "en": "provides it"}, {"zh": "提供", "en": "provided"}),
    "service": ({"zh": "安排", "en": "arranges it"}, {"zh": "安排", "en": "arranged"}),
}


def how_to_apply(policy: Policy) -> dict[str, Any]:
    """The how-to-apply sentence in both languages. By application (the usual case) it names the
    department of the application step, else the lead; a proactive measure says no application
    is needed; with outreach it adds that the lead also contacts those its records show. A cash
    measure "pays"; in kind it "provides"; a service it "arranges" — a measure that pays nothing
    never says it pays."""
    lead = department_phrase(policy.lead)
    active, passive = _GIVES[policy.kind]
    if policy.proactive:
        summary = {"zh": f"无需申请（免申即享）：由{lead['zh']}比对数据、核实后主动{active['zh']}；可向其咨询进度。",
                   "en": f"No application needed: {lead['en']} finds those who qualify from its data, verifies and "
                         f"{active['en']}; ask it about progress."}
    else:
        step = next((v for v in policy.verification if v.get("step") == "application"), None)
        to = department_phrase(str(step.get("department", policy.lead))) if step else lead
        summary = {"zh": f"需要申请：向{to['zh']}提出申请，经以下步骤核实后{passive['zh']}。",
                   "en": f"Apply to {to['en']}; once the steps below are done it is {passive['en']}."}
        if policy.outreach:
            summary["zh"] += f"{lead['zh']}也会根据台账主动联系可能符合条件的人员。"
            summary["en"] += f" {lead['en'][:1].upper() + lead['en'][1:]} also contacts people its records show may qualify."
    steps = []
    for v in policy.verification:
        label = v.get("label") or {}
        steps.append({"step": str(v.get("step", "")), "department": department(str(v.get("department", policy.lead))),
                      "label": {"zh": str(label.get("zh", "")), "en": str(label.get("en", ""))}})
    return {"proactive": policy.proactive, "outreach": policy.outreach, "summary": summary, "steps": steps}


def _param_label(policy: Policy, name: str) -> dict[str, str]:
    decl = policy.parameters.get(name)
    return {"zh": decl.label.zh, "en": decl.label.en} if decl else {"zh": name, "en": name}


def _money(value) -> str | None:
    return None if value is None else plain_decimal(value, places=2)


def result_json(s: Screened) -> dict[str, Any]:
    p, e = s.policy, s.evaluation
    return {
        "policy": p.id,
        "title": {"zh": p.title.zh, "en": p.title.en},
        "kind": p.kind,
        "status": e.status,
        "in_force": s.in_force,
        "reason": None if s.in_force else "not in force",
        "amount": _money(e.amount),
        "amount_pending": e.amount_pending,
        "amount_range": ({"min": _money(e.amount_min), "max": _money(e.amount_max)} if p.has_range and e.status == engine.ELIGIBLE
                         else None),
        "amount_note": {"zh": p.amount_note.zh, "en": p.amount_note.en} if p.amount_note else None,
        "quota": {"units": p.quota.units, "unit": {"zh": p.quota.unit.zh, "en": p.quota.unit.en}} if p.quota else None,
        "missing_facts": e.missing_facts,
        "missing_params": [{"name": n, "label": _param_label(p, n)} for n in e.missing_params],
        "unsourced_params": [{"name": n, "label": _param_label(p, n), "provenance": kind} for n, kind in e.unsourced.items()],
        "trace": e.trace(),
        "lead_department": department(p.lead),
        "cooperating_departments": [department(d) for d in p.cooperating],
        "how_to_apply": how_to_apply(p),
        "source": {"document": p.document, "title_translated": p.title_translated, "issuer": p.issuer,
                   "number": p.document_number or None, "date": p.document_date, "article": p.article,
                   "gist": {"zh": p.gist.zh, "en": p.gist.en}},
        "assumptions": [{"about": {"zh": a.about.zh, "en": a.about.en}, "reason": {"zh": a.reason.zh, "en": a.reason.en}}
                        for a in p.assumptions],
        "valid_from": p.valid_from,
        "valid_to": p.valid_to,
    }


def facts_json(facts: dict[str, Any]) -> dict[str, Any]:
    return {k: jsonable(v) for k, v in sorted(facts.items())}


__all__ = ["SUBJECTS", "LEDGER_FIELDS", "facts_from_ledger", "screen", "applicable", "result_json", "parse_region", "parse_on"]
