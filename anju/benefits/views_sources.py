"""Pages of the comparison sources (比对数据, docs/comparison-sources.md): the list of imports, the
upload form (source, as-of date, region, file) -> a background preview with its progress bar ->
the preview (counts, bad rows with reasons, unmatched rows masked) -> 确认导入 -> the commit as a
background job -> the result with the error report.

Who may import which source is `sources.kinds_for` (on SourcePolicy "import"); every import of
the user's jurisdiction is listed and viewable; only its uploader confirms it or downloads its
error report (a copy of the file: ID numbers in clear), and that download is audited.
"""

from __future__ import annotations

import io
import secrets
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.benefits import sources
from anju.benefits.models import ComparisonImport, SourceKind
from anju.benefits.permissions import SourcePolicy
from anju.benefits.tasks import commit_source, preview_source
from anju.lib.dates import today
from anju.lib.errors import AnjuError
from anju.lib.sheets import XlsxWriter
from anju.workflow.forms import checked_upload

PER_PAGE = 50
_PHASE_LABELS = {
    sources.PREVIEW: gettext_lazy("校验中"), sources.PREVIEWED: gettext_lazy("待确认"),
    sources.COMMIT: gettext_lazy("导入中"), "done": gettext_lazy("已完成"), "failed": gettext_lazy("失败"),
}


def _require(user, action: str) -> None:
    if not SourcePolicy.can(user, action):
        raise PermissionDenied(_("您没有此操作的权限。"))


def _imports_for(user):
    return SourcePolicy.scope(user, ComparisonImport.objects.select_related("created_by"))


def _import_for(user, pk: int) -> ComparisonImport:
    """An import of the user's jurisdiction; another's, or a missing one, is 404."""
    return get_object_or_404(_imports_for(user), pk=pk)


