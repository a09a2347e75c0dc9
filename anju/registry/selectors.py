"""Reads of the ledger, always scoped to the acting user's jurisdiction."""

from __future__ import annotations

from django.db.models import CharField, F, Func, QuerySet
from django.http import Http404

from anju.accounts.permissions import narrower_scope
from anju.regions.codes import is_code, prefix_q
from anju.registry.models import Worker
from anju.registry.permissions import WorkerPolicy

__all__ = ["get_worker_for_user", "narrower_scope", "search_workers", "workers_for_user"]


def workers_for_user(user, *, within: str = "", region_index: bool = True) -> QuerySet[Worker]:
    """Workers the user may see; `within` narrows to a division prefix (one range, not two, so
    the database has a single bound to plan with). `region_index=False` keeps SQLite from
    choosing the region index for a page query: with no statistics on ranges it takes it even
    when the range is most of the table and then sorts it all (see docs/benchmarks.md).

    The ledger list, its export, the API and the dashboard all read through this function, so
    they scope alike: the same prefix as `WorkerPolicy.can_on` (`Policy.visible_prefix`)."""
    scope = WorkerPolicy.visible_prefix(user, "view", within=within)
    if scope is None:
        return Worker.objects.none()
    if region_index:
        return Worker.objects.filter(prefix_q("residence_region_id", scope))
    return Worker.objects.alias(_region=NoIndex(F("residence_region_id"), output_field=CharField())).filter(prefix_q("_region", scope))


class NoIndex(Func):
    """`+column` on SQLite: the same value, but the planner will not use an index for it."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="+%(expressions)s", **extra)


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

    q = (q or "").strip()[:50]
    if not q:
        return qs
    number = normalize_id_number(q)
    if len(number) in (15, 18) and is_code(number[:6]):
        try:
            number = parse_id_number(number).number
        except IdentifierError:
            pass
        return qs.filter(id_number_hash=id_hash(number))
    if q.isascii() and q.isdigit() and len(q) == 4:
        return qs.filter(phone_last4=q)
    # A range rather than LIKE, so that SQLite uses the name index too.
    return qs.filter(name__gte=q, name__lt=q + "\U0010ffff")
