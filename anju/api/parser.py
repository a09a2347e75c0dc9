"""How the API reads a request body: JSON sent as `application/json`, in UTF-8, each key once.

Python's json.loads takes bytes in UTF-16 or UTF-32 as well, and keeps the last of two equal keys,
so `{"name": "王芳", "name": "李强"}` would be saved as 李强 while a log or a proxy that reads the
first key sees 王芳. A body that two readers can understand differently is refused instead (400,
as docs/api.md promises for a body that is not JSON). Errors raised here reach the API's HttpError
handler as the cause of ninja's own 400 (anju/api/api.py).
"""

from __future__ import annotations

import codecs
import json
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_noop as N_
from ninja.parser import Parser

from anju.api.errors import ApiError

_WRONG_TYPE = N_("请求体须为 JSON，并在请求头中发送 Content-Type: application/json（UTF-8 编码）。")
_NOT_UTF8 = N_("请求体不是 UTF-8 编码（例如 UTF-16）：须为 UTF-8 编码的 JSON。")
_BOM = N_("请求体以字节顺序标记（BOM）开头：须为不带 BOM 的 UTF-8 编码 JSON。")
_DUPLICATE = N_("JSON 对象中的键“%(key)s”出现了不止一次：每个键只能出现一次。")


def _is_utf8(charset: str | None) -> bool:
    if charset is None:
        return True  # application/json is UTF-8 by definition (RFC 8259)
    try:
        return codecs.lookup(charset).name == "utf-8"
    except LookupError:
        return False


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ApiError.one(400, _DUPLICATE, key=key[:50])
        result[key] = value
    return result


class StrictJSONParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        content_type = (request.content_type or "").lower()
        if content_type != "application/json" or not _is_utf8(
            request.content_params.get("charset")
        ):
            raise ApiError.one(400, _WRONG_TYPE)
        try:
            text = request.body.decode("utf-8")  # strict: a UTF-16 body fails here
        except UnicodeDecodeError as exc:
            raise ApiError.one(400, _NOT_UTF8) from exc
        if text.startswith("\ufeff"):
            raise ApiError.one(400, _BOM)
        return json.loads(text, object_pairs_hook=_unique_keys)
