"""The documents catalogue (anju/policies/documents.yaml) and the 政策文件 pages: the catalogue
agrees with the packs both ways, refuses what it must with file and line, and the pages show every
measure with how Anju carries it out — to staff only, never naming a source text's file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse

from anju.accounts.models import Role
from anju.accounts.tests.factories import organisation_user
from anju.policies import documents
from anju.policies.documents import SERVICES, catalogue, load_catalogue, load_documents
from anju.policies.packs import PACK_DIR, PackError, load_all

SHISHI = "shishi-caring-measures-2022"
QUANZHOU = "quanzhou-difficulty-measures-2020"
SEED_FILE_NAME = re.compile(r"\d{3}_[0-9a-f]{16}|\.txt\b")


@pytest.fixture(scope="module")
def policies():
    return load_all(PACK_DIR).policies


# ---------------------------------------------------------------------------------------------
# The catalogue
# ---------------------------------------------------------------------------------------------


def test_shipped_catalogue_loads_and_agrees_with_the_packs(policies):
    cat = load_catalogue(policies)
    assert [str(e) for e in cat.errors] == []
    assert {d.id for d in cat.documents} == {
        SHISHI, QUANZHOU, "shanxi-poor-labourers-employment-2020",
        "mohrss-county-citizenisation-2023", "mohrss-service-guarantee-opinions-2024",
    }
    shishi = cat.get(SHISHI)
    assert (shishi.number, shishi.date.isoformat(), shishi.issuing_region) == ("狮委办〔2022〕19号", "2022-03-31", "350581")
    assert [m.article for m in shishi.measures] == ["一", "二", "三", "四", "五", "六", "七", "八"]
    assert shishi.coverage() == {"total": 8, "supported": 4, "partly": 3, "not_yet": 1}
    # A text held only in translation says so, and a document without a date says why.
    quanzhou = cat.get(QUANZHOU)
    assert quanzhou.title_translated and quanzhou.date is None and quanzhou.date_note is not None


def test_every_shipped_pack_is_named_by_the_measure_of_its_document(policies):
    cat = load_catalogue(policies)
    assert policies, "no packs loaded"
    for pack_id, policy in policies.items():
        found = cat.measure_of(pack_id)
        assert found is not None, f"{pack_id} is named by no measure"
        doc, measure = found
        assert doc.cites(policy), pack_id
        assert policy.article.startswith(measure.article), (pack_id, policy.article, measure.article)


def test_services_not_built_are_never_supported():
    """Training and pairing are not built: no measure relying on them may claim full support."""
    assert not any(SERVICES[s].built for s in ("training", "pairing"))
    cat = catalogue()
    for doc in cat.documents:
        for m in (*doc.measures, *doc.notice):
            if any(not SERVICES[s].built for s in m.services):
                assert m.status != "supported", (doc.id, m.article)


def test_rights_measures_follow_the_built_hotline_cases_and_wage_guarantee():
    """With the hotline, wage-arrears cases and the wage guarantee built, the Shishi hotline is
    supported and the measures on arrears say what is still outside Anju."""
    assert all(SERVICES[s].built for s in ("hotline", "wage_guarantee", "arrears_cases"))
    assert [SERVICES[s].url_name for s in ("hotline", "arrears_cases", "wage_guarantee")] == [
        "rights:tickets", "rights:cases", "rights:projects"]
    cat = catalogue()
    hotline = next(m for m in cat.get(SHISHI).measures if m.article == "七")
    assert (hotline.services, hotline.status, hotline.packs) == (("hotline",), "supported", ())
    wages = next(m for m in cat.get(QUANZHOU).measures if m.article == "八")
    assert (wages.services, wages.status) == (("wage_guarantee", "arrears_cases"), "partly")
    assert "劳动用工管理" in wages.note.zh
    citizenisation = {m.heading.zh: m for m in cat.get("mohrss-county-citizenisation-2023").measures}
    assert citizenisation["欠薪案件、仲裁绿色通道与法律援助"].status == "partly"
    opinions = {m.heading.zh: m for m in cat.get("mohrss-service-guarantee-opinions-2024").measures}
    assert [opinions[h].status for h in ("根治欠薪长效机制", "欠薪争议速裁与法律援助绿色通道")] == ["partly", "partly"]


SHANXI = "shanxi-poor-labourers-employment-2020"


def test_employment_and_transport_measures_follow_the_built_services():
    """With postings, matching, campaigns, placements and point-to-point trips built, the measures
    they carry out are revisited: the counts per document, and what stays 'partly' says why."""
    assert SERVICES["employment"].built and SERVICES["transport"].built
    assert (SERVICES["employment"].url_name, SERVICES["transport"].url_name) == ("employment:postings", "employment:trips")
    cat = catalogue()
    assert cat.get(QUANZHOU).coverage() == {"total": 8, "supported": 4, "partly": 4, "not_yet": 0}
    assert cat.get(SHANXI).coverage() == {"total": 10, "supported": 7, "partly": 2, "not_yet": 1}
    assert cat.get("mohrss-county-citizenisation-2023").coverage() == {"total": 12, "supported": 1, "partly": 4, "not_yet": 7}
    assert cat.get("mohrss-service-guarantee-opinions-2024").coverage() == {"total": 12, "supported": 2, "partly": 2, "not_yet": 8}
    quanzhou = {m.article: m for m in cat.get(QUANZHOU).measures}
    assert (quanzhou["三"].status, quanzhou["三"].packs) == ("supported", ("quanzhou-public-welfare-post-placement",))
    assert quanzhou["二"].status == "partly" and "职业指导" in quanzhou["二"].note.zh
    shanxi = {m.heading.zh: m for m in cat.get(SHANXI).measures}
    assert (shanxi["“点对点”返岗运输"].services, shanxi["“点对点”返岗运输"].status) == (("transport",), "supported")
    temporary = shanxi["晋中市临时性岗位"]
    assert temporary.status == "partly" and "奖励" in temporary.note.zh and "拒绝发布" in temporary.note.zh


MINIMAL = """\
documents:
  - id: test-doc
    title: 测试文件
    title_en: A test document
    issuer: {zh: 测试局, en: Test Bureau}
    number: 测〔2024〕1号
    date: 2024-01-01
    issuing_region: "350581"
    gist: {zh: 摘要, en: Gist}
    measures:
      - article: 一
        heading: {zh: 标题, en: Heading}
        summary: {zh: 内容, en: Content}
        packs: [shishi-startup-subsidy]
        status: supported
        note: {zh: 说明, en: Note}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "documents.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_catalogue_loads(tmp_path):
    (doc,) = load_documents(_write(tmp_path, MINIMAL))
    assert doc.measures[0].packs == ("shishi-startup-subsidy",)


