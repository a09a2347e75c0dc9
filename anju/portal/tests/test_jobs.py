"""The public job board (/jobs/): only open postings and nothing of any worker, everyday words
finding their occupation, odd jobs first, the reference wage, pages and filters; "我有意向" with
the SMS code (wrong codes, too many tries, a posting closed meanwhile); "my jobs" showing only the
confirmed phone's referrals; the rate limits."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from anju.accounts.models import Role
from anju.accounts.tests.factories import UserFactory
from anju.employment import services
from anju.employment.models import (
    InterestStatus,
    JobInterest,
    JobPosting,
    Occupation,
    PostingStatus,
    ReferralStatus,
)
from anju.lib.crypto import lookup_hash
from anju.params.services import parameter_set
from anju.portal.models import PhoneCode
from anju.registry.tests.factories import make_worker
from anju.workflow import outbox
from anju.workflow.models import OPEN_STATES, WorkTask

pytestmark = pytest.mark.django_db

SHISHI_TOWN = "350581001000"
SHISHI_TOWN2 = "350581002000"
LAN_TOWN = "141127100000"
PHONE = "13912345678"
OTHER_PHONE = "13787654321"
CONTACT = "13600001111"


class FakeSender:
    """The SMS gateway, outside the system: what would have been sent."""

    sent: list[tuple[str, str]] = []

    def send(self, phone: str, body: str) -> None:
        FakeSender.sent.append((phone, body))


@pytest.fixture(autouse=True)
def sms(settings, monkeypatch):
    settings.ANJU_SMS_SENDER = "anju.portal.tests.test_jobs.FakeSender"
    FakeSender.sent = []
    # The task worker's job, done at once: deliver through the (fake) sender.
    monkeypatch.setattr(outbox, "_enqueue", lambda message_id, *, after=None: outbox.deliver(message_id))
    cache.clear()
    yield FakeSender.sent
    cache.clear()


def send(client, capture, url, data, **kw):
    with capture(execute=True):
        return client.post(url, data, **kw)


def code_sent_to(sms, phone: str) -> str:
    bodies = [body for p, body in sms if p == phone and "验证码" in body]
    assert bodies, f"no code sent to {phone}"
    return re.search(r"\d{6}", bodies[-1]).group(0)


@pytest.fixture
def staff(db):
    return UserFactory(username="jb-county", role=Role.COUNTY_OFFICER, jurisdiction="350581")


@pytest.fixture
def lan_staff(db):
    return UserFactory(username="jb-lan", role=Role.COUNTY_OFFICER, jurisdiction="141127")


def occupation(key: str) -> Occupation:
    return Occupation.objects.get(key=key)


def post(actor, *, title: str, key: str, kind: str = "odd_job", region: str = SHISHI_TOWN, publish: bool = True,
         **over) -> JobPosting:
    data = {"kind": kind, "title": title, "occupation": occupation(key), "unit_name": "湖滨建设工程队",
            "region_id": region, "headcount": 2, "contact_name": "林师傅", "contact_phone": CONTACT}
    if kind == "odd_job":
        data.update({"pay_unit": "day", "pay_min": Decimal("280"), "pay_max": Decimal("320"),
                     "start_date": timezone.localdate() + dt.timedelta(days=3), "duration_days": 5})
    else:
        data.update({"pay_unit": "month", "pay_min": Decimal("5000"), "pay_max": Decimal("6500"),
                     "contract_months": 12})
    data.update(over)
    return services.posting_create(actor=actor, data=data, publish=publish)


@pytest.fixture
def board(staff):
    """Open postings of each slang's occupation, and postings the board must not show."""
    from types import SimpleNamespace

    jobs = SimpleNamespace(
        welding=post(staff, title="钢结构厂房电焊", key="welder"),
        bricks=post(staff, title="小区工地小工", key="construction-worker", kind="regular"),
        gate=post(staff, title="仓库夜班值守", key="security-guard", kind="regular", region=SHISHI_TOWN2),
        loader=post(staff, title="砂石场装载机操作", key="loader-driver"),
        draft=post(staff, title="草稿里的焊工岗位", key="welder", publish=False),
        closed=post(staff, title="已关闭的焊工岗位", key="welder"),
        paused=post(staff, title="暂停中的焊工岗位", key="welder"),
        expired=post(staff, title="过期的焊工岗位", key="welder"),
    )
    services.posting_move(actor=staff, posting=jobs.closed, move="close", reason="已招满")
    services.posting_move(actor=staff, posting=jobs.paused, move="pause")
    JobPosting.objects.filter(pk=jobs.expired.pk).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    return jobs


