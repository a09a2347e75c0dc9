"""The tabular import pipeline with a small sheet declared here, as the next services will:
a bank's result file for a payment batch (account, name, amount, status)."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest
from django.utils.translation import gettext_noop as N_

from anju.lib.cells import BAD, parse_code, parse_decimal, text_of
from anju.lib.errors import Problem
from anju.lib.sheets import Limits, SheetTooLarge, XlsxWriter
from anju.workflow import tabular
from anju.workflow.tabular import Column, SheetSpec, TabularError

# -- the declaration (what a service writes) -----------------------------------------------

STATUSES = {"成功": "paid", "失败": "failed", "退回": "returned"}


def clean_result(raw: dict) -> tuple[dict, list[Problem]]:
    data, problems = {}, []
    account = parse_code(raw.get("account"), length=tuple(range(12, 20)))
    if account in (None, BAD):
        problems.append(Problem("account", N_("账号须为 12 至 19 位数字。")))
    data["account"] = account
    data["name"] = text_of(raw.get("name"))
    if not data["name"]:
        problems.append(Problem("name", N_("必填项不能为空。")))
    amount = parse_decimal(raw.get("amount"))
    if amount in (None, BAD) or amount == 0:
        problems.append(Problem("amount", N_("金额须为大于 0 的数字，最多两位小数。")))
    data["amount"] = amount
    data["status"] = STATUSES.get(text_of(raw.get("status")))
    if data["status"] is None:
        problems.append(Problem("status", N_("“%(value)s”不是可选值（可选：%(allowed)s）。"),
                                {"value": text_of(raw.get("status")), "allowed": "/".join(STATUSES)}))
    return data, problems


def one_account_per_name(rows):
    """A cross-row rule: one person is paid to one account only."""
    seen: dict[str, str] = {}
    for number, data in rows:
        if seen.setdefault(data["name"], data["account"]) != data["account"]:
            yield number, Problem("name", N_("同一户名出现了不同的账号。"))


BANK_RESULT = SheetSpec(
    "结果",
    [Column("account", "账号", aliases=("银行账号", "卡号"), required=True),
     Column("name", "户名", aliases=("姓名",), required=True),
     Column("amount", "金额（元）", aliases=("金额", "发放金额"), required=True),
     Column("status", "状态", aliases=("处理结果",), required=True)],
    clean=clean_result, rules=[one_account_per_name], key="account", names=("Sheet1",),
)


class ResultWriter:
    """Stores results by account (a real service writes its own model here)."""

    def __init__(self):
        self.stored: dict[str, dict] = {}

    def classify(self, plan, sheet, rows):
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        for r in rows:
            old = self.stored.get(r.data["account"])
            counts["created" if old is None else "unchanged" if old == r.data else "updated"] += 1
        return counts

    def write(self, plan, sheet, rows):
        for r in rows:
            self.stored[r.data["account"]] = dict(r.data)


# -- the tests ------------------------------------------------------------------------------

HEADER = ["银行账号", "户名", "发放金额", "处理结果"]
GOOD = [["6222020000001234", "张三", "500.00", "成功"], ["6222020000005678", "李四", "320.5", "失败"],
        ["6217000000000001", "王五", "1000", "退回"]]
BAD_ROW = ["12345", "", "-3", "不知道"]


def write_gbk_csv(path, rows):
    path.write_bytes("\r\n".join(",".join(r) for r in [HEADER, *rows]).encode("gbk"))
    return path


def write_xlsx(path, rows):
    writer = XlsxWriter(path)
    writer.sheet("结果", HEADER, [HEADER, *rows])
    writer.close()
    return path


@pytest.mark.django_db
@pytest.mark.parametrize("make", [write_gbk_csv, write_xlsx])
def test_preview_confirm_error_report_and_idempotent_reimport(tmp_path, make):
    path = make(tmp_path / ("results.csv" if make is write_gbk_csv else "results.xlsx"), [*GOOD, BAD_ROW])
    writer = ResultWriter()
    book = tabular.read_book(path, [BANK_RESULT])

    plan = tabular.preview(book, [BANK_RESULT], writer)
    assert not writer.stored  # preview writes nothing
    summary = plan.summary
    assert (summary["created"], summary["rejected"], summary["total_rows"]) == (3, 1, 4)
    assert {(e.row, e.column) for e in plan.errors} == {(5, "银行账号"), (5, "户名"), (5, "发放金额"), (5, "处理结果")}
    assert next(e for e in plan.errors if e.column == "处理结果").reason_en  # both languages kept

    report = tmp_path / "report.xlsx"
    tabular.write_error_report(book, plan.reasons(), report)
    sheet = openpyxl.load_workbook(report).worksheets[0]
    assert [c.value for c in sheet[1]] == [*HEADER, "错误原因"]
    assert sheet.cell(5, 5).value.startswith("银行账号：") and sheet.cell(2, 5).value is None

    done = tabular.commit(book, [BANK_RESULT], writer)
    assert done.summary["created"] == 3 and writer.stored["6222020000005678"]["amount"] == Decimal("320.50")
    again = tabular.commit(tabular.read_book(path, [BANK_RESULT]), [BANK_RESULT], writer)
    assert (again.summary["created"], again.summary["updated"], again.summary["unchanged"]) == (0, 0, 3)


@pytest.mark.django_db
def test_duplicate_keys_and_cross_row_rules_reject_every_row_involved(tmp_path):
    rows = [GOOD[0], GOOD[0], ["6222020000009999", "李四", "1", "成功"], GOOD[1]]
    plan = tabular.preview(tabular.read_book(write_gbk_csv(tmp_path / "d.csv", rows), [BANK_RESULT]),
                           [BANK_RESULT], ResultWriter())
    assert sorted((e.row, e.column) for e in plan.errors) == [(2, "银行账号"), (3, "银行账号"), (5, "户名")]
    assert "第 2、3 行" in plan.errors[0].reason_zh


@pytest.mark.django_db
def test_a_failing_write_commits_nothing(tmp_path):
    from anju.audit.models import AuditEvent

    class Failing(ResultWriter):
        def write(self, plan, sheet, rows):
            AuditEvent.objects.create(action="create", object_type="x", object_id="1")
            raise RuntimeError("bank down")

    with pytest.raises(RuntimeError):
        tabular.commit(tabular.read_book(write_xlsx(tmp_path / "f.xlsx", GOOD), [BANK_RESULT]), [BANK_RESULT],
                       Failing())
    assert not AuditEvent.objects.filter(object_type="x").exists()


def test_missing_columns_wrong_sheets_and_limits(tmp_path):
    path = tmp_path / "cols.csv"
    path.write_bytes("账号,户名\n6222020000001234,张三\n".encode("gbk"))
    with pytest.raises(TabularError) as caught:
        tabular.read_book(path, [BANK_RESULT])
    assert "金额（元）" in str(caught.value) and "状态" in str(caught.value)
    big = write_xlsx(tmp_path / "big.xlsx", GOOD * 10)
    with pytest.raises(SheetTooLarge):
        tabular.read_book(big, [BANK_RESULT], limits=Limits(rows=5, columns=10))
    assert len(tabular.read_book(big, [BANK_RESULT]).recognised["结果"].raw.cells) == 31
