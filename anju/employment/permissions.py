"""Who may do what to employers (see anju.accounts.permissions for the base)."""

from __future__ import annotations

from anju.accounts.models import Role
from anju.accounts.permissions import STAFF, Policy, is_owner_scoped


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


# Staff who run employment services: the town stations and the county HRSS.
_SERVICE = frozenset({Role.ADMIN, Role.TOWN_OFFICER, Role.COUNTY_OFFICER})


class PostingPolicy(Policy):
    """Job postings. Employer users post and manage their own organisation's; staff those whose
    place lies in their jurisdiction."""

    model_label = "job_posting"
    actions = {
        "view": STAFF | {Role.EMPLOYER_USER},
        "create": _SERVICE | {Role.EMPLOYER_USER},
        "change": _SERVICE | {Role.EMPLOYER_USER},
        "import": _SERVICE,
    }
    region_field = "region_id"
    owner_field = "employer__uscc"

    @classmethod
    def region_of(cls, obj) -> str | None:
        return obj.region_id

    @classmethod
    def owner_of(cls, obj) -> str | None:
        return obj.employer.uscc if obj.employer_id else None


class ReferralPolicy(Policy):
    """Referrals: staff of the worker's place recommend and follow up. An employer user sees the
    candidates referred to its own postings (and records the interview and the outcome)."""

    model_label = "referral"
    actions = {
        "view": STAFF | {Role.EMPLOYER_USER},
        "create": _SERVICE,
        "change": _SERVICE | {Role.EMPLOYER_USER},
    }
    region_field = "region_code"
    owner_field = "posting__employer__uscc"

    @classmethod
    def region_of(cls, obj) -> str | None:
        return obj.region_code

    @classmethod
    def owner_of(cls, obj) -> str | None:
        employer = obj.posting.employer if obj.posting_id else None
        return employer.uscc if employer else None


class InterestPolicy(Policy):
    """"I'm interested" sign-ups from the public board: followed up by staff of the posting's place."""

    model_label = "job_interest"
    actions = {"view": STAFF, "change": _SERVICE}
    region_field = "region_code"

    @classmethod
    def region_of(cls, obj) -> str | None:
        return obj.region_code


def _containing_codes(prefix: str) -> list[str]:
    """The 12-digit codes of the divisions that contain a prefix's area (province, city, county,
    town), e.g. 350581001 → 350000000000, 350500000000, 350581000000."""
    return [prefix[:n].ljust(12, "0") for n in (2, 4, 6, 9) if n < len(prefix)]


class CampaignPolicy(Policy):
    """Campaigns are organised by a county or city for its whole area: staff see those of their
    own area and of the areas containing it (a town officer sees the county's Spring Breeze); only
    the organisers' level (the campaign's region within their jurisdiction) edits them."""

    model_label = "campaign"
    actions = {"view": STAFF, "create": frozenset({Role.ADMIN, Role.COUNTY_OFFICER}),
               "change": frozenset({Role.ADMIN, Role.COUNTY_OFFICER})}
    region_field = "region_id"

    @classmethod
    def region_of(cls, obj) -> str | None:
        return obj.region_id

    @classmethod
    def can_on(cls, user, action: str, obj) -> bool:
        if action == "view" and cls.can(user, action) and not is_owner_scoped(user):
            jurisdiction = user.jurisdiction or ""
            if obj.region_id in _containing_codes(jurisdiction):
                return True
        return super().can_on(user, action, obj)

    @classmethod
    def scope(cls, user, qs, action: str = "view", *, within: str = ""):
        inside = super().scope(user, qs, action, within=within)
        if action != "view" or within or not cls.can(user, action) or is_owner_scoped(user):
            return inside
        return inside | qs.filter(region_id__in=_containing_codes(user.jurisdiction or ""))


class TripPolicy(Policy):
    """Point-to-point trips, by their place of departure."""

    model_label = "transport_trip"
    actions = {"view": STAFF, "create": _SERVICE, "change": _SERVICE}
    region_field = "origin_region_id"

    @classmethod
    def region_of(cls, obj) -> str | None:
        return obj.origin_region_id


class PlacementPolicy(Policy):
    """Public welfare post placements and their monthly attendance, by the post's place."""

    model_label = "post_assignment"
    actions = {"view": STAFF, "create": _SERVICE, "change": _SERVICE}
    region_field = "region_code"

    @classmethod
    def region_of(cls, obj) -> str | None:
        return obj.region_code


class SeekerPolicy(Policy):
    """A worker's job-seeking registration, as the worker's own record (no employer access)."""

    model_label = "seeker"
    actions = {"view": STAFF, "change": _SERVICE}
    region_field = "region_code"

    @classmethod
    def region_of(cls, obj) -> str | None:
        return obj.region_code
