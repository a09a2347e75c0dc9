"""Contractor uploads of a project's real-name roster, monthly attendance, monthly payroll and the
special wage account's bank statement, through the tabular import (docs/construction-workbooks.md).

One sheet per kind, Chinese headers: 花名册, 考勤, 工资表, 专户流水. Every row is checked; all or
nothing: one bad row and nothing is saved, and the report lists every bad row (row number,
column, reason in Chinese and English) with the error report file (the workbook as read, with a
错误原因 column).

    job = import_create(actor=..., project=..., kind=..., month=..., upload=...)
    run_job(job)                           # by anju.rights.tasks.import_project_data

What each kind does with valid rows:
- roster: upsert by the worker's ID number (its keyed hash) on the project: a new worker is
  added, a known one updated in the columns the file has; teams are created by name;
- attendance: upsert by (roster worker, month);
- payroll: one `PayrollSheet` per paying unit and month, its `PayrollLine`s written in bulk
  (COPY on PostgreSQL); uploading a month again replaces that payer's sheet for the month;
- statement: new entries of the special account by bank reference; a reference already stored
  with the same content is unchanged, with other content refused.

Speed (a 100,000-line payroll at over 10,000 rows/s, benchmarks/bench_payroll_import.py): the
project's roster is read once into a dict of ID hash -> roster worker, so no row asks the
database anything; lines go in through `anju.lib.bulk.Inserter`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.lib import crypto
from anju.lib.bulk import Inserter, collector_paused
from anju.lib.cells import (
    BAD,
    is_blank,
    parse_bool,
    parse_code,
    parse_date,
    parse_decimal,
    parse_month,
    text_of,
)
from anju.lib.errors import Problem
from anju.lib.identifiers import (
    IdentifierError,
    mask_id_number,
    mask_mobile,
    normalize_id_number,
    normalize_mobile,
    parse_id_number,
    validate_mobile,
)
from anju.lib.sheets import Limits, RawSheet
from anju.rights.models import (
    AccountEntry,
    Attendance,
    EntryKind,
    PayrollLine,
    PayrollSheet,
    Project,
    ProjectImport,
    RosterEntry,
    Team,
)
from anju.rights.permissions import ProjectPolicy
from anju.rights.services import RightsError
from anju.workflow import tabular, uploads
from anju.workflow.tabular import Column, Plan, Row, Sheet, SheetSpec

Kind = ProjectImport.Kind
UPLOAD_DIR = "rights-imports"
CHUNK = 900  # values per IN (...) lookup, under SQLite's parameter limit
# The job's phases, in report["phase"]: checking the rows, writing, and how it ended.
CHECK, WRITE, IMPORTED, REJECTED = "check", "write", "imported", "rejected"
MONTHLY = (Kind.ATTENDANCE, Kind.PAYROLL)
ITEM = "item:"  # field-name prefix of a payroll sheet's further gross item columns

_REQUIRED = N_("必填项不能为空，请填写。")
_TOO_LONG = N_("不能超过 %(max)s 个字符，请缩短。")
_DATE = N_("日期格式不正确，请写成 YYYY-MM-DD（如 2026-03-01）。")
_FUTURE = N_("日期不能晚于今天（%(today)s），请核对。")
_MONEY = N_("金额须为不小于 0 的数字，最多两位小数（如 5800.00），请去掉其他文字。")
_BAD_ID = N_("公民身份号码不正确（应为 18 位，末位校验码须正确）；请核对，并把该列设为文本格式，以免 Excel 改写长数字。")
_NOT_ON_ROSTER = N_("该身份号码不在本项目的实名制花名册上；请先在花名册中登记该工人并上传，再上传本表。")
_NAME_DIFFERS = N_("姓名“%(name)s”与花名册登记的“%(roster)s”不一致，请核对身份号码或姓名。")
_YES_NO = N_("请填写“是”或“否”。")


# Specifications ------------------------------------------------------------------------------
ROSTER_COLUMNS = [
    Column("name", "姓名", required=True),
    Column("id_number", "公民身份号码", aliases=("身份证号码", "身份证号"), required=True),
    Column("phone", "手机号码", aliases=("联系电话", "手机号")),
    Column("team", "班组", aliases=("班组名称",)),
    Column("trade", "工种"),
    Column("contract_signed", "是否签订劳动合同", aliases=("签订劳动合同", "劳动合同")),
    Column("entered_on", "进场日期", required=True),
    Column("exited_on", "退场日期"),
    Column("bank_account", "工资卡号", aliases=("本人工资卡号", "银行卡号")),
    Column("settled_on", "工资结清确认日期", aliases=("结清确认日期",)),
]
ATTENDANCE_COLUMNS = [
    Column("id_number", "公民身份号码", aliases=("身份证号码", "身份证号"), required=True),
    Column("name", "姓名"),
    Column("days", "出勤天数", required=True),
]
PAYROLL_COLUMNS = [
    Column("payer", "用人单位", aliases=("支付单位",), required=True),
    Column("pay_date", "支付日期", aliases=("发放日期",), required=True),
    Column("name", "姓名"),
    Column("id_number", "公民身份号码", aliases=("身份证号码", "身份证号"), required=True),
    Column("phone", "手机号码", aliases=("联系电话", "手机号")),
    Column("work_days", "出勤天数", aliases=("工作天数",), required=True),
    Column("gross", "应发工资", aliases=("应发工资（元）", "应发合计"), required=True),
    Column("deductions", "代扣代缴", aliases=("代扣代缴（元）", "扣款合计")),
    Column("net", "实发工资", aliases=("实发工资（元）", "实发金额"), required=True),
    Column("bank_reference", "银行支付凭证号", aliases=("支付凭证号", "银行凭证号")),
    Column("signed", "本人签字", aliases=("本人签字确认",)),
]
STATEMENT_COLUMNS = [
    Column("booked_on", "记账日期", aliases=("交易日期",), required=True),
    Column("kind", "交易类型", required=True),
    Column("amount", "金额", aliases=("金额（元）", "交易金额"), required=True),
    Column("payee", "收款人公民身份号码", aliases=("收款人身份证号码", "收款人身份号码")),
    Column("month", "工资所属月份", aliases=("所属月份",)),
    Column("reference", "流水号", aliases=("交易流水号",), required=True),
]
ENTRY_KINDS = {"人工费拨付": EntryKind.ALLOCATION, "人工费用拨付": EntryKind.ALLOCATION, "代发工资": EntryKind.WAGE,
               "工资代发": EntryKind.WAGE, "退回": EntryKind.RETURN, "退款": EntryKind.RETURN,
               "建设单位拨付人工费用": EntryKind.ALLOCATION}
_NO_ITEMS: dict[str, str] = {}  # one shared (never changed) object: the bulk insert converts it once


class PayrollSpec(SheetSpec):
    """The payroll sheet: a column with no known header is a further gross item (加班工资, 奖金,
    津贴 ...), read into the line's `items` instead of being ignored."""

    def recognise(self, raw: RawSheet, warnings: list[str]) -> Sheet:
        own: list[str] = []
        sheet = super().recognise(raw, own)
        if sheet.unknown:
            own.pop()  # the "columns ignored" warning: they are read, as items
            for i, header in enumerate(sheet.headers):
                if sheet.fields[i] is None and header in sheet.unknown:
                    sheet.fields[i] = ITEM + header
            own.append(_("工资表中的“%(columns)s”列作为应发项目读取（不计入校验公式，之和不得超过应发工资）。")
                       % {"columns": "、".join(sheet.unknown)})
            sheet.unknown = []
        warnings.extend(own)
        return sheet


