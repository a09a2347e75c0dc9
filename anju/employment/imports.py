"""Postings in bulk from a workbook or CSV (a job fair's stalls), through the tabular import
(docs/posting-workbook.md).

One sheet, "岗位", Chinese headers. Every row is checked as `services.posting_create` checks a
posting (its own fields: `services._posting_problems`), and, when the import publishes, as
publishing checks it (the rules of its kind in its place: `services.posting_check`, refused in
the rules' words). All or nothing: one bad row and nothing is saved; the report lists every bad
row (row number, column, reason in Chinese and English) and the error report file is the
workbook as read with a 错误原因 column.

    job = PostingImport(...); run_job(job)   # by anju.employment.tasks.import_postings

Each row is made into its posting exactly as `posting_create` makes one (`services._apply`, the
same field checks and scope check); when every row passes, the postings are written in one
transaction with one audit event each, as `posting_create` writes them, published ones carrying
their rule check, and the published ones indexed in batches (`matching.index_postings` takes
many), so that a 10,000-row workbook imports in minutes, not hours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop as N_

from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.employment import occupations, services
from anju.employment.models import (
    Employer,
    JobPosting,
    Occupation,
    PayUnit,
    PostingImport,
    PostingKind,
    PostingSource,
    PostingStatus,
)
from anju.employment.permissions import CampaignPolicy, PostingPolicy
from anju.lib.cells import (
    BAD,
    is_blank,
    parse_code,
    parse_date,
    parse_decimal,
    parse_whole,
    text_of,
)
from anju.lib.errors import AnjuError, Problem
from anju.lib.identifiers import IdentifierError, validate_mobile, validate_uscc
from anju.regions.codes import prefix_q
from anju.workflow import tabular, uploads
from anju.workflow.tabular import Column, Plan, Row, Sheet, SheetSpec

SHEET = "岗位"
UPLOAD_DIR = "postings"
CHUNK = 900
INDEX_BATCH = 2000  # postings per call of matching.index_postings
# The job's phases, in report["phase"]: checking the rows, writing, and how it ended.
CHECK, WRITE, IMPORTED, REJECTED = "check", "write", "imported", "rejected"

KIND_NAMES = {str(label): value for value, label in PostingKind.choices}
KIND_NAMES |= {"全职": PostingKind.REGULAR, "全职岗": PostingKind.REGULAR, "公益岗": PostingKind.PUBLIC_WELFARE,
               "公益性": PostingKind.PUBLIC_WELFARE, "临时岗": PostingKind.TEMPORARY, "临时": PostingKind.TEMPORARY}
PAY_UNITS = {"元/月": PayUnit.MONTH, "元/天": PayUnit.DAY, "元/小时": PayUnit.HOUR, "元/日": PayUnit.DAY,
             "月": PayUnit.MONTH, "天": PayUnit.DAY, "日": PayUnit.DAY, "小时": PayUnit.HOUR, "时": PayUnit.HOUR}

COLUMNS = [
    Column("kind", "岗位类型", required=True),
    Column("title", "岗位名称", required=True),
    Column("occupation", "职业", aliases=("工种", "职业（工种）"), required=True),
    Column("unit_name", "招聘单位", aliases=("用人单位", "单位名称"), required=True),
    Column("uscc", "统一社会信用代码", aliases=("社会信用代码", "信用代码")),
    Column("region", "工作地点代码", aliases=("工作地点区划代码", "区划代码"), required=True),
    Column("address", "详细地址", aliases=("工作地点",)),
    Column("pay_unit", "计薪方式", required=True),
    Column("pay_min", "最低薪酬", required=True),
    Column("pay_max", "最高薪酬", required=True),
    Column("headcount", "招聘人数", required=True),
    Column("start_date", "开工日期"),
    Column("duration_days", "用工天数"),
    Column("contract_months", "岗位期限（月）", aliases=("岗位期限",)),
    Column("accident_insurance_cover", "意外伤害保险保额", aliases=("人身意外伤害保险保额", "意外伤害保险保额（元）")),
    Column("certificate", "所需证书"),
    Column("age_min", "最低年龄"),
    Column("age_max", "最高年龄"),
    Column("valid_until", "有效期至"),
    Column("description", "工作内容", aliases=("岗位描述",)),
    Column("contact_name", "联系人"),
    Column("contact_phone", "联系电话", aliases=("联系手机",)),
]
EXAMPLE = ["零工", "仓库卸货", "搬运工", "湖滨物流点", "", "350581001000", "石狮市湖滨街道某物流园", "元/天", "200", "220",
           3, "2026-12-10", 3, "", "", "", 18, 55, "2026-12-31", "卸货、码放，包午餐", "王先生", "13800001234"]

_REQUIRED = N_("必填项不能为空。")
_TOO_LONG = N_("不能超过 %(max)s 个字符。")
_WHOLE = N_("须为不小于 0 的整数。")
_MONEY = N_("金额须为不小于 0 的数字，最多两位小数。")
_DATE = N_("日期格式应为 YYYY-MM-DD。")
LIMITS = {"title": 80, "unit_name": 120, "address": 200, "certificate": 60, "contact_name": 30, "description": 4000}
# The columns the service's fields are reported in.
FIELD_COLUMN = {"region_id": "region", "valid_from": "valid_until", "employer": "uscc", "duration_hours": "duration_days",
                "physical": "occupation", "requirements": "description"}


class PostingImportError(AnjuError):
    """An import refused as a whole (no permission, the campaign not yours); nothing was changed."""

    status = 400


def spec(clean: Callable | None = None) -> SheetSpec:
    return SheetSpec(SHEET, COLUMNS, clean=clean, names=("招聘岗位", "岗位信息", "Sheet1"))


@dataclass
class Context:
    """What every row is checked against: the importer, the jurisdiction, the catalogue, today."""

    actor: Any
    region_prefix: str
    publish: bool
    campaign: Any = None
    today: dt.date = field(default_factory=timezone.localdate)
    regions: dict[str, bool] = field(default_factory=dict)  # code -> exists (looked up once each)
    employers: dict[str, Employer | None] = field(default_factory=dict)  # USCC -> the ledger's, in the jurisdiction
    occupations: dict[int, Occupation] = field(default_factory=dict)
    checked: dict[tuple, list] = field(default_factory=dict)  # posting_check results, by the facts it reads
    monthly: dict[tuple, Decimal | None] = field(default_factory=dict)  # monthly_pay results


def context_for(job: PostingImport) -> Context:
    ctx = Context(actor=job.created_by, region_prefix=job.region_prefix, publish=job.publish, campaign=job.campaign)
    ctx.occupations = {o.pk: o for o in Occupation.objects.all()}
    return ctx


def _region_exists(ctx: Context, code: str) -> bool:
    from anju.regions.models import Region

    if code not in ctx.regions:
        ctx.regions[code] = Region.objects.filter(pk=code, abolished=False).exists()
    return ctx.regions[code]


def _employer(ctx: Context, uscc: str) -> Employer | None:
    if uscc not in ctx.employers:
        ctx.employers[uscc] = Employer.objects.filter(prefix_q("region_id", ctx.region_prefix), uscc=uscc).first()
    return ctx.employers[uscc]


def check_import(user, region_prefix: str, campaign=None) -> None:
    """Who may import: staff allowed PostingPolicy "import", within their jurisdiction; a chosen
    campaign one they may change."""
    if not PostingPolicy.can(user, "import"):
        raise PostingImportError(N_("您没有批量导入岗位的权限。"), status=403, code="forbidden")
    if not region_prefix.startswith(getattr(user, "jurisdiction", None) or ""):
        raise PostingImportError(N_("导入地区不在您的管辖范围内。"), "region_prefix", status=403, code="forbidden")
    if campaign is not None and not CampaignPolicy.can_on(user, "change", campaign):
        raise PostingImportError(N_("您不能向该招聘活动添加岗位。"), "campaign", status=403, code="forbidden")


# Cleaning ----------------------------------------------------------------------------------------
def _text(raw: dict, name: str, data: dict, problems: list[Problem], *, required: bool = False) -> None:
    value = text_of(raw.get(name))
    if required and not value:
        problems.append(Problem(name, _REQUIRED))
    elif len(value) > LIMITS.get(name, 200):
        problems.append(Problem(name, _TOO_LONG, {"max": LIMITS.get(name, 200)}))
    data[name] = value


def _whole(raw: dict, name: str, data: dict, problems: list[Problem], *, required: bool = False, digits: int = 5) -> None:
    value = parse_whole(raw.get(name), digits=digits)
    if value is None and required:
        problems.append(Problem(name, _REQUIRED))
    elif value is BAD:
        problems.append(Problem(name, _WHOLE))
    else:
        data[name] = value


def _money(raw: dict, name: str, data: dict, problems: list[Problem], *, required: bool = False) -> None:
    value = parse_decimal(raw.get(name))
    if value is None and required:
        problems.append(Problem(name, _REQUIRED))
    elif value is BAD or (value is not None and value >= Decimal("1e8")):
        problems.append(Problem(name, _MONEY))
    else:
        data[name] = value


def _date(raw: dict, name: str, data: dict, problems: list[Problem]) -> None:
    cell = raw.get(name)
    value = None if is_blank(cell) else parse_date(cell)
    if value is None and not is_blank(cell):
        problems.append(Problem(name, _DATE))
    else:
        data[name] = value


def clean_row(ctx: Context, raw: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """One row as posting data (the fields `services.posting_create` takes), or its problems."""
    data: dict[str, Any] = {}
    problems: list[Problem] = []
    kind_text = text_of(raw.get("kind")).replace(" ", "")
    kind = KIND_NAMES.get(kind_text) or (kind_text if kind_text in PostingKind.values else None)
    if kind is None:
        problems.append(Problem("kind", N_("岗位类型应为“全职岗位”“零工”“公益性岗位”或“临时性岗位”，不是“%(value)s”。"),
                                {"value": kind_text[:20]}) if kind_text else Problem("kind", _REQUIRED))
    data["kind"] = kind
    _text(raw, "title", data, problems, required=True)
    _text(raw, "unit_name", data, problems)
    for name in ("address", "certificate", "description", "contact_name"):
        _text(raw, name, data, problems)
    name_text = text_of(raw.get("occupation"))
    occupation_pk = occupations.resolve(name_text) if name_text else None
    if not name_text:
        problems.append(Problem("occupation", _REQUIRED))
    elif occupation_pk is None or occupation_pk not in ctx.occupations:
        problems.append(Problem("occupation", N_("职业目录中没有“%(value)s”（也不是已知的俗称），请填写职业目录中的名称。"),
                                {"value": name_text[:30]}))
    else:
        data["occupation"] = ctx.occupations[occupation_pk]
        data["physical"] = data["occupation"].physical
    code = parse_code(raw.get("region"), length=12)
    if code is None:
        problems.append(Problem("region", _REQUIRED))
    elif code is BAD:
        problems.append(Problem("region", N_("工作地点代码应为 12 位区划代码。")))
    elif not code.startswith(ctx.region_prefix) or not _region_exists(ctx, code):
        problems.append(Problem("region", N_("工作地点代码 %(code)s 不在您的管辖范围（%(prefix)s）内，或不是有效的区划代码。"),
                                {"code": code, "prefix": ctx.region_prefix}))
    else:
        data["region_id"] = code
    uscc_text = text_of(raw.get("uscc"))
    if uscc_text:
        try:
            uscc = validate_uscc(uscc_text)
        except IdentifierError:
            problems.append(Problem("uscc", N_("统一社会信用代码不正确（应为 18 位，末位校验码须正确）。")))
        else:
            # Linked when the employer is in the ledger of the importer's jurisdiction; else the
            # posting names the unit only.
            employer = _employer(ctx, uscc)
            if employer is not None:
                data["employer"] = employer
    if not data["unit_name"] and "employer" not in data:  # a linked employer gives its name
        problems.append(Problem("unit_name", _REQUIRED))
    unit_text = text_of(raw.get("pay_unit")).replace(" ", "").replace("／", "/")
    pay_unit = PAY_UNITS.get(unit_text) or (unit_text if unit_text in PayUnit.values else None)
    if pay_unit is None:
        problems.append(Problem("pay_unit", N_("计薪方式应为“元/月”“元/天”或“元/小时”。")) if unit_text else
                        Problem("pay_unit", _REQUIRED))
    data["pay_unit"] = pay_unit
    _money(raw, "pay_min", data, problems, required=True)
    _money(raw, "pay_max", data, problems, required=True)
    _money(raw, "accident_insurance_cover", data, problems)
    _whole(raw, "headcount", data, problems, required=True)
    _whole(raw, "duration_days", data, problems, digits=4)
    _whole(raw, "contract_months", data, problems, digits=3)
    _whole(raw, "age_min", data, problems, digits=3)
    _whole(raw, "age_max", data, problems, digits=3)
    _date(raw, "start_date", data, problems)
    _date(raw, "valid_until", data, problems)
    phone = text_of(raw.get("contact_phone"))
    if phone:
        try:
            data["contact_phone"] = validate_mobile(phone)
        except IdentifierError:
            problems.append(Problem("contact_phone", N_("联系电话应为 11 位手机号码。")))
    if problems:
        return data, problems
    problems += _service_problems(ctx, data)
    return data, problems


def _column(field_name: str) -> str:
    return FIELD_COLUMN.get(field_name, field_name)


def _monthly(ctx: Context, amount: Decimal, unit: str, region_code: str, on: dt.date) -> Decimal | None:
    """`services.monthly_pay`, remembered per amount, unit, place and day (a fair's sheet repeats
    them; each is a parameter lookup)."""
    key = (amount, unit, region_code, on)
    if key not in ctx.monthly:
        ctx.monthly[key] = services.monthly_pay(amount, unit, region_code, on)
    return ctx.monthly[key]


def build(ctx: Context, data: dict[str, Any]) -> JobPosting:
    """The posting a row makes, as `services.posting_create` makes it (`services._apply`)."""
    posting = JobPosting(source=PostingSource.IMPORT, created_by=ctx.actor)
    services._apply(posting, {k: v for k, v in data.items() if k not in ("pay_min", "pay_max")})
    posting.pay_min, posting.pay_max = data["pay_min"], data["pay_max"]
    on = posting.valid_from or ctx.today
    posting.pay_monthly_min = _monthly(ctx, posting.pay_min, posting.pay_unit, posting.region_id, on)
    posting.pay_monthly_max = _monthly(ctx, posting.pay_max, posting.pay_unit, posting.region_id, on)
    return posting


def _service_problems(ctx: Context, data: dict[str, Any]) -> list[Problem]:
    """What `posting_create` (and, when publishing, `posting_move`) would refuse of this row; the
    posting it makes is kept in data["_posting"] for the writing."""
    from django.core.exceptions import ValidationError

    posting = build(ctx, data)
    out = [Problem(_column(f), msgid, params) for f, msgid, params in services._posting_problems(posting)]
    if out:
        return out
    if not PostingPolicy.can_on(ctx.actor, "create", posting):
        return [Problem("region", N_("您没有在该地区或为该单位管理招聘岗位的权限。"))]
    try:  # the field checks of posting_create; its constraints are _posting_problems' own
        posting.full_clean(exclude=["occupation", "employer", "region", "import_job", "created_by"],
                           validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        return [Problem(_column(name), str(messages[0])) for name, messages in exc.message_dict.items()]
    data["_posting"] = posting
    if not ctx.publish:
        return []
    if posting.valid_until and posting.valid_until < ctx.today:
        return [Problem("valid_until", N_("岗位有效期已过（%(date)s），请先修改有效期。"),
                        {"date": posting.valid_until.isoformat()})]
    key = (posting.kind, posting.region_id, posting.pay_monthly_min, posting.pay_monthly_max, posting.contract_months,
           posting.accident_insurance_cover)
    results = ctx.checked.get(key)
    if results is None:
        results = ctx.checked[key] = services.posting_check(posting, ctx.today)
    error = services.refusal_of(results)
    if error is not None:
        return [Problem("kind", error.message, error.params)]
    posting.rule_check = [r.as_json() for r in results]
    return []


def _campaign_rule(ctx: Context) -> Callable:
    def rule(rows: list[tuple[int, dict[str, Any]]]):
        from anju.employment.campaigns import _prefix

        if ctx.campaign is None:
            return
        prefix = _prefix(ctx.campaign.region_id)
        for number, data in rows:
            if not data["region_id"].startswith(prefix):
                yield number, Problem("region", N_("工作地点不在招聘活动“%(name)s”的地区内。"), {"name": ctx.campaign.name})
    return rule


class Writer:
    """Counts every valid row as created; writes the postings the check made of them."""

    def __init__(self, ctx: Context, job: PostingImport | None):
        self.ctx, self.job = ctx, job
        self.created: list[JobPosting] = []

    def classify(self, plan: Plan, sheet: Sheet, rows: list[Row]) -> dict[str, int]:
        return {"created": len(rows), "updated": 0, "unchanged": 0}

    def write(self, plan: Plan, sheet: Sheet, rows: list[Row]) -> None:
        """Create every posting (published, as `posting_move(move="publish")` publishes, when the
        import says so), one audit event each as `posting_create` writes, the published ones
        indexed in batches, the campaign's list extended."""
        from anju.employment import matching

        ctx, now = self.ctx, timezone.now()
        postings = [r.data["_posting"] for r in rows]
        for posting in postings:
            posting.import_job = self.job
            if ctx.publish:
                posting.status, posting.published_at = PostingStatus.PUBLISHED, now
                posting.valid_from = posting.valid_from or ctx.today
        self.created = JobPosting.objects.bulk_create(postings, batch_size=500)
        for posting in self.created:
            audit_record(actor=ctx.actor, action=Action.CREATE, obj=posting, region_code=posting.region_id,
                         detail={"kind": posting.kind, "title": posting.title, "import": self.job.pk if self.job else None,
                                 "published": ctx.publish})
        if ctx.publish:
            for start in range(0, len(self.created), INDEX_BATCH):
                matching.index_postings(self.created[start:start + INDEX_BATCH])
        if ctx.campaign is not None:
            from anju.employment.campaigns import campaign_add_postings

            campaign_add_postings(actor=ctx.actor, campaign=ctx.campaign, postings=self.created)


