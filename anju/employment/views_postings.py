"""Staff and employer-user pages of job postings: the scoped list, the form (an odd job in a few
fields, from a phone), the page with the rule check and the reference wage and the publish /
pause / fill / close buttons, and the matching pages both ways with 推荐 on every row.

Views check the shape of the input and who may see what; the services decide. An
EmploymentError is shown on the page (nothing was changed); a stale version is a conflict the
user is told of.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anju.accounts.permissions import is_owner_scoped
from anju.employment import selectors, services
from anju.employment.forms import (
    PostingFilterForm,
    PostingForm,
    PostingMoveForm,
    ReferForm,
    SeekerForm,
)
from anju.employment.models import (
    Employer,
    MatchEvent,
    PayUnit,
    PostingKind,
    PostingStatus,
    Seeker,
)
from anju.employment.permissions import PostingPolicy, ReferralPolicy, SeekerPolicy
from anju.employment.services import POSTING_MOVES, EmploymentError
from anju.lib.i18n import is_english
from anju.lib.paginators import CappedPaginator
from anju.lib.versioning import VersionConflict
from anju.regions.codes import prefix_q
from anju.regions.selectors import region_name

PAGE_SIZE = 50
MATCH_LIMIT = 20
MOVE_LABELS = {"publish": N_("发布"), "pause": N_("暂停"), "fill": N_("已招满"), "close": N_("关闭")}


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("您没有此操作的权限。"))


def _page_query(request, *drop: str) -> str:
    query = request.GET.copy()
    for key in ("page", *drop):
        query.pop(key, None)
    return query.urlencode()


# The list ---------------------------------------------------------------------------------------
@login_required
@require_GET
def posting_list(request):
    user = request.user
    _require(PostingPolicy.can(user, "view"))
    form = PostingFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    campaign = selectors.optional_pk(data.get("campaign"))
    base = selectors.filtered_postings(user, kind=data.get("kind", ""), campaign=campaign, q=data.get("q", ""))
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
    for value, label in PostingStatus.choices:
        q = status_query.copy()
        q["status"] = value
        status_links.append({"value": value, "label": label, "count": counts.get(value, 0),
                             "active": status == value, "query": q.urlencode()})
    rows = [{"posting": p, "pay": services.pay_text(p), "region": region_name(p.region_id)} for p in page.object_list]
    context = {
        "nav": "employment", "form": form, "page": page, "paginator": paginator, "rows": rows,
        "status_links": status_links, "page_query": _page_query(request),
        "can_create": PostingPolicy.can(user, "create"), "campaign": campaign,
        "filtering": any(data.get(k) for k in ("kind", "status", "campaign", "q")),
    }
    template = "employment/posting_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


# The page ---------------------------------------------------------------------------------------
def _label(d: dict | None) -> str:
    d = d or {}
    return (d.get("en") if is_english() else d.get("zh")) or d.get("zh") or ""


def rule_view(posting) -> list[dict]:
    """What the posting rules say of the posting, in words: as kept at publishing, or, while it is
    not published, what publishing would say now."""
    if posting.status in (PostingStatus.DRAFT, PostingStatus.PAUSED):
        try:
            results = [r.as_json() for r in services.posting_check(posting)]
        except Exception:  # noqa: BLE001 — a rule that cannot be read must not take the page down
            results = posting.rule_check or []
    else:
        results = posting.rule_check or []
    out = []
    for r in results:
        out.append({
            "title": _label(r.get("title")), "outcome": r.get("outcome"), "source": r.get("source", ""),
            "failed": [_label(f) for f in r.get("failed") or []],
            "missing": [_label(p) for p in r.get("missing_params") or []],
        })
    return out


def wage_view(posting) -> dict | None:
    """The odd-job reference wage of the occupation in the posting's place."""
    if posting.kind != PostingKind.ODD_JOB:
        return None
    value, prefix = services.reference_wage(posting)
    if value is None:
        return {"value": None}
    below = posting.pay_unit == PayUnit.DAY and posting.pay_max < value
    return {"value": value, "region": region_name(prefix.ljust(12, "0")) if prefix else _("全国"), "below": below}


