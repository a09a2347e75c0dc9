"""Work on many applications at once (BulkJob): 免申即享 at scale.

    applications_from_scan(actor=..., job=bulk_job)   # a finished proactive list -> applications
    step_pass_many(actor=..., job=bulk_job)           # pass one step for a whole selection

Both write what `services.application_create` and `services.step_decide` write for one
application — the same fields, period, decision, steps, step events, tasks, timeline lines and
messages — but in chunks of CHUNK subjects with multi-row inserts (`insert_many`: COPY on
PostgreSQL) and set-wise UPDATEs, so that 100,000 applications take under a minute
(benchmarks/bench_benefits.py). Each chunk is one transaction (the job's progress is seen between
them); the batch is one audit event, written after the last chunk — also when a chunk fails, for
what was done (the job says so; a re-run skips what exists).

The last step of a chain (the approval) is never passed in bulk: the approver sets the amount and
commits the fund, one application at a time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, Min, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_noop as N_

from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.benefits import chain
from anju.benefits.models import (
    OPEN_APPLICATION,
    Application,
    ApplicationStatus,
    ApplicationStep,
    BulkJob,
    Door,
    FactSource,
    Grant,
    GrantStatus,
    StepEvent,
    StepOutcome,
    StepState,
)
from anju.benefits.services import MAX_REASON, BenefitError, policy_check
from anju.lib.jsonutil import jsonable
from anju.params.selectors import resolve_many_sourced
from anju.policies import engine
from anju.policies import facts as fact_catalogue
from anju.policies.models import Decision, DecisionStatus, ScanJob
from anju.policies.packs import Policy, get_policy
from anju.policies.tasks import describe_subjects
from anju.regions.codes import in_prefix, prefix_q
from anju.workflow import outbox
from anju.workflow.models import Message, TaskState, WorkTask
from anju.workflow.permissions import TaskPolicy
from anju.workflow.services import tasks_build_many

CHUNK = 5000

# What the person is told: nothing to do but confirm where the money goes.
PROACTIVE_SMS = N_("您符合「%(policy)s」条件，无需申请（免申即享），编号 %(number)s。请登录网上办事大厅 /apply/mine/ "
                   "确认本人银行账户，核实后即发放。")

Progress = Callable[[int, int], None]


def _no_progress(done: int, total: int) -> None:
    return None


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# Inserting many rows -------------------------------------------------------------------------------
_PLAIN = frozenset({"CharField", "TextField", "SlugField", "IntegerField", "BigIntegerField", "SmallIntegerField",
                    "PositiveIntegerField", "PositiveSmallIntegerField", "PositiveBigIntegerField", "BooleanField",
                    "ForeignKey"})
MAX_PARAMS = 30_000  # per INSERT: below SQLite's (250,000 here, 32,766 by default) and PostgreSQL's 65,535


def insert_many(model, rows: list) -> list[int]:
    """`bulk_create` of many rows, returning their primary keys (and setting them on rows that are
    model instances), without its cost per value: Django builds a model instance per row and
    compiles every value through its field (on SQLite in statements of 999 parameters), which for
    the 800,000 rows of 100,000 applications takes longer than the database does. Rows may be
    dicts of column attnames (fields left out take their default; auto_now(_add) fields now).
    Plain values (text, numbers, booleans, foreign keys) go to the database as they are; the
    others through the field as Django would (`get_db_prep_save`), once per distinct value."""
    if not rows:
        return []
    from django.db import connections, router

    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_statement = max(1, MAX_PARAMS // len(fields))
    specs = []
    for f in fields:
        stamped = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        specs.append((f, f.attname, f.get_internal_type() in _PLAIN, f.get_internal_type() == "JSONField", stamped))
    memo: dict = {}

    def prepared(f, value):
        key = (f.attname, type(value), value)
        try:
            return memo[key]
        except KeyError:
            memo[key] = out = f.get_db_prep_save(value, connection)
            return out
        except TypeError:  # unhashable
            return f.get_db_prep_save(value, connection)

    def values_of(row) -> list:
        out = []
        is_dict = isinstance(row, dict)
        for f, attname, plain, json, stamped in specs:
            if stamped and (not is_dict or attname not in row):
                value = now
                if not is_dict:
                    setattr(row, attname, now)
            elif is_dict:
                value = row[attname] if attname in row else f.get_default()
            else:
                value = getattr(row, attname)
            if plain or value is None:
                out.append(value)
            elif json:
                out.append(f.get_db_prep_save(value, connection))
            else:
                out.append(prepared(f, value))
        return out

    if connection.vendor == "postgresql":
        # Multi-row INSERT ... RETURNING with tens of thousands of parameters is slow through
        # psycopg (client-side binding); COPY is not, so the ids are drawn from the sequence first.
        pks = _copy_rows(connection, meta, fields, [values_of(row) for row in rows])
        for row, pk in zip(rows, pks, strict=True):
            if not isinstance(row, dict):
                row.pk = pk
                row._state.adding, row._state.db = False, alias
        return pks
    pks: list[int] = []
    for start in range(0, len(rows), per_statement):
        batch = rows[start:start + per_statement]
        params = [value for row in batch for value in values_of(row)]
        sql = (f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([row_sql] * len(batch))} "
               f"RETURNING {quote(meta.pk.column)}")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            got = [r[0] for r in cursor.fetchall()]
        for row, pk in zip(batch, got, strict=True):
            if not isinstance(row, dict):
                row.pk = pk
                row._state.adding, row._state.db = False, alias
        pks += got
    return pks


# The chain after a step ---------------------------------------------------------------------------
@dataclass
class _App:
    """What opening a step needs to know about an application."""

    pk: int
    subject_type: str
    subject_id: int
    region_code: str
    title: str
    label: str


@dataclass
class _Advance:
    passed_by_data: int = 0
    opened: dict[str, int] = field(default_factory=dict)


class _Days:
    """Time limits per (step, region): one parameter lookup per pair, not per application."""

    def __init__(self, on: dt.date):
        self.on, self.cache = on, {}

    def __call__(self, code: str, region: str) -> int | None:
        key = (code, region)
        if key not in self.cache:
            self.cache[key] = chain.step_days(code, region, self.on)
        return self.cache[key]


def _require_days(steps: Iterable[tuple[str, str, str]], days: _Days) -> None:
    """Refuse before writing anything when a step to open has no time limit in a region
    (`services._open_step` refuses the same way for one application)."""
    for code, label, region in steps:
        if days(code, region) is None:
            raise BenefitError(N_("「%(step)s」的办理时限尚未设定：请在政策参数中为本地区录入 benefit_step_working_days。"),
                               params={"step": label}, code="no_time_limit")


def _data_candidates(policy: Policy | None, apps: list[_App], codes: set[str]) -> dict[str, set[int]]:
    """{step code: subject ids} that hold comparison data for every fact the step checks — the
    only ones whose step may pass by data; `comparison.fresh_answer` decides for each of them."""
    specs = {s.code: s for s in chain.chain_of(policy)} if policy else {}
    checks = {code: set(specs[code].checks) for code in codes if code in specs and specs[code].checks}
    if not checks or not apps:
        return {}
    wanted = set().union(*checks.values())
    held: dict[int, set[str]] = defaultdict(set)
    subject_type = apps[0].subject_type
    for subject_id, fact in FactSource.objects.filter(
            subject_type=subject_type, subject_id__in={a.subject_id for a in apps}, fact__in=sorted(wanted)
    ).values_list("subject_id", "fact"):
        held[subject_id].add(fact)
    return {code: {s for s, facts in held.items() if need <= facts} for code, need in checks.items()}


def _advance_many(apps: list[_App], *, policy: Policy | None, at: dt.datetime, days: _Days) -> _Advance:
    """`services._advance` for many applications: for each, the next waiting step passes by fresh
    comparison data (never the last) or opens with its task; tasks built and saved in bulk."""
    from anju.benefits.comparison import fresh_answer

    result = _Advance()
    if not apps:
        return result
    by_pk = {a.pk: a for a in apps}
    rows = list(ApplicationStep.objects.filter(application_id__in=list(by_pk)).order_by("application_id", "position")
                .values_list("pk", "application_id", "position", "code", "label_zh", "department_kind", "role", "state"))
    steps: dict[int, list[tuple]] = defaultdict(list)
    for row in rows:
        steps[row[1]].append(row)
    candidates = _data_candidates(policy, apps, {r[3] for r in rows if r[7] == StepState.WAITING})
    specs = {s.code: s for s in chain.chain_of(policy)} if policy else {}
    on = timezone.localdate(at)
    data_steps: list[ApplicationStep] = []
    to_open: dict[tuple[str, str, str, str, int], list[tuple[int, _App]]] = defaultdict(list)
    for app_pk, app_steps in steps.items():
        app = by_pk[app_pk]
        last = app_steps[-1][2]
        for pk, _a, position, code, label, department, role, state in app_steps:
            if state != StepState.WAITING:
                continue
            evidence = None
            if position != last and app.subject_id in candidates.get(code, ()):
                evidence = fresh_answer(policy, app.subject_type, app.subject_id, specs[code].checks,
                                        region_code=app.region_code, on=on)
            if evidence is not None:
                data_steps.append(ApplicationStep(pk=pk, state=StepState.PASSED, by_data=True, decided_at=at,
                                                  evidence=evidence, reason=evidence["text"][:MAX_REASON]))
                continue
            n = days(code, app.region_code)
            if n is None:
                raise BenefitError(N_("「%(step)s」的办理时限尚未设定：请在政策参数中为本地区录入 benefit_step_working_days。"),
                                   params={"step": label}, code="no_time_limit")
            to_open[(code, label, department, role, n)].append((pk, app))
            break
    if data_steps:
        ApplicationStep.objects.bulk_update(data_steps, ["state", "by_data", "decided_at", "evidence", "reason"],
                                            batch_size=500)
        StepEvent.objects.bulk_create([StepEvent(step_id=s.pk, outcome=StepOutcome.PASS, reason=s.reason, by_data=True,
                                                 at=at) for s in data_steps])
        result.passed_by_data = len(data_steps)
    for (code, label, department, role, n), members in to_open.items():
        spec = chain.StepSpec(code, None, department, role)  # type: ignore[arg-type]
        # The same label `services._open_step` gives the task (the queue shows it).
        tasks = list(tasks_build_many(
            assignment=chain.assignment(spec, n), opened_at=at,
            subjects=[("benefits.application", app.pk, f"{label[:30]} · {app.title[:40]} · {app.label}",
                       app.region_code) for _pk, app in members]))
        # What `workflow.services.tasks_open` does (the caller audits the batch), through
        # insert_many: its bulk_create was a quarter of the time of 100,000 applications.
        insert_many(WorkTask, tasks)
        _link_tasks([(step_pk, task.pk) for (step_pk, _app), task in zip(members, tasks, strict=True)],
                    state=StepState.OPEN, working_days=n)
        Application.objects.filter(pk__in=[app.pk for _pk, app in members]).update(current_step=code)
        result.opened[code] = result.opened.get(code, 0) + len(members)
    return result


def _copy_rows(connection, meta, fields, values: list[list]) -> list[int]:
    quote = connection.ops.quote_name
    table, pk = meta.db_table, meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [quote(table), pk, len(values)])
        pks = [r[0] for r in cursor.fetchall()]
        columns = ", ".join(quote(c) for c in (pk, *(f.column for f in fields)))
        with cursor.cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy:
            for pk_value, row in zip(pks, values, strict=True):
                copy.write_row([pk_value, *row])
    return pks


def _link_tasks(pairs: list[tuple[int, int]], *, state: str, working_days: int) -> None:
    """Set each step's task (and its state and time limit): one UPDATE ... FROM (VALUES ...) per
    thousand steps, on SQLite (3.33+) and PostgreSQL alike. `bulk_update` builds a CASE of
    thousands of branches in Python, ten times slower; a correlated subquery for the latest open
    task lets SQLite walk the task table backwards from its end for each step."""
    from django.db import connections, router

    connection = connections[router.db_for_write(ApplicationStep)]
    quote = connection.ops.quote_name
    table = quote(ApplicationStep._meta.db_table)
    for start in range(0, len(pairs), 1000):
        batch = pairs[start:start + 1000]
        values = ", ".join(["(%s, %s)"] * len(batch))
        sql = (f"UPDATE {table} SET {quote('task_id')} = v.column2, {quote('state')} = %s, "
               f"{quote('working_days')} = %s FROM (VALUES {values}) AS v WHERE {table}.{quote('id')} = v.column1")
        with connection.cursor() as cursor:
            cursor.execute(sql, [state, working_days, *(x for pair in batch for x in pair)])


# From a proactive list ----------------------------------------------------------------------------
def _results(scan: ScanJob) -> list[tuple[int, Decimal | None]]:
    """(subject id, amount) of the list, each subject once, in the list's order."""
    seen: set[int] = set()
    out = []
    for row in scan.results or []:
        pk = row.get("subject_id")
        if not isinstance(pk, int) or pk in seen:
            continue
        seen.add(pk)
        amount = row.get("amount")
        out.append((pk, None if amount in (None, "") else Decimal(str(amount))))
    return out


