"""HTTP hygiene: the API reads only UTF-8 `application/json` with unique keys; the public endpoints
are limited per address; pages carry a Content-Security-Policy, and what a signed-in user or an API
client receives is never cached."""

from __future__ import annotations

import json
import re
import types

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from anju.accounts.tokens import token_issue
from anju.audit.models import Action, AuditEvent
from anju.core.demo import DEMO_PASSWORD
from anju.registry.models import Worker
from anju.registry.tests.factories import make_worker, next_id_number
from anju.registry.tests.test_browser import CHROMIUM, browser_page, login  # noqa: F401 (fixture)

SCREENING = "/api/v1/screening"
WORKERS = "/api/v1/workers"
TOKEN = "/api/v1/auth/token"
CHECK = "/check/"
LOGIN = "/accounts/login/"
TOWN = "350581001000"  # personas.town's street
SCREEN_BODY = {"subject": "worker", "region": TOWN, "date": "2021-06-15", "facts": {}}


def new_worker(**overrides) -> dict:
    return {
        "name": "李四",
        "id_number": next_id_number(),
        "residence_region": TOWN,
        "employment_status": "employed",
        "phone": "13912345678",
    } | overrides


def bearer(user) -> dict[str, str]:
    key, _token = token_issue(user=user)
    return {"Authorization": f"Bearer {key}"}


def messages(response) -> str:
    return " ".join(
        item["message"] + " " + item["message_en"] for item in response.json()["detail"]
    )


# -- the API's body parser ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        "application/json; charset=utf-16",
        "application/json; charset=latin-1",
        "application/jsonx",
    ],
)
def test_a_body_not_sent_as_utf8_json_is_400_and_changes_nothing(personas, content_type):
    body = json.dumps(
        new_worker()
    )  # ASCII (\uXXXX escapes): the test client re-encodes it to the charset
    response = Client().post(
        WORKERS, body, content_type=content_type, headers=bearer(personas.town)
    )
    assert response.status_code == 400, response.content
    assert "Content-Type: application/json" in messages(response)
    assert not Worker.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.CREATE).exists()


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "Application/JSON; charset=UTF-8"],
)
def test_utf8_json_is_accepted_with_or_without_charset(personas, content_type):
    body = json.dumps(new_worker(), ensure_ascii=False).encode()
    response = Client().post(
        WORKERS, body, content_type=content_type, headers=bearer(personas.town)
    )
    assert response.status_code == 201, response.content
    assert Worker.objects.get().name == "李四"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_a_utf16_body_is_400_and_changes_nothing(personas, encoding):
    # json.loads(bytes) would read these: the parser must not.
    body = json.dumps(new_worker(), ensure_ascii=False).encode(encoding)
    response = Client().post(
        WORKERS, body, content_type="application/json", headers=bearer(personas.town)
    )
    assert response.status_code == 400, response.content
    assert response.json()["detail"][0]["field"] is None
    assert not Worker.objects.exists()


def test_a_utf16_body_says_it_is_not_utf8():
    body = json.dumps(SCREEN_BODY).encode("utf-16")  # with its BOM: not valid UTF-8
    response = Client().post(SCREENING, body, content_type="application/json")
    assert response.status_code == 400
    assert "UTF-16" in messages(response)


def test_a_utf8_bom_is_400(personas):
    body = b"\xef\xbb\xbf" + json.dumps(new_worker()).encode()
    response = Client().post(
        WORKERS, body, content_type="application/json", headers=bearer(personas.town)
    )
    assert response.status_code == 400
    assert "BOM" in messages(response)
    assert not Worker.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        '{"name": "王芳", "id_number": "%s", "residence_region": "%s", "employment_status": "employed", "name": "李强"}',
        '{"name": "王芳", "id_number": "%s", "residence_region": "%s", "employment_status": "employed", '
        '"difficulty_types": [], "extra": {"a": 1, "a": 2}}',
    ],
)
def test_duplicate_keys_are_400_and_nothing_is_created(personas, raw):
    body = raw % (next_id_number(), TOWN)
    response = Client().post(
        WORKERS, body.encode(), content_type="application/json", headers=bearer(personas.town)
    )
    assert response.status_code == 400, response.content
    item = response.json()["detail"][0]
    assert "只能出现一次" in item["message"] and item["message_en"]
    assert not Worker.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.CREATE).exists()


def test_a_duplicate_key_is_named():
    raw = '{"region": "350581001000", "region": "141127101000"}'
    response = Client().post(SCREENING, raw, content_type="application/json")
    assert response.status_code == 400
    item = response.json()["detail"][0]
    assert item["field"] is None and "“region”出现了不止一次" in item["message"]
    assert "region" in item["message_en"]


def test_malformed_json_is_still_the_general_400():
    response = Client().post(SCREENING, b"{not json", content_type="application/json")
    assert response.status_code == 400
    assert "UTF-8 编码的 JSON" in response.json()["detail"][0]["message"]


