"""API: the employment work — job postings (the scoped list, create, one posting, publish /
pause / fill / close), matching both ways (workers for a job, jobs for a worker; staff only),
referrals (the scoped list, recommend, one referral, record its next stage).

Scoped exactly as the pages are (`selectors`, the policies of `permissions`): staff see their
jurisdiction; an employer user sees only its own organisation's postings and the candidates
referred to them. A record outside the caller's scope answers 404, like a missing one. Writes go
through the same services; contact and worker phone and ID numbers leave only masked.

Errors: `{"code": "...", "detail": [{"field", "message", "message_en"}]}`. A posting refused by
the rule of its kind (a public welfare post above the Shanxi subsidy bound, a temporary post
under three months) answers 422 with code `posting_rule` and the rule's words.

Versions: a posting's and a referral's `version` is its `ETag` (`"3"`). Moving a posting and
advancing a referral require `If-Match` with the version read: 409 if it changed since, 428
when missing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_noop as N_
from ninja import Field, Header, Query, Router, Schema
from pydantic import ConfigDict

from anju.accounts.permissions import is_owner_scoped
from anju.api.errors import ApiError, ErrorOut, text_problems
from anju.employment import matching, occupations, selectors, services
from anju.employment.models import (
    Employer,
    JobPosting,
    Occupation,
    PayUnit,
    Physical,
    PostingKind,
    PostingStatus,
    Referral,
    ReferralStatus,
)
from anju.employment.permissions import EmployerPolicy, PostingPolicy, ReferralPolicy
from anju.lib.versioning import VersionConflict, etag, versions_from_if_match
from anju.regions.codes import PREFIX_PATTERN

router = Router(tags=["employment"])

MAX_LIMIT = 200
MATCH_LIMIT = 50
_MAX_PK = selectors.MAX_ID
_REGION = rf"^(?:{PREFIX_PATTERN})$"
_CODE = r"^[0-9]{12}$"
_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
_MOVE_ERRORS = {428: ErrorOut, **_ERRORS}
_MONEY = {"ge": 0, "max_digits": 10, "decimal_places": 2}


def _no_null_defaults(schema: dict, _model) -> None:
    # Query parameters are absent or have a value; a `null` default would read as the text "null".
    for prop in schema.get("properties", {}).values():
        if "default" in prop and prop["default"] is None:
            del prop["default"]


# -- schemas ----------------------------------------------------------------------------------

class OccupationOut(Schema):
    key: str
    code: str
    name: str


class RuleOut(Schema):
    policy: str
    title: dict[str, str]
    outcome: Literal["passed", "refused", "unknown"]
    failed: list[dict[str, str]]
    source: str


class PostingOut(Schema):
    id: int
    kind: Literal[tuple(PostingKind.values)]  # type: ignore[valid-type]
    status: Literal[tuple(PostingStatus.values)]  # type: ignore[valid-type]
    title: str
    occupation: OccupationOut
    employer_id: int | None
    unit_name: str
    region: str
    address: str
    description: str
    pay_unit: Literal[tuple(PayUnit.values)]  # type: ignore[valid-type]
    pay_min: Decimal
    pay_max: Decimal
    pay_text: str = Field(..., examples=["200–220 元/天"])
    headcount: int
    hired_count: int
    start_date: dt.date | None
    duration_days: int | None
    duration_hours: int | None
    contract_months: int | None
    accident_insurance_cover: Decimal | None
    certificate: str
    age_min: int | None
    age_max: int | None
    physical: str
    requirements: str
    contact_name: str
    contact_phone: str = Field(..., description="Masked.")
    valid_from: dt.date | None
    valid_until: dt.date | None
    published_at: dt.datetime | None
    closed_at: dt.datetime | None
    close_reason: str
    source: str
    import_job_id: int | None
    rule_check: list[RuleOut] = Field(..., description="What the rules of its kind said when last checked.")
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(..., description="Also the ETag; send it as If-Match to move the posting.")

    @staticmethod
    def resolve_region(obj: JobPosting) -> str:
        return obj.region_id

    @staticmethod
    def resolve_pay_text(obj: JobPosting) -> str:
        return services.pay_text(obj)

    @staticmethod
    def resolve_contact_phone(obj: JobPosting) -> str:
        return obj.contact_phone_masked

    @staticmethod
    def resolve_rule_check(obj: JobPosting) -> list[dict[str, Any]]:
        return [{"policy": r.get("policy", ""), "title": r.get("title") or {}, "outcome": r.get("outcome", "unknown"),
                 "failed": r.get("failed") or [], "source": r.get("source", "")} for r in obj.rule_check or []]


class PostingListOut(Schema):
    count: int = Field(..., description="How many match, before limit/offset.")
    items: list[PostingOut]


class PostingIn(Schema):
    """A new posting: a draft, or published at once with `publish` (its rules checked)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal[tuple(PostingKind.values)]  # type: ignore[valid-type]
    title: str = Field(..., min_length=1, max_length=80)
    occupation: str = Field(..., min_length=1, max_length=60,
                            description="The catalogue's key or name, or an everyday name (烧焊 → 电焊工).")
    employer_id: int | None = Field(None, ge=1, le=_MAX_PK, description="Staff only; an employer user posts "
                                                                         "for its own organisation.")
    unit_name: str = Field("", max_length=120, description="Default: the employer's name.")
    region: str = Field(..., pattern=_CODE, description="The 12-digit division code of the place of work.")
    address: str = Field("", max_length=200)
    description: str = Field("", max_length=4000)
    pay_unit: Literal[tuple(PayUnit.values)] = PayUnit.MONTH  # type: ignore[valid-type]
    pay_min: Decimal = Field(..., **_MONEY)
    pay_max: Decimal = Field(..., **_MONEY)
    headcount: int = Field(1, ge=1, le=100_000)
    start_date: dt.date | None = None
    duration_days: int | None = Field(None, ge=1, le=3660)
    duration_hours: int | None = Field(None, ge=1, le=100_000)
    contract_months: int | None = Field(None, ge=1, le=600)
    accident_insurance_cover: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    certificate: str = Field("", max_length=60)
    age_min: int | None = Field(None, ge=0, le=120)
    age_max: int | None = Field(None, ge=0, le=120)
    physical: Literal[tuple(Physical.values)] = Physical.MEDIUM  # type: ignore[valid-type]
    requirements: str = Field("", max_length=2000)
    contact_name: str = Field("", max_length=30)
    contact_phone: str = Field("", max_length=20)
    valid_until: dt.date | None = None
    publish: bool = False


