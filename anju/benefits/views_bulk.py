"""Pages of the bulk work: applications from a proactive list (免申即享) — a confirm page, then
the job with its progress bar, then the result — and passing one step for a selection (a form
that says how many would pass, then the job).

Views check the input and who may do what; `anju.benefits.bulk` does the work in the task worker.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from anju.accounts.permissions import narrower_scope
from anju.benefits import bulk, chain
from anju.benefits.models import OPEN_APPLICATION, Application, BulkJob, Grant, GrantStatus
from anju.benefits.permissions import ApplicationPolicy
from anju.benefits.tasks_bulk import bulk_job_create, run_bulk
from anju.lib.i18n import is_english
from anju.params.forms import region_label
from anju.policies.models import ScanJob
from anju.policies.packs import catalogue, get_policy
from anju.regions.codes import clean_prefix
from anju.workflow.jobs import job_for_user


def _label(label) -> str:
    return label.en if is_english() else label.zh


def _require(user, action: str) -> None:
    if not ApplicationPolicy.can(user, action):
        raise PermissionDenied(_("您没有此操作的权限。"))


def _enqueue(job: BulkJob) -> None:
    transaction.on_commit(lambda: run_bulk.enqueue(job.pk))


# From a proactive list ------------------------------------------------------------------------------
def _scan_for(request) -> ScanJob:
    raw = request.GET.get("scan") or request.POST.get("scan") or ""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise Http404
    return job_for_user(ScanJob, request.user, int(raw))


def _scan_summary(scan: ScanJob) -> dict[str, Any]:
    """How many of the list already have an open application or a live grant for the period."""
    policy = get_policy(scan.policy_id)
    pks = [r["subject_id"] for r in scan.results or [] if isinstance(r.get("subject_id"), int)]
    out: dict[str, Any] = {"listed": len(pks), "open": 0, "granted": 0, "policy": policy, "period": ""}
    if policy is None or not pks:
        return out
    period = chain.period_of(policy, scan.on_date)
    out["period"] = period
    # Counted over the whole list, a few thousand ids at a time (the database's parameter limit).
    for start in range(0, len(pks), 5000):
        chunk = pks[start:start + 5000]
        out["open"] += Application.objects.filter(policy_id=policy.id, subject_type=policy.subject, period=period,
                                                  status__in=OPEN_APPLICATION, subject_id__in=chunk).count()
        out["granted"] += Grant.objects.filter(policy_id=policy.id, subject_type=policy.subject, period=period,
                                               subject_id__in=chunk).exclude(status=GrantStatus.CANCELLED).count()
    return out


@login_required
@require_http_methods(["GET", "POST"])
def bulk_new(request):
    _require(request.user, "bulk_create")
    scan = _scan_for(request)
    summary = _scan_summary(scan)
    policy = summary["policy"]
    running = BulkJob.objects.filter(scan_job=scan, status__in=BulkJob.RUNNING_STATES).first()
    problem = ""
    if policy is None:
        problem = _("政策不存在或未通过校验。")
    elif scan.status != ScanJob.Status.DONE:
        problem = _("主动发现名单尚未生成完成。")
    elif not summary["listed"]:
        problem = _("名单中没有对象。")
    elif running is not None:
        problem = _("该名单的批量生成任务正在进行中。")
    if request.method == "POST" and not problem:
        with transaction.atomic():
            job = bulk_job_create(actor=request.user, kind=BulkJob.Kind.FROM_SCAN, policy_id=scan.policy_id,
                                  region_prefix=scan.region_prefix, scan=scan)
            _enqueue(job)
        return redirect("benefits:bulk_job", pk=job.pk)
    status = 409 if request.method == "POST" else 200
    return render(request, "benefits/bulk_new.html", {
        "scan": scan, "summary": summary, "problem": problem, "running": running, "nav": "benefits",
        "title": _label(policy.title) if policy else scan.policy_id, "region": region_label(scan.region_prefix),
        "truncated": scan.result_count > len(scan.results or []),
    }, status=status if problem else 200)


def _job_context(job: BulkJob) -> dict[str, Any]:
    policy = get_policy(job.policy_id)
    report = job.report or {}
    step_label = ""
    if policy and job.step_code:
        step_label = next((_label(s.label) for s in chain.chain_of(policy) if s.code == job.step_code), job.step_code)
    return {"job": job, "policy": policy, "title": _label(policy.title) if policy else job.policy_id,
            "report": report, "skipped": report.get("skipped") or {}, "step_label": step_label,
            "region": region_label(job.region_prefix) if job.region_prefix else _("全部地区"), "nav": "benefits"}


@login_required
@require_GET
def bulk_job(request, pk):
    job = job_for_user(BulkJob, request.user, pk)
    return render(request, "benefits/bulk_job.html", _job_context(job))


@login_required
@require_GET
def bulk_progress(request, pk):
    """The progress fragment while the job runs; once it is done, htmx reloads the page."""
    job = job_for_user(BulkJob, request.user, pk)
    if not job.is_running:
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return redirect("benefits:bulk_job", pk=job.pk)
    return render(request, "benefits/bulk_job.html#progress", _job_context(job))


# Passing one step for many ----------------------------------------------------------------------
def _step_choices(policy) -> list[tuple[str, str]]:
    # Every step but the last: the approval sets the amount and commits the fund, one by one.
    return [(s.code, _label(s.label)) for s in chain.chain_of(policy)[:-1]]


class PassForm(forms.Form):
    policy = forms.ChoiceField(label=gettext_lazy("政策"))
    step = forms.ChoiceField(label=gettext_lazy("环节"), required=False)
    region = forms.CharField(label=gettext_lazy("区划代码"), max_length=12, required=False,
                             help_text=gettext_lazy("留空为您的全部管辖范围；可填 6、9 或 12 位区划代码。"))
    reason = forms.CharField(label=gettext_lazy("意见"), max_length=300, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        policies = sorted(catalogue().policies.values(), key=lambda p: p.id)
        self.fields["policy"].choices = [("", "—")] + [(p.id, _label(p.title)) for p in policies
                                                       if len(chain.chain_of(p)) > 1]
        policy = get_policy(str(self.data.get("policy") or "")) if self.is_bound else None
        self.fields["step"].choices = [("", "—")] + (_step_choices(policy) if policy else [])
        for name in ("policy", "step"):
            self.fields[name].widget.attrs["class"] = "form-select"
        for name in ("region", "reason"):
            self.fields[name].widget.attrs["class"] = "form-control"

    def clean_region(self) -> str:
        prefix = clean_prefix(self.cleaned_data.get("region") or "")
        if prefix is None:
            raise forms.ValidationError(_("区划代码应为 6、9 或 12 位数字。"))
        scope = narrower_scope(self.user.jurisdiction or "", prefix)
        if scope is None:
            raise forms.ValidationError(_("该地区不在您的管辖范围内。"))
        return scope

    def clean_reason(self) -> str:
        from anju.lib.text import bad_text

        reason = (self.cleaned_data.get("reason") or "").strip()
        if bad_text(reason, multiline=False):
            raise forms.ValidationError(_("意见中含有不允许的字符。"))
        return reason


@login_required
@require_http_methods(["GET", "POST"])
def bulk_pass(request):
    _require(request.user, "view")
    data = request.POST if request.method == "POST" else (request.GET if request.GET.get("policy") else None)
    form = PassForm(data, user=request.user)
    preview: dict[str, Any] | None = None
    if form.is_bound and form.is_valid() and form.cleaned_data["step"]:
        steps, apps = bulk.pass_selection(actor=request.user, policy_id=form.cleaned_data["policy"],
                                          step_code=form.cleaned_data["step"], region_prefix=form.cleaned_data["region"])
        preview = {"count": steps.count(), "in_review": apps.count()}
        if request.method == "POST":
            if not preview["count"]:
                form.add_error(None, _("没有可由您批量通过的申请。"))
            else:
                with transaction.atomic():
                    job = bulk_job_create(actor=request.user, kind=BulkJob.Kind.PASS_STEP,
                                          policy_id=form.cleaned_data["policy"], step_code=form.cleaned_data["step"],
                                          region_prefix=form.cleaned_data["region"],
                                          reason=form.cleaned_data["reason"])
                    _enqueue(job)
                return redirect("benefits:bulk_job", pk=job.pk)
    elif request.method == "POST" and form.is_valid() and not form.cleaned_data["step"]:
        form.add_error("step", _("请选择环节。"))
    status = 422 if request.method == "POST" else 200
    return render(request, "benefits/bulk_pass.html", {"form": form, "preview": preview, "nav": "benefits"},
                  status=status)
