"""In a real browser (Chinese UI): the union's hotline desk in Shishi takes a call about unpaid
wages as a ticket, turns it into an arrears case for mediation, records the wages the employer
paid and closes the case as paid in full — with the time limits on the page at every step (the
ticket's dispatch clock, the mediation's 15 days and its due date, the closed clock)."""

from __future__ import annotations

import importlib
import os
import re

import pytest
from django.apps import apps as django_apps
from django.db import connections
from django.utils import timezone

from anju.accounts.tests.factories import PASSWORD
from anju.registry.tests.test_browser import CHROMIUM
from anju.rights.models import ArrearsCase, CaseStatus, Ticket, TicketCategory
from anju.rights.tests.factories import rights_personas
from anju.workflow.models import Message, TaskState, WorkTask
from anju.workflow.services import add_days

pytestmark = [pytest.mark.browser]
TOWN = "350581001000"


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


def _session(browser, base: str, username: str):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(base + "/")
    return page


def _seeded() -> None:
    """What migrations gave the database and the flush between transactional tests took away:
    the time-limit parameters, the ticket categories and routing, the warning ratios."""
    importlib.import_module("anju.rights.migrations.0002_parameters_and_categories").seed(django_apps, None)
    importlib.import_module("anju.rights.migrations.0003_cycle_and_satisfaction_parameters").seed(django_apps, None)
    importlib.import_module("anju.workflow.migrations.0004_warning_ratio_parameters").seed(django_apps, None)


def test_a_call_about_unpaid_wages_becomes_a_mediated_case_closed_with_the_wages_recovered(browser, live_server):
    base = live_server.url
    _seeded()
    p = rights_personas()
    page = _session(browser, base, p.desk.username)

    # 1. The call: a ticket about unpaid wages; its dispatch clock is on the page.
    page.goto(base + "/rights/tickets/new/")
    page.select_option("#id_channel", "phone")
    page.fill("#id_caller_name", "张三")
    page.fill("#id_phone", "13700137000")
    page.select_option("#id_category", str(TicketCategory.objects.get(code="arrears").pk))
    page.select_option("#id_region", TOWN)
    page.fill("#kb-q", "拖欠工资")
    page.press("#kb-q", "Enter")  # searches the knowledge base; the half-filled ticket is not sent
    page.wait_for_timeout(300)
    assert page.url == base + "/rights/tickets/new/" and not Ticket.objects.exists()
    page.fill("#id_subject", "工地拖欠三个月工资")
    page.fill("#id_description", "石狮湖滨某工地劳务队拖欠三个月工资共 9000 元")
    page.click("[data-testid=ticket-save]")
    page.wait_for_url(re.compile(r"/rights/tickets/\d+/$"))
    ticket = Ticket.objects.get()
    assert page.locator("[data-testid=clock] [data-testid=limit]").first.inner_text() == "1 个工作日"
    assert "137****7000" in page.inner_text("[data-testid=caller]")

    # 2. To a case: the form starts from the ticket (the caller, the description), never the full phone.
    page.click("[data-testid=to-case]")
    page.wait_for_url(re.compile(r"/rights/cases/new/\?ticket=\d+$"))
    assert page.input_value("#id_workers-0-name") == "张三"
    assert page.input_value("#id_summary") == ticket.description
    assert "13700137000" not in page.content()
    page.select_option("#id_route", "mediation")
    page.fill("#id_employer_name", "石狮市某劳务队")
    page.fill("#id_period_from", "2026-08")
    page.fill("#id_period_to", "2026-10")
    page.fill("#id_workers-0-amount_owed", "9000")
    page.click("[data-testid=case-submit]")
    page.wait_for_url(re.compile(r"/rights/cases/\d+/$"))
    case = ArrearsCase.objects.get()
    assert (case.route, case.status, case.source) == ("mediation", CaseStatus.ACCEPTED, "ticket")
    assert Ticket.objects.get(pk=ticket.pk).case == case
    clock = page.locator("[data-testid=clock]")
    assert clock.count() == 1 and clock.locator("[data-testid=clock-limit]").inner_text() == "15 日"
    due = WorkTask.objects.get(subject_type="arrears_case", subject_id=case.pk).due_on
    from anju.workflow.calendar import work_calendar

    assert due == add_days(timezone.localdate(), 15, work_calendar(), True)
    assert clock.locator("[data-testid=clock-due]").inner_text().startswith(due.isoformat())
    assert "工会" in page.inner_text("[data-testid=handler]")
    assert page.locator("[data-testid=no-extension]").count() == 1  # mediation cannot be extended

    # 3. Mediated: the employer pays the 9,000 yuan; the union records it and closes the case.
    page.select_option("#id_recovery-method", "employer")
    page.fill("#id_recovery-amount", "9000")
    page.fill("#id_recovery-on", timezone.localdate().isoformat())
    page.click("[data-testid=recovery-submit]")
    page.wait_for_selector("[data-testid=worker-recovered]:has-text('9,000.00')")
    assert "已追回 9,000.00 元 · 尚欠 0.00 元" in page.inner_text("[data-testid=case-amounts]")
    page.select_option("#id_conclude-conclusion", "mediation_agreement")
    page.fill("#id_conclude-note", "经调解，劳务队当场支付全部工资")
    page.click("[data-testid=conclude-submit]")
    page.wait_for_selector("[data-testid=case-status][data-status=concluded]")
    assert "达成调解协议" in page.inner_text("[data-testid=conclusion]")
    done = page.locator("[data-testid=clock]")
    assert done.get_attribute("data-state") == TaskState.DONE and "15 日" in done.inner_text()
    assert page.locator("[data-testid=actions] form").count() == 0
    sms = Message.objects.get(channel="sms", kind="arrears.concluded")
    assert "9,000.00" in sms.body and sms.phone_masked == "137****7000"

    # 4. The ticket shows the case it became.
    page.goto(f"{base}/rights/tickets/{ticket.pk}/")
    assert case.number in page.inner_text("[data-testid=linked-case]")
    case.refresh_from_db()
    assert (case.status, case.concluded_on) == (CaseStatus.CONCLUDED, timezone.localdate())
