"""Construction projects under the wage-payment guarantee (保障农民工工资支付条例 arts. 24–34).

A project names its owner, general contractor, subcontractors and teams; its real-name roster
(art. 28) is kept by the general contractor's payroll supervisor, who may add workers and record
their exit and settlement but not change the project, the deposit or the special account's
opening — those are the labour bureau's records (`ProjectPolicy` "change" and "finance").

The special account (art. 26, 人社部发〔2021〕53号) receives the owner's labour-cost allocations and
pays wages into each worker's own account; bulk statement lines come from the workbook uploads
(`imports`), single ones from here. The wage deposit (人社部发〔2021〕65号) is assessed from the
province's dated parameters and the contractor's arrears history; when a parameter is missing the
assessment says "未设定" and names it rather than guessing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils.translation import gettext_noop as N_

from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.lib import crypto
from anju.lib.dates import month_end
from anju.lib.identifiers import IdentifierError, validate_uscc
from anju.lib.versioning import lock_versioned, save_versioned
from anju.params.selectors import resolve, resolve_many_sourced
from anju.regions.codes import in_prefix, normalize_code
from anju.regions.selectors import region_exists, region_name
from anju.rights.models import (
    AccountEntry,
    ArrearsCase,
    Attendance,
    CaseStatus,
    CaseWorker,
    Conclusion,
    DepositMovement,
    EntryKind,
    PayrollLine,
    Project,
    ProjectStatus,
    RosterEntry,
    Subcontractor,
    Team,
    WageAccount,
    WageDeposit,
    Warning,
    WarningStatus,
)
from anju.rights.permissions import ProjectPolicy
from anju.rights.services import (
    CENT,
    WAGE_RULES,
    RightsError,
    encrypt_id_number,
    encrypt_phone,
    hotline_number,
    money,
    today,
)

# Art. 24: the owner disburses the labour cost at least once a month — the dated parameter
# `labour_cost_cycle_max_months`, so an amended regulation is a new value, not a code change.
CYCLE_MAX_PARAM = "labour_cost_cycle_max_months"

# Conclusions that mean no wages were owed after all: such a case is not arrears history.
NOT_ARREARS = (Conclusion.NOT_ESTABLISHED, Conclusion.WITHDRAWN)

DEPOSIT_PARAMS = ("wage_deposit_rate", "wage_deposit_min_rate", "wage_deposit_cap", "wage_deposit_exempt_below",
                  "wage_deposit_arrears_raise")
RATE_PLACES = Decimal("0.0001")  # WageDeposit.rate keeps four places

PROJECT_FIELDS = ("name", "region_id", "address", "owner_name", "owner_uscc", "contractor_name", "contractor_uscc",
                  "contract_value", "labour_share", "disbursement_cycle_months", "contract_signed_on", "permit_on",
                  "start_on", "planned_end_on", "completed_on", "status", "supervisor_name")

# Phone lines every notice board shows besides the local hotline: national service numbers.
HRSS_LINE = "12333"  # 人力资源社会保障服务热线
LEGAL_LINE = "12348"  # 公共法律服务热线


# Reads ---------------------------------------------------------------------------------------
def projects_for_user(user, action: str = "view"):
    return ProjectPolicy.scope(user, Project.objects.all(), action)


def with_risk(qs):
    """Each project's highest open warning level (`risk`: 3 red, 2 orange, 1 yellow; None)."""
    top = Warning.objects.filter(project=OuterRef("pk"), status=WarningStatus.OPEN).order_by("-level").values("level")[:1]
    return qs.annotate(risk=Subquery(top))


def get_project_for_user(user, pk: Any, *, action: str = "view") -> Project:
    """The project, if `user` may `action` it; missing and forbidden are the same 404."""
    from anju.employment.selectors import checked_pk

    project = projects_for_user(user).filter(pk=checked_pk(pk)).first()
    if project is None or not ProjectPolicy.can_on(user, action, project):
        raise Http404
    return project


# Checks --------------------------------------------------------------------------------------
def _check(actor, project: Project, action: str) -> None:
    if not ProjectPolicy.can_on(actor, action, project):
        raise RightsError(N_("您没有此操作的权限。"), code="forbidden", status=403)


def _uscc(raw: str, field_name: str, *, required: bool) -> str:
    raw = (raw or "").strip()
    if not raw:
        if required:
            raise RightsError(N_("请填写统一社会信用代码。"), field_name)
        return ""
    try:
        return validate_uscc(raw)
    except IdentifierError:
        raise RightsError(N_("统一社会信用代码不正确（应为 18 位，末位校验码须正确）。"), field_name) from None


def _not_future(day: dt.date | None, field_name: str) -> None:
    if day is not None and day > today():
        raise RightsError(N_("日期不能在今天之后。"), field_name)


def _month(day: dt.date | None) -> dt.date | None:
    return day.replace(day=1) if day else None


def _text(data: dict, key: str, limit: int) -> str:
    return str(data.get(key) or "").strip()[:limit]


