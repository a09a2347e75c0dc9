"""The referral and sign-up pages: who sees which candidates (an employer user of org A vs org B, a
town officer of another town, the county officer), the outcomes through the forms to a hire, the
follow-up due date, stale versions and bad input that change nothing, and the worker panel."""

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
    Hire,
    InterestStatus,
    JobInterest,
    Occupation,
    Referral,
    ReferralStatus,
)
from anju.registry.models import Worker
from anju.registry.tests.factories import make_worker
from anju.workflow.models import OPEN_STATES, WorkTask

pytestmark = pytest.mark.django_db
SHISHI_TOWN = "350581001000"
USCC_A = "91350581MA2XXXXX1T"
USCC_B = "91350581MA2YYYYY2K"


@pytest.fixture
def people(db):
    a = Employer.objects.create(name="石狮市安达服装有限公司", uscc=USCC_A, size_class="small", region_id=SHISHI_TOWN)
    b = Employer.objects.create(name="石狮市宏远鞋业有限公司", uscc=USCC_B, size_class="small", region_id=SHISHI_TOWN)
    return SimpleNamespace(
        a=a, b=b,
        town=UserFactory(username="r-town", role=Role.TOWN_OFFICER, jurisdiction="350581001"),
        town2=UserFactory(username="r-town2", role=Role.TOWN_OFFICER, jurisdiction="350581002"),
        county=UserFactory(username="r-county", role=Role.COUNTY_OFFICER, jurisdiction="350581"),
        emp_a=organisation_user("r-emp-a", Role.EMPLOYER_USER, USCC_A),
        emp_b=organisation_user("r-emp-b", Role.EMPLOYER_USER, USCC_B),
    )


def regular(employer, **over) -> dict:
    data = {"kind": "regular", "title": "平车工", "occupation": Occupation.objects.get(key="sewing-worker"),
            "employer": employer, "unit_name": "", "region_id": SHISHI_TOWN, "pay_unit": "month",
            "pay_min": Decimal("5000"), "pay_max": Decimal("7000"), "headcount": 10, "contract_months": 12}
    data.update(over)
    return data


@pytest.fixture
def referral(people):
    worker = make_worker(residence=SHISHI_TOWN, name="李四")
    posting = services.posting_create(actor=people.town, data=regular(people.a), publish=True)
    return services.referral_create(actor=people.town, worker=worker, posting=posting)


def detail(r) -> str:
    return reverse("employment:referral", args=[r.pk])


def fresh(r) -> Referral:
    return Referral.objects.get(pk=r.pk)


# Seeing -----------------------------------------------------------------------------------------
def test_list_and_detail_are_scoped_for_each_persona(client, people, referral):
    url = reverse("employment:referrals")
    for name, visible in (("emp_a", True), ("emp_b", False), ("town", True), ("town2", False), ("county", True)):
        client.force_login(getattr(people, name))
        response = client.get(url)
        assert response.status_code == 200
        assert [r.pk for r in response.context["rows"]] == ([referral.pk] if visible else []), name
        assert client.get(detail(referral)).status_code == (200 if visible else 404), name
    client.force_login(people.emp_b)
    assert 'data-testid="empty"' in client.get(url).content.decode()


def test_list_filters_and_junk(client, people, referral):
    client.force_login(people.county)
    url = reverse("employment:referrals")
    assert [r.pk for r in client.get(url, {"status": "recommended"}).context["rows"]] == [referral.pk]
    assert client.get(url, {"status": "hired"}).context["rows"] == []
    assert [r.pk for r in client.get(url, {"posting": referral.posting_id}).context["rows"]] == [referral.pk]
    assert client.get(url, {"posting": referral.posting_id + 1}).context["rows"] == []
    for junk in ({"campaign": "x"}, {"posting": "-1"}, {"page": "abc"}, {"status": "nope"}):
        assert client.get(url, junk).status_code == 200


def test_detail_shows_the_stages_and_the_follow_up_due_date(client, people, referral):
    task = WorkTask.objects.get(step=services.REFERRAL_STEP, subject_id=referral.pk, state__in=OPEN_STATES)
    client.force_login(people.town)
    body = client.get(detail(referral)).content.decode()
    assert 'data-testid="follow-up-due"' in body and task.due_on.isoformat() in body
    assert referral.worker.id_number not in body and referral.worker.id_number_masked in body
    assert 'data-testid="advance-contacted"' in body and 'data-testid="advance-withdrawn"' in body


# Writing ----------------------------------------------------------------------------------------
def test_staff_and_employer_follow_up_to_a_hire(client, people, referral):
    client.force_login(people.town)
    response = client.post(detail(referral), {"status": "contacted", "note": "电话已通知", "version": referral.version})
    assert response.status_code == 302 and fresh(referral).status == ReferralStatus.CONTACTED
    # The employer records the interview and the hire of its own candidate, not the contact.
    client.force_login(people.emp_a)
    body = client.get(detail(referral)).content.decode()
    assert 'data-testid="advance-contacted"' not in body and 'data-testid="advance-withdrawn"' not in body
    r = fresh(referral)
    assert client.post(detail(r), {"status": "interviewed", "version": r.version}).status_code == 302
    r = fresh(r)
    assert client.post(detail(r), {"status": "withdrawn", "reason": "x", "version": r.version}).status_code == 409
    # The other employer cannot touch it.
    client.force_login(people.emp_b)
    assert client.post(detail(r), {"status": "not_hired", "reason": "x", "version": r.version}).status_code == 404
    client.force_login(people.emp_a)
    start = timezone.localdate() + dt.timedelta(days=3)
    response = client.post(detail(r), {"status": "hired", "version": r.version, "start_date": start.isoformat(),
                                       "contract_months": "24", "pension_insured": "on"})
    assert response.status_code == 302
    r = fresh(r)
    assert r.status == ReferralStatus.HIRED and r.hire.start_date == start and r.hire.contract_months == 24
    assert r.hire.pension_insured and not r.hire.medical_insured
    assert Worker.objects.get(pk=r.worker_id).employment_status == "employed"
    body = client.get(detail(r)).content.decode()
    assert 'data-testid="hire"' in body and 'data-testid="advance"' not in body
    assert [e.status for e in r.events.all()] == ["recommended", "contacted", "interviewed", "hired"]


