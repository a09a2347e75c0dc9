"""Who may do what with the policy engine (see anju.accounts.permissions for the base)."""

from __future__ import annotations

from anju.accounts.models import Role
from anju.accounts.permissions import STAFF, Policy

_SCANNERS = frozenset({Role.ADMIN, Role.COUNTY_OFFICER, Role.TOWN_OFFICER, Role.CIVIL_AFFAIRS, Role.UNION, Role.FINANCE})


class PolicyPolicy(Policy):
    """Policy screens: everyone reads the measures; the departments that grant them record
    decisions and run proactive lists (免申即享) inside their jurisdiction."""

    model_label = "policy"
    actions = {
        "view": STAFF,
        "decide": _SCANNERS,
        "scan": _SCANNERS,
        "export": _SCANNERS,
    }

    @classmethod
    def region_of(cls, obj) -> str | None:
        return getattr(obj, "issuing_region", None)