def _clean_project(actor, data: dict[str, Any]) -> dict[str, Any]:
    """The project's fields checked and normalised (the rules of arts. 24 and 28 and the dates'
    order); refused with the first problem found."""
    out: dict[str, Any] = {}
    for key, limit in (("name", 160), ("address", 200), ("owner_name", 120), ("contractor_name", 120),
                       ("supervisor_name", 50)):
        out[key] = _text(data, key, limit)
    for key, message in (("name", N_("请填写项目名称。")), ("owner_name", N_("请填写建设单位。")),
                         ("contractor_name", N_("请填写施工总承包单位。"))):
        if not out[key]:
            raise RightsError(message, key)
    region = normalize_code(data.get("region_id") or "")
    if region is None or not region_exists(region):
        raise RightsError(N_("请选择项目所在地区。"), "region_id")
    if not in_prefix(region, actor.jurisdiction):
        raise RightsError(N_("所选地区不在您的管辖范围内。"), "region_id", code="forbidden", status=403)
    out["region_id"] = region
    out["owner_uscc"] = _uscc(data.get("owner_uscc", ""), "owner_uscc", required=False)
    out["contractor_uscc"] = _uscc(data.get("contractor_uscc", ""), "contractor_uscc", required=True)
    out["contract_value"] = money(data.get("contract_value"), "contract_value")
    share = data.get("labour_share")
    if share in (None, ""):
        out["labour_share"] = None
    else:
        try:
            share = Decimal(str(share)).quantize(Decimal("0.0001"))
        except ArithmeticError:
            raise RightsError(N_("人工费用占比格式不正确。"), "labour_share") from None
        if not Decimal("0") < share <= Decimal("1"):
            raise RightsError(N_("人工费用占比须大于 0 且不超过 1（如 0.25 表示 25%）。"), "labour_share")
        out["labour_share"] = share
    try:
        cycle = int(data.get("disbursement_cycle_months") or 0)
    except (TypeError, ValueError):
        cycle = 0
    if cycle < 1:
        raise RightsError(N_("人工费用拨付周期至少为 1 个月。"), "disbursement_cycle_months")
    ceiling, _prefix = resolve(CYCLE_MAX_PARAM, region, today())
    if ceiling is not None and cycle > ceiling:
        raise RightsError(N_("人工费用拨付周期不得超过 %(n)s 个月（《保障农民工工资支付条例》第二十四条）。"),
                          "disbursement_cycle_months", params={"n": int(ceiling)})
    out["disbursement_cycle_months"] = cycle
    for key in ("contract_signed_on", "permit_on", "start_on", "planned_end_on", "completed_on"):
        out[key] = data.get(key) or None
    if out["contract_signed_on"] is None:
        raise RightsError(N_("请填写合同签订日期。"), "contract_signed_on")
    for key in ("contract_signed_on", "permit_on", "start_on", "completed_on"):
        _not_future(out[key], key)
    signed, start = out["contract_signed_on"], out["start_on"]
    if out["permit_on"] and out["permit_on"] < signed:
        raise RightsError(N_("施工许可证日期不能早于合同签订日期。"), "permit_on")
    if start and start < signed:
        raise RightsError(N_("开工日期不能早于合同签订日期。"), "start_on")
    if out["planned_end_on"] and out["planned_end_on"] < (start or signed):
        raise RightsError(N_("计划竣工日期不能早于开工日期。"), "planned_end_on")
    if out["completed_on"] and out["completed_on"] < (start or signed):
        raise RightsError(N_("竣工日期不能早于开工日期。"), "completed_on")
    status = data.get("status") or ProjectStatus.BUILDING
    if status not in ProjectStatus.values:
        raise RightsError(N_("请选择项目状态。"), "status")
    finished = status in (ProjectStatus.COMPLETED, ProjectStatus.CLOSED)
    if finished and not out["completed_on"]:
        raise RightsError(N_("已竣工的项目请填写竣工日期。"), "completed_on")
    if out["completed_on"] and not finished:
        raise RightsError(N_("已填写竣工日期，项目状态应为“已竣工”或“已销项”。"), "status")
    if status == ProjectStatus.BUILDING and not start:
        raise RightsError(N_("在建项目请填写开工日期。"), "start_on")
    out["status"] = status
    return out


def _supervisor_phone(raw: str) -> dict[str, str]:
    stored = encrypt_phone(raw)
    return {"supervisor_phone_enc": stored["phone_enc"], "supervisor_phone_masked": stored["phone_masked"]}


def _jsonable(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal | dt.date) else value


# Projects ------------------------------------------------------------------------------------
@transaction.atomic
def project_create(*, actor, data: dict[str, Any]) -> Project:
    """Register a project. `data` has PROJECT_FIELDS, `code` and `supervisor_phone`."""
    if not ProjectPolicy.can(actor, "create"):
        raise RightsError(N_("您没有登记工程项目的权限。"), code="forbidden", status=403)
    code = _text(data, "code", 40)
    if not code:
        raise RightsError(N_("请填写项目编号。"), "code")
    if Project.objects.filter(code=code).exists():
        raise RightsError(N_("项目编号 %(code)s 已被使用。"), "code", code="duplicate", params={"code": code})
    values = _clean_project(actor, data)
    project = Project(code=code, created_by=actor, **values, **_supervisor_phone(data.get("supervisor_phone", "")))
    project.full_clean(exclude=["region", "created_by"])
    project.save()
    audit_record(actor=actor, action=Action.CREATE, obj=project, region_code=project.region_id,
                 detail={"code": code, "contractor_uscc": project.contractor_uscc,
                         "contract_value": str(project.contract_value)})
    return project


