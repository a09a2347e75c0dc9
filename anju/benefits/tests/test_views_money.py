"""The money pages: grants and their corrections, funds and quotas, notices, payment batches and
bank files, each with who may see and do what (the owner, a colleague elsewhere, an outsider)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from anju.accounts.models import DepartmentKind, Role
from anju.accounts.tests.factories import UserFactory, department
from anju.audit.models import AuditEvent
from anju.benefits import services
from anju.benefits.models import (
    Door,
    Fund,
    FundMovement,
    Grant,
    GrantStatus,
    LineStatus,
    Notice,
    Objection,
    PaymentBatch,
    Recovery,
)
from anju.benefits.tests.factories import (
    POLICY,
    chain_people,
    fund,
    living_standard,
    qualifying_worker,
)
from anju.policies.packs import get_policy

pytestmark = pytest.mark.django_db

ACCOUNT = "6222020200112233445"


# Set-up ----------------------------------------------------------------------------------------
@pytest.fixture
def people():
    living_standard()
    fund()
    return chain_people()


def approve(people, *, town: str = "001", amount: str = "2400", account: str = ACCOUNT, name: str = "李四") -> Grant:
    """A grant of the Quanzhou temporary assistance, approved through its chain."""
    worker = qualifying_worker(residence=f"350581{town}000", name=name)
    officer = people.town if town == "001" else people.other_town
    app = services.application_create(actor=officer, policy=get_policy(POLICY), subject_type="worker",
                                      subject_id=worker.pk, door=Door.COUNTER, account=account, bank_name="农业银行")
    for actor in (officer, people.hrss):
        app = services.step_decide(actor=actor, application=app, outcome="pass")
    services.step_decide(actor=people.civil, application=app, outcome="pass", amount=amount, reason="三个月")
    return Grant.objects.get(application=app)


def publish(people) -> Notice:
    return services.notice_publish(actor=people.civil, policy=get_policy(POLICY), region_prefix="350581")


def make_ready(people, count: int = 1, **kw) -> list[Grant]:
    grants = [approve(people, name=f"李{i}", **kw) for i in range(count)]
    notice = publish(people)
    services.notices_close(on=notice.closes_on + dt.timedelta(days=1))
    return [Grant.objects.get(pk=g.pk) for g in grants]


def make_batch(people, count: int = 1, **kw) -> PaymentBatch:
    make_ready(people, count, **kw)
    return services.batch_create(actor=people.finance, fund=Fund.objects.get(code="shishi-special"))


def paid_grant(people, amount: str = "2400") -> Grant:
    batch = make_batch(people, amount=amount)
    services.batch_mark_exported(actor=people.finance, batch=batch, rows=1)
    services.line_settle(actor=people.finance, line=batch.lines.get(), paid=True)
    return Grant.objects.get(pk=batch.lines.get().grant_id)


def login(client, user):
    client.force_login(user)
    return client


def the_fund() -> Fund:
    return Fund.objects.get(code="shishi-special")


# Grants ----------------------------------------------------------------------------------------
def test_grant_list_is_scoped_and_filters(client, people, django_assert_max_num_queries):
    mine = approve(people)
    other = approve(people, town="002", name="王五")
    url = reverse("benefits:grant_list")

    def shown(user, **params):
        client.force_login(user)
        response = client.get(url, params)
        assert response.status_code == 200
        return {row["pk"] for row in response.context["rows"]}

    assert shown(people.town) == {mine.pk}
    assert shown(people.other_town) == {other.pk}
    assert shown(people.hrss) == {mine.pk, other.pk}
    assert shown(people.lanxian_civil) == set()
    assert shown(people.hrss, region="350581002") == {other.pk}
    assert shown(people.hrss, region="350581002000") == {other.pk}
    assert shown(people.hrss, region="141127") == set()
    assert shown(people.hrss, status="approved", policy=POLICY, fund=str(the_fund().pk)) == {mine.pk, other.pk}
    assert shown(people.hrss, fund="shishi-special") == {mine.pk, other.pk}
    assert shown(people.hrss, status="paid") == set()
    assert shown(people.hrss, policy="no-such-policy") == set()
    for junk in ({"region": "abc"}, {"status": "zzz"}, {"fund": "x" * 300}, {"page": "999"}, {"region": "٣٥"},
                 {"fund": "9" * 30}, {"page": "9" * 30}):
        assert shown(people.hrss, **junk) <= {mine.pk, other.pk}
    assert shown(people.hrss, status="zzz") == set()
    client.force_login(people.hrss)
    for i in range(3):
        approve(people, name=f"赵{i}")
    with django_assert_max_num_queries(12):
        client.get(url)


def test_grant_detail_shows_the_decision_and_hides_other_areas(client, people):
    grant = approve(people)
    url = reverse("benefits:grant", args=[grant.pk])
    page = login(client, people.town).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert grant.application.subject_label in text and "*" in grant.application.subject_label
    assert page.context["trace"], "the decision's conditions are shown"
    assert "3,200.00" not in text and "2,400.00" in text
    # Out of scope answers like missing.
    assert login(client, people.other_town).get(url).status_code == 404
    assert login(client, people.lanxian_civil).get(url).status_code == 404
    assert login(client, people.hrss).get(reverse("benefits:grant", args=[999999])).status_code == 404
    assert client.get(reverse("benefits:grant", args=[10**30])).status_code == 404
    assert client.get(reverse("benefits:batch", args=[10**30])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_cancel_needs_the_right_the_version_and_a_reason_and_releases_the_fund(client, people):
    grant = approve(people)
    url = reverse("benefits:grant_cancel", args=[grant.pk])
    assert the_fund().committed == Decimal("2400.00")
    # A town officer sees the grant but may not cancel it.
    assert login(client, people.town).post(url, {"reason": "x", "version": grant.version}).status_code == 403
    assert login(client, people.lanxian_civil).post(url, {"reason": "x", "version": grant.version}).status_code == 404
    login(client, people.civil)
    assert client.get(url).status_code == 405
    stale = client.post(url, {"reason": "重复申请", "version": grant.version - 1 or 99})
    assert stale.status_code == 400 and "已被他人修改" in stale.content.decode()
    blank = client.post(url, {"reason": "", "version": grant.version})
    assert blank.status_code == 400
    grant.refresh_from_db()
    assert grant.status == GrantStatus.APPROVED and the_fund().committed == Decimal("2400.00")
    done = client.post(url, {"reason": "本人已在外地领取", "version": grant.version})
    assert done.status_code == 302
    grant.refresh_from_db()
    assert grant.status == GrantStatus.CANCELLED and grant.cancelled_reason == "本人已在外地领取"
    assert the_fund().committed == 0
    assert FundMovement.objects.filter(grant=grant, kind=FundMovement.Kind.RELEASE, amount=Decimal("2400.00")).exists()
    # Cancelled already: refused, shown on the page.
    again = client.post(url, {"reason": "再取消", "version": grant.version})
    assert again.status_code == 400 and "只有尚未拨付的待遇可以取消" in again.content.decode()


def test_cancel_is_refused_after_payment(client, people):
    grant = paid_grant(people)
    page = login(client, people.civil).get(reverse("benefits:grant", args=[grant.pk]))
    assert page.context["cancel_form"] is None
    refused = client.post(reverse("benefits:grant_cancel", args=[grant.pk]), {"reason": "x", "version": grant.version})
    assert refused.status_code == 400
    grant.refresh_from_db()
    assert grant.status == GrantStatus.PAID and the_fund().paid == Decimal("2400.00")


def test_objection_review_by_the_task_owner_only(client, people):
    first = approve(people)
    second = approve(people, name="王五")
    publish(people)
    objection = services.objection_file(grant=first, reason="此人有稳定收入", contact_name="群众")
    upheld = services.objection_file(grant=second, reason="重复领取")
    url = reverse("benefits:objection_review", args=[first.pk, objection.pk])
    # The grant page offers the review only to who may act on the task.
    page = login(client, people.civil).get(reverse("benefits:grant", args=[first.pk]))
    assert page.context["objections"][0].form is not None
    hrss_page = login(client, people.hrss).get(reverse("benefits:grant", args=[first.pk]))
    assert hrss_page.context["objections"][0].form is None
    first.refresh_from_db()
    assert client.post(url, {"outcome": "dismissed", "reason": "x", "version": first.version}).status_code == 403
    login(client, people.civil)
    assert client.post(url, {"outcome": "maybe", "reason": "x", "version": first.version}).status_code == 400
    assert client.post(url, {"outcome": "dismissed", "reason": "", "version": first.version}).status_code == 400
    stale = client.post(url, {"outcome": "dismissed", "reason": "核实无收入", "version": first.version + 5})
    assert stale.status_code == 400
    objection.refresh_from_db()
    assert objection.status == Objection.Status.OPEN
    done = client.post(url, {"outcome": "dismissed", "reason": "核实无收入", "version": first.version})
    assert done.status_code == 302
    objection.refresh_from_db()
    first.refresh_from_db()
    assert objection.status == Objection.Status.DISMISSED and first.status == GrantStatus.ON_NOTICE
    # Upheld: the grant is cancelled and the fund released.
    second.refresh_from_db()
    client.post(reverse("benefits:objection_review", args=[second.pk, upheld.pk]),
                {"outcome": "upheld", "reason": "确有重复", "version": second.version})
    second.refresh_from_db()
    assert second.status == GrantStatus.CANCELLED and the_fund().committed == Decimal("2400.00")
    # An objection of another grant is not reachable through this one.
    assert client.post(reverse("benefits:objection_review", args=[first.pk, upheld.pk]),
                       {"outcome": "upheld", "reason": "x", "version": first.version}).status_code == 404


def test_recovery_amounts(client, people):
    grant = paid_grant(people)
    create = reverse("benefits:recovery_create", args=[grant.pk])
    assert login(client, people.town).post(create, {"amount_due": "100", "reason": "x",
                                                    "version": grant.version}).status_code == 403
    login(client, people.finance)
    too_much = client.post(create, {"amount_due": "2400.01", "reason": "骗取", "version": grant.version})
    assert too_much.status_code == 400 and "不超过已拨付金额" in too_much.content.decode()
    for bad in ("0", "-5", "abc", "1.234"):
        assert client.post(create, {"amount_due": bad, "reason": "骗取", "version": grant.version}).status_code == 400
    assert client.post(create, {"amount_due": "1000", "reason": "", "version": grant.version}).status_code == 400
    assert not Recovery.objects.exists()
    assert client.post(create, {"amount_due": "1000", "reason": "重复领取", "version": grant.version}).status_code == 302
    recovery = Recovery.objects.get()
    grant.refresh_from_db()
    assert recovery.amount_due == Decimal("1000.00") and grant.status == GrantStatus.RECOVERED
    back = reverse("benefits:recovery_return", args=[grant.pk, recovery.pk])
    assert client.post(back, {"amount": "600", "version": recovery.version}).status_code == 302
    recovery.refresh_from_db()
    over = client.post(back, {"amount": "500", "version": recovery.version})
    assert over.status_code == 400 and "累计不超过应追回金额" in over.content.decode()
    stale = client.post(back, {"amount": "100", "version": recovery.version - 1})
    assert stale.status_code == 400
    recovery.refresh_from_db()
    assert recovery.amount_returned == Decimal("600.00")
    assert client.post(back, {"amount": "400", "version": recovery.version}).status_code == 302
    recovery.refresh_from_db()
    assert recovery.amount_returned == Decimal("1000.00") and recovery.closed_at is not None
    assert the_fund().paid == Decimal("1400.00")
    assert FundMovement.objects.filter(kind=FundMovement.Kind.RECOVER).count() == 2
    listing = client.get(reverse("benefits:recovery_list"), {"all": "1"})
    assert listing.status_code == 200 and grant.application.number in listing.content.decode()
    assert list(client.get(reverse("benefits:recovery_list")).context["page"].object_list) == []


# Funds -----------------------------------------------------------------------------------------
def test_fund_list_and_detail_scope(client, people):
    approve(people)
    page = login(client, people.town).get(reverse("benefits:fund_list"))
    assert page.status_code == 200
    row = page.context["rows"][0]
    assert row["budget"] == "5,000,000.00" and row["committed"] == "2,400.00" and row["available"] == "4,997,600.00"
    assert not page.context["can_manage"]
    detail = reverse("benefits:fund", args=[the_fund().pk])
    assert client.get(detail).status_code == 200 and client.get(detail).context["budget_form"] is None
    assert login(client, people.lanxian_civil).get(detail).status_code == 404
    assert login(client, people.lanxian_civil).get(reverse("benefits:fund_list")).context["rows"] == []
    finance = login(client, people.finance).get(detail)
    assert finance.context["budget_form"] is not None
    assert [m.kind for m, _shown in finance.context["movements"]] == ["commit"]


def test_fund_create(client, people):
    url = reverse("benefits:fund_create")
    assert login(client, people.civil).get(url).status_code == 403
    login(client, people.finance)
    assert client.get(url).status_code == 200
    data = {"code": "shishi-gifts", "name": "母亲节礼包", "region_prefix": "350581", "department_kind": "womens_federation",
            "policy_ids": [POLICY], "budget": "500", "unit": "份", "valid_from": "2026-01-01", "valid_to": "",
            "source": "石狮市妇联 2026 年工作安排"}
    for bad in ({"region_prefix": "141127"}, {"region_prefix": "3505"}, {"code": "shishi-special"},
                {"policy_ids": ["nope"]}, {"unit": ""}, {"budget": "-1"}, {"budget": "500.5"}, {"source": ""},
                {"valid_to": "2025-01-01"}, {"department_kind": "nope"}):
        response = client.post(url, data | bad)
        assert response.status_code == 200 and response.context["form"].errors, bad
    assert Fund.objects.count() == 1
    response = client.post(url, data)
    fund_row = Fund.objects.get(code="shishi-gifts")
    assert response.status_code == 302 and response["Location"] == reverse("benefits:fund", args=[fund_row.pk])
    assert fund_row.unit == "份" and fund_row.budget == 500 and fund_row.policy_ids == [POLICY]
    assert AuditEvent.objects.filter(object_type="fund", object_id=str(fund_row.pk), action="create").exists()
    page = client.get(reverse("benefits:fund_list"))
    assert any(r["budget"] == "500" and r["unit"] == "份" for r in page.context["rows"])


def test_budget_change_refusals(client, people):
    approve(people)
    the = the_fund()
    url = reverse("benefits:fund_budget", args=[the.pk])
    assert login(client, people.civil).post(url, {"budget": "1", "reason": "x", "version": the.version}).status_code == 403
    login(client, people.finance)
    below = client.post(url, {"budget": "2399.99", "reason": "压减", "version": the.version})
    assert below.status_code == 400 and "预算不能低于已批准和已拨付的合计" in below.content.decode()
    assert client.post(url, {"budget": "9000", "reason": "", "version": the.version}).status_code == 400
    assert client.post(url, {"budget": "abc", "reason": "追加", "version": the.version}).status_code == 400
    stale = client.post(url, {"budget": "9000", "reason": "追加", "version": the.version + 1})
    assert stale.status_code == 400 and "已被他人修改" in stale.content.decode()
    assert the_fund().budget == Decimal("5000000.00")
    assert client.post(url, {"budget": "2400", "reason": "按实压减", "version": the.version}).status_code == 302
    changed = the_fund()
    assert changed.budget == Decimal("2400.00") and changed.available == 0
    assert FundMovement.objects.filter(kind=FundMovement.Kind.BUDGET, amount=Decimal("2400.00") - Decimal("5000000")).exists()


# Notices ---------------------------------------------------------------------------------------
def test_publish_previews_the_count_and_publishes(client, people):
    approve(people)
    approve(people, town="002", name="王五")
    url = reverse("benefits:notice_publish")
    assert login(client, people.town).get(url).status_code == 403
    hrss_choices = dict(login(client, people.hrss).get(url).context["form"].fields["policy"].choices)
    assert POLICY not in hrss_choices  # civil affairs leads it
    login(client, people.civil)
    preview = client.get(url, {"policy": POLICY, "region_prefix": "350581002"})
    assert preview.status_code == 200 and preview.context["preview"]["count"] == 1
    assert client.get(url, {"policy": POLICY, "region_prefix": "141127"}).context["preview"] is None
    listing = client.get(reverse("benefits:notice_list"))
    assert listing.context["waiting"] == [{"policy_id": POLICY, "title": get_policy(POLICY).title.zh, "count": 2}]
    outside = client.post(url, {"policy": POLICY, "region_prefix": "3505"})
    assert outside.status_code == 400 and not Notice.objects.exists()
    done = client.post(url, {"policy": POLICY, "region_prefix": "350581", "department_name": ""})
    notice = Notice.objects.get()
    assert done.status_code == 302 and notice.grants.count() == 2 and notice.department_name == "石狮市民政局"
    nothing = client.post(url, {"policy": POLICY, "region_prefix": "350581"})
    assert nothing.status_code == 400 and "没有待公示的已批准待遇" in nothing.content.decode()
    detail = reverse("benefits:notice", args=[notice.pk])
    text = client.get(detail).content.decode()
    assert notice.closes_on.isoformat() in text
    assert all(g.application.subject_label in text for g in notice.grants.all())
    # A town officer sees the county's notice with the grants of the town only.
    town_page = login(client, people.town).get(detail)
    assert town_page.status_code == 200 and len(town_page.context["rows"]) == 1
    assert login(client, people.lanxian_civil).get(detail).status_code == 404


def test_close_notices_command(people):
    approve(people)
    notice = publish(people)
    out = io.StringIO()
    call_command("close-notices", date=notice.closes_on, stdout=out)
    assert out.getvalue().strip() == '{"ready": 0}'
    call_command("close-notices", date=notice.closes_on + dt.timedelta(days=1), stdout=out)
    assert '{"ready": 1}' in out.getvalue()
    assert Grant.objects.get().status == GrantStatus.READY


# Batches ---------------------------------------------------------------------------------------
@pytest.fixture
def lanxian_finance():
    dept = department("lanxian-finance", DepartmentKind.FINANCE, "141127000000", "岚县财政局")
    return UserFactory(username="b-lanxian-fin", role=Role.FINANCE, jurisdiction="141127", department=dept)


def test_batch_pages_are_finance_only(client, people, lanxian_finance):
    batch = make_batch(people)
    detail = reverse("benefits:batch", args=[batch.pk])
    for user in (people.town, people.hrss, people.civil):
        login(client, user)
        assert client.get(reverse("benefits:batch_list")).status_code == 403
        assert client.get(detail).status_code == 404
        assert client.post(reverse("benefits:batch_export", args=[batch.pk])).status_code == 404
    assert "tab-batch" not in login(client, people.town).get(reverse("benefits:grant_list")).content.decode()
    assert login(client, lanxian_finance).get(detail).status_code == 404
    assert list(login(client, lanxian_finance).get(reverse("benefits:batch_list")).context["page"].object_list) == []
    page = login(client, people.finance).get(detail)
    assert page.status_code == 200 and ACCOUNT not in page.content.decode()
    assert "6222***********3445" in page.content.decode()


def test_batch_create_shows_what_is_payable(client, people):
    grants = make_ready(people, 2)
    # One still without an account: not payable.
    app = grants[1].application
    app.account_enc = ""
    app.save(update_fields=["account_enc"])
    approve(people, name="王五")
    publish(people)  # on notice: not yet payable
    url = reverse("benefits:batch_create")
    assert login(client, people.civil).get(url).status_code == 403
    login(client, people.finance)
    row = client.get(url).context["rows"][0]
    assert (row["payable"], row["no_account"], row["on_notice"]) == (1, 1, 1)
    assert client.post(url, {"fund": "999"}).status_code == 400
    assert client.post(url, {"fund": str(the_fund().pk), "region_prefix": "141127"}).status_code == 400
    done = client.post(url, {"fund": str(the_fund().pk)})
    batch = PaymentBatch.objects.get()
    assert done.status_code == 302 and batch.line_count == 1 and batch.total == Decimal("2400.00")
    again = client.post(url, {"fund": str(the_fund().pk)})
    assert again.status_code == 400 and "没有可拨付的待遇" in again.content.decode()


def test_list_pages_query_counts_do_not_grow(client, people, django_assert_max_num_queries):
    batch = make_batch(people, 4)
    notice = Notice.objects.get()
    login(client, people.finance)
    pages = [reverse("benefits:batch", args=[batch.pk]), reverse("benefits:batch_list"), reverse("benefits:fund_list"),
             reverse("benefits:notice", args=[notice.pk]), reverse("benefits:notice_list"),
             reverse("benefits:fund", args=[the_fund().pk])]
    for url in pages:
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200


def test_export_is_a_post_audited_and_in_gb18030(client, people):
    batch = make_batch(people)
    url = reverse("benefits:batch_export", args=[batch.pk])
    login(client, people.finance)
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=gb18030"
    assert batch.number in response["Content-Disposition"]
    text = response.content.decode("gb18030")
    assert text.splitlines()[0] == "业务参考号,收款人户名,收款账号,开户银行,金额,用途"
    assert ACCOUNT in text and "2400.00" in text
    batch.refresh_from_db()
    assert batch.status == "exported"
    event = AuditEvent.objects.get(action="export", object_type="paymentbatch")
    assert event.detail["rows"] == 1 and event.actor == people.finance


def test_result_upload_reports_on_the_page(client, people):
    batch = make_batch(people, 2)
    login(client, people.finance)
    client.post(reverse("benefits:batch_export", args=[batch.pk]))
    first, second = batch.lines.order_by("id")
    body = ("业务参考号,收款账号,金额,处理结果,失败原因\r\n"
            f"{first.reference},{ACCOUNT},2400.00,成功,\r\n"
            f"{second.reference},{ACCOUNT},2400.01,成功,\r\n").encode("gb18030")
    url = reverse("benefits:batch_result", args=[batch.pk])
    upload = io.BytesIO(body)
    upload.name = "回盘.csv"
    response = client.post(url, {"file": upload})
    assert response.status_code == 200
    report = response.context["report"]
    assert report.paid == 1 and [r.number for r in report.problems] == [3]
    text = response.content.decode()
    assert "与拨付金额 2400.00 不符" in text and second.reference in text
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == LineStatus.PAID and second.status == LineStatus.PENDING
    broken = io.BytesIO(b"\xff\xfe\xfa\xfb")
    broken.name = "x.csv"
    bad = client.post(url, {"file": broken})
    assert bad.status_code == 400 and "无法识别回盘文件的编码" in bad.content.decode()
    assert login(client, people.civil).post(url, {"file": io.BytesIO(body)}).status_code == 404


# In a real browser -----------------------------------------------------------------------------
@pytest.mark.browser
def test_browser_batch_export_and_result(live_server, regions_loaded, settings, tmp_path):
    """A finance officer makes a batch, downloads the bank file and uploads the bank's answer."""
    import csv
    import importlib
    import os
    import re

    from django.apps import apps

    from anju.accounts.tests.factories import PASSWORD
    from anju.registry.tests.test_browser import CHROMIUM

    if not os.path.exists(CHROMIUM):
        pytest.skip("needs /usr/bin/chromium")
    # A flush by an earlier transactional test removes the seeded time limits: put them back.
    importlib.import_module("anju.benefits.migrations.0002_time_limit_parameters").seed(apps, None)
    living_standard()
    fund()
    people = chain_people()
    make_ready(people, 2)
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page.set_default_timeout(15000)
        page.goto(base + "/accounts/login/")
        page.fill("#id_username", people.finance.username)
        page.fill("#id_password", PASSWORD)
        page.press("#id_password", "Enter")
        page.wait_for_url(base + "/")
        page.click("[data-testid=nav-payments]")
        page.click("[data-testid=batch-new]")
        assert page.inner_text("[data-testid=payable-count]") == "2"
        page.get_by_role("button", name="生成批次").click()
        page.wait_for_url(re.compile(r"/benefits/batches/\d+/$"))
        with page.expect_download() as download:
            page.get_by_role("button", name="导出银行文件").click()
        saved = tmp_path / "bank.csv"
        download.value.save_as(saved)
        rows = list(csv.reader(io.StringIO(saved.read_bytes().decode("gb18030"), newline="")))
        assert rows[0] == ["业务参考号", "收款人户名", "收款账号", "开户银行", "金额", "用途"] and len(rows) == 3
        answer = tmp_path / "回盘.csv"
        answer.write_bytes(("业务参考号,收款账号,金额,处理结果,失败原因\r\n"
                            f"{rows[1][0]},{rows[1][2]},{rows[1][4]},成功,\r\n"
                            f"{rows[2][0]},{rows[2][2]},{rows[2][4]},失败,账户已冻结\r\n").encode("gb18030"))
        page.reload()
        page.set_input_files("#id_file", str(answer))
        page.get_by_role("button", name="导入银行回盘文件").click()
        report = page.locator("[data-testid=result-report]")
        assert "到账 1 笔，失败 1 笔" in report.inner_text()
        assert "已回盘" in page.inner_text("[data-testid=batch-status]")
        browser.close()
    from django.db import connections

    connections.close_all()  # see registry.tests.test_browser: PostgreSQL drops the test database after
    batch = PaymentBatch.objects.get()
    assert batch.status == "closed" and batch.lines.filter(status=LineStatus.FAILED).count() == 1
    assert Grant.objects.filter(status=GrantStatus.READY).count() == 1
