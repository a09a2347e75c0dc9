"""Password validators whose messages have a Chinese msgid.

Django 5.2 changed the "too short" message (it now formats with %d) and its zh_Hans catalogue
still translates only the old wording, so Django's MinimumLengthValidator answers in English on
a Chinese page. This one says the same in the project's own catalogue.
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import gettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        # Formatted by ValidationError with params={"min_length": ...}.
        return gettext("密码太短，至少需要 %(min_length)d 个字符。")

    def get_help_text(self) -> str:
        return gettext("密码至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}
