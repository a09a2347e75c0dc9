"""Permission policies: one per model, named actions, scoped by role and region.

    ledger = WorkerPolicy
    ledger.can(user, "view")                     # may the role do it at all?
    ledger.can_on(user, "change", worker)        # ... to this record, in the user's jurisdiction?

Views and the API ask these, never `is_staff` or the role directly.
"""

from __future__ import annotations

from typing import ClassVar

from anju.accounts.models import Role
from anju.regions.codes import in_prefix

ALL = frozenset(Role.values)


class Policy:
    model_label: ClassVar[str]
    actions: ClassVar[dict[str, frozenset[str]]]

    @classmethod
    def can(cls, user, action: str) -> bool:
        if action not in cls.actions:
            raise KeyError(f"{cls.model_label}.{action} is not a known action")
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        return user.role in cls.actions[action]

    @classmethod
    def region_of(cls, obj) -> str | None:
        raise NotImplementedError

    @classmethod
    def can_on(cls, user, action: str, obj) -> bool:
        return cls.can(user, action) and in_prefix(cls.region_of(obj), user.jurisdiction)

    @classmethod
    def allowed_actions(cls, user) -> set[str]:
        return {a for a in cls.actions if cls.can(user, a)}


_LEDGER_WRITERS = frozenset({Role.ADMIN, Role.COUNTY_OFFICER, Role.TOWN_OFFICER})
_LEDGER_REVEAL = frozenset({Role.ADMIN, Role.COUNTY_OFFICER, Role.TOWN_OFFICER, Role.INSPECTOR, Role.CIVIL_AFFAIRS})


class WorkerPolicy(Policy):
    model_label = "worker"
    actions = {
        "view": ALL,
        "create": _LEDGER_WRITERS,
        "change": _LEDGER_WRITERS,
        "verify": _LEDGER_WRITERS,
        "reveal": _LEDGER_REVEAL,
        "import": _LEDGER_WRITERS,
        "export": ALL,
        # Full ID numbers in a file leave the system: county level and up only.
        "export_full": frozenset({Role.ADMIN, Role.COUNTY_OFFICER}),
    }

    @classmethod
    def region_of(cls, obj) -> str | None:
        return obj.residence_region_id


class EmployerPolicy(Policy):
    model_label = "employer"
    actions = {
        "view": ALL,
        "create": frozenset({Role.ADMIN, Role.COUNTY_OFFICER}),
        "change": frozenset({Role.ADMIN, Role.COUNTY_OFFICER}),
    }

    @classmethod
    def region_of(cls, obj) -> str | None:
        return obj.region_id


class AuditPolicy(Policy):
    model_label = "audit"
    actions = {"view": frozenset({Role.ADMIN, Role.AUDITOR})}

    @classmethod
    def region_of(cls, obj) -> str | None:
        return obj.region_code or None


class UserPolicy(Policy):
    model_label = "user"
    actions = {"manage": frozenset({Role.ADMIN})}

    @classmethod
    def region_of(cls, obj) -> str | None:
        return obj.jurisdiction or None


_SCANNERS = frozenset({Role.ADMIN, Role.COUNTY_OFFICER, Role.TOWN_OFFICER, Role.CIVIL_AFFAIRS, Role.UNION, Role.FINANCE})


class PolicyPolicy(Policy):
    """Policy screens: everyone reads the measures; the departments that grant them record
    decisions and run proactive lists (免申即享) inside their jurisdiction."""

    model_label = "policy"
    actions = {
        "view": ALL,
        "decide": _SCANNERS,
        "scan": _SCANNERS,
        "export": _SCANNERS,
    }

    @classmethod
    def region_of(cls, obj) -> str | None:
        return getattr(obj, "issuing_region", None)


class ParameterPolicy(Policy):
    """Dated regional parameters (低保标准, 最低工资, rates): read by all, set by administrators and
    county officers for a region inside their jurisdiction."""

    model_label = "parameter"
    actions = {
        "view": ALL,
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
