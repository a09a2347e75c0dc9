"""API: the ledger of workers. Field names follow docs/ledger-workbook.md.

The endpoints validate exactly as the web forms and the import do (`validation.clean_worker`),
scope exactly as the pages do (`selectors`), and write through the same services. ID and phone
numbers leave only masked; the full ID number only through `reveal`, which is audited.

Versions: each worker has a `version`, one more after every write; `GET`, `POST`, `PATCH` and
`PUT` answer with it as the `ETag` header (`"3"`). Send it back as `If-Match: "3"` on `PATCH` or
`PUT` (`W/"3"` and `3` are accepted too): if the record changed since, the answer is 409 and
nothing is saved — read it again and re-apply. Without `If-Match` an update is still safe for
others' edits: it is read, checked and written under a row lock, and only the fields whose value
changes are written (PUT states the whole record, so it overwrites every field it sends).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_noop as N_
from ninja import Field, Header, Query, Router, Schema
from pydantic import ConfigDict, create_model

from anju.api.errors import ApiError, ErrorOut, text_problems
from anju.lib.versioning import VersionConflict, etag, lock_versioned, versions_from_if_match
from anju.registry.choices import DifficultyType, Education, EmploymentStatus, Gender, Relation
from anju.registry.filters import WorkerFilter
from anju.registry.models import Worker
from anju.registry.permissions import WorkerPolicy
from anju.registry.selectors import get_worker_for_user, workers_for_user
from anju.registry.services import worker_create, worker_reveal_id, worker_update
from anju.registry.validation import Problem, clean_worker

router = Router(tags=["workers"])

MAX_LIMIT = 200
_MAX_PK = 2**63 - 1
_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# -- schemas ----------------------------------------------------------------------------------

class WorkerCreateIn(Schema):
    """A new person. Codes as in the ledger spec; dates ISO 8601; amounts in yuan."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., max_length=50)
    id_number: str = Field(..., max_length=20, description="GB 11643, 18 digits (15-digit legacy numbers are upgraded).")
    gender: Gender | None = Field(None, description="Derived from the ID number; if given, must agree with it.")
    birth_date: dt.date | None = Field(None, description="Derived from the ID number; if given, must agree with it.")
    phone: str | None = Field(None, max_length=20, description="Mobile number, 11 digits starting 13–19.")
    hukou_region: str | None = Field(None, max_length=12, description="Division code (6, 9 or 12 digits).")
    residence_region: str = Field(..., max_length=12, description="Division code; decides whose jurisdiction the person is in.")
    education: Education | None = None
    employment_status: EmploymentStatus
    unemployment_registered_on: dt.date | None = None
    difficulty_types: list[DifficultyType] = Field(default_factory=list, max_length=len(DifficultyType.values))
    pension_insured: bool | None = None
    medical_insured: bool | None = None
    unemployment_insured: bool | None = None
    injury_insured: bool | None = None
    ui_contribution_months: int | None = Field(None, ge=0, le=2_147_483_647)
    last_income_month: str | None = Field(None, max_length=7, examples=["2025-03"], description="YYYY-MM")
    monthly_income: Decimal | None = Field(None, description="Yuan, >= 0, at most two decimals.")
    skills: str | None = Field(None, max_length=200)
    desired_occupation: str | None = Field(None, max_length=100)
    desired_region: str | None = Field(None, max_length=12)
    expected_salary: Decimal | None = Field(None, description="Yuan, >= 0, at most two decimals.")
    training_willing: bool | None = None
    household_no: str | None = Field(None, max_length=40)
    relation_to_head: Relation | None = None
    notes: str | None = Field(None, max_length=1000)


class WorkerReplaceIn(WorkerCreateIn):
    """The whole record (PUT): fields left out are cleared. The ID number cannot change."""


# PATCH: the same fields, every one optional; only the fields sent are changed.
WorkerPatchIn = create_model(
    "WorkerPatchIn",
    __base__=Schema,
    __config__=None,
    __doc__="Some fields (PATCH): only those sent change; null clears an optional field.",
    **{
        name: (info.annotation | None, Field(None, **{
            k: v for k, v in (("max_length", _max_len), ("description", info.description)) if v is not None
        }))
        for name, info in WorkerCreateIn.model_fields.items()
        for _max_len in [next((m.max_length for m in info.metadata if hasattr(m, "max_length")), None)]
    },
)
WorkerPatchIn.model_config["extra"] = "forbid"
WorkerPatchIn.model_rebuild(force=True)


