"""The hotline's reference data: its knowledge base (知识库), the routing table and the numbers.

The knowledge base holds the answers the desk gives, searchable from the intake form.

Every policy pack is an entry (`policy_key`), written from the pack by `sync_policies` — who
qualifies, how much, how to apply, the department, the source document and article — and kept in
step with the packs: a pack gone from the catalogue or past its end date deactivates its entry.
Staff write the other entries. Search is BM25 over jieba search-mode tokens (the tokenizer of
job matching, `anju.employment.text`) of the small table, in Python, limited to the entries of
the caller's place: an entry of another province is never suggested.

The routing table and the hotline numbers are set by staff who configure the hotline
(TicketPolicy "configure") for places within their jurisdiction; the fallback rule (any
category, any place) may be changed but never deleted. Every write is audited.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_noop as N_

from anju.accounts.models import DepartmentKind, Role
from anju.accounts.permissions import areas_overlap_q, narrower_scope
from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.employment.text import tokens as jieba_tokens
from anju.lib.jsonutil import plain_decimal
from anju.params.selectors import resolve
from anju.policies.packs import Policy, catalogue
from anju.regions.codes import clean_prefix, in_prefix
from anju.rights.models import HotlineNumber, KnowledgeEntry, RoutingRule, TicketCategory
from anju.rights.permissions import TicketPolicy
from anju.rights.services import RightsError, today

# Everyday words callers use for the formal terms of the documents (社保 for 社会保险). An entry
# that says the formal term is also found by the everyday word and the other way round. The
# occupation everyday names of job matching are for occupations and are not used here.
EVERYDAY = (
    ("社保", "社会保险"), ("医保", "医疗保险"), ("失业金", "失业保险金"), ("低保", "最低生活保障"),
    ("欠薪", "拖欠工资"), ("讨薪", "拖欠工资"), ("公积金", "住房公积金"), ("工伤", "工伤保险"),
    ("培训费", "培训补贴"), ("救济", "救助"),
)
# How a caller asks, not what about: these words tell entries apart no better than chance.
QUESTION_WORDS = frozenset("怎么 怎么办 怎样 如何 哪里 哪儿 什么 多少 吗 呢 吧 啊 请问 可以 能不能 是否 是不是 有没有".split())
# Relief measures are answered as living assistance (生活求助), the others as policy consultation.
RELIEF_LEADS = frozenset({"civil_affairs"})
RELIEF_WORDS = ("救助", "帮扶", "困难职工")
K1, B = 1.2, 0.75
# A hit scoring under this share of the best one matched only a word many answers share (工资,
# 补贴): offering it beside a real answer sends the clerk reading the wrong policy.
WEAK_SHARE = 0.35
TITLE_WEIGHT = 2  # a word of the title counts as much as two words of the answer


# Tokens -------------------------------------------------------------------------------------------
def _expanded(text: str) -> str:
    extra = []
    for everyday, formal in EVERYDAY:
        if everyday in text:
            extra.append(formal)
        if formal in text:
            extra.append(everyday)
    return " ".join([text, *extra])


def terms(text: str) -> list[str]:
    """The search terms of a text: jieba search-mode tokens with the everyday words added, the
    question words dropped."""
    return [t for t in jieba_tokens(_expanded(text or "")) if t not in QUESTION_WORDS]


def entry_tokens(*, title: str, question: str = "", keywords: str = "", answer: str = "") -> str:
    words = terms(title) * TITLE_WEIGHT + terms(question) + terms(keywords) + terms(answer)
    return " ".join(words)


# Search -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Hit:
    entry: KnowledgeEntry
    score: float


def applies_to(entry_prefix: str, region_code: str) -> bool:
    """An entry is for a place when it covers the place (a national or provincial answer for a
    town), or lies within it (a town's answer when a county desk searches its county)."""
    return not region_code or in_prefix(region_code, entry_prefix) or entry_prefix.startswith(region_code)


def search(query: str, *, region_code: str = "", limit: int = 5) -> list[Hit]:
    """The active entries best answering `query` for a caller in `region_code`, best first (BM25
    over the entries of the place; no terms in common, no hit; and none far weaker than the best,
    see WEAK_SHARE)."""
    wanted = list(dict.fromkeys(terms((query or "")[:200])))
    if not wanted:
        return []
    region_code = clean_prefix(region_code or "") or ""
    rows = [e for e in KnowledgeEntry.objects.filter(active=True).select_related("category")
            .filter(areas_overlap_q("region_prefix", region_code))
            if applies_to(e.region_prefix, region_code)]
    if not rows:
        return []
    docs = [Counter(e.tokens.split()) for e in rows]
    lengths = [sum(d.values()) for d in docs]
    average = (sum(lengths) / len(lengths)) or 1.0
    n = len(docs)
    df = {t: sum(1 for d in docs if t in d) for t in wanted}
    hits = []
    for entry, doc, length in zip(rows, docs, lengths, strict=True):
        score = 0.0
        for t in wanted:
            tf = doc.get(t, 0)
            if not tf:
                continue
            idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
            score += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / average))
        if score > 0:
            hits.append(Hit(entry, score))
    hits.sort(key=lambda h: (-h.score, h.entry.title, h.entry.pk))
    floor = hits[0].score * WEAK_SHARE if hits else 0.0
    return [h for h in hits if h.score >= floor][:max(1, limit)]


