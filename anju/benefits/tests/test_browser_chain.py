"""In a real browser, the Quanzhou temporary assistance chain end to end, each officer in their own
browser session: the town takes the application at the counter and verifies it, the county HRSS
checks insurance, civil affairs approves an amount and publishes the notice, the public sees it
masked, and after the notice period finance pays it through the bank file and the bank's answer.
The time limit of each step is on the application page throughout."""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io
import os
import re

import pytest
from django.apps import apps as django_apps
from django.db import connections

from anju.accounts.tests.factories import PASSWORD
from anju.benefits import services
from anju.benefits.models import Application, Grant, GrantStatus, Notice
from anju.benefits.tests.factories import (
    POLICY,
    chain_people,
    fund,
    living_standard,
    qualifying_worker,
)
from anju.registry.tests.test_browser import CHROMIUM

pytestmark = [pytest.mark.browser]

ACCOUNT = "6222020200112233445"


@pytest.fixture
def browser(live_server, regions_loaded, settings):
    if not os.path.exists(CHROMIUM):
        pytest.skip("needs /usr/bin/chromium")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield chromium
        chromium.close()
        connections.close_all()  # see registry.tests.test_browser


def _session(browser, base: str, username: str | None):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    if username:
        page.goto(base + "/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.press("#id_password", "Enter")
        page.wait_for_url(base + "/")
    return page


def _from_queue(page, base: str, application: Application) -> None:
    """Open the application from 我的待办, where the step waits with its deadline."""
    page.goto(base + "/workflow/queue/")
    row = page.locator("[data-testid=queue-row]", has_text=application.subject_label)
    assert row.count() == 1
    row.locator("a", has_text=application.subject_label).click()
    page.wait_for_url(re.compile(rf"/benefits/applications/{application.pk}/$"))


def _pass(page, *, amount: str | None = None, reason: str = "") -> None:
    page.locator("[data-testid=decide-form] label", has_text="通过").first.click()
    if amount is not None:
        page.fill("[data-testid=amount-field] input[name=amount]", amount)
    if reason:
        page.fill("#decide_reason", reason)
    page.click("[data-testid=decide-submit]")


def _open_deadline(page, code: str) -> str:
    return page.inner_text(f"[data-testid=step][data-code={code}] [data-testid=deadline]")


def test_quanzhou_temporary_assistance_from_counter_to_paid_batch(browser, live_server, tmp_path):
    base = live_server.url
    importlib.import_module("anju.benefits.migrations.0002_time_limit_parameters").seed(django_apps, None)
    people = chain_people()
    living_standard()
    fund()
    worker = qualifying_worker(name="陈秀兰")

    # 1. The town station takes the application at the counter.
    town = _session(browser, base, people.town.username)
    town.goto(f"{base}/ledger/{worker.pk}/")
    town.click("[data-testid=intake-worker]")
    town.locator(f"[data-testid=intake-policy][data-policy={POLICY}] input[type=radio]").check()
    town.fill("#id_bank_name", "农业银行")
    town.fill("#id_account", ACCOUNT)
    town.click("[data-testid=intake-submit]")
    town.wait_for_url(re.compile(r"/benefits/applications/\d+/$"))
    application = Application.objects.get()
    assert "办理期限" in _open_deadline(town, "town_verification")
    _pass(town)
    town.wait_for_selector("[data-testid=waiting-for]")
    assert town.locator("[data-testid=step][data-code=town_verification]").get_attribute("data-state") == "passed"
    assert "办理期限" in _open_deadline(town, "insurance_check")

    # 2. The county HRSS finds it on its queue and checks insurance.
    hrss = _session(browser, base, people.hrss.username)
    _from_queue(hrss, base, application)
    _pass(hrss)
    hrss.wait_for_selector("[data-testid=step][data-code=insurance_check][data-state=passed]")

    # 3. Civil affairs approves within the range (at least three months of 800) with a reason.
    civil = _session(browser, base, people.civil.username)
    _from_queue(civil, base, application)
    assert "办理期限" in _open_deadline(civil, "approval")
    _pass(civil, amount="1000", reason="试填")
    assert "不在政策规定的范围内" in civil.inner_text("[data-testid=action-error]")
    assert not Grant.objects.exists()
    _pass(civil, amount="2400", reason="按三个月低保标准")
    civil.wait_for_selector("[data-testid=app-status][data-status=approved]")
    assert civil.inner_text("[data-testid=grant-amount]") == "2400.00"

    # ... and publishes the notice of its approved grants in Shishi.
    civil.goto(base + "/benefits/notices/new/")
    civil.select_option("[data-testid=notice-form] select[name=policy]", POLICY)
    civil.fill("[data-testid=notice-form] input[name=region_prefix]", "350581")
    civil.get_by_role("button", name="查看将公示的待遇数").click()
    assert "1 项" in civil.inner_text("[data-testid=notice-preview]")
    civil.get_by_role("button", name="确认发布").click()
    civil.wait_for_url(re.compile(r"/benefits/notices/\d+/$"))
    notice = Notice.objects.get()
    assert Grant.objects.get().status == GrantStatus.ON_NOTICE

    # 4. The public sees it, masked.
    public = _session(browser, base, None)
    public.goto(base + "/notices/")
    row = public.locator("[data-testid=grant-row]").first
    assert row.inner_text().startswith("陈*")
    assert "陈秀兰" not in public.content() and worker.id_number not in public.content()

    # 5. The notice period ends without objection (the daily close-notices run).
    assert services.notices_close(on=notice.closes_on + dt.timedelta(days=1)) == 1

    # 6. Finance makes the batch, exports the bank file and imports the bank's answer.
    finance = _session(browser, base, people.finance.username)
    finance.click("[data-testid=nav-payments]")
    finance.click("[data-testid=batch-new]")
    finance.get_by_role("button", name="生成批次").click()
    finance.wait_for_url(re.compile(r"/benefits/batches/\d+/$"))
    with finance.expect_download() as download:
        finance.get_by_role("button", name="导出银行文件").click()
    saved = tmp_path / "bank.csv"
    download.value.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_bytes().decode("gb18030"), newline="")))
    assert rows[1][1:5] == ["陈秀兰", ACCOUNT, "农业银行", "2400.00"]
    answer = tmp_path / "result.csv"
    answer.write_bytes(("业务参考号,收款账号,金额,处理结果,失败原因\r\n"
                        f"{rows[1][0]},{ACCOUNT},2400.00,成功,\r\n").encode("gb18030"))
    finance.reload()
    finance.set_input_files("#id_file", str(answer))
    finance.get_by_role("button", name="导入银行回盘文件").click()
    assert "已回盘" in finance.inner_text("[data-testid=batch-status]")

    # 7. Paid: on the grant and on the worker's timeline.
    grant = Grant.objects.get()
    assert grant.status == GrantStatus.PAID and grant.working_days_to_pay is not None
    town.goto(f"{base}/ledger/{worker.pk}/")
    assert "已拨付 2400.00 元" in town.inner_text("[data-testid=timeline]"), town.inner_text("[data-testid=timeline]")
