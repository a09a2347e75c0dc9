"""Comparison sources (比对): other departments' rosters imported through the tabular import
(docs/comparison-sources.md).

Each source is a sheet spec with Chinese headers and the facts it states about one kind of ledger
subject. A row is matched by the keyed hash of its ID number (`Worker.id_number_hash`) or by the
exact credit code (employers), only among the subjects of the import's region prefix. For the
rosters that list who *is* something (低保对象, 工会困难职工, 失业保险参保), the subjects of the
region the roster does not list are *not*: their fact becomes false.

    book = read_source(path, kind, filename)
    plan = source_run(book, kind=..., region_prefix="350581", as_of=date)              # preview
    plan = source_run(book, kind=..., region_prefix=..., as_of=..., job=job, write=True)  # commit

The commit re-checks against the data as it is then and writes in one transaction: the ledger
fields that changed (Worker.version + 1 and a "~" history record per worker; household and
employer-year fields), the FactSource of every (subject, fact) whose value or date changed, and
one audit event with the counts. A fact already recorded from data as of a later date is left
as it is (the older roster does not undo the newer one). Importing the same file twice changes
nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop as N_

from anju.accounts.models import Role
from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.benefits.models import ComparisonImport, FactSource, SourceKind
from anju.benefits.permissions import SourcePolicy
from anju.lib import crypto
from anju.lib.bulk import Copier, Inserter
from anju.lib.cells import (
    BAD,
    is_blank,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_whole,
    text_of,
)
from anju.lib.dates import today
from anju.lib.errors import AnjuError, Problem
from anju.lib.identifiers import IdentifierError, mask_id_number, parse_id_number, validate_uscc
from anju.regions.codes import clean_prefix, prefix_q
from anju.registry.choices import DIFFICULTY_BITS
from anju.workflow import tabular
from anju.workflow.tabular import Column, Plan, Row, SheetSpec

CHUNK = 900  # keys per IN (...) (SQLite's host-parameter limit on old builds)
KEPT = tabular.ERRORS_KEPT  # unmatched rows kept on the job for the page
CHANGE_REASON = "比对数据导入"
_BIT = DIFFICULTY_BITS["minimum_living_allowance"]
_ALL_BITS = (1 << 31) - 1


class SourceError(AnjuError):
    """An import refused as a whole (kind, region or date not acceptable); nothing was changed."""

    status = 400


# Cleaning ----------------------------------------------------------------------------------
_ID_MESSAGES = {
    "empty": N_("必填：请填写公民身份号码。"),
    "length": N_("公民身份号码应为 18 位（旧号码 15 位）。"),
    "chars": N_("公民身份号码应为 17 位数字加 1 位数字或 X。"),
    "check": N_("公民身份号码校验位不正确，请核对。"),
    "birth_date": N_("公民身份号码中的出生日期不是真实日期。"),
    "future": N_("公民身份号码中的出生日期晚于今天或早于 1900 年。"),
}
_REQUIRED = N_("必填项不能为空。")
_TOO_LONG = N_("不能超过 %(max)s 个字符。")
_INSURED_TRUE = {"参保", "已参保", "正常参保", "在保", "参保缴费", "正常缴费"}
_INSURED_FALSE = {"未参保", "停保", "暂停参保", "暂停缴费", "终止参保", "已退保", "中断缴费"}


def normal_name(name: str) -> str:
    """A name as compared with the ledger: no spaces, one form of the middle dot."""
    text = "".join(name.split())
    for dot in ("•", "．", ".", "・", "‧"):
        text = text.replace(dot, "·")
    return text


def mask_name(name: str) -> str:
    return (name[:1] + "*" * (len(name) - 1)) if name else ""


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_OFFSET = 48 * sum(_ID_WEIGHTS)  # ord("0") times the weights: digits' bytes minus "0"
_TODAY: list[dt.date] = []  # the day rows are checked against (set per run; today() is a tz lookup)


def _day() -> dt.date:
    return _TODAY[0] if _TODAY else today()


def id_number_of(text: str) -> str:
    """A valid 18-digit ID number from `text` (a 15-digit one upgraded); raises IdentifierError.
    The usual valid number takes a fast path (100,000 rows a second matter here); anything
    else goes through `parse_id_number`, which says what is wrong."""
    if len(text) == 18 and text.isascii() and text[:17].isdigit():
        check = "10X98765432"[(sum(map(operator.mul, text[:17].encode(), _ID_WEIGHTS)) - _ID_OFFSET) % 11]
        if check == text[17].upper():
            try:
                birth = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
            except ValueError:
                birth = None
            if birth is not None and 1900 <= birth.year and birth <= _day():
                return text.upper()
    return parse_id_number(text, today=_day()).number


def _clean_person(raw: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    data: dict[str, Any] = {}
    problems: list[Problem] = []
    text = text_of(raw.get("id_number"))
    try:
        number = id_number_of(text)
    except IdentifierError as exc:
        problems.append(Problem("id_number", _ID_MESSAGES.get(exc.code, _ID_MESSAGES["check"])))
    else:
        data["id_number"] = number
        data["id_hash"] = crypto.lookup_hash(number, purpose="id")
        data["masked"] = mask_id_number(number)
    name = normal_name(text_of(raw.get("name")))
    if not name:
        problems.append(Problem("name", _REQUIRED))
    elif len(name) > 50:
        problems.append(Problem("name", _TOO_LONG, {"max": 50}))
    data["name"] = name
    return data, problems


def _clean_minimum_living(raw: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    data, problems = _clean_person(raw)
    since = raw.get("since")
    if not is_blank(since):
        day = parse_date(since)
        if day is None:
            problems.append(Problem("since", N_("日期格式应为 YYYY-MM-DD。")))
        elif day > _day():
            problems.append(Problem("since", N_("低保开始日期不能晚于今天。")))
    return data, problems


def _clean_ui(raw: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    data, problems = _clean_person(raw)
    status = text_of(raw.get("insured")).replace(" ", "")
    insured = True if status in _INSURED_TRUE else False if status in _INSURED_FALSE else parse_bool(status)
    if insured is None:
        problems.append(Problem("insured", _REQUIRED))
    elif insured is BAD:
        problems.append(Problem("insured", N_("参保状态应为“参保”或“未参保”（也可填“是”或“否”）。")))
    else:
        data["unemployment_insured"] = insured
    months = parse_whole(raw.get("months"), digits=3)
    if months is BAD:
        problems.append(Problem("months", N_("缴费月数须为 0–999 的整数。")))
    elif months is not None:
        data["ui_contribution_months"] = months
    return data, problems


def _clean_employer(raw: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    data: dict[str, Any] = {}
    problems: list[Problem] = []
    try:
        data["uscc"] = validate_uscc(text_of(raw.get("uscc")))
    except IdentifierError:
        problems.append(Problem("uscc", N_("统一社会信用代码不正确（应为 18 位，末位校验码须正确）。")))
    name = text_of(raw.get("name"))
    if not name:
        problems.append(Problem("name", _REQUIRED))
    elif len(name) > 120:
        problems.append(Problem("name", _TOO_LONG, {"max": 120}))
    data["name"] = name
    year = parse_whole(raw.get("year"), digits=4)
    if year in (None, BAD) or not 2000 <= year <= today().year:  # type: ignore[operator]
        problems.append(Problem("year", N_("年度须为 2000 年至今年之间的四位年份。")))
    else:
        data["year"] = year
    months = parse_whole(raw.get("months"), digits=2)
    if months in (None, BAD) or months > 12:  # type: ignore[operator]
        problems.append(Problem("months", N_("缴费月数须为 0–12 的整数。")))
    else:
        data["months"] = months
    premiums = parse_decimal(raw.get("premiums"))
    if premiums in (None, BAD) or premiums >= Decimal("1e12"):  # type: ignore[operator]
        problems.append(Problem("premiums", N_("金额须为不小于 0 的数字，最多两位小数。")))
    else:
        data["premiums"] = premiums
    for name_ in ("average_staff", "layoffs"):
        value = parse_whole(raw.get(name_), digits=7)
        if value in (None, BAD):
            problems.append(Problem(name_, N_("须为不小于 0 的整数。")))
        else:
            data[name_] = value
    return data, problems


def _one_row_per_employer_year(rows: list[tuple[int, dict[str, Any]]]) -> Iterable[tuple[int, Problem]]:
    groups: dict[tuple[str, int], list[int]] = defaultdict(list)
    for number, data in rows:
        groups[(data["uscc"], data["year"])].append(number)
    for numbers in groups.values():
        if len(numbers) > 1:
            listed = "、".join(str(n) for n in numbers[:10])
            for number in numbers:
                yield number, Problem("uscc", N_("同一单位同一年度在本表中出现多次（第 %(rows)s 行），请只保留一行。"),
                                      {"rows": listed})


_ID = Column("id_number", "身份证号", aliases=("公民身份号码", "身份证号码", "证件号码", "身份证"), required=True)
_NAME = Column("name", "姓名", required=True)

MINIMUM_LIVING_SPEC = SheetSpec(
    "低保对象名单", [_ID, _NAME, Column("since", "低保开始日期", aliases=("享受低保开始日期", "纳入低保日期"))],
    clean=_clean_minimum_living, key="id_number")
UI_SPEC = SheetSpec(
    "失业保险参保缴费记录",
    [_ID, _NAME, Column("insured", "参保状态", aliases=("是否参保", "失业保险参保状态"), required=True),
     Column("months", "缴费月数", aliases=("累计缴费月数", "失业保险缴费月数"))],
    clean=_clean_ui, key="id_number")
UNION_SPEC = SheetSpec("困难职工名单", [_ID, _NAME], clean=_clean_person, key="id_number")
EMPLOYER_SPEC = SheetSpec(
    "用人单位失业保险缴费",
    [Column("uscc", "统一社会信用代码", aliases=("社会信用代码", "信用代码"), required=True),
     Column("name", "单位名称", required=True),
     Column("year", "年度", aliases=("缴费年度",), required=True),
     Column("months", "缴费月数", aliases=("失业保险缴费月数",), required=True),
     Column("premiums", "缴费金额", aliases=("缴费金额（元）", "全年缴纳失业保险费（元）", "失业保险费"), required=True),
     Column("average_staff", "年平均参保人数", aliases=("年平均参保职工人数",), required=True),
     Column("layoffs", "裁员人数", aliases=("年度裁员人数",), required=True)],
    clean=_clean_employer, rules=[_one_row_per_employer_year])


@dataclass(frozen=True)
class Source:
    kind: str
    spec: SheetSpec
    subject_type: str
    facts: tuple[str, ...]
    # The facts a subject of the region the roster does not list has false (empty: none).
    unlisted_false: tuple[str, ...]
    roles: frozenset[str]  # who may import it (within SourcePolicy's "import")
    example: tuple[Any, ...]  # the template's example row ("ID" and "USCC" filled in when written)

    @property
    def label(self) -> str:
        return str(SourceKind(self.kind).label)


_COUNTY = frozenset({Role.ADMIN, Role.COUNTY_OFFICER})
SOURCES: dict[str, Source] = {s.kind: s for s in (
    Source(SourceKind.MINIMUM_LIVING, MINIMUM_LIVING_SPEC, "worker", ("minimum_living_allowance",),
           ("minimum_living_allowance",), _COUNTY | {Role.CIVIL_AFFAIRS}, ("ID", "张三", "2025-03-01")),
    Source(SourceKind.UI_CONTRIBUTIONS, UI_SPEC, "worker", ("unemployment_insured", "ui_contribution_months"),
           ("unemployment_insured",), _COUNTY, ("ID", "张三", "参保", 24)),
    Source(SourceKind.UNION_HARDSHIP, UNION_SPEC, "household", ("union_hardship",), ("union_hardship",),
           _COUNTY | {Role.UNION}, ("ID", "张三")),
    Source(SourceKind.EMPLOYER_PREMIUMS, EMPLOYER_SPEC, "employer",
           ("ui_months_paid_last_year", "ui_premiums_paid_last_year", "insured_staff_last_year", "layoff_rate_last_year"),
           (), _COUNTY, ("USCC", "石狮市某服装有限公司", 2025, 12, "86400.00", 120, 3)),
)}


def source_of(kind: str) -> Source:
    try:
        return SOURCES[kind]
    except KeyError:
        raise SourceError(N_("数据来源不正确。"), field="kind") from None


def kinds_for(user) -> list[Source]:
    """The sources `user` may import."""
    if not SourcePolicy.can(user, "import"):
        return []
    return [s for s in SOURCES.values() if user.role in s.roles]


def clean_region(user, raw: str) -> str:
    """The import's region prefix: a division prefix inside the user's jurisdiction."""
    prefix = clean_prefix(raw)
    if not prefix:
        raise SourceError(N_("请填写比对范围的区划代码（2、4、6、9 或 12 位）。"), field="region_prefix")
    if not prefix.startswith(getattr(user, "jurisdiction", None) or ""):
        raise SourceError(N_("比对范围不在您的管辖范围内。"), field="region_prefix")
    return prefix


def clean_as_of(value: dt.date | None) -> dt.date:
    if value is None:
        raise SourceError(N_("请填写数据截止日期。"), field="as_of")
    if value > today():
        raise SourceError(N_("数据截止日期不能晚于今天。"), field="as_of")
    if value.year < 2000:
        raise SourceError(N_("数据截止日期不能早于 2000 年。"), field="as_of")
    return value


def check_import(user, kind: str, region_prefix: str) -> Source:
    source = source_of(kind)
    if source not in kinds_for(user):
        raise SourceError(N_("您不能导入“%(source)s”。"), field="kind", params={"source": source.label}, status=403)
    clean_region(user, region_prefix)
    return source


def read_source(path: str | Path, kind: str, filename: str | None = None) -> tabular.Book:
    """The file read as the source's sheet (a CSV is that sheet; a workbook's sheet by its name,
    else its first sheet). Raises SheetError."""
    return tabular.read_book(path, [source_of(kind).spec], filename)


# Plan ----------------------------------------------------------------------------------------
NOT_IN_LEDGER = N_("台账中没有该人员，或其现居住地不在比对范围内（未导入）。")
EMPLOYER_NOT_IN_LEDGER = N_("台账中没有该单位，或其所在地不在比对范围内（未导入）。")
NAME_MISMATCH = N_("姓名与台账不一致（台账为“%(name)s”），请核对身份证号和姓名。")
NO_HOUSEHOLD = N_("该人员在台账中未登记家庭（户编号），无法记录工会困难帮扶。")


@dataclass
class SourcePlan(Plan):
    """What an import will do (or did): the tabular plan's errors, plus the matches, the
    ledger changes and the FactSource rows, with their counts."""

    kind: str = ""
    region_prefix: str = ""
    as_of: dt.date | None = None
    matched: int = 0
    unmatched: list[dict[str, Any]] = field(default_factory=list)
    unmatched_count: int = 0
    unmatched_reasons: dict[tuple[str, int], str] = field(default_factory=dict)
    listed: int = 0  # subjects the roster names
    unlisted: int = 0  # subjects of the region it does not (their facts set false)
    ledger_changed: int = 0
    ledger_unchanged: int = 0
    facts_new: int = 0
    facts_changed: int = 0
    facts_unchanged: int = 0
    facts_older: int = 0  # already known from data as of a later date: left as they are
    # For the writer: (subject id, fact) -> value to record; stored FactSource ids to replace.
    fact_rows: dict[tuple[int, str], Any] = field(default_factory=dict)
    replaced: list[int] = field(default_factory=list)
    ledger_updates: dict[int, dict[str, Any]] = field(default_factory=dict)  # subject -> {fact: value}
    versions: dict[int, int] = field(default_factory=dict)  # worker -> version read
    years: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)  # (employer, year) -> values
    years_stored: dict[tuple[int, int], int] = field(default_factory=dict)  # (employer, year) -> EmployerYear pk
    current: dict[int, dict[str, Any]] = field(default_factory=dict)  # subject -> {fact: ledger value}

    def totals(self) -> dict[str, Any]:
        return {"total_rows": self.total_rows, "matched": self.matched,
                "unmatched": self.unmatched_count, "errors": len(self.rejected), "errors_total": len(self.errors),
                "listed": self.listed, "unlisted": self.unlisted, "ledger_changed": self.ledger_changed,
                "ledger_unchanged": self.ledger_unchanged, "facts_new": self.facts_new,
                "facts_changed": self.facts_changed, "facts_unchanged": self.facts_unchanged,
                "facts_older": self.facts_older}

    def all_reasons(self) -> dict[tuple[str, int], str]:
        """Bad rows' reasons and unmatched rows' (for the error report: the file as read)."""
        return self.unmatched_reasons | self.reasons()


Progress = Callable[[int, int], None]


def _clean_rows(book: tabular.Book, source: Source, progress: Progress | None) -> tuple[SourcePlan, tabular.Sheet, list[Row]]:
    spec = source.spec
    sheet = book.recognised[spec.title]
    plan = SourcePlan(book=book, total_rows=sheet.row_count(), kind=source.kind)
    valid: list[Row] = []
    done = 0
    _TODAY[:] = [today()]
    for number, raw in sheet.records():
        data, problems = spec.clean(raw)  # type: ignore[misc]
        for p in problems:
            plan.reject(sheet, number, p)
        if not problems:
            valid.append(Row(number, data))
        done += 1
        if progress and done % 5000 == 0:
            progress(done, plan.total_rows)
    rules = list(spec.rules)
    if spec.key:
        rules.insert(0, tabular._unique(spec.key, sheet.column_label(spec.key)))
    for rule in rules:
        for number, problem in rule([(r.row, r.data) for r in valid]):
            plan.reject(sheet, number, problem)
    valid = [r for r in valid if (sheet.name, r.row) not in plan.rejected]
    if progress:
        progress(plan.total_rows, plan.total_rows)
    return plan, sheet, valid


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _unmatched(plan: SourcePlan, sheet: tabular.Sheet, row: Row, key: str, name: str, msgid: str) -> None:
    plan.unmatched_count += 1
    if len(plan.unmatched) < KEPT:
        plan.unmatched.append({"row": row.row, "key": key, "name": name})
    problem = Problem("id_number" if plan.kind != SourceKind.EMPLOYER_PREMIUMS else "uscc", msgid)
    column = sheet.column_label(problem.field)
    plan.unmatched_reasons[(sheet.name, row.row)] = f"{column}：{problem.zh} / {column}: {problem.en}"


# Workers and households ------------------------------------------------------------------------
_WORKER_COLUMNS = ("pk", "id_number_hash", "name", "version", "household_id", "difficulty_mask",
                   "unemployment_insured", "ui_contribution_months")


def _worker_value(fact: str, row: tuple) -> Any:
    if fact == "minimum_living_allowance":
        return bool(row[5] & _BIT)
    if fact == "unemployment_insured":
        return None if row[6] is None else bool(row[6])  # SQLite gives 0/1 without the field's converter
    return row[7]


def _raw_rows(qs) -> Iterable[tuple]:
    """A values_list query's rows straight from the cursor, without Django's per-value converters
    (100,000 rows: seconds). Callers normalise what the backends give differently."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(10_000):
            yield from batch


