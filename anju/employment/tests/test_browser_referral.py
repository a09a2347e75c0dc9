"""In a real browser (Chinese UI), a town officer of 湖滨街道 (350581001) posts an odd job from the
quick form and publishes it, opens its matches, refers a worker from the list, and records the
outcomes contacted → interviewed → hired with a start date; the worker's page then shows the hire
on the timeline and the employment status 就业."""

from __future__ import annotations

import datetime as dt
import importlib
import os
import re

import pytest
from django.apps import apps as django_apps
from django.db import connections
from django.utils import timezone

from anju.accounts.models import Role
from anju.accounts.tests.factories import PASSWORD, UserFactory
from anju.employment.models import (
    Employer,
    Hire,
    JobPosting,
    PostingStatus,
    Referral,
    ReferralStatus,
)
from anju.registry.models import Worker
from anju.registry.tests.factories import make_worker
from anju.registry.tests.test_browser import CHROMIUM

pytestmark = [pytest.mark.browser]
SHISHI_TOWN = "350581001000"


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
    """What migrations gave the database and the flush between transactional tests took away."""
    from anju.employment import occupations

    occupations.sync()
    importlib.import_module("anju.employment.migrations.0004_parameters").seed(django_apps, None)


def test_town_officer_posts_an_odd_job_refers_a_worker_and_records_the_hire(browser, live_server):
    from anju.employment import matching, seekers

    base = live_server.url
    _seeded()
    matching.clear_stats()
    employer = Employer.objects.create(name="石狮市湖滨物流有限公司", uscc="91350581MA2XXXXX1T", size_class="small",
                                       region_id=SHISHI_TOWN)
    officer = UserFactory(username="b-town", role=Role.TOWN_OFFICER, jurisdiction="350581001")
    worker = make_worker(residence=SHISHI_TOWN, name="王大力", desired_occupation="搬运工")
    seekers.seeker_for(worker)

    page = _session(browser, base, officer.username)
    page.click("[data-testid=nav-employment]")
    page.wait_for_url(re.compile(r"/employment/$"))
    assert "还没有招聘岗位" in page.inner_text("[data-testid=empty]")

    # 1. The quick odd-job form: a title, the everyday name, the employer, a date, days and the pay.
    page.click("[data-testid=new-odd-job]")
    page.fill("#id_title", "仓库卸货三天")
    page.fill("#id_occupation_text", "卸货")
    page.select_option("#id_employer", label=employer.name)
    page.fill("#id_start_date", (timezone.localdate() + dt.timedelta(days=1)).isoformat())
    page.fill("#id_duration_days", "3")
    page.fill("#id_pay_min", "220")
    page.fill("#id_headcount", "2")
    page.click("[data-testid=save-publish]")
    page.wait_for_url(re.compile(r"/employment/postings/\d+/$"))
    posting = JobPosting.objects.get()
    assert posting.status == PostingStatus.PUBLISHED and posting.occupation.key == "porter"
    assert page.inner_text("[data-testid=posting-status]") == "招聘中"
    assert "本地区尚未录入参考价" in page.inner_text("[data-testid=reference-wage]")

    # 2. Its matches: the worker is there with the score in words; 推荐.
    page.click("[data-testid=open-matches]")
    page.wait_for_url(re.compile(rf"/employment/postings/{posting.pk}/matches/$"))
    row = page.locator(f"[data-testid=match-row][data-worker='{worker.pk}']")
    assert row.count() == 1
    assert row.locator("[data-testid=score-parts] li").count() >= 1
    row.locator("[data-testid=refer]").click()
    page.wait_for_url(re.compile(r"/employment/referrals/\d+/$"))
    referral = Referral.objects.get()
    assert referral.worker == worker and referral.posting == posting
    assert page.locator("[data-testid=follow-up-due]").count() == 1

    # 3. contacted → interviewed → hired with a start date.
    page.click("[data-testid=advance-contacted]")
    page.wait_for_selector("[data-testid=referral-status][data-status=contacted]")
    page.click("[data-testid=advance-interviewed]")
    page.wait_for_selector("[data-testid=referral-status][data-status=interviewed]")
    start = timezone.localdate() + dt.timedelta(days=1)
    page.fill("#advance_start_date", start.isoformat())
    page.fill("#advance_contract_months", "1")
    page.check("#advance_pension_insured")
    page.click("[data-testid=advance-hired]")
    page.wait_for_selector("[data-testid=referral-status][data-status=hired]")
    assert Referral.objects.get().status == ReferralStatus.HIRED
    hire = Hire.objects.get(worker=worker)
    assert hire.start_date == start and hire.employer == employer and hire.pension_insured
    assert [s for s in page.locator("[data-testid=referral-events] li").evaluate_all(
        "els => els.map(e => e.dataset.status)")] == ["recommended", "contacted", "interviewed", "hired"]

    # 4. The worker's page: the hire on the timeline, the status 就业, the referral in the panel.
    page.goto(f"{base}/ledger/{worker.pk}/")
    assert page.locator("[data-testid=timeline] li[data-kind=hired]").count() == 1
    assert employer.name in page.inner_text("[data-testid=timeline] li[data-kind=hired]")
    assert "就业" in page.inner_text("main")
    assert Worker.objects.get(pk=worker.pk).get_employment_status_display() == "就业"
    page.wait_for_selector("[data-testid=worker-referral][data-status=hired]")
    page.wait_for_load_state("networkidle")  # the other lazy panels answer before the database is flushed
