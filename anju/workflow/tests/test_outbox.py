"""The outbox: nothing is sent for a rolled-back change, failures are retried then marked failed,
the per-phone daily limit holds, and the HTTP gateway is spoken to for real (a local server)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.db import transaction
from django.urls import reverse

from anju.workflow import outbox
from anju.workflow.models import Message, MessageStatus

pytestmark = pytest.mark.django_db(transaction=True)


class Gateway(BaseHTTPRequestHandler):
    answers: list[int] = []
    received: list[dict] = []

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Gateway.received.append({"body": body, "auth": self.headers["Authorization"]})
        self.send_response(Gateway.answers.pop(0) if Gateway.answers else 200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Gateway.answers, Gateway.received = [], []
    settings.ANJU_SMS_SENDER = "anju.workflow.outbox.HttpGatewaySender"
    settings.ANJU_SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.ANJU_SMS_GATEWAY_TOKEN = "secret"
    settings.ANJU_SMS_RETRY_SECONDS = 0
    yield Gateway
    server.shutdown()


@pytest.fixture
def sent(monkeypatch):
    """Deliver enqueued SMS at once (the task worker's job) and record the ids."""
    ids: list[int] = []

    def enqueue(message_id, *, after=None):
        ids.append(message_id)
        outbox.deliver(message_id)

    monkeypatch.setattr(outbox, "_enqueue", enqueue)
    return ids


def test_rolled_back_transaction_sends_nothing(gateway, sent):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.sms_to_phone(phone="13800138000", text="您好，%(name)s", params={"name": "张三"})
        raise RuntimeError
    assert sent == [] and gateway.received == [] and not Message.objects.exists()


def test_sent_after_commit_in_chinese(gateway, sent):
    with transaction.atomic():
        message = outbox.sms_to_phone(phone="13800138000", text="您有 %(count)s 项待办", params={"count": 3})
        assert gateway.received == []  # not before commit
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 1
    assert gateway.received == [{"body": {"phone": "13800138000", "text": "您有 3 项待办"}, "auth": "Bearer secret"}]
    assert message.phone_masked == "138****8000" and "13800138000" not in message.phone_enc


def test_secret_text_is_wiped_once_sent_or_failed(gateway, sent, settings):
    message = outbox.sms_to_phone(phone="13800138000", text="您的验证码是 %(code)s", params={"code": "482913"},
                                  secret=True)
    message.refresh_from_db()
    assert gateway.received[0]["body"]["text"] == "您的验证码是 482913"
    assert message.status == MessageStatus.SENT and message.body == "" and message.params == {}
    assert "482913" not in message.text
    settings.ANJU_SMS_MAX_ATTEMPTS = 1
    gateway.answers = [500]
    failed = outbox.sms_to_phone(phone="13800138000", text="您的验证码是 %(code)s", params={"code": "111222"},
                                 secret=True)
    failed.refresh_from_db()
    assert failed.status == MessageStatus.FAILED and failed.body == "" and failed.params == {}
    with pytest.raises(outbox.SmsError):
        outbox.sms_resend(actor=None, message=failed)


def test_failure_retried_then_failed(gateway, sent, settings):
    settings.ANJU_SMS_MAX_ATTEMPTS = 3
    gateway.answers = [500, 503, 500]
    message = outbox.sms_to_phone(phone="13800138000", text="通知")
    message.refresh_from_db()
    assert len(sent) == 3 and message.attempts == 3
    assert message.status == MessageStatus.FAILED and "500" in message.last_error


def test_failure_then_success(gateway, sent):
    gateway.answers = [500]
    message = outbox.sms_to_phone(phone="13800138000", text="通知")
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 2


def test_daily_limit_per_phone(gateway, sent, settings):
    settings.ANJU_SMS_DAILY_LIMIT = 2
    statuses = [outbox.sms_to_phone(phone="13800138000", text="通知").pk for _ in range(3)]
    assert [Message.objects.get(pk=pk).status for pk in statuses] == ["sent", "sent", "limited"]
    other = outbox.sms_to_phone(phone="13900139000", text="通知")
    assert Message.objects.get(pk=other.pk).status == MessageStatus.SENT


def test_bell_counts_unread_and_marks_read(client, regions_loaded):
    from anju.accounts.tests.factories import make_personas

    personas = make_personas()
    outbox.message_to_user(user=personas.town, text="您有 %(count)s 项「%(step)s」待办已超过办理期限。",
                           params={"count": 2, "step": "入户核实"}, kind="task.overdue")
    client.force_login(personas.town)
    home = client.get(reverse("workflow:messages")).content.decode()
    assert 'data-testid="unread-count">1' in home and "您有 2 项「入户核实」待办已超过办理期限。" in home
    client.cookies["django_language"] = "en"
    english = client.get(reverse("workflow:messages")).content.decode()
    assert "2" in english
    client.post(reverse("workflow:messages_read"))
    assert outbox.unread_count(personas.town) == 0


def test_sms_status_page_and_resend(client, regions_loaded, monkeypatch):
    from anju.accounts.tests.factories import make_personas

    personas = make_personas()
    from anju.audit.models import AuditEvent

    queued: list[int] = []
    monkeypatch.setattr(outbox, "_enqueue", lambda message_id, *, after=None: queued.append(message_id))
    failed = outbox.sms_to_phone(phone="13800138000", text="您的补贴已发放。")
    Message.objects.filter(pk=failed.pk).update(status=MessageStatus.FAILED, attempts=3, last_error="gateway 502")
    queued.clear()
    client.force_login(personas.town)
    assert client.get(reverse("workflow:sms")).status_code == 403
    assert client.post(reverse("workflow:sms_resend", args=[failed.pk])).status_code == 403
    client.force_login(personas.admin)
    page = client.get(reverse("workflow:sms"), {"status": "failed"}).content.decode()
    assert "138****8000" in page and "13800138000" not in page and "gateway 502" in page
    assert client.get(reverse("workflow:sms"), {"status": "bogus"}).status_code == 200
    answer = client.post(reverse("workflow:sms_resend", args=[failed.pk]))
    assert answer.status_code == 302 and queued == [failed.pk]  # enqueued after commit
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (MessageStatus.PENDING, 0, "")
    assert AuditEvent.objects.filter(object_type="sms", object_id=str(failed.pk)).count() == 1
    # A pending (or sent) message cannot be resent.
    client.post(reverse("workflow:sms_resend", args=[failed.pk]))
    assert queued == [failed.pk]
    assert AuditEvent.objects.filter(object_type="sms", object_id=str(failed.pk)).count() == 1