def test_get_and_delete_without_a_body_are_unaffected(personas):
    worker = make_worker(residence=TOWN)
    headers = bearer(personas.town)
    client = Client()
    # No Content-Type at all on a GET, and a DELETE that sends none: both as before.
    assert client.get(f"{WORKERS}/{worker.pk}", headers=headers).status_code == 200
    assert client.delete(TOKEN, headers=headers).status_code == 204
    assert client.get(f"{WORKERS}/{worker.pk}", headers=headers).status_code == 401


# -- per-address limits -------------------------------------------------------------------------


class Clock:
    """django-ratelimit counts in fixed windows of time.time(); a test must not straddle two."""

    def __init__(self, now: float):
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def limited(settings, monkeypatch):
    settings.ANJU_RATE_PUBLIC = "60/m"
    settings.ANJU_CLIENT_IP_HEADER = ""
    clock = Clock(1_750_000_000.0)
    monkeypatch.setattr("django_ratelimit.core.time", types.SimpleNamespace(time=clock.time))
    cache.clear()
    yield clock
    cache.clear()


def screen(address: str, **headers):
    return Client(REMOTE_ADDR=address).post(
        SCREENING, SCREEN_BODY, content_type="application/json", headers=headers
    )


def test_the_61st_screening_in_a_minute_from_one_address_is_429(db, limited):
    for _ in range(60):
        assert screen("203.0.113.7").status_code == 200
    response = screen("203.0.113.7")
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    seconds = int(response["Retry-After"])
    assert 1 <= seconds <= 61
    item = response.json()["detail"][0]
    assert item["field"] is None
    assert item["message"] == f"请求过于频繁，请 {seconds} 秒后再试。"
    assert item["message_en"]
    # Another address is not held up by the first one.
    assert screen("203.0.113.8").status_code == 200
    # Retry-After tells the truth: a second early is still refused, then it is served again.
    limited.now += seconds - 1
    assert screen("203.0.113.7").status_code == 429
    limited.now += 1
    assert screen("203.0.113.7").status_code == 200


def test_check_page_is_limited_per_address_with_a_page(db, limited):
    client = Client(REMOTE_ADDR="198.51.100.4")
    for _ in range(60):
        assert client.get(CHECK).status_code == 200
    response = client.post(CHECK, {"region": TOWN})  # a POST counts as well
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert int(response["Retry-After"]) >= 1
    assert "请求过于频繁" in response.content.decode()
    assert Client(REMOTE_ADDR="198.51.100.5").get(CHECK).status_code == 200


def test_logins_are_limited_per_address(personas, limited, settings):
    settings.ANJU_RATE_PUBLIC = "3/m"
    api = Client(REMOTE_ADDR="192.0.2.10")
    body = {"username": "nobody", "password": "wrong"}
    assert [
        api.post(TOKEN, body, content_type="application/json").status_code for _ in range(4)
    ] == [401, 401, 401, 429]
    web = Client(REMOTE_ADDR="192.0.2.11")
    for _ in range(5):  # showing the form is not counted
        assert web.get(LOGIN).status_code == 200
    statuses = [
        web.post(LOGIN, {"username": "nobody", "password": "wrong"}).status_code for _ in range(4)
    ]
    assert statuses[:3] == [200, 200, 200] and statuses[3] == 429


def test_no_limit_when_the_setting_is_empty(db, limited, settings):
    settings.ANJU_RATE_PUBLIC = ""
    assert all(screen("203.0.113.9").status_code == 200 for _ in range(70))