_WORKER_LINK = {"worker": "pk", "hire": "worker_id", "certificate": "worker_id", "training_enrolment": "worker_id",
                "business": "founder_id"}


def _subject_rows(policy: Policy, pks: list[int], on: dt.date) -> dict[int, dict[str, Any]]:
    """{pk: {region, worker_id, facts}} for a chunk of subjects: the facts the policy reads, with
    the expressions `engine.subject_facts` uses, in one query."""
    from anju.registry.models import Worker

    subject = fact_catalogue.SUBJECTS[policy.subject]
    names = policy.facts_read()
    types = fact_catalogue.fact_types(policy.subject)
    annotations = fact_catalogue.annotations(policy.subject, names, on)
    link = _WORKER_LINK.get(policy.subject)
    columns = ["pk", subject.region_path, *([link] if link and link != "pk" else []), *annotations]
    out: dict[int, dict[str, Any]] = {}
    for row in subject.model.objects.filter(pk__in=pks).order_by().annotate(**annotations).values(*columns):
        worker_id = row["pk"] if link == "pk" else row.get(link) if link else None
        out[row["pk"]] = {"region": row[subject.region_path] or "", "worker_id": worker_id,
                          "facts": {n: fact_catalogue.plain(row.get(f"fact__{n}"), types[n]) for n in names}}
    if policy.subject == "household":
        first = dict(Worker.objects.filter(household_id__in=list(out)).values("household_id")
                     .annotate(first=Min("id")).values_list("household_id", "first"))
        for pk, row in out.items():
            row["worker_id"] = first.get(pk)
    return out


