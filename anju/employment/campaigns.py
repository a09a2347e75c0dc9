"""Recruitment campaigns (春风行动, 就业援助月 ...): their writes and their figures.

A campaign has its dates and region, the employers taking part, the postings on offer and its
fairs. Its figures are counted from what happened, never entered:

- participating employers: the campaign's employers plus the employers of its postings;
- jobs offered: the headcount of its postings, summed;
- workers reached: distinct people referred to its postings or signed up for them ("I'm
  interested" on the public board), plus the passengers of its point-to-point trips;
- intentions (求职意向): `INTENTION_TEXT` — referrals of its postings that reached the interview or
  a later outcome, plus the sign-ups for its postings;
- hires: referrals of its postings that ended in a hire.

The figures count the whole campaign (they are numbers, no one's data); the lists they open are
scoped to the user as every list is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_

from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.employment.models import (
    Campaign,
    CampaignFair,
    Employer,
    JobInterest,
    JobPosting,
    Referral,
    ReferralStatus,
    TripPassenger,
)
from anju.employment.permissions import CampaignPolicy, PostingPolicy
from anju.employment.services import EmploymentError
from anju.lib.versioning import lock_versioned, save_versioned
from anju.regions.codes import in_prefix, significant_prefix

CAMPAIGN_FIELDS = ("kind", "name", "region_id", "starts_on", "ends_on", "description")
# A referral counts as an intention once it reached the interview: interviewed, or an outcome after it.
INTENTION_STATUSES = (ReferralStatus.INTERVIEWED, ReferralStatus.HIRED, ReferralStatus.NOT_HIRED)
INTENTION_TEXT = _("求职意向＝活动岗位的推荐中已到面试及以后环节（已面试、已录用、未录用）的人次，加上对活动岗位的求职报名人次。")
MAX_CHART_DAYS = 366


# Reads -------------------------------------------------------------------------------------------
def campaigns_for_user(user, action: str = "view") -> QuerySet[Campaign]:
    return CampaignPolicy.scope(user, Campaign.objects.all(), action)


def get_campaign_for_user(user, pk, *, action: str = "view") -> Campaign:
    from anju.employment.selectors import checked_pk

    campaign = campaigns_for_user(user).select_related("region", "created_by").filter(pk=checked_pk(pk)).first()
    if campaign is None or not CampaignPolicy.can_on(user, action, campaign):
        raise Http404
    return campaign


# Writes ------------------------------------------------------------------------------------------
def _check(actor, campaign: Campaign, action: str) -> None:
    if not CampaignPolicy.can_on(actor, action, campaign):
        raise EmploymentError(N_("您没有在该地区组织招聘活动的权限。"), code="forbidden", status=403)


def _dates(campaign: Campaign) -> None:
    if campaign.starts_on and campaign.ends_on and campaign.ends_on < campaign.starts_on:
        raise EmploymentError(N_("结束日期不能早于开始日期。"), "ends_on")
    if campaign.starts_on and campaign.ends_on and (campaign.ends_on - campaign.starts_on).days >= MAX_CHART_DAYS:
        raise EmploymentError(N_("活动期限不能超过一年。"), "ends_on")


@transaction.atomic
def campaign_create(*, actor, data: dict[str, Any]) -> Campaign:
    campaign = Campaign(created_by=actor, **{k: data[k] for k in CAMPAIGN_FIELDS if k in data})
    _check(actor, campaign, "create")
    _dates(campaign)
    campaign.full_clean(exclude=["region", "created_by", "employers", "postings"])
    campaign.save()
    audit_record(actor=actor, action=Action.CREATE, obj=campaign, region_code=campaign.region_id,
                 detail={"kind": campaign.kind, "starts_on": str(campaign.starts_on), "ends_on": str(campaign.ends_on)})
    return campaign


@transaction.atomic
def campaign_update(*, actor, campaign: Campaign, data: dict[str, Any], expected_version: int | None = None) -> Campaign:
    locked = lock_versioned(Campaign.objects.all(), campaign.pk, expected_version=expected_version)
    _check(actor, locked, "change")
    before = {k: getattr(locked, k) for k in CAMPAIGN_FIELDS}
    for name in CAMPAIGN_FIELDS:
        if name in data:
            setattr(locked, name, data[name])
    _check(actor, locked, "change")  # the new region must be the actor's too
    _dates(locked)
    changes = {k: (str(before[k]), str(getattr(locked, k))) for k in CAMPAIGN_FIELDS if before[k] != getattr(locked, k)}
    if not changes:
        return locked
    locked.full_clean(exclude=["region", "created_by", "employers", "postings"])
    save_versioned(locked, CAMPAIGN_FIELDS)
    audit_record(actor=actor, action=Action.UPDATE, obj=locked, region_code=locked.region_id, changes=changes)
    return locked


def _locked(actor, campaign: Campaign) -> Campaign:
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _check(actor, locked, "change")
    return locked


@transaction.atomic
def campaign_add_employers(*, actor, campaign: Campaign, employers: list[Employer]) -> list[Employer]:
    """Add employers taking part; each must lie in the campaign's region. Returns those added."""
    locked = _locked(actor, campaign)
    for employer in employers:
        if not in_prefix(employer.region_id, _prefix(locked.region_id)):
            raise EmploymentError(N_("「%(name)s」不在活动地区内。"), "employers", params={"name": employer.name})
    have = set(locked.employers.values_list("pk", flat=True))
    added = [e for e in employers if e.pk not in have]
    if added:
        locked.employers.add(*added)
        audit_record(actor=actor, action=Action.UPDATE, obj=locked, region_code=locked.region_id,
                     detail={"employers_added": [e.pk for e in added]})
    return added


