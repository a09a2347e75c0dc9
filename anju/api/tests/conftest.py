from __future__ import annotations

import json

import pytest
from django.test import Client

from anju.accounts.tokens import token_issue


class ApiClient:
    """The Django test client speaking JSON with a bearer token."""

    def __init__(self, user=None, language: str | None = None):
        self.client = Client()
        self.headers: dict[str, str] = {}
        if user is not None:
            key, _token = token_issue(user=user)
            self.headers["Authorization"] = f"Bearer {key}"
        if language:
            self.headers["Accept-Language"] = language

    def request(self, method: str, path: str, body=None, *, raw: bytes | str | None = None, **params):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        kwargs = {"headers": self.headers}
        if method == "get":
            return self.client.get(url, params, **kwargs)
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        return getattr(self.client, method)(url, data=data, content_type="application/json", **kwargs)

    def get(self, path, **params):
        return self.request("get", path, **params)

    def post(self, path, body=None, **kw):
        return self.request("post", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("patch", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("put", path, body, **kw)

    def delete(self, path, body=None, **kw):
        return self.request("delete", path, body, **kw)


@pytest.fixture
def api_as(db):
    """api_as(user) -> a client authenticated as `user`; api_as(None) -> anonymous."""
    return ApiClient


def fields_of(response) -> set[str | None]:
    return {item["field"] for item in response.json()["detail"]}


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # PBKDF2 at Django's default cost takes about a second per login on the test machines.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