@transaction.atomic
def project_update(*, actor, project: Project, data: dict[str, Any], expected_version: int | None) -> Project:
    """Change a project's fields; a `supervisor_phone` left empty keeps the stored one."""
    locked = lock_versioned(Project.objects.all(), project.pk, expected_version=expected_version)
    _check(actor, locked, "change")
    values = _clean_project(actor, data)
    phone = str(data.get("supervisor_phone") or "").strip()
    if phone:
        values.update(_supervisor_phone(phone))
    changes = {k: (getattr(locked, k), v) for k, v in values.items() if getattr(locked, k) != v}
    if not changes:
        return locked
    for key, (_before, after) in changes.items():
        setattr(locked, key, after)
    locked.full_clean(exclude=["region", "created_by"])
    save_versioned(locked, changes)
    shown = {k: (_jsonable(b), _jsonable(a)) for k, (b, a) in changes.items() if k != "supervisor_phone_enc"}
    audit_record(actor=actor, action=Action.UPDATE, obj=locked, region_code=locked.region_id, changes=shown)
    return locked


@transaction.atomic
def subcontractor_add(*, actor, project: Project, name: str, uscc: str = "",
                      kind: str = Subcontractor.Kind.LABOUR) -> Subcontractor:
    _check(actor, project, "change")
    name = (name or "").strip()[:120]
    if not name:
        raise RightsError(N_("请填写分包单位名称。"), "name")
    if kind not in Subcontractor.Kind.values:
        raise RightsError(N_("请选择分包类型。"), "kind")
    uscc = _uscc(uscc, "uscc", required=False)
    if project.subcontractors.filter(name=name).exists():
        raise RightsError(N_("本项目已有分包单位“%(name)s”。"), "name", code="duplicate", params={"name": name})
    sub = Subcontractor.objects.create(project=project, name=name, uscc=uscc, kind=kind)
    audit_record(actor=actor, action=Action.CREATE, obj=sub, region_code=project.region_id,
                 detail={"project": project.pk, "name": name, "uscc": uscc})
    return sub


@transaction.atomic
def team_add(*, actor, project: Project, name: str, leader: str = "", subcontractor: Subcontractor | None = None) -> Team:
    """A team (班组) on the site. The payroll supervisor organises the roster by team, so a
    contractor user may add one (the "upload" right), not only the bureau."""
    _check(actor, project, "upload")
    name = (name or "").strip()[:60]
    if not name:
        raise RightsError(N_("请填写班组名称。"), "name")
    if subcontractor is not None and subcontractor.project_id != project.pk:
        raise RightsError(N_("所选分包单位不属于本项目。"), "subcontractor")
    if project.teams.filter(name=name).exists():
        raise RightsError(N_("本项目已有班组“%(name)s”。"), "name", code="duplicate", params={"name": name})
    team = Team.objects.create(project=project, name=name, leader=(leader or "").strip()[:50], subcontractor=subcontractor)
    audit_record(actor=actor, action=Action.CREATE, obj=team, region_code=project.region_id,
                 detail={"project": project.pk, "name": name})
    return team


# The real-name roster (art. 28) ----------------------------------------------------------------
def _mask_account(raw: str) -> str:
    digits = "".join(ch for ch in (raw or "") if ch.isdigit())
    if raw and not 8 <= len(digits) <= 30:
        raise RightsError(N_("银行账号格式不正确（应为 8 至 30 位数字）。"), "bank_account")
    return f"****{digits[-4:]}" if digits else ""


@transaction.atomic
def roster_add(*, actor, project: Project, name: str, id_number: str, entered_on: dt.date, phone: str = "",
               team: Team | None = None, trade: str = "", contract_signed: bool = False,
               bank_account: str = "") -> RosterEntry:
    """Put a worker on the project's real-name roster. Linked to the ledger when the ledger has
    the same ID number (the link is never shown to the contractor). Only the last four digits of
    the wage card are kept: the roster shows the worker has a card of their own (art. 31)."""
    from anju.registry.models import Worker

    _check(actor, project, "upload")
    name = (name or "").strip()[:50]
    if not name:
        raise RightsError(N_("请填写姓名。"), "name")
    ids = encrypt_id_number(id_number, required=True)
    if team is not None and team.project_id != project.pk:
        raise RightsError(N_("所选班组不属于本项目。"), "team")
    if entered_on is None:
        raise RightsError(N_("请填写进场日期。"), "entered_on")
    _not_future(entered_on, "entered_on")
    if entered_on < project.contract_signed_on:
        raise RightsError(N_("进场日期不能早于合同签订日期。"), "entered_on")
    if RosterEntry.objects.filter(project=project, id_number_hash=ids["id_number_hash"]).exists():
        raise RightsError(N_("此人已在本项目的实名制花名册中。"), "id_number", code="duplicate")
    worker = Worker.objects.filter(id_number_hash=ids["id_number_hash"]).first()
    entry = RosterEntry.objects.create(
        project=project, team=team, worker=worker, name=name, trade=(trade or "").strip()[:40],
        contract_signed=bool(contract_signed), bank_account_masked=_mask_account(bank_account), entered_on=entered_on,
        **ids, **encrypt_phone(phone))
    audit_record(actor=actor, action=Action.CREATE, obj=entry, region_code=project.region_id,
                 detail={"project": project.pk, "name": name, "id_number": entry.id_number_masked,
                         "linked": worker is not None})
    return entry