def _moves(posting) -> list[dict]:
    return [{"move": m, "label": _(MOVE_LABELS[m]), "needs_reason": m == "close"}
            for m, (sources, _t) in POSTING_MOVES.items() if posting.status in sources]


def _detail_context(request, posting, *, error: str = "", conflict: str = "") -> dict:
    user = request.user
    can_change = PostingPolicy.can_on(user, "change", posting)
    return {
        "nav": "employment", "posting": posting, "pay": services.pay_text(posting),
        "region": region_name(posting.region_id), "rules": rule_view(posting), "wage": wage_view(posting),
        "moves": _moves(posting) if can_change else [], "can_edit": can_change and posting.status != PostingStatus.CLOSED,
        "can_match": _may_match(user) and posting.status == PostingStatus.PUBLISHED,
        "referrals": selectors.posting_referrals(user, posting), "error": error, "conflict": conflict,
    }


@login_required
@require_GET
def posting_detail(request, pk):
    posting = selectors.get_posting_for_user(request.user, pk)
    return render(request, "employment/posting_detail.html", _detail_context(request, posting))


def _refused(request, pk, exc: Exception):
    """The page again with what went wrong and nothing changed."""
    posting = selectors.get_posting_for_user(request.user, pk)
    if isinstance(exc, VersionConflict):
        text = _("%(reason)s 页面已显示最新情况，请核对后再操作。") % {"reason": exc.text()}
        return render(request, "employment/posting_detail.html", _detail_context(request, posting, conflict=text),
                      status=409)
    status = getattr(exc, "status", 400)
    if status == 404:
        raise Http404
    status = status if status in (400, 403, 409, 422) else 400
    text = exc.text() if isinstance(exc, EmploymentError) else str(exc)
    return render(request, "employment/posting_detail.html", _detail_context(request, posting, error=text),
                  status=status)


@login_required
@require_POST
def posting_move(request, pk):
    posting = selectors.get_posting_for_user(request.user, pk)
    _require(PostingPolicy.can_on(request.user, "change", posting))
    form = PostingMoveForm(request.POST)
    if not form.is_valid():
        return render(request, "employment/posting_detail.html",
                      _detail_context(request, posting, error=_("请检查填写的内容。")), status=400)
    data = form.cleaned_data
    try:
        services.posting_move(actor=request.user, posting=posting, move=data["move"], reason=data["reason"],
                              expected_version=data["version"])
    except (VersionConflict, EmploymentError) as exc:
        return _refused(request, posting.pk, exc)
    messages.success(request, {
        "publish": _("岗位已发布。"), "pause": _("岗位已暂停招聘。"), "fill": _("岗位已标记为招满。"),
        "close": _("岗位已关闭。"),
    }[data["move"]])
    return redirect("employment:posting", pk=posting.pk)


# The form ---------------------------------------------------------------------------------------
def _employers_for(user):
    """The employers a staff user may post for: those in the jurisdiction (capped, by name)."""
    return list(Employer.objects.filter(prefix_q("region_id", user.jurisdiction or "")).order_by("name")[:500])


def _posting_form(request, *, posting=None):
    user = request.user
    owner = is_owner_scoped(user)
    employers = [] if owner else _employers_for(user)
    if posting is not None and posting.employer_id and posting.employer not in employers:
        employers.append(posting.employer)
    if request.method == "POST":
        form = PostingForm(request.POST, employers=employers, owner=owner)
    elif posting is not None:
        form = PostingForm(initial=PostingForm.initial_of(posting), employers=employers, owner=owner)
    else:
        initial = {"region": (user.jurisdiction or "").ljust(12, "0") if len(user.jurisdiction or "") >= 6 else ""}
        kind = request.GET.get("kind")
        if kind in PostingKind.values:
            initial["kind"] = kind
            if kind != PostingKind.ODD_JOB:
                initial["pay_unit"] = PayUnit.MONTH
        form = PostingForm(initial=initial, employers=employers, owner=owner)
    return form


