"""Rules of the benefits services beyond the happy chain: what a decision keeps, periods,
once-only grants, quotas, objections, cancellation, recovery, and every pack's chain."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from anju.benefits import chain, services
from anju.benefits.models import (
    Application,
    ApplicationStatus,
    Door,
    Fund,
    Grant,
    GrantStatus,
    Objection,
    StepState,
)
from anju.benefits.services import BenefitError
from anju.benefits.tests.factories import (
    POLICY,
    chain_people,
    fund,
    living_standard,
    qualifying_worker,
)
from anju.policies.packs import catalogue, get_policy
from anju.registry.models import Child, Household
from anju.workflow.models import TaskState

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return chain_people()


def _counter(people, worker, **kw):
    return services.application_create(actor=people.town, policy=get_policy(POLICY), subject_type="worker",
                                       subject_id=worker.pk, door=Door.COUNTER, **kw)


def _to_approval(people, app):
    for actor in (people.town, people.hrss):
        app = services.step_decide(actor=actor, application=app, outcome="pass")
    return app


def _approved(people, worker=None, amount="2400", **kw):
    app = _to_approval(people, _counter(people, worker or qualifying_worker(), **kw))
    return services.step_decide(actor=people.civil, application=app, outcome="pass", amount=amount, reason="三个月")


def test_every_pack_has_a_chain_of_known_roles():
    from anju.accounts.models import Role

    for policy in catalogue().policies.values():
        steps = chain.chain_of(policy)
        assert steps, policy.id
        for step in steps:
            assert step.role in Role.values
            assert step.code not in chain.AFTER_APPROVAL


@pytest.mark.parametrize(("kind", "months", "on", "period"), [
    ("once", None, dt.date(2026, 5, 1), "once"),
    ("monthly", None, dt.date(2026, 5, 1), "2026-05"),
    ("once_per_period", 12, dt.date(2026, 5, 1), "2026"),
    ("once_per_period", 6, dt.date(2026, 7, 1), "2026-P2"),
    ("once_per_period", 5, dt.date(2026, 7, 1), f"W5-{(2026 * 12 + 6) // 5}"),
])
def test_period_of(kind, months, on, period):
    policy = get_policy(POLICY)
    original = policy.frequency
    try:
        policy.frequency = {"kind": kind, **({"months": months} if months else {})}
        assert chain.period_of(policy, on) == period
    finally:
        policy.frequency = original


def test_decision_is_kept_as_decided_and_a_recheck_is_new(people):
    living_standard()
    worker = qualifying_worker()
    app = _counter(people, worker)
    decision = app.decision
    assert decision.status == "eligible"
    assert decision.facts["unemployment_insured"] is False
    worker.unemployment_insured = True
    worker.save(update_fields=["unemployment_insured"])
    decision.refresh_from_db()
    assert decision.facts["unemployment_insured"] is False
    app = services.step_decide(actor=people.town, application=app, outcome="fail", reason="已参保")
    again = services.application_recheck(actor=people.town, application=app)
    assert again.recheck_of == app and again.door == Door.RECHECK
    assert again.decision_id != decision.pk and again.decision.status == "not_eligible"


def test_one_open_application_per_period(people):
    worker = qualifying_worker()
    _counter(people, worker)
    with pytest.raises(BenefitError) as refused:
        _counter(people, worker)
    assert refused.value.code == "already_open"
    assert Application.objects.count() == 1


def test_granted_once_per_period(people):
    living_standard()
    fund()
    worker = qualifying_worker()
    app = _approved(people, worker)
    with pytest.raises(BenefitError) as refused:
        _counter(people, worker)
    assert refused.value.code == "already_granted"
    grant = app.grant
    duplicate = Grant(application=Application.objects.create(
        policy_id=app.policy_id, policy_version=1, policy_title="x", subject_type="worker", subject_id=worker.pk,
        subject_label="x", region_code=app.region_code, period=app.period, door=Door.COUNTER, decision=app.decision,
        status=ApplicationStatus.REFUSED, created_at=app.created_at),
        policy_id=grant.policy_id, subject_type="worker", subject_id=worker.pk, region_code=grant.region_code,
        period=grant.period, kind="cash", amount=Decimal("1"), decision=grant.decision, approved_by=people.civil,
        approved_at=grant.approved_at)
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_approval_needs_eligibility_now(people):
    living_standard()
    fund()
    worker = qualifying_worker()
    app = _to_approval(people, _counter(people, worker))
    worker.unemployment_insured = True
    worker.save(update_fields=["unemployment_insured"])
    with pytest.raises(BenefitError) as refused:
        services.step_decide(actor=people.civil, application=app, outcome="pass", amount="2400", reason="x")
    assert refused.value.code == "not_eligible"
    assert not Grant.objects.exists()


def test_no_fund_refuses_approval(people):
    living_standard()
    app = _to_approval(people, _counter(people, qualifying_worker()))
    with pytest.raises(BenefitError) as refused:
        services.step_decide(actor=people.civil, application=app, outcome="pass", amount="2400", reason="x")
    assert refused.value.code == "no_fund"


def test_range_amount_needs_a_reason(people):
    living_standard()
    fund()
    app = _to_approval(people, _counter(people, qualifying_worker()))
    with pytest.raises(BenefitError):
        services.step_decide(actor=people.civil, application=app, outcome="pass", amount="2400")
    with pytest.raises(BenefitError):
        services.step_decide(actor=people.civil, application=app, outcome="pass", amount="abc", reason="x")


def test_return_moves_the_deadline_by_the_pause(people, monkeypatch):
    app = _counter(people, qualifying_worker())
    task = app.steps.get(code="town_verification").task
    due = task.due_on
    services.step_decide(actor=people.town, application=app, outcome="return", reason="补材料")
    from django.utils import timezone

    later = timezone.now() + dt.timedelta(days=7)
    monkeypatch.setattr(timezone, "now", lambda: later)
    services.application_supply(actor=people.town, application=app.pk, note="窗口补齐")
    task.refresh_from_db()
    assert task.state == TaskState.OPEN and task.due_on > due


def test_objection_pauses_and_review_decides(people):
    living_standard()
    fund()
    app = _approved(people)
    services.notice_publish(actor=people.civil, policy=get_policy(POLICY), region_prefix="350581")
    grant = Grant.objects.get(application=app)
    objection = services.objection_file(grant=grant, reason="此人有收入", phone="13900001111")
    grant.refresh_from_db()
    assert grant.status == GrantStatus.OBJECTED and objection.task.role == "civil_affairs"
    with pytest.raises(BenefitError):
        services.objection_review(actor=people.town, objection=objection, upheld=True, reason="x")
    services.objection_review(actor=people.civil, objection=objection, upheld=True, reason="核实有收入")
    grant.refresh_from_db()
    assert grant.status == GrantStatus.CANCELLED
    assert Fund.objects.get().committed == 0
    assert Objection.objects.get().status == Objection.Status.UPHELD


def test_dismissed_objection_resumes_notice(people):
    living_standard()
    fund()
    app = _approved(people)
    services.notice_publish(actor=people.civil, policy=get_policy(POLICY), region_prefix="350581")
    objection = services.objection_file(grant=app.grant, reason="怀疑")
    services.objection_review(actor=people.civil, objection=objection, upheld=False, reason="经核实符合")
    assert Grant.objects.get().status == GrantStatus.ON_NOTICE


def test_cancel_frees_the_place_and_the_fund(people):
    living_standard()
    fund()
    worker = qualifying_worker()
    app = _approved(people, worker)
    services.grant_cancel(actor=people.civil, grant=app.grant, reason="本人放弃")
    assert Fund.objects.get().committed == 0
    again = _approved(people, worker)
    assert again.status == ApplicationStatus.APPROVED


def test_recovery(people):
    living_standard()
    fund()
    _approved(people, account="6222020200112233445")
    services.notice_publish(actor=people.civil, policy=get_policy(POLICY), region_prefix="350581")
    services.notices_close(on=dt.date.today() + dt.timedelta(days=30))
    batch = services.batch_create(actor=people.finance, fund=Fund.objects.get())
    services.line_settle(actor=people.finance, line=batch.lines.get(), paid=True)
    grant = Grant.objects.get()
    with pytest.raises(BenefitError):
        services.recovery_create(actor=people.civil, grant=grant, amount_due="9999", reason="多发")
    recovery = services.recovery_create(actor=people.civil, grant=grant, amount_due="2400", reason="骗取")
    with pytest.raises(BenefitError):
        services.recovery_record_return(actor=people.finance, recovery=recovery, amount="3000")
    services.recovery_record_return(actor=people.finance, recovery=recovery, amount="1000")
    recovery.refresh_from_db()
    assert recovery.amount_returned == Decimal("1000") and recovery.closed_at is None
    assert Fund.objects.get().paid == Decimal("1400.00")
    assert Grant.objects.get().status == GrantStatus.RECOVERED


def test_failed_payment_returns_to_the_queue(people):
    living_standard()
    fund()
    _approved(people, account="6222020200112233445")
    services.notice_publish(actor=people.civil, policy=get_policy(POLICY), region_prefix="350581")
    services.notices_close(on=dt.date.today() + dt.timedelta(days=30))
    batch = services.batch_create(actor=people.finance, fund=Fund.objects.get())
    services.line_settle(actor=people.finance, line=batch.lines.get(), paid=False, reason="户名不符")
    assert Grant.objects.get().status == GrantStatus.READY
    again = services.batch_create(actor=people.finance, fund=Fund.objects.get())
    assert again.lines.count() == 1


def test_in_kind_quota_counts_units(people):
    from anju.accounts.tests.factories import UserFactory, department
    from anju.registry.tests.factories import make_worker

    women = department("shishi-women", "womens_federation", "350581000000", "石狮市妇联")
    officer = UserFactory(username="b-women", role="county_officer", jurisdiction="350581", department=women)
    fund(code="gift-boxes", budget="2", unit="份", policies=("shishi-april-birthday-gift",))
    policy = get_policy("shishi-april-birthday-gift")
    households = []
    for i, births in enumerate(([dt.date(2015, 4, 2), dt.date(2018, 4, 9)], [dt.date(2016, 4, 3)])):
        household = Household.objects.create(household_no=f"H-GIFT-{i}", region_id="350581001000")
        worker = make_worker(household=household)
        for b in births:
            Child.objects.create(worker=worker, name="小明", gender="male", birth_date=b)
        households.append(household)
    apps = [services.application_create(actor=officer, policy=policy, subject_type="household", subject_id=h.pk,
                                        door=Door.COUNTER, on=dt.date(2022, 4, 15)) for h in households]
    first = services.step_decide(actor=officer, application=apps[0], outcome="pass")
    assert first.grant.units == 2 and Fund.objects.get(code="gift-boxes").committed == 2
    with pytest.raises(BenefitError) as refused:
        services.step_decide(actor=officer, application=apps[1], outcome="pass")
    assert refused.value.code == "fund_overdrawn"
    assert apps[1].steps.get().state == StepState.OPEN


def test_portal_phone_that_differs_from_the_ledger_is_flagged(people, client):
    worker = qualifying_worker(phone="13800001234")
    app = services.application_create(actor=None, policy=get_policy(POLICY), subject_type="worker",
                                      subject_id=worker.pk, door=Door.PORTAL, phone="13999998888")
    client.force_login(people.town)
    page = client.get(f"/benefits/applications/{app.pk}/")
    assert page.status_code == 200 and b'data-testid="phone-differs"' in page.content
    same = services.application_create(actor=None, policy=get_policy("quanzhou-union-relief"),
                                       subject_type="household", subject_id=_household(worker).pk,
                                       door=Door.PORTAL, phone="13800001234")
    assert b'data-testid="phone-differs"' not in client.get(f"/benefits/applications/{same.pk}/").content


def _household(worker):
    household = Household.objects.create(household_no=f"H-{worker.pk}", region_id=worker.residence_region_id)
    worker.household = household
    worker.save(update_fields=["household"])
    return household


def test_in_kind_grant_is_handed_over_from_its_page(people, client):
    from anju.accounts.tests.factories import UserFactory, department
    from anju.registry.tests.factories import make_worker

    women = department("shishi-women", "womens_federation", "350581000000", "石狮市妇联")
    officer = UserFactory(username="b-women2", role="county_officer", jurisdiction="350581", department=women)
    fund(code="gift-boxes", budget="500", unit="份", policies=("shishi-april-birthday-gift",))
    household = Household.objects.create(household_no="H-GIFT-X", region_id="350581001000")
    worker = make_worker(household=household)
    Child.objects.create(worker=worker, name="小红", gender="female", birth_date=dt.date(2016, 4, 3))
    app = services.application_create(actor=officer, policy=get_policy("shishi-april-birthday-gift"),
                                      subject_type="household", subject_id=household.pk, door=Door.COUNTER,
                                      on=dt.date(2022, 4, 15))
    app = services.step_decide(actor=officer, application=app, outcome="pass")
    grant = app.grant
    client.force_login(officer)
    page = client.get(f"/benefits/grants/{grant.pk}/")
    assert b'data-testid="provide-form"' not in page.content  # still to be published
    services.notice_publish(actor=officer, policy=get_policy("shishi-april-birthday-gift"), region_prefix="350581")
    services.notices_close(on=dt.date.today() + dt.timedelta(days=30))
    grant.refresh_from_db()
    assert b'data-testid="provide-form"' in client.get(f"/benefits/grants/{grant.pk}/").content
    stale = client.post(f"/benefits/grants/{grant.pk}/provide/", {"version": grant.version - 1, "note": "x"})
    assert stale.status_code == 400
    done = client.post(f"/benefits/grants/{grant.pk}/provide/", {"version": grant.version, "note": "已送达"})
    assert done.status_code == 302
    grant.refresh_from_db()
    gifts = Fund.objects.get(code="gift-boxes")
    assert grant.status == GrantStatus.PAID and gifts.paid == 1 and gifts.committed == 0
    assert worker.timeline.filter(kind="grant_paid").exists()
    client.force_login(people.town)
    assert client.post(f"/benefits/grants/{grant.pk}/provide/", {"version": grant.version}).status_code in (403, 404)


def test_a_service_is_arranged_on_approval_without_a_fund(people):
    from anju.registry.choices import mask_of

    worker = qualifying_worker(difficulty_mask=mask_of(["employment_difficulty"]))
    app = services.application_create(actor=people.town, policy=get_policy("quanzhou-public-welfare-post-placement"),
                                      subject_type="worker", subject_id=worker.pk, door=Door.COUNTER)
    while app.status == ApplicationStatus.IN_REVIEW:
        step = services.current_step(app)
        actor = {"town_station": people.town, "hrss": people.hrss}[step.department_kind]
        app = services.step_decide(actor=actor, application=app, outcome="pass")
    grant = Grant.objects.get(application=app)
    assert grant.status == GrantStatus.ARRANGED and grant.fund is None and grant.amount is None
    assert not Fund.objects.exists()
