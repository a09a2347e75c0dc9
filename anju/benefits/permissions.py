"""Who may do what in the benefits work (see anju.accounts.permissions for the base).

Deciding a verification step is not a role right: only the role, department kind and
jurisdiction the step's task names may (workflow.permissions.TaskPolicy)."""

from __future__ import annotations

from anju.accounts.models import Role
from anju.accounts.permissions import STAFF, Policy, areas_overlap_q

# Staff who take applications at a counter: the town stations and the departments that run
# measures of their own.
_COUNTER = frozenset({Role.ADMIN, Role.TOWN_OFFICER, Role.COUNTY_OFFICER, Role.CIVIL_AFFAIRS, Role.UNION})
# Departments that lead measures publish their grants and review objections to them.
_LEADS = frozenset({Role.ADMIN, Role.COUNTY_OFFICER, Role.CIVIL_AFFAIRS, Role.UNION})
_FINANCE = frozenset({Role.ADMIN, Role.FINANCE})


class ApplicationPolicy(Policy):
    model_label = "benefit_application"
    actions = {
        "view": STAFF,
        "create": _COUNTER,
        "bulk_create": frozenset({Role.ADMIN, Role.COUNTY_OFFICER, Role.CIVIL_AFFAIRS, Role.UNION}),
        # Withdraw on the applicant's behalf, record documents supplied at the counter, re-check.
        "change": _COUNTER,
        "attach": _COUNTER,
    }
    region_field = "region_code"

    @classmethod
    def region_of(cls, obj) -> str | None:
        return obj.region_code


class GrantPolicy(Policy):
    model_label = "benefit_grant"
    actions = {
        "view": STAFF,
        "publish": _LEADS,
        "cancel": _LEADS,
        # Record an in-kind grant handed over (a gift box delivered).
        "provide": _LEADS,
        "recover": _LEADS | _FINANCE,
    }
    region_field = "region_code"

    @classmethod
    def region_of(cls, obj) -> str | None:
        return obj.region_code


class FundPolicy(Policy):
    """Funds and quotas: finance registers and adjusts them; staff see how much is left."""

    model_label = "benefit_fund"
    actions = {"view": STAFF, "manage": _FINANCE}
    region_field = "region_prefix"

    @classmethod
    def region_of(cls, obj) -> str | None:
        return obj.region_prefix.ljust(12, "0")

    @classmethod
    def scope(cls, user, qs, action: str = "view", *, within: str = ""):
        # A fund's area and the user's jurisdiction overlap: a town officer sees the county's fund.
        prefix = cls.visible_prefix(user, action, within=within)
        if prefix is None:
            return qs.none()
        return qs.filter(areas_overlap_q("region_prefix", prefix))


class PaymentPolicy(Policy):
    """Payment batches and bank files: finance only (auditors read)."""

    model_label = "benefit_payment"
    actions = {"view": _FINANCE | {Role.AUDITOR}, "manage": _FINANCE, "export": _FINANCE}
    region_field = "region_prefix"

    @classmethod
    def region_of(cls, obj) -> str | None:
        return obj.region_prefix.ljust(12, "0")


class SourcePolicy(Policy):
    """Comparison sources: the departments that hold the rosters import them."""

    model_label = "benefit_source"
    actions = {
        "view": STAFF,
        "import": frozenset({Role.ADMIN, Role.COUNTY_OFFICER, Role.CIVIL_AFFAIRS, Role.UNION}),
    }
    region_field = "region_prefix"

    @classmethod
    def region_of(cls, obj) -> str | None:
        return obj.region_prefix.ljust(12, "0")