class WorkerOut(Schema):
    """A person as the API shows them: `id_number` and `phone` always masked."""

    id: int
    name: str
    id_number: str = Field(..., description="Masked, e.g. 350581********1234.")
    gender: str
    birth_date: dt.date
    phone: str = Field(..., description="Masked, e.g. 138****1234; empty when unknown.")
    hukou_region: str | None
    residence_region: str
    education: str | None
    employment_status: str
    unemployment_registered_on: dt.date | None
    difficulty_types: list[str]
    pension_insured: bool | None
    medical_insured: bool | None
    unemployment_insured: bool | None
    injury_insured: bool | None
    ui_contribution_months: int | None
    last_income_month: str | None = Field(..., description="YYYY-MM")
    monthly_income: Decimal | None
    skills: str
    desired_occupation: str
    desired_region: str | None
    expected_salary: Decimal | None
    training_willing: bool | None
    household_no: str | None
    relation_to_head: str | None
    notes: str
    last_verified_on: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(..., description="One more after every write; also the ETag. Send it as If-Match to update.")

    @staticmethod
    def resolve_id_number(obj: Worker) -> str:
        return obj.id_number_masked

    @staticmethod
    def resolve_phone(obj: Worker) -> str:
        return obj.phone_masked

    @staticmethod
    def resolve_hukou_region(obj: Worker) -> str | None:
        return obj.hukou_region_id

    @staticmethod
    def resolve_residence_region(obj: Worker) -> str:
        return obj.residence_region_id

    @staticmethod
    def resolve_desired_region(obj: Worker) -> str | None:
        return obj.desired_region_id

    @staticmethod
    def resolve_education(obj: Worker) -> str | None:
        return obj.education or None

    @staticmethod
    def resolve_relation_to_head(obj: Worker) -> str | None:
        return obj.relation_to_head or None

    @staticmethod
    def resolve_last_income_month(obj: Worker) -> str | None:
        return obj.last_income_month.strftime("%Y-%m") if obj.last_income_month else None

    @staticmethod
    def resolve_household_no(obj: Worker) -> str | None:
        return obj.household.household_no if obj.household_id else None


class WorkerListOut(Schema):
    count: int = Field(..., description="How many match, before limit/offset.")
    items: list[WorkerOut]


_SORTS = tuple(value for value, _label in WorkerFilter.base_filters["sort"].extra["choices"])


def _no_null_defaults(schema: dict, _model) -> None:
    # Query parameters are absent or have a value; a `null` default would read as the text "null".
    for prop in schema.get("properties", {}).values():
        if "default" in prop and prop["default"] is None:
            del prop["default"]


class WorkerListQuery(Schema):
    model_config = ConfigDict(json_schema_extra=_no_null_defaults)

    q: str = Field(None, max_length=50, description="Name (prefix), full ID number, or last 4 digits of the phone.")
    region: str = Field(None, pattern=r"^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$",
                        description="Division code prefix (2, 4, 6, 9 or 12 digits).")
    status: EmploymentStatus = None
    difficulty: Literal[("any", *DifficultyType.values)] = None  # type: ignore[valid-type]
    long_unemployed: bool = Field(None, description="Registered unemployed for more than 6 months.")
    unverified: bool = Field(None, description="Not verified in the last 12 months.")
    sort: Literal[_SORTS] = Field(None, description="Default: most recently registered first.")  # type: ignore[valid-type]
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=2_147_483_647)


class RevealIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=200, description="Why the full number is needed (kept in the audit log).")


class RevealOut(Schema):
    id: int
    id_number: str = Field(..., description="The full ID number.")


# -- helpers ----------------------------------------------------------------------------------

def _get(request: HttpRequest, worker_id: int) -> Worker:
    if not 0 < worker_id <= _MAX_PK:  # beyond a database integer: cannot exist
        raise Http404
    return get_worker_for_user(request.auth, worker_id)


def _require(request: HttpRequest, action: str, worker: Worker | None, msgid: str) -> None:
    allowed = WorkerPolicy.can(request.auth, action) if worker is None else WorkerPolicy.can_on(request.auth, action, worker)
    if not allowed:
        raise ApiError.one(403, msgid)


def _stored_values(worker: Worker) -> dict[str, Any]:
    """The stored record in the API's input form, so that a PATCH can be cleaned as a whole.
    Gender and birth date are left out: cleaning derives them from the ID number."""
    return {
        "name": worker.name,
        "id_number": worker.id_number,
        "phone": worker.phone,
        "hukou_region": worker.hukou_region_id,
        "residence_region": worker.residence_region_id,
        "education": worker.education,
        "employment_status": worker.employment_status,
        "unemployment_registered_on": worker.unemployment_registered_on,
        "difficulty_types": worker.difficulty_types,
        "pension_insured": worker.pension_insured,
        "medical_insured": worker.medical_insured,
        "unemployment_insured": worker.unemployment_insured,
        "injury_insured": worker.injury_insured,
        "ui_contribution_months": worker.ui_contribution_months,
        "last_income_month": worker.last_income_month,
        "monthly_income": worker.monthly_income,
        "skills": worker.skills,
        "desired_occupation": worker.desired_occupation,
        "desired_region": worker.desired_region_id,
        "expected_salary": worker.expected_salary,
        "training_willing": worker.training_willing,
        "household_no": worker.household.household_no if worker.household_id else "",
        "relation_to_head": worker.relation_to_head,
        "notes": worker.notes,
    }


def _clean(raw: dict[str, Any]) -> dict[str, Any]:
    # clean_worker refuses control characters itself, as for the form and the import.
    data, problems = clean_worker(raw)
    if problems:
        raise ApiError(422, problems)
    return data


