"""In a real browser on a phone-sized screen: a worker chooses a measure, proves their phone with
the SMS code, applies, and finds the application under "my applications"."""

from __future__ import annotations

import importlib
import os
import re
import shutil

import pytest
from django.apps import apps
from django.db import connections

from anju.benefits.models import Application, Door
from anju.benefits.tests.factories import POLICY, fund, living_standard, qualifying_worker
from anju.portal.tests.test_apply import FakeSender

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
    settings.ANJU_SMS_SENDER = "anju.portal.tests.test_apply.FakeSender"
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


def _seed_time_limits() -> None:
    # A transactional test starts from an empty database: the seeded time limits are gone.
    importlib.import_module("anju.benefits.migrations.0002_time_limit_parameters").seed(apps, None)


def test_worker_applies_with_the_code_and_sees_it_in_my_applications(phone_page, live_server):
    page, base = phone_page, live_server.url
    _seed_time_limits()
    living_standard()
    fund()
    worker = qualifying_worker(name="陈美玲")

    page.goto(base + "/apply/")
    card = page.locator(f"[data-testid=policy-card][data-policy={POLICY}]")
    assert "困难农民工临时救助" in card.inner_text()
    # One column on a phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    card.get_by_role("link", name="申请").click()
    page.wait_for_url(f"{base}/apply/{POLICY}/")
    page.fill("#id_number", worker.id_number)
    page.fill("#phone", PHONE)
    page.click("[data-testid=send-code]")
    page.wait_for_url(f"{base}/apply/{POLICY}/code/")
    assert "139****5678" in page.inner_text("main")
    code = re.search(r"\d{6}", next(body for phone, body in FakeSender.sent if phone == PHONE)).group(0)
    page.fill("#code", code)
    page.click("[data-testid=verify-code]")
    page.wait_for_url(f"{base}/apply/{POLICY}/form/")
    assert "陈*" in page.inner_text("[data-testid=applicant]")
    page.fill("#payee_name", "陈美玲")
    page.fill("#bank_name", "农业银行")
    page.fill("#account", "6222020200112233445")
    page.fill("#note", "今年 6 月起没有收入")
    page.click("[data-testid=submit-application]")
    page.wait_for_url(re.compile(r"/apply/done/\d+/$"))
    app = Application.objects.get()
    assert app.door == Door.PORTAL and app.subject_id == worker.pk
    assert page.inner_text("[data-testid=application-number]") == app.number
    assert any(phone == PHONE and app.number in body for phone, body in FakeSender.sent)  # the receipt SMS

    page.click("[data-testid=go-mine]")
    page.wait_for_url(f"{base}/apply/mine/")
    rows = page.locator("[data-testid=my-application]")
    assert rows.count() == 1
    text = rows.first.inner_text()
    assert app.number in text and "审核中" in text and "办理期限" in text
    assert worker.id_number not in page.content() and "6222020200112233445" not in page.content()