def test_the_proxy_header_is_believed_only_from_a_trusted_proxy(db, limited, settings):
    settings.ANJU_RATE_PUBLIC = "2/m"
    settings.ANJU_CLIENT_IP_HEADER = "X-Forwarded-For"
    settings.ANJU_TRUSTED_PROXIES = ["10.0.0.1"]
    # Through the proxy: each client is counted on its own, by the last (proxy-written) entry.
    for n in range(5):
        assert screen("10.0.0.1", x_forwarded_for=f"1.2.3.4, 198.51.100.{n}").status_code == 200
    assert [screen("10.0.0.1", x_forwarded_for="198.51.100.77").status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    # From anywhere else a forged header changes nothing: counted by REMOTE_ADDR.
    statuses = [
        screen("203.0.113.50", x_forwarded_for=f"198.51.100.{n}").status_code for n in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_ipv6_addresses_count_per_64(db, limited, settings):
    settings.ANJU_RATE_PUBLIC = "2/m"
    assert screen("2001:db8:1:2::1").status_code == 200
    assert screen("2001:db8:1:2::2").status_code == 200
    assert screen("2001:db8:1:2:ffff::3").status_code == 429
    assert screen("2001:db8:1:3::1").status_code == 200


# -- headers --------------------------------------------------------------------------------------


def test_pages_carry_the_content_security_policy(personas, settings):
    policy = settings.ANJU_CSP
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    anonymous = Client()
    for url in (CHECK, LOGIN):
        response = anonymous.get(url)
        assert response.status_code == 200
        assert response["Content-Security-Policy"] == policy
    staff = Client()
    staff.force_login(personas.town)
    assert staff.get("/")["Content-Security-Policy"] == policy
    assert staff.get("/ledger/999999/").status_code == 404
    assert staff.get("/ledger/999999/")["Content-Security-Policy"] == policy
    # JSON is not a page.
    assert "Content-Security-Policy" not in anonymous.post(
        SCREENING, SCREEN_BODY, content_type="application/json"
    )


def test_the_pages_have_no_inline_scripts_or_handlers(personas):
    """What the policy would block: an inline <script>, an on…= handler, a <style> element."""
    staff = Client()
    staff.force_login(personas.town)
    worker = make_worker(residence=TOWN)
    pages = [
        Client().get(CHECK),
        Client().get(LOGIN),
        staff.get("/"),
        staff.get(reverse("registry:worker_list")),
        staff.get(reverse("registry:worker_detail", args=[worker.pk])),
        staff.get(reverse("workflow:queue")),
    ]
    for response in pages:
        assert response.status_code == 200
        html = response.content.decode()
        assert "<script>" not in html and "<style" not in html
        assert " onchange=" not in html and " onclick=" not in html and " onsubmit=" not in html


def test_worker_page_and_api_answers_are_not_stored(personas):
    worker = make_worker(residence=TOWN)
    staff = Client()
    staff.force_login(personas.town)
    page = staff.get(reverse("registry:worker_detail", args=[worker.pk]))
    assert page.status_code == 200 and page["Cache-Control"] == "no-store, private"
    api = Client().get(f"{WORKERS}/{worker.pk}", headers=bearer(personas.town))
    assert api.status_code == 200 and api["Cache-Control"] == "no-store, private"
    # An API error too (what it says may still be about someone).
    assert Client().get(f"{WORKERS}/{worker.pk}")["Cache-Control"] == "no-store, private"


def test_static_files_keep_their_caching_for_a_signed_in_user(personas):
    staff = Client()
    staff.force_login(personas.town)
    response = staff.get("/static/anju/anju.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_anonymous_public_page_still_works(db):
    client = Client()
    page = client.get(CHECK)
    assert page.status_code == 200 and "我能领取哪些补贴和救助" in page.content.decode()
    assert "anju/check.js" in page.content.decode() and "anju/public.css" in page.content.decode()
    # The answers come back on the page: not kept in a shared phone's cache either.
    assert "no-store" in page["Cache-Control"]
    answered = client.post(CHECK, {"region": TOWN, "date": "2021-06-15"})
    assert answered.status_code == 200


def test_web_login_still_works(personas):
    personas.town.set_password(DEMO_PASSWORD)
    personas.town.save()
    response = Client().post(LOGIN, {"username": personas.town.username, "password": DEMO_PASSWORD})
    assert response.status_code == 302


# -- in a real browser: the policy breaks nothing ---------------------------------------------------


@pytest.mark.browser
def test_main_pages_raise_no_csp_violation_in_the_browser(browser_page, live_server):  # noqa: F811
    from anju.core.demo import seed_reference_users

    assert CHROMIUM
    page, base = browser_page, live_server.url
    seed_reference_users()
    worker = make_worker(name="郑海燕", residence=TOWN)
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda e: problems.append(str(e)))

    # The public page: its script (now a static file) still hides the questions of other places.
    page.goto(base + CHECK)
    assert page.locator("fieldset[data-regions]:visible").count() > 0
    page.select_option("#region", TOWN)
    page.locator("[data-testid=check-submit]").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=check-submit]").count() == 1

    login(page, base, "shishi-town")
    for url in (
        "/",
        reverse("registry:worker_list"),
        reverse("registry:worker_detail", args=[worker.pk]),
        reverse("registry:worker_edit", args=[worker.pk]),
        reverse("registry:round_list"),
        reverse("policies:policy_list"),
        reverse("policies:simulate"),
        "/api/v1/docs",
    ):
        page.goto(base + url)
        page.wait_for_load_state("networkidle")
    assert page.locator(".swagger-ui").count() == 1  # the API docs rendered

    # The queue's filters submit on change without inline handlers.
    page.goto(base + reverse("workflow:queue"))
    page.check("#only-overdue")
    page.wait_for_url(re.compile(r"overdue=1"))

    # Django's admin, as the administrator: its login form, the index and a change form.
    page.context.clear_cookies()
    page.goto(base + "/django-admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", DEMO_PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(base + "/django-admin/")
    page.goto(base + "/django-admin/accounts/user/add/")
    page.wait_for_load_state("networkidle")
    assert problems == []
