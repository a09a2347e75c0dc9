"""Who may do what in rights protection (see anju.accounts.permissions for the base).

- Hotline tickets: the union's line (which runs the one number) and every staff role that may be
  routed a ticket register and handle them within their jurisdiction; who acts on a ticket's clock
  is the task's role and department (`anju.workflow.permissions.TaskPolicy`).
- Arrears cases and warnings: labour inspectors and county HRSS officers (and the union, which
  mediates) in their jurisdiction.
- Construction projects: staff in the jurisdiction; a contractor user (the payroll supervisor)
  only the projects whose general contractor is its organisation, and only to upload and view.
- A worker on the portal sees only the tickets of the phone they proved by SMS code (the portal's
  session), never through these policies.
"""

from __future__ import annotations

from anju.accounts.models import Role
from anju.accounts.permissions import STAFF, Policy

_HOTLINE = frozenset({Role.ADMIN, Role.UNION, Role.COUNTY_OFFICER, Role.TOWN_OFFICER, Role.INSPECTOR,
                      Role.CIVIL_AFFAIRS})
_RIGHTS = frozenset({Role.ADMIN, Role.INSPECTOR, Role.COUNTY_OFFICER})


class TicketPolicy(Policy):
    model_label = "ticket"
    actions = {
        "view": STAFF,
        "create": _HOTLINE,
        "handle": _HOTLINE,
        # The routing table, the knowledge base and the hotline numbers.
        "configure": frozenset({Role.ADMIN, Role.UNION, Role.COUNTY_OFFICER}),
    }
    region_field = "region_id"

    @classmethod
    def region_of(cls, obj) -> str | None:
        return obj.region_id


class CasePolicy(Policy):
    model_label = "arrears_case"
    actions = {
        "view": STAFF,
        "create": _RIGHTS | {Role.UNION, Role.TOWN_OFFICER},
        "handle": _RIGHTS | {Role.UNION},
    }
    region_field = "region_id"

    @classmethod
    def region_of(cls, obj) -> str | None:
        return obj.region_id


class ProjectPolicy(Policy):
    model_label = "project"
    actions = {
        "view": STAFF | {Role.CONTRACTOR_USER},
        "create": _RIGHTS,
        "change": _RIGHTS,
        # Roster, attendance, payroll and bank statements, uploaded as workbooks.
        "upload": _RIGHTS | {Role.CONTRACTOR_USER},
        # Deposit movements and the special account's opening: the bureau's records.
        "finance": _RIGHTS,
    }
    region_field = "region_id"
    owner_field = "contractor_uscc"

    @classmethod
    def region_of(cls, obj) -> str | None:
        return obj.region_id

    @classmethod
    def owner_of(cls, obj) -> str | None:
        return obj.contractor_uscc or None


class WarningPolicy(Policy):
    """Warnings on projects: inspectors handle them; a contractor user sees its own projects'
    warnings (to fix the data behind them), never dismisses one."""

    model_label = "wage_warning"
    actions = {
        "view": STAFF | {Role.CONTRACTOR_USER},
        "handle": _RIGHTS,
        "sweep": frozenset({Role.ADMIN, Role.COUNTY_OFFICER, Role.INSPECTOR}),
    }
    region_field = "project__region_id"
    owner_field = "project__contractor_uscc"

    @classmethod
    def region_of(cls, obj) -> str | None:
        return obj.project.region_id

    @classmethod
    def owner_of(cls, obj) -> str | None:
        return obj.project.contractor_uscc or None