class _Params:
    """The parameters in force per (region, date) with their sources, one query per pair."""

    def __init__(self, policy: Policy):
        self.names, self.cache = policy.params_read(), {}

    def __call__(self, region: str, on: dt.date | None) -> dict[str, Any]:
        key = (region, on)
        if key not in self.cache:
            self.cache[key] = ({n: None for n in self.names} if on is None else
                               {n: v for n, (v, _s) in resolve_many_sourced(self.names, region, on).items()})
        return self.cache[key]


def _trace(policy: Policy, facts: dict[str, Any], params: dict[str, Any]) -> list[dict]:
    """Each condition passed (exclusions not holding), as the proactive list established, with
    the facts and parameters it reads — the shape of `engine.Evaluation.trace`."""
    out = []
    for exclusion, conditions in ((False, policy.conditions), (True, policy.exclusions)):
        for c in conditions:
            out.append({"name": c.name, "label": {"zh": c.label.zh, "en": c.label.en}, "value": not exclusion,
                        "passed": True, "exclusion": exclusion,
                        "facts": {k: jsonable(facts.get(k)) for k in sorted(c.expression.facts())},
                        "params": {k: jsonable(params.get(k)) for k in sorted(c.expression.params())}})
    return out


def _skip_keys(policy: Policy, subject_type: str, period: str, pks: list[int]) -> tuple[set[int], set[int]]:
    """Subjects of the chunk with an open application, and with a live grant, for the period."""
    open_ = set(Application.objects.filter(policy_id=policy.id, subject_type=subject_type, period=period,
                                           status__in=OPEN_APPLICATION, subject_id__in=pks)
                .order_by().values_list("subject_id", flat=True))
    granted = set(Grant.objects.filter(policy_id=policy.id, subject_type=subject_type, period=period,
                                       subject_id__in=pks).exclude(status=GrantStatus.CANCELLED)
                  .order_by().values_list("subject_id", flat=True))
    return open_, granted


