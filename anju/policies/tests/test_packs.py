"""The shipped policy packs: all load, cover the catalogue, and every worked example holds; a
broken expression is refused with its file and line."""

from __future__ import annotations

import datetime as dt
import importlib
import textwrap
from pathlib import Path

import pytest
from django.core.management import call_command

from anju.policies.engine import scan
from anju.policies.examples import run_example
from anju.policies.packs import PACK_DIR, PackError, load_all, load_pack
from anju.policies.services import sync_from_packs
from anju.registry.tests.factories import make_worker

CATALOGUE = load_all(PACK_DIR)
EXAMPLES = [
    pytest.param(policy, example, id=f"{policy.id}: {example['name']}")
    for policy in CATALOGUE.policies.values()
    for example in policy.examples
]


def test_check_policies_passes_and_lists_every_pack(capsys):
    call_command("check-policies")  # exits 1 (SystemExit) on any problem
    out = capsys.readouterr().out.splitlines()
    for policy in CATALOGUE.policies.values():
        assert any(line.split()[:3] == [policy.id, str(len(policy.examples)), "examples"] for line in out), policy.id
    assert out[-1].startswith(f"{len(CATALOGUE.policies)} packs loaded, 0 rejected")
    assert out[-1].endswith(" 0 problems")


def test_every_pack_loads():
    assert [str(e) for e in CATALOGUE.errors] == []


def test_packs_cite_their_document_by_title_issuer_and_number():
    """A pack names the document it implements as people cite it — title, issuer, and number
    and date where the document has them — and packs of one document cite it identically."""
    by_title: dict[str, tuple] = {}
    for policy in CATALOGUE.policies.values():
        assert policy.document and policy.issuer and policy.article, policy.id
        assert not policy.document.endswith(".txt"), policy.id
        cited = (policy.issuer, policy.document_number, policy.document_date, policy.title_translated)
        assert by_title.setdefault(policy.document, cited) == cited, policy.id
    assert by_title["石狮市关爱外来务工人员八条措施"][1:3] == ("狮委办〔2022〕19号", dt.date(2022, 3, 31))


def test_every_pack_shows_all_three_outcomes():
    for policy in CATALOGUE.policies.values():
        statuses = {ex["expect"]["status"] for ex in policy.examples}
        assert statuses == {"eligible", "not_eligible", "unknown"}, policy.id
        if policy.amount is not None:
            assert any(ex["expect"].get("amount") for ex in policy.examples), f"{policy.id}: no example with an amount"


def test_shared_parameters_agree_across_packs():
    """A parameter read by several packs (min_wage_monthly) is one parameter: same type, label and
    unit, and no two packs ship different values for the same region and date."""
    seen: dict[str, tuple] = {}
    values: dict[tuple, object] = {}
    for policy in CATALOGUE.policies.values():
        for decl in policy.parameters.values():
            shape = (decl.type, decl.label, decl.unit)
            assert seen.setdefault(decl.name, shape) == shape, f"{policy.id}: {decl.name} declared differently"
            for v in decl.values:
                key = (decl.name, v["region"], v["from"])
                assert values.setdefault(key, v["value"]) == v["value"], f"{policy.id}: {key} conflicts"


@pytest.mark.parametrize(("policy", "example"), EXAMPLES)
def test_worked_example(policy, example):
    assert run_example(policy, example) is None


