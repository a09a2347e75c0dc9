"""Property-based run over the whole API from its own OpenAPI document: no input makes a 5xx.

Every operation gets valid (positive) and invalid (negative) requests as a real client would send
them, through the WSGI application, authenticated with a real token. Bounded to stay well under a
minute; raise ANJU_FUZZ_EXAMPLES for a longer hunt.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from anju.accounts.tokens import token_issue
from anju.registry.tests.factories import make_worker, next_id_number
from anju.wsgi import application

EXAMPLES = int(os.environ.get("ANJU_FUZZ_EXAMPLES", "8"))


@pytest.fixture
def wsgi_in_test_transaction(db):
    """Call the real WSGI app inside the test's transaction, as Django's test client does: without
    this, request_finished would close the connection and roll the test's data away."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_no_input_makes_a_server_error(wsgi_in_test_transaction, personas):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_in_test_transaction)
    key, _token = token_issue(user=personas.admin)
    headers = {"Authorization": f"Bearer {key}"}
    real_id = make_worker(residence="350581001000", name="样本").pk
    make_worker(residence="141127101000", name="样本二", id_number=next_id_number("141127"))

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 7
    for operation in operations:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            fuzz(operation, mode, headers=headers, real_id=real_id)


def fuzz(operation, mode, *, headers: dict, real_id: int) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def run(case):
        targets = [None]
        if "worker_id" in (case.path_parameters or {}):
            targets.append(real_id)  # a record that exists, not only random ids
        for target in targets:
            if target is not None:
                case.path_parameters["worker_id"] = target
            response = case.call(headers=headers)
            checks = [not_a_server_error]
            if mode.is_positive and response.status_code in (200, 201, 422):
                checks.append(response_schema_conformance)
            case.validate_response(response, checks=checks, headers=headers)

    run()
