"""Settings the lockout reads on every login: refuse to start with a malformed one rather than
fail (500) on the first login."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def lockout_settings(app_configs, **kwargs):
    errors = []
    for net in settings.ANJU_LOCKOUT_ADDRESS_EXEMPT:
        try:
            ipaddress.ip_network(net, strict=False)
        except ValueError:
            errors.append(checks.Error(f"ANJU_LOCKOUT_ADDRESS_EXEMPT: {net!r} is not an address or network.",
                                       hint="Comma-separated addresses or CIDR networks, e.g. 10.0.0.0/8.",
                                       id="accounts.E001"))
    for name in ("AXES_FAILURE_LIMIT", "ANJU_LOCKOUT_ADDRESS_FAILURES", "ANJU_LOCKOUT_MINUTES"):
        if getattr(settings, name) < 1:
            errors.append(checks.Error(f"{name} must be at least 1.", id="accounts.E002"))
    return errors
