"""Writes of the policy engine: seeding the parameters packs declare, recording a decision,
starting a proactive list, auditing its export. Parameter values are set by
`anju.params.services.parameter_set`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.lib.jsonutil import jsonable
from anju.params.services import ParameterSeed, SeedValue, parameters_seed
from anju.policies import engine
from anju.policies.models import Decision, ScanJob
from anju.policies.packs import Policy


def sync_from_packs(policies) -> dict[str, int]:
    """Create the parameters the packs declare and the values they ship, where missing. Never
    overwrites a value staff have set: packs seed, staff govern."""
    seeds = [
        ParameterSeed(decl.name, decl.type, decl.label.zh, decl.label.en, decl.unit.zh, decl.unit.en,
                      tuple(SeedValue(v["region"], v["from"], v["value"], v["source"]) for v in decl.values))
        for policy in policies for decl in policy.parameters.values()
    ]
    return parameters_seed(seeds=seeds)


@transaction.atomic
def decision_record(*, actor, policy: Policy, subject_obj, on: dt.date) -> Decision:
    """Apply `policy` to one stored subject on `on` and keep everything it was decided on (pack
    version and digest, fact and parameter values, the trace): later ledger or parameter edits
    never change it; a re-check is a new decision. Audited."""
    evaluation = engine.evaluate_subject(policy, subject_obj, on)
    region = engine.region_of(policy.subject, subject_obj)
    decision = Decision(
        policy_id=policy.id, policy_version=policy.version, policy_digest=policy.digest,
        subject_type=policy.subject, subject_id=subject_obj.pk, region_code=region, decided_on=on,
        status=evaluation.status, amount=evaluation.amount,
        facts={k: jsonable(v) for k, v in evaluation.facts.items()},
        params={k: jsonable(v) for k, v in evaluation.params.items()},
        trace=evaluation.trace(),
        created_by=actor,
    )
    decision.full_clean()
    decision.save()
    audit_record(actor=actor, action=Action.CREATE, obj=decision, object_type="decision", region_code=region,
                 detail={"policy": policy.id, "version": policy.version, "subject": f"{policy.subject}:{subject_obj.pk}",
                         "status": evaluation.status, "amount": evaluation.amount, "on": on})
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