def spec(kind: str, clean: Callable | None = None) -> SheetSpec:
    if kind == Kind.ROSTER:
        return SheetSpec("花名册", ROSTER_COLUMNS, clean=clean, key="id_number", names=("实名制花名册", "Sheet1"))
    if kind == Kind.ATTENDANCE:
        return SheetSpec("考勤", ATTENDANCE_COLUMNS, clean=clean, key="id_number", names=("考勤表", "Sheet1"))
    if kind == Kind.PAYROLL:
        return PayrollSpec("工资表", PAYROLL_COLUMNS, clean=clean, key="id_number", names=("工资支付表", "Sheet1"))
    return SheetSpec("专户流水", STATEMENT_COLUMNS, clean=clean, key="reference", names=("银行流水", "Sheet1"))


def read(kind: str, path: str | Path, filename: str | None = None) -> tabular.Book:
    """The file as the kind's sheet (a CSV is that sheet; a workbook's by its name, else its
    first sheet). Raises SheetError."""
    return tabular.read_book(path, [spec(kind)], filename, limits=Limits.from_settings())


# What the rows are checked against -----------------------------------------------------------
class RosterRef(NamedTuple):
    pk: int
    name: str
    phone_hash: str


@dataclass
class Context:
    actor: Any
    project: Project
    kind: str
    month: dt.date | None = None
    today: dt.date = field(default_factory=timezone.localdate)
    roster: dict[str, RosterRef] = field(default_factory=dict)  # ID hash -> the roster worker
    dates: dict[Any, Any] = field(default_factory=dict)  # cell -> parsed date (pay dates repeat)
    # (cell type, cell) -> parsed amount or days: wages, deductions and days repeat down a sheet.
    # The type is in the key because True == 1 as a key, and a boolean cell is no amount.
    amounts: dict[tuple, Any] = field(default_factory=dict)
    days: dict[tuple, Any] = field(default_factory=dict)
    item_fields: list[str] | None = None  # the payroll sheet's further gross item fields

    @property
    def month_days(self) -> int:
        return calendar.monthrange(self.month.year, self.month.month)[1] if self.month else 31


