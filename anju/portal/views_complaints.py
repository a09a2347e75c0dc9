"""Complaining on the public site (/complaints/), no login, for a phone first.

    /complaints/                 what happened: category, town, description, name, mobile -> a code
    /complaints/code/            the code -> rights.services.ticket_create(actor=None, channel=portal)
    /complaints/done/<pk>/       the ticket number and the number to call
    /complaints/mine/...         "my complaints": the tickets of the confirmed phone, their state,
                                 the reply, and a satisfaction score once replied

The phone is proven by the portal's SMS code (anju.portal.otp) and the proof is the session of "my
applications" (/apply/mine/): a worker signed in there is signed in here. A ticket is found only
through the confirmed phone's keyed hash, so a worker sees only their own; anyone else's (or a
guessed number) is 404. The hotline number shown is the one of the ticket's place.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_POST

from anju.core.ratelimit import client_address, rate_limit, seconds_to_wait
from anju.lib import crypto
from anju.lib.errors import AnjuError
from anju.lib.identifiers import IdentifierError, mask_mobile, validate_mobile
from anju.portal import otp
from anju.portal.signin import (
    MINE_KEY,
    PHONE_WRONG,
    code_step,
    pending_phone,
    phone_start,
    too_many,
)
from anju.portal.views_apply import masked_name
from anju.regions.selectors import child_options, region_name
from anju.rights import services
from anju.rights.models import HotlineNumber, Ticket, TicketCategory, TicketStatus

COMPLAINT_KEY = "portal_complaint"  # the complaint waiting for its code (the phone encrypted)
MAX_DESCRIPTION = 2000
SUBJECT_LENGTH = 30
MAX_MINE = 50


def complaint_rate() -> str:
    """Complaints one address may start in an hour (each sends an SMS code)."""
    return str(getattr(settings, "ANJU_COMPLAINT_RATE", "10/h"))


def callback_service():
    """The hotline's call-back service, where it is installed: the worker's own score is the
    call-back. None: the portal shows the reply only."""
    try:
        from anju.rights.hotline import ticket_callback
    except ImportError:
        return None
    return ticket_callback


# The form's choices -------------------------------------------------------------------------------
def categories() -> list[TicketCategory]:
    return list(TicketCategory.objects.filter(parent__isnull=True, active=True).order_by("order", "code"))


def _counties(prefix: str) -> list[str]:
    if len(prefix) >= 6:
        return [prefix[:6]]
    if len(prefix) == 4:
        return [code[:6] for code, _name in child_options(prefix.ljust(12, "0"))]
    return []  # a province is too wide a select; its counties set their own numbers


def town_options() -> list[dict[str, Any]]:
    """The towns of the places served by a hotline (those with a number in force), grouped by
    county: [{county, towns: [(code, name)]}]."""
    prefixes = set(HotlineNumber.objects.filter(valid_from__lte=services.today())
                   .values_list("region_prefix", flat=True).distinct()[:50])
    groups = []
    for county in sorted({c for p in prefixes for c in _counties(p)}):
        towns = [(code, name) for code, name in child_options(county.ljust(12, "0"))]
        narrowed = [p for p in prefixes if p.startswith(county) and len(p) > 6]
        if narrowed and county not in prefixes:
            towns = [(c, n) for c, n in towns if any(c.startswith(p) for p in narrowed)]
        if towns:
            groups.append({"county": region_name(county.ljust(12, "0")), "towns": towns})
    return groups


def _valid_town(code: str) -> bool:
    return any(code == c for g in town_options() for c, _n in g["towns"])


# Helpers ------------------------------------------------------------------------------------------
def _mine(request: HttpRequest):
    hashed = otp.confirmed_phone_hash(request)
    if not hashed:
        return Ticket.objects.none()
    return Ticket.objects.filter(phone_hash=hashed).select_related("category", "region")


def _my_ticket(request: HttpRequest, pk) -> Ticket:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    ticket = _mine(request).filter(pk=pk).first()
    if ticket is None:
        raise Http404
    return ticket


def _number(region_code: str) -> HotlineNumber | None:
    return services.hotline_number(region_code)


STAGES = {
    TicketStatus.NEW: N_("已收到，正在分派承办部门"),
    TicketStatus.DISPATCHED: N_("已分派，承办部门将与您联系"),
    TicketStatus.IN_PROGRESS: N_("正在办理"),
    TicketStatus.PAUSED: N_("正在办理（等待补充材料或调解结果）"),
    TicketStatus.REPLIED: N_("已答复，请评价"),
    TicketStatus.CLOSED: N_("已办结"),
    TicketStatus.MERGED: N_("已与同一事项的投诉合并办理"),
}


def describe(ticket: Ticket) -> dict[str, Any]:
    """What the worker sees of their ticket: no staff names, no other caller's data."""
    replied = ticket.status in (TicketStatus.REPLIED, TicketStatus.CLOSED) and bool(ticket.reply)
    return {
        "ticket": ticket, "pk": ticket.pk, "number": ticket.number, "category": ticket.category.root.name,
        "town": region_name(ticket.region_id), "created": ticket.created_at, "stage": gettext(STAGES[ticket.status]),
        "status": ticket.status, "reply": ticket.reply if replied else "", "replied_at": ticket.replied_at if replied else None,
        "can_rate": ticket.status == TicketStatus.REPLIED and ticket.satisfaction is None
        and callback_service() is not None,
        "satisfaction": ticket.satisfaction,
        "merged_into": ticket.merged_into.number if ticket.merged_into_id else "",
    }


