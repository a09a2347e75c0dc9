"""End to end in a real browser (Debian's Chromium through Playwright): a town officer logs in,
finds a worker, edits them, uploads a workbook and sees its errors."""

from __future__ import annotations

import os
import shutil

import openpyxl
import pytest
from django.db import connections

from anju.core.demo import DEMO_PASSWORD, seed_reference_users
from anju.registry.models import Worker
from anju.registry.tests.factories import make_worker, next_id_number

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM), reason="needs /usr/bin/chromium"),
]


@pytest.fixture
def browser_page(live_server, regions_loaded, settings):
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between page actions are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15000)
        yield page
        browser.close()
        # ORM calls made while Playwright's event loop runs in this thread use a connection of
        # their own (asgiref's context-local storage); close it here, or PostgreSQL refuses to
        # drop the test database at the end ("being accessed by other users").
        connections.close_all()


def login(page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(base + "/")


def test_town_officer_finds_edits_and_imports(browser_page, live_server, tmp_path):
    page, base = browser_page, live_server.url
    seed_reference_users()
    target = make_worker(name="郑海燕", residence="350581001000")
    make_worker(name="郑海峰", residence="350581002000")  # another street: never shown

    login(page, base, "shishi-town")
    assert "工作台" in page.title()

    # Find the worker from the ledger's search box.
    page.click("nav >> text=台账")
    page.fill("#id_q", "郑")
    page.press("#id_q", "Enter")
    page.wait_for_selector("[data-testid=worker-table] >> text=郑海燕")
    assert page.locator("[data-testid=worker-table] >> text=郑海峰").count() == 0
    page.click("text=郑海燕")
    page.wait_for_selector("h1:has-text('郑海燕')")
    assert target.id_number not in page.content()

    # Edit: a bad phone is refused with a message in place, then a good edit is saved.
    page.click("text=修改信息")
    page.fill("#id_phone", "12345")
    page.select_option("#id_employment_status", "employed")
    page.click("[data-testid=worker-form] button[type=submit]")
    page.wait_for_selector("[data-testid=error-phone]")
    assert "手机号码应为 11 位" in page.inner_text("[data-testid=error-phone]")
    page.fill("#id_phone", "13712345678")
    page.select_option("#id_employment_status", "employed")
    page.click("[data-testid=worker-form] button[type=submit]")
    page.wait_for_selector("text=已保存")
    target.refresh_from_db()
    assert target.employment_status == "employed" and target.phone == "13712345678"
    assert "就业状态：失业 → 就业" in page.inner_text("[data-testid=timeline]")

    # Upload a workbook with one good row and two bad ones, and see exactly those errors.
    path = tmp_path / "台账.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "人员"
    sheet.append(["姓名", "公民身份号码", "手机号码", "现居住地区划代码", "就业状态"])
    good = next_id_number()
    sheet.append(["林新", good, "13600001111", "350581001000", "失业"])
    sheet.append(["林错", good[:-1] + ("0" if good[-1] != "0" else "1"), "13600002222", "350581001000", "失业"])
    sheet.append(["林远", next_id_number(), "13600003333", "141127100000", "失业"])
    book.save(path)

    page.click("nav >> text=导入")
    page.set_input_files("input[type=file]", str(path))
    page.click("[data-testid=import-form] button[type=submit]")
    page.wait_for_selector("[data-testid=count-rejected]")
    page.wait_for_selector("[data-testid=errors]")
    assert page.inner_text("[data-testid=count-rejected]").strip() == "2"
    errors = page.inner_text("[data-testid=errors]")
    assert "校验位" in errors and "管辖" in errors
    page.click("[data-testid=confirm]")
    page.wait_for_selector("[data-testid=job-done]")
    assert Worker.objects.filter(name="林新").exists() and not Worker.objects.filter(name="林远").exists()


def test_language_switch_in_browser(browser_page, live_server):
    page, base = browser_page, live_server.url
    seed_reference_users()
    login(page, base, "shishi-town")
    page.click("[data-testid=lang-switch]")
    page.wait_for_selector("html[lang=en]")
    assert page.inner_text("[data-testid=lang-switch]") == "中文"
