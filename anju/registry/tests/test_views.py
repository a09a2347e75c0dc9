from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from anju.audit.models import AuditEvent
from anju.registry.choices import TimelineKind
from anju.registry.models import Worker
from anju.registry.tests.factories import make_worker, next_id_number


@pytest.fixture
def people(personas):
    return {
        "mine": make_worker(name="王湖滨", residence="350581001000"),
        "street2": make_worker(name="李凤里", residence="350581002000"),
        "lanxian": make_worker(name="赵岚县", residence="141127100000"),
    }


def login(client, user):
    client.force_login(user)
    return client


def names(response) -> set[str]:
    return {w.name for w in response.context["page_obj"].object_list}


def test_list_shows_only_the_jurisdiction(client, personas, people):
    assert names(login(client, personas.town).get(reverse("registry:worker_list"))) == {"王湖滨"}
    client.logout()
    assert names(login(client, personas.county).get(reverse("registry:worker_list"))) == {"王湖滨", "李凤里"}
    client.logout()
    assert names(login(client, personas.lanxian).get(reverse("registry:worker_list"))) == {"赵岚县"}
    client.logout()
    assert names(login(client, personas.auditor).get(reverse("registry:worker_list"))) == {"王湖滨", "李凤里", "赵岚县"}


def test_list_search_and_filters(client, personas, people):
    login(client, personas.county)
    url = reverse("registry:worker_list")
    assert names(client.get(url, {"q": "王"})) == {"王湖滨"}
    assert names(client.get(url, {"q": people["street2"].id_number})) == {"李凤里"}
    assert names(client.get(url, {"q": people["lanxian"].id_number})) == set()  # out of scope
    assert names(client.get(url, {"region": "350581002"})) == {"李凤里"}
    assert names(client.get(url, {"region": "141127"})) == set()
    assert names(client.get(url, {"status": "employed"})) == set()
    people["mine"].unemployment_registered_on = dt.date.today() - dt.timedelta(days=400)
    people["mine"].save()
    assert names(client.get(url, {"long_unemployed": "true"})) == {"王湖滨"}
    assert names(client.get(url, {"unverified": "true"})) == {"王湖滨", "李凤里"}
    # Nonsense filter values never fail the page.
    for junk in ({"region": "abc"}, {"status": "zzz"}, {"difficulty": "x"}, {"page": "999"}, {"order": "nope"}):
        assert client.get(url, junk).status_code in (200, 404)


def test_list_query_count_is_bounded(client, personas, django_assert_max_num_queries):
    for _ in range(30):
        make_worker(residence="350581001000", difficulty_mask=3)
    login(client, personas.town)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("registry:worker_list"))
    assert response.status_code == 200
    assert "350581********" in response.content.decode()


