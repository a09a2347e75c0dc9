"""The public notices: current and recently closed notices, each grant masked (first character of
the name, the masked ID number, the town, the amount); an objection pauses the grant; the
objection form is rate-limited with a 429 page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client

from anju.benefits import services
from anju.benefits.models import Door, Grant, GrantStatus, Notice, Objection
from anju.benefits.tests.factories import (
    POLICY,
    chain_people,
    fund,
    living_standard,
    qualifying_worker,
)
from anju.lib.dates import today
from anju.policies.packs import get_policy

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def published(db):
    living_standard()
    fund()
    people = chain_people()
    worker = qualifying_worker(name="欧阳娜娜", phone="13911112222")
    app = services.application_create(actor=people.town, policy=get_policy(POLICY), subject_type="worker",
                                      subject_id=worker.pk, door=Door.COUNTER, account="6222020200112233445")
    for actor in (people.town, people.hrss):
        app = services.step_decide(actor=actor, application=app, outcome="pass")
    services.step_decide(actor=people.civil, application=app, outcome="pass", amount="2400", reason="三个月")
    notice = services.notice_publish(actor=people.civil, policy=get_policy(POLICY), region_prefix="350581")
    return notice, Grant.objects.get(application=app), worker


def test_notice_shows_grants_masked(published):
    notice, grant, worker = published
    html = Client().get("/notices/").content.decode()
    assert f'data-notice="{notice.pk}" data-closed="0"' in html
    row = html.split(f'data-grant="{grant.pk}"')[1].split("</li>")[0]
    assert '"grant-name">欧*<' in row and worker.id_number_masked in row
    assert "湖滨街道" in row and "2400.00 元" in row
    # Nothing unmasked anywhere on the page.
    for secret in ("欧阳娜娜", "阳娜", worker.id_number, "13911112222", "6222020200112233445", worker.phone_masked):
        assert secret not in html
    assert 'data-testid="objection-form"' in html


def test_closed_notice_is_marked_and_takes_no_objection(published):
    notice, grant, _worker = published
    Notice.objects.filter(pk=notice.pk).update(opens_on=today() - dt.timedelta(days=20),
                                               closes_on=today() - dt.timedelta(days=3))
    html = Client().get("/notices/").content.decode()
    assert f'data-notice="{notice.pk}" data-closed="1"' in html and 'data-testid="notice-closed"' in html
    assert 'data-testid="objection-form"' not in html
    response = Client().post(f"/notices/grants/{grant.pk}/objection/", {"reason": "此人有工作"})
    assert response.status_code == 200 and "不能再提出异议" in response.content.decode()
    assert not Objection.objects.exists()
    # Long closed: not shown, and its grants are not reachable.
    Notice.objects.filter(pk=notice.pk).update(closes_on=today() - dt.timedelta(days=60))
    assert f'data-notice="{notice.pk}"' not in Client().get("/notices/").content.decode()
    assert Client().get(f"/notices/grants/{grant.pk}/objection/").status_code == 404


def test_objection_pauses_the_grant(published):
    _notice, grant, worker = published
    client = Client()
    # Bad input: a clear message in place, nothing filed.
    html = client.post(f"/notices/grants/{grant.pk}/objection/", {"reason": "", "phone": "123"}).content.decode()
    assert 'data-testid="error-reason"' in html and 'data-testid="error-phone"' in html
    assert not Objection.objects.exists()
    response = client.post(f"/notices/grants/{grant.pk}/objection/",
                           {"reason": "此人在本地有稳定工作", "contact_name": "王某", "phone": "13700001111"})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="objection-received"' in html and "暂停发放" in html
    assert "欧阳娜娜" not in html and worker.id_number not in html
    objection = Objection.objects.get()
    assert objection.reason == "此人在本地有稳定工作" and objection.phone_masked == "137****1111"
    grant.refresh_from_db()
    assert grant.status == GrantStatus.OBJECTED
    # The list says so.
    html = Client().get("/notices/").content.decode()
    assert 'data-testid="grant-objected"' in html
    assert Client().get("/notices/grants/999999/objection/").status_code == 404


def test_objections_are_rate_limited(published, settings):
    _notice, grant, _worker = published
    settings.ANJU_OBJECTION_RATE = "2/h"
    client = Client(REMOTE_ADDR="198.51.100.4")
    for _ in range(2):
        assert client.post(f"/notices/grants/{grant.pk}/objection/", {"reason": "有疑问"}).status_code == 200
    response = client.post(f"/notices/grants/{grant.pk}/objection/", {"reason": "有疑问"})
    assert response.status_code == 429 and 'data-testid="rate-limited"' in response.content.decode()
    assert int(response["Retry-After"]) >= 1
    assert Objection.objects.count() == 2
    # Another address is not held up.
    assert Client(REMOTE_ADDR="198.51.100.5").post(f"/notices/grants/{grant.pk}/objection/",
                                                   {"reason": "有疑问"}).status_code == 200


def test_notice_list_queries_do_not_grow(published, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert Client().get("/notices/").status_code == 200


def test_no_notices_page(db):
    html = Client().get("/notices/").content.decode()
    assert 'data-testid="no-notices"' in html
