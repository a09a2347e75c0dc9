"""The outbox: messages to staff (the bell) and SMS to workers and employers.

Both are rows written in the caller's transaction — a rolled-back change sends nothing. An SMS is
handed to the task worker after commit (`transaction.on_commit`), which sends it through the
configured sender with retries, refuses past the per-phone daily limit, and records the outcome
on the row.

    outbox.message_to_user(user=u, kind="task.overdue", text=N_("…%(count)s…"), params={...})
    outbox.sms_to_phone(phone="13800138000", text=N_("…"), params={...}, kind="benefit.notice")
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.request
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_

from anju.lib import crypto
from anju.lib.identifiers import mask_mobile
from anju.workflow.models import Channel, Message, MessageStatus

logger = logging.getLogger(__name__)


def render(text: str, params: dict[str, Any]) -> str:
    """A stored message in the active language (parameters that are msgids are translated too)."""
    values = {k: gettext(v) if isinstance(v, str) and k in ("step", "title") else v for k, v in params.items()}
    try:
        return gettext(text) % values if values else gettext(text)
    except (KeyError, ValueError, TypeError):
        return gettext(text)


def message_to_user(*, user, text: str, params: dict[str, Any] | None = None, kind: str = "",
                    link: str = "", title: str = "") -> Message:
    """A message on the user's bell. Seen once the caller's transaction commits."""
    params = params or {}
    with translation.override(settings.LANGUAGE_CODE):
        body = render(text, params)
    return Message.objects.create(channel=Channel.APP, recipient=user, text=text, params=params, body=body,
                                  kind=kind, link=link, title=title, status=MessageStatus.SENT,
                                  sent_at=timezone.now())


WIPED = N_("（一次性验证码短信，发送后内容已清除）")


def sms_to_phone(*, phone: str, text: str, params: dict[str, Any] | None = None, kind: str = "",
                 secret: bool = False) -> Message:
    """An SMS in Chinese to a mobile number, sent after the caller's transaction commits. A
    `secret` one (a one-time code) has its text wiped once sent or finally failed."""
    params = params or {}
    with translation.override("zh-hans"):
        body = render(text, params)
    message = Message.objects.create(
        channel=Channel.SMS, phone_enc=crypto.encrypt(phone), phone_hash=crypto.lookup_hash(phone, purpose="phone"),
        phone_masked=mask_mobile(phone), text=text, params=params, body=body, kind=kind, secret=secret)
    transaction.on_commit(lambda: _enqueue(message.pk))
    return message


def sms_many(*, recipients: list[tuple[str, str, str, dict[str, Any]]], text: str, kind: str = "") -> int:
    """Many SMS of one text at once (免申即享: tens of thousands of people told together): one
    INSERT per thousand messages and ONE delivery task for all of them after commit, instead of
    a task each. `recipients` are (phone_enc, phone_hash, phone_masked, params), the phone as the
    ledger keeps it (encrypted, with its keyed hash). Returns how many were written."""
    messages = sms_build_many(recipients=recipients, text=text, kind=kind)
    Message.objects.bulk_create(messages, batch_size=1000)
    sms_enqueue_many([m.pk for m in messages])
    return len(messages)


def sms_build_many(*, recipients: list[tuple[str, str, str, dict[str, Any]]], text: str, kind: str = "") -> list[Message]:
    """The unsaved messages of `sms_many`, rendered in Chinese, for a caller that inserts them its
    own way; it then calls `sms_enqueue_many` with their ids, in the same transaction."""
    with translation.override("zh-hans"):
        return [Message(channel=Channel.SMS, phone_enc=enc, phone_hash=hashed, phone_masked=masked, text=text,
                        params=params or {}, body=render(text, params or {}), kind=kind)
                for enc, hashed, masked, params in recipients]


def sms_enqueue_many(message_ids: list[int]) -> None:
    """ONE delivery task for these saved SMS, enqueued after the caller's transaction commits."""
    if message_ids:
        transaction.on_commit(lambda: _enqueue_many(message_ids))


def _enqueue_many(message_ids: list[int]) -> None:
    from anju.workflow.tasks import send_sms_many

    send_sms_many.enqueue(message_ids)


def _enqueue(message_id: int, *, after: dt.datetime | None = None) -> None:
    from anju.workflow.tasks import send_sms

    task = send_sms.using(run_after=after) if after else send_sms
    task.enqueue(message_id)


# Sending ---------------------------------------------------------------------------------------
class SmsError(Exception):
    pass


class Sender(Protocol):
    def send(self, phone: str, body: str) -> None: ...


