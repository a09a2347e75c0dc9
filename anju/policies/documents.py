"""The catalogue of source documents (documents.yaml; format: docs/policy-documents.md).

Each document Anju carries out is listed with every one of its measures and how Anju carries it
out: the policy packs that decide it, the services that deliver it, or not yet. The catalogue is
checked against the packs both ways — every pack it names exists and cites the measure's document
and article, and every loaded pack is named by a measure — so the "政策文件" page cannot drift
from the packs. Problems are reported as file:line:column like the pack loader's (`anju
check-policies` prints them).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from anju.policies import yamlpos
from anju.policies.packs import PACK_DIR, Label, PackError, Policy
from anju.policies.yamlpos import PosMap
from anju.regions.codes import is_prefix

CATALOGUE_PATH = Path(__file__).with_name("documents.yaml")
STATUSES = ("supported", "partly", "not_yet")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# The source texts are kept under numbered file names (000_<hash>.txt); a document is cited by
# its title, issuer, number and date, so such a name is refused anywhere in the catalogue.
_FILE_NAME = re.compile(r"\b\d{3}_[0-9a-f]{16}\b|\.txt\b|shared/seeds")


@dataclass(frozen=True)
class Service:
    label: str | Promise
    built: bool
    url_name: str | None = None  # a page of the service, when there is one to link to


# The services a measure may name. `built` is the honest state of the code: a measure delivered by
# a service that is not built is at most partly supported (checked below).
SERVICES: dict[str, Service] = {
    "ledger": Service(_("台账"), True, "registry:worker_list"),
    "verification_rounds": Service(_("核实轮次（入户核实）"), True, "registry:round_list"),
    "dashboard": Service(_("工作台统计"), True, "core:home"),
    "screening": Service(_("政策匹配（工人页面的适用政策）"), True),
    "public_check": Service(_("公众自助查询"), True, "portal:check"),
    "employment": Service(_("就业服务（岗位发布、人岗匹配、招聘活动）"), True, "employment:postings"),
    "training": Service(_("培训服务（课程、报名、结业）"), False),
    "transport": Service(_("“点对点”返岗运输"), True, "employment:trips"),
    "hotline": Service(_("服务热线（工单）"), True, "rights:tickets"),
    "wage_guarantee": Service(_("工资支付保障（实名制、专用账户、总包代发、保证金）"), True, "rights:projects"),
    "arrears_cases": Service(_("欠薪案件办理"), True, "rights:cases"),
    "pairing": Service(_("结对帮扶"), False),
    "benefits": Service(_("申请、资金与发放"), True, "benefits:application_list"),
    "reports": Service(_("措施落实跟踪与周报"), False),
}

_DOCUMENT_KEYS = {"id", "title", "title_en", "title_translated", "issuer", "number", "date", "date_note",
                  "issuing_region", "gist", "text_note", "departments", "measures", "notice"}
_MEASURE_KEYS = {"article", "heading", "summary", "lead", "cooperating", "packs", "service", "status", "note"}
_DEPARTMENTS_KEYS = {"lead", "cooperating"}
_LABEL_KEYS = {"zh", "en"}


@dataclass(frozen=True)
class Measure:
    article: str  # as the document numbers or heads it (一, 四, “…”部分); several may share one
    heading: Label
    summary: Label
    lead: tuple[Label, ...]
    cooperating: tuple[Label, ...]
    packs: tuple[str, ...]
    services: tuple[str, ...]
    status: str
    note: Label
    line: int = 1


@dataclass(frozen=True)
class Document:
    id: str
    title: str  # as the document is titled; an English translation when title_translated
    title_en: str
    title_translated: bool
    issuer: Label
    number: str  # 文号, e.g. 狮委办〔2022〕19号; "" when the text gives none
    date: dt.date | None
    date_note: Label | None  # why there is no date, or what is known of it
    issuing_region: str  # a division prefix; "" for a national document
    gist: Label
    text_note: Label | None  # what the text held is (a translation, a news summary)
    lead: tuple[Label, ...]  # the document-wide division of work, where it names one
    cooperating: tuple[Label, ...]
    measures: tuple[Measure, ...]
    notice: tuple[Measure, ...]  # requirements of the covering notice, not counted as measures
    line: int = 1

    def cites(self, policy: Policy) -> bool:
        """Whether the pack's source is this document: by number where both have one, else by title."""
        if self.number and policy.document_number:
            return self.number == policy.document_number
        return policy.document == self.title

    def coverage(self) -> dict[str, int]:
        counts = {status: 0 for status in STATUSES}
        for m in self.measures:
            counts[m.status] += 1
        return {"total": len(self.measures), **counts}


