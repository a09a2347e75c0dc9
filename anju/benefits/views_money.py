"""Staff pages of the money side of benefits: grants and their corrections (objection review,
cancellation, recovery), funds and quotas, public notices, payment batches and bank files.

Every object comes through a `_<entity>_for(user, pk)` helper that scopes by the model's policy:
missing and out of jurisdiction both answer 404; a role without the right answers 403.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django.views.decorators.http import require_POST

from anju.accounts.models import Role
from anju.benefits import payments, services
from anju.benefits.forms_money import (
    BatchForm,
    BudgetForm,
    CancelForm,
    FundForm,
    NoticeForm,
    ObjectionReviewForm,
    ProvideForm,
    RecoveryCreateForm,
    RecoveryReturnForm,
    ResultFileForm,
)
from anju.benefits.models import (
    BatchStatus,
    Fund,
    Grant,
    GrantStatus,
    Objection,
    PaymentBatch,
    Recovery,
)
from anju.benefits.permissions import FundPolicy, GrantPolicy, PaymentPolicy
from anju.benefits.selectors import (
    MAX_ID,
    batches_for_user,
    checked_pk,
    funds_for_user,
    get_batch_for_user,
    get_fund_for_user,
    get_grant_for_user,
    get_notice_for_user,
    grants_for_user,
    notices_for_user,
)
from anju.lib.dates import today
from anju.lib.errors import AnjuError
from anju.lib.i18n import is_english
from anju.lib.paginators import CappedPaginator
from anju.lib.versioning import lock_versioned
from anju.policies.packs import catalogue, get_policy
from anju.regions.codes import clean_prefix
from anju.regions.selectors import region_name
from anju.workflow.permissions import TaskPolicy

PAGE_SIZE = 50
LINES_PER_PAGE = 100
CANCELLABLE = (GrantStatus.APPROVED, GrantStatus.ON_NOTICE, GrantStatus.OBJECTED, GrantStatus.READY)
NAV = "benefits"
PAYMENTS_NAV = "payments"  # the finance menu item (base.html)


def _require(policy, user, action: str) -> None:
    if not policy.can(user, action):
        raise PermissionDenied(_("您没有此操作的权限。"))


def _render(request, template: str, context: dict, *, status: int = 200):
    """A money page, with the tabs between its areas that the user may open."""
    user = request.user
    context["money_tabs"] = {"payments": PaymentPolicy.can(user, "view"), "recoveries": GrantPolicy.can(user, "recover"),
                             "current": template.split("/")[-1].split("_")[0]}
    return render(request, template, context, status=status)




def _add_error(form, exc: AnjuError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.text())


def quantity(value: Decimal | None, unit: str = "元") -> str:
    """Money with two decimals; quota units as whole numbers."""
    if value is None:
        return "—"
    if unit == "元" or value != value.to_integral_value():
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def _area(prefix: str) -> str:
    name = region_name(prefix.ljust(12, "0")) if prefix else _("全部地区")
    return f"{name}（{prefix}）" if prefix else name


def _label(policy) -> str:
    return policy.title.text("en" if is_english() else "zh")


def _money_policies(user=None, *, lead_only: bool = False) -> list[tuple[str, str]]:
    """Policies that pay money or units (not services), as choices; those that apply somewhere
    in the user's jurisdiction, and with `lead_only` those the user's department leads."""
    jurisdiction = getattr(user, "jurisdiction", "") or ""
    department = getattr(user, "department", None) if user is not None else None
    out = []
    for policy in catalogue().policies.values():
        if policy.kind == "service":
            continue
        region = policy.issuing_region or ""
        if jurisdiction and not (jurisdiction.startswith(region) or region.startswith(jurisdiction)):
            continue
        if lead_only and department is not None and user.role != Role.ADMIN and policy.lead != department.kind:
            continue
        out.append((policy.id, f"{_label(policy)}（{policy.id}）"))
    return sorted(out, key=lambda c: c[1])


# Grants ----------------------------------------------------------------------------------------
def _grant_row(grant: Grant) -> dict:
    app = grant.application
    unit = grant.fund.unit if grant.fund_id else "元"
    return {
        "pk": grant.pk, "number": app.number, "policy": app.policy_title, "subject": app.subject_label,
        "region": region_name(grant.region_code), "period": grant.period,
        "amount": quantity(grant.amount, "元") if grant.amount is not None else f"{grant.units} {unit}",
        "status": grant.get_status_display(), "status_code": grant.status, "approved_at": grant.approved_at,
        "fund": grant.fund.name if grant.fund_id else "",
    }


def _fund_filter(value: str):
    if value.isascii() and value.isdigit():
        return Q(fund_id=int(value)) if int(value) <= MAX_ID else Q(pk__in=[])
    return Q(fund__code=value)


@login_required
def grant_list(request):
    _require(GrantPolicy, request.user, "view")
    get = request.GET
    policy, status, fund, region = (get.get(k, "").strip()[:80] for k in ("policy", "status", "fund", "region"))
    within = clean_prefix(region)
    problems = []
    if within is None:
        problems.append(_("地区应为 2、4、6、9 或 12 位区划代码。"))
    if status and status not in GrantStatus.values:
        problems.append(_("状态不正确。"))
    qs = grants_for_user(request.user, within=within or "")
    if problems:
        qs = qs.none()
    if policy:
        qs = qs.filter(policy_id=policy)
    if status:
        qs = qs.filter(status=status)
    if fund:
        qs = qs.filter(_fund_filter(fund))
    paginator = CappedPaginator(qs.select_related("application", "fund").order_by("-approved_at", "-id"), PAGE_SIZE,
                                count_queryset=qs)
    page = paginator.get_page(get.get("page"))
    context = {
        "nav": NAV, "page": page, "paginator": paginator, "rows": [_grant_row(g) for g in page.object_list],
        "problems": problems, "filters": {"policy": policy, "status": status, "fund": fund, "region": region},
        "policies": _money_policies(request.user), "statuses": GrantStatus.choices,
        "funds": list(funds_for_user(request.user).values_list("pk", "name")),
    }
    return _render(request, "benefits/grant_list.html", context)


def _shown(value):
    if value is True:
        return _("是")
    if value is False:
        return _("否")
    return value


def _trace_rows(decision) -> list[dict]:
    english = is_english()
    rows = []
    for item in decision.trace or []:
        label = item.get("label") or {}
        rows.append({"label": label.get("en" if english else "zh") or item.get("name", ""), "passed": item.get("passed"),
                     "exclusion": item.get("exclusion", False),
                     "facts": [(k, _shown(v)) for k, v in sorted((item.get("facts") or {}).items())],
                     "params": [(k, _shown(v)) for k, v in sorted((item.get("params") or {}).items())]})
    return rows


def _grant_page(request, grant: Grant, *, status: int = 200, **bound):
    """The grant page; `bound` holds a submitted form that failed (cancel, recovery, review_<pk>,
    return_<pk>) so that its errors show where it was filled in."""
    user = request.user
    objections = list(grant.objections.select_related("task", "reviewed_by").order_by("-received_at"))
    for objection in objections:
        can_review = (objection.status == Objection.Status.OPEN and objection.task is not None
                      and TaskPolicy.can_act(user, objection.task))
        # A form that failed stays on the page with its error even if the move is no longer open.
        objection.form = bound.get(f"review_{objection.pk}") or (ObjectionReviewForm(
            version=grant.version, auto_id=f"id_review{objection.pk}_%s") if can_review else None)
    can_recover = GrantPolicy.can_on(user, "recover", grant)
    recoveries = list(grant.recoveries.select_related("created_by"))
    for recovery in recoveries:
        recovery.outstanding = recovery.amount_due - recovery.amount_returned
        recovery.form = bound.get(f"return_{recovery.pk}") or (RecoveryReturnForm(
            version=recovery.version, auto_id=f"id_return{recovery.pk}_%s")
            if can_recover and recovery.closed_at is None else None)
    can_cancel = GrantPolicy.can_on(user, "cancel", grant) and grant.status in CANCELLABLE
    can_provide = (GrantPolicy.can_on(user, "provide", grant) and grant.kind == "in_kind"
                   and grant.status == GrantStatus.READY)
    can_new_recovery = can_recover and grant.status == GrantStatus.PAID and grant.amount is not None
    unit = grant.fund.unit if grant.fund_id else "元"
    context = {
        "nav": NAV, "grant": grant, "application": grant.application, "decision": grant.decision,
        "trace": _trace_rows(grant.decision), "objections": objections, "recoveries": recoveries,
        "lines": list(grant.payment_lines.select_related("batch").order_by("id")),
        "show_batches": PaymentPolicy.can(user, "view"),
        "amount": quantity(grant.amount) if grant.amount is not None else f"{grant.units} {unit}",
        "region": region_name(grant.region_code),
        "cancel_form": bound.get("cancel") or (CancelForm(version=grant.version) if can_cancel else None),
        "provide_form": bound.get("provide") or (ProvideForm(version=grant.version) if can_provide else None),
        "recovery_form": bound.get("recovery") or (RecoveryCreateForm(version=grant.version)
                                                   if can_new_recovery else None),
        "movements": list(grant.movements.order_by("at", "id")),
    }
    return _render(request, "benefits/grant_detail.html", context, status=status)


@login_required
def grant_detail(request, pk):
    return _grant_page(request, get_grant_for_user(request.user, pk))


def _back_to(grant: Grant, anchor: str = ""):
    return redirect(reverse("benefits:grant", args=[grant.pk]) + (f"#{anchor}" if anchor else ""))


def _submit(request, grant: Grant, form, bound: str, act, success: str, anchor: str = ""):
    """One move on the grant page: `act(cleaned_data)` for a valid form, then back to the page
    with `success`; a refusal (or an invalid form) shows the page again with the form's errors
    where it was filled in (400), nothing changed."""
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except AnjuError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, success)
            return _back_to(grant, anchor)
    grant.refresh_from_db()
    return _grant_page(request, grant, status=400, **{bound: form})


@login_required
@require_POST
def grant_cancel(request, pk):
    grant = get_grant_for_user(request.user, pk)
    if not GrantPolicy.can_on(request.user, "cancel", grant):
        raise PermissionDenied(_("只有牵头部门可以取消待遇。"))
    return _submit(request, grant, CancelForm(request.POST), "cancel",
                   lambda data: services.grant_cancel(actor=request.user, grant=grant, reason=data["reason"],
                                                      version=data["version"]),
                   _("已取消该项待遇，占用的资金（名额）已释放。"))


@login_required
@require_POST
def grant_provide(request, pk):
    """An in-kind grant handed over, once its notice is over: its units move to used."""
    grant = get_grant_for_user(request.user, pk)
    if not GrantPolicy.can_on(request.user, "provide", grant):
        raise PermissionDenied(_("只有牵头部门可以登记实物发放。"))
    return _submit(request, grant, ProvideForm(request.POST), "provide",
                   lambda data: services.grant_provide(actor=request.user, grant=grant, note=data["note"],
                                                       version=data["version"]),
                   _("已登记发放。"))


@login_required
@require_POST
def objection_review(request, pk, objection_pk):
    grant = get_grant_for_user(request.user, pk)
    objection = grant.objections.select_related("task").filter(pk=checked_pk(objection_pk)).first()
    if objection is None:
        raise Http404
    if objection.task is None or not TaskPolicy.can_act(request.user, objection.task):
        raise PermissionDenied(_("您不是该异议复核的承办人。"))

    def review(data):
        with transaction.atomic():
            # The review decides on the grant as the reviewer saw it.
            lock_versioned(Grant.objects, grant.pk, expected_version=data["version"])
            services.objection_review(actor=request.user, objection=objection, upheld=data["outcome"] == "upheld",
                                      reason=data["reason"])

    return _submit(request, grant, ObjectionReviewForm(request.POST, auto_id=f"id_review{objection.pk}_%s"),
                   f"review_{objection.pk}", review, _("已记录异议复核结论。"), "objections")


@login_required
@require_POST
def recovery_create(request, pk):
    grant = get_grant_for_user(request.user, pk)
    if not GrantPolicy.can_on(request.user, "recover", grant):
        raise PermissionDenied(_("您没有此操作的权限。"))
    return _submit(request, grant, RecoveryCreateForm(request.POST), "recovery",
                   lambda data: services.recovery_create(actor=request.user, grant=grant, amount_due=data["amount_due"],
                                                         reason=data["reason"], version=data["version"]),
                   _("已登记追回。"), "recoveries")


@login_required
@require_POST
def recovery_return(request, pk, recovery_pk):
    grant = get_grant_for_user(request.user, pk)
    if not GrantPolicy.can_on(request.user, "recover", grant):
        raise PermissionDenied(_("您没有此操作的权限。"))
    recovery = grant.recoveries.filter(pk=checked_pk(recovery_pk)).first()
    if recovery is None:
        raise Http404
    return _submit(request, grant, RecoveryReturnForm(request.POST, auto_id=f"id_return{recovery.pk}_%s"),
                   f"return_{recovery.pk}",
                   lambda data: services.recovery_record_return(actor=request.user, recovery=recovery,
                                                                amount=data["amount"], version=data["version"]),
                   _("已记录退回金额。"), "recoveries")


@login_required
def recovery_list(request):
    """Recoveries still open in the jurisdiction: what is owed back and what has come in."""
    _require(GrantPolicy, request.user, "recover")
    grants = grants_for_user(request.user)
    qs = Recovery.objects.filter(grant__in=grants).select_related("grant__application", "created_by")
    if request.GET.get("all") != "1":
        qs = qs.filter(closed_at__isnull=True)
    page = Paginator(qs.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    for recovery in page.object_list:
        recovery.outstanding = recovery.amount_due - recovery.amount_returned
    return _render(request, "benefits/recovery_list.html",
                  {"nav": NAV, "page": page, "show_all": request.GET.get("all") == "1"})


# Funds and quotas ------------------------------------------------------------------------------
def _fund_row(fund: Fund) -> dict:
    budget = fund.budget or Decimal("0")

    def share(value: Decimal) -> str:
        # A CSS width: one decimal, so that a small share still shows as a sliver.
        return f"{min(Decimal(100), value * 100 / budget):.1f}" if budget else "0"

    return {
        "pk": fund.pk, "code": fund.code, "name": fund.name, "unit": fund.unit, "area": _area(fund.region_prefix),
        "budget": quantity(fund.budget, fund.unit), "committed": quantity(fund.committed, fund.unit),
        "paid": quantity(fund.paid, fund.unit), "available": quantity(fund.available, fund.unit),
        "paid_pct": share(fund.paid), "committed_pct": share(fund.committed),
        "valid_from": fund.valid_from, "valid_to": fund.valid_to, "low": budget and fund.available * 10 < budget,
    }


@login_required
def fund_list(request):
    _require(FundPolicy, request.user, "view")
    page = Paginator(funds_for_user(request.user).order_by("region_prefix", "code"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return _render(request, "benefits/fund_list.html", {
        "nav": NAV, "page": page, "rows": [_fund_row(f) for f in page.object_list],
        "can_manage": FundPolicy.can(request.user, "manage"),
    })


@login_required
def fund_create(request):
    _require(FundPolicy, request.user, "manage")
    form = FundForm(request.POST or None, user=request.user, policies=_money_policies(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            fund = services.fund_create(actor=request.user, code=data["code"], name=data["name"],
                                        region_prefix=data["region_prefix"], department_kind=data["department_kind"],
                                        policy_ids=list(data["policy_ids"]), budget=data["budget"], unit=data["unit"],
                                        valid_from=data["valid_from"], valid_to=data["valid_to"], source=data["source"])
        except AnjuError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("已登记「%(name)s」。") % {"name": fund.name})
            return redirect("benefits:fund", pk=fund.pk)
    return _render(request, "benefits/fund_form.html", {"nav": NAV, "form": form})


def _fund_page(request, fund: Fund, *, budget_form=None, status: int = 200):
    movements = Paginator(fund.movements.select_related("grant__application", "actor").order_by("-at", "-id"),
                          PAGE_SIZE).get_page(request.GET.get("page"))
    titles = {pid: (get_policy(pid).title.text("en" if is_english() else "zh") if get_policy(pid) else pid)
              for pid in fund.policy_ids or []}
    can_manage = FundPolicy.can_on(request.user, "manage", fund)
    return _render(request, "benefits/fund_detail.html", {
        "nav": NAV, "fund": fund, "row": _fund_row(fund), "page": movements, "policies": titles,
        "used": quantity(fund.committed + fund.paid, fund.unit),
        "movements": [(m, quantity(m.amount, fund.unit)) for m in movements.object_list],
        "budget_form": (budget_form or BudgetForm(version=fund.version, initial={"budget": fund.budget}))
        if can_manage else None,
        "grants_url": reverse("benefits:grant_list") + f"?fund={fund.pk}",
    }, status=status)


@login_required
def fund_detail(request, pk):
    return _fund_page(request, get_fund_for_user(request.user, pk))


@login_required
@require_POST
def fund_budget(request, pk):
    fund = get_fund_for_user(request.user, pk)
    if not FundPolicy.can_on(request.user, "manage", fund):
        raise PermissionDenied(_("只有财政部门可以调整预算。"))
    form = BudgetForm(request.POST)
    if form.is_valid():
        try:
            services.fund_set_budget(actor=request.user, fund=fund, budget=form.cleaned_data["budget"],
                                     reason=form.cleaned_data["reason"], version=form.cleaned_data["version"])
        except AnjuError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("已调整预算。"))
            return redirect("benefits:fund", pk=fund.pk)
    fund.refresh_from_db()
    return _fund_page(request, fund, budget_form=form, status=400)


# Notices ---------------------------------------------------------------------------------------
@login_required
def notice_list(request):
    _require(GrantPolicy, request.user, "view")
    qs = notices_for_user(request.user).select_related("published_by").annotate(grant_count=Count("grants"))
    page = Paginator(qs.order_by("-published_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    waiting = []
    if GrantPolicy.can(request.user, "publish"):
        leads = {pid for pid, _label in _money_policies(request.user, lead_only=True)}
        counts = (grants_for_user(request.user).filter(status=GrantStatus.APPROVED, policy_id__in=leads)
                  .values("policy_id").annotate(n=Count("id")).order_by("policy_id"))
        for row in counts:
            policy = get_policy(row["policy_id"])
            waiting.append({"policy_id": row["policy_id"], "title": _label(policy) if policy else row["policy_id"],
                            "count": row["n"]})
    on = today()
    return _render(request, "benefits/notice_list.html", {
        "nav": NAV, "page": page, "waiting": waiting, "today": on,
        "can_publish": GrantPolicy.can(request.user, "publish"),
    })


def _to_publish(policy_id: str, prefix: str):
    # Exactly what services.notice_publish takes.
    return Grant.objects.filter(policy_id=policy_id, status=GrantStatus.APPROVED, region_code__startswith=prefix)


@login_required
def notice_publish(request):
    _require(GrantPolicy, request.user, "publish")
    policies = _money_policies(request.user, lead_only=True)
    data = request.POST if request.method == "POST" else (request.GET if "policy" in request.GET else None)
    form = NoticeForm(data, user=request.user, policies=policies)
    preview = None
    if form.is_bound and form.is_valid():
        policy_id, prefix = form.cleaned_data["policy"], form.cleaned_data["region_prefix"]
        preview = {"count": _to_publish(policy_id, prefix).count(), "area": _area(prefix),
                   "days": services.notice_days(prefix.ljust(12, "0"), today())}
        if request.method == "POST":
            policy = get_policy(policy_id)
            try:
                if policy is None:
                    raise services.BenefitError(N_("政策不存在或未通过校验。"), field="policy")
                notice = services.notice_publish(actor=request.user, policy=policy, region_prefix=prefix,
                                                 department_name=form.cleaned_data["department_name"])
            except AnjuError as exc:
                _add_error(form, exc)
            else:
                messages.success(request, _("已发布公示，共 %(n)s 项，公示至 %(date)s。") % {
                    "n": notice.grants.count(), "date": notice.closes_on.isoformat()})
                return redirect("benefits:notice", pk=notice.pk)
    return _render(request, "benefits/notice_form.html", {"nav": NAV, "form": form, "preview": preview},
                  status=400 if request.method == "POST" else 200)


@login_required
def notice_detail(request, pk):
    notice = get_notice_for_user(request.user, pk)
    grants = grants_for_user(request.user).filter(notice=notice).select_related("application", "fund").annotate(
        open_objections=Count("objections", filter=Q(objections__status=Objection.Status.OPEN)))
    page = Paginator(grants.order_by("id"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for grant in page.object_list:
        rows.append(_grant_row(grant) | {"objections": grant.open_objections})
    on = today()
    return _render(request, "benefits/notice_detail.html", {
        "nav": NAV, "notice": notice, "page": page, "rows": rows, "area": _area(notice.region_prefix),
        "open": notice.closes_on >= on and notice.closed_at is None, "total": notice.grants.count(),
    })


# Payment batches -------------------------------------------------------------------------------
@login_required
def batch_list(request):
    _require(PaymentPolicy, request.user, "view")
    page = Paginator(batches_for_user(request.user).order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return _render(request, "benefits/batch_list.html", {
        "nav": PAYMENTS_NAV, "page": page, "can_manage": PaymentPolicy.can(request.user, "manage"),
    })


def _batch_prefix(fund: Fund, user) -> str | None:
    """The narrower of the fund's area and the user's jurisdiction; None when they do not meet."""
    jurisdiction = user.jurisdiction or ""
    if fund.region_prefix.startswith(jurisdiction):
        return fund.region_prefix
    if jurisdiction.startswith(fund.region_prefix):
        return jurisdiction
    return None


def _payable_counts(fund: Fund, prefix: str) -> dict:
    """What a batch of `fund` over `prefix` would take now (the notices that ended are closed
    when the batch is made), and what waits for the person to confirm the account."""
    soon = Grant.objects.filter(fund=fund, status=GrantStatus.ON_NOTICE, kind="cash", region_code__startswith=prefix,
                                notice__closes_on__lt=today(), notice__closed_at__isnull=True)
    ready = Grant.objects.filter(fund=fund, status=GrantStatus.READY, kind="cash", region_code__startswith=prefix)
    return {
        "payable": services.payable(fund, prefix).count() + soon.exclude(application__account_enc="").count(),
        "no_account": ready.filter(application__account_enc="").count() + soon.filter(application__account_enc="").count(),
        "on_notice": Grant.objects.filter(fund=fund, status__in=[GrantStatus.ON_NOTICE, GrantStatus.OBJECTED],
                                          region_code__startswith=prefix).count() - soon.count(),
    }


@login_required
def batch_create(request):
    _require(PaymentPolicy, request.user, "manage")
    funds = [f for f in funds_for_user(request.user).filter(unit="元").order_by("region_prefix", "code")
             if _batch_prefix(f, request.user) is not None]
    rows = []
    for fund in funds[:PAGE_SIZE]:
        prefix = _batch_prefix(fund, request.user)
        rows.append({"fund": fund, "area": _area(prefix), "prefix": prefix, **_payable_counts(fund, prefix)})
    form = BatchForm(request.POST or None, user=request.user, funds=[(f.pk, f"{f.name}（{f.code}）") for f in funds])
    if request.method == "POST" and form.is_valid():
        fund = next(f for f in funds if f.pk == form.cleaned_data["fund"])
        chosen = form.cleaned_data["region_prefix"] or _batch_prefix(fund, request.user)
        # The batch covers the narrower of the area chosen and the fund's own.
        prefix = chosen if chosen.startswith(fund.region_prefix) else fund.region_prefix
        try:
            if not prefix.startswith(chosen):
                raise services.BenefitError(N_("拨付范围须与资金的适用地区（%(area)s）重合。"), field="region_prefix",
                                            params={"area": fund.region_prefix})
            batch = services.batch_create(actor=request.user, fund=fund, region_prefix=prefix)
        except AnjuError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("已生成拨付批次 %(number)s，共 %(n)s 笔。") % {"number": batch.number,
                                                                             "n": batch.line_count})
            return redirect("benefits:batch", pk=batch.pk)
    return _render(request, "benefits/batch_form.html", {"nav": PAYMENTS_NAV, "form": form, "rows": rows},
                  status=400 if request.method == "POST" else 200)


def _batch_page(request, batch: PaymentBatch, *, upload_form=None, report=None, status: int = 200):
    user = request.user
    lines = Paginator(batch.lines.select_related("grant").order_by("id"), LINES_PER_PAGE).get_page(
        request.GET.get("page"))
    can_manage = PaymentPolicy.can_on(user, "manage", batch)
    counts = dict(batch.lines.values_list("status").annotate(n=Count("id")).order_by())
    return _render(request, "benefits/batch_detail.html", {
        "nav": PAYMENTS_NAV, "batch": batch, "page": lines, "area": _area(batch.region_prefix), "counts": counts,
        "can_export": PaymentPolicy.can_on(user, "export", batch) and batch.status != BatchStatus.CLOSED,
        "upload_form": (upload_form or ResultFileForm()) if can_manage and batch.status == BatchStatus.EXPORTED else None,
        "report": report, "total": quantity(batch.total),
    }, status=status)


@login_required
def batch_detail(request, pk):
    return _batch_page(request, get_batch_for_user(request.user, pk))


@login_required
@require_POST
def batch_export(request, pk):
    """The bank file: full account numbers leave the system, so finance only, and audited."""
    batch = get_batch_for_user(request.user, pk)
    if not PaymentPolicy.can_on(request.user, "export", batch):
        raise PermissionDenied(_("只有财政部门可以导出银行文件。"))
    if batch.status == BatchStatus.CLOSED:
        messages.error(request, _("本批次已回盘，不能再导出银行文件。"))
        return redirect("benefits:batch", pk=batch.pk)
    data, rows = payments.payment_file(batch)
    services.batch_mark_exported(actor=request.user, batch=batch, rows=rows)
    response = HttpResponse(data, content_type=f"text/csv; charset={payments.ENCODING}")
    response["Content-Disposition"] = f'attachment; filename="{payments.payment_filename(batch)}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def batch_result(request, pk):
    batch = get_batch_for_user(request.user, pk)
    if not PaymentPolicy.can_on(request.user, "manage", batch):
        raise PermissionDenied(_("只有财政部门可以导入银行回盘文件。"))
    form = ResultFileForm(request.POST, request.FILES)
    report = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > payments.MAX_BYTES:
                raise payments.BankFileError(N_("回盘文件超过 %(mb)s MB，请分成几个文件导入。"),
                                             params={"mb": payments.MAX_BYTES // (1024 * 1024)})
            report = payments.result_import(actor=request.user, batch=batch, data=upload.read(),
                                            filename=upload.name or "")
        except AnjuError as exc:
            _add_error(form, exc)
        else:
            if report.problems:
                messages.warning(request, _("回盘文件中有 %(n)s 行有问题，这些行未作改动；其余各行已处理。") % {
                    "n": len(report.problems)})
            else:
                messages.success(request, _("回盘文件已处理：到账 %(paid)s 笔，失败 %(failed)s 笔。") % {
                    "paid": report.paid, "failed": report.failed})
            form = None
    batch.refresh_from_db()
    return _batch_page(request, batch, upload_form=form, report=report, status=200 if report else 400)