def applications_from_scan(*, actor, job: BulkJob, progress: Progress = _no_progress) -> BulkJob:
    """One application (door 免申即享) per subject of a finished proactive list, each exactly as
    `services.application_create(door=PROACTIVE, on=<the list's date>)` makes it, with its own
    stored decision (eligible, the list's amount, facts and parameters read now for the list's
    date, every condition passed as the list found). Subjects with an open application or a live
    grant for the period, gone from the ledger, or outside the actor's jurisdiction are skipped
    and counted. Each person is told by SMS to confirm their bank account on /apply/mine/."""
    scan = job.scan_job
    if scan is None or scan.status != ScanJob.Status.DONE:
        raise BenefitError(N_("主动发现名单尚未生成完成。"), code="scan_not_done", status=409)
    policy = get_policy(scan.policy_id)
    if policy is None:
        raise BenefitError(N_("政策不存在或未通过校验。"), field="policy", code="no_policy")
    on = scan.on_date
    if not policy.in_force(on):
        raise BenefitError(N_("该政策在 %(date)s 不在有效期内。"), field="policy", params={"date": on.isoformat()})
    period = chain.period_of(policy, on)
    specs = chain.chain_of(policy)
    listed = _results(scan)
    jurisdiction = getattr(actor, "jurisdiction", "") or ""
    now = timezone.now()
    days = _Days(timezone.localdate(now))
    params_of = _Params(policy)
    skipped: dict[str, int] = defaultdict(int)
    created = passed_by_data = sms = 0
    opened: dict[str, int] = defaultdict(int)
    # Every region the list names must have the first step's time limit: refuse before writing.
    _require_days(((specs[0].code, specs[0].label.zh, region) for region in
                   {r.get("region") or "" for r in scan.results or []}), days)
    progress(0, len(listed))
    try:
        for start in range(0, len(listed), CHUNK):
            chunk = listed[start:start + CHUNK]
            with transaction.atomic():
                made, sent, by_data, opened_now = _create_chunk(
                    actor=actor, job=job, policy=policy, on=on, period=period, specs=specs, chunk=chunk, now=now,
                    days=days, params_of=params_of, jurisdiction=jurisdiction, skipped=skipped)
            created += made
            sms += sent
            passed_by_data += by_data
            for code, n in opened_now.items():
                opened[code] += n
            progress(start + len(chunk), len(listed))
    finally:
        job.created_count, job.skipped_count = created, sum(skipped.values())
        job.report = {"skipped": dict(skipped), "sms": sms, "passed_by_data": passed_by_data, "opened": dict(opened),
                      "period": period, "listed": len(listed), "truncated": scan.result_count > len(scan.results or [])}
        if created:
            audit_record(actor=actor, action=Action.CREATE, obj=job, object_type="bulk_job",
                         object_repr=f"免申即享批量生成申请 {policy.id} {on}",
                         region_code=scan.region_prefix.ljust(12, "0") if scan.region_prefix else "",
                         detail={"policy": policy.id, "scan_job": scan.pk, "on": on, "period": period,
                                 "created": created, **job.report})
    return job


