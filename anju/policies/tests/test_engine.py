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
    facts = {"employer_is_sme": True, "new_hire": True, "hire_date": dt.date(2021, 2, 1)}
    e = evaluate(policy, facts=facts, params=params, on=on)
    assert e.status == ELIGIBLE and e.amount is None
    assert not e.amount_pending and "relocated" in e.missing_facts
    e = evaluate(policy, facts=facts | {"relocated": True}, params=params, on=on)
    assert e.amount == Decimal("2000.00") and not e.missing_facts
    e = evaluate(policy, facts=facts | {"relocated": False}, params={**params, "lan_hiring_subsidy": None}, on=on)
    assert e.amount is None and e.amount_pending and not e.missing_facts
