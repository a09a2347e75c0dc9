"""Deployment checks of Anju's own: `anju check --deploy` fails while a development key is in use."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def production_keys(app_configs, **kwargs):
    errors = []
    if settings.SECRET_KEY == settings._DEV_SECRET:
        errors.append(checks.Error("SECRET_KEY is the development key.", hint="Set SECRET_KEY (or SECRET_KEY_FILE).", id="anju.E001"))
    if settings.FIELD_KEY == settings._DEV_FIELD_KEY:
        errors.append(checks.Error("ANJU_FIELD_KEY is the development key: ID and phone numbers would be readable.",
                                   hint="Set ANJU_FIELD_KEY (or ANJU_FIELD_KEY_FILE) and keep it safe; changing it later makes stored numbers unreadable.",
                                   id="anju.E002"))
    if settings.DEV:
        errors.append(checks.Error("ANJU_DEV/DEBUG is on.", hint="Unset DEBUG and ANJU_DEV in production.", id="anju.E003"))
    return errors
