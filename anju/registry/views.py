from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from anju.lib.paginators import CappedPaginator
from anju.lib.versioning import VersionConflict
from anju.regions.codes import clean_prefix
from anju.regions.selectors import region_name
from anju.regions.widgets import RegionPicker
from anju.registry import services
from anju.registry.choices import DifficultyType, EmploymentStatus, Gender
from anju.registry.filters import WorkerFilter
from anju.registry.forms import CertificateForm, ChildForm, VisitForm, WorkerForm, initial_for
from anju.registry.panels import worker_panels
from anju.registry.permissions import WorkerPolicy
from anju.registry.selectors import get_worker_for_user, workers_for_user
from anju.registry.services import (
    LedgerError,
    certificate_add,
    visit_record,
    worker_reveal_id,
    worker_reveal_phone,
    worker_update,
)
from anju.registry.validation import BAD_REGION_FILTER

PAGE_SIZE = 50


def _require(user, action: str) -> None:
    if not WorkerPolicy.can(user, action):
        raise PermissionDenied(_("您没有此操作的权限。"))


LIST_FIELDS = ("id", "name", "id_number_masked", "gender", "birth_date", "residence_region_id", "employment_status",
               "difficulty_mask", "phone_masked", "last_verified_on")
# Column headers that sort: (column, sort key ascending, sort key descending) — keys of filters.SORTS.
SORTABLE = {"name": ("name", "-name"), "age": ("-birth_date", "birth_date"), "region": ("region", "-region"),
            "verified": ("verified", "-verified")}


@login_required
def worker_list(request):
    _require(request.user, "view")
    user, params = request.user, request.GET.copy()
    within = params.pop("region", [""])[-1]
    if clean_prefix(within) is None and not request.htmx:
        # A hand-made link: say why the list is empty (workers_for_user shows nothing for it).
        messages.warning(request, _(BAD_REGION_FILTER))
    # The same filters twice. The page query never uses the region index (it walks rows in the
    # sort order and stops at 50); the capped count uses it only when the region is the only
    # filter — otherwise the other filter's own index is the selective one. SQLite, which has no
    # statistics on ranges, needs telling; PostgreSQL plans both alike either way.
    filtering = any(v for k, v in params.items() if k not in ("page", "sort"))
    page_filter = WorkerFilter(params, queryset=workers_for_user(user, within=within, region_index=False), walk_rows=True)
    count_filter = WorkerFilter(params, queryset=workers_for_user(user, within=within, region_index=not filtering))
    if page_filter.is_valid():
        page_qs, count_qs = page_filter.qs, count_filter.qs
    else:
        page_qs = workers_for_user(user, within=within, region_index=False).order_by("-id")
        count_qs = workers_for_user(user, within=within, region_index=not filtering)
    paginator = CappedPaginator(page_qs.only(*LIST_FIELDS), PAGE_SIZE, count_queryset=count_qs)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "filter": page_filter, "page_obj": page, "paginator": paginator, "nav": "ledger",
        "rows": [_row(w) for w in page.object_list],
        "sort_links": _sort_links(request, page_filter.form.cleaned_data.get("sort") if page_filter.is_valid() else ""),
        "page_links": _page_links(request, page),
        "export_query": _export_query(request),
        # The picker opens at the user's own area, so a town officer starts inside their town.
        "region_picker": RegionPicker().render("region", within or user.jurisdiction, attrs={"id": "id_region"}),
    }
    template = "registry/worker_list.html#results" if request.htmx and not request.htmx.boosted else "registry/worker_list.html"
    return render(request, template, context)


_DIFFICULTY_LABELS = dict(DifficultyType.choices)
_STATUS_LABELS = dict(EmploymentStatus.choices)
_GENDER_LABELS = dict(Gender.choices)


def _row(worker) -> dict:
    """What one list row shows, prepared here so that the template is a plain loop."""
    return {
        "pk": worker.pk, "name": worker.name, "id_number": worker.id_number_masked,
        "gender": _GENDER_LABELS.get(worker.gender, ""), "age": worker.age,
        "region": region_name(worker.residence_region_id), "status": _STATUS_LABELS.get(worker.employment_status, ""),
        "difficulties": [_DIFFICULTY_LABELS[t] for t in worker.difficulty_types], "phone": worker.phone_masked,
        "verified": worker.last_verified_on,
    }


def _sort_links(request, current: str) -> dict[str, dict]:
    links = {}
    for column, (asc, desc) in SORTABLE.items():
        query = request.GET.copy()
        query.pop("page", None)
        query["sort"] = desc if current == asc else asc
        links[column] = {"url": "?" + query.urlencode(), "active": current in (asc, desc),
                         "descending": current == desc}
    return links


def _page_links(request, page) -> dict[str, str]:
    def url(number: int) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        return "?" + query.urlencode()

    links = {"first": url(1), "last": url(page.paginator.num_pages)}
    if page.has_previous():
        links["previous"] = url(page.previous_page_number())
    if page.has_next():
        links["next"] = url(page.next_page_number())
    return links


