"""Scoping of the ledger, tested directly: the one narrowing helper and the one worker search
that the list page, the export, the API and the dashboard share."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from anju.accounts.models import Role
from anju.accounts.tests.factories import UserFactory, organisation_user
from anju.accounts.tokens import token_issue
from anju.core.dashboard import dashboard
from anju.lib.identifiers import make_uscc
from anju.registry.permissions import WorkerPolicy
from anju.registry.selectors import get_worker_for_user, search_workers, workers_for_user
from anju.registry.tests.factories import make_worker

PLACES = {
    "hubin": "350581001000",  # a street of Shishi
    "fengli": "350581002000",  # another street of Shishi
    "jinjiang": "350582000000",  # another county of Quanzhou
    "fuzhou": "350100000000",  # another city of Fujian
    "lanxian": "141127100000",  # another province
}


@pytest.fixture
def people(db):
    return {place: make_worker(name=f"{place}人", residence=code, phone=f"1390000{i:04d}")
            for i, (place, code) in enumerate(PLACES.items())}


def seen(user, **kw) -> set[str]:
    return {w.name.removesuffix("人") for w in workers_for_user(user, **kw)}


@pytest.mark.parametrize(("jurisdiction", "expected"), [
    ("35", {"hubin", "fengli", "jinjiang", "fuzhou"}),
    ("3505", {"hubin", "fengli", "jinjiang"}),
    ("350581", {"hubin", "fengli"}),
    ("350581001", {"hubin"}),
    ("350581001000", {"hubin"}),
    ("14", {"lanxian"}),
])
def test_prefix_matching_at_every_length(people, jurisdiction, expected):
    role = Role.TOWN_OFFICER if len(jurisdiction) >= 9 else Role.COUNTY_OFFICER
    user = UserFactory(username=f"j{jurisdiction}", role=role, jurisdiction=jurisdiction)
    assert seen(user) == expected
    assert seen(user, region_index=False) == expected
    # The list's scope and the record's permission agree, worker by worker.
    for place, worker in people.items():
        assert WorkerPolicy.can_on(user, "view", worker) == (place in expected), place


@pytest.mark.parametrize(("within", "expected"), [
    ("", {"hubin", "fengli"}),
    ("35", {"hubin", "fengli"}),  # wider than the jurisdiction: the jurisdiction
    ("3505", {"hubin", "fengli"}),
    ("350581", {"hubin", "fengli"}),
    ("350581002", {"fengli"}),
    ("350581002000", {"fengli"}),  # a 12-digit code is the division it names
    ("350582", set()),  # outside the jurisdiction
    ("141127", set()),
    ("3506", set()),
])
def test_region_filter_narrows_never_widens(personas, people, within, expected):
    assert seen(personas.county, within=within) == expected


@pytest.mark.parametrize("within", ["35058", "3505811", "abc", "350581-001", "３５０５８１", "350581001000000",
                                    "350581 001", "' OR 1=1 --"])
def test_malformed_region_filter_gives_nothing(personas, people, within):
    assert seen(personas.county, within=within) == set()
    assert seen(personas.admin, within=within) == set()


def test_admin_and_auditor_see_everything(personas, people):
    assert seen(personas.admin) == set(PLACES)
    assert seen(personas.auditor) == set(PLACES)
    assert seen(personas.admin, within="3505") == {"hubin", "fengli", "jinjiang"}


def test_employer_and_contractor_users_see_no_workers(client, people):
    employer = organisation_user("hr", Role.EMPLOYER_USER, make_uscc("91350581MA2Y1HD7K"))
    contractor = organisation_user("payroll", Role.CONTRACTOR_USER, make_uscc("91350581MA2Y1JG3P"), jurisdiction="3505")
    for user in (employer, contractor):
        assert seen(user) == set() and seen(user, within="350581001") == set()
        with pytest.raises(Http404):
            get_worker_for_user(user, people["hubin"].pk)
        assert not WorkerPolicy.can_on(user, "view", people["hubin"])
        assert dashboard(user)["total"]["count"] == 0
        # Pages and the API refuse or show nothing, never fail.
        client.force_login(user)
        assert client.get(reverse("registry:worker_list")).status_code == 403
        assert client.get(reverse("registry:worker_detail", args=[people["hubin"].pk])).status_code == 404
        assert client.get(reverse("registry:worker_export")).status_code == 403
        home = client.get(reverse("core:home"))  # sent to their own work, not a ledger dashboard
        assert home.status_code == 302 and "/ledger/" not in home["Location"]
        key, _token = token_issue(user=user)
        response = client.get("/api/v1/workers", headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 200 and response.json()["count"] == 0
        with pytest.raises(PermissionDenied):
            from anju.registry.views import _require

            _require(user, "view")


def test_search_by_name_full_id_and_phone_tail(personas, people):
    qs = workers_for_user(personas.county)
    assert {w.name for w in search_workers(qs, "hubin")} == {"hubin人"}
    assert {w.name for w in search_workers(qs, people["fengli"].id_number)} == {"fengli人"}
    assert {w.name for w in search_workers(qs, people["fengli"].id_number.lower())} == {"fengli人"}
    assert {w.name for w in search_workers(qs, "0001")} == {"fengli人"}  # last 4 of the phone
    # Search never reaches outside the scope it is given.
    assert list(search_workers(qs, people["lanxian"].id_number)) == []
    assert list(search_workers(qs, "lanxian")) == []
    assert search_workers(qs, "").count() == 2


def test_list_export_api_and_dashboard_scope_alike(client, personas, people):
    """The four readers of the ledger give the same people for the same region filter."""
    client.force_login(personas.county)
    key, _token = token_issue(user=personas.county)
    for region in ("", "350581002", "350581002000", "141127", "35058", "abc"):
        expected = seen(personas.county, within=region)
        page = client.get(reverse("registry:worker_list"), {"region": region})
        assert {w.name.removesuffix("人") for w in page.context["page_obj"].object_list} == expected, region
        export = client.get(reverse("registry:worker_export"), {"region": region})
        if export.status_code == 400:  # as the API, the export refuses a malformed prefix outright
            assert not expected and region in ("35058", "abc")
        else:
            book = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content)))
            assert {r[0].removesuffix("人") for r in book["人员"].iter_rows(min_row=2, values_only=True)} == expected, region
        api = client.get("/api/v1/workers", {"region": region} if region else {}, headers={"Authorization": f"Bearer {key}"})
        if api.status_code == 422:  # the API's schema refuses a malformed prefix outright
            assert not expected and region in ("35058", "abc")
        else:
            assert {w["name"].removesuffix("人") for w in api.json()["items"]} == expected, region
    # The dashboard ignores a region it cannot use and shows the jurisdiction; a usable one narrows.
    assert dashboard(personas.county, region="350581002")["total"]["count"] == 1
    assert dashboard(personas.county, region="350581002000")["scope"] == "350581002"
    assert dashboard(personas.county, region="141127")["total"]["count"] == 2
    assert dashboard(personas.county, region="abc")["scope"] == "350581"