def titles(html: str) -> list[str]:
    return re.findall(r'data-testid="job-title">([^<]+)<', html)


# -- the board -----------------------------------------------------------------------------------------
def test_board_shows_only_open_postings_and_no_worker_data(board, staff, django_capture_on_commit_callbacks):
    worker = make_worker(name="王建国", phone=OTHER_PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_create(actor=staff, worker=worker, posting=board.welding)
    services.interest_create(posting=board.welding, name="李秀英", phone=PHONE)
    response = Client().get("/jobs/")
    assert response.status_code == 200
    html = response.content.decode()
    shown = titles(html)
    assert set(shown) == {"钢结构厂房电焊", "小区工地小工", "仓库夜班值守", "砂石场装载机操作"}
    for text in ("王建国", "李秀英", OTHER_PHONE, PHONE, "137****4321", "139****5678", worker.id_number, CONTACT):
        assert text not in html
    detail = Client().get(f"/jobs/{board.welding.pk}/").content.decode()
    assert "钢结构厂房电焊" in detail and "136****1111" in detail and CONTACT not in detail
    assert "王建国" not in detail and "李秀英" not in detail
    assert Client().get(f"/jobs/{board.draft.pk}/").status_code == 404
    assert Client().get("/jobs/999999/").status_code == 404
    for gone in (board.closed, board.paused, board.expired):
        response = Client().get(f"/jobs/{gone.pk}/")
        assert response.status_code == 410 and "该岗位已停止招聘" in response.content.decode()
        assert Client().get(f"/jobs/{gone.pk}/interest/").status_code == 410


@pytest.mark.parametrize(("slang", "title"), [
    ("烧焊", "钢结构厂房电焊"), ("搬砖", "小区工地小工"), ("看大门", "仓库夜班值守"), ("开铲车", "砂石场装载机操作"),
])
def test_everyday_words_find_their_occupation(board, slang, title):
    html = Client().get("/jobs/", {"q": slang}).content.decode()
    shown = titles(html)
    assert shown and shown[0] == title
    assert "草稿里的焊工岗位" not in shown and "过期的焊工岗位" not in shown


def test_odd_jobs_first_with_pay_days_headcount_and_reference_wage(staff):
    post(staff, title="厂房焊工（长期）", key="welder", kind="regular")
    post(staff, title="钢架棚临时烧焊", key="welder")
    parameter_set(actor=None, name="odd_job_daily_wage_welder", region_prefix="350581", valid_from=dt.date(2020, 1, 1),
                  value=Decimal("300"), source="测试：石狮市零工市场工资指导价")
    html = Client().get("/jobs/", {"q": "电焊工"}).content.decode()
    assert titles(html) == ["钢架棚临时烧焊", "厂房焊工（长期）"]
    first = html.split('data-testid="job-card"')[1]
    assert 'data-kind="odd_job"' in first[:80] and "零工" in first
    assert "280–320 元/天" in first and "本地参考日工资：300 元/天" in first
    assert "干 5 天" in first and "招 2 人" in first and "开工" in first
    assert "石狮市 湖滨街道" in first
    second = html.split('data-testid="job-card"')[2]
    assert "5000–6500 元/月" in second and "本地参考日工资" not in second and "全职岗位" in second


def test_no_reference_wage_line_while_none_is_set(board):
    html = Client().get(f"/jobs/{board.welding.pk}/").content.decode()
    assert "本地参考日工资" not in html and "280–320 元/天" in html


def test_place_filter_offers_only_places_with_postings(board, lan_staff):
    post(lan_staff, title="岚县光伏电站焊工", key="welder", region=LAN_TOWN)
    html = Client().get("/jobs/").content.decode()
    options = re.findall(r'<option value="(\d+)"', html)
    assert "350581" in options and "141127" in options and "350581001" in options
    assert "350582" not in options and "1407" not in options
    shown = titles(Client().get("/jobs/", {"region": "141127"}).content.decode())
    assert shown == ["岚县光伏电站焊工"]
    shown = titles(Client().get("/jobs/", {"q": "烧焊", "region": "350581"}).content.decode())
    assert shown == ["钢结构厂房电焊"]
    shown = titles(Client().get("/jobs/", {"region": "350581002"}).content.decode())
    assert shown == ["仓库夜班值守"]


@pytest.mark.parametrize("params", [{"region": "35x"}, {"region": "'; drop"}, {"pay_min": "abc"}, {"pay_min": "-1"},
                                    {"pay_min": "1e99"}, {"page": "x"}, {"page": "-3"}, {"kind": "nonsense"},
                                    {"q": "烧" * 500}])
def test_bad_filters_are_said_not_500(board, params):
    response = Client().get("/jobs/", params)
    assert response.status_code == 200
    html = response.content.decode()
    if "region" in params:
        assert 'data-testid="error-region"' in html
    if params.get("pay_min") in ("abc", "-1", "1e99"):
        assert 'data-testid="error-pay_min"' in html


def test_minimum_pay_filters(board):
    shown = titles(Client().get("/jobs/", {"pay_min": "6000"}).content.decode())
    assert "小区工地小工" in shown  # 5000–6500 a month
    shown = titles(Client().get("/jobs/", {"pay_min": "9000"}).content.decode())
    assert "小区工地小工" not in shown and "仓库夜班值守" not in shown


def test_board_has_pages(staff):
    for n in range(13):
        post(staff, title=f"装卸零工{n:02d}", key="porter")
    first = Client().get("/jobs/").content.decode()
    assert len(titles(first)) == 10 and 'data-testid="page-next"' in first and "第 1 / 2 页" in first
    second = Client().get("/jobs/", {"page": "2"}).content.decode()
    assert len(titles(second)) == 3 and 'data-testid="page-previous"' in second
    assert not set(titles(first)) & set(titles(second))
    assert titles(Client().get("/jobs/", {"page": "50"}).content.decode()) == []


# -- 我有意向 --------------------------------------------------------------------------------------------
def test_interest_with_the_code_creates_the_sign_up(board, sms, django_capture_on_commit_callbacks):
    client = Client()
    page = client.get(f"/jobs/{board.welding.pk}/interest/")
    assert page.status_code == 200 and 'data-testid="interest-form"' in page.content.decode()
    response = send(client, django_capture_on_commit_callbacks, f"/jobs/{board.welding.pk}/interest/",
                    {"name": "陈大勇", "phone": PHONE})
    assert response.status_code == 302 and response["Location"] == f"/jobs/{board.welding.pk}/interest/code/"
    assert not JobInterest.objects.exists()
    code_page = client.get(response["Location"]).content.decode()
    assert "139****5678" in code_page and PHONE not in code_page
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/jobs/{board.welding.pk}/interest/code/", {"code": code_sent_to(sms, PHONE)})
    interest = JobInterest.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/jobs/interest/{interest.pk}/"
    assert interest.posting == board.welding and interest.name == "陈大勇" and interest.status == InterestStatus.NEW
    assert interest.phone_hash == lookup_hash(PHONE, purpose="phone") and interest.phone == PHONE
    assert WorkTask.objects.filter(step=services.INTEREST_STEP, subject_id=interest.pk, state__in=OPEN_STATES,
                                   region_code=SHISHI_TOWN).exists()
    done = client.get(answer["Location"]).content.decode()
    assert "报名成功" in done and "2 个工作日内" in done and "湖滨街道" in done and "139****5678" in done
    # The confirmation is the confirmed phone's only.
    assert Client().get(answer["Location"]).status_code == 404
    # Signing up again for the same job keeps the one sign-up; the detail page says it is done.
    assert 'data-testid="already-signed"' in client.get(f"/jobs/{board.welding.pk}/").content.decode()


def test_a_confirmed_phone_signs_up_without_a_second_code(board, sms, django_capture_on_commit_callbacks):
    client = Client()
    send(client, django_capture_on_commit_callbacks, f"/jobs/{board.welding.pk}/interest/", {"name": "陈大勇", "phone": PHONE})
    client.post(f"/jobs/{board.welding.pk}/interest/code/", {"code": code_sent_to(sms, PHONE)})
    before = len(sms)
    form = client.get(f"/jobs/{board.loader.pk}/interest/").content.decode()
    assert 'data-testid="phone-confirmed"' in form
    response = send(client, django_capture_on_commit_callbacks, f"/jobs/{board.loader.pk}/interest/",
                    {"name": "陈大勇", "phone": PHONE})
    assert response.status_code == 302 and response["Location"].startswith("/jobs/interest/")
    assert JobInterest.objects.count() == 2 and len(sms) == before
    # Another phone still needs its own code.
    response = send(client, django_capture_on_commit_callbacks, f"/jobs/{board.gate.pk}/interest/",
                    {"name": "陈小勇", "phone": OTHER_PHONE})
    assert response["Location"] == f"/jobs/{board.gate.pk}/interest/code/"


@pytest.mark.parametrize(("data", "field"), [({"name": "", "phone": PHONE}, "name"),
                                             ({"name": "陈大勇", "phone": "12345"}, "phone")])
def test_bad_name_or_phone_sends_nothing(board, sms, data, field, django_capture_on_commit_callbacks):
    response = send(Client(), django_capture_on_commit_callbacks, f"/jobs/{board.welding.pk}/interest/", data)
    assert response.status_code == 200 and f'data-testid="error-{field}"' in response.content.decode()
    assert not sms and not PhoneCode.objects.exists() and not JobInterest.objects.exists()


def test_wrong_codes_and_too_many_tries(board, sms, django_capture_on_commit_callbacks):
    client = Client()
    url = f"/jobs/{board.welding.pk}/interest/code/"
    send(client, django_capture_on_commit_callbacks, f"/jobs/{board.welding.pk}/interest/", {"name": "陈大勇", "phone": PHONE})
    code = code_sent_to(sms, PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        html = client.post(url, {"code": wrong}).content.decode()
        assert 'data-testid="error-code"' in html and f"验证码不正确，还可以再试 {left} 次。" in html
    assert "验证码错误次数过多，请重新获取。" in client.post(url, {"code": wrong}).content.decode()
    assert "验证码错误次数过多，请重新获取。" in client.post(url, {"code": code}).content.decode()
    assert not JobInterest.objects.exists()
    # Resending too soon is refused (429); a minute later a new code works.
    response = send(client, django_capture_on_commit_callbacks, url, {"resend": "1"})
    assert response.status_code == 429 and 'data-testid="rate-limited"' in response.content.decode()
    PhoneCode.objects.update(created_at=timezone.now() - dt.timedelta(seconds=61))
    response = send(client, django_capture_on_commit_callbacks, url, {"resend": "1"})
    assert response.status_code == 200 and 'data-testid="code-resent"' in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"code": code_sent_to(sms, PHONE)})
    assert response.status_code == 302 and JobInterest.objects.count() == 1


