"""The figures page: applications and grants by status, amount paid, funds, the median working
days to payment by door; each count links to its list; scoped to the user's jurisdiction and
the region filter; empty states."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from anju.benefits import services
from anju.benefits.models import Door, Grant, GrantStatus
from anju.benefits.tests.factories import (
    POLICY,
    chain_people,
    fund,
    living_standard,
    qualifying_worker,
)
from anju.policies.packs import get_policy
from anju.registry.tests.test_browser import CHROMIUM, browser_page, login  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return chain_people()


def _approved(people, worker, *, door=Door.COUNTER, amount="2400", town=None):
    town = town or people.town
    app = services.application_create(actor=town, policy=get_policy(POLICY), subject_type="worker",
                                      subject_id=worker.pk, door=door)
    app = services.step_decide(actor=town, application=app, outcome="pass")
    app = services.step_decide(actor=people.hrss, application=app, outcome="pass")
    return services.step_decide(actor=people.civil, application=app, outcome="pass", amount=amount, reason="按标准")


@pytest.fixture
def data(people):
    living_standard()
    fund()
    paid_counter = _approved(people, qualifying_worker(name="甲"))
    paid_proactive = _approved(people, qualifying_worker(name="乙"), door=Door.PROACTIVE, amount="3200")
    _approved(people, qualifying_worker(name="丙", residence="350581002000"), town=people.other_town)
    services.application_create(actor=people.hrss, policy=get_policy(POLICY), subject_type="worker",
                                subject_id=qualifying_worker(name="丁").pk, door=Door.COUNTER)
    now = timezone.now()
    Grant.objects.filter(application=paid_counter).update(status=GrantStatus.PAID, paid_at=now, working_days_to_pay=9)
    Grant.objects.filter(application=paid_proactive).update(status=GrantStatus.PAID, paid_at=now, working_days_to_pay=2)
    return paid_counter, paid_proactive


def test_figures_count_link_and_split_by_door(client, people, data, django_assert_max_num_queries):
    client.force_login(people.hrss)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("benefits:figures"), {"policy": POLICY, "region": "350581"})
    assert response.status_code == 200
    ctx = response.context
    apps = {r["status"]: r["count"] for r in ctx["app_rows"]}
    assert apps["approved"] == 3 and apps["in_review"] == 1 and ctx["app_total"] == 4
    grants = {r["status"]: (r["count"], r["amount"]) for r in ctx["grant_rows"]}
    assert grants["paid"] == (2, Decimal("5600.00")) and grants["approved"] == (1, Decimal("2400.00"))
    assert ctx["paid_amount"] == Decimal("5600.00")
    doors = {d["key"]: (d["count"], d["median"]) for d in ctx["doors"]}
    assert doors == {"proactive": (1, 2), "other": (1, 9)}
    assert [f.code for f in ctx["funds"]] == ["shishi-special"]
    html = response.content.decode()
    assert f"/benefits/?policy={POLICY}&amp;status=in_review&amp;region=350581" in html
    assert f"/benefits/grants/?policy={POLICY}&amp;status=paid&amp;region=350581" in html
    chart = json.loads(html.split('id="figures-data" type="application/json">')[1].split("</script>")[0])
    assert chart["grants"]["urls"][list(GrantStatus.values).index("paid")].endswith("status=paid&region=350581")


def test_region_filter_narrows_and_refuses_outside(client, people, data):
    client.force_login(people.hrss)
    street = client.get(reverse("benefits:figures"), {"policy": POLICY, "region": "350581002"})
    assert street.context["app_total"] == 1 and street.context["grant_total"] == 1
    outside = client.get(reverse("benefits:figures"), {"policy": POLICY, "region": "141127"})
    assert outside.status_code == 400 and "不在您的管辖范围内" in outside.content.decode()
    assert outside.context["app_total"] == 0
    bad = client.get(reverse("benefits:figures"), {"policy": POLICY, "region": "35x"})
    assert bad.status_code == 400


def test_other_county_sees_nothing_and_empty_states(client, people, data):
    client.force_login(people.lanxian_civil)
    page = client.get(reverse("benefits:figures"))
    assert page.status_code == 200 and 'data-testid="figures-empty"' in page.content.decode()
    page = client.get(reverse("benefits:figures"), {"policy": POLICY})
    assert page.context["app_total"] == 0 and 'data-testid="figures-none"' in page.content.decode()
    assert page.context["funds"] == []


def test_default_policy_is_the_one_with_applications(client, people, data):
    client.force_login(people.civil)
    page = client.get(reverse("benefits:figures"))
    assert page.context["chosen"] == POLICY and page.context["app_total"] == 4
    client.force_login(people.other_town)  # sees its own street only
    assert client.get(reverse("benefits:figures"), {"policy": POLICY}).context["app_total"] == 1


@pytest.mark.browser
def test_browser_a_bar_opens_the_list_it_counts(browser_page, live_server):  # noqa: F811
    import importlib
    import re

    from django.apps import apps

    from anju.accounts.models import User
    from anju.core.demo import seed_reference_users

    page, base = browser_page, live_server.url
    # A transactional test's database was flushed: the time limits seeded by migration are gone.
    importlib.import_module("anju.benefits.migrations.0002_time_limit_parameters").seed(apps, None)
    seed_reference_users()
    living_standard()
    fund()
    town, hrss, civil = (User.objects.get(username=u) for u in ("shishi-town", "shishi-hrss", "shishi-civil"))
    people = type("P", (), {"town": town, "hrss": hrss, "civil": civil})
    _approved(people, qualifying_worker(name="甲"))
    login(page, base, "shishi-hrss")
    page.goto(f"{base}/benefits/figures/?policy={POLICY}&region=350581")
    page.wait_for_selector("#chart-apps canvas")
    page.wait_for_timeout(1500)  # the bars' opening animation
    # Click the "已批准" bar (index 2) where ECharts drew it.
    x, y = page.evaluate("""() => {
        const el = document.getElementById('chart-apps'); const c = echarts.getInstanceByDom(el);
        const [px, py] = c.convertToPixel({xAxisIndex: 0, yAxisIndex: 0}, [0.5, 2]);
        const box = el.getBoundingClientRect(); return [box.left + px, box.top + py]; }""")
    page.mouse.click(x, y)
    page.wait_for_url(re.compile(r"/benefits/\?policy=.*status=approved"))
    assert "status=approved" in page.url and "region=350581" in page.url
