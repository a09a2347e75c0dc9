"""Comparison sources through their pages (upload -> preview -> confirm -> done, with the
immediate task backend): each source sets its facts with their FactSource; workers (households)
of the region the roster does not list get false; bad rows are reported with their reason and
unmatched rows listed masked; importing the same file again changes nothing; a fresh UI record
passes the Quanzhou temporary assistance insurance check by data."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from anju.audit.models import AuditEvent
from anju.benefits import services
from anju.benefits.models import ComparisonImport, Door, FactSource, SourceKind, StepState
from anju.benefits.tests.factories import (
    POLICY,
    chain_people,
    fund,
    living_standard,
    qualifying_worker,
)
from anju.employment.models import Employer, EmployerYear
from anju.lib.dates import today
from anju.lib.identifiers import make_uscc
from anju.policies.packs import get_policy
from anju.registry.choices import mask_of
from anju.registry.models import Household, Worker
from anju.registry.tests.factories import make_worker, next_id_number
from anju.registry.tests.test_browser import CHROMIUM, browser_page, login  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PERSON = ["身份证号", "姓名"]
UI = ["身份证号", "姓名", "参保状态", "缴费月数"]


@pytest.fixture(autouse=True)
def tasks():
    with override_settings(TASKS=IMMEDIATE):
        yield


@pytest.fixture
def people():
    return chain_people()


def csv_file(headers, rows, name="名单.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile(name, ("\ufeff" + out.getvalue()).encode())


def upload(client, user, kind, headers, rows, *, region="350581", as_of=None, confirm=True):
    client.force_login(user)
    response = client.post(reverse("benefits:source_new"), {
        "kind": kind, "as_of": (as_of or today()).isoformat(), "region_prefix": region,
        "file": csv_file(headers, rows)})
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ComparisonImport.objects.latest("pk")
    assert job.report["phase"] == "previewed", job.message
    if confirm:
        client.post(reverse("benefits:source_confirm", args=[job.pk]))
    job.refresh_from_db()
    return job


def facts(subject_type, pk):
    """{fact: (value, type)}: False must not pass for 0, nor True for 1."""
    return {f: (v, type(v)) for f, v in
            FactSource.objects.filter(subject_type=subject_type, subject_id=pk).values_list("fact", "value")}


def typed(values):
    return {f: (v, type(v)) for f, v in values.items()}


def test_page_flow_preview_writes_nothing_then_confirm(client, people, django_assert_max_num_queries):
    listed = make_worker(name="王五", difficulty_mask=0)
    job = upload(client, people.civil, SourceKind.MINIMUM_LIVING, PERSON, [[listed.id_number, "王五"]], confirm=False)
    page = client.get(reverse("benefits:source_detail", args=[job.pk])).content.decode()
    assert "确认导入" in page and job.matched_count == 1 and job.report["counts"]["ledger_changed"] == 1
    assert not FactSource.objects.exists() and Worker.objects.get(pk=listed.pk).version == 1

    client.post(reverse("benefits:source_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "done" and job.report["phase"] == "imported" and not job.stored_name
    assert facts("worker", listed.pk) == typed({"minimum_living_allowance": True})
    assert AuditEvent.objects.filter(action="import", object_type="comparisonimport", object_id=str(job.pk)).count() == 1
    page = client.get(reverse("benefits:source_detail", args=[job.pk])).content.decode()
    assert "导入完成" in page
    # A second confirmation is refused, not repeated.
    client.post(reverse("benefits:source_confirm", args=[job.pk]))
    assert AuditEvent.objects.filter(action="import", object_type="comparisonimport").count() == 1
    upload(client, people.civil, SourceKind.MINIMUM_LIVING, PERSON, [[listed.id_number, "王五"]], confirm=False)
    with django_assert_max_num_queries(12):
        listing = client.get(reverse("benefits:source_list")).content.decode()
    assert "民政部门低保对象名单" in listing and reverse("benefits:source_detail", args=[job.pk]) in listing


def test_minimum_living_sets_the_bit_and_unlisted_workers_get_false(client, people):
    listed = make_worker(name="王五", difficulty_mask=mask_of(["disabled"]))
    dropped = make_worker(name="赵六", difficulty_mask=mask_of(["minimum_living_allowance", "disabled"]))
    elsewhere = make_worker(name="钱七", residence="350581002000", difficulty_mask=mask_of(["minimum_living_allowance"]))
    job = upload(client, people.civil, SourceKind.MINIMUM_LIVING, PERSON + ["低保开始日期"],
                 [[listed.id_number, "王五", "2025-03-01"]], region="350581001")
    assert job.status == "done" and job.matched_count == 1
    listed.refresh_from_db()
    dropped.refresh_from_db()
    elsewhere.refresh_from_db()
    assert "minimum_living_allowance" in listed.difficulty_types and "disabled" in listed.difficulty_types
    assert dropped.difficulty_types == ["disabled"]
    assert elsewhere.difficulty_types == ["minimum_living_allowance"] and elsewhere.version == 1
    assert listed.version == 2 and dropped.version == 2  # the lost-update rule: every write bumps it
    assert listed.history.first().history_change_reason == "比对数据导入"
    assert facts("worker", listed.pk) == typed({"minimum_living_allowance": True})
    assert facts("worker", dropped.pk) == typed({"minimum_living_allowance": False})
    assert facts("worker", elsewhere.pk) == typed({})
    row = FactSource.objects.get(subject_id=dropped.pk)
    assert row.kind == SourceKind.MINIMUM_LIVING and row.as_of == today() and row.source_import_id == job.pk


def test_ui_contributions_set_insurance_and_months(client, people):
    insured = make_worker(name="王五", unemployment_insured=None)
    stopped = make_worker(name="赵六", unemployment_insured=True, ui_contribution_months=10)
    unlisted = make_worker(name="钱七", unemployment_insured=True, ui_contribution_months=5)
    job = upload(client, people.hrss, SourceKind.UI_CONTRIBUTIONS, UI,
                 [[insured.id_number, "王五", "参保", "36"], [stopped.id_number, "赵六", "否", ""]])
    assert job.status == "done"
    for w in (insured, stopped, unlisted):
        w.refresh_from_db()
    assert (insured.unemployment_insured, insured.ui_contribution_months) == (True, 36)
    assert (stopped.unemployment_insured, stopped.ui_contribution_months) == (False, 10)
    assert (unlisted.unemployment_insured, unlisted.ui_contribution_months) == (False, 5)
    assert facts("worker", insured.pk) == typed({"unemployment_insured": True, "ui_contribution_months": 36})
    assert facts("worker", stopped.pk) == typed({"unemployment_insured": False})
    assert facts("worker", unlisted.pk) == typed({"unemployment_insured": False})
    assert job.report["counts"]["listed"] == 2 and job.report["counts"]["unlisted"] == 1


def test_union_hardship_sets_the_household(client, people):
    home = Household.objects.create(household_no="HH1", region_id="350581001000")
    other = Household.objects.create(household_no="HH2", region_id="350581001000", union_hardship=True)
    member = make_worker(name="王五", household=home)
    make_worker(name="赵六", household=other)
    alone = make_worker(name="孙八")
    job = upload(client, people.union, SourceKind.UNION_HARDSHIP, PERSON,
                 [[member.id_number, "王五"], [alone.id_number, "孙八"]])
    home.refresh_from_db()
    other.refresh_from_db()
    assert home.union_hardship is True and other.union_hardship is False
    assert facts("household", home.pk) == typed({"union_hardship": True})
    assert facts("household", other.pk) == typed({"union_hardship": False})
    assert job.error_count == 1 and "未登记家庭" in job.report["errors"][0]["reason_zh"]


def test_employer_premiums_upsert_the_year(client, people):
    uscc = make_uscc("91350581MA2Y0001K")
    employer = Employer.objects.create(name="石狮某服装公司", uscc=uscc, size_class="small", region_id="350581001000")
    EmployerYear.objects.create(employer=employer, year=today().year - 2, ui_months_paid=6)
    headers = ["统一社会信用代码", "单位名称", "年度", "缴费月数", "缴费金额", "年平均参保人数", "裁员人数"]
    last, before = today().year - 1, today().year - 2
    job = upload(client, people.hrss, SourceKind.EMPLOYER_PREMIUMS, headers,
                 [[uscc, "石狮某服装公司", last, 12, "86,400.00", 120, 3],
                  [uscc, "石狮某服装公司", before, 12, "80000", 100, 0],
                  [make_uscc("91350581MA2Y0002K"), "不在台账的单位", last, 12, "1", 1, 0]])
    assert job.status == "done" and job.matched_count == 2 and job.unmatched_count == 1
    years = {y.year: y for y in EmployerYear.objects.filter(employer=employer)}
    assert years[last].ui_premiums_paid == Decimal("86400.00") and years[last].layoffs == 3
    assert years[before].ui_months_paid == 12 and years[before].average_staff == 100
    assert facts("employer", employer.pk) == typed({"ui_months_paid_last_year": 12, "ui_premiums_paid_last_year": "86400.00",
                                              "insured_staff_last_year": 120, "layoff_rate_last_year": "0.025"})
    assert job.report["unmatched"][0]["key"].startswith("91350581")


def test_bad_rows_have_reasons_and_unmatched_rows_are_masked(client, people):
    known = make_worker(name="王五")
    stranger = next_id_number()
    rows = [[known.id_number, "王五", "参保", "12"], ["350581198506151234", "坏号", "参保", ""],
            [known.id_number[:-1], "短号", "参保", ""], [stranger, "陌生人", "参保", ""],
            [make_worker(name="赵六").id_number, "赵七", "参保", ""], [next_id_number(), "李九", "也许", "x"]]
    job = upload(client, people.hrss, SourceKind.UI_CONTRIBUTIONS, UI, rows, confirm=False)
    counts = job.report["counts"]
    assert (counts["matched"], counts["unmatched"], counts["errors"]) == (1, 1, 4)
    reasons = {e["row"]: e["reason_zh"] for e in job.report["errors"]}
    assert "校验位" in reasons[3] and "18 位" in reasons[4] and "姓名与台账不一致（台账为“赵*”）" in reasons[6]
    assert "参保状态" in reasons[7] or "缴费月数" in reasons[7]
    assert job.report["unmatched"] == [{"row": 5, "key": stranger[:6] + "********" + stranger[-4:], "name": "陌**"}]
    page = client.get(reverse("benefits:source_detail", args=[job.pk])).content.decode()
    assert stranger not in page and "陌**" in page
    report = client.get(reverse("benefits:source_error_report", args=[job.pk]))
    assert report.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content))).active
    assert "校验位" in sheet.cell(3, sheet.max_column).value and "台账中没有该人员" in sheet.cell(5, sheet.max_column).value
    assert AuditEvent.objects.filter(action="export", object_type="comparisonimport").count() == 1
    # Only the uploader downloads it (a copy of the file); a colleague elsewhere does not even see the import.
    client.force_login(people.civil)
    assert client.get(reverse("benefits:source_error_report", args=[job.pk])).status_code == 404
    client.force_login(people.lanxian_civil)
    assert client.get(reverse("benefits:source_detail", args=[job.pk])).status_code == 404


def test_reimporting_the_same_file_changes_nothing(client, people):
    a = make_worker(name="王五", unemployment_insured=None)
    b = make_worker(name="赵六", unemployment_insured=True)
    rows = [[a.id_number, "王五", "参保", "24"]]
    first = upload(client, people.hrss, SourceKind.UI_CONTRIBUTIONS, UI, rows)
    versions = dict(Worker.objects.values_list("pk", "version"))
    stored = list(FactSource.objects.order_by("pk").values_list("pk", "value", "source_import_id", "as_of"))
    second = upload(client, people.hrss, SourceKind.UI_CONTRIBUTIONS, UI, rows)
    assert second.status == "done" and second.report["counts"]["ledger_changed"] == 0
    assert second.report["counts"]["facts_new"] == second.report["counts"]["facts_changed"] == 0
    assert dict(Worker.objects.values_list("pk", "version")) == versions
    assert list(FactSource.objects.order_by("pk").values_list("pk", "value", "source_import_id", "as_of")) == stored
    assert first.report["counts"]["ledger_changed"] == 2 and b.pk in versions
    # An older roster imported later does not undo the newer data.
    old = upload(client, people.hrss, SourceKind.UI_CONTRIBUTIONS, UI, [[a.id_number, "王五", "未参保", ""]],
                 as_of=today() - dt.timedelta(days=40))
    a.refresh_from_db()
    assert a.unemployment_insured is True and old.report["counts"]["facts_older"] == 2


def test_who_may_import_what(client, people):
    worker = make_worker(name="王五")
    client.force_login(people.town)
    assert client.get(reverse("benefits:source_new")).status_code == 403
    client.force_login(people.union)
    response = client.post(reverse("benefits:source_new"), {
        "kind": SourceKind.UI_CONTRIBUTIONS, "as_of": today().isoformat(), "region_prefix": "350581",
        "file": csv_file(UI, [[worker.id_number, "王五", "参保", "1"]])})
    assert response.status_code == 400 and not ComparisonImport.objects.exists()
    client.force_login(people.hrss)
    for region, as_of in (("350582", today()), ("35058", today()), ("350581", today() + dt.timedelta(days=1))):
        response = client.post(reverse("benefits:source_new"), {
            "kind": SourceKind.UI_CONTRIBUTIONS, "as_of": as_of.isoformat(), "region_prefix": region,
            "file": csv_file(UI, [[worker.id_number, "王五", "参保", "1"]])})
        assert response.status_code == 400
    assert not ComparisonImport.objects.exists()
    client.force_login(people.hrss)
    response = client.post(reverse("benefits:source_new"), {
        "kind": SourceKind.UI_CONTRIBUTIONS, "as_of": today().isoformat(), "region_prefix": "350581",
        "file": csv_file(["编号", "名字"], [["1", "2"]])})
    job = ComparisonImport.objects.get()
    assert job.status == "failed" and "缺少必需的列" in job.message and not job.stored_name


def test_fresh_source_passes_the_insurance_check_by_data(client, people):
    living_standard()
    fund()
    worker = qualifying_worker(unemployment_insured=None)
    job = upload(client, people.hrss, SourceKind.UI_CONTRIBUTIONS, UI, [[worker.id_number, "李四", "未参保", "0"]])
    app = services.application_create(actor=people.town, policy=get_policy(POLICY), subject_type="worker",
                                      subject_id=worker.pk, door=Door.COUNTER)
    app = services.step_decide(actor=people.town, application=app, outcome="pass", version=app.version)
    step = app.steps.get(code="insurance_check")
    assert step.state == StepState.PASSED and step.by_data
    assert step.evidence["sources"] == [{"fact": "unemployment_insured", "kind": "ui_contributions",
                                         "as_of": today().isoformat(), "import": job.pk}]
    assert "社保经办机构失业保险参保缴费记录" in step.evidence["text"]
    assert app.current_step == "approval"


def test_worker_page_panel_and_policy_trace_show_the_source(client, people):
    worker = qualifying_worker()
    upload(client, people.hrss, SourceKind.UI_CONTRIBUTIONS, UI, [[worker.id_number, "李四", "未参保", "0"]])
    client.force_login(people.hrss)
    page = client.get(reverse("registry:worker_detail", args=[worker.pk])).content.decode()
    assert 'data-testid="comparison-panel"' in page and "未参加失业保险 — 社保经办机构失业保险参保缴费记录" in page
    assert "失业保险缴费月数 0个月" in page
    panel = client.get(reverse("policies:worker_policies", args=[worker.pk])).content.decode()
    assert 'data-testid="trace-source"' in panel and "未参加失业保险 — 社保经办机构失业保险参保缴费记录" in panel


@pytest.mark.browser
def test_browser_upload_preview_confirm_and_worker_panel(browser_page, live_server, tmp_path):  # noqa: F811
    import re

    from anju.core.demo import seed_reference_users

    page, base = browser_page, live_server.url
    seed_reference_users()
    worker = make_worker(name="林秀英", unemployment_insured=True)
    path = tmp_path / "参保记录.csv"
    path.write_bytes(csv_file(UI, [[worker.id_number, "林秀英", "未参保", "0"], [next_id_number(), "陌生人", "参保", "3"]])
                     .read())
    login(page, base, "shishi-hrss")
    page.goto(base + "/benefits/sources/new/")
    page.select_option("#id_kind", SourceKind.UI_CONTRIBUTIONS)
    page.fill("#id_region_prefix", "350581")
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="上传并校验").click()
    page.wait_for_url(re.compile(r"/benefits/sources/\d+/$"))
    page.wait_for_selector("[data-testid=job-preview]")
    assert page.inner_text("[data-testid=count-matched]") == "1" and page.inner_text("[data-testid=count-unmatched]") == "1"
    assert "陌**" in page.inner_text("[data-testid=unmatched]")
    page.click("[data-testid=confirm]")
    page.wait_for_selector("[data-testid=job-done]")
    worker.refresh_from_db()
    assert worker.unemployment_insured is False and worker.version == 2
    page.goto(f"{base}/ledger/{worker.pk}/")
    assert "未参加失业保险 — 社保经办机构失业保险参保缴费记录" in page.inner_text("[data-testid=comparison-panel]")


def test_recovery_deletes_an_abandoned_upload(settings, personas, django_capture_on_commit_callbacks):
    """A worker killed mid-import leaves the job running; recovery fails it and deletes its upload."""
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from anju.benefits.models import ComparisonImport
    from anju.workflow.jobs import jobs_recover

    name = default_storage.save("comparison/abandoned.csv", ContentFile(b"x"))
    job = ComparisonImport.objects.create(kind="ui_contributions", as_of=dt.date(2026, 11, 30), region_prefix="350581",
                                          filename="a.csv", stored_name=name, status="running", worker_id="gone",
                                          claimed_at=timezone.now() - dt.timedelta(days=2), created_by=personas.county)
    with django_capture_on_commit_callbacks(execute=True):
        jobs_recover()
    job.refresh_from_db()
    assert job.status == "failed" and job.stored_name == "" and not default_storage.exists(name)