@transaction.atomic
def campaign_remove_employer(*, actor, campaign: Campaign, employer: Employer) -> None:
    locked = _locked(actor, campaign)
    if locked.employers.filter(pk=employer.pk).exists():
        locked.employers.remove(employer)
        audit_record(actor=actor, action=Action.UPDATE, obj=locked, region_code=locked.region_id,
                     detail={"employer_removed": employer.pk})


@transaction.atomic
def campaign_add_postings(*, actor, campaign: Campaign, postings: list[JobPosting]) -> list[JobPosting]:
    """Add postings on offer in the campaign: each in the campaign's region and one the actor may
    manage. Returns those added."""
    locked = _locked(actor, campaign)
    for posting in postings:
        if not in_prefix(posting.region_id, _prefix(locked.region_id)):
            raise EmploymentError(N_("岗位「%(title)s」的工作地点不在活动地区内。"), "postings", params={"title": posting.title})
        if not PostingPolicy.can_on(actor, "view", posting):
            raise EmploymentError(N_("您没有管理岗位「%(title)s」的权限。"), "postings", params={"title": posting.title},
                                  code="forbidden", status=403)
    have = set(locked.postings.values_list("pk", flat=True))
    added = [p for p in postings if p.pk not in have]
    if added:
        locked.postings.add(*added)
        audit_record(actor=actor, action=Action.UPDATE, obj=locked, region_code=locked.region_id,
                     detail={"postings_added": [p.pk for p in added]})
    return added


@transaction.atomic
def campaign_remove_posting(*, actor, campaign: Campaign, posting: JobPosting) -> None:
    locked = _locked(actor, campaign)
    if locked.postings.filter(pk=posting.pk).exists():
        locked.postings.remove(posting)
        audit_record(actor=actor, action=Action.UPDATE, obj=locked, region_code=locked.region_id,
                     detail={"posting_removed": posting.pk})


FAIR_FIELDS = ("name", "mode", "held_on", "place", "employers_count", "visitors_count")


@transaction.atomic
def campaign_add_fair(*, actor, campaign: Campaign, data: dict[str, Any]) -> CampaignFair:
    """A job fair of the campaign, online (its URL) or offline (its place), on a day of the campaign."""
    locked = _locked(actor, campaign)
    fair = CampaignFair(campaign=locked, **{k: data[k] for k in FAIR_FIELDS if k in data})
    if fair.held_on and not locked.starts_on <= fair.held_on <= locked.ends_on:
        raise EmploymentError(N_("招聘会日期应在活动期间（%(start)s 至 %(end)s）。"), "held_on",
                              params={"start": locked.starts_on.isoformat(), "end": locked.ends_on.isoformat()})
    place = (fair.place or "").strip()
    if not place:
        raise EmploymentError(N_("请填写招聘会地点（线下）或网址（线上）。"), "place")
    if fair.mode == CampaignFair.Mode.ONLINE and not place.lower().startswith(("http://", "https://")):
        raise EmploymentError(N_("线上招聘会请填写以 http:// 或 https:// 开头的网址。"), "place")
    fair.place = place
    fair.full_clean(exclude=["campaign"])
    fair.save()
    audit_record(actor=actor, action=Action.CREATE, obj=fair, region_code=locked.region_id,
                 detail={"campaign": locked.pk, "mode": fair.mode, "held_on": str(fair.held_on)})
    return fair


def _prefix(region_code: str) -> str:
    """The division prefix of a 12-digit code (a county's 350581000000 -> 350581)."""
    return significant_prefix(region_code or "")


# Figures -----------------------------------------------------------------------------------------
def _link(name: str, **params: Any) -> str:
    try:
        base = reverse(name)
    except NoReverseMatch:  # the list is not wired (yet)
        return ""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{base}?{query}" if query else base


