"""The hotline pages with three personas: the union desk, the lead department (labour
inspection) and an inspector of another county (nothing of Shishi's: 404). Bad input is a form
error or a 4xx, never a 500; and the whole path once in a real browser."""

from __future__ import annotations

import importlib
import os
import re

import pytest
from django.apps import apps as django_apps
from django.db import connections
from django.urls import NoReverseMatch, reverse

from anju.accounts.tests.factories import PASSWORD
from anju.registry.tests.factories import make_worker
from anju.registry.tests.test_browser import CHROMIUM
from anju.rights import hotline
from anju.rights.knowledge import entry_create
from anju.rights.models import KnowledgeEntry, Ticket, TicketCategory, TicketStatus
from anju.rights.services import ticket_create
from anju.rights.tests.factories import rights_personas
from anju.workflow.models import TaskState, WorkTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def p():
    personas = rights_personas()
    arrears = TicketCategory.objects.get(code="arrears")
    personas.ticket = ticket_create(actor=personas.desk, channel="phone", category=arrears, region="350581001000",
                                    subject="工地欠薪三个月", description="石狮某工地拖欠工资", caller_name="张三",
                                    phone="13800138000")
    return personas


def act(client, ticket, action, **data):
    return client.post(reverse("rights:ticket_act", args=[ticket.pk, action]), data)


def fresh(ticket):
    return Ticket.objects.get(pk=ticket.pk)


def test_the_list_shows_the_jurisdictions_tickets_mine_first(client, p, django_assert_max_num_queries):
    policy = TicketCategory.objects.get(code="policy")
    later = ticket_create(actor=p.desk, channel="visit", category=policy, region="350581002000", subject="社保补贴怎么领",
                          description="咨询")
    client.force_login(p.inspector)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("rights:tickets"))
    assert response.status_code == 200
    rows = [r for r in response.content.decode().split('data-testid="ticket-row"')[1:]]
    # The inspector's own (wage arrears) ticket before the newer one routed to the union.
    assert f'data-pk="{p.ticket.pk}"' in rows[0] and f'data-pk="{later.pk}"' in rows[1]
    client.force_login(p.desk)
    body = client.get(reverse("rights:tickets"), {"category": "policy"}).content.decode()
    assert later.number in body and p.ticket.number not in body
    body = client.get(reverse("rights:tickets"), {"overdue": "on"}).content.decode()
    assert 'data-testid="empty"' in body


def test_the_list_of_another_county_is_empty_and_bad_filters_do_not_fail(client, p):
    client.force_login(p.lan_inspector)
    response = client.get(reverse("rights:tickets"))
    assert response.status_code == 200 and 'data-testid="empty"' in response.content.decode()
    assert p.ticket.number not in response.content.decode()
    client.force_login(p.desk)
    for query in ({"region": "abc"}, {"status": "nonsense"}, {"page": "99"}, {"page": "x"}, {"category": "<b>"}):
        assert client.get(reverse("rights:tickets"), query).status_code == 200
    client.force_login(p.contractor)
    assert client.get(reverse("rights:tickets")).status_code == 403


