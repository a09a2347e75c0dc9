"""The parameter page: values by region (the one in force today marked), the change history, and
the form to set a new value (administrators and city/county HRSS officers, in their jurisdiction)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from anju.lib.jsonutil import plain_decimal
from anju.params.forms import ParameterValueForm, region_label
from anju.params.models import Parameter, ParameterValue
from anju.params.permissions import ParameterPolicy
from anju.params.selectors import readers_of
from anju.params.services import parameter_set


@login_required
@require_http_methods(["GET", "POST"])
def parameter_detail(request, name):
    if not ParameterPolicy.can(request.user, "view"):
        raise PermissionDenied(_("您没有此操作的权限。"))
    parameter = get_object_or_404(Parameter, name=name)
    today = timezone.localdate()
    form = None
    if ParameterPolicy.can(request.user, "change"):
        form = ParameterValueForm(request.POST or None, user=request.user, parameter=parameter,
                                  initial={"region": request.user.jurisdiction, "valid_from": today})
    elif request.method == "POST":
        raise PermissionDenied(_("只有管理员和市县人社经办人员可以设置参数。"))
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        parameter_set(actor=request.user, name=parameter.name, region_prefix=data["region"],
                      valid_from=data["valid_from"], value=data["value"], source=data["source"])
        messages.success(request, _("已设置 %(label)s：%(region)s 自 %(date)s 起为 %(value)s。") % {
            "label": parameter.label, "region": region_label(data["region"]), "date": data["valid_from"],
            "value": _("未规定") if data["value"] is None else plain_decimal(data["value"])})
        return redirect("params:parameter_detail", name=parameter.name)

    rows = list(parameter.values.select_related("created_by").order_by("region_prefix", "-valid_from"))
    in_force: dict[str, ParameterValue] = {}
    by_region: dict[str, list[ParameterValue]] = {}
    for r in rows:
        if r.valid_from <= today:
            in_force.setdefault(r.region_prefix, r)
        by_region.setdefault(r.region_prefix, []).append(r)
    changes = list(ParameterValue.history.filter(parameter_id=parameter.pk).select_related("history_user")
                   .order_by("-history_date")[:200])
    context = {
        "parameter": parameter, "nav": "policies", "today": today, "form": form,
        "regions": [{"prefix": prefix, "name": region_label(prefix), "current": in_force.get(prefix), "values": values}
                    for prefix, values in by_region.items()],
        "changes": changes,
        "readers": readers_of(parameter.name),
    }
    return render(request, "params/parameter_detail.html", context, status=400 if form is not None and form.errors else 200)