def _match_people(plan: SourcePlan, source: Source, sheet: tabular.Sheet, rows: list[Row]) -> dict[int, dict[str, Any]]:
    """{subject id: {fact: value}} for every subject the import sets, listed or not; their
    current ledger values go to `plan.current`."""
    from anju.registry.models import Household, Worker

    workers = {r[1]: r for r in _raw_rows(Worker.objects.filter(prefix_q("residence_region_id", plan.region_prefix))
                                          .order_by().values_list(*_WORKER_COLUMNS))}
    targets: dict[int, dict[str, Any]] = {}
    current = plan.current
    for r in rows:
        stored = workers.get(r.data["id_hash"])
        if stored is None:
            _unmatched(plan, sheet, r, r.data["masked"], mask_name(r.data["name"]), NOT_IN_LEDGER)
            continue
        if normal_name(stored[2]) != r.data["name"]:
            plan.reject(sheet, r.row, Problem("name", NAME_MISMATCH, {"name": mask_name(stored[2])}))
            continue
        if source.subject_type == "household":
            if stored[4] is None:
                plan.reject(sheet, r.row, Problem("id_number", NO_HOUSEHOLD))
                continue
            targets[stored[4]] = {"union_hardship": True}
        else:
            # A 低保 roster lists recipients; the UI record states each person's status and months.
            targets[stored[0]] = ({"minimum_living_allowance": True} if source.kind == SourceKind.MINIMUM_LIVING
                                  else {f: r.data[f] for f in source.facts if f in r.data})
            current[stored[0]] = {f: _worker_value(f, stored) for f in source.facts}
            plan.versions[stored[0]] = stored[3]
        plan.matched += 1
    plan.listed = len(targets)
    if source.subject_type == "worker":
        for stored in workers.values():
            if stored[0] not in targets:
                targets[stored[0]] = {f: False for f in source.unlisted_false}
                current[stored[0]] = {f: _worker_value(f, stored) for f in source.facts}
                plan.versions[stored[0]] = stored[3]
    else:
        households = dict(Household.objects.filter(prefix_q("region_id", plan.region_prefix)).order_by()
                          .values_list("pk", "union_hardship"))
        outside = sorted(set(targets) - set(households))
        for part in _chunks(outside):
            households.update(Household.objects.filter(pk__in=part).values_list("pk", "union_hardship"))
        for pk, value in households.items():
            current[pk] = {"union_hardship": value}
            targets.setdefault(pk, {"union_hardship": False})
    plan.unlisted = len(targets) - plan.listed
    return targets


