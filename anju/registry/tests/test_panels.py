"""The worker page's extension points: panels and timeline kinds registered by other apps."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.urls import reverse
from django.utils import timezone

from anju.registry.models import TimelineEvent
from anju.registry.panels import register_worker_panel, registered_panels, unregister_worker_panel
from anju.registry.tests.factories import make_worker
from anju.registry.timeline import _KINDS, register_timeline_kind, timeline_kind_choices


@pytest.fixture
def worker(personas):
    return make_worker(name="王湖滨", residence="350581001000")


@pytest.fixture
def extra_panel():
    register_worker_panel("test-cases", "registry/_lazy_panel.html", order=5, column="main",
                          context_fn=lambda request, worker: {"url": f"/cases/{worker.pk}/", "loading": "案件加载中"},
                          permission=lambda user, worker: user.role == "county_officer")
    yield
    unregister_worker_panel("test-cases")


@pytest.fixture
def extra_kind():
    register_timeline_kind("test_case", "欠薪案件立案", "bi-cash-coin",
                           describe=lambda event: f"欠薪案件立案：{event.data.get('no', '')}")
    yield
    _KINDS.pop("test_case", None)


def test_policies_register_their_panel(client, personas, worker):
    assert "policies" in [p.key for p in registered_panels()]
    client.force_login(personas.town)
    body = client.get(reverse("registry:worker_detail", args=[worker.pk])).content.decode()
    assert f'hx-get="{reverse("policies:worker_policies", args=[worker.pk])}"' in body
    assert 'data-testid="worker-policies"' in body and "正在判定可享受的政策" in body


def test_a_registered_panel_shows_where_permitted(client, personas, worker, extra_panel):
    url = reverse("registry:worker_detail", args=[worker.pk])
    client.force_login(personas.county)
    body = client.get(url).content.decode()
    assert f'hx-get="/cases/{worker.pk}/"' in body and 'data-testid="test-cases"' in body
    # In the main column: after the record's own cards.
    assert body.index("暂无用工记录") < body.index("案件加载中")
    client.force_login(personas.town)  # the panel's permission says no
    assert "案件加载中" not in client.get(url).content.decode()


def test_a_panel_key_cannot_be_taken_twice(extra_panel):
    with pytest.raises(ImproperlyConfigured):
        register_worker_panel("test-cases", "other.html")
    with pytest.raises(ImproperlyConfigured):
        register_worker_panel("test-x", "other.html", column="left")


def test_a_registered_timeline_kind_is_valid_and_shown(client, personas, worker, extra_kind):
    assert ("test_case", "欠薪案件立案") in timeline_kind_choices()
    event = TimelineEvent(worker=worker, kind="test_case", at=timezone.now(), data={"no": "石劳监〔2026〕12号"})
    event.full_clean()
    event.save()
    client.force_login(personas.town)
    body = client.get(reverse("registry:worker_detail", args=[worker.pk])).content.decode()
    assert "欠薪案件立案：石劳监〔2026〕12号" in body and "bi-cash-coin" in body
    assert event.get_kind_display() == "欠薪案件立案"


def test_unregistered_kinds_are_refused_and_old_lines_still_render(client, personas, worker):
    event = TimelineEvent(worker=worker, kind="no_such_kind", at=timezone.now())
    with pytest.raises(ValidationError):
        event.full_clean()
    event.save()  # e.g. written by an app since removed
    client.force_login(personas.town)
    response = client.get(reverse("registry:worker_detail", args=[worker.pk]))
    assert response.status_code == 200 and "no_such_kind" in response.content.decode()


def test_timeline_kind_registration_is_checked(extra_kind):
    with pytest.raises(ImproperlyConfigured):
        register_timeline_kind("test_case", "另一个名称", "bi-x")
    with pytest.raises(ImproperlyConfigured):
        register_timeline_kind("a_kind_code_longer_than_twenty", "太长", "bi-x")
    with pytest.raises(ImproperlyConfigured):
        register_timeline_kind("立案", "非 ASCII", "bi-x")


def test_ledger_lines_keep_their_text(client, personas, worker):
    from anju.registry.services import timeline_add

    timeline_add(worker=worker, kind="status", data={"before": "unemployed", "after": "employed"})
    timeline_add(worker=worker, kind="updated", data={"fields": ["phone"]})
    timeline_add(worker=worker, kind="hired", data={"employer": "石狮市鸿达服装有限公司"})
    client.force_login(personas.town)
    body = client.get(reverse("registry:worker_detail", args=[worker.pk])).content.decode()
    assert "就业状态：失业 → 就业" in body and "修改信息：手机号码" in body and "用工登记：石狮市鸿达服装有限公司" in body
