"""API: the benefits work — applications (counter intake, the scoped list, one application with
its chain and the decision it was taken on, the acting officer's decision on the current step),
grants, funds and quotas, payment batches.

Scoped exactly as the pages are (`selectors`, the policies of `permissions`): a record outside the
caller's jurisdiction answers 404, like a missing one. Writes go through the same services.
Phone and bank account numbers leave only masked.

Errors: `{"code": "...", "detail": [{"field", "message", "message_en"}]}`; `code` is stable
(`fund_overdrawn`, `not_yours`, `version_conflict`, `already_open`, ...).

Versions: an application's `version` is its `ETag` (`"3"`). Deciding a step requires `If-Match`
with the version read: if the application changed since, the answer is 409 and nothing is done.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_noop as N_
from ninja import Field, Header, Query, Router, Schema
from pydantic import ConfigDict

from anju.api.errors import ApiError, ErrorOut, text_problems
from anju.benefits import selectors, services
from anju.benefits.models import (
    Application,
    ApplicationStatus,
    Door,
    Fund,
    Grant,
    GrantStatus,
    PaymentBatch,
    PaymentLine,
    StepOutcome,
)
from anju.benefits.permissions import ApplicationPolicy, FundPolicy, GrantPolicy, PaymentPolicy
from anju.lib.versioning import VersionConflict, etag, versions_from_if_match
from anju.policies.facts import SUBJECTS
from anju.policies.packs import get_policy
from anju.regions.codes import PREFIX_PATTERN

router = Router(tags=["benefits"])

MAX_LIMIT = 200
MAX_LINES = 1000
_MAX_PK = selectors.MAX_ID
_REGION = rf"^(?:{PREFIX_PATTERN})$"


# Every error: the API's one error shape (a stable code for programs, the messages for people).
ProblemOut = ErrorOut


_ERRORS = {400: ProblemOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut}


def _no_null_defaults(schema: dict, _model) -> None:
    # Query parameters are absent or have a value; a `null` default would read as the text "null".
    for prop in schema.get("properties", {}).values():
        if "default" in prop and prop["default"] is None:
            del prop["default"]


# -- schemas ----------------------------------------------------------------------------------
# Text and ConditionOut are the policy API's own (one OpenAPI component per name).
from anju.policies.api import ConditionOut, Text  # noqa: E402


class ApplicationCreateIn(Schema):
    """An application taken at the counter for a subject in the caller's jurisdiction."""

    model_config = ConfigDict(extra="forbid")

    policy: str = Field(..., max_length=80, examples=["quanzhou-temporary-assistance"])
    subject_type: Literal[tuple(SUBJECTS)] = Field("worker", description="Whom the policy is for.")  # type: ignore[valid-type]
    subject_id: int = Field(..., ge=1, le=_MAX_PK, description="The ledger record (worker, household, ...).")
    phone: str = Field("", max_length=20, description="The applicant's mobile; default the ledger's.")
    payee_name: str = Field("", max_length=120)
    bank_name: str = Field("", max_length=80)
    account: str = Field("", max_length=40, description="Bank account, 8-30 digits (cash measures).")
    note: str = Field("", max_length=2000)


class ApplicationOut(Schema):
    id: int
    number: str = Field(..., examples=["SQ20261201000042"])
    policy: str
    policy_version: int
    policy_title: str
    subject_type: str
    subject_id: int
    subject: str = Field(..., description="Masked, e.g. 李四（350581********1234）.")
    worker_id: int | None
    region: str
    period: str
    door: Literal[tuple(Door.values)]  # type: ignore[valid-type]
    status: Literal[tuple(ApplicationStatus.values)]  # type: ignore[valid-type]
    current_step: str
    phone: str = Field(..., description="Masked; empty when unknown.")
    account: str = Field(..., description="Masked bank account; empty until confirmed.")
    account_confirmed_at: dt.datetime | None
    scan_job_id: int | None
    recheck_of_id: int | None
    created_at: dt.datetime
    closed_at: dt.datetime | None
    refusal_reason: str
    version: int = Field(..., description="Also the ETag; send it as If-Match to decide.")

    @staticmethod
    def resolve_policy(obj: Application) -> str:
        return obj.policy_id

    @staticmethod
    def resolve_subject(obj: Application) -> str:
        return obj.subject_label

    @staticmethod
    def resolve_region(obj: Application) -> str:
        return obj.region_code

    @staticmethod
    def resolve_phone(obj: Application) -> str:
        return obj.phone_masked

    @staticmethod
    def resolve_account(obj: Application) -> str:
        return obj.account_masked


