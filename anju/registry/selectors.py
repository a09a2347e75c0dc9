"""Reads of the ledger, always scoped to the acting user's jurisdiction."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from anju.accounts.permissions import WorkerPolicy
from anju.regions.codes import prefix_q
from anju.registry.models import Worker


def workers_for_user(user) -> QuerySet[Worker]:
    if not WorkerPolicy.can(user, "view"):
        return Worker.objects.none()
    return Worker.objects.filter(prefix_q("residence_region_id", user.jurisdiction))


def get_worker_for_user(user, pk, *, action: str = "view") -> Worker:
    """The worker, if the user may `action` it; otherwise 404 (missing and forbidden look alike)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    worker = (
        workers_for_user(user)
        .select_related("residence_region", "hukou_region", "desired_region", "household")
        .filter(pk=pk)
        .first()
    )
    if worker is None or not WorkerPolicy.can_on(user, action, worker):
        raise Http404
    return worker


def search_workers(qs: QuerySet[Worker], q: str) -> QuerySet[Worker]:
    """One search box: a full ID number (exact, via its keyed hash), the last 4 digits of a phone
    number, or a name (prefix match, so the name index serves it)."""
    from anju.lib.identifiers import IdentifierError, normalize_id_number, parse_id_number
    from anju.registry.services import id_hash

    q = (q or "").strip()
    if not q:
        return qs
    number = normalize_id_number(q)
    if len(number) in (15, 18) and number[:6].isdigit():
        try:
            number = parse_id_number(number).number
        except IdentifierError:
            pass
        return qs.filter(id_number_hash=id_hash(number))
    if q.isdigit() and len(q) == 4:
        return qs.filter(phone_last4=q)
    return qs.filter(name__startswith=q)
