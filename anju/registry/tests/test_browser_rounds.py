"""In a real browser: a county officer schedules a verification round, the town officer finds the
task on 我的待办, records the visit, and the round's progress moves."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from anju.core.demo import seed_reference_users
from anju.registry.models import VerificationRound
from anju.registry.tests.factories import make_worker
from anju.registry.tests.test_browser import CHROMIUM, browser_page, login  # noqa: F401 (fixture)
from anju.workflow.models import TaskState, WorkTask

pytestmark = [pytest.mark.browser]
assert CHROMIUM


def test_round_scheduled_visited_and_progress_moves(browser_page, live_server):  # noqa: F811
    page, base = browser_page, live_server.url
    seed_reference_users()
    worker = make_worker(name="林秀英", residence="350581001000", difficulty_mask=1)
    make_worker(name="黄志强", residence="350581002000", difficulty_mask=1)

    login(page, base, "shishi-hrss")
    page.goto(base + "/ledger/rounds/")
    page.fill("#id_name", "第四季度入户核实")
    page.fill("#id_working_days", "10")
    page.get_by_role("button", name="安排").click()
    page.wait_for_url(re.compile(r"/ledger/rounds/\d+/$"))
    page.wait_for_selector("[data-testid=round-progress]")
    assert page.inner_text("[data-testid=round-done]") == "0"
    rnd = VerificationRound.objects.get()
    assert rnd.task_count == 2

    page.context.clear_cookies()
    login(page, base, "shishi-town")
    page.click("[data-testid=nav-queue]")
    rows = page.locator("[data-testid=queue-row]")
    assert rows.count() == 1 and "林秀英" in rows.first.inner_text() and "入户核实" in rows.first.inner_text()
    rows.first.get_by_role("link", name="去办理").click()
    page.wait_for_url(re.compile(rf"/ledger/{worker.pk}/visit/$"))
    page.fill("#id_visited_on", timezone.localdate().isoformat())
    page.select_option("#id_result", "confirmed")
    page.get_by_role("button", name="保存核实记录").click()
    page.wait_for_url(re.compile(rf"/ledger/{worker.pk}/$"))
    assert WorkTask.objects.get(subject_id=worker.pk).state == TaskState.DONE

    page.click("[data-testid=nav-queue]")
    assert page.locator("[data-testid=queue-empty]").is_visible()
    page.goto(f"{base}/ledger/rounds/{rnd.pk}/")
    assert page.inner_text("[data-testid=round-done]") == "1"
    assert "50%" in page.inner_text("[data-testid=round-progress]")
