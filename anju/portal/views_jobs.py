"""The public job board (/jobs/), no login, for a phone first.

    /jobs/                        search: everyday occupation words (烧焊, 搬砖, 看大门 ...), place, pay;
                                  odd jobs first (anju.employment.matching.search_postings)
    /jobs/<pk>/                   one posting
    /jobs/<pk>/interest/          "我有意向": name and mobile -> an SMS code
    /jobs/<pk>/interest/code/     the code -> employment.services.interest_create
    /jobs/interest/<pk>/          the confirmation: the town's staff will call within the time limit
    /jobs/mine/...                the confirmed phone's referrals and sign-ups, and jobs for them

Only published postings within their validity are shown, and of a posting only what its unit
published: never a worker's data, the contact phone masked. The phone is proven by the portal's
SMS code (anju.portal.otp) and the proof is the session of "my applications" (/apply/mine/): a
worker signed in there is signed in here, and the other way round.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_POST

from anju.core.ratelimit import client_address, rate_limit, seconds_to_wait
from anju.employment import matching, services
from anju.employment.models import (
    JobInterest,
    JobPosting,
    PostingKind,
    PostingStatus,
    Referral,
    ReferralStatus,
)
from anju.employment.services import EmploymentError
from anju.lib import crypto
from anju.lib.dates import today
from anju.lib.identifiers import IdentifierError, mask_mobile, validate_mobile
from anju.params.selectors import resolve
from anju.portal import otp
from anju.portal.signin import (
    MINE_KEY,
    PHONE_WRONG,
    code_step,
    pending_phone,
    phone_start,
    too_many,
)
from anju.regions.codes import clean_prefix
from anju.regions.selectors import region_name

JOBS_KEY = "portal_jobs"  # the sign-up waiting for its code: posting, name, phone (encrypted)
PAGE_SIZE = 10
MAX_PAGE = 100
MAX_QUERY = 40
RECOMMENDED = 5
STOPPED = N_("该岗位已停止招聘（已招满、暂停或已过有效期）。您可以看看其他岗位。")


def interest_rate() -> str:
    """Sign-ups one address may start in an hour (each sends an SMS code)."""
    return str(getattr(settings, "ANJU_JOB_INTEREST_RATE", "10/h"))


# What the public sees ---------------------------------------------------------------------------
def open_postings(on: dt.date | None = None):
    """Published postings within their validity: the only ones the board shows."""
    on = on or today()
    return (JobPosting.objects.filter(status=PostingStatus.PUBLISHED)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
            .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)))


def is_open(posting: JobPosting, on: dt.date | None = None) -> bool:
    on = on or today()
    return (posting.status == PostingStatus.PUBLISHED and (posting.valid_until is None or posting.valid_until >= on)
            and (posting.valid_from is None or posting.valid_from <= on))


def place_name(code: str) -> str:
    """The county and town of a place ('石狮市 湖滨街道'), as a worker names it."""
    code = code or ""
    names = [region_name(code[:6].ljust(12, "0"))]
    if code[6:] != "000000":
        names.append(region_name(code))
    return " ".join(n for n in names if n)


def wage_text(posting: JobPosting) -> str:
    """The odd-job reference wage of the posting's occupation in its place, or ""."""
    if posting.kind != PostingKind.ODD_JOB:
        return ""
    try:
        amount, _prefix = services.reference_wage(posting)
    except Exception:  # noqa: BLE001 - a parameter not yet defined must not break the board
        return ""
    if amount is None:
        return ""
    return gettext("本地参考日工资：%(amount)s 元/天") % {"amount": f"{Decimal(amount).normalize():f}"}


def card(posting: JobPosting) -> dict[str, Any]:
    """One posting as the public sees it: what its unit published, the phone masked."""
    kind_class = {PostingKind.ODD_JOB: "text-bg-warning", PostingKind.PUBLIC_WELFARE: "text-bg-success",
                  PostingKind.TEMPORARY: "text-bg-info"}.get(posting.kind, "text-bg-primary")
    return {
        "pk": posting.pk, "title": posting.title, "unit": posting.unit_name, "place": place_name(posting.region_id),
        "pay": services.pay_text(posting), "kind": posting.kind, "kind_label": posting.get_kind_display(),
        "kind_class": kind_class, "odd": posting.kind == PostingKind.ODD_JOB, "start_date": posting.start_date,
        "days": posting.duration_days, "hours": posting.duration_hours, "headcount": posting.headcount,
        "wage": wage_text(posting), "occupation": posting.occupation.name,
    }


