"""Staff pages of wage-arrears cases: the list (filters, overdue, totals), the intake form (also
from a hotline ticket or a warning) and a case's page with its clocks, events and the moves the
user may make.

Every case comes through `cases.get_case_for_user` (out of scope is 404); the writes are the
services of `cases` (and `services.case_create` through `cases.case_register`)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anju.accounts.models import DepartmentKind, Role
from anju.employment.models import Employer
from anju.employment.permissions import EmployerPolicy
from anju.employment.selectors import checked_pk, optional_pk
from anju.lib.errors import AnjuError
from anju.lib.identifiers import IdentifierError, validate_uscc
from anju.lib.paginators import CappedPaginator
from anju.lib.versioning import VersionConflict
from anju.regions.codes import clean_prefix, prefix_q
from anju.regions.models import Level, Region
from anju.regions.selectors import region_name
from anju.rights import cases, construction
from anju.rights.construction import projects_for_user
from anju.rights.forms_cases import (
    CaseFilterForm,
    CaseForm,
    ComplainantFormSet,
    ConcludeForm,
    ReasonForm,
    RecoveryForm,
    TransferForm,
    VersionForm,
)
from anju.rights.models import CaseSource, CaseStatus, CaseWorker, Warning
from anju.rights.permissions import CasePolicy, WarningPolicy
from anju.rights.services import Complainant
from anju.workflow.models import OPEN_STATES, TaskState, WorkTask
from anju.workflow.steps import get_step

NAV = "rights"
PAGE_SIZE = 50
REGION_CHOICES = 1000
PROJECT_CHOICES = 500
EMPLOYER_RESULTS = 20


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("您没有此操作的权限。"))


def _add_error(form, exc: AnjuError) -> None:
    field = exc.field if exc.field in form.fields and not form.fields[exc.field].widget.is_hidden else None
    form.add_error(field, exc.text())


def _link(name: str, pk) -> str:
    """A page of another part of rights protection, when that page exists."""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


# The list ------------------------------------------------------------------------------------
@login_required
@require_GET
def case_list(request):
    user = request.user
    _require(CasePolicy.can(user, "view"))
    form = CaseFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    within = (data.get("region") or "").strip()
    if within and clean_prefix(within) is None:
        messages.warning(request, _("区划代码格式不正确（应为 2、4、6、9 或 12 位数字），已忽略该条件。"))
        within = ""
    qs = cases.cases_for_user(user, within=within)
    if data.get("route"):
        qs = qs.filter(route=data["route"])
    if data.get("overdue"):
        qs = qs.filter(cases.overdue_q())
    counts = {row["status"]: row["n"] for row in qs.order_by().values("status").annotate(n=Count("id"))}
    status = data.get("status", "")
    if status:
        qs = qs.filter(status=status)
    totals = CaseWorker.objects.filter(case__in=qs.values("pk")).aggregate(owed=Sum("amount_owed"),
                                                                          recovered=Sum("amount_recovered"))
    by_method = cases.recovered_by_method(qs.values("pk"))
    paginator = CappedPaginator(qs.order_by("-created_at", "-id"), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = _rows(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    status_links = []
    for value, label in [("", _("全部"))] + list(CaseStatus.choices):
        q = query.copy()
        q.pop("status", None)
        if value:
            q["status"] = value
        status_links.append({"value": value, "label": label, "active": status == value, "query": q.urlencode(),
                             "count": counts.get(value, 0) if value else sum(counts.values())})
    return render(request, "rights/case_list.html", {
        "nav": NAV, "form": form, "page": page, "paginator": paginator, "rows": rows, "status_links": status_links,
        "page_query": query.urlencode(), "owed": totals["owed"] or Decimal("0"),
        "recovered": totals["recovered"] or Decimal("0"), "by_method": by_method,
        "filtering": any(data.get(k) for k in ("status", "route", "region", "overdue")),
        "can_create": CasePolicy.can(user, "create"),
    })


def _rows(page_cases: list) -> list[dict]:
    """Each case of the page with its amounts and open clock: two queries for the whole page."""
    ids = [c.pk for c in page_cases]
    sums = {r["case_id"]: r for r in CaseWorker.objects.filter(case_id__in=ids).values("case_id").annotate(
        owed=Sum("amount_owed"), recovered=Sum("amount_recovered"), n=Count("id"))}
    tasks = {}
    for t in WorkTask.objects.filter(subject_type=cases.SUBJECT, subject_id__in=ids, state__in=OPEN_STATES).order_by(
            "opened_at", "id"):
        tasks[t.subject_id] = t
    today = timezone.localdate()
    rows = []
    for c in page_cases:
        task = tasks.get(c.pk)
        s = sums.get(c.pk, {})
        rows.append({"case": c, "task": task, "step": get_step(task.step).label if task else "",
                     "late": bool(task and task.state == TaskState.OPEN and task.due_on < today), "owed": s.get("owed") or Decimal("0"),
                     "recovered": s.get("recovered") or Decimal("0"), "workers": s.get("n", 0),
                     "region": region_name(c.region_id)})
    return rows


# The intake form -----------------------------------------------------------------------------
def _regions(user) -> list[tuple[str, str]]:
    """The county and towns the user may register a case in (the select of the form)."""
    qs = Region.objects.filter(prefix_q("code", user.jurisdiction or ""), abolished=False,
                               level__in=(Level.COUNTY, Level.TOWN)).order_by("code")
    return [(r.code, r.name if r.level == Level.COUNTY else f"　{r.name}") for r in qs[:REGION_CHOICES]]


def _employers(user):
    return EmployerPolicy.scope(user, Employer.objects.all())


def _from_ticket(user, pk):
    from anju.rights.hotline import get_ticket_for_user

    return get_ticket_for_user(user, checked_pk(pk))


def _from_warning(user, pk) -> Warning:
    warning = (WarningPolicy.scope(user, Warning.objects.select_related("project"), "handle")
               .filter(pk=checked_pk(pk)).first())
    if warning is None:
        raise Http404
    return warning


def _initial(ticket, warning) -> tuple[dict, list[dict], int]:
    """What the form starts with when the case comes from a ticket or a warning: the case's
    fields, the complainant rows, and how many workers the warning is about in all."""
    if ticket is not None:
        first = {"name": ticket.caller_name or (ticket.worker.name if ticket.worker else "")}
        return ({"source": CaseSource.TICKET, "region": ticket.region_id, "summary": ticket.description,
                 "ticket": ticket.pk}, [first] if first["name"] else [], 0)
    if warning is not None:
        from anju.rights.warnings import rule_label, warning_text

        project = warning.project
        return ({"source": CaseSource.WARNING, "region": project.region_id, "project": str(project.pk),
                 "employer_name": project.contractor_name, "employer_uscc": project.contractor_uscc,
                 "summary": f"{rule_label(warning.rule)}：{warning_text(warning)}", "warning": warning.pk,
                 "period_from": warning.period, "period_to": warning.period},
                *construction.warning_workers(warning))
    return {}, [], 0


def _employer_of(user, request, data: dict):
    """The employer picked from the search, else the one whose credit code was typed (if the
    employers table has it); None when neither."""
    pk = optional_pk(request.POST.get("employer"))
    if pk:
        return _employers(user).filter(pk=pk).first()
    if data.get("employer_uscc"):
        return _employers(user).filter(uscc=data["employer_uscc"]).first()
    return None


def _complainants(formset, ticket, warning=None) -> list[Complainant]:
    """The rows filled in; the ticket's caller (the first row) brings the ticket's phone and
    ledger record, which the page never shows; a row from the warning's roster brings the roster
    worker's ID number and phone the same way."""
    from anju.rights.models import RosterEntry

    keys = [f.cleaned_data.get("roster") for f in formset.forms if f.cleaned_data]
    roster = RosterEntry.objects.filter(project_id=warning.project_id, pk__in=[k for k in keys if k]).in_bulk() \
        if warning is not None else {}
    rows = []
    for i, f in enumerate(formset.forms):
        d = f.cleaned_data
        if not d or not d.get("name"):
            continue
        # The roster's identity only for the roster's person: a row whose name was typed over is
        # someone else, and must not carry the roster worker's ID number and phone.
        entry = roster.get(d.get("roster"))
        if entry is not None and entry.name != d["name"].strip():
            entry = None
        c = Complainant(name=d["name"], amount_owed=d["amount_owed"], id_number=d.get("id_number") or "",
                        phone=d.get("phone") or "", roster=entry,
                        worker=entry.worker if entry is not None and not d.get("id_number") else None)
        if ticket is not None and i == 0:
            c.phone = c.phone or ticket.phone
            if ticket.worker is not None and not c.id_number:
                c.worker = ticket.worker
        rows.append(c)
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request):
    user = request.user
    _require(CasePolicy.can(user, "create"))
    source = request.POST if request.method == "POST" else request.GET
    ticket = _from_ticket(user, source["ticket"]) if source.get("ticket") else None
    warning = _from_warning(user, source["warning"]) if source.get("warning") and ticket is None else None
    linked = ticket.case if ticket is not None else warning.case if warning is not None else None
    if linked is not None and cases.cases_for_user(user).filter(pk=linked.pk).exists():
        messages.info(request, _("已转为欠薪案件 %(number)s，无需重复登记。") % {"number": linked.number})
        return redirect("rights:case", pk=linked.pk)
    initial, people, roster_total = _initial(ticket, warning)
    projects = list(projects_for_user(user).order_by("code")[:PROJECT_CHOICES])
    regions = _regions(user)
    bound = request.method == "POST"
    form = CaseForm(request.POST if bound else None, initial=initial, regions=regions, projects=projects)
    formset = ComplainantFormSet(request.POST if bound else None, initial=people, prefix="workers")
    if ticket is not None and ticket.phone_masked:
        formset.forms[0].fields["phone"].widget.attrs["placeholder"] = _("来电号码 %(phone)s（留空自动带入）") % {
            "phone": ticket.phone_masked}
    employer = None
    if bound and form.is_valid() & formset.is_valid():
        d = form.cleaned_data
        employer = _employer_of(user, request, d)
        project = next((p for p in projects if str(p.pk) == d["project"]), None) if d["project"] else None
        uscc = d["employer_uscc"].strip().upper()
        if uscc and employer is None:
            try:
                uscc = validate_uscc(uscc)
            except IdentifierError:
                form.add_error("employer_uscc", _("统一社会信用代码不正确（应为 18 位，末位校验码须正确）。"))
        if not form.errors:
            try:
                case = cases.case_register(
                    actor=user, source=d["source"], route=d["route"], region=d["region"], employer=employer,
                    employer_name=d["employer_name"] or (employer.name if employer else ""),
                    employer_uscc=employer.uscc if employer else uscc, project=project,
                    period_from=d["period_from"], period_to=d["period_to"], summary=d["summary"],
                    complainants=_complainants(formset, ticket, warning), ticket=ticket, warning=warning)
            except AnjuError as exc:
                _add_error(form, exc)
            else:
                messages.success(request, _("已登记欠薪案件 %(number)s。") % {"number": case.number})
                return redirect("rights:case", pk=case.pk)
    return render(request, "rights/case_form.html", {
        "nav": NAV, "form": form, "formset": formset, "ticket": ticket, "warning": warning,
        "from_roster": sum(1 for p in people if p.get("roster")),
        "roster_total": roster_total,
        "employer": employer, "employers": [employer] if employer else [],
        "ticket_url": _link("rights:ticket", ticket.pk) if ticket else "",
    }, status=400 if bound else 200)


