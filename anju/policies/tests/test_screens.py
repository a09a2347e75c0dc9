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
    assert "Eight Measures for Further Strengthening" in html and "泉州市总工会" in html and "七" in html and "未纳入低保的农民工" in html  # source beside the rule
    assert "未纳入低保" in html and "<code" in html and "months_without_income &gt;= 3" in html
    assert "params.min_living_standard_monthly * params.temporary_assistance_months" in html
    assert "民政局" in html and "人力资源和社会保障局" in html and "乡镇（街道）劳动保障站" in html
    assert "每 12 个月内最多享受一次" in html
    assert "乡镇（街道）核实连续无收入情况" in html
    # The Shishi street officer sees Shishi's value in force, where it comes from, and the history.
    assert "<strong>900</strong>" in html and "采用石狮市的取值" in html
    assert "石狮民政 2021" in html and "t-county" in html and "800" in html
    assert 'data-testid="scan-form"' in html
    # By application, with outreach; what Anju assumed is marked where it applies and listed.
    assert 'data-testid="outreach"' in html and "主动发现名单（联系可能符合条件的人员申请）" in html
    assert html.count('data-testid="assumption"') == len(assistance.assumptions) == 3
    assert 'data-testid="assumptions"' in html and "文件未注明印发和施行日期" in html
    assert "文件只说“一次性”临时救助" in html  # the once-per-12-months frequency
    assert 'data-testid="amount-range"' in html and "params.min_living_standard_monthly * 3" in html


def test_detail_marks_demo_and_unsourced_values(client, personas, assistance):
    from anju.params.models import DEMO_SOURCE

    parameter_set(actor=None, name="min_living_standard_monthly", region_prefix="350581",
                  valid_from=dt.date(2021, 1, 1), value=Decimal("850"), source=f"{DEMO_SOURCE}：低保标准")
    parameter_set(actor=personas.county, name="min_living_standard_monthly", region_prefix="350582",
                  valid_from=dt.date(2021, 1, 1), value=Decimal("820"))
    login(client, personas.town)
    html = client.get(reverse("policies:policy_detail", args=[POLICY])).content.decode()
    assert html.count('data-testid="demo"') == 2  # in force for the street, and in the history
    assert 'data-testid="unsourced"' in html
    page = client.get(reverse("params:parameter_detail", args=["min_living_standard_monthly"])).content.decode()
    assert 'data-testid="demo"' in page and 'data-testid="unsourced"' in page


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
    assert (decision.policy_id, decision.policy_version, decision.policy_digest) == (POLICY, assistance.version, assistance.digest)
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


# ---------------------------------------------------------------------------------------------
# Values not entered, values without a source, amounts the approver chooses
# ---------------------------------------------------------------------------------------------


def test_worker_panel_without_the_living_standard_says_who_sets_the_amount(client, personas, db):
    from anju.policies.packs import get_policy

    sync_from_packs([get_policy(POLICY)])  # the pack ships no minimum living standard
    worker = make_worker(last_income_month=months_ago(4), unemployment_insured=False)
    login(client, personas.town)
    html = panel(client, worker).content.decode()
    assert f'data-policy="{POLICY}" data-status="eligible"' in html
    assert "金额待民政局确定" in html and "城乡最低生活保障标准未录入" in html and "<strong>" not in html.split(POLICY)[1][:400]


def test_worker_panel_says_a_figure_rests_on_demo_data(client, personas, assistance):
    from anju.params.models import DEMO_SOURCE

    parameter_set(actor=None, name="min_living_standard_monthly", region_prefix="350581", valid_from=dt.date(2021, 1, 1),
                  value=Decimal("800"), source=f"{DEMO_SOURCE}：低保标准")
    worker = make_worker(last_income_month=months_ago(4), unemployment_insured=False)
    login(client, personas.town)
    html = panel(client, worker).content.decode()
    assert "<strong>2400.00</strong>" in html and "非正式取值" in html
    assert "城乡最低生活保障标准为演示数据，不是正式取值" in html and "城乡最低生活保障标准：800 元/月（演示数据）" in html
    # A value staff entered without a source says so too.
    parameter_set(actor=personas.county, name="min_living_standard_monthly", region_prefix="350581",
                  valid_from=dt.date(2021, 1, 1), value=Decimal("800"), source="")
    html = panel(client, worker).content.decode()
    assert "（演示数据）" in html  # the source is kept when an update gives none...
    parameter_set(actor=personas.county, name="min_living_standard_monthly", region_prefix="350581",
                  valid_from=dt.date(2021, 2, 1), value=Decimal("800"))
    html = panel(client, worker).content.decode()
    assert "城乡最低生活保障标准的取值未注明依据" in html and "（未注明依据）" in html  # ...a new row without one is bare


def test_the_approver_chooses_an_amount_within_the_range(client, personas, assistance):
    worker = make_worker(last_income_month=months_ago(4), unemployment_insured=False)
    login(client, personas.town)
    html = panel(client, worker).content.decode()
    assert "由经办人核定，不低于 2400.00 元。" in html and 'name="amount"' in html
    url = reverse("policies:worker_decide", args=[worker.pk, POLICY])
    below = client.post(url, {"amount": "2000"}, HTTP_HX_REQUEST="true")
    assert below.status_code == 400 and 'data-testid="decision-error"' in below.content.decode()
    assert "金额超出政策规定的范围" in below.content.decode()
    for bad in ("abc", "1e400", "2400.001"):
        assert client.post(url, {"amount": bad}, HTTP_HX_REQUEST="true").status_code == 400, bad
    assert not Decision.objects.exists() and not AuditEvent.objects.filter(object_type="decision").exists()
    chosen = client.post(url, {"amount": "3,200"}, HTTP_HX_REQUEST="true")
    assert chosen.status_code == 200
    decision = Decision.objects.get()
    assert decision.amount == Decimal("3200.00")
    event = AuditEvent.objects.get(object_type="decision")
    assert event.detail["amount"] == "3200" and event.detail["chosen"] is True
    # Without htmx, a refusal goes back to the worker's page with the reason.
    response = client.post(url, {"amount": "100"})
    assert response.status_code == 302 and Decision.objects.count() == 1


def test_decision_service_refuses_an_amount_outside_the_range(personas, db):
    from anju.policies.packs import get_policy
    from anju.policies.services import DecisionError, decision_record
    from anju.registry.models import Household

    relief = get_policy("quanzhou-union-relief")
    sync_from_packs([relief])
    household = Household.objects.create(household_no="H1", region_id="350581001000", union_hardship=True)
    on = dt.date(2021, 6, 15)
    with pytest.raises(DecisionError) as refused:
        decision_record(actor=personas.union, policy=relief, subject_obj=household, on=on, amount=Decimal("2500"))
    assert refused.value.code == "outside" and not Decision.objects.exists()
    decision = decision_record(actor=personas.union, policy=relief, subject_obj=household, on=on, amount=Decimal("1500"))
    assert decision.amount == Decimal("1500.00") and decision.params == {"union_relief_max": "2000", "union_relief_min": "1000"}
    # A policy with a fixed amount has nothing to choose.
    with pytest.raises(DecisionError) as fixed:
        decision_record(actor=personas.union, policy=get_policy("shishi-unemployment-benefit"),
                        subject_obj=make_worker(), on=dt.date(2022, 6, 1), amount=Decimal("1"))
    assert fixed.value.code == "no_range"
