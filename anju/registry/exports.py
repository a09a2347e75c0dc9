"""The ledger export: the rows of the workbook layout (docs/ledger-workbook.md) for a queryset,
read as plain values (no model instances), with identifiers masked unless full numbers are asked
for, and the audit event every export writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import translation

from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.lib import crypto
from anju.registry.choices import (
    CertificateKind,
    DifficultyType,
    Education,
    EmploymentStatus,
    Gender,
    Relation,
    types_of,
)
from anju.registry.models import Certificate, Worker

CHUNK = 2000
_WORKER_VALUES = [
    "name", "id_number_masked", "id_number_enc", "gender", "birth_date", "phone_masked", "phone_enc",
    "hukou_region_id", "residence_region_id", "education", "employment_status", "unemployment_registered_on",
    "difficulty_mask", "pension_insured", "medical_insured", "unemployment_insured", "injury_insured",
    "ui_contribution_months", "last_income_month", "monthly_income", "skills", "desired_occupation",
    "desired_region_id", "expected_salary", "training_willing", "household__household_no", "relation_to_head", "notes",
]


def _labels(choices) -> dict[str, str]:
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in choices.choices}


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


def _month(value: dt.date | None) -> str:
    return f"{value:%Y-%m}" if value else ""


def worker_rows(qs: QuerySet[Worker], *, full: bool) -> Iterator[list[Any]]:
    gender, education, status, relation = _labels(Gender), _labels(Education), _labels(EmploymentStatus), _labels(Relation)
    difficulty = _labels(DifficultyType)
    for v in qs.values_list(*_WORKER_VALUES).iterator(chunk_size=CHUNK):
        (name, id_masked, id_enc, g, birth, phone_masked, phone_enc, hukou, residence, edu, st, registered,
         mask, pension, medical, unemployment, injury, months, last_income, income, skills, occupation,
         desired, salary, training, household_no, rel, notes) = v
        yield [
            name, crypto.decrypt(id_enc) if full else id_masked, gender.get(g, g), birth,
            crypto.decrypt(phone_enc) if full else phone_masked, hukou or "", residence, education.get(edu, edu),
            status.get(st, st), registered, "、".join(difficulty[t] for t in types_of(mask)),
            _yes_no(pension), _yes_no(medical), _yes_no(unemployment), _yes_no(injury), months,
            _month(last_income), income, skills, occupation, desired or "", salary, _yes_no(training),
            household_no or "", relation.get(rel, rel), notes,
        ]


def certificate_rows(qs: QuerySet[Worker], *, full: bool) -> Iterator[list[Any]]:
    kinds = _labels(CertificateKind)
    certs = (Certificate.objects.filter(worker_id__in=qs.order_by().values("id")).order_by("worker_id", "id")
             .values_list("worker__id_number_enc" if full else "worker__id_number_masked", "kind", "occupation",
                          "grade", "shortage", "issued_on", "certificate_no"))
    for number, kind, occupation, grade, shortage, issued, no in certs.iterator(chunk_size=CHUNK):
        yield [crypto.decrypt(number) if full else number, kinds.get(kind, kind), occupation, grade,
               _yes_no(shortage), issued, no]


def export_record(*, actor, params: dict[str, Any], rows: int, full: bool, file_format: str) -> None:
    """Every export is an audit event: what was asked for, how many rows, masked or full."""
    audit_record(actor=actor, action=Action.EXPORT, object_type="worker", object_repr="台账导出",
                 region_code=actor.jurisdiction,
                 detail={"filters": params, "rows": rows, "full": full, "format": file_format})
