"""Reads of the benefits work, always scoped to the acting user's jurisdiction (ApplicationPolicy).

Every application a view touches comes through `get_application_for_user`: missing and out of
scope give the same 404."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from anju.accounts.permissions import areas_overlap_q
from anju.benefits.models import (
    Application,
    ApplicationStep,
    Attachment,
    Fund,
    Grant,
    Notice,
    PaymentBatch,
    StepEvent,
)
from anju.benefits.permissions import ApplicationPolicy, FundPolicy, GrantPolicy, PaymentPolicy


def applications_for_user(user, *, within: str = "", action: str = "view") -> QuerySet[Application]:
    """Applications the user may `action`; `within` narrows to a division prefix (a malformed or
    foreign prefix gives nothing, like the ledger's region filter)."""
    return ApplicationPolicy.scope(user, Application.objects.all(), action, within=within)


def filtered_applications(user, *, policy: str = "", status: str = "", door: str = "", step: str = "",
                          within: str = "") -> QuerySet[Application]:
    qs = applications_for_user(user, within=within)
    if policy:
        qs = qs.filter(policy_id=policy)
    if status:
        qs = qs.filter(status=status)
    if door:
        qs = qs.filter(door=door)
    if step:
        qs = qs.filter(current_step=step)
    return qs


def status_counts(qs: QuerySet[Application]) -> dict[str, int]:
    """{status: count} of a (filtered, scoped) list, in one query."""
    return {row["status"]: row["n"] for row in qs.order_by().values("status").annotate(n=Count("id"))}


def get_application_for_user(user, pk, *, action: str = "view") -> Application:
    """The application, if the user may `action` it; otherwise 404."""
    pk = checked_pk(pk)
    application = (applications_for_user(user).select_related("decision", "worker", "recheck_of", "created_by")
                   .filter(pk=pk).first())
    if application is None or not ApplicationPolicy.can_on(user, action, application):
        raise Http404
    return application


def steps_of(application: Application) -> list[ApplicationStep]:
    """The chain in order, with each step's task, its pauses and its events (with who)."""
    return list(application.steps.select_related("task", "decided_by").prefetch_related(
        "task__pauses", Prefetch("events", queryset=StepEvent.objects.select_related("actor"))).order_by("position"))


def attachments_of(application: Application) -> list[Attachment]:
    return list(application.attachments.select_related("uploaded_by"))


def grant_of(application: Application) -> Grant | None:
    return Grant.objects.filter(application=application).select_related("fund").first()


def worker_applications(user, worker) -> list[Application]:
    """A worker's applications (and their household's) the user may see, newest first, each with
    its grant when there is one."""
    subject = Q(worker=worker) | Q(subject_type="worker", subject_id=worker.pk)
    if worker.household_id:
        subject |= Q(subject_type="household", subject_id=worker.household_id)
    qs = applications_for_user(user).filter(subject)
    grants = {g.application_id: g for g in GrantPolicy.scope(user, Grant.objects.filter(application__in=qs))}
    rows = list(qs.order_by("-created_at", "-id")[:50])
    for row in rows:
        row.grant_row = grants.get(row.pk)
    return rows


MAX_ID = 2**63 - 1  # a larger number in a URL would overflow the database's integer, not find nothing


def checked_pk(value) -> int:
    """A primary key from a URL or form, or 404 (never an overflow in the database)."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk <= MAX_ID:
        raise Http404
    return pk


# Grants, funds, notices and payment batches -------------------------------------------------
def grants_for_user(user, *, within: str = ""):
    return GrantPolicy.scope(user, Grant.objects.all(), within=within)


def get_grant_for_user(user, pk) -> Grant:
    grant = (grants_for_user(user).select_related("application", "decision", "fund", "notice", "approved_by")
             .filter(pk=checked_pk(pk)).first())
    if grant is None:
        raise Http404
    return grant


def funds_for_user(user, action: str = "view"):
    return FundPolicy.scope(user, Fund.objects.all(), action)


def get_fund_for_user(user, pk) -> Fund:
    fund = funds_for_user(user).filter(pk=checked_pk(pk)).first()
    if fund is None:
        raise Http404
    return fund


def notices_for_user(user):
    """Notices whose area and the user's jurisdiction overlap (a town officer sees the county's)."""
    if not GrantPolicy.can(user, "view"):
        return Notice.objects.none()
    return Notice.objects.filter(areas_overlap_q("region_prefix", user.jurisdiction or ""))


def get_notice_for_user(user, pk) -> Notice:
    notice = notices_for_user(user).select_related("published_by").filter(pk=checked_pk(pk)).first()
    if notice is None:
        raise Http404
    return notice


def batches_for_user(user):
    return PaymentPolicy.scope(user, PaymentBatch.objects.select_related("fund", "created_by"))


def get_batch_for_user(user, pk) -> PaymentBatch:
    batch = batches_for_user(user).filter(pk=checked_pk(pk)).first()
    if batch is None:
        raise Http404
    return batch
