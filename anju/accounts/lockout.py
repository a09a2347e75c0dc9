"""Login lockout: django-axes, counting failures per account *and* address, plus an address limit.

Axes alone has one failure limit for all its parameter combinations, so the two limits here are:

- account + address (axes' own, `AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]`):
  `AXES_FAILURE_LIMIT` wrong passwords for one username from one address refuse that username
  from that address only. A stranger guessing someone's password cannot lock the owner, who logs
  in from elsewhere.
- address (added by `LockoutHandler`): `ANJU_LOCKOUT_ADDRESS_FAILURES` failures from one address,
  over any accounts, refuse every login from that address, so spreading guesses over many
  accounts does not escape the first limit.

Both last `ANJU_LOCKOUT_MINUTES` after the latest failure counted. The web login and the API's
token login both go through `authenticate()`, so both are limited alike. An administrator lifts
either at /accounts/lockouts/ (`lockout_release` in services).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Literal

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone

from anju.lib import clientaddr

Scope = Literal["account", "address"]


def cool_off(request: HttpRequest | None = None) -> dt.timedelta:
    """AXES_COOLOFF_TIME: how long a lock lasts after the latest failure."""
    return dt.timedelta(minutes=settings.ANJU_LOCKOUT_MINUTES)


def lockout_minutes() -> int:
    return int(settings.ANJU_LOCKOUT_MINUTES)


def client_ip(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the address every per-address limit counts (anju.lib.clientaddr).
    An IPv6 client counts as its /64 (stored as the network's first address), as for the request
    rate limits: one phone or household holds a whole /64, and stepping through it must not
    escape either lock."""
    address = clientaddr.client_address(request)
    if address is None:
        return None
    if address.version == 6:
        address = ipaddress.ip_network(f"{address}/64", strict=False).network_address
    return str(address)


def address_exempt(ip: str) -> bool:
    """Addresses in ANJU_LOCKOUT_ADDRESS_EXEMPT (e.g. a bureau's NAT) have no address-wide limit."""
    address = clientaddr.parse_address(ip)
    return address is not None and clientaddr.in_networks(address, settings.ANJU_LOCKOUT_ADDRESS_EXEMPT)


def address_failures(ip: str | None, *, since: dt.datetime) -> int:
    """Failed logins from `ip`, over all accounts, whose latest failure is at or after `since`."""
    if not ip:
        return 0
    total = AccessAttempt.objects.filter(ip_address=ip, attempt_time__gte=since).aggregate(
        n=Sum("failures_since_start"))["n"]
    return total or 0


def _since(request: HttpRequest) -> dt.datetime:
    return (getattr(request, "axes_attempt_time", None) or timezone.now()) - cool_off(request)


def _address_locked(request: HttpRequest) -> bool:
    ip = getattr(request, "axes_ip_address", None)
    if not ip or address_exempt(ip):
        return False
    return address_failures(ip, since=_since(request)) >= settings.ANJU_LOCKOUT_ADDRESS_FAILURES


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with the address-wide limit, and an audit event when a lock starts.

    `request.anju_lockout` is the scope of the lock that refused or was set by this request
    ("account" or "address"), or None; the lockout page and the API's 429 read it."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        scope: Scope | None = None
        if super().is_locked(request, credentials):
            scope = "account"
        elif _address_locked(request):
            scope = "address"
        request.anju_lockout = scope
        return scope is not None

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is None:
            return super().user_login_failed(sender, credentials, request, **kwargs)
        # Set by is_locked(), which axes' backend calls before the password is checked.
        before = getattr(request, "anju_lockout", None)
        super().user_login_failed(sender, credentials, request, **kwargs)
        username = get_client_username(request, credentials)
        scope = before
        if request.axes_locked_out:
            scope = scope or "account"
        elif _address_locked(request):
            scope = "address"
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send("axes", request=request, username=username, ip_address=request.axes_ip_address)
        request.anju_lockout = scope
        if scope is not None and before is None:
            _audit_lock_started(request, username=username, scope=scope)


def _audit_lock_started(request: HttpRequest, *, username: str | None, scope: Scope) -> None:
    from anju.audit.models import Action
    from anju.audit.services import audit_record

    ip = request.axes_ip_address
    failures = (address_failures(ip, since=_since(request)) if scope == "address"
                else request.axes_failures_since_start)
    audit_record(
        actor=None, action=Action.LOGIN_FAILED, object_type="lockout",
        object_repr=f"{username or ''} @ {ip or '?'}" if scope == "account" else f"* @ {ip or '?'}",
        username=(username or "")[:150],
        detail={"lockout": scope, "ip_address": ip, "failures": failures, "minutes": lockout_minutes()},
    )
