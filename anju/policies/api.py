"""API: screening — which policies may apply, from facts the caller gives. No login; nothing the
caller sends is stored or audited (anju/policies/screening.py does the work)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.decorators import decorate_view
from pydantic import ConfigDict

from anju.api.errors import ApiError, ErrorOut
from anju.core.ratelimit import rate_limit
from anju.lib.dates import today as local_today
from anju.policies import screening
from anju.policies.facts import SUBJECTS

router = Router(tags=["screening"])

_SUBJECTS = tuple(SUBJECTS)


class ScreeningIn(Schema):
    """Who is asking about what, where and when. Facts left out (or null) are unknown."""

    model_config = ConfigDict(extra="forbid")

    subject: Literal[_SUBJECTS] = Field("worker", description="Whom the policies are for.")  # type: ignore[valid-type]
    region: str = Field(..., max_length=12, examples=["350581001000"],
                        description="Where the person lives or the business is: a 6-, 9- or 12-digit division code.")
    date: str | None = Field(None, max_length=10, examples=["2021-06-15"], json_schema_extra={"format": "date"},
                             description="The date to screen on (YYYY-MM-DD); default today.")
    facts: dict[str, Any] = Field(
        default_factory=dict,
        examples=[{"last_income_month": "2021-02", "unemployment_insured": False, "difficulty_types": []}],
        description=(
            "Fact names of the subject (`months_without_income`, `minimum_living_allowance`, ...) or ledger "
            "field names (`employment_status`, `difficulty_types`, `last_income_month`, "
            "`unemployment_registered_on`, `unemployment_insured`, `ui_contribution_months`, `monthly_income`, "
            "`birth_date`, `id_number`, ...). A fact given both ways must agree."
        ),
    )


class Text(Schema):
    zh: str
    en: str


class DepartmentOut(Schema):
    code: str
    label: Text


class ConditionOut(Schema):
    name: str
    label: Text
    value: bool | None = Field(..., description="The condition's value; null when a fact it needs is unknown.")
    passed: bool | None = Field(..., description="For an exclusion, passed is true when it does not hold.")
    exclusion: bool
    facts: dict[str, Any] = Field(..., description="Facts read, with their values (null: unknown).")
    params: dict[str, Any] = Field(..., description="Parameters read, with the values in force.")


class StepOut(Schema):
    step: str
    department: DepartmentOut
    label: Text


class HowToApplyOut(Schema):
    proactive: bool = Field(..., description="Granted without application (免申即享).")
    outreach: bool = Field(..., description="By application, but the lead department also contacts those its records "
                                            "show may qualify (主动发现).")
    summary: Text
    steps: list[StepOut] = Field(..., description="The verification steps, in order.")


class SourceOut(Schema):
    document: str = Field(..., description="The title of the document that sets the measure.")
    title_translated: bool = Field(..., description="The title is an English translation (the Chinese one is not known).")
    issuer: str
    number: str | None = Field(..., examples=["狮委办〔2022〕19号"], description="The document number, when it has one.")
    date: dt.date | None
    article: str
    gist: Text


class RangeOut(Schema):
    min: str | None = Field(..., examples=["1000.00"], description="Yuan; null: no lower bound (or not known yet).")
    max: str | None = Field(..., examples=["2000.00"], description="Yuan; null: no upper bound (or not known yet).")


class QuotaOut(Schema):
    units: int = Field(..., examples=[500])
    unit: Text


class ParamRefOut(Schema):
    name: str
    label: Text


class UnsourcedOut(Schema):
    name: str
    label: Text
    provenance: Literal["none", "demo"] = Field(..., description='"none": the value in force names no source; '
                                                                '"demo": it is demo data.')


class AssumptionOut(Schema):
    about: Text
    reason: Text


class PolicyResultOut(Schema):
    policy: str
    title: Text
    kind: Literal["cash", "in_kind", "service"] = Field(..., description="Money, a thing, or a service (no amount).")
    status: Literal["eligible", "not_eligible", "unknown"]
    in_force: bool
    reason: str | None = Field(..., description='"not in force" when the date is outside the policy\'s validity.')
    amount: str | None = Field(..., examples=["2400.00"], description="Yuan, two decimals; null unless eligible.")
    amount_pending: bool = Field(..., description="Eligible, but the amount is not set yet (see amount_note).")
    amount_range: RangeOut | None = Field(..., description="When eligible and the policy states a range: the approver "
                                                          "chooses the amount within it.")
    amount_note: Text | None
    quota: QuotaOut | None = Field(..., description="How many units the measure may give in all.")
    missing_facts: list[str] = Field(..., description="Facts whose absence keeps the status unknown.")
    missing_params: list[ParamRefOut] = Field(..., description="Parameters with no value entered that keep the status "
                                                               "unknown or the amount pending (e.g. the minimum wage).")
    unsourced_params: list[UnsourcedOut] = Field(..., description="Parameters read whose value has no source or is demo "
                                                                  "data: a figure resting on them is not official.")
    trace: list[ConditionOut]
    lead_department: DepartmentOut
    cooperating_departments: list[DepartmentOut]
    how_to_apply: HowToApplyOut
    source: SourceOut
    assumptions: list[AssumptionOut] = Field(..., description="What the policy assumes where its document is silent.")
    valid_from: dt.date | None
    valid_to: dt.date | None


class ScreeningOut(Schema):
    subject: str
    region: str
    date: dt.date
    facts: dict[str, Any] = Field(..., description="The facts understood, after ledger fields were turned into facts.")
    results: list[PolicyResultOut]


@router.post("/screening", auth=None, response={200: ScreeningOut, 400: ErrorOut, 413: ErrorOut, 422: ErrorOut,
                                                429: ErrorOut},
             summary="Which policies may apply (no login; nothing is stored)")
@decorate_view(rate_limit("policies.screening", api=True))  # per address (ANJU_RATE_PUBLIC)
def screen(request: HttpRequest, payload: ScreeningIn):
    problems = []
    region, problem = screening.parse_region(payload.region)
    if problem:
        problems.append(problem)
    on, problem = screening.parse_on(payload.date)
    if problem:
        problems.append(problem)
    facts, found = screening.facts_from_ledger(payload.subject, payload.facts, on or local_today())
    problems += found
    if problems:
        raise ApiError(422, problems)
    assert region is not None and on is not None
    results = screening.screen(payload.subject, region, on, facts)
    return {"subject": payload.subject, "region": region, "date": on, "facts": screening.facts_json(facts),
            "results": [screening.result_json(s) for s in results]}
