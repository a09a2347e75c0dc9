"""In a real browser: the town officer opens a worker, takes an application at the counter for
Quanzhou temporary assistance, returns it for documents, records them supplied, and passes the
town's step."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps as django_apps

from anju.accounts.tests.factories import PASSWORD
from anju.benefits.models import Application, ApplicationStatus, StepState
from anju.benefits.tests.factories import (
    POLICY,
    chain_people,
    fund,
    living_standard,
    qualifying_worker,
)
from anju.registry.tests.test_browser import CHROMIUM, browser_page  # noqa: F401 (fixture)
from anju.workflow.models import TaskState

pytestmark = [pytest.mark.browser]
assert CHROMIUM


def _time_limits() -> None:
    """The flush between transactional tests empties what the benefits migration seeded."""
    seeds = importlib.import_module("anju.benefits.migrations.0002_time_limit_parameters")
    seeds.seed(django_apps, None)


def _login(page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(base + "/")


def test_counter_intake_return_supply_and_pass(browser_page, live_server):  # noqa: F811
    page, base = browser_page, live_server.url
    _time_limits()
    people = chain_people()
    living_standard()
    fund()
    worker = qualifying_worker(name="陈秀兰")

    _login(page, base, people.town.username)
    page.goto(f"{base}/ledger/{worker.pk}/")
    page.wait_for_selector("[data-testid=worker-benefits]")
    assert page.locator("[data-testid=worker-no-applications]").is_visible()
    page.click("[data-testid=intake-worker]")
    page.wait_for_url(re.compile(r"/benefits/applications/new/"))
    row = page.locator(f"[data-testid=intake-policy][data-policy={POLICY}]")
    assert row.locator("[data-testid=status]").inner_text() == "符合条件"
    row.locator("input[type=radio]").check()
    page.fill("#id_bank_name", "农业银行")
    page.fill("#id_account", "6222020200112233445")
    page.click("[data-testid=intake-submit]")
    page.wait_for_url(re.compile(r"/benefits/applications/\d+/$"))
    application = Application.objects.get()
    assert application.door == "counter"
    assert page.locator("[data-testid=app-status]").inner_text() == "审核中"
    assert "6222020200112233445" not in page.content()

    # Return for documents, with the reason.
    page.locator("[data-testid=decide-form] label", has_text="退回补充材料").click()
    page.fill("#decide_reason", "请补充近三个月无收入的书面说明")
    page.click("[data-testid=decide-submit]")
    page.wait_for_selector("[data-testid=supply-form]")
    assert page.locator("[data-testid=app-status]").inner_text() == "退回补充材料"
    application.refresh_from_db()
    town = application.steps.get(code="town_verification")
    assert application.status == ApplicationStatus.RETURNED and town.task.state == TaskState.PAUSED

    # The worker brings them to the counter.
    page.fill("#supply_note", "已提交书面说明")
    page.click("[data-testid=supply-submit]")
    page.wait_for_selector("[data-testid=decide-form]")
    assert page.locator("[data-testid=app-status]").inner_text() == "审核中"

    # Pass the town's step: the chain moves on to the county HRSS.
    page.locator("[data-testid=decide-form] label", has_text="通过").first.click()
    page.click("[data-testid=decide-submit]")
    page.wait_for_selector("[data-testid=waiting-for]")
    step = page.locator("[data-testid=step][data-code=town_verification]")
    assert step.get_attribute("data-state") == "passed"
    events = step.locator("[data-testid=events] li")
    assert [events.nth(i).get_attribute("data-outcome") for i in range(events.count())] == ["return", "supplied", "pass"]
    application.refresh_from_db()
    assert application.current_step == "insurance_check"
    assert application.steps.get(code="town_verification").state == StepState.PASSED

    # The worker page shows it.
    page.goto(f"{base}/ledger/{worker.pk}/")
    assert application.number in page.inner_text("[data-testid=worker-benefits]")
