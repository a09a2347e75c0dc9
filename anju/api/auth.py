"""Bearer-token authentication for every endpoint except the one that issues tokens."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from anju.accounts.tokens import token_user


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = token_user(token.strip())
        if user is None:
            return None
        # The rest of Django (history records, audit) reads the acting user from request.user.
        request.user = user
        return user
