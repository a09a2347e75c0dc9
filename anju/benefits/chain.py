"""The verification chain of a policy: its pack's `verification` steps as assignments of the
deadline engine, and the period a grant counts against.

Each step names a department; the role that acts for it follows from the department (a town
station's officers, the county HRSS's officers, civil affairs, the union, finance), and the users
who may act are those of that role and department kind whose jurisdiction covers the subject.
A leading `application` step is the request itself, passed when the application is made;
`publication`, `payment` and `provision` are done by the public notice and the payment batch. Each step's time limit in working days is a dated regional parameter:
`benefit_days_<step>` where a region sets one for that step, else `benefit_step_working_days`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from anju.accounts.models import DepartmentKind, Role
from anju.params.selectors import resolve
from anju.policies.packs import Label, Policy
from anju.workflow.services import Assignment

STEP = "benefits.step"  # the WorkTask step code of every verification step
OBJECTION_STEP = "benefits.objection"
DEFAULT_DAYS_PARAM = "benefit_step_working_days"
NOTICE_DAYS_PARAM = "benefit_notice_working_days"
# The request itself (passed when the application is made) and the stages that follow approval,
# which the notice and the payment batch carry out: not tasks of the chain.
INTAKE = ("application", "employer_application")
AFTER_APPROVAL = ("publication", "payment", "provision")

ROLE_FOR_DEPARTMENT = {
    DepartmentKind.TOWN_STATION: Role.TOWN_OFFICER,
    DepartmentKind.HRSS: Role.COUNTY_OFFICER,
    DepartmentKind.CIVIL_AFFAIRS: Role.CIVIL_AFFAIRS,
    DepartmentKind.TRADE_UNION: Role.UNION,
    DepartmentKind.FINANCE: Role.FINANCE,
}


def role_for(department_kind: str) -> str:
    """The role that acts for a department; departments without a role of their own (women's
    federation, publicity, industry …) act through their officers' county-officer accounts in
    a department of that kind."""
    return ROLE_FOR_DEPARTMENT.get(department_kind, Role.COUNTY_OFFICER)


@dataclass(frozen=True)
class StepSpec:
    code: str
    label: Label
    department_kind: str
    role: str
    checks: tuple[str, ...] = ()  # facts whose fresh comparison data answers the step's question


def chain_of(policy: Policy) -> list[StepSpec]:
    """The steps an application runs, after the request itself. A pack without steps is approved
    by its lead department in one step."""
    out = []
    for raw in policy.verification:
        code = str(raw.get("step"))
        if (code in INTAKE and not out) or code in AFTER_APPROVAL:
            continue
        department = str(raw.get("department") or policy.lead)
        label = raw.get("label") or {}
        out.append(StepSpec(code, Label(str(label.get("zh", code)), str(label.get("en", code))), department,
                            role_for(department), tuple(str(c) for c in (raw.get("checks") or ()))))
    if not out:
        out.append(StepSpec("approval", Label("审批", "Approval"), policy.lead, role_for(policy.lead)))
    return out


def step_days(code: str, region_code: str, on: dt.date) -> int | None:
    """The time limit of a step in working days for a region on a day; None when no value is set
    (the step cannot open: the page says which parameter to enter)."""
    for name in (f"benefit_days_{code}"[:60], DEFAULT_DAYS_PARAM):
        value, _source = resolve(name, region_code, on)
        if value is not None:
            return max(1, int(value))
    return None


def assignment(spec: StepSpec, days: int) -> Assignment:
    return Assignment(step=STEP, department_kind=spec.department_kind, role=spec.role, working_days=days,
                      supervisor_role=Role.COUNTY_OFFICER if spec.role != Role.COUNTY_OFFICER else "")


def period_of(policy: Policy, on: dt.date) -> str:
    """The period a grant counts against, the key of the once-only constraint: 'once' for a
    measure granted once; the month for a monthly one; for once per N months, the N-month window
    of the calendar the date falls in (12 → the year, 6 → the half-year)."""
    kind = policy.frequency.get("kind", "once")
    if kind == "monthly":
        return f"{on:%Y-%m}"
    if kind == "once_per_period":
        months = int(policy.frequency.get("months") or 12)
        if months == 12:
            return str(on.year)
        if 12 % months == 0:
            return f"{on.year}-P{(on.month - 1) // months + 1}"
        index = (on.year * 12 + on.month - 1) // months
        return f"W{months}-{index}"
    return "once"
