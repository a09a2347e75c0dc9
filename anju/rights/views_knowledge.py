"""Staff pages of the hotline's reference data: the knowledge base (list, search, new, edit, and the
intake form's suggestion fragment), the KPIs (三率) with their charts, and the settings pages for the
routing table and the hotline numbers. Reads come through `anju.rights.knowledge` selectors (out of
scope is 404); writes are its services."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anju.accounts.models import department_label
from anju.lib.paginators import CappedPaginator
from anju.regions.codes import clean_prefix
from anju.regions.selectors import region_name
from anju.rights import knowledge, kpis
from anju.rights.forms_knowledge import (
    HotlineNumberForm,
    KnowledgeForm,
    KnowledgeSearchForm,
    KpiForm,
    RoutingRuleForm,
)
from anju.rights.models import KnowledgeEntry, TicketStatus
from anju.rights.permissions import TicketPolicy
from anju.rights.services import RightsError, today

NAV = "rights"
PAGE_SIZE = 30
SEARCH_LIMIT = 60
SUGGEST_LIMIT = 5
RATES = (("response", gettext_lazy("响应率")), ("resolution", gettext_lazy("办结率")),
         ("satisfaction", gettext_lazy("满意率")), ("on_time", gettext_lazy("按时办结率")))


def _require(user, action: str) -> None:
    if not TicketPolicy.can(user, action):
        raise PermissionDenied(_("您没有此操作的权限。"))


def _add_error(form, exc: RightsError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.text())


def _page_query(request, *drop: str) -> str:
    query = request.GET.copy()
    for key in ("page", *drop):
        query.pop(key, None)
    return query.urlencode()


def place_label(prefix: str) -> str:
    return region_name(prefix.ljust(12, "0")) if prefix else _("全国")


# The knowledge base -------------------------------------------------------------------------------
@login_required
@require_GET
def knowledge_list(request):
    user = request.user
    _require(user, "view")
    if not KnowledgeEntry.objects.exclude(policy_key="").exists():
        # First run: the packs are loaded but never written as entries yet.
        knowledge.sync_policies()
    form = KnowledgeSearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    q, category = data.get("q", "").strip(), data.get("category")
    visible = knowledge.entries_for_user(user)
    if q:
        ids = [h.entry.pk for h in knowledge.search(q, region_code=user.jurisdiction or "", limit=SEARCH_LIMIT)]
        found = {e.pk: e for e in visible.filter(pk__in=ids)}
        rows = [found[i] for i in ids if i in found and (category is None or found[i].category_id == category.pk)]
    else:
        qs = visible if data.get("inactive") else visible.filter(active=True)
        if category is not None:
            qs = qs.filter(category__in=[category, *category.children.all()])
        rows = qs.order_by("-active", "region_prefix", "title", "pk")
    # A search is at most SEARCH_LIMIT ranked entries (a list); the whole table pages capped.
    paginator = Paginator(rows, PAGE_SIZE) if q else CappedPaginator(rows, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "rights/knowledge_list.html", {
        "nav": NAV, "form": form, "page": page, "q": q, "page_query": _page_query(request),
        "rows": [{"entry": e, "place": place_label(e.region_prefix), "editable": knowledge.can_edit(user, e)}
                 for e in page.object_list],
        "can_create": TicketPolicy.can(user, "configure"), "can_configure": TicketPolicy.can(user, "configure"),
    })


def _entry_data(form) -> dict:
    return dict(form.cleaned_data)


@login_required
@require_http_methods(["GET", "POST"])
def knowledge_new(request):
    _require(request.user, "configure")
    form = KnowledgeForm(request.POST or None, initial={"region_prefix": request.user.jurisdiction or "", "active": True})
    if request.method == "POST" and form.is_valid():
        try:
            entry = knowledge.entry_create(actor=request.user, data=_entry_data(form))
        except RightsError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("已添加知识库条目「%(title)s」。") % {"title": entry.title})
            return redirect("rights:knowledge")
    return render(request, "rights/knowledge_form.html", {"nav": NAV, "form": form, "entry": None},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def knowledge_edit(request, pk):
    _require(request.user, "configure")
    entry = knowledge.get_entry_for_user(request.user, pk, write=True)
    initial = {k: getattr(entry, k) for k in knowledge.FIELDS}
    form = KnowledgeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            knowledge.entry_update(actor=request.user, entry=entry, data=_entry_data(form))
        except RightsError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("rights:knowledge")
    return render(request, "rights/knowledge_form.html", {"nav": NAV, "form": form, "entry": entry},
                  status=400 if form.errors else 200)


@login_required
@require_GET
def knowledge_suggest(request):
    """The intake form's suggestions: the best answers for what the caller said, in the caller's
    place (`region`, else the user's jurisdiction), each with a 引用 checkbox named `knowledge`."""
    user = request.user
    _require(user, "view")
    # The search box, else what the caller said (the intake form's subject and description).
    q = (request.GET.get("q") or "").strip() or " ".join(
        (request.GET.get(k) or "").strip() for k in ("subject", "description")).strip()
    q = q[:200]
    region = clean_prefix((request.GET.get("region") or "")[:12])
    if region is None or not region.startswith(user.jurisdiction or ""):
        region = user.jurisdiction or ""
    hits = knowledge.search(q, region_code=region, limit=SUGGEST_LIMIT) if q else []
    chosen = set(request.GET.getlist("knowledge"))
    return render(request, "rights/knowledge_suggest.html", {
        "q": q, "hits": [{"entry": h.entry, "place": place_label(h.entry.region_prefix),
                          "checked": str(h.entry.pk) in chosen} for h in hits]})


# KPIs ---------------------------------------------------------------------------------------------
def _ticket_url(**params) -> str:
    try:
        base = reverse("rights:tickets")
    except NoReverseMatch:
        return ""
    return base + "?" + urlencode({k: v for k, v in params.items() if v})


@login_required
@require_GET
def kpi_page(request):
    user = request.user
    _require(user, "view")
    first, last = kpis.month_range(today())
    form = KpiForm({"start": request.GET.get("from") or first.isoformat(), "end": request.GET.get("to") or last.isoformat()})
    if form.is_valid():
        start, end = form.cleaned_data["start"] or first, form.cleaned_data["end"] or last
    else:
        start, end = first, last
    rows = kpis.kpis(user, start, end)
    span = {"from": start.isoformat(), "to": end.isoformat()}
    table = []
    for row in rows:
        table.append({"row": row, "url": _ticket_url(department=row.department, **span),
                      "rates": [(key, getattr(row, key)) for key, _name in RATES]})
    departments = [r for r in rows if r.department]
    chart = {
        "departments": [r.label for r in departments],
        "urls": [_ticket_url(department=r.department, **span) for r in departments],
        "received": {"name": _("受理量"), "data": [r.received for r in departments]},
        "rates": [{"name": str(name), "data": [float(getattr(r, key).percent) if getattr(r, key).percent is not None
                                               else None for r in departments]} for key, name in RATES],
        "status": [{"name": str(label), "data": [], "urls": []} for _v, label in TicketStatus.choices],
    }
    if departments:
        counts = kpis.status_counts(user, start, end)
        for i, (value, _label) in enumerate(TicketStatus.choices):
            chart["status"][i]["data"] = [counts.get((r.department, value), 0) for r in departments]
            chart["status"][i]["urls"] = [_ticket_url(department=r.department, status=value, **span) for r in departments]
    return render(request, "rights/kpis.html", {
        "nav": NAV, "form": form, "start": start, "end": end, "table": table, "chart": chart,
        "has_data": bool(departments), "can_configure": TicketPolicy.can(user, "configure"),
        "jurisdiction": place_label(user.jurisdiction or ""), "satisfied_score": kpis.satisfied_score_or_none(user),
    }, status=200 if form.is_valid() else 400)


# The routing table --------------------------------------------------------------------------------
def _rule_row(user, rule) -> dict:
    return {"rule": rule, "place": place_label(rule.region_prefix), "lead": department_label(rule.lead_department_kind),
            "co": "、".join(department_label(c) for c in rule.co_handlers or []) or "—",
            "fallback": knowledge.is_fallback(rule), "editable": knowledge.can_change_rule(user, rule)}


@login_required
@require_GET
def routing_list(request):
    user = request.user
    _require(user, "configure")
    rules = sorted(knowledge.rules_for_user(user),
                   key=lambda r: (r.category is not None, r.category.order if r.category else 0,
                                  r.category.code if r.category else "", r.region_prefix))
    return render(request, "rights/routing_list.html", {
        "nav": NAV, "rows": [_rule_row(user, r) for r in rules]})


def _rule_data(form) -> dict:
    return dict(form.cleaned_data)


@login_required
@require_http_methods(["GET", "POST"])
def routing_new(request):
    _require(request.user, "configure")
    form = RoutingRuleForm(request.POST or None, initial={"region_prefix": request.user.jurisdiction or ""})
    if request.method == "POST" and form.is_valid():
        try:
            knowledge.routing_rule_create(actor=request.user, data=_rule_data(form))
        except RightsError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("已添加分派规则。"))
            return redirect("rights:routing")
    return render(request, "rights/routing_form.html", {"nav": NAV, "form": form, "rule": None},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def routing_edit(request, pk):
    _require(request.user, "configure")
    rule = knowledge.get_rule_for_user(request.user, pk, write=True)
    initial = {"category": rule.category, "region_prefix": rule.region_prefix, "lead_department_kind": rule.lead_department_kind,
               "lead_role": rule.lead_role, "co_handlers": rule.co_handlers, "note": rule.note}
    form = RoutingRuleForm(request.POST or None, initial=initial)
    if knowledge.is_fallback(rule):
        for name in ("category", "region_prefix"):
            form.fields[name].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            knowledge.routing_rule_update(actor=request.user, rule=rule, data=_rule_data(form))
        except RightsError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("已保存分派规则。"))
            return redirect("rights:routing")
    return render(request, "rights/routing_form.html", {"nav": NAV, "form": form, "rule": rule,
                                                        "fallback": knowledge.is_fallback(rule)},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def routing_delete(request, pk):
    _require(request.user, "configure")
    rule = knowledge.get_rule_for_user(request.user, pk, write=True)
    try:
        knowledge.routing_rule_delete(actor=request.user, rule=rule)
    except RightsError as exc:
        messages.error(request, exc.text())
        return redirect("rights:routing")
    messages.success(request, _("已删除分派规则。"))
    return redirect("rights:routing")


# Hotline numbers ----------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def hotline_numbers(request):
    user = request.user
    _require(user, "configure")
    form = HotlineNumberForm(request.POST or None, initial={"region_prefix": user.jurisdiction or "",
                                                           "valid_from": today()})
    if request.method == "POST" and form.is_valid():
        try:
            row = knowledge.hotline_number_create(actor=user, data=dict(form.cleaned_data))
        except RightsError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("已登记热线号码 %(number)s。") % {"number": row.number})
            return redirect("rights:hotline_numbers")
    on = today()
    rows = list(knowledge.numbers_for_user(user).order_by("region_prefix", "-valid_from"))
    current: dict[str, int] = {}
    for row in rows:
        if row.valid_from <= on and row.region_prefix not in current:
            current[row.region_prefix] = row.pk
    return render(request, "rights/hotline_numbers.html", {
        "nav": NAV, "form": form,
        "rows": [{"row": r, "place": place_label(r.region_prefix), "current": current.get(r.region_prefix) == r.pk,
                  "future": r.valid_from > on} for r in rows],
    }, status=400 if form.errors else 200)

