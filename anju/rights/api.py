"""API: rights protection — hotline tickets (the scoped list, intake, one ticket with its events
and clocks), wage-arrears cases (the list, opening one with its complainants, one case),
construction projects (the list, one project with its account, deposit and payroll months) and
early warnings (the list).

Scoped exactly as the pages are (the policies of `permissions`): staff see their jurisdiction; a
contractor user (the payroll supervisor) sees only the projects, and their warnings, of its own
organisation, and no tickets or cases. A record outside the caller's scope answers 404, like a
missing one. Writes go through the services; phone and ID numbers leave only masked.

Errors, pagination and versions are those of the other routers (`anju.employment.api`): a
ticket's and a case's `version` is its `ETag`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Count, DecimalField, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_noop as N_
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from anju.accounts.models import DepartmentKind, Role
from anju.api.errors import ApiError
from anju.employment.api import (
    _CODE,
    _ERRORS,
    _IF_MATCH,
    _MAX_PK,
    _MOVE_ERRORS,
    _REGION,
    MAX_LIMIT,
    _clean_text,
    _no_null_defaults,
    _page,
    _pk,
    _require,
    _versions,
)
from anju.lib.versioning import VersionConflict, etag
from anju.rights import cases, construction, hotline, services
from anju.rights.models import (
    ArrearsCase,
    CaseSource,
    CaseStatus,
    Channel,
    Conclusion,
    Level,
    Priority,
    Project,
    ProjectStatus,
    Recovery,
    RosterEntry,
    Route,
    Ticket,
    TicketCategory,
    TicketStatus,
    WageDeposit,
    Warning,
    WarningStatus,
)
from anju.rights.permissions import CasePolicy, ProjectPolicy, TicketPolicy, WarningPolicy
from anju.workflow.models import WorkTask

router = Router(tags=["rights"])

MAX_COMPLAINANTS = 200
_COLOURS = {Level.RED: "red", Level.ORANGE: "orange", Level.YELLOW: "yellow"}
_BY_COLOUR = {v: k for k, v in _COLOURS.items()}
_ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=14, decimal_places=2))


# -- schemas ----------------------------------------------------------------------------------

class ClockOut(Schema):
    """One of the record's time limits, a task of the deadline engine."""

    step: str
    state: str
    alert: int = Field(..., description="0 none, 70 warning, 90 urgent, 100 overdue, 200 overdue and escalated.")
    department_kind: str
    role: str
    working_days: int = Field(..., description="The limit, in working days (or days when calendar_days).")
    calendar_days: bool
    extended_days: int
    opened_on: dt.date
    due_on: dt.date = Field(..., description="Moved later by pauses and extensions.")
    paused_at: dt.datetime | None
    closed_at: dt.datetime | None
    outcome: str


class RightsEventOut(Schema):
    kind: str
    at: dt.datetime
    by: str | None
    text: str

    @staticmethod
    def resolve_by(obj) -> str | None:
        return obj.actor.username if obj.actor_id else None


class TicketOut(Schema):
    id: int
    number: str = Field(..., examples=["GD20261202-000123"])
    channel: Literal[tuple(Channel.values)]  # type: ignore[valid-type]
    caller_name: str
    phone: str = Field(..., description="Masked; empty when none was given.")
    worker_id: int | None
    category: str = Field(..., description="The category's code.")
    category_name: str
    priority: Literal[tuple(Priority.values)]  # type: ignore[valid-type]
    region: str
    subject: str
    description: str
    status: Literal[tuple(TicketStatus.values)]  # type: ignore[valid-type]
    lead_department_kind: str
    lead_role: str
    co_handlers: list[str]
    merged_into_id: int | None
    case_id: int | None
    contacted_at: dt.datetime | None
    reply: str
    replied_at: dt.datetime | None
    replied_on_time: bool | None
    satisfaction: int | None = Field(..., description="1 (very unhappy) to 5 (very satisfied), from the call-back.")
    callback_at: dt.datetime | None
    reopened: int
    closed_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(..., description="Also the ETag.")

    @staticmethod
    def resolve_phone(obj: Ticket) -> str:
        return obj.phone_masked

    @staticmethod
    def resolve_category(obj: Ticket) -> str:
        return obj.category.code

    @staticmethod
    def resolve_category_name(obj: Ticket) -> str:
        return obj.category.name

    @staticmethod
    def resolve_region(obj: Ticket) -> str:
        return obj.region_id

    @staticmethod
    def resolve_co_handlers(obj: Ticket) -> list[str]:
        return [str(c) for c in obj.co_handlers or []]


