"""Staff pages of public welfare posts (公益性岗位): the placements list, a placement's page (its
monthly attendance with the subsidy due, the end of the placement), the placement form, and a
post's candidates (from the placement policy, ranked by the matcher, each with 安置).

Every placement comes through `placements.get_placement_for_user` and every posting through
`selectors.get_posting_for_user` (out of scope is 404); the writes are `placements.*` services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anju.employment import placements, selectors, services
from anju.employment.models import AssignmentStatus, JobPosting, PostingKind, PostingStatus
from anju.employment.permissions import PlacementPolicy
from anju.lib.errors import AnjuError
from anju.lib.paginators import CappedPaginator
from anju.lib.versioning import VersionConflict
from anju.regions.codes import clean_prefix
from anju.regions.selectors import region_name
from anju.registry.choices import EmploymentStatus
from anju.registry.permissions import WorkerPolicy
from anju.registry.selectors import search_workers, workers_for_user

NAV = "employment"
PAGE_SIZE = 50
SEARCH_LIMIT = 20
_TEXT = {"class": "form-control"}
_SELECT = {"class": "form-select form-select-sm"}
_DATE = forms.DateInput(format="%Y-%m-%d", attrs=_TEXT | {"type": "date"})
_MONEY = forms.NumberInput(attrs=_TEXT | {"step": "0.01"})


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("您没有此操作的权限。"))


def _add_error(form, exc: AnjuError) -> None:
    field = exc.field if exc.field in form.fields and not form.fields[exc.field].widget.is_hidden else None
    form.add_error(field, exc.text())


def _page_query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# Forms -------------------------------------------------------------------------------------------
class PlacementFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", gettext_lazy("全部"))] + AssignmentStatus.choices,
                               widget=forms.Select(attrs=_SELECT))
    region = forms.CharField(required=False, max_length=12, widget=forms.TextInput(
        attrs={"class": "form-control form-control-sm", "inputmode": "numeric", "placeholder": "141127"}))


class PlacementForm(forms.Form):
    worker = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    start_date = forms.DateField(label=gettext_lazy("上岗日期"), widget=_DATE)
    monthly_subsidy = forms.DecimalField(label=gettext_lazy("月岗位补贴（元）"), min_value=Decimal("0.01"),
                                         max_value=Decimal("99999999"), decimal_places=2, widget=_MONEY)
    accident_insurance_cover = forms.DecimalField(label=gettext_lazy("意外伤害保险保额（元）"), min_value=Decimal("0.01"),
                                                  max_value=Decimal("9999999999"), decimal_places=2, widget=_MONEY)
    insurance_policy_no = forms.CharField(label=gettext_lazy("保单号"), required=False, max_length=60,
                                          widget=forms.TextInput(attrs=_TEXT))
    insured_until = forms.DateField(label=gettext_lazy("保险有效期至"), required=False, widget=_DATE)


class AttendanceForm(forms.Form):
    month = forms.CharField(label=gettext_lazy("月份"), max_length=7, widget=forms.TextInput(attrs=_TEXT | {"type": "month"}))
    days_required = forms.IntegerField(label=gettext_lazy("应出勤天数"), min_value=1, max_value=31,
                                       widget=forms.NumberInput(attrs=_TEXT))
    days_present = forms.IntegerField(label=gettext_lazy("实际出勤天数"), min_value=0, max_value=31,
                                      widget=forms.NumberInput(attrs=_TEXT))
    subsidy_due = forms.DecimalField(label=gettext_lazy("应发补贴（元）"), required=False, min_value=Decimal("0"),
                                     max_value=Decimal("99999999"), decimal_places=2, widget=_MONEY,
                                     help_text=gettext_lazy("留空按出勤折算；填写较低金额须在备注中说明。"))
    note = forms.CharField(label=gettext_lazy("备注"), required=False, max_length=200, widget=forms.TextInput(attrs=_TEXT))
    # Set when the form corrects a month already recorded (the note is then the reason, required),
    # with the version of the row the page showed.
    correct = forms.BooleanField(required=False, widget=forms.HiddenInput)
    version = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("correct") and not data.get("version"):
            self.add_error(None, _("请从考勤表中该月的“更正”进入更正。"))
        return data

    def clean_month(self):
        raw = self.cleaned_data["month"].strip()
        try:
            return dt.datetime.strptime(raw, "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(_("月份格式应为 YYYY-MM。")) from None


class EndForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    end_date = forms.DateField(label=gettext_lazy("离岗日期"), widget=_DATE)
    reason = forms.CharField(label=gettext_lazy("离岗原因"), max_length=200, widget=forms.TextInput(attrs=_TEXT))
    status_after = forms.ChoiceField(
        label=gettext_lazy("离岗后就业状态"), required=False,
        choices=[("", gettext_lazy("不变更"))] + EmploymentStatus.choices, widget=forms.Select(attrs={"class": "form-select"}),
        help_text=gettext_lazy("写入台账；已另行就业的选“就业”，尚未找到工作的选“失业”。"))


# The list ------------------------------------------------------------------------------------------
@login_required
@require_GET
def placement_list(request):
    user = request.user
    _require(PlacementPolicy.can(user, "view"))
    form = PlacementFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    within = (data.get("region") or "").strip()
    if within and clean_prefix(within) is None:
        from anju.registry.validation import BAD_REGION_FILTER

        messages.warning(request, _(BAD_REGION_FILTER))
    base = placements.placements_for_user(user, within=within)
    status = data.get("status", "")
    counts = {row["status"]: row["n"] for row in base.order_by().values("status").annotate(n=_count())}
    qs = base.filter(status=status) if status else base
    paginator = CappedPaginator(qs.select_related("posting", "worker").order_by("-start_date", "-id"), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [{"p": p, "tenure": placements.tenure_months(p, today), "expiring": placements.insurance_expiring(p, today),
             "region": region_name(p.region_code)} for p in page.object_list]
    status_query = request.GET.copy()
    for key in ("status", "page"):
        status_query.pop(key, None)
    status_links = [{"value": "", "label": _("全部"), "count": sum(counts.values()), "active": not status,
                     "query": status_query.urlencode()}]
    for value, label in AssignmentStatus.choices:
        q = status_query.copy()
        q["status"] = value
        status_links.append({"value": value, "label": label, "count": counts.get(value, 0), "active": status == value,
                             "query": q.urlencode()})
    context = {
        "nav": NAV, "form": form, "page": page, "paginator": paginator, "rows": rows, "status_links": status_links,
        "page_query": _page_query(request), "filtering": any(data.get(k) for k in ("status", "region")),
    }
    template = "employment/placement_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


def _count():
    from django.db.models import Count

    return Count("id")


# A placement's page --------------------------------------------------------------------------------
def _detail(request, placement, *, attendance_form=None, end_form=None, status: int = 200):
    user = request.user
    today = timezone.localdate()
    can_change = PlacementPolicy.can_on(user, "change", placement)
    active = placement.status == AssignmentStatus.ACTIVE
    attendance = list(placement.attendance.select_related("recorded_by").order_by("-month"))
    if attendance_form is None and can_change:
        wanted = request.GET.get("correct", "")
        row = next((a for a in attendance if f"{a.month:%Y-%m}" == wanted), None)
        if row is not None:
            attendance_form = AttendanceForm(initial={
                "month": wanted, "days_required": row.days_required, "days_present": row.days_present,
                # Blank (computed from the days) unless the month was recorded at another amount:
                # a pre-filled amount would survive a change of the days unnoticed.
                "subsidy_due": None if row.subsidy_due == placements.subsidy_for(
                    placement.monthly_subsidy, row.days_required, row.days_present)
                else row.subsidy_due, "note": "", "correct": True, "version": row.version})
        else:
            last = today.replace(day=1) - dt.timedelta(days=1)
            month = last if last >= placement.start_date.replace(day=1) else today
            attendance_form = AttendanceForm(initial={"month": f"{month:%Y-%m}", "days_required": 22,
                                                      "days_present": 22})
    # The form corrects a recorded month (its heading says so), shown afresh or sent back with an error.
    correcting = attendance_form is not None and attendance_form.fields["correct"].to_python(
        attendance_form["correct"].value())
    if end_form is None and can_change and active:
        # 失业 unless the ledger shows the worker in another job still open; then 不变更.
        other_job = placement.worker.hires.filter(end_date__isnull=True).exclude(pk=placement.hire_id).exists()
        end_form = EndForm(initial={"version": placement.version, "end_date": today,
                                    "status_after": "" if other_job else EmploymentStatus.UNEMPLOYED})
    return render(request, "employment/placement_detail.html", {
        "nav": NAV, "placement": placement, "posting": placement.posting, "worker": placement.worker,
        "worker_visible": WorkerPolicy.can_on(user, "view", placement.worker),
        "region": region_name(placement.region_code), "tenure": placements.tenure_months(placement, today),
        "expiring": placements.insurance_expiring(placement, today), "attendance": attendance,
        "total_due": sum((a.subsidy_due for a in attendance), Decimal("0")),
        "can_change": can_change, "active": active,
        "attendance_form": attendance_form if can_change else None, "end_form": end_form if can_change and active else None,
        "correcting": correcting,
        "rule_check": placement.rule_check or [],
    }, status=status)


@login_required
@require_GET
def placement_detail(request, pk):
    return _detail(request, placements.get_placement_for_user(request.user, pk))


def _for_change(request, pk):
    placement = placements.get_placement_for_user(request.user, pk)
    _require(PlacementPolicy.can_on(request.user, "change", placement))
    return placement


@login_required
@require_POST
def attendance_add(request, pk):
    placement = _for_change(request, pk)
    form = AttendanceForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            if d["correct"]:
                row = placements.attendance_correct(actor=request.user, assignment=placement, month=d["month"],
                                                    days_required=d["days_required"], days_present=d["days_present"],
                                                    subsidy_due=d["subsidy_due"], reason=d["note"],
                                                    expected_version=d["version"])
            else:
                row = placements.attendance_record(actor=request.user, assignment=placement, month=d["month"],
                                                   days_required=d["days_required"], days_present=d["days_present"],
                                                   subsidy_due=d["subsidy_due"], note=d["note"])
        except VersionConflict as exc:
            form.add_error(None, _("%(reason)s 请重新点击该月的“更正”。") % {"reason": exc.text()})
            return _detail(request, placement, attendance_form=form, status=409)
        except AnjuError as exc:
            _add_error(form, exc)
        else:
            text = _("已更正 %(month)s 考勤，应发补贴 %(amount)s 元。") if d["correct"] else _(
                "已登记 %(month)s 考勤，应发补贴 %(amount)s 元。")
            messages.success(request, text % {"month": f"{row.month:%Y-%m}", "amount": f"{row.subsidy_due:f}"})
            return redirect("employment:placement", pk=placement.pk)
    return _detail(request, placement, attendance_form=form, status=400)


@login_required
@require_POST
def placement_end(request, pk):
    placement = _for_change(request, pk)
    form = EndForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            placements.assignment_end(actor=request.user, assignment=placement, end_date=d["end_date"],
                                      reason=d["reason"], expected_version=d["version"],
                                      status_after=d["status_after"])
        except VersionConflict as exc:
            placement = placements.get_placement_for_user(request.user, pk)
            form = EndForm(initial={"version": placement.version, "end_date": d["end_date"], "reason": d["reason"],
                                    "status_after": d["status_after"]})
            form.add_error(None, _("%(reason)s 页面已显示最新情况，请核对后再操作。") % {"reason": exc.text()})
            return _detail(request, placement, end_form=form, status=409)
        except AnjuError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("已办理离岗。"))
            return redirect("employment:placement", pk=placement.pk)
    return _detail(request, placement, end_form=form, status=400)


# The placement form ----------------------------------------------------------------------------------
def _welfare_posting(user, pk) -> JobPosting:
    from django.http import Http404

    posting = selectors.get_posting_for_user(user, pk)
    if posting.kind != PostingKind.PUBLIC_WELFARE:
        raise Http404
    return posting


@login_required
@require_http_methods(["GET", "POST"])
def placement_new(request, pk):
    user = request.user
    _require(PlacementPolicy.can(user, "create"))
    posting = _welfare_posting(user, pk)
    worker_pk = selectors.optional_pk(request.POST.get("worker") if request.method == "POST" else request.GET.get("worker"))
    worker = workers_for_user(user).filter(pk=worker_pk).first() if worker_pk else None
    if worker is None:
        messages.warning(request, _("请先在候选人员中选择要安置的人员。"))
        return redirect("employment:post_candidates", pk=posting.pk)
    today = timezone.localdate()
    initial = {"worker": worker.pk, "start_date": today, "monthly_subsidy": posting.pay_min,
               "accident_insurance_cover": posting.accident_insurance_cover,
               "insured_until": today + dt.timedelta(days=364)}
    form = PlacementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "worker"}
        try:
            placement = placements.assignment_create(actor=user, posting=posting, worker=worker, data=data)
        except AnjuError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("已将%(name)s安置到「%(title)s」。") % {"name": worker.name, "title": posting.title})
            return redirect("employment:placement", pk=placement.pk)
    return render(request, "employment/placement_form.html", {
        "nav": NAV, "form": form, "posting": posting, "worker": worker, "pay": services.pay_text(posting),
        "region": region_name(posting.region_id), "taken": placements.active_count(posting),
        "open": posting.status == PostingStatus.PUBLISHED,
    }, status=400 if form.errors else 200)


# A post's candidates ---------------------------------------------------------------------------------
def _ranked(posting, ids: list[int], user) -> list:
    """The matcher's ranking of the candidates (empty while it is not there)."""
    from anju.employment import matching

    rank = getattr(matching, "workers_for_job", None)
    if rank is None or not ids:
        return []
    return rank(posting, limit=placements.CANDIDATE_LIMIT, region_prefix=user.jurisdiction or "", worker_ids=ids,
                user=user)