# Reads --------------------------------------------------------------------------------------------
def entries_for_user(user) -> QuerySet[KnowledgeEntry]:
    """The entries a user may read: those for places overlapping the jurisdiction (the national
    and provincial answers, and the ones of the towns below)."""
    if not TicketPolicy.can(user, "view"):
        return KnowledgeEntry.objects.none()
    return KnowledgeEntry.objects.filter(areas_overlap_q("region_prefix", user.jurisdiction or "")).select_related(
        "category", "updated_by")


def can_edit(user, entry: KnowledgeEntry) -> bool:
    """Staff who configure the hotline edit the entries of their own jurisdiction; an entry of a
    policy pack is written by the packs, never by hand."""
    return (TicketPolicy.can(user, "configure") and not entry.policy_key
            and entry.region_prefix.startswith(user.jurisdiction or ""))


def get_entry_for_user(user, pk, *, write: bool = False) -> KnowledgeEntry:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    entry = entries_for_user(user).filter(pk=pk).first()
    if entry is None or (write and not can_edit(user, entry)):
        raise Http404
    return entry


# Staff entries ------------------------------------------------------------------------------------
FIELDS = ("title", "question", "answer", "keywords", "category", "region_prefix", "source", "active")


def _clean(actor, data: dict) -> dict:
    title, answer = (data.get("title") or "").strip(), (data.get("answer") or "").strip()
    if not title:
        raise RightsError(N_("请填写标题。"), "title")
    if not answer:
        raise RightsError(N_("请填写答复口径。"), "answer")
    prefix = _in_jurisdiction(actor, data.get("region_prefix", ""), "region_prefix")
    category = data.get("category")
    if category is not None and not isinstance(category, TicketCategory):
        raise RightsError(N_("请选择工单类别。"), "category")
    return {"title": title[:160], "question": (data.get("question") or "").strip(), "answer": answer,
            "keywords": (data.get("keywords") or "").strip()[:300], "category": category, "region_prefix": prefix,
            "source": (data.get("source") or "").strip()[:300], "active": bool(data.get("active", True))}


def _require_configure(actor) -> None:
    if not TicketPolicy.can(actor, "configure"):
        raise RightsError(N_("您没有维护热线知识库的权限。"), code="forbidden", status=403)


def _tokens_of(values: dict) -> str:
    return entry_tokens(title=values["title"], question=values["question"], keywords=values["keywords"],
                        answer=values["answer"])


@transaction.atomic
def entry_create(*, actor, data: dict) -> KnowledgeEntry:
    _require_configure(actor)
    values = _clean(actor, data)
    entry = KnowledgeEntry(**values, tokens=_tokens_of(values), updated_by=actor)
    entry.full_clean()
    entry.save()
    audit_record(actor=actor, action=Action.CREATE, obj=entry, region_code=entry.region_prefix.ljust(12, "0")
                 if entry.region_prefix else "", detail={"title": entry.title})
    return entry


@transaction.atomic
def entry_update(*, actor, entry: KnowledgeEntry, data: dict) -> KnowledgeEntry:
    _require_configure(actor)
    entry = KnowledgeEntry.objects.select_for_update().get(pk=entry.pk)
    if not can_edit(actor, entry):
        raise RightsError(N_("政策包生成的条目随政策包自动更新，不能手工修改；其他条目只能由本辖区工作人员修改。"),
                          code="forbidden", status=403)
    values = _clean(actor, data)
    changes = {k: (getattr(entry, k), v) for k, v in values.items() if getattr(entry, k) != v}
    if not changes:
        return entry
    for key, value in values.items():
        setattr(entry, key, value)
    entry.tokens, entry.updated_by = _tokens_of(values), actor
    entry.full_clean()
    entry.save()
    audit_record(actor=actor, action=Action.UPDATE, obj=entry, region_code=entry.region_prefix.ljust(12, "0")
                 if entry.region_prefix else "",
                 changes={k: (str(a) if k == "category" else a, str(b) if k == "category" else b)
                          for k, (a, b) in changes.items() if k != "answer"},
                 detail={"answer_changed": "answer" in changes})
    return entry


