"""The figures page (/benefits/figures/): for one policy and a jurisdiction, applications by
status, grants by status with their amounts, the amount paid, the funds paying the policy
(budget, committed, paid) and the median working days from the application — or from the
proactive list — to payment, by door: the figure that shows whether 免申即享 works.

Every count is of the records the user may see (ApplicationPolicy, GrantPolicy, FundPolicy,
narrowed by the region filter); each bar opens the list it counts.
"""

from __future__ import annotations

import statistics
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from anju.benefits.models import Application, ApplicationStatus, Door, Fund, Grant, GrantStatus
from anju.benefits.permissions import ApplicationPolicy, FundPolicy, GrantPolicy
from anju.lib.i18n import is_english
from anju.policies.packs import catalogue, get_policy
from anju.regions.codes import clean_prefix


def _label(label) -> str:
    return label.en if is_english() else label.zh


def _link(name: str, **params: str) -> str:
    return f"{reverse(name)}?{urlencode({k: v for k, v in params.items() if v})}"


def _median(values: list[int]) -> float | None:
    return statistics.median(values) if values else None


def _default_policy(apps) -> str:
    """The policy with the most applications the user sees, else none."""
    top = apps.order_by().values("policy_id").annotate(n=Count("id")).order_by("-n", "policy_id").first()
    return top["policy_id"] if top else ""


@login_required
@require_GET
def figures(request):
    user = request.user
    if not ApplicationPolicy.can(user, "view"):
        raise PermissionDenied(_("您没有此操作的权限。"))
    policies = sorted(catalogue().policies.values(), key=lambda p: p.id)
    region = (request.GET.get("region") or "").strip()[:12]
    region_error = ""
    if clean_prefix(region) is None or ApplicationPolicy.visible_prefix(user, "view", within=region) is None:
        region_error = _("地区筛选无效或不在您的管辖范围内：区划代码应为您辖区内的 2、4、6、9 或 12 位数字。")
    within = "" if region_error else (clean_prefix(region) or "")
    apps = ApplicationPolicy.scope(user, Application.objects.all(), within=within)
    if region_error:
        apps = apps.none()
    chosen = (request.GET.get("policy") or "").strip()
    policy = get_policy(chosen) if chosen else None
    if chosen and policy is None:
        region_error = region_error or _("政策不存在。")
    if not chosen:
        chosen = _default_policy(apps)
        policy = get_policy(chosen) if chosen else None
    context = {"nav": "benefits", "policies": [(p.id, _label(p.title)) for p in policies], "chosen": chosen,
               "policy": policy, "region": region, "error": region_error, "title": _label(policy.title) if policy else ""}
    if policy is None:
        return render(request, "benefits/figures.html", context, status=400 if region_error else 200)
    context |= _figures(user, policy.id, apps.filter(policy_id=policy.id), within, region_error, region)
    return render(request, "benefits/figures.html", context, status=400 if region_error else 200)


def _figures(user, policy_id: str, apps, within: str, error: str, region: str) -> dict:
    counts = dict(apps.order_by().values_list("status").annotate(n=Count("id")))
    app_rows = [{"status": value, "label": str(label), "count": counts.get(value, 0),
                 "url": _link("benefits:application_list", policy=policy_id, status=value, region=region)}
                for value, label in ApplicationStatus.choices]
    grants = GrantPolicy.scope(user, Grant.objects.filter(policy_id=policy_id), within=within) \
        if GrantPolicy.can(user, "view") and not error else Grant.objects.none()
    by_status = {r["status"]: r for r in grants.order_by().values("status").annotate(
        n=Count("id"), amount=Sum("amount"), units=Sum("units"))}
    grant_rows = [{"status": value, "label": str(label), "count": by_status.get(value, {}).get("n", 0),
                   "amount": by_status.get(value, {}).get("amount") or Decimal("0"),
                   "units": by_status.get(value, {}).get("units") or 0,
                   "url": _link("benefits:grant_list", policy=policy_id, status=value, region=region)}
                  for value, label in GrantStatus.choices]
    paid = grants.filter(paid_at__isnull=False).aggregate(amount=Sum("amount"), n=Count("id"))
    days = {True: [], False: []}
    for door, value in grants.filter(status__in=[GrantStatus.PAID, GrantStatus.RECOVERED],
                                     working_days_to_pay__isnull=False).values_list(
            "application__door", "working_days_to_pay"):
        days[door == Door.PROACTIVE].append(value)
    doors = [
        {"key": "proactive", "label": _("免申即享（主动发现名单）"), "count": len(days[True]), "median": _median(days[True]),
         "url": _link("benefits:application_list", policy=policy_id, status=ApplicationStatus.APPROVED, region=region,
                      door=Door.PROACTIVE)},
        {"key": "other", "label": _("其他渠道（网上、窗口、复核）"), "count": len(days[False]), "median": _median(days[False]),
         "url": _link("benefits:application_list", policy=policy_id, status=ApplicationStatus.APPROVED, region=region)},
    ]
    funds = [f for f in FundPolicy.scope(user, Fund.objects.all(), within=within) if policy_id in (f.policy_ids or [])] \
        if FundPolicy.can(user, "view") and not error else []
    chart = {
        "apps": {"labels": [r["label"] for r in app_rows], "counts": [r["count"] for r in app_rows],
                 "urls": [r["url"] for r in app_rows], "name": _("申请数")},
        "grants": {"labels": [r["label"] for r in grant_rows], "counts": [r["count"] for r in grant_rows],
                   "amounts": [str(r["amount"]) for r in grant_rows], "urls": [r["url"] for r in grant_rows],
                   "name": _("发放笔数"), "amount_name": _("金额（元）")},
        "doors": {"labels": [d["label"] for d in doors], "medians": [d["median"] for d in doors],
                  "counts": [d["count"] for d in doors], "urls": [d["url"] for d in doors],
                  "name": _("申请至拨付的工作日（中位数）")},
        "funds": {"labels": [f.name for f in funds], "paid": [str(f.paid) for f in funds],
                  "committed": [str(f.committed) for f in funds], "available": [str(f.available) for f in funds],
                  "urls": [reverse("benefits:fund", args=[f.pk]) for f in funds],
                  "names": [_("已拨付"), _("已批准未拨付"), _("可用")]},
    }
    return {"app_rows": app_rows, "app_total": sum(counts.values()), "grant_rows": grant_rows,
            "grant_total": sum(r["count"] for r in grant_rows), "paid_amount": paid["amount"] or Decimal("0"),
            "paid_count": paid["n"], "doors": doors, "funds": funds, "chart": chart,
            "apps_url": _link("benefits:application_list", policy=policy_id, region=region),
            "grants_url": _link("benefits:grant_list", policy=policy_id, region=region),
            "any_days": bool(days[True] or days[False])}