def test_code_page_without_a_pending_sign_up_goes_back(board):
    response = Client().get(f"/jobs/{board.welding.pk}/interest/code/")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{board.welding.pk}/interest/"


def test_a_posting_closed_meanwhile_is_said_clearly(board, staff, sms, django_capture_on_commit_callbacks):
    client = Client()
    send(client, django_capture_on_commit_callbacks, f"/jobs/{board.welding.pk}/interest/", {"name": "陈大勇", "phone": PHONE})
    services.posting_move(actor=staff, posting=board.welding, move="fill")
    response = client.post(f"/jobs/{board.welding.pk}/interest/code/", {"code": code_sent_to(sms, PHONE)})
    assert response.status_code == 410
    html = response.content.decode()
    assert 'data-testid="job-stopped"' in html and "该岗位已停止招聘" in html and "钢结构厂房电焊" in html
    assert not JobInterest.objects.exists()


def test_a_posting_expired_meanwhile_is_said_clearly(board, sms, django_capture_on_commit_callbacks):
    client = Client()
    send(client, django_capture_on_commit_callbacks, f"/jobs/{board.loader.pk}/interest/", {"name": "陈大勇", "phone": PHONE})
    JobPosting.objects.filter(pk=board.loader.pk).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    response = client.post(f"/jobs/{board.loader.pk}/interest/code/", {"code": code_sent_to(sms, PHONE)})
    assert response.status_code == 410 and not JobInterest.objects.exists()


