"""Reads of employment work, always scoped to the acting user (the Policy classes): staff see their
jurisdiction, an employer user its own organisation's postings and the candidates referred to them.

Every posting, referral or sign-up a view touches comes through `get_<entity>_for_user`: missing
and out of scope give the same 404."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from anju.employment.models import (
    JobInterest,
    JobPosting,
    Referral,
    ReferralEvent,
)
from anju.employment.permissions import InterestPolicy, PostingPolicy, ReferralPolicy

MAX_ID = 2**63 - 1


def checked_pk(value) -> int:
    """A primary key from a URL or form, or 404 (never an overflow in the database)."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk <= MAX_ID:
        raise Http404
    return pk


def optional_pk(value) -> int | None:
    """A filter's id (?campaign=, ?posting=): None when blank or malformed (a filter, not an error)."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk <= MAX_ID else None


# Postings ---------------------------------------------------------------------------------------
def postings_for_user(user, action: str = "view") -> QuerySet[JobPosting]:
    return PostingPolicy.scope(user, JobPosting.objects.all(), action)


def filtered_postings(user, *, kind: str = "", status: str = "", campaign: int | None = None,
                      q: str = "") -> QuerySet[JobPosting]:
    qs = postings_for_user(user)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if campaign:
        qs = qs.filter(campaigns__id=campaign)
    q = (q or "").strip()[:50]
    if q:
        from django.db.models import Q

        from anju.employment import occupations

        match = Q(title__contains=q) | Q(unit_name__contains=q)
        occupation = occupations.resolve(q)
        if occupation is not None:
            match |= Q(occupation_id=occupation)
        qs = qs.filter(match)
    return qs.select_related("occupation")


def status_counts(qs: QuerySet) -> dict[str, int]:
    return {row["status"]: row["n"] for row in qs.order_by().values("status").annotate(n=Count("id"))}


def get_posting_for_user(user, pk, *, action: str = "view") -> JobPosting:
    posting = (postings_for_user(user).select_related("occupation", "employer", "region", "created_by")
               .filter(pk=checked_pk(pk)).first())
    if posting is None or not PostingPolicy.can_on(user, action, posting):
        raise Http404
    return posting


# Referrals --------------------------------------------------------------------------------------
def referrals_for_user(user, action: str = "view") -> QuerySet[Referral]:
    return ReferralPolicy.scope(user, Referral.objects.all(), action)


def filtered_referrals(user, *, status: str = "", campaign: int | None = None,
                       posting: int | None = None) -> QuerySet[Referral]:
    qs = referrals_for_user(user)
    if status:
        qs = qs.filter(status=status)
    if campaign:
        qs = qs.filter(posting__campaigns__id=campaign)
    if posting:
        qs = qs.filter(posting_id=posting)
    return qs.select_related("worker", "posting", "referred_by")


def get_referral_for_user(user, pk, *, action: str = "view") -> Referral:
    referral = (referrals_for_user(user)
                .select_related("worker", "posting", "posting__employer", "posting__occupation", "hire", "referred_by",
                                "interest")
                .prefetch_related(Prefetch("events", queryset=ReferralEvent.objects.select_related("by")))
                .filter(pk=checked_pk(pk)).first())
    if referral is None or not ReferralPolicy.can_on(user, action, referral):
        raise Http404
    return referral


def posting_referrals(user, posting: JobPosting) -> list[Referral]:
    """The candidates referred to a posting that the user may see (an employer user: its own)."""
    return list(referrals_for_user(user).filter(posting=posting).select_related("worker")
                .order_by("-created_at", "-id")[:100])


def worker_referrals(user, worker) -> list[Referral]:
    return list(referrals_for_user(user).filter(worker=worker).select_related("posting")
                .order_by("-created_at", "-id")[:30])


def open_referral_postings(worker) -> set[int]:
    """The postings a worker has an open referral to (the matches page greys their 推荐 out)."""
    from anju.employment.models import REFERRAL_OPEN

    return set(Referral.objects.filter(worker=worker, status__in=REFERRAL_OPEN).values_list("posting_id", flat=True))


def open_referral_workers(posting: JobPosting) -> set[int]:
    from anju.employment.models import REFERRAL_OPEN

    return set(Referral.objects.filter(posting=posting, status__in=REFERRAL_OPEN).values_list("worker_id", flat=True))


def follow_up_task(referral: Referral):
    """The open follow-up task of a referral (its due date is shown on the referral's page)."""
    from anju.employment.services import REFERRAL_STEP
    from anju.workflow.models import OPEN_STATES, WorkTask

    return (WorkTask.objects.filter(step=REFERRAL_STEP, subject_type="referral", subject_id=referral.pk,
                                    state__in=OPEN_STATES).order_by("-opened_at").first())


# Sign-ups ---------------------------------------------------------------------------------------
def interests_for_user(user, action: str = "view") -> QuerySet[JobInterest]:
    return InterestPolicy.scope(user, JobInterest.objects.all(), action)


def get_interest_for_user(user, pk, *, action: str = "view") -> JobInterest:
    interest = (interests_for_user(user).select_related("posting", "worker", "handled_by")
                .filter(pk=checked_pk(pk)).first())
    if interest is None or not InterestPolicy.can_on(user, action, interest):
        raise Http404
    return interest