def _lock_entry(actor, entry: RosterEntry) -> RosterEntry:
    locked = RosterEntry.objects.select_for_update().select_related("project").get(pk=entry.pk)
    _check(actor, locked.project, "upload")
    return locked


@transaction.atomic
def roster_exit(*, actor, entry: RosterEntry, exited_on: dt.date) -> RosterEntry:
    locked = _lock_entry(actor, entry)
    if exited_on is None:
        raise RightsError(N_("请填写退场日期。"), "on")
    _not_future(exited_on, "on")
    if exited_on < locked.entered_on:
        raise RightsError(N_("退场日期不能早于进场日期。"), "on")
    before = locked.exited_on
    locked.exited_on = exited_on
    locked.save(update_fields=["exited_on"])
    audit_record(actor=actor, action=Action.UPDATE, obj=locked, region_code=locked.project.region_id,
                 changes={"exited_on": (_jsonable(before), str(exited_on))})
    return locked


@transaction.atomic
def roster_settle(*, actor, entry: RosterEntry, settled_on: dt.date) -> RosterEntry:
    """Confirm the worker's wages are settled. Settlement follows the exit (the warning "left
    without settlement" watches the gap), so the exit must be recorded first."""
    locked = _lock_entry(actor, entry)
    if settled_on is None:
        raise RightsError(N_("请填写工资结清确认日期。"), "on")
    if locked.exited_on is None:
        raise RightsError(N_("请先登记退场日期，再确认工资结清。"), "on")
    _not_future(settled_on, "on")
    if settled_on < locked.entered_on:
        raise RightsError(N_("工资结清确认日期不能早于进场日期。"), "on")
    before = locked.settled_on
    locked.settled_on = settled_on
    locked.save(update_fields=["settled_on"])
    audit_record(actor=actor, action=Action.UPDATE, obj=locked, region_code=locked.project.region_id,
                 changes={"settled_on": (_jsonable(before), str(settled_on))})
    return locked


# The special wage account ----------------------------------------------------------------------
@transaction.atomic
def account_open(*, actor, project: Project, bank: str, account_number: str, opened_on: dt.date) -> WageAccount:
    _check(actor, project, "finance")
    bank = (bank or "").strip()[:80]
    if not bank:
        raise RightsError(N_("请填写开户银行。"), "bank")
    masked = _mask_account(account_number)
    if not masked:
        raise RightsError(N_("请填写专用账户账号。"), "account_number")
    if opened_on is None:
        raise RightsError(N_("请填写开户日期。"), "opened_on")
    _not_future(opened_on, "opened_on")
    if opened_on < project.contract_signed_on:
        raise RightsError(N_("专用账户应在施工合同签订后开立，开户日期不能早于合同签订日期。"), "opened_on")
    if WageAccount.objects.select_for_update().filter(project=project).exists():
        raise RightsError(N_("本项目已开立农民工工资专用账户。"), code="duplicate")
    digits = "".join(ch for ch in account_number if ch.isdigit())
    account = WageAccount.objects.create(project=project, bank=bank, account_masked=masked,
                                         account_enc=crypto.encrypt(digits), opened_on=opened_on)
    audit_record(actor=actor, action=Action.CREATE, obj=account, region_code=project.region_id,
                 detail={"project": project.pk, "bank": bank, "account": masked, "opened_on": str(opened_on)})
    return account


def _account(project: Project) -> WageAccount:
    account = WageAccount.objects.filter(project=project).first()
    if account is None:
        raise RightsError(N_("本项目尚未登记农民工工资专用账户。"), code="no_account")
    return account


@transaction.atomic
def account_file(*, actor, project: Project, filed_on: dt.date) -> WageAccount:
    """Record the day the account was filed with the supervising department (53号: within 30
    days of opening)."""
    _check(actor, project, "finance")
    account = _account(project)
    if filed_on is None:
        raise RightsError(N_("请填写备案日期。"), "filed_on")
    _not_future(filed_on, "filed_on")
    if filed_on < account.opened_on:
        raise RightsError(N_("备案日期不能早于开户日期。"), "filed_on")
    before = account.filed_on
    account.filed_on = filed_on
    account.save(update_fields=["filed_on"])
    audit_record(actor=actor, action=Action.UPDATE, obj=account, region_code=project.region_id,
                 changes={"filed_on": (_jsonable(before), str(filed_on))})
    return account


