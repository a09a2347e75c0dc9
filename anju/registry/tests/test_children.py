from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from anju.audit.models import AuditEvent
from anju.lib.dates import today
from anju.policies.engine import ELIGIBLE, NOT_ELIGIBLE, evaluate_subject
from anju.policies.packs import get_policy
from anju.registry.choices import DIFFICULTY_BITS
from anju.registry.models import Child, Household
from anju.registry.services import LedgerError, child_add
from anju.registry.tests.factories import make_worker


@pytest.fixture
def parent(personas):
    return make_worker(name="王湖滨", residence="350581001000")


def years_ago(years: int, *, days: int = 0) -> dt.date:
    t = today()
    return t.replace(year=t.year - years, day=min(t.day, 28)) + dt.timedelta(days=days)


def add_url(worker) -> str:
    return reverse("registry:child_create", args=[worker.pk])


def form(**overrides) -> dict:
    return {"name": "王小宝", "gender": "female", "birth_date": years_ago(6).isoformat(), "school": "湖滨小学"} | overrides


def data(**overrides) -> dict:
    return {"name": "王小宝", "gender": "female", "birth_date": years_ago(6), "school": "", "notes": ""} | overrides


def test_add_through_the_page_is_audited_and_kept_in_history(client, personas, parent):
    client.force_login(personas.town)
    response = client.post(add_url(parent), form())
    assert response.status_code == 302 and response.url.endswith("#children")
    child = parent.children.get()
    assert (child.name, child.gender, child.school) == ("王小宝", "female", "湖滨小学")
    assert child.history.count() == 1
    assert AuditEvent.objects.filter(action="create", actor=personas.town, object_id=str(child.pk),
                                     region_code="350581001000").exists()
    page = client.get(reverse("registry:worker_detail", args=[parent.pk]))
    assert 'data-testid="children-panel"' in page.content.decode()
    assert "王小宝" in page.content.decode() and f"{child.age} 岁" in page.content.decode()


def test_remove_through_the_page_is_audited(client, personas, parent):
    child = child_add(actor=personas.town, worker=parent, data=data(birth_date=years_ago(3)))
    client.force_login(personas.town)
    url = reverse("registry:child_delete", args=[parent.pk, child.pk])
    assert client.get(url).status_code == 405  # only POST removes
    response = client.post(url)
    assert response.status_code == 302
    assert not Child.objects.filter(pk=child.pk).exists()
    assert AuditEvent.objects.filter(action="delete", actor=personas.town, object_id=str(child.pk)).exists()
    assert child.history.filter(history_type="-").count() == 1


@pytest.mark.parametrize("birth_date, message", [
    (lambda: today() + dt.timedelta(days=1), "不能晚于今天"),
    (lambda: years_ago(18), "未满 18 周岁"),
    (lambda: years_ago(40), "未满 18 周岁"),
])
def test_bad_birth_date_is_refused_and_changes_nothing(client, personas, parent, birth_date, message):
    client.force_login(personas.town)
    response = client.post(add_url(parent), form(birth_date=birth_date().isoformat()))
    assert response.status_code == 200
    assert message in str(response.context["form"].errors["birth_date"])
    assert not Child.objects.exists() and not AuditEvent.objects.filter(action="create").exists()


def test_bad_input_is_a_form_error_not_a_500(client, personas, parent):
    client.force_login(personas.town)
    for bad in ({"birth_date": "2020-13-40"}, {"gender": "x"}, {"name": ""}, {"name": "a\x00b"}, {"school": "x" * 101}):
        response = client.post(add_url(parent), form(**bad))
        assert response.status_code == 200 and response.context["form"].errors
    assert not Child.objects.exists()


def test_youngest_and_oldest_allowed_dates(personas, parent):
    child_add(actor=personas.town, worker=parent, data=data(birth_date=today()))
    child_add(actor=personas.town, worker=parent, data=data(birth_date=years_ago(18, days=1)))
    assert parent.children.count() == 2
    with pytest.raises(LedgerError):
        child_add(actor=personas.town, worker=parent, data=data(birth_date=years_ago(18)))


def test_other_town_and_outsiders_cannot_see_add_or_remove(client, personas, parent):
    child = child_add(actor=personas.town, worker=parent, data=data(birth_date=years_ago(5)))
    for user in (personas.town2, personas.lanxian):
        client.force_login(user)
        assert client.get(add_url(parent)).status_code == 404
        assert client.post(add_url(parent), form()).status_code == 404
        assert client.post(reverse("registry:child_delete", args=[parent.pk, child.pk])).status_code == 404
        client.logout()
    with pytest.raises(LedgerError):
        child_add(actor=personas.town2, worker=parent, data=data())
    assert list(Child.objects.all()) == [child]
    # A child id of another worker is not reachable through this worker.
    other = make_worker(name="李其他", residence="350581001000")
    client.force_login(personas.town)
    assert client.post(reverse("registry:child_delete", args=[other.pk, child.pk])).status_code == 404
    assert Child.objects.filter(pk=child.pk).exists()


def test_worker_page_queries_do_not_grow_with_children(client, personas, parent):
    client.force_login(personas.town)
    url = reverse("registry:worker_detail", args=[parent.pk])
    child_add(actor=personas.town, worker=parent, data=data())
    client.get(url)  # warm caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for years in range(1, 6):
        child_add(actor=personas.town, worker=parent, data=data(name=f"孩子{years}", birth_date=years_ago(years)))
    with CaptureQueriesContext(connection) as six:
        page = client.get(url)
    assert page.content.decode().count('data-testid="child-row"') == 6
    assert len(six) == len(one)


def test_april_birthday_gift_decides_on_the_children_in_the_ledger(personas):
    policy = get_policy("shishi-april-birthday-gift")
    household = Household.objects.create(household_no="H-april", region_id="350581001000")
    on = dt.date(2022, 4, 15)
    mother = make_worker(name="母亲", residence="350581001000")
    mother.household = household
    mother.save(update_fields=["household"])
    assert evaluate_subject(policy, household, on).status == NOT_ELIGIBLE
    # Born in April but already 18 on the date: not a child any more. Born in May: not April.
    Child.objects.create(worker=mother, name="大孩", gender="male", birth_date=dt.date(2004, 4, 10))
    Child.objects.create(worker=mother, name="五月", gender="male", birth_date=dt.date(2015, 5, 1))
    assert evaluate_subject(policy, household, on).status == NOT_ELIGIBLE
    Child.objects.create(worker=mother, name="四月", gender="female", birth_date=dt.date(2016, 4, 20))
    evaluation = evaluate_subject(policy, household, on)
    assert evaluation.status == ELIGIBLE


def test_caring_mother_pairing_lists_workers_in_difficulty_with_children(personas):
    policy = get_policy("shishi-caring-mother-pairing")
    on = dt.date(2022, 5, 1)
    worker = make_worker(name="困难", residence="350581001000", difficulty_mask=DIFFICULTY_BITS["epidemic_affected"])
    assert evaluate_subject(policy, worker, on).status == NOT_ELIGIBLE
    Child.objects.create(worker=worker, name="小困", gender="male", birth_date=dt.date(2019, 1, 1))
    assert evaluate_subject(policy, worker, on).status == ELIGIBLE
    # A child born after the date is not yet counted.
    later = make_worker(name="未生", residence="350581001000", difficulty_mask=DIFFICULTY_BITS["epidemic_affected"])
    Child.objects.create(worker=later, name="后生", gender="male", birth_date=dt.date(2022, 6, 1))
    assert evaluate_subject(policy, later, on).status == NOT_ELIGIBLE