class TicketDetailOut(TicketOut):
    events: list[RightsEventOut]
    clocks: list[ClockOut]

    @staticmethod
    def resolve_events(obj: Ticket) -> list:
        return list(obj.events.select_related("actor"))

    @staticmethod
    def resolve_clocks(obj: Ticket) -> list:
        return _clocks("ticket", obj.pk)


class TicketListOut(Schema):
    count: int = Field(..., description="How many match, before limit/offset.")
    items: list[TicketOut]


class TicketQuery(Schema):
    model_config = ConfigDict(json_schema_extra=_no_null_defaults)

    status: Literal[tuple(TicketStatus.values)] = None  # type: ignore[valid-type]
    category: str = Field(None, max_length=40, description="A category's code; its sub-categories included.")
    channel: Literal[tuple(Channel.values)] = None  # type: ignore[valid-type]
    priority: Literal[tuple(Priority.values)] = None  # type: ignore[valid-type]
    region: str = Field(None, pattern=_REGION, description="Division code prefix (2, 4, 6, 9 or 12 digits).")
    overdue: bool = Field(None, description="Only tickets with an overdue clock running.")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=2_147_483_647)


class TicketIn(Schema):
    """A call, visit, letter or online message taken by staff; routed at once."""

    model_config = ConfigDict(extra="forbid")

    channel: Literal[tuple(Channel.values)]  # type: ignore[valid-type]
    category: str = Field(..., min_length=1, max_length=40, examples=["arrears"], description="A category's code.")
    region: str = Field(..., pattern=_CODE, description="The 12-digit division code of the caller's place.")
    subject: str = Field(..., min_length=1, max_length=120)
    description: str = Field(..., min_length=1, max_length=4000)
    caller_name: str = Field("", max_length=50)
    phone: str = Field("", max_length=20, description="The caller's mobile (stored encrypted, shown masked).")
    priority: Literal[tuple(Priority.values)] = Priority.NORMAL  # type: ignore[valid-type]
    worker_id: int | None = Field(None, ge=1, le=_MAX_PK, description="The ledger record, when the caller is known.")


class TicketMoveIn(Schema):
    """The next move on a ticket, by the desk (dispatch, reassign, merge, callback) or the lead
    department (contact, pause, resume, reply, return); each clock is checked by the deadline
    engine: only the party that owes it may move it."""

    model_config = ConfigDict(extra="forbid")

    move: Literal["dispatch", "contact", "pause", "resume", "reply", "return", "reassign", "merge", "callback"]
    note: str = Field("", max_length=2000)
    reason: str = Field("", max_length=200, description="Required to return, reassign and merge.")
    reason_kind: Literal[tuple(code for code, _label in hotline.PAUSE_REASONS)] = Field(  # type: ignore[valid-type]
        None, description="Why the clock stops (pause): waiting for the caller or for mediation.")
    reply: str = Field("", max_length=4000, description="The answer to the caller (reply).")
    knowledge_ids: list[int] = Field([], max_length=20, description="Knowledge base entries the reply cites.")
    department_kind: Literal[tuple(DepartmentKind.values)] = Field(  # type: ignore[valid-type]
        None, description="Another lead department (dispatch: optional; reassign: required).")
    role: Literal[tuple(Role.values)] = Field(None, description="Its acting role.")  # type: ignore[valid-type]
    into_id: int = Field(None, ge=1, le=_MAX_PK, description="The ticket a duplicate is merged into (merge).")
    satisfaction: int = Field(None, ge=1, le=5, description="The caller's score at the call-back (callback).")