@login_required
@require_GET
def case_employers(request):
    """The search of the employers table on the intake form (an htmx fragment: a select)."""
    user = request.user
    _require(CasePolicy.can(user, "create"))
    q = (request.GET.get("employer_q") or "").strip()[:60]
    found = []
    if len(q) >= 2:
        found = list(_employers(user).filter(Q(name__icontains=q) | Q(uscc__istartswith=q.upper()))
                     .order_by("name")[:EMPLOYER_RESULTS])
    return render(request, "rights/_case_employers.html", {"employers": found, "q": q, "searched": bool(q)})


# A case's page -------------------------------------------------------------------------------
def _action_forms(user, case, task, bound: dict) -> dict:
    """The forms of the moves this user may make now, each pre-filled with the case's version."""
    if not cases.may_act(user, case, task):
        return {}
    v = {"version": case.version}
    today = timezone.localdate()

    def make(name, cls, **kwargs):
        return bound.get(name) or cls(initial=v | kwargs.pop("initial", {}), prefix=name, **kwargs)

    out = {"transfer": make("transfer", TransferForm, current=case.route)}
    if case.status == CaseStatus.REGISTERED:
        out["accept"] = make("accept", VersionForm)
        out["refuse"] = make("refuse", ReasonForm)
    elif case.status == CaseStatus.ACCEPTED:
        workers = cases.open_claims(case)
        if workers:
            out["recovery"] = make("recovery", RecoveryForm, workers=workers, initial={"on": today})
        out["conclude"] = make("conclude", ConcludeForm)
        if task.state == TaskState.PAUSED:
            out["resume"] = make("resume", VersionForm)
        else:
            if cases.can_extend(case) and not task.extended_days:
                out["extend"] = make("extend", ReasonForm)
            if case.route in cases.PAUSABLE:
                out["pause"] = make("pause", ReasonForm)
    return out


