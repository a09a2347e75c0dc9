"""The arrears-case pages with three personas: Shishi's labour inspector (who handles inspection
cases there), Lan County's inspector (another jurisdiction: sees nothing, 404) and a contractor's
payroll supervisor (no access to cases at all); plus the union's mediation and the intake from a
ticket and from a warning."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from anju.employment.models import Employer
from anju.rights.models import (
    ArrearsCase,
    CaseStatus,
    Level,
    Ticket,
    TicketCategory,
    Warning,
    WarningStatus,
)
from anju.rights.services import Complainant, case_create, ticket_create
from anju.rights.tests.factories import id_number, make_project, rights_personas
from anju.workflow.models import Message, WorkTask

pytestmark = pytest.mark.django_db
TOWN = "350581001000"


@pytest.fixture
def p():
    return rights_personas()


def _case(actor, route="inspection", **kwargs):
    return case_create(actor=actor, source="walk_in", route=route, region=TOWN, employer_name="石狮某劳务公司",
                       period_from=dt.date(2026, 1, 1), period_to=dt.date(2026, 2, 1), summary="拖欠两个月工资",
                       complainants=[Complainant(name="李四", amount_owed="12000", id_number=id_number(31),
                                                 phone="13800138000")], **kwargs)


def _formset(rows: list[dict], initial: int = 0) -> dict:
    data = {"workers-TOTAL_FORMS": str(max(3, len(rows))), "workers-INITIAL_FORMS": str(initial),
            "workers-MIN_NUM_FORMS": "0", "workers-MAX_NUM_FORMS": "50"}
    for i, row in enumerate(rows):
        data.update({f"workers-{i}-{k}": v for k, v in row.items()})
    return data


def test_the_list_shows_each_persona_its_own_cases_with_totals(client, p, django_assert_max_num_queries):
    _case(p.inspector)
    late = _case(p.inspector, route="arbitration")
    WorkTask.objects.filter(subject_type="arrears_case", subject_id=late.pk).update(
        due_on=timezone.localdate() - dt.timedelta(days=2))
    client.force_login(p.inspector)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("rights:cases"))
    html = page.content.decode()
    assert page.status_code == 200 and html.count('data-testid="case-row"') == 2
    assert "24,000.00" in html  # the total owed
    overdue = client.get(reverse("rights:cases"), {"overdue": "on"}).content.decode()
    assert overdue.count('data-testid="case-row"') == 1 and late.number in overdue and "已超期" in overdue
    assert client.get(reverse("rights:cases"), {"route": "mediation"}).content.decode().count('data-testid="case-row"') == 0
    assert client.get(reverse("rights:cases"), {"region": "12ab", "status": "nonsense"}).status_code == 200

    client.force_login(p.lan_inspector)
    assert 'data-testid="case-row"' not in client.get(reverse("rights:cases")).content.decode()
    assert client.get(reverse("rights:case", args=[late.pk])).status_code == 404
    client.force_login(p.contractor)
    assert client.get(reverse("rights:cases")).status_code == 403
    assert client.get(reverse("rights:case", args=[late.pk])).status_code == 404
    assert client.get(reverse("rights:case_new")).status_code == 403


def test_inspector_accepts_extends_recovers_and_concludes_on_the_page(client, p):
    case = _case(p.inspector)
    client.force_login(p.inspector)
    url = reverse("rights:case", args=[case.pk])
    html = client.get(url).content.decode()
    assert 'data-testid="accept-form"' in html and "5 个工作日" in html and "13800138000" not in html
    assert client.post(reverse("rights:case_accept", args=[case.pk]), {"accept-version": case.version}).status_code == 302
    stale = client.post(reverse("rights:case_accept", args=[case.pk]), {"accept-version": case.version})
    assert stale.status_code == 409 and "已被他人修改" in stale.content.decode()
    case.refresh_from_db()
    html = client.get(url).content.decode()
    assert case.status == CaseStatus.ACCEPTED and "60 个工作日" in html and 'data-testid="extend-form"' in html
    assert client.post(reverse("rights:case_extend", args=[case.pk]), {"extend-version": case.version,
                                                                       "extend-reason": "案情复杂"}).status_code == 302
    html = client.get(url).content.decode()
    assert "90 个工作日（含延长 30 日）" in html and 'data-testid="extend-form"' not in html
    case.refresh_from_db()
    worker = case.workers.get()
    today = timezone.localdate().isoformat()
    above = client.post(reverse("rights:case_recovery", args=[case.pk]), {
        "recovery-version": case.version, "recovery-worker": worker.pk, "recovery-amount": "12000.01",
        "recovery-method": "employer", "recovery-on": today})
    assert above.status_code == 400 and "超过尚欠金额" in above.content.decode()
    assert client.post(reverse("rights:case_recovery", args=[case.pk]), {
        "recovery-version": case.version, "recovery-worker": worker.pk, "recovery-amount": "9000",
        "recovery-method": "employer", "recovery-on": today}).status_code == 302
    case.refresh_from_db()
    assert client.post(reverse("rights:case_recovery", args=[case.pk]), {
        "recovery-version": case.version, "recovery-worker": worker.pk, "recovery-amount": "3000",
        "recovery-method": "owner_advance", "recovery-on": today}).status_code == 302
    html = client.get(url).content.decode()
    assert "用人单位支付 9,000.00" in html and "建设单位垫付 3,000.00" in html  # both payments, each with its means
    listed = client.get(reverse("rights:cases")).content.decode()
    assert 'data-testid="total-by-method"' in listed and 'data-method="owner_advance"' in listed
    case.refresh_from_db()
    done = client.post(reverse("rights:case_conclude", args=[case.pk]), {
        "conclude-version": case.version, "conclude-conclusion": "paid_in_full", "conclude-note": ""})
    assert done.status_code == 302
    html = client.get(url).content.decode()
    assert "已全额支付" in html and 'data-testid="conclude-form"' not in html
    assert Message.objects.filter(channel="sms", kind="arrears.concluded").count() == 1


def test_only_the_route_handler_gets_the_forms_and_a_post_by_anyone_else_is_refused(client, p):
    case = _case(p.inspector)
    for user in (p.county, p.town, p.desk):
        client.force_login(user)
        html = client.get(reverse("rights:case", args=[case.pk])).content.decode()
        assert 'data-testid="accept-form"' not in html and 'data-testid="not-yours"' in html
    client.force_login(p.county)
    refused = client.post(reverse("rights:case_accept", args=[case.pk]), {"accept-version": case.version})
    assert refused.status_code == 403
    client.force_login(p.town)
    assert client.post(reverse("rights:case_accept", args=[case.pk]), {"accept-version": case.version}).status_code == 403
    client.force_login(p.lan_inspector)
    assert client.post(reverse("rights:case_accept", args=[case.pk]), {"accept-version": case.version}).status_code == 404
    client.force_login(p.inspector)
    assert client.post(reverse("rights:case_accept", args=[case.pk]), {"accept-version": "x"}).status_code == 400
    assert client.post(reverse("rights:case_refuse", args=[case.pk]), {"refuse-version": case.version,
                                                                       "refuse-reason": ""}).status_code == 400
    assert ArrearsCase.objects.get(pk=case.pk).status == CaseStatus.REGISTERED


def test_the_union_mediates_and_cannot_extend(client, p):
    case = _case(p.desk, route="mediation")
    client.force_login(p.desk)
    html = client.get(reverse("rights:case", args=[case.pk])).content.decode()
    assert "15 日" in html and 'data-testid="no-extension"' in html and 'data-testid="conclude-form"' in html
    refused = client.post(reverse("rights:case_extend", args=[case.pk]), {"extend-version": case.version,
                                                                          "extend-reason": "x"})
    assert refused.status_code == 400 and "不能延长" in refused.content.decode()
    moved = client.post(reverse("rights:case_transfer", args=[case.pk]), {
        "transfer-version": case.version, "transfer-route": "arbitration", "transfer-reason": "调解不成"})
    assert moved.status_code == 302
    case.refresh_from_db()
    assert (case.route, case.status) == ("arbitration", CaseStatus.REGISTERED)


def test_a_walk_in_case_is_registered_with_its_complainants(client, p):
    employer = Employer.objects.create(name="石狮市某建筑劳务有限公司", uscc="91350581MA2XXXXX1T", size_class="small",
                                       region_id=TOWN)
    client.force_login(p.town)
    page = client.get(reverse("rights:case_new"))
    assert page.status_code == 200 and "湖滨街道" in page.content.decode()
    found = client.get(reverse("rights:case_employers"), {"employer_q": "建筑劳务"}).content.decode()
    assert employer.name in found and f'value="{employer.pk}"' in found
    assert "没有找到" in client.get(reverse("rights:case_employers"), {"employer_q": "不存在的单位"}).content.decode()
    data = {"source": "walk_in", "route": "inspection", "region": TOWN, "employer": employer.pk, "employer_name": "",
            "employer_uscc": "", "project": "", "period_from": "2026-05", "period_to": "2026-07", "summary": "三人被欠薪"}
    bad = client.post(reverse("rights:case_new"), data | _formset([{"name": "甲", "amount_owed": "100",
                                                                     "id_number": "123"}]))
    assert bad.status_code == 400 and "公民身份号码不正确" in bad.content.decode()
    none = client.post(reverse("rights:case_new"), data | _formset([]))
    assert none.status_code == 400 and "至少填写一名投诉人" in none.content.decode()
    rows = [{"name": "甲", "amount_owed": "3000", "id_number": id_number(41), "phone": "13900001111"},
            {"name": "乙", "amount_owed": "4500.50"}]
    done = client.post(reverse("rights:case_new"), data | _formset(rows))
    assert done.status_code == 302
    case = ArrearsCase.objects.get()
    assert (case.employer, case.employer_name, case.period_from) == (employer, employer.name, dt.date(2026, 5, 1))
    assert sorted(case.workers.values_list("amount_owed", flat=True)) == [Decimal("3000.00"), Decimal("4500.50")]
    assert case.workers.get(name="甲").phone_masked == "139****1111"


def test_a_ticket_becomes_a_case_with_its_caller_and_phone_unseen(client, p):
    ticket = ticket_create(actor=p.desk, channel="phone", category=TicketCategory.objects.get(code="arrears"),
                           region=TOWN, subject="工地欠薪", description="石狮某工地拖欠三个月工资", caller_name="张三",
                           phone="13700137000")
    client.force_login(p.inspector)
    page = client.get(reverse("rights:case_new"), {"ticket": ticket.pk}).content.decode()
    assert "张三" in page and "石狮某工地拖欠三个月工资" in page and "137****7000" in page
    assert "13700137000" not in page
    data = {"source": "ticket", "route": "inspection", "region": TOWN, "employer_name": "某工地劳务队",
            "employer_uscc": "", "project": "", "period_from": "2026-06", "period_to": "2026-08",
            "summary": "拖欠三个月工资", "ticket": ticket.pk}
    done = client.post(reverse("rights:case_new"), data | _formset([{"name": "张三", "amount_owed": "9000"}],
                                                                    initial=1))
    assert done.status_code == 302
    case = ArrearsCase.objects.get()
    assert Ticket.objects.get(pk=ticket.pk).case == case and case.source == "ticket"
    assert case.workers.get().phone == "13700137000"
    again = client.get(reverse("rights:case_new"), {"ticket": ticket.pk})
    assert again.status_code == 302 and again.url == reverse("rights:case", args=[case.pk])
    client.force_login(p.lan_inspector)
    assert client.get(reverse("rights:case_new"), {"ticket": ticket.pk}).status_code == 404


def test_a_warning_becomes_a_case_against_the_contractor(client, p):
    project = make_project()
    warning = Warning.objects.create(project=project, rule="wages_unpaid", level=Level.RED,
                                     period=dt.date(2026, 9, 1), raised_on=dt.date(2026, 11, 1),
                                     last_seen_on=dt.date(2026, 11, 1))
    client.force_login(p.inspector)
    page = client.get(reverse("rights:case_new"), {"warning": warning.pk}).content.decode()
    assert project.contractor_name in page and 'value="2026-09"' in page
    data = {"source": "warning", "route": "inspection", "region": project.region_id,
            "employer_name": project.contractor_name, "employer_uscc": project.contractor_uscc,
            "project": str(project.pk), "period_from": "2026-09", "period_to": "2026-09", "summary": "9月工资未发放",
            "warning": warning.pk}
    done = client.post(reverse("rights:case_new"), data | _formset([{"name": "工人甲", "amount_owed": "6000"}]))
    assert done.status_code == 302
    case = ArrearsCase.objects.get()
    warning.refresh_from_db()
    assert (case.project, case.warning, warning.status, warning.case) == (project, warning, WarningStatus.CASE, case)
    client.force_login(p.desk)  # the union may register cases but does not handle warnings
    assert client.get(reverse("rights:case_new"), {"warning": warning.pk}).status_code == 404