class ApplicationListOut(Schema):
    count: int = Field(..., description="How many match, before limit/offset.")
    items: list[ApplicationOut]


class EventOut(Schema):
    outcome: str
    reason: str
    by_data: bool
    actor: str | None = Field(..., description="Username; null for the applicant or the data.")
    at: dt.datetime


class ApplicationStepOut(Schema):
    position: int
    code: str
    label: Text
    department_kind: str
    role: str
    state: str
    working_days: int | None
    opened_on: dt.date | None
    due_on: dt.date | None
    decided_by: str | None
    decided_at: dt.datetime | None
    by_data: bool
    reason: str
    events: list[EventOut]


class DecisionOut(Schema):
    id: int
    status: Literal["eligible", "not_eligible", "unknown"]
    amount: Decimal | None = Field(..., description="Yuan; null when not set by the rule.")
    decided_on: dt.date
    policy_version: int
    policy_digest: str
    facts: dict[str, Any] = Field(..., description="The facts read, at the time.")
    params: dict[str, Any] = Field(..., description="The parameters in force, at the time.")
    trace: list[ConditionOut]


class GrantBriefOut(Schema):
    id: int
    status: str
    amount: Decimal | None
    units: int


class ApplicationDetailOut(ApplicationOut):
    steps: list[ApplicationStepOut]
    decision: DecisionOut
    grant: GrantBriefOut | None
    can_decide: bool = Field(..., description="Whether the caller may decide the current step.")

    @staticmethod
    def resolve_steps(obj: Application) -> list[dict[str, Any]]:
        return _steps(obj)

    @staticmethod
    def resolve_decision(obj: Application) -> dict[str, Any]:
        d = obj.decision
        return {"id": d.pk, "status": d.status, "amount": d.amount, "decided_on": d.decided_on,
                "policy_version": d.policy_version, "policy_digest": d.policy_digest, "facts": d.facts,
                "params": d.params, "trace": d.trace}

    @staticmethod
    def resolve_grant(obj: Application) -> dict[str, Any] | None:
        grant = selectors.grant_of(obj)
        return {"id": grant.pk, "status": grant.status, "amount": grant.amount, "units": grant.units} if grant else None

    @staticmethod
    def resolve_can_decide(obj: Application, context) -> bool:
        user = context["request"].auth
        return obj.status == ApplicationStatus.IN_REVIEW and services.can_decide(user, obj)


class DecideIn(Schema):
    """The acting officer's decision on the current step."""

    model_config = ConfigDict(extra="forbid")

    outcome: Literal[tuple(StepOutcome.values)] = Field(..., description="pass, fail (refuse) or return (ask for more).")  # type: ignore[valid-type]
    reason: str = Field("", max_length=300, description="Required to fail, to return, and to set an amount.")
    amount: Decimal | None = Field(None, description="Yuan, two decimals: only at the last step, within the "
                                                     "policy's range.")


class GrantOut(Schema):
    id: int
    application_id: int
    policy: str
    subject_type: str
    subject_id: int
    subject: str = Field(..., description="Masked.")
    region: str
    period: str
    kind: str = Field(..., description="cash, in_kind or service.")
    amount: Decimal | None
    units: int
    amount_reason: str
    fund: str | None = Field(..., description="The fund's code.")
    status: Literal[tuple(GrantStatus.values)]  # type: ignore[valid-type]
    notice_id: int | None
    approved_at: dt.datetime
    paid_at: dt.datetime | None
    working_days_to_pay: int | None
    cancelled_reason: str
    decision_id: int
    version: int

    @staticmethod
    def resolve_policy(obj: Grant) -> str:
        return obj.policy_id

    @staticmethod
    def resolve_subject(obj: Grant) -> str:
        return obj.application.subject_label

    @staticmethod
    def resolve_region(obj: Grant) -> str:
        return obj.region_code

    @staticmethod
    def resolve_fund(obj: Grant) -> str | None:
        return obj.fund.code if obj.fund_id else None


class GrantListOut(Schema):
    count: int
    items: list[GrantOut]


class FundOut(Schema):
    id: int
    code: str
    name: str
    region_prefix: str
    department_kind: str
    policy_ids: list[str]
    unit: str = Field(..., description='"元" for money, else the quota\'s unit (份).')
    budget: Decimal
    committed: Decimal
    paid: Decimal
    available: Decimal
    valid_from: dt.date
    valid_to: dt.date | None
    source: str
    version: int