def _create_chunk(*, actor, job: BulkJob, policy: Policy, on: dt.date, period: str, specs, chunk, now, days, params_of,
                  jurisdiction: str, skipped: dict[str, int]) -> tuple[int, int, int, dict[str, int]]:
    from anju.registry.models import TimelineEvent, Worker

    pks = [pk for pk, _amount in chunk]
    rows = _subject_rows(policy, pks, on)
    open_, granted = _skip_keys(policy, policy.subject, period, pks)
    labels = describe_subjects(policy.subject, list(rows))
    workers = {w[0]: w for w in Worker.objects.filter(pk__in={r["worker_id"] for r in rows.values() if r["worker_id"]})
               .values_list("pk", "name", "phone_enc", "phone_hash", "phone_masked")}
    decisions, applications = [], []
    user = _user(actor)
    user_id = user.pk if user else None
    facts_read, params_read = sorted(policy.facts_read()), sorted(policy.params_read())
    for pk, amount in chunk:
        row = rows.get(pk)
        if row is None:
            skipped["missing"] += 1
            continue
        if pk in open_:
            skipped["open"] += 1
            continue
        if pk in granted:
            skipped["granted"] += 1
            continue
        region = row["region"]
        try:
            policy_check(policy, region, on)
        except BenefitError:
            skipped["outside"] += 1
            continue
        if not in_prefix(region, jurisdiction):
            skipped["outside"] += 1
            continue
        facts = row["facts"]
        params = params_of(region, engine.params_date(policy, facts, on))
        # Rows as dicts of columns (insert_many): the fields `decision_record` and
        # `application_create` set; the others keep their defaults.
        decisions.append({
            "policy_id": policy.id, "policy_version": policy.version, "policy_digest": policy.digest,
            "subject_type": policy.subject, "subject_id": pk, "region_code": region, "decided_on": on,
            "status": DecisionStatus.ELIGIBLE.value, "amount": engine.money(amount),
            "facts": {k: jsonable(facts.get(k)) for k in facts_read},
            "params": {k: jsonable(params.get(k)) for k in params_read},
            "trace": _trace(policy, facts, params), "created_by_id": user_id, "created_at": now})
        key, name = labels.get(pk, (str(pk), ""))
        worker = workers.get(row["worker_id"])
        applications.append({
            "policy_id": policy.id, "policy_version": policy.version, "policy_title": policy.title.zh,
            "subject_type": policy.subject, "subject_id": pk, "subject_label": (f"{name}（{key}）" if name else key)[:120],
            "worker_id": worker[0] if worker else None, "region_code": region, "period": period,
            "door": Door.PROACTIVE.value, "status": ApplicationStatus.IN_REVIEW.value, "scan_job_id": job.scan_job_id,
            "created_by_id": user_id, "created_at": now, "phone_enc": worker[2] if worker else "",
            "phone_hash": worker[3] if worker else "", "phone_masked": worker[4] if worker else "",
            "payee_name": (worker[1] if worker else "")[:120]})
    if not applications:
        return 0, 0, 0, {}
    for application, decision_pk in zip(applications, insert_many(Decision, decisions), strict=True):
        application["decision_id"] = decision_pk
    for application, pk in zip(applications, insert_many(Application, applications), strict=True):
        application["id"] = pk
        application["number"] = f"SQ{now:%Y%m%d}{pk:06d}"  # Application.number
    insert_many(ApplicationStep, [
        {"application_id": a["id"], "position": i, "code": s.code, "label_zh": s.label.zh, "label_en": s.label.en,
         "department_kind": s.department_kind, "role": s.role, "state": StepState.WAITING.value, "by_data": False}
        for a in applications for i, s in enumerate(specs, start=1)])
    insert_many(TimelineEvent, [
        {"worker_id": a["worker_id"], "kind": "application", "actor_id": user_id, "at": now,
         "data": {"application": a["id"], "policy": a["policy_id"], "title": a["policy_title"], "door": a["door"]}}
        for a in applications if a["worker_id"]])
    advance = _advance_many([_App(a["id"], a["subject_type"], a["subject_id"], a["region_code"], a["policy_title"],
                                  a["subject_label"]) for a in applications], policy=policy, at=now, days=days)
    # outbox.sms_many, with the rows written by insert_many (a sixth of the time otherwise).
    messages = outbox.sms_build_many(
        recipients=[(a["phone_enc"], a["phone_hash"], a["phone_masked"],
                     {"policy": a["policy_title"], "number": a["number"]}) for a in applications if a["phone_enc"]],
        text=PROACTIVE_SMS, kind="benefits.proactive")
    outbox.sms_enqueue_many(insert_many(Message, messages))
    sent = len(messages)
    return len(applications), sent, advance.passed_by_data, advance.opened


