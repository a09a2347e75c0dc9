from __future__ import annotations

import pytest

from anju.audit.models import AuditEvent
from anju.registry.choices import TimelineKind
from anju.registry.services import LedgerError, worker_create, worker_reveal_id, worker_update
from anju.registry.tests.factories import next_id_number
from anju.registry.validation import clean_worker


def row(**over):
    base = {
        "name": "李四", "id_number": next_id_number(), "phone": "13912345678",
        "residence_region": "350581001", "employment_status": "失业", "difficulty_types": "低保对象、残疾人",
    }
    base.update(over)
    return base


def test_create_encrypts_masks_audits_and_starts_timeline(personas):
    data, problems = clean_worker(row())
    assert problems == []
    worker = worker_create(actor=personas.town, data=data)
    assert data["id_number"] not in worker.id_number_enc
    assert worker.id_number == data["id_number"]
    assert worker.id_number_masked == data["id_number"][:6] + "********" + data["id_number"][-4:]
    assert worker.phone_masked == "139****5678" and worker.phone_last4 == "5678"
    assert set(worker.difficulty_types) == {"minimum_living_allowance", "disabled"}
    event = AuditEvent.objects.get(action="create", object_type="worker")
    assert data["id_number"] not in str(event.changes)
    assert worker.timeline.get().kind == TimelineKind.REGISTERED


def test_create_refuses_duplicates_and_other_jurisdictions(personas):
    data, _ = clean_worker(row())
    worker_create(actor=personas.town, data=data)
    with pytest.raises(LedgerError):
        worker_create(actor=personas.county, data=data)
    other, _ = clean_worker(row(residence_region="350581002"))
    with pytest.raises(LedgerError):
        worker_create(actor=personas.town, data=other)


def test_update_records_changes_and_status_timeline(personas):
    data, _ = clean_worker(row())
    worker = worker_create(actor=personas.town, data=data)
    changes = worker_update(actor=personas.town, worker=worker, data={"employment_status": "employed"})
    assert changes == {"employment_status": ("unemployed", "employed")}
    assert worker.timeline.filter(kind=TimelineKind.STATUS).exists()
    assert worker_update(actor=personas.town, worker=worker, data={"employment_status": "employed"}) == {}


def test_reveal_is_audited_and_refused_outside_jurisdiction(personas):
    data, _ = clean_worker(row())
    worker = worker_create(actor=personas.town, data=data)
    assert worker_reveal_id(actor=personas.county, worker=worker) == data["id_number"]
    assert AuditEvent.objects.filter(action="reveal", actor=personas.county).count() == 1
    for outsider in (personas.lanxian, personas.town2, personas.union):
        with pytest.raises(LedgerError):
            worker_reveal_id(actor=outsider, worker=worker)


def test_audit_events_are_append_only(personas):
    from django.db import DatabaseError, connection

    from anju.audit.models import AppendOnlyError

    data, _ = clean_worker(row())
    worker_create(actor=personas.town, data=data)
    event = AuditEvent.objects.first()
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(DatabaseError), connection.cursor() as cur:
        cur.execute("UPDATE audit_auditevent SET action = 'x'")
