"""`anju.lib.bulk`: rows inserted from value tuples, and rows copied from rows just inserted."""

from __future__ import annotations

import datetime as dt
import gc

import pytest
from django.utils import timezone

from anju.lib.bulk import Copier, Inserter, collector_paused
from anju.registry.models import TimelineEvent, Worker
from anju.registry.tests.factories import make_worker

pytestmark = pytest.mark.django_db


def test_inserter_returns_keys_in_row_order_and_converts_values():
    workers = [make_worker(name=f"甲{i}") for i in range(2)]
    at = timezone.make_aware(dt.datetime(2026, 11, 25, 9, 30))
    pks = Inserter(TimelineEvent, ["worker_id", "at", "kind", "data"]).insert_returning_pks(
        [(workers[0].pk, at, "note", {"n": 1}), (workers[1].pk, at, "note", {"n": 2})])
    lines = TimelineEvent.objects.in_bulk(pks)
    assert [(lines[pk].worker_id, lines[pk].data, lines[pk].at) for pk in pks] == [
        (workers[0].pk, {"n": 1}, at), (workers[1].pk, {"n": 2}, at)]


def test_inserter_keeps_json_true_apart_from_one():
    """true, 1 and 1.0 are equal as dictionary keys but not as JSON values."""
    worker = make_worker(name="乙")
    at = timezone.make_aware(dt.datetime(2026, 11, 25, 10, 0))
    values = [1, True, 0, False, 1.5, "1"]
    pks = Inserter(TimelineEvent, ["worker_id", "at", "kind", "data"]).insert_returning_pks(
        [(worker.pk, at, "note", v) for v in values])
    lines = TimelineEvent.objects.in_bulk(pks)
    stored = [lines[pk].data for pk in pks]
    assert stored == values and [type(v) for v in stored] == [type(v) for v in values]


def test_inserter_keeps_awkward_text_exactly():
    """Tabs, newlines, backslashes and a literal \\N survive (COPY's text format escapes them on
    PostgreSQL), and None stays NULL."""
    worker = make_worker(name="丙")
    awkward = {"text": "a\tb\nc\\d \\N 末尾 ", "none": None}
    at = timezone.make_aware(dt.datetime(2026, 11, 25, 11, 0))
    inserter = Inserter(TimelineEvent, ["worker_id", "at", "kind", "actor_id", "data"])
    inserter.insert([(worker.pk, at, "note\t\\N", None, awkward)])
    line = TimelineEvent.objects.get(worker=worker)
    assert (line.kind, line.actor_id, line.data) == ("note\t\\N", None, awkward)


@pytest.mark.parametrize("pick", [[0, 1, 2], [0, 2], [2, 0]], ids=["one-run", "gap", "unordered"])
def test_copier_derives_one_row_per_key(pick):
    workers = [make_worker(name=f"乙{i}") for i in range(3)]
    pks = [workers[i].pk for i in pick]
    at = timezone.make_aware(dt.datetime(2026, 11, 25, 10, 0))
    copier = Copier(TimelineEvent, Worker, [("worker_id", "id")], ["at", "kind", "data"])
    copier.copy(pks, copier.prepare([at, "registered", {"source": "import"}]))
    lines = TimelineEvent.objects.filter(kind="registered").order_by("id")
    assert [line.worker_id for line in lines] == sorted(pks)
    assert all(line.at == at and line.data == {"source": "import"} for line in lines)


def test_collector_paused_nests_and_restores():
    assert gc.isenabled()
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError
    assert gc.isenabled()
