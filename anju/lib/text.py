"""The one check of text no field of Anju stores, whichever way it comes in (a form, a workbook,
the API, the public self-check): C0 control characters, DEL and C1 control characters — invisible,
they make one name look like another, break exports, and PostgreSQL refuses NUL — and lone
surrogates (not UTF-8). Multi-line text (a note, a list typed one item per line) may hold line
breaks and tabs."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_noop as N_

CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
BAD_TEXT = N_("含有无法保存的字符（控制字符或无效的 Unicode）。")


def bad_text(value: Any, *, multiline: bool = False) -> bool:
    """Whether `value` (a string, or a list of them) holds a character no field stores. Leading
    and trailing whitespace is trimmed before storing, so it is not checked."""
    if isinstance(value, (list, tuple)):
        return any(bad_text(v, multiline=multiline) for v in value)
    if not isinstance(value, str):
        return False
    return (CONTROL_MULTILINE if multiline else CONTROL).search(value.strip()) is not None
