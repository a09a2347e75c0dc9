"""Policy list and detail, the worker panel and recorded decisions, with three personas: the
owner (a Shishi street officer), a colleague in Lan County, and an outsider (read-only auditor
or a union officer where a role matters)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from anju.audit.models import AuditEvent
from anju.params.services import parameter_set
from anju.policies.models import Decision
from anju.policies.services import sync_from_packs
from anju.policies.tests.conftest import months_ago
from anju.registry.choices import DIFFICULTY_BITS
from anju.registry.services import worker_update
from anju.registry.tests.factories import make_worker

POLICY = "quanzhou-temporary-assistance"


def login(client, user):
    client.force_login(user)
    return client


# ---------------------------------------------------------------------------------------------
# List and detail
# ---------------------------------------------------------------------------------------------


def test_list_shows_policies_with_badges_and_filters(client, personas, assistance, django_assert_max_num_queries):
    login(client, personas.town)
    url = reverse("policies:policy_list")
    # session, user, the cached region names (first use), the session save, and three for the
    # bell and work queue (anju.workflow.context_processors.bell): none per policy.
    with django_assert_max_num_queries(9):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "困难农民工临时救助" in html and "免申即享" in html and "民政局" in html and "泉州市" in html
    assert "有效" in html
    assert client.get(url, {"subject": "employer"}).content.decode().count(f'data-policy="{POLICY}"') == 0
    assert f'data-policy="{POLICY}"' in client.get(url, {"subject": "worker"}).content.decode()
    # Bad filter values are ignored, never a 500.
    assert client.get(url, {"subject": "<script>", "mine": "x"}).status_code == 200


def test_list_my_jurisdiction_filter(client, personas, assistance):
    url = reverse("policies:policy_list")
    login(client, personas.town)
    assert f'data-policy="{POLICY}"' in client.get(url, {"mine": "1"}).content.decode()
    login(client, personas.lanxian)
    mine = client.get(url, {"mine": "1"}).content.decode()
    assert f'data-policy="{POLICY}"' not in mine
    everything = client.get(url).content.decode()
    assert f'data-policy="{POLICY}"' in everything and "不在我的辖区" in everything


def test_list_needs_login(client, assistance):
    response = client.get(reverse("policies:policy_list"))
    assert response.status_code == 302 and "login" in response.url


def test_detail_shows_source_conditions_parameters_and_history(client, personas, assistance, django_assert_max_num_queries):
    parameter_set(actor=personas.county, name="min_living_standard_monthly", region_prefix="350581",
                             valid_from=dt.date(2021, 1, 1), value=Decimal("900"), source="石狮民政 2021")
    login(client, personas.town)
    url = reverse("policies:policy_detail", args=[POLICY])
    with django_assert_max_num_queries(12):  # 3 of them the bell and work queue
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Eight Measures for Further Strengthening" in html and "泉州市总工会" in html and "七" in html and "不属于低保对象" in html  # source beside the rule
    assert "不是低保对象" in html and "<code" in html and "months_without_income &gt;= 3" in html
    assert "params.min_living_standard_monthly * params.temporary_assistance_months" in html
    assert "民政局" in html and "人力资源和社会保障局" in html and "乡镇（街道）劳动保障站" in html
    assert "每 12 个月内最多享受一次" in html
    assert "乡镇（街道）核实连续无收入情况" in html
    # The Shishi street officer sees Shishi's value in force, where it comes from, and the history.
    assert "<strong>900</strong>" in html and "采用石狮市的取值" in html
    assert "石狮民政 2021" in html and "t-county" in html and "800" in html
    assert 'data-testid="scan-form"' in html


def test_detail_for_colleague_elsewhere_and_outsider(client, personas, assistance):
    url = reverse("policies:policy_detail", args=[POLICY])
    login(client, personas.lanxian)
    html = client.get(url).content.decode()
    assert "不适用于您的管辖范围" in html and 'data-testid="scan-form"' not in html
    login(client, personas.auditor)  # sees everything, may not run scans
    response = client.get(url)
    assert response.status_code == 200 and 'data-testid="scan-form"' not in response.content.decode()


@pytest.mark.parametrize("policy_id", ["no-such-policy", "..", "a%20b", "x" * 300])
def test_unknown_policy_ids_are_404(client, personas, assistance, policy_id):
    login(client, personas.town)
    assert client.get(f"/policies/{policy_id}/").status_code == 404


def test_sibling_routes_are_not_taken_for_policy_ids():
    from django.urls import Resolver404, resolve

    from anju.policies import views

    for path in ("/policies/simulate/", "/policies/parameters/", "/policies/worker/", "/policies/scans/"):
        try:
            match = resolve(path)
        except Resolver404:  # no route at all is fine too
            continue
        assert match.func is not views.policy_detail, path


# ---------------------------------------------------------------------------------------------
# The worker panel
# ---------------------------------------------------------------------------------------------


def panel(client, worker):
    return client.get(reverse("policies:worker_policies", args=[worker.pk]), HTTP_HX_REQUEST="true")


def test_worker_panel_statuses_and_reasons(client, personas, assistance):
    login(client, personas.town)
    eligible = make_worker(last_income_month=months_ago(4), unemployment_insured=False)
    html = panel(client, eligible).content.decode()
    assert 'data-status="eligible"' in html and "<strong>2400.00</strong>" in html
    assert "✓" in html and "连续无收入月数：3 个月" in html
    assert "城乡最低生活保障标准：800 元/月" in html and "临时救助月数（不低于 3）：3 个月" in html

    dibao = make_worker(last_income_month=months_ago(6), unemployment_insured=False,
                        difficulty_mask=DIFFICULTY_BITS["minimum_living_allowance"])
    html = panel(client, dibao).content.decode()
    assert 'data-status="not_eligible"' in html and "✗" in html and "低保对象：是" in html

    unknown = make_worker(last_income_month=None, unemployment_insured=False)
    html = panel(client, unknown).content.decode()
    assert 'data-status="unknown"' in html and "还需了解" in html and "连续无收入月数" in html
    assert "连续无收入月数：未知" in html and "?" in html


def test_worker_panel_query_count_does_not_grow_with_policies(client, personas, django_assert_max_num_queries, db):
    from anju.policies.packs import catalogue

    sync_from_packs(list(catalogue().policies.values()))
    worker = make_worker(last_income_month=months_ago(4), unemployment_insured=False)
    login(client, personas.town)
    panel(client, worker)  # warm the region caches
    # session, user, the worker, its facts, its parameters (+ session save), and three for the
    # bell and work queue that the context processor reads even for a fragment.
    with django_assert_max_num_queries(11):
        html = panel(client, worker).content.decode()
    assert html.count("data-status=") >= 2


def test_worker_panel_amount_pending_names_the_lead_department(client, personas, assistance):
    parameter_set(actor=personas.admin, name="min_living_standard_monthly", region_prefix="3505",
                             valid_from=dt.date(2021, 1, 1), value=None)
    worker = make_worker(last_income_month=months_ago(4), unemployment_insured=False)
    login(client, personas.town)
    html = panel(client, worker).content.decode()
    assert 'data-status="eligible"' in html and "金额待民政局确定" in html


def test_worker_panel_scoping(client, personas, assistance):
    worker = make_worker(last_income_month=months_ago(4), unemployment_insured=False)
    login(client, personas.town)
    assert panel(client, worker).status_code == 200
    login(client, personas.lanxian)
    assert panel(client, worker).status_code == 404
    login(client, personas.town2)  # another street of Shishi
    assert panel(client, worker).status_code == 404
    login(client, personas.town)
    assert client.get("/policies/worker/999999/").status_code == 404
    # A Lan County worker: no Quanzhou policy applies there.
    lan = make_worker(residence="141127100000", last_income_month=months_ago(4), unemployment_insured=False)
    login(client, personas.lanxian)
    html = panel(client, lan).content.decode()
    assert f'data-policy="{POLICY}"' not in html


def test_record_decision_snapshot_survives_parameter_change_and_ledger_edit(client, personas, assistance):
    worker = make_worker(last_income_month=months_ago(4), unemployment_insured=False)
    login(client, personas.town)
    url = reverse("policies:worker_decide", args=[worker.pk, POLICY])
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'data-testid="recorded"' in response.content.decode()
    decision = Decision.objects.get()
    assert (decision.policy_id, decision.policy_version, decision.policy_digest) == (POLICY, 1, assistance.digest)
    assert decision.status == "eligible" and decision.amount == Decimal("2400.00")
    assert decision.subject_type == "worker" and decision.subject_id == worker.pk
    assert decision.region_code == "350581001000" and decision.decided_on == timezone.localdate()
    assert decision.facts["months_without_income"] == "3"
    assert decision.params == {"min_living_standard_monthly": "800", "temporary_assistance_months": "3"}
    assert [t["passed"] for t in decision.trace] == [True, True, True]
    assert AuditEvent.objects.filter(object_type="decision", object_id=str(decision.pk), action="create").exists()
    snapshot = (decision.status, decision.amount, dict(decision.facts), dict(decision.params), list(decision.trace))

    # A later parameter change (effective back to the decision's date) and a ledger edit...
    parameter_set(actor=personas.county, name="min_living_standard_monthly", region_prefix="350581",
                             valid_from=dt.date(2000, 1, 1), value=Decimal("1000"))
    worker_update(actor=personas.town, worker=worker, data={"last_income_month": timezone.localdate().replace(day=1)})
    html = panel(client, worker).content.decode()
    assert 'data-status="not_eligible"' in html  # the live evaluation changed
    # ...leave the recorded decision exactly as it was.
    decision.refresh_from_db()
    assert (decision.status, decision.amount, decision.facts, decision.params, decision.trace) == snapshot
    # A re-check is a new decision with the new values.
    client.post(url)
    assert Decision.objects.count() == 2 and Decision.objects.first().status == "not_eligible"


def test_record_decision_permissions(client, personas, assistance):
    worker = make_worker(last_income_month=months_ago(4), unemployment_insured=False)
    url = reverse("policies:worker_decide", args=[worker.pk, POLICY])
    login(client, personas.auditor)  # sees the worker, may not decide
    assert 'data-testid="record"' not in panel(client, worker).content.decode()
    assert client.post(url).status_code == 403
    login(client, personas.lanxian)
    assert client.post(url).status_code == 404
    login(client, personas.town)
    assert client.get(url).status_code == 405
    assert client.post(reverse("policies:worker_decide", args=[worker.pk, "no-such-policy"])).status_code == 404
    response = client.post(url)  # without htmx: back to the worker's page
    assert response.status_code == 302 and response.url == reverse("registry:worker_detail", args=[worker.pk])
    assert Decision.objects.count() == 1


def test_every_pack_renders_its_detail_page(client, personas, db):
    from anju.policies.packs import catalogue

    policies = list(catalogue().policies.values())
    sync_from_packs(policies)
    login(client, personas.county)
    for policy in policies:
        response = client.get(reverse("policies:policy_detail", args=[policy.id]))
        assert response.status_code == 200, policy.id
        assert policy.document in response.content.decode() and policy.issuer in response.content.decode()
    for name in {n for p in policies for n in p.parameters}:
        assert client.get(reverse("params:parameter_detail", args=[name])).status_code == 200, name


def test_fact_catalogue_lists_every_fact_and_its_readers(client, personas):
    from anju.policies.facts import CATALOGUE

    client.force_login(personas.town)
    response = client.get(reverse("policies:fact_catalogue"))
    body = response.content.decode()
    assert response.status_code == 200
    for subject, facts in CATALOGUE.items():
        for name in facts:
            assert f"<code>{name}</code>" in body, (subject, name)
    assert 'href="/policies/quanzhou-temporary-assistance/"' in body
