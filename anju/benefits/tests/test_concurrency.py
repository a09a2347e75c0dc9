"""Approvals at the same time never grant twice nor overdraw a fund or a quota.

The threaded tests run real parallel approvals, each thread with its own database connection, so
they need PostgreSQL's row locks (on SQLite the database write lock serialises everything and the
race cannot happen): they are skipped on SQLite. The database constraint that keeps one live
grant per policy, subject and period is tested on both.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from anju.benefits import services
from anju.benefits.models import Application, Door, Fund, FundMovement, Grant, GrantStatus
from anju.benefits.services import BenefitError
from anju.benefits.tests.factories import (
    POLICY,
    chain_people,
    fund,
    living_standard,
    qualifying_worker,
)
from anju.lib.versioning import VersionConflict
from anju.policies.packs import get_policy

THREADS = 20


@pytest.fixture
def postgresql_only(regions_loaded):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks (SQLite serialises every write)")
    # A transactional test starts from a flushed database: the time limits the migration seeds
    # are gone, so seed them again.
    import importlib

    from django.apps import apps

    importlib.import_module("anju.benefits.migrations.0002_time_limit_parameters").seed(apps, None)


def at_approval(people, n: int) -> list[Application]:
    """n applications of the temporary assistance, each at its last step (civil affairs)."""
    apps = []
    for i in range(n):
        worker = qualifying_worker(name=f"并发{i}", phone=f"1390000{i:04d}")
        app = services.application_create(actor=people.town, policy=get_policy(POLICY), subject_type="worker",
                                          subject_id=worker.pk, door=Door.COUNTER)
        for actor in (people.town, people.hrss):
            app = services.step_decide(actor=actor, application=app, outcome="pass")
        apps.append(app)
    return apps


def in_parallel(calls: list) -> list:
    """Run each call in its own thread and connection, all released at once; each one's result
    or the exception it raised, in order."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i: int) -> None:
        try:
            start.wait(timeout=30)
            results[i] = calls[i]()
        except Exception as exc:  # noqa: BLE001 - the caller inspects it
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "an approval hung"
    return results


def approve(actor, app_id: int, amount: str | None = "3200", reason: str = "并发测试"):
    return lambda: services.step_decide(actor=actor, application=app_id, outcome="pass", amount=amount, reason=reason)


@pytest.mark.django_db(transaction=True)
def test_twenty_approvals_of_one_application_grant_once(postgresql_only):
    living_standard()
    fund()
    people = chain_people()
    (app,) = at_approval(people, 1)
    results = in_parallel([approve(people.civil, app.pk) for _ in range(THREADS)])
    won = [r for r in results if isinstance(r, Application)]
    refused = [r for r in results if not isinstance(r, Application)]
    assert len(won) == 1, results
    assert all(isinstance(r, (BenefitError, VersionConflict)) for r in refused), refused
    assert {r.code for r in refused} <= {"not_in_review", "no_step", "version_conflict"}
    assert Grant.objects.count() == 1
    row = Fund.objects.get()
    assert row.committed == Decimal("3200.00")
    assert FundMovement.objects.filter(kind=FundMovement.Kind.COMMIT).count() == 1


@pytest.mark.django_db(transaction=True)
def test_approvals_of_many_never_overdraw_the_fund(postgresql_only):
    living_standard()
    fund(budget="10000")  # three grants of 3200 fit, a fourth does not
    people = chain_people()
    apps = at_approval(people, 8)
    results = in_parallel([approve(people.civil, a.pk) for a in apps])
    won = [r for r in results if isinstance(r, Application)]
    refused = [r for r in results if not isinstance(r, Application)]
    assert len(won) == 3, results
    assert all(isinstance(r, BenefitError) and r.code == "fund_overdrawn" for r in refused), refused
    row = Fund.objects.get()
    assert row.committed == Decimal("9600.00") <= row.budget
    assert Grant.objects.count() == 3
    assert FundMovement.objects.filter(kind=FundMovement.Kind.COMMIT).count() == 3


@pytest.mark.django_db(transaction=True)
def test_approvals_of_many_never_overdraw_an_in_kind_quota(postgresql_only):
    from anju.accounts.tests.factories import UserFactory, department
    from anju.registry.models import Child, Household
    from anju.registry.tests.factories import make_worker

    living_standard()
    women = department("shishi-women", "womens_federation", "350581000000", "石狮市妇联")
    officer = UserFactory(username="b-women", role="county_officer", jurisdiction="350581", department=women)
    fund(code="gift-boxes", budget="5", unit="份", policies=("shishi-april-birthday-gift",))
    policy = get_policy("shishi-april-birthday-gift")
    apps = []
    for i in range(8):  # one child each: five of the eight fit in the five boxes
        household = Household.objects.create(household_no=f"H-RACE-{i}", region_id="350581001000")
        worker = make_worker(household=household, name=f"户主{i}")
        Child.objects.create(worker=worker, name="小明", gender="male", birth_date=dt.date(2015, 4, 2))
        apps.append(services.application_create(actor=officer, policy=policy, subject_type="household",
                                                subject_id=household.pk, door=Door.COUNTER, on=dt.date(2022, 4, 15)))
    results = in_parallel([approve(officer, a.pk, amount=None, reason="") for a in apps])
    won = [r for r in results if isinstance(r, Application)]
    refused = [r for r in results if not isinstance(r, Application)]
    assert len(won) == 5, results
    assert all(isinstance(r, BenefitError) and r.code == "fund_overdrawn" for r in refused), refused
    quota = Fund.objects.get(code="gift-boxes")
    assert quota.committed == Decimal("5") <= quota.budget
    assert sum(Grant.objects.values_list("units", flat=True)) == 5


@pytest.mark.django_db
def test_the_database_refuses_a_second_live_grant():
    living_standard()
    fund()
    people = chain_people()
    (app,) = at_approval(people, 1)
    grant = services.step_decide(actor=people.civil, application=app.pk, outcome="pass", amount="3200",
                                 reason="测试").grant
    # A second application of the same subject and period (the first was approved, so it is closed).
    second = services.application_create(actor=people.town, policy=get_policy(POLICY), subject_type="worker",
                                         subject_id=app.subject_id, door=Door.RECHECK, recheck_of=app)
    twin = Grant(application=second, policy_id=grant.policy_id, subject_type=grant.subject_type,
                 subject_id=grant.subject_id, region_code=grant.region_code, period=grant.period, kind=grant.kind,
                 amount=grant.amount, decision=grant.decision, fund=grant.fund, approved_by=people.civil,
                 approved_at=grant.approved_at)
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
    # Once the first is cancelled, its place is free.
    services.grant_cancel(actor=people.civil, grant=grant, reason="测试取消")
    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.CANCELLED
    twin.save()
    assert Grant.objects.exclude(status=GrantStatus.CANCELLED).count() == 1
