"""Who may read the audit log (see anju.accounts.permissions for the base)."""

from __future__ import annotations

from anju.accounts.models import Role
from anju.accounts.permissions import Policy


class AuditPolicy(Policy):
    model_label = "audit"
    actions = {"view": frozenset({Role.ADMIN, Role.AUDITOR})}
    region_field = "region_code"

    @classmethod
    def region_of(cls, obj) -> str | None:
        return obj.region_code or None
