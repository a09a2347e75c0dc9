"""Writes of the policy engine: seeding the parameters packs declare, recording a decision,
starting a proactive list, auditing its export. Parameter values are set by
`anju.params.services.parameter_set`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.lib.jsonutil import jsonable, plain_decimal
from anju.params.models import ParameterValue
from anju.params.services import ParameterSeed, SeedValue, parameter_set, parameters_seed
from anju.policies import engine
from anju.policies.models import Decision, ScanJob
from anju.policies.packs import Policy

# Values earlier versions of the packs shipped without a source (an "example" living standard, a
# remembered minimum wage after a raise, assumed grade amounts). A database seeded with them keeps
# them (seeding never overwrites), so loading the packs withdraws each one that is still exactly as
# shipped — nobody has changed its value or source since — replacing it with what the packs ship
# for that region and date now, or with no value. A value staff changed is theirs and stays.
WITHDRAWN = [
    # (parameter, region, from, value as shipped, source as shipped)
    ("min_living_standard_monthly", "3505", dt.date(2020, 1, 1), Decimal("800"),
     "泉州市民政局：2020 年城乡低保标准每人每月 800 元（示例值，请民政部门核对）"),
    ("min_wage_monthly", "350581", dt.date(2022, 4, 1), Decimal("2030"),
     "福建省人民政府调整全省最低工资标准的通知（2022-04-01 起执行），石狮市属第一档 2030 元/月；请人社部门核对原文"),
    ("training_subsidy_grade_4", "3505", dt.date(2020, 3, 1), Decimal("1000"),
     "假设值：文件只给出 700–3000 元区间，四级 1000 元为假设，请人社部门确认"),
    ("training_subsidy_grade_3", "3505", dt.date(2020, 3, 1), Decimal("1500"),
     "假设值：文件只给出 700–3000 元区间，三级 1500 元为假设，请人社部门确认"),
    ("training_subsidy_grade_2", "3505", dt.date(2020, 3, 1), Decimal("2000"),
     "假设值：文件只给出 700–3000 元区间，二级 2000 元为假设，请人社部门确认"),
]
WITHDRAWN_SOURCE = "政策包已撤回无依据的取值（原值 %s）：请按文件录入"


@transaction.atomic
def sync_from_packs(policies) -> dict[str, int]:
    """Create the parameters the packs declare and the values they ship, where missing. Never
    overwrites a value staff have set: packs seed, staff govern. Values an earlier pack version
    shipped without a source are withdrawn where untouched (WITHDRAWN; audited)."""
    policies = list(policies)
    seeds = [
        ParameterSeed(decl.name, decl.type, decl.label.zh, decl.label.en, decl.unit.zh, decl.unit.en,
                      tuple(SeedValue(v["region"], v["from"], v["value"], v["source"]) for v in decl.values))
        for policy in policies for decl in policy.parameters.values()
    ]
    shipped = {(decl.name, v["region"], v["from"]): v for policy in policies
               for decl in policy.parameters.values() for v in decl.values}
    withdrawn = _withdraw(shipped, {decl.name for policy in policies for decl in policy.parameters.values()})
    return {**parameters_seed(seeds=seeds), "withdrawn": withdrawn}


def _withdraw(shipped: dict, declared: set[str]) -> int:
    done = 0
    for name, region, valid_from, value, source in WITHDRAWN:
        if name not in declared:
            continue
        row = ParameterValue.objects.filter(parameter__name=name, region_prefix=region, valid_from=valid_from,
                                            value=value, source=source).first()
        if row is None:
            continue
        now = shipped.get((name, region, valid_from))
        parameter_set(actor=None, name=name, region_prefix=region, valid_from=valid_from,
                      value=now["value"] if now else None,
                      source=now["source"] if now else WITHDRAWN_SOURCE % plain_decimal(value))
        done += 1
    return done


class DecisionError(ValueError):
    """A decision that cannot be recorded as asked: `code` says why (engine.Evaluation.amount_problem)."""

    def __init__(self, code: str, evaluation: engine.Evaluation):
        super().__init__(code)
        self.code, self.evaluation = code, evaluation


@transaction.atomic
def decision_record(*, actor, policy: Policy, subject_obj, on: dt.date, amount: Decimal | None = None) -> Decision:
    """Apply `policy` to one stored subject on `on` and keep everything it was decided on (pack
    version and digest, fact and parameter values, the trace): later ledger or parameter edits
    never change it; a re-check is a new decision. Audited.

    `amount` is what the approver chose, for a policy that states a range (1000–2000 per
    household): it must lie in the range evaluated for this subject, else DecisionError and
    nothing is written."""
    evaluation = engine.evaluate_subject(policy, subject_obj, on)
    if amount is not None:
        problem = evaluation.amount_problem(amount)
        if problem:
            raise DecisionError(problem, evaluation)
    region = engine.region_of(policy.subject, subject_obj)
    decision = Decision(
        policy_id=policy.id, policy_version=policy.version, policy_digest=policy.digest,
        subject_type=policy.subject, subject_id=subject_obj.pk, region_code=region, decided_on=on,
        status=evaluation.status, amount=evaluation.amount if amount is None else engine.money(amount),
        facts={k: jsonable(v) for k, v in evaluation.facts.items()},
        params={k: jsonable(v) for k, v in evaluation.params.items()},
        trace=evaluation.trace(),
        created_by=actor,
    )
    decision.full_clean()
    decision.save()
    audit_record(actor=actor, action=Action.CREATE, obj=decision, object_type="decision", region_code=region,
                 detail={"policy": policy.id, "version": policy.version, "subject": f"{policy.subject}:{subject_obj.pk}",
                         "status": evaluation.status, "amount": decision.amount, "chosen": amount is not None, "on": on})
    return decision


@transaction.atomic
def scan_job_create(*, actor, policy: Policy, region_prefix: str, on: dt.date) -> ScanJob:
    """A queued proactive list; the caller enqueues `anju.policies.tasks.run_scan` with its id."""
    job = ScanJob(policy_id=policy.id, region_prefix=region_prefix, on_date=on, created_by=actor)
    job.full_clean()
    job.save()
    audit_record(actor=actor, action=Action.CREATE, obj=job, object_type="scan_job",
                 region_code=region_prefix.ljust(12, "0") if region_prefix else "",
                 detail={"policy": policy.id, "region": region_prefix, "on": on})
    return job


def scan_export_record(*, actor, job: ScanJob, file_format: str, rows: int) -> None:
    """Every export of a proactive list is an audit event (the list names people)."""
    detail: dict[str, Any] = {"policy": job.policy_id, "region": job.region_prefix, "on": job.on_date,
                              "format": file_format, "rows": rows, "masked": True}
    audit_record(actor=actor, action=Action.EXPORT, obj=job, object_type="scan_job",
                 object_repr=f"免申即享名单 {job.policy_id} {job.on_date}",
                 region_code=job.region_prefix.ljust(12, "0") if job.region_prefix else "", detail=detail)
