"""Recruitment campaigns: scoping by region, the writes (audited, refused with a reason), and the
live figures on crafted data — each counted, not entered, and linking to the list it counts."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from anju.accounts.models import Role
from anju.accounts.tests.factories import UserFactory
from anju.audit.models import AuditEvent
from anju.employment import campaigns, trips
from anju.employment.models import (
    Campaign,
    CampaignFair,
    Employer,
    JobInterest,
    JobPosting,
    Occupation,
    Referral,
    ReferralStatus,
)
from anju.employment.services import EmploymentError
from anju.lib.identifiers import make_uscc
from anju.registry.tests.factories import make_worker

pytestmark = pytest.mark.django_db
SHISHI = "350581000000"
HUBIN = "350581001000"
FENGLI = "350581002000"


@pytest.fixture
def people(db):
    return SimpleNamespace(
        town=UserFactory(username="c-town", role=Role.TOWN_OFFICER, jurisdiction="350581001"),
        town2=UserFactory(username="c-town2", role=Role.TOWN_OFFICER, jurisdiction="350581002"),
        county=UserFactory(username="c-county", role=Role.COUNTY_OFFICER, jurisdiction="350581"),
        lan=UserFactory(username="c-lan", role=Role.COUNTY_OFFICER, jurisdiction="141127"),
    )


def employer(n: int, region: str = HUBIN) -> Employer:
    return Employer.objects.create(name=f"单位{n}", uscc=make_uscc(f"91350581MA2XXX{n:03d}"), size_class="small",
                                   region_id=region)


def posting(title: str, *, employer_obj: Employer | None = None, headcount: int = 1, region: str = HUBIN) -> JobPosting:
    return JobPosting.objects.create(kind="regular", status="published", title=title, occupation=Occupation.objects.first(),
                                     employer=employer_obj, unit_name=employer_obj.name if employer_obj else "村委会",
                                     region_id=region, pay_min=Decimal("3000"), pay_max=Decimal("4000"), headcount=headcount)


def make_campaign(actor, **over) -> Campaign:
    today = timezone.localdate()
    data = {"kind": "spring_breeze", "name": "2026 春风行动", "region_id": SHISHI, "starts_on": today - dt.timedelta(days=5),
            "ends_on": today + dt.timedelta(days=20)}
    data.update(over)
    return campaigns.campaign_create(actor=actor, data=data)


# Scoping and writes ----------------------------------------------------------------------------
def test_campaigns_are_scoped_by_region(client, people):
    county_wide = make_campaign(people.county)
    in_town = make_campaign(people.county, name="湖滨街道专场", region_id=HUBIN)
    cases = ((people.county, county_wide, 200), (people.county, in_town, 200), (people.town, in_town, 200),
             (people.town2, in_town, 404), (people.lan, county_wide, 404), (people.lan, in_town, 404))
    for user, campaign, code in cases:
        client.force_login(user)
        assert client.get(reverse("employment:campaign", args=[campaign.pk])).status_code == code
    client.force_login(people.town2)
    listing = client.get(reverse("employment:campaigns")).content.decode()
    assert f'data-pk="{in_town.pk}"' not in listing
    client.force_login(people.lan)
    assert client.post(reverse("employment:campaign_fair", args=[county_wide.pk]),
                       {"name": "x", "mode": "offline", "held_on": county_wide.starts_on, "place": "x"}).status_code == 404
    assert not CampaignFair.objects.exists()


def test_campaign_create_is_audited_and_refused_outside_the_jurisdiction(client, people):
    client.force_login(people.county)
    today = timezone.localdate()
    response = client.post(reverse("employment:campaign_new"), {
        "kind": "assistance_month", "name": "就业援助月", "region": SHISHI, "starts_on": today, "ends_on": today + dt.timedelta(days=30)})
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response.url == reverse("employment:campaign", args=[campaign.pk])
    assert AuditEvent.objects.filter(object_type="campaign", object_id=str(campaign.pk), action="create").exists()
    with pytest.raises(EmploymentError) as exc:
        make_campaign(people.county, region_id="141127000000")
    assert exc.value.code == "forbidden"
    backwards = client.post(reverse("employment:campaign_new"), {
        "kind": "assistance_month", "name": "x", "region": SHISHI, "starts_on": today, "ends_on": today - dt.timedelta(days=1)})
    assert backwards.status_code == 400 and Campaign.objects.count() == 1
    # A town officer may view but not create (CampaignPolicy).
    client.force_login(people.town)
    assert client.get(reverse("employment:campaign_new")).status_code == 403


def test_edit_carries_its_version(people):
    campaign = make_campaign(people.county)
    campaigns.campaign_update(actor=people.county, campaign=campaign, data={"name": "新名称"}, expected_version=1)
    from anju.lib.versioning import VersionConflict

    with pytest.raises(VersionConflict):
        campaigns.campaign_update(actor=people.county, campaign=campaign, data={"name": "再改"}, expected_version=1)
    assert Campaign.objects.get(pk=campaign.pk).name == "新名称"


def test_fairs_online_need_a_url_and_a_date_in_the_campaign(people):
    campaign = make_campaign(people.county)
    with pytest.raises(EmploymentError) as no_url:
        campaigns.campaign_add_fair(actor=people.county, campaign=campaign,
                                    data={"name": "线上招聘会", "mode": "online", "held_on": campaign.starts_on, "place": "石狮人社"})
    assert no_url.value.field == "place"
    with pytest.raises(EmploymentError) as outside:
        campaigns.campaign_add_fair(actor=people.county, campaign=campaign,
                                    data={"name": "x", "mode": "offline", "held_on": campaign.ends_on + dt.timedelta(days=1),
                                          "place": "人力资源市场"})
    assert outside.value.field == "held_on"
    assert not CampaignFair.objects.exists()
    fair = campaigns.campaign_add_fair(actor=people.county, campaign=campaign, data={
        "name": "网络招聘会", "mode": "online", "held_on": campaign.starts_on, "place": "https://jobs.example.cn/fair"})
    assert fair.pk and AuditEvent.objects.filter(object_type="campaignfair", object_id=str(fair.pk)).exists()


def test_employers_and_postings_must_lie_in_the_campaigns_region(client, people):
    campaign = make_campaign(people.county, region_id=HUBIN)
    here, there = employer(1), employer(2, region=FENGLI)
    client.force_login(people.county)
    response = client.post(reverse("employment:campaign_employers", args=[campaign.pk]),
                           {"employers": f"{there.uscc}\n{here.name}"})
    assert response.status_code == 400 and campaign.employers.count() == 0
    assert client.post(reverse("employment:campaign_employers", args=[campaign.pk]),
                       {"employers": f"{here.uscc}"}).status_code == 302
    assert list(campaign.employers.all()) == [here]
    with pytest.raises(EmploymentError):
        campaigns.campaign_add_postings(actor=people.county, campaign=campaign, postings=[posting("远处", region=FENGLI)])
    near = posting("近处")
    assert client.post(reverse("employment:campaign_postings", args=[campaign.pk]), {"postings": [near.pk]}).status_code == 302
    assert list(campaign.postings.all()) == [near]


# Figures ---------------------------------------------------------------------------------------
@pytest.fixture
def crafted(people):
    """Three employers take part (E1 and E3 registered, E1 and E2 through postings); 5 jobs;
    referrals: interviewed, hired, recommended (and one not in the campaign); two sign-ups (one
    not matched to the ledger); a trip of the campaign with two passengers (one also referred)."""
    campaign = make_campaign(people.county)
    e1, e2, e3 = employer(1), employer(2), employer(3)
    p1, p2 = posting("普工", employer_obj=e1, headcount=3), posting("叉车司机", employer_obj=e2, headcount=2)
    elsewhere = posting("不在活动中", employer_obj=employer(4), headcount=50)
    campaigns.campaign_add_employers(actor=people.county, campaign=campaign, employers=[e1, e3])
    campaigns.campaign_add_postings(actor=people.county, campaign=campaign, postings=[p1, p2])
    w1, w2, w3, w4, w5 = (make_worker(residence=HUBIN, name=f"人{i}") for i in range(1, 6))
    now = timezone.now()
    Referral.objects.create(worker=w1, posting=p1, status=ReferralStatus.INTERVIEWED, region_code=HUBIN)
    Referral.objects.create(worker=w2, posting=p1, status=ReferralStatus.HIRED, region_code=HUBIN, closed_at=now)
    Referral.objects.create(worker=w3, posting=p2, status=ReferralStatus.RECOMMENDED, region_code=HUBIN)
    Referral.objects.create(worker=w5, posting=elsewhere, status=ReferralStatus.HIRED, region_code=HUBIN, closed_at=now)
    JobInterest.objects.create(posting=p2, name="陌生人", phone_enc="x", phone_hash="h1", phone_masked="139****0000",
                               region_code=HUBIN)
    JobInterest.objects.create(posting=p2, name="人1", phone_enc="x", phone_hash="h2", phone_masked="139****0001",
                               worker=w1, region_code=HUBIN)
    trip = trips.trip_create(actor=people.town, data={
        "origin_region_id": HUBIN, "origin_place": "湖滨", "destination_place": "晋江", "departs_on": timezone.localdate(),
        "seats": 10, "campaign": campaign})
    trips.passenger_add(actor=people.town, trip=trip, worker=w4)
    trips.passenger_add(actor=people.town, trip=trip, worker=w1)
    return SimpleNamespace(campaign=campaign, trip=trip)


def test_figures_are_counted(crafted):
    f = campaigns.campaign_figures(crafted.campaign)
    assert f.employers == 3
    assert f.jobs == 5
    assert f.reached == 5  # w1 (referred, signed up, rode), w2, w3, w4 (rode), and the stranger who signed up
    assert f.intention_referrals == 2 and f.sign_ups == 2 and f.intentions == 4
    assert f.hires == 1
    assert f.passengers == 2 and f.trips == 1


def test_campaign_page_shows_the_figures_linking_to_their_lists(client, people, crafted):
    client.force_login(people.county)
    cid = crafted.campaign.pk
    response = client.get(reverse("employment:campaign", args=[cid]))
    assert response.status_code == 200
    body = response.content.decode()
    for testid, value in (("fig-employers", 3), ("fig-jobs", 5), ("fig-reached", 5), ("fig-intentions", 4), ("fig-hires", 1)):
        assert f'data-testid="{testid}">{value}<' in body
    postings_url = f'{reverse("employment:postings")}?campaign={cid}'
    hires_url = f'{reverse("employment:referrals")}?campaign={cid}&amp;status=hired'
    trips_url = f'{reverse("employment:trips")}?campaign={cid}'
    assert f'href="{postings_url}" data-testid="fig-jobs"' in body
    assert f'href="{hires_url}" data-testid="fig-hires"' in body
    assert trips_url in body
    assert str(campaigns.INTENTION_TEXT) in body
    chart = json.loads(response.context["chart"] and json.dumps(response.context["chart"]))
    today = timezone.localdate().isoformat()
    index = chart["days"].index(today)
    by_name = {s["name"]: s for s in chart["series"]}
    assert by_name["推荐"]["data"][index] == 3 and by_name["录用"]["data"][index] == 1
    assert by_name["乘车人次"]["data"][index] == 2 and by_name["求职报名"]["data"][index] == 2
    assert len(chart["days"]) == (crafted.campaign.ends_on - crafted.campaign.starts_on).days + 1
    assert by_name["录用"]["url"] == f'{reverse("employment:referrals")}?campaign={cid}&status=hired'
    # The trips list filtered by the campaign.
    trips_page = client.get(reverse("employment:trips"), {"campaign": cid}).content.decode()
    assert f'data-pk="{crafted.trip.pk}"' in trips_page


def test_campaign_list_query_count(client, people, crafted, django_assert_max_num_queries):
    for i in range(5):
        make_campaign(people.county, name=f"活动{i}")
    client.force_login(people.county)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("employment:campaigns")).status_code == 200


# In a real browser -----------------------------------------------------------------------------
@pytest.fixture
def browser(live_server, regions_loaded):
    import os

    from django.db import connections

    from anju.registry.tests.test_browser import CHROMIUM

    if not os.path.exists(CHROMIUM):
        pytest.skip("needs /usr/bin/chromium")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield chromium
        chromium.close()
        connections.close_all()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_chart_is_drawn_and_a_bar_opens_the_list_it_counts(browser, live_server, people, crafted):
    from anju.accounts.tests.factories import PASSWORD

    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(15000)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", people.county.username)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(live_server.url + "/")
    cid = crafted.campaign.pk
    page.goto(live_server.url + reverse("employment:campaign", args=[cid]))
    page.wait_for_selector("#chart-daily canvas")
    index = (timezone.localdate() - crafted.campaign.starts_on).days
    # The bar of hires (series 2) on today: its layout from the chart, clicked in its middle.
    # Without animation the bars are drawn at their full size at once (on a loaded machine the
    # grow-in animation may still be running when the mouse clicks).
    box = page.evaluate("""([i]) => {
        const c = echarts.getInstanceByDom(document.getElementById('chart-daily'));
        c.setOption({animation: false});
        const l = c.getModel().getSeriesByIndex(2).getData().getItemLayout(i);
        return {x: l.x + l.width / 2, y: l.y + l.height / 2};
    }""", [index])
    chart = page.locator("#chart-daily").bounding_box()
    page.mouse.click(chart["x"] + box["x"], chart["y"] + box["y"])
    page.wait_for_url(f"**{reverse('employment:referrals')}?campaign={cid}&status=hired")
    assert not [e for e in errors if "Content Security Policy" in e]
