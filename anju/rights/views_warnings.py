"""The warning pages: the list (the inspector's open warnings first), a warning with its figures
and the inspector's moves (dismiss with a reason, open a case), the project risk list with the
sweep's background job, and the overview by town in colours.

Every record comes through `WarningPolicy.scope` (out of scope is 404); a contractor user sees its
own projects' warnings, read-only. The writes are `anju.rights.warnings` services."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, Max, Q, Value, When
from django.db.models.functions import Substr
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from anju.lib.errors import AnjuError
from anju.lib.paginators import CappedPaginator
from anju.regions.codes import clean_prefix, prefix_q
from anju.regions.selectors import region_name
from anju.rights.models import Level, Project, ProjectStatus, SweepRun, Warning, WarningStatus
from anju.rights.permissions import CasePolicy, WarningPolicy
from anju.rights.warnings import RULES, rule_label, sweep_start, warning_dismiss, warning_text
from anju.workflow.models import WorkTask

NAV = "rights"
PAGE_SIZE = 50
_SELECT = {"class": "form-select form-select-sm"}
COLOURS = {Level.RED: "danger", Level.ORANGE: "warning", Level.YELLOW: "yellow"}


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("您没有此操作的权限。"))


def _url(name: str, *args) -> str:
    """A page built by another part of the app, or "" while it does not exist."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _within(request, raw: str) -> str:
    """A town (or any division) filter; a malformed one is ignored with a message."""
    raw = (raw or "").strip()
    if raw and clean_prefix(raw) is None:
        messages.warning(request, _("地区代码格式不正确（应为 2、4、6、9 或 12 位区划代码），已忽略该条件。"))
        return ""
    return clean_prefix(raw) or "" if raw else ""


class WarningFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", gettext_lazy("全部状态"))] + WarningStatus.choices,
                               widget=forms.Select(attrs=_SELECT))
    level = forms.TypedChoiceField(required=False, coerce=int, empty_value=None,
                                   choices=[("", gettext_lazy("全部等级"))] + Level.choices,
                                   widget=forms.Select(attrs=_SELECT))
    rule = forms.ChoiceField(required=False, widget=forms.Select(attrs=_SELECT))
    town = forms.CharField(required=False, max_length=12, widget=forms.TextInput(
        attrs={"class": "form-control form-control-sm", "inputmode": "numeric", "placeholder": "350581001"}))
    project = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [("", _("全部规则"))] + [(code, rule_label(code)) for code in RULES]


class DismissForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("排除理由"), max_length=300, widget=forms.Textarea(
        attrs={"class": "form-control", "rows": 2, "maxlength": 300}))


def _row(w: Warning) -> dict:
    return {"w": w, "text": warning_text(w), "rule": rule_label(w.rule), "colour": COLOURS.get(w.level, "secondary"),
            "region": region_name(w.project.region_id)}


# The list ------------------------------------------------------------------------------------------
@login_required
@require_GET
def warning_list(request):
    user = request.user
    _require(WarningPolicy.can(user, "view"))
    form = WarningFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    if request.GET and not form.is_valid():
        messages.warning(request, _("筛选条件有误，已忽略不正确的条件。"))
    within = _within(request, data.get("town", ""))
    qs = WarningPolicy.scope(user, Warning.objects.all(), within=within)
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    if data.get("level"):
        qs = qs.filter(level=data["level"])
    if data.get("rule"):
        qs = qs.filter(rule=data["rule"])
    if data.get("project"):
        qs = qs.filter(project_id=data["project"])
    # Open warnings first: they are the inspector's to handle.
    qs = qs.annotate(handled=Case(When(status=WarningStatus.OPEN, then=Value(0)), default=Value(1),
                                  output_field=IntegerField()))
    paginator = CappedPaginator(qs.select_related("project").order_by("handled", "-level", "-raised_on", "id"),
                                PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "rights/warning_list.html", {
        "nav": NAV, "form": form, "page": page, "paginator": paginator, "rows": [_row(w) for w in page.object_list],
        "filtering": any(data.get(k) for k in ("status", "level", "rule", "town", "project")),
        "can_handle": WarningPolicy.can(user, "handle"),
    })


