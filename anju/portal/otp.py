"""One-time SMS codes that confirm a mobile number on the public site (/apply/).

A code is six random digits, sent through the outbox (anju.workflow.outbox: after commit, with
the per-phone daily SMS limit), stored only as a keyed hash bound to the phone. It expires after
ANJU_OTP_TTL_SECONDS, dies after ANJU_OTP_MAX_ATTEMPTS wrong tries, and only the newest code of a
phone counts. Sending is limited: one code per phone per ANJU_OTP_RESEND_SECONDS, at most
ANJU_OTP_PER_PHONE_HOUR per phone and ANJU_OTP_PER_ADDRESS_HOUR per client address in an hour
(counted in the database, so the limits hold across worker processes). These are security
controls, not policy: they are settings, not regional parameters.

A confirmed phone is kept in the session for ANJU_OTP_CONFIRMED_MINUTES: encrypted, with its
keyed hash (what "my applications" matches on). It allows ANJU_OTP_LOOKUPS_PER_CODE ledger
lookups (ID numbers tried on /apply/) before a new code is needed.
"""

from __future__ import annotations

import datetime as dt
import hmac
import math
import secrets

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_noop as N_

from anju.lib import crypto
from anju.lib.errors import AnjuError
from anju.portal.models import PhoneCode
from anju.workflow import outbox

SMS_TEXT = N_("您的验证码是 %(code)s，5 分钟内有效。请勿告诉他人。")
SESSION_KEY = "portal_phone"


class OtpError(AnjuError):
    """A code not sent (too soon, too many: status 429) or not accepted (status 400)."""

    code = "otp"
    status = 400


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def ttl_seconds() -> int:
    return _setting("ANJU_OTP_TTL_SECONDS", 300)


def max_attempts() -> int:
    return _setting("ANJU_OTP_MAX_ATTEMPTS", 5)


def resend_seconds() -> int:
    return _setting("ANJU_OTP_RESEND_SECONDS", 60)


def per_phone_hour() -> int:
    return _setting("ANJU_OTP_PER_PHONE_HOUR", 5)


def per_address_hour() -> int:
    return _setting("ANJU_OTP_PER_ADDRESS_HOUR", 20)


def confirmed_minutes() -> int:
    return _setting("ANJU_OTP_CONFIRMED_MINUTES", 30)


def lookups_per_code() -> int:
    return _setting("ANJU_OTP_LOOKUPS_PER_CODE", 3)


def phone_hash(phone: str) -> str:
    return crypto.lookup_hash(phone, purpose="phone")


def _code_hash(phone_hash_: str, code: str) -> str:
    return crypto.lookup_hash(f"{phone_hash_}:{code}", purpose="otp")


def _wait(seconds: float) -> int:
    return max(1, math.ceil(seconds))