def _detail(request, case, *, bound: dict | None = None, error: str = "", status: int = 200):
    user = request.user
    workers = list(case.workers.prefetch_related("recoveries"))
    task = cases.open_task(case)
    today = timezone.localdate()
    clocks = [{"task": t, "label": get_step(t.step).label, "late": t.state == TaskState.OPEN and t.due_on < today,
               "pauses": list(t.pauses.all())} for t in cases.case_tasks(case)]
    events = [{"e": e, "label": cases.EVENT_LABELS.get(e.kind, e.kind)}
              for e in case.events.select_related("actor").order_by("at", "id")]
    tickets = [{"t": t, "url": _link("rights:ticket", t.pk)} for t in case.tickets.order_by("created_at")]
    owed = sum((w.amount_owed for w in workers), Decimal("0"))
    recovered = sum((w.amount_recovered for w in workers), Decimal("0"))
    bound = bound or {}
    forms = _action_forms(user, case, task, bound)
    # A refused move whose form is no longer offered (the case moved on) says why at the top.
    stray = [e for name, f in bound.items() if name not in forms for errors in f.errors.values() for e in errors]
    error = error or " ".join(stray)
    return render(request, "rights/case_detail.html", {
        "nav": NAV, "case": case, "workers": workers, "owed": owed, "recovered": recovered, "left": owed - recovered,
        "by_method": cases.recovered_by_method([case.pk]),
        "clocks": clocks, "task": task, "events": events, "tickets": tickets, "forms": forms, "error": error,
        "region": region_name(case.region_id), "pause_basis": cases.PAUSABLE.get(case.route, ""),
        "project_url": _link("rights:project", case.project_id) if case.project_id else "",
        "handler": _handler(case, task), "can_extend": cases.can_extend(case),
    }, status=status)


