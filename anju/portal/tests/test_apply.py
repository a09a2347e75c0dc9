"""Applying on the public site: the SMS code (expiry, wrong tries, resend limits), an application
end to end with the SMS captured, the not-in-ledger answer, "my applications" showing only the
confirmed phone's, and supply / confirm account / withdraw through the services."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from anju.benefits import services
from anju.benefits.models import Application, ApplicationStatus, Door, StepEvent
from anju.benefits.tests.factories import (
    POLICY,
    chain_people,
    fund,
    living_standard,
    qualifying_worker,
)
from anju.lib.crypto import lookup_hash
from anju.lib.identifiers import make_id_number
from anju.policies.packs import get_policy
from anju.portal.models import PhoneCode
from anju.workflow import outbox
from anju.workflow.models import Channel, Message, MessageStatus

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
OTHER_PHONE = "13787654321"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class FakeSender:
    """The SMS gateway, outside the system: what would have been sent."""

    sent: list[tuple[str, str]] = []

    def send(self, phone: str, body: str) -> None:
        FakeSender.sent.append((phone, body))


@pytest.fixture(autouse=True)
def sms(settings, monkeypatch):
    settings.ANJU_SMS_SENDER = "anju.portal.tests.test_apply.FakeSender"
    FakeSender.sent = []
    # The task worker's job, done at once: deliver through the (fake) sender.
    monkeypatch.setattr(outbox, "_enqueue", lambda message_id, *, after=None: outbox.deliver(message_id))
    cache.clear()
    yield FakeSender.sent
    cache.clear()


@pytest.fixture
def ready(db):
    living_standard()
    fund()
    return chain_people()


def send(client, django_capture_on_commit_callbacks, url, data, **kw):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(url, data, **kw)


def code_sent_to(sms, phone: str) -> str:
    bodies = [body for p, body in sms if p == phone and "验证码" in body]
    assert bodies, f"no code sent to {phone}"
    return re.search(r"\d{6}", bodies[-1]).group(0)


def confirm_mine(client, sms, capture, phone: str = PHONE):
    send(client, capture, "/apply/mine/", {"phone": phone})
    response = client.post("/apply/mine/code/", {"code": code_sent_to(sms, phone)})
    assert response.status_code == 302 and response["Location"] == "/apply/mine/"


def apply_as(client, sms, capture, worker, *, phone: str = PHONE, policy: str = POLICY, **form):
    start = send(client, capture, f"/apply/{policy}/", {"id_number": worker.id_number, "phone": phone})
    if start["Location"].endswith("/code/"):
        answer = client.post(f"/apply/{policy}/code/", {"code": code_sent_to(sms, phone)})
        assert answer.status_code == 302, answer.content.decode()
    data = {"payee_name": worker.name, "bank_name": "农业银行", "account": "6222020200112233445", "note": "",
            **form}
    with capture(execute=True):
        return client.post(f"/apply/{policy}/form/", data)


# -- the code ------------------------------------------------------------------------------------------
def test_code_is_sent_hashed_and_expires(ready, sms, django_capture_on_commit_callbacks):
    client = Client()
    worker = qualifying_worker()
    response = send(client, django_capture_on_commit_callbacks, f"/apply/{POLICY}/",
                    {"id_number": worker.id_number, "phone": PHONE})
    assert response.status_code == 302 and response["Location"] == f"/apply/{POLICY}/code/"
    code = code_sent_to(sms, PHONE)
    assert sms[-1][1] == f"您的验证码是 {code}，5 分钟内有效。请勿告诉他人。"
    record = PhoneCode.objects.get()
    assert record.phone_hash == lookup_hash(PHONE, purpose="phone") and code not in record.code_hash
    assert (record.expires_at - record.created_at) == dt.timedelta(minutes=5)
    assert Message.objects.get(kind="portal.code").status == MessageStatus.SENT
    PhoneCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    html = client.post(f"/apply/{POLICY}/code/", {"code": code}).content.decode()
    assert 'data-testid="error-code"' in html and "验证码已过期，请重新获取。" in html
    assert not Application.objects.exists()


def test_five_wrong_tries_kill_the_code(ready, sms, django_capture_on_commit_callbacks):
    client = Client()
    worker = qualifying_worker()
    send(client, django_capture_on_commit_callbacks, f"/apply/{POLICY}/", {"id_number": worker.id_number, "phone": PHONE})
    code = code_sent_to(sms, PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        html = client.post(f"/apply/{POLICY}/code/", {"code": wrong}).content.decode()
        assert f"验证码不正确，还可以再试 {left} 次。" in html
    html = client.post(f"/apply/{POLICY}/code/", {"code": "abc"}).content.decode()
    assert "验证码错误次数过多，请重新获取。" in html
    # The right code no longer works either: a new one must be requested.
    response = client.post(f"/apply/{POLICY}/code/", {"code": code})
    assert response.status_code == 200 and "验证码错误次数过多，请重新获取。" in response.content.decode()
    assert PhoneCode.objects.get().attempts == 5


def test_resend_limits_answer_429(ready, sms, settings, django_capture_on_commit_callbacks):
    client = Client()
    worker = qualifying_worker()
    send(client, django_capture_on_commit_callbacks, f"/apply/{POLICY}/", {"id_number": worker.id_number, "phone": PHONE})
    first = code_sent_to(sms, PHONE)
    response = send(client, django_capture_on_commit_callbacks, f"/apply/{POLICY}/code/", {"resend": "1"})
    assert response.status_code == 429 and 'data-testid="rate-limited"' in response.content.decode()
    assert 1 <= int(response["Retry-After"]) <= 60 and "秒后再重新获取" in response.content.decode()
    assert PhoneCode.objects.count() == 1
    # A minute later a new code is sent, and the old one no longer counts.
    PhoneCode.objects.update(created_at=timezone.now() - dt.timedelta(seconds=61))
    response = send(client, django_capture_on_commit_callbacks, f"/apply/{POLICY}/code/", {"resend": "1"})
    assert response.status_code == 200 and 'data-testid="code-resent"' in response.content.decode()
    second = code_sent_to(sms, PHONE)
    if second != first:
        assert "验证码" in client.post(f"/apply/{POLICY}/code/", {"code": first}).content.decode()
        assert not Application.objects.exists()
    # At most ANJU_OTP_PER_PHONE_HOUR an hour for one phone.
    settings.ANJU_OTP_PER_PHONE_HOUR = 2
    PhoneCode.objects.update(created_at=timezone.now() - dt.timedelta(seconds=120))
    response = send(client, django_capture_on_commit_callbacks, f"/apply/{POLICY}/code/", {"resend": "1"})
    assert response.status_code == 429 and "分钟后再试" in response.content.decode()
    # And at most ANJU_OTP_PER_ADDRESS_HOUR from one address, whatever the phone.
    settings.ANJU_OTP_PER_ADDRESS_HOUR = 2
    response = send(Client(), django_capture_on_commit_callbacks, "/apply/mine/", {"phone": OTHER_PHONE})
    assert response.status_code == 429 and "获取验证码次数过多" in response.content.decode()
    assert not [p for p, _ in sms if p == OTHER_PHONE]


def test_public_rate_limit_answers_429_page(ready, settings):
    settings.ANJU_RATE_PUBLIC = "3/m"
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(3):
        assert client.get("/apply/").status_code == 200
    response = client.get("/apply/")
    assert response.status_code == 429 and response["Retry-After"]


# -- applying --------------------------------------------------------------------------------------------
def test_policy_list_shows_what_can_be_applied_for(ready):
    html = Client().get("/apply/").content.decode()
    card = html.split(f'data-policy="{POLICY}"')[1].split('data-testid="policy-card"')[0]
    assert "困难农民工临时救助" in card and "未纳入低保的农民工" in card  # title and gist
    assert "向乡镇（街道）劳动保障站提出申请" in html  # who to apply to
    assert 'data-policy="quanzhou-union-relief"' in html  # a household measure
    # Not about a worker or household (hires, employers), or no longer in force: not listed.
    for absent in ("lan-county-sme-hiring-subsidy", "shishi-job-stabilisation-refund", "quanzhou-employment-subsidy",
                   "shishi-april-birthday-gift"):
        assert f'data-policy="{absent}"' not in html
    assert Client().get("/apply/shishi-job-stabilisation-refund/").status_code == 404
    assert Client().get("/apply/no-such-policy/").status_code == 404


def test_apply_end_to_end(ready, sms, django_capture_on_commit_callbacks):
    client = Client()
    worker = qualifying_worker(name="李四")
    # Bad input is refused in place and nothing is sent.
    html = client.post(f"/apply/{POLICY}/", {"id_number": "350581198506150000", "phone": "12345"}).content.decode()
    assert 'data-testid="error-id_number"' in html and 'data-testid="error-phone"' in html and not sms
    start = send(client, django_capture_on_commit_callbacks, f"/apply/{POLICY}/",
                 {"id_number": worker.id_number, "phone": PHONE})
    answer = client.post(start["Location"], {"code": code_sent_to(sms, PHONE)})
    assert answer["Location"] == f"/apply/{POLICY}/form/"
    page = client.get(answer["Location"]).content.decode()
    assert "李*" in page and worker.id_number_masked in page and worker.id_number not in page
    # A file that is not a PDF/JPG/PNG refuses the whole form.
    bad = SimpleUploadedFile("x.exe", b"MZ" + b"\x00" * 30)
    html = client.post(answer["Location"], {"payee_name": "李四", "account": "6222020200112233445",
                                            "file_other": bad}).content.decode()
    assert 'data-testid="error-files"' in html and not Application.objects.exists()
    html = client.post(answer["Location"], {"payee_name": "李四", "account": "12"}).content.decode()
    assert "银行账号应为 8 至 30 位数字。" in html and not Application.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(answer["Location"], {
            "payee_name": "李四", "bank_name": "农业银行", "account": "6222 0202 0011 2233 445", "note": "家中困难",
            "file_id_card": SimpleUploadedFile("id.png", PNG, content_type="image/png")})
    assert done.status_code == 302
    app = Application.objects.get()
    assert done["Location"] == f"/apply/done/{app.pk}/"
    assert app.door == Door.PORTAL and app.created_by is None and app.subject_type == "worker"
    assert app.subject_id == worker.pk and app.phone_hash == lookup_hash(PHONE, purpose="phone")
    assert app.account == "6222020200112233445" and app.account_confirmed_at is not None and app.note == "家中困难"
    assert app.attachments.get().kind == "id_card"
    html = client.get(done["Location"]).content.decode()
    assert app.number in html and 'data-testid="steps"' in html and "办理期限" in html
    # The receipt SMS goes to the confirmed phone.
    assert any(p == PHONE and app.number in body and "已受理" in body for p, body in sms)
    assert Message.objects.filter(channel=Channel.SMS, kind="benefits.received").count() == 1
    # A second application for the same period is refused with the reason, not a 500.
    response = apply_as(client, sms, django_capture_on_commit_callbacks, worker)
    assert response.status_code == 200 and "不能重复申请" in response.content.decode()
    assert Application.objects.count() == 1


def test_not_in_ledger_says_where_to_register(ready, sms, django_capture_on_commit_callbacks):
    unknown = make_id_number("350581", dt.date(1990, 1, 1), 7)
    client = Client()
    send(client, django_capture_on_commit_callbacks, f"/apply/{POLICY}/", {"id_number": unknown, "phone": PHONE})
    response = client.post(f"/apply/{POLICY}/code/", {"code": code_sent_to(sms, PHONE)})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="not-in-ledger"' in html
    assert "劳动保障站登记" in html
    message = html.split('data-testid="not-in-ledger">')[1].split("<")[0]
    # A worker in the ledger without a household asking for a household measure: the same answer.
    worker = qualifying_worker()
    other = Client()
    send(other, django_capture_on_commit_callbacks, "/apply/quanzhou-union-relief/",
         {"id_number": worker.id_number, "phone": OTHER_PHONE})
    html = other.post("/apply/quanzhou-union-relief/code/", {"code": code_sent_to(sms, OTHER_PHONE)}).content.decode()
    assert html.split('data-testid="not-in-ledger">')[1].split("<")[0] == message
    # No way round it: the form needs the lookup to have found someone.
    assert client.get(f"/apply/{POLICY}/form/")["Location"] == f"/apply/{POLICY}/"
    assert not Application.objects.exists()


def test_a_confirmed_phone_allows_only_a_few_lookups(ready, sms, settings, django_capture_on_commit_callbacks):
    settings.ANJU_OTP_LOOKUPS_PER_CODE = 2
    client = Client()
    numbers = [make_id_number("350581", dt.date(1990, 1, 1), n) for n in (11, 13, 15)]
    send(client, django_capture_on_commit_callbacks, f"/apply/{POLICY}/", {"id_number": numbers[0], "phone": PHONE})
    assert 'data-testid="not-in-ledger"' in client.post(f"/apply/{POLICY}/code/",
                                                        {"code": code_sent_to(sms, PHONE)}).content.decode()
    # The second ID number within the half hour: no new code needed...
    html = client.post(f"/apply/{POLICY}/", {"id_number": numbers[1], "phone": PHONE}).content.decode()
    assert 'data-testid="not-in-ledger"' in html
    # ...the third needs one (and the resend limit holds).
    response = send(client, django_capture_on_commit_callbacks, f"/apply/{POLICY}/",
                    {"id_number": numbers[2], "phone": PHONE})
    assert response.status_code == 429
    assert PhoneCode.objects.count() == 1


def test_household_measure_applies_for_the_household(ready, sms, django_capture_on_commit_callbacks):
    from anju.registry.models import Household

    household = Household.objects.create(household_no="HH-1", region_id="350581001000")
    worker = qualifying_worker(household=household)
    response = apply_as(Client(), sms, django_capture_on_commit_callbacks, worker, policy="quanzhou-union-relief")
    assert response.status_code == 302, response.content.decode()
    app = Application.objects.get()
    assert app.subject_type == "household" and app.subject_id == household.pk and app.worker == worker
    assert app.current_step and app.door == Door.PORTAL


# -- my applications -------------------------------------------------------------------------------
def _counter(people, worker, phone, door=Door.COUNTER):
    actor = people.town if door == Door.COUNTER else None
    return services.application_create(actor=actor, policy=get_policy(POLICY), subject_type="worker",
                                       subject_id=worker.pk, door=door, phone=phone)


def test_mine_shows_only_the_confirmed_phones(ready, sms, django_capture_on_commit_callbacks):
    people = ready
    mine = _counter(people, qualifying_worker(name="王五"), PHONE)
    theirs = _counter(people, qualifying_worker(name="赵六"), OTHER_PHONE)
    client = Client()
    # Before the code: the phone form, nothing listed; another's application: back to the form.
    html = client.get("/apply/mine/").content.decode()
    assert 'data-testid="mine-form"' in html and mine.number not in html
    assert client.get(f"/apply/mine/{mine.pk}/")["Location"] == "/apply/mine/"
    confirm_mine(client, sms, django_capture_on_commit_callbacks)
    html = client.get("/apply/mine/").content.decode()
    assert html.count('data-testid="my-application"') == 1 and mine.number in html and theirs.number not in html
    assert "审核中" in html and "办理期限" in html
    assert "王五" not in html
    assert client.get(f"/apply/mine/{mine.pk}/").status_code == 200
    assert client.get(f"/apply/mine/{theirs.pk}/").status_code == 404
    assert client.get(f"/apply/done/{theirs.pk}/").status_code == 404
    assert client.post(f"/apply/mine/{theirs.pk}/withdraw/", {"version": theirs.version}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ApplicationStatus.IN_REVIEW
    # Leaving forgets the phone.
    client.post("/apply/mine/leave/")
    assert 'data-testid="mine-form"' in client.get("/apply/mine/").content.decode()


def test_mine_list_queries_do_not_grow(ready, sms, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    for name in ("甲一", "乙二", "丙三"):
        _counter(ready, qualifying_worker(name=name), PHONE)
    client = Client()
    confirm_mine(client, sms, django_capture_on_commit_callbacks)
    # 9: the footer's hotline number is read once, then cached (anju/rights/templatetags/rights_hotline.py).
    with django_assert_max_num_queries(9):
        html = client.get("/apply/mine/").content.decode()
    assert html.count('data-testid="my-application"') == 3


def test_pages_in_english(ready):
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/apply/"})
    assert client.get("/apply/").status_code == 200
    assert client.get(f"/apply/{POLICY}/").status_code == 200
    assert client.get("/apply/mine/").status_code == 200
    assert client.get("/notices/").status_code == 200


def test_mine_expires_after_half_an_hour(ready, sms, django_capture_on_commit_callbacks, settings):
    _counter(ready, qualifying_worker(), PHONE)
    client = Client()
    confirm_mine(client, sms, django_capture_on_commit_callbacks)
    session = client.session
    session["portal_phone"]["until"] = timezone.now().timestamp() - 1
    session.save()
    assert 'data-testid="mine-form"' in client.get("/apply/mine/").content.decode()


def test_returned_application_is_supplied_by_the_applicant(ready, sms, django_capture_on_commit_callbacks):
    people = ready
    app = _counter(people, qualifying_worker(), PHONE)
    app = services.step_decide(actor=people.town, application=app, outcome="return", reason="请补充收入证明")
    client = Client()
    confirm_mine(client, sms, django_capture_on_commit_callbacks)
    html = client.get("/apply/mine/").content.decode()
    assert "退回补充材料" in html and "请补充收入证明" in html
    page = client.get(f"/apply/mine/{app.pk}/").content.decode()
    assert 'data-testid="supply-form"' in page and 'data-testid="account-form"' not in page
    # Nothing supplied: refused in place.
    html = client.post(f"/apply/mine/{app.pk}/supply/", {"version": app.version}).content.decode()
    assert 'data-testid="error-files"' in html
    response = client.post(f"/apply/mine/{app.pk}/supply/", {
        "version": app.version, "note": "已补充收入证明",
        "file_income": SimpleUploadedFile("income.pdf", b"%PDF-1.4 test", content_type="application/pdf")})
    assert response.status_code == 200 and 'data-testid="done"' in response.content.decode()
    app.refresh_from_db()
    assert app.status == ApplicationStatus.IN_REVIEW and app.attachments.get().kind == "income"
    event = StepEvent.objects.get(outcome="supplied")
    assert event.reason == "已补充收入证明" and event.actor is None
    # Supplying again: not returned any more, a clear message.
    html = client.post(f"/apply/mine/{app.pk}/supply/", {"version": app.version, "note": "x"}).content.decode()
    assert "该申请没有被退回补充材料。" in html


def test_proactive_application_account_is_confirmed(ready, sms, django_capture_on_commit_callbacks):
    app = _counter(ready, qualifying_worker(), PHONE, door=Door.PROACTIVE)
    assert app.account_confirmed_at is None
    client = Client()
    confirm_mine(client, sms, django_capture_on_commit_callbacks)
    page = client.get(f"/apply/mine/{app.pk}/").content.decode()
    assert 'data-testid="account-form"' in page
    html = client.post(f"/apply/mine/{app.pk}/account/", {"version": app.version, "payee_name": "李四",
                                                          "account": "abc"}).content.decode()
    assert "银行账号应为 8 至 30 位数字。" in html
    html = client.post(f"/apply/mine/{app.pk}/account/", {"version": app.version, "payee_name": "李四",
                                                          "bank_name": "工商银行",
                                                          "account": "6222020200112233445"}).content.decode()
    assert 'data-testid="done"' in html and "6222020200112233445" not in html and "6222***********3445" in html
    app.refresh_from_db()
    assert app.account_confirmed_at is not None and app.account == "6222020200112233445"
    assert 'data-testid="account-form"' not in client.get(f"/apply/mine/{app.pk}/").content.decode()


def test_withdraw_an_open_application(ready, sms, django_capture_on_commit_callbacks):
    app = _counter(ready, qualifying_worker(), PHONE)
    client = Client()
    confirm_mine(client, sms, django_capture_on_commit_callbacks)
    # A stale version is refused and changes nothing.
    response = client.post(f"/apply/mine/{app.pk}/withdraw/", {"version": app.version + 5})
    assert response.status_code == 409 and 'data-testid="action-error"' in response.content.decode()
    app.refresh_from_db()
    assert app.status == ApplicationStatus.IN_REVIEW
    html = client.post(f"/apply/mine/{app.pk}/withdraw/", {"version": app.version, "reason": ""}).content.decode()
    assert 'data-testid="done"' in html and "已撤回" in html
    app.refresh_from_db()
    assert app.status == ApplicationStatus.WITHDRAWN and app.refusal_reason == "本人撤回"
    assert 'data-testid="withdraw-form"' not in client.get(f"/apply/mine/{app.pk}/").content.decode()
    html = client.post(f"/apply/mine/{app.pk}/withdraw/", {"version": app.version}).content.decode()
    assert "该申请已办结，不能撤回。" in html
