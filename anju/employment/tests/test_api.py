"""The employment API: postings, matching, referrals — scoped for three personas (the employer's
own user, staff of the place, staff elsewhere), versioned moves (stale If-Match → 409, none →
428), rule refusals as 422 posting_rule with the rule's words, and no input making a 500."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from anju.accounts.models import Role
from anju.accounts.tests.factories import UserFactory, organisation_user
from anju.api.tests.conftest import ApiClient
from anju.employment import matching, services
from anju.employment.models import Employer, JobPosting, Occupation, Referral
from anju.lib.identifiers import make_uscc
from anju.params.services import parameter_set
from anju.registry.tests.factories import make_worker

pytestmark = pytest.mark.django_db
SHISHI_TOWN = "350581001000"
LAN = "141127100000"
USCC = make_uscc("91350581MA2Y0000K")
OTHER_USCC = make_uscc("91350581MA2Y1111K")


@pytest.fixture
def people(db):
    mine = Employer.objects.create(name="石狮市安达服装有限公司", uscc=USCC, size_class="small", region_id=SHISHI_TOWN)
    other = Employer.objects.create(name="石狮市某鞋业有限公司", uscc=OTHER_USCC, size_class="small", region_id=SHISHI_TOWN)
    return SimpleNamespace(
        mine=mine, other=other,
        town=UserFactory(username="a-town", role=Role.TOWN_OFFICER, jurisdiction="350581001"),
        lan=UserFactory(username="a-lan", role=Role.COUNTY_OFFICER, jurisdiction="141127"),
        employer=organisation_user("a-employer", Role.EMPLOYER_USER, USCC),
        other_employer=organisation_user("a-employer2", Role.EMPLOYER_USER, OTHER_USCC),
    )


def body(**over) -> dict:
    data = {"kind": "regular", "title": "平车工", "occupation": "车位", "region": SHISHI_TOWN, "pay_unit": "month",
            "pay_min": "5000", "pay_max": "7000", "headcount": 5, "contract_months": 12,
            "unit_name": "某服装厂", "contact_phone": "13800001234"}
    data.update(over)
    return data


def posted(user, **over) -> JobPosting:
    data = {"kind": "regular", "title": "平车工", "occupation": Occupation.objects.get(key="sewing-worker"),
            "region_id": SHISHI_TOWN, "pay_unit": "month", "pay_min": Decimal("5000"), "pay_max": Decimal("7000"),
            "headcount": 5, "contract_months": 12, "unit_name": "某厂"}
    data.update(over)
    return services.posting_create(actor=user, data=data, publish=True)


def test_employer_user_posts_and_sees_only_its_own(people):
    api = ApiClient(people.employer)
    response = api.post("employment/postings", body(unit_name="", publish=True))
    assert response.status_code == 201, response.json()
    out = response.json()
    assert out["employer_id"] == people.mine.pk and out["unit_name"] == people.mine.name
    assert out["status"] == "published" and out["occupation"]["key"] == "sewing-worker"
    assert out["contact_phone"] == "138****1234" and "13800001234" not in response.content.decode()
    assert response["ETag"] == f'"{out["version"]}"'
    theirs = posted(people.other_employer)
    staff = posted(people.town, unit_name="湖滨物流点")
    listing = api.get("employment/postings").json()
    assert [p["id"] for p in listing["items"]] == [out["id"]] and listing["count"] == 1
    for pk in (theirs.pk, staff.pk):
        assert api.get(f"employment/postings/{pk}").status_code == 404
    # Matching shows workers: staff only.
    assert api.get(f"employment/postings/{out['id']}/matches").status_code == 403


def test_staff_see_their_jurisdiction_only(people):
    mine = posted(people.town, employer=people.mine)
    town = ApiClient(people.town)
    lan = ApiClient(people.lan)
    assert town.get(f"employment/postings/{mine.pk}").status_code == 200
    assert lan.get(f"employment/postings/{mine.pk}").status_code == 404
    assert lan.get("employment/postings").json() == {"count": 0, "items": []}
    assert town.get("employment/postings", kind="regular", status="published").json()["count"] == 1
    assert town.get("employment/postings", kind="odd_job").json()["count"] == 0
    assert town.get("employment/postings", region="141127").json()["count"] == 0
    # Posting outside one's jurisdiction is refused, saving nothing.
    response = lan.post("employment/postings", body())
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert JobPosting.objects.count() == 1
    # The employer of another organisation is not the caller's to post for.
    response = lan.post("employment/postings", body(region=LAN, employer_id=people.mine.pk))
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "employer_id"


def test_move_needs_the_version_read(people):
    posting = posted(people.town)
    api = ApiClient(people.town)
    url = f"employment/postings/{posting.pk}/move"
    assert api.post(url, {"move": "pause"}).status_code == 428
    api.headers["If-Match"] = '"1"'  # stale: publishing made it version 2
    response = api.post(url, {"move": "pause"})
    assert response.status_code == 409 and response.json()["code"] == "version_conflict"
    api.headers["If-Match"] = f'"{posting.version}"'
    response = api.post(url, {"move": "pause"})
    assert response.status_code == 200 and response.json()["status"] == "paused"
    assert response["ETag"] == f'"{posting.version + 1}"'
    api.headers["If-Match"] = response["ETag"]
    response = api.post(url, {"move": "close"})  # closing needs a reason
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "reason"
    api.headers["If-Match"] = "not-a-version"
    assert api.post(url, {"move": "close", "reason": "x"}).status_code == 400
    # Another employer cannot move a posting that is not its own: it does not exist for them.
    other = ApiClient(people.other_employer)
    other.headers["If-Match"] = '"3"'
    assert other.post(url, {"move": "close", "reason": "x"}).status_code == 404


def test_rule_refusal_is_422_posting_rule_in_the_rules_words(people):
    from anju.policies.packs import catalogue
    from anju.policies.services import sync_from_packs

    sync_from_packs(catalogue().policies.values())
    parameter_set(actor=None, name="min_wage_monthly", region_prefix="141127", valid_from=dt.date(2025, 1, 1),
                  value=Decimal("1700"), source="测试：岚县月最低工资标准")
    api = ApiClient(people.lan)
    welfare = body(kind="public_welfare", title="村道保洁", occupation="打扫卫生", unit_name="岚县某村民委员会", region=LAN,
                   pay_min="900", pay_max="900", accident_insurance_cover="300000", publish=True)
    response = api.post("employment/postings", welfare)
    assert response.status_code == 422
    out = response.json()
    assert out["code"] == "posting_rule"
    assert "月补贴不高于当地最低工资标准的 50%" in out["detail"][0]["message"]
    assert out["detail"][0]["message_en"]
    assert not JobPosting.objects.exists()  # refused at posting: nothing saved
    response = api.post("employment/postings", {**welfare, "pay_min": "600", "pay_max": "600"})
    assert response.status_code == 201 and response.json()["rule_check"][0]["outcome"] == "passed"
    # Other refusals of the input: 422 naming the field, never a 500.
    assert api.post("employment/postings", body(region=LAN, occupation="飞天员")).status_code == 422
    assert api.post("employment/postings", body(region="141127999999")).status_code == 422
    assert api.post("employment/postings", body(region=LAN, pay_max="10")).json()["detail"][0]["field"] == "pay_max"
    assert api.post("employment/postings", body(region=LAN, contact_phone="123")).status_code == 422
    assert api.post("employment/postings", body(region=LAN, title="a\x00b")).status_code == 422


def test_referrals_scoped_and_advanced_with_if_match(people):
    parameter_set(actor=None, name="referral_follow_up_working_days", region_prefix="350581",
                  valid_from=dt.date(2025, 1, 1), value=Decimal("3"), source="测试")
    worker = make_worker(residence=SHISHI_TOWN, name="李四")
    posting = posted(people.town, employer=people.mine)
    town = ApiClient(people.town)
    response = town.post("employment/referrals", {"worker_id": worker.pk, "posting_id": posting.pk, "note": "推荐"})
    assert response.status_code == 201, response.json()
    referral = response.json()
    assert referral["status"] == "recommended" and referral["worker"]["id"] == worker.pk
    assert referral["worker"]["id_number"] == worker.id_number_masked and len(referral["events"]) == 1
    again = town.post("employment/referrals", {"worker_id": worker.pk, "posting_id": posting.pk})
    assert again.status_code == 422 and again.json()["code"] == "duplicate"
    # Employer users cannot recommend; staff elsewhere cannot see the worker.
    assert ApiClient(people.employer).post("employment/referrals", {"worker_id": worker.pk,
                                                                    "posting_id": posting.pk}).status_code == 403
    assert ApiClient(people.lan).post("employment/referrals", {"worker_id": worker.pk,
                                                               "posting_id": posting.pk}).status_code == 404
    # Three personas on the list and the detail.
    url = f"employment/referrals/{referral['id']}"
    employer, other, lan = (ApiClient(u) for u in (people.employer, people.other_employer, people.lan))
    assert employer.get("employment/referrals").json()["count"] == 1
    assert other.get("employment/referrals").json()["count"] == 0 and other.get(url).status_code == 404
    assert lan.get("employment/referrals").json()["count"] == 0 and lan.get(url).status_code == 404
    # Advancing: If-Match required, stale refused, the employer records the interview.
    assert employer.post(f"{url}/advance", {"status": "interviewed"}).status_code == 428
    employer.headers["If-Match"] = '"7"'
    assert employer.post(f"{url}/advance", {"status": "interviewed"}).status_code == 409
    employer.headers["If-Match"] = f'"{referral["version"]}"'
    response = employer.post(f"{url}/advance", {"status": "interviewed", "note": "已面试"})
    assert response.status_code == 200 and response.json()["status"] == "interviewed"
    employer.headers["If-Match"] = response["ETag"]
    response = employer.post(f"{url}/advance", {"status": "hired", "hire": {"start_date": timezone.localdate().isoformat()}})
    assert response.status_code == 200 and response.json()["hire_id"] is not None
    assert Referral.objects.get(pk=referral["id"]).status == "hired"
    employer.headers["If-Match"] = response["ETag"]
    refused = employer.post(f"{url}/advance", {"status": "contacted"})
    assert refused.status_code == 422 and refused.json()["code"] == "state"


def test_matches_both_ways_for_staff(people, monkeypatch):
    worker = make_worker(residence=SHISHI_TOWN, name="王五")
    posting = posted(people.town)
    seen = {}

    def workers_for_job(p, *, limit=20, on=None, region_prefix="", worker_ids=None, user=None):
        seen["job"] = (p.pk, limit, region_prefix)
        return [SimpleNamespace(posting_id=p.pk, worker_id=worker.pk, score=87.5, worker=worker, posting=None,
                                parts=[SimpleNamespace(label="意向职业与岗位相符：缝纫工", points=40.0)])]

    def jobs_for_worker(w, *, limit=20, on=None, user=None):
        seen["worker"] = (w.pk, limit)
        return [SimpleNamespace(posting_id=posting.pk, worker_id=w.pk, score=70, posting=posting, worker=None,
                                parts=[SimpleNamespace(label="距离：同一乡镇", points=20)])]

    monkeypatch.setattr(matching, "workers_for_job", workers_for_job, raising=False)
    monkeypatch.setattr(matching, "jobs_for_worker", jobs_for_worker, raising=False)
    town = ApiClient(people.town)
    out = town.get(f"employment/postings/{posting.pk}/matches", limit=5).json()
    assert seen["job"] == (posting.pk, 5, "350581001")
    [m] = out["items"]
    assert m["worker"]["name"] == "王五" and m["parts"] == [{"label": "意向职业与岗位相符：缝纫工", "points": 40.0}]
    assert worker.id_number_masked == m["worker"]["id_number"]
    out = town.get(f"employment/workers/{worker.pk}/matches").json()
    assert out["items"][0]["posting"]["id"] == posting.pk and out["items"][0]["posting"]["pay_text"]
    lan = ApiClient(people.lan)
    assert lan.get(f"employment/workers/{worker.pk}/matches").status_code == 404
    assert lan.get(f"employment/postings/{posting.pk}/matches").status_code == 404
    assert ApiClient(people.employer).get(f"employment/workers/{worker.pk}/matches").status_code == 403
    assert town.get("employment/workers/99999999999999999999/matches").status_code in (404, 422)
    monkeypatch.undo()  # and the real matcher answers through the same shape
    assert town.get(f"employment/postings/{posting.pk}/matches").status_code == 200
    assert town.get(f"employment/workers/{worker.pk}/matches").status_code == 200


def test_openapi_lists_the_employment_paths(client):
    doc = client.get("/api/v1/openapi.json").json()
    paths = {p for p in doc["paths"] if p.startswith("/api/v1/employment/")}
    assert paths == {"/api/v1/employment/postings", "/api/v1/employment/postings/{posting_id}",
                     "/api/v1/employment/postings/{posting_id}/move", "/api/v1/employment/postings/{posting_id}/matches",
                     "/api/v1/employment/workers/{worker_id}/matches", "/api/v1/employment/referrals",
                     "/api/v1/employment/referrals/{referral_id}", "/api/v1/employment/referrals/{referral_id}/advance"}
    for path in paths:
        for operation in doc["paths"][path].values():
            assert operation["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