def _region_subjects(source: Source, prefix: str):
    from anju.employment.models import Employer
    from anju.registry.models import Household, Worker

    if source.subject_type == "worker":
        return Worker.objects.filter(prefix_q("residence_region_id", prefix)).order_by()
    model = Household if source.subject_type == "household" else Employer
    return model.objects.filter(prefix_q("region_id", prefix)).order_by()


def _decide_facts(plan: SourcePlan, source: Source, targets: dict[int, dict[str, Any]]) -> None:
    """Which (subject, fact) the import records (new, or changed value or date), and which
    ledger values change with them; a fact known from later data is left alone."""
    # Stored values compared as the JSON text and ISO date the database holds (no decoding).
    # One query over the region's subjects (a join, whatever the number), then any others by key.
    stored: dict[tuple[int, str], tuple[int, str, str, str]] = {}
    facts = FactSource.objects.filter(subject_type=source.subject_type, fact__in=source.facts).order_by()
    region = _region_subjects(source, plan.region_prefix)
    queries = [facts.filter(subject_id__in=region.values("pk"))]
    inside = set(region.values_list("pk", flat=True)) if source.subject_type != "worker" else set(targets)
    queries += [facts.filter(subject_id__in=part) for part in _chunks(sorted(set(targets) - inside))]
    for qs in queries:
        for pk, subject_id, fact, value, kind, day in _raw_rows(
                qs.values_list("pk", "subject_id", "fact", "value", "kind", "as_of")):
            stored[(subject_id, fact)] = (pk, value if isinstance(value, str) else json.dumps(value), kind,
                                          day if isinstance(day, str) else day.isoformat())
    current = plan.current
    as_of = plan.as_of.isoformat()  # type: ignore[union-attr]
    texts: dict[tuple[type, Any], str] = {}
    for subject_id, facts in targets.items():
        changes: dict[str, Any] = {}
        for fact, value in facts.items():
            old = stored.get((subject_id, fact))
            if old is not None and old[3] > as_of:
                plan.facts_older += 1
                continue
            key = (type(value), value)
            text = texts.get(key) or texts.setdefault(key, json.dumps(value))
            if old is not None and old[1] == text and old[2] == plan.kind and old[3] == as_of:
                plan.facts_unchanged += 1
            else:
                if old is None:
                    plan.facts_new += 1
                else:
                    plan.facts_changed += 1
                    plan.replaced.append(old[0])
                plan.fact_rows[(subject_id, fact)] = value
            if subject_id in current and not _same(current[subject_id].get(fact), value):
                changes[fact] = value
        if changes:
            plan.ledger_updates[subject_id] = changes
            plan.ledger_changed += 1
        else:
            plan.ledger_unchanged += 1


