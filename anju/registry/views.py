from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from anju.accounts.permissions import WorkerPolicy
from anju.regions.widgets import RegionPicker
from anju.registry import services
from anju.registry.choices import DifficultyType
from anju.registry.filters import WorkerFilter
from anju.registry.forms import CertificateForm, VisitForm, WorkerForm
from anju.registry.selectors import get_worker_for_user, workers_for_user
from anju.registry.services import (
    LedgerError,
    certificate_add,
    visit_record,
    worker_reveal_id,
    worker_reveal_phone,
    worker_update,
)
from anju.registry.tables import WorkerTable

PAGE_SIZE = 50


def _require(user, action: str) -> None:
    if not WorkerPolicy.can(user, action):
        raise PermissionDenied(_("您没有此操作的权限。"))


@login_required
def worker_list(request):
    _require(request.user, "view")
    filterset = WorkerFilter(request.GET or None, queryset=workers_for_user(request.user))
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else workers_for_user(request.user).order_by("-id")
    qs = qs.only(
        "id", "name", "id_number_masked", "gender", "birth_date", "residence_region_id", "employment_status",
        "difficulty_mask", "phone_masked", "last_verified_on",
    )
    table = WorkerTable(qs)
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    context = {
        "filter": filterset, "table": table, "nav": "ledger", "export_query": _export_query(request),
        # The picker opens at the user's own area, so a town officer starts inside their town.
        "region_picker": RegionPicker().render("region", request.GET.get("region") or request.user.jurisdiction,
                                               attrs={"id": "id_region"}),
    }
    template = "registry/worker_list.html#results" if request.htmx and not request.htmx.boosted else "registry/worker_list.html"
    return render(request, template, context)


@login_required
def worker_detail(request, pk):
    worker = get_worker_for_user(request.user, pk)
    context = {
        "worker": worker,
        "nav": "ledger",
        "members": worker.household.members.exclude(pk=worker.pk).only("id", "name", "relation_to_head", "id_number_masked")
        if worker.household_id else [],
        "certificates": worker.certificates.all(),
        "visits": worker.visits.select_related("staff")[:20],
        "timeline": worker.timeline.select_related("actor")[:100],
        "hires": worker.hires.select_related("employer")[:20],
        "can": WorkerPolicy.allowed_actions(request.user),
        "difficulty_choices": DifficultyType.choices,
    }
    return render(request, "registry/worker_detail.html", context)


@login_required
def worker_create(request):
    _require(request.user, "create")
    form = WorkerForm(request.POST or None, initial={"residence_region": _default_region(request.user)})
    if request.method == "POST" and form.is_valid():
        try:
            worker = services.worker_create(actor=request.user, data=form.validated)
        except LedgerError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("已登记 %(name)s。") % {"name": worker.name})
            return redirect("registry:worker_detail", pk=worker.pk)
    return render(request, "registry/worker_form.html", {"form": form, "nav": "ledger", "creating": True})


@login_required
def worker_edit(request, pk):
    worker = get_worker_for_user(request.user, pk, action="change")
    form = WorkerForm(request.POST or None, worker=worker)
    if request.method == "POST" and form.is_valid():
        try:
            changes = worker_update(actor=request.user, worker=worker, data=form.validated)
        except LedgerError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            if changes:
                messages.success(request, _("已保存 %(count)s 项修改。") % {"count": len(changes)})
            else:
                messages.info(request, _("没有修改任何信息。"))
            return redirect("registry:worker_detail", pk=worker.pk)
    return render(request, "registry/worker_form.html", {"form": form, "worker": worker, "nav": "ledger"})


@login_required
def visit_create(request, pk):
    worker = get_worker_for_user(request.user, pk, action="verify")
    form = VisitForm(request.POST or None)
    correction = WorkerForm(request.POST or None, worker=worker, prefix="fix") if request.POST.get("correct") else None
    if request.method == "POST" and form.is_valid() and (correction is None or correction.is_valid()):
        try:
            visit_record(
                actor=request.user, worker=worker, visited_on=form.cleaned_data["visited_on"],
                result=form.cleaned_data["result"], findings=form.cleaned_data["findings"],
                fields_confirmed=form.cleaned_data["fields_confirmed"],
                corrections=correction.validated if correction is not None else None,
            )
        except LedgerError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("已记录入户核实。"))
            return redirect("registry:worker_detail", pk=worker.pk)
    if correction is None:
        correction = WorkerForm(worker=worker, prefix="fix")
    return render(request, "registry/visit_form.html", {"form": form, "correction": correction, "worker": worker, "nav": "ledger"})


@login_required
@require_POST
def worker_reveal(request, pk):
    worker = get_worker_for_user(request.user, pk, action="reveal")
    field = request.POST.get("field", "id_number")
    try:
        value = worker_reveal_phone(actor=request.user, worker=worker) if field == "phone" else worker_reveal_id(actor=request.user, worker=worker)
    except LedgerError as exc:
        raise PermissionDenied(str(exc.message)) from exc
    return render(request, "registry/worker_detail.html#revealed", {"value": value, "field": field})


@login_required
def certificate_create(request, pk):
    worker = get_worker_for_user(request.user, pk, action="change")
    form = CertificateForm(request.POST or None, worker=worker)
    if request.method == "POST" and form.is_valid():
        try:
            certificate_add(actor=request.user, worker=worker, data=form.validated)
        except LedgerError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("已添加证书。"))
            return redirect(reverse("registry:worker_detail", args=[worker.pk]) + "#certificates")
    return render(request, "registry/certificate_form.html", {"form": form, "worker": worker, "nav": "ledger"})


def _export_query(request) -> str:
    query = request.GET.copy()
    for key in ("page", "full"):
        query.pop(key, None)
    return query.urlencode()


def _default_region(user) -> str:
    """A town officer's new people live in their town; start the picker there."""
    from anju.regions.selectors import region_exists

    code = user.jurisdiction.ljust(12, "0") if user.jurisdiction else ""
    return code if code and region_exists(code) else ""

