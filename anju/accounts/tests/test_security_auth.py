"""Issue 9, items 5–7: tokens that outlived passwords, lockouts a stranger could cause, and the
password rule that answered in English. Each test replays a finding through the real pages and
the real API (bearer tokens), from the addresses named."""

from __future__ import annotations

import json
import os

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from anju.accounts.models import ApiToken
from anju.accounts.tests.factories import PASSWORD, UserFactory
from anju.audit.models import Action, AuditEvent

A = "203.0.113.7"  # the stranger's address
B = "198.51.100.9"  # the owner's
NEW_PASSWORD = "a-much-Better-pass-2026"


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def web_login(username: str, password: str = PASSWORD, *, ip: str = B):
    return Client(REMOTE_ADDR=ip).post(reverse("accounts:login"), {"username": username, "password": password})


def api_login(username: str, password: str = PASSWORD, *, ip: str = B):
    return Client(REMOTE_ADDR=ip).post("/api/v1/auth/token", json.dumps({"username": username, "password": password}),
                                       content_type="application/json")


def api_token(username: str) -> str:
    response = api_login(username)
    assert response.status_code == 200, response.content
    return response.json()["token"]


def api_status(key: str) -> int:
    return Client().get("/api/v1/workers", headers={"Authorization": f"Bearer {key}"}).status_code


def logged_in_client(user, *, ip: str = B) -> Client:
    client = Client(REMOTE_ADDR=ip)
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def is_logged_in(client: Client) -> bool:
    return client.get(reverse("core:home")).status_code == 200


# Item 5: tokens outlive passwords ------------------------------------------------------------

def test_password_change_on_the_page_ends_every_token_and_other_sessions(personas):
    town = personas.town
    keys = [api_token("t-town"), api_token("t-town")]
    other_device = logged_in_client(town, ip=A)
    here = logged_in_client(town)
    assert [api_status(k) for k in keys] == [200, 200]

    page = here.get(reverse("accounts:password_change")).content.decode()
    assert "全部接口（API）令牌将立即失效" in page
    response = here.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302

    assert [api_status(k) for k in keys] == [401, 401]
    assert not ApiToken.objects.filter(user=town).exists()
    assert not is_logged_in(other_device)
    assert is_logged_in(here)  # the browser that changed it stays in
    assert AuditEvent.objects.filter(action=Action.PASSWORD_CHANGE, actor=town, object_id=str(town.pk)).exists()
    assert AuditEvent.objects.filter(action=Action.LOGOUT, object_id=str(town.pk),
                                     detail__reason="password_change", detail__tokens=2).exists()
    # The new password works on the API, the old one does not.
    assert api_login("t-town", NEW_PASSWORD).status_code == 200
    assert api_login("t-town").status_code == 401