# Employers -------------------------------------------------------------------------------------
def _rate(layoffs: int, staff: int) -> str | None:
    if not staff:
        return None
    return str((Decimal(layoffs) / Decimal(staff)).quantize(Decimal("0.000001")).normalize())


def _match_employers(plan: SourcePlan, source: Source, sheet: tabular.Sheet, rows: list[Row]) -> dict[int, dict[str, Any]]:
    from anju.employment.models import Employer, EmployerYear

    employers = dict(Employer.objects.filter(prefix_q("region_id", plan.region_prefix)).order_by()
                     .values_list("uscc", "pk"))
    targets: dict[int, dict[str, Any]] = {}
    for r in rows:
        pk = employers.get(r.data["uscc"])
        if pk is None:
            _unmatched(plan, sheet, r, r.data["uscc"], r.data["name"], EMPLOYER_NOT_IN_LEDGER)
            continue
        plan.matched += 1
        d = r.data
        plan.years[(pk, d["year"])] = {"ui_months_paid": d["months"], "ui_premiums_paid": d["premiums"],
                                       "average_staff": d["average_staff"], "layoffs": d["layoffs"]}
        # The facts are "last year" as of the data's date: only that year's row states them.
        if d["year"] == plan.as_of.year - 1:  # type: ignore[union-attr]
            facts = {"ui_months_paid_last_year": d["months"], "ui_premiums_paid_last_year": str(d["premiums"]),
                     "insured_staff_last_year": d["average_staff"]}
            rate = _rate(d["layoffs"], d["average_staff"])
            if rate is not None:
                facts["layoff_rate_last_year"] = rate
            targets[pk] = facts
    plan.listed = len({pk for pk, _year in plan.years})
    for part in _chunks(sorted({pk for pk, _year in plan.years})):
        for pk, employer_id, year, *values in EmployerYear.objects.filter(employer_id__in=part).values_list(
                "pk", "employer_id", "year", "ui_months_paid", "ui_premiums_paid", "average_staff", "layoffs"):
            wanted = plan.years.get((employer_id, year))
            if wanted is None:
                continue
            plan.years_stored[(employer_id, year)] = pk
            if list(wanted.values()) == [values[0], Decimal(values[1]), values[2], values[3]]:
                del plan.years[(employer_id, year)]
                plan.ledger_unchanged += 1
    plan.ledger_changed = len(plan.years)
    return targets


