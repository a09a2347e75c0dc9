"""Who may do what to the ledger's records (see anju.accounts.permissions for the base)."""

from __future__ import annotations

from django.db.models import Q

from anju.accounts.models import Role
from anju.accounts.permissions import STAFF, Policy, areas_overlap_q

_LEDGER_WRITERS = frozenset({Role.ADMIN, Role.COUNTY_OFFICER, Role.TOWN_OFFICER})
_LEDGER_REVEAL = frozenset({Role.ADMIN, Role.COUNTY_OFFICER, Role.TOWN_OFFICER, Role.INSPECTOR, Role.CIVIL_AFFAIRS})


class WorkerPolicy(Policy):
    """A worker's personal record. No owner: employer and contractor users never see the ledger
    (what an employer may see of its own staff comes through its hires, under its own policy)."""

    model_label = "worker"
    actions = {
        "view": STAFF,
        "create": _LEDGER_WRITERS,
        "change": _LEDGER_WRITERS,
        "verify": _LEDGER_WRITERS,
        "reveal": _LEDGER_REVEAL,
        "import": _LEDGER_WRITERS,
        "export": STAFF,
        # Full ID numbers in a file leave the system: county level and up only.
        "export_full": frozenset({Role.ADMIN, Role.COUNTY_OFFICER}),
    }
    region_field = "residence_region_id"

    @classmethod
    def region_of(cls, obj) -> str | None:
        return obj.residence_region_id


class RoundPolicy(Policy):
    """Verification rounds: county officers schedule them for their jurisdiction; staff who may see
    the ledger follow their progress."""

    model_label = "verification_round"
    actions = {
        "view": STAFF,
        "schedule": frozenset({Role.ADMIN, Role.COUNTY_OFFICER}),
    }

    @classmethod
    def region_of(cls, obj) -> str | None:
        return obj.region_prefix.ljust(12, "0")

    @classmethod
    def visible_q(cls, user) -> Q:
        """Rounds whose area and the user's jurisdiction overlap: inside it (a county officer sees
        the towns' rounds) or containing it (a town officer sees the county's round)."""
        if not cls.can(user, "view"):
            return Q(pk__in=[])
        return areas_overlap_q("region_prefix", user.jurisdiction or "")
