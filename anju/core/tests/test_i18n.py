"""Translations: the English catalogue is complete and compiled, and pages follow the chosen language.

Catalogue workflow: docs/translations.md.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import django_tables2 as tables
import pytest
from django.conf import settings
from django.test import RequestFactory
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "locale"
EN_PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"
EN_MO = LOCALE / "en" / "LC_MESSAGES" / "django.mo"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
# Chinese punctuation in an English msgstr means Chinese text was pasted in, not translated.
# (Chinese words are allowed: some messages quote literal cell values such as "人员" or 是/否.)
CHINESE_PUNCTUATION = re.compile(r"[，。：；、“”（）！？]")
CJK_WORD = re.compile(r"[\u3400-\u9fff]")


def _unquote(line: str) -> str:
    body = line[line.index('"') + 1 : line.rindex('"')]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def read_po(path: Path) -> list[dict]:
    """Entries of a .po file: {"msgid", "msgid_plural", "msgstr": [..], "flags": set, "line"}."""
    entries: list[dict] = []
    entry: dict | None = None
    key = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            entry, key = None, None
            continue
        if entry is None:
            entry = {
                "msgid": "",
                "msgid_plural": None,
                "msgstr": {},
                "flags": set(),
                "line": number,
            }
            entries.append(entry)
        if line.startswith("#~"):  # obsolete
            entry["obsolete"] = True
        elif line.startswith("#,"):
            entry["flags"] |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif m := re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s", line):
            key = m.group(1) if m.group(2) is None else int(m.group(2))
            key = 0 if key == "msgstr" else key
            value = _unquote(line)
            if isinstance(key, int):
                entry["msgstr"][key] = value
            else:
                entry[key] = value
        elif line.startswith('"') and key is not None:
            if isinstance(key, int):
                entry["msgstr"][key] += _unquote(line)
            else:
                entry[key] += _unquote(line)
    return [e for e in entries if e["msgid"] and not e.get("obsolete")]


def test_every_english_message_is_translated():
    entries = read_po(EN_PO)
    assert len(entries) > 100
    problems = []
    for e in entries:
        where = f"{EN_PO.name}:{e['line']} {e['msgid']!r}"
        forms = [e["msgstr"].get(i, "") for i in range(2 if e["msgid_plural"] is not None else 1)]
        if "fuzzy" in e["flags"]:
            problems.append(f"{where}: fuzzy")
        for form in forms:
            if not form.strip():
                problems.append(f"{where}: empty msgstr")
            elif (form == e["msgid"] and CJK_WORD.search(form)) or CHINESE_PUNCTUATION.search(form):
                problems.append(f"{where}: not translated to English: {form!r}")
            elif set(PLACEHOLDER.findall(form)) != set(PLACEHOLDER.findall(e["msgid"])):
                problems.append(f"{where}: placeholders differ: {form!r}")
    assert not problems, "\n".join(problems)


def test_compiled_catalogue_matches_the_po_file():
    """The .mo is committed: catch a .po edited without running compilemessages."""
    with EN_MO.open("rb") as f:
        mo = gettext.GNUTranslations(f)
    stale = []
    for e in read_po(EN_PO):
        if e.get("msgctxt") is not None:  # {% translate "…" context "…" %}
            got, want = mo.pgettext(e["msgctxt"], e["msgid"]), e["msgstr"].get(0)
        elif e["msgid_plural"] is None:
            got, want = mo.gettext(e["msgid"]), e["msgstr"].get(0)
        else:
            got, want = mo.ngettext(e["msgid"], e["msgid_plural"], 2), e["msgstr"].get(1)
        if got != want:
            stale.append(e["msgid"])
    assert not stale, f"django.mo is out of date (run compilemessages) for: {stale[:10]}"


def test_sample_messages_follow_the_active_language():
    from django.utils.translation import gettext, ngettext

    with translation.override("en"):
        assert gettext("农民工台账") == "Migrant worker ledger"
        assert ngettext("共 %(counter)s 人", "共 %(counter)s 人", 1) % {"counter": 1} == "1 person"
        assert ngettext("共 %(counter)s 人", "共 %(counter)s 人", 3) % {"counter": 3} == "3 people"
    with translation.override("zh-hans"):
        assert gettext("农民工台账") == "农民工台账"
        assert ngettext("共 %(counter)s 人", "共 %(counter)s 人", 3) % {"counter": 3} == "共 3 人"


@pytest.mark.django_db
def test_login_page_in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/accounts/login/").content.decode()
    assert "Staff login" in html and "Log in" in html and "Password" in html
    assert "工作人员登录" not in html and "密码" not in html


@pytest.mark.django_db
def test_pages_stay_chinese_whatever_the_browser_language(client):
    # Chinese by default; English only by the switch (the language cookie).
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "工作人员登录" in html and "Staff login" not in html


@pytest.mark.django_db
def test_api_messages_follow_accept_language(client):
    body = client.post("/api/v1/auth/token", data="{", content_type="application/json",
                       HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in body), body


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [{}, {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}])
def test_login_page_in_chinese(client, headers):
    html = client.get("/accounts/login/", **headers).content.decode()
    assert "工作人员登录" in html and "Staff login" not in html


class _Numbers(tables.Table):
    n = tables.Column()


@pytest.mark.parametrize(
    ("language", "previous", "next_"), [("zh-hans", "上一页", "下一页"), ("en", "Previous", "Next")]
)
def test_table_pagination_is_translated(language, previous, next_):
    request = RequestFactory().get("/", {"page": 2})
    table = _Numbers([{"n": i} for i in range(30)], template_name="django_tables2/anju.html")
    tables.RequestConfig(request, paginate={"per_page": 10}).configure(table)
    with translation.override(language):
        html = table.as_html(request)
    assert previous in html and next_ in html
    assert 'href="?page=1"' in html and 'href="?page=3"' in html
    assert "previous" not in html.replace('class="previous', "") and "next »" not in html


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_prefilled_date_box_is_written_in_iso_in_every_language(language):
    """`<input type="date">` takes only YYYY-MM-DD: Django's Chinese input format (2026/12/08)
    left the box empty, and saving a posting without retyping its dates lost them."""
    import datetime as dt

    from django import forms

    class DateForm(forms.Form):
        day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
        at = forms.DateTimeField(widget=forms.DateTimeInput())

    with translation.override(language):
        html = str(DateForm(initial={"day": dt.date(2026, 12, 8), "at": dt.datetime(2026, 12, 8, 9, 30)}))
        assert 'value="2026-12-08"' in html and 'value="2026-12-08 09:30' in html
        slashes = "2026/12/08" if language == "zh-hans" else "2026-12-08"  # Chinese slashes still read
        assert DateForm({"day": slashes, "at": "2026-12-08 09:30"}).is_valid()
