"""The portal's two sign-in steps, shared by every public flow that proves a phone by SMS code
(applying, "my applications", job sign-ups, "my jobs", complaints, "my complaints"):

- `phone_start`: a phone number is asked for, a code sent, and the phone kept in the session
  under MINE_KEY until the code comes back (one key for every "mine" page: one proof serves all);
- `code_step`: the code page — resend, or verify and go on.

Both refuse a send that comes too soon or too often with the public 429 page (`too_many`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_

from anju.core.ratelimit import client_address
from anju.lib import crypto
from anju.lib.errors import AnjuError
from anju.lib.identifiers import IdentifierError, mask_mobile, validate_mobile
from anju.portal import otp

MINE_KEY = "portal_mine"
PHONE_WRONG = N_("手机号码不正确（应为 11 位，以 1 开头）。")


def too_many(request: HttpRequest, error: AnjuError) -> HttpResponse:
    """A refused send (too soon, too many) as the public 429 page, with Retry-After."""
    response = render(request, "portal/too_many.html", {"message": error.text(), "back": request.path}, status=429)
    seconds = error.params.get("seconds") or (error.params.get("minutes") or 60) * 60
    response["Retry-After"] = str(int(seconds))
    return response


def pending_phone(request: HttpRequest) -> str:
    """The phone a "mine" sign-in sent a code to and is waiting for ('' when none)."""
    data = request.session.get(MINE_KEY)
    return crypto.decrypt(data.get("phone_enc", "")) if isinstance(data, dict) else ""


def phone_start(request: HttpRequest, *, code_url: str, template: str, error_status: int = 200) -> HttpResponse:
    """The "mine" sign-in's first page: on a good phone a code is sent and the user goes to
    `code_url`; a bad one is shown again with the reason (`error_status` for the answer)."""
    values, errors = {"phone": ""}, {}
    if request.method == "POST":
        values["phone"] = (request.POST.get("phone") or "").strip()[:30]
        try:
            phone = validate_mobile(values["phone"])
        except IdentifierError:
            errors["phone"] = gettext(PHONE_WRONG)
        else:
            try:
                otp.code_send(phone=phone, address=client_address(request))
            except otp.OtpError as error:
                if error.status == 429:
                    return too_many(request, error)
                errors["phone"] = error.text()
            else:
                request.session[MINE_KEY] = {"phone_enc": crypto.encrypt(phone)}
                return redirect(code_url)
    return render(request, template, {"values": values, "errors": errors}, status=error_status if errors else 200)


def code_step(request: HttpRequest, phone: str, *, action: str, on_verified: Callable[[], HttpResponse],
              template: str = "portal/code.html", extra: dict[str, Any] | None = None) -> HttpResponse:
    """The code page for `phone`: resend, or verify it, remember the phone as proven for this
    session and answer with `on_verified()`."""
    context: dict[str, Any] = {"phone": mask_mobile(phone), "error": "", "sent": False, "policy": None,
                               "action": action, **(extra or {})}
    if request.method == "POST":
        if request.POST.get("resend"):
            try:
                otp.code_send(phone=phone, address=client_address(request))
            except otp.OtpError as error:
                return too_many(request, error)
            context["sent"] = True
        else:
            try:
                otp.code_verify(phone=phone, code=request.POST.get("code", "")[:20])
            except otp.OtpError as error:
                context["error"] = error.text()
            else:
                otp.confirm_phone(request, phone)
                return on_verified()
    return render(request, template, context)
