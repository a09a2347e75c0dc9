"""The application pages: who sees and does what, the chain's moves through the forms, and
refusals that change nothing (a bad amount, a stale version, a wrong file)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from anju.audit.models import AuditEvent
from anju.benefits import services
from anju.benefits.models import Application, ApplicationStatus, Attachment, Door, Grant, StepState
from anju.benefits.tests.factories import (
    POLICY,
    chain_people,
    fund,
    living_standard,
    qualifying_worker,
)
from anju.policies.packs import get_policy
from anju.registry.tests.factories import make_worker

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def people():
    return chain_people()


@pytest.fixture
def app(people):
    living_standard()
    fund()
    return services.application_create(actor=people.town, policy=get_policy(POLICY), subject_type="worker",
                                       subject_id=qualifying_worker().pk, door=Door.COUNTER)


def detail(pk: int) -> str:
    return reverse("benefits:application", args=[pk])


def post(client, name: str, app: Application, data: dict, **kw):
    return client.post(reverse(f"benefits:{name}", args=[app.pk]), data, **kw)


# Seeing ------------------------------------------------------------------------------------------
def test_list_is_scoped_filtered_and_counted(client, people, app):
    other = services.application_create(actor=people.other_town, policy=get_policy(POLICY), subject_type="worker",
                                        subject_id=qualifying_worker(residence="350581002000", name="王五").pk,
                                        door=Door.COUNTER)
    url = reverse("benefits:application_list")
    client.force_login(people.town)
    response = client.get(url)
    assert response.status_code == 200
    assert [r["app"].pk for r in response.context["rows"]] == [app.pk]
    body = response.content.decode()
    assert app.subject_label in body and "****" in app.subject_label  # masked ID in the label
    assert app.worker.id_number not in body
    assert "我的待办" in body  # the town officer has the step to act on
    client.force_login(people.hrss)
    response = client.get(url)
    assert {r["app"].pk for r in response.context["rows"]} == {app.pk, other.pk}
    assert {s["value"]: s["count"] for s in response.context["status_links"]}["in_review"] == 2
    assert [r["app"].pk for r in client.get(url, {"region": "350581002"}).context["rows"]] == [other.pk]
    assert client.get(url, {"status": "approved"}).context["rows"] == []
    assert len(client.get(url, {"policy": POLICY, "door": "counter", "step": "town_verification"}).context["rows"]) == 2
    assert client.get(url, {"step": "approval"}).context["rows"] == []
    for junk in ({"region": "abc"}, {"status": "zzz"}, {"page": "999"}, {"policy": "x" * 200}):
        assert client.get(url, junk).status_code == 200
    empty = client.get(url, {"status": "withdrawn"}).content.decode()
    assert 'data-testid="empty"' in empty


def test_list_query_count_is_bounded(client, people, app, django_assert_max_num_queries):
    client.force_login(people.hrss)
    with django_assert_max_num_queries(12):
        client.get(reverse("benefits:application_list"))


def test_another_street_gets_404_everywhere(client, people, app):
    client.force_login(people.other_town)
    assert client.get(detail(app.pk)).status_code == 404
    assert post(client, "application_decide", app, {"outcome": "pass", "version": app.version}).status_code == 404
    assert post(client, "application_withdraw", app, {"reason": "x", "version": app.version}).status_code == 404
    attachment = services_attach(people, app)
    assert client.get(reverse("benefits:attachment_download", args=[app.pk, attachment.pk])).status_code == 404
    assert client.get(reverse("benefits:application_list")).context["rows"] == []
    client.force_login(people.lanxian_civil)
    assert client.get(detail(app.pk)).status_code == 404
    assert client.get(detail(999999)).status_code == 404


def test_detail_shows_decision_chain_and_worker_link(client, people, app):
    import datetime as dt

    from anju.benefits.models import ComparisonImport, FactSource, SourceKind

    source = ComparisonImport.objects.create(created_by=people.hrss, kind=SourceKind.UI_CONTRIBUTIONS,
                                             as_of=dt.date(2026, 11, 30), region_prefix="350581", filename="社保.xlsx")
    FactSource.objects.create(subject_type="worker", subject_id=app.subject_id, fact="unemployment_insured", value=False,
                              kind=SourceKind.UI_CONTRIBUTIONS, as_of=dt.date(2026, 11, 30), source_import=source)
    client.force_login(people.town)
    response = client.get(detail(app.pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert app.number in body and reverse("registry:worker_detail", args=[app.worker_id]) in body
    assert 'data-testid="decide-form"' in body
    assert body.count('data-testid="condition"') == 3
    assert "城乡最低生活保障标准" in body  # the parameter value read
    assert 'data-testid="fact-source"' in body and "社保经办机构失业保险参保缴费记录 2026-11-30 数据" in body
    steps = response.context["steps"]
    assert [r["step"].code for r in steps] == ["town_verification", "insurance_check", "approval"]
    assert steps[0]["task"].due_on is not None and 'data-testid="deadline"' in body


def test_civil_affairs_cannot_decide_the_towns_step(client, people, app):
    client.force_login(people.civil)
    body = client.get(detail(app.pk)).content.decode()
    assert 'data-testid="decide-form"' not in body and 'data-testid="waiting-for"' in body
    response = post(client, "application_decide", app, {"outcome": "pass", "version": app.version})
    assert response.status_code == 403
    assert "承办人" in response.context["error"]
    app.refresh_from_db()
    assert app.current_step == "town_verification" and app.version == 1


# Doing -------------------------------------------------------------------------------------------
def test_return_supply_and_pass_through_the_pages(client, people, app):
    client.force_login(people.town)
    response = post(client, "application_decide", app, {"outcome": "return", "reason": "", "version": 1})
    assert response.status_code == 422 and "请填写理由" in response.context["error"]
    response = post(client, "application_decide", app, {"outcome": "return", "reason": "请补充收入证明", "version": 1})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.RETURNED
    body = client.get(detail(app.pk)).content.decode()
    assert 'data-testid="supply-form"' in body and 'data-testid="decide-form"' not in body
    assert "请补充收入证明" in body
    response = post(client, "application_supply", app, {"note": "已带来收入证明", "version": app.version})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.IN_REVIEW
    response = post(client, "application_decide", app, {"outcome": "pass", "reason": "", "version": app.version})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.current_step == "insurance_check"
    body = client.get(detail(app.pk)).content.decode()
    assert "已补充材料" in body and "已带来收入证明" in body and str(people.town) in body


def test_fail_with_reason_and_recheck(client, people, app):
    client.force_login(people.town)
    assert post(client, "application_decide", app, {"outcome": "fail", "reason": "核实有收入",
                                                    "version": 1}).status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.REFUSED
    body = client.get(detail(app.pk)).content.decode()
    assert "核实有收入" in body and 'data-testid="recheck"' in body and 'data-testid="withdraw"' not in body
    response = post(client, "application_recheck", app, {})
    assert response.status_code == 302
    new = Application.objects.get(recheck_of=app)
    assert response["Location"] == detail(new.pk) and new.door == Door.RECHECK


def test_withdraw(client, people, app):
    client.force_login(people.town)
    assert post(client, "application_withdraw", app, {"reason": "", "version": 1}).status_code == 400  # the form requires it
    assert post(client, "application_withdraw", app, {"reason": "本人不再申请", "version": 1}).status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.WITHDRAWN
    assert app.steps.get(code="town_verification").state == StepState.SKIPPED


def _to_last_step(people, app):
    for actor in (people.town, people.hrss):
        app = services.step_decide(actor=actor, application=app, outcome="pass")
    return app


def test_bad_amount_is_shown_and_changes_nothing(client, people, app):
    app = _to_last_step(people, app)
    client.force_login(people.civil)
    body = client.get(detail(app.pk)).content.decode()
    assert 'data-testid="amount-field"' in body and "2400" in body  # the floor of the range
    for amount, words in (("2000", "不在政策规定的范围内"), ("abc", "金额应为数字"), ("1.234", "最多两位小数")):
        response = post(client, "application_decide", app, {"outcome": "pass", "amount": amount, "reason": "x",
                                                            "version": app.version})
        assert response.status_code in (400, 422), amount
        assert words in response.content.decode()
    response = post(client, "application_decide", app, {"outcome": "pass", "amount": "3200", "reason": "",
                                                        "version": app.version})
    assert "确定金额须填写理由" in response.content.decode()
    assert not Grant.objects.exists()
    app.refresh_from_db()
    assert app.status == ApplicationStatus.IN_REVIEW and app.current_step == "approval"
    response = post(client, "application_decide", app, {"outcome": "pass", "amount": "3200", "reason": "家有病人",
                                                        "version": app.version})
    assert response.status_code == 302
    grant = Grant.objects.get()
    assert grant.amount == Decimal("3200.00")
    body = client.get(detail(app.pk)).content.decode()
    assert 'data-testid="grant"' in body and reverse("benefits:grant", args=[grant.pk]) in body


def test_stale_version_is_a_conflict(client, people, app):
    client.force_login(people.town)
    stale = app.version
    services.application_confirm_account(application=app, payee_name="李四", bank_name="农业银行",
                                         account="6222020200112233445", actor=people.town)
    response = post(client, "application_decide", app, {"outcome": "pass", "version": stale})
    assert response.status_code == 409
    assert response.context["conflict"] and "已被他人修改" in response.context["conflict"]
    assert 'data-testid="conflict"' in response.content.decode()
    app.refresh_from_db()
    assert app.current_step == "town_verification"
    # The page came back with the current version: sent again, it goes through.
    assert post(client, "application_decide", app, {"outcome": "pass", "version": app.version}).status_code == 302


def test_account_confirmed_masked(client, people, app):
    client.force_login(people.town)
    assert post(client, "application_account", app, {"payee_name": "李四", "bank_name": "农业银行",
                                                     "account": "12ab", "version": 1}).status_code == 422
    assert post(client, "application_account", app, {"payee_name": "李四", "bank_name": "农业银行",
                                                     "account": "6222020200112233445", "version": 1}).status_code == 302
    body = client.get(detail(app.pk)).content.decode()
    assert "6222020200112233445" not in body and "6222***********3445" in body


# Documents ---------------------------------------------------------------------------------------
def services_attach(people, app) -> Attachment:
    from anju.benefits.attachments import attachment_add

    return attachment_add(actor=people.town, application=app, kind="income",
                          upload=SimpleUploadedFile("收入证明.pdf", PDF, content_type="application/pdf"))


def test_attachment_refusals_and_audited_download(client, people, app, settings):
    client.force_login(people.town)
    url = reverse("benefits:attachment_upload", args=[app.pk])
    fake = SimpleUploadedFile("证明.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(url, {"kind": "income", "file": fake})
    assert response.status_code == 422 and "只能上传 PDF、JPG 或 PNG 文件" in response.content.decode()
    settings.ANJU_ATTACHMENT_MAX_BYTES = 20
    big = SimpleUploadedFile("大.pdf", PDF, content_type="application/pdf")
    response = client.post(url, {"kind": "income", "file": big})
    assert "文件不能超过" in response.content.decode()
    del settings.ANJU_ATTACHMENT_MAX_BYTES
    response = client.post(url, {"kind": "", "file": SimpleUploadedFile("a.pdf", PDF)})
    assert response.status_code == 400
    assert not Attachment.objects.exists()
    response = client.post(url, {"kind": "income", "file": SimpleUploadedFile("收入证明.pdf", PDF)})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    before = AuditEvent.objects.filter(action="export", object_type="attachment").count()
    client.force_login(people.hrss)  # a colleague in the county may read it
    response = client.get(reverse("benefits:attachment_download", args=[app.pk, attachment.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    event = AuditEvent.objects.filter(action="export", object_type="attachment").latest("id")
    assert AuditEvent.objects.filter(action="export", object_type="attachment").count() == before + 1
    assert event.actor == people.hrss


# Counter intake and the worker page ---------------------------------------------------------------
def test_intake_lists_policies_and_creates(client, people):
    living_standard()
    fund()
    worker = qualifying_worker()
    client.force_login(people.town)
    url = reverse("benefits:application_create") + f"?subject_type=worker&subject_id={worker.pk}"
    response = client.get(url)
    assert response.status_code == 200
    entries = {e["policy"].id: e for e in response.context["entries"]}
    assert entries[POLICY]["status"] == "eligible"
    assert all(e["policy"].subject == "worker" for e in entries.values())
    response = client.post(url, {"policy": POLICY, "phone": "", "payee_name": "李四", "bank_name": "",
                                 "account": "123", "note": ""})
    assert response.status_code == 400 and "银行账号应为 8 至 30 位数字" in response.content.decode()
    assert not Application.objects.exists()
    bad_file = SimpleUploadedFile("x.pdf", b"not a pdf at all")
    response = client.post(url, {"policy": POLICY, "attachment_kind": "income", "files": [bad_file]})
    assert response.status_code == 400 and not Application.objects.exists()
    response = client.post(url, {"policy": POLICY, "phone": "", "payee_name": "李四", "bank_name": "农业银行",
                                 "account": "6222020200112233445", "note": "窗口",
                                 "attachment_kind": "id_card", "files": [SimpleUploadedFile("身份证.pdf", PDF)]})
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(application.pk)
    assert application.door == Door.COUNTER and application.phone_masked  # the ledger's phone
    assert application.attachments.count() == 1
    # The same again: refused, told why.
    response = client.post(url, {"policy": POLICY})
    assert response.status_code == 400 and "正在办理" in response.content.decode()


def test_intake_scope_and_rights(client, people):
    worker = qualifying_worker()
    url = reverse("benefits:application_create") + f"?subject_type=worker&subject_id={worker.pk}"
    client.force_login(people.other_town)
    assert client.get(url).status_code == 404
    client.force_login(people.finance)
    assert client.get(url).status_code == 403
    client.force_login(people.town)
    assert client.get(reverse("benefits:application_create") + "?subject_type=nope&subject_id=1").status_code == 404
    assert client.get(reverse("benefits:application_create") + "?subject_type=worker&subject_id=x").status_code == 404


def test_worker_panel(client, people, app):
    client.force_login(people.town)
    body = client.get(reverse("registry:worker_detail", args=[app.worker_id])).content.decode()
    assert 'data-testid="worker-benefits"' in body and 'data-testid="intake-worker"' in body
    assert app.number in body
    client.force_login(people.finance)
    body = client.get(reverse("registry:worker_detail", args=[app.worker_id])).content.decode()
    assert 'data-testid="worker-benefits"' in body and 'data-testid="intake-worker"' not in body
    other = make_worker(name="赵六", residence="350581001000")
    client.force_login(people.town)
    body = client.get(reverse("registry:worker_detail", args=[other.pk])).content.decode()
    assert 'data-testid="worker-no-applications"' in body


def test_list_answers_htmx_with_the_results_only(client, people, app):
    client.force_login(people.town)
    response = client.get(reverse("benefits:application_list"), {"status": "in_review"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and 'data-testid="application-table"' in body and "<html" not in body


def test_household_intake(client, people):
    from anju.registry.models import Household

    household = Household.objects.create(household_no="H-350581-1", region_id="350581001000")
    worker = qualifying_worker(household=household)
    client.force_login(people.town)
    body = client.get(reverse("registry:worker_detail", args=[worker.pk])).content.decode()
    url = reverse("benefits:application_create") + f"?subject_type=household&subject_id={household.pk}"
    response = client.get(url)
    assert response.status_code == 200
    ids = {e["policy"].id for e in response.context["entries"]}
    assert "quanzhou-union-relief" in ids and POLICY not in ids
    assert 'data-testid="intake-household"' in body
    client.force_login(people.other_town)
    assert client.get(url).status_code == 404