@transaction.atomic
def code_send(*, phone: str, address: str) -> PhoneCode:
    """Send a new code to `phone` (already validated), or refuse with OtpError(status=429) and
    the seconds to wait. `address` is the caller's address as the rate limits count it."""
    now = timezone.now()
    hashed = phone_hash(phone)
    address_hash = crypto.lookup_hash(address, purpose="address") if address else ""
    hour_ago = now - dt.timedelta(hours=1)
    mine = PhoneCode.objects.select_for_update().filter(phone_hash=hashed, created_at__gte=hour_ago)
    recent = list(mine.order_by("created_at"))
    if recent and (now - recent[-1].created_at).total_seconds() < resend_seconds():
        left = resend_seconds() - (now - recent[-1].created_at).total_seconds()
        raise OtpError(N_("验证码已发送，请 %(seconds)s 秒后再重新获取。"), field="phone", status=429,
                       params={"seconds": _wait(left)})
    if len(recent) >= per_phone_hour():
        left = 3600 - (now - recent[0].created_at).total_seconds()
        raise OtpError(N_("该手机号获取验证码次数过多，请 %(minutes)s 分钟后再试。"), field="phone", status=429,
                       params={"minutes": _wait(left / 60)})
    if address_hash and PhoneCode.objects.filter(address_hash=address_hash, created_at__gte=hour_ago).count() \
            >= per_address_hour():
        raise OtpError(N_("获取验证码次数过多，请一小时后再试。"), field="phone", status=429)
    code = f"{secrets.randbelow(10 ** 6):06d}"
    # Only the newest code counts: an earlier one still in the user's SMS no longer works.
    PhoneCode.objects.filter(phone_hash=hashed, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    record = PhoneCode.objects.create(phone_hash=hashed, code_hash=_code_hash(hashed, code), address_hash=address_hash,
                                      created_at=now, expires_at=now + dt.timedelta(seconds=ttl_seconds()))
    outbox.sms_to_phone(phone=phone, text=SMS_TEXT, params={"code": code}, kind="portal.code", secret=True)
    return record


def code_verify(*, phone: str, code: str) -> None:
    """Accept the newest code of `phone` once, or raise OtpError saying why. A wrong try is
    counted even though the request fails (its own transaction commits before the refusal)."""
    code = "".join((code or "").split())
    hashed = phone_hash(phone)
    now = timezone.now()
    error: OtpError | None = None
    with transaction.atomic():
        record = PhoneCode.objects.select_for_update().filter(phone_hash=hashed).order_by("-created_at", "-id").first()
        if record is None or record.used_at is not None:
            error = OtpError(N_("请先获取验证码。"), field="code")
        elif record.expires_at <= now:
            error = OtpError(N_("验证码已过期，请重新获取。"), field="code")
        elif record.attempts >= max_attempts():
            error = OtpError(N_("验证码错误次数过多，请重新获取。"), field="code")
        elif not (code.isascii() and code.isdigit() and len(code) == 6) \
                or not hmac.compare_digest(record.code_hash, _code_hash(hashed, code)):
            record.attempts += 1
            record.save(update_fields=["attempts"])
            left = max_attempts() - record.attempts
            error = (OtpError(N_("验证码不正确，还可以再试 %(n)s 次。"), field="code", params={"n": left}) if left > 0
                     else OtpError(N_("验证码错误次数过多，请重新获取。"), field="code"))
        else:
            record.used_at = now
            record.save(update_fields=["used_at"])
    if error is not None:
        raise error


# The confirmed phone in the session ---------------------------------------------------------------
def confirm_phone(request: HttpRequest, phone: str) -> None:
    # A new session key once the phone is proven: a fixed session cannot be taken over.
    request.session.cycle_key()
    until = timezone.now() + dt.timedelta(minutes=confirmed_minutes())
    request.session[SESSION_KEY] = {"enc": crypto.encrypt(phone), "hash": phone_hash(phone),
                                    "until": until.timestamp(), "lookups": 0}


def lookups_left(request: HttpRequest) -> int:
    """Ledger lookups this confirmation still allows without a new code: a confirmed phone must
    not become a free way to try ID number after ID number."""
    data = _confirmed(request)
    return max(0, lookups_per_code() - int(data.get("lookups") or 0)) if data else 0


def lookup_counted(request: HttpRequest) -> None:
    data = _confirmed(request)
    if data:
        data["lookups"] = int(data.get("lookups") or 0) + 1
        request.session[SESSION_KEY] = data


def _confirmed(request: HttpRequest) -> dict | None:
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict) or float(data.get("until") or 0) <= timezone.now().timestamp():
        return None
    return data


def confirmed_phone(request: HttpRequest) -> str:
    """The phone confirmed in this session within the last ANJU_OTP_CONFIRMED_MINUTES, or ""."""
    data = _confirmed(request)
    return crypto.decrypt(data.get("enc", "")) if data else ""


def confirmed_phone_hash(request: HttpRequest) -> str:
    data = _confirmed(request)
    return str(data.get("hash") or "") if data else ""


def forget_phone(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