class MoveIn(Schema):
    model_config = ConfigDict(extra="forbid")

    move: Literal["publish", "pause", "fill", "close"]
    reason: str = Field("", max_length=200, description="Required to close.")


class PostingQuery(Schema):
    model_config = ConfigDict(json_schema_extra=_no_null_defaults)

    kind: Literal[tuple(PostingKind.values)] = None  # type: ignore[valid-type]
    status: Literal[tuple(PostingStatus.values)] = None  # type: ignore[valid-type]
    region: str = Field(None, pattern=_REGION, description="Division code prefix (2, 4, 6, 9 or 12 digits).")
    campaign: int = Field(None, ge=1, le=_MAX_PK)
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=2_147_483_647)


class PartOut(Schema):
    label: str
    points: float


class PostingBriefOut(Schema):
    id: int
    kind: str
    title: str
    unit_name: str
    region: str
    pay_text: str
    status: str

    @staticmethod
    def resolve_region(obj: JobPosting) -> str:
        return obj.region_id

    @staticmethod
    def resolve_pay_text(obj: JobPosting) -> str:
        return services.pay_text(obj)


class WorkerBriefOut(Schema):
    id: int
    name: str
    id_number: str = Field(..., description="Masked.")
    region: str = Field(..., description="The worker's residence.")

    @staticmethod
    def resolve_id_number(obj) -> str:
        return obj.id_number_masked

    @staticmethod
    def resolve_region(obj) -> str:
        return obj.residence_region_id or ""


class MatchOut(Schema):
    posting_id: int
    worker_id: int | None
    score: float = Field(..., description="0–100, higher is better.")
    parts: list[PartOut] = Field(..., description="The score broken down, in words.")
    posting: PostingBriefOut | None = None
    worker: WorkerBriefOut | None = None


class MatchListOut(Schema):
    items: list[MatchOut]


class MatchQuery(Schema):
    limit: int = Field(20, ge=1, le=MATCH_LIMIT)


