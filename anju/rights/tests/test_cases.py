"""The moves of an arrears case: acceptance and refusal, extension, pause, transfer, recovery and
conclusion, each by the role its route names, with its clock counted as its law counts it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from anju.audit.models import AuditEvent
from anju.lib.versioning import VersionConflict
from anju.rights import cases
from anju.rights import registrations as steps
from anju.rights.models import CaseStatus, DepositMovement, WageDeposit
from anju.rights.services import Complainant, RightsError, case_create
from anju.rights.tests.factories import id_number, make_project, rights_personas
from anju.workflow.models import Message, TaskState, WorkTask

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
TOWN = "350581001000"


@pytest.fixture
def p():
    return rights_personas()


def _on(monkeypatch, day: dt.date) -> None:
    """Let "now" be 10:00 in Shishi on `day` (the clocks count from the day of the move)."""
    at = dt.datetime.combine(day, dt.time(10), tzinfo=SHANGHAI)
    monkeypatch.setattr(timezone, "now", lambda: at)


def _case(actor, route: str, *, project=None, phones=("13800138000", ""), owed=("12000", "8000")):
    complainants = [Complainant(name=name, amount_owed=amount, id_number=id_number(20 + i), phone=phone)
                    for i, (name, amount, phone) in enumerate(zip(("李四", "王五"), owed, phones, strict=True))]
    return case_create(actor=actor, source="walk_in", route=route, region=TOWN, employer_name="石狮某劳务公司",
                       employer_uscc="", period_from=dt.date(2026, 1, 1), period_to=dt.date(2026, 2, 1),
                       summary="拖欠两个月工资", complainants=complainants, project=project)


def _task(case, state=None, step=None) -> WorkTask:
    qs = WorkTask.objects.filter(subject_type="arrears_case", subject_id=case.pk)
    if step:
        qs = qs.filter(step=step)
    return qs.filter(state__in=state or (TaskState.OPEN, TaskState.PAUSED)).get()


def test_inspection_concludes_60_working_days_after_acceptance_and_extends_by_30(p, monkeypatch):
    _on(monkeypatch, dt.date(2026, 3, 2))  # a Monday
    case = _case(p.inspector, "inspection")
    case = cases.case_accept(actor=p.inspector, case=case, expected_version=case.version)
    task = _task(case)
    assert case.status == CaseStatus.ACCEPTED and case.accepted_on == dt.date(2026, 3, 2)
    # Qingming (4–6 April) and Labour Day (1–5 May) are not counted; Saturday 9 May is worked.
    assert (task.step, task.calendar_days, task.due_on) == (steps.CASE_CONCLUDE, False, dt.date(2026, 5, 28))
    assert task.limit_text == "60 个工作日"
    cases.case_extend(actor=p.inspector, case=case, reason="案情复杂，经负责人批准延长")
    task.refresh_from_db()
    assert task.due_on == dt.date(2026, 7, 10) and task.extended_days == 30
    assert "含延长 30 日" in task.limit_text
    with pytest.raises(RightsError, match="已经延长过一次"):
        cases.case_extend(actor=p.inspector, case=case, reason="再次延长")
    assert list(case.events.values_list("kind", flat=True)) == ["created", "accepted", "extended"]
    audited = AuditEvent.objects.filter(object_type="arrearscase", object_id=str(case.pk), actor=p.inspector)
    assert list(audited.order_by("id").values_list("action", flat=True)) == ["create", "update", "update"]


def test_arbitration_counts_days_and_a_limit_ending_on_sunday_runs_to_monday(p, monkeypatch):
    _on(monkeypatch, dt.date(2026, 3, 5))  # 45 days later is Sunday 19 April
    case = cases.case_accept(actor=p.county, case=_case(p.county, "arbitration"))
    task = _task(case)
    assert task.calendar_days and task.limit_text == "45 日"
    assert task.due_on == dt.date(2026, 4, 20)
    cases.case_extend(actor=p.county, case=case, reason="需要鉴定")
    task.refresh_from_db()
    assert task.due_on == dt.date(2026, 5, 6)  # 20 April + 15 days is Tuesday 5 May, a holiday


@pytest.mark.parametrize("route,actor", [("arbitration_fast", "county"), ("mediation", "desk"),
                                         ("legal_aid", "county")])
def test_routes_without_an_extension_refuse_one(p, route, actor):
    user = getattr(p, actor)
    case = _case(user, route)
    if case.status == CaseStatus.REGISTERED:
        case = cases.case_accept(actor=user, case=case)
    with pytest.raises(RightsError, match="不能延长") as refused:
        cases.case_extend(actor=user, case=case, reason="延长")
    assert refused.value.code == "no_extension"


def test_refusal_closes_the_clock_and_tells_each_complainant_with_a_phone(p):
    case = _case(p.inspector, "inspection")
    with pytest.raises(RightsError):
        cases.case_refuse(actor=p.inspector, case=case, reason=" ")
    case = cases.case_refuse(actor=p.inspector, case=case, reason="不属于本机关管辖")
    assert case.status == CaseStatus.NOT_ACCEPTED and case.conclusion_note == "不属于本机关管辖"
    assert not WorkTask.objects.filter(subject_type="arrears_case", subject_id=case.pk,
                                       state=TaskState.OPEN).exists()
    sms = Message.objects.get(channel="sms", kind="arrears.not_accepted")
    assert sms.phone_masked == "138****8000" and "不属于本机关管辖" in sms.body and case.number in sms.body
    with pytest.raises(RightsError) as again:
        cases.case_accept(actor=p.inspector, case=case)
    assert again.value.code == "state"


def test_moves_are_refused_to_the_wrong_role_another_jurisdiction_and_a_stale_version(p):
    case = _case(p.inspector, "inspection")
    with pytest.raises(RightsError) as wrong_role:
        cases.case_accept(actor=p.county, case=case)  # inspection is the inspector's
    assert wrong_role.value.status == 403
    with pytest.raises(RightsError) as elsewhere:
        cases.case_accept(actor=p.lan_inspector, case=case)
    assert elsewhere.value.status == 403
    with pytest.raises(RightsError):
        cases.case_accept(actor=p.town, case=case)  # a town officer registers, never handles
    stale = case.version
    cases.case_accept(actor=p.inspector, case=case, expected_version=stale)
    with pytest.raises(VersionConflict):
        cases.case_extend(actor=p.inspector, case=case, reason="延长", expected_version=stale)
    with pytest.raises(RightsError) as twice:
        cases.case_accept(actor=p.inspector, case=case)
    assert twice.value.code == "state"


def test_recovery_adds_up_never_above_owed_and_conclusion_follows_the_amounts(p):
    case = cases.case_accept(actor=p.inspector, case=_case(p.inspector, "inspection"))
    li, wang = case.workers.order_by("id")
    today = timezone.localdate()
    cases.case_record_recovery(actor=p.inspector, case=case, worker_row=li, amount="5000", method="employer", on=today)
    with pytest.raises(RightsError, match="超过尚欠金额") as above:
        cases.case_record_recovery(actor=p.inspector, case=case, worker_row=li, amount="7000.01", method="employer",
                                   on=today)
    assert above.value.code == "above_owed"
    with pytest.raises(RightsError):
        cases.case_record_recovery(actor=p.inspector, case=case, worker_row=li, amount="1", method="employer",
                                   on=today + dt.timedelta(days=1))
    with pytest.raises(RightsError):
        cases.case_record_recovery(actor=p.inspector, case=case, worker_row=li, amount="1", method="magic", on=today)
    cases.case_record_recovery(actor=p.inspector, case=case, worker_row=li.pk, amount="7000", method="general_contractor",
                               on=today)
    li.refresh_from_db()
    assert li.amount_recovered == Decimal("12000.00") and li.recovery == "general_contractor"
    with pytest.raises(RightsError, match="8,000.00 元未追回"):
        cases.case_conclude(actor=p.inspector, case=case, conclusion="paid_in_full")
    with pytest.raises(RightsError, match="不属实"):
        cases.case_conclude(actor=p.inspector, case=case, conclusion="not_established")
    with pytest.raises(RightsError):
        cases.case_conclude(actor=p.county, case=case, conclusion="paid_in_part")  # not the inspector
    cases.case_record_recovery(actor=p.inspector, case=case, worker_row=wang, amount="8000", method="owner_advance",
                               on=today)
    case = cases.case_conclude(actor=p.inspector, case=case, conclusion="paid_in_full", note="企业已全部支付")
    assert case.status == CaseStatus.CONCLUDED and case.concluded_on == today
    assert _task(case, state=(TaskState.DONE,), step=steps.CASE_CONCLUDE).outcome == "已全额支付"
    sms = Message.objects.get(channel="sms", kind="arrears.concluded")  # 王五 gave no phone
    assert "已全额支付" in sms.body and "12,000.00" in sms.body
    with pytest.raises(RightsError):
        cases.case_record_recovery(actor=p.inspector, case=case, worker_row=wang, amount="1", method="employer",
                                   on=today)


def test_each_payment_keeps_its_own_means_and_the_case_sums_them_by_means(p):
    """A worker paid part by the employer and the rest by the general contractor: both payments
    stay, each with its means and date; the case and the list sum them by means."""
    case = cases.case_accept(actor=p.inspector, case=_case(p.inspector, "inspection"))
    li, wang = case.workers.order_by("id")
    today = timezone.localdate()
    cases.case_record_recovery(actor=p.inspector, case=case, worker_row=li, amount="5000", method="employer", on=today)
    cases.case_record_recovery(actor=p.inspector, case=case, worker_row=li, amount="7000", method="general_contractor",
                               on=today)
    cases.case_record_recovery(actor=p.inspector, case=case, worker_row=wang, amount="3000", method="employer", on=today)
    assert [(r.amount, r.method, r.recorded_by) for r in li.recoveries.all()] == [
        (Decimal("5000.00"), "employer", p.inspector), (Decimal("7000.00"), "general_contractor", p.inspector)]
    assert [(m, amount) for m, _label, amount in cases.recovered_by_method([case.pk])] == [
        ("employer", Decimal("8000.00")), ("general_contractor", Decimal("7000.00"))]
    with pytest.raises(RightsError):  # a refused payment leaves no row
        cases.case_record_recovery(actor=p.inspector, case=case, worker_row=wang, amount="6000", method="employer",
                                   on=today)
    assert li.recoveries.count() + wang.recoveries.count() == 3


def test_the_migration_fills_payments_from_the_case_events(p):
    """Rights migration 0005 rebuilds one row per payment from the events; a sum no event
    explains becomes one row with the latest means."""
    import importlib

    from django.apps import apps

    from anju.rights.models import CaseRecovery

    backfill = importlib.import_module("anju.rights.migrations.0005_case_recovery").backfill
    case = cases.case_accept(actor=p.inspector, case=_case(p.inspector, "inspection"))
    li, wang = case.workers.order_by("id")
    today = timezone.localdate()
    cases.case_record_recovery(actor=p.inspector, case=case, worker_row=li, amount="5000", method="employer", on=today)
    cases.case_record_recovery(actor=p.inspector, case=case, worker_row=li, amount="2000", method="owner_advance",
                               on=today)
    type(wang).objects.filter(pk=wang.pk).update(amount_recovered=Decimal("800"), recovery="emergency_fund",
                                                 recovered_on=today)
    CaseRecovery.objects.all().delete()
    backfill(apps, None)
    assert sorted((r.claim_id, r.amount, r.method) for r in CaseRecovery.objects.all()) == [
        (li.pk, Decimal("2000.00"), "owner_advance"), (li.pk, Decimal("5000.00"), "employer"),
        (wang.pk, Decimal("800.00"), "emergency_fund")]


def test_paid_from_the_wage_deposit_records_the_payout_on_the_project(p):
    project = make_project()
    deposit = WageDeposit.objects.create(project=project, rate=Decimal("0.015"), amount_due=Decimal("10000"))
    DepositMovement.objects.create(deposit=deposit, kind="lodged", on=dt.date(2026, 1, 20), amount=Decimal("10000"))
    case = cases.case_accept(actor=p.inspector, case=_case(p.inspector, "inspection", project=project,
                                                           owed=("12000", "8000")))
    li, wang = case.workers.order_by("id")
    today = timezone.localdate()
    cases.case_record_recovery(actor=p.inspector, case=case, worker_row=li, amount="9000", method="deposit", on=today)
    payout = DepositMovement.objects.get(kind="paid_out")
    assert (payout.case, payout.amount, payout.deposit) == (case, Decimal("9000.00"), deposit)
    with pytest.raises(RightsError, match="超过保证金余额"):
        cases.case_record_recovery(actor=p.inspector, case=case, worker_row=wang, amount="1000.01", method="deposit",
                                   on=today)
    without = cases.case_accept(actor=p.inspector, case=_case(p.inspector, "inspection"))
    with pytest.raises(RightsError) as none:
        cases.case_record_recovery(actor=p.inspector, case=without, worker_row=without.workers.first(), amount="10",
                                   method="deposit", on=today)
    assert none.value.code == "no_deposit"


def test_inspection_clock_pauses_for_mediation_and_resumes_later(p, monkeypatch):
    _on(monkeypatch, dt.date(2026, 3, 2))
    case = cases.case_accept(actor=p.inspector, case=_case(p.inspector, "inspection"))
    cases.case_pause(actor=p.inspector, case=case, reason="双方同意先行调解")
    assert _task(case).state == TaskState.PAUSED
    with pytest.raises(RightsError):
        cases.case_pause(actor=p.inspector, case=case, reason="again")
    _on(monkeypatch, dt.date(2026, 3, 9))  # a week later: five working days
    cases.case_resume(actor=p.inspector, case=case)
    task = _task(case)
    assert task.state == TaskState.OPEN and task.due_on == dt.date(2026, 6, 4)
    with pytest.raises(RightsError):
        cases.case_resume(actor=p.inspector, case=case)
    assert [e.kind for e in case.events.all()][-2:] == ["paused", "resumed"]
    mediation = _case(p.desk, "mediation")
    with pytest.raises(RightsError) as no_pause:
        cases.case_pause(actor=p.desk, case=mediation, reason="x")
    assert no_pause.value.code == "no_pause"


def test_failed_mediation_moves_to_arbitration_and_its_clocks_start(p):
    case = _case(p.desk, "mediation")
    mediation = _task(case)
    assert (mediation.role, mediation.department_kind, mediation.calendar_days) == ("union", "trade_union", True)
    with pytest.raises(RightsError):
        cases.case_transfer(actor=p.inspector, case=case, route="arbitration", reason="调解不成")  # not the union's
    with pytest.raises(RightsError):
        cases.case_transfer(actor=p.desk, case=case, route="mediation", reason="x")
    case = cases.case_transfer(actor=p.desk, case=case, route="arbitration", reason="调解不成")
    mediation.refresh_from_db()
    assert mediation.state == TaskState.DONE and mediation.outcome.startswith("转劳动仲裁绿色通道办理")
    assert (case.route, case.status, case.accepted_on) == ("arbitration", CaseStatus.REGISTERED, None)
    accept = _task(case)
    assert (accept.step, accept.role, accept.working_days, accept.calendar_days) == (steps.CASE_ACCEPT,
                                                                                     "county_officer", 5, True)
    cases.case_accept(actor=p.county, case=case)
    assert _task(case).working_days == 45


def test_overdue_cases_are_those_whose_open_clock_has_passed(p):
    late = _case(p.inspector, "inspection")
    on_time = _case(p.inspector, "inspection")
    WorkTask.objects.filter(subject_type="arrears_case", subject_id=late.pk).update(
        due_on=timezone.localdate() - dt.timedelta(days=1))
    overdue = cases.cases_for_user(p.inspector).filter(cases.overdue_q())
    assert list(overdue) == [late] and on_time not in overdue
    WorkTask.objects.filter(subject_type="arrears_case", subject_id=late.pk).update(state=TaskState.PAUSED)
    assert not cases.cases_for_user(p.inspector).filter(cases.overdue_q()).exists()  # a paused clock is not late
    assert not cases.cases_for_user(p.lan_inspector).exists()
    assert not cases.cases_for_user(p.contractor).exists()


def test_may_act_names_who_owes_the_open_clock(p):
    case = _case(p.inspector, "inspection")
    task = cases.open_task(case)
    people = SimpleNamespace(yes=[p.inspector], no=[p.county, p.lan_inspector, p.desk, p.town, p.contractor])
    assert all(cases.may_act(u, case, task) for u in people.yes)
    assert not any(cases.may_act(u, case, task) for u in people.no)
