"""Keeps the request's IP and user agent where audit services can find them."""

from __future__ import annotations

import contextvars

from anju.lib import clientaddr

_request_meta: contextvars.ContextVar[dict | None] = contextvars.ContextVar("anju_audit_meta", default=None)


def current_meta() -> dict:
    return _request_meta.get() or {}


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_meta.set(
            {
                "ip": clientaddr.client_ip(request),
                "user_agent": (request.META.get("HTTP_USER_AGENT") or "")[:200],
            }
        )
        try:
            return self.get_response(request)
        finally:
            _request_meta.reset(token)