def test_bad_input_and_stale_versions_change_nothing(client, people, referral):
    client.force_login(people.town)
    # A hire needs its start date.
    response = client.post(detail(referral), {"status": "hired", "version": referral.version})
    assert response.status_code in (400, 422) and "请填写入职日期" in response.content.decode()
    # Not hired needs a reason.
    response = client.post(detail(referral), {"status": "not_hired", "version": referral.version})
    assert response.status_code in (400, 422) and "请说明原因" in response.content.decode()
    for junk in ({"status": "promoted", "version": referral.version}, {"status": "contacted"},
                 {"status": "contacted", "version": "abc"},
                 {"status": "hired", "version": referral.version, "start_date": "2026-13-45"}):
        assert client.post(detail(referral), junk).status_code == 400, junk
    assert fresh(referral).status == ReferralStatus.RECOMMENDED and not Hire.objects.exists()
    services.referral_advance(actor=people.county, referral=referral, status="contacted")
    response = client.post(detail(referral), {"status": "interviewed", "version": referral.version})
    assert response.status_code == 409 and 'data-testid="conflict"' in response.content.decode()
    assert fresh(referral).status == ReferralStatus.CONTACTED
    # Another town's officer: the referral does not exist for them.
    client.force_login(people.town2)
    r = fresh(referral)
    assert client.post(detail(r), {"status": "interviewed", "version": r.version}).status_code == 404
    assert fresh(referral).status == ReferralStatus.CONTACTED


# Sign-ups ---------------------------------------------------------------------------------------
@pytest.fixture
def interest(people):
    posting = services.posting_create(actor=people.town, data=regular(people.a), publish=True)
    return services.interest_create(posting=posting, name="赵六", phone="13900007777")


def test_interest_pages_are_staff_of_the_place_only(client, people, interest):
    url = reverse("employment:interest", args=[interest.pk])
    for name, code in (("town", 200), ("county", 200), ("town2", 404), ("emp_a", 404)):
        client.force_login(getattr(people, name))
        assert client.get(url).status_code in ((code,) if code == 200 else (403, 404)), name
    client.force_login(people.town)
    listing = client.get(reverse("employment:interests"))
    assert [i.pk for i in listing.context["rows"]] == [interest.pk]
    assert "13900007777" not in listing.content.decode()
    client.force_login(people.town2)
    assert client.get(reverse("employment:interests")).context["rows"] == []


def test_interest_is_referred_to_the_worker_found_by_id_number(client, people, interest):
    worker = make_worker(residence=SHISHI_TOWN, name="赵六", phone="13500001111")
    client.force_login(people.town)
    url = reverse("employment:interest", args=[interest.pk])
    response = client.post(url, {"action": "refer", "id_number": "110101199003077777"})
    assert response.status_code == 400 and not Referral.objects.exists()
    response = client.post(url, {"action": "refer", "id_number": worker.id_number})
    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("employment:referral", args=[referral.pk])
    assert referral.worker == worker and referral.origin == "interest"
    assert JobInterest.objects.get(pk=interest.pk).status == InterestStatus.REFERRED
    assert client.post(url, {"action": "close", "reason": "重复"}).status_code == 409


def test_interest_closed_with_a_reason(client, people, interest):
    client.force_login(people.town)
    url = reverse("employment:interest", args=[interest.pk])
    assert client.post(url, {"action": "close", "reason": ""}).status_code == 400
    assert client.post(url, {"action": "dance"}).status_code == 400
    assert client.post(url, {"action": "close", "reason": "已在别处就业"}).status_code == 302
    interest = JobInterest.objects.get(pk=interest.pk)
    assert interest.status == InterestStatus.CLOSED and interest.close_reason == "已在别处就业"


# The worker panel -------------------------------------------------------------------------------
def test_worker_panel_shows_referrals_and_is_scoped(client, people, referral):
    worker_page = reverse("registry:worker_detail", args=[referral.worker_id])
    panel = reverse("employment:worker_panel", args=[referral.worker_id])
    client.force_login(people.town)
    assert panel in client.get(worker_page).content.decode()  # loaded after the page
    body = client.get(panel).content.decode()
    assert 'data-testid="worker-referral"' in body and referral.posting.title in body
    client.force_login(people.town2)
    assert client.get(panel).status_code == 404


def test_seeker_registration_is_edited_by_staff(client, people, referral):
    url = reverse("employment:seeker_edit", args=[referral.worker_id])
    client.force_login(people.town)
    assert client.get(url).status_code == 200
    response = client.post(url, {"active": "on", "work_range": "city", "physical": "medium", "certificates": "电工证",
                                 "available_from": (timezone.localdate() + dt.timedelta(days=7)).isoformat()})
    assert response.status_code == 302
    from anju.employment.models import Seeker

    seeker = Seeker.objects.get(worker_id=referral.worker_id)
    assert seeker.work_range == "city" and seeker.certificates == "电工证"
    assert client.post(url, {"work_range": "galaxy", "physical": "medium"}).status_code == 400
    client.force_login(people.town2)
    assert client.get(url).status_code == 404
    client.force_login(people.emp_a)
    assert client.get(url).status_code == 404
