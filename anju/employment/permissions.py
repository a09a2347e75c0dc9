"""Who may do what to employers (see anju.accounts.permissions for the base)."""

from __future__ import annotations

from anju.accounts.models import Role
from anju.accounts.permissions import STAFF, Policy


class EmployerPolicy(Policy):
    """An employer's record. Its owner is the employer itself: an employer or contractor user
    sees only its own organisation, and only inside its jurisdiction."""

    model_label = "employer"
    actions = {
        "view": STAFF | {Role.EMPLOYER_USER, Role.CONTRACTOR_USER},
        "create": frozenset({Role.ADMIN, Role.COUNTY_OFFICER}),
        "change": frozenset({Role.ADMIN, Role.COUNTY_OFFICER}),
    }
    region_field = "region_id"
    owner_field = "uscc"

    @classmethod
    def region_of(cls, obj) -> str | None:
        return obj.region_id

    @classmethod
    def owner_of(cls, obj) -> str | None:
        return obj.uscc or None
