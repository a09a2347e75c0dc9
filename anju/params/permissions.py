"""Who may read and set parameters (see anju.accounts.permissions for the base)."""

from __future__ import annotations

from anju.accounts.models import Role
from anju.accounts.permissions import STAFF, Policy
from anju.regions.codes import in_prefix


class ParameterPolicy(Policy):
    """Dated regional parameters (低保标准, 最低工资, rates): read by all, set by administrators and
    county officers for a region inside their jurisdiction."""

    model_label = "parameter"
    actions = {
        "view": STAFF,
        "change": frozenset({Role.ADMIN, Role.COUNTY_OFFICER}),
    }

    @classmethod
    def region_of(cls, obj) -> str | None:
        # A ParameterValue (or anything with a region prefix); the national value has no region.
        prefix = getattr(obj, "region_prefix", None)
        return prefix.ljust(12, "0") if prefix else None

    @classmethod
    def can_set_for(cls, user, region_prefix: str) -> bool:
        """May `user` set a value for `region_prefix` ('' = national: unrestricted users only)?"""
        if not cls.can(user, "change"):
            return False
        if not region_prefix:
            return not user.jurisdiction
        return in_prefix(region_prefix.ljust(12, "0"), user.jurisdiction) and len(region_prefix) >= len(user.jurisdiction)
