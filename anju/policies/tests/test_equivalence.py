"""The SQL scan and the one-by-one Python evaluation agree, for every policy pack.

Hypothesis builds small random ledgers — workers with every status, difficulty masks, unknown
(null) incomes and insurance flags, birth dates on awkward days, residence in Shishi's towns, in
Quanzhou's other counties, in Jinzhong and in Lan County; employers with and without last year's
figures; hires, certificates, businesses, training enrolments and households — and a random date,
and checks that the set of (subject, amount) the scan lists is exactly the set of subjects that
`evaluate_subject` finds eligible (within the policy's issuing region), with the same amounts.

Each example writes inside a savepoint that is rolled back, so examples do not see each other.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anju.employment.models import Business, BusinessKind, Employer, EmployerYear, Hire, SizeClass
from anju.lib.identifiers import make_id_number, make_uscc
from anju.params.services import parameter_set
from anju.policies.engine import (
    ELIGIBLE,
    applies_in,
    evaluate_subject,
    evaluate_subject_many,
    region_of,
    scan,
    scan_rows,
)
from anju.policies.facts import SUBJECTS
from anju.policies.packs import catalogue, get_policy
from anju.policies.services import sync_from_packs
from anju.policies.tests.conftest import enter_living_standard
from anju.registry.choices import DIFFICULTY_BITS, CertificateKind, EmploymentStatus
from anju.registry.models import Certificate, Household, Worker
from anju.registry.services import set_identifiers
from anju.training.models import TrainingEnrolment

POLICY_IDS = sorted(catalogue().policies)

SHISHI = ["350581001000", "350581002000", "350581100000", "350581106000"]
QUANZHOU_OTHER = ["350582000000", "350583000000", "350524000000"]
JINZHONG = ["140702000000", "140781000000"]
LANXIAN = ["141127100000", "141127203000"]
REGIONS = SHISHI + QUANZHOU_OTHER + JINZHONG + LANXIAN

FIRST, LAST = dt.date(2015, 1, 1), dt.date(2025, 12, 31)
dates = st.dates(FIRST, LAST)
# Month ends, leap days and the first of a month catch off-by-one month arithmetic.
awkward_dates = st.one_of(dates, st.sampled_from([dt.date(2020, 2, 29), dt.date(2021, 1, 31), dt.date(2021, 3, 1),
                                                  dt.date(2022, 2, 3), dt.date(2021, 12, 31), dt.date(2020, 3, 1)]))
tristate = st.sampled_from([None, True, False])
money = st.decimals(min_value=0, max_value=20000, places=2, allow_nan=False, allow_infinity=False)


def first_of_month(d: dt.date) -> dt.date:
    return d.replace(day=1)


def regions_for(issuing: str):
    """Mostly inside the policy's issuing region (where subjects can qualify), sometimes anywhere."""
    inside = [r for r in REGIONS if r.startswith(issuing)] or REGIONS
    return st.one_of(st.sampled_from(inside), st.sampled_from(inside), st.sampled_from(REGIONS))


@st.composite
def worker_specs(draw, regions):
    status = draw(st.one_of(st.just(EmploymentStatus.UNEMPLOYED), st.sampled_from(EmploymentStatus.values)))
    return {
        "residence_region_id": draw(regions),
        "birth": draw(st.one_of(st.dates(dt.date(1955, 1, 1), dt.date(2008, 12, 31)),
                                st.sampled_from([dt.date(1964, 2, 29), dt.date(1990, 12, 31), dt.date(2000, 1, 1)]))),
        "employment_status": status,
        "unemployment_registered_on": draw(st.one_of(st.none(), awkward_dates)),
        "difficulty_mask": draw(st.one_of(st.just(0), st.integers(0, (1 << len(DIFFICULTY_BITS)) - 1),
                                          st.sampled_from(list(DIFFICULTY_BITS.values())))),
        "pension_insured": draw(tristate),
        "medical_insured": draw(tristate),
        "unemployment_insured": draw(tristate),
        "injury_insured": draw(tristate),
        "ui_contribution_months": draw(st.one_of(st.none(), st.integers(0, 150))),
        "last_income_month": draw(st.one_of(st.none(), dates.map(first_of_month))),
        "monthly_income": draw(st.one_of(st.none(), money)),
        "training_willing": draw(tristate),
    }


@st.composite
def employer_specs(draw, regions):
    return {
        "size_class": draw(st.sampled_from(SizeClass.values)),
        "staff_count": draw(st.one_of(st.none(), st.integers(0, 500))),
        "region_id": draw(regions),
        # Last year's figures, for a few candidate years (the scan date picks one).
        "years": draw(st.lists(st.fixed_dictionaries({
            "year": st.integers(2018, 2025), "ui_months_paid": st.integers(0, 12),
            "ui_premiums_paid": money, "average_staff": st.integers(0, 60), "layoffs": st.integers(0, 10),
        }), max_size=3, unique_by=lambda y: y["year"])),
    }


