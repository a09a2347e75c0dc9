"""The OpenAPI document and the docs page; field names against the ledger contract."""

from __future__ import annotations

from django.test import Client

from anju.api.api import API_VERSION
from anju.registry.api import WorkerCreateIn, WorkerOut, WorkerPatchIn
from anju.registry.validation import WORKER_COLUMNS

SPEC_FIELDS = [name for name, _label in WORKER_COLUMNS]


def test_openapi_document_is_served_at_api_v1(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["info"]["title"] == "Anju API" and doc["info"]["version"] == API_VERSION
    paths = doc["paths"]
    assert set(paths) == {"/api/v1/auth/token", "/api/v1/workers", "/api/v1/workers/{worker_id}",
                          "/api/v1/workers/{worker_id}/reveal", "/api/v1/screening",
                          "/api/v1/benefits/applications", "/api/v1/benefits/applications/{application_id}",
                          "/api/v1/benefits/applications/{application_id}/decide",
                          "/api/v1/benefits/funds", "/api/v1/benefits/funds/{fund_id}",
                          "/api/v1/benefits/grants", "/api/v1/benefits/grants/{grant_id}",
                          "/api/v1/benefits/payment-batches", "/api/v1/benefits/payment-batches/{batch_id}",
                          "/api/v1/employment/postings", "/api/v1/employment/postings/{posting_id}",
                          "/api/v1/employment/postings/{posting_id}/move",
                          "/api/v1/employment/postings/{posting_id}/matches",
                          "/api/v1/employment/workers/{worker_id}/matches", "/api/v1/employment/referrals",
                          "/api/v1/employment/referrals/{referral_id}",
                          "/api/v1/employment/referrals/{referral_id}/advance",
                          "/api/v1/rights/tickets", "/api/v1/rights/tickets/{ticket_id}",
                          "/api/v1/rights/tickets/{ticket_id}/move", "/api/v1/rights/cases",
                          "/api/v1/rights/cases/{case_id}", "/api/v1/rights/cases/{case_id}/move",
                          "/api/v1/rights/projects", "/api/v1/rights/projects/{project_id}",
                          "/api/v1/rights/warnings"}
    assert set(paths["/api/v1/benefits/applications"]) == {"get", "post"}
    assert paths["/api/v1/benefits/applications/{application_id}/decide"]["post"]["security"] == [{"TokenAuth": []}]
    assert set(paths["/api/v1/workers/{worker_id}"]) == {"get", "patch", "put"}
    assert "security" not in paths["/api/v1/auth/token"]["post"]
    assert paths["/api/v1/auth/token"]["delete"]["security"] == [{"TokenAuth": []}]
    assert paths["/api/v1/workers"]["get"]["security"] == [{"TokenAuth": []}]
    assert doc["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert "422" in operation["responses"], (method, path)
            error = operation["responses"]["422"]["content"]["application/json"]["schema"]
            assert error["$ref"].endswith("/ErrorOut")


def test_field_names_follow_the_ledger_spec():
    assert list(WorkerCreateIn.model_fields) == SPEC_FIELDS
    assert list(WorkerPatchIn.model_fields) == SPEC_FIELDS
    assert set(WorkerOut.model_fields) == set(SPEC_FIELDS) | {"id", "created_at", "updated_at", "last_verified_on", "version"}


def test_docs_page_uses_local_assets(db):
    client = Client()
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/api/v1/openapi.json" in html and "cdn" not in html.lower()
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js"):
        assert f"/api/v1/docs/assets/{asset}" in html
        response = client.get(f"/api/v1/docs/assets/{asset}")
        assert response.status_code == 200
        response.close()
    assert client.get("/api/v1/docs/assets/..%2F..%2F__init__.py").status_code == 404
    assert client.get("/api/v1/docs/assets/settings.py").status_code == 404


def test_no_two_schemas_share_a_name():
    """OpenAPI names a component after its class: two response schemas of one name (an app's
    EventOut and another's) make one of them describe the other's answers wrongly."""
    import importlib
    import inspect

    from ninja import Schema

    seen: dict[str, str] = {}
    for module in ("accounts", "registry", "policies", "benefits", "employment", "rights"):
        mod = importlib.import_module(f"anju.{module}.api")
        for name, cls in inspect.getmembers(mod, inspect.isclass):
            if issubclass(cls, Schema) and cls.__module__ == mod.__name__:
                assert name not in seen, f"{name} in {seen.get(name)} and {mod.__name__}"
                seen[name] = mod.__name__
