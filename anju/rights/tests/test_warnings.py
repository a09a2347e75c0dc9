"""The early-warning sweep: each rule on a crafted project, just over and just under its threshold;
thresholds read from regional parameters; raising once, clearing, idempotence; the inspector's
task and message; dismissing and turning a warning into a case."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from anju.audit.models import AuditEvent
from anju.lib.workdays import add_working_days
from anju.params.services import ParameterSeed, SeedValue, parameter_set, parameters_seed
from anju.rights import registrations as steps
from anju.rights.models import (
    AccountEntry,
    ArrearsCase,
    Attendance,
    DepositMovement,
    PayrollLine,
    PayrollSheet,
    RosterEntry,
    WageAccount,
    WageDeposit,
    Warning,
    WarningStatus,
)
from anju.rights.services import RightsError, encrypt_id_number
from anju.rights.tests.factories import id_number, make_project, rights_personas
from anju.rights.warnings import RULES, sweep, warning_dismiss, warning_text, warning_to_case
from anju.workflow.calendar import work_calendar
from anju.workflow.models import Message, TaskState, WorkTask

pytestmark = pytest.mark.django_db

D = dt.date
JAN, FEB = D(2026, 1, 1), D(2026, 2, 1)


def set_param(name: str, value, region: str = "350581") -> None:
    parameter_set(actor=None, name=name, region_prefix=region, valid_from=D(2020, 1, 1), value=Decimal(str(value)),
                  source="测试")


def min_wage(value="2030") -> None:
    parameters_seed(seeds=[ParameterSeed("min_wage_monthly", "money", "月最低工资标准", "Monthly minimum wage",
                                         values=(SeedValue("350581", D(2022, 4, 1), Decimal(value), "测试"),))])


class Site:
    """A Shishi project that pays everyone through its account every month: the sweep finds
    nothing wrong until a test breaks one thing."""

    def __init__(self, workers: int = 3):
        self.p = rights_personas()
        self.project = make_project(code="P-OK", signed=D(2026, 1, 5), notice_board_on=D(2026, 1, 6))
        self.account = WageAccount.objects.create(project=self.project, bank="石狮农商行", account_masked="6222****0001",
                                                  opened_on=D(2026, 1, 10))
        self.deposit = WageDeposit.objects.create(project=self.project, rate=Decimal("0.02"),
                                                  amount_due=Decimal("40000"))
        DepositMovement.objects.create(deposit=self.deposit, kind="lodged", on=D(2026, 1, 20), amount=Decimal("40000"))
        for i, day in enumerate((D(2026, 1, 5), D(2026, 2, 5), D(2026, 3, 5))):
            self.entry("allocation", day, Decimal("300000"), ref=f"A{i}")
        self.roster = [RosterEntry.objects.create(project=self.project, name=f"工人{i}", entered_on=D(2026, 1, 5),
                                                  **encrypt_id_number(id_number(i)))
                       for i in range(workers)]
        self.sheets = {}
        for month in (JAN, FEB):
            sheet = self.sheets[month] = PayrollSheet.objects.create(
                project=self.project, month=month, payer_name="石狮建工集团有限公司", pay_date=month.replace(day=28))
            for r in self.roster:
                Attendance.objects.create(project=self.project, roster=r, month=month, days=Decimal("22"))
                PayrollLine.objects.create(sheet=sheet, project=self.project, month=month, roster=r,
                                           work_days=Decimal("22"), gross=Decimal("6000"), net=Decimal("6000"))
                self.entry("wage", month.replace(day=28), Decimal("6000"), roster=r, month=month,
                           ref=f"W{month:%m}-{r.pk}")

    def entry(self, kind, day, amount, *, ref, roster=None, month=None):
        return AccountEntry.objects.create(account=self.account, project=self.project, kind=kind, booked_on=day,
                                           amount=amount, roster=roster, month=month, reference=ref)

    def lines(self, month):
        return PayrollLine.objects.filter(project=self.project, month=month)

    def rules(self, on: dt.date) -> set[str]:
        sweep(on)
        return set(Warning.objects.filter(project=self.project, status=WarningStatus.OPEN).values_list("rule", flat=True))


@pytest.fixture
def site():
    return Site()


def test_a_project_in_order_raises_nothing(site):
    min_wage()
    assert site.rules(D(2026, 3, 10)) == set()


# 1. labour cost allocation --------------------------------------------------------------------------
def test_allocation_overdue_the_day_after_the_cycle(site):
    assert "allocation_overdue" not in site.rules(D(2026, 4, 5))
    assert "allocation_overdue" in site.rules(D(2026, 4, 6))
    w = Warning.objects.get(rule="allocation_overdue")
    assert w.period == D(2026, 4, 5) and w.level == 3 and "2026-04-05" in warning_text(w)


def test_allocation_grace_is_a_regional_parameter(site):
    set_param("warning_allocation_grace_days", 3)
    assert "allocation_overdue" not in site.rules(D(2026, 4, 8))
    assert "allocation_overdue" in site.rules(D(2026, 4, 9))


# 2. wages through the special account -------------------------------------------------------------
def test_wages_unpaid_after_the_end_of_the_next_month(site):
    AccountEntry.objects.filter(kind="wage", month=FEB, roster=site.roster[0]).delete()
    assert "wages_unpaid" not in site.rules(D(2026, 3, 31))
    assert "wages_unpaid" in site.rules(D(2026, 4, 1))
    w = Warning.objects.get(rule="wages_unpaid")
    assert w.period == FEB and w.detail["attended"] == 3 and w.detail["paid"] == 2
    assert "出勤 3 人，专户代发 2 人" in warning_text(w)


def test_wages_all_paid_raise_nothing(site):
    assert "wages_unpaid" not in site.rules(D(2026, 4, 1))


def test_wage_months_are_a_regional_parameter(site):
    AccountEntry.objects.filter(kind="wage", month=FEB, roster=site.roster[0]).delete()
    set_param("warning_wage_unpaid_months", 2)
    assert "wages_unpaid" not in site.rules(D(2026, 4, 30))
    assert "wages_unpaid" in site.rules(D(2026, 5, 1))


# 3. paid fewer than attended ---------------------------------------------------------------------
def test_paid_fewer_than_attended_counts_lines_with_net_pay(site):
    line = site.lines(FEB).first()
    line.net = Decimal("0")
    line.save()
    assert "paid_fewer_than_attended" in site.rules(D(2026, 3, 10))
    assert Warning.objects.get(rule="paid_fewer_than_attended").detail == {"month": "2026-02", "attended": 3, "paid": 2}
    line.net = Decimal("0.01")
    line.save()
    assert "paid_fewer_than_attended" not in site.rules(D(2026, 3, 11))


def test_zero_days_of_attendance_is_not_an_attendee(site):
    newcomer = RosterEntry.objects.create(project=site.project, name="新工人", entered_on=D(2026, 2, 27),
                                          **encrypt_id_number(id_number(50)))
    Attendance.objects.create(project=site.project, roster=newcomer, month=FEB, days=Decimal("0"))
    PayrollLine.objects.create(sheet=site.sheets[FEB], project=site.project, month=FEB, roster=newcomer,
                               work_days=Decimal("0"), gross=Decimal("100"), net=Decimal("100"))
    site.lines(FEB).filter(roster=site.roster[0]).delete()
    set_param("warning_unpaid_attendee_ratio", "0.33")
    assert "attendees_unpaid" in site.rules(D(2026, 3, 10))
    assert Warning.objects.get(rule="attendees_unpaid").detail["attended"] == 3


# 4. attendees without a pay record --------------------------------------------------------------
def test_attendees_unpaid_over_the_regional_share(site):
    site.lines(FEB).filter(roster=site.roster[0]).delete()
    set_param("warning_unpaid_attendee_ratio", "0.34")  # 1 of 3 is 33.3 %: not more than 34 %
    assert "attendees_unpaid" not in site.rules(D(2026, 3, 10))
    set_param("warning_unpaid_attendee_ratio", "0.33")
    assert "attendees_unpaid" in site.rules(D(2026, 3, 11))
    assert Warning.objects.get(rule="attendees_unpaid").detail["unpaid"] == 1


# 5. average pay ------------------------------------------------------------------------------------
def test_average_pay_below_the_minimum_wage(site):
    min_wage("2030")
    # 22 days at 2053.34: 2053.34 / 22 × 21.75 = 2030.005 (not below); 2053.33 gives 2029.995.
    site.lines(FEB).update(gross=Decimal("2053.34"))
    assert "average_pay_low" not in site.rules(D(2026, 3, 10))
    site.lines(FEB).update(gross=Decimal("2053.33"))
    assert "average_pay_low" in site.rules(D(2026, 3, 11))
    w = Warning.objects.get(rule="average_pay_low")
    assert (w.period, w.detail["floor"], w.detail["min_wage"]) == (FEB, "2030.00", "2030.00")


def test_average_pay_cannot_tell_without_a_minimum_wage(site):
    site.lines(FEB).update(gross=Decimal("100"))
    counts = sweep(D(2026, 3, 10))
    assert not Warning.objects.filter(rule="average_pay_low").exists()
    assert counts["missing"] == {"min_wage_monthly": ["350581001000"]}


# 6. implausible pay --------------------------------------------------------------------------------
def test_pay_over_the_month_cap(site):
    line = site.lines(FEB).first()
    line.gross = Decimal("50000")
    line.save()
    assert "pay_implausible" not in site.rules(D(2026, 3, 10))
    line.gross = Decimal("50000.01")
    line.save()
    assert "pay_implausible" in site.rules(D(2026, 3, 11))
    w = Warning.objects.get(rule="pay_implausible")
    assert (w.period, w.detail["workers"], w.detail["rosters"]) == (FEB, 1, [line.roster_id])


def test_pay_over_the_year_cap(site):
    set_param("warning_worker_month_pay_cap", 1000000)
    r = site.roster[0]
    site.lines(JAN).filter(roster=r).update(gross=Decimal("150000"))
    site.lines(FEB).filter(roster=r).update(gross=Decimal("150000"))
    assert "pay_implausible" not in site.rules(D(2026, 3, 10))
    site.lines(FEB).filter(roster=r).update(gross=Decimal("150000.01"))
    assert "pay_implausible" in site.rules(D(2026, 3, 11))
    w = Warning.objects.get(rule="pay_implausible")
    assert w.period == D(2026, 12, 31) and w.detail["year"] == "2026" and "全年" in warning_text(w)


# 7. exit without settlement -------------------------------------------------------------------------
def test_exit_unsettled_after_the_settlement_days(site):
    r = site.roster[0]
    r.exited_on = D(2026, 3, 2)
    r.save()
    assert "exit_unsettled" not in site.rules(D(2026, 3, 9))
    assert "exit_unsettled" in site.rules(D(2026, 3, 10))
    assert Warning.objects.get(rule="exit_unsettled").period == D(2026, 3, 1)
    r.settled_on = D(2026, 3, 10)
    r.save()
    assert "exit_unsettled" not in site.rules(D(2026, 3, 11))


# 8–10. account, deposit, notice board -------------------------------------------------------------
@pytest.fixture
def bare():
    rights_personas()
    return make_project(code="P-BARE", signed=D(2026, 2, 2), permit_on=D(2026, 2, 2), start_on=D(2026, 2, 2))


def _rules(project, on):
    sweep(on)
    return set(Warning.objects.filter(project=project, status=WarningStatus.OPEN).values_list("rule", flat=True))


def test_account_not_opened_after_30_days(bare):
    assert "account_not_opened" not in _rules(bare, D(2026, 3, 4))
    assert "account_not_opened" in _rules(bare, D(2026, 3, 5))
    assert Warning.objects.get(rule="account_not_opened").level == 2
    WageAccount.objects.create(project=bare, bank="b", account_masked="x", opened_on=D(2026, 3, 6))
    assert "account_not_opened" not in _rules(bare, D(2026, 3, 6))


def test_deposit_not_lodged_in_working_days(bare):
    due = add_working_days(D(2026, 2, 2), 20, work_calendar())
    assert "deposit_not_lodged" not in _rules(bare, due)
    assert "deposit_not_lodged" in _rules(bare, due + dt.timedelta(days=1))
    deposit = WageDeposit.objects.create(project=bare, exempt=True, basis="信用良好")
    assert "deposit_not_lodged" not in _rules(bare, due + dt.timedelta(days=2))
    deposit.exempt = False
    deposit.save()
    DepositMovement.objects.create(deposit=deposit, kind="lodged", on=due + dt.timedelta(days=3), amount=Decimal("1"))
    assert "deposit_not_lodged" not in _rules(bare, due + dt.timedelta(days=3))


def test_deposit_counts_from_the_contract_without_a_permit(bare):
    bare.permit_on, bare.contract_signed_on = None, D(2026, 1, 5)
    bare.save()
    due = add_working_days(D(2026, 1, 5), 20, work_calendar())
    assert "deposit_not_lodged" not in _rules(bare, due)
    assert "deposit_not_lodged" in _rules(bare, due + dt.timedelta(days=1))


def test_small_contract_is_exempt_from_the_deposit(bare):
    bare.contract_value = Decimal("2999999")
    bare.save()
    assert "deposit_not_lodged" not in _rules(bare, D(2026, 6, 1))


def test_no_notice_board_after_7_days(bare):
    assert "no_notice_board" not in _rules(bare, D(2026, 2, 9))
    assert "no_notice_board" in _rules(bare, D(2026, 2, 10))
    assert Warning.objects.get(rule="no_notice_board").level == 1


def test_level_is_a_regional_parameter(bare):
    set_param("warning_level_no_notice_board", 3)
    _rules(bare, D(2026, 2, 10))
    assert Warning.objects.get(rule="no_notice_board").level == 3


# The sweep itself ----------------------------------------------------------------------------------
def test_sweep_is_idempotent_and_opens_one_task_and_one_message(site):
    AccountEntry.objects.filter(kind="wage", month=FEB, roster=site.roster[0]).delete()
    on = D(2026, 4, 6)
    first = sweep(on)
    assert first["raised"] == 2 and first["by_rule"]["wages_unpaid"] == 1  # and the allocation
    tasks = WorkTask.objects.filter(step=steps.WARNING_HANDLE)
    assert tasks.count() == 2 and {t.role for t in tasks} == {"inspector"}
    assert Message.objects.filter(recipient=site.p.inspector, kind="rights.warning").count() == 1
    assert not Message.objects.filter(recipient=site.p.lan_inspector).exists()
    before = (Warning.objects.count(), WorkTask.objects.count(), Message.objects.count(), AuditEvent.objects.count(),
              list(Warning.objects.values_list("id", "status", "level", "detail", "last_seen_on")))
    second = sweep(on)
    assert (second["raised"], second["seen"], second["changed"], second["cleared"]) == (0, 0, 0, 0)
    assert before == (Warning.objects.count(), WorkTask.objects.count(), Message.objects.count(),
                      AuditEvent.objects.count(),
                      list(Warning.objects.values_list("id", "status", "level", "detail", "last_seen_on")))
    # The next day: seen again, nothing raised twice.
    third = sweep(on + dt.timedelta(days=1))
    assert third["raised"] == 0 and third["seen"] == 2
    assert Warning.objects.get(rule="wages_unpaid").last_seen_on == on + dt.timedelta(days=1)


def test_a_warning_that_no_longer_holds_is_cleared_and_its_task_closed(site):
    AccountEntry.objects.filter(kind="wage", month=FEB, roster=site.roster[0]).delete()
    sweep(D(2026, 4, 1))
    w = Warning.objects.get(rule="wages_unpaid")
    site.entry("wage", D(2026, 4, 1), Decimal("6000"), roster=site.roster[0], month=FEB, ref="late")
    counts = sweep(D(2026, 4, 2))
    w.refresh_from_db()
    assert counts["cleared"] == 1 and (w.status, w.cleared_on) == (WarningStatus.CLEARED, D(2026, 4, 2))
    assert WorkTask.objects.get(subject_type="warning", subject_id=w.pk).state == TaskState.CANCELLED


def test_dismiss_needs_a_reason_and_the_right_person(site):
    AccountEntry.objects.filter(kind="wage", month=FEB, roster=site.roster[0]).delete()
    sweep(D(2026, 4, 1))
    w = Warning.objects.get(rule="wages_unpaid")
    for user in (site.p.contractor, site.p.lan_inspector, site.p.town):
        with pytest.raises(RightsError) as err:
            warning_dismiss(actor=user, warning=w, reason="现金发放")
        assert err.value.status == 403
    with pytest.raises(RightsError):
        warning_dismiss(actor=site.p.inspector, warning=w, reason="  ")
    warning_dismiss(actor=site.p.inspector, warning=w, reason="已现金发放并本人签字")
    w.refresh_from_db()
    assert (w.status, w.handled_by) == (WarningStatus.DISMISSED, site.p.inspector)
    assert WorkTask.objects.get(subject_type="warning", subject_id=w.pk).state == TaskState.DONE
    # Still true the next day: it stays dismissed, no new task.
    sweep(D(2026, 4, 2))
    w.refresh_from_db()
    assert w.status == WarningStatus.DISMISSED and WorkTask.objects.filter(subject_id=w.pk).count() == 1
    with pytest.raises(RightsError):
        warning_dismiss(actor=site.p.inspector, warning=w, reason="again")


def test_warning_to_case(site):
    from django.utils import timezone

    AccountEntry.objects.filter(kind="wage", month=FEB, roster=site.roster[0]).delete()
    sweep(D(2026, 4, 1))
    w = Warning.objects.get(rule="wages_unpaid")
    case = ArrearsCase.objects.create(number="QX-T1", source="warning", route="inspection", region_id="350581001000",
                                      employer_name="石狮建工集团有限公司", project=site.project, warning=w,
                                      period_from=FEB, period_to=FEB, summary="预警立案", created_at=timezone.now())
    warning_to_case(site.p.inspector, w, case)
    warning_to_case(site.p.inspector, w, case)  # the same case again changes nothing
    w.refresh_from_db()
    assert (w.status, w.case) == (WarningStatus.CASE, case)
    assert WorkTask.objects.get(subject_type="warning", subject_id=w.pk).state == TaskState.DONE


def test_command_runs_the_sweep_for_a_date(site, capsys):
    AccountEntry.objects.filter(kind="wage", month=FEB, roster=site.roster[0]).delete()
    call_command("sweep-warnings", "--date", "2026-04-01")
    assert '"raised": 1' in capsys.readouterr().out
    assert Warning.objects.filter(rule="wages_unpaid", raised_on=D(2026, 4, 1)).exists()


def test_every_rule_has_a_level_parameter():
    from anju.params.models import Parameter

    assert set(Parameter.objects.filter(name__startswith="warning_level_").values_list("name", flat=True)) >= {
        f"warning_level_{code}" for code in RULES}