@transaction.atomic
def entry_add(*, actor, project: Project, kind: str, booked_on: dt.date, amount: Any, reference: str,
              roster: RosterEntry | None = None, month: dt.date | None = None) -> AccountEntry:
    """One statement line keyed in by hand: a labour-cost allocation from the owner, or a wage
    paid into a roster worker's own account for a month (53号: the account pays nothing else)."""
    _check(actor, project, "upload")
    account = _account(project)
    if kind not in (EntryKind.ALLOCATION, EntryKind.WAGE):
        raise RightsError(N_("请选择流水类型。"), "kind")
    if booked_on is None:
        raise RightsError(N_("请填写记账日期。"), "booked_on")
    _not_future(booked_on, "booked_on")
    if booked_on < account.opened_on:
        raise RightsError(N_("记账日期不能早于专用账户开户日期。"), "booked_on")
    amount = money(amount, "amount")
    reference = (reference or "").strip()[:60]
    if not reference:
        raise RightsError(N_("请填写银行流水号。"), "reference")
    if kind == EntryKind.WAGE:
        if roster is None or roster.project_id != project.pk:
            raise RightsError(N_("代发工资须选择本项目实名制花名册中的收款人。"), "roster")
        if month is None:
            raise RightsError(N_("请填写工资所属月份。"), "month")
        month = _month(month)
        if month > booked_on:
            raise RightsError(N_("工资所属月份不能晚于记账日期。"), "month")
    else:
        roster, month = None, None
    if account.entries.filter(reference=reference).exists():
        raise RightsError(N_("流水号 %(ref)s 已登记。"), "reference", code="duplicate", params={"ref": reference})
    entry = AccountEntry.objects.create(account=account, project=project, kind=kind, booked_on=booked_on, amount=amount,
                                        roster=roster, month=month, reference=reference)
    audit_record(actor=actor, action=Action.CREATE, obj=entry, region_code=project.region_id,
                 detail={"project": project.pk, "kind": kind, "amount": str(amount), "reference": reference})
    return entry


def account_summary(project: Project) -> dict[str, Any]:
    """The account's balance and its inflows and outflows by month of booking."""
    account = WageAccount.objects.filter(project=project).first()
    if account is None:
        return {"account": None}
    rows = (AccountEntry.objects.filter(account=account).annotate(m=TruncMonth("booked_on")).values("m")
            .annotate(inflow=Sum("amount", filter=Q(kind=EntryKind.ALLOCATION)),
                      outflow=Sum("amount", filter=Q(kind__in=(EntryKind.WAGE, EntryKind.RETURN))),
                      n_wage=Count("id", filter=Q(kind=EntryKind.WAGE)))
            .order_by("-m"))
    months = [{"month": r["m"], "inflow": _cents(r["inflow"]), "outflow": _cents(r["outflow"]), "n_wage": r["n_wage"]}
              for r in rows]
    inflow = sum((r["inflow"] for r in months), Decimal("0"))
    outflow = sum((r["outflow"] for r in months), Decimal("0"))
    return {"account": account, "months": months, "inflow": inflow, "outflow": outflow, "balance": inflow - outflow}


def _cents(total) -> Decimal:
    """A sum of money with its two places (SQLite sums decimals without them); 0 for no rows."""
    return Decimal(total or 0).quantize(CENT)


def _cents_or_none(total) -> Decimal | None:
    return None if total is None else _cents(total)


# The workers a warning is about (services.WAGE_RULES: the workers who attended that month and were
# not paid for it through the special account; the exit rule: those who left that month, longer
# ago than the settlement time limit, without a settlement; other rules name no worker) --------
WARNING_COMPLAINANTS = 50  # as many as the case form takes


def warning_workers(warning: Warning, *, on: dt.date | None = None) -> tuple[list[dict[str, Any]], int]:
    """The roster workers a warning is about, to start a case from it — each with name, roster key
    and the amount owed where the payroll says it (the month's net pay less what the account paid
    them; None when no payroll line says) — at most WARNING_COMPLAINANTS of them, by name, and
    how many there are in all."""
    project_id, month = warning.project_id, warning.period
    paid: dict[int, Decimal] = {}
    net: dict[int, Decimal] = {}
    if warning.rule in WAGE_RULES:
        attended = set(Attendance.objects.filter(project_id=project_id, month=month, days__gt=0)
                       .values_list("roster_id", flat=True))
        paid = dict(AccountEntry.objects.filter(project_id=project_id, kind=EntryKind.WAGE, month=month)
                    .order_by().values("roster_id").annotate(total=Sum("amount")).values_list("roster_id", "total"))
        net = dict(PayrollLine.objects.filter(project_id=project_id, month=month).order_by()
                   .values("roster_id").annotate(total=Sum("net")).values_list("roster_id", "total"))
        ids = {pk for pk in attended if pk not in paid or (pk in net and paid[pk] < net[pk])}
    elif warning.rule == "exit_unsettled":
        days, _prefix = resolve("warning_settlement_days", warning.project.region_id, on or today())
        if days is None:
            return [], 0
        before = (on or today()) - dt.timedelta(days=int(days))
        ids = set(RosterEntry.objects.filter(
            project_id=project_id, exited_on__isnull=False, settled_on__isnull=True, exited_on__gte=month,
            exited_on__lte=month_end(month), exited_on__lt=before).values_list("pk", flat=True))
    else:
        return [], 0
    entries = RosterEntry.objects.filter(pk__in=ids).order_by("name", "pk")[:WARNING_COMPLAINANTS]
    out = []
    for entry in entries:
        owed = None
        if entry.pk in net:
            left = (net[entry.pk] or Decimal("0")) - (paid.get(entry.pk) or Decimal("0"))
            owed = _cents(left) if left > 0 else None
        out.append({"name": entry.name, "roster": entry.pk, "amount_owed": owed})
    return out, len(ids)