def _warning_for(user, pk: int, action: str = "view") -> Warning:
    warning = WarningPolicy.scope(user, Warning.objects.select_related("project", "handled_by", "case"),
                                  action).filter(pk=pk).first()
    if warning is None:
        raise Http404(_("没有找到该预警，或不在您的管辖范围内。"))
    return warning


# One warning -------------------------------------------------------------------------------------
@login_required
@require_GET
def warning_detail(request, pk: int):
    user = request.user
    _require(WarningPolicy.can(user, "view"))
    warning = _warning_for(user, pk)
    return _detail(request, warning, DismissForm())


def _detail(request, warning: Warning, form: DismissForm, status: int = 200):
    user = request.user
    can_handle = WarningPolicy.can_on(user, "handle", warning) and warning.status == WarningStatus.OPEN
    case_new = _url("rights:case_new")
    task = (WorkTask.objects.filter(subject_type="warning", subject_id=warning.pk).order_by("-opened_at").first())
    return render(request, "rights/warning_detail.html", {
        "nav": NAV, "row": _row(warning), "w": warning, "form": form, "task": task,
        "figures": _figures(warning), "project_url": _url("rights:project", warning.project_id),
        "can_handle": can_handle,
        "case_url": (case_new + "?" + urlencode({"warning": warning.pk})
                     if case_new and can_handle and CasePolicy.can(user, "create") else ""),
        "case_link": _url("rights:case", warning.case_id) if warning.case_id else "",
    }, status=status)


FIGURES = {
    # detail key: label
    "month": gettext_lazy("工资所属月份"), "year": gettext_lazy("年度"), "attended": gettext_lazy("出勤人数"),
    "paid": gettext_lazy("发薪（代发）人数"), "unpaid": gettext_lazy("无工资记录人数"), "share": gettext_lazy("占比"),
    "limit": gettext_lazy("预警线"), "average": gettext_lazy("折算人均月工资（元）"), "floor": gettext_lazy("预警线（元）"),
    "min_wage": gettext_lazy("最低工资标准（元）"), "workers": gettext_lazy("涉及人数"), "top": gettext_lazy("最高金额（元）"),
    "cap": gettext_lazy("异常上限（元）"), "first": gettext_lazy("最早退场日期"), "days": gettext_lazy("时限（日）"),
    "since": gettext_lazy("起算日期"), "due": gettext_lazy("应完成日期"), "deadline": gettext_lazy("应发放截止日期"),
    "cycle": gettext_lazy("拨付周期（月）"), "signed": gettext_lazy("合同签订日期"), "base": gettext_lazy("起算日期"),
    "start": gettext_lazy("开工日期"),
}


def _figures(warning: Warning) -> list[tuple[str, str]]:
    detail = warning.detail or {}
    return [(str(label), detail[key]) for key, label in FIGURES.items() if key in detail]


@login_required
@require_POST
def warning_dismiss_view(request, pk: int):
    user = request.user
    _require(WarningPolicy.can(user, "handle"))
    warning = _warning_for(user, pk)
    form = DismissForm(request.POST)
    if not form.is_valid():
        return _detail(request, warning, form, status=422)
    try:
        warning_dismiss(actor=user, warning=warning, reason=form.cleaned_data["reason"])
    except AnjuError as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.text()) from None
        form.add_error("reason" if exc.field == "reason" else None, exc.text())
        return _detail(request, warning, form, status=exc.status if exc.status in (409, 422) else 422)
    messages.success(request, _("预警已排除。"))
    return redirect("rights:warning", pk=warning.pk)


