from __future__ import annotations

import datetime as dt
from decimal import Decimal

from anju.params import selectors as parameters
from anju.params.services import parameter_set
from anju.policies.engine import ELIGIBLE, NOT_ELIGIBLE, UNKNOWN, evaluate_subject, scan
from anju.policies.packs import get_policy
from anju.registry.choices import DIFFICULTY_BITS
from anju.registry.tests.factories import make_worker

ON = dt.date(2021, 6, 15)


def test_one_worker_explained_and_the_scan_agree(assistance):
    yes = make_worker(residence="350581001000", last_income_month=dt.date(2021, 2, 1), unemployment_insured=False)
    dibao = make_worker(residence="350581001000", last_income_month=dt.date(2021, 1, 1), unemployment_insured=False,
                        difficulty_mask=DIFFICULTY_BITS["minimum_living_allowance"])
    unknown = make_worker(residence="350581002000", last_income_month=None, unemployment_insured=False)
    lanxian = make_worker(residence="141127100000", last_income_month=dt.date(2021, 1, 1), unemployment_insured=False)

    e = evaluate_subject(assistance, yes, ON)
    assert e.status == ELIGIBLE and e.amount == Decimal("2400.00")
    assert e.facts["months_without_income"] == 3
    assert [c.passed for c in e.conditions] == [True, True, True]
    assert evaluate_subject(assistance, dibao, ON).status == NOT_ELIGIBLE
    u = evaluate_subject(assistance, unknown, ON)
    assert u.status == UNKNOWN and u.missing_facts == ["months_without_income"]

    rows = list(scan(assistance, on=ON))
    assert [(r.pk, r.amount) for r in rows] == [(yes.pk, Decimal("2400.00"))]
    assert lanxian.pk not in {r.pk for r in rows}  # outside the issuing region


def test_parameters_inherit_and_future_values_change_nothing(assistance, personas):
    worker = make_worker(residence="350581001000", last_income_month=dt.date(2021, 2, 1), unemployment_insured=False)
    parameter_set(actor=personas.admin, name="min_living_standard_monthly", region_prefix="350581",
                             valid_from=dt.date(2021, 7, 1), value=Decimal("900"))
    assert evaluate_subject(assistance, worker, ON).amount == Decimal("2400.00")
    assert [r.amount for r in scan(assistance, on=ON)] == [Decimal("2400.00")]
    later = dt.date(2021, 8, 15)
    assert evaluate_subject(assistance, worker, later).status == ELIGIBLE
    assert evaluate_subject(assistance, worker, later).amount == Decimal("2700.00")
    assert [r.amount for r in scan(assistance, on=later)] == [Decimal("2700.00")]
    # A street of Shishi inherits Shishi's value; Quanzhou's other counties keep the city's.
    assert parameters.resolve("min_living_standard_monthly", "350581001000", later) == (Decimal("900"), "350581")
    assert parameters.resolve("min_living_standard_monthly", "350582100000", later) == (Decimal("800"), "3505")
    assert parameters.resolve("min_living_standard_monthly", "141127100000", later) == (None, None)


def test_amount_unknown_for_a_missing_fact_is_not_pending(db):
    from anju.policies.engine import evaluate
    from anju.policies.examples import shipped_params

    policy = get_policy("lan-county-sme-hiring-subsidy")
    on = dt.date(2021, 3, 1)
    params = shipped_params(policy, "141127100000", on)
    facts = {"employer_is_sme": True, "new_hire": True, "hire_date": dt.date(2021, 2, 1), "months_since_hire": 1}
    e = evaluate(policy, facts=facts, params=params, on=on)
    assert e.status == ELIGIBLE and e.amount is None
    assert not e.amount_pending and "relocated" in e.missing_facts
    e = evaluate(policy, facts=facts | {"relocated": True}, params=params, on=on)
    assert e.amount == Decimal("2000.00") and not e.missing_facts
    e = evaluate(policy, facts=facts | {"relocated": False}, params={**params, "lan_hiring_subsidy": None}, on=on)
    assert e.amount is None and e.amount_pending and not e.missing_facts