@st.composite
def ledgers(draw, subject: str, issuing: str):
    regions = regions_for(issuing)
    workers = draw(st.lists(worker_specs(regions), min_size=1, max_size=6))
    n = len(workers)
    ledger = {"workers": workers, "employers": [], "hires": [], "certificates": [], "businesses": [],
              "enrolments": [], "households": []}
    if subject in ("employer", "hire", "training_enrolment"):
        ledger["employers"] = draw(st.lists(employer_specs(regions), min_size=1, max_size=3))
    m = len(ledger["employers"])
    if subject == "hire":
        ledger["hires"] = draw(st.lists(st.fixed_dictionaries({
            "worker": st.integers(0, n - 1), "employer": st.integers(0, m - 1), "start_date": awkward_dates,
            "contract_months": st.integers(0, 48), "pension_insured": st.booleans(), "medical_insured": st.booleans(),
            "unemployment_insured": st.booleans(), "pension_premium_monthly": money,
            "medical_premium_monthly": money, "unemployment_premium_monthly": money,
        }), min_size=1, max_size=5))
    if subject == "certificate":
        def certificate(kind):
            grade = st.none() if kind == CertificateKind.SPECIAL_ABILITY else st.one_of(st.none(), st.integers(1, 5))
            return st.fixed_dictionaries({"worker": st.integers(0, n - 1), "kind": st.just(kind), "grade": grade,
                                          "shortage": st.booleans(), "issued_on": st.one_of(st.none(), awkward_dates)})
        ledger["certificates"] = draw(st.lists(st.sampled_from(CertificateKind.values).flatmap(certificate),
                                               min_size=1, max_size=5))
    if subject == "business":
        ledger["businesses"] = draw(st.lists(st.fixed_dictionaries({
            "founder": st.integers(0, n - 1), "kind": st.sampled_from(BusinessKind.values),
            "region_id": regions, "founded_on": awkward_dates,
            "closed_on": st.one_of(st.none(), awkward_dates), "founder_is_legal_rep": st.booleans(),
            "first_business": st.booleans(), "with_uscc": st.booleans(),
        }), min_size=1, max_size=4))
    if subject == "training_enrolment":
        ledger["enrolments"] = draw(st.lists(st.fixed_dictionaries({
            "worker": st.integers(0, n - 1), "employer": st.one_of(st.none(), st.integers(0, m - 1)),
            "class_hours": st.integers(0, 60), "started_on": awkward_dates,
            "completed_on": st.one_of(st.none(), awkward_dates), "certificate_obtained": st.booleans(),
            "newly_hired": st.booleans(),
        }), min_size=1, max_size=5))
    if subject == "household":
        ledger["households"] = draw(st.lists(st.fixed_dictionaries({
            "region_id": regions, "union_hardship": tristate,
            "members": st.lists(st.integers(0, n - 1), max_size=4, unique=True),
        }), min_size=1, max_size=3))
    return ledger


def build(ledger: dict) -> None:
    workers = []
    for i, spec in enumerate(ledger["workers"]):
        spec = dict(spec)
        birth = spec.pop("birth")
        number = make_id_number(spec["residence_region_id"][:6], birth, i + 1)
        worker = Worker(name=f"测试{i}", gender="male" if (i + 1) % 2 else "female", birth_date=birth, **spec)
        set_identifiers(worker, id_number=number, phone="")
        worker.save()
        workers.append(worker)
    employers = []
    for k, spec in enumerate(ledger["employers"]):
        spec = dict(spec)
        years = spec.pop("years")
        uscc = make_uscc(f"91{spec['region_id'][:6]}{k:09d}")
        employer = Employer.objects.create(name=f"测试单位{k}", uscc=uscc, **spec)
        EmployerYear.objects.bulk_create([EmployerYear(employer=employer, **y) for y in years])
        employers.append(employer)
    for spec in ledger["hires"]:
        spec = dict(spec)
        Hire.objects.create(worker=workers[spec.pop("worker")], employer=employers[spec.pop("employer")], **spec)
    for j, spec in enumerate(ledger["certificates"]):
        spec = dict(spec)
        Certificate.objects.create(worker=workers[spec.pop("worker")], occupation="电工", certificate_no=f"T{j:04d}", **spec)
    for j, spec in enumerate(ledger["businesses"]):
        spec = dict(spec)
        with_uscc = spec.pop("with_uscc")
        uscc = make_uscc(f"92{spec['region_id'][:6]}{j + 100:09d}") if with_uscc else ""
        Business.objects.create(founder=workers[spec.pop("founder")], name=f"测试店{j}", uscc=uscc, **spec)
    for spec in ledger["enrolments"]:
        spec = dict(spec)
        employer = spec.pop("employer")
        TrainingEnrolment.objects.create(worker=workers[spec.pop("worker")], course="育婴员",
                                         employer=None if employer is None else employers[employer], **spec)
    for h, spec in enumerate(ledger["households"]):
        household = Household.objects.create(household_no=f"HT{h:04d}", region_id=spec["region_id"],
                                             union_hardship=spec["union_hardship"])
        Worker.objects.filter(pk__in=[workers[i].pk for i in spec["members"]]).update(household=household)


