"""A worker as job matching sees them (Seeker, 求职登记), kept in step with the ledger.

The ledger gives the desired occupation (resolved to the catalogue: 烧焊 → 电焊工), skills,
desired place, expected pay, birth date, residence and certificates; matching adds what the
ledger does not hold — how far the worker would go (work_range), from when they are available,
certificates not in the ledger, the strength they can give, whether they are looking at all —
edited through `seeker_update` (audited). `refresh` re-reads the ledger and rewrites the
worker's terms (SeekerTerm): the tokens of the desired occupation and skills with the resolved
occupation's name and everyday names, and one "证:<name>" row per certificate held.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop as N_

from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.employment import text as text_mod
from anju.employment.models import Occupation, Physical, Seeker, SeekerTerm
from anju.employment.services import EmploymentError
from anju.registry.choices import EmploymentStatus

# The ledger statuses of someone looking for work: a Seeker is made for them by index-seekers.
SEEKING_STATUSES = frozenset({EmploymentStatus.UNEMPLOYED, EmploymentStatus.FLEXIBLE, EmploymentStatus.FARMING})
# Statuses in which a worker is not matched (their Seeker is set inactive on refresh).
NOT_SEEKING_STATUSES = frozenset({EmploymentStatus.EMPLOYED, EmploymentStatus.SELF_EMPLOYED, EmploymentStatus.UNABLE})
RANGE_DIGITS = {Seeker.Range.TOWN: 9, Seeker.Range.COUNTY: 6, Seeker.Range.CITY: 4, Seeker.Range.PROVINCE: 2,
                Seeker.Range.ANY: 0}
CHUNK = 2000
EDITABLE = ("active", "work_range", "available_from", "certificates", "physical")


def is_seeking(worker) -> bool:
    return worker.employment_status in SEEKING_STATUSES


def range_prefix(work_range: str, residence: str, desired_region: str | None = None) -> str:
    """The division prefix of a seeker's range: of the desired place when the ledger names one,
    else of the residence (town 9 digits, county 6, city 4, province 2, anywhere '')."""
    base = (desired_region or residence or "").ljust(12, "0")
    digits = RANGE_DIGITS.get(work_range, 6)
    return base[:digits] if digits else ""


def _occupation_ids() -> dict[str, int]:
    return dict(Occupation.objects.values_list("key", "pk"))


def resolve_occupation(worker, ids: dict[str, int] | None = None) -> int | None:
    """The catalogue occupation the ledger's desired occupation names (else the skills), or None."""
    ids = _occupation_ids() if ids is None else ids
    for source in (worker.desired_occupation, worker.skills):
        for key in text_mod.occupations_named(source or ""):
            if key in ids:
                return ids[key]
    return None


def certificate_names(seeker: Seeker, ledger: Iterable[str]) -> list[str]:
    from anju.employment.matching import certificate_key

    names = [c for c in (seeker.certificates or "").replace(",", "、").split("、")] + list(ledger)
    return list(dict.fromkeys(k for k in (certificate_key(n) for n in names) if k))


def seeker_terms(seeker: Seeker, worker, occupation: Occupation | None, ledger_certificates: Iterable[str]
                 ) -> list[SeekerTerm]:
    """The SeekerTerm rows of a seeker (not saved); sets seeker.doc_len."""
    from anju.employment.matching import CERT_PREFIX, impact

    words = [worker.desired_occupation or "", worker.skills or ""]
    if occupation is not None:
        words += [occupation.name, *occupation.alias_list]
    counts = text_mod.term_counts(" ".join(w for w in words if w))
    dl = min(sum(counts.values()), 32767)
    seeker.doc_len = dl
    rows = [SeekerTerm(seeker_id=seeker.pk, term=t, tf=min(n, 32767), dl=dl, impact=impact(min(n, 32767), dl))
            for t, n in counts.items()]
    rows += [SeekerTerm(seeker_id=seeker.pk, term=(CERT_PREFIX + c)[:40], tf=1, dl=dl, impact=impact(1, dl))
             for c in certificate_names(seeker, ledger_certificates)]
    return rows


def _apply_ledger(seeker: Seeker, worker, occupation_id: int | None) -> None:
    seeker.region_code = worker.residence_region_id
    seeker.birth_date = worker.birth_date
    seeker.pay_floor = worker.expected_salary
    seeker.occupation_id = occupation_id
    seeker.range_prefix = range_prefix(seeker.work_range, worker.residence_region_id, worker.desired_region_id)
    if worker.employment_status in NOT_SEEKING_STATUSES:
        seeker.active = False