def one_of_each_subject(region: str, on: dt.date) -> None:
    """A small ledger in `region`: two workers (one on the minimum living allowance) with every
    other difficulty type, and a household, employer, hire, certificate, business and enrolment."""
    from anju.employment.models import Business, Employer, EmployerYear, Hire
    from anju.lib.identifiers import make_uscc
    from anju.registry.choices import DIFFICULTY_BITS
    from anju.registry.models import Certificate, Household
    from anju.training.models import TrainingEnrolment

    every = sum(DIFFICULTY_BITS.values())
    household = Household.objects.create(household_no=f"H{region}", union_hardship=True, region_id=region)
    workers = [
        make_worker(residence=region, household=household, difficulty_mask=mask, unemployment_registered_on=dt.date(2019, 1, 1),
                    last_income_month=dt.date(2019, 1, 1), unemployment_insured=False, ui_contribution_months=24)
        for mask in (every, every & ~DIFFICULTY_BITS["minimum_living_allowance"])
    ]
    for i, size in enumerate(("small", "large")):
        employer = Employer.objects.create(name=f"单位{i}", uscc=make_uscc(f"91{region[:6]}MA2Y0A1B{i}"), size_class=size,
                                           staff_count=20 + 1000 * i, region_id=region)
        EmployerYear.objects.create(employer=employer, year=on.year - 1, ui_months_paid=12, ui_premiums_paid="12345.67",
                                    average_staff=20 + 1000 * i, layoffs=i)
        Hire.objects.create(worker=workers[i], employer=employer, start_date=on, contract_months=12, pension_insured=True,
                            pension_premium_monthly="640.00", medical_premium_monthly="300.50")
        TrainingEnrolment.objects.create(worker=workers[i], employer=employer, course="电工", class_hours=20,
                                         started_on=on, certificate_obtained=True, newly_hired=True)
    for i, (kind, grade) in enumerate((("special_ability", None), ("skill_level", 3), ("vocational_qualification", 1))):
        Certificate.objects.create(worker=workers[i % 2], kind=kind, occupation="电工", grade=grade, shortage=bool(i),
                                   issued_on=on, certificate_no=f"C{i}")
    Business.objects.create(founder=workers[1], name="网店", kind="online_shop", region_id=region,
                            founded_on=on - dt.timedelta(days=200))


@pytest.mark.django_db
@pytest.mark.parametrize("policy", list(CATALOGUE.policies.values()), ids=lambda p: p.id)
def test_scan_agrees_with_one_by_one(policy):
    """Each pack runs as one SQL query (SQLite and PostgreSQL alike), and lists exactly the stored
    subjects that evaluating one by one finds eligible, with the same amounts."""
    from anju.policies.engine import ELIGIBLE, evaluate_subject
    from anju.policies.facts import SUBJECTS

    sync_from_packs([policy])
    on = dt.date.fromisoformat(str(policy.examples[0]["date"]))
    region = str(policy.examples[0].get("region", policy.issuing_region))[:6].ljust(12, "0")
    one_of_each_subject(region, on)
    listed = {row.pk: row.amount for row in scan(policy, on=on)}
    one_by_one = {}
    for obj in SUBJECTS[policy.subject].model.objects.all():
        evaluation = evaluate_subject(policy, obj, on)
        if evaluation.status == ELIGIBLE:
            one_by_one[obj.pk] = evaluation.amount
    assert listed == one_by_one


# ---------------------------------------------------------------------------------------------
# A broken pack is refused with its file and line
# ---------------------------------------------------------------------------------------------

PACK = """\
id: {id}
version: 1
title: {{zh: 测试, en: Test}}
source:
  document: 测试文件
  issuer: 测试单位
  article: "七"
  gist: {{zh: 测试, en: Test}}
issuing_region: "3505"
departments: {{lead: civil_affairs}}
subject: worker
valid: {{from: 2020-03-01, to: null}}
conditions:
  - name: first
    label: {{zh: 第一, en: First}}
    when: {when}
amount: {amount}
parameters:
  min_living_standard_monthly:
    type: money
    label: {{zh: 低保标准, en: Minimum living standard}}
    values:
      - {{region: "3505", from: 2020-01-01, value: "800", source: 测试文件第七条}}
examples:
  - name: one
    date: 2021-06-15
    facts: {{months_without_income: 3}}
    expect: {{status: eligible}}
"""
WHEN_LINE, AMOUNT_LINE = 16, 17


def write(tmp_path: Path, *, when: str = "months_without_income >= 3",
          amount: str = "params.min_living_standard_monthly * 3") -> Path:
    path = tmp_path / "broken-pack.yaml"
    path.write_text(PACK.format(id=path.stem, when=when, amount=amount), encoding="utf-8")
    return path


def test_the_base_pack_is_valid(tmp_path):
    assert load_pack(write(tmp_path)).id == "broken-pack"


