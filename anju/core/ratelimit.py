"""Per-address limits on the endpoints anyone can call: the screening API and page, the logins.

The counting is django-ratelimit's (fixed windows in Django's cache). The cache is per process
(LocMem), so with N gunicorn workers an address gets up to N times the limit; a proxy in front
(nginx `limit_req`, docs/operations.md) is the production answer, this is the floor that holds
without one. The address is REMOTE_ADDR, or the header the trusted proxy sets
(ANJU_CLIENT_IP_HEADER) when, and only when, the request comes from that proxy: anyone can send
an X-Forwarded-For.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_noop as N_
from django_ratelimit.core import get_usage

from anju.api.errors import render_problems
from anju.lib import clientaddr
from anju.lib.errors import Problem

logger = logging.getLogger(__name__)

TOO_MANY = N_("请求过于频繁，请 %(seconds)s 秒后再试。")


def client_address(request: HttpRequest) -> str:
    """The caller's address, as the limits count it (anju.lib.clientaddr)."""
    remote = clientaddr.client_address(request)
    if remote is None:
        return "unknown"
    if remote.version == 6:
        # One household or phone gets a whole /64; counting single addresses would not limit it.
        return str(ipaddress.ip_network(f"{remote}/64", strict=False))
    return str(remote)


def _key(group: str, request: HttpRequest) -> str:
    return client_address(request)


def seconds_to_wait(
    request: HttpRequest, group: str, methods: Iterable[str] | None = None, *, rate: str | None = None
) -> int | None:
    """Count this request against the group's limit (`rate`, e.g. "5/h"; default
    ANJU_RATE_PUBLIC); the seconds until the window ends when the address is over it, None when
    the request may go on."""
    rate = settings.ANJU_RATE_PUBLIC if rate is None else rate
    if not rate:
        return None
    if methods is not None and request.method not in methods:
        return None
    usage = get_usage(request, group=group, key=_key, rate=rate, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    if usage["count"] == usage["limit"] + 1:  # the first refusal of a window, not every one
        logger.warning("rate limit %s reached by %s", group, client_address(request))
    # The window's last second still belongs to it: the address is served again one second later.
    return max(1, usage["time_left"] + 1)


def _too_many(request: HttpRequest, seconds: int, *, api: bool) -> HttpResponse:
    problem = Problem("", TOO_MANY, {"seconds": seconds})
    if api:
        response: HttpResponse = JsonResponse(
            render_problems([problem]), status=429, json_dumps_params={"ensure_ascii": False}
        )
    else:
        response = render(request, "429.html", {"message": problem.text()}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def rate_limit(group: str, *, methods: Iterable[str] | None = None, api: bool = False) -> Callable:
    """A view decorator: over the limit, answer 429 with Retry-After (a page, or with api=True
    the API's error JSON; for ninja operations apply it with ninja.decorators.decorate_view).
    `methods` limits the counting to those methods (None: every request)."""
    counted = None if methods is None else {m.upper() for m in methods}

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            seconds = seconds_to_wait(request, group, counted)
            if seconds is not None:
                return _too_many(request, seconds, api=api)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