def refresh(worker_ids: Iterable[int], *, create: bool = True) -> int:
    """Re-read the ledger for these workers: their Seeker (made when missing and `create`) and its
    terms rewritten. Returns how many seekers were written."""
    from anju.employment.matching import clear_stats
    from anju.registry.models import Certificate, Worker

    ids = list(dict.fromkeys(worker_ids))
    occupation_ids = _occupation_ids()
    occupations = Occupation.objects.in_bulk()
    now = timezone.now()
    written = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        workers = Worker.objects.in_bulk(chunk)
        existing = Seeker.objects.in_bulk(chunk)
        ledger: dict[int, list[str]] = {}
        for wid, occ in Certificate.objects.filter(worker_id__in=chunk).values_list("worker_id", "occupation"):
            ledger.setdefault(wid, []).append(occ)
        new, old, terms = [], [], []
        for wid in chunk:
            worker = workers.get(wid)
            if worker is None:
                continue
            seeker = existing.get(wid)
            if seeker is None:
                if not create:
                    continue
                seeker = Seeker(worker_id=wid, active=worker.employment_status not in NOT_SEEKING_STATUSES,
                                work_range=Seeker.Range.COUNTY, physical=Physical.HEAVY)
                new.append(seeker)
            else:
                old.append(seeker)
            occupation_id = resolve_occupation(worker, occupation_ids)
            _apply_ledger(seeker, worker, occupation_id)
            seeker.indexed_at = now
            seeker.updated_at = now
            terms += seeker_terms(seeker, worker, occupations.get(occupation_id), ledger.get(wid, []))
        with transaction.atomic():
            if new:
                Seeker.objects.bulk_create(new, batch_size=1000)
            if old:
                Seeker.objects.bulk_update(old, ["region_code", "birth_date", "pay_floor", "occupation",
                                                 "range_prefix", "active", "doc_len", "indexed_at", "updated_at"],
                                           batch_size=1000)
            SeekerTerm.objects.filter(seeker_id__in=[s.pk for s in new + old]).delete()
            SeekerTerm.objects.bulk_create(terms, batch_size=2000)
        written += len(new) + len(old)
    clear_stats()
    return written


def refresh_all(*, everyone: bool = True) -> int:
    """Every seeking worker and every existing seeker re-read (`everyone`), or only the missing
    and the stale (the worker changed, or a certificate was added, since the seeker was indexed)."""
    from django.db.models import Exists, F, OuterRef, Q

    from anju.registry.models import Certificate, Worker

    if everyone:
        ids = set(Worker.objects.filter(employment_status__in=SEEKING_STATUSES).values_list("pk", flat=True))
        ids |= set(Seeker.objects.values_list("pk", flat=True))
    else:
        ids = set(Worker.objects.filter(employment_status__in=SEEKING_STATUSES, seeker__isnull=True)
                  .values_list("pk", flat=True))
        ids |= set(Seeker.objects.filter(Q(indexed_at__isnull=True) | Q(indexed_at__lt=F("worker__updated_at")))
                   .values_list("pk", flat=True))
        # A certificate added since (a ledger import writes certificates without touching the worker).
        newer = Certificate.objects.filter(worker_id=OuterRef("pk"), created_at__gt=OuterRef("indexed_at"))
        ids |= set(Seeker.objects.filter(Exists(newer)).values_list("pk", flat=True))
    return refresh(sorted(ids))


def seeker_for(worker) -> Seeker:
    """The worker's Seeker, made from the ledger (and indexed) when missing."""
    seeker = Seeker.objects.select_related("occupation").filter(pk=worker.pk).first()
    if seeker is None:
        refresh([worker.pk])
        seeker = Seeker.objects.select_related("occupation").get(pk=worker.pk)
    return seeker


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "work_range" in data:
        if data["work_range"] not in Seeker.Range.values:
            raise EmploymentError(N_("请选择求职范围。"), "work_range")
        out["work_range"] = data["work_range"]
    if "physical" in data:
        if data["physical"] not in Physical.values:
            raise EmploymentError(N_("请选择可承受体力。"), "physical")
        out["physical"] = data["physical"]
    if "available_from" in data:
        value = data["available_from"]
        if value is not None and not isinstance(value, dt.date):
            raise EmploymentError(N_("可到岗日期不正确。"), "available_from")
        out["available_from"] = value
    if "certificates" in data:
        names = [c.strip() for c in str(data["certificates"] or "").replace(",", "、").replace("，", "、").split("、")]
        value = "、".join(n for n in names if n)
        if len(value) > 300:
            raise EmploymentError(N_("持有证书最多 300 字。"), "certificates")
        out["certificates"] = value
    if "active" in data:
        out["active"] = bool(data["active"])
    return out


@transaction.atomic
def seeker_update(*, actor, worker, data: dict[str, Any]) -> Seeker:
    """Change what matching adds to the ledger (work_range, available_from, certificates,
    physical, active); audited, and the worker re-indexed."""
    from anju.employment.permissions import SeekerPolicy

    values = _clean(data)
    seeker = seeker_for(worker)
    seeker = Seeker.objects.select_for_update().get(pk=seeker.pk)
    if not SeekerPolicy.can_on(actor, "change", seeker):
        raise EmploymentError(N_("您没有修改该劳动者求职登记的权限。"), code="forbidden", status=403)
    changes = {k: (getattr(seeker, k), v) for k, v in values.items() if getattr(seeker, k) != v}
    if not changes:
        return seeker
    for k, v in values.items():
        setattr(seeker, k, v)
    seeker.save(update_fields=[*values, "updated_at"])
    refresh([worker.pk])
    seeker.refresh_from_db()
    audit_record(actor=actor, action=Action.UPDATE, obj=seeker, region_code=seeker.region_code,
                 changes={k: (str(a), str(b)) for k, (a, b) in changes.items()})
    return seeker
