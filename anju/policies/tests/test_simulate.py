"""The simulation page and engine.simulate: Shishi's job-stabilisation refund at 60% vs 90%."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from anju.employment.models import Employer, EmployerYear, SizeClass
from anju.lib.identifiers import make_uscc
from anju.policies import engine
from anju.policies.packs import catalogue, get_policy
from anju.policies.services import sync_from_packs

POLICY = "shishi-job-stabilisation-refund"
ON = dt.date(2022, 6, 1)


@pytest.fixture
def employers(db):
    sync_from_packs(catalogue().policies.values())
    made = []
    for k, (size, premiums) in enumerate([(SizeClass.SMALL, "10000.00"), (SizeClass.MICRO, "2000.00"), (SizeClass.LARGE, "50000.00")]):
        e = Employer.objects.create(name=f"单位{k}", uscc=make_uscc(f"91350581{k:09d}"), size_class=size,
                                    staff_count=40, region_id="350581001000")
        EmployerYear.objects.create(employer=e, year=2021, ui_months_paid=12, ui_premiums_paid=Decimal(premiums),
                                    average_staff=40, layoffs=1)
        made.append(e)
    return made


def test_engine_simulate_refund_rate(employers):
    sim = engine.simulate(get_policy(POLICY), on=ON, region_prefix="350581",
                          overrides={"stabilisation_refund_rate": Decimal("0.6")})
    # In force on 2022-06-01: 90% for SMEs, 50% for large: 10800 + 25000.
    assert sim.in_force["stabilisation_refund_rate"] == Decimal("0.9")
    assert (sim.before.count, sim.before.total) == (3, Decimal("35800.00"))
    assert (sim.after.count, sim.after.total) == (3, Decimal("32200.00"))
    assert sim.total_change == Decimal("-3600.00") and sim.count_change == 0


def _url(**query) -> str:
    from urllib.parse import urlencode

    return reverse("policies:simulate") + "?" + urlencode(query)


def test_page_prefills_values_in_force_and_shows_chart_data(employers, client, personas):
    client.force_login(personas.county)
    page = client.get(_url(policy=POLICY, on="2022-06-01"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="p_stabilisation_refund_rate"' in body and 'value="0.9"' in body  # raised from 0.6 on 2022-03-31
    result = client.get(_url(policy=POLICY, on="2022-06-01", region="350581", run="1", p_stabilisation_refund_rate="60%",
                             p_stabilisation_refund_rate_large="0.5", p_stabilisation_max_layoff_rate="0.055",
                             p_stabilisation_max_layoff_rate_small="0.2"))
    assert result.status_code == 200
    text = result.content.decode()
    assert 'data-testid="simulate-result"' in text and 'id="simulate-data"' in text
    # 9000 + 1800 + 25000 at 90% for SMEs; 6000 + 1200 + 25000 at 60%.
    assert "35,800.00" in text and "32,200.00" in text and "-3,600.00" in text


def test_page_bad_input_is_a_form_error(employers, client, personas):
    client.force_login(personas.county)
    bad = client.get(_url(policy=POLICY, on="2022-13-01", region="141127", run="1", p_stabilisation_refund_rate="abc"))
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "is-invalid" in text and 'data-testid="simulate-result"' not in text


def test_page_scoped_and_login_required(employers, client, personas):
    assert client.get(_url()).status_code == 302
    client.force_login(personas.lanxian)  # Shishi's policy is not offered in Lan County
    page = client.get(_url(policy=POLICY))
    assert page.status_code == 200 and 'name="p_stabilisation_refund_rate"' not in page.content.decode()
    client.force_login(personas.auditor)
    assert client.get(_url()).status_code == 403


def test_page_uses_the_cascading_region_picker(employers, client, personas):
    client.force_login(personas.county)
    page = client.get(_url(policy=POLICY, on="2022-06-01")).content.decode()
    assert 'class="region-picker' in page and 'type="hidden" name="region" value="350581000000"' in page
    assert "anju/region-picker.js" in page and 'inputmode="numeric"' not in page
    # The picker posts the deepest code it holds (12 digits): understood as the county.
    result = client.get(_url(policy=POLICY, on="2022-06-01", region="350581000000", run="1",
                             p_stabilisation_refund_rate="0.9", p_stabilisation_refund_rate_large="0.5",
                             p_stabilisation_max_layoff_rate="0.055", p_stabilisation_max_layoff_rate_small="0.2"))
    assert result.status_code == 200 and "35,800.00" in result.content.decode()
    # A street of the county, picked one level further down.
    street = client.get(_url(policy=POLICY, on="2022-06-01", region="350581001000", run="1"))
    assert street.status_code == 200 and street.context["result"]["region"] == "湖滨街道"