@pytest.mark.parametrize(("old", "new", "line", "reason"), [
    ("        status: supported\n", "        status: supported\n        owner: hrss\n", 16, "unknown key 'owner'"),
    ("    gist: {zh: 摘要, en: Gist}", "    gist: {zh: 摘要, en: Gist, fr: Résumé}", 9, "unknown key 'fr'"),
    ("shishi-startup-subsidy", "no-such-pack", 14, "there is no pack 'no-such-pack'"),
    ("    number: 测〔2024〕1号\n", "    number: 123_0123456789abcdef.txt\n", 6, "file name"),
    ("status: supported", "status: done", 15, "status must be one of"),
    ("status: supported", "status: not_yet", 15, "at least 'partly'"),
    ("        packs: [shishi-startup-subsidy]\n", "        service: pairing\n", 15, "needs a pack or a built service"),
    ("        packs: [shishi-startup-subsidy]\n", "        packs: [shishi-startup-subsidy]\n        service: training\n",
     16, "training is not built yet"),
    ("    date: 2024-01-01\n", "", 2, "give the date, or a date_note"),
    ('    issuing_region: "350581"', "    issuing_region: 350581", 8, "quoted division prefix"),
    ("    title_en: A test document\n", "", 2, "'title_en' is missing"),
    ("        heading: {zh: 标题, en: Heading}", "        heading: {zh: 标题}", 12, "needs both zh and en"),
])
def test_catalogue_problems_name_file_and_line(tmp_path, old, new, line, reason):
    assert old in MINIMAL
    path = _write(tmp_path, MINIMAL.replace(old, new))
    with pytest.raises(PackError) as caught:
        load_documents(path)
    assert caught.value.path == str(path)
    assert (caught.value.line, reason in caught.value.message) == (line, True), str(caught.value)