@dataclass(frozen=True)
class DocumentCatalogue:
    documents: tuple[Document, ...]
    errors: tuple[PackError, ...]

    def get(self, document_id: str) -> Document | None:
        return next((d for d in self.documents if d.id == document_id), None)

    def measure_of(self, policy_id: str) -> tuple[Document, Measure] | None:
        """The document and measure that name a pack (the policy page can link back to it)."""
        for doc in self.documents:
            for m in (*doc.measures, *doc.notice):
                if policy_id in m.packs:
                    return doc, m
        return None


# ---------------------------------------------------------------------------------------------
# YAML with positions
# ---------------------------------------------------------------------------------------------




class _Reader:
    def __init__(self, path: Path):
        self.path = path

    def fail(self, where: Any, message: str) -> PackError:
        return PackError(self.path, getattr(where, "line", 1), getattr(where, "column", 1), message)

    def key(self, mapping: Mapping, name: str) -> Any:
        """The key as loaded (it knows its line), or the mapping when the key is absent."""
        return next((k for k in mapping if k == name), mapping)

    def mapping(self, value: Any, keys: set[str], what: str, *, where: Any = None) -> Mapping:
        if not isinstance(value, dict):
            raise self.fail(where if where is not None else value, f"{what} must be a mapping")
        for k in value:
            if k not in keys:
                raise self.fail(k, f"{what}: unknown key '{k}' (one of {', '.join(sorted(keys))})")
        return value

    def text(self, mapping: Mapping, name: str, what: str, *, required: bool = True) -> str:
        value = mapping.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.fail(self.key(mapping, name), f"{what}: '{name}' is missing")
            return ""
        if not isinstance(value, str):
            raise self.fail(self.key(mapping, name), f"{what}: '{name}' must be text")
        return str(value).strip()

    def label(self, mapping: Mapping, name: str, what: str, *, required: bool = True) -> Label | None:
        value = mapping.get(name)
        if value is None:
            if required:
                raise self.fail(self.key(mapping, name), f"{what}: '{name}' is missing")
            return None
        return self.label_value(value, f"{what}: {name}", where=self.key(mapping, name))

    def label_value(self, value: Any, what: str, *, where: Any) -> Label:
        self.mapping(value, _LABEL_KEYS, what, where=where)
        zh, en = str(value.get("zh") or "").strip(), str(value.get("en") or "").strip()
        if not zh or not en:
            raise self.fail(value, f"{what} needs both zh and en")
        return Label(zh, en)

    def labels(self, mapping: Mapping, name: str, what: str) -> tuple[Label, ...]:
        value = mapping.get(name)
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(self.key(mapping, name), f"{what}: '{name}' is a list of {{zh: ..., en: ...}}")
        return tuple(self.label_value(v, f"{what}: {name}", where=self.key(mapping, name)) for v in value)

    def names(self, mapping: Mapping, name: str, what: str) -> tuple[str, ...]:
        """A name or a list of names."""
        value = mapping.get(name)
        if value is None:
            return ()
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(v, str) and v.strip() for v in items):
            raise self.fail(self.key(mapping, name), f"{what}: '{name}' is a name or a list of names")
        return tuple(str(v).strip() for v in items)


# ---------------------------------------------------------------------------------------------
# Loading and checking
# ---------------------------------------------------------------------------------------------


