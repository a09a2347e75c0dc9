"""One error shape for the whole API, in the request's language and in English:

    {"detail": [{"field": "id_number" | null, "message": "...", "message_en": "..."}]}

Endpoints raise `ApiError` (or let Http404 / ninja's own errors through); services raise their
app's subclass of `anju.lib.errors.AnjuError`, which is mapped once, as one class (its status,
field and message). The handlers turn each into that shape. Messages are Chinese msgids,
translated when rendered.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import translation
from django.utils.translation import gettext_noop as N_
from ninja import Schema

from anju.lib.errors import AnjuError, Problem
from anju.lib.text import BAD_TEXT, bad_text


class ErrorItem(Schema):
    field: str | None = None
    message: str
    message_en: str


class ErrorOut(Schema):
    """Every error answer: the problems for people, and a stable code for programs (the domain
    error's own, e.g. "fund_overdrawn", "version_conflict", else one per status: "not_found")."""

    code: str | None = None
    detail: list[ErrorItem]


class ApiError(Exception):
    """A 4xx answer with one or more problems."""

    def __init__(self, status: int, problems: list[Problem]):
        super().__init__(status, problems)
        self.status = status
        self.problems = problems

    @classmethod
    def one(cls, status: int, msgid: str, field: str | None = None, **params: Any) -> ApiError:
        return cls(status, [Problem(field or "", msgid, params)])


def message_pair(message) -> tuple[str, str]:
    """A lazy message (or a plain string) in the current language and in English."""
    with translation.override("en"):
        en = str(message)
    return str(message), en


def render_problems(problems: list[Problem]) -> dict:
    return {"detail": [
        {"field": p.field or None, "message": p.text(), "message_en": p.en} for p in problems
    ]}


def render_anju_error(exc: AnjuError) -> dict:
    """Any app's AnjuError (LedgerError, WorkbookError, ...): its field and its message."""
    return {"detail": [{"field": exc.field or None, "message": exc.text(), "message_en": exc.text("en")}]}


def render_messages(items: list[tuple[str | None, Any]]) -> dict:
    """For messages that are already lazy strings (Django ValidationError)."""
    detail = []
    for field, message in items:
        text, en = message_pair(message)
        detail.append({"field": field or None, "message": text, "message_en": en})
    return {"detail": detail}


def django_validation_items(exc: DjangoValidationError) -> list[tuple[str | None, Any]]:
    if hasattr(exc, "error_dict"):
        return [(None if f == "__all__" else f, e.message % (e.params or {}) if e.params else e.message)
                for f, errors in exc.error_dict.items() for e in errors]
    return [(None, e.message % (e.params or {}) if e.params else e.message) for e in exc.error_list]


# -- pydantic errors (wrong types, missing fields, unknown fields) -------------------------------

_EXPECTED = {
    "string": N_("文本"),
    "int": N_("整数"),
    "bool": N_("布尔值（true 或 false）"),
    "date": N_("日期（YYYY-MM-DD）"),
    "decimal": N_("数字"),
    "float": N_("数字"),
    "list": N_("列表"),
    "dict": N_("JSON 对象"),
    "model": N_("JSON 对象"),
}

_BY_TYPE = {
    "missing": N_("必填项不能为空。"),
    "extra_forbidden": N_("未知字段（请对照接口文档检查字段名）。"),
    "string_too_long": N_("不能超过 %(max)s 个字符。"),
    "string_too_short": N_("不能少于 %(min)s 个字符。"),
    "string_pattern_mismatch": N_("格式不正确。"),
    "too_long": N_("最多 %(max)s 项。"),
    "greater_than_equal": N_("须不小于 %(min)s。"),
    "greater_than": N_("须大于 %(min)s。"),
    "less_than_equal": N_("须不大于 %(max)s。"),
    "less_than": N_("须小于 %(max)s。"),
    "enum": N_("不是可选值（可选：%(allowed)s）。"),
    "literal_error": N_("不是可选值（可选：%(allowed)s）。"),
    "int_from_float": N_("须为整数。"),
    "decimal_max_digits": N_("数字位数过多。"),
    "decimal_max_places": N_("小数位数过多。"),
    "finite_number": N_("须为有限的数字。"),
}
_WRONG_TYPE = N_("类型不正确：应为%(expected)s。")
_INVALID = N_("取值无效。")

# Locations ninja puts before the field name: ("body", "payload", "name"), ("query", "limit").
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def _field_of(loc: tuple | list, param_names: set[str]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    if parts and parts[0] in param_names:
        parts = parts[1:]
    # Keep the top-level field only: "difficulty_types.2" reads as "difficulty_types".
    names = [p for p in parts if not p.isdigit() and not p.startswith(("function-", "lax-", "json-"))]
    return names[0] if names else ""


def _problem_of(error: dict, param_names: set[str]) -> Problem:
    field = _field_of(error.get("loc", ()), param_names)
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind in _BY_TYPE:
        params: dict[str, Any] = {}
        if kind in ("string_too_long", "too_long"):
            params["max"] = ctx.get("max_length", "")
        elif kind == "string_too_short":
            params["min"] = ctx.get("min_length", "")
        elif kind in ("greater_than_equal", "greater_than"):
            params["min"] = ctx.get("ge", ctx.get("gt", ""))
        elif kind in ("less_than_equal", "less_than"):
            params["max"] = ctx.get("le", ctx.get("lt", ""))
        elif kind in ("enum", "literal_error"):
            params["allowed"] = str(ctx.get("expected", "")).replace("'", "")
        if kind == "missing" and not field:
            return Problem("", N_("请求体不能为空：须为 JSON 对象。"))
        return Problem(field, _BY_TYPE[kind], params)
    stem = kind.split("_")[0]
    if kind.endswith(("_type", "_parsing")) or stem in _EXPECTED:
        expected = _EXPECTED.get(stem)
        if stem in ("model", "dict") and not field:
            return Problem("", N_("请求体须为 JSON 对象。"))
        if expected:
            # The expected type is itself a msgid: render it in the same language as the message.
            return _TypeProblem(field, _WRONG_TYPE, {"expected": expected})
    return Problem(field, _INVALID)


class _TypeProblem(Problem):
    def text(self, language: str | None = None) -> str:
        from django.utils.translation import gettext

        if language is None:
            return gettext(self.msgid) % {"expected": gettext(self.params["expected"])}
        with translation.override(language):
            return self.text()


def pydantic_problems(errors: list[dict], param_names: set[str]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    problems = []
    for error in errors:
        p = _problem_of(error, param_names)
        key = (p.field, p.text("zh-hans"))
        if key not in seen:  # a union type reports once per member; say it once
            seen.add(key)
            problems.append(p)
    return problems


# -- input hygiene ------------------------------------------------------------------------------

def text_problems(values: dict[str, Any]) -> list[Problem]:
    """Strings no database should be asked to store: NUL and other control characters (PostgreSQL
    refuses NUL), and lone surrogates (not encodable as UTF-8)."""
    problems = []
    for field, value in values.items():
        items = value if isinstance(value, (list, tuple)) else [value]
        if any(bad_text(v, multiline=True) for v in items):
            problems.append(Problem(field, BAD_TEXT))
    return problems
