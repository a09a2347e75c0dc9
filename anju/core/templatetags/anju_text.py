"""Punctuation that differs between Chinese and English pages: "：" / ": " and "、" / ", "."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

register = template.Library()


def _english() -> bool:
    return (get_language() or "").startswith("en")


@register.simple_tag
def colon() -> str:
    return ": " if _english() else "："


@register.filter
def human_join(items) -> str:
    return (", " if _english() else "、").join(str(i) for i in items or [])