def test_interest_posts_are_rate_limited(board, settings, django_capture_on_commit_callbacks):
    settings.ANJU_JOB_INTEREST_RATE = "2/h"
    client = Client()
    for n in range(2):
        response = send(client, django_capture_on_commit_callbacks, f"/jobs/{board.welding.pk}/interest/",
                        {"name": "陈大勇", "phone": f"1391234560{n}"})
        assert response.status_code == 302
    response = send(client, django_capture_on_commit_callbacks, f"/jobs/{board.welding.pk}/interest/",
                    {"name": "陈大勇", "phone": "13912345609"})
    assert response.status_code == 429 and "Retry-After" in response
    assert PhoneCode.objects.count() == 2


def test_the_board_is_rate_limited(board, settings):
    settings.ANJU_RATE_PUBLIC = "3/m"
    client = Client()
    assert [client.get("/jobs/", {"q": "烧焊"}).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get("/jobs/")
    assert response.status_code == 429 and "Retry-After" in response
    assert client.get(f"/jobs/{board.welding.pk}/").status_code == 429


# -- my jobs -------------------------------------------------------------------------------------------
def confirm_mine(client, sms, capture, phone: str):
    response = send(client, capture, "/jobs/mine/", {"phone": phone})
    assert response.status_code == 302 and response["Location"] == "/jobs/mine/code/"
    response = client.post("/jobs/mine/code/", {"code": code_sent_to(sms, phone)})
    assert response.status_code == 302 and response["Location"] == "/jobs/mine/"


def test_mine_shows_only_that_phones_referrals(board, staff, sms, django_capture_on_commit_callbacks):
    mine = make_worker(name="陈大勇", phone=PHONE)
    other = make_worker(name="王建国", phone=OTHER_PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.referral_create(actor=staff, worker=mine, posting=board.welding)
        services.referral_create(actor=staff, worker=other, posting=board.loader)
        services.referral_advance(actor=staff, referral=first, status=ReferralStatus.CONTACTED)
    services.interest_create(posting=board.gate, name="王建国", phone=OTHER_PHONE)
    client = Client()
    start = client.get("/jobs/mine/")
    assert start.status_code == 200 and 'data-testid="mine-form"' in start.content.decode()
    confirm_mine(client, sms, django_capture_on_commit_callbacks, PHONE)
    html = client.get("/jobs/mine/").content.decode()
    rows = re.findall(r'data-testid="my-referral" data-pk="(\d+)"', html)
    assert rows == [str(first.pk)]
    assert "钢结构厂房电焊" in html and "已联系" in html and "139****5678" in html
    assert "砂石场装载机操作" not in html.split("为您推荐")[0] and "王建国" not in html and "仓库夜班值守" not in \
        html.split("为您推荐")[0]
    assert 'data-testid="no-interests"' in html
    # The other phone sees its own, and its sign-up.
    client2 = Client()
    confirm_mine(client2, sms, django_capture_on_commit_callbacks, OTHER_PHONE)
    html2 = client2.get("/jobs/mine/").content.decode()
    assert re.findall(r'data-testid="my-referral" data-pk="(\d+)"', html2) == [str(other.referrals.get().pk)]
    assert 'data-testid="my-interest"' in html2 and "仓库夜班值守" in html2 and "陈大勇" not in html2
    # Leaving forgets the phone.
    client.post("/jobs/mine/leave/")
    assert 'data-testid="mine-form"' in client.get("/jobs/mine/").content.decode()


def test_mine_reuses_the_my_applications_sign_in(board, staff, sms, django_capture_on_commit_callbacks):
    worker = make_worker(name="陈大勇", phone=PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_create(actor=staff, worker=worker, posting=board.welding)
    client = Client()
    send(client, django_capture_on_commit_callbacks, "/apply/mine/", {"phone": PHONE})
    client.post("/apply/mine/code/", {"code": code_sent_to(sms, PHONE)})
    html = client.get("/jobs/mine/").content.decode()
    assert 'data-testid="my-referral"' in html and 'data-testid="mine-form"' not in html


def test_mine_recommends_jobs_for_the_ledger_record(board, sms, django_capture_on_commit_callbacks):
    make_worker(name="陈大勇", phone=PHONE, residence=SHISHI_TOWN, desired_occupation="电焊工")
    client = Client()
    confirm_mine(client, sms, django_capture_on_commit_callbacks, PHONE)
    html = client.get("/jobs/mine/").content.decode()
    recommended = html.split("为您推荐")[1]
    assert 'data-testid="recommended-job"' in recommended and "钢结构厂房电焊" in recommended
    assert "草稿里的焊工岗位" not in recommended and "过期的焊工岗位" not in recommended


def test_mine_without_a_ledger_record_says_how_to_register(board, sms, django_capture_on_commit_callbacks):
    client = Client()
    confirm_mine(client, sms, django_capture_on_commit_callbacks, PHONE)
    html = client.get("/jobs/mine/").content.decode()
    assert 'data-testid="no-referrals"' in html and "求职登记" in html


def test_mine_code_without_a_phone_goes_back(db):
    response = Client().get("/jobs/mine/code/")
    assert response.status_code == 302 and response["Location"] == "/jobs/mine/"


def test_the_done_page_and_interest_status_of_a_referred_sign_up(board, staff, sms, django_capture_on_commit_callbacks):
    client = Client()
    send(client, django_capture_on_commit_callbacks, f"/jobs/{board.welding.pk}/interest/", {"name": "陈大勇", "phone": PHONE})
    client.post(f"/jobs/{board.welding.pk}/interest/code/", {"code": code_sent_to(sms, PHONE)})
    interest = JobInterest.objects.get()
    worker = make_worker(name="陈大勇", phone=PHONE)
    services.interest_refer(actor=staff, interest=interest, worker=worker)
    html = client.get("/jobs/mine/").content.decode()
    assert "已转推荐" in html and 'data-testid="my-referral"' in html
    assert PostingStatus.PUBLISHED == JobPosting.objects.get(pk=board.welding.pk).status


def test_a_jobs_page_shows_the_hotline_of_the_jobs_place(board, lan_staff):
    """The footer's one number is the job's place's: Shishi's for a Shishi job, none (rather than
    Shishi's) for a Lan County job while Lan County has entered none."""
    from anju.rights.models import HotlineNumber

    HotlineNumber.objects.get_or_create(region_prefix="350581", valid_from=dt.date(2022, 1, 1),
                                        defaults={"name": "石狮市总工会服务热线", "number": "88712565"})
    lan = post(lan_staff, title="岚县光伏电站焊工", key="welder", region=LAN_TOWN)
    from django.core.cache import cache

    cache.clear()
    assert "88712565" in Client().get(f"/jobs/{board.welding.pk}/").content.decode()
    assert "88712565" not in Client().get(f"/jobs/{lan.pk}/").content.decode()