@dataclass
class Figures:
    employers: int
    jobs: int
    reached: int
    intentions: int
    intention_referrals: int
    sign_ups: int
    hires: int
    postings: int
    trips: int
    passengers: int
    urls: dict[str, str] = field(default_factory=dict)
    by_status: list[dict] = field(default_factory=list)
    chart: dict = field(default_factory=dict)


def participating_employers(campaign: Campaign) -> QuerySet[Employer]:
    return Employer.objects.filter(Q(campaigns=campaign) | Q(postings__campaigns=campaign)).distinct()


def campaign_figures(campaign: Campaign) -> Figures:
    """The campaign's live figures (see the module's docstring for what each counts)."""
    postings = JobPosting.objects.filter(campaigns=campaign)
    referrals = Referral.objects.filter(posting__campaigns=campaign)
    interests = JobInterest.objects.filter(posting__campaigns=campaign)
    passengers = TripPassenger.objects.filter(trip__campaign=campaign)
    employers = participating_employers(campaign).count()
    jobs = postings.aggregate(n=Sum("headcount"))["n"] or 0
    workers = set(referrals.values_list("worker_id", flat=True).distinct())
    workers |= set(interests.filter(worker__isnull=False).values_list("worker_id", flat=True).distinct())
    workers |= set(passengers.values_list("worker_id", flat=True).distinct())
    # A sign-up not (yet) matched to the ledger is a person too: counted once by phone number.
    strangers = interests.filter(worker__isnull=True).values("phone_hash").distinct().count()
    counts = dict(referrals.order_by().values_list("status").annotate(n=Count("id")))
    intention_referrals = sum(counts.get(s, 0) for s in INTENTION_STATUSES)
    sign_ups = interests.count()
    hires = counts.get(ReferralStatus.HIRED, 0)
    cid = campaign.pk
    urls = {
        "postings": _link("employment:postings", campaign=cid),
        "referrals": _link("employment:referrals", campaign=cid),
        "hires": _link("employment:referrals", campaign=cid, status=ReferralStatus.HIRED),
        "trips": _link("employment:trips", campaign=cid),
        "sign_ups": _link("employment:interests", campaign=cid),
    }
    by_status = [{"status": value, "label": str(label), "count": counts.get(value, 0),
                  "intention": value in INTENTION_STATUSES,
                  "url": _link("employment:referrals", campaign=cid, status=value)}
                 for value, label in ReferralStatus.choices]
    return Figures(employers=employers, jobs=jobs, reached=len(workers) + strangers,
                   intentions=intention_referrals + sign_ups, intention_referrals=intention_referrals,
                   sign_ups=sign_ups, hires=hires, postings=postings.count(),
                   trips=campaign.trips.count(), passengers=passengers.count(), urls=urls, by_status=by_status,
                   chart=_daily(campaign, referrals, interests, passengers, urls))


def _per_day(qs, field_name: str) -> dict[dt.date, int]:
    tz = timezone.get_current_timezone()
    rows = qs.annotate(day=TruncDate(field_name, tzinfo=tz)).order_by().values("day").annotate(n=Count("id"))
    out: dict[dt.date, int] = {}
    for row in rows:
        day = row["day"]
        if isinstance(day, str):  # some backends hand the date back as text
            day = dt.date.fromisoformat(day[:10])
        if day is not None:
            out[day] = out.get(day, 0) + row["n"]
    return out


def _daily(campaign: Campaign, referrals, interests, passengers, urls: dict[str, str]) -> dict:
    """Per day of the campaign: referrals made, sign-ups, hires (the day the referral closed as
    hired) and passengers who set out (by the trip's departure date)."""
    days = [campaign.starts_on + dt.timedelta(days=i)
            for i in range((campaign.ends_on - campaign.starts_on).days + 1)][:MAX_CHART_DAYS]
    made = _per_day(referrals, "created_at")
    signed = _per_day(interests, "created_at")
    hired = _per_day(referrals.filter(status=ReferralStatus.HIRED, closed_at__isnull=False), "closed_at")
    rode: dict[dt.date, int] = {}
    for day, n in passengers.order_by().values_list("trip__departs_on").annotate(n=Count("id")):
        rode[day] = rode.get(day, 0) + n
    return {
        "days": [d.isoformat() for d in days],
        "series": [
            {"name": str(_("推荐")), "data": [made.get(d, 0) for d in days], "url": urls["referrals"]},
            {"name": str(_("求职报名")), "data": [signed.get(d, 0) for d in days], "url": urls["sign_ups"]},
            {"name": str(_("录用")), "data": [hired.get(d, 0) for d in days], "url": urls["hires"]},
            {"name": str(_("乘车人次")), "data": [rode.get(d, 0) for d in days], "url": urls["trips"]},
        ],
    }