class MovementOut(Schema):
    kind: str
    amount: Decimal
    grant_id: int | None
    at: dt.datetime


class FundDetailOut(FundOut):
    movements: list[MovementOut] = Field(..., description="The latest 100 movements, newest first.")

    @staticmethod
    def resolve_movements(obj: Fund) -> list:
        return list(obj.movements.order_by("-at", "-id")[:100])


class FundListOut(Schema):
    count: int
    items: list[FundOut]


class BatchOut(Schema):
    id: int
    number: str
    fund: str
    region_prefix: str
    status: str
    created_at: dt.datetime
    exported_at: dt.datetime | None
    closed_at: dt.datetime | None
    line_count: int
    total: Decimal
    version: int

    @staticmethod
    def resolve_fund(obj: PaymentBatch) -> str:
        return obj.fund.code


class LineOut(Schema):
    id: int
    reference: str
    grant_id: int
    payee_name: str = Field(..., description="Masked: the surname only.")
    account: str = Field(..., description="Masked.")
    bank_name: str
    amount: Decimal
    status: str
    failure_reason: str
    settled_at: dt.datetime | None

    @staticmethod
    def resolve_payee_name(obj: PaymentLine) -> str:
        name = obj.payee_name or ""
        return name[:1] + "*" * (len(name) - 1) if name else ""

    @staticmethod
    def resolve_account(obj: PaymentLine) -> str:
        return obj.account_masked


class BatchDetailOut(BatchOut):
    lines: list[LineOut] = Field(..., description="lines_limit lines from lines_offset, in order.")
    lines_count: int = Field(..., description="All lines of the batch.")

    @staticmethod
    def resolve_lines(obj: PaymentBatch) -> list:
        return obj.page_lines

    @staticmethod
    def resolve_lines_count(obj: PaymentBatch) -> int:
        return obj.all_lines


class BatchListOut(Schema):
    count: int
    items: list[BatchOut]


class ApplicationQuery(Schema):
    model_config = ConfigDict(json_schema_extra=_no_null_defaults)

    policy: str = Field(None, max_length=80)
    status: Literal[tuple(ApplicationStatus.values)] = None  # type: ignore[valid-type]
    door: Literal[tuple(Door.values)] = None  # type: ignore[valid-type]
    step: str = Field(None, max_length=40, description="The current step's code.")
    region: str = Field(None, pattern=_REGION, description="Division code prefix (2, 4, 6, 9 or 12 digits).")
    subject_type: Literal[tuple(SUBJECTS)] = None  # type: ignore[valid-type]
    subject_id: int = Field(None, ge=1, le=_MAX_PK)
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=2_147_483_647)


class GrantQuery(Schema):
    model_config = ConfigDict(json_schema_extra=_no_null_defaults)

    policy: str = Field(None, max_length=80)
    status: Literal[tuple(GrantStatus.values)] = None  # type: ignore[valid-type]
    region: str = Field(None, pattern=_REGION)
    fund: str = Field(None, max_length=40, description="The fund's code.")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=2_147_483_647)


class PageQuery(Schema):
    model_config = ConfigDict(json_schema_extra=_no_null_defaults)

    region: str = Field(None, pattern=_REGION)
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=2_147_483_647)


class LinesQuery(Schema):
    lines_limit: int = Field(200, ge=1, le=MAX_LINES)
    lines_offset: int = Field(0, ge=0, le=2_147_483_647)


# -- helpers ----------------------------------------------------------------------------------

def _pk(value: int) -> int:
    if not 0 < value <= _MAX_PK:  # beyond a database integer: cannot exist
        raise Http404
    return value


def _require(ok: bool, msgid: str) -> None:
    if not ok:
        raise ApiError.one(403, msgid)


def _clean_text(values: dict[str, Any]) -> None:
    problems = text_problems({k: v for k, v in values.items() if isinstance(v, str)})
    if problems:
        raise ApiError(422, problems)


def _page(qs, limit: int, offset: int) -> dict[str, Any]:
    count = qs.count()
    return {"count": count, "items": list(qs[offset: offset + limit]) if offset < count else []}


