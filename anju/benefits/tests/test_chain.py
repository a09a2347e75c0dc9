"""The Quanzhou temporary assistance chain through the services: the town, the county HRSS and
civil affairs in order, each only by its own role and jurisdiction; a return pauses the clock; a
grant commits the fund; the notice, the batch and the bank's answer pay it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from anju.benefits import services
from anju.benefits.models import (
    ApplicationStatus,
    Door,
    Fund,
    Grant,
    GrantStatus,
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
from anju.policies.packs import get_policy
from anju.workflow.models import TaskState

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return chain_people()


def _counter(people, worker, **kw):
    return services.application_create(actor=people.town, policy=get_policy(POLICY), subject_type="worker",
                                       subject_id=worker.pk, door=Door.COUNTER, **kw)


def test_chain_runs_in_order_by_the_named_departments(people):
    living_standard()
    fund()
    worker = qualifying_worker()
    app = _counter(people, worker, account="6222020200112233445", bank_name="农业银行")
    codes = list(app.steps.values_list("code", "state"))
    assert codes == [("town_verification", StepState.OPEN), ("insurance_check", StepState.WAITING),
                     ("approval", StepState.WAITING)]
    # Civil affairs cannot take the town's step.
    with pytest.raises(BenefitError) as refused:
        services.step_decide(actor=people.civil, application=app, outcome="pass")
    assert refused.value.code == "not_yours"
    # Another town's officer neither.
    with pytest.raises(BenefitError):
        services.step_decide(actor=people.other_town, application=app, outcome="pass")
    app = services.step_decide(actor=people.town, application=app, outcome="pass", version=app.version)
    assert app.current_step == "insurance_check"
    app = services.step_decide(actor=people.hrss, application=app, outcome="pass")
    assert app.current_step == "approval"
    # The approver chooses within the range (at least 3 months of 800).
    with pytest.raises(BenefitError):
        services.step_decide(actor=people.civil, application=app, outcome="pass", amount="2000", reason="少给")
    app = services.step_decide(actor=people.civil, application=app, outcome="pass", amount="3200", reason="家有病人")
    assert app.status == ApplicationStatus.APPROVED
    grant = Grant.objects.get(application=app)
    assert grant.amount == Decimal("3200.00") and grant.status == GrantStatus.APPROVED
    assert Fund.objects.get().committed == Decimal("3200.00")


def test_return_pauses_and_supply_resumes(people):
    living_standard()
    fund()
    app = _counter(people, qualifying_worker())
    app = services.step_decide(actor=people.town, application=app, outcome="return", reason="请补充收入证明")
    assert app.status == ApplicationStatus.RETURNED
    step = app.steps.get(code="town_verification")
    assert step.task.state == TaskState.PAUSED
    app = services.application_supply(actor=None, application=app, note="已上传", by_applicant=True)
    step.refresh_from_db()
    step.task.refresh_from_db()
    assert app.status == ApplicationStatus.IN_REVIEW and step.task.state == TaskState.OPEN


def test_fail_refuses_with_reason(people):
    app = _counter(people, qualifying_worker())
    app = services.step_decide(actor=people.town, application=app, outcome="fail", reason="核实有收入")
    assert app.status == ApplicationStatus.REFUSED
    assert app.refusal_reason == "核实有收入"
    with pytest.raises(BenefitError):
        services.step_decide(actor=people.town, application=app, outcome="fail", reason="x")


def test_overdraw_is_refused_with_figures(people):
    living_standard()
    fund(budget="3000")
    app = _counter(people, qualifying_worker())
    for actor in (people.town, people.hrss):
        app = services.step_decide(actor=actor, application=app, outcome="pass")
    with pytest.raises(BenefitError) as refused:
        services.step_decide(actor=people.civil, application=app, outcome="pass", amount="3200", reason="x")
    assert refused.value.code == "fund_overdrawn"
    assert Grant.objects.count() == 0
    assert Fund.objects.get().committed == 0


def test_notice_batch_and_bank_answer(people):
    living_standard()
    fund()
    worker = qualifying_worker()
    app = _counter(people, worker, account="6222020200112233445", bank_name="农业银行")
    for actor in (people.town, people.hrss):
        app = services.step_decide(actor=actor, application=app, outcome="pass")
    app = services.step_decide(actor=people.civil, application=app, outcome="pass", amount="2400", reason="三个月")
    notice = services.notice_publish(actor=people.civil, policy=get_policy(POLICY), region_prefix="350581")
    grant = Grant.objects.get(application=app)
    assert grant.status == GrantStatus.ON_NOTICE and grant.notice == notice
    with pytest.raises(BenefitError):
        services.batch_create(actor=people.finance, fund=Fund.objects.get())
    assert services.notices_close(on=notice.closes_on + dt.timedelta(days=1)) == 1
    batch = services.batch_create(actor=people.finance, fund=Fund.objects.get())
    line = batch.lines.get()
    assert line.amount == Decimal("2400.00") and line.account == "6222020200112233445"
    services.line_settle(actor=people.finance, line=line, paid=True)
    grant.refresh_from_db()
    fund_row = Fund.objects.get()
    assert grant.status == GrantStatus.PAID and fund_row.paid == Decimal("2400.00") and fund_row.committed == 0
    assert worker.timeline.filter(kind="grant_paid").exists()