# Passing one step for many ------------------------------------------------------------------------
def _is_last_code(policy: Policy, code: str) -> bool:
    specs = chain.chain_of(policy)
    return bool(specs) and specs[-1].code == code


def _actable(actor, qs):
    """Steps whose task the actor may act on: `TaskPolicy.can_act` as a filter (role, the
    jurisdiction covering the task's region, the department kind when the user has one)."""
    if not (getattr(actor, "is_authenticated", False) and actor.is_active) or not actor.jurisdiction:
        return qs.none()
    qs = qs.filter(task__role=actor.role).filter(prefix_q("task__region_code", actor.jurisdiction))
    department = getattr(actor, "department", None)
    if department is not None:
        qs = qs.filter(task__department_kind=department.kind)
    return qs


def pass_selection(*, actor, policy_id: str, step_code: str, region_prefix: str = "", scoped: bool = True):
    """(steps that would pass, applications of the selection in review): the open steps of
    `step_code` of the policy's applications in review under `region_prefix`, whose task the actor
    may act on, that are not the application's last step."""
    apps = Application.objects.filter(policy_id=policy_id, status=ApplicationStatus.IN_REVIEW)
    if region_prefix:
        apps = apps.filter(prefix_q("region_code", region_prefix))
    later = ApplicationStep.objects.filter(application_id=OuterRef("application_id"), position__gt=OuterRef("position"))
    steps = ApplicationStep.objects.filter(
        application__in=apps, code=step_code, state=StepState.OPEN, task__state=TaskState.OPEN,
        application__current_step=step_code).filter(Exists(later))
    return (_actable(actor, steps) if scoped else steps), apps


