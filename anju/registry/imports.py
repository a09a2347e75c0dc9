"""Importing a ledger workbook (docs/ledger-workbook.md, "Import outcome").

`plan_import` validates every row of both sheets and the rules across rows (duplicates in the
file, jurisdiction, certificate holders) and looks up what is stored, without writing anything;
its plan keeps the version of every stored person a valid row matched (`ImportPlan.versions`).
`import_book` does the same and writes each part of valid rows as soon as it is checked, in one
transaction, with bulk inserts and updates, their history, timeline lines and audit events
(what `anju import-ledger` and the page's confirm step run); given the preview's versions, it
refuses the rows of people changed since the preview. `ledger_import` commits a plan made earlier.

Both report progress through a callback `progress(done, total)` (rows processed).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop as N_
from simple_history.utils import bulk_update_with_history

from anju.audit.middleware import current_meta
from anju.audit.models import Action, AuditEvent
from anju.lib import identifiers
from anju.lib.bulk import Copier, Inserter, collector_paused
from anju.lib.dates import today as local_today
from anju.lib.versioning import VersionConflict
from anju.regions.codes import in_prefix
from anju.regions.selectors import region_exists
from anju.registry.choices import TimelineKind
from anju.registry.models import Certificate, Household, TimelineEvent, Worker
from anju.registry.services import (
    HOUSEHOLD_HELD_ELSEWHERE,
    ID_HELD_ELSEWHERE,
    IDENTIFIER_FIELDS,
    audit_changes,
    diff_worker,
    id_hash,
    id_refusal_record,
    identifier_columns,
    set_identifiers,
    timeline_events_for_changes,
)
from anju.registry.signals import ledger_imported
from anju.registry.validation import (
    WORKER_MODEL_FIELDS,
    Problem,
    clean_certificate,
    clean_worker,
    text_of,
)
from anju.registry.workbook import CERTIFICATES, SHEET_TITLES, WORKERS, LedgerSheet, Workbook
from anju.workflow.tabular import Plan

Progress = Callable[[int, int], None]
BATCH = 2000
LOOKUP_CHUNK = 900  # under SQLite's 999 host parameters on old builds
PROGRESS_EVERY = 1000
CERT_FIELDS = ("occupation", "grade", "shortage", "issued_on")
CHANGE_REASON = "表格导入"

OUT_OF_SCOPE = N_("该人员不在您的管辖范围内，不能导入或更新（按现居住地区划判断）。")
CHANGED_SINCE_PREVIEW = N_("该人员的记录在预览后已被修改，请重新上传预览")


@dataclass
class PlannedRow:
    row: int
    data: dict[str, Any]
    existing: Any = None  # the stored Worker / Certificate
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    identifiers: tuple = ()  # a valid worker row's stored identifier columns (`identifier_columns`)


@dataclass
class Outcome:
    create: list[PlannedRow] = field(default_factory=list)
    update: list[PlannedRow] = field(default_factory=list)
    unchanged: int = 0

    def counts(self) -> dict[str, int]:
        return {"created": len(self.create), "updated": len(self.update), "unchanged": self.unchanged}


@dataclass
class ImportPlan(Plan):
    """The generic import's plan (`anju.workflow.tabular.Plan`: errors, rejected rows, summary),
    with the ledger's own outcome per sheet, which its fused planner and writer fill."""

    book: Workbook = None  # type: ignore[assignment]
    actor: Any = None
    workers: Outcome = field(default_factory=Outcome)
    certificates: Outcome = field(default_factory=Outcome)
    # Household number -> (key, region) of the stored household, None if none was stored when
    # the rows naming it were checked (`_check_households`).
    households: dict[str, tuple[int, str] | None] = field(default_factory=dict)
    # Stored person's key -> version, for every person a valid worker row matched: what the
    # preview showed each row against (kept with the job, `ImportJob.previewed_versions`).
    versions: dict[int, int] = field(default_factory=dict)
    # At the confirm step, the preview's `versions`: a row is refused whose person would be
    # changed and is not at the version previewed (`_unchanged_since_preview`). None: no preview
    # (`anju import-ledger`), the rows are compared with the ledger as it is.
    previewed: dict[int, int] | None = None

    def summary_sheets(self) -> list[tuple[str, str]]:
        # Both sheets always, by kind, as the job page and the CLI read them.
        return [(kind, SHEET_TITLES[kind]) for kind in (WORKERS, CERTIFICATES)]

    def sheet_counts(self, title: str) -> dict[str, int]:
        return (self.workers if title == SHEET_TITLES[WORKERS] else self.certificates).counts()