def load_documents(path: Path | None = None, *, pack_dir: Path = PACK_DIR) -> tuple[Document, ...]:
    """The documents of the catalogue; raises PackError (file:line:column) on the first problem."""
    path = path or CATALOGUE_PATH
    text = path.read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        found = _FILE_NAME.search(line)
        if found:
            raise PackError(path, number, found.start() + 1,
                            "a source text's file name; cite the document by title, issuer, number and date")
    data = yamlpos.load(path, text, PackError)
    r = _Reader(path)
    r.mapping(data, {"documents"}, "the catalogue")
    raw = data.get("documents")
    if not isinstance(raw, list) or not raw:
        raise r.fail(r.key(data, "documents"), "'documents' is a list with at least one document")
    documents: list[Document] = []
    named: dict[str, str] = {}  # pack id -> where it is named, so a pack belongs to one measure
    for item in raw:
        doc = _document(r, item, pack_dir, named)
        if any(d.id == doc.id for d in documents):
            raise r.fail(r.key(item, "id"), f"document id '{doc.id}' appears twice")
        documents.append(doc)
    return tuple(documents)


def _document(r: _Reader, item: Any, pack_dir: Path, named: dict[str, str]) -> Document:
    r.mapping(item, _DOCUMENT_KEYS, "a document")
    doc_id = r.text(item, "id", "a document")
    if not _SLUG.match(doc_id):
        raise r.fail(r.key(item, "id"), f"document id '{doc_id}' is lower-case words joined by '-'")
    what = f"document '{doc_id}'"
    translated = item.get("title_translated", False)
    if not isinstance(translated, bool):
        raise r.fail(r.key(item, "title_translated"), f"{what}: title_translated is true or false")
    title_en = r.text(item, "title_en", what, required=not translated)
    if translated and title_en:
        raise r.fail(r.key(item, "title_en"), f"{what}: a translated title is already English; drop title_en")
    date = item.get("date")
    if date is not None and (not isinstance(date, dt.date) or isinstance(date, dt.datetime)):
        raise r.fail(r.key(item, "date"), f"{what}: date is YYYY-MM-DD")
    date_note = r.label(item, "date_note", what, required=False)
    if date is None and date_note is None:
        raise r.fail(item, f"{what}: give the date, or a date_note saying why it is not known")
    region = item.get("issuing_region")
    if not isinstance(region, str) or (region and not is_prefix(region)):
        raise r.fail(r.key(item, "issuing_region"),
                     f"{what}: issuing_region is a quoted division prefix (2, 4, 6, 9 or 12 digits), \"\" if national")
    departments = item.get("departments") or PosMap()
    r.mapping(departments, _DEPARTMENTS_KEYS, f"{what}: departments", where=r.key(item, "departments"))
    measures = item.get("measures")
    if not isinstance(measures, list) or not measures:
        raise r.fail(r.key(item, "measures"), f"{what}: 'measures' is a list with at least one measure")
    notice = item.get("notice") or []
    if not isinstance(notice, list):
        raise r.fail(r.key(item, "notice"), f"{what}: 'notice' is a list of measures")
    return Document(
        id=doc_id,
        title=r.text(item, "title", what),
        title_en=title_en,
        title_translated=translated,
        issuer=r.label(item, "issuer", what),
        number=r.text(item, "number", what, required=False),
        date=date,
        date_note=date_note,
        issuing_region=str(region),
        gist=r.label(item, "gist", what),
        text_note=r.label(item, "text_note", what, required=False),
        lead=r.labels(departments, "lead", f"{what}: departments"),
        cooperating=r.labels(departments, "cooperating", f"{what}: departments"),
        measures=tuple(_measure(r, m, what, pack_dir, named) for m in measures),
        notice=tuple(_measure(r, m, what, pack_dir, named) for m in notice),
        line=getattr(item, "line", 1),
    )


