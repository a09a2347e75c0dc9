"""Punctuation that differs between Chinese and English pages: "：" / ": " and "、" / ", "."""

from __future__ import annotations

from django import template

from anju.lib.i18n import is_english as _english

register = template.Library()


@register.simple_tag
def colon() -> str:
    return ": " if _english() else "："


@register.filter
def human_join(items) -> str:
    return (", " if _english() else "、").join(str(i) for i in items or [])