def _handler(case, task) -> str:
    """Who owes the open clock, in words (the union mediates; HRSS inspects and arbitrates)."""
    if task is None:
        return ""
    return f"{DepartmentKind(task.department_kind).label} · {Role(task.role).label}"


@login_required
@require_GET
def case_detail(request, pk):
    return _detail(request, cases.get_case_for_user(request.user, pk))


def _move(name: str):
    """The service call of each move on a case's page, and what the page says when it is done."""
    return {
        "accept": (VersionForm, lambda u, c, d: cases.case_accept(actor=u, case=c, expected_version=d["version"]),
                   _("已受理，办结期限开始计算。")),
        "refuse": (ReasonForm, lambda u, c, d: cases.case_refuse(actor=u, case=c, reason=d["reason"],
                                                                 expected_version=d["version"]),
                   _("已决定不予受理，并已短信告知投诉人。")),
        "extend": (ReasonForm, lambda u, c, d: cases.case_extend(actor=u, case=c, reason=d["reason"],
                                                                 expected_version=d["version"]),
                   _("已延长办理期限。")),
        "pause": (ReasonForm, lambda u, c, d: cases.case_pause(actor=u, case=c, reason=d["reason"],
                                                               expected_version=d["version"]),
                  _("已暂停计时。")),
        "resume": (VersionForm, lambda u, c, d: cases.case_resume(actor=u, case=c, expected_version=d["version"]),
                   _("已恢复计时，办理期限已顺延。")),
        "transfer": (TransferForm, lambda u, c, d: cases.case_transfer(actor=u, case=c, route=d["route"],
                                                                       reason=d["reason"],
                                                                       expected_version=d["version"]),
                     _("已转办，新途径的办理期限开始计算。")),
        "recovery": (RecoveryForm, lambda u, c, d: cases.case_record_recovery(
            actor=u, case=c, worker_row=int(d["worker"]), amount=d["amount"], method=d["method"], on=d["on"],
            expected_version=d["version"]), _("已登记追回工资。")),
        "conclude": (ConcludeForm, lambda u, c, d: cases.case_conclude(actor=u, case=c, conclusion=d["conclusion"],
                                                                       note=d["note"], expected_version=d["version"]),
                     _("已结案，并已短信告知投诉人。")),
    }[name]


@login_required
@require_POST
def case_action(request, pk, action: str):
    user = request.user
    case = cases.get_case_for_user(user, pk)
    _require(CasePolicy.can_on(user, "handle", case))
    form_class, call, done = _move(action)
    kwargs = {}
    if form_class is TransferForm:
        kwargs["current"] = case.route
    if form_class is RecoveryForm:
        kwargs["workers"] = cases.open_claims(case)
    form = form_class(request.POST, prefix=action, **kwargs)
    if form.is_valid():
        try:
            call(user, case, form.cleaned_data)
        except VersionConflict as exc:
            case = cases.get_case_for_user(user, pk)
            return _detail(request, case, error=_("%(reason)s 页面已显示最新情况，请核对后再操作。") % {
                "reason": exc.text()}, status=409)
        except AnjuError as exc:
            _add_error(form, exc)
            return _detail(request, case, bound={action: form}, status=exc.status if exc.status == 403 else 400)
        messages.success(request, done)
        return redirect("rights:case", pk=case.pk)
    return _detail(request, case, bound={action: form}, status=400)
