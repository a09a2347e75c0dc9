"""Writes to the ledger. Each function is atomic and writes its audit event in the same
transaction. Input is already cleaned by `registry.validation`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_

from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.lib import crypto
from anju.lib.errors import AnjuError
from anju.lib.identifiers import mask_id_number, mask_mobile
from anju.lib.versioning import adopt, lock_versioned, save_versioned
from anju.regions.codes import in_prefix
from anju.registry.choices import TimelineKind, VisitResult, types_of
from anju.registry.models import (
    Certificate,
    Child,
    Household,
    TimelineEvent,
    VerificationVisit,
    Worker,
    child_born_after,
)
from anju.registry.permissions import WorkerPolicy
from anju.registry.validation import WORKER_MODEL_FIELDS
from anju.workflow.services import close_open_tasks_for


class LedgerError(AnjuError):
    """A broken business rule; `message` is shown to the user."""

    code = "ledger_rule"


def id_hash(number: str) -> str:
    return crypto.lookup_hash(number, purpose="id")


def phone_hash(number: str) -> str:
    return crypto.lookup_hash(number, purpose="phone")


def find_worker_by_id_number(number: str) -> Worker | None:
    """Unscoped lookup for de-duplication; callers scope what they show."""
    return Worker.objects.filter(id_number_hash=id_hash(number)).first()


IDENTIFIER_FIELDS = ("id_number_enc", "id_number_hash", "id_number_masked",
                     "phone_enc", "phone_hash", "phone_masked", "phone_last4")


def identifier_columns(numbers: list[str], phones: list[str]) -> list[tuple]:
    """The stored columns (IDENTIFIER_FIELDS order) of each ID number and phone number pair:
    encrypted, keyed hash, masked (and the phone's last four digits). Batched for imports."""
    numbers_enc, phones_enc = crypto.encrypt_many(numbers), crypto.encrypt_many(phones)
    return [(number_enc, id_hash(number), mask_id_number(number), phone_enc, phone_hash(phone), mask_mobile(phone),
             phone[-4:]) for number, number_enc, phone, phone_enc in zip(numbers, numbers_enc, phones, phones_enc, strict=True)]


def set_identifiers(worker: Worker, *, id_number: str | None = None, phone: str | None = None) -> None:
    (columns,) = identifier_columns([id_number or ""], [phone or ""])
    values = dict(zip(IDENTIFIER_FIELDS, columns, strict=True))
    fields = (IDENTIFIER_FIELDS[:3] if id_number is not None else ()) + (IDENTIFIER_FIELDS[3:] if phone is not None else ())
    for name in fields:
        setattr(worker, name, values[name])


def _display(field: str, value: Any) -> Any:
    if field == "difficulty_mask":
        return types_of(value or 0)
    return value


def diff_worker(worker: Worker, data: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Fields whose stored value differs from `data`: {field: (before, after)}; identifiers masked."""
    changes: dict[str, tuple[Any, Any]] = {}
    for name in WORKER_MODEL_FIELDS:
        if name in data and getattr(worker, name) != data[name]:
            changes[name] = (getattr(worker, name), data[name])
    if "phone" in data and worker.phone_hash != (phone_hash(data["phone"]) if data["phone"] else ""):
        changes["phone"] = (worker.phone_masked, mask_mobile(data["phone"]))
    if "household_no" in data:
        current = worker.household.household_no if worker.household_id else ""
        if current != (data["household_no"] or ""):
            changes["household_no"] = (current, data["household_no"] or "")
    return changes


def audit_changes(changes: dict[str, tuple[Any, Any]]) -> dict[str, tuple[Any, Any]]:
    return {k: (_display(k, a), _display(k, b)) for k, (a, b) in changes.items()}


def household_for(household_no: str, region_id: str, *, actor=None) -> Household | None:
    """The household with this number, created in `region_id` if new. A number already used by a
    household outside the actor's jurisdiction is refused (as the workbook import does)."""
    if not household_no:
        return None
    household, _created = Household.objects.get_or_create(household_no=household_no, defaults={"region_id": region_id})
    if actor is not None and not in_prefix(household.region_id, actor.jurisdiction):
        raise LedgerError(_(HOUSEHOLD_HELD_ELSEWHERE), field="household_no")
    return household


def check_jurisdiction(actor, region_id: str | None) -> None:
    if not in_prefix(region_id, actor.jurisdiction):
        raise LedgerError(_("该人员的现居住地不在您的管辖范围内。"), field="residence_region")


def timeline_add(*, worker: Worker, kind: str, actor=None, data: dict | None = None, at: dt.datetime | None = None) -> TimelineEvent:
    return TimelineEvent.objects.create(worker=worker, kind=kind, actor=actor, data=data or {}, at=at or timezone.now())


def timeline_events_for_changes(worker: Worker, changes: dict[str, tuple[Any, Any]], *, actor, kind_default: str) -> list[TimelineEvent]:
    """The timeline lines a set of changes makes: status and difficulty changes get their own."""
    now = timezone.now()
    events = []
    rest = dict(changes)
    if "employment_status" in rest:
        before, after = rest.pop("employment_status")
        events.append(TimelineEvent(worker=worker, kind=TimelineKind.STATUS, actor=actor, at=now,
                                    data={"before": before, "after": after}))
    if "difficulty_mask" in rest:
        before, after = rest.pop("difficulty_mask")
        events.append(TimelineEvent(worker=worker, kind=TimelineKind.DIFFICULTY, actor=actor, at=now,
                                    data={"before": types_of(before or 0), "after": types_of(after or 0)}))
    if rest:
        events.append(TimelineEvent(worker=worker, kind=kind_default, actor=actor, at=now,
                                    data={"fields": sorted(rest)}))
    return events


# An ID number (or household number) held outside the actor's jurisdiction: saying so would tell
# a town officer that the person is in another region's hardship ledger. The refusal is neutral
# and refers to the county, which sees the audited attempt (`id_refusal_record`).
ID_HELD_ELSEWHERE = N_("该身份证号码无法在此登记，请联系县级管理员核实。")
HOUSEHOLD_HELD_ELSEWHERE = N_("该户编号无法在此使用，请联系县级管理员核实。")


def id_refusal_record(*, actor, number_hash: str, holder_region: str, region_code: str,
                      detail: dict[str, Any] | None = None) -> None:
    """Audit an attempt to register an ID number held outside the actor's jurisdiction: the
    keyed hash (never the number), the holder's region and where it was tried (`region_code`,
    so that the actor's county sees it)."""
    audit_record(actor=actor, action=Action.CREATE, object_type="worker", object_repr="拒绝登记：身份证号码已在其他辖区登记",
                 region_code=region_code,
                 detail={"outcome": "refused", "reason": "id_number_held_elsewhere", "id_number_hash": number_hash,
                         "holder_region": holder_region} | (detail or {}))


def household_refusal_check(*, actor, household_no: str, region_code: str) -> None:
    """Refuse, neutrally and audited, a household number used by a household outside the actor's
    jurisdiction. Called before the write's transaction, so the refusal keeps its audit event."""
    if not household_no:
        return
    held = Household.objects.filter(household_no=household_no).values_list("region_id", flat=True).first()
    if held is not None and not in_prefix(held, actor.jurisdiction):
        audit_record(actor=actor, action=Action.CREATE, object_type="household",
                     object_repr="拒绝使用：户编号已在其他辖区使用", region_code=region_code,
                     detail={"outcome": "refused", "reason": "household_no_held_elsewhere", "holder_region": held})
        raise LedgerError(_(HOUSEHOLD_HELD_ELSEWHERE), field="household_no")


def worker_create(*, actor, data: dict[str, Any]) -> Worker:
    """Register a person. An ID number already in the ledger is refused: precisely when the holder
    is in the actor's jurisdiction, neutrally and audited when not (the audit is written outside
    the registration's transaction, so that the refusal does not roll it back)."""
    if not WorkerPolicy.can(actor, "create"):
        raise LedgerError(_("您没有登记人员的权限。"))
    check_jurisdiction(actor, data["residence_region_id"])
    holder = find_worker_by_id_number(data["id_number"])
    if holder is not None and not in_prefix(holder.residence_region_id, actor.jurisdiction):
        id_refusal_record(actor=actor, number_hash=holder.id_number_hash, holder_region=holder.residence_region_id,
                          region_code=data["residence_region_id"])
        raise LedgerError(_(ID_HELD_ELSEWHERE), field="id_number")
    if holder is not None:
        raise LedgerError(_("该公民身份号码已在台账中登记。"), field="id_number")
    household_refusal_check(actor=actor, household_no=data.get("household_no", ""),
                            region_code=data["residence_region_id"])
    return _worker_insert(actor=actor, data=data)


@transaction.atomic
def _worker_insert(*, actor, data: dict[str, Any]) -> Worker:
    worker = Worker(created_by=actor, **{k: data[k] for k in WORKER_MODEL_FIELDS if k in data})
    set_identifiers(worker, id_number=data["id_number"], phone=data.get("phone", ""))
    worker.household = household_for(data.get("household_no", ""), data["residence_region_id"], actor=actor)
    worker.full_clean(exclude=["id_number_enc", "id_number_hash", "created_by"])
    worker.save()
    timeline_add(worker=worker, kind=TimelineKind.REGISTERED, actor=actor)
    audit_record(
        actor=actor, action=Action.CREATE, obj=worker, region_code=worker.residence_region_id,
        changes=audit_changes({k: (None, after) for k, (_before, after) in diff_worker(Worker(), data).items()}
                              | {"id_number": (None, worker.id_number_masked)}),
    )
    return worker


# Columns a change of each non-model input writes (besides the model fields of the same name).
_CHANGE_COLUMNS = {"phone": list(IDENTIFIER_FIELDS[3:]), "household_no": ["household"]}


@transaction.atomic
def worker_update(*, actor, worker: Worker, data: dict[str, Any], kind: str = TimelineKind.UPDATED,
                  expected_version: int | None = None, authorised: bool = False) -> dict[str, tuple[Any, Any]]:
    """Apply the fields of `data` that differ from the stored record; returns what changed
    (empty when nothing did).

    The record is re-read under a row lock and `data` compared with that, not with `worker`
    (which the caller read earlier, perhaps before another edit committed); only the changed
    columns are written, with the version + 1. So concurrent edits of different fields all
    keep their change, and with `expected_version` (the version the form or `If-Match` started
    from) an edit of a record changed since is refused with `VersionConflict`, saving nothing.
    `worker` is updated to the stored record. `authorised`: the caller has checked the actor's
    right to the move that makes this change (an employer recording a hire sets the worker
    employed, though it may not edit the ledger)."""
    locked = lock_versioned(Worker.objects.select_related("household"), worker.pk, expected_version=expected_version)
    if not authorised and not WorkerPolicy.can_on(actor, "change", locked):
        raise LedgerError(_("您没有修改该人员信息的权限。"))
    if "id_number" in data and id_hash(data["id_number"]) != locked.id_number_hash:
        raise LedgerError(_("公民身份号码不能修改；如登记有误，请注销后重新登记。"), field="id_number")
    if "residence_region_id" in data:
        check_jurisdiction(actor, data["residence_region_id"])
    changes = diff_worker(locked, data)
    if not changes:
        adopt(worker, locked)
        return {}
    for name in WORKER_MODEL_FIELDS:
        if name in changes:
            setattr(locked, name, data[name])
    if "phone" in changes:
        set_identifiers(locked, phone=data["phone"])
    if "household_no" in changes:
        locked.household = household_for(data["household_no"], locked.residence_region_id, actor=actor)
    locked.full_clean(exclude=["id_number_enc", "id_number_hash", "created_by"])
    save_versioned(locked, [column for name in changes for column in _CHANGE_COLUMNS.get(name, [name])])
    adopt(worker, locked)
    TimelineEvent.objects.bulk_create(timeline_events_for_changes(locked, changes, actor=actor, kind_default=kind))
    audit_record(actor=actor, action=Action.UPDATE, obj=locked, region_code=locked.residence_region_id,
                 changes=audit_changes(changes), detail={"version": locked.version})
    return changes


@transaction.atomic
def worker_reveal_id(*, actor, worker: Worker, reason: str = "") -> str:
    """The full ID number, for a user allowed to see it. Every reveal is an audit event."""
    if not WorkerPolicy.can_on(actor, "reveal", worker):
        raise LedgerError(_("您没有查看完整证件号码的权限。"))
    audit_record(actor=actor, action=Action.REVEAL, obj=worker, region_code=worker.residence_region_id,
                 detail={"field": "id_number", "reason": reason[:200]})
    return worker.id_number


@transaction.atomic
def worker_reveal_phone(*, actor, worker: Worker) -> str:
    if not WorkerPolicy.can_on(actor, "reveal", worker):
        raise LedgerError(_("您没有查看完整手机号码的权限。"))
    audit_record(actor=actor, action=Action.REVEAL, obj=worker, region_code=worker.residence_region_id,
                 detail={"field": "phone"})
    return worker.phone


@transaction.atomic
def visit_record(
    *, actor, worker: Worker, visited_on: dt.date, result: str, findings: str = "",
    fields_confirmed: list[str] | None = None, corrections: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> VerificationVisit:
    """Record a house-to-house verification; `corrections` are cleaned field values to apply
    (as `worker_update`, refused if the record is no longer at `expected_version`)."""
    if not WorkerPolicy.can_on(actor, "verify", worker):
        raise LedgerError(_("您没有核实该人员的权限。"))
    if visited_on > timezone.localdate():
        raise LedgerError(_("核实日期不能晚于今天。"), field="visited_on")
    changes = {}
    if corrections:
        changes = worker_update(actor=actor, worker=worker, data=corrections, kind=TimelineKind.VERIFIED,
                                expected_version=expected_version)
    if changes and result == VisitResult.CONFIRMED:
        result = VisitResult.CORRECTED
    visit = VerificationVisit(
        worker=worker, visited_on=visited_on, staff=actor, result=result, findings=findings,
        fields_confirmed=sorted(fields_confirmed or []),
        corrections={k: [str(a) if a is not None else None, str(b) if b is not None else None]
                     for k, (a, b) in audit_changes(changes).items()},
    )
    visit.full_clean()
    visit.save()
    # Under the row lock, as every write of a worker: a visit recorded meanwhile may be later.
    locked = lock_versioned(Worker.objects.select_related("household"), worker.pk)
    if locked.last_verified_on is None or visited_on > locked.last_verified_on:
        locked.last_verified_on = visited_on
        save_versioned(locked, ["last_verified_on"])
    adopt(worker, locked)
    timeline_add(worker=worker, kind=TimelineKind.VERIFIED, actor=actor,
                 data={"visit": visit.pk, "result": result, "visited_on": visited_on.isoformat()})
    audit_record(actor=actor, action=Action.CREATE, obj=visit, region_code=worker.residence_region_id,
                 detail={"worker": worker.pk, "result": result, "corrected": sorted(changes)})
    # The visit is the work of any open verification task for this person that the actor owes.
    close_open_tasks_for(actor=actor, step="registry.verification_visit", subject_type="registry.worker",
                         subject_id=worker.pk, outcome=str(VisitResult(result).label))
    return visit


@transaction.atomic
def certificate_add(*, actor, worker: Worker, data: dict[str, Any]) -> Certificate:
    if not WorkerPolicy.can_on(actor, "change", worker):
        raise LedgerError(_("您没有修改该人员信息的权限。"))
    if Certificate.objects.filter(kind=data["kind"], certificate_no=data["certificate_no"]).exists():
        raise LedgerError(_("同类证书中已有该证书编号。"), field="certificate_no")
    cert = Certificate(worker=worker, **{k: data[k] for k in ("kind", "occupation", "grade", "shortage", "issued_on", "certificate_no")})
    cert.full_clean()
    cert.save()
    timeline_add(worker=worker, kind=TimelineKind.CERTIFICATE, actor=actor,
                 data={"certificate": cert.pk, "kind": cert.kind, "occupation": cert.occupation})
    audit_record(actor=actor, action=Action.CREATE, obj=cert, region_code=worker.residence_region_id)
    return cert


CHILD_FIELDS = ("name", "gender", "birth_date", "school", "notes")


def child_birth_date_problem(birth_date: dt.date, *, on: dt.date) -> str | None:
    """Why a child's birth date is refused on `on`, or None: not in the future, under 18."""
    if birth_date > on:
        return N_("出生日期不能晚于今天。")
    if birth_date <= child_born_after(on):
        return N_("子女须未满 18 周岁：出生日期须在最近 18 年内。")
    return None


@transaction.atomic
def child_add(*, actor, worker: Worker, data: dict[str, Any]) -> Child:
    """Record a worker's child under 18. The parent's jurisdiction decides who may."""
    if not WorkerPolicy.can_on(actor, "change", worker):
        raise LedgerError(_("您没有修改该人员信息的权限。"))
    from anju.lib.dates import today

    problem = child_birth_date_problem(data["birth_date"], on=today())
    if problem:
        raise LedgerError(_(problem), field="birth_date")
    child = Child(worker=worker, **{k: data.get(k, "") for k in CHILD_FIELDS})
    child.full_clean()
    child.save()
    audit_record(actor=actor, action=Action.CREATE, obj=child, region_code=worker.residence_region_id,
                 detail={"worker": worker.pk})
    return child


@transaction.atomic
def child_remove(*, actor, child: Child) -> None:
    worker = child.worker
    if not WorkerPolicy.can_on(actor, "change", worker):
        raise LedgerError(_("您没有修改该人员信息的权限。"))
    audit_record(actor=actor, action=Action.DELETE, obj=child, region_code=worker.residence_region_id,
                 detail={"worker": worker.pk})
    child.delete()
