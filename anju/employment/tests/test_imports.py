"""Postings in bulk from a workbook through the import pages (upload -> the job, run at once by the
immediate task backend -> the outcome): every row checked as posting and publishing check it;
all or nothing, with a row-by-row report and the error report file; a real .xlsx written with
openpyxl and a CSV in GB18030."""

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
from django.utils import timezone

from anju.accounts.models import Role
from anju.accounts.tests.factories import UserFactory, organisation_user
from anju.audit.models import AuditEvent
from anju.employment import imports
from anju.employment.models import (
    Campaign,
    Employer,
    JobPosting,
    PostingImport,
    PostingStatus,
    PostingTerm,
)
from anju.lib.identifiers import make_uscc
from anju.params.services import parameter_set

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
HEADERS = [c.header for c in imports.COLUMNS]
USCC = make_uscc("91350581MA2Y0000K")


@pytest.fixture(autouse=True)
def tasks(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with override_settings(TASKS=IMMEDIATE):
        yield


@pytest.fixture
def people(db):
    from types import SimpleNamespace

    employer = Employer.objects.create(name="石狮市安达服装有限公司", uscc=USCC, size_class="small",
                                       region_id="350581001000")
    return SimpleNamespace(
        employer=employer,
        county=UserFactory(username="i-county", role=Role.COUNTY_OFFICER, jurisdiction="350581"),
        town2=UserFactory(username="i-town2", role=Role.TOWN_OFFICER, jurisdiction="350581002"),
        lan=UserFactory(username="i-lan", role=Role.COUNTY_OFFICER, jurisdiction="141127"),
        employer_user=organisation_user("i-employer", Role.EMPLOYER_USER, USCC),
    )


def row(**over) -> list:
    start = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    until = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    values = {"岗位类型": "零工", "岗位名称": "仓库卸货", "职业": "卸货", "招聘单位": "湖滨物流点", "统一社会信用代码": "",
              "工作地点代码": "350581001000", "详细地址": "湖滨街道某物流园", "计薪方式": "元/天", "最低薪酬": "200",
              "最高薪酬": "220", "招聘人数": "3", "开工日期": start, "用工天数": "3", "岗位期限（月）": "",
              "意外伤害保险保额": "", "所需证书": "", "最低年龄": "18", "最高年龄": "55", "有效期至": until,
              "工作内容": "卸货、码放", "联系人": "王先生", "联系电话": "13800001234"}
    values.update(over)
    return [values[h] for h in HEADERS]


def regular(**over) -> list:
    return row(**{"岗位类型": "全职岗位", "岗位名称": "电焊工", "职业": "烧焊", "招聘单位": "", "统一社会信用代码": USCC,
                  "计薪方式": "元/月", "最低薪酬": "6000", "最高薪酬": "8000", "招聘人数": "2", "开工日期": "",
                  "用工天数": "", "所需证书": "焊工证", **over})


def xlsx_file(rows, name="招聘会岗位.xlsx", sheet="岗位") -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(HEADERS)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def csv_file(rows, name="岗位.csv", encoding="utf-8-sig") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode(encoding))