def test_a_pack_named_by_two_measures_is_refused(tmp_path):
    measure = MINIMAL[MINIMAL.index("      - article: 一"):]
    with pytest.raises(PackError, match="already named by"):
        load_documents(_write(tmp_path, MINIMAL + measure.replace("article: 一", "article: 二")))


def test_pack_of_another_document_and_an_unnamed_pack_are_reported(tmp_path, policies):
    # The test document claims Shishi's start-up subsidy, which cites 狮委办〔2022〕19号 …
    path = _write(tmp_path, MINIMAL)
    problems = [str(e) for e in load_catalogue(policies, path).errors]
    assert any("documents.yaml:11:" in p and "pack 'shishi-startup-subsidy' cites" in p for p in problems), problems
    # … and every other shipped pack is then named by no measure of a catalogued document.
    assert any("pack 'shishi-temporary-assistance'" in p and "not in the catalogue" in p for p in problems), problems
    # Right document, wrong article.
    fixed = MINIMAL.replace("测〔2024〕1号", "狮委办〔2022〕19号").replace("article: 一", "article: 二")
    problems = [str(e) for e in load_catalogue({"shishi-startup-subsidy": policies["shishi-startup-subsidy"]},
                                               _write(tmp_path, fixed)).errors]
    assert problems == [f"{tmp_path / 'documents.yaml'}:11:1: pack 'shishi-startup-subsidy' cites article '四（③）', "
                        "not measure '二' of document 'test-doc'"]


def test_check_policies_fails_on_a_broken_catalogue(tmp_path, monkeypatch, capsys):
    path = _write(tmp_path, MINIMAL.replace("status: supported", "status: done"))
    monkeypatch.setattr(documents, "CATALOGUE_PATH", path)
    with pytest.raises(SystemExit) as exited:
        call_command("check-policies")
    assert exited.value.code == 1
    assert f"{path}:15:" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# The pages
# ---------------------------------------------------------------------------------------------


def _get(client, user, url, **kwargs):
    client.force_login(user)
    return client.get(url, **kwargs)


def test_list_shows_every_document_with_its_measures_and_coverage(client, personas, django_assert_max_num_queries):
    client.force_login(personas.union)
    # session, user, the cached region names (first use), the session save, the bell and queue.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("policies:document_list"))
    html = response.content.decode()
    assert response.status_code == 200
    for doc in catalogue().documents:
        assert f'data-document="{doc.id}"' in html
    shishi = html[html.index(f'data-document="{SHISHI}"'):html.index(f'data-document="{QUANZHOU}"')]
    assert "《石狮市关爱外来务工人员八条措施》" in shishi and "狮委办〔2022〕19号" in shishi and "2022-03-31" in shishi
    assert "8 项措施：4 项已支持，3 项部分支持，1 项尚未支持" in shishi
    statuses = re.findall(r'<tr data-measure="m-\d+" data-status="(\w+)"', shishi)
    assert statuses == ["supported", "supported", "partly", "supported", "partly", "not_yet", "supported", "partly"]
    assert "开通专门服务热线" in shishi
    assert 'data-testid="nav-documents"' in html


