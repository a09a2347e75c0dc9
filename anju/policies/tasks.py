"""Background work of the policy screens: the proactive list (免申即享) of one policy for one
jurisdiction and date (ScanJob).

The task counts the eligible subjects first (the job's total_count, for the progress bar), then
walks `engine.scan`, reporting progress every PROGRESS_EVERY rows. Count and total cover every
eligible subject; the rows kept on the job for the page and the exports stop at MAX_RESULTS. It
runs inside `anju.workflow.jobs.job_running`, so a failure marks the job failed with a message and
a job is never left running.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django_tasks import task

from anju.lib.jsonutil import plain_decimal
from anju.policies import engine
from anju.policies.facts import SUBJECTS
from anju.policies.models import ScanJob
from anju.policies.packs import get_policy
from anju.workflow.jobs import JobFailure, job_running, job_task

PROGRESS_EVERY = 2000
MAX_RESULTS = 100_000
DESCRIBE_CHUNK = 2000

# For each subject: the values that name it in a list, without revealing anyone — the masked ID
# number of the worker concerned, then the record's own number; employers by their credit code.
# (key fields, name fields), read with values_list.
_DESCRIPTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "worker": (("id_number_masked",), ("name",)),
    "household": (("household_no",), ()),
    "employer": (("uscc",), ("name",)),
    "hire": (("worker__id_number_masked", "id"), ("worker__name", "employer__name")),
    "certificate": (("worker__id_number_masked", "certificate_no"), ("worker__name", "occupation")),
    "business": (("founder__id_number_masked", "uscc"), ("founder__name", "name")),
    "training_enrolment": (("worker__id_number_masked", "id"), ("worker__name", "course")),
}


def describe_subjects(subject: str, pks: list[int]) -> dict[int, tuple[str, str]]:
    """{pk: (key, name)} for listing subjects, masked; one query per DESCRIBE_CHUNK subjects."""
    keys, names = _DESCRIPTIONS.get(subject, ((), ()))
    model = SUBJECTS[subject].model
    out: dict[int, tuple[str, str]] = {}
    for start in range(0, len(pks), DESCRIBE_CHUNK):
        chunk = pks[start:start + DESCRIBE_CHUNK]
        for pk, *values in model.objects.filter(pk__in=chunk).values_list("pk", *keys, *names):
            key = " ".join(str(v) for v in values[:len(keys)] if v not in (None, "")) or str(pk)
            name = " · ".join(str(v) for v in values[len(keys):] if v not in (None, ""))
            out[pk] = (key, name)
    return out


@job_task(ScanJob)
@task()
def run_scan(job_id: int) -> None:
    with job_running(ScanJob, job_id) as job:
        if job is not None:
            _run(job)


def _run(job: ScanJob) -> None:
    policy = get_policy(job.policy_id)
    if policy is None:
        raise JobFailure(_("政策已不存在或未通过校验。"))
    expected = engine.eligible_queryset(policy, on=job.on_date, region_prefix=job.region_prefix).order_by().count()
    job.start(total=expected)

    count, total = 0, Decimal("0.00")
    kept: list[tuple[int, str, Decimal | None]] = []
    for row in engine.scan(policy, on=job.on_date, region_prefix=job.region_prefix):
        count += 1
        total += row.amount or 0
        if len(kept) < MAX_RESULTS:
            kept.append((row.pk, row.region, row.amount))
        if count % PROGRESS_EVERY == 0:
            # The scan lists only eligible subjects: done so far is also how many were found. A
            # ledger edited since the count may list more than expected; the bar stops at 100%.
            job.report(count, max(expected, count))

    names = describe_subjects(policy.subject, [pk for pk, _region, _amount in kept])
    results: list[dict[str, Any]] = []
    for pk, region, amount in kept:
        key, name = names.get(pk, (str(pk), ""))
        results.append({"subject_id": pk, "key": key, "name": name, "region": region,
                        "amount": None if amount is None else plain_decimal(amount, places=2)})
    # More than MAX_RESULTS: the page says so (result_count > len(results)).
    job.report(count, count)
    job.finish(result_count=count, result_total=total, results=results)