def _decide_employer_facts(plan: SourcePlan, source: Source, targets: dict[int, dict[str, Any]]) -> None:
    ledger = (plan.ledger_changed, plan.ledger_unchanged)
    _decide_facts(plan, source, targets)
    plan.ledger_changed, plan.ledger_unchanged = ledger  # EmployerYear rows, counted above
    plan.ledger_updates = {}


# Running -------------------------------------------------------------------------------------
def source_run(book: tabular.Book, *, kind: str, region_prefix: str, as_of: dt.date, job: ComparisonImport | None = None,
               write: bool = False, progress: Progress | None = None,
               on_write: Callable[[], None] | None = None) -> SourcePlan:
    """Check every row, match and decide what changes; with `write`, in one transaction with
    the writes (and the job's audit event). Rows are cleaned before the transaction (with
    progress); matching and writing happen inside it, against the data as it is then."""
    source = source_of(kind)
    plan, sheet, rows = _clean_rows(book, source, progress)
    plan.region_prefix, plan.as_of = region_prefix, as_of
    if not write:
        _plan(plan, source, sheet, rows)
        return plan
    if on_write:
        on_write()
    with transaction.atomic():
        _plan(plan, source, sheet, rows)
        _write(plan, source, job)
    return plan


def _plan(plan: SourcePlan, source: Source, sheet: tabular.Sheet, rows: list[Row]) -> None:
    if source.subject_type == "employer":
        _decide_employer_facts(plan, source, _match_employers(plan, source, sheet, rows))
    else:
        _decide_facts(plan, source, _match_people(plan, source, sheet, rows))
    plan.errors.sort(key=lambda e: e.row)


