"""The benefits demo: after `seed-demo`, Shishi's applications stand at every stage of the
Quanzhou temporary assistance, the fund's figures match its grants, everything was done through
the services by the demo users, and a second load changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from anju.accounts.models import User
from anju.audit.models import AuditEvent
from anju.benefits import services
from anju.benefits.models import (
    Application,
    ApplicationStatus,
    ApplicationStep,
    Attachment,
    ComparisonImport,
    FactSource,
    Fund,
    FundMovement,
    Grant,
    GrantStatus,
    LineStatus,
    Notice,
    PaymentBatch,
    PaymentLine,
    SourceKind,
    StepEvent,
)
from anju.core import demo_benefits
from anju.registry.models import Household, TimelineEvent, Worker
from anju.workflow.models import Alert, Message, TaskState, WorkTask

pytestmark = pytest.mark.django_db

BENEFITS_AUDIT = ("application", "grant", "fund", "notice", "paymentbatch", "payment_line", "attachment",
                  "comparisonimport", "household")
DEMO_USERS = {"shishi-town", "shishi-hrss", "shishi-civil", "shishi-union", "shishi-finance"}


@pytest.fixture
def seeded():
    call_command("seed-demo", "--workers", "30")


def _snapshot() -> dict:
    """What the benefits demo made. (Not every table: `demo.seed_extras` itself may add a visit
    on a second load, which is not this demo's business.)"""
    models = (Application, ApplicationStep, StepEvent, Grant, Fund, FundMovement, Notice, PaymentBatch, PaymentLine,
              Attachment, ComparisonImport, FactSource, Worker, Household)
    counts = {m.__name__: m.objects.count() for m in models}
    counts["timeline"] = TimelineEvent.objects.filter(data__has_key="application").count()
    counts["tasks"] = WorkTask.objects.filter(subject_type="benefits.application").count()
    counts["messages"] = Message.objects.filter(kind__startswith="benefits.").count()
    counts["audit"] = AuditEvent.objects.filter(object_type__in=BENEFITS_AUDIT).count()
    funds = list(Fund.objects.order_by("code").values_list("code", "budget", "committed", "paid", "version"))
    statuses = sorted(Application.objects.values_list("pk", "status", "current_step", "version"))
    grants = sorted(Grant.objects.values_list("pk", "status", "amount"))
    tasks = sorted(WorkTask.objects.filter(subject_type="benefits.application").values_list("pk", "state", "alert",
                                                                                            "due_on"))
    ledger = sorted(Worker.objects.values_list("pk", "version", "residence_region_id", "employment_status"))
    return {"counts": counts, "funds": funds, "applications": statuses, "grants": grants, "tasks": tasks,
            "ledger": ledger}


def test_every_stage_is_there(seeded):
    counts = demo_benefits.stage_counts()
    for stage in ("town", "returned", "returned_paused", "hrss", "civil", "on_notice", "ready", "in_batch", "paid",
                  "refused"):
        assert counts[stage] >= 1, (stage, counts)
    apps = Application.objects.filter(policy_id=demo_benefits.TEMPORARY)
    # Applicants live in 湖滨街道, the demo town officer's, and qualified when they were approved.
    assert set(apps.values_list("region_code", flat=True)) == {demo_benefits.TOWN}
    # One waits at the town past its time limit: the sweep raised it, and the bell says so.
    overdue = WorkTask.objects.filter(subject_type="benefits.application", state=TaskState.OPEN,
                                      role="town_officer", due_on__lt=timezone.localdate())
    assert overdue.filter(alert__gte=Alert.OVERDUE).exists()
    assert Message.objects.filter(recipient__username="shishi-town", kind="task.overdue").exists()
    # Returned: the clock is paused with the reason the applicant is told.
    returned = apps.get(status=ApplicationStatus.RETURNED)
    step = returned.steps.get(state="returned")
    assert step.task.state == TaskState.PAUSED and step.reason == demo_benefits.RETURN_REASON
    refused = apps.get(status=ApplicationStatus.REFUSED)
    assert refused.refusal_reason == demo_benefits.REFUSAL
    # Notices: the current one is open today, the earlier ones ended and were closed.
    today = timezone.localdate()
    on_notice = Grant.objects.filter(status=GrantStatus.ON_NOTICE).select_related("notice")
    assert all(g.notice.opens_on <= today <= g.notice.closes_on for g in on_notice)
    ready = Grant.objects.filter(status=GrantStatus.READY).select_related("notice")
    assert all(g.notice.closes_on < today for g in ready)
    # One batch is with the bank (exported, lines pending); one came back paid.
    assert PaymentBatch.objects.filter(status="exported", lines__status=LineStatus.PENDING).exists()
    paid = Grant.objects.filter(status=GrantStatus.PAID).select_related("application")
    assert paid and all(g.paid_at.date() < today and g.working_days_to_pay > 0 for g in paid)
    for grant in paid:
        assert TimelineEvent.objects.filter(worker_id=grant.application.worker_id, kind="grant_paid").exists()
        assert grant.application.created_at < grant.approved_at < grant.paid_at
    # Accounts are well-formed (digits, masked); bank names given.
    for app in apps:
        assert app.account.isdigit() and 16 <= len(app.account) <= 19 and "*" in app.account_masked
        assert app.bank_name


def test_union_relief_is_approved_by_the_union_within_the_range(seeded):
    grants = Grant.objects.filter(policy_id=demo_benefits.UNION_RELIEF)
    assert grants.count() == 2
    for grant in grants:
        assert grant.approved_by.username == "shishi-union"
        assert Decimal("1000") <= grant.amount <= Decimal("2000") and grant.amount_reason
        assert Household.objects.get(pk=grant.subject_id).union_hardship is True


def test_funds_match_their_grants_and_everything_is_done_by_demo_users(seeded):
    fund = Fund.objects.get(code=demo_benefits.FUND_CODE)
    assert fund.budget == Decimal("5000000") and "狮委办〔2022〕19号" in fund.source
    live = fund.grants.exclude(status__in=[GrantStatus.CANCELLED, GrantStatus.PAID, GrantStatus.RECOVERED])
    assert fund.committed == live.aggregate(s=Sum("amount"))["s"] > 0
    assert fund.paid == fund.grants.filter(status=GrantStatus.PAID).aggregate(s=Sum("amount"))["s"] > 0
    moves = {k: fund.movements.filter(kind=k).aggregate(s=Sum("amount"))["s"] for k in ("commit", "pay")}
    assert moves["commit"] - moves["pay"] == fund.committed and moves["pay"] == fund.paid
    quota = Fund.objects.get(code=demo_benefits.QUOTA_CODE)
    assert (quota.unit, quota.budget, quota.policy_ids) == ("份", Decimal("500"), [demo_benefits.GIFT])
    # Every decision was a demo officer's, and audited.
    assert set(ApplicationStep.objects.exclude(decided_by=None).values_list("decided_by__username", flat=True)) \
        <= DEMO_USERS
    for app in Application.objects.all():
        assert AuditEvent.objects.filter(object_type="application", object_id=str(app.pk)).count() >= 1
    assert AuditEvent.objects.filter(object_type="fund", actor_username="shishi-finance").count() == 2
    assert AuditEvent.objects.filter(object_type="notice", actor_username="shishi-civil").exists()
    assert AuditEvent.objects.filter(object_type="paymentbatch", actor_username="shishi-finance").exists()


def test_the_insurance_roster_is_imported_and_answers_the_next_insurance_check(seeded):
    job = ComparisonImport.objects.get(kind=SourceKind.UI_CONTRIBUTIONS)
    last_month_end = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    assert (job.status, job.as_of, job.region_prefix, job.created_by.username) == \
        ("done", last_month_end, demo_benefits.CITY, "shishi-hrss")
    assert job.matched_count >= 1 and job.unmatched_count == 3 and job.error_count == 0
    assert not job.stored_name  # the upload (ID numbers in clear) is gone
    assert AuditEvent.objects.filter(object_type="comparisonimport", actor_username="shishi-hrss").exists()
    # The applicants are not insured by the roster too; the town passing one now sends it past
    # the county's check by the data.
    app = Application.objects.filter(policy_id=demo_benefits.TEMPORARY, current_step="town_verification",
                                     status=ApplicationStatus.IN_REVIEW).order_by("-created_at").first()
    assert FactSource.objects.get(subject_type="worker", subject_id=app.subject_id,
                                  fact="unemployment_insured").value is False
    app = services.step_decide(actor=User.objects.get(username="shishi-town"), application=app, outcome="pass")
    assert app.current_step == "approval" and app.steps.get(code="insurance_check").by_data


def test_applications_carry_their_documents(seeded):
    for app in Application.objects.filter(policy_id=demo_benefits.TEMPORARY):
        kinds = set(app.attachments.values_list("kind", flat=True))
        assert kinds == {"id_card", "bank"}, app.pk
    attachment = Attachment.objects.first()
    with attachment.file.open("rb") as f:
        assert f.read(5) == b"%PDF-"


def test_seeding_twice_changes_nothing(seeded):
    before = _snapshot()
    call_command("seed-demo", "--workers", "30")
    after = _snapshot()
    for key in before:
        assert after[key] == before[key], key
