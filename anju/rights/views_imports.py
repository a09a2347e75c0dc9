"""Pages of contractor uploads (docs/construction-workbooks.md): a project's uploads and the upload
form (kind, month where needed, file) -> the background job with its progress bar -> the
outcome: what was saved, or every bad row with its reason and the error report (nothing saved).
A template workbook per kind is downloaded from the form.

Who: ProjectPolicy "upload" on the project (a contractor user only on its own projects; any other
project is 404). Only the uploader downloads the error report (a copy of the file: ID numbers in
clear), and that download is audited.
"""

from __future__ import annotations

import io
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.lib.cells import parse_month
from anju.lib.paginators import CappedPaginator
from anju.lib.sheets import XlsxWriter
from anju.rights import imports
from anju.rights.models import Project, ProjectImport
from anju.rights.permissions import ProjectPolicy
from anju.rights.services import RightsError
from anju.workflow.forms import checked_upload

PER_PAGE = 30
_PHASE_LABELS = {
    imports.CHECK: gettext_lazy("校验中"), imports.WRITE: gettext_lazy("导入中"),
    imports.IMPORTED: gettext_lazy("已导入"), imports.REJECTED: gettext_lazy("有错误，未导入"),
    "failed": gettext_lazy("失败"),
}
_HELP = {
    imports.Kind.ROSTER: gettext_lazy("按公民身份号码更新：已在花名册上的工人更新为表中内容，新工人加入花名册。"),
    imports.Kind.ATTENDANCE: gettext_lazy("一个月一张表；再次上传同一月份，按表中天数更新。"),
    imports.Kind.PAYROLL: gettext_lazy("一个月一张表；再次上传同一月份，会整体替换该用人单位本月已上传的工资表。"),
    imports.Kind.STATEMENT: gettext_lazy("按流水号去重：已上传过的同一笔流水不会重复记入。"),
}


def _project(user, pk: int) -> Project:
    """The project, if the user may upload to it: 403 without the right at all, 404 for a project
    out of the user's scope (another contractor's, another region's)."""
    if not ProjectPolicy.can(user, "upload"):
        raise PermissionDenied(_("您没有上传项目数据的权限。"))
    return get_object_or_404(ProjectPolicy.scope(user, Project.objects.all(), "upload"), pk=pk)


def _job(project: Project, pk: int) -> ProjectImport:
    return get_object_or_404(ProjectImport.objects.select_related("created_by"), project=project, pk=pk)


def _decorate(job: ProjectImport) -> ProjectImport:
    job.phase = imports.job_phase(job)
    job.phase_label = _PHASE_LABELS.get(job.phase, job.get_status_display())
    return job


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("数据类型"), choices=ProjectImport.Kind.choices,
                             widget=forms.Select(attrs={"class": "form-select"}))
    month = forms.CharField(label=gettext_lazy("所属月份"), required=False,
                            help_text=gettext_lazy("考勤表和工资表必填，如 2026-03。"),
                            widget=forms.TextInput(attrs={"class": "form-control", "type": "month"}))
    file = forms.FileField(label=gettext_lazy("文件"), help_text=gettext_lazy("Excel 工作簿（.xlsx）或 CSV 文件"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv", "class": "form-control"}))

    def clean_month(self):
        text = self.cleaned_data["month"].strip()
        if not text:
            return None
        month = parse_month(text)
        if month is None:
            raise forms.ValidationError(_("月份格式不正确，请选择或写成 YYYY-MM。"))
        return month

    def clean_file(self):
        return checked_upload(self.cleaned_data["file"])

    def clean(self):
        data = super().clean()
        if data.get("kind") in imports.MONTHLY and not data.get("month") and "month" not in self.errors:
            self.add_error("month", _("考勤表和工资表须选择所属月份。"))
        return data


@login_required
@require_http_methods(["GET", "POST"])
def project_imports(request, pk: int):
    from anju.rights.tasks import import_project_data

    project = _project(request.user, pk)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.import_create(actor=request.user, project=project, kind=form.cleaned_data["kind"],
                                        month=form.cleaned_data["month"], upload=form.cleaned_data["file"])
        except RightsError as exc:
            if exc.status == 403:
                raise PermissionDenied(exc.text()) from None
            form.add_error(exc.field if exc.field in form.fields else None, exc.text())
        else:
            import_project_data.enqueue(job.pk)  # the job is saved (autocommit): the worker finds it
            return redirect("rights:project_import", pk=project.pk, job_pk=job.pk)
    jobs = ProjectImport.objects.filter(project=project).select_related("created_by").order_by(
        "-created_at", "-id")
    page = CappedPaginator(jobs, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "rights/import_list.html", {
        "nav": "rights", "project": project, "form": form, "page": page,
        "rows": [_decorate(j) for j in page.object_list], "kinds": [(k, label, _HELP[k]) for k, label in
                                                                     ProjectImport.Kind.choices],
        "max_mb": settings.ANJU_MAX_UPLOAD_BYTES // 2**20,
    }, status=400 if form.errors else 200)


def _detail_context(request, project: Project, job: ProjectImport) -> dict:
    report = job.report or {}
    job = _decorate(job)
    return {
        "nav": "rights", "project": project, "job": job,
        "errors_page": Paginator(report.get("errors", []), 50).get_page(request.GET.get("page")),
        "warnings": report.get("warnings", []), "counts": report.get("counts", {}),
        "replaced": report.get("replaced", {}), "empty": report.get("empty", False),
        "mine": job.created_by_id == request.user.pk, "has_report": bool(report.get("error_report")),
        "running": job.phase in (imports.CHECK, imports.WRITE) and job.is_running,
    }


@login_required
@require_GET
def project_import(request, pk: int, job_pk: int):
    project = _project(request.user, pk)
    job = _job(project, job_pk)
    return render(request, "rights/import_detail.html", _detail_context(request, project, job))


@login_required
@require_GET
def project_import_progress(request, pk: int, job_pk: int):
    """The progress fragment while the job runs; once it is done, htmx reloads the whole page."""
    project = _project(request.user, pk)
    context = _detail_context(request, project, _job(project, job_pk))
    if not context["running"]:
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return redirect("rights:project_import", pk=project.pk, job_pk=job_pk)
    return render(request, "rights/import_detail.html#progress", context)


@login_required
@require_GET
def project_import_error_report(request, pk: int, job_pk: int):
    project = _project(request.user, pk)
    job = _job(project, job_pk)
    name = (job.report or {}).get("error_report")
    if job.created_by_id != request.user.pk or not name:
        raise Http404
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    audit_record(actor=request.user, action=Action.EXPORT, obj=job, object_type="projectimport",
                 region_code=project.region_id, detail={"file": "error_report", "rows": job.error_count})
    return FileResponse(handle, as_attachment=True, filename=f"{Path(job.filename).stem}.errors.xlsx")


@login_required
@require_GET
def project_import_template(request, kind: str):
    if not ProjectPolicy.can(request.user, "upload"):
        raise PermissionDenied(_("您没有上传项目数据的权限。"))
    if kind not in ProjectImport.Kind.values:
        raise Http404
    title, headers, example = imports.template_rows(kind)
    buffer = io.BytesIO()
    writer = XlsxWriter(buffer)
    writer.sheet(title, headers, [headers, example], widths={i: 18 for i in range(len(headers))})
    writer.close()
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{kind}-template.xlsx"
    return response