def _write(plan: SourcePlan, source: Source, job: ComparisonImport | None) -> None:
    assert job is not None, "a commit writes for its job"
    now = timezone.now()
    actor = job.created_by
    if source.subject_type == "worker":
        _write_workers(plan, actor, now)
    elif source.subject_type == "household":
        _write_households(plan)
    else:
        _write_years(plan)
    for part in _chunks(plan.replaced):
        FactSource.objects.filter(pk__in=part).delete()
    by_fact: dict[str, list[tuple]] = defaultdict(list)
    for (subject_id, fact), value in sorted(plan.fact_rows.items()):
        by_fact[fact].append((source.subject_type, subject_id, fact, value, plan.kind, plan.as_of, job.pk, now))
    for fact_rows in by_fact.values():
        # One Inserter per fact: its value memo would take False for a 0 (equal keys) of another fact.
        Inserter(FactSource, ["subject_type", "subject_id", "fact", "value", "kind", "as_of", "source_import",
                              "recorded_at"]).insert(fact_rows)
    audit_record(actor=actor, action=Action.IMPORT, obj=job, object_type="comparisonimport",
                 region_code=plan.region_prefix.ljust(12, "0"),
                 detail={"kind": plan.kind, "as_of": plan.as_of, "filename": job.filename,
                         "subject_type": source.subject_type} | plan.totals())