def step_pass_many(*, actor, job: BulkJob, progress: Progress = _no_progress) -> BulkJob:
    """Pass `job.step_code` for every application of `job.policy_id` under `job.region_prefix`
    whose current step it is and whose task the actor may act on — as `services.step_decide(
    outcome=PASS)` does for one: the task closed, the step passed with a StepEvent, the version
    moved on, the next step opened (or passed by fresh data). The chain's last step is refused.
    Applications of the selection not at that step (or not the actor's) are skipped and counted."""
    policy = get_policy(job.policy_id)
    if policy is None:
        raise BenefitError(N_("政策不存在或未通过校验。"), field="policy", code="no_policy")
    if job.step_code not in {s.code for s in chain.chain_of(policy)}:
        raise BenefitError(N_("该政策没有「%(step)s」环节。"), field="step", params={"step": job.step_code},
                           code="no_such_step")
    if _is_last_code(policy, job.step_code):
        raise BenefitError(N_("最后的审批环节须逐件办理（确定金额并占用资金），不能批量通过。"), field="step",
                           code="last_step")
    reason = (job.reason or "").strip()[:MAX_REASON]
    steps, apps = pass_selection(actor=actor, policy_id=policy.id, step_code=job.step_code,
                                 region_prefix=job.region_prefix, scoped=False)
    ids = [pk for pk, role, region, kind in steps.order_by("application_id").values_list(
        "pk", "task__role", "task__region_code", "task__department_kind")
        if TaskPolicy.can_act(actor, SimpleNamespace(role=role, region_code=region, department_kind=kind))]
    in_review = apps.count()
    now = timezone.now()
    days = _Days(timezone.localdate(now))
    outcome_text = str(StepOutcome.PASS.label)
    task_outcome = (outcome_text + (f"：{reason}" if reason else ""))[:200]
    passed = by_data = 0
    opened: dict[str, int] = defaultdict(int)
    progress(0, len(ids))
    try:
        for start in range(0, len(ids), CHUNK):
            with transaction.atomic():
                n, data_n, opened_now = _pass_chunk(actor=actor, step_ids=ids[start:start + CHUNK], policy=policy,
                                                    step_code=job.step_code, reason=reason, task_outcome=task_outcome,
                                                    at=now, days=days)
            passed += n
            by_data += data_n
            for code, k in opened_now.items():
                opened[code] += k
            progress(start + CHUNK, len(ids))
    finally:
        job.created_count, job.skipped_count = passed, max(0, in_review - passed)
        job.report = {"passed": passed, "in_review": in_review, "passed_by_data": by_data, "opened": dict(opened)}
        if passed:
            audit_record(actor=actor, action=Action.UPDATE, obj=job, object_type="bulk_job",
                         object_repr=f"批量通过 {policy.id} {job.step_code}",
                         region_code=job.region_prefix.ljust(12, "0") if job.region_prefix else "",
                         detail={"policy": policy.id, "step": job.step_code, "outcome": StepOutcome.PASS,
                                 "reason": reason, **job.report})
    return job


