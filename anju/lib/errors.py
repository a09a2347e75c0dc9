"""The error types every app builds on.

`AnjuError` is a broken rule or an unusable input, told to the user: it carries a stable `code`
(for programs), the field it is about (or None) and a message whose msgid is Chinese, rendered in
the current language when shown. The API maps this one class (`anju.api.errors`); each app
subclasses it (LedgerError, WorkbookError, SheetError, ...) rather than being mapped one by one.

`Problem` is one untranslated message about one field of one record (a row of an import, a
field of an API request), renderable in Chinese and in English.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext


@dataclass(frozen=True)
class Problem:
    field: str
    msgid: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, language: str | None = None) -> str:
        if language is None:
            return gettext(self.msgid) % self.params if self.params else gettext(self.msgid)
        with translation.override(language):
            return self.text()

    @property
    def zh(self) -> str:
        return self.text("zh-hans")

    @property
    def en(self) -> str:
        return self.text("en")


class AnjuError(Exception):
    """A refusal told to the user. `message` is a (lazy or already translated) string, or a
    msgid with `params` rendered when shown; `status` is what the API answers with."""

    code: str = "invalid"
    status: int = 422

    def __init__(self, message: Any, field: str | None = None, *, code: str | None = None,
                 params: dict[str, Any] | None = None, status: int | None = None):
        self.message = message
        self.field = field
        self.params = params or {}
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        super().__init__(self.text())

    def text(self, language: str | None = None) -> str:
        """The message in the current language (or in `language`)."""
        if language is not None:
            with translation.override(language):
                return self.text()
        message = self.message
        if type(message) is str:
            # A plain string may be an untranslated msgid; gettext of an already translated
            # text returns it unchanged.
            message = gettext(message)
        text = str(message)
        return text % self.params if self.params else text

    def __str__(self) -> str:
        return self.text()