def _assignment(fact: str, value: Any) -> dict[str, Any]:
    if fact == "minimum_living_allowance":
        mask = F("difficulty_mask")
        return {"difficulty_mask": mask.bitor(_BIT) if value else mask.bitand(_ALL_BITS ^ _BIT)}
    return {fact: value}


def _lock_fresh(plan: SourcePlan, source: Source) -> None:
    """PostgreSQL: lock the workers about to change and decide again for any changed since
    they were read (SQLite's IMMEDIATE transaction already holds the only write lock)."""
    from anju.registry.models import Worker

    if connection.vendor == "sqlite":
        return
    for part in _chunks(sorted(plan.ledger_updates)):
        for stored in Worker.objects.select_for_update().filter(pk__in=part).order_by("pk").values_list(*_WORKER_COLUMNS):
            if stored[3] == plan.versions.get(stored[0]):
                continue
            wanted = plan.ledger_updates[stored[0]]
            changes = {f: v for f, v in wanted.items() if not _same(_worker_value(f, stored), v)}
            if changes:
                plan.ledger_updates[stored[0]] = changes
            else:
                del plan.ledger_updates[stored[0]]


def _write_workers(plan: SourcePlan, actor, now: dt.datetime) -> None:
    from anju.registry.models import Worker

    source = source_of(plan.kind)
    _lock_fresh(plan, source)
    groups: dict[tuple, list[int]] = defaultdict(list)
    for pk, changes in plan.ledger_updates.items():
        groups[tuple(sorted(changes.items()))].append(pk)
    for changes, pks in groups.items():
        assignments: dict[str, Any] = {}
        for fact, value in changes:
            assignments |= _assignment(fact, value)
        for part in _chunks(sorted(pks)):
            Worker.objects.filter(pk__in=part).update(**assignments, version=F("version") + 1, updated_at=now)
    # A "~" history record per changed worker, copied from the updated row by the database.
    columns = [f.attname for f in Worker._meta.concrete_fields if f.name != "updated_at"]
    history = Copier(Worker.history.model, Worker, [(c, c) for c in columns],
                     ["history_date", "history_change_reason", "history_type", "history_user_id"])
    history.copy(sorted(plan.ledger_updates), history.prepare([now, CHANGE_REASON, "~", getattr(actor, "pk", None)]))


def _write_households(plan: SourcePlan) -> None:
    from anju.registry.models import Household

    groups: dict[Any, list[int]] = defaultdict(list)
    for pk, changes in plan.ledger_updates.items():
        groups[changes["union_hardship"]].append(pk)
    for value, pks in groups.items():
        for part in _chunks(sorted(pks)):
            Household.objects.filter(pk__in=part).update(union_hardship=value)


def _write_years(plan: SourcePlan) -> None:
    from anju.employment.models import EmployerYear

    new = []
    for (employer_id, year), values in plan.years.items():
        pk = plan.years_stored.get((employer_id, year))
        if pk is None:
            new.append(EmployerYear(employer_id=employer_id, year=year, **values))
        else:
            EmployerYear.objects.filter(pk=pk).update(**values)
    for row in new:
        row.full_clean(validate_unique=False, validate_constraints=False)
    EmployerYear.objects.bulk_create(new)


