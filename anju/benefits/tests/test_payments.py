"""Bank files on real bytes: the payment file out in GB18030, the bank's result file back in
GB18030 or UTF-8, and every kind of bad row reported and changing nothing for that row."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from anju.audit.models import AuditEvent
from anju.benefits import payments, services
from anju.benefits.models import Fund, GrantStatus, LineStatus, PaymentBatch
from anju.benefits.payments import BankFileError
from anju.benefits.tests.test_views_money import (  # noqa: F401
    ACCOUNT,
    approve,
    make_batch,
    make_ready,
    people,
)

pytestmark = pytest.mark.django_db

HEADER = "业务参考号,收款账号,金额,处理结果,失败原因"


def exported(people, count: int = 1, **kw) -> PaymentBatch:  # noqa: F811
    batch = make_batch(people, count, **kw)
    data, rows = payments.payment_file(batch)
    services.batch_mark_exported(actor=people.finance, batch=batch, rows=rows)
    batch.refresh_from_db()
    return batch


def result(*rows: str, header: str = HEADER, encoding: str = "gb18030", bom: bool = False) -> bytes:
    text = "\r\n".join([header, *rows]) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def settle(people, batch, data: bytes):  # noqa: F811
    return payments.result_import(actor=people.finance, batch=batch, data=data, filename="回盘.csv")


def problems_of(report) -> dict[int, str]:
    return {row.number: " ".join(row.problem_texts()) for row in report.problems}


def test_round_trip_in_gb18030(people):  # noqa: F811
    batch = make_batch(people, 2, amount="2400")
    # A payee name a spreadsheet would run reaches the bank as text.
    line = batch.lines.order_by("id").first()
    line.payee_name = "=HYPERLINK(\"x\")"
    line.save(update_fields=["payee_name"])
    data, rows = payments.payment_file(batch)
    assert rows == 2
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really GB18030, not UTF-8
    table = list(csv.reader(io.StringIO(data.decode("gb18030"), newline="")))
    assert table[0] == ["业务参考号", "收款人户名", "收款账号", "开户银行", "金额", "用途"]
    assert len(table) == 3
    first, second = table[1], table[2]
    assert first[0] == line.reference and first[1] == "'=HYPERLINK(\"x\")"
    assert first[2] == ACCOUNT and first[3] == "农业银行" and first[4] == "2400.00"
    assert first[5].endswith(batch.number) and first[5].startswith(line.grant.application.policy_title[:10])
    assert second[1] in ("李0", "李1")
    services.batch_mark_exported(actor=people.finance, batch=batch, rows=rows)
    batch.refresh_from_db()
    # The bank answers with the same references, accounts and amounts.
    answer = result(f"{first[0]},{first[2]},{first[4]},成功,", f"{second[0]},{second[2]},{second[4]},失败,户名与账号不符")
    report = settle(people, batch, answer)
    assert report.paid == 1 and report.failed == 1 and not report.problems
    lines = {ln.reference: ln for ln in batch.lines.select_related("grant")}
    assert lines[first[0]].status == LineStatus.PAID and lines[first[0]].grant.status == GrantStatus.PAID
    failed = lines[second[0]]
    assert failed.status == LineStatus.FAILED and failed.failure_reason == "户名与账号不符"
    # The failed grant is back in the payable queue and goes into the next batch.
    assert failed.grant.status == GrantStatus.READY
    fund_row = Fund.objects.get(code="shishi-special")
    assert fund_row.paid == Decimal("2400.00") and fund_row.committed == Decimal("2400.00")
    batch.refresh_from_db()
    assert batch.status == "closed"
    assert list(services.payable(fund_row)) == [failed.grant]
    again = services.batch_create(actor=people.finance, fund=fund_row)
    assert again.lines.get().grant_id == failed.grant_id and again.lines.get().reference != failed.reference
    event = AuditEvent.objects.get(action="import", object_type="paymentbatch")
    assert event.detail["paid"] == 1 and event.detail["failed"] == 1 and event.detail["file"] == "回盘.csv"


@pytest.mark.parametrize("encoding,bom", [("utf-8", True), ("utf-8", False), ("gb18030", False)])
def test_result_encodings(people, encoding, bom):  # noqa: F811
    batch = exported(people)
    line = batch.lines.get()
    report = settle(people, batch, result(f"{line.reference},{ACCOUNT},2400,成功,", encoding=encoding, bom=bom))
    assert report.paid == 1


def test_header_variants_and_column_order(people):  # noqa: F811
    batch = exported(people)
    line = batch.lines.get()
    data = result(f'成功,"2,400.00",{ACCOUNT[:4]} {ACCOUNT[4:]},,{line.reference}',
                  header="处理结果,金额（元）,收款账号,失败原因,业务参考号")
    report = settle(people, batch, data)
    assert report.paid == 1, problems_of(report)


def test_every_bad_row_is_reported_and_changes_nothing(people):  # noqa: F811
    other = exported(people)  # a batch of its own
    other_line = other.lines.get()
    batch = exported(people, 8)
    lines = list(batch.lines.order_by("id"))
    good, settled_line = lines[0], lines[7]
    services.line_settle(actor=people.finance, line=settled_line, paid=True)
    wrong_account = "6222020200112233446"
    data = result(
        f"{good.reference},{ACCOUNT},2400.00,成功,",                     # 2: fine
        f"AJ999999999999,{ACCOUNT},2400.00,成功,",                       # 3: unknown reference
        f"{other_line.reference},{ACCOUNT},2400.00,成功,",               # 4: another batch
        f"{lines[1].reference},{ACCOUNT},2400.00,成功,",                 # 5: duplicate ...
        f"{lines[1].reference},{ACCOUNT},2400.00,失败,账户冻结",          # 6: ... of 5
        f"{lines[2].reference},{ACCOUNT},2400.10,成功,",                 # 7: amount differs
        f"{lines[3].reference},{wrong_account},2400.00,成功,",           # 8: account differs
        f"{lines[4].reference},{ACCOUNT},2400.00,已受理,",               # 9: unknown result
        f"{settled_line.reference},{ACCOUNT},2400.00,成功,",             # 10: already settled
        f",{ACCOUNT},2400.00,成功,",                                     # 11: no reference
        f"{lines[5].reference},{ACCOUNT},2400.00,失败,",                 # 12: failed without a reason
        f"{lines[6].reference},{ACCOUNT},两千四,成功,",                   # 13: not a number
        "",                                                              # blank: skipped
        f"{lines[6].reference[:-1]}",                                    # 15: short row
    )
    report = settle(people, batch, data)
    found = problems_of(report)
    assert report.paid == 1 and report.failed == 0
    assert sorted(found) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15]
    assert "AJ999999999999 不存在" in found[3]
    assert f"不属于本批次（属于批次 {other.number}）" in found[4]
    assert "重复出现（第 5、6 行）" in found[5] and "重复出现（第 5、6 行）" in found[6]
    assert "与拨付金额 2400.00 不符" in found[7]
    assert "收款账号与拨付明细不符（应为 6222***********3445）" in found[8]
    assert "处理结果「已受理」无法识别" in found[9]
    assert "该笔拨付已处理（已到账）" in found[10]
    assert "缺少业务参考号" in found[11]
    assert "须填写失败原因" in found[12]
    assert "不是有效的数字" in found[13]
    refs = {row.number: row.reference for row in report.rows}
    assert refs[3] == "AJ999999999999"
    # Nothing changed for any of those rows.
    for line in lines[1:7]:
        line.refresh_from_db()
        assert line.status == LineStatus.PENDING and line.grant.status == GrantStatus.IN_BATCH
    other_line.refresh_from_db()
    assert other_line.status == LineStatus.PENDING
    good.refresh_from_db()
    assert good.status == LineStatus.PAID
    fund_row = Fund.objects.get(code="shishi-special")
    assert fund_row.paid == Decimal("4800.00")  # the good row and the one settled before


@pytest.mark.parametrize("data,message", [
    (b"", "回盘文件是空的"),
    (b"\r\n\r\n", "回盘文件是空的"),
    (HEADER.encode("gb18030") + b"\r\n", "只有表头"),
    ("业务参考号,金额,处理结果\r\nAJ1,1,成功\r\n".encode("gb18030"), "缺少以下列：收款账号、失败原因"),
    (b"\xff\xfe\xfa\xfb\x81", "无法识别回盘文件的编码"),
    (b"PK\x03\x04\x00\x00binary", "不是文本格式的 CSV"),
])
def test_unusable_files_change_nothing(people, data, message):  # noqa: F811
    batch = exported(people)
    with pytest.raises(BankFileError) as refused:
        settle(people, batch, data)
    assert message in refused.value.text()
    assert batch.lines.get().status == LineStatus.PENDING
    assert not AuditEvent.objects.filter(action="import").exists()


def test_file_size_and_draft_batch_refused(people, monkeypatch):  # noqa: F811
    batch = make_batch(people)
    line = batch.lines.get()
    data = result(f"{line.reference},{ACCOUNT},2400.00,成功,")
    with pytest.raises(BankFileError) as draft:
        settle(people, batch, data)
    assert draft.value.code == "not_exported"
    services.batch_mark_exported(actor=people.finance, batch=batch, rows=1)
    batch.refresh_from_db()
    monkeypatch.setattr(payments, "MAX_BYTES", 10)
    with pytest.raises(BankFileError):
        settle(people, batch, data)
    assert batch.lines.get().status == LineStatus.PENDING


def test_quoted_cells_and_english_interface(people, settings):  # noqa: F811
    """A reason with a comma, quoted by the bank; problems read in English under English."""
    from django.utils import translation

    batch = exported(people, 2)
    first, second = batch.lines.order_by("id")
    data = result(f'{first.reference},{ACCOUNT},2400.00,失败,"账户已销户，请核实, 重新提供"',
                  f"{second.reference},{ACCOUNT},1.00,成功,")
    report = settle(people, batch, data)
    first.refresh_from_db()
    assert first.failure_reason == "账户已销户，请核实, 重新提供"
    with translation.override("en"):
        texts = report.problems[0].problem_texts()
    assert texts and all(isinstance(t, str) for t in texts)
