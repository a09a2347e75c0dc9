"""Bank files of a payment batch (layouts in docs/bank-files.md).

Out: the payment file the bank runs, a CSV in GB18030 (what the banks' corporate systems on a
Chinese Windows read), one header row then one row per line. Full account numbers leave the
system here, so only finance exports it and every export is audited (services.batch_mark_exported).

In: the bank's result file (回盘文件), a CSV in GB18030 or UTF-8 with or without BOM. Every row is
checked before anything is written; a row with a problem changes nothing and is reported with its
row number, reference and reason; the good rows are settled one by one (services.line_settle): paid,
or failed with the bank's reason, which puts the grant back in the payable queue for a new batch.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_

from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.benefits import services
from anju.benefits.models import BatchStatus, LineStatus, PaymentBatch, PaymentLine
from anju.lib.errors import AnjuError
from anju.lib.sheets import SheetError, csv_writer, decode_csv

ENCODING = "gb18030"
# The bank's column names: part of the file format agreed with the bank, so never translated.
PAYMENT_HEADER = ("业务参考号", "收款人户名", "收款账号", "开户银行", "金额", "用途")
REFERENCE, ACCOUNT, AMOUNT, RESULT, REASON = "业务参考号", "收款账号", "金额", "处理结果", "失败原因"
RESULT_COLUMNS = (REFERENCE, ACCOUNT, AMOUNT, RESULT, REASON)
PAID, FAILED = "成功", "失败"
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 100_000
PURPOSE_TITLE = 25


class BankFileError(AnjuError):
    """The result file as a whole cannot be used (encoding, columns, size): nothing was read."""

    code = "bad_bank_file"
    status = 400


# Out -------------------------------------------------------------------------------------------
def payment_rows(batch: PaymentBatch) -> Iterable[list[Any]]:
    lines = batch.lines.select_related("grant__application").order_by("id")
    for line in lines.iterator(chunk_size=500):
        # What the payee's statement shows: the measure, and the batch to trace it back.
        purpose = f"{line.grant.application.policy_title[:PURPOSE_TITLE]} {batch.number}"
        yield [line.reference, line.payee_name, line.account, line.bank_name, f"{line.amount:.2f}", purpose]


def payment_file(batch: PaymentBatch) -> tuple[bytes, int]:
    """The batch's payment file and its number of payment rows. Cells go through the formula-safe
    writer: a payee name typed as "=HYPERLINK(...)" reaches the bank as text."""
    buffer = io.StringIO(newline="")
    out = csv_writer(buffer, lineterminator="\r\n")
    out.writerow(PAYMENT_HEADER)
    rows = 0
    for row in payment_rows(batch):
        out.writerow(row)
        rows += 1
    return buffer.getvalue().encode(ENCODING), rows


def payment_filename(batch: PaymentBatch) -> str:
    return f"{batch.number}-bank.csv"


# In --------------------------------------------------------------------------------------------
@dataclass
class ResultRow:
    """One row of a result file, as read and checked."""

    number: int  # the row in the file, the header being row 1
    reference: str
    account: str
    amount_text: str
    result: str
    reason: str
    problems: list[tuple[str, dict]] = field(default_factory=list)
    line: PaymentLine | None = None
    settled: bool = False

    @property
    def paid(self) -> bool:
        return self.result == PAID

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem_texts(self) -> list[str]:
        return [gettext(msgid) % params if params else gettext(msgid) for msgid, params in self.problems]


@dataclass
class ResultReport:
    rows: list[ResultRow]
    filename: str = ""

    @property
    def problems(self) -> list[ResultRow]:
        return [r for r in self.rows if r.problems]

    @property
    def paid(self) -> int:
        return sum(1 for r in self.rows if r.settled and r.paid)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.rows if r.settled and not r.paid)


def _header_name(cell: str) -> str:
    # "金额（元）" and "金额(元)" name the 金额 column; stray spaces and a BOM are ignored.
    return re.sub(r"[（(][^）)]*[）)]", "", str(cell).replace("\ufeff", "")).strip()


def read_result_file(data: bytes) -> list[ResultRow]:
    """The rows of a result file, unchecked; BankFileError when the file itself is unusable."""
    if len(data) > MAX_BYTES:
        raise BankFileError(N_("回盘文件超过 %(mb)s MB，请分成几个文件导入。"), params={"mb": MAX_BYTES // (1024 * 1024)})
    if b"\x00" in data[:4096]:
        raise BankFileError(N_("该文件不是文本格式的 CSV 文件（银行回盘文件应为 CSV）。"), code="not_csv")
    try:
        text = decode_csv(data)
    except SheetError:
        raise BankFileError(N_("无法识别回盘文件的编码，请使用 GB18030（GBK）或 UTF-8 编码的 CSV 文件。"),
                            code="bad_encoding") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        table = []
        for row in reader:
            table.append(row)
            if len(table) > MAX_ROWS + 1:
                raise BankFileError(N_("回盘文件超过 %(n)s 行，请分成几个文件导入。"), params={"n": MAX_ROWS})
    except csv.Error as exc:
        raise BankFileError(N_("回盘文件的 CSV 格式有误：%(detail)s"), params={"detail": str(exc)[:100]}) from None
    # The header is the first row that is not blank.
    start = next((i for i, row in enumerate(table) if any(c.strip() for c in row)), None)
    if start is None:
        raise BankFileError(N_("回盘文件是空的。"), code="empty")
    header = [_header_name(c) for c in table[start]]
    missing = [c for c in RESULT_COLUMNS if c not in header]
    if missing:
        raise BankFileError(N_("回盘文件缺少以下列：%(columns)s（第 %(row)s 行应为表头：%(expected)s）。"),
                            code="missing_columns",
                            params={"columns": "、".join(missing), "row": start + 1, "expected": "、".join(RESULT_COLUMNS)})
    index = {name: header.index(name) for name in RESULT_COLUMNS}
    rows = []
    for number, row in enumerate(table[start + 1:], start=start + 2):
        if not any(c.strip() for c in row):
            continue

        def cell(name: str, row: list[str] = row) -> str:
            i = index[name]
            return row[i].strip() if i < len(row) else ""

        rows.append(ResultRow(number=number, reference=cell(REFERENCE), account="".join(cell(ACCOUNT).split()),
                              amount_text=cell(AMOUNT), result=cell(RESULT), reason=cell(REASON)))
    if not rows:
        raise BankFileError(N_("回盘文件只有表头，没有数据行。"), code="empty")
    return rows


def _amount(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").replace("，", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _existing_lines(references: set[str]) -> dict[str, PaymentLine]:
    found: dict[str, PaymentLine] = {}
    refs = sorted(references)
    for i in range(0, len(refs), 500):  # SQLite's limit of bound parameters
        for line in PaymentLine.objects.filter(reference__in=refs[i:i + 500]).select_related("batch"):
            found[line.reference] = line
    return found


def check_result(batch: PaymentBatch, rows: list[ResultRow]) -> list[ResultRow]:
    """Find every problem of every row (nothing is written): an unknown reference, one of another
    batch, a reference on more than one row, an amount or account that differs from the line, a
    result that is neither 成功 nor 失败, a failure without its reason, a line already settled."""
    seen: dict[str, list[int]] = {}
    for row in rows:
        if row.reference:
            seen.setdefault(row.reference, []).append(row.number)
    lines = _existing_lines(set(seen))
    for row in rows:
        problems = row.problems
        if not row.reference:
            problems.append((N_("缺少业务参考号。"), {}))
        elif len(seen[row.reference]) > 1:
            # Which of the rows is the bank's last word cannot be known: none of them is used.
            problems.append((N_("业务参考号在文件中重复出现（第 %(rows)s 行），这几行都未处理。"),
                             {"rows": "、".join(str(n) for n in seen[row.reference])}))
        line = lines.get(row.reference)
        if row.reference and line is None:
            problems.append((N_("业务参考号 %(reference)s 不存在。"), {"reference": row.reference}))
        elif line is not None and line.batch_id != batch.pk:
            problems.append((N_("业务参考号 %(reference)s 不属于本批次（属于批次 %(batch)s）。"),
                             {"reference": row.reference, "batch": line.batch.number}))
            line = None
        if row.result not in (PAID, FAILED):
            problems.append((N_("处理结果「%(value)s」无法识别，应为「成功」或「失败」。"), {"value": row.result[:20]}))
        elif row.result == FAILED and not row.reason:
            problems.append((N_("处理结果为「失败」时须填写失败原因。"), {}))
        amount = _amount(row.amount_text)
        if amount is None:
            problems.append((N_("金额「%(value)s」不是有效的数字。"), {"value": row.amount_text[:20]}))
        elif line is not None and amount != line.amount:
            problems.append((N_("金额 %(value)s 与拨付金额 %(expected)s 不符。"),
                             {"value": row.amount_text[:20], "expected": f"{line.amount:.2f}"}))
        if line is not None:
            if not row.account:
                problems.append((N_("缺少收款账号。"), {}))
            elif row.account != line.account:
                problems.append((N_("收款账号与拨付明细不符（应为 %(masked)s）。"), {"masked": line.account_masked}))
            if line.status != LineStatus.PENDING:
                problems.append((N_("该笔拨付已处理（%(status)s），本行未作改动。"), {"status": line.get_status_display()}))
        row.line = line
    return rows


@transaction.atomic
def result_import(*, actor, batch: PaymentBatch, data: bytes, filename: str = "") -> ResultReport:
    """Read, check and apply a bank result file to a batch. Rows with a problem change nothing;
    each good row is settled (paid, or failed and back in the payable queue). Audited."""
    if batch.status == BatchStatus.DRAFT:
        raise BankFileError(N_("本批次尚未导出银行文件，不能导入回盘文件。"), code="not_exported", status=409)
    rows = check_result(batch, read_result_file(data))
    for row in rows:
        if not row.ok or row.line is None:
            continue
        try:
            with transaction.atomic():
                services.line_settle(actor=actor, line=row.line, paid=row.paid, reason=row.reason)
        except services.BenefitError:
            # Settled by someone else since the check (the second of two uploads).
            row.problems.append((N_("该笔拨付已处理，本行未作改动。"), {}))
        else:
            row.settled = True
    report = ResultReport(rows=rows, filename=filename[:200])
    audit_record(actor=actor, action=Action.IMPORT, obj=batch, region_code=batch.region_prefix.ljust(12, "0"),
                 detail={"file": report.filename, "rows": len(rows), "paid": report.paid, "failed": report.failed,
                         "problems": len(report.problems)})
    return report