def _chunks(items: list) -> list[list]:
    return [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]


def read(path: str | Path, filename: str | None = None) -> tabular.Book:
    """The file as the 岗位 sheet (a CSV is that sheet, a workbook's sheet by its name, else its
    first sheet). Raises SheetError."""
    from anju.lib.sheets import Limits

    return tabular.read_book(path, [spec()], filename, limits=Limits.from_settings())


@dataclass
class Outcome:
    plan: Plan
    created: list[JobPosting]

    @property
    def ok(self) -> bool:
        return not self.plan.errors


def import_run(book: tabular.Book, ctx: Context, *, job: PostingImport | None = None,
               progress: Callable[[int, int], None] | None = None, on_write: Callable[[], None] | None = None) -> Outcome:
    """Check every row; when all pass, write them all in one transaction (else nothing)."""
    sheet_spec = spec(lambda raw: clean_row(ctx, raw))
    sheet_spec.rules.append(_campaign_rule(ctx))
    writer = Writer(ctx, job)
    plan = tabular.preview(book, [sheet_spec], writer, progress=progress)
    if plan.errors or not plan.rows.get(SHEET):
        return Outcome(plan, [])
    if on_write:
        on_write()
    sheet = book.recognised[SHEET]
    rows = plan.rows[SHEET]
    with transaction.atomic():
        # No progress in here: the job's row written inside this transaction is not seen by the
        # page until it commits. The page shows the writing phase without a count.
        writer.write(plan, sheet, rows)
        if job is not None:
            audit_record(actor=ctx.actor, action=Action.IMPORT, obj=job, object_type="postingimport",
                         region_code=ctx.region_prefix.ljust(12, "0"),
                         detail={"filename": job.filename, "created": len(writer.created), "publish": ctx.publish,
                                 "campaign": ctx.campaign.pk if ctx.campaign else None})
    return Outcome(plan, writer.created)


