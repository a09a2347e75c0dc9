"""Staff and employer-user pages of referrals (岗位推荐) and of sign-ups from the public board
(求职报名), and the worker page's employment panel.

A referral's page shows its stages, the follow-up task's due date and the forms of the next
outcome (the hire with its start date, contract and insurance). An employer user sees the
candidates referred to its own postings and records the interview and the outcome; staff of the
worker's place follow up. A sign-up is turned into a referral of the ledger's worker found by ID
number, or closed with a reason.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from anju.accounts.permissions import is_owner_scoped
from anju.employment import selectors, services
from anju.employment.forms import (
    InterestCloseForm,
    InterestReferForm,
    ReferralAdvanceForm,
    ReferralFilterForm,
)
from anju.employment.models import InterestStatus, ReferralStatus, Seeker
from anju.employment.permissions import InterestPolicy, ReferralPolicy
from anju.employment.services import REFERRAL_MOVES, EmploymentError
from anju.lib.paginators import CappedPaginator
from anju.lib.versioning import VersionConflict
from anju.regions.selectors import region_name

PAGE_SIZE = 50
# What an employer user may record on a candidate referred to it; staff record every outcome.
EMPLOYER_MOVES = (ReferralStatus.INTERVIEWED, ReferralStatus.HIRED, ReferralStatus.NOT_HIRED)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("您没有此操作的权限。"))


def _page_query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# Referrals --------------------------------------------------------------------------------------
@login_required
@require_GET
def referral_list(request):
    user = request.user
    _require(ReferralPolicy.can(user, "view"))
    form = ReferralFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    campaign = selectors.optional_pk(data.get("campaign"))
    posting = selectors.optional_pk(data.get("posting"))
    base = selectors.filtered_referrals(user, campaign=campaign, posting=posting)
    status = data.get("status", "")
    counts = selectors.status_counts(base)
    qs = base.filter(status=status) if status else base
    paginator = CappedPaginator(qs.order_by("-created_at", "-id"), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    status_query = request.GET.copy()
    for key in ("status", "page"):
        status_query.pop(key, None)
    status_links = [{"value": "", "label": _("全部"), "count": sum(counts.values()), "active": not status,
                     "query": status_query.urlencode()}]
    for value, label in ReferralStatus.choices:
        q = status_query.copy()
        q["status"] = value
        status_links.append({"value": value, "label": label, "count": counts.get(value, 0),
                             "active": status == value, "query": q.urlencode()})
    context = {
        "nav": "employment", "form": form, "page": page, "paginator": paginator, "rows": list(page.object_list),
        "status_links": status_links, "page_query": _page_query(request),
        "filtering": any(data.get(k) for k in ("status", "campaign", "posting")),
    }
    template = "employment/referral_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


def _allowed_moves(user, referral) -> list[str]:
    if not ReferralPolicy.can_on(user, "change", referral):
        return []
    moves = [m for m, sources in REFERRAL_MOVES.items() if referral.status in sources]
    if is_owner_scoped(user):
        moves = [m for m in moves if m in EMPLOYER_MOVES]
    return [str(m) for m in moves]


def _detail_context(request, referral, *, form=None, error: str = "", conflict: str = "") -> dict:
    user = request.user
    moves = _allowed_moves(user, referral)
    task = selectors.follow_up_task(referral) if referral.is_open else None
    initial = {"version": referral.version, "contract_months": referral.posting.contract_months,
               "start_date": None}
    return {
        "nav": "employment", "referral": referral, "worker": referral.worker, "posting": referral.posting,
        "pay": services.pay_text(referral.posting), "events": list(referral.events.all()), "task": task,
        "moves": moves, "form": form or ReferralAdvanceForm(initial=initial), "error": error, "conflict": conflict,
        "region": region_name(referral.region_code), "owner": is_owner_scoped(user),
        "status_labels": dict(ReferralStatus.choices),
    }


@login_required
@require_http_methods(["GET", "POST"])
def referral_detail(request, pk):
    user = request.user
    referral = selectors.get_referral_for_user(user, pk)
    if request.method == "GET":
        return render(request, "employment/referral_detail.html", _detail_context(request, referral))
    form = ReferralAdvanceForm(request.POST)
    if not form.is_valid():
        return render(request, "employment/referral_detail.html",
                      _detail_context(request, referral, form=form, error=_("请检查填写的内容。")), status=400)
    data = form.cleaned_data
    if data["status"] not in _allowed_moves(user, referral):
        if not ReferralPolicy.can_on(user, "change", referral):
            raise PermissionDenied(_("您没有此操作的权限。"))
        if referral.version != data["version"]:
            return _conflict(request, referral, form)
        return render(request, "employment/referral_detail.html", _detail_context(
            request, referral, form=form,
            error=_("推荐当前为“%(status)s”，不能记为该结果。") % {"status": referral.get_status_display()}), status=409)
    hire = None
    if data["status"] == ReferralStatus.HIRED:
        hire = {"start_date": data["start_date"], "contract_months": data["contract_months"],
                "pension_insured": data["pension_insured"], "medical_insured": data["medical_insured"],
                "unemployment_insured": data["unemployment_insured"]}
    try:
        services.referral_advance(actor=user, referral=referral, status=data["status"], reason=data["reason"],
                                  note=data["note"], hire=hire, expected_version=data["version"])
    except VersionConflict:
        return _conflict(request, referral, form)
    except EmploymentError as exc:
        if exc.status == 404:
            raise Http404 from None
        if exc.field in form.fields:
            form.add_error(exc.field, exc.text())
        status = exc.status if exc.status in (400, 403, 409, 422) else 400
        return render(request, "employment/referral_detail.html",
                      _detail_context(request, referral, form=form, error=exc.text()), status=status)
    messages.success(request, _("已记录：%(status)s。") % {"status": ReferralStatus(data["status"]).label})
    return redirect("employment:referral", pk=referral.pk)


def _conflict(request, referral, form):
    referral = selectors.get_referral_for_user(request.user, referral.pk)
    text = _("该推荐已被他人更新，页面已显示最新情况，请核对后再操作。")
    return render(request, "employment/referral_detail.html", _detail_context(request, referral, conflict=text),
                  status=409)


# Sign-ups ---------------------------------------------------------------------------------------
@login_required
@require_GET
def interest_list(request):
    user = request.user
    _require(InterestPolicy.can(user, "view"))
    status = request.GET.get("status", "")
    status = status if status in InterestStatus.values else ""
    base = selectors.interests_for_user(user)
    campaign = selectors.optional_pk(request.GET.get("campaign"))
    if campaign:  # the sign-ups a campaign's figures count (its postings')
        base = base.filter(posting__campaigns__id=campaign)
    counts = selectors.status_counts(base)
    qs = base.filter(status=status) if status else base
    paginator = CappedPaginator(qs.select_related("posting").order_by("-created_at", "-id"), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    status_links = [{"value": "", "label": _("全部"), "count": sum(counts.values()), "active": not status,
                     "query": ""}]
    for value, label in InterestStatus.choices:
        status_links.append({"value": value, "label": label, "count": counts.get(value, 0),
                             "active": status == value, "query": f"status={value}"})
    return render(request, "employment/interest_list.html", {
        "nav": "employment", "page": page, "paginator": paginator, "rows": list(page.object_list),
        "status_links": status_links, "filtering": bool(status or campaign),
        "page_query": "&".join(q for q in (f"status={status}" if status else "", f"campaign={campaign}" if campaign else "") if q),
    })


def _interest_context(request, interest, *, refer_form=None, close_form=None, error: str = "") -> dict:
    from anju.registry.selectors import workers_for_user

    user = request.user
    may = InterestPolicy.can_on(user, "change", interest) and interest.status == InterestStatus.NEW
    linked = None
    if interest.worker_id:
        linked = workers_for_user(user).filter(pk=interest.worker_id).first()
    return {
        "nav": "employment", "interest": interest, "posting": interest.posting, "may_act": may, "linked": linked,
        "refer_form": refer_form or InterestReferForm(), "close_form": close_form or InterestCloseForm(),
        "error": error, "referral": interest.referrals.order_by("-id").first(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def interest_detail(request, pk):
    from anju.registry.selectors import search_workers, workers_for_user

    user = request.user
    interest = selectors.get_interest_for_user(user, pk)
    if request.method == "GET":
        return render(request, "employment/interest_detail.html", _interest_context(request, interest))
    _require(InterestPolicy.can_on(user, "change", interest))
    action = request.POST.get("action")
    if action == "close":
        form = InterestCloseForm(request.POST)
        if not form.is_valid():
            return render(request, "employment/interest_detail.html",
                          _interest_context(request, interest, close_form=form, error=_("请说明原因。")), status=400)
        try:
            services.interest_close(actor=user, interest=interest, reason=form.cleaned_data["reason"])
        except EmploymentError as exc:
            return render(request, "employment/interest_detail.html",
                          _interest_context(request, interest, close_form=form, error=exc.text()), status=409)
        messages.success(request, _("报名已结束。"))
        return redirect("employment:interest", pk=interest.pk)
    if action != "refer":
        return render(request, "employment/interest_detail.html",
                      _interest_context(request, interest, error=_("未知的操作。")), status=400)
    worker = None
    form = InterestReferForm(request.POST)
    if request.POST.get("worker") and interest.worker_id:
        # The ledger's worker the sign-up's phone already points to, confirmed by the officer.
        worker = workers_for_user(user).filter(pk=interest.worker_id).first()
    elif form.is_valid():
        number = form.cleaned_data["id_number"].strip()
        found = search_workers(workers_for_user(user), number)
        worker = found.first() if len(number) in (15, 18) else None
        if worker is None:
            form.add_error("id_number", _("您辖区的台账中没有这个身份证号码的劳动者，请核对，或先在台账中登记。"))
    if worker is None:
        return render(request, "employment/interest_detail.html",
                      _interest_context(request, interest, refer_form=form, error=_("未找到要推荐的劳动者。")),
                      status=400)
    try:
        referral = services.interest_refer(actor=user, interest=interest, worker=worker)
    except EmploymentError as exc:
        return render(request, "employment/interest_detail.html",
                      _interest_context(request, interest, refer_form=form, error=exc.text()), status=409)
    messages.success(request, _("已将报名转为岗位推荐。"))
    return redirect("employment:referral", pk=referral.pk)


# The worker page's panel ------------------------------------------------------------------------
PANEL_MATCHES = 5


def worker_panel_permission(user, worker) -> bool:
    return ReferralPolicy.can(user, "view") and not is_owner_scoped(user)


def worker_panel_context(request, worker) -> dict:
    """What the worker page's lazy panel loads from (its url)."""
    return {"url": reverse("employment:worker_panel", args=[worker.pk]), "loading": _("正在加载就业服务……"),
            "testid": "worker-employment"}


@login_required
@require_GET
def worker_panel(request, pk):
    """The worker's referrals, job-seeking registration and top job matches, with 推荐."""
    from anju.employment import matching
    from anju.employment.views_postings import _may_match, _parts
    from anju.registry.selectors import get_worker_for_user

    user = request.user
    worker = get_worker_for_user(user, pk)
    _require(worker_panel_permission(user, worker))
    can_refer = _may_match(user)
    matches = []
    if can_refer:
        referred = selectors.open_referral_postings(worker)
        for rank, m in enumerate(matching.jobs_for_worker(worker, limit=PANEL_MATCHES, user=user), start=1):
            if m.posting is not None:
                matches.append({"match": m, "posting": m.posting, "rank": rank, "score": round(m.score, 1),
                                "parts": _parts(m), "pay": services.pay_text(m.posting),
                                "referred": m.posting_id in referred})
    return render(request, "employment/_worker_panel.html", {
        "worker": worker, "referrals": selectors.worker_referrals(user, worker),
        "seeker": Seeker.objects.filter(worker=worker).select_related("occupation").first(),
        "matches": matches, "can_refer": can_refer,
    })