def test_shishi_page_shows_departments_packs_and_the_hotline(client, personas):
    html = _get(client, personas.county, reverse("policies:document_detail", args=[SHISHI])).content.decode()
    first = html[html.index('id="m-1"'):html.index('id="m-2"')]
    assert "市人社局" in first and "市工信科技局" in first and "总工会" in first
    assert f'href="{reverse("policies:policy_detail", args=["shishi-job-stabilisation-refund"])}"' in first
    assert 'data-status="supported"' in first
    hotline = html[html.index('id="m-7"'):html.index('id="m-8"')]
    assert 'data-status="supported"' in hotline and "尚未支持" not in hotline
    assert 'data-service="hotline"' in hotline and "已建设" in hotline and "88712565" in hotline
    assert f'href="{reverse("rights:tickets")}"' in hotline
    assert "data-pack=" not in hotline
    # Measure 四 links each of its three packs.
    fourth = html[html.index('id="m-4"'):html.index('id="m-5"')]
    assert re.findall(r'data-pack="([\w-]+)"', fourth) == [
        "shishi-unemployment-benefit", "shishi-new-hire-training-subsidy", "shishi-startup-subsidy"]
    # The covering notice's requirements are shown apart and not counted.
    assert 'id="n-3"' in html and "每周五" in html
    assert "8 项措施：4 项已支持，3 项部分支持，1 项尚未支持" in html


def test_quanzhou_page_marks_the_translated_title_and_the_wage_guarantee(client, personas):
    html = _get(client, personas.town, reverse("policies:document_detail", args=[QUANZHOU])).content.decode()
    assert 'data-testid="translated"' in html and "英文译名" in html
    eighth = html[html.index('id="m-8"'):]
    assert 'data-status="partly"' in eighth and 'data-service="wage_guarantee"' in eighth
    assert 'data-service="arrears_cases"' in eighth and f'href="{reverse("rights:projects")}"' in eighth
    first = html[html.index('id="m-1"'):html.index('id="m-2"')]
    assert "文件未写明" in first and 'data-status="supported"' in first


def test_staff_see_the_pages_employers_and_strangers_do_not(client, personas):
    list_url = reverse("policies:document_list")
    detail_url = reverse("policies:document_detail", args=[SHISHI])
    for user in (personas.county, personas.town, personas.union, personas.auditor):
        assert _get(client, user, list_url).status_code == 200
        assert _get(client, user, detail_url).status_code == 200
    employer = organisation_user("t-employer", Role.EMPLOYER_USER, "91350581MA2XYZ1234")
    assert _get(client, employer, list_url).status_code == 403
    assert _get(client, employer, detail_url).status_code == 403
    client.logout()
    assert client.get(list_url).status_code == 302
    assert _get(client, personas.county, reverse("policies:document_detail", args=["no-such-document"])).status_code == 404


def test_no_source_file_name_on_any_page(client, personas):
    client.force_login(personas.county)
    urls = [reverse("policies:document_list")]
    urls += [reverse("policies:document_detail", args=[d.id]) for d in catalogue().documents]
    for url in urls:
        html = client.get(url).content.decode()
        assert SEED_FILE_NAME.search(html) is None, url


def test_english_pages_show_the_english_text(client, personas):
    client.cookies["django_language"] = "en"
    html = _get(client, personas.union, reverse("policies:document_detail", args=[SHISHI])).content.decode()
    assert "Eight Measures of Shishi for Caring for Migrant Workers" in html
    assert "石狮市关爱外来务工人员八条措施" in html  # the title as cited, beside its translation
    hotline = html[html.index('id="m-7"'):html.index('id="m-8"')]
    assert "A dedicated service hotline" in hotline and "Shishi Federation of Trade Unions" in hotline
    assert "依托市总工会开通服务专线" not in html
    assert "General Office of the CPC Shishi Municipal Committee" in html


def test_a_policy_page_links_back_to_its_document(client, personas):
    html = _get(client, personas.county, reverse("policies:policy_detail", args=["shishi-job-stabilisation-refund"])).content.decode()
    assert f'href="{reverse("policies:document_detail", args=[SHISHI])}"' in html


def test_shanxi_page_links_the_built_employment_and_transport_services(client, personas):
    html = _get(client, personas.county, reverse("policies:document_detail", args=[SHANXI])).content.decode()
    transport = html[html.index('data-service="transport"'):]
    transport = transport[:transport.index("</div>")]
    assert "已建设" in transport and "尚未建设" not in transport
    assert f'href="{reverse("employment:postings")}"' in html
    # A service page not routed (yet) shows the service without a link, never an error.
    try:
        trips = reverse("employment:trips")
    except NoReverseMatch:
        assert "<a href" not in transport
    else:
        assert f'href="{trips}"' in transport