def upload(client, user, file, *, publish=False, campaign=None) -> PostingImport:
    client.force_login(user)
    data = {"file": file}
    if publish:
        data["publish"] = "on"
    if campaign is not None:
        data["campaign"] = str(campaign.pk)
    response = client.post(reverse("employment:import_new"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    job = PostingImport.objects.latest("pk")
    assert job.status == job.DONE, job.message
    return job


def test_xlsx_imports_published_postings_into_a_campaign(client, people):
    campaign = Campaign.objects.create(kind="spring_breeze", name="2026 春风行动", region_id="350581000000",
                                       starts_on=timezone.localdate(), ends_on=timezone.localdate() + dt.timedelta(days=60))
    job = upload(client, people.county, xlsx_file([row(), regular()]), publish=True, campaign=campaign)
    assert job.report["phase"] == imports.IMPORTED, job.report["errors"]
    assert (job.row_count, job.created_count, job.error_count) == (2, 2, 0)
    assert job.done_count == job.total_count == 2
    assert job.stored_name == ""  # the upload (phone numbers in clear) is gone
    odd, welder = JobPosting.objects.order_by("pk")
    assert odd.kind == "odd_job" and odd.occupation.key == "porter" and odd.pay_monthly_max == Decimal("4785.00")
    assert welder.occupation.key == "welder" and welder.employer == people.employer
    assert welder.unit_name == people.employer.name  # the unit's name from the ledger
    for p in (odd, welder):
        assert p.status == PostingStatus.PUBLISHED and p.source == "import" and p.import_job_id == job.pk
        assert p.published_at is not None and p.version == 1 and p.created_by == people.county
        assert PostingTerm.objects.filter(posting=p).exists()
        assert p.contact_phone_masked == "138****1234" and p.contact_phone == "13800001234"
    assert set(campaign.postings.values_list("pk", flat=True)) == {odd.pk, welder.pk}
    [event] = AuditEvent.objects.filter(object_type__icontains="jobposting", object_id=str(odd.pk))
    assert event.action == "create" and event.detail["import"] == job.pk and event.detail["published"] is True
    assert AuditEvent.objects.filter(object_type="postingimport", object_id=str(job.pk), action="import").exists()
    page = client.get(reverse("employment:import", args=[job.pk]))
    assert page.status_code == 200 and "已导入 2 个岗位" in page.content.decode()


def test_gb18030_csv_imports_drafts(client, people):
    job = upload(client, people.county, csv_file([row(), regular(**{"岗位名称": "看大门", "职业": "看大门"})],
                                                 encoding="gb18030"))
    assert job.report["phase"] == imports.IMPORTED, job.report
    titles = dict(JobPosting.objects.values_list("title", "status"))
    assert titles == {"仓库卸货": PostingStatus.DRAFT, "看大门": PostingStatus.DRAFT}
    assert JobPosting.objects.get(title="看大门").occupation.key == "security-guard"
    assert not PostingTerm.objects.exists()  # drafts are not in the matching index


def test_bad_rows_save_nothing_and_are_reported_row_by_row(client, people):
    rows = [row(), row(**{"职业": "飞天员"}), row(**{"工作地点代码": "141127100000"}),
            row(**{"最低薪酬": "300", "最高薪酬": "200"})]
    job = upload(client, people.county, xlsx_file(rows), publish=True)
    assert job.report["phase"] == imports.REJECTED
    assert not JobPosting.objects.exists()
    assert (job.row_count, job.created_count, job.error_count) == (4, 0, 3)
    errors = {(e["row"], e["column"]): e for e in job.report["errors"]}
    assert set(errors) == {(3, "职业"), (4, "工作地点代码"), (5, "最高薪酬")}
    assert "飞天员" in errors[(3, "职业")]["reason_zh"] and "飞天员" in errors[(3, "职业")]["reason_en"]
    assert "141127100000" in errors[(4, "工作地点代码")]["reason_zh"]
    assert errors[(5, "最高薪酬")]["reason_zh"] == "最高薪酬不能低于最低薪酬。"
    page = client.get(reverse("employment:import", args=[job.pk])).content.decode()
    assert "飞天员" in page and "整表未导入" in page
    report = client.get(reverse("employment:import_error_report", args=[job.pk]))
    assert report.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content))).active
    cells = [[c.value for c in r] for r in sheet.iter_rows()]
    reasons = {i + 1: r[-1] for i, r in enumerate(cells)}
    assert reasons[1] == "错误原因" and not reasons[2] and "飞天员" in reasons[3] and "最高薪酬" in reasons[5]
    assert AuditEvent.objects.filter(object_type="postingimport", action="export").exists()
    # Only the uploader downloads the report (it holds the phone numbers in clear).
    client.force_login(UserFactory(username="i-county2", role=Role.COUNTY_OFFICER, jurisdiction="350581"))
    assert client.get(reverse("employment:import_error_report", args=[job.pk])).status_code == 404