class CaseMoveIn(Schema):
    """The next move on a case; the clock of its route is checked by the deadline engine (only
    the department and role the route names may move it)."""

    model_config = ConfigDict(extra="forbid")

    move: Literal["accept", "refuse", "extend", "pause", "resume", "transfer", "recover", "conclude"]
    reason: str = Field("", max_length=500, description="Required to refuse, extend, pause and transfer.")
    route: Literal[tuple(Route.values)] = Field(None, description="The new route (transfer).")  # type: ignore[valid-type]
    complainant_id: int = Field(None, ge=1, le=_MAX_PK, description="The complainant's row (recover).")
    amount: Decimal = Field(None, gt=0, max_digits=12, decimal_places=2, description="Recovered (recover).")
    method: Literal[tuple(Recovery.values)] = Field(None, description="How (recover).")  # type: ignore[valid-type]
    on: dt.date = Field(None, description="When it was recovered (recover).")
    conclusion: Literal[tuple(Conclusion.values)] = Field(None, description="The category (conclude).")  # type: ignore[valid-type]
    note: str = Field("", max_length=2000)


class CaseRecoveryOut(Schema):
    amount: Decimal
    method: Literal[tuple(Recovery.values)]  # type: ignore[valid-type]
    on: dt.date


class CaseWorkerOut(Schema):
    id: int
    name: str
    worker_id: int | None
    id_number: str = Field(..., description="Masked.")
    phone: str = Field(..., description="Masked.")
    amount_owed: Decimal
    amount_recovered: Decimal = Field(..., description="The sum of `recoveries`.")
    recovery: str = Field(..., description="The means of the latest recovery.")
    recovered_on: dt.date | None = Field(..., description="The date of the latest recovery.")
    recoveries: list[CaseRecoveryOut] = Field(..., description="Each payment recovered, oldest first.")

    @staticmethod
    def resolve_recoveries(obj) -> list:
        return list(obj.recoveries.all())

    @staticmethod
    def resolve_id_number(obj) -> str:
        return obj.id_number_masked

    @staticmethod
    def resolve_phone(obj) -> str:
        return obj.phone_masked


class CaseOut(Schema):
    id: int
    number: str = Field(..., examples=["QX20261202-000042"])
    source: Literal[tuple(CaseSource.values)]  # type: ignore[valid-type]
    route: Literal[tuple(Route.values)]  # type: ignore[valid-type]
    status: Literal[tuple(CaseStatus.values)]  # type: ignore[valid-type]
    employer_id: int | None
    employer_name: str
    employer_uscc: str
    project_id: int | None
    warning_id: int | None
    region: str
    period_from: dt.date
    period_to: dt.date
    summary: str
    accepted_on: dt.date | None
    conclusion: str
    conclusion_note: str
    concluded_on: dt.date | None
    complainants: int
    amount_owed: Decimal
    amount_recovered: Decimal
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(..., description="Also the ETag.")

    @staticmethod
    def resolve_region(obj: ArrearsCase) -> str:
        return obj.region_id

    @staticmethod
    def resolve_amount_owed(obj: ArrearsCase) -> Decimal:
        return _cents(obj.amount_owed)

    @staticmethod
    def resolve_amount_recovered(obj: ArrearsCase) -> Decimal:
        return _cents(obj.amount_recovered)


class CaseDetailOut(CaseOut):
    workers: list[CaseWorkerOut]
    events: list[RightsEventOut]
    clocks: list[ClockOut]

    @staticmethod
    def resolve_workers(obj: ArrearsCase) -> list:
        return list(obj.workers.prefetch_related("recoveries"))

    @staticmethod
    def resolve_events(obj: ArrearsCase) -> list:
        return list(obj.events.select_related("actor"))

    @staticmethod
    def resolve_clocks(obj: ArrearsCase) -> list:
        return _clocks("arrears_case", obj.pk)


class CaseListOut(Schema):
    count: int
    items: list[CaseOut]


class CaseQuery(Schema):
    model_config = ConfigDict(json_schema_extra=_no_null_defaults)

    status: Literal[tuple(CaseStatus.values)] = None  # type: ignore[valid-type]
    route: Literal[tuple(Route.values)] = None  # type: ignore[valid-type]
    source: Literal[tuple(CaseSource.values)] = None  # type: ignore[valid-type]
    project: int = Field(None, ge=1, le=_MAX_PK)
    region: str = Field(None, pattern=_REGION)
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=2_147_483_647)


class ComplainantIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field("", max_length=50, description="Default: the ledger record's name.")
    amount_owed: Decimal = Field(..., gt=0, max_digits=12, decimal_places=2)
    id_number: str = Field("", max_length=18, description="Default: the ledger record's.")
    phone: str = Field("", max_length=20)
    worker_id: int | None = Field(None, ge=1, le=_MAX_PK)


