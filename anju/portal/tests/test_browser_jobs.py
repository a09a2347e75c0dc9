"""In a real browser on a phone-sized screen, in Chinese: a worker searches the board for 烧焊,
opens the welding job, signs up with the SMS code and sees the confirmation."""

from __future__ import annotations

import datetime as dt
import importlib
import os
import re
import shutil
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connections
from django.utils import timezone

from anju.employment.models import JobInterest
from anju.portal.tests.test_jobs import FakeSender

CHROMIUM = "/usr/bin/chromium"
PHONE = "13912345678"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM), reason="needs /usr/bin/chromium"),
]


@pytest.fixture
def phone_page(live_server, regions_loaded, settings):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.ANJU_SMS_SENDER = "anju.portal.tests.test_jobs.FakeSender"
    FakeSender.sent = []
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True,
                                      has_touch=True, device_scale_factor=2)
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        browser.close()
        connections.close_all()


def _seed() -> None:
    """A transactional test starts from an empty database: the occupations and the employment
    parameters (time limits, pay conversions) are put back as the migrations put them."""
    from anju.employment import occupations

    occupations.sync()
    importlib.import_module("anju.employment.migrations.0004_parameters").seed(apps, None)


def _postings():
    from anju.accounts.models import Role
    from anju.accounts.tests.factories import UserFactory
    from anju.employment import services
    from anju.employment.models import Occupation

    staff = UserFactory(username="jb-browser-county", role=Role.COUNTY_OFFICER, jurisdiction="350581")
    base = {"unit_name": "湖滨建设工程队", "region_id": "350581001000", "headcount": 2, "contact_phone": "13600001111"}
    welding = services.posting_create(actor=staff, publish=True, data={
        **base, "kind": "odd_job", "title": "钢结构厂房电焊", "occupation": Occupation.objects.get(key="welder"),
        "pay_unit": "day", "pay_min": Decimal("280"), "pay_max": Decimal("320"),
        "start_date": timezone.localdate() + dt.timedelta(days=3), "duration_days": 5,
        "description": "厂房钢结构焊接，自带焊工证。"})
    services.posting_create(actor=staff, publish=True, data={
        **base, "kind": "regular", "title": "仓库夜班值守", "occupation": Occupation.objects.get(key="security-guard"),
        "pay_unit": "month", "pay_min": Decimal("4000"), "pay_max": Decimal("4500")})
    return welding


def test_worker_finds_the_welding_job_and_signs_up_with_the_code(phone_page, live_server):
    page, base = phone_page, live_server.url
    _seed()
    welding = _postings()

    page.goto(base + "/jobs/")
    assert page.locator("[data-testid=job-card]").count() == 2
    # One column on a phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill("#q", "烧焊")
    page.click("[data-testid=search-jobs]")
    page.wait_for_url(re.compile(r"/jobs/\?q="))
    cards = page.locator("[data-testid=job-card]")
    assert cards.count() == 1
    text = cards.first.inner_text()
    assert "钢结构厂房电焊" in text and "零工" in text and "280–320 元/天" in text and "招 2 人" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    cards.first.get_by_role("link", name="查看详情").click()
    page.wait_for_url(f"{base}/jobs/{welding.pk}/")
    assert "136****1111" in page.inner_text("[data-testid=job-contact]")
    assert "13600001111" not in page.content()
    page.click("[data-testid=interested]")
    page.wait_for_url(f"{base}/jobs/{welding.pk}/interest/")
    page.fill("#name", "陈大勇")
    page.fill("#phone", PHONE)
    page.click("[data-testid=send-code]")
    page.wait_for_url(f"{base}/jobs/{welding.pk}/interest/code/")
    assert "139****5678" in page.inner_text("main")
    code = re.search(r"\d{6}", next(body for phone, body in FakeSender.sent if phone == PHONE)).group(0)
    page.fill("#code", code)
    page.click("[data-testid=verify-code]")
    page.wait_for_url(re.compile(r"/jobs/interest/\d+/$"))
    done = page.inner_text("[data-testid=interest-done]")
    assert "报名成功" in done and "钢结构厂房电焊" in done and "2 个工作日内" in done and "139****5678" in done
    interest = JobInterest.objects.get()
    assert interest.posting_id == welding.pk and interest.name == "陈大勇"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.click("[data-testid=go-jobs-mine]")
    page.wait_for_url(f"{base}/jobs/mine/")
    assert "钢结构厂房电焊" in page.inner_text("[data-testid=my-interest]")