class Rollback(Exception):
    pass


@dataclass
class Outcome:
    by_scan: set
    by_python: set


def compare(policy, on: dt.date) -> Outcome:
    model = SUBJECTS[policy.subject].model
    by_scan = {(r.pk, r.amount) for r in scan(policy, on=on)}
    by_python = set()
    for obj in model.objects.all():
        if not applies_in(policy, region_of(policy.subject, obj)):
            continue
        e = evaluate_subject(policy, obj, on)
        many = evaluate_subject_many([policy], obj, on)[0]
        assert (many.status, many.amount, many.facts, many.params) == (e.status, e.amount, e.facts, e.params)
        if e.status == ELIGIBLE:
            by_python.add((obj.pk, e.amount))
    # The fast path lists the same subjects and amounts.
    assert {(r[0], r[2]) for r in scan_rows(policy, on=on)} == by_scan
    return Outcome(by_scan, by_python)


@pytest.fixture
def synced_params(db):
    sync_from_packs(catalogue().policies.values())
    enter_living_standard()  # the pack ships none: civil affairs enters it


def _check(policy_id: str, ledger: dict, on: dt.date) -> None:
    policy = get_policy(policy_id)
    outcome = None
    try:
        with transaction.atomic():
            build(ledger)
            outcome = compare(policy, on)
            raise Rollback
    except Rollback:
        pass
    if os.environ.get("ANJU_EQ_STATS"):  # how many examples had anyone eligible (coverage check)
        print("EQ", policy_id, len(outcome.by_scan), len(outcome.by_python))
    assert outcome.by_scan == outcome.by_python, (
        f"{policy_id} on {on}: scan only {sorted(outcome.by_scan - outcome.by_python)}, "
        f"python only {sorted(outcome.by_python - outcome.by_scan)}")


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_scan_equals_one_by_one_evaluation(policy_id, synced_params):
    policy = get_policy(policy_id)
    # Dates around the policy's validity, where most of the interesting boundaries are.
    start = policy.valid_from or dt.date(2020, 1, 1)
    end = min(policy.valid_to or LAST, start + dt.timedelta(days=1000))
    on_dates = st.one_of(st.dates(start, end), st.dates(start, end), st.dates(dt.date(2019, 6, 1), LAST),
                         st.sampled_from([d for d in (start, end, start - dt.timedelta(days=1)) if d >= FIRST]))

    @settings(max_examples=25, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                     HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(ledger=ledgers(policy.subject, policy.issuing_region), on=on_dates)
    def run(ledger, on):
        _check(policy_id, ledger, on)

    run()


def test_packs_are_there():
    """The property above runs once per pack; make sure it does not silently run over nothing."""
    assert "quanzhou-temporary-assistance" in POLICY_IDS
    assert all(SUBJECTS.get(get_policy(p).subject) for p in POLICY_IDS)


@pytest.mark.parametrize("policy_id", ["quanzhou-temporary-assistance"])
def test_future_parameter_change_changes_nothing_today(policy_id, synced_params, personas):
    from anju.registry.tests.factories import make_worker

    policy = get_policy(policy_id)
    today = dt.date(2021, 6, 15)
    worker = make_worker(residence="350581001000", last_income_month=dt.date(2021, 1, 1), unemployment_insured=False)
    before_scan = [(r.pk, r.amount) for r in scan(policy, on=today)]
    before_one = evaluate_subject(policy, worker, today)
    for name in sorted(policy.params_read()):
        parameter_set(actor=personas.admin, name=name, region_prefix="350581",
                                 valid_from=today + dt.timedelta(days=1), value=Decimal("7"))
    assert [(r.pk, r.amount) for r in scan(policy, on=today)] == before_scan == [(worker.pk, Decimal("2400.00"))]
    after_one = evaluate_subject(policy, worker, today)
    assert (after_one.status, after_one.amount, after_one.params) == (before_one.status, before_one.amount, before_one.params)
    # ... and from its date on it does apply.
    tomorrow = today + dt.timedelta(days=1)
    assert evaluate_subject(policy, worker, tomorrow).amount == Decimal("49.00")
    assert [r.amount for r in scan(policy, on=tomorrow)] == [Decimal("49.00")]
