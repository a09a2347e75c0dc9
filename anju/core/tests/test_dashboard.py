from __future__ import annotations

import datetime as dt

from django.urls import reverse

from anju.core.dashboard import dashboard
from anju.registry.choices import DIFFICULTY_BITS
from anju.registry.tests.factories import make_worker


def _figures(stats):
    return {s["code"]: s["count"] for s in stats}


def test_dashboard_counts_only_the_jurisdiction_and_links_to_lists(client, personas):
    today = dt.date.today()
    make_worker(residence="350581001000", unemployment_registered_on=today - dt.timedelta(days=300),
                difficulty_mask=DIFFICULTY_BITS["disabled"])
    make_worker(residence="350581001000", employment_status="employed", last_verified_on=today)
    make_worker(residence="350581002000", difficulty_mask=DIFFICULTY_BITS["disabled"] | DIFFICULTY_BITS["relocated"])
    make_worker(residence="141127100000")

    town = dashboard(personas.town)
    assert town["total"]["count"] == 2
    assert _figures(town["status"])["unemployed"] == 1 and _figures(town["status"])["employed"] == 1
    assert _figures(town["difficulty"])["disabled"] == 1
    assert town["long_unemployed"]["count"] == 1 and town["unverified"]["count"] == 1

    county = dashboard(personas.county)
    assert county["total"]["count"] == 3 and county["in_difficulty"]["count"] == 2
    assert {a["code"]: a["count"] for a in county["areas"]} == {"350581001": 2, "350581002": 1}
    city = dashboard(personas.city)
    assert {a["code"] for a in city["areas"]} == {"350581"}

    # Every figure's link shows exactly the people it counts.
    client.force_login(personas.county)
    for figure in [county["long_unemployed"], county["in_difficulty"], *county["status"], *county["difficulty"], *county["areas"]]:
        response = client.get(figure["url"])
        assert response.context["paginator"].count == figure["count"], figure["url"]


def test_home_page_renders_and_is_empty_friendly(client, personas):
    client.force_login(personas.lanxian)
    response = client.get(reverse("core:home"))
    assert response.status_code == 200 and "辖区内暂无台账人员" in response.content.decode()
    assert client.get(reverse("core:home"), {"region": "zzz"}).status_code == 200


def test_the_menu_offers_only_what_the_role_may_open_and_organisations_start_at_their_work(client, db):
    """A contractor user saw 台账, 政策, 政策文件 and 督办统计 in the menu and a dashboard of ledger
    counters, all 403; a town officer saw 督办统计, also 403."""
    from anju.accounts.models import Role
    from anju.accounts.tests.factories import UserFactory, organisation_user
    from anju.rights.tests.factories import CONTRACTOR_USCC

    contractor = organisation_user("m-contractor", Role.CONTRACTOR_USER, CONTRACTOR_USCC)
    employer = organisation_user("m-employer", Role.EMPLOYER_USER, "91350581MA2XXXXX1T")
    town = UserFactory(username="m-town", role=Role.TOWN_OFFICER, jurisdiction="350581001")
    county = UserFactory(username="m-county", role=Role.COUNTY_OFFICER, jurisdiction="350581")
    client.force_login(contractor)
    home = client.get(reverse("core:home"))
    assert home.status_code == 302 and home["Location"] == reverse("rights:projects")
    page = client.get(home["Location"]).content.decode()
    for url in (reverse("registry:worker_list"), reverse("policies:policy_list"), reverse("policies:document_list"),
                reverse("workflow:supervise")):
        assert f'href="{url}"' not in page, url
    client.force_login(employer)
    assert client.get(reverse("core:home"))["Location"] == reverse("employment:postings")
    client.force_login(town)
    page = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="nav-supervise"' not in page and f'href="{reverse("registry:worker_list")}"' in page
    client.force_login(county)
    assert 'data-testid="nav-supervise"' in client.get(reverse("core:home")).content.decode()


def test_the_favicon_and_a_typed_rights_address_lead_somewhere(client, db):
    from anju.accounts.models import Role
    from anju.accounts.tests.factories import UserFactory

    icon = client.get("/favicon.ico")
    assert icon.status_code == 301 and icon["Location"].endswith("anju/favicon.svg")
    client.force_login(UserFactory(username="f-union", role=Role.UNION, jurisdiction="350581"))
    rights = client.get("/rights/")
    assert rights.status_code == 302 and rights["Location"] == reverse("rights:tickets")