class _Ticker:
    def __init__(self, progress: Progress | None, total: int):
        self.progress, self.total, self.done = progress, total, 0

    def step(self, n: int = 1) -> None:
        before = self.done
        self.done += n
        if self.progress and (self.done // PROGRESS_EVERY != before // PROGRESS_EVERY or self.done == self.total):
            self.progress(self.done, self.total)


def chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


# Validation ------------------------------------------------------------------------------------


def plan_import(book: Workbook, *, actor, progress: Progress | None = None, today: dt.date | None = None) -> ImportPlan:
    """Validate every row and decide what each valid row will do. Writes nothing but the audit
    events of ID numbers refused as held in another region (`services.id_refusal_record`)."""
    return _run(book, actor=actor, progress=progress, today=today, batch=None)


def import_book(book: Workbook, *, actor, filename: str = "", job_id: int | None = None,
                progress: Progress | None = None, today: dt.date | None = None,
                previewed: dict[int, int] | None = None) -> ImportPlan:
    """Validate and commit in one pass and one transaction: each part of rows is written as
    soon as it is checked, while the next parts are cleaned ahead (`_plan_workers`). The
    outcome is exactly `plan_import`'s followed by `ledger_import`; returns the plan, whose
    `summary` says what was done.

    `previewed` (the confirm of a preview): the `versions` of the preview's plan. A row whose
    stored person would be changed and is not at the version the preview read — edited since,
    or registered since the preview showed the row as new — is rejected (CHANGED_SINCE_PREVIEW)
    and the rest are written, as for any other bad row: the file would otherwise undo an edit
    the user never saw in the preview."""
    with transaction.atomic():
        batch = _Batch(actor=actor, now=timezone.now(), meta=current_meta())
        plan = _run(book, actor=actor, progress=progress, today=today, batch=batch, previewed=previewed)
        _finish(plan, batch, filename=filename, job_id=job_id)
    return plan


def _run(book: Workbook, *, actor, progress: Progress | None, today: dt.date | None, batch: _Batch | None,
         previewed: dict[int, int] | None = None) -> ImportPlan:
    """Plan the import; with `batch`, write each planned part as it is ready."""
    with collector_paused():
        return _run_sheets(book, actor=actor, progress=progress, today=today, batch=batch, previewed=previewed)


def _run_sheets(book: Workbook, *, actor, progress: Progress | None, today: dt.date | None,
                batch: _Batch | None, previewed: dict[int, int] | None) -> ImportPlan:
    today = today or local_today()
    sheets = book.ledger
    total = sum(s.row_count() for s in sheets.values())
    plan = ImportPlan(book=book, actor=actor, total_rows=total, previewed=previewed)
    ticker = _Ticker(progress, total)
    valid_workers: dict[str, PlannedRow] = {}
    if WORKERS in sheets:
        valid_workers = _plan_workers(plan, sheets[WORKERS], ticker, today, batch)
    if CERTIFICATES in sheets:
        _plan_certificates(plan, sheets[CERTIFICATES], valid_workers, ticker, today)
        if batch is not None:
            _create_certificates(plan.certificates.create, batch, _Ticker(None, 0))
            _update_certificates(plan.certificates.update, batch, _Ticker(None, 0))
    order = {sheets[kind].name: i for i, kind in enumerate((WORKERS, CERTIFICATES)) if kind in sheets}
    plan.errors.sort(key=lambda e: (order.get(e.sheet, 2), e.row))  # parts are checked out of row order
    if progress:
        progress(total, total)
    return plan


def _id_key(raw: Any) -> str:
    """The ID number a cell will clean to, if it is valid (cheaply: no check character test)."""
    number = identifiers.normalize_id_number(text_of(raw))
    return identifiers.upgrade_legacy_id(number) if len(number) == 15 and number.isascii() and number.isdigit() else number


FORK_FROM_ROWS = 5000  # smaller sheets are cleaned in this process


class _Cleaner:
    """Cleans the parts of a sheet ahead of the caller, in a forked process (the other core)
    where the platform can fork and the sheet is large, else in a helper thread.

    The forked process inherits the parts (nothing is sent to it but a part's number) and the
    region cache; it only computes — it never touches the database or files — and returns each
    part's cleaned records with their identifier columns.
    """

    _parts: tuple[list, dt.date] | None = None  # what a forked process reads

    def __init__(self, parts: list[list[tuple[int, dict[str, Any]]]], today: dt.date):
        self.parts, self.today = parts, today
        self.pool: Any = None
        self.thread: ThreadPoolExecutor | None = None

    def __enter__(self) -> _Cleaner:
        rows = sum(len(part) for part in self.parts)
        # Load the region codes here, before forking or starting the thread: the cleaner must
        # not open a database connection of its own.
        region_exists("")
        if rows >= FORK_FROM_ROWS and "fork" in multiprocessing.get_all_start_methods():
            _Cleaner._parts = (self.parts, self.today)
            self.pool = multiprocessing.get_context("fork").Pool(1)
            self.pending = [self.pool.apply_async(_clean_part, (i,)) for i in range(len(self.parts))]
        else:
            self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-clean")
            self.pending = [self.thread.submit(_clean_workers, part, self.today) for part in self.parts]
        return self

    def result(self, index: int) -> list[tuple[int, dict, list, tuple | None]]:
        pending = self.pending[index]
        return pending.get() if self.pool is not None else pending.result()

    def __exit__(self, *exc: Any) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            _Cleaner._parts = None
        if self.thread is not None:
            self.thread.shutdown(cancel_futures=True)


def _clean_part(index: int) -> list[tuple[int, dict, list, tuple | None]]:
    """In the forked process: clean part `index` of the sheet it inherited."""
    parts, today = _Cleaner._parts
    return _clean_workers(parts[index], today)


def _clean_workers(part: list[tuple[int, dict[str, Any]]], today: dt.date) -> list[tuple[int, dict, list, tuple | None]]:
    """Clean each record; for a valid one, also its stored identifier columns (`identifier_columns`)."""
    cleaned = [(row, *clean_worker(raw, today=today)) for row, raw in part]
    valid = [data for _row, data, problems in cleaned if not problems]
    columns = iter(identifier_columns([d["id_number"] for d in valid], [d.get("phone") or "" for d in valid]))
    return [(row, data, problems, None if problems else next(columns)) for row, data, problems in cleaned]


def _plan_workers(plan: ImportPlan, sheet: LedgerSheet, ticker: _Ticker, today: dt.date,
                  batch: _Batch | None) -> dict[str, PlannedRow]:
    """Check the worker rows in parts of BATCH rows; with `batch`, write each part once checked.

    `_Cleaner` cleans the parts ahead (in a second process for large sheets), and a helper
    thread prepares part k's new rows for the database while this thread checks part k + 1
    against the ledger and writes part k (the driver releases the interpreter lock while the
    database works). Rows whose ID number appears more than once in the sheet (valid or not)
    form the last part, so the duplicate rule sees them all together, exactly as if the whole
    sheet were one part.
    """
    records = list(sheet.records())
    keys = defaultdict(list)
    for row, raw in records:
        keys[_id_key(raw.get("id_number"))].append(row)
    shared = {row for key, rows in keys.items() if key and len(rows) > 1 for row in rows}
    parts = list(chunks([rec for rec in records if rec[0] not in shared], BATCH))
    parts.append([rec for rec in records if rec[0] in shared])
    writer = _WorkerWriter(batch, plan.households) if batch is not None else None
    valid: dict[str, PlannedRow] = {}
    with _Cleaner(parts, today) as cleaner, ThreadPoolExecutor(max_workers=1, thread_name_prefix="import") as helper:
        preparing = None
        for index in range(len(parts)):
            cleaned = cleaner.result(index)
            rows = _check_workers(plan, sheet, cleaned, ticker)
            valid.update((r.data["id_number"], r) for r in rows)
            if writer is None:
                continue
            writer.add_households(rows)
            following = helper.submit(writer.prepare, [r for r in rows if r.existing is None])
            writer.update([r for r in rows if r.changes])
            if preparing is not None:
                writer.write(preparing.result())
            preparing = following
        if preparing is not None:
            writer.write(preparing.result())
    return valid


def _check_workers(plan: ImportPlan, sheet: LedgerSheet, cleaned: list[tuple[int, dict, list, tuple | None]],
                   ticker: _Ticker) -> list[PlannedRow]:
    """Reject one part's bad rows and duplicates; look up and classify the rest."""
    rows: list[PlannedRow] = []
    by_id: dict[str, list[int]] = defaultdict(list)
    for row, data, problems, stored_identifiers in cleaned:
        if "id_number" in data:
            by_id[data["id_number"]].append(row)
        if problems:
            for p in problems:
                plan.reject(sheet, row, p)
        else:
            rows.append(PlannedRow(row, data, identifiers=stored_identifiers))
    ticker.step(len(cleaned))
    _reject_duplicates(plan, sheet, by_id, "id_number", N_("公民身份号码在本表中出现多次（第 %(rows)s 行），请只保留一行。"))
    rows = [r for r in rows if (sheet.name, r.row) not in plan.rejected]
    rows = _check_scope_and_existing(plan, sheet, rows)
    rows = _check_households(plan, sheet, rows)
    if plan.previewed is not None:
        rows = _unchanged_since_preview(plan, sheet, rows)
    versions = plan.versions
    for r in rows:
        _classify_worker(plan.workers, r)
        if r.existing is not None:
            versions[r.existing.pk] = r.existing.version
    return rows


def _unchanged_since_preview(plan: ImportPlan, sheet: LedgerSheet, rows: list[PlannedRow]) -> list[PlannedRow]:
    """Reject the rows that would change a stored person who is not at the version the preview
    read (`ImportPlan.previewed`; not in it: stored since, or the preview refused the row).
    A row that now changes nothing writes nothing and is kept (counted unchanged)."""
    previewed = plan.previewed
    kept = []
    for r in rows:
        stored = r.existing
        if stored is not None and previewed.get(stored.pk) != stored.version and diff_worker(stored, r.data):
            plan.reject(sheet, r.row, Problem("id_number", CHANGED_SINCE_PREVIEW))
        else:
            kept.append(r)
    return kept


def _reject_duplicates(plan: ImportPlan, sheet: LedgerSheet, groups: dict[Any, list[int]], field_name: str, msgid: str) -> None:
    for rows in groups.values():
        if len(rows) > 1:
            listed = "、".join(str(r) for r in rows[:10])
            for row in rows:
                plan.reject(sheet, row, Problem(field_name, msgid, {"rows": listed}))


def _existing_workers(numbers: Iterable[str], hashes: dict[str, str] | None = None) -> dict[str, Worker]:
    """Stored workers by ID number, looked up by keyed hash in chunks (`hashes`: number -> hash,
    for numbers already hashed)."""
    hashes = hashes or {}
    by_hash = {hashes.get(n) or id_hash(n): n for n in numbers}
    # Which hashes are stored (a first import finds none); then the stored workers themselves.
    stored = [h for (h,) in _select_in(Worker, ["id_number_hash"], "id_number_hash", by_hash)]
    found: dict[str, Worker] = {}
    for chunk in chunks(stored, LOOKUP_CHUNK):
        for worker in Worker.objects.filter(id_number_hash__in=chunk).select_related("household"):
            found[by_hash[worker.id_number_hash]] = worker
    return found


def _select_in(model, fields: list[str], key: str, values: Iterable[Any]) -> list[tuple]:
    """The `fields` of the rows whose `key` is one of `values`: one plain indexed query per chunk,
    without the ORM's per-value preparation of an `__in` lookup or model instances."""
    quote, meta = connection.ops.quote_name, model._meta
    columns = ", ".join(quote(meta.get_field(f).column) for f in fields)
    sql = f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {quote(meta.get_field(key).column)} IN "
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        for chunk in chunks(sorted(values), LOOKUP_CHUNK):
            cursor.execute(sql + f"({', '.join(['%s'] * len(chunk))})", chunk)
            rows += cursor.fetchall()
    return rows


def _check_scope_and_existing(plan: ImportPlan, sheet: LedgerSheet, rows: list[PlannedRow]) -> list[PlannedRow]:
    scope = plan.actor.jurisdiction
    existing = _existing_workers((r.data["id_number"] for r in rows), {r.data["id_number"]: r.identifiers[1] for r in rows})
    kept = []
    for r in rows:
        r.existing = existing.get(r.data["id_number"])
        if not in_prefix(r.data["residence_region_id"], scope):
            plan.reject(sheet, r.row, Problem("residence_region", OUT_OF_SCOPE))
            continue
        if r.existing is not None and not in_prefix(r.existing.residence_region_id, scope):
            # Held in another region's ledger: refused neutrally and audited, as by hand.
            plan.reject(sheet, r.row, Problem("id_number", ID_HELD_ELSEWHERE))
            id_refusal_record(actor=plan.actor, number_hash=r.existing.id_number_hash,
                              holder_region=r.existing.residence_region_id, region_code=r.data["residence_region_id"],
                              detail={"source": "import", "file": plan.book.filename, "sheet": sheet.name, "row": r.row})
            continue
        kept.append(r)
    return kept


def _check_households(plan: ImportPlan, sheet: LedgerSheet, rows: list[PlannedRow]) -> list[PlannedRow]:
    """A household number already used by a household outside the user's jurisdiction is refused."""
    numbers = {r.data["household_no"] for r in rows if r.data.get("household_no")}
    unseen = numbers.difference(plan.households)
    stored = _stored_households(unseen)
    plan.households.update((no, stored.get(no)) for no in unseen)
    foreign = {no for no in numbers if (known := plan.households[no]) and not in_prefix(known[1], plan.actor.jurisdiction)}
    if not foreign:
        return rows
    kept = []
    for r in rows:
        if r.data.get("household_no") in foreign:
            plan.reject(sheet, r.row, Problem("household_no", HOUSEHOLD_HELD_ELSEWHERE))
        else:
            kept.append(r)
    return kept


def _stored_households(numbers: Iterable[str]) -> dict[str, tuple[int, str]]:
    """Stored households by number: (key, region)."""
    rows = _select_in(Household, ["household_no", "id", "region"], "household_no", numbers)
    return {no: (pk, region) for no, pk, region in rows}


def _classify_worker(outcome: Outcome, r: PlannedRow) -> None:
    if r.existing is None:
        outcome.create.append(r)
        return
    r.changes = diff_worker(r.existing, r.data)
    if r.changes:
        outcome.update.append(r)
    else:
        outcome.unchanged += 1


def _plan_certificates(plan: ImportPlan, sheet: LedgerSheet, workers: dict[str, PlannedRow], ticker: _Ticker,
                       today: dt.date) -> None:
    rows: list[PlannedRow] = []
    by_no: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row, raw in sheet.records():
        data, problems = clean_certificate(raw, today=today)
        if data.get("kind") and data.get("certificate_no"):
            by_no[(data["kind"], data["certificate_no"])].append(row)
        for p in problems:
            plan.reject(sheet, row, p)
        if not problems:
            rows.append(PlannedRow(row, data))
        ticker.step()
    _reject_duplicates(plan, sheet, by_no, "certificate_no", N_("同类证书的证书编号在本表中出现多次（第 %(rows)s 行）。"))
    rows = [r for r in rows if (sheet.name, r.row) not in plan.rejected]
    holders = _certificate_holders(plan, rows, workers)
    stored = _existing_certificates({(r.data["kind"], r.data["certificate_no"]) for r in rows})
    for r in rows:
        holder = holders.get(r.data["id_number"])
        if holder is None:
            plan.reject(sheet, r.row, Problem("id_number", N_("持证人既不在本表“人员”工作表的有效行中，也不在您管辖范围内的台账中。")))
            continue
        r.data["holder"] = holder
        _classify_certificate(plan, sheet, r, stored.get((r.data["kind"], r.data["certificate_no"])))


def _certificate_holders(plan: ImportPlan, rows: list[PlannedRow], workers: dict[str, PlannedRow]) -> dict[str, Any]:
    """ID number -> the PlannedRow of the file or the stored in-scope Worker that holds it."""
    holders: dict[str, Any] = {n: workers[n] for n in {r.data["id_number"] for r in rows} if n in workers}
    missing = {r.data["id_number"] for r in rows} - set(holders)
    for number, worker in _existing_workers(missing).items():
        if in_prefix(worker.residence_region_id, plan.actor.jurisdiction):
            holders[number] = worker
    return holders


def _existing_certificates(keys: set[tuple[str, str]]) -> dict[tuple[str, str], Certificate]:
    numbers = sorted({no for _kind, no in keys})
    found = {}
    for chunk in chunks(numbers, LOOKUP_CHUNK):
        for cert in Certificate.objects.filter(certificate_no__in=chunk):
            if (cert.kind, cert.certificate_no) in keys:
                found[(cert.kind, cert.certificate_no)] = cert
    return found


def _classify_certificate(plan: ImportPlan, sheet: LedgerSheet, r: PlannedRow, stored: Certificate | None) -> None:
    holder = r.data["holder"]
    if stored is None:
        plan.certificates.create.append(r)
        return
    if stored.worker_id != _worker_pk(holder):
        plan.reject(sheet, r.row, Problem("certificate_no", N_("该证书编号已登记在其他人员名下。")))
        return
    r.existing = stored
    r.changes = {f: (getattr(stored, f), r.data[f]) for f in CERT_FIELDS if getattr(stored, f) != r.data[f]}
    if r.changes:
        plan.certificates.update.append(r)
    else:
        plan.certificates.unchanged += 1


def _worker_pk(holder: Any) -> int | None:
    if isinstance(holder, Worker):
        return holder.pk
    return holder.existing.pk if holder.existing is not None else None


# Commit ----------------------------------------------------------------------------------------


_TIMELINE_FIELDS = ["worker_id", "at", "kind", "actor_id", "data"]
_AUDIT_FIELDS = ["at", "actor_id", "actor_username", "action", "object_type", "object_id", "object_repr",
                 "region_code", "changes", "detail", "ip", "user_agent"]


@dataclass
class _Batch:
    """What one commit writes besides the rows themselves, as value tuples for `Inserter`."""

    actor: Any
    now: dt.datetime
    meta: dict[str, Any]
    timeline: list[tuple] = field(default_factory=list)
    audit: list[tuple] = field(default_factory=list)

    def timeline_event(self, event: TimelineEvent) -> None:
        self.timeline.append((event.worker_id, event.at, event.kind, event.actor_id, event.data))

    def audit_event(self, *, action: str, obj_type: str, obj_id: Any, obj_repr: str, region: str,
                    changes: dict | None = None, detail: dict | None = None, plain_changes: dict | None = None,
                    plain_detail: dict | None = None) -> None:
        if plain_changes is None:
            plain_changes = {k: [_plain(a), _plain(b)] for k, (a, b) in (changes or {}).items()}
        if plain_detail is None:
            plain_detail = {k: _plain(v) for k, v in (detail or {}).items()}
        self.audit.append((
            self.now, self.actor.pk, self.actor.get_username(), str(action), obj_type, str(obj_id), obj_repr[:200],
            region or "", plain_changes, plain_detail, self.meta.get("ip"), self.meta.get("user_agent", ""),
        ))

    def flush(self) -> None:
        Inserter(TimelineEvent, _TIMELINE_FIELDS).insert(self.timeline)
        Inserter(AuditEvent, _AUDIT_FIELDS).insert(self.audit)
        self.timeline, self.audit = [], []


def _plain(value: Any) -> Any:
    if value is None or type(value) in (str, int, bool):
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


@transaction.atomic
def ledger_import(*, actor, plan: ImportPlan, filename: str = "", job_id: int | None = None,
                  progress: Progress | None = None) -> dict[str, Any]:
    """Commit the valid rows of `plan` in one transaction; returns the summary counts.

    `plan` must be fresh: a row whose ID number was registered since planning fails the unique
    constraint and rolls everything back (the caller re-plans).
    """
    batch = _Batch(actor=actor, now=timezone.now(), meta=current_meta())
    writes = len(plan.workers.create) + len(plan.workers.update) + len(plan.certificates.create) + len(plan.certificates.update)
    ticker = _Ticker(progress, writes)
    writer = _WorkerWriter(batch)  # not the plan's households: it may have been made earlier; look them up afresh
    writer.add_households(plan.workers.create + plan.workers.update)
    for new in ahead(writer.prepare, chunks(plan.workers.create, BATCH)):
        writer.write(new)
        ticker.step(len(new.rows))
    for part in chunks(plan.workers.update, BATCH):
        writer.update(part)
        ticker.step(len(part))
    _create_certificates(plan.certificates.create, batch, ticker)
    _update_certificates(plan.certificates.update, batch, ticker)
    _finish(plan, batch, filename=filename, job_id=job_id)
    if progress:
        progress(writes, writes)
    # Certificates count too: job matching indexes the certificates a seeker holds. Sent robustly:
    # the import has committed by then, and a failing listener must not turn it into an error.
    written = writes
    if written:
        transaction.on_commit(lambda: ledger_imported.send_robust(sender=Worker, written=written))
    return plan.summary


def _finish(plan: ImportPlan, batch: _Batch, *, filename: str, job_id: int | None) -> None:
    """The import's own audit event (what it did, per sheet), and what is left to write."""
    summary = plan.summary
    name = filename or plan.book.filename
    batch.audit_event(action=Action.IMPORT, obj_type="importjob", obj_id=job_id or "", obj_repr=name,
                      region=batch.actor.jurisdiction,
                      detail={k: summary[k] for k in ("created", "updated", "unchanged", "rejected", "total_rows")}
                      | {"filename": name, "sheets": summary["sheets"]})
    batch.flush()


_IMPORT_SOURCE = {"source": "import"}  # one shared object: Inserter converts it to JSON once

# A new worker's columns, in the order its row is built: the cleaned values, the identifiers,
# then what the import sets. The "+" history record has the same columns (less `updated_at`,
# which the history does not keep): the database copies them from the new rows.
_NEW_WORKER_FIELDS = WORKER_MODEL_FIELDS + list(IDENTIFIER_FIELDS) + [
    "household_id", "last_verified_on", "created_at", "created_by_id", "version", "updated_at"]
_HISTORY_EXTRA = ["history_date", "history_change_reason", "history_type", "history_user_id"]
_cleaned_values = operator.itemgetter(*WORKER_MODEL_FIELDS)


@dataclass
class _NewWorkers:
    """One batch of new workers, converted for the database; `write` gives them their keys."""

    rows: list[PlannedRow]
    workers: list[list]
    audit: list[list]


class _WorkerWriter:
    """Writes new workers with their history ("+"), a 登记 timeline line and a create audit
    event each — the rows `bulk_create_with_history` would write, without model instances.

    `prepare` (pure Python: encryption, keyed hashes, masking, value conversion) runs in a
    helper thread one batch ahead of `write` (the INSERTs): the database driver releases the
    interpreter lock while SQLite or PostgreSQL does its part, so both proceed at once.
    """

    def __init__(self, batch: _Batch, checked_households: dict[str, tuple[int, str] | None] | None = None):
        self.batch = batch
        self.households: dict[str, Any] = {}  # household number -> primary key
        # What `_check_households` found moments ago in this transaction (`ImportPlan.households`);
        # numbers not in it are looked up.
        self.checked = {} if checked_households is None else checked_households
        self.workers = Inserter(Worker, _NEW_WORKER_FIELDS)
        # The "+" history record and the 登记 timeline line are copied from the new rows.
        self.history = Copier(Worker.history.model, Worker, [(f, f) for f in ["id", *_NEW_WORKER_FIELDS[:-1]]],
                              _HISTORY_EXTRA)
        self.timeline = Copier(TimelineEvent, Worker, [("worker_id", "id")], _TIMELINE_FIELDS[1:])
        self.audit = Inserter(AuditEvent, _AUDIT_FIELDS)
        now, actor = batch.now, batch.actor
        self.tail = (None, now, actor.pk, 1, now)  # last_verified_on, created_at, created_by_id, version, updated_at
        self.history_values = self.history.prepare([now, CHANGE_REASON, "+", actor.pk])
        self.timeline_values = self.timeline.prepare([now, TimelineKind.REGISTERED, actor.pk, _IMPORT_SOURCE])
        self.audit_head = (now, actor.pk, actor.get_username(), str(Action.CREATE), "worker")
        self.audit_tail = (_IMPORT_SOURCE, batch.meta.get("ip"), batch.meta.get("user_agent", ""))

    def add_households(self, rows: list[PlannedRow]) -> None:
        """Look up the households `rows` name, creating those not stored yet (in the region of
        the first member's residence)."""
        wanted: dict[str, str] = {}
        for r in rows:
            no = r.data.get("household_no")
            if no and no not in wanted and no not in self.households:
                wanted[no] = r.data["residence_region_id"]
        checked = self.checked
        stored = _stored_households(no for no in wanted if no not in checked)
        stored.update((no, checked[no]) for no in wanted if checked.get(no))
        self.households.update((no, pk) for no, (pk, _region) in stored.items())
        new = [(no, None, region, self.batch.now) for no, region in wanted.items() if no not in self.households]
        pks = Inserter(Household, ["household_no", "union_hardship", "region_id", "created_at"]).insert_returning_pks(new)
        self.households.update(zip((row[0] for row in new), pks, strict=True))

    def update(self, rows: list[PlannedRow]) -> None:
        """Stored workers the file changes: their changed fields, history, timeline and audit."""
        if rows:
            _update_workers(rows, self.households, self.batch)

    def prepare(self, part: list[PlannedRow]) -> _NewWorkers:
        households, tail = self.households, self.tail
        workers, audit = [], []
        for r in part:
            data = r.data
            row = list(_cleaned_values(data))
            row += r.identifiers
            row.append(households.get(data.get("household_no") or ""))
            row += tail
            workers.append(row)
            # The create audit's changes: the masked ID number only. Every value the row set is
            # in the person's "+" history record, written in the same transaction.
            masked = r.identifiers[2]
            audit.append(self.audit_head + (None, f"{data['name']}（{masked}）"[:200], data["residence_region_id"] or "",
                                            {"id_number": [None, masked]}) + self.audit_tail)
        return _NewWorkers(part, self.workers.prepare(workers), self.audit.prepare(audit))

    def write(self, new: _NewWorkers) -> None:
        pks = self.workers.insert_prepared_returning_pks(new.workers)
        self.history.copy(pks, self.history_values)
        self.timeline.copy(pks, self.timeline_values)
        audit_id = _AUDIT_FIELDS.index("object_id")
        for pk, audit in zip(pks, new.audit, strict=True):
            audit[audit_id] = str(pk)
        self.audit.insert_prepared(new.audit)
        for r, pk in zip(new.rows, pks, strict=True):
            r.existing = _StoredRef(pk, r.data["residence_region_id"])  # certificates of this person attach to it


def ahead(function: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
    """`function(item)` for each item, in order, each computed in a helper thread while the
    caller works on the previous result. Exceptions are raised in the caller."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-prepare") as pool:
        pending = None
        for item in items:
            following = pool.submit(function, item)
            if pending is not None:
                yield pending.result()
            pending = following
        if pending is not None:
            yield pending.result()


@dataclass
class _StoredRef:
    """A just-inserted worker: enough to attach certificates to it."""

    pk: int
    residence_region_id: str


def _apply_changes(worker: Worker, r: PlannedRow, households: dict[str, Any], now: dt.datetime) -> set[str]:
    fields = {"updated_at"}
    for name in r.changes:
        if name == "phone":
            set_identifiers(worker, phone=r.data["phone"])
            fields |= set(IDENTIFIER_FIELDS[3:])
        elif name == "household_no":
            worker.household_id = households.get(r.data["household_no"] or "")
            fields.add("household")
        else:
            setattr(worker, name, r.data[name])
            fields.add(name[:-3] if name.endswith("_region_id") else name)
    worker.updated_at = now
    return fields


STALE_ROWS = N_("导入期间，第 %(rows)s 行的人员已被他人修改，整个导入未保存任何数据。请重新导入该文件（将与最新记录比对）。")


def _lock_unchanged_since_read(part: list[PlannedRow]) -> None:
    """Lock the stored rows `part` updates and make sure each is still at the version it was
    read and compared at: a person edited in between would otherwise get the file's values
    for fields the edit set (the bulk update writes the part's changed fields for every row).
    One indexed query per chunk of keys, locking only rows about to be written anyway."""
    stored: dict[int, int] = {}
    for keys in chunks(sorted(r.existing.pk for r in part), LOOKUP_CHUNK):
        stored.update(Worker.objects.select_for_update().filter(pk__in=keys).order_by("pk").values_list("pk", "version"))
    stale = [r.row for r in part if stored.get(r.existing.pk) != r.existing.version]
    if stale:
        listed = "、".join(str(row) for row in sorted(stale)[:20]) + ("……" if len(stale) > 20 else "")
        raise VersionConflict(message=STALE_ROWS, params={"rows": listed})


def _update_workers(rows: list[PlannedRow], households: dict[str, Any], batch: _Batch) -> None:
    for part in chunks(rows, BATCH):
        _lock_unchanged_since_read(part)
        fields: set[str] = {"version"}
        workers = []
        for r in part:
            fields |= _apply_changes(r.existing, r, households, batch.now)
            r.existing.version += 1  # exact: the row is locked at the version it was read
            workers.append(r.existing)
        bulk_update_with_history(workers, Worker, sorted(fields), batch_size=500, default_user=batch.actor,
                                 default_change_reason=CHANGE_REASON, default_date=batch.now)
        for r in part:
            for event in timeline_events_for_changes(r.existing, r.changes, actor=batch.actor,
                                                     kind_default=TimelineKind.IMPORTED):
                batch.timeline_event(event)
            batch.audit_event(action=Action.UPDATE, obj_type="worker", obj_id=r.existing.pk, obj_repr=str(r.existing),
                              region=r.existing.residence_region_id, changes=audit_changes(r.changes),
                              detail={"source": "import"})
        batch.flush()


def _holder_worker(holder: Any) -> Worker:
    return holder if isinstance(holder, Worker) else holder.existing


_CERT_COLUMNS = ["worker_id", "kind", "certificate_no", *CERT_FIELDS, "created_at"]


def _create_certificates(rows: list[PlannedRow], batch: _Batch, ticker: _Ticker) -> None:
    """New certificates with their history ("+"), a timeline line and a create audit event each."""
    certificates = Inserter(Certificate, _CERT_COLUMNS)
    history = Copier(Certificate.history.model, Certificate, [(f, f) for f in ["id", *_CERT_COLUMNS]], _HISTORY_EXTRA)
    history_values = history.prepare([batch.now, CHANGE_REASON, "+", batch.actor.pk])
    for part in chunks(rows, BATCH):
        values = [(_holder_worker(r.data["holder"]).pk, r.data["kind"], r.data["certificate_no"],
                   *(r.data[f] for f in CERT_FIELDS), batch.now) for r in part]
        pks = certificates.insert_returning_pks(values)
        history.copy(pks, history_values)
        for r, v, pk in zip(part, values, pks, strict=True):
            worker_id, kind, number = v[:3]
            batch.timeline.append((worker_id, batch.now, TimelineKind.CERTIFICATE, batch.actor.pk,
                                   {"certificate": pk, "kind": kind, "occupation": r.data["occupation"]}))
            batch.audit_event(action=Action.CREATE, obj_type="certificate", obj_id=pk, obj_repr=f"{kind} {number}",
                              region=_holder_worker(r.data["holder"]).residence_region_id,
                              detail={"worker": worker_id, "source": "import"})
        batch.flush()
        ticker.step(len(part))


def _update_certificates(rows: list[PlannedRow], batch: _Batch, ticker: _Ticker) -> None:
    for part in chunks(rows, BATCH):
        certs = []
        for r in part:
            for f in r.changes:
                setattr(r.existing, f, r.data[f])
            certs.append(r.existing)
            batch.audit_event(action=Action.UPDATE, obj_type="certificate", obj_id=r.existing.pk,
                              obj_repr=f"{r.existing.kind} {r.existing.certificate_no}",
                              region=_holder_worker(r.data["holder"]).residence_region_id, changes=r.changes,
                              detail={"source": "import"})
        bulk_update_with_history(certs, Certificate, list(CERT_FIELDS), batch_size=500, default_user=batch.actor,
                                 default_change_reason=CHANGE_REASON, default_date=batch.now)
        batch.flush()
        ticker.step(len(part))