def detail_of(posting: JobPosting) -> dict[str, Any]:
    data = card(posting)
    data.update({
        "address": posting.address, "description": posting.description, "requirements": posting.requirements,
        "certificate": posting.certificate, "age_min": posting.age_min, "age_max": posting.age_max,
        "physical": posting.get_physical_display(), "contract_months": posting.contract_months,
        "contact_name": posting.contact_name, "contact_phone": posting.contact_phone_masked,
        "valid_until": posting.valid_until,
    })
    return data


def region_options(on: dt.date | None = None) -> list[tuple[str, str]]:
    """The places that have open postings: each county, and under it each town, as (prefix, name)."""
    codes = set(open_postings(on).values_list("region_id", flat=True).distinct()[:2000])
    counties = sorted({c[:6] for c in codes})
    out = []
    for county in counties:
        out.append((county, region_name(county.ljust(12, "0"))))
        for code in sorted(c for c in codes if c[:6] == county and c[6:] != "000000"):
            town = code[:9] if code[9:] == "000" else code
            if all(town != p for p, _n in out):
                out.append((town, "　" + region_name(code)))
    return out


def _posting(pk) -> JobPosting:
    """A posting the public may know of (published once: not a draft), or 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    posting = (JobPosting.objects.select_related("occupation").filter(pk=pk)
               .exclude(status=PostingStatus.DRAFT).exclude(published_at__isnull=True).first())
    if posting is None:
        raise Http404
    return posting


def stopped(request: HttpRequest, posting: JobPosting, message: str = "") -> HttpResponse:
    """A posting that is no longer open: said so in words, nothing more of it shown."""
    return render(request, "portal/jobs_stopped.html",
                  {"title": posting.title, "message": message or gettext(STOPPED)}, status=410)


# The board ---------------------------------------------------------------------------------------
def _page(raw: str) -> int:
    try:
        return min(max(int(raw), 1), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


@require_http_methods(["GET"])
@rate_limit("portal.jobs")
@cache_control(no_store=True, private=True)
def board(request: HttpRequest) -> HttpResponse:
    values = {"q": (request.GET.get("q") or "").strip()[:MAX_QUERY], "region": (request.GET.get("region") or "").strip(),
              "pay_min": (request.GET.get("pay_min") or "").strip(), "kind": (request.GET.get("kind") or "").strip()}
    errors: dict[str, str] = {}
    region = clean_prefix(values["region"][:12])
    if region is None:
        errors["region"] = gettext("地区代码不正确（应为 2、4、6、9 或 12 位数字）。")
        region = ""
    pay_min = None
    if values["pay_min"]:
        try:
            pay_min = Decimal(values["pay_min"][:12])
            if not pay_min.is_finite() or pay_min < 0 or pay_min > Decimal("1000000"):
                raise InvalidOperation
        except InvalidOperation:
            errors["pay_min"] = gettext("最低薪酬请填写数字。")
            pay_min = None
    kind = values["kind"] if values["kind"] in PostingKind.values else ""
    page = _page(request.GET.get("page", "1"))
    matches, total = matching.search_postings(values["q"], region_prefix=region, pay_min=pay_min, kind=kind,
                                              limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    on = today()
    cards = [card(m.posting) for m in matches if m.posting is not None and is_open(m.posting, on)]
    pages = max(1, min(MAX_PAGE, (total + PAGE_SIZE - 1) // PAGE_SIZE))
    query = {k: v for k, v in (("q", values["q"]), ("region", region), ("pay_min", values["pay_min"] if pay_min is not None
                                                                          else ""), ("kind", kind)) if v}

    def link(n: int) -> str:
        return "?" + urlencode({**query, "page": n})

    options = region_options(on)
    if region and all(region != p for p, _n in options):
        options.insert(0, (region, region_name(region.ljust(12, "0")) or region))
    return render(request, "portal/jobs_board.html", {
        "cards": cards, "total": total, "values": {**values, "region": region, "kind": kind}, "errors": errors,
        "regions": options, "kinds": PostingKind.choices, "page": page, "pages": pages,
        "previous": link(page - 1) if page > 1 else "", "next": link(page + 1) if page < pages else "",
        "signed_in": bool(otp.confirmed_phone_hash(request)),
    })


@require_http_methods(["GET"])
@rate_limit("portal.jobs")
@cache_control(no_store=True, private=True)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    posting = _posting(pk)
    if not is_open(posting):
        return stopped(request, posting)
    signed = JobInterest.objects.filter(posting=posting, phone_hash=otp.confirmed_phone_hash(request)).first() \
        if otp.confirmed_phone_hash(request) else None
    # The footer's hotline is the job's place's (a Lan County job does not show Shishi's number).
    return render(request, "portal/jobs_detail.html", {"job": detail_of(posting), "signed": signed,
                                                       "hotline_region": posting.region_id})


# "我有意向" -----------------------------------------------------------------------------------------
def _pending(request: HttpRequest, posting: JobPosting) -> dict | None:
    data = request.session.get(JOBS_KEY)
    if isinstance(data, dict) and data.get("posting") == posting.pk:
        return data
    return None


def _sign_up(request: HttpRequest, posting: JobPosting, name: str, phone: str) -> HttpResponse:
    """interest_create once the phone is proven; the posting may have closed meanwhile."""
    posting = JobPosting.objects.select_related("occupation").get(pk=posting.pk)
    if not is_open(posting):
        request.session.pop(JOBS_KEY, None)
        return stopped(request, posting)
    try:
        interest = services.interest_create(posting=posting, name=name, phone=phone)
    except EmploymentError as error:
        request.session.pop(JOBS_KEY, None)
        if error.code == "state":
            return stopped(request, posting)
        return render(request, "portal/jobs_interest.html",
                      {"job": card(posting), "values": {"name": name, "phone": ""}, "errors": {"name": error.text()},
                       "confirmed": ""}, status=400)
    request.session.pop(JOBS_KEY, None)
    return redirect("jobs:done", pk=interest.pk)


@require_http_methods(["GET", "POST"])
@rate_limit("portal.jobs")
@cache_control(no_store=True, private=True)
def interest(request: HttpRequest, pk: int) -> HttpResponse:
    posting = _posting(pk)
    if not is_open(posting):
        return stopped(request, posting)
    confirmed = otp.confirmed_phone(request)
    values = {"name": "", "phone": confirmed}
    errors: dict[str, str] = {}
    if request.method == "POST":
        seconds = seconds_to_wait(request, "portal.jobs.interest", rate=interest_rate())
        if seconds is not None:
            return too_many(request, EmploymentError(N_("报名过于频繁，请 %(seconds)s 秒后再试。"),
                                                     params={"seconds": seconds}))
        values = {k: (request.POST.get(k) or "").strip()[:30] for k in ("name", "phone")}
        if not values["name"]:
            errors["name"] = gettext("请填写姓名。")
        try:
            phone = validate_mobile(values["phone"])
        except IdentifierError:
            errors["phone"] = gettext(PHONE_WRONG)
        if not errors:
            if confirmed and phone == confirmed:
                # Proven in this session already (signed in, or a code in the last half hour).
                return _sign_up(request, posting, values["name"], phone)
            try:
                otp.code_send(phone=phone, address=client_address(request))
            except otp.OtpError as error:
                if error.status == 429:
                    return too_many(request, error)
                errors["phone"] = error.text()
            else:
                request.session[JOBS_KEY] = {"posting": posting.pk, "name": values["name"][:50],
                                             "phone_enc": crypto.encrypt(phone)}
                return redirect("jobs:code", pk=posting.pk)
    return render(request, "portal/jobs_interest.html", {
        "job": card(posting), "values": values, "errors": errors,
        "confirmed": mask_mobile(confirmed) if confirmed else ""})


@require_http_methods(["GET", "POST"])
@rate_limit("portal.jobs")
@cache_control(no_store=True, private=True)
def code(request: HttpRequest, pk: int) -> HttpResponse:
    posting = _posting(pk)
    data = _pending(request, posting)
    phone = crypto.decrypt(data.get("phone_enc", "")) if data else ""
    if not phone:
        return redirect("jobs:interest", pk=posting.pk)
    return code_step(request, phone, action=reverse("jobs:code", args=[posting.pk]), template="portal/jobs_code.html",
                     on_verified=lambda: _sign_up(request, posting, data.get("name", ""), phone),
                     extra={"job": card(posting)})


def follow_up_days(posting: JobPosting) -> int | None:
    days, _prefix = resolve(services.INTEREST_DAYS_PARAM, posting.region_id, today())
    return int(days) if days is not None else None


@require_http_methods(["GET"])
@rate_limit("portal.jobs")
@cache_control(no_store=True, private=True)
def done(request: HttpRequest, pk: int) -> HttpResponse:
    hashed = otp.confirmed_phone_hash(request)
    item = JobInterest.objects.select_related("posting__occupation").filter(pk=pk, phone_hash=hashed).first() \
        if hashed else None
    if item is None:
        raise Http404
    return render(request, "portal/jobs_done.html", {
        "job": card(item.posting), "name": item.name[:1] + "*" if item.name else "", "phone": item.phone_masked,
        "days": follow_up_days(item.posting), "place": place_name(item.posting.region_id)})


# Mine --------------------------------------------------------------------------------------------
def referral_row(referral: Referral) -> dict[str, Any]:
    posting = referral.posting
    return {"pk": referral.pk, "title": posting.title, "unit": posting.unit_name, "posting": posting.pk,
            "pay": services.pay_text(posting), "place": place_name(posting.region_id),
            "stage": referral.get_status_display(), "status": referral.status, "created": referral.created_at,
            "updated": referral.closed_at or referral.updated_at, "open_posting": is_open(posting),
            "reason": referral.reason if referral.status == ReferralStatus.NOT_HIRED else "",
            "events": [{"label": e.get_status_display(), "at": e.at} for e in referral.events.all()]}


def recommendations(workers) -> list[dict[str, Any]]:
    """"为您推荐": the matcher's jobs for each ledger record with the phone, best first, once each."""
    best: dict[int, tuple[float, Any]] = {}
    for worker in workers:
        for m in matching.jobs_for_worker(worker, limit=RECOMMENDED):
            if m.posting is not None and (m.posting_id not in best or best[m.posting_id][0] < m.score):
                best[m.posting_id] = (m.score, m)
    on = today()
    out = []
    for _score, m in sorted(best.values(), key=lambda pair: -pair[0]):
        if is_open(m.posting, on):
            out.append({**card(m.posting), "why": [p.label for p in m.parts]})
    return out[:RECOMMENDED]