def test_parameters_are_read_on_the_hire_date_one_by_one_and_in_the_scan(db, personas):
    """The employment subsidy pays one month of the minimum wage in force on the hire date, not on
    the day it is decided: the same in Python and in the SQL scan."""
    from anju.employment.models import Employer, Hire
    from anju.lib.identifiers import make_uscc
    from anju.policies.services import sync_from_packs

    policy = get_policy("quanzhou-employment-subsidy")
    assert policy.parameters_on == "hire_date"
    sync_from_packs([policy])
    # Staff enter Jinjiang's wages (the pack ships none for it): 1700 from 2020, 1900 from 2021.
    for day, value in ((dt.date(2020, 1, 1), "1700"), (dt.date(2021, 1, 1), "1900")):
        parameter_set(actor=personas.admin, name="min_wage_monthly", region_prefix="350582", valid_from=day,
                      value=Decimal(value), source="测试：福建省最低工资标准")
    employer = Employer.objects.create(name="单位", uscc=make_uscc("91350582MA2Y0A1B1"), size_class="small",
                                       region_id="350582000000")
    hires = {}
    for start in (dt.date(2020, 6, 1), dt.date(2021, 3, 1)):
        worker = make_worker(residence="350582000000", unemployment_registered_on=start - dt.timedelta(days=300),
                             employment_status="unemployed")
        hires[start] = Hire.objects.create(worker=worker, employer=employer, start_date=start, contract_months=12,
                                           pension_insured=True)
    on = dt.date(2021, 6, 1)
    e = evaluate_subject(policy, hires[dt.date(2020, 6, 1)], on)
    assert (e.status, e.amount, e.params_on) == (ELIGIBLE, Decimal("1700.00"), dt.date(2020, 6, 1))
    assert evaluate_subject(policy, hires[dt.date(2021, 3, 1)], on).amount == Decimal("1900.00")
    assert sorted(r.amount for r in scan(policy, on=on)) == [Decimal("1700.00"), Decimal("1900.00")]


def test_a_stale_minimum_wage_cannot_tell_instead_of_deciding_on_the_old_figure(db):
    """Shanxi raised the minimum wage on 2023-01-01; its new amount is not entered, so a temporary
    post in Yuci is neither accepted nor refused on the 2021 figure."""
    from anju.policies.engine import evaluate
    from anju.policies.examples import shipped_params

    policy = get_policy("jinzhong-temporary-post")
    post = {"temporary_post": True, "contract_months": 6, "monthly_pay": Decimal("1900")}
    before = evaluate(policy, facts=post, params=shipped_params(policy, "140702100000", dt.date(2022, 6, 1)),
                      on=dt.date(2022, 6, 1))
    assert before.status == ELIGIBLE  # 1900 >= 1880, the 2021 figure
    after = evaluate(policy, facts=post, params=shipped_params(policy, "140702100000", dt.date(2023, 6, 1)),
                     on=dt.date(2023, 6, 1))
    assert after.status == UNKNOWN and after.missing_params == ["min_wage_monthly"] and after.missing_facts == []
    refund = get_policy("shanxi-public-welfare-post-subsidy")
    post = {"public_welfare_post": True, "poverty_alleviated": True, "accident_insurance_cover": Decimal("300000"),
            "monthly_pay": Decimal("900")}
    later = evaluate(refund, facts=post, params=shipped_params(refund, "141127100000", dt.date(2024, 1, 1)),
                     on=dt.date(2024, 1, 1))
    assert later.status == UNKNOWN and later.missing_params == ["min_wage_monthly"]


def test_evaluation_names_values_with_no_source_or_demo_data(assistance, personas):
    from anju.params.models import DEMO_SOURCE

    worker = make_worker(residence="350581001000", last_income_month=dt.date(2021, 2, 1), unemployment_insured=False)
    assert evaluate_subject(assistance, worker, ON).unsourced == {}
    parameter_set(actor=None, name="min_living_standard_monthly", region_prefix="350581", valid_from=dt.date(2021, 1, 1),
                  value=Decimal("800"), source=f"{DEMO_SOURCE}：示意")
    assert evaluate_subject(assistance, worker, ON).unsourced == {"min_living_standard_monthly": "demo"}
    parameter_set(actor=personas.admin, name="temporary_assistance_months", region_prefix="350581",
                  valid_from=dt.date(2021, 1, 1), value=Decimal("4"))
    e = evaluate_subject(assistance, worker, ON)
    assert e.unsourced == {"min_living_standard_monthly": "demo", "temporary_assistance_months": "none"}
    assert e.amount == Decimal("3200.00")
