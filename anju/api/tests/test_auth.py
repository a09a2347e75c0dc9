"""POST /api/v1/auth/token and the bearer token on every other endpoint."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from anju.accounts.models import ApiToken
from anju.accounts.tests.factories import PASSWORD
from anju.audit.models import Action, AuditEvent

from .conftest import fields_of


def login(api_as, username, password=PASSWORD):
    return api_as(None).post("auth/token", {"username": username, "password": password})


def bearer(key):
    from .conftest import ApiClient

    client = ApiClient()
    client.headers["Authorization"] = f"Bearer {key}"
    return client


def test_good_credentials_give_a_working_token_stored_only_as_hash(api_as, personas):
    response = login(api_as, "t-town")
    assert response.status_code == 200
    body = response.json()
    key = body["token"]
    token = ApiToken.objects.get(user=personas.town)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert not ApiToken.objects.filter(key_hash=key).exists()
    expires = dt.datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert dt.timedelta(hours=23, minutes=59) < expires - timezone.now() <= dt.timedelta(hours=24)
    assert bearer(key).get("workers").status_code == 200
    assert AuditEvent.objects.filter(action=Action.LOGIN, actor=personas.town).count() == 1
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("username,password", [("t-town", "wrong-pass"), ("nobody", PASSWORD)])
def test_wrong_credentials_are_401_with_a_message_and_audited(api_as, personas, username, password):
    response = login(api_as, username, password)
    assert response.status_code == 401
    [error] = response.json()["detail"]
    assert error["field"] is None and "用户名或密码错误" in error["message"]
    assert not ApiToken.objects.exists()
    assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED, actor_username=username).count() == 1


def test_inactive_user_is_refused(api_as, personas):
    personas.town.is_active = False
    personas.town.save(update_fields=["is_active"])
    assert login(api_as, "t-town").status_code == 401


def test_five_failures_lock_the_username_even_for_the_right_password(api_as, personas):
    statuses = [login(api_as, "t-town", "wrong-pass").status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    response = login(api_as, "t-town")
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")  # not axes' HTML page
    assert "锁定" in response.json()["detail"][0]["message"]
    assert not ApiToken.objects.exists()
    # Another username is not affected.
    assert login(api_as, "t-county").status_code == 200


def test_success_resets_the_failure_count(api_as, personas):
    for _ in range(4):
        login(api_as, "t-town", "wrong-pass")
    assert login(api_as, "t-town").status_code == 200
    for _ in range(4):
        assert login(api_as, "t-town", "wrong-pass").status_code == 401


@pytest.mark.parametrize("body", [
    {"username": "t-town"},
    {"username": "t-town", "password": 12},
    {"username": "t-town", "password": PASSWORD, "otp": "1"},
    {"username": "t-\x00town", "password": PASSWORD},
    {"username": "x" * 151, "password": PASSWORD},
])
def test_malformed_login_is_422(api_as, personas, body):
    response = api_as(None).post("auth/token", body)
    assert response.status_code == 422
    assert fields_of(response) <= {"username", "password", "otp"}


def test_token_endpoint_needs_no_csrf_or_session(personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/v1/auth/token", {"username": "t-town", "password": PASSWORD},
                           content_type="application/json")
    assert response.status_code == 200


def test_expired_token_is_401(api_as, personas):
    client = api_as(personas.town)
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("workers")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "令牌" in response.json()["detail"][0]["message"]


@pytest.mark.parametrize("header", [
    None, "Bearer", "Bearer ", "Bearer nonsense", "Token abc", "Basic dDpw",
    "Bearer " + "x" * 5000, "Bearer anju_\u00e9\u4e2d",
])
def test_missing_or_unknown_token_is_401(api_as, personas, header):
    client = api_as(None)
    if header is not None:
        client.headers["Authorization"] = header
    assert client.get("workers").status_code == 401


def test_token_of_a_deactivated_user_stops_working(api_as, personas):
    client = api_as(personas.town)
    assert client.get("workers").status_code == 200
    personas.town.is_active = False
    personas.town.save(update_fields=["is_active"])
    assert client.get("workers").status_code == 401


def test_every_endpoint_but_the_token_one_requires_a_token(api_as, personas):
    client = api_as(None)
    assert client.get("workers/1").status_code == 401
    assert client.post("workers", {}).status_code == 401
    assert client.patch("workers/1", {}).status_code == 401
    assert client.put("workers/1", {}).status_code == 401
    assert client.post("workers/1/reveal", {}).status_code == 401


def test_each_login_issues_a_new_token_and_drops_expired_ones(api_as, personas):
    first = login(api_as, "t-town").json()["token"]
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    second = login(api_as, "t-town").json()["token"]
    assert first != second
    assert ApiToken.objects.filter(user=personas.town).count() == 1


def test_a_token_can_be_revoked(api_as, personas):
    from anju.audit.models import AuditEvent

    api = api_as(personas.county)
    assert api.get("workers").status_code == 200
    assert api.delete("auth/token").status_code == 204
    assert api.get("workers").status_code == 401
    assert api.delete("auth/token").status_code == 401
    assert AuditEvent.objects.filter(action="logout", actor=personas.county, detail__via="api token").exists()
    assert api_as(None).delete("auth/token").status_code == 401
