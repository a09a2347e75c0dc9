"""Verification rounds: the list and the scheduling form, and a round's progress page."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.lib.dates import today
from anju.regions.codes import PREFIX_RE, in_prefix
from anju.regions.models import Region
from anju.regions.selectors import region_path
from anju.registry.models import VerificationRound
from anju.registry.permissions import RoundPolicy
from anju.registry.rounds import PARENT, RoundError, round_create, round_workers
from anju.workflow.calendar import deadline
from anju.workflow.selectors import parent_progress

PER_PAGE = 20
_TEXT = {"class": "form-control"}


class RoundForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=80, widget=forms.TextInput(attrs=_TEXT),
                           help_text=gettext_lazy("例如：2026年第四季度困难农民工入户核实"))
    region = forms.CharField(label=gettext_lazy("范围（区划代码前缀）"), max_length=12,
                             help_text=gettext_lazy("留空为您的整个管辖范围；例如 350581001 为湖滨街道。"), required=False,
                             widget=forms.TextInput(attrs=_TEXT | {"inputmode": "numeric"}))
    not_verified_since = forms.DateField(label=gettext_lazy("此日期以来未核实的人员"), required=False,
                                         widget=forms.DateInput(attrs=_TEXT | {"type": "date"}),
                                         help_text=gettext_lazy("留空则包括范围内的所有人员。"))
    difficulty_only = forms.BooleanField(label=gettext_lazy("仅困难人员"), required=False, initial=True,
                                         widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    working_days = forms.IntegerField(label=gettext_lazy("办理时限（工作日）"), min_value=1, max_value=60, initial=10,
                                      widget=forms.NumberInput(attrs=_TEXT))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_region(self):
        value = (self.cleaned_data.get("region") or "").strip() or self.user.jurisdiction
        if not value or not PREFIX_RE.match(value):
            raise forms.ValidationError(_("请填写 2、4、6、9 或 12 位区划代码前缀。"))
        if self.user.jurisdiction and not (in_prefix(value.ljust(12, "0"), self.user.jurisdiction)
                                           and len(value) >= len(self.user.jurisdiction)):
            raise forms.ValidationError(_("范围须在您的管辖范围以内。"))
        return value

    def clean_not_verified_since(self):
        value = self.cleaned_data.get("not_verified_since")
        if value and not dt.date(1990, 1, 1) <= value <= today():
            raise forms.ValidationError(_("日期须在 1990 年以后，且不晚于今天。"))
        return value


def _visible(user):
    return VerificationRound.objects.select_related("created_by").filter(RoundPolicy.visible_q(user))


def _round_for(user, pk: int) -> VerificationRound:
    rnd = _visible(user).filter(pk=pk).first()
    if rnd is None:
        raise Http404
    return rnd


@login_required
def round_list(request):
    if not RoundPolicy.can(request.user, "view"):
        raise PermissionDenied(_("您没有此操作的权限。"))
    can_schedule = RoundPolicy.can(request.user, "schedule")
    form = RoundForm(request.POST or None, user=request.user) if can_schedule else None
    if request.method == "POST":
        if not can_schedule:
            raise PermissionDenied(_("只有市县人社经办人员可以安排核实轮次。"))
        if form.is_valid():
            data = form.cleaned_data
            try:
                rnd = round_create(actor=request.user, name=data["name"], region_prefix=data["region"],
                                   working_days=data["working_days"], difficulty_only=data["difficulty_only"],
                                   not_verified_since=data["not_verified_since"])
            except RoundError as exc:
                form.add_error(None, _(exc.message))
            else:
                messages.success(request, _("已安排核实轮次，正在为每位人员生成核实任务。"))
                return redirect("registry:round_detail", rnd.pk)
    page = Paginator(_visible(request.user), PER_PAGE).get_page(request.GET.get("page"))
    preview = None
    if form is not None and not form.is_bound:
        due, fallback = deadline(today(), 10)
        preview = {"due": due, "fallback": fallback}
    return render(request, "registry/round_list.html", {
        "nav": "rounds", "page": page, "form": form, "preview": preview,
    })


@login_required
def round_detail(request, pk: int):
    rnd = _round_for(request.user, pk)
    on = today()
    progress = parent_progress(PARENT, rnd.pk, on=on)
    if request.user.jurisdiction:
        progress["by_town"] = [r for r in progress["by_town"]
                               if r["town"].startswith(request.user.jurisdiction[:9])
                               or request.user.jurisdiction.startswith(r["town"])]
    names = dict(Region.objects.filter(code__in=[r["town"].ljust(12, "0") for r in progress["by_town"]])
                 .values_list("code", "name"))
    towns = [r | {"name": names.get(r["town"].ljust(12, "0"), r["town"])} for r in progress["by_town"]]
    done = sum(n for state, n in progress["by_state"].items() if state not in ("open", "paused"))
    chart = {
        "towns": [t["name"] for t in towns],
        "series": [
            {"name": _("已核实"), "data": [t["done"] for t in towns]},
            {"name": _("待核实"), "data": [t["total"] - t["done"] - t["overdue"] for t in towns]},
            {"name": _("已超期"), "data": [t["overdue"] for t in towns]},
        ],
    }
    context = {
        "nav": "rounds", "round": rnd, "progress": progress, "towns": towns, "done": done,
        "percent": done * 100 // progress["total"] if progress["total"] else 0,
        "chart": chart, "waiting": progress["total"] - done, "area": region_path(rnd.region_prefix.ljust(12, "0")),
        "eligible": round_workers(rnd).count() if rnd.is_running else None,
    }
    if request.htmx and request.GET.get("fragment") == "job":
        response = render(request, "registry/round_detail.html#job", context)
        if not rnd.is_running:
            response["HX-Refresh"] = "true"  # the tasks exist now: show the whole page
        return response
    return render(request, "registry/round_detail.html", context)
