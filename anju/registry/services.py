"""Writes to the ledger. Each function is atomic and writes its audit event in the same
transaction. Input is already cleaned by `registry.validation`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.lib import crypto
from anju.lib.errors import AnjuError
from anju.lib.identifiers import mask_id_number, mask_mobile
from anju.regions.codes import in_prefix
from anju.registry.choices import TimelineKind, VisitResult, types_of
from anju.registry.models import Certificate, Household, TimelineEvent, VerificationVisit, Worker
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
        raise LedgerError(_("户编号已被您管辖范围以外的家庭使用。"), field="household_no")
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


@transaction.atomic
def worker_create(*, actor, data: dict[str, Any]) -> Worker:
    if not WorkerPolicy.can(actor, "create"):
        raise LedgerError(_("您没有登记人员的权限。"))
    check_jurisdiction(actor, data["residence_region_id"])
    if find_worker_by_id_number(data["id_number"]) is not None:
        raise LedgerError(_("该公民身份号码已在台账中登记。"), field="id_number")
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


@transaction.atomic
def worker_update(*, actor, worker: Worker, data: dict[str, Any], kind: str = TimelineKind.UPDATED) -> dict[str, tuple[Any, Any]]:
    """Apply changed fields; returns what changed (empty when nothing did)."""
    if not WorkerPolicy.can_on(actor, "change", worker):
        raise LedgerError(_("您没有修改该人员信息的权限。"))
    if "id_number" in data and id_hash(data["id_number"]) != worker.id_number_hash:
        raise LedgerError(_("公民身份号码不能修改；如登记有误，请注销后重新登记。"), field="id_number")
    if "residence_region_id" in data:
        check_jurisdiction(actor, data["residence_region_id"])
    changes = diff_worker(worker, data)
    if not changes:
        return {}
    for name in WORKER_MODEL_FIELDS:
        if name in changes:
            setattr(worker, name, data[name])
    if "phone" in changes:
        set_identifiers(worker, phone=data["phone"])
    if "household_no" in changes:
        worker.household = household_for(data["household_no"], worker.residence_region_id, actor=actor)
    worker.full_clean(exclude=["id_number_enc", "id_number_hash", "created_by"])
    worker.save()
    TimelineEvent.objects.bulk_create(timeline_events_for_changes(worker, changes, actor=actor, kind_default=kind))
    audit_record(actor=actor, action=Action.UPDATE, obj=worker, region_code=worker.residence_region_id,
                 changes=audit_changes(changes))
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
) -> VerificationVisit:
    """Record a house-to-house verification; `corrections` are cleaned field values to apply."""
    if not WorkerPolicy.can_on(actor, "verify", worker):
        raise LedgerError(_("您没有核实该人员的权限。"))
    if visited_on > timezone.localdate():
        raise LedgerError(_("核实日期不能晚于今天。"), field="visited_on")
    changes = {}
    if corrections:
        changes = worker_update(actor=actor, worker=worker, data=corrections, kind=TimelineKind.VERIFIED)
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
    if worker.last_verified_on is None or visited_on > worker.last_verified_on:
        worker.last_verified_on = visited_on
        worker.save(update_fields=["last_verified_on", "updated_at"])
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