@login_required
@require_http_methods(["GET", "POST"])
def posting_new(request):
    user = request.user
    _require(PostingPolicy.can(user, "create"))
    form = _posting_form(request)
    if request.method == "POST" and form.is_valid():
        publish = request.POST.get("publish") == "1"
        try:
            posting = services.posting_create(actor=user, data=form.service_data())
        except (EmploymentError, VersionConflict) as exc:
            _form_error(form, exc)
        else:
            if publish:
                try:
                    posting = services.posting_move(actor=user, posting=posting, move="publish")
                except (EmploymentError, VersionConflict) as exc:
                    # Saved as a draft: its page says why it could not be published.
                    messages.warning(request, _("岗位已保存为草稿，但未能发布：%(reason)s") % {"reason": exc.text()})
                    return redirect("employment:posting", pk=posting.pk)
                messages.success(request, _("岗位已发布。"))
            else:
                messages.success(request, _("岗位已保存为草稿。"))
            return redirect("employment:posting", pk=posting.pk)
    kind = form.data.get("kind") if form.is_bound else form.initial.get("kind")
    return render(request, "employment/posting_form.html", {"nav": "employment", "form": form, "posting": None,
                                                            "odd_job": kind == PostingKind.ODD_JOB},
                  status=400 if form.errors else 200)


def _form_error(form, exc) -> None:
    field = getattr(exc, "field", None)
    mapping = {"region_id": "region", "occupation": "occupation"}
    field = mapping.get(field, field)
    form.add_error(field if field in form.fields else None, exc.text())


@login_required
@require_http_methods(["GET", "POST"])
def posting_edit(request, pk):
    user = request.user
    posting = selectors.get_posting_for_user(user, pk)
    _require(PostingPolicy.can_on(user, "change", posting))
    if posting.status == PostingStatus.CLOSED:
        messages.warning(request, _("已关闭的岗位不能修改。"))
        return redirect("employment:posting", pk=posting.pk)
    form = _posting_form(request, posting=posting)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.posting_update(actor=user, posting=posting, data=form.service_data(),
                                    expected_version=form.cleaned_data.get("version"))
        except VersionConflict as exc:
            form.add_error(None, _("%(reason)s 请重新打开页面核对后再修改。") % {"reason": exc.text()})
            status = 409
        except EmploymentError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("岗位已保存。"))
            return redirect("employment:posting", pk=posting.pk)
    if form.errors and status == 200:
        status = 400
    return render(request, "employment/posting_form.html", {"nav": "employment", "form": form, "posting": posting},
                  status=status)


# Matching ---------------------------------------------------------------------------------------
def _may_match(user) -> bool:
    """Matching shows workers' data: staff who refer, never an employer user."""
    return ReferralPolicy.can(user, "create") and not is_owner_scoped(user)


def _parts(match) -> list[dict]:
    return [{"label": p.label, "points": round(p.points, 1)} for p in match.parts]


@login_required
@require_GET
def posting_matches(request, pk):
    """Workers for a job, in the user's jurisdiction, each with its score in words and 推荐."""
    from anju.employment import matching

    user = request.user
    posting = selectors.get_posting_for_user(user, pk)
    _require(_may_match(user))
    rows = []
    if posting.status == PostingStatus.PUBLISHED:
        referred = selectors.open_referral_workers(posting)
        matches = matching.workers_for_job(posting, limit=MATCH_LIMIT, region_prefix=user.jurisdiction or "", user=user)
        for rank, m in enumerate(matches, start=1):
            if m.worker is None:
                continue
            rows.append({"match": m, "worker": m.worker, "rank": rank, "score": round(m.score, 1),
                         "parts": _parts(m), "referred": m.worker_id in referred,
                         "region": region_name(m.worker.residence_region_id)})
    return render(request, "employment/posting_matches.html", {
        "nav": "employment", "posting": posting, "rows": rows, "pay": services.pay_text(posting),
        "open": posting.status == PostingStatus.PUBLISHED,
    })


