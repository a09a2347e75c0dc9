"""A minimal OpenFisca tax-benefit system with three of Anju's policies, for benchmarks/bench_scan.py.

One entity, the person. A person's hire and certificate (at most one each in the benchmark data)
are person-level variables (`hire_*`, `certificate_*`), with `has_hire` / `has_certificate`.
Unknown ledger values (null in the database) come as a `*_known` flag: OpenFisca has no null,
and Anju never lists a subject whose condition is unknown. Amounts are NaN when the parameter
has no value (Anju: eligible, amount to be set).

The parameters are built from the values in force in Anju's database (`build_system(values)`),
so both systems compute with the same numbers. Evaluation dates are inputs of the system
(`AS_OF`), as Anju evaluates facts "as of" a date.

    quanzhou-temporary-assistance          worker: not dibao, no income for 3+ months, not UI insured
    quanzhou-training-certificate-subsidy  certificate: holder in difficulty, issued from 2020-03-01,
                                           amount by kind/grade × shortage uplift, capped
    quanzhou-employment-subsidy            hire: registered unemployed 6+ whole months at hire,
                                           contract 12+ months, pension or UI, hired by 2022-02-03
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.parameters import ParameterNode
from openfisca_core.periods import DateUnit
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

Person = build_entity(key="person", plural="persons", label="A person in the ledger", is_person=True)

PERIOD = "2026"  # every variable is yearly; the evaluation dates are explicit
AS_OF = {"temporary_assistance": dt.date(2026, 11, 25), "certificate": dt.date(2026, 11, 25),
         "employment": dt.date(2022, 1, 31)}
CERTIFICATE_FROM = np.datetime64("2020-03-01")
HIRE_BY = np.datetime64("2022-02-03")
EMPLOYMENT_VALID = (dt.date(2020, 3, 1), dt.date(2022, 2, 3))


def _var(name: str, value_type, label: str, default=None):
    attrs = {"value_type": value_type, "entity": Person, "definition_period": DateUnit.YEAR, "label": label}
    if default is not None:
        attrs["default_value"] = default
    return type(name, (Variable,), attrs)


INPUTS = [
    # worker
    _var("in_quanzhou", bool, "Lives in Quanzhou (3505)"),
    _var("minimum_living_allowance", bool, "Minimum living allowance recipient"),
    _var("last_income_known", bool, "Last income month known"),
    _var("last_income_month", dt.date, "Last month with income (first day)"),
    _var("unemployment_insured_known", bool, "UI flag known"),
    _var("unemployment_insured", bool, "Unemployment insured"),
    _var("in_difficulty", bool, "Worker in difficulty"),
    _var("registered_known", bool, "Unemployment registration date known"),
    _var("unemployment_registered_on", dt.date, "Registered unemployed on"),
    # certificate (one per person at most)
    _var("has_certificate", bool, "Holds a certificate in the ledger"),
    _var("certificate_in_quanzhou", bool, "Certificate holder lives in Quanzhou"),
    _var("certificate_special", bool, "Special ability certificate"),
    _var("certificate_graded", bool, "Vocational qualification or skill level"),
    _var("certificate_grade", int, "Grade 1-5 (0 unknown)"),
    _var("certificate_shortage", bool, "Shortage occupation"),
    _var("certificate_issued_known", bool, "Issue date known"),
    _var("certificate_issued_on", dt.date, "Issued on"),
    # hire (one per person at most)
    _var("has_hire", bool, "Hired in the ledger"),
    _var("hire_in_quanzhou", bool, "Employer in Quanzhou"),
    _var("hire_start_date", dt.date, "Hire date"),
    _var("hire_contract_months", int, "Contract months"),
    _var("hire_pension_or_ui", bool, "Employer enrolled pension or UI"),
    _var("hire_min_wage", float, "Minimum wage of the employer's region (NaN: not set)"),
]


def _months(d: np.ndarray) -> np.ndarray:
    return d.astype("datetime64[M]").astype(np.int64)


def _day(d: np.ndarray) -> np.ndarray:
    return (d.astype("datetime64[D]") - d.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1


class months_without_income(Variable):
    value_type = int
    entity = Person
    definition_period = DateUnit.YEAR
    label = "Whole calendar months after the last income month, before the evaluation month"

    def formula(person, period, parameters):
        last = person("last_income_month", period)
        as_of = np.datetime64(AS_OF["temporary_assistance"])
        # Months strictly between: last income 2021-02, evaluated 2021-06-15 -> 3 (Mar, Apr, May).
        months = _months(np.array([as_of]))[0] - 1 - _months(last)
        # 0 when the last income is in the evaluation month or later (as Anju's fact).
        return np.where(last >= as_of.astype("datetime64[M]").astype("datetime64[D]"), 0, months)


class temporary_assistance_eligible(Variable):
    value_type = bool
    entity = Person
    definition_period = DateUnit.YEAR
    label = "quanzhou-temporary-assistance: eligible"

    def formula(person, period, parameters):
        return (person("in_quanzhou", period) * np.logical_not(person("minimum_living_allowance", period))
                * person("last_income_known", period) * (person("months_without_income", period) >= 3)
                * person("unemployment_insured_known", period) * np.logical_not(person("unemployment_insured", period)))


class temporary_assistance(Variable):
    value_type = float
    entity = Person
    definition_period = DateUnit.YEAR
    label = "quanzhou-temporary-assistance: amount (yuan)"

    def formula(person, period, parameters):
        p = parameters(period).quanzhou
        amount = p.min_living_standard_monthly * p.temporary_assistance_months
        return np.where(person("temporary_assistance_eligible", period), amount, 0)


class certificate_subsidy_eligible(Variable):
    value_type = bool
    entity = Person
    definition_period = DateUnit.YEAR
    label = "quanzhou-training-certificate-subsidy: eligible"

    def formula(person, period, parameters):
        grade = person("certificate_grade", period)
        grade_known = person("certificate_special", period) + person("certificate_graded", period) * (grade >= 1) * (grade <= 5)
        return (person("has_certificate", period) * person("certificate_in_quanzhou", period) * person("in_difficulty", period)
                * person("certificate_issued_known", period)
                * (person("certificate_issued_on", period) >= CERTIFICATE_FROM) * grade_known)


class certificate_subsidy(Variable):
    value_type = float
    entity = Person
    definition_period = DateUnit.YEAR
    label = "quanzhou-training-certificate-subsidy: amount (yuan)"

    def formula(person, period, parameters):
        p = parameters(period).quanzhou.training
        grade = person("certificate_grade", period)
        by_grade = np.select([grade == 5, grade == 4, grade == 3, grade == 2],
                             [p.grade_5, p.grade_4, p.grade_3, p.grade_2], p.grade_1)
        base = np.where(person("certificate_special", period), p.special_ability, by_grade)
        amount = np.minimum(base * np.where(person("certificate_shortage", period), p.shortage_uplift, 1), p.cap)
        return np.where(person("certificate_subsidy_eligible", period), amount, 0)


class unemployed_months_at_hire(Variable):
    value_type = int
    entity = Person
    definition_period = DateUnit.YEAR
    label = "Whole months registered unemployed on the hire date"

    def formula(person, period, parameters):
        start, hired = person("unemployment_registered_on", period), person("hire_start_date", period)
        months = _months(hired) - _months(start)
        return months - (_day(start) > _day(hired))


class employment_subsidy_eligible(Variable):
    value_type = bool
    entity = Person
    definition_period = DateUnit.YEAR
    label = "quanzhou-employment-subsidy: eligible"

    def formula(person, period, parameters):
        in_force = EMPLOYMENT_VALID[0] <= AS_OF["employment"] <= EMPLOYMENT_VALID[1]
        return (in_force * person("has_hire", period) * person("hire_in_quanzhou", period)
                * person("registered_known", period) * (person("unemployed_months_at_hire", period) >= 6)
                * (person("hire_contract_months", period) >= 12) * person("hire_pension_or_ui", period)
                * (person("hire_start_date", period) <= HIRE_BY))


class employment_subsidy(Variable):
    value_type = float
    entity = Person
    definition_period = DateUnit.YEAR
    label = "quanzhou-employment-subsidy: amount (yuan; NaN when the minimum wage is not set)"

    def formula(person, period, parameters):
        return np.where(person("employment_subsidy_eligible", period), person("hire_min_wage", period), 0)


def build_system(values: dict[str, float]) -> TaxBenefitSystem:
    """`values`: the Quanzhou-level parameter values in force, read from Anju's database."""
    system = TaxBenefitSystem([Person])
    for variable in [*INPUTS, months_without_income, temporary_assistance_eligible, temporary_assistance,
                     certificate_subsidy_eligible, certificate_subsidy, unemployed_months_at_hire,
                     employment_subsidy_eligible, employment_subsidy]:
        system.add_variable(variable)

    def param(name: str) -> dict:
        return {"values": {"2000-01-01": float(values[name])}}

    system.parameters = ParameterNode("", data={"quanzhou": {
        "min_living_standard_monthly": param("min_living_standard_monthly"),
        "temporary_assistance_months": param("temporary_assistance_months"),
        "training": {
            "special_ability": param("training_subsidy_special_ability"),
            "grade_5": param("training_subsidy_grade_5"), "grade_4": param("training_subsidy_grade_4"),
            "grade_3": param("training_subsidy_grade_3"), "grade_2": param("training_subsidy_grade_2"),
            "grade_1": param("training_subsidy_grade_1"), "shortage_uplift": param("training_shortage_uplift"),
            "cap": param("training_subsidy_cap"),
        },
    }})
    return system


def simulate(system: TaxBenefitSystem, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Vectorised run over every person: {output variable: array}."""
    from openfisca_core.simulations import SimulationBuilder

    count = len(next(iter(inputs.values())))
    builder = SimulationBuilder()
    builder.create_entities(system)
    builder.declare_person_entity("person", np.arange(count))
    simulation = builder.build(system)
    for name, array in inputs.items():
        simulation.set_input(name, PERIOD, array)
    out = {}
    for name in ("temporary_assistance_eligible", "temporary_assistance", "certificate_subsidy_eligible",
                 "certificate_subsidy", "employment_subsidy_eligible", "employment_subsidy"):
        out[name] = simulation.calculate(name, PERIOD)
    return out