# Filing a complaint -------------------------------------------------------------------------------
def _file(request: HttpRequest, data: dict, phone: str) -> HttpResponse:
    """ticket_create once the phone is proven."""
    category = TicketCategory.objects.filter(pk=data.get("category"), parent__isnull=True, active=True).first()
    description = data.get("description", "")
    try:
        ticket = services.ticket_create(
            actor=None, channel="portal", category=category, region=data.get("town", ""),
            subject=" ".join(description.split())[:SUBJECT_LENGTH], description=description,
            caller_name=data.get("name", ""), phone=phone)
    except AnjuError as error:
        request.session.pop(COMPLAINT_KEY, None)
        return render(request, "portal/complaint_form.html", {
            **_form_context({**data, "phone": ""}, {}), "error": error.text()}, status=400)
    request.session.pop(COMPLAINT_KEY, None)
    return redirect("complaints:done", pk=ticket.pk)


def _form_context(values: dict, errors: dict, confirmed: str = "") -> dict[str, Any]:
    return {"values": values, "errors": errors, "categories": categories(), "towns": town_options(),
            "confirmed": mask_mobile(confirmed) if confirmed else "", "error": ""}


@require_http_methods(["GET", "POST"])
@rate_limit("portal.complaints")
@cache_control(no_store=True, private=True)
def start(request: HttpRequest) -> HttpResponse:
    confirmed = otp.confirmed_phone(request)
    values = {"category": "", "town": "", "description": "", "name": "", "phone": confirmed}
    errors: dict[str, str] = {}
    if request.method == "POST":
        seconds = seconds_to_wait(request, "portal.complaints.file", rate=complaint_rate())
        if seconds is not None:
            return too_many(request, AnjuError(N_("提交过于频繁，请 %(seconds)s 秒后再试。"), params={"seconds": seconds}))
        values = {k: (request.POST.get(k) or "").strip() for k in values}
        values["name"], values["phone"] = values["name"][:30], values["phone"][:30]
        if not any(str(c.pk) == values["category"] for c in categories()):
            errors["category"] = gettext("请选择投诉的事项。")
        if not _valid_town(values["town"][:12]):
            errors["town"] = gettext("请选择您所在的镇（街道）。")
        if not values["description"]:
            errors["description"] = gettext("请写一写发生了什么事。")
        elif len(values["description"]) > MAX_DESCRIPTION:
            errors["description"] = gettext("请把内容控制在 %(n)s 字以内。") % {"n": MAX_DESCRIPTION}
        if not values["name"]:
            errors["name"] = gettext("请填写姓名。")
        try:
            phone = validate_mobile(values["phone"])
        except IdentifierError:
            errors["phone"] = gettext(PHONE_WRONG)
        if not errors:
            data = {k: values[k] for k in ("category", "town", "description", "name")}
            if confirmed and phone == confirmed:
                # Proven in this session already: no second code.
                return _file(request, data, phone)
            try:
                otp.code_send(phone=phone, address=client_address(request))
            except otp.OtpError as error:
                if error.status == 429:
                    return too_many(request, error)
                errors["phone"] = error.text()
            else:
                request.session[COMPLAINT_KEY] = {**data, "phone_enc": crypto.encrypt(phone)}
                return redirect("complaints:code")
    return render(request, "portal/complaint_form.html", _form_context(values, errors, confirmed),
                  status=400 if errors else 200)