def test_public_welfare_post_breaking_the_shanxi_rule_refuses_the_whole_sheet(client, people):
    from anju.policies.packs import catalogue
    from anju.policies.services import sync_from_packs

    sync_from_packs(catalogue().policies.values())
    parameter_set(actor=None, name="min_wage_monthly", region_prefix="141127", valid_from=dt.date(2025, 1, 1),
                  value=Decimal("1700"), source="测试：岚县月最低工资标准")
    welfare = {"岗位类型": "公益性岗位", "岗位名称": "村道保洁", "职业": "保洁员", "招聘单位": "岚县某村民委员会",
               "工作地点代码": "141127100000", "计薪方式": "元/月", "最低薪酬": "600", "最高薪酬": "600", "开工日期": "",
               "用工天数": "", "岗位期限（月）": "12", "意外伤害保险保额": "300000", "联系电话": ""}
    rows = [row(**welfare), row(**{**welfare, "最低薪酬": "900", "最高薪酬": "900"})]
    job = upload(client, people.lan, xlsx_file(rows), publish=True)
    assert job.report["phase"] == imports.REJECTED
    assert not JobPosting.objects.exists()
    [error] = job.report["errors"]
    assert error["row"] == 3 and error["column"] == "岗位类型"
    assert "月补贴不高于当地最低工资标准的 50%" in error["reason_zh"]
    # Without publishing the same sheet is saved as drafts: the rule is checked when published.
    job = upload(client, people.lan, xlsx_file(rows))
    assert job.report["phase"] == imports.IMPORTED and JobPosting.objects.count() == 2
    # And the good row alone publishes, its rule check kept.
    job = upload(client, people.lan, xlsx_file(rows[:1]), publish=True)
    posting = JobPosting.objects.get(import_job=job)
    assert posting.status == PostingStatus.PUBLISHED and posting.rule_check[0]["outcome"] == "passed"


def test_who_may_import_and_see_imports(client, people):
    client.force_login(people.employer_user)
    assert client.get(reverse("employment:import_new")).status_code == 403
    assert client.get(reverse("employment:imports")).status_code == 403
    assert client.get(reverse("employment:import_template")).status_code == 403
    job = upload(client, people.county, xlsx_file([row()]))
    client.force_login(people.lan)  # another county: not its import
    assert client.get(reverse("employment:import", args=[job.pk])).status_code == 404
    assert "i-county" not in client.get(reverse("employment:imports")).content.decode()
    client.force_login(people.town2)  # a town: the county's import is not within the town
    assert client.get(reverse("employment:import", args=[job.pk])).status_code == 404
    # A town officer cannot add to a campaign (CampaignPolicy "change"): none offered, one forced is refused.
    campaign = Campaign.objects.create(kind="spring_breeze", name="春风", region_id="350581000000",
                                       starts_on=timezone.localdate(), ends_on=timezone.localdate())
    response = client.post(reverse("employment:import_new"), {"file": xlsx_file([row()]), "campaign": campaign.pk})
    assert response.status_code == 400 and PostingImport.objects.count() == 1


def test_template_download_imports_as_it_is(client, people):
    client.force_login(people.county)
    response = client.get(reverse("employment:import_template"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["岗位"]
    assert [c.value for c in next(sheet.iter_rows())] == HEADERS
    job = upload(client, people.county, SimpleUploadedFile("template.xlsx", response.content))
    assert job.report["phase"] == imports.IMPORTED and JobPosting.objects.count() == 1


def test_unreadable_or_wrong_sheet_fails_with_a_reason(client, people):
    client.force_login(people.county)
    bad = SimpleUploadedFile("岗位.csv", "姓名,电话\n张三,1\n".encode())
    client.post(reverse("employment:import_new"), {"file": bad})
    job = PostingImport.objects.latest("pk")
    assert job.status == job.FAILED and "缺少必需的列" in job.message
    assert not JobPosting.objects.exists()
    assert "缺少必需的列" in client.get(reverse("employment:import", args=[job.pk])).content.decode()


def test_large_workbook_is_published_and_indexed_in_batches(client, people, monkeypatch):
    """ANJU_IMPORT_BENCH_ROWS=10000 for the full-size run (docs/posting-workbook.md gives its time)."""
    import os
    import time

    from anju.employment import matching

    size = int(os.environ.get("ANJU_IMPORT_BENCH_ROWS", "600"))
    calls = []
    index = matching.index_postings
    monkeypatch.setattr(matching, "index_postings", lambda postings: calls.append(len(postings)) or index(postings))
    titles = ["仓库卸货", "搬砖小工", "看大门", "开铲车"]
    occupations = ["卸货", "搬砖", "看大门", "开铲车"]
    rows = [row(**{"岗位名称": f"{titles[i % 4]}{i}", "职业": occupations[i % 4]}) for i in range(size)]
    started = time.monotonic()
    job = upload(client, people.county, csv_file(rows), publish=True)
    elapsed = time.monotonic() - started
    assert job.report["phase"] == imports.IMPORTED and job.created_count == size
    assert JobPosting.objects.filter(status=PostingStatus.PUBLISHED, import_job=job).count() == size
    assert sum(calls) == size and len(calls) == -(-size // 2000)  # one call per 2,000 postings
    assert PostingTerm.objects.filter(term="保安员").exists()
    print(f"{size} rows imported and published in {elapsed:.1f}s")