class CaseIn(Schema):
    """A wage-arrears case with its complainants, on one route."""

    model_config = ConfigDict(extra="forbid")

    source: Literal[tuple(CaseSource.values)]  # type: ignore[valid-type]
    route: Literal[tuple(Route.values)]  # type: ignore[valid-type]
    region: str = Field(..., pattern=_CODE)
    employer_name: str = Field("", max_length=120, description="Default: the employer's name.")
    employer_uscc: str = Field("", max_length=18)
    employer_id: int | None = Field(None, ge=1, le=_MAX_PK)
    project_id: int | None = Field(None, ge=1, le=_MAX_PK)
    ticket_id: int | None = Field(None, ge=1, le=_MAX_PK, description="The hotline ticket it comes from (linked).")
    warning_id: int | None = Field(None, ge=1, le=_MAX_PK, description="The warning it comes from.")
    period_from: dt.date = Field(..., description="First month owed.")
    period_to: dt.date
    summary: str = Field(..., min_length=1, max_length=4000)
    complainants: list[ComplainantIn] = Field(..., min_length=1, max_length=MAX_COMPLAINANTS)


class ProjectOut(Schema):
    id: int
    code: str
    name: str
    region: str
    address: str
    status: Literal[tuple(ProjectStatus.values)]  # type: ignore[valid-type]
    owner_name: str
    owner_uscc: str
    contractor_name: str
    contractor_uscc: str
    contract_value: Decimal
    labour_share: Decimal | None
    disbursement_cycle_months: int
    contract_signed_on: dt.date
    permit_on: dt.date | None
    start_on: dt.date | None
    planned_end_on: dt.date | None
    completed_on: dt.date | None
    supervisor_name: str
    supervisor_phone: str = Field(..., description="Masked.")
    notice_board_on: dt.date | None
    roster_count: int = Field(..., description="Workers on the real-name roster (ever).")
    open_warnings: int
    version: int

    @staticmethod
    def resolve_region(obj: Project) -> str:
        return obj.region_id

    @staticmethod
    def resolve_supervisor_phone(obj: Project) -> str:
        return obj.supervisor_phone_masked


class SubcontractorOut(Schema):
    id: int
    name: str
    uscc: str
    kind: str


class TeamOut(Schema):
    id: int
    name: str
    leader: str
    subcontractor_id: int | None


class AccountOut(Schema):
    bank: str
    account: str = Field(..., description="Masked.")
    opened_on: dt.date
    filed_on: dt.date | None
    closed_on: dt.date | None
    inflow: Decimal = Field(..., description="Labour-cost allocations received.")
    outflow: Decimal = Field(..., description="Wages paid to workers' own accounts.")

    @staticmethod
    def resolve_account(obj) -> str:
        return obj.account_masked


class DepositOut(Schema):
    rate: Decimal | None
    amount_due: Decimal | None
    exempt: bool
    basis: str
    form: str
    bank: str
    held: Decimal = Field(..., description="Lodged and topped up, less paid out and returned.")


class PayrollMonthOut(Schema):
    month: dt.date
    workers: int = Field(..., description="Workers with attendance.")
    days: Decimal | None = Field(..., description="Days attended, all workers.")
    lines: int = Field(..., description="Payroll lines.")
    gross: Decimal | None
    net: Decimal | None
    through_account: Decimal | None = Field(..., description="Wages for the month paid through the special account.")

    @staticmethod
    def resolve_gross(obj: dict) -> Decimal | None:
        return _cents(obj["gross"])

    @staticmethod
    def resolve_net(obj: dict) -> Decimal | None:
        return _cents(obj["net"])

    @staticmethod
    def resolve_through_account(obj: dict) -> Decimal | None:
        return _cents(obj["through_account"])


class WarningBriefOut(Schema):
    id: int
    rule: str
    level: int
    colour: Literal["red", "orange", "yellow"]
    period: dt.date
    status: str

    @staticmethod
    def resolve_colour(obj: Warning) -> str:
        return _COLOURS.get(obj.level, "yellow")