# The packs ----------------------------------------------------------------------------------------
def _article(article: str) -> str:
    # Articles numbered in Chinese numerals are cited as 第X条; others (a named section) as written.
    return f"第{article}条" if article[:1] in "一二三四五六七八九十" else article


def policy_source(policy: Policy) -> str:
    number = f"（{policy.document_number}）" if policy.document_number else ""
    # A title known only in translation is not dressed as a Chinese title in 《》: it is quoted and
    # said to be a translation, after the issuer and before the article, each apart.
    title = f"“{policy.document}”（英文译名）" if policy.title_translated else f"《{policy.document}》"
    return f"{policy.issuer}{title}{number}{_article(policy.article)}"[:300]


def policy_category(policy: Policy) -> str:
    relief = policy.lead in RELIEF_LEADS or any(w in policy.title.zh for w in RELIEF_WORDS)
    return "assistance" if relief else "policy"


def _amount(policy: Policy, on: dt.date) -> str:
    """How much, in words: the note of the pack, else the figures its parameters hold for its place
    today. A measure that pays nothing says what it gives."""
    if policy.kind != "cash":
        what = {"in_kind": "实物或减免", "service": "服务或岗位安排"}[policy.kind]
        text = f"本项为{what}，不发放现金。"
        if policy.quota:
            text += f"名额 {policy.quota.units} {policy.quota.unit.zh}。"
        return text + (policy.amount_note.zh if policy.amount_note else "")
    parts = []
    region = policy.issuing_region.ljust(12, "0")
    for decl in policy.parameters.values():
        value, _prefix = resolve(decl.name, region, on)
        if value is not None:
            parts.append(f"{decl.label.zh} {plain_decimal(value)}{decl.unit.zh}")
    text = policy.amount_note.zh if policy.amount_note else "按政策规定的标准核定，以经办部门审核为准。"
    return text + (f"（现行标准：{'；'.join(parts)}）" if parts else "")


def policy_answer(policy: Policy, on: dt.date) -> str:
    """The plain answer of a pack, as the desk reads it out: what it is, who qualifies, how much,
    how to apply, where it comes from."""
    from anju.policies import screening

    how = screening.how_to_apply(policy)
    steps = "、".join(s["label"]["zh"] for s in how["steps"] if s["label"]["zh"])
    who = "；".join(c.label.zh for c in policy.conditions)
    lines = [f"政策内容：{policy.gist.zh}", f"谁能享受：{who}。"]
    if policy.exclusions:
        lines.append(f"不能享受：{'；'.join(c.label.zh for c in policy.exclusions)}。")
    lines.append(f"能享受多少：{_amount(policy, on)}")
    lines.append(f"怎么办理：{how['summary']['zh']}" + (f"（{steps}）" if steps else ""))
    lines.append(f"牵头部门：{screening.department_phrase(policy.lead)['zh']}")
    if policy.valid_from or policy.valid_to:
        until = f"至 {policy.valid_to:%Y-%m-%d}" if policy.valid_to else "，未设截止日期"
        lines.append(f"有效期：{policy.valid_from:%Y-%m-%d} 起{until}" if policy.valid_from else f"有效期：{until}")
    lines.append(f"依据：{policy_source(policy)}")
    return "\n".join(lines)


def _policy_values(policy: Policy, on: dt.date, categories: dict[str, TicketCategory]) -> dict:
    title = policy.title.zh
    answer = policy_answer(policy, on)
    return {"title": title[:160], "question": f"{title}是什么？谁能享受？怎么申请？", "answer": answer,
            "keywords": policy.title.zh[:300], "category": categories.get(policy_category(policy)),
            "region_prefix": policy.issuing_region, "source": policy_source(policy),
            "active": policy.in_force(on),
            "tokens": entry_tokens(title=title, keywords=policy.gist.zh, answer=answer)}


