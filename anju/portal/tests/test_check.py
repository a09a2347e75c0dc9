"""The public screening page (/check/): no login, plain questions, what a worker may receive and
whom to ask; nothing stored."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from anju.policies.packs import catalogue
from anju.policies.services import sync_from_packs
from anju.policies.tests.conftest import enter_living_standard

PAGE = "/check/"
ON = "2021-06-15"
SHISHI = "350581001000"
ASSISTANCE = "quanzhou-temporary-assistance"


@pytest.fixture
def packs(db):
    sync_from_packs(catalogue().policies.values())
    enter_living_standard()  # the pack ships none: civil affairs enters it


def test_the_page_stays_at_check():
    assert reverse("portal:check") == PAGE



def test_public_page_renders_without_login(packs):
    response = Client().get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "我能领取哪些补贴和救助" in html and 'name="region"' in html
    assert "湖滨街道" in html and "岚城镇" in html  # Shishi's and Lan County's towns
    assert "不清楚" in html
    assert 'name="last_income_month"' in html and 'name="unemployment_insured"' in html
    assert 'name="difficulty_types"' in html and 'name="no_family_support"' in html
    assert "navbar" not in html and "logout" not in html  # no staff navigation


def _answers(**extra):
    data = {"region": SHISHI, "date": ON, "employment_status": "", "last_income_month": "2021-02",
            "unemployment_insured": "no", "difficulty_types": ["none"]}
    data.update(extra)
    return data


def test_public_page_shows_what_they_may_receive_and_stores_nothing(packs, django_db_blocker):
    client = Client()
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(PAGE, _answers())
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="results"' in html
    assert f'data-policy="{ASSISTANCE}" data-status="eligible"' in html
    assert "2400.00" in html and "民政局" in html
    # By application (article 7): no public text tells the worker they need not apply.
    assert "需要申请：向乡镇（街道）劳动保障站提出申请" in html and "无需申请" not in html
    assert "乡镇（街道）核实连续无收入情况" in html  # the verification steps
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    assert "sessionid" not in response.cookies
    # The answers come back in the form (to change and ask again), nowhere else.
    assert 'value="2021-02"' in html


def test_public_page_unknown_says_whom_to_ask(packs):
    response = Client().post(PAGE, _answers(last_income_month="", unemployment_insured=""))
    html = response.content.decode()
    assert f'data-policy="{ASSISTANCE}" data-status="unknown"' in html
    assert "还不能确定——请咨询民政局" in html and "连续无收入月数" in html


def test_public_page_problems_are_shown_not_500(packs):
    response = Client().post(PAGE, {"region": "999999", "last_income_month": "2999-01"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="error-region"' in html and 'data-testid="error-last_income_month"' in html
    assert 'data-testid="results"' not in html
    # Contradicting answers: employed, yet registered unemployed.
    response = Client().post(PAGE, _answers(employment_status="employed", registered="yes"))
    assert 'data-testid="error-registered"' in response.content.decode()


def test_public_page_in_english(packs):
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": PAGE})
    response = client.post(PAGE, _answers())
    html = response.content.decode()
    assert "Temporary assistance for migrant workers in difficulty" in html
    assert "civil affairs bureau" in html.lower()


def test_public_page_amount_not_entered_says_who_sets_it(db):
    sync_from_packs(catalogue().policies.values())  # the pack ships no minimum living standard
    html = Client().post(PAGE, _answers()).content.decode()
    assert f'data-policy="{ASSISTANCE}" data-status="eligible"' in html
    card = html.split(f'data-policy="{ASSISTANCE}"')[1].split('data-policy="')[0]
    assert "金额由民政局确定" in card and "元</div>" not in card.split("怎么办理")[0]


def test_public_page_says_when_a_figure_rests_on_demo_data(packs):
    import datetime as dt
    from decimal import Decimal

    from anju.params.models import DEMO_SOURCE
    from anju.params.services import parameter_set

    parameter_set(actor=None, name="min_living_standard_monthly", region_prefix="350581", valid_from=dt.date(2021, 1, 1),
                  value=Decimal("800"), source=f"{DEMO_SOURCE}：低保")
    html = Client().post(PAGE, _answers()).content.decode()
    card = html.split(f'data-policy="{ASSISTANCE}"')[1].split('data-policy="')[0]
    assert "2400.00" in card and 'data-testid="unsourced"' in card
    assert "这个结果按演示数据（城乡最低生活保障标准）算出，不是正式标准，请以民政局核定为准。" in card


def test_public_page_in_english_names_departments_properly(packs):
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": PAGE})
    html = client.post(PAGE, _answers(employment_status="unemployed", difficulty_types=["employment_difficulty"])).content.decode()
    assert "Apply to the town (street) labour-security station" in html
    assert "The Civil Affairs Bureau also contacts people" in html
    assert "the civil Affairs Bureau" not in html and "civil Affairs" not in html
    # The placement is a service: the card says so and never that it pays.
    card = html.split('data-policy="quanzhou-public-welfare-post-placement"')[1].split('data-policy="')[0]
    assert "pays" not in card and "Human Resources and Social Security Bureau also contacts" in card