@require_http_methods(["GET", "POST"])
@rate_limit("portal.jobs")
@cache_control(no_store=True, private=True)
def mine(request: HttpRequest) -> HttpResponse:
    from anju.registry.models import Worker

    hashed = otp.confirmed_phone_hash(request)
    if hashed:
        phone = otp.confirmed_phone(request)
        workers = list(Worker.objects.filter(phone_hash=hashed).order_by("pk")[:3])
        referrals = (Referral.objects.filter(worker__phone_hash=hashed).select_related("posting")
                     .prefetch_related("events").order_by("-created_at", "-id")[:50])
        interests = (JobInterest.objects.filter(phone_hash=hashed).select_related("posting")
                     .order_by("-created_at", "-id")[:50])
        return render(request, "portal/jobs_mine.html", {
            "phone": mask_mobile(phone), "referrals": [referral_row(r) for r in referrals],
            "interests": [{"title": i.posting.title, "unit": i.posting.unit_name, "posting": i.posting_id,
                           "status": i.get_status_display(), "created": i.created_at,
                           "open_posting": is_open(i.posting)} for i in interests],
            "recommended": recommendations(workers), "in_ledger": bool(workers)})
    # The sign-in of "my applications": the same session key, the same proof.
    return phone_start(request, code_url=reverse("jobs:mine_code"), template="portal/jobs_mine_start.html")


@require_http_methods(["GET", "POST"])
@rate_limit("portal.jobs")
@cache_control(no_store=True, private=True)
def mine_code(request: HttpRequest) -> HttpResponse:
    phone = pending_phone(request)
    if not phone:
        return redirect("jobs:mine")

    def signed_in() -> HttpResponse:
        request.session.pop(MINE_KEY, None)
        return redirect("jobs:mine")

    return code_step(request, phone, action=reverse("jobs:mine_code"), template="portal/jobs_code.html",
                     on_verified=signed_in, extra={"job": None})


@require_POST
def mine_leave(request: HttpRequest) -> HttpResponse:
    otp.forget_phone(request)
    request.session.pop(JOBS_KEY, None)
    return redirect("jobs:board")