# Attendance and payroll, as aggregates ---------------------------------------------------------
def monthly_figures(project: Project, *, limit: int = 36) -> list[dict[str, Any]]:
    """Per month: workers with attendance and their days, payroll lines with gross and net, and
    wages paid through the special account for that month."""
    attendance = {r["month"]: r for r in Attendance.objects.filter(project=project).values("month")
                  .annotate(workers=Count("id"), days=Sum("days"))}
    pay = {r["month"]: r for r in PayrollLine.objects.filter(project=project).values("month")
           .annotate(lines=Count("id"), gross=Sum("gross"), net=Sum("net"))}
    through_account = {r["month"]: r["paid"] for r in AccountEntry.objects.filter(
        project=project, kind=EntryKind.WAGE, month__isnull=False).order_by().values("month").annotate(paid=Sum("amount"))}
    months = sorted(set(attendance) | set(pay) | set(through_account), reverse=True)[:limit]
    return [{"month": m, "workers": attendance.get(m, {}).get("workers", 0), "days": attendance.get(m, {}).get("days"),
             "lines": pay.get(m, {}).get("lines", 0), "gross": _cents_or_none(pay.get(m, {}).get("gross")),
             "net": _cents_or_none(pay.get(m, {}).get("net")), "through_account": _cents_or_none(through_account.get(m))}
            for m in months]


# The wage deposit (人社部发〔2021〕65号) --------------------------------------------------------------
@dataclass
class Assessment:
    """What the rules say the project must lodge. `rate` and `amount` are None when a parameter
    the computation needs is not set (`missing` names it): the page says 未设定, never a guess."""

    exempt: bool = False
    rate: Decimal | None = None
    amount: Decimal | None = None
    capped: bool = False
    missing: list[str] = field(default_factory=list)
    arrears_years: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def basis(self) -> str:
        return "；".join(self.notes)[:300]


def arrears_years(contractor_uscc: str, on: dt.date, years: int = 2) -> list[int]:
    """The previous `years` calendar years in which a case against the contractor concluded with
    wages found owed (a case found unfounded or withdrawn is no arrears)."""
    if not contractor_uscc:
        return []
    wanted = [on.year - n for n in range(1, years + 1)]
    # Wages found owed to someone: a case opened of the inspector's own motion (no complainant)
    # is no arrears history, whatever it concluded.
    owed = CaseWorker.objects.filter(case=OuterRef("pk"), amount_owed__gt=0)
    found = (ArrearsCase.objects.filter(employer_uscc=contractor_uscc, status=CaseStatus.CONCLUDED,
                                        concluded_on__year__in=wanted).filter(Exists(owed))
             .exclude(conclusion__in=NOT_ARREARS).values_list("concluded_on__year", flat=True).distinct())
    return sorted(set(found), reverse=True)


def deposit_assess(project: Project, *, on: dt.date | None = None) -> Assessment:
    """The deposit the rules ask of `project` on `on`: exempt below the contract threshold with
    no arrears the year before; else the province's rate (not below the national floor), times
    the contract value, up to the province's cap."""
    on = on or today()
    values = resolve_many_sourced(DEPOSIT_PARAMS, project.region_id, on)
    value = {name: v for name, (v, _s) in values.items()}
    result = Assessment(sources={name: s or "" for name, (_v, s) in values.items()})
    result.arrears_years = arrears_years(project.contractor_uscc, on)
    arrears_last_year = (on.year - 1) in result.arrears_years
    threshold = value["wage_deposit_exempt_below"]
    if threshold is not None and project.contract_value < threshold and not arrears_last_year:
        result.exempt, result.amount = True, Decimal("0.00")
        result.notes.append(N_("施工合同额低于免存标准且上一年度无拖欠农民工工资记录，免于存储"))
        return result
    if threshold is not None and project.contract_value < threshold:
        result.notes.append(N_("合同额低于免存标准，但上一年度有欠薪记录，不予免存"))
    rate = value["wage_deposit_rate"]
    if rate is None:
        result.missing.append("wage_deposit_rate")
        result.notes.append(N_("本省工资保证金存储比例未设定"))
        return result
    if result.arrears_years:
        # 65号 raises the rate after arrears in the previous two years, by a figure each province
        # sets (wage_deposit_arrears_raise, 0.5 for +50 %); without it the plain rate stands and
        # the assessment says the raise is still to be set, rather than guessing one.
        raise_by = value["wage_deposit_arrears_raise"]
        if raise_by is None:
            result.missing.append("wage_deposit_arrears_raise")
            result.notes.append(N_("近两年有欠薪记录，按规定应提高存储比例，但本地区未设定提高幅度，请核定"))
        else:
            rate = (rate * (1 + max(raise_by, Decimal("0")))).quantize(RATE_PLACES)
            result.notes.append(N_("近两年有欠薪记录，存储比例按本地区规定幅度提高"))
    floor = value["wage_deposit_min_rate"]
    if floor is not None and rate < floor:
        rate = floor
        result.notes.append(N_("存储比例不得低于最低比例"))
    result.rate = rate
    amount = (project.contract_value * rate).quantize(CENT)
    cap = value["wage_deposit_cap"]
    if cap is not None and amount > cap:
        amount, result.capped = cap, True
        result.notes.append(N_("按单个工程存储上限存储"))
    result.amount = amount
    return result