# Summary for the job and the page ----------------------------------------------------------
def job_report(plan: SourcePlan, *, phase: str, error_report: str = "") -> dict[str, Any]:
    return {"phase": phase, "counts": plan.totals(), "errors": tabular.stored_errors(plan.errors),
            "unmatched": plan.unmatched, "warnings": plan.book.warnings, "error_report": error_report}


def example_rows(kind: str) -> tuple[list[str], list[Any]]:
    """The template's header and example row for a source."""
    from anju.lib.identifiers import make_id_number, make_uscc

    source = source_of(kind)
    filled = {"ID": make_id_number("350581", dt.date(1985, 6, 15), 123), "USCC": make_uscc("91350581MA2Y0000K")}
    return [c.header for c in source.spec.columns], [filled.get(v, v) if isinstance(v, str) else v
                                                     for v in source.example]


# The job's two phases (run by anju.benefits.tasks) -----------------------------------------
# ComparisonImport has the plain job statuses; where it is between them is `report["phase"]`:
# queued+preview (waiting for the preview task), running+preview, queued+previewed (waiting for
# the user's confirmation, finished_at set), queued+commit, running+commit, done, failed.
PREVIEW, PREVIEWED, COMMIT, IMPORTED = "preview", "previewed", "commit", "imported"
UPLOAD_DIR = "comparison"


def job_phase(job: ComparisonImport) -> str:
    if job.status in (job.DONE, job.FAILED):
        return job.status
    return (job.report or {}).get("phase", PREVIEW)


def _local_path(name: str):
    from django.core.files.storage import default_storage

    return Path(default_storage.path(name))


def delete_files(job: ComparisonImport, *, report_too: bool = True) -> None:
    """The upload (ID numbers in clear) and, when asked, the error report."""
    from django.core.files.storage import default_storage

    names = [job.stored_name] + ([(job.report or {}).get("error_report", "")] if report_too else [])
    for name in filter(None, names):
        default_storage.delete(name)
    if job.stored_name:
        ComparisonImport.objects.filter(pk=job.pk).update(stored_name="")
        job.stored_name = ""


def _error_report(job: ComparisonImport, plan: SourcePlan) -> str:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    reasons = plan.all_reasons()
    if not reasons:
        return ""
    buffer = io.BytesIO()
    tabular.write_error_report(plan.book, reasons, buffer)
    old = (job.report or {}).get("error_report")
    if old:
        default_storage.delete(old)
    return default_storage.save(f"{Path(job.stored_name).with_suffix('')}.errors.xlsx", ContentFile(buffer.getvalue()))


def _progress(job: ComparisonImport) -> Progress:
    from anju.workflow.jobs import Job

    def report(done: int, total: int) -> None:
        # `report` is also the job's result field here: call the progress method through Job.
        Job.report(job, done, total)
    return report


def _writing(job: ComparisonImport) -> Callable[[], None]:
    from anju.workflow.jobs import Job

    return lambda: Job.report(job, job.total_count, message="writing")


def _finish(job: ComparisonImport, plan: SourcePlan, *, status: str, phase: str) -> None:
    counts = plan.totals()
    job.finish(status=status, report=job_report(plan, phase=phase, error_report=_error_report(job, plan)),
               row_count=counts["total_rows"], matched_count=counts["matched"],
               unmatched_count=counts["unmatched"], error_count=counts["errors"],
               total_count=counts["total_rows"], done_count=counts["total_rows"])


def preview_job(job: ComparisonImport) -> None:
    job.start(total=0)
    job._update(report={"phase": PREVIEW})
    check_import(job.created_by, job.kind, job.region_prefix)
    book = read_source(_local_path(job.stored_name), job.kind, job.filename)
    plan = source_run(book, kind=job.kind, region_prefix=job.region_prefix, as_of=job.as_of, progress=_progress(job))
    _finish(job, plan, status=job.Status.QUEUED, phase=PREVIEWED)


def commit_job(job: ComparisonImport) -> None:
    job.start(total=0)
    job._update(report=(job.report or {}) | {"phase": COMMIT})
    check_import(job.created_by, job.kind, job.region_prefix)
    book = read_source(_local_path(job.stored_name), job.kind, job.filename)
    plan = source_run(book, kind=job.kind, region_prefix=job.region_prefix, as_of=job.as_of, job=job, write=True,
                      progress=_progress(job), on_write=_writing(job))
    _finish(job, plan, status=job.DONE, phase=IMPORTED)
    delete_files(job, report_too=False)
