"""Proactive lists (免申即享) end to end with the immediate task backend: the form on the policy
page -> ScanJob -> task -> job page with count, total and rows -> masked, audited exports. Jobs are
visible to their creator only; scans never leave the user's jurisdiction."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from anju.audit.models import AuditEvent
from anju.employment.models import Employer, Hire
from anju.policies import tasks
from anju.policies.models import ScanJob
from anju.policies.services import sync_from_packs
from anju.policies.tests.conftest import months_ago
from anju.registry.tests.factories import make_worker

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
POLICY = "quanzhou-temporary-assistance"


@pytest.fixture(autouse=True)
def immediate_tasks():
    with override_settings(TASKS=IMMEDIATE):
        yield


@pytest.fixture
def ledger(assistance):
    """Three eligible workers in the Hubin street, one in another Shishi street, one in Lan County,
    one not eligible."""
    hubin = [make_worker(name=f"甲{i}", last_income_month=months_ago(4), unemployment_insured=False) for i in range(3)]
    other_street = make_worker(name="乙", residence="350581002000", last_income_month=months_ago(5), unemployment_insured=False)
    lan = make_worker(name="丙", residence="141127100000", last_income_month=months_ago(5), unemployment_insured=False)
    working = make_worker(name="丁", last_income_month=months_ago(1), unemployment_insured=False)
    return {"hubin": hubin, "other_street": other_street, "lan": lan, "working": working}


def login(client, user):
    client.force_login(user)
    return client


def start(client, region="", on=None):
    return client.post(reverse("policies:scan_start", args=[POLICY]),
                       {"on": (on or timezone.localdate()).isoformat(), "region": region})


def test_scan_end_to_end_for_a_street_officer(client, personas, ledger):
    login(client, personas.town)
    response = start(client, region="350581001")
    job = ScanJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("policies:scan_job", args=[job.pk])
    assert (job.status, job.region_prefix, job.created_by) == ("done", "350581001", personas.town)
    assert job.result_count == 3 and job.result_total == Decimal("7200.00")
    assert (job.done_count, job.total_count, job.progress_percent) == (3, 3, 100) and job.started_at
    assert {r["subject_id"] for r in job.results} == {w.pk for w in ledger["hubin"]}
    assert AuditEvent.objects.filter(object_type="scan_job", object_id=str(job.pk), action="create").exists()

    html = client.get(response.url).content.decode()
    assert 'data-testid="count">3<' in html and "7200.00" in html
    for w in ledger["hubin"]:
        assert w.id_number_masked in html and w.name in html
    assert "湖滨街道" in html or "350581001000" in html
    assert ledger["other_street"].name not in html and ledger["lan"].name not in html
    # The policy page lists the job.
    detail = client.get(reverse("policies:policy_detail", args=[POLICY])).content.decode()
    assert reverse("policies:scan_job", args=[job.pk]) in detail


def test_county_officer_scans_the_county_or_a_street_but_nothing_wider(client, personas, ledger):
    login(client, personas.county)
    start(client)  # no region chosen: the whole jurisdiction
    job = ScanJob.objects.get()
    assert job.region_prefix == "350581" and job.result_count == 4
    assert ledger["lan"].pk not in {r["subject_id"] for r in job.results}
    start(client, region="350581002")
    assert ScanJob.objects.first().result_count == 1
    response = start(client, region="3505")  # above their jurisdiction: refused, no job
    assert response.status_code == 302 and response.url.endswith("#scan")
    assert ScanJob.objects.count() == 2
    messages = client.get(response.url).content.decode()
    assert "无法生成名单" in messages and "管辖范围" in messages
    for bad in ({"on": "2021-02-30"}, {"on": ""}, {"region": "141127"}, {"region": "<x>"}):
        data = {"on": timezone.localdate().isoformat(), "region": ""} | bad
        assert client.post(reverse("policies:scan_start", args=[POLICY]), data).status_code == 302
    assert ScanJob.objects.count() == 2


def test_scan_on_a_date_uses_that_dates_facts(client, personas, ledger):
    login(client, personas.town)
    start(client, region="350581001", on=months_ago(2))  # then, only 2 months without income
    assert ScanJob.objects.get().result_count == 0


def test_scan_permissions(client, personas, ledger):
    login(client, personas.auditor)  # read-only role
    assert start(client).status_code == 403
    login(client, personas.lanxian)  # the policy does not apply in Lan County
    assert start(client).status_code == 404
    login(client, personas.town)
    assert client.get(reverse("policies:scan_start", args=[POLICY])).status_code == 405
    assert client.post(reverse("policies:scan_start", args=["no-such-policy"]), {}).status_code == 404
    assert ScanJob.objects.count() == 0


def test_job_pages_are_visible_to_their_creator_only(client, personas, ledger):
    login(client, personas.town)
    start(client, region="350581001")
    job = ScanJob.objects.get()
    urls = [reverse("policies:scan_job", args=[job.pk]), reverse("policies:scan_progress", args=[job.pk]),
            reverse("policies:scan_export", args=[job.pk]) + "?format=csv"]
    for other in (personas.county, personas.lanxian, personas.auditor, personas.admin):
        login(client, other)
        for url in urls:
            assert client.get(url).status_code == 404, (other, url)
    login(client, personas.town)
    assert client.get("/policies/scans/999999/").status_code == 404


def test_progress_fragment_then_refresh(client, personas, assistance):
    login(client, personas.town)
    job = ScanJob.objects.create(policy_id=POLICY, region_prefix="350581001", on_date=timezone.localdate(),
                                 created_by=personas.town, status=ScanJob.Status.RUNNING, done_count=1234, total_count=3085,
                                 result_count=1234)
    url = reverse("policies:scan_progress", args=[job.pk])
    fragment = client.get(url, HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert fragment.status_code == 200 and "40%" in html and "1234" in html and "<html" not in html
    page = client.get(reverse("policies:scan_job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert client.get(reverse("policies:scan_export", args=[job.pk]), {"format": "csv"}).status_code == 409
    ScanJob.objects.filter(pk=job.pk).update(status=ScanJob.Status.DONE)
    done = client.get(url, HTTP_HX_REQUEST="true")
    assert done.status_code == 204 and done["HX-Refresh"] == "true"
    assert client.get(url).status_code == 302


def test_exports_are_masked_and_audited(client, personas, ledger):
    login(client, personas.town)
    start(client, region="350581001")
    job = ScanJob.objects.get()
    url = reverse("policies:scan_export", args=[job.pk])
    full_numbers = [w.__class__.objects.values_list("id_number_enc", flat=True).get(pk=w.pk) for w in ledger["hubin"]]
    from anju.lib import crypto

    full_numbers = [crypto.decrypt(v) for v in full_numbers]

    response = client.get(url, {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["公民身份号码（脱敏）", "姓名", "地区", "区划代码", "金额（元）"]
    assert sorted(r[0] for r in rows[1:]) == sorted(w.id_number_masked for w in ledger["hubin"])
    assert {r[4] for r in rows[1:]} == {"2400.00"} and all("*" in r[0] for r in rows[1:])
    assert not any(number in text for number in full_numbers)

    response = client.get(url, {"format": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "公民身份号码（脱敏）" and len(values) == 4
    assert sorted(v[0] for v in values[1:]) == sorted(w.id_number_masked for w in ledger["hubin"])
    assert not any(number in str(values) for number in full_numbers)

    events = AuditEvent.objects.filter(action="export", object_type="scan_job", object_id=str(job.pk))
    assert sorted(e.detail["format"] for e in events) == ["csv", "xlsx"]
    assert all(e.detail["rows"] == 3 and e.detail["masked"] for e in events)
    assert client.get(url, {"format": "pdf"}).status_code == 400
    assert AuditEvent.objects.filter(action="export").count() == 2


def test_results_are_paginated_and_capped(client, personas, ledger, monkeypatch):
    monkeypatch.setattr(tasks, "MAX_RESULTS", 2)
    monkeypatch.setattr(tasks, "PROGRESS_EVERY", 1)
    monkeypatch.setattr("anju.policies.views.RESULTS_PER_PAGE", 1)
    login(client, personas.town)
    start(client, region="350581001")
    job = ScanJob.objects.get()
    assert job.result_count == 3 and len(job.results) == 2 and job.result_total == Decimal("7200.00")
    url = reverse("policies:scan_job", args=[job.pk])
    html = client.get(url).content.decode()
    assert 'data-testid="truncated"' in html and "前 2 个" in html
    assert "第 1 / 2 页" in html
    assert "第 2 / 2 页" in client.get(url, {"page": "2"}).content.decode()
    assert client.get(url, {"page": "abc"}).status_code == 200


def test_failed_job_says_so(personas, assistance):
    job = ScanJob.objects.create(policy_id="no-such-policy", on_date=dt.date(2022, 1, 1), created_by=personas.town)
    tasks.run_scan.call(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and job.message and job.finished_at


def test_other_subjects_are_named_by_their_natural_keys(personas, db):
    employer = Employer.objects.create(name="石狮某制衣有限公司", uscc="91350581MA2XXXXX1X", size_class="small",
                                       region_id="350581001000")
    worker = make_worker()
    hire = Hire.objects.create(worker=worker, employer=employer, start_date=dt.date(2022, 1, 1), contract_months=12)
    assert tasks.describe_subjects("employer", [employer.pk]) == {employer.pk: ("91350581MA2XXXXX1X", "石狮某制衣有限公司")}
    key, name = tasks.describe_subjects("hire", [hire.pk])[hire.pk]
    assert key == f"{worker.id_number_masked} {hire.pk}" and name == f"{worker.name} · 石狮某制衣有限公司"


def test_every_pack_scans_as_a_job(personas, db):
    """Whatever the subject, a proactive list runs to the end (an admin, over the issuing region)."""
    from anju.policies.packs import catalogue

    policies = list(catalogue().policies.values())
    sync_from_packs(policies)
    make_worker(last_income_month=months_ago(4), unemployment_insured=False)
    for policy in policies:
        job = ScanJob.objects.create(policy_id=policy.id, region_prefix=policy.issuing_region,
                                     on_date=timezone.localdate(), created_by=personas.admin)
        tasks.run_scan.call(job.pk)
        job.refresh_from_db()
        assert job.status == "done", (policy.id, job.message)