@pytest.mark.parametrize(("fields", "line", "reason"), [
    ({"when": "months_without_income >= 3 and no_such_fact"}, WHEN_LINE, "unknown fact 'no_such_fact'"),
    ({"amount": "params.no_such_param * 3"}, AMOUNT_LINE, "unknown parameter 'params.no_such_param'"),
    ({"when": 'age + "a" > 3'}, WHEN_LINE, "'+' needs numbers"),
    ({"when": "unemployed > 3"}, WHEN_LINE, "cannot compare bool with number"),
    ({"when": "months_without_income"}, WHEN_LINE, "but bool is needed"),
    ({"amount": "unemployed"}, AMOUNT_LINE, "but number is needed"),
    ({"when": "__import__('os')"}, WHEN_LINE, "may be called"),
], ids=["unknown fact", "missing parameter", "number plus text", "bool compared with number",
        "condition not true/false", "amount not a number", "a call that is not allowed"])
def test_a_broken_expression_names_file_and_line(tmp_path, fields, line, reason):
    path = write(tmp_path, **fields)
    with pytest.raises(PackError) as caught:
        load_pack(path)
    error = caught.value
    assert error.path == str(path)
    assert error.line == line
    assert reason in error.message
    assert str(error).startswith(f"{path}:{line}:")


def test_the_column_points_at_the_mistake(tmp_path):
    path = write(tmp_path, when="months_without_income >= 3 and no_such_fact")
    with pytest.raises(PackError) as caught:
        load_pack(path)
    assert caught.value.column == len("    when: months_without_income >= 3 and ") + 1


def test_an_error_in_a_multi_line_expression_names_its_line(tmp_path):
    path = tmp_path / "broken-pack.yaml"
    text = PACK.format(id=path.stem, when="months_without_income >= 3", amount="params.min_living_standard_monthly * 3")
    text = text.replace("amount: params.min_living_standard_monthly * 3\n", textwrap.dedent("""\
        amount: |
          (params.min_living_standard_monthly
           * nonsense)
        """))
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_pack(path)
    assert (caught.value.line, "unknown fact 'nonsense'" in caught.value.message) == (AMOUNT_LINE + 2, True)


def test_check_policies_fails_on_a_broken_pack(tmp_path, monkeypatch, capsys):
    write(tmp_path, when="unemployed > 3")
    command = importlib.import_module("anju.policies.management.commands.check-policies")
    monkeypatch.setattr(command, "PACK_DIR", tmp_path)
    with pytest.raises(SystemExit) as exited:
        call_command("check-policies")
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert f"broken-pack.yaml:{WHEN_LINE}:" in err and "cannot compare bool with number" in err


# ---------------------------------------------------------------------------------------------
# No value without a source; every assumption with its reason
# ---------------------------------------------------------------------------------------------

VALUE_LINE = 23  # the shipped value of min_living_standard_monthly in PACK


def run_check(tmp_path, monkeypatch, capsys) -> str:
    command = importlib.import_module("anju.policies.management.commands.check-policies")
    monkeypatch.setattr(command, "PACK_DIR", tmp_path)
    with pytest.raises(SystemExit) as exited:
        call_command("check-policies")
    assert exited.value.code == 1
    return capsys.readouterr().err


