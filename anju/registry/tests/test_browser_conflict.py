"""Two officers edit the same worker in two browser tabs (issue 9): the first saves; the second
is told the record changed, nothing of theirs is saved, and saving again keeps both changes."""

from __future__ import annotations

import os
import shutil

import pytest
from django.db import connections
from django.urls import reverse

from anju.core.demo import seed_reference_users
from anju.registry.tests.factories import make_worker
from anju.registry.tests.test_browser import CHROMIUM, login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM), reason="needs /usr/bin/chromium"),
]


@pytest.fixture
def two_tabs(live_server, regions_loaded):
    """Two pages, each in its own browser context (its own session): two officers."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        pages = []
        for _ in range(2):
            page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
            page.set_default_timeout(15000)
            pages.append(page)
        yield pages
        browser.close()
        connections.close_all()  # see test_browser.browser_page


def test_second_officer_saving_a_stale_edit_form_is_told_of_the_conflict(two_tabs, live_server):
    first, second = two_tabs
    base = live_server.url
    seed_reference_users()
    worker = make_worker(name="郑海燕", residence="350581001000")
    edit_url = base + reverse("registry:worker_edit", args=[worker.pk])

    login(first, base, "shishi-town")
    login(second, base, "shishi-hrss")
    for page in (first, second):  # both open the edit form before either saves
        page.goto(edit_url)
        page.wait_for_selector("[data-testid=worker-form]")

    first.fill("#id_skills", "电焊")
    first.click("[data-testid=worker-form] button[type=submit]")
    first.wait_for_selector("text=已保存")

    second.fill("#id_notes", "第二位经办员的备注")
    second.click("[data-testid=worker-form] button[type=submit]")
    second.wait_for_selector("[data-testid=edit-conflict]")
    notice = second.inner_text("[data-testid=edit-conflict]")
    assert "他人已修改并保存" in notice and "您的修改没有保存" in notice and "技能特长" in notice
    # Nothing of the second officer's was saved; the first officer's change stands.
    worker.refresh_from_db()
    assert (worker.skills, worker.notes, worker.version) == ("电焊", "", 2)
    # The form now holds the first officer's value and still the second's own change.
    assert second.input_value("#id_skills") == "电焊"
    assert second.input_value("#id_notes") == "第二位经办员的备注"

    second.click("[data-testid=worker-form] button[type=submit]")
    second.wait_for_selector("text=已保存")
    worker.refresh_from_db()
    assert (worker.skills, worker.notes, worker.version) == ("电焊", "第二位经办员的备注", 3)
