"""Field encryption for ID and phone numbers.

Values are encrypted with Fernet (AES-128-CBC + HMAC) under a key derived from ANJU_FIELD_KEY,
and indexed with an HMAC-SHA256 keyed hash, so exact lookups and de-duplication work without
decrypting, and a stolen database reveals neither.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


@functools.cache
def _fernet(key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


def encrypt(value: str) -> str:
    if not value:
        return ""
    return _fernet(settings.FIELD_KEY).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(settings.FIELD_KEY).decrypt(token.encode()).decode()
    except InvalidToken:
        # A value encrypted under another key cannot be read; never guess.
        return ""


def lookup_hash(value: str, *, purpose: str) -> str:
    """Keyed hash for exact lookup. `purpose` separates ID numbers from phones."""
    if not value:
        return ""
    key = settings.FIELD_HASH_KEY.encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()
