"""The workers endpoints: scoping with personas, masking, reveal, validation, query counts."""

from __future__ import annotations

import pytest

from anju.audit.models import Action, AuditEvent
from anju.lib.identifiers import mask_id_number
from anju.registry.models import Worker
from anju.registry.tests.factories import make_worker, next_id_number

from .conftest import fields_of

TOWN = "350581001000"  # personas.town's street in Shishi
TOWN2 = "350581002000"  # the next street: personas.town2
LANXIAN = "141127101000"  # a town in Lan County: personas.lanxian


def new_worker(**overrides):
    body = {
        "name": "李四",
        "id_number": next_id_number(),
        "residence_region": TOWN,
        "employment_status": "unemployed",
        "unemployment_registered_on": "2025-01-06",
        "phone": "13912345678",
        "difficulty_types": ["disabled", "minimum_living_allowance"],
        "pension_insured": True,
        "monthly_income": "1200.50",
        "last_income_month": "2025-02",
        "household_no": "H-API-1",
        "relation_to_head": "head",
    }
    return body | overrides


@pytest.fixture
def ledger(db):
    """Workers in three places: the town's street, the next street, Lan County."""
    return {
        "town": make_worker(residence=TOWN, name="王芳"),
        "town2": make_worker(residence=TOWN2, name="王强"),
        "lanxian": make_worker(residence=LANXIAN, name="刘洋", id_number=next_id_number("141127")),
    }


def names(response):
    assert response.status_code == 200, response.content
    return sorted(item["name"] for item in response.json()["items"])


# -- scoping: list ---------------------------------------------------------------------------

@pytest.mark.parametrize("persona,expected", [
    ("town", ["王芳"]),
    ("town2", ["王强"]),
    ("county", ["王强", "王芳"]),
    ("lanxian", ["刘洋"]),
    ("union", ["王强", "王芳"]),
    ("auditor", ["刘洋", "王强", "王芳"]),
    ("admin", ["刘洋", "王强", "王芳"]),
])
def test_list_is_scoped_to_the_jurisdiction(api_as, personas, ledger, persona, expected):
    response = api_as(getattr(personas, persona)).get("workers")
    assert names(response) == sorted(expected)
    assert response.json()["count"] == len(expected)


# -- scoping: detail, create, update, reveal with three personas ------------------------------

def test_detail_owner_sees_colleague_elsewhere_gets_404_auditor_reads_everywhere(api_as, personas, ledger):
    pk = ledger["town"].pk
    assert api_as(personas.town).get(f"workers/{pk}").json()["name"] == "王芳"
    response = api_as(personas.lanxian).get(f"workers/{pk}")
    assert response.status_code == 404
    assert "不存在或不在您的管辖范围内" in response.json()["detail"][0]["message"]
    assert api_as(personas.town2).get(f"workers/{pk}").status_code == 404
    assert api_as(personas.union).get(f"workers/{pk}").status_code == 200
    assert api_as(personas.auditor).get(f"workers/{ledger['lanxian'].pk}").status_code == 200


def test_missing_and_out_of_scope_look_the_same(api_as, personas, ledger):
    client = api_as(personas.lanxian)
    missing = client.get("workers/987654321")
    hidden = client.get(f"workers/{ledger['town'].pk}")
    assert (missing.status_code, missing.json()) == (hidden.status_code, hidden.json())


def test_create_by_owner(api_as, personas):
    response = api_as(personas.town).post("workers", new_worker())
    assert response.status_code == 201, response.content
    body = response.json()
    worker = Worker.objects.get(pk=body["id"])
    assert worker.created_by == personas.town
    assert worker.difficulty_types == ["minimum_living_allowance", "disabled"]
    assert body["difficulty_types"] == ["minimum_living_allowance", "disabled"]
    assert body["monthly_income"] == "1200.50"
    assert body["last_income_month"] == "2025-02"
    assert body["household_no"] == "H-API-1"
    assert body["gender"] == worker.gender and body["birth_date"] == worker.birth_date.isoformat()
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="worker", object_id=str(worker.pk)).exists()


def test_create_outside_jurisdiction_is_refused(api_as, personas):
    for persona, region in (("town", TOWN2), ("lanxian", TOWN)):
        response = api_as(getattr(personas, persona)).post("workers", new_worker(residence_region=region))
        assert response.status_code == 422
        assert fields_of(response) == {"residence_region"}
    assert not Worker.objects.exists()


@pytest.mark.parametrize("persona", ["union", "auditor"])
def test_read_only_roles_get_403_on_create(api_as, personas, persona):
    response = api_as(getattr(personas, persona)).post("workers", new_worker())
    assert response.status_code == 403
    assert "没有登记人员的权限" in response.json()["detail"][0]["message"]
    assert not Worker.objects.exists()


