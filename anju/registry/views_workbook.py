"""Workbook import and export pages (docs/ledger-workbook.md).

Import: upload -> ImportJob validated by a background task (progress polled with htmx) -> preview
of counts and row errors -> 确认导入 -> commit task (re-validates first) -> summary.
A job is visible to its creator only; anyone else gets 404.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from anju.lib.identifiers import make_id_number
from anju.lib.sheets import csv_lines
from anju.regions.codes import clean_prefix
from anju.registry import exports
from anju.registry.filters import WorkerFilter
from anju.registry.models import ImportJob
from anju.registry.permissions import WorkerPolicy
from anju.registry.selectors import workers_for_user
from anju.registry.tasks import commit_import, validate_import
from anju.registry.validation import BAD_REGION_FILTER
from anju.registry.workbook import (
    WORKERS,
    ledger_headers,
    write_ledger_xlsx,
    write_template,
)
from anju.workflow.forms import checked_upload
from anju.workflow.jobs import job_for_user

ERRORS_PER_PAGE = 50


def _require(user, action: str) -> None:
    if not WorkerPolicy.can(user, action):
        raise PermissionDenied(_("您没有此操作的权限。"))


def _job_for(user, pk) -> ImportJob:
    """The user's own job; anyone else's (or a missing one) is 404."""
    # Not the preview's versions (up to one entry per row): only the confirm task reads them.
    return job_for_user(ImportJob, user, pk,
                        queryset=ImportJob.objects.select_related("created_by").defer("previewed_versions"))


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("台账文件"), help_text=gettext_lazy("Excel 工作簿（.xlsx）或 CSV 文件"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))

    def clean_file(self):
        return checked_upload(self.cleaned_data["file"])


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request):
    _require(request.user, "import")
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = ImportJob.objects.create(created_by=request.user, filename=Path(upload.name).name[-200:], file=upload)
        validate_import.enqueue(job.pk)
        return redirect("registry:import_detail", pk=job.pk)
    jobs = ImportJob.objects.filter(created_by=request.user).only(
        "id", "filename", "created_at", "status", "summary")[:10]
    return render(request, "registry/import_start.html", {
        "form": form, "jobs": jobs, "nav": "import", "max_mb": settings.ANJU_MAX_UPLOAD_BYTES // 2**20,
    }, status=400 if form.errors else 200)


def _detail_context(request, job: ImportJob) -> dict:
    page = Paginator(job.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    return {"job": job, "summary": job.summary or {}, "errors_page": page, "running": job.is_running,
            "nav": "import", "can_confirm": job.status == ImportJob.Status.VALIDATED}


@login_required
def import_detail(request, pk):
    _require(request.user, "import")
    job = _job_for(request.user, pk)
    return render(request, "registry/import_detail.html", _detail_context(request, job))


@login_required
def import_progress(request, pk):
    """The progress fragment while a task runs; once it is done, htmx reloads the whole page."""
    _require(request.user, "import")
    job = _job_for(request.user, pk)
    if not job.is_running:
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return redirect("registry:import_detail", pk=job.pk)
    return render(request, "registry/import_detail.html#progress", _detail_context(request, job))


@login_required
@require_POST
def import_confirm(request, pk):
    _require(request.user, "import")
    job = _job_for(request.user, pk)
    # Conditional update: a double click or a second tab cannot start the commit twice.
    started = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATED).update(
        status=ImportJob.Status.IMPORTING, done_count=0, finished_at=None)
    if not started:
        messages.warning(request, _("该导入任务已经确认过或尚未校验完成。"))
        return redirect("registry:import_detail", pk=job.pk)
    commit_import.enqueue(job.pk)
    return redirect("registry:import_detail", pk=job.pk)


@login_required
def import_error_report(request, pk):
    _require(request.user, "import")
    job = _job_for(request.user, pk)
    if not job.error_report:
        raise Http404
    try:
        handle = job.error_report.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=f"{Path(job.filename).stem}.errors.xlsx")


def _example_region(user) -> str:
    prefix = user.jurisdiction if len(user.jurisdiction or "") >= 6 else "350581001"
    return prefix.ljust(12, "0") if len(prefix) in (6, 9, 12) else "350581001000"


@login_required
def import_template(request):
    _require(request.user, "import")
    region = _example_region(request.user)
    number = make_id_number("350581", dt.date(1985, 6, 15), 123)
    worker = ["张三", number, "男", "1985-06-15", "13800001234", "350581", region, "初中", "失业", "2025-03-01",
              "就业困难人员、低保对象", "是", "是", "否", "否", 24, "2025-02", "0.00", "电焊", "焊工", region[:6],
              "5000.00", "是", "HH0001", "户主", ""]
    certificate = [number, "职业技能等级证书", "焊工", 4, "是", "2024-06-01", "S20240601001"]
    buffer = io.BytesIO()
    write_template(buffer, worker, certificate)
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = "attachment; filename*=UTF-8''ledger-template.xlsx"
    return response


@login_required
def worker_export(request):
    """The list as filtered on the list page, in the workbook layout; every export is audited."""
    _require(request.user, "export")
    full = request.GET.get("full") == "1"
    if full and not WorkerPolicy.can(request.user, "export_full"):
        return render(request, "registry/export_forbidden.html", {"nav": "ledger"}, status=403)
    file_format = request.GET.get("format", "xlsx")
    if file_format not in ("xlsx", "csv"):
        return HttpResponse(_("导出格式只能是 xlsx 或 csv。"), status=400, content_type="text/plain; charset=utf-8")
    # The region narrows the jurisdiction to one range, as on the list page.
    filters = request.GET.copy()
    within = filters.pop("region", [""])[-1]
    if clean_prefix(within) is None:
        return HttpResponse(_(BAD_REGION_FILTER), status=400, content_type="text/plain; charset=utf-8")
    workers = workers_for_user(request.user, within=within)
    filterset = WorkerFilter(filters or None, queryset=workers)
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else workers.order_by("-id")
    params = {k: v for k, v in request.GET.items() if k not in ("full", "format")}
    exports.export_record(actor=request.user, params=params, rows=qs.count(), full=full, file_format=file_format)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if file_format == "csv":
        response = StreamingHttpResponse(csv_lines(ledger_headers(WORKERS), exports.worker_rows(qs, full=full)),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''ledger-{stamp}.csv"
        return response
    handle = tempfile.TemporaryFile()
    write_ledger_xlsx(handle, exports.worker_rows(qs, full=full), exports.certificate_rows(qs, full=full))
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=f"ledger-{stamp}.xlsx",
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

