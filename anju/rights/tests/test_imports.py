"""Contractor uploads through the pages (upload -> the job, run at once by the immediate task
backend -> the outcome): roster, attendance, payroll and bank statement, each checked row by row,
all or nothing, with the report in Chinese; a contractor user uploads only to its own projects."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from anju.audit.models import AuditEvent
from anju.rights import imports
from anju.rights.models import (
    AccountEntry,
    Attendance,
    PayrollLine,
    PayrollSheet,
    ProjectImport,
    RosterEntry,
    Team,
    WageAccount,
)
from anju.rights.services import encrypt_id_number, encrypt_phone
from anju.rights.tests.factories import OTHER_USCC, id_number, make_project, rights_personas

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
MONTH = "2026-10"
ROSTER = [c.header for c in imports.ROSTER_COLUMNS]
ATTENDANCE = [c.header for c in imports.ATTENDANCE_COLUMNS]
PAYROLL = [c.header for c in imports.PAYROLL_COLUMNS]
STATEMENT = [c.header for c in imports.STATEMENT_COLUMNS]


@pytest.fixture(autouse=True)
def tasks():
    with override_settings(TASKS=IMMEDIATE):
        yield


@pytest.fixture
def site(db):
    people = rights_personas()
    project = make_project(code="P-IMP")
    other = make_project(code="P-OTHER", uscc=OTHER_USCC, contractor_name="另一家建工公司")
    return SimpleNamespace(p=people, project=project, other=other)


def enrol(project, seq: int, name: str, phone: str = "") -> RosterEntry:
    return RosterEntry.objects.create(project=project, name=name, entered_on=dt.date(2026, 3, 1),
                                      **encrypt_id_number(id_number(seq)), **encrypt_phone(phone))


def xlsx(headers, rows, name="表.xlsx", sheet="Sheet1") -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(headers)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def csv_file(headers, rows, name="表.csv", encoding="gb18030") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode(encoding))


def upload(client, user, project, kind, file, month="") -> ProjectImport:
    client.force_login(user)
    response = client.post(reverse("rights:project_imports", args=[project.pk]),
                           {"kind": kind, "month": month, "file": file})
    assert response.status_code == 302, response.content.decode()[:3000]
    job = ProjectImport.objects.latest("pk")
    assert job.status == job.DONE, job.message
    return job


def errors_of(job) -> dict[tuple[int, str], str]:
    return {(e["row"], e["column"]): e["reason_zh"] for e in job.report["errors"]}


def roster_row(seq, name, **over) -> list:
    values = {"姓名": name, "公民身份号码": id_number(seq), "手机号码": f"1380000{seq:04d}", "班组": "钢筋班",
              "工种": "钢筋工", "是否签订劳动合同": "是", "进场日期": "2026-03-01", "退场日期": "",
              "工资卡号": f"6222 0202 0000 {seq:04d}", "工资结清确认日期": ""}
    values.update(over)
    return [values[h] for h in ROSTER]


# Roster --------------------------------------------------------------------------------------
def test_roster_is_added_then_updated_by_id_number(client, site):
    job = upload(client, site.p.contractor, site.project, "roster",
                 xlsx(ROSTER, [roster_row(1, "张三"), roster_row(2, "李四", 班组="木工班", 工种="木工")], sheet="花名册"))
    assert job.report["phase"] == imports.IMPORTED, job.report["errors"]
    assert job.report["counts"] == {"created": 2, "updated": 0, "unchanged": 0}
    zhang = RosterEntry.objects.get(project=site.project, name="张三")
    assert zhang.bank_account_masked == "****0001" and zhang.id_number == id_number(1)
    assert zhang.id_number_masked == id_number(1)[:6] + "********" + id_number(1)[-4:]
    assert zhang.phone_masked == "138****0001" and zhang.contract_signed and zhang.team.name == "钢筋班"
    assert set(Team.objects.filter(project=site.project).values_list("name", flat=True)) == {"钢筋班", "木工班"}
    assert job.stored_name == ""  # the upload (ID numbers in clear) is gone
    assert AuditEvent.objects.filter(object_type="projectimport", object_id=str(job.pk), action="import").exists()
    # Again, Zhang has left and settled: updated, Li unchanged, a new worker added (CSV, GB18030).
    rows = [roster_row(1, "张三", 退场日期="2026-10-31", 工资结清确认日期="2026-11-05"), roster_row(2, "李四", 班组="木工班", 工种="木工"),
            roster_row(3, "王五", 班组="", 是否签订劳动合同="否")]
    job = upload(client, site.p.contractor, site.project, "roster", csv_file(ROSTER, rows))
    assert job.report["counts"] == {"created": 1, "updated": 1, "unchanged": 1}, job.report
    zhang.refresh_from_db()
    assert (zhang.exited_on, zhang.settled_on) == (dt.date(2026, 10, 31), dt.date(2026, 11, 5))
    wang = RosterEntry.objects.get(name="王五")
    assert wang.team is None and not wang.contract_signed
    assert RosterEntry.objects.filter(project=site.project).count() == 3


def test_roster_errors_are_reported_row_by_row_and_nothing_is_saved(client, site):
    bad_id = id_number(4)[:-1] + ("0" if id_number(4)[-1] != "0" else "1")
    rows = [roster_row(1, "张三"), roster_row(4, "赵六", 公民身份号码=bad_id), roster_row(1, "张三"),
            roster_row(5, "钱七", 退场日期="2026-02-01"), roster_row(6, "孙八", 工资卡号="62AB"),
            roster_row(7, "周九", 是否签订劳动合同="不知道")]
    job = upload(client, site.p.contractor, site.project, "roster", xlsx(ROSTER, rows))
    assert job.report["phase"] == imports.REJECTED
    assert not RosterEntry.objects.exists() and not Team.objects.exists()
    errors = errors_of(job)
    assert set(errors) == {(3, "公民身份号码"), (2, "公民身份号码"), (4, "公民身份号码"), (5, "退场日期"), (6, "工资卡号"),
                           (7, "是否签订劳动合同")}
    assert "末位校验码" in errors[(3, "公民身份号码")] and "出现多次（第 2、4 行）" in errors[(2, "公民身份号码")]
    assert "不能早于进场日期" in errors[(5, "退场日期")]
    page = client.get(reverse("rights:project_import", args=[site.project.pk, job.pk])).content.decode()
    assert "整表未导入" in page and "末位校验码" in page


# Attendance ----------------------------------------------------------------------------------
def test_attendance_is_upserted_by_worker_and_month(client, site):
    zhang, li = enrol(site.project, 1, "张三"), enrol(site.project, 2, "李四")
    rows = [[id_number(1), "张三", 26], [id_number(2), "", "22.5"]]
    job = upload(client, site.p.contractor, site.project, "attendance", xlsx(ATTENDANCE, rows, sheet="考勤"), MONTH)
    assert job.report["phase"] == imports.IMPORTED, job.report["errors"]
    assert job.month == dt.date(2026, 10, 1)
    days = dict(Attendance.objects.filter(month=dt.date(2026, 10, 1)).values_list("roster_id", "days"))
    assert days == {zhang.pk: Decimal("26.0"), li.pk: Decimal("22.5")}
    job = upload(client, site.p.contractor, site.project, "attendance",
                 xlsx(ATTENDANCE, [[id_number(1), "张三", 27], [id_number(2), "李四", "22.5"]]), MONTH)
    assert job.report["counts"] == {"created": 0, "updated": 1, "unchanged": 1}
    assert Attendance.objects.get(roster=zhang).days == Decimal("27.0") and Attendance.objects.count() == 2


def test_attendance_errors(client, site):
    enrol(site.project, 1, "张三")
    enrol(site.other, 2, "李四")  # on another project's roster only
    rows = [[id_number(1), "张三", 29], [id_number(2), "李四", 10], ["35058119800501", "王五", 3],
            [id_number(1), "张三丰", 1]]
    job = upload(client, site.p.contractor, site.project, "attendance", xlsx(ATTENDANCE, rows), "2026-02")
    assert job.report["phase"] == imports.REJECTED and not Attendance.objects.exists()
    errors = errors_of(job)
    assert "0 到 28 之间" in errors[(2, "出勤天数")] and "2026-02" in errors[(2, "出勤天数")]
    assert "不在本项目的实名制花名册上" in errors[(3, "公民身份号码")]
    assert "公民身份号码不正确" in errors[(4, "公民身份号码")]
    assert "与花名册登记的“张三”不一致" in errors[(5, "姓名")]


def test_attendance_needs_a_month(client, site):
    client.force_login(site.p.contractor)
    response = client.post(reverse("rights:project_imports", args=[site.project.pk]),
                           {"kind": "attendance", "month": "", "file": xlsx(ATTENDANCE, [[id_number(1), "", 1]])})
    assert response.status_code == 400 and "须选择所属月份" in response.content.decode()
    assert not ProjectImport.objects.exists()


# Payroll -------------------------------------------------------------------------------------
PAYER = "石狮建工劳务有限公司"


def pay_row(seq, name, **over) -> dict:
    values = {"用人单位": PAYER, "支付日期": "2026-11-10", "姓名": name, "公民身份号码": id_number(seq),
              "手机号码": "", "出勤天数": 26, "应发工资": "7800.00", "代扣代缴": "300.00", "实发工资": "7500.00",
              "银行支付凭证号": f"ZF{seq:06d}", "本人签字": ""}
    values.update(over)
    return values


def payroll_file(rows: list[dict], extra=()) -> SimpleUploadedFile:
    headers = PAYROLL + list(extra)
    return xlsx(headers, [[r.get(h, "") for h in headers] for r in rows], sheet="工资表")


def test_payroll_is_saved_per_payer_with_items_and_reuploading_replaces(client, site):
    zhang, li = enrol(site.project, 1, "张三", "13800000001"), enrol(site.project, 2, "李四")
    rows = [pay_row(1, "张三", 手机号码="13800000001", 加班工资="600", 奖金="200"),
            pay_row(2, "李四", 支付日期="2026-11-12", 银行支付凭证号="", 本人签字="是", 代扣代缴="")]
    rows[1]["实发工资"] = "7800.00"
    job = upload(client, site.p.contractor, site.project, "payroll", payroll_file(rows, ["加班工资", "奖金"]), MONTH)
    assert job.report["phase"] == imports.IMPORTED, job.report["errors"]
    assert any("加班工资、奖金" in w for w in job.report["warnings"])
    [sheet] = PayrollSheet.objects.filter(project=site.project)
    assert (sheet.month, sheet.payer_name, sheet.pay_date) == (dt.date(2026, 10, 1), PAYER, dt.date(2026, 11, 12))
    lines = {line.roster_id: line for line in PayrollLine.objects.filter(sheet=sheet)}
    first = lines[zhang.pk]
    assert (first.project_id, first.month, first.work_days) == (site.project.pk, dt.date(2026, 10, 1), Decimal("26.0"))
    assert (first.gross, first.deductions, first.net) == (Decimal("7800.00"), Decimal("300.00"), Decimal("7500.00"))
    assert first.items == {"加班工资": "600.00", "奖金": "200.00"} and first.bank_reference == "ZF000001"
    assert first.paid_on == dt.date(2026, 11, 10) and not first.signed
    assert lines[li.pk].signed and lines[li.pk].items == {} and lines[li.pk].deductions == Decimal("0.00")
    # The same month again, only Zhang, with a raise: the payer's sheet is replaced, not added to.
    again = [pay_row(1, "张三", 应发工资="8000.00", 实发工资="7700.00")]
    job = upload(client, site.p.contractor, site.project, "payroll", payroll_file(again), MONTH)
    assert job.report["replaced"] == {PAYER: 2}
    [sheet] = PayrollSheet.objects.filter(project=site.project, month=dt.date(2026, 10, 1))
    assert list(PayrollLine.objects.values_list("roster_id", "net")) == [(zhang.pk, Decimal("7700.00"))]
    page = client.get(reverse("rights:project_import", args=[site.project.pk, job.pk])).content.decode()
    assert "已替换" in page and "整体替换" in page


def test_payroll_errors(client, site):
    enrol(site.project, 1, "张三", "13800000001")
    enrol(site.project, 2, "李四")
    rows = [pay_row(1, "张三", 实发工资="7400.00"), pay_row(2, "李四"), pay_row(2, "李四"),
            pay_row(9, "外人"), pay_row(1, "张三", 手机号码="13900000009", 公民身份号码=id_number(1)),
            pay_row(3, "王五", 银行支付凭证号="", 公民身份号码="abc"), pay_row(4, "赵六", 出勤天数=32)]
    job = upload(client, site.p.contractor, site.project, "payroll", payroll_file(rows), MONTH)
    assert job.report["phase"] == imports.REJECTED
    assert not PayrollSheet.objects.exists() and not PayrollLine.objects.exists()
    errors = errors_of(job)
    assert "7800.00 − 300.00 = 7500.00" in errors[(2, "实发工资")] and "7400.00" in errors[(2, "实发工资")]
    assert "出现多次" in errors[(3, "公民身份号码")] and "出现多次" in errors[(4, "公民身份号码")]
    assert "不在本项目的实名制花名册上" in errors[(5, "公民身份号码")]
    assert "手机号码与花名册登记的不一致" in errors[(6, "手机号码")]
    assert "至少要有一项" in errors[(7, "银行支付凭证号")] and "公民身份号码不正确" in errors[(7, "公民身份号码")]
    assert "0 到 31 之间" in errors[(8, "出勤天数")]
    assert job.error_count == 7 and job.created_count == 0
    report = client.get(reverse("rights:project_import_error_report", args=[site.project.pk, job.pk]))
    assert report.status_code == 200
    cells = [[c.value for c in r] for r in openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content))).active.iter_rows()]
    assert cells[0][-1] == "错误原因" and "实发工资" in cells[1][-1]
    assert AuditEvent.objects.filter(object_type="projectimport", action="export").exists()
    client.force_login(site.p.inspector)  # may see the upload, not download its copy of the IDs
    assert client.get(reverse("rights:project_import", args=[site.project.pk, job.pk])).status_code == 200
    assert client.get(reverse("rights:project_import_error_report", args=[site.project.pk, job.pk])).status_code == 404


# Bank statement ------------------------------------------------------------------------------
def test_statement_entries_are_unique_by_reference(client, site):
    account = WageAccount.objects.create(project=site.project, bank="中国农业银行石狮支行", account_masked="****0001",
                                         opened_on=dt.date(2026, 1, 10))
    zhang = enrol(site.project, 1, "张三")
    rows = [["2026-10-05", "人工费拨付", "500000.00", "", "", "LS001"],
            ["2026-11-10", "代发工资", "7500.00", id_number(1), "2026-10", "LS002"]]
    job = upload(client, site.p.contractor, site.project, "statement", xlsx(STATEMENT, rows, sheet="专户流水"))
    assert job.report["phase"] == imports.IMPORTED, job.report["errors"]
    wage = AccountEntry.objects.get(reference="LS002")
    assert (wage.account, wage.kind, wage.roster, wage.month) == (account, "wage", zhang, dt.date(2026, 10, 1))
    # An overlapping statement: the known line is unchanged, the new one added.
    rows.append(["2026-11-12", "退回", "100.00", "", "", "LS003"])
    job = upload(client, site.p.contractor, site.project, "statement", xlsx(STATEMENT, rows))
    assert job.report["counts"] == {"created": 1, "updated": 0, "unchanged": 2}
    assert AccountEntry.objects.count() == 3


def test_statement_errors(client, site):
    WageAccount.objects.create(project=site.project, bank="农行", account_masked="****0001", opened_on=dt.date(2026, 1, 10))
    enrol(site.project, 1, "张三")
    AccountEntry.objects.create(account=site.project.wage_account, project=site.project, kind="allocation",
                                booked_on=dt.date(2026, 9, 1), amount=Decimal("100000"), reference="LS000")
    rows = [["2026-10-05", "转账", "100.00", "", "", "LS001"],
            ["2026-10-06", "代发工资", "7500.00", id_number(8), "2026-10", "LS002"],
            ["2026-10-07", "代发工资", "7500.00", id_number(1), "2026-10", "LS003"],
            ["2026-10-08", "代发工资", "7500.00", id_number(1), "2026-10", "LS003"],
            ["2026-09-01", "人工费拨付", "200000.00", "", "", "LS000"]]
    job = upload(client, site.p.contractor, site.project, "statement", xlsx(STATEMENT, rows))
    assert job.report["phase"] == imports.REJECTED and AccountEntry.objects.count() == 1
    errors = errors_of(job)
    assert "交易类型应为“人工费拨付”“代发工资”或“退回”，不是“转账”" in errors[(2, "交易类型")]
    assert "专户只能向本项目农民工本人账户代发工资" in errors[(3, "收款人公民身份号码")]
    assert "出现多次（第 4、5 行）" in errors[(4, "流水号")] and (5, "流水号") in errors
    assert "已上传过，但内容" in errors[(6, "流水号")]


def test_statement_without_a_special_account_is_refused(client, site):
    client.force_login(site.p.contractor)
    response = client.post(reverse("rights:project_imports", args=[site.project.pk]),
                           {"kind": "statement", "file": xlsx(STATEMENT, [["2026-10-05", "人工费拨付", "1", "", "", "A"]])})
    assert response.status_code == 400 and "尚未登记农民工工资专用账户" in response.content.decode()


# Who may upload, malformed files, templates ------------------------------------------------
def test_a_contractor_uploads_only_to_its_own_projects(client, site):
    client.force_login(site.p.contractor)
    assert client.get(reverse("rights:project_imports", args=[site.project.pk])).status_code == 200
    assert client.get(reverse("rights:project_imports", args=[site.other.pk])).status_code == 404
    response = client.post(reverse("rights:project_imports", args=[site.other.pk]),
                           {"kind": "roster", "file": xlsx(ROSTER, [roster_row(1, "张三")])})
    assert response.status_code == 404 and not ProjectImport.objects.exists()
    job = upload(client, site.p.other_contractor, site.other, "roster", xlsx(ROSTER, [roster_row(1, "张三")]))
    client.force_login(site.p.contractor)
    assert client.get(reverse("rights:project_import", args=[site.other.pk, job.pk])).status_code == 404
    assert client.get(reverse("rights:project_import", args=[site.project.pk, job.pk])).status_code == 404
    client.force_login(site.p.town)  # staff without the upload right
    assert client.get(reverse("rights:project_imports", args=[site.project.pk])).status_code == 403
    client.force_login(site.p.lan_inspector)  # another county's inspector
    assert client.get(reverse("rights:project_imports", args=[site.project.pk])).status_code == 404
    client.force_login(site.p.inspector)  # the project's county may upload too
    page = client.get(reverse("rights:project_imports", args=[site.other.pk])).content.decode()
    assert "r-contractor2" in page


def test_the_list_page_reads_a_fixed_number_of_queries(client, site, django_assert_max_num_queries):
    for i in range(3):
        upload(client, site.p.contractor, site.project, "roster", xlsx(ROSTER, [roster_row(i, f"工人{i}")]))
    with django_assert_max_num_queries(10):
        response = client.get(reverse("rights:project_imports", args=[site.project.pk]))
    assert response.status_code == 200 and response.content.decode().count('data-testid="project-import"') == 3


def test_malformed_files_are_refused_with_a_reason(client, site):
    client.force_login(site.p.contractor)
    url = reverse("rights:project_imports", args=[site.project.pk])
    response = client.post(url, {"kind": "roster", "file": SimpleUploadedFile("花名册.xls", b"\xd0\xcf\x11\xe0old")})
    assert response.status_code == 400 and "另存为 .xlsx" in response.content.decode()
    response = client.post(url, {"kind": "roster", "file": SimpleUploadedFile("花名册.xlsx", b"not a zip at all")})
    assert response.status_code == 400 and "不是有效的 .xlsx 文件" in response.content.decode()
    response = client.post(url, {"kind": "roster", "month": "2026-13", "file": xlsx(ROSTER, [])})
    assert response.status_code == 400 and "月份格式不正确" in response.content.decode()
    client.post(url, {"kind": "roster", "file": SimpleUploadedFile("花名册.csv", "名字,电话\n张三,1\n".encode())})
    job = ProjectImport.objects.latest("pk")
    assert job.status == job.FAILED and "缺少必需的列" in job.message and job.stored_name == ""
    page = client.get(reverse("rights:project_import", args=[site.project.pk, job.pk]))
    assert page.status_code == 200 and "缺少必需的列" in page.content.decode()
    job = upload(client, site.p.contractor, site.project, "roster", xlsx(ROSTER, []))
    assert job.report["phase"] == imports.REJECTED and job.report["empty"]
    assert "没有数据行" in client.get(reverse("rights:project_import", args=[site.project.pk, job.pk])).content.decode()


@pytest.mark.parametrize("kind", ["roster", "attendance", "payroll", "statement"])
def test_templates_import_as_they_are(client, site, kind):
    WageAccount.objects.create(project=site.project, bank="农行", account_masked="****0001", opened_on=dt.date(2026, 1, 10))
    client.force_login(site.p.contractor)
    if kind != "roster":
        response = client.get(reverse("rights:project_import_template", args=["roster"]))
        upload(client, site.p.contractor, site.project, "roster", SimpleUploadedFile("roster.xlsx", response.content))
    response = client.get(reverse("rights:project_import_template", args=[kind]))
    assert response.status_code == 200
    title, headers, _example = imports.template_rows(kind)
    assert [c.value for c in next(openpyxl.load_workbook(io.BytesIO(response.content))[title].iter_rows())] == headers
    from django.utils import timezone

    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    job = upload(client, site.p.contractor, site.project, kind, SimpleUploadedFile("t.xlsx", response.content),
                 last_month if kind in ("attendance", "payroll") else "")
    assert job.report["phase"] == imports.IMPORTED, job.report["errors"]
    assert job.created_count == 1
    assert client.get(reverse("rights:project_import_template", args=["nonsense"])).status_code == 404