def _pass_chunk(*, actor, step_ids: list[int], policy: Policy, step_code: str, reason: str, task_outcome: str,
                at: dt.datetime, days: _Days) -> tuple[int, int, dict[str, int]]:
    # Lock and re-read: an officer may have decided one of them since the selection was counted.
    base = ApplicationStep.objects.filter(pk__in=step_ids, state=StepState.OPEN, task__state=TaskState.OPEN,
                                          application__status=ApplicationStatus.IN_REVIEW,
                                          application__current_step=step_code)
    locked_apps = list(Application.objects.select_for_update().filter(
        pk__in=base.values("application_id")).values_list("pk", flat=True))
    # Whose task it is, decided by TaskPolicy itself on each task's role, region and department
    # (as a SQL filter, SQLite reads every open task of the role from its queue index instead).
    rows = [r[:8] for r in base.filter(application_id__in=locked_apps).values_list(
        "pk", "task_id", "application_id", "application__subject_type", "application__subject_id",
        "application__region_code", "application__policy_title", "application__subject_label",
        "task__role", "task__region_code", "task__department_kind")
        if TaskPolicy.can_act(actor, SimpleNamespace(role=r[8], region_code=r[9], department_kind=r[10]))]
    if not rows:
        return 0, 0, {}
    step_pks = [r[0] for r in rows]
    WorkTask.objects.filter(pk__in=[r[1] for r in rows], state=TaskState.OPEN).update(
        state=TaskState.DONE, closed_at=at, closed_by=actor, outcome=task_outcome)
    ApplicationStep.objects.filter(pk__in=step_pks).update(state=StepState.PASSED, decided_by=actor, decided_at=at,
                                                           reason=reason)
    insert_many(StepEvent, [{"step_id": pk, "outcome": StepOutcome.PASS.value, "reason": reason, "by_data": False,
                             "actor_id": actor.pk, "at": at} for pk in step_pks])
    Application.objects.filter(pk__in=[r[2] for r in rows]).update(version=F("version") + 1)
    advance = _advance_many([_App(r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows], policy=policy, at=at, days=days)
    return len(rows), advance.passed_by_data, advance.opened
