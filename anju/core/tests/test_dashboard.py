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