def test_update_by_owner_is_saved_and_audited(api_as, personas, ledger):
    worker = ledger["town"]
    response = api_as(personas.town).patch(f"workers/{worker.pk}", {"employment_status": "employed", "notes": "已就业"})
    assert response.status_code == 200, response.content
    assert response.json()["employment_status"] == "employed"
    worker.refresh_from_db()
    assert (worker.employment_status, worker.notes) == ("employed", "已就业")
    event = AuditEvent.objects.get(action=Action.UPDATE, object_id=str(worker.pk))
    assert event.changes["employment_status"] == ["unemployed", "employed"]


def test_update_out_of_scope_is_404_and_read_only_is_403(api_as, personas, ledger):
    worker = ledger["town"]
    assert api_as(personas.lanxian).patch(f"workers/{worker.pk}", {"notes": "x"}).status_code == 404
    for persona in ("union", "auditor"):
        response = api_as(getattr(personas, persona)).patch(f"workers/{worker.pk}", {"notes": "x"})
        assert response.status_code == 403
        assert "没有修改该人员信息的权限" in response.json()["detail"][0]["message"]
    assert api_as(personas.union).put(f"workers/{worker.pk}", new_worker()).status_code == 403
    worker.refresh_from_db()
    assert worker.notes == ""
    assert not AuditEvent.objects.filter(action=Action.UPDATE).exists()


def test_moving_a_worker_out_of_ones_jurisdiction_is_refused(api_as, personas, ledger):
    worker = ledger["town"]
    response = api_as(personas.town).patch(f"workers/{worker.pk}", {"residence_region": TOWN2})
    assert response.status_code == 422 and fields_of(response) == {"residence_region"}
    worker.refresh_from_db()
    assert worker.residence_region_id == TOWN


def test_reveal_by_owner_is_audited_with_its_reason(api_as, personas, ledger):
    worker = ledger["town"]
    response = api_as(personas.town).post(f"workers/{worker.pk}/reveal", {"reason": "办理补贴核对"})
    assert response.status_code == 200
    assert response.json() == {"id": worker.pk, "id_number": worker.id_number}
    event = AuditEvent.objects.get(action=Action.REVEAL, object_id=str(worker.pk))
    assert event.actor == personas.town
    assert event.detail == {"field": "id_number", "reason": "办理补贴核对"}
    # The body is optional.
    assert api_as(personas.county).post(f"workers/{worker.pk}/reveal").status_code == 200
    assert AuditEvent.objects.filter(action=Action.REVEAL).count() == 2


def test_reveal_refused_out_of_scope_404_and_for_roles_without_the_right_403(api_as, personas, ledger):
    worker = ledger["town"]
    assert api_as(personas.lanxian).post(f"workers/{worker.pk}/reveal").status_code == 404
    for persona in ("union", "auditor"):
        response = api_as(getattr(personas, persona)).post(f"workers/{worker.pk}/reveal")
        assert response.status_code == 403
        assert worker.id_number not in response.content.decode()
    assert not AuditEvent.objects.filter(action=Action.REVEAL).exists()


# -- masking -----------------------------------------------------------------------------------

def test_identifiers_are_masked_everywhere_but_reveal(api_as, personas, ledger):
    client = api_as(personas.admin)
    body = new_worker(phone="13912345678")
    created = client.post("workers", body)
    pk = created.json()["id"]
    responses = [
        created,
        client.get("workers"),
        client.get(f"workers/{pk}"),
        client.get("workers", q=body["id_number"]),
        client.patch(f"workers/{pk}", {"notes": "备注"}),
        client.put(f"workers/{pk}", body | {"notes": "全量"}),
    ]
    for response in responses:
        assert response.status_code in (200, 201), response.content
        text = response.content.decode()
        assert body["id_number"] not in text and "13912345678" not in text
    detail = client.get(f"workers/{pk}").json()
    assert detail["id_number"] == mask_id_number(body["id_number"])
    assert detail["phone"] == "139****5678"
    assert detail["id_number"] in [item["id_number"] for item in client.get("workers").json()["items"]]


# -- list: search, filters, pagination, query count ------------------------------------------

def test_search_by_name_prefix_and_full_id_number(api_as, personas, ledger):
    client = api_as(personas.county)
    assert names(client.get("workers", q="王")) == ["王强", "王芳"]
    assert names(client.get("workers", q=ledger["town2"].id_number)) == ["王强"]
    assert names(client.get("workers", q=ledger["lanxian"].id_number)) == []  # out of scope


