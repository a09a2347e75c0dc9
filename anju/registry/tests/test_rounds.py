"""Verification rounds: scheduling opens one task per worker for their town; recording the visit
closes it; the round page shows the progress."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from anju.registry.models import VerificationRound
from anju.registry.rounds import RoundError, round_create, round_open_tasks
from anju.registry.services import visit_record
from anju.registry.tests.factories import make_worker
from anju.workflow.models import TaskState, WorkTask
from anju.workflow.selectors import queue_for_user

pytestmark = pytest.mark.django_db


def _round(personas, **kwargs):
    rnd = round_create(actor=personas.county, name="第四季度核实", region_prefix=kwargs.pop("region", "350581"),
                       working_days=10, not_verified_since=dt.date(2026, 6, 1), **kwargs)
    round_open_tasks(rnd)
    rnd.refresh_from_db()
    return rnd


def test_round_opens_tasks_for_the_towns_and_a_visit_closes_one(personas):
    a = make_worker(residence="350581001000", difficulty_mask=1)
    b = make_worker(residence="350581002000", difficulty_mask=1)
    make_worker(residence="350581001000", difficulty_mask=0)  # not in difficulty
    make_worker(residence="350581001000", difficulty_mask=1, last_verified_on=dt.date(2026, 9, 1))  # recent
    make_worker(residence="141127100000", difficulty_mask=1)  # another county
    rnd = _round(personas)
    assert rnd.status == "done" and rnd.task_count == 2
    assert [t.subject_id for t in queue_for_user(personas.town)] == [a.pk]
    assert [t.subject_id for t in queue_for_user(personas.town2)] == [b.pk]

    visit_record(actor=personas.town, worker=a, visited_on=dt.date(2026, 11, 30), result="confirmed")
    task = WorkTask.objects.get(subject_id=a.pk)
    assert task.state == TaskState.DONE and task.closed_by == personas.town
    assert list(queue_for_user(personas.town)) == []


def test_visit_by_someone_the_task_does_not_name_leaves_it_open(personas):
    a = make_worker(residence="350581001000", difficulty_mask=1)
    _round(personas)
    visit_record(actor=personas.county, worker=a, visited_on=dt.date(2026, 11, 30), result="confirmed")
    assert WorkTask.objects.get(subject_id=a.pk).state == TaskState.OPEN


def test_round_outside_jurisdiction_refused(personas):
    with pytest.raises(RoundError):
        round_create(actor=personas.county, name="x", region_prefix="141127", working_days=10, not_verified_since=None)
    assert not VerificationRound.objects.exists()


def test_empty_round_fails_with_a_reason(personas):
    rnd = round_create(actor=personas.county, name="x", region_prefix="350581", working_days=10, not_verified_since=None)
    from anju.registry.rounds import open_round_tasks

    open_round_tasks.call(rnd.pk)
    rnd.refresh_from_db()
    assert rnd.status == "failed" and rnd.message


def test_pages(client, personas):
    make_worker(residence="350581001000", difficulty_mask=1)
    client.force_login(personas.county)
    assert client.get(reverse("registry:round_list")).status_code == 200
    answer = client.post(reverse("registry:round_list"), {"name": "核实", "region": "141127", "working_days": 10,
                                                          "difficulty_only": "on"})
    assert answer.status_code == 200 and "管辖范围" in answer.content.decode()
    answer = client.post(reverse("registry:round_list"), {"name": "核实", "region": "", "working_days": 0})
    assert answer.status_code == 200 and not VerificationRound.objects.exists()
    rnd = _round(personas)
    page = client.get(reverse("registry:round_detail", args=[rnd.pk])).content.decode()
    assert 'data-testid="round-towns"' in page
    client.force_login(personas.town)
    assert client.get(reverse("registry:round_detail", args=[rnd.pk])).status_code == 200
    assert client.post(reverse("registry:round_list"), {"name": "x", "working_days": 5}).status_code == 403
    client.force_login(personas.lanxian)
    assert client.get(reverse("registry:round_detail", args=[rnd.pk])).status_code == 404


def test_round_visibility_is_the_overlap_of_areas(personas):
    from anju.registry.permissions import RoundPolicy

    make_worker(residence="350581001000", difficulty_mask=1)
    make_worker(residence="350581002000", difficulty_mask=1)
    county = _round(personas)
    town1 = _round(personas, region="350581001")

    def visible(user):
        return set(VerificationRound.objects.filter(RoundPolicy.visible_q(user)).values_list("pk", flat=True))

    assert visible(personas.county) == {county.pk, town1.pk}  # inside the county
    assert visible(personas.town) == {county.pk, town1.pk}  # the county's round contains the town
    assert visible(personas.town2) == {county.pk}  # a neighbouring town's round is not theirs
    assert visible(personas.lanxian) == set()
