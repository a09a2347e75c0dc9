"""Screening: the API (POST /api/v1/screening). The public page (/check/): anju/portal/tests."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anju.policies.engine import subject_facts
from anju.policies.packs import catalogue
from anju.policies.screening import facts_from_ledger
from anju.policies.services import sync_from_packs
from anju.policies.tests.conftest import enter_living_standard
from anju.registry.choices import DIFFICULTY_BITS
from anju.registry.tests.factories import make_worker

URL = "/api/v1/screening"
ON = "2021-06-15"
SHISHI = "350581001000"
ASSISTANCE = "quanzhou-temporary-assistance"
QUALIFIES = {"minimum_living_allowance": False, "months_without_income": 3, "unemployment_insured": False}


@pytest.fixture
def packs(db):
    sync_from_packs(catalogue().policies.values())
    enter_living_standard()  # the pack ships none: civil affairs enters it


def post(body, *, client=None, language=None):
    headers = {"Accept-Language": language} if language else {}
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return (client or Client()).post(URL, raw, content_type="application/json", headers=headers)


def screen(facts, *, region=SHISHI, date=ON, subject="worker"):
    response = post({"subject": subject, "region": region, "date": date, "facts": facts})
    assert response.status_code == 200, response.content
    return response.json()


def result(body, policy=ASSISTANCE):
    return next(r for r in body["results"] if r["policy"] == policy)


def fields_of(response) -> set:
    return {item["field"] for item in response.json()["detail"]}


# -- API --------------------------------------------------------------------------------------

def test_worker_in_shishi_gets_temporary_assistance_with_amount(packs):
    body = screen(QUALIFIES)
    assert body["region"] == SHISHI and body["date"] == ON
    r = result(body)
    assert r["status"] == "eligible" and r["amount"] == "2400.00" and r["amount_pending"] is False
    assert r["missing_facts"] == [] and r["in_force"] is True and r["reason"] is None
    assert [c["passed"] for c in r["trace"]] == [True, True, True]
    income = next(c for c in r["trace"] if c["name"] == "no_income_three_months")
    assert income["facts"] == {"months_without_income": "3"} and income["value"] is True
    assert r["lead_department"]["code"] == "civil_affairs" and r["lead_department"]["label"]["zh"] == "民政局"
    # Article 7: by application to the town; civil affairs also reaches out from the ledger.
    how = r["how_to_apply"]
    assert how["proactive"] is False and how["outreach"] is True
    assert [s["step"] for s in how["steps"]] == ["application", "town_verification", "insurance_check", "approval"]
    assert how["summary"]["zh"].startswith("需要申请：向乡镇（街道）劳动保障站提出申请") and "无需申请" not in how["summary"]["zh"]
    assert how["summary"]["en"].startswith("Apply to the town (street) labour-security station;")
    assert "The Civil Affairs Bureau also contacts" in how["summary"]["en"]
    assert r["kind"] == "cash" and r["amount_range"] == {"min": "2400.00", "max": None}
    assert r["missing_params"] == [] and r["unsourced_params"] == []
    assert any(a["about"]["en"] == "Validity" for a in r["assumptions"])
    assert r["title"] == {"zh": "困难农民工临时救助", "en": "Temporary assistance for migrant workers in difficulty"}
    # Every applicable policy is listed: worker subject, issued for a region containing Shishi.
    ids = {x["policy"] for x in body["results"]}
    expected = {p.id for p in catalogue().policies.values()
                if p.subject == "worker" and SHISHI.startswith(p.issuing_region)}
    assert ids == expected


def test_facts_not_given_are_unknown_never_assumed(packs):
    r = result(screen({"minimum_living_allowance": False}))
    assert r["status"] == "unknown" and r["amount"] is None
    assert r["missing_facts"] == ["months_without_income", "unemployment_insured"]
    assert [c["value"] for c in r["trace"]] == [True, None, None]
    r = result(screen({}))
    assert r["status"] == "unknown" and set(r["missing_facts"]) == set(QUALIFIES)
    # null is unknown too.
    assert result(screen({**QUALIFIES, "unemployment_insured": None}))["status"] == "unknown"


def test_not_eligible_and_not_in_force(packs):
    assert result(screen({**QUALIFIES, "minimum_living_allowance": True}))["status"] == "not_eligible"
    before = result(screen(QUALIFIES, date="2019-06-15"))  # valid from 2020-03-01
    assert before["status"] == "not_eligible" and before["reason"] == "not in force" and before["in_force"] is False
    assert before["amount"] is None


def test_ledger_fields_give_the_same_result_as_fact_names(packs):
    by_facts = screen(QUALIFIES)
    by_ledger = screen({"last_income_month": "2021-02", "difficulty_types": [], "unemployment_insured": "否"})
    assert result(by_ledger) == result(by_facts)
    assert by_ledger["facts"]["months_without_income"] == "3"
    # Chinese labels for difficulty types, as in the workbook; a date instead of a month.
    dibao = screen({"difficulty_types": ["低保对象"], "last_income_month": "2021-02-20", "unemployment_insured": False})
    assert result(dibao)["status"] == "not_eligible" and dibao["facts"]["minimum_living_allowance"] is True
    assert dibao["facts"]["in_difficulty"] is True
    # Both ways at once: they must agree.
    assert result(screen({"last_income_month": "2021-02", "months_without_income": 3, "minimum_living_allowance": False,
                          "unemployment_insured": False}))["status"] == "eligible"
    response = post({"region": SHISHI, "date": ON, "facts": {"last_income_month": "2021-02", "months_without_income": 4}})
    assert response.status_code == 422 and fields_of(response) == {"facts.months_without_income"}
    response = post({"region": SHISHI, "date": ON, "facts": {"difficulty_types": ["disabled"], "minimum_living_allowance": True}})
    assert response.status_code == 422 and fields_of(response) == {"facts.minimum_living_allowance"}


def test_ledger_mapping_rules(db):
    on = dt.date(2021, 6, 15)
    facts, problems = facts_from_ledger("worker", {
        "employment_status": "失业", "unemployment_registered_on": "2021-01-20", "ui_contribution_months": "14",
        "monthly_income": 0, "id_number": "350581198506150041", "training_willing": "是",
    }, on)
    assert problems == []
    assert facts["unemployed"] is True and facts["able_to_work"] is True and facts["employment_status"] == "unemployed"
    assert facts["unemployment_registered"] is True and facts["unemployment_registered_months"] == 4
    assert facts["ui_contribution_months"] == 14 and facts["monthly_income"] == Decimal("0.00")
    assert facts["age"] == 36 and facts["training_willing"] is True
    facts, _ = facts_from_ledger("worker", {"birth_date": "1985-06-16"}, on)
    assert facts == {"age": 35}
    facts, _ = facts_from_ledger("worker", {"employment_status": "employed"}, on)
    assert facts["unemployment_registered"] is False and "unemployment_registered_months" not in facts
    # The ledger's own rules: a registration date belongs to an unemployed person; not in the future.
    _, problems = facts_from_ledger("worker", {"employment_status": "employed", "unemployment_registered_on": "2021-01-20"}, on)
    assert [p.field for p in problems] == ["facts.unemployment_registered_on"]
    _, problems = facts_from_ledger("worker", {"last_income_month": "2999-01"}, on)
    assert [p.field for p in problems] == ["facts.last_income_month"]
    _, problems = facts_from_ledger("worker", {"id_number": "350581198506150042", "birth_date": "1985-06-15"}, on)
    assert [p.field for p in problems] == ["facts.id_number"]


@pytest.mark.parametrize(("last_income", "registered_on"), [
    (dt.date(2021, 2, 1), dt.date(2021, 1, 31)),
    (dt.date(2020, 12, 1), dt.date(2021, 3, 15)),
    (dt.date(2021, 5, 1), dt.date(2021, 6, 15)),
])
def test_ledger_mapping_equals_the_sql_facts(packs, last_income, registered_on):
    """The same record gives the same facts whether it is screened or read from the ledger."""
    on = dt.date(2021, 6, 15)
    worker = make_worker(residence=SHISHI, employment_status="unemployed", unemployment_registered_on=registered_on,
                         last_income_month=last_income, unemployment_insured=False, ui_contribution_months=7,
                         difficulty_mask=DIFFICULTY_BITS["disabled"])
    names = {"months_without_income", "unemployment_registered", "unemployment_registered_months", "unemployed",
             "able_to_work", "in_difficulty", "disabled", "minimum_living_allowance", "unemployment_insured",
             "ui_contribution_months", "age"}
    stored = subject_facts("worker", worker, names, on)
    screened, problems = facts_from_ledger("worker", {
        "employment_status": worker.employment_status, "unemployment_registered_on": registered_on.isoformat(),
        "last_income_month": last_income.strftime("%Y-%m"), "unemployment_insured": False, "ui_contribution_months": 7,
        "difficulty_types": ["disabled"], "birth_date": worker.birth_date.isoformat(),
    }, on)
    assert problems == []
    assert {n: screened.get(n) for n in names} == stored


def test_months_without_income_in_the_same_month_equals_sql(packs):
    on = dt.date(2021, 6, 15)
    worker = make_worker(residence=SHISHI, last_income_month=dt.date(2021, 6, 1))
    stored = subject_facts("worker", worker, {"months_without_income"}, on)
    screened, _ = facts_from_ledger("worker", {"last_income_month": "2021-06"}, on)
    assert screened["months_without_income"] == stored["months_without_income"]


@pytest.mark.parametrize(("body", "fields"), [
    ({"subject": "alien", "region": SHISHI}, {"subject"}),
    ({"region": "999999"}, {"region"}),
    ({"region": "3505"}, {"region"}),
    ({"region": SHISHI, "date": "2021-02-30"}, {"date"}),
    ({"region": SHISHI, "date": "15/06/2021"}, {"date"}),
    ({"region": SHISHI, "facts": {"wings": True, "months_without_incom": 3}}, {"facts.wings", "facts.months_without_incom"}),
    ({"region": SHISHI, "facts": {"months_without_income": "three"}}, {"facts.months_without_income"}),
    ({"region": SHISHI, "facts": {"months_without_income": True}}, {"facts.months_without_income"}),
    ({"region": SHISHI, "facts": {"unemployment_insured": "perhaps"}}, {"facts.unemployment_insured"}),
    ({"region": SHISHI, "facts": {"minimum_living_allowance": [True]}}, {"facts.minimum_living_allowance"}),
    ({"region": SHISHI, "facts": {"employment_status": "astronaut"}}, {"facts.employment_status"}),
    ({"region": SHISHI, "facts": {"difficulty_types": ["rich"]}}, {"facts.difficulty_types"}),
    ({"region": SHISHI, "facts": {"difficulty_types": [1]}}, {"facts.difficulty_types"}),
    ({"region": SHISHI, "facts": {"last_income_month": "2021-13"}}, {"facts.last_income_month"}),
    ({"region": SHISHI, "facts": {"monthly_income": -5}}, {"facts.monthly_income"}),
    ({"region": SHISHI, "facts": {"transport_cost": "1e999"}}, {"facts.transport_cost"}),
    ({"region": SHISHI, "facts": []}, {"facts"}),
    ({"region": SHISHI, "extra": 1}, {"extra"}),
    ({}, {"region"}),
])
def test_bad_input_is_a_422_with_the_fields(db, body, fields):
    response = post(body)
    assert response.status_code == 422, response.content
    assert fields_of(response) == fields
    assert all(item["message"] and item["message_en"] for item in response.json()["detail"])


def test_errors_follow_the_language(db):
    zh = post({"region": "999999"}).json()["detail"][0]
    assert zh["message"].startswith("区划代码“999999”不存在")
    en = post({"region": "999999"}, language="en").json()["detail"][0]
    assert en["message"] == en["message_en"] == zh["message_en"]


def test_region_outside_every_policy_is_an_empty_list(packs):
    body = screen(QUALIFIES, region="110101000000")  # Beijing, Dongcheng
    assert body["results"] == []


def test_no_login_no_writes_and_bounded_queries(packs):
    with CaptureQueriesContext(connection) as ctx:
        response = post({"region": SHISHI, "date": ON, "facts": QUALIFIES})
    assert response.status_code == 200
    sql = [q["sql"].lstrip().upper() for q in ctx.captured_queries]
    assert not [q for q in sql if q.startswith(("INSERT", "UPDATE", "DELETE"))]
    assert len(sql) <= 2  # one query for every parameter of every policy (regions are cached)


def test_schema_in_openapi(db):
    doc = Client().get("/api/v1/openapi.json").json()
    operation = doc["paths"]["/api/v1/screening"]["post"]
    assert not operation.get("security")
    assert set(operation["responses"]) >= {"200", "422"}
    assert "ScreeningIn" in json.dumps(operation["requestBody"])


# -- never a 5xx ------------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
_fact_names = st.sampled_from(["months_without_income", "last_income_month", "difficulty_types", "employment_status",
                               "unemployment_registered_on", "unemployment_insured", "birth_date", "id_number",
                               "monthly_income", "ui_contribution_months", "age", "no_family_support", "x"])
_bodies = st.one_of(
    _json,
    st.fixed_dictionaries({}, optional={
        "subject": st.sampled_from(["worker", "hire", "employer", "x"]) | _json,
        "region": st.sampled_from([SHISHI, "350581", "141127101000", "3505", "0"]) | _json,
        "date": st.sampled_from([ON, "2019-01-01", "2100-12-31", "0000-00-00"]) | _json,
        "facts": st.dictionaries(_fact_names, _json, max_size=4) | _json,
    }),
)


@given(body=_bodies)
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
def test_random_bodies_never_make_a_server_error(packs, body):
    response = post(body)
    assert response.status_code < 500, response.content
    assert response.status_code in (200, 400, 422)


def test_whole_numbers_come_back_plain_not_in_exponent_form(packs):
    """20 contribution months are "20" in the facts and the trace, never "2E+1"; a parameter stored
    with four decimals (800.0000) is "800"; amounts keep their cents."""
    body = screen({**QUALIFIES, "ui_contribution_months": 20, "lost_job_involuntarily": True,
                   "unemployment_registered": True, "seeking_work": True})
    assert body["facts"]["ui_contribution_months"] == "20"
    trace = result(body, "shishi-unemployment-benefit")["trace"]
    read = {k: v for c in trace for k, v in c["facts"].items()}
    assert read["ui_contribution_months"] == "20"
    assert result(body)["amount"] == "2400.00"
    assert "E+" not in json.dumps(body)
    post_rule = screen({"temporary_post": True, "contract_months": 6, "monthly_pay": 1800},
                       region="140702000000", subject="hire")
    wage = next(c for c in result(post_rule, "jinzhong-temporary-post")["trace"] if c["name"] == "pays_minimum_wage")
    assert wage["params"] == {"min_wage_monthly": "1700"} and wage["facts"] == {"monthly_pay": "1800"}


# -- values not entered, demo data, what the public text says -------------------------------------

def test_a_stale_minimum_wage_says_it_is_not_entered(packs):
    body = screen({"temporary_post": True, "contract_months": 6, "monthly_pay": 1900},
                  region="140702000000", subject="hire", date="2023-06-01")
    r = result(body, "jinzhong-temporary-post")
    assert r["status"] == "unknown" and r["missing_facts"] == []
    assert r["missing_params"] == [{"name": "min_wage_monthly", "label": {"zh": "月最低工资标准", "en": "Monthly minimum wage"}}]
    assert r["kind"] == "service" and r["amount"] is None


def test_without_the_living_standard_the_amount_is_for_civil_affairs(db):
    sync_from_packs(catalogue().policies.values())  # nobody has entered the standard
    r = result(screen(QUALIFIES))
    assert r["status"] == "eligible" and r["amount"] is None and r["amount_pending"] is True
    assert [p["name"] for p in r["missing_params"]] == ["min_living_standard_monthly"]
    assert r["amount_range"] == {"min": None, "max": None}


def test_a_figure_resting_on_demo_data_is_flagged(packs):
    from anju.params.models import DEMO_SOURCE
    from anju.params.services import parameter_set

    parameter_set(actor=None, name="min_living_standard_monthly", region_prefix="350581", valid_from=dt.date(2021, 1, 1),
                  value=Decimal("800"), source=f"{DEMO_SOURCE}：低保")
    r = result(screen(QUALIFIES))
    assert r["amount"] == "2400.00"
    assert r["unsourced_params"] == [{"name": "min_living_standard_monthly", "provenance": "demo",
                                      "label": {"zh": "城乡最低生活保障标准", "en": "Minimum living standard"}}]


def test_how_to_apply_sentences_in_both_languages(packs):
    from anju.policies.packs import get_policy
    from anju.policies.screening import department_phrase, how_to_apply

    assert department_phrase("civil_affairs")["en"] == "the Civil Affairs Bureau"
    assert department_phrase("town_station")["en"] == "the town (street) labour-security station"
    assert department_phrase("hrss")["en"] == "the Human Resources and Social Security Bureau"
    refund = how_to_apply(get_policy("shishi-job-stabilisation-refund"))
    assert refund["summary"]["en"].startswith("No application needed: the Human Resources and Social Security Bureau finds")
    assert refund["summary"]["zh"].startswith("无需申请（免申即享）：由人力资源和社会保障局比对数据")
    # The placement pays nothing: its public text never says it pays.
    placement = how_to_apply(get_policy("quanzhou-public-welfare-post-placement"))
    for text in placement["summary"].values():
        assert "发放" not in text and "pay" not in text.lower() and "无需申请" not in text
    assert placement["summary"]["zh"].endswith("人力资源和社会保障局也会根据台账主动联系可能符合条件的人员。")
    for policy in catalogue().policies.values():
        summary = how_to_apply(policy)["summary"]
        assert "the the" not in summary["en"] and " the civil" not in summary["en"], policy.id
        if policy.kind != "cash":
            assert "发放" not in summary["zh"] and "pays" not in summary["en"], policy.id