class ProjectDetailOut(ProjectOut):
    subcontractors: list[SubcontractorOut]
    teams: list[TeamOut]
    on_roster: int = Field(..., description="Workers on site now (entered, not exited).")
    account: AccountOut | None
    deposit: DepositOut | None
    payroll: list[PayrollMonthOut] = Field(..., description="The last 12 months with attendance or pay, latest first.")
    warnings: list[WarningBriefOut] = Field(..., description="Open warnings.")

    @staticmethod
    def resolve_subcontractors(obj: Project) -> list:
        return list(obj.subcontractors.all())

    @staticmethod
    def resolve_teams(obj: Project) -> list:
        return list(obj.teams.all())

    @staticmethod
    def resolve_account(obj: Project):
        return obj.account

    @staticmethod
    def resolve_deposit(obj: Project):
        return obj.deposit_held

    @staticmethod
    def resolve_payroll(obj: Project) -> list:
        return obj.payroll_months

    @staticmethod
    def resolve_warnings(obj: Project) -> list:
        return list(obj.warnings.filter(status=WarningStatus.OPEN).order_by("-level", "-raised_on"))


class ProjectListOut(Schema):
    count: int
    items: list[ProjectOut]


class ProjectQuery(Schema):
    model_config = ConfigDict(json_schema_extra=_no_null_defaults)

    status: Literal[tuple(ProjectStatus.values)] = None  # type: ignore[valid-type]
    region: str = Field(None, pattern=_REGION)
    contractor_uscc: str = Field(None, max_length=18)
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=2_147_483_647)


class WarningOut(WarningBriefOut):
    project_id: int
    project_code: str
    project_name: str
    region: str
    detail: dict[str, Any]
    raised_on: dt.date
    last_seen_on: dt.date
    cleared_on: dt.date | None
    dismissed_reason: str
    case_id: int | None

    @staticmethod
    def resolve_project_code(obj: Warning) -> str:
        return obj.project.code

    @staticmethod
    def resolve_project_name(obj: Warning) -> str:
        return obj.project.name

    @staticmethod
    def resolve_region(obj: Warning) -> str:
        return obj.project.region_id


class WarningListOut(Schema):
    count: int
    items: list[WarningOut]


class WarningQuery(Schema):
    model_config = ConfigDict(json_schema_extra=_no_null_defaults)

    status: Literal[tuple(WarningStatus.values)] = None  # type: ignore[valid-type]
    colour: Literal["red", "orange", "yellow"] = None  # type: ignore[assignment]
    rule: str = Field(None, max_length=40)
    project: int = Field(None, ge=1, le=_MAX_PK)
    region: str = Field(None, pattern=_REGION)
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=2_147_483_647)


# -- helpers ----------------------------------------------------------------------------------

def _clocks(subject_type: str, pk: int) -> list[WorkTask]:
    return list(WorkTask.objects.filter(subject_type=subject_type, subject_id=pk).order_by("opened_at", "id"))


def _scoped(policy, request: HttpRequest, qs, msgid: str, within: str | None = None):
    _require(policy.can(request.auth, "view"), msgid)
    return policy.scope(request.auth, qs, within=within or "")


def _tickets(request: HttpRequest, within: str | None = None):
    return _scoped(TicketPolicy, request, Ticket.objects.select_related("category"), N_("您没有查看热线工单的权限。"),
                   within)


def _cases(request: HttpRequest, within: str | None = None):
    qs = ArrearsCase.objects.annotate(
        complainants=Count("workers"),
        amount_owed=Coalesce(Sum("workers__amount_owed"), _ZERO),
        amount_recovered=Coalesce(Sum("workers__amount_recovered"), _ZERO))
    return _scoped(CasePolicy, request, qs, N_("您没有查看欠薪案件的权限。"), within)


def _count_of(model, **extra):
    rows = model.objects.filter(project=OuterRef("pk"), **extra).order_by().values("project")
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), 0)


def _projects(request: HttpRequest, within: str | None = None):
    # Counted per row (subqueries), not by joins over the whole roster before the page is cut.
    qs = Project.objects.annotate(roster_count=_count_of(RosterEntry),
                                  open_warnings=_count_of(Warning, status=WarningStatus.OPEN))
    return _scoped(ProjectPolicy, request, qs, N_("您没有查看工程建设项目的权限。"), within)


def _warnings(request: HttpRequest, within: str | None = None):
    return _scoped(WarningPolicy, request, Warning.objects.select_related("project"), N_("您没有查看欠薪预警的权限。"),
                   within)


def _one(qs, pk: int):
    found = qs.filter(pk=_pk(pk)).first()
    if found is None:
        raise Http404
    return found