@transaction.atomic
def sync_policies(*, policies: Iterable[Policy] | None = None, on: dt.date | None = None) -> dict[str, int]:
    """One entry per policy pack, written from the pack (idempotent: an entry already as the pack
    says is left alone). Entries of packs no longer loaded, or no longer in force, are
    deactivated. Each change is audited (actor: the system)."""
    on = on or today()
    packs = {p.id: p for p in (catalogue().policies.values() if policies is None else policies)}
    categories = {c.code: c for c in TicketCategory.objects.filter(code__in=("policy", "assistance"))}
    existing = {e.policy_key: e for e in KnowledgeEntry.objects.exclude(policy_key="").select_for_update()}
    counts = {"created": 0, "updated": 0, "deactivated": 0, "unchanged": 0}
    for key, policy in sorted(packs.items()):
        values = _policy_values(policy, on, categories)
        entry = existing.get(key)
        if entry is None:
            entry = KnowledgeEntry.objects.create(policy_key=key, **values)
            counts["created"] += 1
            audit_record(actor=None, action=Action.CREATE, obj=entry, username="system",
                         detail={"policy": key, "active": entry.active})
            continue
        changed = [k for k, v in values.items() if getattr(entry, k) != v]
        if not changed:
            counts["unchanged"] += 1
            continue
        for k in changed:
            setattr(entry, k, values[k])
        entry.save(update_fields=[*changed, "updated_at"])
        counts["deactivated" if changed == ["active"] and not entry.active else "updated"] += 1
        audit_record(actor=None, action=Action.UPDATE, obj=entry, username="system",
                     changes={"active": (not entry.active, entry.active)} if "active" in changed else None,
                     detail={"policy": key, "fields": changed})
    for key, entry in existing.items():
        if key not in packs and entry.active:
            entry.active = False
            entry.save(update_fields=["active", "updated_at"])
            counts["deactivated"] += 1
            audit_record(actor=None, action=Action.UPDATE, obj=entry, username="system",
                         changes={"active": (True, False)}, detail={"policy": key, "reason": "pack retired"})
    return counts


# The routing table ---------------------------------------------------------------------------------
def rules_for_user(user) -> QuerySet[RoutingRule]:
    """The rules that route tickets of the user's jurisdiction: its own and those above it."""
    if not TicketPolicy.can(user, "configure"):
        return RoutingRule.objects.none()
    return (RoutingRule.objects.filter(areas_overlap_q("region_prefix", user.jurisdiction or ""))
            .select_related("category", "category__parent", "created_by"))


def is_fallback(rule: RoutingRule) -> bool:
    return rule.category_id is None and not rule.region_prefix


def can_change_rule(user, rule: RoutingRule) -> bool:
    return TicketPolicy.can(user, "configure") and rule.region_prefix.startswith(user.jurisdiction or "")


def get_rule_for_user(user, pk, *, write: bool = False) -> RoutingRule:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    rule = rules_for_user(user).filter(pk=pk).first()
    if rule is None or (write and not can_change_rule(user, rule)):
        raise Http404
    return rule


def _in_jurisdiction(actor, raw: str, field: str) -> str:
    prefix = clean_prefix(str(raw or "").strip())
    if prefix is None:
        raise RightsError(N_("地区代码不正确（应为 2、4、6、9 或 12 位数字）。"), field)
    if narrower_scope(actor.jurisdiction or "", prefix) != prefix:
        raise RightsError(N_("适用地区须在您的管辖范围内。"), field, code="forbidden", status=403)
    return prefix


def _rule_values(actor, data: dict) -> dict:
    category = data.get("category")
    if category is not None and not isinstance(category, TicketCategory):
        raise RightsError(N_("请选择工单类别。"), "category")
    lead = data.get("lead_department_kind") or ""
    if lead not in DepartmentKind.values:
        raise RightsError(N_("请选择牵头部门。"), "lead_department_kind")
    role = data.get("lead_role") or ""
    if role not in Role.values:
        raise RightsError(N_("请选择承办角色。"), "lead_role")
    co = list(dict.fromkeys(data.get("co_handlers") or []))
    if any(c not in DepartmentKind.values for c in co):
        raise RightsError(N_("请选择配合部门。"), "co_handlers")
    if lead in co:
        raise RightsError(N_("牵头部门不必再列为配合部门。"), "co_handlers")
    return {"category": category, "region_prefix": _in_jurisdiction(actor, data.get("region_prefix", ""), "region_prefix"),
            "lead_department_kind": lead, "lead_role": role, "co_handlers": co,
            "note": (data.get("note") or "").strip()[:200]}


def _duplicate(values: dict, exclude: int | None = None) -> None:
    clash = RoutingRule.objects.filter(category=values["category"], region_prefix=values["region_prefix"])
    if exclude:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise RightsError(N_("该类别在该地区已有分派规则，请修改原规则。"), "category", code="duplicate")


def _rule_region(rule: RoutingRule) -> str:
    return rule.region_prefix.ljust(12, "0") if rule.region_prefix else ""