# The job (run by anju.employment.tasks) ----------------------------------------------------------
def job_phase(job: PostingImport) -> str:
    return uploads.phase(job, CHECK)


def run_job(job: PostingImport) -> None:
    from anju.workflow.jobs import Job

    job.start(total=0)
    job._update(report={"phase": CHECK})
    check_import(job.created_by, job.region_prefix, job.campaign)
    book = read(uploads.path_of(job), job.filename)
    ctx = context_for(job)

    def progress(done: int, total: int) -> None:
        Job.report(job, done, total)  # `report` is also the job's result field: the method through Job

    def writing() -> None:
        job._move(report={"phase": WRITE})
        Job.report(job, 0, message="writing")

    outcome = import_run(book, ctx, job=job, progress=progress, on_write=writing)
    plan = outcome.plan
    report = {"phase": IMPORTED if outcome.ok else REJECTED, "errors": tabular.stored_errors(plan.errors),
              "warnings": book.warnings, "error_report": uploads.error_report(job, plan) if plan.errors else "",
              "posting_ids": [p.pk for p in outcome.created[:50]]}
    job.finish(status=job.DONE, report=report, row_count=plan.total_rows, created_count=len(outcome.created),
               error_count=len({e.row for e in plan.errors}), total_count=plan.total_rows, done_count=plan.total_rows)
    uploads.delete_upload(job)


def template_rows() -> tuple[list[str], list[Any]]:
    """The template's header and example row (its dates a week and a month from today)."""
    today = timezone.localdate()
    example = list(EXAMPLE)
    example[11] = (today + dt.timedelta(days=7)).isoformat()
    example[18] = (today + dt.timedelta(days=30)).isoformat()
    return [c.header for c in COLUMNS], example
