"""Public welfare post placements: the rules where the post is (subsidy bounds, insurance), the
headcount, the Hire and the worker's status, monthly attendance, the end of a placement, the hire
facts the subsidy policy reads, the candidates, and the pages with their scoping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from anju.accounts.models import Role
from anju.accounts.tests.factories import UserFactory
from anju.audit.models import AuditEvent
from anju.employment import placements
from anju.employment.models import (
    AssignmentStatus,
    Employer,
    JobPosting,
    Occupation,
    PostAssignment,
    PostAttendance,
    PostingStatus,
)
from anju.employment.services import EmploymentError
from anju.lib.versioning import VersionConflict
from anju.registry.choices import DIFFICULTY_BITS, EmploymentStatus
from anju.registry.models import TimelineEvent, Worker
from anju.registry.tests.factories import make_worker

pytestmark = pytest.mark.django_db
DONGCUN = "141127100000"  # 东村镇, Lan County
LANCHENG = "141127101000"  # 岚城镇, Lan County
SHISHI_TOWN = "350581001000"
START = dt.date(2022, 6, 1)  # Lan County's minimum wage is 1630 (half: 815) from 2021-10-01 to 2022-12-31
POOR = DIFFICULTY_BITS["poverty_alleviated"]
SUBSIDY = "shanxi-public-welfare-post-subsidy"


@pytest.fixture(autouse=True)
def packs(db):
    from anju.policies.packs import catalogue
    from anju.policies.services import sync_from_packs

    sync_from_packs(catalogue().policies.values())


@pytest.fixture
def people(db):
    from types import SimpleNamespace

    return SimpleNamespace(
        town=UserFactory(username="p-town", role=Role.TOWN_OFFICER, jurisdiction="141127100"),
        town2=UserFactory(username="p-town2", role=Role.TOWN_OFFICER, jurisdiction="141127101"),
        county=UserFactory(username="p-county", role=Role.COUNTY_OFFICER, jurisdiction="141127"),
        shishi=UserFactory(username="p-shishi", role=Role.TOWN_OFFICER, jurisdiction="350581001"),
    )


def village(region: str = DONGCUN, uscc: str = "54141127MEA000001X") -> Employer:
    return Employer.objects.create(name="岚县东村镇人民政府", uscc=uscc, size_class="micro", region_id=region)


def welfare_posting(employer: Employer | None, *, region: str = DONGCUN, headcount: int = 2, **over) -> JobPosting:
    """A published public welfare post (saved directly: publishing today would need the
    minimum wage after 2023, which the pack leaves empty)."""
    data = dict(kind="public_welfare", status=PostingStatus.PUBLISHED, title="生态护林员",
                occupation=Occupation.objects.get(key="forest-ranger"), employer=employer,
                unit_name=employer.name if employer else "岚县某村民委员会", region_id=region, pay_unit="month",
                pay_min=Decimal("800"), pay_max=Decimal("800"), headcount=headcount, contract_months=12,
                accident_insurance_cover=Decimal("300000"), published_at=timezone.now(), valid_from=START)
    data.update(over)
    return JobPosting.objects.create(**data)


def poor_worker(name: str = "王五", region: str = DONGCUN, **over) -> Worker:
    return make_worker(residence=region, name=name, difficulty_mask=POOR, **over)


def terms(**over) -> dict:
    data = {"start_date": START, "monthly_subsidy": Decimal("800"), "accident_insurance_cover": Decimal("300000"),
            "insurance_policy_no": "PICC-2022-001", "insured_until": START + dt.timedelta(days=364)}
    data.update(over)
    return data


@pytest.fixture
def placed(people):
    posting = welfare_posting(village())
    worker = poor_worker()
    return placements.assignment_create(actor=people.town, posting=posting, worker=worker, data=terms())


# Placing ------------------------------------------------------------------------------------------
def test_placement_makes_the_hire_sets_the_worker_employed_and_writes_the_timeline(people, placed):
    hire = placed.hire
    assert hire is not None and hire.employer == placed.posting.employer and hire.start_date == START
    assert hire.contract_months == 12
    assert placed.status == AssignmentStatus.ACTIVE and placed.region_code == DONGCUN
    assert placed.rule_check and placed.rule_check[0]["policy"] == SUBSIDY and placed.rule_check[0]["outcome"] == "passed"
    worker = Worker.objects.get(pk=placed.worker_id)
    assert worker.employment_status == EmploymentStatus.EMPLOYED
    assert worker.get_employment_status_display() == "就业"
    event = TimelineEvent.objects.get(worker=worker, kind="post_assignment")
    assert event.data["title"] == "生态护林员"
    assert AuditEvent.objects.filter(object_type__icontains="postassignment", object_id=str(placed.pk)).exists()
    assert JobPosting.objects.get(pk=placed.posting_id).hired_count == 1


def test_subsidy_above_half_the_minimum_wage_is_refused_in_the_rules_words(people):
    posting = welfare_posting(village())
    worker = poor_worker()
    with pytest.raises(EmploymentError) as caught:
        placements.assignment_create(actor=people.town, posting=posting, worker=worker,
                                     data=terms(monthly_subsidy=Decimal("816")))
    assert caught.value.code == "placement_rule"
    assert "月补贴不高于当地最低工资标准的 50%" in caught.value.text("zh-hans")
    assert "公益性岗位补贴（脱贫劳动力）" in caught.value.text("zh-hans")
    assert not PostAssignment.objects.exists()
    assert Worker.objects.get(pk=worker.pk).employment_status == EmploymentStatus.UNEMPLOYED
    # 815 is exactly half of 1630: placed.
    placements.assignment_create(actor=people.town, posting=posting, worker=worker, data=terms(monthly_subsidy=Decimal("815")))


def test_cover_below_300000_is_refused(people):
    posting = welfare_posting(village())
    with pytest.raises(EmploymentError) as caught:
        placements.assignment_create(actor=people.town, posting=posting, worker=poor_worker(),
                                     data=terms(accident_insurance_cover=Decimal("299999")))
    assert "保额不低于 30 万元的人身意外伤害保险" in caught.value.text("zh-hans")
    assert not PostAssignment.objects.exists()


def test_holder_not_poverty_alleviated_is_refused(people):
    posting = welfare_posting(village())
    with pytest.raises(EmploymentError) as caught:
        placements.assignment_create(actor=people.town, posting=posting, worker=make_worker(residence=DONGCUN),
                                     data=terms())
    assert "上岗人员为脱贫劳动力" in caught.value.text("zh-hans")


def test_rule_that_cannot_tell_refuses_naming_the_parameter(people):
    posting = welfare_posting(village())
    with pytest.raises(EmploymentError) as caught:  # after the 2023 raise, whose amount is not entered
        placements.assignment_create(actor=people.town, posting=posting, worker=poor_worker(),
                                     data=terms(start_date=dt.date(2023, 3, 1)))
    assert caught.value.code == "placement_rule_unknown"
    assert "月最低工资标准" in caught.value.text("zh-hans")


def test_posting_without_employer_is_refused(people):
    posting = welfare_posting(None)
    with pytest.raises(EmploymentError) as caught:
        placements.assignment_create(actor=people.town, posting=posting, worker=poor_worker(), data=terms())
    assert caught.value.code == "no_employer"
    assert "用人单位" in caught.value.text("zh-hans")


def test_headcount_full_is_refused(people):
    posting = welfare_posting(village(), headcount=1)
    placements.assignment_create(actor=people.town, posting=posting, worker=poor_worker("甲"), data=terms())
    assert JobPosting.objects.get(pk=posting.pk).status == PostingStatus.FILLED
    with pytest.raises(EmploymentError) as caught:
        placements.assignment_create(actor=people.town, posting=posting, worker=poor_worker("乙"), data=terms())
    assert caught.value.code == "full"
    assert "已满员" in caught.value.text("zh-hans")
    assert PostAssignment.objects.count() == 1


def test_worker_in_a_post_already_is_refused(people, placed):
    other = welfare_posting(village(uscc="54141127MEA000002X"))
    with pytest.raises(EmploymentError) as caught:
        placements.assignment_create(actor=people.town, posting=other, worker=placed.worker, data=terms())
    assert caught.value.code == "duplicate"


def test_placement_outside_jurisdiction_is_refused(people):
    posting = welfare_posting(village())
    with pytest.raises(EmploymentError) as caught:
        placements.assignment_create(actor=people.town2, posting=posting, worker=poor_worker(region=LANCHENG),
                                     data=terms())
    assert caught.value.status == 403
    assert not PostAssignment.objects.exists()


# Attendance -----------------------------------------------------------------------------------------
def test_attendance_gives_the_subsidy_due(people, placed):
    full = placements.attendance_record(actor=people.town, assignment=placed, month=dt.date(2022, 6, 1),
                                        days_required=22, days_present=22)
    assert full.subsidy_due == Decimal("800.00")
    part = placements.attendance_record(actor=people.town, assignment=placed, month=dt.date(2022, 7, 15),
                                        days_required=22, days_present=21)
    assert part.month == dt.date(2022, 7, 1) and part.subsidy_due == Decimal("763.64")
    lower = placements.attendance_record(actor=people.town, assignment=placed, month=dt.date(2022, 8, 1),
                                         days_required=22, days_present=22, subsidy_due=Decimal("700"),
                                         note="扣减未履职天数")
    assert lower.subsidy_due == Decimal("700.00")
    assert AuditEvent.objects.filter(object_type__icontains="postattendance").count() == 3


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"month": dt.date(2022, 6, 1), "days_required": 22, "days_present": 23}, "days_present"),
    ({"month": dt.date(2022, 5, 1), "days_required": 22, "days_present": 20}, "month"),  # before the start
    ({"month": dt.date(2022, 6, 1), "days_required": 22, "days_present": 22, "subsidy_due": Decimal("800.01"),
      "note": "多发"}, "subsidy_due"),
    ({"month": dt.date(2022, 6, 1), "days_required": 22, "days_present": 22, "subsidy_due": Decimal("600")}, "note"),
    ({"month": dt.date(2022, 6, 1), "days_required": 31, "days_present": 20}, "days_required"),  # June has 30 days
])
def test_bad_attendance_is_refused(people, placed, kwargs, field):
    with pytest.raises(EmploymentError) as caught:
        placements.attendance_record(actor=people.town, assignment=placed, **kwargs)
    assert caught.value.field == field
    assert not PostAttendance.objects.exists()


def test_duplicate_month_is_refused(people, placed):
    placements.attendance_record(actor=people.town, assignment=placed, month=dt.date(2022, 6, 1), days_required=22,
                                 days_present=22)
    with pytest.raises(EmploymentError) as caught:
        placements.attendance_record(actor=people.town, assignment=placed, month=dt.date(2022, 6, 20),
                                     days_required=22, days_present=20)
    assert caught.value.code == "duplicate"
    assert PostAttendance.objects.count() == 1


def test_future_month_is_refused(people, placed):
    next_month = (timezone.localdate().replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    with pytest.raises(EmploymentError) as caught:
        placements.attendance_record(actor=people.town, assignment=placed, month=next_month, days_required=22,
                                     days_present=22)
    assert caught.value.code == "future"


def test_end_closes_the_hire_and_refuses_months_after(people):
    posting = welfare_posting(village(), headcount=1)
    placement = placements.assignment_create(actor=people.town, posting=posting, worker=poor_worker(), data=terms())
    with pytest.raises(EmploymentError):
        placements.assignment_end(actor=people.town, assignment=placement, end_date=dt.date(2022, 9, 30), reason="")
    ended = placements.assignment_end(actor=people.town, assignment=placement, end_date=dt.date(2022, 9, 30),
                                      reason="本人外出务工")
    assert ended.status == AssignmentStatus.ENDED and ended.hire.__class__.objects.get(pk=ended.hire_id).end_date == dt.date(2022, 9, 30)
    assert placements.tenure_months(ended) == 3
    with pytest.raises(EmploymentError) as caught:
        placements.attendance_record(actor=people.town, assignment=ended, month=dt.date(2022, 10, 1), days_required=22,
                                     days_present=22)
    assert caught.value.code == "after_end"
    # The place is free again: the filled post is open.
    assert JobPosting.objects.get(pk=posting.pk).status == PostingStatus.PUBLISHED


def test_a_recorded_month_is_corrected_with_a_reason_and_the_audit_keeps_the_old_figures(people, placed):
    placements.attendance_record(actor=people.town, assignment=placed, month=dt.date(2022, 6, 1), days_required=22,
                                 days_present=22)
    with pytest.raises(EmploymentError) as caught:  # no reason
        placements.attendance_correct(actor=people.town, assignment=placed, month=dt.date(2022, 6, 1),
                                      days_required=22, days_present=11, reason=" ")
    assert caught.value.field == "note"
    with pytest.raises(EmploymentError) as caught:  # the same checks as recording
        placements.attendance_correct(actor=people.town, assignment=placed, month=dt.date(2022, 6, 1),
                                      days_required=22, days_present=23, reason="录错")
    assert caught.value.field == "days_present"
    with pytest.raises(EmploymentError) as caught:  # nothing to correct
        placements.attendance_correct(actor=people.town, assignment=placed, month=dt.date(2022, 7, 1),
                                      days_required=22, days_present=11, reason="录错")
    assert caught.value.code == "missing"
    with pytest.raises(EmploymentError):  # another town's officer
        placements.attendance_correct(actor=people.town2, assignment=placed, month=dt.date(2022, 6, 1),
                                      days_required=22, days_present=11, reason="录错")
    row = placements.attendance_correct(actor=people.town, assignment=placed, month=dt.date(2022, 6, 15),
                                        days_required=22, days_present=11, reason="实际出勤 11 天，原登记有误",
                                        expected_version=1)
    assert (row.days_present, row.subsidy_due, row.note) == (11, Decimal("400.00"), "实际出勤 11 天，原登记有误")
    assert row.version == 2
    with pytest.raises(VersionConflict):  # corrected since version 1 was shown
        placements.attendance_correct(actor=people.town, assignment=placed, month=dt.date(2022, 6, 1),
                                      days_required=22, days_present=10, reason="再次更正", expected_version=1)
    assert PostAttendance.objects.count() == 1
    event = AuditEvent.objects.filter(object_type__icontains="postattendance", action="update").get()
    assert event.changes["days_present"] == [22, 11] and event.changes["subsidy_due"] == ["800.00", "400.00"]
    with pytest.raises(EmploymentError) as caught:
        placements.attendance_correct(actor=people.town, assignment=placed, month=dt.date(2022, 6, 1),
                                      days_required=22, days_present=11, reason="实际出勤 11 天，原登记有误")
    assert caught.value.code == "unchanged"


def test_leaving_the_post_sets_the_status_chosen_in_the_ledger(people):
    posting = welfare_posting(village(), headcount=2)
    placement = placements.assignment_create(actor=people.town, posting=posting, worker=poor_worker(), data=terms())
    assert Worker.objects.get(pk=placement.worker_id).employment_status == EmploymentStatus.EMPLOYED
    with pytest.raises(EmploymentError) as caught:
        placements.assignment_end(actor=people.town, assignment=placement, end_date=dt.date(2022, 9, 30),
                                  reason="合同期满", status_after="retired")
    assert caught.value.field == "status_after"
    placements.assignment_end(actor=people.town, assignment=placement, end_date=dt.date(2022, 9, 30),
                              reason="合同期满", status_after=EmploymentStatus.UNEMPLOYED)
    assert Worker.objects.get(pk=placement.worker_id).employment_status == EmploymentStatus.UNEMPLOYED
    other = placements.assignment_create(actor=people.town, posting=posting, worker=poor_worker("赵六"), data=terms())
    placements.assignment_end(actor=people.town, assignment=other, end_date=dt.date(2022, 9, 30), reason="另有工作")
    assert Worker.objects.get(pk=other.worker_id).employment_status == EmploymentStatus.EMPLOYED  # left as it was


def test_tenure_and_insurance_expiry():
    p = PostAssignment(start_date=dt.date(2024, 1, 31), status=AssignmentStatus.ACTIVE,
                       insured_until=dt.date(2025, 1, 20))
    assert placements.tenure_months(p, dt.date(2024, 3, 30)) == 1
    assert placements.tenure_months(p, dt.date(2024, 3, 31)) == 2
    assert placements.insurance_expiring(p, dt.date(2024, 12, 25))
    assert not placements.insurance_expiring(p, dt.date(2024, 12, 15))
    assert placements.insurance_expiring(p, dt.date(2025, 2, 1))


# The hire facts -------------------------------------------------------------------------------------
def test_hire_facts_make_the_subsidy_policy_eligible_for_a_stored_placement(placed):
    from anju.policies import engine
    from anju.policies.packs import get_policy

    policy = get_policy(SUBSIDY)
    evaluation = engine.evaluate_subject(policy, placed.hire, dt.date(2022, 7, 1))
    assert evaluation.status == engine.ELIGIBLE, evaluation.missing_facts
    assert evaluation.amount == Decimal("800.00")
    listed = engine.eligible_queryset(policy, on=dt.date(2022, 7, 1), region_prefix="141127")
    assert list(listed.values_list("pk", flat=True)) == [placed.hire_id]


def test_an_ordinary_hire_is_not_a_public_welfare_post(placed):
    from anju.employment.models import Hire
    from anju.policies import engine

    other = Hire.objects.create(worker=make_worker(residence=DONGCUN), employer=placed.hire.employer,
                                start_date=START, contract_months=12)
    facts = engine.subject_facts("hire", other, {"public_welfare_post", "monthly_pay", "accident_insurance_cover"},
                                 START)
    assert facts == {"public_welfare_post": False, "monthly_pay": None, "accident_insurance_cover": None}


# Candidates -----------------------------------------------------------------------------------------
def test_shanxi_candidates_are_the_poverty_alleviated_workers_in_the_jurisdiction(people):
    posting = welfare_posting(village())
    poor = poor_worker("甲")
    make_worker(residence=DONGCUN, name="乙")  # not poverty-alleviated
    poor_worker("丙", region=LANCHENG)  # another town
    qs = placements.candidate_queryset(posting, region_prefix=people.town.jurisdiction)
    assert list(qs.values_list("pk", flat=True)) == [poor.pk]


def test_quanzhou_candidates_come_from_the_placement_policy(people):
    employer = Employer.objects.create(name="石狮市湖滨街道办事处", uscc="11350581MB0000001X", size_class="micro",
                                       region_id=SHISHI_TOWN)
    posting = welfare_posting(employer, region=SHISHI_TOWN, pay_min=Decimal("2030"), pay_max=Decimal("2030"))
    yes = make_worker(residence=SHISHI_TOWN, name="甲", difficulty_mask=DIFFICULTY_BITS["employment_difficulty"])
    make_worker(residence=SHISHI_TOWN, name="乙")  # not in difficulty
    make_worker(residence=SHISHI_TOWN, name="丙", difficulty_mask=POOR, employment_status=EmploymentStatus.EMPLOYED)
    qs = placements.candidate_queryset(posting, region_prefix=people.shishi.jurisdiction)
    assert list(qs.values_list("pk", flat=True)) == [yes.pk]
    client_page_lists(people.shishi, posting, yes)


def client_page_lists(user, posting, worker):
    from django.test import Client

    client = Client()
    client.force_login(user)
    response = client.get(reverse("employment:post_candidates", args=[posting.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-worker="{worker.pk}"' in body
    assert reverse("employment:placement_new", args=[posting.pk]) + f"?worker={worker.pk}" in body


# Pages ------------------------------------------------------------------------------------------------
def test_pages_place_record_attendance_and_end(client, people):
    posting = welfare_posting(village())
    worker = poor_worker()
    client.force_login(people.town)
    client_page_lists(people.town, posting, worker)
    url = reverse("employment:placement_new", args=[posting.pk])
    assert client.get(url, {"worker": worker.pk}).status_code == 200
    bad = client.post(url, {"worker": worker.pk, "start_date": "2022-06-01", "monthly_subsidy": "900",
                            "accident_insurance_cover": "300000"})
    assert bad.status_code == 400 and "月补贴不高于当地最低工资标准的 50%" in bad.content.decode()
    response = client.post(url, {"worker": worker.pk, "start_date": "2022-06-01", "monthly_subsidy": "800",
                                 "accident_insurance_cover": "300000", "insurance_policy_no": "P-1",
                                 "insured_until": "2023-05-31"})
    placement = PostAssignment.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("employment:placement", args=[placement.pk])
    detail = client.get(reverse("employment:placement", args=[placement.pk]))
    assert detail.status_code == 200 and 'data-testid="attendance-form"' in detail.content.decode()
    attend = reverse("employment:placement_attendance", args=[placement.pk])
    too_many = client.post(attend, {"month": "2022-06", "days_required": "22", "days_present": "23"})
    assert too_many.status_code == 400 and not PostAttendance.objects.exists()
    assert client.post(attend, {"month": "2022-06", "days_required": "22", "days_present": "11"}).status_code == 302
    assert PostAttendance.objects.get().subsidy_due == Decimal("400.00")
    listing = client.get(reverse("employment:placements"))
    body = listing.content.decode()
    assert listing.status_code == 200 and f'data-pk="{placement.pk}"' in body
    assert 'data-testid="insurance-expiring"' in body  # insured until 2023-05-31, long past
    # A month recorded wrongly: 更正 opens the form on it; the reason is required.
    detail = client.get(reverse("employment:placement", args=[placement.pk]), {"correct": "2022-06"}).content.decode()
    assert 'data-testid="correcting"' in detail and 'value="11"' in detail
    shown = PostAttendance.objects.get().version
    correction = {"month": "2022-06", "days_required": "22", "days_present": "20", "correct": "True",
                  "version": str(shown)}
    no_reason = client.post(attend, correction)
    assert no_reason.status_code == 400 and "请填写更正原因" in no_reason.content.decode()
    assert 'data-testid="correcting"' in no_reason.content.decode()
    fixed = client.post(attend, correction | {"note": "补录请假条后重新核定"})
    assert fixed.status_code == 302 and PostAttendance.objects.get().subsidy_due == Decimal("727.27")
    # A second correction from the page as it was before the first one is refused, and changes nothing.
    stale = client.post(attend, correction | {"days_present": "18", "note": "另一人的更正"})
    assert stale.status_code == 409 and 'data-testid="correcting"' in stale.content.decode()
    assert PostAttendance.objects.get().days_present == 20
    end = client.post(reverse("employment:placement_end", args=[placement.pk]),
                      {"version": placement.version, "end_date": "2022-12-31", "reason": "合同期满",
                       "status_after": "unemployed"})
    assert end.status_code == 302
    placement.refresh_from_db()
    assert placement.status == AssignmentStatus.ENDED
    assert Worker.objects.get(pk=worker.pk).employment_status == EmploymentStatus.UNEMPLOYED
    assert client.get(reverse("employment:placements"), {"status": "active"}).content.decode().count(
        'data-testid="placement-row"') == 0


def test_list_is_empty_and_filters_by_region(client, people, placed):
    client.force_login(people.county)
    body = client.get(reverse("employment:placements"), {"region": "141127101"}).content.decode()
    assert 'data-testid="empty"' in body
    body = client.get(reverse("employment:placements"), {"region": "141127100"}).content.decode()
    assert f'data-pk="{placed.pk}"' in body
    assert client.get(reverse("employment:placements"), {"page": "999", "status": "x"}).status_code == 200


def test_another_towns_officer_gets_404(client, people, placed):
    client.force_login(people.town2)
    assert client.get(reverse("employment:placement", args=[placed.pk])).status_code == 404
    assert client.post(reverse("employment:placement_attendance", args=[placed.pk]),
                       {"month": "2022-06", "days_required": "22", "days_present": "22"}).status_code == 404
    assert client.post(reverse("employment:placement_end", args=[placed.pk]),
                       {"version": placed.version, "end_date": "2022-12-31", "reason": "x"}).status_code == 404
    assert client.get(reverse("employment:post_candidates", args=[placed.posting_id])).status_code == 404
    assert client.get(reverse("employment:placement_new", args=[placed.posting_id])).status_code == 404
    body = client.get(reverse("employment:placements")).content.decode()
    assert 'data-testid="placement-row"' not in body
    assert client.get(reverse("employment:placement", args=["99999999999999999999"])).status_code == 404


def test_candidates_page_with_a_registered_seeker(people):
    """A candidate who is a registered job seeker goes through the matcher's ranking (shown with
    its score in words when it passes the hard filters); either way listed with 安置."""
    from anju.employment.seekers import seeker_for

    posting = welfare_posting(village())
    worker = poor_worker(desired_occupation="护林")
    seeker_for(worker)
    client_page_lists(people.town, posting, worker)