@require_http_methods(["GET", "POST"])
@rate_limit("portal.complaints")
@cache_control(no_store=True, private=True)
def code(request: HttpRequest) -> HttpResponse:
    data = request.session.get(COMPLAINT_KEY)
    phone = crypto.decrypt(data.get("phone_enc", "")) if isinstance(data, dict) else ""
    if not phone:
        return redirect("complaints:start")
    return code_step(request, phone, action=reverse("complaints:code"), on_verified=lambda: _file(request, data, phone))


@require_http_methods(["GET"])
@rate_limit("portal.complaints")
@cache_control(no_store=True, private=True)
def done(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _my_ticket(request, pk)
    return render(request, "portal/complaint_done.html", {
        **describe(ticket), "hotline": _number(ticket.region_id), "hotline_region": ticket.region_id,
        "name": masked_name(ticket.caller_name), "phone": ticket.phone_masked})


# My complaints ------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@rate_limit("portal.complaints")
@cache_control(no_store=True, private=True)
def mine(request: HttpRequest) -> HttpResponse:
    if otp.confirmed_phone_hash(request):
        rows = [describe(t) for t in _mine(request).select_related("merged_into").order_by("-created_at", "-id")[:MAX_MINE]]
        return render(request, "portal/complaint_mine.html", {"rows": rows,
                                                               "phone": mask_mobile(otp.confirmed_phone(request))})
    # The sign-in of "my applications": the same session key, the same proof.
    return phone_start(request, code_url=reverse("complaints:mine_code"), template="portal/complaint_mine_start.html",
                       error_status=400)


@require_http_methods(["GET", "POST"])
@rate_limit("portal.complaints")
@cache_control(no_store=True, private=True)
def mine_code(request: HttpRequest) -> HttpResponse:
    phone = pending_phone(request)
    if not phone:
        return redirect("complaints:mine")

    def signed_in() -> HttpResponse:
        request.session.pop(MINE_KEY, None)
        return redirect("complaints:mine")

    return code_step(request, phone, action=reverse("complaints:mine_code"), on_verified=signed_in)


def _detail(request: HttpRequest, ticket: Ticket, *, error: str = "", done: str = "", status: int = 200):
    return render(request, "portal/complaint_detail.html", {
        **describe(ticket), "hotline": _number(ticket.region_id), "hotline_region": ticket.region_id,
        "error": error, "done": done, "scores": range(5, 0, -1)}, status=status)


@require_http_methods(["GET"])
@rate_limit("portal.complaints")
@cache_control(no_store=True, private=True)
def mine_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not otp.confirmed_phone_hash(request):
        return redirect("complaints:mine")
    return _detail(request, _my_ticket(request, pk))


@require_POST
@rate_limit("portal.complaints")
@cache_control(no_store=True, private=True)
def mine_rate(request: HttpRequest, pk: int) -> HttpResponse:
    """The worker's own satisfaction score: the call-back of the hotline service (a low score
    reopens the ticket there)."""
    if not otp.confirmed_phone_hash(request):
        return redirect("complaints:mine")
    ticket = _my_ticket(request, pk)
    callback = callback_service()
    if callback is None or ticket.status != TicketStatus.REPLIED or ticket.satisfaction is not None:
        return _detail(request, ticket, error=gettext("这件投诉现在不能评价。"), status=409)
    try:
        score = int(request.POST.get("satisfaction", ""))
    except ValueError:
        score = 0
    if not 1 <= score <= 5:
        return _detail(request, ticket, error=gettext("请选择 1 到 5 分。"), status=400)
    try:
        callback(actor=None, ticket=ticket, satisfaction=score, note=(request.POST.get("note") or "").strip()[:500],
                 by_caller=True, expected_version=_version(request))
    except AnjuError as error:
        return _detail(request, ticket, error=error.text(), status=400)
    ticket.refresh_from_db()
    message = gettext("谢谢您的评价。") if score >= 4 else gettext("谢谢您的评价。我们会重新办理，并再次与您联系。")
    return _detail(request, ticket, done=message)


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


@require_POST
def mine_leave(request: HttpRequest) -> HttpResponse:
    otp.forget_phone(request)
    request.session.pop(COMPLAINT_KEY, None)
    return redirect("complaints:mine")