# The risk list -------------------------------------------------------------------------------------
@login_required
@require_GET
def risk(request):
    user = request.user
    _require(WarningPolicy.can(user, "handle"))
    within = _within(request, request.GET.get("town", ""))
    open_ = WarningPolicy.scope(user, Warning.objects.filter(status=WarningStatus.OPEN), "handle", within=within)
    per_rule = {f"n_{code}": Count("id", filter=Q(rule=code)) for code in RULES}
    qs = (open_.order_by().values("project_id", "project__code", "project__name", "project__region_id")
          .annotate(top=Max("level"), total=Count("id"), **per_rule).order_by("-top", "-total", "project__code"))
    paginator = CappedPaginator(qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rules = [(code, rule_label(code)) for code in RULES]
    rows = [{"project": r, "colour": COLOURS.get(r["top"], "secondary"), "level": Level(r["top"]).label,
             "region": region_name(r["project__region_id"]), "url": _url("rights:project", r["project_id"]),
             "list": reverse("rights:warnings") + "?" + urlencode({"status": WarningStatus.OPEN}) + f"&project={r['project_id']}",
             "counts": [r[f"n_{code}"] for code, _label in rules]} for r in page.object_list]
    return render(request, "rights/risk.html", {
        "nav": NAV, "page": page, "paginator": paginator, "rows": rows, "rules": rules, "town": within,
        "can_sweep": WarningPolicy.can(user, "sweep"), "today": timezone.localdate(),
        "runs": SweepRun.objects.select_related("created_by").order_by("-created_at")[:5],
    })


@login_required
@require_POST
def sweep_run(request):
    user = request.user
    _require(WarningPolicy.can(user, "sweep"))
    raw = (request.POST.get("on") or "").strip()
    try:
        on = dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        messages.error(request, _("预警日期格式不正确（应为 YYYY-MM-DD）。"))
        return redirect("rights:risk")
    try:
        sweep_start(actor=user, on=on)
    except AnjuError as exc:
        messages.error(request, exc.text())
        return redirect("rights:risk")
    messages.success(request, _("预警扫描已开始，完成后本页显示结果。"))
    return redirect("rights:risk")


# The overview by town ----------------------------------------------------------------------------
@login_required
@require_GET
def overview(request):
    user = request.user
    _require(WarningPolicy.can(user, "handle"))
    prefix = WarningPolicy.visible_prefix(user, "handle")
    if prefix is None:
        raise PermissionDenied(_("您没有此操作的权限。"))
    projects = {r["town"]: r["n"] for r in Project.objects.filter(prefix_q("region_id", prefix))
                .exclude(status=ProjectStatus.CLOSED).order_by()
                .values(town=Substr("region_id", 1, 9)).annotate(n=Count("id"))}
    levels = {r["town"]: r for r in WarningPolicy.scope(user, Warning.objects.filter(status=WarningStatus.OPEN), "handle")
              .order_by().values(town=Substr("project__region_id", 1, 9))
              .annotate(red=Count("id", filter=Q(level=Level.RED)), orange=Count("id", filter=Q(level=Level.ORANGE)),
                        yellow=Count("id", filter=Q(level=Level.YELLOW)),
                        at_risk=Count("project_id", distinct=True))}
    base = reverse("rights:warnings")
    rows = []
    for town in sorted(set(projects) | set(levels)):
        counts = levels.get(town, {})
        cells = []
        for key, level in (("red", Level.RED), ("orange", Level.ORANGE), ("yellow", Level.YELLOW)):
            cells.append({"n": counts.get(key, 0), "colour": COLOURS[level], "label": level.label,
                          "url": base + "?" + urlencode({"town": town, "level": int(level), "status": WarningStatus.OPEN})})
        rows.append({"town": town, "name": region_name(town.ljust(12, "0")), "projects": projects.get(town, 0),
                     "at_risk": counts.get("at_risk", 0), "cells": cells,
                     "all_url": base + "?" + urlencode({"town": town, "status": WarningStatus.OPEN})})
    rows.sort(key=lambda r: (-r["cells"][0]["n"], -r["cells"][1]["n"], -r["cells"][2]["n"], r["town"]))
    totals = [sum(r["cells"][i]["n"] for r in rows) for i in range(3)]
    return render(request, "rights/overview.html", {"nav": NAV, "rows": rows, "totals": totals,
                                                    "projects": sum(projects.values()),
                                                    "at_risk": sum(r["at_risk"] for r in rows)})