@login_required
@require_GET
def worker_matches(request, pk):
    """Jobs for a worker, each with its score in words and 推荐."""
    from anju.employment import matching
    from anju.registry.selectors import get_worker_for_user

    user = request.user
    worker = get_worker_for_user(user, pk)
    _require(_may_match(user))
    referred = selectors.open_referral_postings(worker)
    rows = []
    for rank, m in enumerate(matching.jobs_for_worker(worker, limit=MATCH_LIMIT, user=user), start=1):
        if m.posting is None:
            continue
        rows.append({"match": m, "posting": m.posting, "rank": rank, "score": round(m.score, 1), "parts": _parts(m),
                     "pay": services.pay_text(m.posting), "referred": m.posting_id in referred,
                     "region": region_name(m.posting.region_id)})
    seeker = Seeker.objects.filter(worker=worker).first()
    return render(request, "employment/worker_matches.html", {
        "nav": "employment", "worker": worker, "rows": rows, "seeker": seeker,
        "can_edit_seeker": SeekerPolicy.can(user, "change"),
    })


@login_required
@require_POST
def refer(request):
    """推荐 clicked on a matches page: the choice is logged for the ranker, the referral made."""
    from anju.employment import matching
    from anju.registry.selectors import get_worker_for_user

    user = request.user
    _require(_may_match(user))
    form = ReferForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容。"))
        return redirect("employment:postings")
    data = form.cleaned_data
    worker = get_worker_for_user(user, data["worker"])
    posting = selectors.get_posting_for_user(user, data["posting"]) if PostingPolicy.can(user, "view") else None
    if posting is None:
        raise Http404
    back = ("employment:posting_matches", posting.pk) if data["direction"] == "workers" else \
        ("employment:worker_matches", worker.pk)
    direction = (MatchEvent.Direction.WORKERS_FOR_JOB if data["direction"] == "workers"
                 else MatchEvent.Direction.JOBS_FOR_WORKER)
    try:
        referral = services.referral_create(actor=user, worker=worker, posting=posting, note=data["note"],
                                            score=data["score"])
    except EmploymentError as exc:
        messages.error(request, exc.text())
        return redirect(*back)
    matching.log_chosen(direction=direction, worker_id=worker.pk, posting_id=posting.pk, user=user,
                        rank=data["rank"], score=data["score"])
    messages.success(request, _("已向 %(name)s 推荐岗位「%(title)s」，并已短信通知。") % {
        "name": worker.name, "title": posting.title})
    return redirect("employment:referral", pk=referral.pk)


# The worker's job-seeking registration ----------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def seeker_edit(request, pk):
    from anju.employment import seekers
    from anju.registry.selectors import get_worker_for_user

    user = request.user
    worker = get_worker_for_user(user, pk)
    _require(SeekerPolicy.can(user, "change"))
    seeker = seekers.seeker_for(worker)
    if not SeekerPolicy.can_on(user, "change", seeker):
        raise Http404
    if request.method == "POST":
        form = SeekerForm(request.POST)
        if form.is_valid():
            try:
                seekers.seeker_update(actor=user, worker=worker, data=form.cleaned_data)
            except (EmploymentError, VersionConflict) as exc:
                form.add_error(getattr(exc, "field", None) if getattr(exc, "field", None) in form.fields else None,
                               exc.text())
            else:
                messages.success(request, _("求职登记已保存。"))
                return redirect("employment:worker_matches", pk=worker.pk)
    else:
        form = SeekerForm(initial={"active": seeker.active, "work_range": seeker.work_range,
                                   "available_from": seeker.available_from, "certificates": seeker.certificates,
                                   "physical": seeker.physical})
    return render(request, "employment/seeker_form.html", {"nav": "employment", "worker": worker, "seeker": seeker,
                                                           "form": form}, status=400 if form.errors else 200)
