from __future__ import annotations

from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from anju.regions.codes import (
    in_prefix,
    normalize_code,
    prefix_bounds,
    prefix_q,
    significant_prefix,
)
from anju.regions.loader import load_regions
from anju.regions.models import Level, Region
from anju.regions.selectors import region_path


def test_pilot_counties_and_their_towns(db):
    assert Region.objects.get(code="141127000000").name == "岚县"
    assert Region.objects.get(code="141129000000").name == "中阳县"
    assert Region.objects.get(code="350581000000").name == "石狮市"
    assert Region.objects.filter(parent_id="350581000000", level=Level.TOWN).count() >= 9
    assert Region.objects.filter(parent_id="141127000000", level=Level.TOWN).count() >= 9
    assert region_path("350581001000") == "福建省 泉州市 石狮市 湖滨街道"
    # Every province, and every county of Quanzhou and Shanxi.
    assert Region.objects.filter(level=Level.PROVINCE, abolished=False).count() >= 34
    assert Region.objects.filter(code__startswith="3505", level=Level.COUNTY, abolished=False).count() >= 12
    assert Region.objects.filter(code__startswith="14", level=Level.COUNTY, abolished=False).count() >= 117
    assert all(r.source for r in Region.objects.all()[:50])


def test_abolished_codes_stay_for_old_id_numbers(db):
    old = Region.objects.get(code="142329000000")
    assert old.abolished
    import datetime as dt

    from anju.lib.identifiers import make_id_number
    from anju.registry.validation import clean_worker

    data, problems = clean_worker({"name": "老号码", "id_number": make_id_number("142329", dt.date(1970, 1, 1), 11),
                                   "residence_region": "141127100", "employment_status": "就业"})
    assert problems == []


def test_loading_is_idempotent(db):
    before = Region.objects.count()
    assert load_regions()["created"] == 0
    assert Region.objects.count() == before


@given(st.from_regex(r"[0-9]{6}([0-9]{3}([0-9]{3})?)?", fullmatch=True))
def test_prefix_range_equals_startswith(code):
    code12 = normalize_code(code)
    prefix = significant_prefix(code12)
    low, high = prefix_bounds(prefix)
    assert code12.startswith(prefix)
    assert low <= code12 and (high is None or code12 < high)
    assert in_prefix(code12, prefix) and in_prefix(code12, "")


def test_prefix_q_matches_exactly_the_subtree(db):
    under = set(Region.objects.filter(prefix_q("code", "350581")).values_list("code", flat=True))
    assert under == set(Region.objects.filter(code__startswith="350581").values_list("code", flat=True))
    assert "350582000000" not in under


def test_children_endpoint(client, personas):
    client.force_login(personas.town)
    url = reverse("regions:children")
    names = {r["name"] for r in client.get(url, {"parent": "350581000000"}).json()}
    assert "湖滨街道" in names
    assert len(client.get(url).json()) >= 34
    assert client.get(url, {"parent": "zzz"}).json() == []
    assert all(not r["code"].startswith("1423") for r in client.get(url, {"parent": "140000000000"}).json())