class ReferralEventOut(Schema):
    status: str
    note: str
    at: dt.datetime
    by: str | None

    @staticmethod
    def resolve_by(obj) -> str | None:
        return obj.by.username if obj.by_id else None


class ReferralOut(Schema):
    id: int
    worker: WorkerBriefOut
    posting: PostingBriefOut
    status: Literal[tuple(ReferralStatus.values)]  # type: ignore[valid-type]
    origin: str
    region: str = Field(..., description="The worker's residence: whose town follows it up.")
    note: str
    reason: str
    hire_id: int | None
    score: float | None
    referred_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None
    version: int = Field(..., description="Also the ETag; send it as If-Match to advance the referral.")

    @staticmethod
    def resolve_region(obj: Referral) -> str:
        return obj.region_code

    @staticmethod
    def resolve_referred_by(obj: Referral) -> str | None:
        return obj.referred_by.username if obj.referred_by_id else None


class ReferralDetailOut(ReferralOut):
    events: list[ReferralEventOut]

    @staticmethod
    def resolve_events(obj: Referral) -> list:
        return list(obj.events.all())


class ReferralListOut(Schema):
    count: int
    items: list[ReferralOut]


class ReferralQuery(Schema):
    model_config = ConfigDict(json_schema_extra=_no_null_defaults)

    status: Literal[tuple(ReferralStatus.values)] = None  # type: ignore[valid-type]
    posting: int = Field(None, ge=1, le=_MAX_PK)
    campaign: int = Field(None, ge=1, le=_MAX_PK)
    region: str = Field(None, pattern=_REGION)
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=2_147_483_647)


class ReferralIn(Schema):
    model_config = ConfigDict(extra="forbid")

    worker_id: int = Field(..., ge=1, le=_MAX_PK)
    posting_id: int = Field(..., ge=1, le=_MAX_PK)
    note: str = Field("", max_length=200)


class HireIn(Schema):
    model_config = ConfigDict(extra="forbid")

    start_date: dt.date
    contract_months: int | None = Field(None, ge=1, le=600, description="Default: the posting's.")
    pension_insured: bool = False
    medical_insured: bool = False
    unemployment_insured: bool = False


