"""Simulation page (/policies/simulate/): how many qualify for a policy in a region and what it
costs, with the parameters in force and with values a person wants to try (e.g. Shishi's
job-stabilisation refund rate 60% → 90%). Nothing is stored; the two scans run synchronously
(about a second for a million workers, see docs/benchmarks.md).

Everything is a GET form: choosing a policy fills in the parameter values in force; "试算" runs
it. Bad input is shown on the form (400), never a 500. Scoped to the user's jurisdiction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.lib.jsonutil import plain_decimal
from anju.params import selectors as parameters
from anju.policies import engine
from anju.policies.packs import Policy, catalogue, get_policy
from anju.policies.permissions import PolicyPolicy
from anju.regions.codes import PREFIX_RE, in_prefix, normalize_code, significant_prefix
from anju.regions.selectors import region_exists, region_name
from anju.regions.widgets import RegionPicker

MAX_VALUE = Decimal("9999999999")


def overlap(policy: Policy, jurisdiction: str) -> str | None:
    """Where a policy applies inside a jurisdiction (the narrower prefix), or None."""
    issuing = policy.issuing_region
    if jurisdiction.startswith(issuing):
        return jurisdiction
    if issuing.startswith(jurisdiction):
        return issuing
    return None


def policies_for(user) -> list[Policy]:
    mine = user.jurisdiction or ""
    return [p for p in sorted(catalogue().policies.values(), key=lambda p: p.id)
            if p.params_read() and overlap(p, mine) is not None]


def parse_value(text: str, ptype: str) -> Decimal | None:
    raw = (text or "").strip().replace(",", "").replace("，", "")
    if raw == "":
        return None
    percent = raw.endswith(("%", "％"))
    try:
        value = Decimal(raw[:-1].strip() if percent else raw)
    except InvalidOperation:
        raise ValidationError(_("“%(value)s”不是数字。") % {"value": text}) from None
    if not value.is_finite():
        raise ValidationError(_("“%(value)s”不是数字。") % {"value": text})
    if percent:
        value /= 100
    if value < 0:
        raise ValidationError(_("参数值不能为负数。"))
    if value > MAX_VALUE:
        raise ValidationError(_("参数值过大。"))
    if ptype == "rate" and value > 1:
        raise ValidationError(_("比例须在 0 到 1 之间（例如 0.9 或 90% 表示九成）。"))
    return value


class SimulateForm(forms.Form):
    policy = forms.ChoiceField(label=gettext_lazy("政策"))
    on = forms.DateField(label=gettext_lazy("判定日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
                         error_messages={"invalid": gettext_lazy("请输入有效日期，格式为 YYYY-MM-DD。"),
                                         "required": gettext_lazy("请填写判定日期。")})
    region = forms.CharField(label=gettext_lazy("地区"), required=False, max_length=12, widget=RegionPicker(),
                             help_text=gettext_lazy("不选为本辖区内政策适用的全部地区。"))

    def __init__(self, *args, user, policy: Policy | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.policy = policy
        language = translation.get_language()
        self.fields["policy"].choices = [(p.id, p.title.text(language)) for p in policies_for(user)]
        if policy is not None:
            for name in sorted(policy.params_read()):
                decl = policy.parameters.get(name)
                label = decl.label.text(language) if decl else name
                unit = decl.unit.text(language) if decl else ""
                self.fields[f"p_{name}"] = forms.CharField(
                    label=f"{label}（{unit}）" if unit else label, required=False, max_length=30,
                    help_text=_("参数 %(name)s；留空表示不设金额。") % {"name": name})

    def param_fields(self):
        return [self[name] for name in self.fields if name.startswith("p_")]

    def clean_region(self) -> str:
        raw = (self.cleaned_data.get("region") or "").strip()
        mine = self.user.jurisdiction or ""
        if not raw:
            return mine
        if not PREFIX_RE.match(raw):
            raise ValidationError(_("“%(value)s”不是有效的区划代码（2、4、6、9 或 12 位数字）。") % {"value": raw})
        code = normalize_code(raw) if len(raw) in (6, 9, 12) else raw.ljust(12, "0")
        if code is None or not region_exists(code):
            raise ValidationError(_("区划代码“%(value)s”不存在。") % {"value": raw})
        prefix = significant_prefix(code)
        if not in_prefix(code, mine):
            raise ValidationError(_("该地区不在您的辖区内。"))
        return prefix

    def clean(self):
        data = super().clean()
        policy = self.policy
        if policy is None or "region" not in data:
            return data
        where = overlap(policy, data["region"])
        if where is None:
            self.add_error("region", _("该政策在所选地区不适用。"))
            return data
        data["scope"] = where
        overrides = {}
        for name in sorted(policy.params_read()):
            decl = policy.parameters.get(name)
            try:
                overrides[name] = parse_value(data.get(f"p_{name}", ""), decl.type if decl else "number")
            except ValidationError as exc:
                self.add_error(f"p_{name}", exc)
        data["overrides"] = overrides
        return data


def _number(value) -> str:
    if value is None:
        return "—"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"


@login_required
def simulate(request):
    if not PolicyPolicy.can(request.user, "scan"):
        raise PermissionDenied(_("您没有此操作的权限。"))
    mine = request.user.jurisdiction or ""
    policy = get_policy(request.GET.get("policy", "")) if request.GET.get("policy") else None
    if policy is not None and policy not in policies_for(request.user):
        policy = None
    today = timezone.localdate()
    running = "run" in request.GET and policy is not None
    status = 200
    result = None
    if running:
        form = SimulateForm(request.GET, user=request.user, policy=policy)
        if form.is_valid():
            data = form.cleaned_data
            # Only the values a person changed override: the others stay as they are in every
            # sub-region (a town with its own value keeps it).
            scope = data["scope"]
            in_force = parameters.resolve_many(sorted(policy.params_read()), scope.ljust(12, "0"), data["on"])
            changed = {k: v for k, v in data["overrides"].items() if v != in_force.get(k)}
            sim = engine.simulate(policy, on=data["on"], region_prefix=data["scope"], overrides=changed)
            result = _result(policy, sim)
        else:
            status = 400
    else:
        # The picker opens at the user's own area (a county officer starts inside the county).
        initial = {"on": _date(request.GET.get("on")) or today,
                   "region": (request.GET.get("region") or "")[:12] or mine}
        if policy is not None:
            initial["policy"] = policy.id
            where = overlap(policy, mine) or policy.issuing_region
            in_force = parameters.resolve_many(sorted(policy.params_read()), where.ljust(12, "0"), initial["on"])
            for name, value in in_force.items():
                initial[f"p_{name}"] = "" if value is None else plain_decimal(value)
        form = SimulateForm(initial=initial, user=request.user, policy=policy)
    return render(request, "policies/simulate.html", {
        "form": form, "policy": policy, "result": result, "jurisdiction": region_name((mine or "").ljust(12, "0")) if mine else _("全部地区"),
    }, status=status)


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _result(policy: Policy, sim: engine.Simulation) -> dict:
    language = translation.get_language()
    params = []
    for name, after in sim.overrides.items():
        decl = policy.parameters.get(name)
        before = sim.in_force.get(name)
        params.append({"name": name, "label": decl.label.text(language) if decl else name,
                       "before": "—" if before is None else plain_decimal(before), "after": "—" if after is None else plain_decimal(after),
                       "changed": before != after})
    return {
        "region": region_name(sim.region_prefix.ljust(12, "0")) if sim.region_prefix else _("全部地区"),
        "on": sim.on,
        "params": params,
        "rows": [
            {"label": _("符合条件人数（个）"), "before": _number(sim.before.count), "after": _number(sim.after.count),
             "change": _number(sim.count_change)},
            {"label": _("总金额（元）"), "before": _number(sim.before.total), "after": _number(sim.after.total),
             "change": _number(sim.total_change)},
        ] + ([{"label": _("金额待定（个）"), "before": _number(sim.before.pending), "after": _number(sim.after.pending),
               "change": _number(sim.after.pending - sim.before.pending)}] if sim.before.pending or sim.after.pending else []),
        "chart": {
            "labels": [str(_("调整前")), str(_("调整后"))],
            "count_label": str(_("符合条件")), "total_label": str(_("总金额（元）")),
            "counts": [sim.before.count, sim.after.count],
            "totals": [float(sim.before.total), float(sim.after.total)],
        },
    }