def _deposit(project: Project) -> WageDeposit:
    deposit = WageDeposit.objects.select_for_update().filter(project=project).first()
    if deposit is None:
        deposit = WageDeposit.objects.create(project=project)
    return deposit


@transaction.atomic
def deposit_set(*, actor, project: Project, form: str = "", bank: str = "") -> WageDeposit:
    """Store the assessment in force today with the form (cash, bank guarantee, insurance) and
    the bank; the bureau re-runs it when the rules or the contract change."""
    _check(actor, project, "finance")
    if form and form not in WageDeposit.Form.values:
        raise RightsError(N_("请选择存储方式。"), "form")
    result = deposit_assess(project)
    deposit = _deposit(project)
    before = {k: getattr(deposit, k) for k in ("rate", "amount_due", "exempt", "basis", "form", "bank")}
    deposit.rate, deposit.amount_due, deposit.exempt = result.rate, result.amount, result.exempt
    deposit.basis = result.basis
    deposit.form, deposit.bank = form, (bank or "").strip()[:80]
    deposit.save()
    after = {k: getattr(deposit, k) for k in before}
    audit_record(actor=actor, action=Action.UPDATE, obj=deposit, region_code=project.region_id,
                 changes={k: (_jsonable(before[k]), _jsonable(after[k])) for k in before if before[k] != after[k]},
                 detail={"missing": result.missing, "arrears_years": result.arrears_years})
    return deposit


def _sums(deposit: WageDeposit) -> dict[str, Decimal]:
    rows = dict(deposit.movements.order_by().values("kind").annotate(total=Sum("amount")).values_list("kind", "total"))
    return {kind: _cents(rows.get(kind)) for kind in DepositMovement.Kind.values}


def deposit_balance(deposit: WageDeposit) -> Decimal:
    s = _sums(deposit)
    K = DepositMovement.Kind
    return s[K.LODGED] + s[K.TOPPED_UP] - s[K.PAID_OUT] - s[K.RETURNED]


def topup_owed(deposit: WageDeposit) -> tuple[Decimal, dt.date | None]:
    """What the contractor still has to top up after pay-outs, and by when: the top-up time limit
    in working days runs from the first pay-out not yet covered by top-ups."""
    from anju.workflow.calendar import deadline

    s = _sums(deposit)
    owed = s[DepositMovement.Kind.PAID_OUT] - s[DepositMovement.Kind.TOPPED_UP]
    if owed <= 0:
        return Decimal("0"), None
    covered, start = s[DepositMovement.Kind.TOPPED_UP], None
    paid = Decimal("0")
    for on, amount in deposit.movements.filter(kind=DepositMovement.Kind.PAID_OUT).order_by("on", "id").values_list(
            "on", "amount"):
        paid += amount
        if paid > covered:
            start = on
            break
    days, _prefix = resolve("wage_deposit_topup_working_days", deposit.project.region_id, start)
    if days is None:
        return owed, None
    return owed, deadline(start, int(days))[0]


def _movement(actor, deposit: WageDeposit, kind: str, amount: Decimal, on: dt.date, *, case=None,
              note: str = "") -> DepositMovement:
    row = DepositMovement.objects.create(deposit=deposit, kind=kind, amount=amount, on=on, case=case,
                                         note=(note or "").strip()[:200], created_by=actor)
    audit_record(actor=actor, action=Action.CREATE, obj=row, region_code=deposit.project.region_id,
                 detail={"project": deposit.project_id, "kind": kind, "amount": str(amount), "on": str(on),
                         "case": case.pk if case is not None else None})
    return row


def _movement_checks(actor, project: Project, amount: Any, on: dt.date | None) -> tuple[WageDeposit, Decimal]:
    _check(actor, project, "finance")
    amount = money(amount, "amount")
    if on is None:
        raise RightsError(N_("请填写日期。"), "on")
    _not_future(on, "on")
    return _deposit(project), amount


@transaction.atomic
def deposit_lodge(*, actor, project: Project, amount: Any, on: dt.date, note: str = "") -> DepositMovement:
    deposit, amount = _movement_checks(actor, project, amount, on)
    if deposit.exempt:
        raise RightsError(N_("本项目免于存储工资保证金。"), "amount", code="exempt")
    if on < project.contract_signed_on:
        raise RightsError(N_("存储日期不能早于合同签订日期。"), "on")
    return _movement(actor, deposit, DepositMovement.Kind.LODGED, amount, on, note=note)


@transaction.atomic
def deposit_pay_out(actor, project: Project, amount: Any, case, on: dt.date, *, note: str = "") -> DepositMovement:
    """Pay wages owed from the deposit (a recovery "paid from the wage deposit" of `case`).
    Refused above the balance; the contractor then owes a top-up within the top-up time limit
    (`topup_owed` gives the amount and due date)."""
    deposit, amount = _movement_checks(actor, project, amount, on)
    if case is not None and case.project_id not in (None, project.pk):
        raise RightsError(N_("该欠薪案件不属于本项目。"), "case")
    balance = deposit_balance(deposit)
    if amount > balance:
        raise RightsError(N_("动用金额 %(amount)s 元超过保证金余额 %(balance)s 元。"), "amount", code="over_balance",
                          params={"amount": amount, "balance": balance})
    return _movement(actor, deposit, DepositMovement.Kind.PAID_OUT, amount, on, case=case, note=note)