@login_required
@require_GET
def post_candidates(request, pk):
    """The candidates of a public welfare post in the user's jurisdiction: ranked by the matcher,
    then the policy's other candidates (those the matcher's hard filters left out)."""
    from anju.registry.models import Worker

    user = request.user
    _require(PlacementPolicy.can(user, "view"))
    posting = _welfare_posting(user, pk)
    open_ = posting.status == PostingStatus.PUBLISHED
    can_place = open_ and PlacementPolicy.can(user, "create") and posting.employer_id is not None
    qs = placements.candidate_queryset(posting, region_prefix=user.jurisdiction or "")
    rows, others, total = [], [], 0
    if qs is not None:
        ids = list(qs.order_by("pk").values_list("pk", flat=True)[:5000])
        total = len(ids)
        seen = set()
        for rank, m in enumerate(_ranked(posting, ids, user), start=1):
            if m.worker is None:
                continue
            seen.add(m.worker_id)
            rows.append({"worker": m.worker, "rank": rank, "score": round(m.score, 1),
                         "parts": [{"label": p.label, "points": round(p.points, 1)} for p in m.parts],
                         "region": region_name(m.worker.residence_region_id)})
        rest = [i for i in ids if i not in seen][: max(placements.CANDIDATE_LIMIT - len(rows), 0)]
        for w in Worker.objects.filter(pk__in=rest).order_by("name", "pk"):
            others.append({"worker": w, "region": region_name(w.residence_region_id)})
    q = (request.GET.get("q") or "").strip()[:50]
    found = []
    if q and can_place:
        found = list(search_workers(workers_for_user(user), q).exclude(post_assignments__status=AssignmentStatus.ACTIVE)
                     .order_by("name", "id")[:SEARCH_LIMIT])
    holders = list(posting.assignments.filter(status=AssignmentStatus.ACTIVE).select_related("worker")
                   .order_by("start_date", "id"))
    return render(request, "employment/post_candidates.html", {
        "nav": NAV, "posting": posting, "pay": services.pay_text(posting), "rows": rows, "others": others,
        "total": total, "no_rule": qs is None, "open": open_, "can_place": can_place, "q": q, "found": found,
        "searched": bool(q), "holders": holders, "policy_id": placements.CANDIDATE_POLICY,
        "new_url": reverse("employment:placement_new", args=[posting.pk]),
    })
