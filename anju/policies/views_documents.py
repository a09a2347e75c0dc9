"""政策文件: every source document with each of its measures and how Anju carries it out (the packs
that decide it, the services that deliver it, or not yet), for the union coordinator and the
departments to see what is covered. Read-only and staff-only like the other policy screens; the
catalogue is anju/policies/documents.yaml, read once per process."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from anju.lib.i18n import is_english
from anju.params.forms import region_label
from anju.policies.documents import SERVICES, Document, Measure, catalogue
from anju.policies.packs import Label, get_policy
from anju.policies.permissions import PolicyPolicy

_STATUS = {
    "supported": (gettext_lazy("已支持"), "success"),
    "partly": (gettext_lazy("部分支持"), "warning"),
    "not_yet": (gettext_lazy("尚未支持"), "secondary"),
}


def _require_view(user) -> None:
    if not PolicyPolicy.can(user, "view"):
        raise PermissionDenied(_("您没有此操作的权限。"))


def _text(label: Label | None) -> str:
    if label is None:
        return ""
    return label.en if is_english() else label.zh


def _names(labels: tuple[Label, ...]) -> str:
    return (", " if is_english() else "、").join(_text(d) for d in labels)


def coverage_text(doc: Document) -> str:
    return _("%(total)s 项措施：%(supported)s 项已支持，%(partly)s 项部分支持，%(not_yet)s 项尚未支持") % doc.coverage()


def _document_row(doc: Document) -> dict[str, Any]:
    # An English UI shows the English title; a Chinese title is kept beside it, as cited.
    english = is_english()
    return {
        "doc": doc,
        "title": doc.title_en if english and doc.title_en else doc.title,
        "original_title": doc.title if english and doc.title_en else "",
        "issuer": _text(doc.issuer),
        "date": doc.date.isoformat() if doc.date else _text(doc.date_note),
        "region": region_label(doc.issuing_region),
        "gist": _text(doc.gist),
        "text_note": _text(doc.text_note),
        "coverage": coverage_text(doc),
        "counts": doc.coverage(),
        "lead": _names(doc.lead),
        "cooperating": _names(doc.cooperating),
    }


def _measure_row(doc: Document, m: Measure, index: int, prefix: str) -> dict[str, Any]:
    status_label, colour = _STATUS[m.status]
    packs = []
    for pack_id in m.packs:
        policy = get_policy(pack_id)
        packs.append({"id": pack_id, "title": _text(policy.title) if policy else pack_id,
                      "url": reverse("policies:policy_detail", args=[pack_id]) if policy else ""})
    services = [{"name": name, "label": SERVICES[name].label, "built": SERVICES[name].built,
                 "url": reverse(SERVICES[name].url_name) if SERVICES[name].url_name else ""}
                for name in m.services]
    return {
        "anchor": f"{prefix}-{index}", "article": m.article, "heading": _text(m.heading),
        "summary": _text(m.summary), "note": _text(m.note), "status": m.status,
        "status_label": status_label, "colour": colour,
        "lead": _names(m.lead), "cooperating": _names(m.cooperating),
        # Where the measure names no department, the document's own division of work applies.
        "document_departments": not (m.lead or m.cooperating) and bool(doc.lead or doc.cooperating),
        "packs": packs, "services": services,
    }


def _measure_rows(doc: Document) -> list[dict[str, Any]]:
    return [_measure_row(doc, m, i, "m") for i, m in enumerate(doc.measures, start=1)]


@login_required
@require_GET
def document_list(request):
    _require_view(request.user)
    cat = catalogue()
    rows = []
    for doc in cat.documents:
        row = _document_row(doc)
        row["measures"] = _measure_rows(doc)
        rows.append(row)
    context = {"rows": rows, "nav": "documents", "problems": len(cat.errors)}
    return render(request, "policies/documents.html", context)


@login_required
@require_GET
def document_detail(request, slug):
    _require_view(request.user)
    cat = catalogue()
    doc = cat.get(str(slug))
    if doc is None:
        raise Http404
    context = {
        "row": _document_row(doc), "measures": _measure_rows(doc), "nav": "documents",
        "notice": [_measure_row(doc, m, i, "n") for i, m in enumerate(doc.notice, start=1)],
        "problems": len(cat.errors),
    }
    return render(request, "policies/documents_detail.html", context)