def test_intake_creates_a_ticket_and_links_the_caller_found_by_phone(client, p):
    worker = make_worker(name="李四", phone="13900139000")
    client.force_login(p.desk)
    page = client.get(reverse("rights:ticket_new"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "350581001000" in body and "141127" not in body  # the jurisdiction's towns only
    assert ('hx-get="' + reverse("rights:knowledge_suggest") in body) if _exists("rights:knowledge_suggest") else (
        'data-testid="kb-unavailable"' in body)
    arrears = TicketCategory.objects.get(code="arrears")
    answer = KnowledgeEntry.objects.create(title="欠薪投诉怎么办", answer="可向劳动保障监察机构投诉", category=arrears)
    response = client.post(reverse("rights:ticket_new"), {
        "channel": "phone", "caller_name": "李四", "phone": "13900139000", "id_number": "", "category": arrears.pk,
        "priority": "normal", "region": "350581001000", "subject": "欠薪两个月", "description": "工地老板跑了",
        "knowledge": [answer.pk]})
    ticket = Ticket.objects.get(subject="欠薪两个月")
    assert response.status_code == 302 and response.url == reverse("rights:ticket", args=[ticket.pk])
    assert ticket.worker == worker and ticket.phone_masked == "139****9000"
    assert list(ticket.knowledge.all()) == [answer]
    # The reply form offers the suggestions with the answer given at intake ticked.
    hotline.ticket_dispatch(actor=p.desk, ticket=ticket)
    client.force_login(p.inspector)
    body = client.get(reverse("rights:ticket", args=[ticket.pk])).content.decode()
    if _exists("rights:knowledge_suggest"):
        assert 'data-testid="reply-suggestions"' in body and f"knowledge={answer.pk}" in body
    assert 'data-testid="cited"' in body and "可向劳动保障监察机构投诉" in body  # what the desk told the caller
    response = act(client, ticket, "reply", version=2, reply="已告知投诉途径", knowledge=["x"])
    assert response.status_code == 400 and fresh(ticket).status == TicketStatus.DISPATCHED
    assert act(client, ticket, "reply", version=2, reply="已告知投诉途径", knowledge=[answer.pk]).status_code == 302


def test_intake_refuses_bad_input_on_the_form(client, p):
    client.force_login(p.desk)
    base = {"channel": "phone", "category": TicketCategory.objects.get(code="arrears").pk, "priority": "normal",
            "region": "350581001000", "subject": "欠薪", "description": "内容"}
    for bad in ({"category": ""}, {"category": "abc"}, {"region": "141127000000"}, {"region": "999"},
                {"phone": "12345"}, {"id_number": "350581198001011234"}, {"subject": ""}, {"channel": "fax"}):
        response = client.post(reverse("rights:ticket_new"), base | bad)
        assert response.status_code == 400, bad
    assert Ticket.objects.count() == 1
    client.force_login(p.contractor)
    assert client.get(reverse("rights:ticket_new")).status_code == 403


def test_the_desk_and_the_lead_see_their_own_actions(client, p):
    url = reverse("rights:ticket", args=[p.ticket.pk])
    client.force_login(p.desk)
    body = client.get(url).content.decode()
    assert 'data-testid="form-dispatch"' in body and 'data-testid="form-merge"' in body
    assert 'data-testid="form-contact"' not in body
    assert 'data-testid="clock"' in body and "1 个工作日" in body
    client.force_login(p.inspector)
    body = client.get(url).content.decode()
    assert 'data-testid="form-dispatch"' not in body and 'data-testid="form-merge"' not in body
    assert 'data-testid="form-note"' in body  # the routed lead may already note what it knows
    client.force_login(p.county)  # same bureau, another role: not theirs
    body = client.get(url).content.decode()
    assert 'data-testid="no-actions"' in body
    client.force_login(p.lan_inspector)
    assert client.get(url).status_code == 404
    assert client.get(reverse("rights:ticket", args=[999999])).status_code == 404


def test_the_moves_through_the_pages(client, p):
    t = p.ticket
    client.force_login(p.desk)
    response = act(client, t, "dispatch", version=1, lead="hrss:inspector", note="监察承办")
    assert response.status_code == 302 and fresh(t).status == TicketStatus.DISPATCHED
    client.force_login(p.inspector)
    body = client.get(reverse("rights:ticket", args=[t.pk])).content.decode()
    assert 'data-testid="form-contact"' in body and 'data-testid="form-return"' in body
    assert act(client, t, "contact", version=2, note="已联系").status_code == 302
    assert act(client, t, "pause", version=3, reason_kind="caller", note="补材料").status_code == 302
    body = client.get(reverse("rights:ticket", args=[t.pk])).content.decode()
    assert 'data-testid="pause"' in body and "等待来电人补充材料" in body and 'data-testid="form-resume"' in body
    assert act(client, t, "resume", version=4).status_code == 302
    assert act(client, t, "note", text="已约谈企业").status_code == 302
    assert act(client, t, "reply", version=5, reply="企业已支付").status_code == 302
    client.force_login(p.desk)
    assert act(client, t, "callback", version=6, satisfaction="5", note="满意").status_code == 302
    ticket = fresh(t)
    assert ticket.status == TicketStatus.CLOSED and ticket.satisfaction == 5
    body = client.get(reverse("rights:ticket", args=[t.pk])).content.decode()
    assert body.count('data-testid="event"') == 9  # created … callback, closed
    assert 'data-testid="form-note"' not in body and 'data-testid="form-link_case"' in body


def test_refusals_are_shown_on_the_page(client, p):
    t = p.ticket
    client.force_login(p.inspector)
    response = act(client, t, "dispatch", version=1, lead="hrss:inspector")
    assert response.status_code == 403 and "热线工单派单" in response.content.decode()
    client.force_login(p.desk)
    assert act(client, t, "dispatch", lead="hrss:inspector").status_code == 400  # no version
    assert act(client, t, "dispatch", version="x", lead="hrss:inspector").status_code == 400
    assert act(client, t, "dispatch", version=1, lead="nobody:none").status_code == 400
    assert act(client, t, "merge", version=1, into="GD-NOPE", reason="重复").status_code == 400
    assert act(client, t, "link_case", version=1, case="QX-NOPE").status_code == 400
    assert act(client, t, "fly", version=1).status_code == 404
    assert client.get(reverse("rights:ticket_act", args=[t.pk, "dispatch"])).status_code == 405
    assert act(client, t, "dispatch", version=1, lead="hrss:inspector").status_code == 302
    # A second dispatch from the stale page: a conflict, the latest state shown.
    response = act(client, t, "dispatch", version=1, lead="hrss:inspector")
    assert response.status_code == 409 and 'data-testid="error"' in response.content.decode()
    response = act(client, t, "callback", version=2, satisfaction="5")
    assert response.status_code == 409
    client.force_login(p.lan_inspector)
    assert act(client, t, "contact", version=2).status_code == 404
    client.force_login(p.inspector)
    assert act(client, t, "pause", version=2, reason_kind="holiday").status_code == 409  # not before first contact
    assert act(client, t, "contact", version=2).status_code == 302
    assert act(client, t, "pause", version=3, reason_kind="holiday").status_code == 400
    assert fresh(t).status == TicketStatus.IN_PROGRESS


def test_merge_and_reassign_through_the_pages(client, p):
    arrears = TicketCategory.objects.get(code="arrears")
    dup = ticket_create(actor=p.desk, channel="phone", category=arrears, region="350581001000", subject="同一工地欠薪",
                        description="再次来电")
    client.force_login(p.desk)
    assert act(client, dup, "merge", version=1, into=p.ticket.number.lower(), reason="同一诉求").status_code == 302
    assert fresh(dup).status == TicketStatus.MERGED
    body = client.get(reverse("rights:ticket", args=[p.ticket.pk])).content.decode()
    assert 'data-testid="merged-ticket"' in body and dup.number in body
    body = client.get(reverse("rights:ticket", args=[dup.pk])).content.decode()
    assert 'data-testid="merged-into"' in body and 'data-testid="no-actions"' in body
    act(client, p.ticket, "dispatch", version=1, lead="hrss:inspector")
    response = act(client, p.ticket, "reassign", version=2, lead="hrss:county_officer", reason="由人社局牵头")
    assert response.status_code == 302 and fresh(p.ticket).lead_role == "county_officer"
    assert WorkTask.objects.filter(subject_type="ticket", subject_id=p.ticket.pk, state=TaskState.CANCELLED).count() == 2


def test_the_case_button_appears_once_the_case_form_exists(client, p):
    client.force_login(p.inspector)
    hotline.ticket_dispatch(actor=p.desk, ticket=p.ticket)
    body = client.get(reverse("rights:ticket", args=[p.ticket.pk])).content.decode()
    if _exists("rights:case_new"):
        assert f'{reverse("rights:case_new")}?ticket={p.ticket.pk}' in body
    else:
        assert 'data-testid="to-case"' not in body


def _exists(name: str) -> bool:
    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


# In a real browser ----------------------------------------------------------------------------
@pytest.fixture
def browser(live_server, regions_loaded, settings):
    if not os.path.exists(CHROMIUM):
        pytest.skip("needs /usr/bin/chromium")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
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
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(base + "/")
    return page, errors


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_a_browser_a_call_is_answered_from_the_knowledge_base_and_closed(browser, live_server):
    """The union desk takes a call; the knowledge base suggests an answer while it is typed in and
    the desk ticks it; the desk dispatches, the inspector contacts the caller, pauses the clock
    waiting for documents, resumes it and replies; the desk calls back and the ticket closes (the
    production Content-Security-Policy refuses nothing on the way)."""
    base = live_server.url
    # What migrations gave the database and the flush between transactional tests took away.
    importlib.import_module("anju.rights.migrations.0002_parameters_and_categories").seed(django_apps, None)
    importlib.import_module("anju.rights.migrations.0003_cycle_and_satisfaction_parameters").seed(django_apps, None)
    importlib.import_module("anju.workflow.migrations.0004_warning_ratio_parameters").seed(django_apps, None)
    p = rights_personas()
    arrears = TicketCategory.objects.get(code="arrears")
    answer = entry_create(actor=p.desk, data={"title": "被拖欠工资怎么投诉", "answer": "可拨打热线或到劳动保障监察大队投诉",
                                              "keywords": "欠薪 拖欠工资 投诉", "category": arrears, "region_prefix": "350581"})

    desk, desk_errors = _session(browser, base, p.desk.username)
    desk.goto(base + "/rights/tickets/new/")
    desk.fill("#id_caller_name", "张三")
    desk.fill("#id_phone", "13700137000")
    desk.select_option("#id_category", str(arrears.pk))
    desk.select_option("#id_region", "350581001000")
    desk.fill("#id_subject", "工地拖欠工资")
    desk.type("#id_description", "老板拖欠工资三个月，想投诉")
    suggestion = desk.locator(f"[data-testid=suggestion][data-pk='{answer.pk}']")
    suggestion.wait_for()
    suggestion.locator("input[name=knowledge]").check()
    desk.click("[data-testid=ticket-save]")
    desk.wait_for_url(re.compile(r"/rights/tickets/\d+/$"))
    ticket = Ticket.objects.get()
    assert list(ticket.knowledge.all()) == [answer]
    assert desk.locator("[data-testid=clock]").count() == 1
    desk.select_option("#dispatch_lead", "hrss:inspector")
    desk.click("[data-testid=submit-dispatch]")
    desk.wait_for_selector("[data-testid=ticket-status][data-status=dispatched]")
    assert desk.locator("[data-testid=clock]").count() == 3

    lead, lead_errors = _session(browser, base, p.inspector.username)
    lead.goto(f"{base}/rights/tickets/{ticket.pk}/")
    lead.fill("#contact_note", "已电话联系张三")
    lead.click("[data-testid=submit-contact]")
    lead.wait_for_selector("[data-testid=ticket-status][data-status=in_progress]")
    lead.select_option("#pause_reason_kind", "caller")
    lead.click("[data-testid=submit-pause]")
    lead.wait_for_selector("[data-testid=pause]")
    assert "等待来电人补充材料" in lead.inner_text("[data-testid=clocks]")
    lead.click("[data-testid=submit-resume]")
    lead.wait_for_selector("[data-testid=ticket-status][data-status=in_progress]")
    # The answer given at intake is ticked among the reply's suggestions.
    cited = lead.locator(f"[data-testid=reply-suggestions] input[name=knowledge][value='{answer.pk}']")
    cited.wait_for()
    assert cited.is_checked()
    lead.fill("#reply_reply", "已责令劳务队本周内支付")
    lead.click("[data-testid=submit-reply]")
    lead.wait_for_selector("[data-testid=ticket-status][data-status=replied]")

    desk.goto(f"{base}/rights/tickets/{ticket.pk}/")
    desk.check("[data-testid=form-callback] input[name=satisfaction][value='5']")
    desk.click("[data-testid=submit-callback]")
    desk.wait_for_selector("[data-testid=ticket-status][data-status=closed]")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.satisfaction, ticket.replied_on_time) == (TicketStatus.CLOSED, 5, True)
    assert not [e for e in desk_errors + lead_errors if "Content Security Policy" in e]