def test_password_set_by_an_administrator_ends_every_token(personas):
    key = api_token("t-town")
    admin = Client()
    admin.force_login(personas.admin)
    url = reverse("admin:auth_user_password_change", args=[personas.town.pk])
    response = admin.post(url, {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert api_status(key) == 401
    assert AuditEvent.objects.filter(action=Action.PASSWORD_CHANGE, actor=personas.admin,
                                     object_id=str(personas.town.pk), detail__by="administrator").exists()


def test_a_refused_admin_password_form_ends_nothing(personas):
    key = api_token("t-town")
    admin = Client()
    admin.force_login(personas.admin)
    url = reverse("admin:auth_user_password_change", args=[personas.town.pk])
    response = admin.post(url, {"usable_password": "true", "password1": NEW_PASSWORD, "password2": "different-2026"})
    assert response.status_code == 200
    assert api_status(key) == 200
    assert not AuditEvent.objects.filter(action=Action.PASSWORD_CHANGE).exists()


def _admin_change_form_data(user) -> dict:
    return {
        "username": user.username, "first_name": "", "last_name": "", "email": "",
        "is_staff": "", "is_superuser": "", "groups": [], "user_permissions": [],
        "last_login_0": "", "last_login_1": "", "date_joined_0": "2026-01-05", "date_joined_1": "09:00:00",
        "display_name": user.display_name, "role": user.role, "jurisdiction": user.jurisdiction,
        "department": user.department_id or "", "organisation_uscc": user.organisation_uscc,
    }


def test_deactivation_in_the_admin_ends_tokens_and_sessions(personas):
    town = personas.town
    key = api_token("t-town")
    device = logged_in_client(town)
    admin = Client()
    admin.force_login(personas.admin)
    url = reverse("admin:accounts_user_change", args=[town.pk])

    # Saving the form with "active" still ticked ends nothing.
    response = admin.post(url, {**_admin_change_form_data(town), "is_active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert api_status(key) == 200 and is_logged_in(device)

    response = admin.post(url, _admin_change_form_data(town))  # "active" unticked
    assert response.status_code == 302
    town.refresh_from_db()
    assert not town.is_active
    assert not ApiToken.objects.filter(user=town).exists()
    assert api_status(key) == 401
    assert not is_logged_in(device)
    assert AuditEvent.objects.filter(action=Action.LOGOUT, actor=personas.admin, object_id=str(town.pk),
                                     detail__reason="deactivated").exists()
    # Reactivated, the account's old token and old session stay dead.
    town.is_active = True
    town.save(update_fields=["is_active"])
    assert api_status(key) == 401
    assert not is_logged_in(device)


def test_deactivate_action_in_the_admin_list(personas):
    key_town, key_county = api_token("t-town"), api_token("t-county")
    admin = Client()
    admin.force_login(personas.admin)
    response = admin.post(reverse("admin:accounts_user_changelist"), {
        "action": "deactivate", "_selected_action": [personas.town.pk, personas.admin.pk]})
    assert response.status_code == 302
    personas.town.refresh_from_db()
    personas.admin.refresh_from_db()
    assert not personas.town.is_active and personas.admin.is_active  # not the acting administrator
    assert api_status(key_town) == 401 and api_status(key_county) == 200
    assert AuditEvent.objects.filter(action=Action.UPDATE, actor=personas.admin, object_id=str(personas.town.pk),
                                     changes__is_active=[True, False]).exists()


def test_logout_everywhere_ends_all_sessions_and_tokens(personas):
    county = personas.county
    keys = [api_token("t-county"), api_token("t-county")]
    other_device = logged_in_client(county, ip=A)
    here = logged_in_client(county)
    key_town = api_token("t-town")

    assert here.get(reverse("accounts:logout_everywhere")).status_code == 405  # a GET changes nothing
    assert api_status(keys[0]) == 200
    response = here.post(reverse("accounts:logout_everywhere"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")

    assert [api_status(k) for k in keys] == [401, 401]
    assert not is_logged_in(other_device) and not is_logged_in(here)
    assert api_status(key_town) == 200  # someone else's token is not touched
    assert AuditEvent.objects.filter(action=Action.LOGOUT, actor=county, detail__reason="logout_everywhere",
                                     detail__tokens=2).exists()
    # The password still works: logging in again is possible everywhere.
    assert is_logged_in(logged_in_client(county, ip=A))
    assert api_login("t-county").status_code == 200


def test_logout_everywhere_needs_a_login():
    response = Client().post(reverse("accounts:logout_everywhere"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


# Item 6: anyone can lock anyone out ----------------------------------------------------------

@pytest.mark.parametrize("login", [web_login, api_login], ids=["web", "api"])
def test_a_strangers_wrong_passwords_do_not_lock_the_owner_out(personas, login):
    statuses = [login("t-admin", "guess", ip=A).status_code for _ in range(5)]
    assert statuses[-1] == 429  # the stranger's address is refused for this account...
    assert login("t-admin", PASSWORD, ip=A).status_code == 429  # ...even with the right password
    # The owner, from their own address, is not.
    assert login("t-admin", PASSWORD, ip=B).status_code in (200, 302)
    [lock] = AuditEvent.objects.filter(object_type="lockout")
    assert lock.action == Action.LOGIN_FAILED and lock.actor_username == "t-admin"
    assert lock.detail["lockout"] == "account" and lock.detail["ip_address"] == A and lock.detail["failures"] == 5


def test_the_lockout_page_says_which_lock_and_for_how_long(personas, settings):
    settings.ANJU_LOCKOUT_MINUTES = 45
    for _ in range(4):
        web_login("t-town", "guess", ip=A)
    response = web_login("t-town", "guess", ip=A)
    assert response.status_code == 429
    body = response.content.decode()
    assert 'data-scope="account"' in body and "45 分钟" in body and "从其他地址登录不受影响" in body


@pytest.mark.parametrize("login", [web_login, api_login], ids=["web", "api"])
def test_failures_spread_over_many_accounts_from_one_address_are_refused(login, settings, db):
    assert settings.ANJU_LOCKOUT_ADDRESS_FAILURES == 20
    users = [UserFactory(username=f"spread{i:02d}") for i in range(13)]
    statuses = [login(u.username, "guess", ip=A).status_code for u in users[:12] for _ in range(4)]
    assert len(statuses) == 48
    assert 429 not in statuses[:19]  # 4 per account: under every account's limit
    assert set(statuses[19:]) == {429}  # from the 20th on, the address is refused
    # A thirteenth account, with its right password, from that address: refused too.
    response = login(users[12].username, PASSWORD, ip=A)
    assert response.status_code == 429
    if login is api_login:
        assert response.json()["detail"][0]["message"].startswith("此地址登录失败次数过多")
    else:
        assert 'data-scope="address"' in response.content.decode()
    # From another address, every one of them logs in.
    assert login(users[0].username, PASSWORD, ip=B).status_code in (200, 302)
    assert login(users[12].username, PASSWORD, ip=B).status_code in (200, 302)
    # The address lock is audited once, when it began.
    [lock] = AuditEvent.objects.filter(object_type="lockout", detail__lockout="address")
    assert lock.detail["ip_address"] == A and lock.detail["failures"] == 20


def test_address_limit_spares_exempt_networks(settings, db):
    settings.ANJU_LOCKOUT_ADDRESS_EXEMPT = ["203.0.113.0/24"]
    users = [UserFactory(username=f"nat{i:02d}") for i in range(6)]
    statuses = [api_login(u.username, "guess", ip=A).status_code for u in users[:5] for _ in range(4)]
    assert set(statuses) == {401}
    assert api_login(users[5].username, ip=A).status_code == 200
    # The per-account limit still holds inside the exempt network.
    assert api_login(users[0].username, "guess", ip=A).status_code == 429


def test_a_forged_forwarded_for_header_does_not_choose_the_counted_address(personas, settings):
    def login_via(xff: str, remote: str, password: str = "guess"):
        return Client(REMOTE_ADDR=remote).post(
            "/api/v1/auth/token", json.dumps({"username": "t-town", "password": password}),
            content_type="application/json", headers={"X-Forwarded-For": xff})

    settings.ANJU_CLIENT_IP_HEADER = "X-Forwarded-For"
    settings.ANJU_TRUSTED_PROXIES = ["127.0.0.1"]
    # Not from the trusted proxy: a new X-Forwarded-For each time does not escape the limit.
    statuses = [login_via(f"10.0.0.{i}", A).status_code for i in range(5)]
    assert statuses[-1] == 429
    # From the proxy, the address it appended (the last entry) is counted, not what the client wrote.
    proxy, c = "127.0.0.1", "192.0.2.33"
    statuses = [login_via(f"{i}.{i}.{i}.{i}, {c}", proxy).status_code for i in range(1, 6)]
    assert statuses == [401, 401, 401, 401, 429]
    assert login_via(f"{A}, {c}", proxy, PASSWORD).status_code == 429
    # The proxy's own address is not what was locked: others behind it still log in.
    assert login_via(f"{c}, {B}", proxy, PASSWORD).status_code == 200
    assert login_via("not-an-address", proxy, PASSWORD).status_code == 200  # counted as the proxy itself


def test_administrator_lists_and_lifts_lockouts_and_it_is_audited(personas, settings):
    for _ in range(5):
        api_login("t-town", "guess", ip=A)
    others = [UserFactory(username=f"spread{i:02d}") for i in range(5)]
    for user in others:
        for _ in range(4):
            api_login(user.username, "guess", ip=B)
    assert api_login("t-town", ip=A).status_code == 429
    assert api_login("t-county", ip=B).status_code == 429

    # Only administrators see the page.
    officer = Client()
    officer.force_login(personas.county)
    assert officer.get(reverse("accounts:lockout_list")).status_code == 403
    assert officer.post(reverse("accounts:lockout_unlock"),
                        {"scope": "address", "ip_address": B}).status_code == 403
    assert api_login("t-county", ip=B).status_code == 429

    admin = Client()
    admin.force_login(personas.admin)
    page = admin.get(reverse("accounts:lockout_list")).content.decode()
    assert f'data-scope="account" data-ip="{A}" data-username="t-town"' in page
    assert f'data-scope="address" data-ip="{B}"' in page
    assert "解除锁定" in page

    # Bad input is refused with a reason and changes nothing.
    for bad, reason in (({"scope": "account", "ip_address": A}, "解除账号锁定时须指明用户名"),
                        ({"scope": "account", "ip_address": "nonsense", "username": "t-town"}, "有效的 IPv4 或 IPv6 地址"),
                        ({"scope": "everything", "ip_address": A}, "选择一个有效的选项")):
        response = admin.post(reverse("accounts:lockout_unlock"), bad, follow=True)
        assert response.status_code == 200
        assert "alert-danger" in response.content.decode() and reason in response.content.decode()
    assert api_login("t-town", ip=A).status_code == 429
    assert not AuditEvent.objects.filter(object_type="lockout", action=Action.UPDATE).exists()

    response = admin.post(reverse("accounts:lockout_unlock"),
                          {"scope": "account", "ip_address": A, "username": "t-town"}, follow=True)
    assert "已解除锁定" in response.content.decode()
    assert api_login("t-town", ip=A).status_code == 200
    assert api_login("t-county", ip=B).status_code == 429  # the other lock stands
    admin.post(reverse("accounts:lockout_unlock"), {"scope": "address", "ip_address": B})
    assert api_login("t-county", ip=B).status_code == 200

    released = AuditEvent.objects.filter(object_type="lockout", action=Action.UPDATE, actor=personas.admin)
    assert {(e.detail["released"], e.detail["ip_address"], e.detail["username"]) for e in released} == {
        ("account", A, "t-town"), ("address", B, "")}
    page = admin.get(reverse("accounts:lockout_list")).content.decode()
    assert 'data-testid="no-lockouts"' in page


# Item 7 (part): the password rule in English on a Chinese page --------------------------------

def test_password_too_short_is_said_in_chinese(personas):
    client = Client()
    client.force_login(personas.town)
    page = client.get(reverse("accounts:password_change")).content.decode()
    assert "密码至少需要 8 个字符" in page
    response = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "Qz7!kp", "new_password2": "Qz7!kp"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "密码太短，至少需要 8 个字符。" in body
    assert "too short" not in body
    personas.town.refresh_from_db()
    assert personas.town.check_password(PASSWORD)  # nothing changed


# In a real browser -------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs /usr/bin/chromium")
def test_administrator_lifts_a_lockout_in_the_browser(live_server, regions_loaded):
    from anju.accounts.tests.factories import make_personas

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    make_personas()
    for _ in range(5):
        web_login("t-town", "guess", ip="127.0.0.1")  # the live server sees the browser as 127.0.0.1
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            page = browser.new_page(locale="zh-CN")
            page.set_default_timeout(15000)
            base = live_server.url
            page.goto(base + "/accounts/login/")
            page.fill("#id_username", "t-admin")
            page.fill("#id_password", PASSWORD)
            page.press("#id_password", "Enter")
            page.wait_for_url(base + "/")
            page.goto(base + reverse("accounts:password_change"))
            assert "全部接口（API）令牌将立即失效" in page.inner_text("[data-testid=password-ends-tokens]")
            page.click("text=登录锁定管理")
            row = page.locator("[data-testid=lockout-row][data-username=t-town]")
            assert row.count() == 1
            row.locator("[data-testid=unlock]").click()
            page.wait_for_selector("[data-testid=no-lockouts]")
            assert "已解除锁定" in page.content()
            browser.close()
    finally:
        connections.close_all()
    assert web_login("t-town", ip="127.0.0.1").status_code == 302
    assert AuditEvent.objects.filter(object_type="lockout", action=Action.UPDATE, actor_username="t-admin").exists()