def _measure(r: _Reader, item: Any, doc_what: str, pack_dir: Path, named: dict[str, str]) -> Measure:
    r.mapping(item, _MEASURE_KEYS, f"{doc_what}: a measure")
    article = r.text(item, "article", f"{doc_what}: a measure")
    what = f"{doc_what}, measure {article}"
    status = r.text(item, "status", what)
    if status not in STATUSES:
        raise r.fail(r.key(item, "status"), f"{what}: status must be one of {', '.join(STATUSES)}")
    packs = r.names(item, "packs", what)
    for pack_id in packs:
        if not (pack_dir / f"{pack_id}.yaml").is_file():
            raise r.fail(r.key(item, "packs"), f"{what}: there is no pack '{pack_id}' in {pack_dir.name}/")
        if pack_id in named:
            raise r.fail(r.key(item, "packs"), f"{what}: pack '{pack_id}' is already named by {named[pack_id]}")
        named[pack_id] = what
    services = r.names(item, "service", what)
    for name in services:
        if name not in SERVICES:
            raise r.fail(r.key(item, "service"), f"{what}: unknown service '{name}' (one of {', '.join(SERVICES)})")
    _check_status(r, item, what, status, packs, services)
    return Measure(
        article=article,
        heading=r.label(item, "heading", what),
        summary=r.label(item, "summary", what),
        lead=r.labels(item, "lead", what),
        cooperating=r.labels(item, "cooperating", what),
        packs=packs,
        services=services,
        status=status,
        note=r.label(item, "note", what),
        line=getattr(item, "line", 1),
    )


def _check_status(r: _Reader, item: Mapping, what: str, status: str, packs: tuple[str, ...],
                  services: tuple[str, ...]) -> None:
    """The status must agree with what carries the measure out: nothing built means not yet, and
    a service that is not built means at most partly."""
    built = [s for s in services if SERVICES[s].built]
    unbuilt = [s for s in services if not SERVICES[s].built]
    where = r.key(item, "status")
    if status == "not_yet" and (packs or built):
        raise r.fail(where, f"{what}: a pack or a built service ({', '.join((*packs, *built))}) carries it out, "
                            "so it is at least 'partly'")
    if status != "not_yet" and not (packs or built):
        raise r.fail(where, f"{what}: '{status}' needs a pack or a built service that carries it out")
    if status == "supported" and unbuilt:
        raise r.fail(where, f"{what}: service {', '.join(unbuilt)} is not built yet, so it is at most 'partly'")


def check_against_packs(documents: Iterable[Document], policies: Mapping[str, Policy],
                        path: Path | None = None) -> list[PackError]:
    """Each named pack cites its measure's document and article; each loaded pack is named."""
    path = path or CATALOGUE_PATH
    documents = tuple(documents)
    errors: list[PackError] = []
    named: set[str] = set()
    for doc in documents:
        for m in (*doc.measures, *doc.notice):
            for pack_id in m.packs:
                named.add(pack_id)
                policy = policies.get(pack_id)
                if policy is None:
                    continue  # the pack loader reports why it was rejected
                if not doc.cites(policy):
                    errors.append(PackError(path, m.line, 1, f"pack '{pack_id}' cites '{policy.document}' "
                                                             f"{policy.document_number}, not document '{doc.id}'"))
                elif not policy.article.startswith(m.article):
                    errors.append(PackError(path, m.line, 1, f"pack '{pack_id}' cites article '{policy.article}', "
                                                             f"not measure '{m.article}' of document '{doc.id}'"))
    for pack_id in sorted(set(policies) - named):
        policy = policies[pack_id]
        home = next((d for d in documents if d.cites(policy)), None)
        if home is None:
            errors.append(PackError(path, 1, 1, f"pack '{pack_id}' cites '{policy.document}', which is not in the "
                                                "catalogue: add the document with its measures"))
        else:
            errors.append(PackError(path, home.line, 1, f"pack '{pack_id}' (article {policy.article}) is named by no "
                                                        f"measure of document '{home.id}': add it to its measure"))
    return errors


def load_catalogue(policies: Mapping[str, Policy], path: Path | None = None,
                   *, pack_dir: Path = PACK_DIR) -> DocumentCatalogue:
    """The catalogue and every problem with it (none of them raised): what `anju check-policies`
    reports and what the pages show. A catalogue that does not load shows no documents."""
    path = path or CATALOGUE_PATH
    try:
        documents = load_documents(path, pack_dir=pack_dir)
    except PackError as exc:
        return DocumentCatalogue((), (exc,))
    return DocumentCatalogue(documents, tuple(check_against_packs(documents, policies, path)))


@functools.cache
def catalogue() -> DocumentCatalogue:
    """The shipped catalogue, checked against the loaded packs (read once per process, like them)."""
    from anju.policies.packs import catalogue as packs

    return load_catalogue(packs().policies)