class ConsoleSender:
    """Development: the SMS goes to the log (and the console of `make run`)."""

    def send(self, phone: str, body: str) -> None:
        logger.warning("SMS to %s: %s", mask_mobile(phone), body)


class HttpGatewaySender:
    """An HTTP SMS gateway: POST {"phone", "text"} as JSON to ANJU_SMS_GATEWAY_URL with the bearer
    token ANJU_SMS_GATEWAY_TOKEN; any 2xx answer is delivered, anything else raises SmsError."""

    def __init__(self, url: str | None = None, token: str | None = None, timeout: float = 10):
        self.url = url or settings.ANJU_SMS_GATEWAY_URL
        self.token = token if token is not None else settings.ANJU_SMS_GATEWAY_TOKEN
        self.timeout = timeout

    def send(self, phone: str, body: str) -> None:
        data = json.dumps({"phone": phone, "text": body}, ensure_ascii=False).encode()
        request = urllib.request.Request(self.url, data=data, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310 (configured URL)
                if not 200 <= answer.status < 300:
                    raise SmsError(f"gateway answered {answer.status}")
        except urllib.error.HTTPError as exc:
            raise SmsError(f"gateway answered {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"gateway unreachable: {exc}") from exc


def sender() -> Sender:
    return import_string(settings.ANJU_SMS_SENDER)()


def sent_today(phone_hash: str) -> int:
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return Message.objects.filter(channel=Channel.SMS, phone_hash=phone_hash, status=MessageStatus.SENT,
                                  sent_at__gte=start).count()


def deliver(message_id: int) -> str:
    """Try to send one SMS; returns its status afterwards. A failure is retried later (the task
    worker re-enqueues it with a growing delay) until ANJU_SMS_MAX_ATTEMPTS, then it is failed."""
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id, channel=Channel.SMS).first()
        if message is None or message.status != MessageStatus.PENDING:
            return message.status if message else ""
        if sent_today(message.phone_hash) >= settings.ANJU_SMS_DAILY_LIMIT:
            message.status = MessageStatus.LIMITED
            message.save(update_fields=["status"])
            return message.status
        Message.objects.filter(pk=message.pk).update(attempts=F("attempts") + 1)
        message.attempts += 1
    try:
        sender().send(message.phone, message.body)
    except Exception as exc:  # the sender is outside the system: any failure is a failed attempt
        final = message.attempts >= settings.ANJU_SMS_MAX_ATTEMPTS
        Message.objects.filter(pk=message.pk).update(
            last_error=str(exc)[:300], status=MessageStatus.FAILED if final else MessageStatus.PENDING)
        if final and message.secret:
            _wipe(message.pk)
        if not final:
            _enqueue(message.pk, after=timezone.now() + dt.timedelta(seconds=settings.ANJU_SMS_RETRY_SECONDS
                                                                     * 2 ** (message.attempts - 1)))
        return MessageStatus.FAILED if final else MessageStatus.PENDING
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENT, sent_at=timezone.now(), last_error="")
    if message.secret:
        _wipe(message.pk)
    return MessageStatus.SENT


def _wipe(message_id: int) -> None:
    Message.objects.filter(pk=message_id).update(body="", params={}, text=WIPED)


@transaction.atomic
def sms_resend(*, actor, message: Message) -> Message:
    """Send a failed or limited SMS again (an administrator's decision, e.g. after the gateway was
    fixed): back to pending with its attempts reset, enqueued after commit. Audited."""
    from anju.audit.models import Action
    from anju.audit.services import audit_record

    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.channel != Channel.SMS or message.status not in (MessageStatus.FAILED, MessageStatus.LIMITED):
        raise SmsError(N_("只有发送失败或超出上限的短信可以重新发送。"))
    if message.secret:
        raise SmsError(N_("验证码短信不能重新发送：请本人重新获取验证码。"))
    before = message.status
    message.status, message.attempts, message.last_error = MessageStatus.PENDING, 0, ""
    message.save(update_fields=["status", "attempts", "last_error"])
    audit_record(actor=actor, action=Action.UPDATE, obj=message, object_type="sms",
                 changes={"status": (before, MessageStatus.PENDING)}, detail={"phone": message.phone_masked})
    transaction.on_commit(lambda: _enqueue(message.pk))
    return message


# Reading the bell -------------------------------------------------------------------------------
def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Message.objects.filter(recipient=user, channel=Channel.APP, read_at__isnull=True).count()


def mark_read(*, user, ids: list[int] | None = None) -> int:
    qs = Message.objects.filter(recipient=user, channel=Channel.APP, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