def test_detail_masks_and_hides_other_regions(client, personas, people):
    login(client, personas.town)
    response = client.get(reverse("registry:worker_detail", args=[people["mine"].pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert people["mine"].id_number_masked in body and people["mine"].id_number not in body
    assert "13800001234" not in body
    for other in ("street2", "lanxian"):
        assert client.get(reverse("registry:worker_detail", args=[people[other].pk])).status_code == 404
    assert client.get(reverse("registry:worker_detail", args=[999999])).status_code == 404


def test_reveal_is_audited_and_scoped(client, personas, people):
    login(client, personas.town)
    url = reverse("registry:worker_reveal", args=[people["mine"].pk])
    response = client.post(url, {"field": "id_number"})
    assert people["mine"].id_number in response.content.decode()
    assert AuditEvent.objects.filter(action="reveal", actor=personas.town, object_id=str(people["mine"].pk)).exists()
    assert client.post(reverse("registry:worker_reveal", args=[people["lanxian"].pk])).status_code == 404
    assert client.get(url).status_code == 405
    client.logout()
    login(client, personas.union)  # may view, may not reveal
    assert client.post(reverse("registry:worker_reveal", args=[people["mine"].pk])).status_code == 404


def test_create_with_field_errors_then_success(client, personas):
    login(client, personas.town)
    url = reverse("registry:worker_create")
    bad = {"name": "", "id_number": "350581198506151230", "phone": "123", "residence_region": "350581001000",
           "employment_status": "unemployed"}
    response = client.post(url, bad)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"name", "id_number", "phone"} <= set(errors)
    assert Worker.objects.count() == 0
    good = dict(bad, name="陈新", id_number=next_id_number(), phone="13900001111", difficulty_types=["disabled"])
    response = client.post(url, good)
    worker = Worker.objects.get()
    assert response.status_code == 302 and response.url == reverse("registry:worker_detail", args=[worker.pk])
    assert worker.difficulty_types == ["disabled"] and worker.created_by == personas.town
    # Outside the officer's street: refused with a message, nothing written.
    response = client.post(url, dict(good, id_number=next_id_number(), residence_region="350581002000"))
    assert response.status_code == 200 and Worker.objects.count() == 1


def test_edit_changes_fields_and_timeline(client, personas, people):
    login(client, personas.town)
    worker = people["mine"]
    url = reverse("registry:worker_edit", args=[worker.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, [])}
    data.update(employment_status="employed", unemployment_registered_on="", monthly_income="4200.5", phone="")
    # Without the version the page was opened at, nothing is saved (a stale or forged post).
    response = client.post(url, data)
    assert response.status_code == 200 and "请重新打开修改页面" in response.content.decode()
    data["version"] = worker.version
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    worker.refresh_from_db()
    assert worker.employment_status == "employed" and str(worker.monthly_income) == "4200.50"
    assert worker.phone == "13800001234"  # blank phone means unchanged
    assert worker.timeline.filter(kind=TimelineKind.STATUS).exists()
    assert AuditEvent.objects.filter(action="update", object_id=str(worker.pk)).exists()
    assert client.get(reverse("registry:worker_edit", args=[people["lanxian"].pk])).status_code == 404
    client.logout()
    login(client, personas.union)
    assert client.get(url).status_code == 404


def test_verification_visit_with_correction(client, personas, people):
    login(client, personas.town)
    worker = people["mine"]
    url = reverse("registry:visit_create", args=[worker.pk])
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    response = client.post(url, {"visited_on": future, "result": "confirmed"})
    assert response.status_code == 200 and worker.visits.count() == 0
    response = client.post(url, {"visited_on": dt.date.today().isoformat(), "result": "confirmed", "findings": "本人在家",
                                 "fields_confirmed": ["phone"]})
    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.last_verified_on == dt.date.today()
    visit = worker.visits.get()
    assert visit.staff == personas.town and visit.fields_confirmed == ["phone"]
    assert worker.timeline.filter(kind=TimelineKind.VERIFIED).exists()


def test_certificate_add_rejects_duplicate_number(client, personas, people):
    login(client, personas.town)
    url = reverse("registry:certificate_create", args=[people["mine"].pk])
    data = {"kind": "skill_level", "occupation": "电工", "grade": "4", "certificate_no": "C-1"}
    assert client.post(url, data).status_code == 302
    response = client.post(url, data)
    assert response.status_code == 200 and "certificate_no" in response.context["form"].errors
    response = client.post(url, dict(data, certificate_no="C-2", grade=""))
    assert "grade" in response.context["form"].errors


def test_pages_need_login(client, people):
    for url in (reverse("registry:worker_list"), reverse("registry:worker_detail", args=[people["mine"].pk]),
                reverse("core:home"), reverse("audit:event_list")):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_edit_form_keeps_dates_the_browser_can_show(client, personas):
    # <input type="date"> only understands YYYY-MM-DD: any other format shows empty and a save
    # would silently clear the date.
    worker = make_worker(residence="350581001000", unemployment_registered_on=dt.date(2025, 3, 9))
    login(client, personas.town)
    body = client.get(reverse("registry:worker_edit", args=[worker.pk])).content.decode()
    assert 'type="date" name="unemployment_registered_on" value="2025-03-09"' in body.replace('class="form-control" ', "")


def test_household_never_shows_or_joins_people_outside_the_jurisdiction(client, personas):
    from anju.registry.models import Household

    home = Household.objects.create(household_no="H-LAN-1", region_id="141127100000")
    make_worker(name="岚县户主", residence="141127100000", household=home, relation_to_head="head")
    mine = make_worker(name="湖滨成员", residence="350581001000", household=home, relation_to_head="spouse")
    login(client, personas.town)
    body = client.get(reverse("registry:worker_detail", args=[mine.pk])).content.decode()
    assert "岚县户主" not in body
    url = reverse("registry:worker_create")
    data = {"name": "新人", "id_number": next_id_number(), "residence_region": "350581001000",
            "employment_status": "employed", "household_no": "H-LAN-1"}
    response = client.post(url, data)
    assert response.status_code == 200 and "household_no" in response.context["form"].errors
