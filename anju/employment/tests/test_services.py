"""The write services of employment: posting rules at publishing, the posting moves, referrals
through to the hire, sign-ups from the public board."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from anju.accounts.models import Role
from anju.accounts.tests.factories import UserFactory, organisation_user
from anju.audit.models import AuditEvent
from anju.employment import services
from anju.employment.models import (
    Employer,
    Hire,
    InterestStatus,
    JobPosting,
    Occupation,
    PostingStatus,
    PostingTerm,
    ReferralStatus,
)
from anju.employment.services import EmploymentError
from anju.lib.versioning import VersionConflict
from anju.params.services import parameter_set
from anju.registry.models import TimelineEvent, Worker
from anju.registry.tests.factories import make_worker
from anju.workflow.models import OPEN_STATES, WorkTask

pytestmark = pytest.mark.django_db
SHISHI_TOWN = "350581001000"
YUCI = "140702000000"
LAN = "141127100000"


def packs_synced() -> None:
    from anju.policies.packs import catalogue
    from anju.policies.services import sync_from_packs

    sync_from_packs(catalogue().policies.values())


@pytest.fixture
def employer(db):
    return Employer.objects.create(name="石狮市安达服装有限公司", uscc="91350581MA2XXXXX1T", size_class="small",
                                   region_id="350581001000")


@pytest.fixture
def people(db, employer):
    from types import SimpleNamespace

    return SimpleNamespace(
        town=UserFactory(username="e-town", role=Role.TOWN_OFFICER, jurisdiction="350581001"),
        town2=UserFactory(username="e-town2", role=Role.TOWN_OFFICER, jurisdiction="350581002"),
        county=UserFactory(username="e-county", role=Role.COUNTY_OFFICER, jurisdiction="350581"),
        jinzhong=UserFactory(username="e-jinzhong", role=Role.COUNTY_OFFICER, jurisdiction="1407"),
        lan=UserFactory(username="e-lan", role=Role.COUNTY_OFFICER, jurisdiction="141127"),
        employer=organisation_user("e-employer", Role.EMPLOYER_USER, employer.uscc),
        other_employer=organisation_user("e-employer2", Role.EMPLOYER_USER, "91350581MA2YYYYY2K"),
    )


def occupation(key: str) -> Occupation:
    return Occupation.objects.get(key=key)


def odd_job(**over) -> dict:
    data = {"kind": "odd_job", "title": "仓库卸货", "occupation": occupation("porter"), "unit_name": "湖滨物流点",
            "region_id": SHISHI_TOWN, "pay_unit": "day", "pay_min": Decimal("200"), "pay_max": Decimal("220"),
            "headcount": 3, "start_date": timezone.localdate() + dt.timedelta(days=2), "duration_days": 3}
    data.update(over)
    return data


def test_odd_job_is_posted_published_and_indexed(people):
    posting = services.posting_create(actor=people.town, data=odd_job(), publish=True)
    assert posting.status == PostingStatus.PUBLISHED
    assert posting.published_at is not None and posting.valid_from == timezone.localdate()
    # 220 a day × 21.75 paid days (劳社部发〔2008〕3号) is the month's pay the floor is compared with.
    assert posting.pay_monthly_max == Decimal("4785.00")
    assert PostingTerm.objects.filter(posting=posting, term="搬运工").exists()
    assert AuditEvent.objects.filter(object_type__icontains="jobposting", object_id=str(posting.pk)).count() == 2


@pytest.mark.parametrize(("over", "field"), [
    ({"start_date": None}, "start_date"),
    ({"duration_days": None}, "duration_days"),
    ({"pay_unit": "month"}, "pay_unit"),
    ({"pay_max": Decimal("100")}, "pay_max"),
    ({"age_min": 15}, "age_min"),
    ({"age_min": 40, "age_max": 30}, "age_max"),
])
def test_bad_odd_job_is_refused_and_nothing_saved(people, over, field):
    with pytest.raises(EmploymentError) as caught:
        services.posting_create(actor=people.town, data=odd_job(**over))
    assert caught.value.field == field
    assert not JobPosting.objects.exists()


def test_posting_outside_jurisdiction_is_refused(people):
    with pytest.raises(EmploymentError) as caught:
        services.posting_create(actor=people.town2, data=odd_job())
    assert caught.value.status == 403
    assert not JobPosting.objects.exists()


def test_employer_user_posts_for_its_own_organisation_only(people, employer):
    posting = services.posting_create(actor=people.employer, data=odd_job(unit_name=""))
    assert posting.employer == employer and posting.unit_name == employer.name and posting.source == "employer"
    with pytest.raises(EmploymentError):
        services.posting_move(actor=people.other_employer, posting=posting, move="publish")
    with pytest.raises(EmploymentError):  # no organisation of its own in the employers
        services.posting_create(actor=people.other_employer, data=odd_job())


def temporary(**over) -> dict:
    data = {"kind": "temporary", "title": "防疫物资分拣", "occupation": occupation("packer"), "unit_name": "榆次区某物流园",
            "region_id": YUCI, "pay_unit": "month", "pay_min": Decimal("2200"), "pay_max": Decimal("2500"),
            "headcount": 5, "contract_months": 2}
    data.update(over)
    return data


def test_temporary_post_of_two_months_is_refused_in_the_rules_words(people):
    packs_synced()
    posting = services.posting_create(actor=people.jinzhong, data=temporary())
    with pytest.raises(EmploymentError) as caught:
        services.posting_move(actor=people.jinzhong, posting=posting, move="publish")
    assert caught.value.code == "posting_rule"
    assert "晋中市临时性岗位设立规则" in caught.value.text("zh-hans")
    assert "岗位时间不少于 3 个月" in caught.value.text("zh-hans")
    posting.refresh_from_db()
    assert posting.status == PostingStatus.DRAFT
    assert not PostingTerm.objects.filter(posting=posting).exists()


def test_temporary_post_cannot_be_checked_while_the_minimum_wage_is_not_entered(people):
    packs_synced()
    posting = services.posting_create(actor=people.jinzhong, data=temporary(contract_months=4))
    with pytest.raises(EmploymentError) as caught:
        services.posting_move(actor=people.jinzhong, posting=posting, move="publish")
    assert caught.value.code == "posting_rule_unknown"
    assert "月最低工资标准" in caught.value.text("zh-hans")


def test_temporary_post_passes_once_the_minimum_wage_is_entered(people):
    packs_synced()
    parameter_set(actor=None, name="min_wage_monthly", region_prefix="140702", valid_from=dt.date(2025, 1, 1),
                  value=Decimal("2100"), source="测试：晋中市榆次区月最低工资标准")
    posting = services.posting_create(actor=people.jinzhong, data=temporary(contract_months=4, pay_min=Decimal("2000")))
    with pytest.raises(EmploymentError) as caught:  # the low end of the range is below 2100
        services.posting_move(actor=people.jinzhong, posting=posting, move="publish")
    assert "工资不低于当地最低工资标准" in caught.value.text("zh-hans")
    posting = services.posting_update(actor=people.jinzhong, posting=posting, data={"pay_min": Decimal("2100")})
    posting = services.posting_move(actor=people.jinzhong, posting=posting, move="publish")
    assert posting.status == PostingStatus.PUBLISHED
    assert posting.rule_check[0]["outcome"] == "passed"
    assert "山西省人力资源和社会保障厅" in posting.rule_check[0]["source"]


def welfare(**over) -> dict:
    data = {"kind": "public_welfare", "title": "村道保洁", "occupation": occupation("cleaner"), "unit_name": "岚县某村民委员会",
            "region_id": LAN, "pay_unit": "month", "pay_min": Decimal("600"), "pay_max": Decimal("600"),
            "headcount": 2, "contract_months": 12, "accident_insurance_cover": Decimal("300000")}
    data.update(over)
    return data


def test_public_welfare_post_breaking_the_shanxi_bounds_is_refused(people):
    packs_synced()
    parameter_set(actor=None, name="min_wage_monthly", region_prefix="141127", valid_from=dt.date(2025, 1, 1),
                  value=Decimal("1700"), source="测试：岚县月最低工资标准")
    high = services.posting_create(actor=people.lan, data=welfare(pay_min=Decimal("900"), pay_max=Decimal("900")))
    with pytest.raises(EmploymentError) as caught:
        services.posting_move(actor=people.lan, posting=high, move="publish")
    assert "月补贴不高于当地最低工资标准的 50%" in caught.value.text("zh-hans")
    assert "50%" in caught.value.text("en") or "50%" in caught.value.text("zh-hans")
    low_cover = services.posting_create(actor=people.lan, data=welfare(accident_insurance_cover=Decimal("200000")))
    with pytest.raises(EmploymentError) as caught:
        services.posting_move(actor=people.lan, posting=low_cover, move="publish")
    assert "人身意外伤害保险" in caught.value.text("zh-hans")
    ok = services.posting_create(actor=people.lan, data=welfare(), publish=True)
    assert ok.status == PostingStatus.PUBLISHED
    # The post holder's conditions (poverty-alleviated) are checked at placement, not at posting.
    assert ok.rule_check[0]["outcome"] == "passed"


def test_public_welfare_post_needs_its_insurance_stated(people):
    with pytest.raises(EmploymentError) as caught:
        services.posting_create(actor=people.lan, data=welfare(accident_insurance_cover=None))
    assert caught.value.field == "accident_insurance_cover"


def test_moves_follow_the_status_and_the_version(people):
    posting = services.posting_create(actor=people.town, data=odd_job(), publish=True)
    posting = services.posting_move(actor=people.town, posting=posting, move="pause")
    assert not PostingTerm.objects.filter(posting=posting).exists()
    with pytest.raises(EmploymentError):
        services.posting_move(actor=people.town, posting=posting, move="pause")
    with pytest.raises(VersionConflict):
        services.posting_move(actor=people.town, posting=posting, move="publish", expected_version=posting.version - 1)
    posting = services.posting_move(actor=people.town, posting=posting, move="publish")
    assert PostingTerm.objects.filter(posting=posting).exists()
    with pytest.raises(EmploymentError) as caught:
        services.posting_move(actor=people.town, posting=posting, move="close")
    assert caught.value.field == "reason"
    posting = services.posting_move(actor=people.town, posting=posting, move="close", reason="已招满")
    assert posting.status == PostingStatus.CLOSED and posting.close_reason == "已招满"
    with pytest.raises(EmploymentError):
        services.posting_update(actor=people.town, posting=posting, data={"title": "改"})


def test_expired_posting_cannot_be_published(people):
    posting = services.posting_create(actor=people.town, data=odd_job(valid_until=timezone.localdate() - dt.timedelta(days=1),
                                                                      valid_from=timezone.localdate() - dt.timedelta(days=9)))
    with pytest.raises(EmploymentError) as caught:
        services.posting_move(actor=people.town, posting=posting, move="publish")
    assert caught.value.code == "expired"


def test_reference_wage_is_a_regional_parameter(people):
    posting = services.posting_create(actor=people.town, data=odd_job())
    assert services.reference_wage(posting) == (None, None)
    parameter_set(actor=None, name="odd_job_daily_wage_porter", region_prefix="350581", valid_from=dt.date(2026, 1, 1),
                  value=Decimal("210"), source="测试：石狮市人力资源市场工资指导价")
    assert services.reference_wage(posting) == (Decimal("210"), "350581")


def regular(employer, **over) -> dict:
    data = {"kind": "regular", "title": "平车工", "occupation": occupation("sewing-worker"), "employer": employer,
            "unit_name": "", "region_id": SHISHI_TOWN, "pay_unit": "month", "pay_min": Decimal("5000"),
            "pay_max": Decimal("7000"), "headcount": 10, "contract_months": 12}
    data.update(over)
    return data


def test_referral_runs_to_a_hire_that_the_ledger_and_the_subsidies_see(people, employer):
    from anju.workflow.outbox import Message

    worker = make_worker(residence=SHISHI_TOWN, name="李四", desired_occupation="车位")
    posting = services.posting_create(actor=people.town, data=regular(employer), publish=True)
    referral = services.referral_create(actor=people.town, worker=worker, posting=posting)
    assert Message.objects.filter(kind="employment.referral").count() == 1
    task = WorkTask.objects.get(step=services.REFERRAL_STEP, subject_id=referral.pk, state__in=OPEN_STATES)
    assert task.role == Role.TOWN_OFFICER and task.region_code == SHISHI_TOWN
    with pytest.raises(EmploymentError):  # once per worker and posting while it is open
        services.referral_create(actor=people.town, worker=worker, posting=posting)
    referral = services.referral_advance(actor=people.town, referral=referral, status="contacted")
    # The employer records the interview and the hire on its own posting's candidate.
    referral = services.referral_advance(actor=people.employer, referral=referral, status="interviewed")
    with pytest.raises(EmploymentError) as caught:
        services.referral_advance(actor=people.employer, referral=referral, status="hired", hire={})
    assert caught.value.field == "start_date"
    referral = services.referral_advance(actor=people.employer, referral=referral, status="hired",
                                         hire={"start_date": timezone.localdate(), "pension_insured": True})
    assert referral.status == ReferralStatus.HIRED
    hire = Hire.objects.get(referral=referral)
    assert hire.employer == employer and hire.contract_months == 12 and hire.pension_insured
    assert Worker.objects.get(pk=worker.pk).employment_status == "employed"
    assert TimelineEvent.objects.filter(worker=worker, kind="hired").exists()
    assert not WorkTask.objects.filter(step=services.REFERRAL_STEP, subject_id=referral.pk, state__in=OPEN_STATES).exists()
    assert JobPosting.objects.get(pk=posting.pk).hired_count == 1
    # The hiring-subsidy policies read hires: the Shishi social insurance subsidy sees this one.
    from anju.policies.engine import evaluate_subject
    from anju.policies.packs import get_policy

    evaluation = evaluate_subject(get_policy("shishi-social-insurance-subsidy"), hire, timezone.localdate())
    assert evaluation.facts  # evaluated on the stored hire, not refused as a missing subject


def test_an_odd_job_without_an_employer_is_taken_as_flexible_work_and_a_regular_job_needs_one(people, employer):
    """An odd job typed in for a household (no employer record) can be recorded as taken: the
    worker becomes 灵活就业 and no Hire is made; a regular posting without its employer cannot."""
    worker = make_worker(residence=SHISHI_TOWN, name="王五", employment_status="unemployed")
    posting = services.posting_create(actor=people.town, data=odd_job(), publish=True)
    assert posting.employer_id is None
    referral = services.referral_create(actor=people.town, worker=worker, posting=posting)
    referral = services.referral_advance(actor=people.town, referral=referral, status="hired",
                                         hire={"start_date": timezone.localdate()})
    assert referral.status == ReferralStatus.HIRED and referral.hire is None and not Hire.objects.exists()
    assert Worker.objects.get(pk=worker.pk).employment_status == "flexible"
    event = TimelineEvent.objects.get(worker=worker, kind="hired")
    assert event.data["employer"] == "湖滨物流点"
    assert JobPosting.objects.get(pk=posting.pk).hired_count == 1
    other = make_worker(residence=SHISHI_TOWN, name="赵六")
    typed = services.posting_create(actor=people.town, data=regular(None, unit_name="某服装加工点"), publish=True)
    referral = services.referral_create(actor=people.town, worker=other, posting=typed)
    with pytest.raises(EmploymentError) as caught:
        services.referral_advance(actor=people.town, referral=referral, status="hired",
                                  hire={"start_date": timezone.localdate()})
    assert caught.value.code == "no_employer"


def test_referral_scoping_and_reasons(people, employer):
    worker = make_worker(residence=SHISHI_TOWN)
    posting = services.posting_create(actor=people.town, data=regular(employer), publish=True)
    with pytest.raises(EmploymentError):  # another street's officer cannot see the worker
        services.referral_create(actor=people.town2, worker=worker, posting=posting)
    referral = services.referral_create(actor=people.town, worker=worker, posting=posting)
    with pytest.raises(EmploymentError):
        services.referral_advance(actor=people.other_employer, referral=referral, status="interviewed")
    with pytest.raises(EmploymentError) as caught:
        services.referral_advance(actor=people.town, referral=referral, status="not_hired")
    assert caught.value.field == "reason"
    referral = services.referral_advance(actor=people.town, referral=referral, status="not_hired", reason="体检未通过")
    assert referral.reason == "体检未通过" and referral.closed_at is not None
    with pytest.raises(EmploymentError):
        services.referral_advance(actor=people.town, referral=referral, status="hired",
                                  hire={"start_date": timezone.localdate()})


def test_referral_needs_a_published_posting(people, employer):
    worker = make_worker(residence=SHISHI_TOWN)
    posting = services.posting_create(actor=people.town, data=regular(employer))
    with pytest.raises(EmploymentError):
        services.referral_create(actor=people.town, worker=worker, posting=posting)


def test_interest_links_the_ledger_by_phone_and_opens_a_task(people, employer):
    worker = make_worker(residence=SHISHI_TOWN, phone="13900002222")
    posting = services.posting_create(actor=people.town, data=regular(employer), publish=True)
    interest = services.interest_create(posting=posting, name="李四", phone="13900002222")
    assert interest.worker == worker and interest.phone_masked.startswith("139") and "2222" not in interest.phone_enc
    assert services.interest_create(posting=posting, name="李四", phone="13900002222").pk == interest.pk
    assert WorkTask.objects.filter(step=services.INTEREST_STEP, subject_id=interest.pk, state__in=OPEN_STATES).exists()
    referral = services.interest_refer(actor=people.town, interest=interest, worker=worker)
    assert referral.origin == "interest"
    interest.refresh_from_db()
    assert interest.status == InterestStatus.REFERRED
    assert not WorkTask.objects.filter(step=services.INTEREST_STEP, subject_id=interest.pk, state__in=OPEN_STATES).exists()
    with pytest.raises(EmploymentError):
        services.interest_close(actor=people.town, interest=interest, reason="重复")
