"""The benefits API: counter intake, the scoped lists, a step decided with If-Match, grants,
funds and payment batches; every error a problem with a code; the endpoints in the OpenAPI
document."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from anju.api.tests.conftest import ApiClient
from anju.benefits import services
from anju.benefits.models import Application, Door, Fund, Grant
from anju.benefits.tests.factories import (
    POLICY,
    chain_people,
    fund,
    living_standard,
    qualifying_worker,
)
from anju.policies.packs import get_policy

pytestmark = pytest.mark.django_db

ACCOUNT = "6222020200112233445"


@pytest.fixture
def people():
    living_standard()
    return chain_people()


def api(user=None) -> ApiClient:
    return ApiClient(user)


def create(client, worker, **extra):
    return client.post("benefits/applications", {"policy": POLICY, "subject_type": "worker", "subject_id": worker.pk,
                                                  **extra})


def decide(client, app_id, etag, **body):
    headers = {"HTTP_IF_MATCH": etag} if etag is not None else {}
    return client.client.post(f"/api/v1/benefits/applications/{app_id}/decide", data=body,
                              content_type="application/json", headers=client.headers, **headers)


def test_counter_intake_detail_and_second_refused(people):
    fund()
    worker = qualifying_worker()
    town = api(people.town)
    answer = create(town, worker, account=ACCOUNT, bank_name="农业银行")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert answer["ETag"] == f'"{body["version"]}"'
    assert body["door"] == "counter" and body["status"] == "in_review" and body["current_step"] == "town_verification"
    assert body["account"] != ACCOUNT and body["account"].endswith("3445") and "*" in body["account"]
    assert "*" in body["phone"] and body["decision"]["status"] == "eligible"
    assert [s["code"] for s in body["steps"]] == ["town_verification", "insurance_check", "approval"]
    assert body["steps"][0]["state"] == "open" and body["steps"][0]["due_on"] and body["can_decide"] is True
    again = create(town, worker)
    assert again.status_code == 422 and again.json()["code"] == "already_open"
    detail = town.get(f"benefits/applications/{body['id']}")
    assert detail.status_code == 200 and detail.json()["id"] == body["id"]


def test_bad_input_is_a_coded_problem(people):
    worker = qualifying_worker()
    town = api(people.town)
    assert create(town, worker, extra="x").json()["code"] == "invalid"
    unknown = town.post("benefits/applications", {"policy": "no-such", "subject_id": worker.pk})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["field"] == "policy"
    missing = town.post("benefits/applications", {"policy": POLICY, "subject_id": 10**9})
    assert missing.status_code == 422 and missing.json()["code"] == "invalid"
    assert town.post("benefits/applications", raw="{not json").json()["code"] == "bad_request"
    bad_account = create(town, worker, account="12ab")
    assert bad_account.status_code == 422 and bad_account.json()["detail"][0]["field"] == "account"
    nul = create(town, worker, note="a\x00b")
    assert nul.status_code == 422
    assert town.get("benefits/applications", region="35x").json()["code"] == "invalid"
    assert town.get("benefits/applications", limit=0).status_code == 422
    assert town.get("benefits/applications/99999999999999999999").status_code in (404, 422)
    assert town.get("benefits/applications/0").json()["code"] == "not_found"
    anonymous = api().get("benefits/applications")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthenticated"
    assert not Application.objects.exists()


def test_scoped_like_the_pages(people, django_assert_max_num_queries):
    here = qualifying_worker()
    there = qualifying_worker(residence="350581002000")
    town, other = api(people.town), api(people.other_town)
    mine = create(town, here).json()["id"]
    # The other town's officer cannot take an application for someone outside their jurisdiction.
    refused = create(other, here)
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    create(other, there)
    listed = town.get("benefits/applications").json()
    assert listed["count"] == 1 and [a["id"] for a in listed["items"]] == [mine]
    assert other.get(f"benefits/applications/{mine}").status_code == 404
    county = api(people.hrss)
    with django_assert_max_num_queries(6):
        everything = county.get("benefits/applications", policy=POLICY, status="in_review", door="counter")
    assert everything.json()["count"] == 2
    assert county.get("benefits/applications", region="350581002").json()["count"] == 1
    assert county.get("benefits/applications", step="approval").json()["count"] == 0
    assert county.get("benefits/applications", offset=5).json() == {"count": 2, "items": []}
    # Far away: nothing.
    assert api(people.lanxian_civil).get("benefits/applications").json()["count"] == 0


def test_decide_with_if_match(people):
    fund()
    app_id = create(api(people.town), qualifying_worker(), account=ACCOUNT).json()["id"]
    town, hrss, civil = api(people.town), api(people.hrss), api(people.civil)
    etag = town.get(f"benefits/applications/{app_id}")["ETag"]
    missing = decide(town, app_id, None, outcome="pass")
    assert missing.status_code == 428 and missing.json()["code"] == "precondition_required"
    assert decide(town, app_id, "garbage", outcome="pass").json()["code"] == "bad_request"
    assert decide(town, app_id, etag, outcome="maybe").status_code == 422
    not_mine = decide(civil, app_id, etag, outcome="pass")
    assert not_mine.status_code == 403 and not_mine.json()["code"] == "not_yours"
    assert decide(api(people.other_town), app_id, etag, outcome="pass").status_code == 404
    passed = decide(town, app_id, etag, outcome="pass")
    assert passed.status_code == 200 and passed.json()["current_step"] == "insurance_check"
    assert passed["ETag"] != etag
    stale = decide(town, app_id, etag, outcome="pass")
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    # Fail needs a reason; an amount only at the last step.
    etag = passed["ETag"]
    assert decide(hrss, app_id, etag, outcome="fail").json()["detail"][0]["field"] == "reason"
    assert decide(hrss, app_id, etag, outcome="pass", amount="100").json()["detail"][0]["field"] == "amount"
    etag = decide(hrss, app_id, etag, outcome="pass")["ETag"]
    approved = decide(civil, app_id, etag, outcome="pass", amount="3200.00", reason="家有病人")
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "approved" and approved.json()["grant"]["amount"] == "3200.00"
    assert Fund.objects.get().committed == Decimal("3200.00")
    again = decide(civil, app_id, approved["ETag"], outcome="pass")
    assert again.status_code == 409 and again.json()["code"] == "not_in_review"


def test_fund_overdrawn_is_a_coded_conflict(people):
    fund(budget="3000")
    app_id = create(api(people.town), qualifying_worker()).json()["id"]
    for actor in (people.town, people.hrss):
        services.step_decide(actor=actor, application=app_id, outcome="pass")
    civil = api(people.civil)
    etag = civil.get(f"benefits/applications/{app_id}")["ETag"]
    refused = decide(civil, app_id, etag, outcome="pass", amount="3200", reason="x")
    assert refused.status_code == 409 and refused.json()["code"] == "fund_overdrawn"
    assert "3000" in refused.json()["detail"][0]["message"] and not Grant.objects.exists()


def _paid_out(people):
    fund()
    app = services.application_create(actor=people.town, policy=get_policy(POLICY), subject_type="worker",
                                      subject_id=qualifying_worker().pk, door=Door.COUNTER, account=ACCOUNT,
                                      bank_name="农业银行")
    for actor in (people.town, people.hrss):
        app = services.step_decide(actor=actor, application=app, outcome="pass")
    services.step_decide(actor=people.civil, application=app, outcome="pass", amount="2400", reason="三个月")
    notice = services.notice_publish(actor=people.civil, policy=get_policy(POLICY), region_prefix="350581")
    services.notices_close(on=notice.closes_on + dt.timedelta(days=1))
    return services.batch_create(actor=people.finance, fund=Fund.objects.get())


def test_grants_funds_and_batches(people):
    batch = _paid_out(people)
    grant = Grant.objects.get()
    civil, finance, town = api(people.civil), api(people.finance), api(people.town)
    grants = civil.get("benefits/grants", policy=POLICY).json()
    assert grants["count"] == 1 and grants["items"][0]["amount"] == "2400.00" and grants["items"][0]["fund"]
    assert civil.get("benefits/grants", status="paid").json()["count"] == 0
    detail = civil.get(f"benefits/grants/{grant.pk}")
    assert detail.status_code == 200 and detail["ETag"] == f'"{grant.version}"'
    assert api(people.lanxian_civil).get(f"benefits/grants/{grant.pk}").status_code == 404
    funds = town.get("benefits/funds").json()  # a town officer sees the county's fund
    assert funds["count"] == 1 and funds["items"][0]["available"] == str(Decimal("5000000") - Decimal("2400") - 0) + ".00"
    fund_detail = town.get(f"benefits/funds/{funds['items'][0]['id']}").json()
    assert [m["kind"] for m in fund_detail["movements"]] == ["commit"]
    assert api(people.lanxian_civil).get(f"benefits/funds/{funds['items'][0]['id']}").status_code == 404
    # Payment batches: finance only.
    refused = town.get("benefits/payment-batches")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    listed = finance.get("benefits/payment-batches").json()
    assert listed["count"] == 1 and listed["items"][0]["number"] == batch.number
    answer = finance.get(f"benefits/payment-batches/{batch.pk}")
    assert answer.status_code == 200
    body = answer.content.decode()
    assert ACCOUNT not in body and "李四" not in body
    line = answer.json()["lines"][0]
    assert line["account"].endswith("3445") and line["payee_name"] == "李*" and answer.json()["lines_count"] == 1
    assert finance.get(f"benefits/payment-batches/{batch.pk}", lines_offset=5).json()["lines"] == []
    assert finance.get("benefits/payment-batches/123456789").status_code == 404


def test_endpoints_are_in_the_openapi_document(db):
    doc = Client().get("/api/v1/openapi.json").json()
    paths = {p for p in doc["paths"] if p.startswith("/api/v1/benefits/")}
    assert paths == {"/api/v1/benefits/applications", "/api/v1/benefits/applications/{application_id}",
                     "/api/v1/benefits/applications/{application_id}/decide", "/api/v1/benefits/grants",
                     "/api/v1/benefits/grants/{grant_id}", "/api/v1/benefits/funds", "/api/v1/benefits/funds/{fund_id}",
                     "/api/v1/benefits/payment-batches", "/api/v1/benefits/payment-batches/{batch_id}"}
    decide_op = doc["paths"]["/api/v1/benefits/applications/{application_id}/decide"]["post"]
    assert any(p["name"] == "If-Match" for p in decide_op["parameters"])
    assert decide_op["security"] == [{"TokenAuth": []}]
    for path in paths:
        for operation in doc["paths"][path].values():
            error = operation["responses"]["422"]["content"]["application/json"]["schema"]
            assert error["$ref"].endswith("/ErrorOut")
    assert "code" in doc["components"]["schemas"]["ErrorOut"]["properties"]


def test_no_input_makes_a_server_error(people):
    """Schemathesis over the benefits operations of the OpenAPI document, as a finance officer
    and as a town officer (anju/api/tests/test_schemathesis.py runs the whole API as an admin)."""
    import schemathesis
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from anju.accounts.tokens import token_issue
    from anju.wsgi import application

    batch = _paid_out(people)
    real = {"application_id": Application.objects.get().pk, "grant_id": Grant.objects.get().pk,
            "fund_id": Fund.objects.get().pk, "batch_id": batch.pk}
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
        operations = [r.ok() for r in schema.get_all_operations() if r.ok().path.startswith("/api/v1/benefits/")]
        assert len(operations) == 10  # nine paths; applications has GET and POST
        for user in (people.finance, people.town):
            key, _token = token_issue(user=user)
            headers = {"Authorization": f"Bearer {key}"}
            for operation in operations:
                for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
                    fuzz(operation, mode, headers, real)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def fuzz(operation, mode, headers: dict, real: dict) -> None:
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=8, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    def run(case):
        for name, value in real.items():
            if name in (case.path_parameters or {}):
                case.path_parameters[name] = value  # a record that exists, not only random ids
        response = case.call(headers=headers)
        checks = [not_a_server_error]
        if mode.is_positive and response.status_code in (200, 201, 422):
            checks.append(response_schema_conformance)
        case.validate_response(response, checks=checks, headers=headers)

    run()
