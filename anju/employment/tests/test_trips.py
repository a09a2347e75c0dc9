"""Point-to-point trips: scoping by the place of departure, passengers from the ledger or signed up
on the spot, the moves of a trip (refused from the wrong state), and the trip feeding the transport
subsidy (`shanxi-transport-subsidy` reads going_out_to_work and transport_cost from it)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from anju.accounts.models import Role
from anju.accounts.tests.factories import UserFactory
from anju.audit.models import AuditEvent
from anju.employment import trips
from anju.employment.models import TransportTrip, TripPassenger, TripStatus
from anju.employment.services import EmploymentError
from anju.lib.identifiers import make_id_number
from anju.policies import engine
from anju.policies.packs import get_policy
from anju.registry.choices import mask_of
from anju.registry.models import TimelineEvent, Worker
from anju.registry.tests.factories import make_worker, next_id_number

pytestmark = pytest.mark.django_db
DONGCUN = "141127100000"  # 东村镇, Lan County (Shanxi)
LANCHENG = "141127101000"  # 岚城镇, Lan County


def packs_synced() -> None:
    from anju.policies.packs import catalogue
    from anju.policies.services import sync_from_packs

    sync_from_packs(catalogue().policies.values())


@pytest.fixture
def people(db):
    return SimpleNamespace(
        town=UserFactory(username="tr-town", role=Role.TOWN_OFFICER, jurisdiction="141127100"),
        town2=UserFactory(username="tr-town2", role=Role.TOWN_OFFICER, jurisdiction="141127101"),
        county=UserFactory(username="tr-county", role=Role.COUNTY_OFFICER, jurisdiction="141127"),
        shishi=UserFactory(username="tr-shishi", role=Role.COUNTY_OFFICER, jurisdiction="350581"),
    )


def make_trip(actor, **over) -> TransportTrip:
    data = {"origin_region_id": DONGCUN, "origin_place": "东村镇政府广场", "destination_place": "福建石狮",
            "departs_on": timezone.localdate() - dt.timedelta(days=3), "vehicle": "bus", "seats": 3,
            "fare": Decimal("1250")}
    data.update(over)
    return trips.trip_create(actor=actor, data=data)


def poor_worker(name: str = "王五", residence: str = DONGCUN) -> Worker:
    return make_worker(residence=residence, name=name, id_number=next_id_number("141127"),
                       difficulty_mask=mask_of(["poverty_alleviated"]))


def ride(actor, trip, worker) -> TripPassenger:
    passenger = trips.passenger_add(actor=actor, trip=trip, worker=worker)
    trips.passenger_health_check(actor=actor, passenger=passenger)
    return trips.passenger_board(actor=actor, passenger=passenger)


# Scoping ---------------------------------------------------------------------------------------
def test_trips_are_scoped_by_origin(client, people):
    trip = make_trip(people.town)
    for user, seen in ((people.town, True), (people.county, True), (people.town2, False), (people.shishi, False)):
        client.force_login(user)
        page = client.get(reverse("employment:trips"))
        assert page.status_code == 200
        assert (f'data-pk="{trip.pk}"' in page.content.decode()) is seen
        assert client.get(reverse("employment:trip", args=[trip.pk])).status_code == (200 if seen else 404)
    client.force_login(people.town2)
    assert client.post(reverse("employment:trip_move", args=[trip.pk, "cancel"]), {"reason": "x"}).status_code == 404
    assert TransportTrip.objects.get(pk=trip.pk).status == TripStatus.PLANNED


def test_another_towns_officer_cannot_create_a_trip_here(people):
    with pytest.raises(EmploymentError) as exc:
        make_trip(people.town2)
    assert exc.value.code == "forbidden"
    assert not TransportTrip.objects.exists()


def test_trip_form_creates_and_audits(client, people):
    client.force_login(people.town)
    response = client.post(reverse("employment:trip_new"), {
        "origin_region": DONGCUN, "origin_place": "东村镇广场", "destination_place": "晋中榆次", "departs_on": "2026-12-20",
        "vehicle": "bus", "seats": "40", "fare": "85.50"})
    trip = TransportTrip.objects.get()
    assert response.status_code == 302 and response.url == reverse("employment:trip", args=[trip.pk])
    assert trip.fare == Decimal("85.50") and trip.created_by == people.town
    assert AuditEvent.objects.filter(object_type="transporttrip", object_id=str(trip.pk), action="create").exists()
    bad = client.post(reverse("employment:trip_new"), {
        "origin_region": "350581001000", "origin_place": "x", "destination_place": "y", "departs_on": "2026-12-20",
        "vehicle": "bus", "seats": "0"})
    assert bad.status_code == 400 and TransportTrip.objects.count() == 1


# Passengers ------------------------------------------------------------------------------------
def test_ledger_search_finds_only_workers_in_the_jurisdiction(client, people):
    trip = make_trip(people.town)
    here = make_worker(residence=DONGCUN, name="赵六")
    make_worker(residence=LANCHENG, name="赵七")
    client.force_login(people.town)
    page = client.get(reverse("employment:trip", args=[trip.pk]), {"q": "赵"}).content.decode()
    assert f'data-testid="add-{here.pk}"' in page and "赵七" not in page
    by_id = client.get(reverse("employment:trip", args=[trip.pk]), {"q": here.id_number}).content.decode()
    assert f'data-testid="add-{here.pk}"' in by_id
    response = client.post(reverse("employment:trip_passenger_add", args=[trip.pk]), {"worker": here.pk})
    assert response.status_code == 302
    assert TripPassenger.objects.filter(trip=trip, worker=here, on_the_spot=False).exists()
    other = Worker.objects.get(name="赵七")
    client.post(reverse("employment:trip_passenger_add", args=[trip.pk]), {"worker": other.pk})
    assert not TripPassenger.objects.filter(worker=other).exists()


def test_seats_and_duplicates_are_refused(people):
    trip = make_trip(people.town, seats=1)
    worker = poor_worker()
    trips.passenger_add(actor=people.town, trip=trip, worker=worker)
    with pytest.raises(EmploymentError) as dup:
        trips.passenger_add(actor=people.town, trip=trip, worker=worker)
    assert dup.value.code == "duplicate"
    with pytest.raises(EmploymentError) as full:
        trips.passenger_add(actor=people.town, trip=trip, worker=poor_worker("李四"))
    assert full.value.code == "full"
    assert trip.passengers.count() == 1


def test_on_the_spot_sign_up_registers_in_the_ledger(client, people):
    trip = make_trip(people.town)
    client.force_login(people.town)
    number = make_id_number("141127", dt.date(1990, 3, 4), 11)
    response = client.post(reverse("employment:trip_sign_up", args=[trip.pk]), {
        "name": "孙八", "id_number": number, "phone": "13900001111", "residence_region": DONGCUN,
        "employment_status": "unemployed", "difficulty_types": ["poverty_alleviated"]})
    assert response.status_code == 302
    worker = Worker.objects.get(name="孙八")
    assert worker.id_number == number and worker.residence_region_id == DONGCUN and worker.created_by == people.town
    assert TripPassenger.objects.get(trip=trip, worker=worker).on_the_spot
    assert AuditEvent.objects.filter(object_type="worker", object_id=str(worker.pk), action="create").exists()
    assert AuditEvent.objects.filter(object_type="trippassenger", action="create").exists()


def test_on_the_spot_sign_up_with_a_bad_id_number_saves_nothing(client, people):
    trip = make_trip(people.town)
    client.force_login(people.town)
    good = make_id_number("141127", dt.date(1990, 3, 4), 11)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = client.post(reverse("employment:trip_sign_up", args=[trip.pk]), {
        "name": "孙八", "id_number": bad, "residence_region": DONGCUN, "employment_status": "unemployed"})
    assert response.status_code == 400
    form = response.context["sign_up_form"]
    assert "id_number" in form.errors and "校验" in " ".join(form.errors["id_number"])
    assert not Worker.objects.filter(name="孙八").exists() and not trip.passengers.exists()


def test_on_the_spot_sign_up_of_someone_already_registered_is_refused(client, people):
    trip = make_trip(people.town)
    worker = poor_worker()
    client.force_login(people.town)
    response = client.post(reverse("employment:trip_sign_up", args=[trip.pk]), {
        "name": "王五", "id_number": worker.id_number, "residence_region": DONGCUN, "employment_status": "unemployed"})
    assert response.status_code == 400
    assert "已在台账中登记" in " ".join(response.context["sign_up_form"].errors["id_number"])
    assert Worker.objects.count() == 1 and not trip.passengers.exists()


# Moves -----------------------------------------------------------------------------------------
def test_moves_refused_from_the_wrong_state(people):
    trip = make_trip(people.town)
    worker = poor_worker()
    passenger = trips.passenger_add(actor=people.town, trip=trip, worker=worker)
    for move in (trips.trip_arrive, trips.trip_depart):  # not departed; nobody boarded
        with pytest.raises(EmploymentError) as exc:
            move(actor=people.town, trip=trip)
        assert exc.value.code == "state"
    with pytest.raises(EmploymentError):  # no health check yet
        trips.passenger_board(actor=people.town, passenger=passenger)
    trips.passenger_health_check(actor=people.town, passenger=passenger)
    trips.passenger_board(actor=people.town, passenger=passenger)
    trip = trips.trip_depart(actor=people.town, trip=trip)
    for move, kwargs in ((trips.trip_depart, {}), (trips.trip_cancel, {"reason": "下雪"})):
        with pytest.raises(EmploymentError) as exc:
            move(actor=people.town, trip=trip, **kwargs)
        assert exc.value.code == "state"
    with pytest.raises(EmploymentError) as late:
        trips.passenger_add(actor=people.town, trip=trip, worker=poor_worker("李四"))
    assert late.value.code == "state"
    trip = trips.trip_arrive(actor=people.town, trip=trip)
    assert trip.status == TripStatus.ARRIVED and trip.arrived_at is not None
    with pytest.raises(EmploymentError):
        trips.trip_arrive(actor=people.town, trip=trip)
    event = TimelineEvent.objects.get(worker=worker, kind="trip")
    assert event.data["place"] == "福建石狮"
    assert AuditEvent.objects.filter(object_type="transporttrip", object_id=str(trip.pk), action="update").count() == 2


def test_move_page_refuses_and_changes_nothing(client, people):
    trip = make_trip(people.town)
    client.force_login(people.town)
    response = client.post(reverse("employment:trip_move", args=[trip.pk, "arrive"]), follow=True)
    assert response.status_code == 200
    assert "不能执行此操作" in response.content.decode()
    assert TransportTrip.objects.get(pk=trip.pk).status == TripStatus.PLANNED
    assert client.post(reverse("employment:trip_move", args=[trip.pk, "cancel"]), {"reason": ""}, follow=True).status_code == 200
    assert TransportTrip.objects.get(pk=trip.pk).status == TripStatus.PLANNED
    client.post(reverse("employment:trip_move", args=[trip.pk, "cancel"]), {"reason": "司机生病"})
    assert TransportTrip.objects.get(pk=trip.pk).status == TripStatus.CANCELLED


# The transport subsidy -------------------------------------------------------------------------
def test_arrived_trip_makes_its_poor_passenger_eligible_capped_at_800(client, people):
    packs_synced()
    policy = get_policy("shanxi-transport-subsidy")
    today = timezone.localdate()
    trip = make_trip(people.town, fare=Decimal("1250"))
    worker = poor_worker()
    ride(people.town, trip, worker)
    before = engine.evaluate_subject(policy, worker, today)
    assert before.status == engine.UNKNOWN  # signed up, not yet gone: unknown, not "no"
    trip = trips.trip_depart(actor=people.town, trip=trip)
    trips.trip_arrive(actor=people.town, trip=trip)
    evaluation = engine.evaluate_subject(policy, worker, today)
    assert evaluation.facts["going_out_to_work"] is True
    assert evaluation.facts["transport_cost"] == Decimal("1250")
    assert evaluation.status == engine.ELIGIBLE and evaluation.amount == Decimal("800.00")
    # A year later the trip no longer counts: unknown again, never "not going out".
    later = engine.evaluate_subject(policy, worker, today + dt.timedelta(days=400))
    assert later.facts["going_out_to_work"] is None and later.status == engine.UNKNOWN

    client.force_login(people.town)
    page = client.get(reverse("employment:trip", args=[trip.pk]))
    body = page.content.decode()
    assert 'data-status="eligible"' in body and "800.00" in body
    counter = (f'{reverse("benefits:application_create")}?subject_type=worker&amp;subject_id={worker.pk}'
               f'&amp;policy=shanxi-transport-subsidy')
    assert counter in body


def test_a_passenger_who_did_not_board_or_a_trip_without_fare_stays_unknown(people):
    packs_synced()
    policy = get_policy("shanxi-transport-subsidy")
    trip = make_trip(people.town, fare=None)
    rider, stayed = poor_worker(), poor_worker("李四")
    ride(people.town, trip, rider)
    trips.passenger_add(actor=people.town, trip=trip, worker=stayed)
    trips.trip_arrive(actor=people.town, trip=trips.trip_depart(actor=people.town, trip=trip))
    today = timezone.localdate()
    rode = engine.evaluate_subject(policy, rider, today)
    assert rode.facts["going_out_to_work"] is True and rode.facts["transport_cost"] is None
    assert rode.status == engine.UNKNOWN
    assert engine.evaluate_subject(policy, stayed, today).facts["going_out_to_work"] is None


def test_the_population_scan_agrees(people):
    """The same fact in a scan of the jurisdiction (the SQL side of the engine)."""
    packs_synced()
    policy = get_policy("shanxi-transport-subsidy")
    trip = make_trip(people.town)
    worker = poor_worker()
    poor_worker("李四")  # did not travel
    ride(people.town, trip, worker)
    trips.trip_arrive(actor=people.town, trip=trips.trip_depart(actor=people.town, trip=trip))
    rows = list(engine.scan_rows(policy, on=timezone.localdate(), region_prefix="141127"))
    assert [(r[0], r[2]) for r in rows] == [(worker.pk, Decimal("800.00"))]