def context_for(actor, project: Project, kind: str, month: dt.date | None) -> Context:
    ctx = Context(actor=actor, project=project, kind=kind, month=month)
    if kind != Kind.ROSTER:
        rows = RosterEntry.objects.filter(project=project).values_list("id_number_hash", "pk", "name", "phone_hash")
        ctx.roster = {h: RosterRef(pk, name, phone) for h, pk, name, phone in rows.iterator(chunk_size=5000)}
    return ctx


# Cells ---------------------------------------------------------------------------------------
def _text(raw: dict, name: str, data: dict, problems: list[Problem], *, limit: int, required: bool = False) -> str:
    value = text_of(raw.get(name))
    if required and not value:
        problems.append(Problem(name, _REQUIRED))
    elif len(value) > limit:
        problems.append(Problem(name, _TOO_LONG, {"max": limit}))
    data[name] = value
    return value


def _date(ctx: Context, raw: dict, name: str, data: dict, problems: list[Problem], *, required: bool = False):
    cell = raw.get(name)
    try:
        value = ctx.dates[cell]
    except (KeyError, TypeError):
        value = None if is_blank(cell) else (parse_date(cell) or BAD)
        if value is not BAD and value is not None and value > ctx.today:
            value = "future"
        try:
            ctx.dates[cell] = value
        except TypeError:
            pass
    if value is None:
        if required:
            problems.append(Problem(name, _REQUIRED))
    elif value is BAD:
        problems.append(Problem(name, _DATE))
    elif value == "future":
        problems.append(Problem(name, _FUTURE, {"today": ctx.today.isoformat()}))
    else:
        data[name] = value
        return value
    data[name] = None
    return None


def _parsed(memo: dict, cell: Any, **options: Any) -> Any:
    key = (cell.__class__, cell)
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = parse_decimal(cell, **options)
    except TypeError:  # an unhashable cell
        value = parse_decimal(cell, **options)
    return value


def _money(ctx: Context, raw: dict, name: str, data: dict, problems: list[Problem], *,
           required: bool = False) -> Decimal | None:
    value = _parsed(ctx.amounts, raw.get(name))
    if value is None:
        if required:
            problems.append(Problem(name, _REQUIRED))
    elif value is BAD or value >= Decimal("1e10"):
        problems.append(Problem(name, _MONEY))
        value = None
    data[name] = value
    return value


def _id(raw: dict, name: str, data: dict, problems: list[Problem], *, required: bool = True) -> str | None:
    """The ID number, normalised (a 15-digit one upgraded), and its keyed hash in data["id_hash"]."""
    text = text_of(raw.get(name))
    data["id_hash"] = ""
    if not text:
        if required:
            problems.append(Problem(name, _REQUIRED))
        return None
    try:
        number = parse_id_number(text).number
    except IdentifierError:
        problems.append(Problem(name, _BAD_ID))
        return None
    data[name] = number
    data["id_hash"] = crypto.lookup_hash(number, purpose="id")
    return number


def _phone(raw: dict, data: dict, problems: list[Problem]) -> str:
    text = text_of(raw.get("phone"))
    data["phone"] = ""
    if text:
        try:
            data["phone"] = validate_mobile(text)
        except IdentifierError:
            problems.append(Problem("phone", N_("手机号码应为 11 位手机号（如 13800001234）。")))
    return data["phone"]


def _on_roster(ctx: Context, raw: dict, data: dict, problems: list[Problem], name: str = "id_number"):
    """The roster worker of the row's ID number (and, when the row names one, of that name). A
    number whose hash is on the roster is valid (the roster checked it): only one that is not is
    parsed, to tell a wrong number from a worker missing from the roster."""
    number = normalize_id_number(text_of(raw.get(name)))
    id_hash = crypto.lookup_hash(number, purpose="id") if number else ""
    ref = ctx.roster.get(id_hash) if id_hash else None
    if ref is None:
        if _id(raw, name, data, problems) is None:
            return None
        ref = ctx.roster.get(data["id_hash"])  # a 15-digit number, upgraded
        if ref is None:
            problems.append(Problem(name, _NOT_ON_ROSTER))
            return None
    else:
        data[name], data["id_hash"] = number, id_hash
    given = text_of(raw.get("name"))
    if given and given != ref.name:
        problems.append(Problem("name", _NAME_DIFFERS, {"name": given[:20], "roster": ref.name}))
    return ref


def _days(ctx: Context, raw: dict, name: str, data: dict, problems: list[Problem]) -> None:
    value = _parsed(ctx.days, raw.get(name), places=1)
    if value is None:
        problems.append(Problem(name, _REQUIRED))
    elif value is BAD or value > ctx.month_days:
        problems.append(Problem(name, N_("出勤天数应为 0 到 %(max)s 之间的数（%(month)s 共 %(max)s 天），可有一位小数。"),
                                {"max": ctx.month_days, "month": f"{ctx.month:%Y-%m}" if ctx.month else ""}))
    data[name] = value if value is not BAD else None