@login_required
def worker_detail(request, pk):
    worker = get_worker_for_user(request.user, pk)
    context = {
        "worker": worker,
        "nav": "ledger",
        # Members the user may see: a household never reveals people outside the jurisdiction.
        "members": workers_for_user(request.user).filter(household_id=worker.household_id).exclude(pk=worker.pk)
        .only("id", "name", "relation_to_head", "id_number_masked") if worker.household_id else [],
        "certificates": worker.certificates.all(),
        "visits": worker.visits.select_related("staff")[:20],
        "timeline": worker.timeline.select_related("actor")[:100],
        "hires": worker.hires.select_related("employer")[:20],
        "can": WorkerPolicy.allowed_actions(request.user),
        "difficulty_choices": DifficultyType.choices,
        # What other apps add to the page (policies, applications, cases): registry.panels.
        "panels": worker_panels(request, worker),
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
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            changes = worker_update(actor=request.user, worker=worker, data=form.validated, expected_version=form.version)
        except VersionConflict as exc:
            conflict = _edit_conflict(request, form, exc)
        except LedgerError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            if changes:
                messages.success(request, _("已保存 %(count)s 项修改。") % {"count": len(changes)})
            else:
                messages.info(request, _("没有修改任何信息。"))
            return redirect("registry:worker_detail", pk=worker.pk)
    return render(request, "registry/worker_form.html",
                  {"form": form, "worker": worker, "nav": "ledger", "conflict": conflict})


# Form fields of the changes `diff_worker` reports.
_FORM_FIELD = {"hukou_region_id": "hukou_region", "residence_region_id": "residence_region",
               "desired_region_id": "desired_region", "difficulty_mask": "difficulty_types"}


def _edit_conflict(request, form: WorkerForm, exc: VersionConflict) -> dict | None:
    """Someone saved the record after this form was opened, so nothing was saved. The form comes
    back with the current version and, compared with the version it was opened at (its history
    record): fields only the other person changed now hold their saved values; fields both
    changed keep this officer's value, with the current one shown beside it. Saving again is
    then a decision made knowing what it replaces — never a silent overwrite."""
    try:
        current = get_worker_for_user(request.user, form.worker.pk, action="change")
    except Http404:
        current = None  # deleted, or moved out of this officer's jurisdiction meanwhile
    if current is None:
        form.add_error(None, exc.text())
        return None
    opened = current.history.filter(version=form.version).order_by("-history_date").first() if form.version else None
    submitted = {_FORM_FIELD.get(name, name) for name in services.diff_worker(current, form.validated)}
    if opened is None:
        # The version it was opened at is unknown: every difference is left to the officer.
        theirs, mine = submitted, submitted
    else:
        base = opened.instance
        theirs = _changed_fields(base, current)
        mine = {_FORM_FIELD.get(name, name) for name in services.diff_worker(base, form.validated)}
    stored = initial_for(current)
    form.data = form.data.copy()  # rendered from below: the bound values shown are form.data's
    form.data[form.add_prefix("version")] = str(current.version)
    filled, clashes = {}, {}
    order = list(form.fields)
    for name in sorted((n for n in theirs if n in form.fields and not form.fields[n].disabled), key=order.index):
        shown = _display_value(form.fields[name], stored.get(name), current, name)
        if name not in mine:
            filled[name] = shown
            if name != "phone":  # a blank phone keeps the stored one
                _set_value(form, name, stored.get(name))
        elif name in submitted:
            clashes[name] = shown
    return {"version": current.version, "filled": filled, "clashes": clashes,
            "filled_labels": [str(form.fields[n].label) for n in filled],
            "clash_labels": [str(form.fields[n].label) for n in clashes]}


def _changed_fields(before, after) -> set[str]:
    """Form fields whose stored values differ between two states of a worker."""
    from anju.registry.validation import WORKER_MODEL_FIELDS

    changed = {_FORM_FIELD.get(n, n) for n in WORKER_MODEL_FIELDS if getattr(before, n) != getattr(after, n)}
    if before.phone_hash != after.phone_hash:
        changed.add("phone")
    if before.household_id != after.household_id:
        changed.add("household_no")
    return changed


def _set_value(form: WorkerForm, name: str, value) -> None:
    key = form.add_prefix(name)
    if isinstance(value, list):
        form.data.setlist(key, [str(v) for v in value])
    else:
        form.data[key] = "" if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)


def _display_value(field, value, worker, name: str) -> str:
    if name == "phone":
        return worker.phone_masked
    if isinstance(field.widget, RegionPicker):
        return f"{region_name(value)}（{value}）" if value else "—"
    choices = dict(getattr(field, "choices", ()))
    if isinstance(value, list):
        return "、".join(str(choices.get(v, v)) for v in value) or "—"
    if choices:
        return str(choices.get(value, value)) or "—"
    return str(value) if value not in (None, "") else "—"


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
                expected_version=correction.version if correction is not None else None,
            )
        except VersionConflict as exc:
            form.add_error(None, exc.text())
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


@login_required
def child_create(request, pk):
    worker = get_worker_for_user(request.user, pk, action="change")
    form = ChildForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.child_add(actor=request.user, worker=worker, data=form.validated)
        except LedgerError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("已添加子女。"))
            return redirect(reverse("registry:worker_detail", args=[worker.pk]) + "#children")
    return render(request, "registry/child_form.html", {"form": form, "worker": worker, "nav": "ledger"})


@login_required
@require_POST
def child_delete(request, pk, child_pk):
    worker = get_worker_for_user(request.user, pk, action="change")
    child = worker.children.filter(pk=child_pk).first()
    if child is None:
        raise Http404
    services.child_remove(actor=request.user, child=child)
    messages.success(request, _("已删除子女记录。"))
    return redirect(reverse("registry:worker_detail", args=[worker.pk]) + "#children")


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