@transaction.atomic
def deposit_top_up(*, actor, project: Project, amount: Any, on: dt.date, note: str = "") -> DepositMovement:
    deposit, amount = _movement_checks(actor, project, amount, on)
    owed, _due = topup_owed(deposit)
    if owed <= 0:
        raise RightsError(N_("保证金未被动用，无需补足。"), "amount", code="nothing_owed")
    if amount > owed:
        raise RightsError(N_("补足金额超过应补金额 %(owed)s 元。"), "amount", params={"owed": owed})
    return _movement(actor, deposit, DepositMovement.Kind.TOPPED_UP, amount, on, note=note)


@transaction.atomic
def deposit_return(*, actor, project: Project, amount: Any, on: dt.date, note: str = "") -> DepositMovement:
    """Return the deposit, only once the works are complete (65号: completion, a no-arrears
    pledge and a 30-day public notice come first)."""
    deposit, amount = _movement_checks(actor, project, amount, on)
    if project.status not in (ProjectStatus.COMPLETED, ProjectStatus.CLOSED) or project.completed_on is None:
        raise RightsError(N_("工程竣工后方可返还工资保证金。"), code="not_completed")
    if on < project.completed_on:
        raise RightsError(N_("返还日期不能早于竣工日期。"), "on")
    balance = deposit_balance(deposit)
    if amount > balance:
        raise RightsError(N_("返还金额 %(amount)s 元超过保证金余额 %(balance)s 元。"), "amount", code="over_balance",
                          params={"amount": amount, "balance": balance})
    return _movement(actor, deposit, DepositMovement.Kind.RETURNED, amount, on, note=note)


def deposit_state(project: Project) -> dict[str, Any]:
    """The deposit's page: the stored figures, today's assessment, movements and balance, and
    any top-up owed with its due date."""
    deposit = WageDeposit.objects.filter(project=project).first()
    state: dict[str, Any] = {"deposit": deposit, "assessment": deposit_assess(project)}
    if deposit is not None:
        owed, due = topup_owed(deposit)
        state.update(movements=list(deposit.movements.select_related("case").order_by("on", "id")),
                     balance=deposit_balance(deposit), topup_owed=owed, topup_due=due)
    return state


# The rights notice board (art. 34) -----------------------------------------------------------
def notice_board(project: Project, *, on: dt.date | None = None, printed_by=None) -> dict[str, Any]:
    """What the site's rights notice board shows. Figures not entered stay None (the board says
    未录入) rather than a guess. The payroll supervisor's phone is there for the workers to call:
    the sheet printed for the site (`printed_by`, the user printing it) shows it in full, and that
    reveal is audited; on screen it stays masked."""
    from anju.rights.models import PayrollSheet

    on = on or today()
    phone = project.supervisor_phone_masked
    if printed_by is not None and project.supervisor_phone_enc:
        phone = crypto.decrypt(project.supervisor_phone_enc)
        audit_record(actor=printed_by, action=Action.REVEAL, obj=project, region_code=project.region_id,
                     detail={"field": "supervisor_phone", "purpose": "notice_board"})
    min_wage, _prefix = resolve("min_wage_monthly", project.region_id, on)
    last_sheet = PayrollSheet.objects.filter(project=project).order_by("-month", "-id").first()
    county = project.region_id[:6].ljust(12, "0")
    return {
        "project": project,
        "owner": project.owner_name,
        "contractor": project.contractor_name,
        "subcontractors": list(project.subcontractors.order_by("id")),
        "supervisor": project.supervisor_name,
        "supervisor_phone": phone,
        "min_wage": min_wage,
        "pay_day": last_sheet.pay_date.day if last_sheet else None,
        "hotline": hotline_number(project.region_id, on),
        "hrss_line": HRSS_LINE,
        "legal_line": LEGAL_LINE,
        "county": region_name(county),
        "place": region_name(project.region_id),
    }


@transaction.atomic
def notice_board_posted(*, actor, project: Project, on: dt.date, expected_version: int | None) -> Project:
    """Record the day the board was put up on site: the payroll supervisor puts it up, so the
    contractor user may record it as well as the bureau."""
    locked = lock_versioned(Project.objects.all(), project.pk, expected_version=expected_version)
    _check(actor, locked, "upload")
    if on is None:
        raise RightsError(N_("请填写张贴日期。"), "on")
    _not_future(on, "on")
    if on < locked.contract_signed_on:
        raise RightsError(N_("张贴日期不能早于合同签订日期。"), "on")
    before = locked.notice_board_on
    locked.notice_board_on = on
    save_versioned(locked, ["notice_board_on"])
    audit_record(actor=actor, action=Action.UPDATE, obj=locked, region_code=locked.region_id,
                 changes={"notice_board_on": (_jsonable(before), str(on))})
    return locked