def _conflict() -> ApiError:
    return ApiError.one(409, N_("该记录刚被其他操作修改（例如同一证件号码同时登记），请重新读取后再试。"))


# -- endpoints --------------------------------------------------------------------------------

@router.get("/workers", response={200: WorkerListOut, **_ERRORS}, summary="List workers")
def worker_list(request: HttpRequest, filters: Query[WorkerListQuery]):
    params = filters.model_dump(mode="json", exclude={"limit", "offset"}, exclude_none=True)
    problems = text_problems(params)
    if problems:
        raise ApiError(422, problems)
    # The region narrows the jurisdiction to one range, as on the list page.
    queryset = workers_for_user(request.auth, within=params.pop("region", "")).select_related("household")
    filterset = WorkerFilter(data=params, queryset=queryset, request=request)
    if not filterset.is_valid():
        # The query schema already admits only valid values; this is a safety net.
        raise ApiError(422, [Problem(field, N_("取值无效。")) for field in filterset.errors])
    qs = filterset.qs
    count = qs.count()
    items = list(qs[filters.offset: filters.offset + filters.limit]) if filters.offset < count else []
    return {"count": count, "items": items}


@router.get("/workers/{worker_id}", response={200: WorkerOut, **_ERRORS}, summary="One worker")
def worker_detail(request: HttpRequest, worker_id: int, response: HttpResponse):
    worker = _get(request, worker_id)
    response["ETag"] = etag(worker.version)
    return worker


@router.post("/workers", response={201: WorkerOut, **_ERRORS}, summary="Register a worker")
def worker_create_view(request: HttpRequest, payload: WorkerCreateIn, response: HttpResponse):
    _require(request, "create", None, N_("您没有登记人员的权限。"))
    data = _clean(payload.model_dump(mode="json"))
    try:
        worker = worker_create(actor=request.auth, data=data)
    except IntegrityError:
        raise _conflict() from None
    response["ETag"] = etag(worker.version)
    return 201, worker


_IF_MATCH = Header(None, alias="If-Match", description='The version read (its ETag, e.g. "3"): '
                   "refused with 409 if the record has changed since. Optional.")


def _if_match(header: str | None) -> set[int] | None:
    try:
        return versions_from_if_match(header)
    except ValueError:
        raise ApiError.one(400, N_('If-Match 请求头应为该记录的 ETag（版本号，例如 "3"）。'), "If-Match") from None


def _update(request: HttpRequest, worker_id: int, if_match: str | None, response: HttpResponse,
            raw_of: Callable[[Worker], dict[str, Any]]) -> Worker:
    """Read, check and write the worker in one transaction, under its row lock: `raw_of` builds
    the request from the locked record, so a PATCH never carries a stale copy of fields it did
    not send."""
    versions = _if_match(if_match)
    with transaction.atomic():
        worker = _get(request, worker_id)
        _require(request, "change", worker, N_("您没有修改该人员信息的权限。"))
        worker = lock_versioned(Worker.objects.select_related("household"), worker.pk)
        if versions is not None and worker.version not in versions:
            raise VersionConflict(expected=max(versions), current=worker.version)
        data = _clean(raw_of(worker))
        try:
            worker_update(actor=request.auth, worker=worker, data=data, expected_version=worker.version)
        except IntegrityError:
            raise _conflict() from None
    response["ETag"] = etag(worker.version)
    return worker


@router.patch("/workers/{worker_id}", response={200: WorkerOut, **_ERRORS}, summary="Change some fields")
def worker_patch(request: HttpRequest, worker_id: int, payload: WorkerPatchIn, response: HttpResponse,  # type: ignore[valid-type]
                 if_match: str | None = _IF_MATCH):
    # Clean the stored record with the changes applied, so that rules across fields still hold
    # (e.g. an unemployment registration date needs the status 'unemployed').
    given = payload.model_dump(mode="json", exclude_unset=True)  # type: ignore[attr-defined]
    return _update(request, worker_id, if_match, response, lambda worker: _stored_values(worker) | given)


@router.put("/workers/{worker_id}", response={200: WorkerOut, **_ERRORS}, summary="Replace a worker's record")
def worker_replace(request: HttpRequest, worker_id: int, payload: WorkerReplaceIn, response: HttpResponse,
                   if_match: str | None = _IF_MATCH):
    body = payload.model_dump(mode="json")
    return _update(request, worker_id, if_match, response, lambda _worker: body)


@router.post("/workers/{worker_id}/reveal", response={200: RevealOut, **_ERRORS},
             summary="Reveal the full ID number (audited)")
def worker_reveal(request: HttpRequest, worker_id: int, payload: RevealIn | None = None):
    worker = _get(request, worker_id)
    _require(request, "reveal", worker, N_("您没有查看完整证件号码的权限。"))
    reason = payload.reason if payload else ""
    problems = text_problems({"reason": reason})
    if problems:
        raise ApiError(422, problems)
    return {"id": worker.pk, "id_number": worker_reveal_id(actor=request.auth, worker=worker, reason=reason)}