def test_filters_region_status_difficulty(api_as, personas, ledger):
    make_worker(residence=TOWN, name="赵敏", employment_status="employed", difficulty_mask=16)
    client = api_as(personas.county)
    assert names(client.get("workers", region="350581002")) == ["王强"]
    assert names(client.get("workers", status="employed")) == ["赵敏"]
    assert names(client.get("workers", difficulty="disabled")) == ["赵敏"]
    assert names(client.get("workers", difficulty="any")) == ["赵敏"]
    assert names(client.get("workers", region="141127")) == []  # other county: scope still applies
    assert names(client.get("workers", sort="name", status="unemployed")) == ["王强", "王芳"]


@pytest.mark.parametrize("params,field", [
    ({"limit": 201}, "limit"), ({"limit": 0}, "limit"), ({"offset": -1}, "offset"),
    ({"offset": 10**30}, "offset"), ({"status": "retired"}, "status"), ({"region": "35058"}, "region"),
    ({"difficulty": "rich"}, "difficulty"), ({"sort": "id_number"}, "sort"), ({"q": "x" * 51}, "q"),
    ({"q": "王\x00"}, "q"), ({"long_unemployed": "perhaps"}, "long_unemployed"),
])
def test_bad_list_parameters_are_422(api_as, personas, params, field):
    response = api_as(personas.town).get("workers", **params)
    assert response.status_code == 422, response.content
    assert fields_of(response) == {field}


def test_pagination(api_as, personas):
    for i in range(7):
        make_worker(residence=TOWN, name=f"工人{i}")
    client = api_as(personas.town)
    page = client.get("workers", limit=3, offset=0).json()
    assert page["count"] == 7 and len(page["items"]) == 3
    assert [i["name"] for i in page["items"]] == ["工人6", "工人5", "工人4"]  # newest first
    assert len(client.get("workers", limit=3, offset=6).json()["items"]) == 1
    assert client.get("workers", limit=3, offset=100).json() == {"count": 7, "items": []}
    assert len(client.get("workers", limit=200).json()["items"]) == 7


def test_list_query_count_does_not_grow_with_rows(api_as, personas, django_assert_max_num_queries):
    for i in range(40):
        make_worker(residence=TOWN, name=f"工人{i}", household=None)
    client = api_as(personas.town)
    client.get("workers")  # first use of the token writes last_used_at
    with django_assert_max_num_queries(3):  # token + user, count, page (households joined)
        response = client.get("workers", limit=200)
    assert response.json()["count"] == 40


# -- validation --------------------------------------------------------------------------------

@pytest.mark.parametrize("overrides,field", [
    ({"id_number": "350581198506150020"}, "id_number"),  # wrong check character
    ({"id_number": ""}, "id_number"),
    ({"name": ""}, "name"),
    ({"name": "长" * 51}, "name"),
    ({"phone": "12345"}, "phone"),
    ({"residence_region": "999999"}, "residence_region"),
    ({"employment_status": "employed"}, "unemployment_registered_on"),  # date only when unemployed
    ({"unemployment_registered_on": "2999-01-01"}, "unemployment_registered_on"),
    ({"gender": "male", "id_number": "350581198506150025"}, "gender"),  # ID says female
    ({"birth_date": "1990-01-01"}, "birth_date"),
    ({"difficulty_types": ["rich"]}, "difficulty_types"),
    ({"last_income_month": "2025-13"}, "last_income_month"),
    ({"monthly_income": "12.345"}, "monthly_income"),
    ({"monthly_income": -1}, "monthly_income"),
    ({"monthly_income": "1e400"}, "monthly_income"),
    ({"ui_contribution_months": -3}, "ui_contribution_months"),
    ({"ui_contribution_months": 10**20}, "ui_contribution_months"),
    ({"ui_contribution_months": "twelve"}, "ui_contribution_months"),
    ({"pension_insured": "maybe"}, "pension_insured"),
    ({"relation_to_head": "spouse", "household_no": None}, "relation_to_head"),
    ({"education": "phd"}, "education"),
    ({"birth_date": "not a date"}, "birth_date"),
    ({"notes": "x" * 100_000}, "notes"),
    ({"name": "王\x00芳"}, "name"),
    ({"name": "王\ud800芳"}, "name"),
    ({"favourite_colour": "red"}, "favourite_colour"),
])
def test_invalid_create_is_422_with_the_field_and_changes_nothing(api_as, personas, overrides, field):
    response = api_as(personas.town).post("workers", new_worker(**overrides))
    assert response.status_code == 422, response.content
    assert field in fields_of(response)
    for item in response.json()["detail"]:
        assert item["message"] and item["message_en"]
    assert not Worker.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.CREATE).exists()


def test_duplicate_id_number_is_refused(api_as, personas, ledger):
    response = api_as(personas.town).post("workers", new_worker(id_number=ledger["town"].id_number))
    assert response.status_code == 422 and fields_of(response) == {"id_number"}
    assert Worker.objects.count() == 3


