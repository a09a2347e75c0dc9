from __future__ import annotations

from django.urls import reverse

from anju.accounts.tests.factories import PASSWORD
from anju.audit.models import AuditEvent
from anju.registry.permissions import WorkerPolicy
from anju.registry.tests.factories import make_worker


def test_login_and_failed_login_are_audited(client, personas):
    url = reverse("accounts:login")
    response = client.post(url, {"username": "t-town", "password": "wrong"})
    assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode()
    assert AuditEvent.objects.filter(action="login_failed", actor_username="t-town").count() == 1
    response = client.post(url, {"username": "t-town", "password": PASSWORD})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="login", actor=personas.town).exists()
    client.post(reverse("accounts:logout"))
    assert AuditEvent.objects.filter(action="logout", actor=personas.town).exists()


def test_lockout_after_five_failures(client, personas):
    url = reverse("accounts:login")
    for _ in range(5):
        client.post(url, {"username": "t-county", "password": "nope"})
    response = client.post(url, {"username": "t-county", "password": PASSWORD})
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    # Another user is not affected.
    assert client.post(url, {"username": "t-town", "password": PASSWORD}).status_code == 302


def test_password_change_is_audited(client, personas):
    client.force_login(personas.town)
    response = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "a-much-Better-pass-2026", "new_password2": "a-much-Better-pass-2026"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="password_change", actor=personas.town).exists()


def test_session_expires_when_idle(settings):
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600 and settings.SESSION_SAVE_EVERY_REQUEST


def test_permission_policy_personas(personas):
    worker = make_worker(residence="350581001000")
    # Owner (street officer), a colleague in another county, an outsider role.
    assert WorkerPolicy.can_on(personas.town, "change", worker)
    assert not WorkerPolicy.can_on(personas.lanxian, "change", worker)
    assert not WorkerPolicy.can_on(personas.town2, "view", worker)
    assert WorkerPolicy.can_on(personas.union, "view", worker)
    assert not WorkerPolicy.can_on(personas.union, "change", worker)
    assert not WorkerPolicy.can(personas.auditor, "change") and WorkerPolicy.can(personas.auditor, "view")
    assert not WorkerPolicy.can(personas.town, "export_full") and WorkerPolicy.can(personas.county, "export_full")


def test_language_switch(client, personas):
    client.force_login(personas.town)
    assert "农民工台账" in client.get(reverse("registry:worker_list")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("registry:worker_list")).content.decode()
    assert 'lang="en"' in body
