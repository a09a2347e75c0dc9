"""The employment demo: after `seed-demo`, Shishi and Lan County have open postings of every kind
(checked and indexed), a Spring Breeze campaign is under way with figures that are not zero,
referrals stand at every stage (the hire made through the service), there is one point-to-point
trip, and a second load creates nothing."""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from anju.accounts.models import User
from anju.audit.models import AuditEvent
from anju.core import demo_employment
from anju.employment import matching
from anju.employment.models import (
    Campaign,
    CampaignFair,
    CampaignKind,
    JobInterest,
    JobPosting,
    PostAssignment,
    PostingKind,
    PostingTerm,
    Referral,
    ReferralEvent,
    ReferralStatus,
    TransportTrip,
    TripStatus,
)
from anju.params.models import DEMO_SOURCE, ParameterValue
from anju.registry.models import TimelineEvent, Worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("seed-demo", "--workers", "60")


def _snapshot() -> dict:
    models = (JobPosting, PostingTerm, Referral, ReferralEvent, JobInterest, Campaign, CampaignFair, TransportTrip,
              ParameterValue)
    counts = {m.__name__: m.objects.count() for m in models}
    counts["audit"] = AuditEvent.objects.count()
    counts["timeline"] = TimelineEvent.objects.count()
    counts["ledger"] = sorted(Worker.objects.values_list("pk", "version", "employment_status"))
    return counts


def _postings() -> None:
    counts = demo_employment.open_postings()
    for place in (demo_employment.SHISHI, demo_employment.LAN):
        for kind in PostingKind.values:
            assert counts[(place, kind)] >= 1, (place, kind)
    published = JobPosting.objects.filter(status="published")
    # Published through the service: checked (the public welfare post in Lan County passed the
    # Shanxi bounds on the demo minimum wage) and indexed for matching.
    ranger = published.get(kind=PostingKind.PUBLIC_WELFARE, region__code__startswith=demo_employment.LAN)
    assert [r["outcome"] for r in ranger.rule_check] == ["passed"]
    assert all(PostingTerm.objects.filter(posting=p).exists() for p in published)
    own = published.filter(employer__uscc=User.objects.get(username="shishi-employer").organisation_uscc)
    assert own.filter(source="employer").exists()  # some are the demo employer's own, posted by its user
    wage = ParameterValue.objects.get(parameter__name="min_wage_monthly", region_prefix="141127",
                                      valid_from=demo_employment.DEMO_PARAMETERS[0][2])
    assert wage.is_demo and wage.source.startswith(DEMO_SOURCE)
    assert ParameterValue.objects.filter(parameter__name="odd_job_daily_wage_porter", region_prefix="350581",
                                         source__startswith=DEMO_SOURCE).exists()
    # The public board finds the odd job by the everyday word.
    matches, _total = matching.search_postings("搬砖", region_prefix=demo_employment.SHISHI)
    assert "工地小工（日结）" in [m.posting.title for m in matches[:3]]


def _campaign() -> None:
    from anju.employment.campaigns import campaign_figures

    today = timezone.localdate()
    campaign = Campaign.objects.get(kind=CampaignKind.SPRING_BREEZE, name=demo_employment.CAMPAIGN_NAME)
    assert campaign.starts_on <= today <= campaign.ends_on
    assert set(campaign.fairs.values_list("mode", flat=True)) == {"online", "offline"}
    figures = campaign_figures(campaign)
    for name in ("employers", "jobs", "reached", "intentions", "hires", "postings"):
        assert getattr(figures, name) > 0, name


def _referrals() -> None:
    statuses = set(Referral.objects.values_list("status", flat=True))
    for status in (ReferralStatus.RECOMMENDED, ReferralStatus.CONTACTED, ReferralStatus.INTERVIEWED,
                   ReferralStatus.HIRED, ReferralStatus.NOT_HIRED):
        assert status in statuses, status
    hired = Referral.objects.get(status=ReferralStatus.HIRED)
    assert hired.hire is not None and hired.hire.employer_id == hired.posting.employer_id
    assert TimelineEvent.objects.filter(worker=hired.worker, kind="hired", data__referral=hired.pk).exists()
    hired.worker.refresh_from_db()
    assert hired.worker.employment_status == "employed"
    assert Referral.objects.get(status=ReferralStatus.NOT_HIRED).reason == demo_employment.NOT_HIRED_REASON
    assert JobInterest.objects.count() == 2


def _trip() -> None:
    trip = TransportTrip.objects.get()
    assert trip.origin_region_id.startswith(demo_employment.LAN) and trip.destination_employer.region_id.startswith("350581")
    assert trip.status == TripStatus.ARRIVED and trip.passengers.filter(boarded=True).count() >= 1


def _placement() -> None:
    placement = PostAssignment.objects.get()
    assert placement.posting.kind == PostingKind.PUBLIC_WELFARE and placement.region_code.startswith("141127")
    assert placement.hire is not None and placement.attendance.count() == 2
    assert [r["outcome"] for r in placement.rule_check] == ["passed"]


def test_the_demo_has_everything(seeded):
    _postings()
    _campaign()
    _referrals()
    _trip()
    _placement()


def test_a_second_load_creates_nothing_and_is_fast(seeded):
    before = _snapshot()
    started = time.monotonic()
    assert demo_employment.seed_employment() == {}  # nothing to do
    assert time.monotonic() - started < 10  # a few seconds (generous for a loaded machine)
    assert _snapshot() == before