def test_a_shipped_value_without_a_source_fails_naming_file_and_line(tmp_path, monkeypatch, capsys):
    path = write(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace(", source: 测试文件第七条", ""), encoding="utf-8")
    err = run_check(tmp_path, monkeypatch, capsys)
    assert f"broken-pack.yaml:{VALUE_LINE}:" in err
    assert "min_living_standard_monthly: the value from 2020-01-01 has no source" in err
    # A blank source is no source either; an empty value still says why it is empty.
    path.write_text(PACK.format(id=path.stem, when="months_without_income >= 3", amount="params.min_living_standard_monthly * 3")
                    .replace('value: "800", source: 测试文件第七条', 'value: null, source: "  "'), encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_pack(path)
    assert caught.value.line == VALUE_LINE and "has no source" in caught.value.message


def _with(path: Path, old: str, new: str) -> Path:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_an_assumption_without_a_reason_fails_naming_file_and_line(tmp_path, monkeypatch, capsys):
    path = _with(write(tmp_path), "    when: months_without_income >= 3\n",
                 "    when: months_without_income >= 3\n    assumption:\n")
    err = run_check(tmp_path, monkeypatch, capsys)
    assert f"broken-pack.yaml:{WHEN_LINE + 1}:" in err and "an assumption needs its reason in zh and en" in err
    # Half a reason is no reason: both languages are needed.
    _with(path, "    assumption:\n", "    assumption: {zh: 文件未写明}\n")
    with pytest.raises(PackError) as caught:
        load_pack(path)
    assert caught.value.line == WHEN_LINE + 1 and "reason in zh and en" in caught.value.message


def test_an_assumption_where_nothing_shows_it_is_refused(tmp_path):
    path = _with(write(tmp_path), "  gist: {zh: 测试, en: Test}\n",
                 "  gist: {zh: 测试, en: Test}\n  assumption: {zh: 文件号不明, en: The number is unknown}\n")
    with pytest.raises(PackError) as caught:
        load_pack(path)
    assert caught.value.line == 9 and "shown nowhere" in caught.value.message


def test_assumptions_are_kept_with_what_they_are_about(tmp_path):
    path = _with(write(tmp_path), "    when: months_without_income >= 3\n",
                 "    when: months_without_income >= 3\n    assumption: {zh: 文件只说生活困难, en: The text says only hardship}\n")
    _with(path, "valid: {from: 2020-03-01, to: null}",
          "valid: {from: 2020-03-01, to: null, assumption: {zh: 文件无日期, en: No date in the text}}")
    policy = load_pack(path)
    assert policy.conditions[0].assumption.en == "The text says only hardship"
    assert policy.valid_assumption.zh == "文件无日期"
    assert [(a.about.en, a.reason.en) for a in policy.assumptions] == [
        ("Validity", "No date in the text"), ("First", "The text says only hardship")]


def test_every_shipped_assumption_has_its_reason_and_the_known_ones_are_marked():
    """The departures the careful read found are each marked in the pack, with a reason."""
    by_id = CATALOGUE.policies
    for policy in by_id.values():
        for a in policy.assumptions:
            assert a.reason.zh.strip() and a.reason.en.strip(), policy.id
    refund = by_id["shishi-job-stabilisation-refund"]
    assert {c.name for c in refund.conditions if c.assumption} == {"insured_full_last_year", "layoff_rate_within_limit"}
    assert by_id["shishi-temporary-assistance"].conditions[-1].assumption is not None  # "1 month without income"
    for pid, policy in by_id.items():
        if pid.startswith("quanzhou-"):
            assert policy.valid_assumption is not None, pid  # the 2020-03-01 start
        if policy.frequency.get("kind") == "once_per_period":
            assert policy.frequency_assumption is not None, pid  # "once per 12 months" is never stated
    training = by_id["quanzhou-training-certificate-subsidy"]
    assert {"training_shortage_uplift_manufacturing", "training_shortage_uplift_service"} <= set(training.parameters)
    social = by_id["shishi-social-insurance-subsidy"]
    assert "social_insurance_subsidy_max_months" in social.params_read()
    assert any(c.assumption for c in social.conditions)
    lan = by_id["lan-county-sme-hiring-subsidy"]
    assert "lan_new_hire_months" in lan.params_read() and any(c.assumption for c in lan.conditions)


def test_no_shipped_value_without_a_source_and_no_example_value():
    for policy in CATALOGUE.policies.values():
        for decl in policy.parameters.values():
            for v in decl.values:
                assert v["source"].strip(), (policy.id, decl.name)
                assert "示例" not in v["source"] and "凭记忆" not in v["source"], (policy.id, decl.name)
    assistance = CATALOGUE.policies["quanzhou-temporary-assistance"]
    assert assistance.parameters["min_living_standard_monthly"].values == ()  # the unsourced 800 is gone


def test_stale_minimum_wages_end_the_day_before_the_known_raise():
    wages = {}
    for policy in CATALOGUE.policies.values():
        decl = policy.parameters.get("min_wage_monthly")
        for v in decl.values if decl else ():
            wages[(v["region"], v["from"])] = v["value"]
    for region, raises in (("350581", (dt.date(2022, 4, 1), dt.date(2025, 4, 1))),
                           ("140702", (dt.date(2023, 1, 1), dt.date(2025, 1, 1))),
                           ("141127", (dt.date(2023, 1, 1), dt.date(2025, 1, 1)))):
        for day in raises:
            assert (region, day) in wages and wages[(region, day)] is None, (region, day)
    assert wages[("350581", dt.date(2020, 1, 1))] == 1800


# ---------------------------------------------------------------------------------------------
# Kinds, quotas, ranges, parameters read on a date fact
# ---------------------------------------------------------------------------------------------


def test_a_quota_is_declared_and_checked(tmp_path):
    path = _with(write(tmp_path), "subject: worker\n",
                 "subject: worker\nkind: in_kind\nquota: {units: 500, unit: {zh: 份, en: gift boxes}}\n")
    _with(path, "amount: params.min_living_standard_monthly * 3\n", "")
    _with(path, """parameters:
  min_living_standard_monthly:
    type: money
    label: {zh: 低保标准, en: Minimum living standard}
    values:
      - {region: "3505", from: 2020-01-01, value: "800", source: 测试文件第七条}
""", "")
    policy = load_pack(path)
    assert (policy.kind, policy.quota.units, policy.quota.unit.en) == ("in_kind", 500, "gift boxes")
    _with(path, "units: 500", "units: 0")
    with pytest.raises(PackError) as caught:
        load_pack(path)
    assert caught.value.line == 13 and "quota is {units: a whole number above 0" in caught.value.message


def test_a_measure_that_pays_nothing_may_not_state_an_amount(tmp_path):
    path = _with(write(tmp_path), "subject: worker\n", "subject: worker\nkind: service\n")
    with pytest.raises(PackError) as caught:
        load_pack(path)
    assert caught.value.line == AMOUNT_LINE + 1 and "pays no money" in caught.value.message
    _with(path, "kind: service", "kind: voucher")
    with pytest.raises(PackError) as caught:
        load_pack(path)
    assert "kind must be one of cash, in_kind, service" in caught.value.message


def test_parameters_on_names_a_date_fact_and_only_the_amount_reads_parameters(tmp_path):
    path = tmp_path / "dated-pack.yaml"
    text = PACK.format(id=path.stem, when="months_without_income >= 3", amount="params.min_living_standard_monthly * 3")
    path.write_text(text.replace("subject: worker\n", "subject: worker\nparameters_on: age\n"), encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_pack(path)
    assert caught.value.line == 12 and "parameters_on names a date fact" in caught.value.message
    hire = (text.replace("subject: worker\n", "subject: hire\nparameters_on: hire_date\n")
            .replace("months_without_income >= 3", "contract_months >= params.min_living_standard_monthly")
            .replace("facts: {months_without_income: 3}", "facts: {contract_months: 3}"))
    path.write_text(hire, encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_pack(path)
    assert "only the amount may read parameters" in caught.value.message


def test_a_range_is_parsed_and_a_choice_outside_it_is_refused(tmp_path):
    from decimal import Decimal

    from anju.policies.engine import evaluate

    path = _with(write(tmp_path), "amount: params.min_living_standard_monthly * 3\n",
                 "amount_range: {min: 1000, max: params.min_living_standard_monthly * 2.5}\n")
    policy = load_pack(path)
    e = evaluate(policy, facts={"months_without_income": 3}, params={"min_living_standard_monthly": Decimal("800")},
                 on=dt.date(2021, 6, 15))
    assert (e.status, e.amount, e.amount_min, e.amount_max) == ("eligible", None, Decimal("1000.00"), Decimal("2000.00"))
    assert e.amount_problem(Decimal("1500")) is None and e.amount_problem(Decimal("2000")) is None
    assert e.amount_problem(Decimal("2000.01")) == "outside" and e.amount_problem(Decimal("999")) == "outside"
    unknown = evaluate(policy, facts={"months_without_income": 3}, params={"min_living_standard_monthly": None},
                       on=dt.date(2021, 6, 15))
    assert unknown.amount_problem(Decimal("1500")) == "range_unknown"
    # `choose` in an example needs a range to choose in.
    plain = write(tmp_path)
    _with(plain, "    expect: {status: eligible}", "    choose: 100\n    expect: {status: eligible}")
    with pytest.raises(PackError) as caught:
        load_pack(plain)
    assert "needs an amount_range" in caught.value.message

