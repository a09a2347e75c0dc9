"""Validation of one ledger record, shared by the workbook import, the web forms and the API.

Input values may be what a spreadsheet cell holds (Chinese labels, 是/否, numbers read as floats,
dates) or what the API sends (codes, booleans, ISO dates). Output is model-ready values.
Each problem carries its message untranslated so that it can be rendered in Chinese and English
(the import error report carries both).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_noop as N_

from anju.lib import identifiers
from anju.lib.cells import is_blank, parse_bool, parse_date, parse_month, parse_whole, text_of
from anju.lib.dates import today as local_today
from anju.lib.errors import Problem
from anju.lib.money import MoneyError, parse_yuan
from anju.lib.text import BAD_TEXT, CONTROL, bad_text
from anju.regions.codes import normalize_code
from anju.regions.selectors import region_exists
from anju.registry.choices import (
    CertificateKind,
    DifficultyType,
    Education,
    EmploymentStatus,
    Gender,
    Relation,
    mask_of,
)

# Field order and labels of the workbook (docs/ledger-workbook.md).
WORKER_COLUMNS: list[tuple[str, str]] = [
    ("name", "姓名"),
    ("id_number", "公民身份号码"),
    ("gender", "性别"),
    ("birth_date", "出生日期"),
    ("phone", "手机号码"),
    ("hukou_region", "户籍地区划代码"),
    ("residence_region", "现居住地区划代码"),
    ("education", "文化程度"),
    ("employment_status", "就业状态"),
    ("unemployment_registered_on", "失业登记日期"),
    ("difficulty_types", "困难类型"),
    ("pension_insured", "养老保险"),
    ("medical_insured", "医疗保险"),
    ("unemployment_insured", "失业保险"),
    ("injury_insured", "工伤保险"),
    ("ui_contribution_months", "失业保险缴费月数"),
    ("last_income_month", "最近有收入月份"),
    ("monthly_income", "月收入（元）"),
    ("skills", "技能特长"),
    ("desired_occupation", "求职意向工种"),
    ("desired_region", "期望工作地区划代码"),
    ("expected_salary", "期望月薪（元）"),
    ("training_willing", "培训意愿"),
    ("household_no", "户编号"),
    ("relation_to_head", "与户主关系"),
    ("notes", "备注"),
]
CERTIFICATE_COLUMNS: list[tuple[str, str]] = [
    ("id_number", "公民身份号码"),
    ("kind", "证书类型"),
    ("occupation", "职业（工种）"),
    ("grade", "等级"),
    ("shortage", "紧缺工种"),
    ("issued_on", "发证日期"),
    ("certificate_no", "证书编号"),
]

# Model fields a worker row sets (besides the encrypted identifiers), in a stable order.
WORKER_MODEL_FIELDS = [
    "name", "gender", "birth_date", "hukou_region_id", "residence_region_id", "education",
    "employment_status", "unemployment_registered_on", "difficulty_mask", "pension_insured",
    "medical_insured", "unemployment_insured", "injury_insured", "ui_contribution_months",
    "last_income_month", "monthly_income", "skills", "desired_occupation", "desired_region_id",
    "expected_salary", "training_willing", "relation_to_head", "notes",
]

_SPLIT = re.compile(r"[、,，;；/\n]+")

# Data sanity bounds, not policy: a date outside them is a slip (a cell read as 0001-01-01, a
# two-digit year, a future date typed for a past one), never a fact anyone needs to record.
# Nobody in the ledger was born before 1900 (as `lib.identifiers.parse_id_number` checks of the
# ID number), and its registrations, verifications, visits and incomes all postdate 1990.
EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)
EARLIEST_RECORD_DATE = dt.date(1990, 1, 1)
TOO_EARLY = N_("日期不能早于 %(earliest)s。")
BIRTH_OUT_OF_RANGE = N_("出生日期不能早于 %(earliest)s，也不能晚于今天。")

# Text no ledger field may hold: the one check in anju.lib.text. Multi-line fields may hold line
# breaks and tabs.
MULTILINE_FIELDS = frozenset({"notes", "findings", "difficulty_types"})
BAD_REGION_FILTER = N_("地区筛选无效：区划代码应为 2、4、6、9 或 12 位数字。")


def text_problems(raw: dict[str, Any]) -> list[Problem]:
    """One problem (BAD_TEXT) per field of `raw` whose text cannot be stored."""
    values = raw.values()
    if not any(isinstance(v, (list, tuple)) for v in values) and not CONTROL.search("".join(v for v in values if isinstance(v, str))):
        return []  # the common case, in one search (an import cleans every row through here)
    return [Problem(key, BAD_TEXT) for key, value in raw.items() if bad_text(value, multiline=key in MULTILINE_FIELDS)]


def date_problem(value: dt.date, *, today: dt.date, earliest: dt.date = EARLIEST_RECORD_DATE,
                 future_msgid: str = N_("日期不能晚于今天。")) -> Problem | None:
    """The problem of a record date outside [earliest, today] (field left for the caller), or None."""
    if value < earliest:
        return Problem("", TOO_EARLY, {"earliest": earliest.isoformat()})
    if value > today:
        return Problem("", future_msgid)
    return None


def _choice_lookup(choices) -> dict[str, str]:
    table: dict[str, str] = {}
    for value, label in choices.choices:
        table[value.lower()] = value
        with translation.override("zh-hans"):
            table[str(label).lower()] = value
        with translation.override("en"):
            table[str(label).lower()] = value
    return table


_LOOKUPS: dict[str, dict[str, str]] = {}


def _choice(name: str, choices, raw: Any) -> str | None:
    table = _LOOKUPS.get(name)
    if table is None:
        table = _LOOKUPS[name] = _choice_lookup(choices)
        if name == "gender":
            table.update({"m": "male", "f": "female"})
    return table.get(str(raw).strip().lower())


class Cleaner:
    """Collects cleaned values and problems for one record."""

    def __init__(self, raw: dict[str, Any]):
        # Text that cannot be stored is refused first, field by field, and the field then reads
        # as blank so that no other rule reports on it (or parses it) again.
        self.problems: list[Problem] = text_problems(raw)
        self.refused = {p.field for p in self.problems}
        self.raw = {k: None if k in self.refused else v for k, v in raw.items()}
        self.data: dict[str, Any] = {}

    def bad(self, field_name: str, msgid: str, **params: Any) -> None:
        if field_name not in self.refused:
            self.problems.append(Problem(field_name, msgid, params))

    def has(self, key: str) -> bool:
        return not is_blank(self.raw.get(key))

    def region(self, key: str, target: str, *, required: bool = False) -> None:
        raw = self.raw.get(key)
        if is_blank(raw):
            if required:
                self.bad(key, N_("必填：请填写区划代码。"))
            self.data[target] = None
            return
        code = normalize_code(text_of(raw))
        if code is None or not region_exists(code):
            self.bad(key, N_("区划代码“%(value)s”不存在（应为 6、9 或 12 位统计用区划代码）。"), value=text_of(raw)[:20])
            return
        self.data[target] = code

    def choice(self, key: str, choices, *, required: bool = False, default: str = "") -> None:
        raw = self.raw.get(key)
        if is_blank(raw):
            if required:
                self.bad(key, N_("必填项不能为空。"))
            self.data[key] = default
            return
        value = _choice(key, choices, raw)
        if value is None:
            allowed = "/".join(str(label) for label in choices.labels)
            self.bad(key, N_("“%(value)s”不是可选值（可选：%(allowed)s）。"), value=text_of(raw)[:30], allowed=allowed)
            return
        self.data[key] = value

    def boolean(self, key: str) -> None:
        value = parse_bool(self.raw.get(key))
        if value == "bad":
            self.bad(key, N_("请填写“是”或“否”。"))
            return
        self.data[key] = value

    def money(self, key: str) -> None:
        raw = self.raw.get(key)
        if is_blank(raw):
            self.data[key] = None
            return
        try:
            self.data[key] = parse_yuan(raw)
        except MoneyError:
            self.bad(key, N_("金额须为不小于 0 的数字，最多两位小数。"))

    def past_date(self, key: str, today: dt.date, future_msgid: str, *,
                  earliest: dt.date = EARLIEST_RECORD_DATE) -> dt.date | None:
        """An optional date in [earliest, today]; None when blank or refused."""
        self.data[key] = None
        if not self.has(key):
            return None
        value = parse_date(self.raw.get(key))
        problem = None if value is None else date_problem(value, today=today, earliest=earliest, future_msgid=future_msgid)
        if value is None:
            self.bad(key, N_("日期格式应为 YYYY-MM-DD。"))
        elif problem is not None:
            self.bad(key, problem.msgid, **problem.params)
        else:
            self.data[key] = value
        return self.data[key]

    def text(self, key: str, max_length: int, *, required: bool = False) -> None:
        value = text_of(self.raw.get(key))
        if required and not value:
            self.bad(key, N_("必填项不能为空。"))
            return
        if len(value) > max_length:
            self.bad(key, N_("不能超过 %(max)s 个字符。"), max=max_length)
            return
        self.data[key] = value


def clean_worker(raw: dict[str, Any], *, today: dt.date | None = None) -> tuple[dict[str, Any], list[Problem]]:
    """Clean one worker record. Returns (data, problems); data is usable only when problems is empty.

    data has the model field values of WORKER_MODEL_FIELDS plus `id_number`, `phone` and
    `household_no` (plain; the service encrypts and resolves them).
    """
    today = today or local_today()
    c = Cleaner(raw)
    raw = c.raw  # refused text reads as blank
    c.text("name", 50, required=True)

    parsed = None
    if not c.has("id_number"):
        c.bad("id_number", N_("必填：请填写公民身份号码。"))
    else:
        try:
            parsed = identifiers.parse_id_number(text_of(raw.get("id_number")), today=today)
        except identifiers.IdentifierError as exc:
            c.bad("id_number", _ID_MESSAGES.get(exc.code, _ID_MESSAGES["check"]))
        else:
            if not region_exists(parsed.region_code[:2] + "0" * 10):
                c.bad("id_number", N_("公民身份号码的前两位不是有效的省级代码。"))
                parsed = None
            else:
                c.data["id_number"] = parsed.number

    if c.has("gender"):
        gender = _choice("gender", Gender, raw.get("gender"))
        if gender is None:
            c.bad("gender", N_("性别须为“男”或“女”。"))
        elif parsed and gender != parsed.gender:
            c.bad("gender", N_("性别与公民身份号码不一致。"))
    if c.has("birth_date"):
        birth = parse_date(raw.get("birth_date"))
        if birth is None:
            c.bad("birth_date", N_("日期格式应为 YYYY-MM-DD。"))
        elif not EARLIEST_BIRTH_DATE <= birth <= today:
            c.bad("birth_date", BIRTH_OUT_OF_RANGE, earliest=EARLIEST_BIRTH_DATE.isoformat())
        elif parsed and birth != parsed.birth_date:
            c.bad("birth_date", N_("出生日期与公民身份号码不一致。"))
    if parsed:
        c.data["gender"] = parsed.gender
        c.data["birth_date"] = parsed.birth_date

    if c.has("phone"):
        try:
            c.data["phone"] = identifiers.validate_mobile(text_of(raw.get("phone")))
        except identifiers.IdentifierError:
            c.bad("phone", N_("手机号码应为 11 位，以 13–19 开头。"))
    else:
        c.data["phone"] = ""

    c.region("hukou_region", "hukou_region_id")
    c.region("residence_region", "residence_region_id", required=True)
    c.region("desired_region", "desired_region_id")
    c.choice("education", Education)
    c.choice("employment_status", EmploymentStatus, required=True)

    registered = c.past_date("unemployment_registered_on", today, N_("失业登记日期不能晚于今天。"))
    if registered and c.data.get("employment_status") not in (None, EmploymentStatus.UNEMPLOYED):
        c.data["unemployment_registered_on"] = None
        c.bad("unemployment_registered_on", N_("只有就业状态为“失业”的人员才填写失业登记日期。"))

    raw_types = raw.get("difficulty_types")
    types: list[str] = []
    if isinstance(raw_types, (list, tuple)):
        items = [text_of(t) for t in raw_types]
    else:
        items = [t for t in _SPLIT.split(text_of(raw_types)) if t]
    # Separators are 、 , ; / (a multi-word English label has spaces); space-separated codes or
    # Chinese labels are accepted too when the whole item is not a label.
    split_items: list[str] = []
    for item in (i.strip() for i in items):
        if item and _choice("difficulty_types", DifficultyType, item) is None and " " in item:
            split_items.extend(item.split())
        elif item:
            split_items.append(item)
    for item in split_items:
        code = _choice("difficulty_types", DifficultyType, item)
        if code is None:
            c.bad("difficulty_types", N_("困难类型“%(value)s”不存在。"), value=item[:20])
        elif code not in types:
            types.append(code)
    c.data["difficulty_mask"] = mask_of(types)

    for key in ("pension_insured", "medical_insured", "unemployment_insured", "injury_insured", "training_willing"):
        c.boolean(key)

    months = parse_whole(raw.get("ui_contribution_months"))
    if months == "bad":
        c.bad("ui_contribution_months", N_("须为不小于 0 的整数。"))
    else:
        c.data["ui_contribution_months"] = months

    c.data["last_income_month"] = None
    if c.has("last_income_month"):
        month = parse_month(raw.get("last_income_month"))
        if month is None:
            c.bad("last_income_month", N_("月份格式应为 YYYY-MM。"))
        elif month < EARLIEST_RECORD_DATE:
            c.bad("last_income_month", TOO_EARLY, earliest=EARLIEST_RECORD_DATE.isoformat())
        elif month > today.replace(day=1):
            c.bad("last_income_month", N_("最近有收入月份不能晚于本月。"))
        else:
            c.data["last_income_month"] = month

    c.money("monthly_income")
    c.money("expected_salary")
    c.text("skills", 200)
    c.text("desired_occupation", 100)
    c.text("household_no", 40)
    c.choice("relation_to_head", Relation)
    if c.data.get("relation_to_head") and not c.data.get("household_no"):
        c.bad("relation_to_head", N_("填写与户主关系时须同时填写户编号。"))
    c.text("notes", 1000)
    return c.data, c.problems


def clean_certificate(raw: dict[str, Any], *, today: dt.date | None = None) -> tuple[dict[str, Any], list[Problem]]:
    today = today or local_today()
    c = Cleaner(raw)
    raw = c.raw  # refused text reads as blank
    # A certificate is not older than its holder (nor than the ledger's earliest birth date).
    earliest_issue = EARLIEST_BIRTH_DATE
    if not c.has("id_number"):
        c.bad("id_number", N_("必填：请填写公民身份号码。"))
    else:
        try:
            holder = identifiers.parse_id_number(text_of(raw.get("id_number")), today=today)
        except identifiers.IdentifierError as exc:
            c.bad("id_number", _ID_MESSAGES.get(exc.code, _ID_MESSAGES["check"]))
        else:
            c.data["id_number"] = holder.number
            earliest_issue = max(EARLIEST_BIRTH_DATE, holder.birth_date)
    c.choice("kind", CertificateKind, required=True)
    c.text("occupation", 100, required=True)
    grade = parse_whole(raw.get("grade"))
    if grade == "bad" or (isinstance(grade, int) and not 1 <= grade <= 5):
        c.bad("grade", N_("等级须为 1–5 的整数（1 为高级技师，5 为初级工）。"))
    elif grade is None and c.data.get("kind") in (CertificateKind.VOCATIONAL_QUALIFICATION, CertificateKind.SKILL_LEVEL):
        c.bad("grade", N_("职业资格证书和职业技能等级证书须填写等级。"))
    else:
        c.data["grade"] = grade
    shortage = parse_bool(raw.get("shortage"))
    if shortage == "bad":
        c.bad("shortage", N_("请填写“是”或“否”。"))
    else:
        c.data["shortage"] = bool(shortage)
    c.past_date("issued_on", today, N_("发证日期不能晚于今天。"), earliest=earliest_issue)
    c.text("certificate_no", 60, required=True)
    return c.data, c.problems


_ID_MESSAGES = {
    "empty": N_("必填：请填写公民身份号码。"),
    "length": N_("公民身份号码应为 18 位（旧号码 15 位）。"),
    "chars": N_("公民身份号码应为 17 位数字加 1 位数字或 X。"),
    "check": N_("公民身份号码校验位不正确，请核对。"),
    "birth_date": N_("公民身份号码中的出生日期不是真实日期。"),
    "future": N_("公民身份号码中的出生日期晚于今天或早于 1900 年。"),
}


def money_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"
