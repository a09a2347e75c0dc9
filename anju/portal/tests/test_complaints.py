"""Complaints on the public site (/complaints/): filed with the SMS code, a ticket of the portal
channel routed as any other, the number and the hotline shown; "my complaints" showing only the
confirmed phone's tickets (three personas: the worker, another phone, nobody), the reply and the
worker's own score; bad input and the rate limits."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from anju.portal.models import PhoneCode
from anju.rights import hotline
from anju.rights.models import Ticket, TicketCategory, TicketStatus
from anju.rights.tests.factories import rights_personas
from anju.workflow import outbox

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
OTHER_PHONE = "13787654321"
HUBIN = "350581001000"


class FakeSender:
    """The SMS gateway, outside the system: what would have been sent."""

    sent: list[tuple[str, str]] = []

    def send(self, phone: str, body: str) -> None:
        FakeSender.sent.append((phone, body))


@pytest.fixture(autouse=True)
def sms(settings, monkeypatch):
    settings.ANJU_SMS_SENDER = "anju.portal.tests.test_complaints.FakeSender"
    FakeSender.sent = []
    monkeypatch.setattr(outbox, "_enqueue", lambda message_id, *, after=None: outbox.deliver(message_id))
    cache.clear()
    yield FakeSender.sent
    cache.clear()


def code_sent_to(sms, phone: str) -> str:
    bodies = [body for p, body in sms if p == phone and "验证码" in body]
    assert bodies, f"no code sent to {phone}"
    return re.search(r"\d{6}", bodies[-1]).group(0)


def complaint(**overrides) -> dict:
    data = {"category": str(TicketCategory.objects.get(code="arrears").pk), "town": HUBIN,
            "description": "在宝盖镇某工地干了三个月，老板一直没发工资，一共欠 12000 元。", "name": "陈大勇", "phone": PHONE}
    return {**data, **overrides}


def sign_in(client, capture, sms, phone: str) -> None:
    with capture(execute=True):
        assert client.post("/complaints/mine/", {"phone": phone}).status_code == 302
    assert client.post("/complaints/mine/code/", {"code": code_sent_to(sms, phone)}).status_code == 302


def file_complaint(client, capture, sms, **overrides) -> Ticket:
    with capture(execute=True):
        response = client.post("/complaints/", complaint(**overrides))
    assert response.status_code == 302 and response["Location"] == "/complaints/code/"
    with capture(execute=True):
        done = client.post("/complaints/code/", {"code": code_sent_to(sms, overrides.get("phone", PHONE))})
    ticket = Ticket.objects.latest("pk")
    assert done.status_code == 302 and done["Location"] == f"/complaints/done/{ticket.pk}/"
    return ticket


def test_a_complaint_with_the_code_becomes_a_routed_ticket(sms, django_capture_on_commit_callbacks):
    client = Client()
    form = client.get("/complaints/").content.decode()
    assert 'data-testid="complaint-form"' in form and f'value="{HUBIN}"' in form and "湖滨街道" in form
    assert "欠薪投诉" in form and "88712565" in form  # the place's number in the footer
    ticket = file_complaint(client, django_capture_on_commit_callbacks, sms)
    assert ticket.channel == "portal" and ticket.created_by is None and ticket.region_id == HUBIN
    assert ticket.category.code == "arrears" and (ticket.lead_department_kind, ticket.lead_role) == ("hrss", "inspector")
    assert ticket.phone == PHONE and ticket.caller_name == "陈大勇" and ticket.subject.startswith("在宝盖镇某工地")
    done = client.get(f"/complaints/done/{ticket.pk}/").content.decode()
    assert ticket.number in done and "88712565" in done and "139****5678" in done and PHONE not in done
    # Proven once, a second complaint needs no second code.
    before = len(sms)
    assert client.post("/complaints/", complaint(description="又拖欠了一个月")).status_code == 302
    assert len(sms) == before and Ticket.objects.count() == 2


def test_bad_input_sends_nothing(sms):
    client = Client()
    for field, value in (("category", "999"), ("town", "141127100000"), ("description", ""), ("name", ""),
                         ("phone", "12345"), ("town", "abc")):
        response = client.post("/complaints/", complaint(**{field: value}))
        assert response.status_code == 400 and f'data-testid="error-{field}"' in response.content.decode()
    assert not sms and not PhoneCode.objects.exists() and not Ticket.objects.exists()
    assert client.get("/complaints/code/").status_code == 302  # nothing pending
    assert client.post("/complaints/code/", {"code": "000000"}).status_code == 302


def test_a_wrong_code_files_nothing(sms, django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/complaints/", complaint())
    wrong = "000000" if code_sent_to(sms, PHONE) != "000000" else "111111"
    response = client.post("/complaints/code/", {"code": wrong})
    assert response.status_code == 200 and 'data-testid="error-code"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_worker_sees_only_their_own_tickets(sms, django_capture_on_commit_callbacks):
    worker = Client()
    ticket = file_complaint(worker, django_capture_on_commit_callbacks, sms)
    mine = worker.get("/complaints/mine/").content.decode()
    assert ticket.number in mine and 'data-testid="my-complaint"' in mine
    assert worker.get(f"/complaints/mine/{ticket.pk}/").status_code == 200
    assert worker.get("/complaints/mine/999999/").status_code == 404  # a guessed number
    # Another phone, proven by its own code, sees none of them.
    other = Client()
    sign_in(other, django_capture_on_commit_callbacks, sms, OTHER_PHONE)
    page = other.get("/complaints/mine/").content.decode()
    assert 'data-testid="no-complaints"' in page and ticket.number not in page
    assert other.get(f"/complaints/mine/{ticket.pk}/").status_code == 404
    assert other.get(f"/complaints/done/{ticket.pk}/").status_code == 404
    assert other.post(f"/complaints/mine/{ticket.pk}/rate/", {"satisfaction": "5"}).status_code == 404
    # Nobody signed in: asked for a phone, no ticket shown.
    nobody = Client()
    assert 'data-testid="mine-form"' in nobody.get("/complaints/mine/").content.decode()
    assert nobody.get(f"/complaints/mine/{ticket.pk}/").status_code == 302
    assert nobody.get(f"/complaints/done/{ticket.pk}/").status_code == 404
    # Leaving forgets the phone.
    worker.post("/complaints/mine/leave/")
    assert 'data-testid="mine-form"' in worker.get("/complaints/mine/").content.decode()


def _replied(ticket: Ticket) -> Ticket:
    p = rights_personas()
    ticket = hotline.ticket_dispatch(actor=p.desk, ticket=ticket)
    ticket = hotline.ticket_contact(actor=p.inspector, ticket=ticket)
    return hotline.ticket_reply(actor=p.inspector, ticket=ticket, reply="已责令用人单位三日内支付拖欠工资。")


def test_the_reply_and_the_workers_score(sms, django_capture_on_commit_callbacks):
    client = Client()
    ticket = file_complaint(client, django_capture_on_commit_callbacks, sms)
    before = client.get(f"/complaints/mine/{ticket.pk}/").content.decode()
    assert 'data-testid="reply"' not in before and 'data-testid="rate-form"' not in before
    ticket = _replied(ticket)
    page = client.get(f"/complaints/mine/{ticket.pk}/").content.decode()
    assert "已责令用人单位三日内支付拖欠工资" in page and 'data-testid="rate-form"' in page
    assert client.post(f"/complaints/mine/{ticket.pk}/rate/", {"satisfaction": "9"}).status_code == 400
    response = client.post(f"/complaints/mine/{ticket.pk}/rate/", {"satisfaction": "2", "note": "钱还没到",
                                                                   "version": str(ticket.version)})
    assert response.status_code == 200 and 'data-testid="rated"' in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.satisfaction == 2 and ticket.status == TicketStatus.IN_PROGRESS and ticket.reopened == 1
    # Rated once: the form is gone and a second score is refused.
    assert client.post(f"/complaints/mine/{ticket.pk}/rate/", {"satisfaction": "5"}).status_code == 409


def test_the_pages_are_rate_limited(settings):
    settings.ANJU_RATE_PUBLIC = "2/m"
    client = Client()
    assert client.get("/complaints/").status_code == 200
    assert client.get("/complaints/mine/").status_code == 200
    response = client.get("/complaints/")
    assert response.status_code == 429 and "Retry-After" in response


def test_complaints_are_limited_per_address(settings, sms, django_capture_on_commit_callbacks):
    settings.ANJU_COMPLAINT_RATE = "1/h"
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/complaints/", complaint()).status_code == 302
    response = client.post("/complaints/", complaint(phone=OTHER_PHONE))
    assert response.status_code == 429 and 'data-testid="rate-limited"' in response.content.decode()


def test_every_service_page_leads_to_the_complaint_form():
    """A worker who came to apply or to look for a job finds where to complain from the menu."""
    start = reverse("complaints:start")
    for name in ("apply:list", "jobs:board", "notices:list"):
        body = Client().get(reverse(name)).content.decode()
        assert f'href="{start}" data-testid="nav-complaints"' in body, name