def _decorate(job: ComparisonImport) -> ComparisonImport:
    job.phase = sources.job_phase(job)
    job.phase_label = _PHASE_LABELS.get(job.phase, job.get_status_display())
    job.counts = (job.report or {}).get("counts", {})
    return job


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("数据来源"))
    as_of = forms.DateField(label=gettext_lazy("数据截止日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
                            help_text=gettext_lazy("名单所反映情况的截止日期（通常为对方部门导出数据的日期）。"))
    region_prefix = forms.CharField(label=gettext_lazy("比对范围（区划代码）"), max_length=12,
                                    help_text=gettext_lazy("该范围内台账中未列入名单的对象，将记为“否”。"))
    file = forms.FileField(label=gettext_lazy("名单文件"), help_text=gettext_lazy("Excel 工作簿（.xlsx）或 CSV 文件"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["kind"].choices = [(s.kind, s.label) for s in sources.kinds_for(user)]
        self.fields["as_of"].initial = today()
        self.fields["region_prefix"].initial = user.jurisdiction

    def clean_as_of(self):
        try:
            return sources.clean_as_of(self.cleaned_data["as_of"])
        except AnjuError as exc:
            raise forms.ValidationError(exc.text()) from None

    def clean_region_prefix(self):
        try:
            return sources.clean_region(self.user, self.cleaned_data["region_prefix"])
        except AnjuError as exc:
            raise forms.ValidationError(exc.text()) from None

    def clean_file(self):
        return checked_upload(self.cleaned_data["file"])


@login_required
@require_GET
def source_list(request):
    _require(request.user, "view")
    jobs = _imports_for(request.user).defer("report").order_by("-created_at", "-id")
    page = Paginator(jobs, PER_PAGE).get_page(request.GET.get("page"))
    # The page's counts come from the count columns; the phase needs only report["phase"].
    rows = list(page.object_list)
    phases = dict(ComparisonImport.objects.filter(pk__in=[j.pk for j in rows]).values_list("pk", "report__phase"))
    for job in rows:
        job.phase = job.status if job.status in (job.DONE, job.FAILED) else phases.get(job.pk) or sources.PREVIEW
        job.phase_label = _PHASE_LABELS.get(job.phase, job.get_status_display())
    return render(request, "benefits/source_list.html", {
        "page": page, "rows": rows, "nav": "benefits", "can_import": bool(sources.kinds_for(request.user)),
        "kinds": list(sources.SOURCES.values()),
    })


@login_required
@require_http_methods(["GET", "POST"])
def source_new(request):
    _require(request.user, "import")
    if not sources.kinds_for(request.user):
        raise PermissionDenied(_("您没有此操作的权限。"))
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        now = timezone.localtime()
        stored = default_storage.save(f"{sources.UPLOAD_DIR}/{now:%Y/%m}/{secrets.token_hex(12)}{suffix}", upload)
        job = ComparisonImport.objects.create(
            created_by=request.user, kind=form.cleaned_data["kind"], as_of=form.cleaned_data["as_of"],
            region_prefix=form.cleaned_data["region_prefix"], filename=Path(upload.name).name[-200:],
            stored_name=stored, report={"phase": sources.PREVIEW})
        preview_source.enqueue(job.pk)  # the job is saved (autocommit): the worker finds it
        return redirect("benefits:source_detail", pk=job.pk)
    return render(request, "benefits/source_form.html", {
        "form": form, "nav": "benefits", "max_mb": settings.ANJU_MAX_UPLOAD_BYTES // 2**20,
        "kinds": sources.kinds_for(request.user),
    }, status=400 if form.errors else 200)


def _detail_context(request, job: ComparisonImport) -> dict:
    report = job.report or {}
    return {
        "job": _decorate(job), "nav": "benefits", "source": sources.SOURCES.get(job.kind),
        "errors_page": Paginator(report.get("errors", []), PER_PAGE).get_page(request.GET.get("page")),
        "unmatched": report.get("unmatched", []), "warnings": report.get("warnings", []),
        "mine": job.created_by_id == request.user.pk,
        "can_confirm": job.created_by_id == request.user.pk and job.phase == sources.PREVIEWED,
        "running": job.phase in (sources.PREVIEW, sources.COMMIT),
        "has_report": bool(report.get("error_report")),
    }


@login_required
@require_GET
def source_detail(request, pk: int):
    _require(request.user, "view")
    job = _import_for(request.user, pk)
    return render(request, "benefits/source_detail.html", _detail_context(request, job))


@login_required
@require_GET
def source_progress(request, pk: int):
    """The progress fragment while a task runs; once it is done, htmx reloads the whole page."""
    _require(request.user, "view")
    job = _import_for(request.user, pk)
    context = _detail_context(request, job)
    if not context["running"]:
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return redirect("benefits:source_detail", pk=job.pk)
    return render(request, "benefits/source_detail.html#progress", context)


@login_required
@require_POST
def source_confirm(request, pk: int):
    _require(request.user, "import")
    job = _import_for(request.user, pk)
    if job.created_by_id != request.user.pk:
        raise PermissionDenied(_("只有上传该名单的人员可以确认导入。"))
    # Conditional update: a double click or a second tab cannot start the commit twice.
    with transaction.atomic():
        locked = ComparisonImport.objects.select_for_update().filter(
            pk=job.pk, status=ComparisonImport.Status.QUEUED, finished_at__isnull=False).first()
        if locked is None or sources.job_phase(locked) != sources.PREVIEWED:
            messages.warning(request, _("该导入已经确认过或尚未校验完成。"))
            return redirect("benefits:source_detail", pk=job.pk)
        ComparisonImport.objects.filter(pk=job.pk).update(
            report=(locked.report or {}) | {"phase": sources.COMMIT}, finished_at=None, done_count=0)
    commit_source.enqueue(job.pk)
    return redirect("benefits:source_detail", pk=job.pk)


@login_required
@require_GET
def source_error_report(request, pk: int):
    _require(request.user, "import")
    job = _import_for(request.user, pk)
    name = (job.report or {}).get("error_report")
    if job.created_by_id != request.user.pk or not name:
        raise Http404
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    audit_record(actor=request.user, action=Action.EXPORT, obj=job, object_type="comparisonimport",
                 region_code=job.region_prefix.ljust(12, "0"),
                 detail={"file": "error_report", "rows": job.error_count + job.unmatched_count})
    return FileResponse(handle, as_attachment=True, filename=f"{Path(job.filename).stem}.errors.xlsx")


@login_required
@require_GET
def source_template(request, kind: str):
    _require(request.user, "view")
    if kind not in SourceKind.values:
        raise Http404
    headers, example = sources.example_rows(kind)
    buffer = io.BytesIO()
    writer = XlsxWriter(buffer)
    writer.sheet(sources.SOURCES[kind].spec.title, headers, [headers, example],
                 widths={i: 20 for i in range(len(headers))})
    writer.close()
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''comparison-{kind}.xlsx"
    return response