def _with_etag(record, response: HttpResponse):
    response["ETag"] = etag(record.version)
    return record


def _related(policy, user, model, pk: int | None, field: str, msgid: str):
    """A record the new one points at, within the caller's scope (422 otherwise: it is the input
    that is wrong, not the address)."""
    if pk is None:
        return None
    found = policy.scope(user, model.objects.all()).filter(pk=pk).first()
    if found is None:
        raise ApiError.one(422, msgid, field)
    return found


# -- tickets ----------------------------------------------------------------------------------

@router.get("/tickets", response={200: TicketListOut, **_ERRORS}, summary="List hotline tickets")
def ticket_list(request: HttpRequest, filters: Query[TicketQuery]):
    qs = _tickets(request, filters.region)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.category:
        qs = qs.filter(Q(category__code=filters.category) | Q(category__parent__code=filters.category))
    if filters.overdue is not None:
        late = WorkTask.objects.filter(subject_type="ticket", state="open", alert__gte=100).values("subject_id")
        qs = qs.filter(pk__in=late) if filters.overdue else qs.exclude(pk__in=late)
    return _page(qs.order_by("-created_at", "-id"), filters.limit, filters.offset)


@router.post("/tickets", response={201: TicketDetailOut, **_ERRORS},
             summary="Register a call, visit, letter or online message (routed at once; the dispatch clock starts)")
def ticket_create(request: HttpRequest, payload: TicketIn, response: HttpResponse):
    from anju.registry.selectors import get_worker_for_user

    _require(TicketPolicy.can(request.auth, "create"), N_("您没有登记热线工单的权限。"))
    _clean_text(payload.model_dump(exclude={"worker_id"}))
    category = TicketCategory.objects.filter(code=payload.category, active=True).first()
    if category is None:
        raise ApiError.one(422, N_("没有这个工单类别（或已停用）。"), "category")
    worker = get_worker_for_user(request.auth, payload.worker_id) if payload.worker_id else None
    ticket = services.ticket_create(
        actor=request.auth, channel=payload.channel, category=category, region=payload.region,
        subject=payload.subject, description=payload.description, caller_name=payload.caller_name,
        phone=payload.phone, worker=worker, priority=payload.priority)
    return 201, _with_etag(_one(_tickets(request), ticket.pk), response)


@router.get("/tickets/{ticket_id}", response={200: TicketDetailOut, **_ERRORS},
            summary="One hotline ticket with its events and clocks")
def ticket_detail(request: HttpRequest, ticket_id: int, response: HttpResponse):
    return _with_etag(_one(_tickets(request), ticket_id), response)


def _ticket_move(user, ticket: Ticket, m: TicketMoveIn) -> None:
    version = {"expected_version": ticket.version}
    if m.move == "dispatch":
        hotline.ticket_dispatch(actor=user, ticket=ticket, department_kind=m.department_kind or "",
                                role=m.role or "", note=m.note, **version)
    elif m.move == "contact":
        hotline.ticket_contact(actor=user, ticket=ticket, note=m.note, **version)
    elif m.move == "pause":
        hotline.ticket_pause(actor=user, ticket=ticket, reason_kind=m.reason_kind or "", note=m.note, **version)
    elif m.move == "resume":
        hotline.ticket_resume(actor=user, ticket=ticket, note=m.note, **version)
    elif m.move == "reply":
        hotline.ticket_reply(actor=user, ticket=ticket, reply=m.reply, knowledge_ids=m.knowledge_ids, **version)
    elif m.move == "return":
        hotline.ticket_return(actor=user, ticket=ticket, reason=m.reason, **version)
    elif m.move == "reassign":
        if not (m.department_kind and m.role):
            raise ApiError.one(422, N_("改派须填写承办部门和承办角色。"), "department_kind")
        hotline.ticket_reassign(actor=user, ticket=ticket, department_kind=m.department_kind, role=m.role,
                                reason=m.reason, **version)
    elif m.move == "merge":
        if m.into_id is None:
            raise ApiError.one(422, N_("请填写要并入的另一张工单。"), "into_id")
        into = _related(TicketPolicy, user, Ticket, m.into_id, "into_id", N_("要并入的工单不存在或不在您的管辖范围内。"))
        hotline.ticket_merge(actor=user, ticket=ticket, into=into, reason=m.reason, **version)
    else:
        if m.satisfaction is None:
            raise ApiError.one(422, N_("满意度须为 1 至 5 分。"), "satisfaction")
        hotline.ticket_callback(actor=user, ticket=ticket, satisfaction=m.satisfaction, note=m.note, **version)