@transaction.atomic
def routing_rule_create(*, actor, data: dict) -> RoutingRule:
    _require_configure(actor)
    values = _rule_values(actor, data)
    _duplicate(values)
    rule = RoutingRule(**values, created_by=actor)
    rule.full_clean(validate_constraints=False)
    rule.save()
    audit_record(actor=actor, action=Action.CREATE, obj=rule, region_code=_rule_region(rule),
                 detail={"category": rule.category.code if rule.category else "", "region": rule.region_prefix,
                         "lead": rule.lead_department_kind, "role": rule.lead_role, "co": rule.co_handlers})
    return rule


@transaction.atomic
def routing_rule_update(*, actor, rule: RoutingRule, data: dict) -> RoutingRule:
    _require_configure(actor)
    rule = RoutingRule.objects.select_for_update().get(pk=rule.pk)
    if not can_change_rule(actor, rule):
        raise RightsError(N_("只能修改本辖区的分派规则。"), code="forbidden", status=403)
    values = _rule_values(actor, data)
    if is_fallback(rule) and (values["category"] is not None or values["region_prefix"]):
        # The fallback must stay the rule with neither category nor place: without it a ticket
        # of an unrouted category could not be registered at all.
        raise RightsError(N_("兜底规则的类别和地区不能修改（只能修改承办部门）。"), "category")
    _duplicate(values, exclude=rule.pk)
    changes = {k: (getattr(rule, k), v) for k, v in values.items() if getattr(rule, k) != v}
    if not changes:
        return rule
    for key, value in values.items():
        setattr(rule, key, value)
    rule.save(update_fields=list(values))
    audit_record(actor=actor, action=Action.UPDATE, obj=rule, region_code=_rule_region(rule),
                 changes={k: (str(a) if k == "category" else a, str(b) if k == "category" else b)
                          for k, (a, b) in changes.items()})
    return rule


@transaction.atomic
def routing_rule_delete(*, actor, rule: RoutingRule) -> None:
    _require_configure(actor)
    rule = RoutingRule.objects.select_for_update().get(pk=rule.pk)
    if not can_change_rule(actor, rule):
        raise RightsError(N_("只能删除本辖区的分派规则。"), code="forbidden", status=403)
    if is_fallback(rule):
        raise RightsError(N_("兜底规则不能删除：没有它，未匹配其他规则的工单将无法登记。"), code="fallback")
    audit_record(actor=actor, action=Action.DELETE, obj=rule, region_code=_rule_region(rule),
                 detail={"category": rule.category.code if rule.category else "", "region": rule.region_prefix,
                         "lead": rule.lead_department_kind, "role": rule.lead_role})
    rule.delete()


# Hotline numbers -----------------------------------------------------------------------------------
def numbers_for_user(user) -> QuerySet[HotlineNumber]:
    if not TicketPolicy.can(user, "configure"):
        return HotlineNumber.objects.none()
    return HotlineNumber.objects.filter(areas_overlap_q("region_prefix", user.jurisdiction or "")).select_related(
        "created_by")


@transaction.atomic
def hotline_number_create(*, actor, data: dict) -> HotlineNumber:
    """A number for a place from a date on (the earlier one stays, for the dates before)."""
    _require_configure(actor)
    prefix = _in_jurisdiction(actor, data.get("region_prefix", ""), "region_prefix")
    valid_from = data.get("valid_from")
    if not isinstance(valid_from, dt.date):
        raise RightsError(N_("请填写起始日期。"), "valid_from")
    number = "".join((data.get("number") or "").split())
    if not number or len(number) > 30 or not all(c.isdigit() or c in "-+" for c in number):
        raise RightsError(N_("热线号码只能包含数字和“-”，如 0595-88712565 或 12351。"), "number")
    name, source = (data.get("name") or "").strip(), (data.get("source") or "").strip()
    if not name:
        raise RightsError(N_("请填写热线名称。"), "name")
    if not source:
        raise RightsError(N_("请填写依据（设立该号码的文件名称、文号和日期）。"), "source")
    if HotlineNumber.objects.filter(region_prefix=prefix, valid_from=valid_from).exists():
        raise RightsError(N_("该地区在该日期已有热线号码。"), "valid_from", code="duplicate")
    row = HotlineNumber(region_prefix=prefix, valid_from=valid_from, number=number, name=name[:60],
                        hours=(data.get("hours") or "").strip()[:60], source=source[:300], created_by=actor)
    row.full_clean(validate_constraints=False)
    row.save()
    audit_record(actor=actor, action=Action.CREATE, obj=row, region_code=prefix.ljust(12, "0") if prefix else "",
                 detail={"region": prefix, "from": valid_from, "number": number, "source": row.source})
    return row
