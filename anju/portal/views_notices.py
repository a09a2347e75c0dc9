"""Public notices (公示) on the public site (/notices/), no login: each notice still open, and those
closed in the last RECENT_DAYS marked closed, with their grants masked (first character of the
name, the masked ID number, the town, the amount), and an objection form per grant. Nothing
unmasked is put on these pages; an objection goes through benefits.services.objection_file,
which pauses the grant for review.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods

from anju.benefits.models import Grant, GrantStatus, Notice
from anju.benefits.services import BenefitError, objection_file
from anju.core.ratelimit import rate_limit, seconds_to_wait
from anju.lib.dates import today
from anju.lib.identifiers import IdentifierError, validate_mobile
from anju.portal.signin import too_many
from anju.portal.views_apply import masked_name
from anju.regions.selectors import region_name

RECENT_DAYS = 30
OBJECTABLE = (GrantStatus.ON_NOTICE, GrantStatus.OBJECTED)


def public_notices(on: dt.date | None = None) -> QuerySet[Notice]:
    on = on or today()
    grants = (Grant.objects.exclude(status=GrantStatus.CANCELLED)
              .select_related("application__worker", "fund").order_by("region_code", "id"))
    return (Notice.objects.filter(closes_on__gte=on - dt.timedelta(days=RECENT_DAYS))
            .prefetch_related(Prefetch("grants", queryset=grants)).order_by("-published_at", "-id"))


def grant_row(grant: Grant, notice: Notice, on: dt.date) -> dict[str, Any]:
    """What the public sees of one grant: masked, nothing else."""
    worker = grant.application.worker
    if grant.amount is not None:
        amount = gettext("%(amount)s 元") % {"amount": grant.amount}
    else:
        amount = f"{grant.units} {grant.fund.unit if grant.fund else ''}".strip()
    return {"pk": grant.pk, "name": masked_name(worker.name) if worker else "—",
            "id_number": worker.id_number_masked if worker else "—", "town": region_name(grant.region_code),
            "amount": amount, "objected": grant.status == GrantStatus.OBJECTED,
            "can_object": notice.closes_on >= on and grant.status in OBJECTABLE}


def notice_block(notice: Notice, on: dt.date) -> dict[str, Any]:
    return {"notice": notice, "closed": notice.closes_on < on,
            "rows": [grant_row(g, notice, on) for g in notice.grants.all()]}


@require_http_methods(["GET"])
@rate_limit("portal.notices")
@cache_control(no_store=True, private=True)
def notice_list(request: HttpRequest) -> HttpResponse:
    on = today()
    blocks = [notice_block(n, on) for n in public_notices(on)]
    return render(request, "portal/notice_list.html", {"blocks": blocks})


def objection_rate() -> str:
    return str(getattr(settings, "ANJU_OBJECTION_RATE", "5/h"))


def _objection_limited(request: HttpRequest) -> int | None:
    """Seconds to wait when this address filed too many objections (ANJU_OBJECTION_RATE)."""
    return seconds_to_wait(request, "portal.objection", rate=objection_rate())


@require_http_methods(["GET", "POST"])
@rate_limit("portal.notices")
@cache_control(no_store=True, private=True)
def objection(request: HttpRequest, pk: int) -> HttpResponse:
    on = today()
    grant = (Grant.objects.select_related("notice", "application__worker", "fund")
             .filter(pk=pk, notice__closes_on__gte=on - dt.timedelta(days=RECENT_DAYS))
             .exclude(status=GrantStatus.CANCELLED).first())
    if grant is None:
        raise Http404
    notice = grant.notice
    values = {k: (request.POST.get(k) or "").strip() for k in ("reason", "contact_name", "phone")}
    context: dict[str, Any] = {"notice": notice, "row": grant_row(grant, notice, on), "values": values,
                               "errors": {}, "error": ""}
    if request.method == "POST":
        seconds = _objection_limited(request)
        if seconds is not None:
            error = BenefitError(N_("提出异议过于频繁，请 %(seconds)s 秒后再试。"), params={"seconds": seconds})
            return too_many(request, error)
        errors = context["errors"]
        if not values["reason"]:
            errors["reason"] = gettext("请填写异议内容。")
        elif len(values["reason"]) > 1000:
            errors["reason"] = gettext("异议内容不能超过 1000 字。")
        if len(values["contact_name"]) > 50:
            errors["contact_name"] = gettext("姓名不能超过 50 个字。")
        if values["phone"]:
            try:
                validate_mobile(values["phone"][:30])
            except IdentifierError:
                errors["phone"] = gettext("手机号码不正确（应为 11 位，以 1 开头）。")
        if not errors:
            try:
                filed = objection_file(grant=grant, reason=values["reason"], contact_name=values["contact_name"],
                                       phone=values["phone"][:30])
            except BenefitError as error:
                context["error"] = error.text()
            else:
                return render(request, "portal/objection_done.html",
                              {"notice": notice, "row": grant_row(filed.grant, notice, on), "objection": filed})
    return render(request, "portal/objection.html", context)