class AdvanceIn(Schema):
    """The next stage of a referral."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["contacted", "interviewed", "hired", "not_hired", "withdrawn"]
    reason: str = Field("", max_length=200, description="Required for not_hired and withdrawn.")
    note: str = Field("", max_length=200)
    hire: HireIn | None = Field(None, description="Required for hired.")


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


def _versions(if_match: str | None) -> set[int]:
    try:
        versions = versions_from_if_match(if_match)
    except ValueError:
        raise ApiError.one(400, N_('If-Match 请求头应为该记录的 ETag（版本号，例如 "3"）。'), "If-Match") from None
    if versions is None:
        raise ApiError.one(428, N_('该操作须带 If-Match 请求头（读取时的 ETag，例如 "3"），以免覆盖他人刚作的修改。'),
                           "If-Match")
    return versions


_IF_MATCH = Header(None, alias="If-Match", description='The version read (its ETag, e.g. "3"). Required: '
                   "refused with 409 if the record has changed since, 428 when missing.")


def _staff(request: HttpRequest) -> None:
    _require(not is_owner_scoped(request.auth) and PostingPolicy.can(request.auth, "view"),
             N_("只有工作人员可以查看人岗匹配。"))


def _posting(request: HttpRequest, posting_id: int) -> JobPosting:
    _require(PostingPolicy.can(request.auth, "view"), N_("您没有查看招聘岗位的权限。"))
    return selectors.get_posting_for_user(request.auth, _pk(posting_id))


def _posting_out(posting_id: int, request: HttpRequest, response: HttpResponse) -> JobPosting:
    posting = selectors.get_posting_for_user(request.auth, posting_id)
    response["ETag"] = etag(posting.version)
    return posting


def _occupation(text: str) -> Occupation:
    found = Occupation.objects.filter(key=text).first()
    if found is None:
        pk = occupations.resolve(text)
        found = Occupation.objects.filter(pk=pk).first() if pk else None
    if found is None:
        raise ApiError.one(422, N_("职业目录中没有“%(value)s”（也不是已知的俗称）。"), "occupation", value=text[:30])
    return found


def _posting_data(request: HttpRequest, payload: PostingIn) -> dict[str, Any]:
    from anju.lib.identifiers import IdentifierError, validate_mobile
    from anju.regions.models import Region

    data = payload.model_dump(exclude={"publish", "employer_id", "occupation", "region"})
    _clean_text({**data, "occupation": payload.occupation})
    if not Region.objects.filter(pk=payload.region, abolished=False).exists():
        raise ApiError.one(422, N_("工作地点不是有效的区划代码。"), "region")
    data["region_id"] = payload.region
    data["occupation"] = _occupation(payload.occupation.strip())
    if payload.contact_phone.strip():
        try:
            data["contact_phone"] = validate_mobile(payload.contact_phone)
        except IdentifierError:
            raise ApiError.one(422, N_("联系电话应为 11 位手机号码。"), "contact_phone") from None
    if payload.employer_id is not None and not is_owner_scoped(request.auth):
        employer = EmployerPolicy.scope(request.auth, Employer.objects.all()).filter(pk=payload.employer_id).first()
        if employer is None:
            raise ApiError.one(422, N_("用人单位不存在或不在您的管辖范围内。"), "employer_id")
        data["employer"] = employer
    for name in ("title", "unit_name", "address", "description", "certificate", "requirements", "contact_name"):
        data[name] = data[name].strip()
    return data


def _refused(exc: Exception) -> ApiError:
    return ApiError.one(409, N_("该记录刚被其他操作修改，请重新读取后再试。"))


# -- postings ---------------------------------------------------------------------------------

@router.get("/postings", response={200: PostingListOut, **_ERRORS}, summary="List job postings")
def posting_list(request: HttpRequest, filters: Query[PostingQuery]):
    _require(PostingPolicy.can(request.auth, "view"), N_("您没有查看招聘岗位的权限。"))
    qs = selectors.filtered_postings(request.auth, kind=filters.kind or "", status=filters.status or "",
                                     campaign=filters.campaign)
    if filters.region:
        qs = PostingPolicy.scope(request.auth, qs, within=filters.region)
    return _page(qs.order_by("-created_at", "-id"), filters.limit, filters.offset)


@router.post("/postings", response={201: PostingOut, **_ERRORS}, summary="Post a job (a draft, or published)")
def posting_create(request: HttpRequest, payload: PostingIn, response: HttpResponse):
    _require(PostingPolicy.can(request.auth, "create"), N_("您没有发布招聘岗位的权限。"))
    data = _posting_data(request, payload)
    posting = services.posting_create(actor=request.auth, data=data, publish=payload.publish)
    return 201, _posting_out(posting.pk, request, response)


@router.get("/postings/{posting_id}", response={200: PostingOut, **_ERRORS}, summary="One job posting")
def posting_detail(request: HttpRequest, posting_id: int, response: HttpResponse):
    posting = _posting(request, posting_id)
    response["ETag"] = etag(posting.version)
    return posting


@router.post("/postings/{posting_id}/move", response={200: PostingOut, **_MOVE_ERRORS},
             summary="Publish, pause, fill or close a posting")
def posting_move(request: HttpRequest, posting_id: int, payload: MoveIn, response: HttpResponse,
                 if_match: str | None = _IF_MATCH):
    versions = _versions(if_match)
    _clean_text({"reason": payload.reason})
    posting = _posting(request, posting_id)
    _require(PostingPolicy.can_on(request.auth, "change", posting), N_("您没有管理该岗位的权限。"))
    if posting.version not in versions:
        raise VersionConflict(expected=max(versions), current=posting.version)
    try:
        services.posting_move(actor=request.auth, posting=posting, move=payload.move, reason=payload.reason,
                              expected_version=posting.version)
    except IntegrityError as exc:
        raise _refused(exc) from None
    return _posting_out(posting.pk, request, response)


# -- matching ---------------------------------------------------------------------------------

def _matches(items) -> dict[str, Any]:
    out = []
    for m in items:
        out.append({"posting_id": m.posting_id, "worker_id": m.worker_id, "score": round(float(m.score), 2),
                    "parts": [{"label": str(p.label), "points": round(float(p.points), 2)} for p in m.parts],
                    "posting": getattr(m, "posting", None), "worker": getattr(m, "worker", None)})
    return {"items": out}


@router.get("/postings/{posting_id}/matches", response={200: MatchListOut, **_ERRORS},
            summary="Workers for a job (staff only), each with its score in words")
def posting_matches(request: HttpRequest, posting_id: int, page: Query[MatchQuery]):
    _staff(request)
    posting = _posting(request, posting_id)
    user = request.auth
    found = matching.workers_for_job(posting, limit=page.limit, region_prefix=user.jurisdiction or "", user=user)
    return _matches(found)


@router.get("/workers/{worker_id}/matches", response={200: MatchListOut, **_ERRORS},
            summary="Jobs for a worker (staff only), each with its score in words")
def worker_matches(request: HttpRequest, worker_id: int, page: Query[MatchQuery]):
    from anju.registry.selectors import get_worker_for_user

    _staff(request)
    worker = get_worker_for_user(request.auth, _pk(worker_id))
    return _matches(matching.jobs_for_worker(worker, limit=page.limit, user=request.auth))


# -- referrals --------------------------------------------------------------------------------

def _referral(request: HttpRequest, referral_id: int) -> Referral:
    _require(ReferralPolicy.can(request.auth, "view"), N_("您没有查看岗位推荐的权限。"))
    return selectors.get_referral_for_user(request.auth, _pk(referral_id))


def _referral_out(request: HttpRequest, referral_id: int, response: HttpResponse) -> Referral:
    referral = selectors.get_referral_for_user(request.auth, referral_id)
    response["ETag"] = etag(referral.version)
    return referral


@router.get("/referrals", response={200: ReferralListOut, **_ERRORS}, summary="List referrals")
def referral_list(request: HttpRequest, filters: Query[ReferralQuery]):
    _require(ReferralPolicy.can(request.auth, "view"), N_("您没有查看岗位推荐的权限。"))
    qs = selectors.filtered_referrals(request.auth, status=filters.status or "", campaign=filters.campaign,
                                      posting=filters.posting)
    if filters.region:
        qs = ReferralPolicy.scope(request.auth, qs, within=filters.region)
    return _page(qs.order_by("-created_at", "-id"), filters.limit, filters.offset)


@router.post("/referrals", response={201: ReferralDetailOut, **_ERRORS},
             summary="Recommend a published job to a worker (the worker is told by SMS)")
def referral_create(request: HttpRequest, payload: ReferralIn, response: HttpResponse):
    from anju.registry.selectors import get_worker_for_user

    _require(ReferralPolicy.can(request.auth, "create"), N_("您没有推荐岗位的权限。"))
    _clean_text({"note": payload.note})
    worker = get_worker_for_user(request.auth, payload.worker_id)
    posting = selectors.get_posting_for_user(request.auth, payload.posting_id)
    try:
        referral = services.referral_create(actor=request.auth, worker=worker, posting=posting, note=payload.note.strip())
    except IntegrityError as exc:
        raise _refused(exc) from None
    return 201, _referral_out(request, referral.pk, response)


@router.get("/referrals/{referral_id}", response={200: ReferralDetailOut, **_ERRORS},
            summary="One referral with its stages")
def referral_detail(request: HttpRequest, referral_id: int, response: HttpResponse):
    referral = _referral(request, referral_id)
    response["ETag"] = etag(referral.version)
    return referral


@router.post("/referrals/{referral_id}/advance", response={200: ReferralDetailOut, **_MOVE_ERRORS},
             summary="Record a referral's next stage: contacted, interviewed, hired, not hired, withdrawn")
def referral_advance(request: HttpRequest, referral_id: int, payload: AdvanceIn, response: HttpResponse,
                     if_match: str | None = _IF_MATCH):
    versions = _versions(if_match)
    _clean_text({"reason": payload.reason, "note": payload.note})
    referral = _referral(request, referral_id)
    _require(ReferralPolicy.can_on(request.auth, "change", referral), N_("您没有跟进该推荐的权限。"))
    if referral.version not in versions:
        raise VersionConflict(expected=max(versions), current=referral.version)
    hire = payload.hire.model_dump() if payload.hire else None
    try:
        services.referral_advance(actor=request.auth, referral=referral, status=payload.status, reason=payload.reason,
                                  note=payload.note, hire=hire, expected_version=referral.version)
    except IntegrityError as exc:
        raise _refused(exc) from None
    return _referral_out(request, referral.pk, response)
