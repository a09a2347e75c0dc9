"""The public screening page (/check/): a worker answers a few plain questions and sees what they
may receive and where to apply. No login. Nothing they enter is stored: the answers go through the
same screening as the API (anju/policies/screening.py) and come back as the page, nothing else —
no database write, no session, no audit event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_noop as N_
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods

from anju.core.ratelimit import rate_limit
from anju.lib.dates import today as local_today
from anju.lib.i18n import is_english
from anju.policies import screening
from anju.policies.expressions import BOOL, DATE, NUMBER
from anju.policies.facts import CATALOGUE
from anju.policies.packs import catalogue
from anju.regions.selectors import child_options, region_name, region_path
from anju.registry.choices import DifficultyType, EmploymentStatus

SUBJECT = "worker"
UNKNOWN = ""  # the value of every "不清楚" answer: the fact stays unknown


@dataclass
class Question:
    """One plain question. `facts` are the facts it answers; the page asks it when a worker
    policy reads any of them."""

    key: str
    kind: str  # yesno | choice | month | date | number | types | registered
    label: str  # msgid
    facts: tuple[str, ...]
    help: str = ""  # msgid
    choices: list[tuple[str, Any]] = field(default_factory=list)  # (value, label msgid or lazy)
    invert: bool = False  # "是" means the fact is false (a positive wording of a negative fact)
    unit: str = ""
    label_en: str = ""  # for questions made from the facts catalogue (not msgids)

    def text(self) -> str:
        if self.label_en and is_english():
            return self.label_en
        return gettext(self.label)

    def help_text(self) -> str:
        return gettext(self.help) if self.help else ""


# Plain questions for the facts workers can answer about themselves, in the order asked. A fact
# a new policy reads without a question here gets one made from its catalogue label.
PLAIN: list[Question] = [
    Question("employment_status", "choice", N_("您现在的工作情况是？"), ("employment_status", "unemployed", "able_to_work"),
             choices=list(EmploymentStatus.choices)),
    Question("registered", "registered", N_("您有没有到人社部门（就业服务机构）办理失业登记？"),
             ("unemployment_registered", "unemployment_registered_months"),
             help=N_("如果办理过，请填写登记日期；记不清可以不填。")),
    Question("last_income_month", "month", N_("您最近一次有收入（工资或其他收入）是哪个月？"), ("months_without_income",),
             help=N_("一直有收入就选本月；记不清就不填。")),
    Question("lost_job_involuntarily", "yesno", N_("您失去工作是不是因为被辞退、单位关闭等非本人原因？"), ("lost_job_involuntarily",)),
    Question("seeking_work", "yesno", N_("您现在是否在找工作？"), ("seeking_work",)),
    Question("difficulty_types", "types", N_("您或您家是否属于下面的情况？（可多选）"),
             ("in_difficulty", *[c for c, _ in DifficultyType.choices]), choices=list(DifficultyType.choices)),
    Question("no_family_support", "yesno", N_("家里有没有人能在生活上帮您？"), ("no_family_support",), invert=True),
    Question("unemployment_insured", "yesno", N_("您现在有没有参加失业保险？"), ("unemployment_insured",),
             help=N_("单位给您交“五险”时一般包括失业保险。")),
    Question("ui_contribution_months", "number", N_("失业保险一共交了多少个月？"), ("ui_contribution_months",), unit=N_("个月")),
    Question("pension_insured", "yesno", N_("您有没有参加养老保险？"), ("pension_insured",)),
    Question("medical_insured", "yesno", N_("您有没有参加医疗保险？"), ("medical_insured",)),
    Question("injury_insured", "yesno", N_("您有没有参加工伤保险？"), ("injury_insured",)),
    Question("monthly_income", "number", N_("您现在每月收入大约多少元？"), ("monthly_income",), unit=N_("元")),
    Question("age", "number", N_("您今年多少岁？"), ("age",), unit=N_("岁")),
    Question("going_out_to_work", "yesno", N_("您是否要外出务工（到外地打工）？"), ("going_out_to_work",)),
    Question("transport_cost", "number", N_("外出务工的实际路费是多少元？"), ("transport_cost",), unit=N_("元")),
    Question("training_willing", "yesno", N_("您愿意参加技能培训吗？"), ("training_willing",)),
]

_YES, _NO = "yes", "no"


def _read_by_policies() -> set[str]:
    names: set[str] = set()
    for p in catalogue().policies.values():
        if p.subject == SUBJECT:
            names |= p.facts_read()
    return names


def questions() -> list[Question]:
    read = _read_by_policies()
    out = [q for q in PLAIN if read & set(q.facts)]
    covered = {f for q in PLAIN for f in q.facts}
    for name in sorted(read - covered):
        fact = CATALOGUE[SUBJECT][name]
        kind = {BOOL: "yesno", NUMBER: "number", DATE: "date"}.get(fact.type, "text")
        # Catalogue labels are plain Chinese already; the English comes from the catalogue too.
        out.append(Question(name, kind, fact.label_zh, (name,), unit=fact.unit_zh, label_en=fact.label_en))
    return out


def _regions_asking(q: Question) -> str:
    """Issuing regions of the worker policies that need this answer: the page shows a question
    only where one of them applies (a Shishi worker is not asked about Shanxi's travel subsidy)."""
    prefixes = {p.issuing_region for p in catalogue().policies.values()
                if p.subject == SUBJECT and p.facts_read() & set(q.facts)}
    return " ".join(sorted(prefixes))


def _value(post, key: str) -> str:
    return ((post.get(key) if post is not None else "") or "").strip()[:40]


def _field(q: Question, post, error: str) -> dict[str, Any]:
    """What the template needs to draw one question with the answer given so far."""
    value = _value(post, q.key)
    if q.kind in ("yesno", "registered"):
        options = [(_YES, gettext("是")), (_NO, gettext("否"))]
    elif q.kind == "choice":
        options = [(v, str(label)) for v, label in q.choices]
    elif q.kind == "types":
        chosen = post.getlist(q.key) if post is not None else []
        options = [(v, str(label)) for v, label in q.choices] + [("none", gettext("以上都不是"))]
        return {"q": q, "options": [(v, label, v in chosen) for v, label in options], "error": error,
                "regions": _regions_asking(q)}
    else:
        options = []
    return {"q": q, "value": value, "options": [(v, label, v == value) for v, label in options], "regions": _regions_asking(q),
            "since": _value(post, "registered_on") if q.kind == "registered" else "", "error": error}


def answers_to_facts(post, qs: list[Question]) -> dict[str, Any]:
    """The answers as screening input (ledger field names where the ledger has one)."""
    raw: dict[str, Any] = {}
    for q in qs:
        value = _value(post, q.key)
        if q.kind == "types":
            chosen = [v for v in post.getlist(q.key) if v]
            if chosen:
                raw["difficulty_types"] = [] if "none" in chosen else chosen[:20]
            continue
        if q.kind == "registered":
            since = _value(post, "registered_on")
            if value == _YES and since:
                raw["unemployment_registered_on"] = since
            elif value in (_YES, _NO):
                raw["unemployment_registered"] = value == _YES
            continue
        if value == UNKNOWN:
            continue
        if q.kind == "yesno":
            if value in (_YES, _NO):
                raw[q.key] = (value == _YES) != q.invert
        else:
            raw[q.key] = value
    return raw


def region_groups() -> list[dict[str, Any]]:
    """Counties (with their towns) where some worker policy applies: every county of a city that
    issues one, the county that issues one, and for a province only the counties whose towns are
    in the data (the pilot counties) — a province's hundred counties would not fit on a phone."""
    prefixes = {p.issuing_region for p in catalogue().policies.values() if p.subject == SUBJECT}
    counties: set[str] = set()
    for prefix in prefixes:
        code = prefix.ljust(12, "0")
        if len(prefix) >= 6:
            counties.add(prefix[:6].ljust(12, "0"))
        elif len(prefix) == 4:
            counties |= {c for c, _ in child_options(code)}
        else:
            for city, _ in child_options(code):
                counties |= {c for c, _ in child_options(city) if child_options(c)}
    groups = []
    for county in sorted(counties):
        towns = child_options(county)
        groups.append({"code": county, "label": region_path(county), "name": region_name(county), "towns": towns})
    return groups


def _explain(s: screening.Screened, language: str) -> dict[str, Any]:
    data = screening.result_json(s)
    lang = "en" if language.startswith("en") else "zh"
    facts = CATALOGUE[SUBJECT] if s.policy.subject == SUBJECT else CATALOGUE[s.policy.subject]
    missing = [(facts[n].label_en if lang == "en" else facts[n].label_zh) for n in data["missing_facts"] if n in facts]
    unsourced = data["unsourced_params"]
    return {
        "id": data["policy"],
        "title": data["title"][lang],
        "kind": data["kind"],
        "status": data["status"],
        "in_force": data["in_force"],
        "amount": data["amount"],
        "amount_pending": data["amount_pending"],
        "amount_range": data["amount_range"],
        "amount_note": data["amount_note"][lang] if data["amount_note"] else "",
        # A figure that rests on a value with no source, or on demo data, says so.
        "unsourced": [p["label"][lang] for p in unsourced],
        "demo": any(p["provenance"] == "demo" for p in unsourced),
        "missing_params": [p["label"][lang] for p in data["missing_params"]],
        "lead": screening.department_phrase(s.policy.lead)[lang],
        "proactive": data["how_to_apply"]["proactive"],
        "summary": data["how_to_apply"]["summary"][lang],
        "steps": [{"department": st["department"]["label"][lang], "label": st["label"][lang]} for st in data["how_to_apply"]["steps"]],
        "conditions": [{"label": c["label"][lang], "passed": c["passed"]} for c in data["trace"]],
        "missing": missing,
        "gist": data["source"]["gist"][lang],
    }


def _plain_problem(problem) -> str:
    if "不一致" in problem.msgid:  # two answers that contradict each other
        return gettext("这个回答和前面的回答对不上，请再检查一下。")
    return problem.text()


@require_http_methods(["GET", "POST"])
@rate_limit("portal.check")
# The answers come back on the page: not for a shared phone's or a kiosk's cache.
@cache_control(no_store=True, private=True)
def check(request: HttpRequest) -> HttpResponse:
    qs = questions()
    today = local_today()
    post = request.POST if request.method == "POST" else None
    context: dict[str, Any] = {"groups": region_groups(), "today": today, "region": _value(post, "region"),
                               "date": _value(post, "date") or today.isoformat(),
                               "fields": [], "general_errors": [], "results": None}
    errors: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    if post is not None:
        region, problem = screening.parse_region(_value(post, "region"))
        if problem:
            problems.append(("region", gettext("请选择您住在哪里。")))
        on, problem = screening.parse_on(_value(post, "date") or today.isoformat())
        if problem:
            on = today
        raw = answers_to_facts(post, qs)
        facts, found = screening.facts_from_ledger(SUBJECT, raw, on)
        by_fact = {f: q.key for q in qs for f in q.facts}
        by_fact.update({"unemployment_registered_on": "registered", "last_income_month": "last_income_month",
                        "difficulty_types": "difficulty_types", "employment_status": "employment_status"})
        for p in found:
            name = p.field.removeprefix("facts.")
            problems.append((by_fact.get(name, ""), _plain_problem(p)))
        errors = {k: m for k, m in problems if k}
        context["general_errors"] = [m for k, m in problems if not k]
        context["region_error"] = errors.pop("region", "")
    context["fields"] = [_field(q, post, errors.get(q.key, "")) for q in qs]
    if post is not None and not problems:
        assert region is not None
        results = [_explain(s, get_language() or "zh-hans") for s in screening.screen(SUBJECT, region, on, facts)]
        context["results"] = {
            "region": region_path(region),
            "eligible": [r for r in results if r["status"] == "eligible"],
            "unknown": [r for r in results if r["status"] == "unknown"],
            "not_eligible": [r for r in results if r["status"] == "not_eligible"],
        }
    return render(request, "portal/check.html", context)

