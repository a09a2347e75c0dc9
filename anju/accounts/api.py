"""API: exchange a username and password for a bearer token."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest
from django.utils.translation import gettext_noop as N_
from ninja import Field, Router, Schema
from ninja.decorators import decorate_view
from pydantic import ConfigDict

from anju.accounts.lockout import lockout_minutes
from anju.accounts.tokens import token_issue, token_revoke
from anju.api.errors import ApiError, ErrorOut, text_problems
from anju.core.ratelimit import rate_limit

router = Router(tags=["auth"])


class TokenIn(Schema):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(..., max_length=150)
    password: str = Field(..., max_length=1024)


class TokenOut(Schema):
    token: str = Field(..., description="Send as `Authorization: Bearer <token>`.")
    expires_at: dt.datetime


@router.post(
    "/token", auth=None, url_name="token",
    response={200: TokenOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Get a token",
    description="Log in with a staff account's username and password. The token is valid for 24 hours. "
                "Wrong passwords are limited as on the web login (429 when refused): by default 5 failures "
                "for one username from one address refuse that username from that address, and 20 failures "
                "from one address over any accounts refuse every login from it, each for 30 minutes after "
                "the latest failure. A password change, a deactivation or \"log out everywhere\" ends "
                "every token of the account.",
)
@decorate_view(rate_limit("accounts.token", api=True))  # per address (ANJU_RATE_PUBLIC)
def token_create(request: HttpRequest, payload: TokenIn):
    problems = text_problems(payload.dict())
    if problems:
        raise ApiError(422, problems)
    # authenticate() with the request, so that axes counts failures and locks out, and the audit
    # log records login_failed; inactive users get None from ModelBackend.
    user = authenticate(request=request, username=payload.username, password=payload.password)
    if user is None:
        if getattr(request, "axes_locked_out", False):
            # Answered here in JSON; left set, AxesMiddleware would replace it with the HTML page.
            request.axes_locked_out = False
            if getattr(request, "anju_lockout", None) == "address":
                raise ApiError.one(429, N_("此地址登录失败次数过多，所有账号从此地址的登录已暂停，请 %(minutes)s 分钟后再试。"),
                                   minutes=lockout_minutes())
            raise ApiError.one(429, N_("登录失败次数过多，该账户在此地址已被暂时锁定，请 %(minutes)s 分钟后再试。"),
                               minutes=lockout_minutes())
        raise ApiError.one(401, N_("用户名或密码错误，或账户已停用。"))
    # A token is a login: the audit log and axes (which resets the failure count) hear of it.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    key, token = token_issue(user=user)
    return {"token": key, "expires_at": token.expires_at}


@router.delete(
    "/token", url_name="token_revoke", response={204: None, 401: ErrorOut, 422: ErrorOut},
    summary="End this token",
    description="Revoke the bearer token sent with the request (an API client's logout); later requests with it get 401.",
)
def token_delete(request: HttpRequest):
    header = request.headers.get("Authorization", "")
    token_revoke(user=request.auth, key=header.partition(" ")[2].strip())
    return 204, None
