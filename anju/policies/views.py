"""Staff screens of the policy engine: the policy list and detail (the law beside the rule, with
the values in force of its parameters: their pages are anju/params/views.py), the panel on a worker's page
(every policy that applies today, explained), recorded decisions, and proactive lists (免申即享)
run as background jobs with masked exports.

Policies live in YAML packs, not the database: ids from URLs are looked up in the loaded
catalogue, unknown ids are 404. Everything a person sees about subjects is scoped to their
jurisdiction; scan jobs are visible to their creator only.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from anju.accounts.models import department_label
from anju.lib.i18n import is_english
from anju.lib.jsonutil import plain_decimal
from anju.params import selectors as parameters
from anju.params.forms import region_label
from anju.params.models import ParameterValue
from anju.policies import documents, engine
from anju.policies.expressions import BOOL, DATE, NUMBER
from anju.policies.facts import CATALOGUE, SUBJECTS
from anju.policies.forms import ScanForm
from anju.policies.models import ScanJob
from anju.policies.packs import Policy, catalogue, get_policy
from anju.policies.permissions import PolicyPolicy
from anju.policies.screening import department_phrase
from anju.policies.services import (
    DecisionError,
    decision_record,
    scan_export_record,
    scan_job_create,
)
from anju.policies.tasks import run_scan
from anju.regions.selectors import region_name
from anju.registry.selectors import get_worker_for_user
from anju.workflow.jobs import job_for_user

RESULTS_PER_PAGE = 50
MAX_AMOUNT = Decimal("9999999999")  # what a chosen amount may be at most (the decision keeps 14 digits)
N_ = gettext_lazy

_FREQUENCY = {
    "once": N_("一次性发放"),
    "once_per_period": N_("每 %(months)s 个月内最多享受一次"),
    "per_subject": N_("每个对象（如每张证书、每次招用）一次"),
    "monthly": N_("按月发放"),
}
_KINDS = {"cash": N_("现金"), "in_kind": N_("实物"), "service": N_("服务")}
_VALIDITY = {
    "in_force": N_("有效"),
    "expired": N_("已失效"),
    "not_yet": N_("尚未生效"),
}
# Column headings of a proactive list, by subject: (key, name).
_LIST_COLUMNS = {
    "worker": (N_("公民身份号码（脱敏）"), N_("姓名")),
    "employer": (N_("统一社会信用代码"), N_("单位名称")),
    "household": (N_("户编号"), N_("名称")),
}
_DEFAULT_COLUMNS = (N_("证件号码（脱敏）及编号"), N_("姓名 · 名称"))


def _require(policy_class, user, action: str) -> None:
    if not policy_class.can(user, action):
        raise PermissionDenied(_("您没有此操作的权限。"))


def _policy_or_404(policy_id: str) -> Policy:
    policy = get_policy(str(policy_id))
    if policy is None:
        raise Http404
    return policy


def _today() -> dt.date:
    return timezone.localdate()


def validity(policy: Policy, on: dt.date) -> str:
    if policy.valid_from and on < policy.valid_from:
        return "not_yet"
    if policy.valid_to and on > policy.valid_to:
        return "expired"
    return "in_force"


def scope_root(policy: Policy, user) -> str | None:
    """Where the policy and the user's jurisdiction overlap: the narrower of the two prefixes, or
    None when the policy does not apply anywhere the user may see."""
    issuing, mine = policy.issuing_region, user.jurisdiction or ""
    if mine.startswith(issuing):
        return mine
    if issuing.startswith(mine):
        return issuing
    return None


def frequency_text(frequency: dict) -> str:
    kind = frequency.get("kind", "once")
    text = str(_FREQUENCY.get(kind, kind))
    return text % {"months": frequency.get("months", "?")} if "%(months)s" in text else text


def _label(label, language: str | None = None) -> str:
    return label.text(language or translation.get_language()) if label is not None else ""


# ---------------------------------------------------------------------------------------------
# Policy list and detail
# ---------------------------------------------------------------------------------------------


@login_required
@require_GET
def policy_list(request):
    _require(PolicyPolicy, request.user, "view")
    today = _today()
    subject = request.GET.get("subject", "")
    if subject not in SUBJECTS:
        subject = ""
    mine = request.GET.get("mine") == "1"
    rows = []
    for policy in sorted(catalogue().policies.values(), key=lambda p: (p.issuing_region, p.id)):
        if subject and policy.subject != subject:
            continue
        applies = scope_root(policy, request.user) is not None
        if mine and not applies:
            continue
        rows.append({
            "policy": policy, "title": _label(policy.title), "subject": SUBJECTS[policy.subject].label,
            "region": region_label(policy.issuing_region), "lead": department_label(policy.lead),
            "validity": validity(policy, today), "validity_label": _VALIDITY[validity(policy, today)],
            "applies": applies,
        })
    context = {
        "rows": rows, "nav": "policies", "subject": subject, "mine": mine,
        "subjects": [(name, s.label) for name, s in SUBJECTS.items()],
        "rejected": len(catalogue().errors),
    }
    return render(request, "policies/policy_list.html", context)


@dataclass
class ParamView:
    name: str
    label: str
    unit: str
    type: str
    value: Decimal | None = None
    level: str | None = None
    level_name: str = ""
    history: list[tuple[str, list[ParameterValue]]] = field(default_factory=list)
    assumption: str = ""
    current: ParameterValue | None = None  # the row in force (its source: demo data, none)


def _param_views(policy: Policy, region: str, on: dt.date) -> list[ParamView]:
    """Each parameter of the policy: the value in force for `region` on `on` and where it comes
    from, and the full history per region (one query for all of them)."""
    names = sorted(policy.parameters)
    rows = list(ParameterValue.objects.filter(parameter__name__in=names).select_related("parameter", "created_by")
                .order_by("parameter__name", "region_prefix", "-valid_from"))
    views = []
    for name in names:
        decl = policy.parameters[name]
        mine = [r for r in rows if r.parameter.name == name]
        table: dict[str, Decimal | None] = {}
        in_force: dict[str, ParameterValue] = {}
        by_region: dict[str, list[ParameterValue]] = {}
        for r in mine:
            if r.valid_from <= on:
                table.setdefault(r.region_prefix, r.value)
                in_force.setdefault(r.region_prefix, r)
            by_region.setdefault(r.region_prefix, []).append(r)
        value, level = parameters.resolve(name, region, on, table=table)
        shipped = {(v["region"], v["from"]): v["assumption"] for v in decl.values if v["assumption"]}
        for r in mine:
            # The pack's reason, beside the row it shipped (staff rows carry none).
            assumption = shipped.get((r.region_prefix, r.valid_from))
            r.assumption = _label(assumption) if assumption and r.created_by_id is None else ""
        views.append(ParamView(name, _label(decl.label), _label(decl.unit), decl.type, value, level,
                               region_label(level) if level is not None else "",
                               [(region_label(prefix), values) for prefix, values in by_region.items()],
                               _label(decl.assumption) if decl.assumption else "",
                               in_force.get(level) if level is not None else None))
    return views


def _condition_rows(policy: Policy) -> list[dict[str, Any]]:
    return [{"label": _label(c.label), "name": c.name, "source": c.expression.source, "exclusion": exclusion,
             "assumption": _label(c.assumption) if c.assumption else ""}
            for exclusion, items in ((False, policy.conditions), (True, policy.exclusions)) for c in items]


@login_required
@require_GET
def policy_detail(request, policy_id):
    _require(PolicyPolicy, request.user, "view")
    policy = _policy_or_404(policy_id)
    today = _today()
    root = scope_root(policy, request.user)
    region = root if root is not None else policy.issuing_region
    facts = CATALOGUE[policy.subject]
    can_scan = PolicyPolicy.can(request.user, "scan") and root is not None
    measure = documents.catalogue().measure_of(policy.id)
    context = {
        "source_document": measure[0] if measure else None,
        "policy": policy, "nav": "policies", "title": _label(policy.title), "gist": _label(policy.gist),
        "subject": SUBJECTS[policy.subject].label, "issuing": region_label(policy.issuing_region),
        "lead": department_label(policy.lead), "cooperating": [department_label(d) for d in policy.cooperating],
        "validity": validity(policy, today), "validity_label": _VALIDITY[validity(policy, today)],
        "conditions": _condition_rows(policy), "frequency": frequency_text(policy.frequency),
        "frequency_assumption": _label(policy.frequency_assumption) if policy.frequency_assumption else "",
        "valid_assumption": _label(policy.valid_assumption) if policy.valid_assumption else "",
        "assumptions": [{"about": _label(a.about), "reason": _label(a.reason)} for a in policy.assumptions],
        "kind_label": _KINDS[policy.kind],
        "quota": {"units": policy.quota.units, "unit": _label(policy.quota.unit)} if policy.quota else None,
        "parameters_on": facts[policy.parameters_on].label if policy.parameters_on else "",
        "amount_note": _label(policy.amount_note) if policy.amount_note else "",
        "verification": [{"label": _label(_as_label(v.get("label"))) or v.get("step", ""),
                          "department": department_label(str(v.get("department", "")))} for v in policy.verification],
        "facts_read": [{"name": n, "label": facts[n].label, "unit": facts[n].unit, "in_database": facts[n].in_database}
                       for n in sorted(policy.facts_read())],
        "params": _param_views(policy, region, today), "param_region": region_label(region), "today": today,
        "applies": root is not None, "can_scan": can_scan,
        "scan_form": ScanForm(user=request.user, root=root) if can_scan else None,
        "jobs": ScanJob.objects.filter(created_by=request.user, policy_id=policy.id)
        .only("id", "on_date", "region_prefix", "status", "result_count", "created_at")[:10] if can_scan else [],
    }
    return render(request, "policies/policy_detail.html", context)


def _as_label(raw: Any):
    from anju.policies.packs import Label

    if isinstance(raw, dict) and raw.get("zh"):
        return Label(str(raw.get("zh")), str(raw.get("en") or raw.get("zh")))
    return None


def parameter_readers(name: str) -> list[tuple[str, str]]:
    """The policies that read parameter `name`, for the parameter page (registered with
    anju.params.selectors.register_reader)."""
    return [(_label(p.title), reverse("policies:policy_detail", args=[p.id]))
            for p in sorted(catalogue().policies.values(), key=lambda p: p.id) if name in p.parameters]


# ---------------------------------------------------------------------------------------------
# A worker's page: every policy that applies today, explained
# ---------------------------------------------------------------------------------------------


def fact_text(subject: str, name: str, value: Any) -> str:
    fact = CATALOGUE[subject].get(name)
    label = fact.label if fact else name
    if value is None:
        shown = _("未知")
    elif fact is not None and fact.type == BOOL:
        shown = _("是") if value else _("否")
    elif fact is not None and fact.type == DATE and isinstance(value, dt.date):
        shown = value.isoformat()
    elif fact is not None and fact.type == NUMBER:
        shown = _number(value) + (f" {fact.unit}" if fact.unit else "")
    else:
        shown = str(value)
    return f"{label}：{shown}"


def _number(value: Any) -> str:
    if isinstance(value, Decimal):
        return plain_decimal(value)
    return str(value)


def param_label(policy: Policy, name: str) -> str:
    decl = policy.parameters.get(name)
    return _label(decl.label) if decl else name


def param_text(policy: Policy, name: str, value: Any, provenance: str | None = None) -> str:
    """"城乡最低生活保障标准：800 元/月", marked when the value is demo data or names no source."""
    decl = policy.parameters.get(name)
    label = param_label(policy, name)
    if value is None:
        return f"{label}：{_('未录入')}"
    if decl is not None and decl.type == "rate":
        text = f"{label}：{_number(Decimal(value) * 100)}%"
    else:
        unit = _label(decl.unit) if decl else ""
        text = f"{label}：{_number(value)}" + (f" {unit}" if unit else "")
    if provenance:
        text += f"（{_PROVENANCE[provenance]}）"
    return text


_PROVENANCE = {"demo": N_("演示数据"), "none": N_("未注明依据")}


def unsourced_note(policy: Policy, e: engine.Evaluation) -> str:
    """What a decision rests on that is not official: "依据的参数（城乡最低生活保障标准）为演示数据…"."""
    if not e.unsourced:
        return ""
    demo = [param_label(policy, n) for n, kind in e.unsourced.items() if kind == "demo"]
    bare = [param_label(policy, n) for n, kind in e.unsourced.items() if kind != "demo"]
    parts = []
    if demo:
        parts.append(_("%(names)s为演示数据，不是正式取值") % {"names": "、".join(demo)})
    if bare:
        parts.append(_("%(names)s的取值未注明依据") % {"names": "、".join(bare)})
    return _("注意：%(what)s，以下判定和金额仅供参考。") % {"what": "；".join(parts)}


@dataclass
class PanelEntry:
    policy: Policy
    title: str
    status: str
    status_label: str
    amount: Decimal | None
    pending_text: str
    missing: list[str]
    conditions: list[dict[str, Any]]
    lead: str
    amount_params: list[str] = field(default_factory=list)
    not_in_force: bool = False
    recorded: bool = False
    missing_params: str = ""  # "月最低工资标准未录入"
    unsourced: str = ""
    range_text: str = ""
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    error: str = ""


_STATUS_LABELS = {engine.ELIGIBLE: N_("符合条件"), engine.NOT_ELIGIBLE: N_("不符合条件"), engine.UNKNOWN: N_("暂无法判断")}


def range_text(e: engine.Evaluation) -> str:
    """"可在 1000–2000 元内核定" for a policy whose approver chooses the amount."""
    low, high = e.amount_min, e.amount_max
    if not e.policy.has_range or e.status != engine.ELIGIBLE:
        return ""
    if (e.policy.amount_min is not None and low is None) or (e.policy.amount_max is not None and high is None):
        return _("金额范围所依据的参数未录入。")
    if low is not None and high is not None:
        return _("由经办人在 %(low)s–%(high)s 元内核定。") % {"low": low, "high": high}
    if low is not None:
        return _("由经办人核定，不低于 %(low)s 元。") % {"low": low}
    return _("由经办人核定，不超过 %(high)s 元。") % {"high": high}


def missing_params_text(policy: Policy, e: engine.Evaluation) -> str:
    if not e.missing_params:
        return ""
    return _("%(names)s未录入") % {"names": "、".join(param_label(policy, n) for n in e.missing_params)}


def _panel_entry(policy: Policy, e: engine.Evaluation) -> PanelEntry:
    facts = CATALOGUE[policy.subject]
    conditions = []
    for c in e.conditions:
        mark = {True: "✓", False: "✗", None: "?"}[c.passed]
        conditions.append({
            "mark": mark, "passed": c.passed, "label": c.label_en if is_english() else c.label_zh,
            "exclusion": c.exclusion,
            "facts": [fact_text(policy.subject, n, v) for n, v in c.facts.items()],
            "params": [param_text(policy, n, v, e.unsourced.get(n)) for n, v in c.params.items()],
        })
    amount_params = []
    if e.status == engine.ELIGIBLE:
        amount_params = [param_text(policy, n, e.params.get(n), e.unsourced.get(n)) for n in sorted(policy.params_read())]
    lead = department_phrase(policy.lead)["en" if is_english() else "zh"]
    entry = PanelEntry(
        policy=policy, title=_label(policy.title), status=e.status, status_label=str(_STATUS_LABELS[e.status]),
        amount=e.amount, pending_text=_("金额待%(lead)s确定") % {"lead": lead} if e.amount_pending else "",
        missing=[facts[n].label if n in facts else n for n in e.missing_facts], conditions=conditions,
        lead=department_label(policy.lead), amount_params=amount_params, not_in_force=not e.applicable,
        missing_params=missing_params_text(policy, e), unsourced=unsourced_note(policy, e), range_text=range_text(e),
        amount_min=e.amount_min, amount_max=e.amount_max,
    )
    return entry


def _worker_panel(request, worker, *, recorded: str | None = None, status: int = 200, error: tuple[str, str] | None = None):
    today = _today()
    policies = [p for p in sorted(catalogue().policies.values(), key=lambda p: p.id)
                if p.subject == "worker" and engine.applies_in(p, worker.residence_region_id)]
    # One query for every policy's facts and one for their parameters, however many packs apply.
    entries = [_panel_entry(p, e) for p, e in zip(policies, engine.evaluate_subject_many(policies, worker, today), strict=True)]
    for entry in entries:
        entry.recorded = entry.policy.id == recorded
        if error and entry.policy.id == error[0]:
            entry.error = error[1]
    context = {"worker": worker, "entries": entries, "today": today,
               "can_decide": PolicyPolicy.can(request.user, "decide")}
    return render(request, "policies/_worker_policies.html", context, status=status)


@login_required
@require_GET
def worker_policies(request, worker_pk):
    worker = get_worker_for_user(request.user, worker_pk)
    return _worker_panel(request, worker)


@login_required
@require_POST
def worker_decide(request, worker_pk, policy_id):
    worker = get_worker_for_user(request.user, worker_pk)
    policy = _policy_or_404(policy_id)
    _require(PolicyPolicy, request.user, "decide")
    if policy.subject != "worker" or not engine.applies_in(policy, worker.residence_region_id):
        raise Http404
    problem = None
    amount = None
    raw = (request.POST.get("amount") or "").strip().replace(",", "").replace("，", "")
    if raw and policy.has_range:
        try:
            amount = Decimal(raw[:20])
        except InvalidOperation:
            problem = _("“%(value)s”不是金额。") % {"value": raw[:20]}
        else:
            if not amount.is_finite() or amount.as_tuple().exponent < -2:  # type: ignore[operator]
                problem, amount = _("金额最多保留两位小数。"), None
            elif not 0 <= amount <= MAX_AMOUNT:
                problem, amount = _("金额须在 0 到 %(max)s 元之间。") % {"max": MAX_AMOUNT}, None
    if problem is None:
        try:
            decision_record(actor=request.user, policy=policy, subject_obj=worker, on=_today(), amount=amount)
        except DecisionError as exc:
            problem = _decision_problem(exc)
    if problem is not None:
        if not request.htmx:
            messages.error(request, problem)
            return redirect("registry:worker_detail", pk=worker.pk)
        return _worker_panel(request, worker, status=400, error=(policy.id, problem))
    if not request.htmx:
        messages.success(request, _("已记录判定：%(title)s。") % {"title": _label(policy.title)})
        return redirect("registry:worker_detail", pk=worker.pk)
    return _worker_panel(request, worker, recorded=policy.id)


def _decision_problem(exc: DecisionError) -> str:
    e = exc.evaluation
    if exc.code == "outside":
        return _("金额超出政策规定的范围：%(range)s") % {"range": range_text(e)}
    if exc.code == "not_eligible":
        return _("不符合条件，不能核定金额。")
    if exc.code == "range_unknown":
        return _("金额范围所依据的参数未录入，暂不能核定金额。")
    return _("此政策的金额不由经办人核定。")


# ---------------------------------------------------------------------------------------------
# Proactive lists (免申即享)
# ---------------------------------------------------------------------------------------------


@login_required
@require_POST
def scan_start(request, policy_id):
    policy = _policy_or_404(policy_id)
    _require(PolicyPolicy, request.user, "scan")
    root = scope_root(policy, request.user)
    if root is None:
        raise Http404
    form = ScanForm(request.POST, user=request.user, root=root)
    if not form.is_valid():
        problems = "；".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, _("无法生成名单：%(problems)s") % {"problems": problems})
        return redirect(reverse("policies:policy_detail", args=[policy.id]) + "#scan")
    job = scan_job_create(actor=request.user, policy=policy, region_prefix=form.cleaned_data["region"],
                          on=form.cleaned_data["on"])
    run_scan.enqueue(job.pk)
    return redirect("policies:scan_job", pk=job.pk)


def _job_context(request, job: ScanJob) -> dict[str, Any]:
    policy = get_policy(job.policy_id)
    subject = policy.subject if policy else "worker"
    key_header, name_header = _LIST_COLUMNS.get(subject, _DEFAULT_COLUMNS)
    page = Paginator(job.results or [], RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row["region_name"] = region_name(row.get("region")) or row.get("region")
    return {
        "job": job, "policy": policy, "title": _label(policy.title) if policy else job.policy_id, "nav": "policies",
        "region": region_label(job.region_prefix), "page": page, "key_header": key_header, "name_header": name_header,
        "running": job.is_running,
        "truncated": job.status == ScanJob.Status.DONE and job.result_count > len(job.results or []),
        "kept": len(job.results or []), "can_export": PolicyPolicy.can(request.user, "export"),
        "can_bulk_create": _can_bulk_create(request.user),
    }


def _can_bulk_create(user) -> bool:
    from anju.benefits.permissions import ApplicationPolicy

    return ApplicationPolicy.can(user, "bulk_create")


@login_required
@require_GET
def scan_job(request, pk):
    job = job_for_user(ScanJob, request.user, pk)
    return render(request, "policies/scan_job.html", _job_context(request, job))


@login_required
@require_GET
def scan_progress(request, pk):
    """The progress fragment while the task runs; once it is done, htmx reloads the page."""
    job = job_for_user(ScanJob, request.user, pk)
    if not job.is_running:
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return redirect("policies:scan_job", pk=job.pk)
    return render(request, "policies/scan_job.html#progress", _job_context(request, job))


def _export_rows(job: ScanJob) -> list[list[Any]]:
    return [[r.get("key", ""), r.get("name", ""), region_name(r.get("region")) or r.get("region", ""),
             r.get("region", ""), None if r.get("amount") is None else Decimal(r["amount"])] for r in job.results or []]


@login_required
@require_GET
def scan_export(request, pk):
    job = job_for_user(ScanJob, request.user, pk)
    _require(PolicyPolicy, request.user, "export")
    file_format = request.GET.get("format", "xlsx")
    if file_format not in ("xlsx", "csv"):
        return HttpResponse(_("导出格式只能是 xlsx 或 csv。"), status=400, content_type="text/plain; charset=utf-8")
    if job.status != ScanJob.Status.DONE:
        return HttpResponse(_("名单尚未生成完成，暂不能导出。"), status=409, content_type="text/plain; charset=utf-8")
    policy = get_policy(job.policy_id)
    key_header, name_header = _LIST_COLUMNS.get(policy.subject if policy else "worker", _DEFAULT_COLUMNS)
    headers = [str(key_header), str(name_header), _("地区"), _("区划代码"), _("金额（元）")]
    rows = _export_rows(job)
    scan_export_record(actor=request.user, job=job, file_format=file_format, rows=len(rows))
    filename = f"proactive-{job.policy_id}-{job.on_date:%Y%m%d}"
    if file_format == "csv":
        from anju.lib.sheets import csv_lines

        response = StreamingHttpResponse(csv_lines(headers, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}.csv"
        return response
    from anju.registry.workbook import LedgerWriter

    buffer = io.BytesIO()
    writer = LedgerWriter(buffer)
    writer.sheet(_("名单"), headers, [headers, *rows], widths={0: 24, 3: 14})
    writer.close()
    response = HttpResponse(buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}.xlsx"
    return response


@login_required
@require_GET
def fact_catalogue(request):
    """Every fact a policy may read, per subject: what it means, its unit, and where it comes from."""
    from anju.policies.facts import CATALOGUE
    from anju.policies.packs import catalogue

    readers: dict[tuple[str, str], list[Policy]] = {}
    for policy in catalogue().policies.values():
        for name in sorted(policy.facts_read()):
            readers.setdefault((policy.subject, name), []).append(policy)
    subjects = []
    for subject, facts in CATALOGUE.items():
        rows = [{"fact": f, "policies": readers.get((subject, f.name), [])} for f in sorted(facts.values(), key=lambda f: f.name)]
        subjects.append({"name": subject, "label": SUBJECTS[subject].label, "rows": rows})
    return render(request, "policies/fact_catalogue.html", {"subjects": subjects, "nav": "policies"})
