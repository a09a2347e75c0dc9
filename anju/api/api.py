"""The JSON API at /api/v1/: each app's `api.py` router, one error shape, bearer-token auth."""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_noop as N_
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer

from anju.api.auth import TokenAuth
from anju.api.docs import LocalSwagger, asset_response
from anju.api.errors import (
    ApiError,
    django_validation_items,
    pydantic_problems,
    render_anju_error,
    render_messages,
    render_problems,
)
from anju.api.parser import StrictJSONParser
from anju.lib.errors import AnjuError, Problem

logger = logging.getLogger(__name__)

API_VERSION = "1.0.0"


class Utf8JSONRenderer(JSONRenderer):
    # Chinese text as itself, not \uXXXX escapes: readable in curl, a third of the size.
    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="Anju API",
    version=API_VERSION,
    description=(
        "安居 · 农民工服务保障平台 JSON API. Get a token with `POST /api/v1/auth/token`, then send "
        "`Authorization: Bearer <token>`. Errors: `{\"detail\": [{\"field\", \"message\", \"message_en\"}]}`; "
        "messages follow `Accept-Language` (default zh-hans)."
    ),
    auth=TokenAuth(),
    urls_namespace="api",
    docs=LocalSwagger(),
    renderer=Utf8JSONRenderer(),
    parser=StrictJSONParser(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)

# Names of the parameters endpoints take their body and query schemas as; stripped from error paths.
_PARAM_NAMES = {"payload", "filters"}


# Every error body also names a stable `code` for programs: the domain error's own
# (AnjuError.code: "fund_overdrawn", "version_conflict", ...), else one per status.
_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 409: "conflict",
          413: "too_large", 422: "invalid", 428: "precondition_required", 429: "rate_limited"}


def _coded(body: dict, status: int, code: str | None = None) -> dict:
    body["code"] = code or _CODES.get(status, "error")
    return body


def _respond(request, status: int, problems: list[Problem], code: str | None = None):
    return api.create_response(request, _coded(render_problems(problems), status, code), status=status)


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    return _respond(request, exc.status, exc.problems, getattr(exc, "code", None))


@api.exception_handler(NinjaValidationError)
def _invalid_input(request, exc: NinjaValidationError):
    return _respond(request, 422, pydantic_problems(exc.errors, _PARAM_NAMES))


@api.exception_handler(AnjuError)
def _anju_error(request, exc: AnjuError):
    # Every app's domain error (LedgerError, ...). Permission checks happen in the endpoints
    # (403) before the service is called, so one here is a broken rule about the data sent.
    # A domain error that names no code of its own is coded by its status (404: not_found).
    code = exc.code if exc.code != AnjuError.code else None
    return api.create_response(request, _coded(render_anju_error(exc), exc.status, code), status=exc.status)


@api.exception_handler(DjangoValidationError)
def _model_invalid(request, exc: DjangoValidationError):
    return api.create_response(request, _coded(render_messages(django_validation_items(exc)), 422), status=422)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _respond(request, 404, [Problem("", N_("未找到该记录（不存在或不在您的管辖范围内）。"))])


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    response = _respond(request, 401, [Problem("", N_(
        "未登录或令牌无效、已过期：请先用 POST /api/v1/auth/token 获取令牌，"
        "并在请求头中发送 Authorization: Bearer <令牌>。"))])
    response["WWW-Authenticate"] = 'Bearer realm="anju"'
    return response


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return _respond(request, 413, [Problem("", N_("请求体过大。"))])


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, ApiError):  # ninja wraps what the parser raised (anju/api/parser.py)
        return _api_error(request, exc.__cause__)
    if exc.status_code == 400:  # ninja: the body is not JSON
        return _respond(request, 400, [Problem("", N_("请求体无法解析：须为 UTF-8 编码的 JSON。"))])
    if exc.status_code == 403:
        return _respond(request, 403, [Problem("", N_("您没有执行该操作的权限。"))])
    return _respond(request, exc.status_code, [Problem("", N_("请求无法处理。"))])


@api.get("/docs/assets/{name}", auth=None, include_in_schema=False)
def docs_asset(request, name: str):
    return asset_response(name)


api.add_router("/auth", "anju.accounts.api.router")
api.add_router("", "anju.registry.api.router")
api.add_router("", "anju.policies.api.router")
api.add_router("/benefits", "anju.benefits.api.router")
api.add_router("/employment", "anju.employment.api.router")
api.add_router("/rights", "anju.rights.api.router")