@router.post("/tickets/{ticket_id}/move", response={200: TicketDetailOut, **_MOVE_ERRORS},
             summary="Move a ticket: dispatch, contact, pause, resume, reply, return, reassign, merge, call back")
def ticket_move(request: HttpRequest, ticket_id: int, payload: TicketMoveIn, response: HttpResponse,
                if_match: str | None = _IF_MATCH):
    versions = _versions(if_match)
    _clean_text({k: v for k, v in payload.model_dump().items() if isinstance(v, str)})
    ticket = _one(_tickets(request), ticket_id)
    _require(TicketPolicy.can_on(request.auth, "handle", ticket), N_("您没有办理该工单的权限。"))
    if ticket.version not in versions:
        raise VersionConflict(expected=max(versions), current=ticket.version)
    _ticket_move(request.auth, ticket, payload)
    return _with_etag(_one(_tickets(request), ticket.pk), response)


# -- cases ------------------------------------------------------------------------------------

@router.get("/cases", response={200: CaseListOut, **_ERRORS}, summary="List wage-arrears cases")
def case_list(request: HttpRequest, filters: Query[CaseQuery]):
    qs = _cases(request, filters.region)
    for name in ("status", "route", "source"):
        if getattr(filters, name):
            qs = qs.filter(**{name: getattr(filters, name)})
    if filters.project:
        qs = qs.filter(project_id=filters.project)
    return _page(qs.order_by("-created_at", "-id"), filters.limit, filters.offset)


@router.post("/cases", response={201: CaseDetailOut, **_ERRORS},
             summary="Open a wage-arrears case with its complainants (its route's clock starts)")
def case_create(request: HttpRequest, payload: CaseIn, response: HttpResponse):
    from anju.employment.models import Employer
    from anju.employment.permissions import EmployerPolicy
    from anju.registry.selectors import get_worker_for_user

    _require(CasePolicy.can(request.auth, "create"), N_("您没有登记欠薪案件的权限。"))
    _clean_text({**payload.model_dump(exclude={"complainants"}),
                 "complainants": [v for c in payload.complainants for v in (c.name, c.id_number, c.phone)]})
    user = request.auth
    employer = _related(EmployerPolicy, user, Employer, payload.employer_id, "employer_id",
                        N_("用人单位不存在或不在您的管辖范围内。"))
    project = _related(ProjectPolicy, user, Project, payload.project_id, "project_id",
                       N_("工程项目不存在或不在您的管辖范围内。"))
    ticket = _related(TicketPolicy, user, Ticket, payload.ticket_id, "ticket_id",
                      N_("热线工单不存在或不在您的管辖范围内。"))
    warning = _related(WarningPolicy, user, Warning, payload.warning_id, "warning_id",
                       N_("预警不存在或不在您的管辖范围内。"))
    complainants = [services.Complainant(
        name=c.name, amount_owed=c.amount_owed, id_number=c.id_number, phone=c.phone,
        worker=get_worker_for_user(user, c.worker_id) if c.worker_id else None) for c in payload.complainants]
    case = services.case_create(
        actor=user, source=payload.source, route=payload.route, region=payload.region,
        employer_name=payload.employer_name, employer_uscc=payload.employer_uscc, employer=employer,
        project=project, ticket=ticket, warning=warning, period_from=payload.period_from,
        period_to=payload.period_to, summary=payload.summary, complainants=complainants)
    return 201, _with_etag(_one(_cases(request), case.pk), response)