# Roster --------------------------------------------------------------------------------------
def clean_roster(ctx: Context, raw: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    data: dict[str, Any] = {}
    problems: list[Problem] = []
    _text(raw, "name", data, problems, limit=50, required=True)
    _id(raw, "id_number", data, problems)
    _phone(raw, data, problems)
    _text(raw, "team", data, problems, limit=60)
    _text(raw, "trade", data, problems, limit=40)
    signed = parse_bool(raw.get("contract_signed"))
    if signed is BAD:
        problems.append(Problem("contract_signed", _YES_NO))
    data["contract_signed"] = signed is True
    entered = _date(ctx, raw, "entered_on", data, problems, required=True)
    exited = _date(ctx, raw, "exited_on", data, problems)
    settled = _date(ctx, raw, "settled_on", data, problems)
    if entered and exited and exited < entered:
        problems.append(Problem("exited_on", N_("退场日期不能早于进场日期（%(date)s）。"), {"date": entered.isoformat()}))
    if entered and settled and settled < entered:
        problems.append(Problem("settled_on", N_("工资结清确认日期不能早于进场日期（%(date)s）。"), {"date": entered.isoformat()}))
    card = parse_code(raw.get("bank_account"))
    data["bank_account"] = ""
    if card is BAD or (card and not 8 <= len(card) <= 30):
        problems.append(Problem("bank_account", N_("工资卡号应为 8 到 30 位数字（不含空格以外的符号），请核对。")))
    elif card:
        # Only the last four digits are kept: the card is the worker's own, the bank has the rest.
        data["bank_account"] = "****" + card[-4:]
    return data, problems


# The roster fields a file may set, by the column that sets them.
ROSTER_FIELDS = {"name": ["name"], "phone": ["phone_enc", "phone_hash", "phone_masked"], "team": ["team_id"],
                 "trade": ["trade"], "contract_signed": ["contract_signed"], "entered_on": ["entered_on"],
                 "exited_on": ["exited_on"], "bank_account": ["bank_account_masked"], "settled_on": ["settled_on"]}


class RosterWriter:
    """Upsert by ID hash: new workers inserted, known ones updated in the columns the file has."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.existing: dict[str, RosterEntry] = {}
        self.counts = {"created": 0, "updated": 0, "unchanged": 0}

    def classify(self, plan: Plan, sheet: Sheet, rows: list[Row]) -> dict[str, int]:
        hashes = [r.data["id_hash"] for r in rows]
        for start in range(0, len(hashes), CHUNK):
            for entry in RosterEntry.objects.filter(project=self.ctx.project, id_number_hash__in=hashes[start:start + CHUNK]
                                                    ).select_related("team"):
                self.existing[entry.id_number_hash] = entry
        present = [c for c in ROSTER_FIELDS if c in sheet.fields]
        for r in rows:
            entry = self.existing.get(r.data["id_hash"])
            if entry is None:
                self.counts["created"] += 1
            elif any(self._stored(entry, c) != self._given(r.data, c) for c in present):
                self.counts["updated"] += 1
            else:
                self.counts["unchanged"] += 1
        return dict(self.counts)

    @staticmethod
    def _stored(entry: RosterEntry, column: str) -> Any:
        return {"phone": entry.phone_hash, "team": entry.team.name if entry.team_id else "",
                "bank_account": entry.bank_account_masked}.get(column, getattr(entry, column, None))

    @staticmethod
    def _given(data: dict, column: str) -> Any:
        if column == "phone":
            return crypto.lookup_hash(data["phone"], purpose="phone")
        return data[column]

    def _teams(self, rows: list[Row]) -> dict[str, int]:
        names = {r.data["team"] for r in rows if r.data["team"]}
        teams = dict(Team.objects.filter(project=self.ctx.project, name__in=names).values_list("name", "pk"))
        missing = sorted(names - set(teams))
        for team in Team.objects.bulk_create([Team(project=self.ctx.project, name=n) for n in missing]):
            teams[team.name] = team.pk
        if not all(teams.get(n) for n in missing):  # a backend that does not return keys
            teams = dict(Team.objects.filter(project=self.ctx.project, name__in=names).values_list("name", "pk"))
        return teams

    def write(self, plan: Plan, sheet: Sheet, rows: list[Row]) -> None:
        from anju.registry.models import Worker

        teams = self._teams(rows)
        new = [r.data for r in rows if r.data["id_hash"] not in self.existing]
        workers: dict[str, int] = {}
        hashes = [d["id_hash"] for d in new]
        for start in range(0, len(hashes), CHUNK):
            workers.update(Worker.objects.filter(id_number_hash__in=hashes[start:start + CHUNK])
                           .values_list("id_number_hash", "pk"))
        ids = crypto.encrypt_many([d["id_number"] for d in new])
        phones = crypto.encrypt_many([d["phone"] for d in new])
        inserter = Inserter(RosterEntry, ["project", "team", "worker", "name", "trade", "contract_signed",
                                          "bank_account_masked", "entered_on", "exited_on", "settled_on",
                                          "id_number_enc", "id_number_hash", "id_number_masked",
                                          "phone_enc", "phone_hash", "phone_masked"])
        inserter.insert([
            (self.ctx.project.pk, teams.get(d["team"]), workers.get(d["id_hash"]), d["name"], d["trade"],
             d["contract_signed"], d["bank_account"], d["entered_on"], d["exited_on"], d["settled_on"],
             id_enc, d["id_hash"], mask_id_number(d["id_number"]), phone_enc,
             crypto.lookup_hash(d["phone"], purpose="phone"), mask_mobile(d["phone"]))
            for d, id_enc, phone_enc in zip(new, ids, phones, strict=True)])
        present = [c for c in ROSTER_FIELDS if c in sheet.fields]
        changed = []
        for r in rows:
            entry = self.existing.get(r.data["id_hash"])
            if entry is None or all(self._stored(entry, c) == self._given(r.data, c) for c in present):
                continue
            d = r.data
            entry.name, entry.trade, entry.contract_signed = d["name"], d["trade"], d["contract_signed"]
            entry.team_id, entry.bank_account_masked = teams.get(d["team"]), d["bank_account"]
            entry.entered_on, entry.exited_on, entry.settled_on = d["entered_on"], d["exited_on"], d["settled_on"]
            entry.phone_enc = crypto.encrypt(d["phone"]) if d["phone"] else ""
            entry.phone_hash, entry.phone_masked = crypto.lookup_hash(d["phone"], purpose="phone"), mask_mobile(d["phone"])
            changed.append(entry)
        if changed:
            RosterEntry.objects.bulk_update(changed, [f for c in present for f in ROSTER_FIELDS[c]], batch_size=500)


# Attendance ----------------------------------------------------------------------------------
def clean_attendance(ctx: Context, raw: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    data: dict[str, Any] = {}
    problems: list[Problem] = []
    ref = _on_roster(ctx, raw, data, problems)
    data["roster_id"] = ref.pk if ref else None
    _days(ctx, raw, "days", data, problems)
    return data, problems


class AttendanceWriter:
    """Upsert by (roster worker, month)."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.existing: dict[int, tuple[int, Decimal]] = {}

    def classify(self, plan: Plan, sheet: Sheet, rows: list[Row]) -> dict[str, int]:
        self.existing = {roster: (pk, days) for pk, roster, days in Attendance.objects.filter(
            project=self.ctx.project, month=self.ctx.month).values_list("pk", "roster_id", "days")}
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        for r in rows:
            stored = self.existing.get(r.data["roster_id"])
            counts["created" if stored is None else "unchanged" if stored[1] == r.data["days"] else "updated"] += 1
        return counts

    def write(self, plan: Plan, sheet: Sheet, rows: list[Row]) -> None:
        project, month = self.ctx.project.pk, self.ctx.month
        new = [(project, r.data["roster_id"], month, r.data["days"]) for r in rows if r.data["roster_id"] not in self.existing]
        Inserter(Attendance, ["project", "roster", "month", "days"]).insert(new)
        changed = [Attendance(pk=self.existing[r.data["roster_id"]][0], days=r.data["days"]) for r in rows
                   if r.data["roster_id"] in self.existing and self.existing[r.data["roster_id"]][1] != r.data["days"]]
        Attendance.objects.bulk_update(changed, ["days"], batch_size=500)


# Payroll -------------------------------------------------------------------------------------
def clean_payroll(ctx: Context, raw: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    data: dict[str, Any] = {}
    problems: list[Problem] = []
    _text(raw, "payer", data, problems, limit=120, required=True)
    paid = _date(ctx, raw, "pay_date", data, problems, required=True)
    if paid and ctx.month and paid < ctx.month:
        problems.append(Problem("pay_date", N_("支付日期不能早于工资所属月份（%(month)s）的第一天。"),
                                {"month": f"{ctx.month:%Y-%m}"}))
    ref = _on_roster(ctx, raw, data, problems)
    data["roster_id"] = ref.pk if ref else None
    phone = normalize_mobile(text_of(raw.get("phone")))
    # The number the roster holds is valid: only a number that differs from it is checked.
    if phone and (ref is None or not ref.phone_hash or crypto.lookup_hash(phone, purpose="phone") != ref.phone_hash):
        if _phone(raw, data, problems) and ref is not None and ref.phone_hash:
            problems.append(Problem("phone", N_("手机号码与花名册登记的不一致，请核对（或先更新花名册）。")))
    _days(ctx, raw, "work_days", data, problems)
    gross = _money(ctx, raw, "gross", data, problems, required=True)
    deductions = _money(ctx, raw, "deductions", data, problems)
    net = _money(ctx, raw, "net", data, problems, required=True)
    deductions = data["deductions"] = deductions or Decimal("0.00")
    if gross is not None and net is not None and gross - deductions != net:
        problems.append(Problem("net", N_("实发工资应等于应发工资减代扣代缴：%(gross)s − %(deductions)s = %(expected)s，"
                                          "表中为 %(net)s；请核对这三列。"),
                                {"gross": gross, "deductions": deductions, "expected": gross - deductions, "net": net}))
    items = {}
    if ctx.item_fields is None:  # every row has the same fields
        ctx.item_fields = [name for name in raw if name.startswith(ITEM)]
    for name in ctx.item_fields:
        cell = raw[name]
        if not is_blank(cell):
            value = parse_decimal(cell)
            if value is BAD:
                problems.append(Problem(name, _MONEY))
            else:
                items[name[len(ITEM):]] = str(value)
    if items and gross is not None and sum(Decimal(v) for v in items.values()) > gross:
        problems.append(Problem("gross", N_("各应发项目之和（%(sum)s）超过了应发工资，请核对。"),
                                {"sum": sum(Decimal(v) for v in items.values())}))
    data["items"] = items or _NO_ITEMS
    _text(raw, "bank_reference", data, problems, limit=60)
    signed = parse_bool(raw.get("signed"))
    if signed is BAD:
        problems.append(Problem("signed", _YES_NO))
    data["signed"] = signed is True
    if not data["bank_reference"] and signed is not True and signed is not BAD:
        # Art. 15: each payment is proved by the bank's voucher or the worker's signature.
        problems.append(Problem("bank_reference", N_("银行支付凭证号与本人签字至少要有一项：请填写凭证号，或在“本人签字”填“是”。")))
    return data, problems


class PayrollWriter:
    """One sheet per payer and month; a payer's sheet already stored for the month is replaced."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.replaced: dict[str, int] = {}  # payer -> lines of the sheet replaced
        self.sheets: dict[str, int] = {}

    def classify(self, plan: Plan, sheet: Sheet, rows: list[Row]) -> dict[str, int]:
        from django.db.models import Count

        payers = sorted({r.data["payer"] for r in rows})
        self.replaced = dict(PayrollSheet.objects.filter(project=self.ctx.project, month=self.ctx.month,
                                                         payer_name__in=payers)
                             .annotate(n=Count("lines")).values_list("payer_name", "n"))
        return {"created": len(rows), "updated": 0, "unchanged": 0}

    def write(self, plan: Plan, sheet: Sheet, rows: list[Row]) -> None:
        project, month = self.ctx.project, self.ctx.month
        by_payer: dict[str, list[dict]] = {}
        for r in rows:
            by_payer.setdefault(r.data["payer"], []).append(r.data)
        PayrollSheet.objects.filter(project=project, month=month, payer_name__in=list(by_payer)).delete()
        for payer, lines in by_payer.items():
            # The sheet's pay date is the last payment's; each line keeps its own.
            sheet_row = PayrollSheet.objects.create(project=project, month=month, payer_name=payer,
                                                    pay_date=max(d["pay_date"] for d in lines),
                                                    uploaded_by=self.ctx.actor)
            self.sheets[payer] = sheet_row.pk
        inserter = Inserter(PayrollLine, ["sheet", "project", "month", "roster", "work_days", "gross", "items",
                                          "deductions", "net", "bank_reference", "signed", "paid_on"])
        sheets, pk = self.sheets, project.pk
        inserter.insert([(sheets[d["payer"]], pk, month, d["roster_id"], d["work_days"], d["gross"], d["items"],
                          d["deductions"], d["net"], d["bank_reference"], d["signed"], d["pay_date"]) for d in
                         (r.data for r in rows)])


# Bank statement ------------------------------------------------------------------------------
def clean_statement(ctx: Context, raw: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    data: dict[str, Any] = {}
    problems: list[Problem] = []
    booked = _date(ctx, raw, "booked_on", data, problems, required=True)
    account = ctx.project.wage_account
    if booked and booked < account.opened_on:
        problems.append(Problem("booked_on", N_("记账日期早于专户开户日期（%(date)s），请核对是否为本项目专户的流水。"),
                                {"date": account.opened_on.isoformat()}))
    kind_text = text_of(raw.get("kind")).replace(" ", "")
    kind = ENTRY_KINDS.get(kind_text)
    if kind is None:
        problems.append(Problem("kind", N_("交易类型应为“人工费拨付”“代发工资”或“退回”，不是“%(value)s”。"),
                                {"value": kind_text[:20]}) if kind_text else Problem("kind", _REQUIRED))
    data["kind"] = kind
    amount = _money(ctx, raw, "amount", data, problems, required=True)
    if amount is not None and amount <= 0:
        problems.append(Problem("amount", N_("金额须大于 0（支出和收入都填正数，由交易类型区分）。")))
    _text(raw, "reference", data, problems, limit=60, required=True)
    month_cell = raw.get("month")
    data["month"] = None
    if not is_blank(month_cell):
        month = parse_month(month_cell)
        if month is None:
            problems.append(Problem("month", N_("工资所属月份格式不正确，请写成 YYYY-MM（如 2026-03）。")))
        elif booked and month > booked:
            problems.append(Problem("month", N_("工资所属月份晚于记账日期，请核对。")))
        data["month"] = month
    payee = _id(raw, "payee", data, problems, required=kind == EntryKind.WAGE)
    data["roster_id"] = None
    if kind == EntryKind.WAGE:
        if data["month"] is None and is_blank(month_cell):
            problems.append(Problem("month", N_("代发工资须填写工资所属月份。")))
        if payee and data["id_hash"] not in ctx.roster:
            # Money leaves the special account only for the project's own workers' accounts.
            problems.append(Problem("payee", N_("收款人不在本项目的实名制花名册上：专户只能向本项目农民工本人账户代发工资。")))
    elif kind == EntryKind.ALLOCATION and payee:
        problems.append(Problem("payee", N_("人工费拨付是建设单位拨入专户的款项，不应填写收款人身份号码。")))
    if payee and data["id_hash"] in ctx.roster:
        data["roster_id"] = ctx.roster[data["id_hash"]].pk
    return data, problems


class StatementWriter:
    """New entries by reference; a stored reference with the same content is unchanged, with other
    content refused (a bank reference names one transaction)."""

    FIELDS = ("kind", "booked_on", "amount", "roster_id", "month")

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.stored: set[str] = set()

    def classify(self, plan: Plan, sheet: Sheet, rows: list[Row]) -> dict[str, int]:
        account = self.ctx.project.wage_account
        refs = [r.data["reference"] for r in rows]
        stored = {}
        for start in range(0, len(refs), CHUNK):
            for values in AccountEntry.objects.filter(account=account, reference__in=refs[start:start + CHUNK]).values_list(
                    "reference", *self.FIELDS):
                stored[values[0]] = values[1:]
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        for r in rows:
            old = stored.get(r.data["reference"])
            if old is None:
                counts["created"] += 1
            elif old == tuple(r.data[f] for f in self.FIELDS):
                counts["unchanged"] += 1
                self.stored.add(r.data["reference"])
            else:
                plan.reject(sheet, r.row, Problem("reference", N_("流水号“%(reference)s”已上传过，但内容（日期、类型、金额或收款人）"
                                                                  "不同；同一流水号只能对应一笔交易，请核对。"),
                                                  {"reference": r.data["reference"]}))
        return counts

    def write(self, plan: Plan, sheet: Sheet, rows: list[Row]) -> None:
        account, project = self.ctx.project.wage_account, self.ctx.project
        Inserter(AccountEntry, ["account", "project", "kind", "booked_on", "amount", "roster", "month", "reference"]).insert(
            [(account.pk, project.pk, d["kind"], d["booked_on"], d["amount"], d["roster_id"], d["month"], d["reference"])
             for d in (r.data for r in rows) if d["reference"] not in self.stored])


CLEANERS = {Kind.ROSTER: clean_roster, Kind.ATTENDANCE: clean_attendance, Kind.PAYROLL: clean_payroll,
            Kind.STATEMENT: clean_statement}
WRITERS = {Kind.ROSTER: RosterWriter, Kind.ATTENDANCE: AttendanceWriter, Kind.PAYROLL: PayrollWriter,
           Kind.STATEMENT: StatementWriter}


# The import ----------------------------------------------------------------------------------
def check_import(user, project: Project, kind: str, month: dt.date | None) -> None:
    """Who may upload what: ProjectPolicy "upload" on the project (a contractor user only on its
    own projects); a month for attendance and payroll, not after this month; a bank statement
    only once the project's special account is on record."""
    if not ProjectPolicy.can_on(user, "upload", project):
        raise RightsError(N_("您不能向该项目上传数据。"), code="forbidden", status=403)
    if kind not in Kind.values:
        raise RightsError(N_("请选择上传的数据类型。"), "kind")
    if kind in MONTHLY:
        if month is None:
            raise RightsError(N_("考勤表和工资表须选择所属月份。"), "month")
        if month > timezone.localdate().replace(day=1):
            raise RightsError(N_("所属月份不能晚于本月。"), "month")
    if kind == Kind.STATEMENT and not hasattr(project, "wage_account"):
        raise RightsError(N_("本项目尚未登记农民工工资专用账户，请先由主管部门登记专户，再上传专户流水。"), "kind",
                          code="no_wage_account")


@transaction.atomic
def import_create(*, actor, project: Project, kind: str, month: dt.date | None, upload) -> ProjectImport:
    """Store an upload (checked by `workflow.forms.checked_upload`) and queue its job."""
    month = month.replace(day=1) if month and kind in MONTHLY else None
    check_import(actor, project, kind, month)
    from django.core.files.storage import default_storage

    suffix = Path(upload.name).suffix.lower()
    now = timezone.localtime()
    stored = default_storage.save(f"{UPLOAD_DIR}/{now:%Y/%m}/{secrets.token_hex(12)}{suffix}", upload)
    job = ProjectImport.objects.create(created_by=actor, project=project, kind=kind, month=month,
                                       filename=Path(upload.name).name[-200:], stored_name=stored,
                                       report={"phase": CHECK})
    audit_record(actor=actor, action=Action.CREATE, obj=job, object_type="projectimport", region_code=project.region_id,
                 detail={"project": project.pk, "kind": kind, "month": month.isoformat() if month else None,
                         "filename": job.filename})
    return job


@dataclass
class Outcome:
    plan: Plan
    writer: Any

    @property
    def ok(self) -> bool:
        return not self.plan.errors and bool(self.plan.total_rows)


def import_run(book: tabular.Book, ctx: Context, *, job: ProjectImport | None = None,
               progress: Callable[[int, int], None] | None = None, on_write: Callable[[], None] | None = None) -> Outcome:
    """Check every row; when all pass, write them all in one transaction (else nothing)."""
    kind = ctx.kind
    clean = CLEANERS[kind]
    sheet_spec = spec(kind, lambda raw: clean(ctx, raw))
    writer = WRITERS[kind](ctx)
    with collector_paused():
        plan = tabular.preview(book, [sheet_spec], writer, progress=progress)
        if plan.errors or not plan.rows.get(sheet_spec.title):
            return Outcome(plan, writer)
        if on_write:
            on_write()
        with transaction.atomic():
            # Uploads to one project are written one at a time.
            Project.objects.select_for_update().filter(pk=ctx.project.pk).first()
            writer.write(plan, book.recognised[sheet_spec.title], plan.rows[sheet_spec.title])
            summary = plan.summary
            audit_record(actor=ctx.actor, action=Action.IMPORT, obj=job or ctx.project,
                         object_type="projectimport" if job else "", region_code=ctx.project.region_id,
                         detail={"project": ctx.project.pk, "kind": kind, "filename": book.filename,
                                 "month": ctx.month.isoformat() if ctx.month else None,
                                 "created": summary["created"], "updated": summary["updated"],
                                 "unchanged": summary["unchanged"],
                                 "replaced": getattr(writer, "replaced", None) or None})
    return Outcome(plan, writer)


# The job (run by anju.rights.tasks) ----------------------------------------------------------
def job_phase(job: ProjectImport) -> str:
    return uploads.phase(job, CHECK)


def run_job(job: ProjectImport) -> None:
    from anju.workflow.jobs import Job

    job.start(total=0)
    job._update(report={"phase": CHECK})
    check_import(job.created_by, job.project, job.kind, job.month)
    book = read(job.kind, uploads.path_of(job), job.filename)
    ctx = context_for(job.created_by, job.project, job.kind, job.month)

    def progress(done: int, total: int) -> None:
        Job.report(job, done, total)  # `report` is also the job's result field: the method through Job

    def writing() -> None:
        job._move(report={"phase": WRITE})
        Job.report(job, 0, message="writing")

    outcome = import_run(book, ctx, job=job, progress=progress, on_write=writing)
    plan = outcome.plan
    summary = plan.summary
    report = {"phase": IMPORTED if outcome.ok else REJECTED, "errors": tabular.stored_errors(plan.errors),
              "warnings": book.warnings, "error_report": uploads.error_report(job, plan) if plan.errors else "",
              "counts": {k: summary[k] for k in ("created", "updated", "unchanged")},
              "replaced": getattr(outcome.writer, "replaced", {}) if outcome.ok else {},
              "empty": not plan.total_rows}
    job.finish(status=job.DONE, report=report, row_count=plan.total_rows,
               created_count=summary["created"] + summary["updated"] if outcome.ok else 0,
               error_count=len({e.row for e in plan.errors}), total_count=plan.total_rows, done_count=plan.total_rows)
    uploads.delete_upload(job)


# Templates -----------------------------------------------------------------------------------
def template_rows(kind: str) -> tuple[str, list[str], list[Any]]:
    """The kind's sheet name, header and an example row (dates relative to today)."""
    today = timezone.localdate()
    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    example_id = "350581198005010016"
    if kind == Kind.ROSTER:
        row = ["张三", example_id, "13800001234", "钢筋班", "钢筋工", "是", month.isoformat(), "", "6222020200001234", ""]
        return "花名册", [c.header for c in ROSTER_COLUMNS], row
    if kind == Kind.ATTENDANCE:
        return "考勤", [c.header for c in ATTENDANCE_COLUMNS], [example_id, "张三", 26]
    if kind == Kind.PAYROLL:
        headers = [c.header for c in PAYROLL_COLUMNS]
        headers.insert(headers.index("应发工资"), "加班工资")
        row = ["石狮建工劳务有限公司", today.replace(day=1).isoformat(), "张三", example_id, "13800001234", 26, "600.00",
               "7800.00", "0.00", "7800.00", "ZF202603150001", "是"]
        return "工资表", headers, row
    return "专户流水", [c.header for c in STATEMENT_COLUMNS], [
        today.replace(day=1).isoformat(), "代发工资", "7800.00", example_id, f"{month:%Y-%m}", "LS202603150001"]
