"""Point-to-point transport (点对点): trips taking workers from home to an employer.

A trip is planned (sign-ups open), then departs, then arrives; a planned trip may be cancelled.
Passengers come from the ledger (found by ID number or name in the officer's jurisdiction) or
sign up on the spot, which registers them minimally in the ledger first. Each passenger's health
check and boarding are recorded before departure; only those who boarded set out (their timeline
says so). An arrived trip is what the `going_out_to_work` and `transport_cost` facts read, so
`shanxi-transport-subsidy` sees its poverty-alleviated passengers (anju.policies.facts).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_noop as N_

from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.employment.models import Campaign, TransportTrip, TripPassenger, TripStatus
from anju.employment.permissions import TripPolicy
from anju.employment.services import EmploymentError
from anju.lib.versioning import lock_versioned, save_versioned
from anju.regions.codes import in_prefix, significant_prefix

TRIP_FIELDS = ("origin_region_id", "origin_place", "destination_employer", "destination_place", "departs_on", "vehicle",
               "vehicle_no", "seats", "fare", "campaign")
TRANSPORT_POLICY = "shanxi-transport-subsidy"
# The moves of a trip: from which states each may be made, and the state it leads to.
TRIP_MOVES = {
    "depart": ((TripStatus.PLANNED,), TripStatus.DEPARTED),
    "arrive": ((TripStatus.DEPARTED,), TripStatus.ARRIVED),
    "cancel": ((TripStatus.PLANNED,), TripStatus.CANCELLED),
}


# Reads -------------------------------------------------------------------------------------------
def trips_for_user(user, action: str = "view"):
    return TripPolicy.scope(user, TransportTrip.objects.all(), action)


def get_trip_for_user(user, pk, *, action: str = "view") -> TransportTrip:
    from anju.employment.selectors import checked_pk

    trip = (trips_for_user(user).select_related("origin_region", "destination_employer", "campaign", "created_by")
            .filter(pk=checked_pk(pk)).first())
    if trip is None or not TripPolicy.can_on(user, action, trip):
        raise Http404
    return trip


def campaign_covers(campaign: Campaign, region_code: str) -> bool:
    """A trip may belong to a campaign whose region contains its place of departure."""
    return in_prefix(region_code, significant_prefix(campaign.region_id))


# Writes ------------------------------------------------------------------------------------------
def _check(actor, trip: TransportTrip, action: str) -> None:
    if not TripPolicy.can_on(actor, action, trip):
        raise EmploymentError(N_("您没有管理该地区点对点运送的权限。"), code="forbidden", status=403)


def _planned(trip: TransportTrip) -> None:
    if trip.status != TripStatus.PLANNED:
        raise EmploymentError(N_("该车次已%(status)s，不能再修改乘车人员。"), code="state",
                              params={"status": trip.get_status_display()})


@transaction.atomic
def trip_create(*, actor, data: dict[str, Any]) -> TransportTrip:
    trip = TransportTrip(created_by=actor, **{k: data[k] for k in TRIP_FIELDS if k in data})
    _check(actor, trip, "create")
    if trip.seats is not None and trip.seats < 1:
        raise EmploymentError(N_("座位数至少为 1。"), "seats")
    if trip.fare is not None and trip.fare < 0:
        raise EmploymentError(N_("交通费用不能为负数。"), "fare")
    if trip.campaign is not None and not campaign_covers(trip.campaign, trip.origin_region_id):
        raise EmploymentError(N_("出发地不在所选活动的地区内。"), "campaign")
    trip.full_clean(exclude=["origin_region", "destination_employer", "campaign", "created_by"])
    trip.save()
    audit_record(actor=actor, action=Action.CREATE, obj=trip, region_code=trip.origin_region_id,
                 detail={"departs_on": str(trip.departs_on), "seats": trip.seats,
                         "fare": str(trip.fare) if trip.fare is not None else None})
    return trip


def _lock(actor, trip: TransportTrip, expected_version: int | None = None) -> TransportTrip:
    locked = lock_versioned(TransportTrip.objects.all(), trip.pk, expected_version=expected_version)
    _check(actor, locked, "change")
    return locked


@transaction.atomic
def passenger_add(*, actor, trip: TransportTrip, worker, on_the_spot: bool = False) -> TripPassenger:
    """Put a worker of the ledger on a planned trip (one the actor may see), within its seats."""
    from anju.registry.permissions import WorkerPolicy

    locked = _lock(actor, trip)
    _planned(locked)
    if not WorkerPolicy.can_on(actor, "view", worker):
        raise EmploymentError(N_("该人员不在您的管辖范围内。"), "worker", code="forbidden", status=403)
    if locked.passengers.filter(worker=worker).exists():
        raise EmploymentError(N_("%(name)s已在本车次的乘车名单中。"), "worker", code="duplicate", params={"name": worker.name})
    if locked.passengers.count() >= locked.seats:
        raise EmploymentError(N_("座位已满（共 %(seats)s 座）。"), "worker", code="full", params={"seats": locked.seats})
    passenger = TripPassenger.objects.create(trip=locked, worker=worker, on_the_spot=on_the_spot)
    audit_record(actor=actor, action=Action.CREATE, obj=passenger, region_code=locked.origin_region_id,
                 detail={"trip": locked.pk, "worker": worker.pk, "on_the_spot": on_the_spot})
    return passenger


def passenger_sign_up(*, actor, trip: TransportTrip, data: dict[str, Any]) -> TripPassenger:
    """Sign up on the spot someone not in the ledger: registered minimally (the validated `data`
    of `registry.validation.clean_worker`) and put on the trip, together or not at all."""
    from anju.registry.services import LedgerError, find_worker_by_id_number, worker_create

    if find_worker_by_id_number(data["id_number"]) is not None:
        # Already registered: the ledger refuses it, outside this transaction so that the refusal
        # of a number held in another jurisdiction keeps its audit event.
        try:
            worker_create(actor=actor, data=data)
        except LedgerError as exc:
            raise EmploymentError(exc.message, "id_number", params=exc.params) from None
    with transaction.atomic():
        locked = _lock(actor, trip)
        _planned(locked)
        if locked.passengers.count() >= locked.seats:
            raise EmploymentError(N_("座位已满（共 %(seats)s 座）。"), code="full", params={"seats": locked.seats})
        try:
            worker = worker_create(actor=actor, data=data)
        except LedgerError as exc:
            raise EmploymentError(exc.message, exc.field, params=exc.params) from None
        return passenger_add(actor=actor, trip=locked, worker=worker, on_the_spot=True)


def _lock_passenger(actor, passenger: TripPassenger) -> tuple[TransportTrip, TripPassenger]:
    trip = _lock(actor, passenger.trip)
    _planned(trip)
    locked = TripPassenger.objects.select_for_update().select_related("worker").get(pk=passenger.pk)
    return trip, locked


@transaction.atomic
def passenger_health_check(*, actor, passenger: TripPassenger, done: bool = True) -> TripPassenger:
    trip, locked = _lock_passenger(actor, passenger)
    if not done and locked.boarded:
        raise EmploymentError(N_("已上车的人员不能撤销健康检查。"), code="state")
    if locked.health_checked != done:
        locked.health_checked = done
        locked.save(update_fields=["health_checked"])
        audit_record(actor=actor, action=Action.UPDATE, obj=locked, region_code=trip.origin_region_id,
                     changes={"health_checked": (not done, done)}, detail={"trip": trip.pk})
    return locked


@transaction.atomic
def passenger_board(*, actor, passenger: TripPassenger) -> TripPassenger:
    trip, locked = _lock_passenger(actor, passenger)
    if not locked.health_checked:
        raise EmploymentError(N_("%(name)s尚未完成健康检查，不能上车。"), code="state", params={"name": locked.worker.name})
    if not locked.boarded:
        locked.boarded = True
        locked.save(update_fields=["boarded"])
        audit_record(actor=actor, action=Action.UPDATE, obj=locked, region_code=trip.origin_region_id,
                     changes={"boarded": (False, True)}, detail={"trip": trip.pk})
    return locked


@transaction.atomic
def passenger_remove(*, actor, passenger: TripPassenger) -> None:
    trip, locked = _lock_passenger(actor, passenger)
    audit_record(actor=actor, action=Action.DELETE, obj=locked, region_code=trip.origin_region_id,
                 detail={"trip": trip.pk, "worker": locked.worker_id})
    locked.delete()


def _move(actor, trip: TransportTrip, move: str, expected_version: int | None) -> tuple[TransportTrip, str]:
    locked = _lock(actor, trip, expected_version)
    sources, target = TRIP_MOVES[move]
    if locked.status not in sources:
        raise EmploymentError(N_("该车次%(status)s，不能执行此操作。"), code="state",
                              params={"status": locked.get_status_display()})
    before = locked.status
    locked.status = target
    return locked, before


@transaction.atomic
def trip_depart(*, actor, trip: TransportTrip, expected_version: int | None = None) -> TransportTrip:
    """The trip sets out with those who boarded; each of them gets the trip on their timeline."""
    from anju.registry.services import timeline_add

    locked, before = _move(actor, trip, "depart", expected_version)
    boarded = list(locked.passengers.filter(boarded=True).select_related("worker"))
    if not boarded:
        raise EmploymentError(N_("还没有人员上车，不能发车。"), code="state")
    locked.departed_at = timezone.now()
    save_versioned(locked, ["status", "departed_at"])
    for passenger in boarded:
        timeline_add(worker=passenger.worker, kind="trip", actor=actor,
                     data={"place": locked.destination_place, "trip": locked.pk})
    audit_record(actor=actor, action=Action.UPDATE, obj=locked, region_code=locked.origin_region_id,
                 changes={"status": (before, locked.status)}, detail={"boarded": len(boarded)})
    return locked


@transaction.atomic
def trip_arrive(*, actor, trip: TransportTrip, expected_version: int | None = None) -> TransportTrip:
    locked, before = _move(actor, trip, "arrive", expected_version)
    locked.arrived_at = timezone.now()
    save_versioned(locked, ["status", "arrived_at"])
    audit_record(actor=actor, action=Action.UPDATE, obj=locked, region_code=locked.origin_region_id,
                 changes={"status": (before, locked.status)})
    return locked


@transaction.atomic
def trip_cancel(*, actor, trip: TransportTrip, reason: str = "", expected_version: int | None = None) -> TransportTrip:
    reason = (reason or "").strip()[:200]
    if not reason:
        raise EmploymentError(N_("请填写取消原因。"), "reason")
    locked, before = _move(actor, trip, "cancel", expected_version)
    save_versioned(locked, ["status"])
    audit_record(actor=actor, action=Action.UPDATE, obj=locked, region_code=locked.origin_region_id,
                 changes={"status": (before, locked.status)}, detail={"reason": reason})
    return locked


# The transport subsidy ---------------------------------------------------------------------------
def subsidy_for(passengers: list[TripPassenger], on=None) -> dict[int, Any]:
    """What the transport subsidy engine says of each passenger (by passenger id): the Evaluation,
    or None when the policy does not apply where the worker lives or is not in force."""
    from anju.policies import engine
    from anju.policies.packs import get_policy

    policy = get_policy(TRANSPORT_POLICY)
    on = on or timezone.localdate()
    out: dict[int, Any] = {}
    for passenger in passengers:
        worker = passenger.worker
        if policy is None or not engine.applies_in(policy, worker.residence_region_id) or not policy.in_force(on):
            out[passenger.pk] = None
            continue
        out[passenger.pk] = engine.evaluate_subject(policy, worker, on)
    return out