def _case_move(user, case: ArrearsCase, m: CaseMoveIn) -> None:
    version = {"expected_version": case.version}
    if m.move == "accept":
        cases.case_accept(actor=user, case=case, **version)
    elif m.move in ("refuse", "extend", "pause"):
        move = {"refuse": cases.case_refuse, "extend": cases.case_extend, "pause": cases.case_pause}[m.move]
        move(actor=user, case=case, reason=m.reason, **version)
    elif m.move == "resume":
        cases.case_resume(actor=user, case=case, **version)
    elif m.move == "transfer":
        if m.route is None:
            raise ApiError.one(422, N_("请选择办理途径。"), "route")
        cases.case_transfer(actor=user, case=case, route=m.route, reason=m.reason, **version)
    elif m.move == "recover":
        missing = [f for f in ("complainant_id", "amount", "method", "on") if getattr(m, f) is None]
        if missing:
            raise ApiError.one(422, N_("记录追回金额须填写投诉人、金额、追回方式和日期。"), missing[0])
        cases.case_record_recovery(actor=user, case=case, worker_row=m.complainant_id, amount=m.amount,
                                   method=m.method, on=m.on, **version)
    else:
        if m.conclusion is None:
            raise ApiError.one(422, N_("请选择结案类别。"), "conclusion")
        cases.case_conclude(actor=user, case=case, conclusion=m.conclusion, note=m.note, **version)


@router.post("/cases/{case_id}/move", response={200: CaseDetailOut, **_MOVE_ERRORS},
             summary="Move a case: accept, refuse, extend, pause, resume, transfer, record a recovery, conclude")
def case_move(request: HttpRequest, case_id: int, payload: CaseMoveIn, response: HttpResponse,
              if_match: str | None = _IF_MATCH):
    versions = _versions(if_match)
    _clean_text({"reason": payload.reason, "note": payload.note})
    case = _one(_cases(request), case_id)
    _require(CasePolicy.can_on(request.auth, "handle", case), N_("您没有办理该案件的权限。"))
    if case.version not in versions:
        raise VersionConflict(expected=max(versions), current=case.version)
    _case_move(request.auth, case, payload)
    return _with_etag(_one(_cases(request), case.pk), response)


@router.get("/cases/{case_id}", response={200: CaseDetailOut, **_ERRORS},
            summary="One wage-arrears case with its complainants, events and clocks")
def case_detail(request: HttpRequest, case_id: int, response: HttpResponse):
    return _with_etag(_one(_cases(request), case_id), response)


# -- projects ---------------------------------------------------------------------------------

@router.get("/projects", response={200: ProjectListOut, **_ERRORS},
            summary="List construction projects (a contractor user: its own only)")
def project_list(request: HttpRequest, filters: Query[ProjectQuery]):
    qs = _projects(request, filters.region)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.contractor_uscc:
        qs = qs.filter(contractor_uscc=filters.contractor_uscc.strip().upper())
    return _page(qs.order_by("region_id", "code"), filters.limit, filters.offset)


def _project_detail(project: Project) -> Project:
    """The project with what its detail shows, each read once by the construction service."""
    today = services.today()
    project.on_roster = project.roster.filter(entered_on__lte=today).filter(
        Q(exited_on__isnull=True) | Q(exited_on__gt=today)).count()
    summary = construction.account_summary(project)
    account = summary["account"]
    if account is not None:
        account.inflow, account.outflow = _cents(summary["inflow"]), _cents(summary["outflow"])
    project.account = account
    deposit = WageDeposit.objects.filter(project=project).first()
    if deposit is not None:
        deposit.held = _cents(construction.deposit_balance(deposit))
    project.deposit_held = deposit
    project.payroll_months = construction.monthly_figures(project, limit=12)
    return project


def _cents(value) -> Decimal | None:
    # SQLite sums decimals without their places; money leaves with two, whatever the database.
    return None if value is None else Decimal(value).quantize(services.CENT)


@router.get("/projects/{project_id}", response={200: ProjectDetailOut, **_ERRORS},
            summary="One construction project with its special account, deposit, payroll months and open warnings")
def project_detail(request: HttpRequest, project_id: int, response: HttpResponse):
    project = _one(_projects(request), project_id)
    response["ETag"] = etag(project.version)
    return _project_detail(project)


# -- warnings ---------------------------------------------------------------------------------

@router.get("/warnings", response={200: WarningListOut, **_ERRORS},
            summary="List early warnings on projects (a contractor user: its own projects' only)")
def warning_list(request: HttpRequest, filters: Query[WarningQuery]):
    qs = _warnings(request, filters.region)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.colour:
        qs = qs.filter(level=_BY_COLOUR[filters.colour])
    if filters.rule:
        qs = qs.filter(rule=filters.rule)
    if filters.project:
        qs = qs.filter(project_id=filters.project)
    return _page(qs.order_by("-level", "-raised_on", "id"), filters.limit, filters.offset)

