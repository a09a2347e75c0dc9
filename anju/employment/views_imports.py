"""Pages of the posting import (docs/posting-workbook.md): the list of imports of the user's
jurisdiction, the upload form (file, publish at once, campaign) -> the background job with its
progress bar -> the outcome: the postings created, or every bad row with its reason and the
error report (nothing saved). The template workbook is downloaded from the form.

Staff only (PostingPolicy "import"). Only the uploader downloads the error report (a copy of the
file: contact phone numbers in clear), and that download is audited.
"""

from __future__ import annotations

import io
import secrets
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from anju.accounts.permissions import is_owner_scoped
from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.employment import imports
from anju.employment.models import Campaign, PostingImport
from anju.employment.permissions import CampaignPolicy, PostingPolicy
from anju.lib.errors import AnjuError
from anju.lib.sheets import XlsxWriter
from anju.workflow.forms import checked_upload

PER_PAGE = 50
_PHASE_LABELS = {
    imports.CHECK: gettext_lazy("校验中"), imports.WRITE: gettext_lazy("导入中"),
    imports.IMPORTED: gettext_lazy("已导入"), imports.REJECTED: gettext_lazy("有错误，未导入"),
    "failed": gettext_lazy("失败"),
}


def _require(user) -> None:
    if is_owner_scoped(user) or not PostingPolicy.can(user, "import"):
        raise PermissionDenied(_("您没有此操作的权限。"))


def _imports_for(user):
    """The imports of the user's jurisdiction (an import's region is its importer's jurisdiction)."""
    return PostingImport.objects.filter(region_prefix__startswith=user.jurisdiction or "").select_related(
        "created_by", "campaign")


def _import_for(user, pk: int) -> PostingImport:
    return get_object_or_404(_imports_for(user), pk=pk)


def _decorate(job: PostingImport) -> PostingImport:
    job.phase = imports.job_phase(job)
    job.phase_label = _PHASE_LABELS.get(job.phase, job.get_status_display())
    return job


def campaigns_for_import(user):
    return CampaignPolicy.scope(user, Campaign.objects.all(), "change").order_by("-starts_on", "-id")


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("岗位表"), help_text=gettext_lazy("Excel 工作簿（.xlsx）或 CSV 文件"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))
    publish = forms.BooleanField(label=gettext_lazy("导入后直接发布"), required=False,
                                 help_text=gettext_lazy("发布时按岗位类型校验规则；任何一行不能发布，整表都不导入。"))
    campaign = forms.ModelChoiceField(label=gettext_lazy("所属招聘活动"), queryset=Campaign.objects.none(), required=False,
                                      empty_label=gettext_lazy("（不加入活动）"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns_for_import(user)

    def clean_file(self):
        return checked_upload(self.cleaned_data["file"])


@login_required
@require_GET
def import_list(request):
    _require(request.user)
    jobs = _imports_for(request.user).defer("report").order_by("-created_at", "-id")
    page = Paginator(jobs, PER_PAGE).get_page(request.GET.get("page"))
    rows = [_decorate(j) for j in page.object_list]
    return render(request, "employment/import_list.html", {"nav": "employment", "page": page, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request):
    from anju.employment.tasks import import_postings

    _require(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        campaign = form.cleaned_data["campaign"]
        region_prefix = request.user.jurisdiction or ""
        try:
            imports.check_import(request.user, region_prefix, campaign)
        except AnjuError as exc:
            raise PermissionDenied(exc.text()) from None
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        now = timezone.localtime()
        stored = default_storage.save(f"{imports.UPLOAD_DIR}/{now:%Y/%m}/{secrets.token_hex(12)}{suffix}", upload)
        job = PostingImport.objects.create(
            created_by=request.user, region_prefix=region_prefix, filename=Path(upload.name).name[-200:],
            stored_name=stored, publish=form.cleaned_data["publish"], campaign=campaign,
            report={"phase": imports.CHECK})
        import_postings.enqueue(job.pk)  # the job is saved (autocommit): the worker finds it
        return redirect("employment:import", pk=job.pk)
    return render(request, "employment/import_form.html", {
        "form": form, "nav": "employment", "max_mb": settings.ANJU_MAX_UPLOAD_BYTES // 2**20,
        "columns": imports.COLUMNS,
    }, status=400 if form.errors else 200)


def _detail_context(request, job: PostingImport) -> dict:
    report = job.report or {}
    job = _decorate(job)
    return {
        "job": job, "nav": "employment",
        "errors_page": Paginator(report.get("errors", []), PER_PAGE).get_page(request.GET.get("page")),
        "warnings": report.get("warnings", []), "mine": job.created_by_id == request.user.pk,
        "running": job.phase in (imports.CHECK, imports.WRITE) and job.is_running,
        "has_report": bool(report.get("error_report")),
    }


@login_required
@require_GET
def import_detail(request, pk: int):
    _require(request.user)
    job = _import_for(request.user, pk)
    return render(request, "employment/import_detail.html", _detail_context(request, job))


@login_required
@require_GET
def import_progress(request, pk: int):
    """The progress fragment while the job runs; once it is done, htmx reloads the whole page."""
    _require(request.user)
    job = _import_for(request.user, pk)
    context = _detail_context(request, job)
    if not context["running"]:
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return redirect("employment:import", pk=job.pk)
    return render(request, "employment/import_detail.html#progress", context)


@login_required
@require_GET
def import_error_report(request, pk: int):
    _require(request.user)
    job = _import_for(request.user, pk)
    name = (job.report or {}).get("error_report")
    if job.created_by_id != request.user.pk or not name:
        raise Http404
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    audit_record(actor=request.user, action=Action.EXPORT, obj=job, object_type="postingimport",
                 region_code=job.region_prefix.ljust(12, "0"), detail={"file": "error_report", "rows": job.error_count})
    return FileResponse(handle, as_attachment=True, filename=f"{Path(job.filename).stem}.errors.xlsx")


@login_required
@require_GET
def import_template(request):
    _require(request.user)
    headers, example = imports.template_rows()
    buffer = io.BytesIO()
    writer = XlsxWriter(buffer)
    writer.sheet(imports.SHEET, headers, [headers, example], widths={i: 16 for i in range(len(headers))})
    writer.close()
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = "attachment; filename*=UTF-8''posting-template.xlsx"
    return response