@pytest.mark.parametrize("raw,status", [
    (b"{not json", 400), (b"\xff\xfe\x00", 400), (b"", 422), (b"[]", 422), (b'"text"', 422),
    (b"null", 422), (b"123", 422), (b'{"name": ' + b"[" * 5000 + b"]" * 5000 + b"}", 400),
])
def test_malformed_bodies_are_4xx(api_as, personas, raw, status):
    response = api_as(personas.town).post("workers", raw=raw)
    assert response.status_code == status, response.content
    assert response.json()["detail"][0]["message"]


def test_patch_is_cleaned_together_with_the_stored_record(api_as, personas):
    worker = make_worker(residence=TOWN, employment_status="employed")
    client = api_as(personas.town)
    # A registration date alone is refused while the stored status is 'employed'...
    response = client.patch(f"workers/{worker.pk}", {"unemployment_registered_on": "2025-03-01"})
    assert response.status_code == 422 and fields_of(response) == {"unemployment_registered_on"}
    worker.refresh_from_db()
    assert worker.unemployment_registered_on is None
    # ... and accepted with the status change that makes it valid.
    response = client.patch(f"workers/{worker.pk}", {"employment_status": "unemployed",
                                                     "unemployment_registered_on": "2025-03-01"})
    assert response.status_code == 200, response.content
    worker.refresh_from_db()
    assert str(worker.unemployment_registered_on) == "2025-03-01"


def test_patch_keeps_fields_not_sent_and_null_clears(api_as, personas):
    client = api_as(personas.town)
    pk = client.post("workers", new_worker()).json()["id"]
    body = client.patch(f"workers/{pk}", {"notes": "x"}).json()
    assert body["phone"] == "139****5678" and body["monthly_income"] == "1200.50"
    assert body["household_no"] == "H-API-1"
    body = client.patch(f"workers/{pk}", {"phone": None, "monthly_income": None}).json()
    assert body["phone"] == "" and body["monthly_income"] is None
    assert body["difficulty_types"] == ["minimum_living_allowance", "disabled"]


def test_patch_cannot_change_the_id_number(api_as, personas, ledger):
    worker = ledger["town"]
    response = api_as(personas.town).patch(f"workers/{worker.pk}", {"id_number": next_id_number()})
    assert response.status_code == 422 and fields_of(response) == {"id_number"}


def test_patch_with_bad_fields_changes_nothing(api_as, personas, ledger):
    worker = ledger["town"]
    response = api_as(personas.town).patch(f"workers/{worker.pk}", {"name": "新名字", "phone": "0"})
    assert response.status_code == 422 and fields_of(response) == {"phone"}
    worker.refresh_from_db()
    assert worker.name == "王芳"


def test_put_replaces_the_whole_record(api_as, personas):
    client = api_as(personas.town)
    body = new_worker()
    pk = client.post("workers", body).json()["id"]
    replaced = {k: body[k] for k in ("name", "id_number", "residence_region")} | {"employment_status": "farming"}
    response = client.put(f"workers/{pk}", replaced)
    assert response.status_code == 200, response.content
    out = response.json()
    assert out["employment_status"] == "farming"
    assert out["phone"] == "" and out["monthly_income"] is None and out["difficulty_types"] == []
    assert out["household_no"] is None
    assert client.put(f"workers/{pk}", {"name": "x"}).status_code == 422  # PUT needs the whole record


@pytest.mark.parametrize("path", ["workers/0", "workers/-1", "workers/9223372036854775808",
                                  "workers/99999999999999999999999999"])
def test_ids_out_of_range_are_404(api_as, personas, path):
    client = api_as(personas.admin)
    assert client.get(path).status_code == 404
    assert client.patch(path, {"notes": "x"}).status_code == 404
    assert client.post(path + "/reveal").status_code == 404


def test_non_numeric_id_is_422(api_as, personas):
    assert api_as(personas.admin).get("workers/abc").status_code == 422


def test_errors_follow_accept_language(api_as, personas):
    zh = api_as(personas.town).post("workers", new_worker(phone="1"))
    en = api_as(personas.town, language="en").post("workers", new_worker(phone="1"))
    [zh_item], [en_item] = zh.json()["detail"], en.json()["detail"]
    assert zh_item["message"] == "手机号码应为 11 位，以 13–19 开头。"
    # message is in the request's language; message_en always English (same msgid, same catalogue).
    assert en_item["message"] == en_item["message_en"] == zh_item["message_en"]


def test_body_over_the_upload_limit_is_413(api_as, personas, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_as(personas.town).post("workers", new_worker(notes="x" * 2000))
    assert response.status_code == 413
    assert not Worker.objects.exists()
