"""The posting pages: who sees and edits which postings (an employer user of org A vs org B, a town
officer of another town, the county officer), the quick odd-job form, the rule check in words on
publishing, the reference wage, stale versions, and the matching pages with 推荐."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from anju.accounts.models import Role
from anju.accounts.tests.factories import UserFactory, organisation_user
from anju.employment import services
from anju.employment.models import (
    Employer,
    JobPosting,
    MatchEvent,
    Occupation,
    PostingStatus,
    Referral,
)
from anju.params.services import parameter_set
from anju.registry.tests.factories import make_worker

pytestmark = pytest.mark.django_db
SHISHI_TOWN = "350581001000"
YUCI = "140702000000"
USCC_A = "91350581MA2XXXXX1T"
USCC_B = "91350581MA2YYYYY2K"


@pytest.fixture
def people(db):
    a = Employer.objects.create(name="石狮市安达服装有限公司", uscc=USCC_A, size_class="small", region_id=SHISHI_TOWN)
    b = Employer.objects.create(name="石狮市宏远鞋业有限公司", uscc=USCC_B, size_class="small", region_id=SHISHI_TOWN)
    return SimpleNamespace(
        a=a, b=b,
        town=UserFactory(username="v-town", role=Role.TOWN_OFFICER, jurisdiction="350581001"),
        town2=UserFactory(username="v-town2", role=Role.TOWN_OFFICER, jurisdiction="350581002"),
        county=UserFactory(username="v-county", role=Role.COUNTY_OFFICER, jurisdiction="350581"),
        jinzhong=UserFactory(username="v-jinzhong", role=Role.COUNTY_OFFICER, jurisdiction="1407"),
        emp_a=organisation_user("v-emp-a", Role.EMPLOYER_USER, USCC_A),
        emp_b=organisation_user("v-emp-b", Role.EMPLOYER_USER, USCC_B),
    )


def occupation(key: str) -> Occupation:
    return Occupation.objects.get(key=key)


def odd_job(**over) -> dict:
    data = {"kind": "odd_job", "title": "仓库卸货", "occupation": occupation("porter"), "unit_name": "湖滨物流点",
            "region_id": SHISHI_TOWN, "pay_unit": "day", "pay_min": Decimal("200"), "pay_max": Decimal("220"),
            "headcount": 3, "start_date": timezone.localdate() + dt.timedelta(days=2), "duration_days": 3}
    data.update(over)
    return data


@pytest.fixture
def postings(people):
    """One posting of org A (by its own user), one of org B (by the town), one with no employer."""
    return SimpleNamespace(
        a=services.posting_create(actor=people.emp_a, data=odd_job(title="A 厂卸货", unit_name="")),
        b=services.posting_create(actor=people.town, data=odd_job(title="B 厂卸货", employer=people.b, unit_name="")),
        town=services.posting_create(actor=people.town, data=odd_job(title="街道零工")),
    )


def form_data(**over) -> dict:
    data = {"kind": "odd_job", "title": "搬货两天", "occupation": "", "occupation_text": "卸货", "region": SHISHI_TOWN,
            "start_date": (timezone.localdate() + dt.timedelta(days=1)).isoformat(), "duration_days": "2",
            "pay_unit": "day", "pay_min": "200", "pay_max": "", "headcount": "2", "physical": "heavy",
            "unit_name": "湖滨物流点"}
    data.update(over)
    return data


# Seeing: three personas ---------------------------------------------------------------------------
def test_list_is_scoped_for_each_persona(client, people, postings):
    url = reverse("employment:postings")
    seen = {}
    for name in ("emp_a", "emp_b", "town", "town2", "county"):
        client.force_login(getattr(people, name))
        response = client.get(url)
        assert response.status_code == 200
        seen[name] = {r["posting"].pk for r in response.context["rows"]}
    assert seen["emp_a"] == {postings.a.pk}
    assert seen["emp_b"] == {postings.b.pk}
    assert seen["town2"] == set()
    assert seen["town"] == seen["county"] == {postings.a.pk, postings.b.pk, postings.town.pk}
    client.force_login(people.town2)
    assert 'data-testid="empty"' in client.get(url).content.decode()


def test_list_filters_and_junk(client, people, postings):
    client.force_login(people.county)
    url = reverse("employment:postings")
    services.posting_move(actor=people.town, posting=postings.town, move="publish")
    assert [r["posting"].pk for r in client.get(url, {"status": "published"}).context["rows"]] == [postings.town.pk]
    assert {r["posting"].pk for r in client.get(url, {"q": "扛包"}).context["rows"]} == \
        {postings.a.pk, postings.b.pk, postings.town.pk}  # everyday name of the occupation
    assert [r["posting"].pk for r in client.get(url, {"q": "街道"}).context["rows"]] == [postings.town.pk]
    assert client.get(url, {"kind": "regular"}).context["rows"] == []
    for junk in ({"campaign": "abc"}, {"campaign": "99999999999999999999999"}, {"page": "999"}, {"status": "zzz"},
                 {"q": "x" * 300}):
        assert client.get(url, junk).status_code == 200


def test_list_query_count_is_bounded(client, people, postings, django_assert_max_num_queries):
    client.force_login(people.county)
    with django_assert_max_num_queries(15):
        client.get(reverse("employment:postings"))


def test_detail_is_404_out_of_scope(client, people, postings):
    url = reverse("employment:posting", args=[postings.a.pk])
    for name, code in (("emp_a", 200), ("emp_b", 404), ("town2", 404), ("county", 200), ("town", 200)):
        client.force_login(getattr(people, name))
        assert client.get(url).status_code == code, name
    assert client.get(reverse("employment:posting", args=[10**30])).status_code == 404


# Writing ----------------------------------------------------------------------------------------
def test_quick_odd_job_form_resolves_everyday_names_and_publishes(client, people):
    client.force_login(people.town)
    page = client.get(reverse("employment:posting_new") + "?kind=odd_job")
    assert page.status_code == 200 and "或输入常用叫法" in page.content.decode()
    response = client.post(reverse("employment:posting_new"), form_data(publish="1"))
    posting = JobPosting.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("employment:posting", args=[posting.pk])
    assert posting.occupation.key == "porter" and posting.status == PostingStatus.PUBLISHED
    assert posting.pay_max == Decimal("200")  # one figure is a range of one
    detail = client.get(reverse("employment:posting", args=[posting.pk])).content.decode()
    assert "本地区尚未录入参考价" in detail


def test_bad_form_changes_nothing(client, people):
    client.force_login(people.town)
    url = reverse("employment:posting_new")
    for over in ({"occupation_text": "不存在的工种名"}, {"region": "999999999999"}, {"pay_min": "abc"},
                 {"start_date": "", "publish": "1"}, {"duration_days": ""}, {"pay_unit": "month"},
                 {"region": "350581002000"}):
        response = client.post(url, form_data(**over))
        assert response.status_code == 400, over
    assert not JobPosting.objects.exists()


def test_employer_user_posts_for_itself_and_edits_only_its_own(client, people, postings):
    client.force_login(people.emp_a)
    response = client.post(reverse("employment:posting_new"), form_data(employer=str(people.b.pk), unit_name=""))
    assert response.status_code == 302
    mine = JobPosting.objects.exclude(pk__in=[postings.a.pk, postings.b.pk, postings.town.pk]).get()
    assert mine.employer == people.a and mine.source == "employer"
    edit = reverse("employment:posting_edit", args=[postings.a.pk])
    data = form_data(title="A 厂卸货（改）", version=str(postings.a.version), occupation=str(postings.a.occupation_id))
    assert client.post(edit, data).status_code == 302
    assert JobPosting.objects.get(pk=postings.a.pk).title == "A 厂卸货（改）"
    client.force_login(people.emp_b)
    assert client.get(edit).status_code == 404
    assert client.post(edit, data).status_code == 404
    assert client.post(reverse("employment:posting_move", args=[postings.a.pk]),
                       {"move": "close", "reason": "x", "version": "2"}).status_code == 404
    assert JobPosting.objects.get(pk=postings.a.pk).status == PostingStatus.DRAFT


def test_edit_with_a_stale_version_is_a_conflict(client, people, postings):
    client.force_login(people.town)
    edit = reverse("employment:posting_edit", args=[postings.town.pk])
    stale = postings.town.version
    services.posting_update(actor=people.county, posting=postings.town, data={"title": "别人改过"})
    response = client.post(edit, form_data(title="我的修改", version=str(stale)))
    assert response.status_code == 409
    assert JobPosting.objects.get(pk=postings.town.pk).title == "别人改过"


def test_moves_by_status_and_stale_version(client, people, postings):
    client.force_login(people.town)
    detail = reverse("employment:posting", args=[postings.town.pk])
    move = reverse("employment:posting_move", args=[postings.town.pk])
    body = client.get(detail).content.decode()
    assert 'data-testid="move-publish"' in body and 'data-testid="move-pause"' not in body
    response = client.post(move, {"move": "publish", "version": str(postings.town.version)})
    assert response.status_code == 302
    posting = JobPosting.objects.get(pk=postings.town.pk)
    assert posting.status == PostingStatus.PUBLISHED
    body = client.get(detail).content.decode()
    assert 'data-testid="move-pause"' in body and 'data-testid="move-publish"' not in body
    # The page was opened before the publish: its version is stale.
    response = client.post(move, {"move": "pause", "version": str(postings.town.version)})
    assert response.status_code == 409 and 'data-testid="conflict"' in response.content.decode()
    assert JobPosting.objects.get(pk=posting.pk).status == PostingStatus.PUBLISHED
    response = client.post(move, {"move": "close", "version": str(posting.version), "reason": ""})
    assert response.status_code in (400, 422) and "关闭岗位须说明原因" in response.content.decode()
    assert client.post(move, {"move": "explode", "version": "1"}).status_code == 400
    assert client.get(move).status_code == 405
    response = client.post(move, {"move": "close", "version": str(posting.version), "reason": "已招满"})
    assert response.status_code == 302
    assert JobPosting.objects.get(pk=posting.pk).status == PostingStatus.CLOSED


def packs_synced() -> None:
    from anju.policies.packs import catalogue
    from anju.policies.services import sync_from_packs

    sync_from_packs(catalogue().policies.values())


def test_temporary_post_of_two_months_in_jinzhong_is_refused_in_words(client, people):
    packs_synced()
    posting = services.posting_create(actor=people.jinzhong, data={
        "kind": "temporary", "title": "防疫物资分拣", "occupation": occupation("packer"), "unit_name": "榆次区某物流园",
        "region_id": YUCI, "pay_unit": "month", "pay_min": Decimal("2200"), "pay_max": Decimal("2500"),
        "headcount": 5, "contract_months": 2})
    client.force_login(people.jinzhong)
    detail = client.get(reverse("employment:posting", args=[posting.pk])).content.decode()
    assert 'data-outcome="refused"' in detail and "岗位时间不少于 3 个月" in detail
    assert "依据：" in detail
    response = client.post(reverse("employment:posting_move", args=[posting.pk]),
                           {"move": "publish", "version": str(posting.version)})
    assert response.status_code == 422
    body = response.content.decode()
    assert "晋中市临时性岗位设立规则" in body and "不能发布" in body and "岗位时间不少于 3 个月" in body
    assert JobPosting.objects.get(pk=posting.pk).status == PostingStatus.DRAFT
    # Four months: the rule cannot be checked until the minimum wage is entered, and says which.
    posting = services.posting_update(actor=people.jinzhong, posting=posting, data={"contract_months": 4})
    detail = client.get(reverse("employment:posting", args=[posting.pk])).content.decode()
    assert 'data-outcome="unknown"' in detail and "月最低工资标准" in detail


def test_reference_wage_is_shown_for_odd_jobs(client, people, postings):
    parameter_set(actor=None, name="odd_job_daily_wage_porter", region_prefix="350581", valid_from=dt.date(2026, 1, 1),
                  value=Decimal("250"), source="测试：石狮市人力资源市场工资指导价")
    client.force_login(people.town)
    body = client.get(reverse("employment:posting", args=[postings.town.pk])).content.decode()
    assert "250" in body and "低于参考价" in body and "本地区尚未录入参考价" not in body


# Matching ---------------------------------------------------------------------------------------
def _published_with_a_candidate(people):
    from anju.employment import seekers

    worker = make_worker(residence=SHISHI_TOWN, name="王搬运", desired_occupation="搬运工")
    seekers.seeker_for(worker)
    posting = services.posting_create(actor=people.town, data=odd_job(employer=people.a, unit_name=""), publish=True)
    return worker, posting


def test_matches_pages_show_score_in_words_and_refer_logs_the_choice(client, people):
    worker, posting = _published_with_a_candidate(people)
    client.force_login(people.town)
    response = client.get(reverse("employment:posting_matches", args=[posting.pk]))
    assert response.status_code == 200
    row = next(r for r in response.context["rows"] if r["worker"].pk == worker.pk)
    assert row["parts"] and all(p["label"] for p in row["parts"])
    assert worker.id_number not in response.content.decode()
    response = client.post(reverse("employment:refer"), {"worker": worker.pk, "posting": posting.pk,
                                                         "direction": "workers", "rank": row["rank"],
                                                         "score": row["score"]})
    referral = Referral.objects.get(worker=worker, posting=posting)
    assert response.status_code == 302 and response["Location"] == reverse("employment:referral", args=[referral.pk])
    assert MatchEvent.objects.filter(kind="chosen", worker_id=worker.pk, posting_id=posting.pk).count() == 1
    # Once referred, the row says so instead of offering 推荐 again; a second post is refused.
    again = client.get(reverse("employment:posting_matches", args=[posting.pk]))
    assert any(r["referred"] for r in again.context["rows"] if r["worker"].pk == worker.pk)
    response = client.post(reverse("employment:refer"), {"worker": worker.pk, "posting": posting.pk,
                                                         "direction": "workers"})
    assert response.status_code == 302 and Referral.objects.filter(worker=worker).count() == 1
    jobs = client.get(reverse("employment:worker_matches", args=[worker.pk]))
    assert jobs.status_code == 200


def test_matches_are_not_for_employer_users_or_other_towns(client, people):
    worker, posting = _published_with_a_candidate(people)
    client.force_login(people.emp_a)
    assert client.get(reverse("employment:posting_matches", args=[posting.pk])).status_code == 403
    assert client.get(reverse("employment:worker_matches", args=[worker.pk])).status_code == 404
    assert client.post(reverse("employment:refer"), {"worker": worker.pk, "posting": posting.pk,
                                                     "direction": "workers"}).status_code in (403, 404)
    client.force_login(people.town2)
    assert client.get(reverse("employment:posting_matches", args=[posting.pk])).status_code == 404
    assert client.get(reverse("employment:worker_matches", args=[worker.pk])).status_code == 404
    assert not Referral.objects.exists()


def test_every_page_renders_in_english_and_as_a_fragment(client, people, postings, settings):
    worker, posting = _published_with_a_candidate(people)
    referral = services.referral_create(actor=people.town, worker=worker, posting=posting)
    interest = services.interest_create(posting=posting, name="赵六", phone="13900007777")
    client.force_login(people.town)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    urls = [reverse("employment:postings"), reverse("employment:posting", args=[posting.pk]),
            reverse("employment:posting", args=[postings.town.pk]), reverse("employment:posting_new"),
            reverse("employment:posting_edit", args=[posting.pk]), reverse("employment:posting_matches", args=[posting.pk]),
            reverse("employment:worker_matches", args=[worker.pk]), reverse("employment:seeker_edit", args=[worker.pk]),
            reverse("employment:worker_panel", args=[worker.pk]), reverse("employment:referrals"),
            reverse("employment:referral", args=[referral.pk]), reverse("employment:interests"),
            reverse("employment:interest", args=[interest.pk])]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Content-Language"] == "en", url
    fragment = client.get(reverse("employment:postings"), {"q": "卸货"}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert 'data-testid="posting-row"' in fragment.content.decode()
