"""API bearer tokens: issue one after a successful login, resolve one on each API request.

The key is shown once, at issue; the database keeps only its SHA-256 hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from anju.accounts.models import ApiToken, User

TOKEN_PREFIX = "anju_"
TOKEN_LIFETIME = dt.timedelta(hours=24)
# last_used_at is informational: write it at most once a minute, not on every request.
_TOUCH_EVERY = dt.timedelta(minutes=1)
_MAX_KEY_LENGTH = 200


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def token_issue(*, user: User, lifetime: dt.timedelta = TOKEN_LIFETIME) -> tuple[str, ApiToken]:
    """A new token for `user`: (the key to hand out, the stored row). Expired tokens of the user
    are removed on the way, so the table does not grow without end."""
    ApiToken.objects.filter(user=user, expires_at__lte=timezone.now()).delete()
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, key_hash=key_hash(key), expires_at=timezone.now() + lifetime,
                                    auth_hash=user.get_session_auth_hash())
    return key, token


def token_user(key: str) -> User | None:
    """The active user a key belongs to, or None when the key is unknown, expired or its user
    is inactive."""
    if not key or len(key) > _MAX_KEY_LENGTH:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=key_hash(key), expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if not constant_time_compare(token.auth_hash, token.user.get_session_auth_hash()):
        return None  # the password changed (or every session was ended) since it was issued
    if token.last_used_at is None or now - token.last_used_at > _TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def token_revoke(*, user: User, key: str) -> bool:
    """End a token before it expires (an API client's logout). Audited like a logout."""
    from anju.audit.models import Action
    from anju.audit.services import audit_record

    deleted, _ = ApiToken.objects.filter(user=user, key_hash=key_hash(key)).delete()
    if deleted:
        audit_record(actor=user, action=Action.LOGOUT, object_type="user", object_id=str(user.pk),
                     object_repr=user.get_username(), detail={"via": "api token"})
    return bool(deleted)