def _label(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def _steps(application: Application) -> list[dict[str, Any]]:
    out = []
    for s in selectors.steps_of(application):
        task = s.task
        out.append({
            "position": s.position, "code": s.code, "label": _label(s.label_zh, s.label_en),
            "department_kind": s.department_kind, "role": s.role, "state": s.state, "working_days": s.working_days,
            "opened_on": task.opened_on if task else None, "due_on": task.due_on if task else None,
            "decided_by": s.decided_by.username if s.decided_by_id else None, "decided_at": s.decided_at,
            "by_data": s.by_data, "reason": s.reason,
            "events": [{"outcome": e.outcome, "reason": e.reason, "by_data": e.by_data,
                        "actor": e.actor.username if e.actor_id else None, "at": e.at} for e in s.events.all()],
        })
    return out


def _detail(request: HttpRequest, application: Application, response: HttpResponse) -> Application:
    response["ETag"] = etag(application.version)
    return application


def _application(request: HttpRequest, application_id: int) -> Application:
    _require(ApplicationPolicy.can(request.auth, "view"), N_("您没有查看待遇申请的权限。"))
    return selectors.get_application_for_user(request.auth, _pk(application_id))


def _refused_by_service(exc: Exception) -> ApiError:
    """Refusals that do not come as a BenefitError: a task closed meanwhile by someone else, a
    database constraint (the one open application, the one live grant)."""
    if isinstance(exc, IntegrityError):
        return ApiError.one(409, N_("该记录刚被其他操作修改，请重新读取后再试。"))
    return ApiError.one(409, getattr(exc, "message", None) or N_("该事项已经办结，不能重复办结。"))


# -- applications -------------------------------------------------------------------------------

@router.get("/applications", response={200: ApplicationListOut, **_ERRORS}, summary="List applications")
def application_list(request: HttpRequest, filters: Query[ApplicationQuery]):
    _require(ApplicationPolicy.can(request.auth, "view"), N_("您没有查看待遇申请的权限。"))
    _clean_text({"policy": filters.policy, "step": filters.step})
    qs = selectors.filtered_applications(request.auth, policy=filters.policy or "", status=filters.status or "",
                                         door=filters.door or "", step=filters.step or "", within=filters.region or "")
    if filters.subject_type:
        qs = qs.filter(subject_type=filters.subject_type)
    if filters.subject_id:
        qs = qs.filter(subject_id=filters.subject_id)
    return _page(qs.order_by("-created_at", "-id"), filters.limit, filters.offset)


@router.get("/applications/{application_id}", response={200: ApplicationDetailOut, **_ERRORS},
            summary="One application: its chain of steps and the decision it was taken on")
def application_detail(request: HttpRequest, application_id: int, response: HttpResponse):
    return _detail(request, _application(request, application_id), response)


@router.post("/applications", response={201: ApplicationDetailOut, **_ERRORS},
             summary="Take an application at the counter")
def application_create(request: HttpRequest, payload: ApplicationCreateIn, response: HttpResponse):
    _require(ApplicationPolicy.can(request.auth, "create"), N_("您没有受理待遇申请的权限。"))
    data = payload.model_dump()
    _clean_text(data)
    policy = get_policy(payload.policy)
    if policy is None:
        raise ApiError.one(422, N_("政策不存在或未通过校验。"), "policy")
    try:
        application = services.application_create(
            actor=request.auth, policy=policy, subject_type=payload.subject_type, subject_id=payload.subject_id,
            door=Door.COUNTER, phone=payload.phone.strip(), payee_name=payload.payee_name,
            bank_name=payload.bank_name, account=payload.account, note=payload.note)
    except IntegrityError as exc:
        raise _refused_by_service(exc) from None
    application = selectors.get_application_for_user(request.auth, application.pk)
    return 201, _detail(request, application, response)


_IF_MATCH = Header(None, alias="If-Match", description='The version read (its ETag, e.g. "3"). Required: '
                   "refused with 409 if the application has changed since, 428 when missing.")


@router.post("/applications/{application_id}/decide", response={200: ApplicationDetailOut, 428: ProblemOut, **_ERRORS},
             summary="Decide the current step (pass, fail, return)")
def application_decide(request: HttpRequest, application_id: int, payload: DecideIn, response: HttpResponse,
                       if_match: str | None = _IF_MATCH):
    from anju.policies.services import DecisionError
    from anju.workflow.services import TaskError

    try:
        versions = versions_from_if_match(if_match)
    except ValueError:
        raise ApiError.one(400, N_('If-Match 请求头应为该记录的 ETag（版本号，例如 "3"）。'), "If-Match") from None
    if versions is None:
        raise ApiError.one(428, N_('办理须带 If-Match 请求头（读取时的 ETag，例如 "3"），以免覆盖他人刚作的办理。'), "If-Match")
    _clean_text({"reason": payload.reason})
    application = _application(request, application_id)
    if application.version not in versions:
        raise VersionConflict(expected=max(versions), current=application.version)
    try:
        with transaction.atomic():
            # The service locks the row and refuses it if it moved on since this read.
            services.step_decide(actor=request.auth, application=application.pk, outcome=payload.outcome,
                                 reason=payload.reason, version=application.version,
                                 amount=None if payload.amount is None else str(payload.amount))
    except (TaskError, IntegrityError) as exc:
        raise _refused_by_service(exc) from None
    except DecisionError:
        raise ApiError.one(422, N_("金额应为不小于 0 的数字，最多两位小数。"), "amount") from None
    return _detail(request, selectors.get_application_for_user(request.auth, application.pk), response)


# -- grants ---------------------------------------------------------------------------------------

def _grants(request: HttpRequest):
    _require(GrantPolicy.can(request.auth, "view"), N_("您没有查看待遇发放的权限。"))
    return GrantPolicy.scope(request.auth, Grant.objects.select_related("application", "fund"))


@router.get("/grants", response={200: GrantListOut, **_ERRORS}, summary="List grants")
def grant_list(request: HttpRequest, filters: Query[GrantQuery]):
    qs = _grants(request)
    _clean_text({"policy": filters.policy, "fund": filters.fund})
    if filters.region:
        qs = GrantPolicy.scope(request.auth, qs, within=filters.region)
    if filters.policy:
        qs = qs.filter(policy_id=filters.policy)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.fund:
        qs = qs.filter(fund__code=filters.fund)
    return _page(qs.order_by("-approved_at", "-id"), filters.limit, filters.offset)


@router.get("/grants/{grant_id}", response={200: GrantOut, **_ERRORS}, summary="One grant")
def grant_detail(request: HttpRequest, grant_id: int, response: HttpResponse):
    grant = _grants(request).filter(pk=_pk(grant_id)).first()
    if grant is None:
        raise Http404
    response["ETag"] = etag(grant.version)
    return grant


# -- funds ----------------------------------------------------------------------------------------

def _funds(request: HttpRequest, within: str = ""):
    _require(FundPolicy.can(request.auth, "view"), N_("您没有查看资金与名额的权限。"))
    return FundPolicy.scope(request.auth, Fund.objects.all(), within=within)


@router.get("/funds", response={200: FundListOut, **_ERRORS}, summary="List funds and quotas")
def fund_list(request: HttpRequest, filters: Query[PageQuery]):
    return _page(_funds(request, filters.region or "").order_by("region_prefix", "code"), filters.limit, filters.offset)


@router.get("/funds/{fund_id}", response={200: FundDetailOut, **_ERRORS},
            summary="One fund or quota, with its latest movements")
def fund_detail(request: HttpRequest, fund_id: int, response: HttpResponse):
    fund = _funds(request).filter(pk=_pk(fund_id)).first()
    if fund is None:
        raise Http404
    response["ETag"] = etag(fund.version)
    return fund


# -- payment batches --------------------------------------------------------------------------------

def _batches(request: HttpRequest, within: str = ""):
    _require(PaymentPolicy.can(request.auth, "view"), N_("您没有查看拨付批次的权限。"))
    return PaymentPolicy.scope(request.auth, PaymentBatch.objects.select_related("fund"), within=within)


@router.get("/payment-batches", response={200: BatchListOut, **_ERRORS}, summary="List payment batches")
def batch_list(request: HttpRequest, filters: Query[PageQuery]):
    return _page(_batches(request, filters.region or "").order_by("-created_at", "-id"), filters.limit, filters.offset)


@router.get("/payment-batches/{batch_id}", response={200: BatchDetailOut, **_ERRORS},
            summary="One payment batch with its lines (accounts masked)")
def batch_detail(request: HttpRequest, batch_id: int, response: HttpResponse, page: Query[LinesQuery]):
    batch = _batches(request).filter(pk=_pk(batch_id)).first()
    if batch is None:
        raise Http404
    response["ETag"] = etag(batch.version)
    lines = batch.lines.order_by("id")
    batch.all_lines = lines.count()
    batch.page_lines = list(lines[page.lines_offset: page.lines_offset + page.lines_limit])
    return batch

