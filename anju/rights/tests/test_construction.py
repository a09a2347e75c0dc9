"""Construction projects: the project's rules (art. 24, credit codes, dates), the roster, the
special account, the wage deposit's assessment and movements, and the notice board."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from anju.audit.models import AuditEvent
from anju.lib.identifiers import make_uscc
from anju.lib.versioning import VersionConflict
from anju.params.models import Parameter
from anju.params.services import parameter_set
from anju.registry.tests.factories import make_worker
from anju.rights import construction as c
from anju.rights.models import ArrearsCase, DepositMovement, EntryKind, WageDeposit
from anju.rights.services import RightsError
from anju.rights.tests.factories import CONTRACTOR_USCC, id_number, make_project, rights_personas

pytestmark = pytest.mark.django_db

DATA = {
    "code": "SS-2026-001", "name": "石狮市湖滨安置房一期", "region_id": "350581001000", "address": "湖滨街道",
    "owner_name": "石狮市城投公司", "owner_uscc": "", "contractor_name": "石狮建工集团有限公司",
    "contractor_uscc": CONTRACTOR_USCC, "contract_value": Decimal("8000000"), "labour_share": Decimal("0.25"),
    "disbursement_cycle_months": 1, "contract_signed_on": dt.date(2026, 1, 5), "permit_on": dt.date(2026, 1, 20),
    "start_on": dt.date(2026, 2, 1), "planned_end_on": dt.date(2027, 6, 30), "completed_on": None,
    "status": "building", "supervisor_name": "王专管", "supervisor_phone": "13900001111",
}


@pytest.fixture
def p():
    return rights_personas()


def _set(name: str, prefix: str, value, admin):
    parameter_set(actor=admin, name=name, region_prefix=prefix, valid_from=dt.date(2021, 11, 1),
                  value=None if value is None else Decimal(value), source="测试")


def _arrears_case(*, year: int, conclusion: str = "paid_in_full", uscc: str = CONTRACTOR_USCC,
                  owed: bool = True) -> ArrearsCase:
    from anju.rights.models import CaseWorker

    case = ArrearsCase.objects.create(
        number=f"QX-{year}-{conclusion[:6]}-{int(owed)}", source="walk_in", route="inspection", status="concluded",
        employer_name="石狮建工集团有限公司", employer_uscc=uscc, region_id="350581001000",
        period_from=dt.date(year, 1, 1), period_to=dt.date(year, 3, 1), summary="欠薪", conclusion=conclusion,
        concluded_on=dt.date(year, 6, 1), created_at=timezone.now())
    if owed:
        CaseWorker.objects.create(case=case, name="李四", amount_owed=Decimal("3000"))
    return case


# Projects ------------------------------------------------------------------------------------
def test_project_create_masks_the_supervisor_phone_and_is_audited(p):
    project = c.project_create(actor=p.inspector, data=DATA)
    assert project.supervisor_phone_masked == "139****1111" and "13900001111" not in project.supervisor_phone_enc
    assert AuditEvent.objects.filter(object_type="project", object_id=str(project.pk), action="create").exists()


@pytest.mark.parametrize(("change", "field", "text"), [
    ({"disbursement_cycle_months": 2}, "disbursement_cycle_months", "第二十四条"),
    ({"disbursement_cycle_months": 0}, "disbursement_cycle_months", "至少"),
    ({"contractor_uscc": "91350581MA2Y1JG3PX"}, "contractor_uscc", "统一社会信用代码"),
    ({"owner_uscc": "123"}, "owner_uscc", "统一社会信用代码"),
    ({"contract_value": Decimal("0")}, "contract_value", "正数"),
    ({"labour_share": Decimal("1.5")}, "labour_share", "不超过 1"),
    ({"labour_share": Decimal("0")}, "labour_share", "大于 0"),
    ({"start_on": dt.date(2025, 12, 1)}, "start_on", "早于合同签订日期"),
    ({"planned_end_on": dt.date(2026, 1, 10)}, "planned_end_on", "计划竣工日期"),
    ({"status": "completed"}, "completed_on", "竣工日期"),
    ({"completed_on": dt.date(2026, 6, 1)}, "status", "已竣工"),
    ({"contract_signed_on": dt.date(2099, 1, 1)}, "contract_signed_on", "今天之后"),
    ({"region_id": "141127000000"}, "region_id", "管辖范围"),
])
def test_project_create_refuses(p, change, field, text):
    with pytest.raises(RightsError) as exc:
        c.project_create(actor=p.inspector, data=DATA | change)
    assert exc.value.field == field and text in exc.value.text()


def test_project_create_refuses_contractors_and_duplicate_codes(p):
    with pytest.raises(RightsError) as exc:
        c.project_create(actor=p.contractor, data=DATA)
    assert exc.value.status == 403
    c.project_create(actor=p.inspector, data=DATA)
    with pytest.raises(RightsError) as exc:
        c.project_create(actor=p.inspector, data=DATA)
    assert exc.value.field == "code"


def test_project_update_is_versioned_and_keeps_the_phone(p):
    project = c.project_create(actor=p.inspector, data=DATA)
    data = DATA | {"name": "湖滨安置房一期（调整）", "supervisor_phone": ""}
    updated = c.project_update(actor=p.inspector, project=project, data=data, expected_version=1)
    assert (updated.name, updated.version, updated.supervisor_phone_masked) == ("湖滨安置房一期（调整）", 2, "139****1111")
    with pytest.raises(VersionConflict):
        c.project_update(actor=p.inspector, project=project, data=data | {"name": "x"}, expected_version=1)
    with pytest.raises(RightsError):
        c.project_update(actor=p.contractor, project=project, data=data, expected_version=2)


# Subcontractors, teams, roster ----------------------------------------------------------------
def test_roster_add_links_the_ledger_and_masks_the_id(p):
    project = make_project()
    number = id_number(11)
    worker = make_worker(id_number=number)
    team = c.team_add(actor=p.contractor, project=project, name="木工班")
    entry = c.roster_add(actor=p.contractor, project=project, name="李四", id_number=number, phone="13700002222",
                         team=team, trade="木工", contract_signed=True, entered_on=dt.date(2026, 3, 1),
                         bank_account="6222 0210 0112 3456 789")
    assert entry.worker == worker and entry.id_number_masked == number[:6] + "********" + number[-4:]
    assert number not in entry.id_number_enc and entry.bank_account_masked == "****6789"
    with pytest.raises(RightsError) as exc:
        c.roster_add(actor=p.contractor, project=project, name="李四", id_number=number, entered_on=dt.date(2026, 3, 1))
    assert exc.value.code == "duplicate"
    other = c.roster_add(actor=p.inspector, project=project, name="王五", id_number=id_number(12),
                         entered_on=dt.date(2026, 3, 2))
    assert other.worker is None


def test_roster_refusals(p):
    project = make_project()
    mine = make_project(code="P-002")
    foreign_team = c.team_add(actor=p.inspector, project=mine, name="钢筋班")
    for kwargs, field in (({"id_number": "350581198005010000"}, "id_number"),
                          ({"entered_on": dt.date(2025, 1, 1)}, "entered_on"),
                          ({"team": foreign_team}, "team"), ({"name": ""}, "name")):
        args = {"name": "赵六", "id_number": id_number(21), "entered_on": dt.date(2026, 3, 1)} | kwargs
        with pytest.raises(RightsError) as exc:
            c.roster_add(actor=p.contractor, project=project, **args)
        assert exc.value.field == field
    with pytest.raises(RightsError) as exc:
        c.roster_add(actor=p.other_contractor, project=project, name="赵六", id_number=id_number(21),
                     entered_on=dt.date(2026, 3, 1))
    assert exc.value.status == 403


def test_exit_then_settlement(p):
    project = make_project()
    entry = c.roster_add(actor=p.contractor, project=project, name="赵六", id_number=id_number(31),
                         entered_on=dt.date(2026, 3, 1))
    with pytest.raises(RightsError, match="先登记退场"):
        c.roster_settle(actor=p.contractor, entry=entry, settled_on=dt.date(2026, 5, 1))
    with pytest.raises(RightsError, match="早于进场"):
        c.roster_exit(actor=p.contractor, entry=entry, exited_on=dt.date(2026, 2, 1))
    c.roster_exit(actor=p.contractor, entry=entry, exited_on=dt.date(2026, 4, 30))
    c.roster_settle(actor=p.contractor, entry=entry, settled_on=dt.date(2026, 5, 3))
    entry.refresh_from_db()
    assert (entry.exited_on, entry.settled_on) == (dt.date(2026, 4, 30), dt.date(2026, 5, 3))
    with pytest.raises(RightsError):
        c.roster_exit(actor=p.other_contractor, entry=entry, exited_on=dt.date(2026, 4, 30))


def test_subcontractor_needs_the_bureau(p):
    project = make_project()
    with pytest.raises(RightsError):
        c.subcontractor_add(actor=p.contractor, project=project, name="某劳务公司")
    sub = c.subcontractor_add(actor=p.inspector, project=project, name="某劳务公司",
                              uscc=make_uscc("91350581MA2Y1JG5R"))
    team = c.team_add(actor=p.contractor, project=project, name="泥工班", subcontractor=sub)
    assert team.subcontractor == sub
    with pytest.raises(RightsError, match="统一社会信用代码"):
        c.subcontractor_add(actor=p.inspector, project=project, name="另一家", uscc="bad")


# The special account ---------------------------------------------------------------------------
def test_account_open_entries_and_summary(p):
    project = make_project()
    entry = c.roster_add(actor=p.contractor, project=project, name="赵六", id_number=id_number(41),
                         entered_on=dt.date(2026, 3, 1))
    with pytest.raises(RightsError):
        c.account_open(actor=p.contractor, project=project, bank="农行", account_number="62284800123456789",
                       opened_on=dt.date(2026, 1, 20))
    with pytest.raises(RightsError, match="早于合同签订日期"):
        c.account_open(actor=p.inspector, project=project, bank="农行", account_number="62284800123456789",
                       opened_on=dt.date(2025, 12, 1))
    account = c.account_open(actor=p.inspector, project=project, bank="农行石狮支行", account_number="62284800123456789",
                             opened_on=dt.date(2026, 1, 20))
    assert account.account_masked == "****6789" and "62284800123456789" not in account.account_enc
    c.account_file(actor=p.inspector, project=project, filed_on=dt.date(2026, 2, 1))
    c.entry_add(actor=p.contractor, project=project, kind=EntryKind.ALLOCATION, booked_on=dt.date(2026, 3, 5),
                amount="100000", reference="B001")
    c.entry_add(actor=p.contractor, project=project, kind=EntryKind.WAGE, booked_on=dt.date(2026, 4, 10),
                amount="6000", reference="B002", roster=entry, month=dt.date(2026, 3, 15))
    with pytest.raises(RightsError) as exc:
        c.entry_add(actor=p.contractor, project=project, kind=EntryKind.WAGE, booked_on=dt.date(2026, 4, 10),
                    amount="6000", reference="B003")
    assert exc.value.field == "roster"
    with pytest.raises(RightsError) as exc:
        c.entry_add(actor=p.contractor, project=project, kind=EntryKind.ALLOCATION, booked_on=dt.date(2026, 4, 10),
                    amount="1", reference="B001")
    assert exc.value.code == "duplicate"
    summary = c.account_summary(project)
    assert (summary["inflow"], summary["outflow"], summary["balance"]) == (Decimal("100000"), Decimal("6000"),
                                                                          Decimal("94000"))
    assert [m["month"] for m in summary["months"]] == [dt.date(2026, 4, 1), dt.date(2026, 3, 1)]
    months = c.monthly_figures(project)
    assert months[0]["month"] == dt.date(2026, 3, 1) and months[0]["through_account"] == Decimal("6000")


# The wage deposit ------------------------------------------------------------------------------
def test_small_project_without_arrears_is_exempt(p):
    project = make_project(contract_value=Decimal("2500000"))
    result = c.deposit_assess(project)
    assert result.exempt and result.amount == Decimal("0")


def test_arrears_last_year_takes_the_exemption_away_and_a_missing_rate_is_not_set(p):
    project = make_project(contract_value=Decimal("2500000"))
    _arrears_case(year=timezone.localdate().year - 1)
    _arrears_case(year=timezone.localdate().year - 1, conclusion="not_established", uscc=CONTRACTOR_USCC)
    result = c.deposit_assess(project)
    assert not result.exempt and result.rate is None and result.amount is None
    assert result.missing == ["wage_deposit_rate"] and result.arrears_years == [timezone.localdate().year - 1]


def test_unfounded_or_other_contractors_cases_are_no_arrears_history(p):
    project = make_project(contract_value=Decimal("2500000"))
    year = timezone.localdate().year - 1
    _arrears_case(year=year, conclusion="not_established")
    _arrears_case(year=year, uscc=make_uscc("91350581MA2Y1JG6T"))
    _arrears_case(year=year, conclusion="other", owed=False)  # of the inspector's own motion: nobody owed
    assert c.deposit_assess(project).exempt


def test_the_provincial_rate_with_floor_and_cap(p):
    project = make_project(contract_value=Decimal("8000000"), region="350581001000")
    _set("wage_deposit_rate", "35", "0.015", p.admin)
    result = c.deposit_assess(project)
    assert (result.rate, result.amount, result.capped) == (Decimal("0.015"), Decimal("120000.00"), False)
    _set("wage_deposit_cap", "35", "100000", p.admin)
    result = c.deposit_assess(project)
    assert (result.amount, result.capped) == (Decimal("100000"), True)
    _set("wage_deposit_rate", "35", "0.001", p.admin)
    result = c.deposit_assess(project)
    assert (result.rate, result.amount) == (Decimal("0.005"), Decimal("40000.00"))
    # Lan County (Shanxi) has no provincial rate: not set, whatever Fujian's is.
    lan = make_project(code="LAN-1", region="141127100000", uscc=make_uscc("91141127MA0K1AB2C"))
    assert c.deposit_assess(lan).missing == ["wage_deposit_rate"]


def test_arrears_in_the_last_two_years_are_flagged_not_guessed(p):
    """Until the province enters how much arrears raise the rate, the assessment keeps the plain
    rate and names the missing figure, rather than inventing one."""
    project = make_project(contract_value=Decimal("8000000"))
    _set("wage_deposit_rate", "35", "0.015", p.admin)
    _arrears_case(year=timezone.localdate().year - 2)
    result = c.deposit_assess(project)
    assert result.rate == Decimal("0.015") and result.arrears_years == [timezone.localdate().year - 2]
    assert result.missing == ["wage_deposit_arrears_raise"]
    assert any("未设定提高幅度" in note for note in result.notes)


def test_arrears_raise_the_rate_by_the_provinces_figure_before_the_cap(p):
    project = make_project(contract_value=Decimal("8000000"))
    _set("wage_deposit_rate", "35", "0.015", p.admin)
    _set("wage_deposit_arrears_raise", "35", "0.5", p.admin)
    assert c.deposit_assess(project).rate == Decimal("0.015")  # no arrears: the plain rate
    _arrears_case(year=timezone.localdate().year - 1)
    result = c.deposit_assess(project)
    assert (result.rate, result.amount, result.missing) == (Decimal("0.0225"), Decimal("180000.00"), [])
    _set("wage_deposit_cap", "35", "150000", p.admin)
    result = c.deposit_assess(project)
    assert (result.amount, result.capped) == (Decimal("150000"), True)
    # Arrears three years ago no longer count.
    ArrearsCase.objects.all().delete()
    _arrears_case(year=timezone.localdate().year - 3)
    assert c.deposit_assess(project).rate == Decimal("0.015")


def test_deposit_movements_pay_out_top_up_and_return(p):
    project = make_project(contract_value=Decimal("8000000"))
    _set("wage_deposit_rate", "35", "0.015", p.admin)
    with pytest.raises(RightsError):
        c.deposit_set(actor=p.contractor, project=project, form="cash")
    deposit = c.deposit_set(actor=p.inspector, project=project, form="cash", bank="农行")
    assert (deposit.rate, deposit.amount_due) == (Decimal("0.0150"), Decimal("120000.00"))
    c.deposit_lodge(actor=p.inspector, project=project, amount="120000", on=dt.date(2026, 2, 10))
    case = _arrears_case(year=2026)
    with pytest.raises(RightsError) as exc:
        c.deposit_pay_out(p.inspector, project, "120000.01", case, dt.date(2026, 11, 2))
    assert exc.value.code == "over_balance"
    c.deposit_pay_out(p.inspector, project, "30000", case, dt.date(2026, 11, 2))
    deposit = WageDeposit.objects.get(project=project)
    assert c.deposit_balance(deposit) == Decimal("90000")
    # 10 working days after Monday 2 November 2026.
    assert c.topup_owed(deposit) == (Decimal("30000"), dt.date(2026, 11, 16))
    with pytest.raises(RightsError):
        c.deposit_top_up(actor=p.inspector, project=project, amount="30000.01", on=dt.date(2026, 11, 10))
    c.deposit_top_up(actor=p.inspector, project=project, amount="30000", on=dt.date(2026, 11, 10))
    assert c.topup_owed(deposit) == (Decimal("0"), None)
    with pytest.raises(RightsError) as exc:
        c.deposit_return(actor=p.inspector, project=project, amount="120000", on=dt.date(2026, 11, 20))
    assert exc.value.code == "not_completed"
    project.status, project.completed_on = "completed", dt.date(2026, 11, 15)
    project.save()
    c.deposit_return(actor=p.inspector, project=project, amount="120000", on=dt.date(2026, 11, 20))
    assert c.deposit_balance(deposit) == 0
    assert DepositMovement.objects.filter(deposit=deposit).count() == 4


def test_an_exempt_project_lodges_nothing(p):
    project = make_project(contract_value=Decimal("1000000"))
    c.deposit_set(actor=p.inspector, project=project)
    with pytest.raises(RightsError) as exc:
        c.deposit_lodge(actor=p.inspector, project=project, amount="1000", on=dt.date(2026, 2, 1))
    assert exc.value.code == "exempt"


# The notice board --------------------------------------------------------------------------------
def test_notice_board_data(p):
    project = make_project(supervisor_name="王专管", supervisor_phone_masked="139****1111")
    board = c.notice_board(project)
    assert board["hotline"].number == "88712565" and (board["hrss_line"], board["legal_line"]) == ("12333", "12348")
    assert board["supervisor_phone"] == "139****1111"
    Parameter.objects.get_or_create(name="min_wage_monthly", defaults={
        "type": "money", "label_zh": "月最低工资标准", "label_en": "Monthly minimum wage"})
    lan = make_project(code="LAN-1", region="141127100000")
    assert c.notice_board(lan)["min_wage"] is None  # the board says 未录入
    _set("min_wage_monthly", "350581001", "2345", p.admin)
    assert c.notice_board(project)["min_wage"] == Decimal("2345")
    posted = c.notice_board_posted(actor=p.contractor, project=project, on=dt.date(2026, 2, 3),
                                   expected_version=project.version)
    assert posted.notice_board_on == dt.date(2026, 2, 3)
    with pytest.raises(VersionConflict):
        c.notice_board_posted(actor=p.contractor, project=project, on=dt.date(2026, 2, 4),
                              expected_version=project.version)

