from __future__ import annotations

import datetime as dt
import itertools

from anju.lib.identifiers import make_id_number
from anju.registry.choices import EmploymentStatus
from anju.registry.models import Worker
from anju.registry.services import set_identifiers

_seq = itertools.count(1)


def next_id_number(region6: str = "350581", birth: dt.date = dt.date(1985, 6, 15)) -> str:
    n = next(_seq)
    return make_id_number(region6, birth + dt.timedelta(days=n // 900), n % 900 + 1)


def make_worker(*, residence: str = "350581001000", name: str = "张三", id_number: str | None = None,
                phone: str = "13800001234", **fields) -> Worker:
    """A worker saved directly (no service, no audit): test set-up only."""
    from anju.lib.identifiers import parse_id_number

    number = id_number or next_id_number()
    parsed = parse_id_number(number)
    worker = Worker(
        name=name, residence_region_id=residence, gender=parsed.gender, birth_date=parsed.birth_date,
        employment_status=fields.pop("employment_status", EmploymentStatus.UNEMPLOYED), **fields,
    )
    set_identifiers(worker, id_number=parsed.number, phone=phone)
    worker.save()
    return worker
