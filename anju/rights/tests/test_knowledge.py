"""The hotline's knowledge base (every pack an entry, kept in step; search by the caller's words
within the caller's place), its pages, and the settings pages (routing table, hotline numbers)
with three personas: Shishi's desk, a Shishi officer who may only read, Lan County's officer."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from anju.accounts.models import Role
from anju.accounts.tests.factories import UserFactory
from anju.audit.models import AuditEvent
from anju.policies.packs import catalogue
from anju.rights import knowledge
from anju.rights.models import HotlineNumber, KnowledgeEntry, RoutingRule, TicketCategory
from anju.rights.services import RightsError, hotline_number, route_for
from anju.rights.tests.factories import rights_personas

pytestmark = pytest.mark.django_db

SHISHI_TOWN = "350581001000"
LAN_TOWN = "141127100000"
SUBSIDY = "shishi-social-insurance-subsidy"


@pytest.fixture
def people():
    p = rights_personas()
    p.lan_county = UserFactory(username="r-lan-county", role=Role.COUNTY_OFFICER, jurisdiction="141127")
    return p


@pytest.fixture
def synced():
    knowledge.sync_policies()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# The packs as entries -------------------------------------------------------------------------------
def test_every_pack_is_an_entry_with_a_plain_answer(synced):
    assert KnowledgeEntry.objects.exclude(policy_key="").count() == len(catalogue().policies)
    entry = KnowledgeEntry.objects.get(policy_key=SUBSIDY)
    assert entry.region_prefix == "350581" and entry.category.code == "policy" and entry.active
    assert "谁能享受：劳动者为就业困难人员" in entry.answer and "怎么办理：" in entry.answer
    assert "《石狮市关爱外来务工人员八条措施》（狮委办〔2022〕19号）第二条" in entry.source
    assert entry.source in entry.answer
    # Relief measures answer living-assistance calls.
    assert KnowledgeEntry.objects.get(policy_key="shishi-temporary-assistance").category.code == "assistance"


def test_sync_is_idempotent_and_retires_packs():
    out = io.StringIO()
    call_command("sync-knowledge", stdout=out)
    assert json.loads(out.getvalue())["created"] == len(catalogue().policies)
    audits = AuditEvent.objects.filter(object_type="knowledgeentry").count()
    again = knowledge.sync_policies()
    assert again == {"created": 0, "updated": 0, "deactivated": 0, "unchanged": len(catalogue().policies)}
    assert AuditEvent.objects.filter(object_type="knowledgeentry").count() == audits
    # A pack no longer loaded: its entry is deactivated, not deleted (tickets may cite it).
    remaining = [p for p in catalogue().policies.values() if p.id != "shishi-startup-subsidy"]
    assert knowledge.sync_policies(policies=remaining)["deactivated"] == 1
    assert not KnowledgeEntry.objects.get(policy_key="shishi-startup-subsidy").active
    # A pack past its end date likewise; in force again, it comes back.
    ended = [dataclasses.replace(p, valid_to=dt.date(2023, 1, 1)) if p.id == SUBSIDY else p
             for p in catalogue().policies.values()]
    knowledge.sync_policies(policies=ended)
    assert not KnowledgeEntry.objects.get(policy_key=SUBSIDY).active
    knowledge.sync_policies()
    assert KnowledgeEntry.objects.get(policy_key=SUBSIDY).active
    assert KnowledgeEntry.objects.get(policy_key="shishi-startup-subsidy").active


# Search -----------------------------------------------------------------------------------------------
def test_search_finds_the_shishi_subsidy_in_everyday_words_and_never_another_province(synced, people):
    shanxi = knowledge.entry_create(actor=people.admin, data={
        "title": "山西省社保补贴怎么领", "answer": "山西省社保补贴向县人社局申请。", "region_prefix": "14",
        "keywords": "社保补贴"})
    hits = knowledge.search("社保补贴怎么领", region_code=SHISHI_TOWN)
    assert hits and hits[0].entry.policy_key == SUBSIDY
    assert shanxi.pk not in [h.entry.pk for h in hits]
    assert all(h.entry.region_prefix in ("", "35", "3505", "350581") for h in hits)
    # For a caller in Lan County the Shanxi answer is the one.
    lan = knowledge.search("社保补贴怎么领", region_code=LAN_TOWN)
    assert lan[0].entry == shanxi and SUBSIDY not in [h.entry.policy_key for h in lan]
    assert knowledge.search("怎么", region_code=SHISHI_TOWN) == []  # question words alone find nothing
    assert knowledge.search("", region_code=SHISHI_TOWN) == []


def test_retired_entries_are_not_suggested(synced):
    KnowledgeEntry.objects.filter(policy_key=SUBSIDY).update(active=False)
    assert SUBSIDY not in [h.entry.policy_key for h in knowledge.search("社保补贴", region_code=SHISHI_TOWN)]


# Staff entries ----------------------------------------------------------------------------------------
def test_staff_write_entries_of_their_jurisdiction_only(people):
    entry = knowledge.entry_create(actor=people.desk, data={
        "title": "工地欠薪怎么投诉", "answer": "拨打服务专线或到劳动保障监察大队投诉。", "region_prefix": "350581",
        "category": TicketCategory.objects.get(code="arrears")})
    assert "欠薪" in entry.tokens.split() and AuditEvent.objects.filter(object_id=str(entry.pk), action="create").exists()
    with pytest.raises(RightsError):
        knowledge.entry_create(actor=people.desk, data={"title": "x", "answer": "y", "region_prefix": "14"})
    with pytest.raises(RightsError):
        knowledge.entry_create(actor=people.inspector, data={"title": "x", "answer": "y", "region_prefix": "350581"})
    knowledge.entry_update(actor=people.county, entry=entry, data={**{k: getattr(entry, k) for k in knowledge.FIELDS},
                                                                     "answer": "拨打 88712565。"})
    entry.refresh_from_db()
    assert entry.answer == "拨打 88712565。" and entry.updated_by == people.county
    with pytest.raises(RightsError):
        knowledge.entry_update(actor=people.lan_county, entry=entry, data={"title": "x", "answer": "y",
                                                                          "region_prefix": "141127"})


def test_knowledge_pages(people, django_assert_max_num_queries):
    desk, town, lan = client_for(people.desk), client_for(people.town), client_for(people.lan_county)
    # The first visit writes the packs' entries.
    page = town.get("/rights/knowledge/")
    assert page.status_code == 200 and KnowledgeEntry.objects.filter(policy_key=SUBSIDY).exists()
    with django_assert_max_num_queries(20):
        assert town.get("/rights/knowledge/", {"inactive": "on"}).status_code == 200
    body = page.content.decode()
    assert "招用就业困难人员社会保险补贴" in body and "公益性岗位补贴（脱贫劳动力）" not in body
    assert 'data-testid="knowledge-new"' not in body
    found = town.get("/rights/knowledge/", {"q": "社保补贴怎么领"}).content.decode()
    assert found.index("招用就业困难人员社会保险补贴") < found.index("失业农民工一次性生活补助")
    assert 'data-testid="empty"' in town.get("/rights/knowledge/", {"q": "火星移民"}).content.decode()
    assert town.get("/rights/knowledge/", {"page": "x", "category": "abc"}).status_code == 200
    # Only staff who configure the hotline write entries; a policy entry is never edited by hand.
    assert town.get("/rights/knowledge/new/").status_code == 403
    assert desk.post("/rights/knowledge/new/", {"title": "", "answer": ""}).status_code == 400
    response = desk.post("/rights/knowledge/new/", {"title": "欠薪投诉材料", "answer": "带上身份证和考勤记录。",
                                                    "region_prefix": "350581", "active": "on"})
    assert response.status_code == 302
    entry = KnowledgeEntry.objects.get(title="欠薪投诉材料")
    assert desk.get(f"/rights/knowledge/{entry.pk}/edit/").status_code == 200
    assert lan.get(f"/rights/knowledge/{entry.pk}/edit/").status_code == 404
    policy_entry = KnowledgeEntry.objects.get(policy_key=SUBSIDY)
    assert desk.get(f"/rights/knowledge/{policy_entry.pk}/edit/").status_code == 404
    assert desk.post("/rights/knowledge/new/", {"title": "x", "answer": "y", "region_prefix": "1411"}).status_code == 400


def test_suggest_fragment_for_the_intake_form(synced, people):
    town = client_for(people.town)
    body = town.get("/rights/knowledge/suggest/", {"q": "社保补贴怎么领", "region": SHISHI_TOWN}).content.decode()
    entry = KnowledgeEntry.objects.get(policy_key=SUBSIDY)
    assert f'name="knowledge" value="{entry.pk}"' in body and "引用" in body and "<html" not in body
    # A region outside the user's jurisdiction falls back to the jurisdiction.
    lan_body = town.get("/rights/knowledge/suggest/", {"q": "公益性岗位补贴", "region": LAN_TOWN}).content.decode()
    assert "脱贫劳动力" not in lan_body
    assert 'data-testid="no-suggestion"' in town.get("/rights/knowledge/suggest/", {"q": "火星移民"}).content.decode()
    assert town.get("/rights/knowledge/suggest/").status_code == 200
    # Without a search word, the subject and description of the intake form are searched.
    said = town.get("/rights/knowledge/suggest/", {"subject": "社保补贴", "description": "怎么领"}).content.decode()
    assert f'value="{entry.pk}"' in said
    assert Client().get("/rights/knowledge/suggest/", {"q": "社保"}).status_code == 302  # login first


# The routing table ------------------------------------------------------------------------------------
def test_routing_rules_within_the_jurisdiction(people):
    policy = TicketCategory.objects.get(code="policy")
    desk, town, lan = client_for(people.desk), client_for(people.town), client_for(people.lan_county)
    assert town.get("/rights/settings/routing/").status_code == 403
    page = desk.get("/rights/settings/routing/").content.decode()
    assert 'data-testid="fallback"' in page and 'data-testid="routing-edit"' not in page  # national rules are above
    response = desk.post("/rights/settings/routing/new/", {
        "category": policy.pk, "region_prefix": "350581", "lead_department_kind": "hrss", "lead_role": "county_officer",
        "co_handlers": ["trade_union"], "note": "政策咨询由人社局答复"})
    assert response.status_code == 302
    rule = RoutingRule.objects.get(category=policy, region_prefix="350581")
    assert route_for(policy, SHISHI_TOWN) == rule and rule.co_handlers == ["trade_union"]
    assert AuditEvent.objects.filter(object_type="routingrule", object_id=str(rule.pk), action="create").exists()
    # The same category and place twice, a place outside the jurisdiction: refused on the form.
    again = desk.post("/rights/settings/routing/new/", {"category": policy.pk, "region_prefix": "350581",
                                                        "lead_department_kind": "hrss", "lead_role": "inspector"})
    assert again.status_code == 400 and "已有分派规则" in again.content.decode()
    assert desk.post("/rights/settings/routing/new/", {"category": policy.pk, "region_prefix": "14",
                                                       "lead_department_kind": "hrss",
                                                       "lead_role": "inspector"}).status_code == 400
    assert lan.get(f"/rights/settings/routing/{rule.pk}/edit/").status_code == 404
    assert lan.post(f"/rights/settings/routing/{rule.pk}/delete/").status_code == 404
    edited = desk.post(f"/rights/settings/routing/{rule.pk}/edit/", {
        "category": policy.pk, "region_prefix": "350581", "lead_department_kind": "town_station",
        "lead_role": "town_officer"})
    assert edited.status_code == 302
    rule.refresh_from_db()
    assert rule.lead_department_kind == "town_station"
    assert desk.post(f"/rights/settings/routing/{rule.pk}/delete/").status_code == 302
    assert not RoutingRule.objects.filter(pk=rule.pk).exists()
    assert AuditEvent.objects.filter(object_type="routingrule", object_id=str(rule.pk), action="delete").exists()


def test_the_fallback_rule_cannot_be_deleted(people):
    fallback = RoutingRule.objects.get(category__isnull=True, region_prefix="")
    with pytest.raises(RightsError):
        knowledge.routing_rule_delete(actor=people.admin, rule=fallback)
    admin = client_for(people.admin)
    response = admin.post(f"/rights/settings/routing/{fallback.pk}/delete/", follow=True)
    assert "兜底规则不能删除" in response.content.decode() and RoutingRule.objects.filter(pk=fallback.pk).exists()
    # Its department may change, its category and place may not.
    with pytest.raises(RightsError):
        knowledge.routing_rule_update(actor=people.admin, rule=fallback, data={
            "category": TicketCategory.objects.get(code="policy"), "region_prefix": "", "lead_department_kind": "trade_union",
            "lead_role": "union"})
    assert admin.post(f"/rights/settings/routing/{fallback.pk}/edit/", {
        "lead_department_kind": "trade_union", "lead_role": "union", "note": "总工会服务专线"}).status_code == 302
    fallback.refresh_from_db()
    assert fallback.note == "总工会服务专线" and fallback.category_id is None and fallback.region_prefix == ""


# Hotline numbers --------------------------------------------------------------------------------------
def test_hotline_numbers_are_dated_and_sourced(people):
    desk, town = client_for(people.desk), client_for(people.town)
    assert town.get("/rights/settings/hotline-numbers/").status_code == 403
    page = desk.get("/rights/settings/hotline-numbers/").content.decode()
    assert "88712565" in page and "现行" in page
    bad = desk.post("/rights/settings/hotline-numbers/", {"region_prefix": "350581", "valid_from": "2026-01-01",
                                                         "number": "call me", "name": "x", "source": "y"})
    assert bad.status_code == 400 and "热线号码只能包含数字" in bad.content.decode()
    assert desk.post("/rights/settings/hotline-numbers/", {"region_prefix": "14", "valid_from": "2026-01-01",
                                                          "number": "12351", "name": "x",
                                                          "source": "y"}).status_code == 400
    ok = desk.post("/rights/settings/hotline-numbers/", {
        "region_prefix": "350581001", "valid_from": "2026-01-01", "number": "0595-88888888", "name": "湖滨街道维权热线",
        "source": "湖滨街道办事处通知（2025-12-20）"})
    assert ok.status_code == 302
    assert hotline_number(SHISHI_TOWN).number == "0595-88888888"
    assert hotline_number("350581002000").number == "88712565"
    row = HotlineNumber.objects.get(region_prefix="350581001")
    assert row.created_by == people.desk and AuditEvent.objects.filter(object_type="hotlinenumber",
                                                                       object_id=str(row.pk)).exists()
    dup = desk.post("/rights/settings/hotline-numbers/", {"region_prefix": "350581001", "valid_from": "2026-01-01",
                                                         "number": "12345", "name": "x", "source": "y"})
    assert dup.status_code == 400


def test_weak_matches_are_not_offered_beside_a_strong_one(synced, people, monkeypatch):
    strong = knowledge.entry_create(actor=people.desk, data={
        "title": "工地欠薪怎么投诉", "answer": "工地欠薪拨打服务专线或到劳动保障监察大队投诉。", "region_prefix": "350581",
        "keywords": "欠薪 投诉 工地"})
    hits = knowledge.search("工地欠薪投诉", region_code=SHISHI_TOWN)
    assert hits[0].entry == strong
    best = hits[0].score
    assert all(h.score >= best * knowledge.WEAK_SHARE for h in hits)
    # Without the floor, answers sharing one common word with the question would come along.
    monkeypatch.setattr(knowledge, "WEAK_SHARE", 0.0)
    everything = knowledge.search("工地欠薪投诉", region_code=SHISHI_TOWN, limit=1000)
    weak = [h for h in everything if h.score < best * 0.35]
    assert weak and not {h.entry.pk for h in weak} & {h.entry.pk for h in hits}


def test_a_wage_arrears_call_finds_the_shipped_answers_with_their_articles(synced):
    """The shipped answers (rights migration 0006) answer the commonest call; before them the
    base held only the packs and 拖欠工资 found nothing."""
    hits = knowledge.search("工地拖欠三个月工资，包工头跑了", region_code=SHISHI_TOWN)
    assert hits and hits[0].entry.title == "被拖欠工资怎么投诉（欠薪投诉）"
    assert "第三十条" in hits[0].entry.source and hits[0].entry.category.code == "arrears"
    assert knowledge.search("欠薪怎么申请仲裁", region_code=LAN_TOWN)[0].entry.title == "追讨工资申请劳动仲裁"


def test_a_translated_document_title_is_quoted_apart_from_the_issuer():
    policy = next(p for p in catalogue().policies.values() if p.title_translated)
    source = knowledge.policy_source(policy)
    assert f"{policy.issuer}“{policy.document}”（英文译名）" in source and "《" not in source
