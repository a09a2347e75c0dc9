"""The active language, for the few places that pick between stored Chinese and English text."""

from __future__ import annotations

from django.utils.translation import get_language


def is_english() -> bool:
    return (get_language() or "").startswith("en")
