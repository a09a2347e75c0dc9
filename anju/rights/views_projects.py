"""Pages of construction projects under the wage guarantee: the list (staff see their
jurisdiction, a contractor's payroll supervisor only its own projects), the form, and the
project's page in sections — overview, subcontractors and teams, the real-name roster, attendance
and payroll by month, the special account, the deposit, the notice board, open warnings and
uploads — with the printable notice board. Every project comes through
`construction.get_project_for_user` (out of scope is 404); writes are `construction.*` services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q
from django.db.models.functions import Substr
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anju.employment.selectors import checked_pk
from anju.lib.errors import AnjuError
from anju.lib.paginators import CappedPaginator
from anju.params.models import Parameter
from anju.regions.codes import prefix_q
from anju.regions.selectors import region_name
from anju.rights import construction
from anju.rights.forms_projects import (
    AccountFileForm,
    AccountOpenForm,
    DayForm,
    DepositForm,
    DepositMoveForm,
    EntryForm,
    ProjectFilterForm,
    ProjectForm,
    RosterForm,
    SubcontractorForm,
    TeamForm,
)
from anju.rights.models import (
    ArrearsCase,
    DepositMovement,
    Level,
    Project,
    RosterEntry,
    Warning,
    WarningStatus,
)
from anju.rights.permissions import CasePolicy, ProjectPolicy, WarningPolicy
from anju.rights.services import today

NAV = "rights"
PAGE_SIZE = 50
ROSTER_PAGE_SIZE = 50
SECTIONS = ("overview", "parties", "roster", "payroll", "account", "deposit", "board", "warnings", "uploads")


def _url(name: str, *args) -> str:
    """The url of a page another engineer owns, or "" while it does not exist."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


_RISK_CSS = {3: "text-bg-danger", 2: "text-bg-warning", 1: "text-bg-light border border-warning"}


def _risk(level: int | None) -> dict | None:
    """The badge of a risk level (the highest open warning), or None without one."""
    if level is None:
        return None
    return {"level": level, "label": Level(level).label, "css": _RISK_CSS.get(level, "text-bg-secondary")}


def _require(user, action: str, project: Project | None = None) -> None:
    allowed = ProjectPolicy.can(user, action) if project is None else ProjectPolicy.can_on(user, action, project)
    if not allowed:
        raise PermissionDenied(_("您没有此操作的权限。"))


def _add_error(form, exc: AnjuError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.text())


# The list ------------------------------------------------------------------------------------
@login_required
@require_GET
def project_list(request):
    user = request.user
    _require(user, "view")
    visible = construction.projects_for_user(user)
    towns = sorted({t for t in visible.annotate(t=Substr("region_id", 1, 9)).values_list("t", flat=True).distinct()})
    form = ProjectFilterForm(request.GET or None, towns=[(t, region_name(t.ljust(12, "0"))) for t in towns])
    data = {}
    if form.is_bound:
        form.is_valid()  # a malformed filter is dropped; the others still apply
        data = form.cleaned_data
    town = (request.GET.get("town") or "").strip()
    qs = visible
    if town:
        qs = qs.filter(prefix_q("region_id", town)) if town in towns else qs.none()
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    qs = construction.with_risk(qs)
    risk = data.get("risk", "")
    if risk == "none":
        qs = qs.filter(risk__isnull=True)
    elif risk:
        qs = qs.filter(risk=int(risk))
    # The riskiest first; projects without a warning last on every database (PostgreSQL sorts NULL first).
    paginator = CappedPaginator(qs.order_by(F("risk").desc(nulls_last=True), "region_id", "code"), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for p in rows:
        p.place, p.risk_badge = region_name(p.region_id), _risk(p.risk)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "rights/project_list.html", {
        "nav": NAV, "form": form, "page": page, "paginator": paginator, "rows": rows, "page_query": query.urlencode(),
        "filtering": bool(town or data.get("status") or risk), "can_create": ProjectPolicy.can(user, "create"),
    })


# The form ------------------------------------------------------------------------------------
def _service_data(form) -> dict:
    return dict(form.cleaned_data)


@login_required
@require_http_methods(["GET", "POST"])
def project_new(request):
    user = request.user
    _require(user, "create")
    initial = {"region_id": (user.jurisdiction or "").ljust(12, "0") if user.jurisdiction else "",
               "disbursement_cycle_months": 1}
    form = ProjectForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            project = construction.project_create(actor=user, data=_service_data(form))
        except AnjuError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("已登记工程项目。"))
            return redirect("rights:project", pk=project.pk)
    return render(request, "rights/project_form.html", {"nav": NAV, "form": form, "project": None},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, pk):
    user = request.user
    project = construction.get_project_for_user(user, pk)
    _require(user, "change", project)
    initial = {f: getattr(project, f) for f in construction.PROJECT_FIELDS} | {"version": project.version}
    form = ProjectForm(request.POST or None, user=user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = _service_data(form)
        try:
            construction.project_update(actor=user, project=project, data=data, expected_version=data.pop("version"))
        except AnjuError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("已保存项目信息。"))
            return redirect("rights:project", pk=project.pk)
    return render(request, "rights/project_form.html", {"nav": NAV, "form": form, "project": project},
                  status=400 if form.errors else 200)


# The project's page --------------------------------------------------------------------------
def _section_context(request, project: Project, section: str, bound: dict) -> dict:
    user = request.user
    can_change = ProjectPolicy.can_on(user, "change", project)
    can_upload = ProjectPolicy.can_on(user, "upload", project)
    can_finance = ProjectPolicy.can_on(user, "finance", project)
    ctx: dict = {}
    if section == "overview":
        counts = project.roster.aggregate(n=Count("id"), on_site=Count("id", filter=Q(exited_on__isnull=True)),
                                          unsettled=Count("id", filter=Q(exited_on__isnull=False, settled_on__isnull=True)),
                                          no_contract=Count("id", filter=Q(contract_signed=False)))
        ctx.update(counts=counts, n_teams=project.teams.count(), n_subs=project.subcontractors.count(),
                   account=construction.account_summary(project), deposit=construction.deposit_state(project))
    elif section == "parties":
        ctx.update(subcontractors=list(project.subcontractors.order_by("id")),
                   teams=list(project.teams.select_related("subcontractor").annotate(n=Count("members")).order_by("id")),
                   sub_form=bound.get("sub") or (SubcontractorForm() if can_change else None),
                   team_form=bound.get("team") or (TeamForm(project=project) if can_upload else None))
    elif section == "roster":
        qs = project.roster.select_related("team").order_by("-entered_on", "-id")
        state = request.GET.get("state", "")
        if state == "on_site":
            qs = qs.filter(exited_on__isnull=True)
        elif state == "unsettled":
            qs = qs.filter(exited_on__isnull=False, settled_on__isnull=True)
        paginator = CappedPaginator(qs, ROSTER_PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        ctx.update(page=page, paginator=paginator, rows=list(page.object_list), state=state,
                   page_query=query.urlencode(), today=today(),
                   roster_form=bound.get("roster") or (RosterForm(project=project, initial={"entered_on": today()})
                                                       if can_upload else None),
                   day_error=bound.get("day_error", ""))
    elif section == "payroll":
        ctx.update(months=construction.monthly_figures(project))
    elif section == "account":
        ctx.update(summary=construction.account_summary(project),
                   open_form=bound.get("open") or (AccountOpenForm() if can_finance else None),
                   file_form=bound.get("file") or (AccountFileForm(initial={"filed_on": today()}) if can_finance else None),
                   entry_form=bound.get("entry") or (EntryForm(project=project, initial={"booked_on": today()})
                                                     if can_upload else None))
    elif section == "deposit":
        state = construction.deposit_state(project)
        deposit = state["deposit"]
        label = "label_en" if (get_language() or "").startswith("en") else "label_zh"
        labels = dict(Parameter.objects.filter(name__in=state["assessment"].missing).values_list("name", label))
        ctx.update(state=state, assessment=state["assessment"],
                   missing="、".join(f"{labels.get(n, n)}（{n}）" for n in state["assessment"].missing),
                   notes=[_(n) for n in state["assessment"].notes],
                   deposit_form=bound.get("deposit") or (DepositForm(initial={"form": deposit.form if deposit else "",
                                                                              "bank": deposit.bank if deposit else ""})
                                                         if can_finance else None),
                   move_forms=[(kind, label, bound.get(kind) or DepositMoveForm(prefix=kind, initial={"on": today()}))
                               for kind, label in DepositMovement.Kind.choices] if can_finance else [])
    elif section == "board":
        ctx.update(board=construction.notice_board(project),
                   board_form=bound.get("board") or (DayForm(initial={"on": today(), "version": project.version})
                                                     if can_upload else None))
    elif section == "warnings":
        from anju.rights.warnings import rule_label, warning_text

        open_warnings = list(Warning.objects.filter(project=project, status=WarningStatus.OPEN)
                             .order_by("-level", "-raised_on"))
        for w in open_warnings:
            w.label, w.text = rule_label(w.rule), warning_text(w)
        ctx.update(warnings=open_warnings,
                   warning_links=bool(_url("rights:warning", 1)) and WarningPolicy.can(user, "view"))
    elif section == "uploads":
        ctx.update(imports_url=_url("rights:project_imports", project.pk) if can_upload else "")
    return ctx


def _detail(request, project: Project, section: str, *, bound: dict | None = None, status: int = 200):
    user = request.user
    section = section if section in SECTIONS else "overview"
    risk = (Warning.objects.filter(project=project, status=WarningStatus.OPEN).order_by("-level")
            .values_list("level", flat=True).first())
    context = {
        "nav": NAV, "project": project, "section": section, "sections": _sections(), "place": region_name(project.region_id),
        "risk": _risk(risk), "can_change": ProjectPolicy.can_on(user, "change", project),
        "can_upload": ProjectPolicy.can_on(user, "upload", project),
        "can_finance": ProjectPolicy.can_on(user, "finance", project),
        **_section_context(request, project, section, bound or {}),
    }
    return render(request, "rights/project_detail.html", context, status=status)


def _sections() -> list[tuple[str, str]]:
    return [("overview", _("概况")), ("parties", _("分包与班组")), ("roster", _("实名制花名册")),
            ("payroll", _("考勤与工资")), ("account", _("工资专用账户")), ("deposit", _("工资保证金")),
            ("board", _("维权信息告示牌")), ("warnings", _("预警")), ("uploads", _("数据上传"))]


@login_required
@require_GET
def project_detail(request, pk):
    project = construction.get_project_for_user(request.user, pk)
    return _detail(request, project, request.GET.get("section", "overview"))


def _done(request, project: Project, section: str, text: str):
    messages.success(request, text)
    return redirect(f"{reverse('rights:project', args=[project.pk])}?section={section}")


def _submit(request, project: Project, section: str, key: str, form, call, done: str):
    """Run `call(cleaned_data)` for a valid form; a refusal shows beside the form (status 400)."""
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except AnjuError as exc:
            _add_error(form, exc)
        else:
            return _done(request, project, section, done)
    return _detail(request, project, section, bound={key: form}, status=400)


def _for(request, pk, action: str) -> Project:
    project = construction.get_project_for_user(request.user, pk)
    _require(request.user, action, project)
    return project


@login_required
@require_POST
def subcontractor_add(request, pk):
    project = _for(request, pk, "change")
    form = SubcontractorForm(request.POST)
    return _submit(request, project, "parties", "sub", form,
                   lambda d: construction.subcontractor_add(actor=request.user, project=project, **d),
                   _("已添加分包单位。"))


@login_required
@require_POST
def team_add(request, pk):
    project = _for(request, pk, "upload")
    form = TeamForm(request.POST, project=project)
    return _submit(request, project, "parties", "team", form,
                   lambda d: construction.team_add(actor=request.user, project=project, **d), _("已添加班组。"))


@login_required
@require_POST
def roster_add(request, pk):
    project = _for(request, pk, "upload")
    form = RosterForm(request.POST, project=project)
    return _submit(request, project, "roster", "roster", form,
                   lambda d: construction.roster_add(actor=request.user, project=project, **d),
                   _("已加入实名制花名册。"))


def _roster_day(request, pk, entry_pk, service, done: str):
    project = _for(request, pk, "upload")
    entry = get_object_or_404(RosterEntry, pk=checked_pk(entry_pk), project=project)
    form = DayForm(request.POST)
    if form.is_valid():
        try:
            service(actor=request.user, entry=entry, on=form.cleaned_data["on"])
        except AnjuError as exc:
            messages.error(request, _("%(name)s：%(error)s") % {"name": entry.name, "error": exc.text()})
        else:
            messages.success(request, done % {"name": entry.name})
    else:
        messages.error(request, _("%(name)s：请填写正确的日期。") % {"name": entry.name})
    return redirect(f"{reverse('rights:project', args=[project.pk])}?section=roster")


@login_required
@require_POST
def roster_exit(request, pk, entry_pk):
    return _roster_day(request, pk, entry_pk,
                       lambda *, actor, entry, on: construction.roster_exit(actor=actor, entry=entry, exited_on=on),
                       _("已登记%(name)s退场。"))


@login_required
@require_POST
def roster_settle(request, pk, entry_pk):
    return _roster_day(request, pk, entry_pk,
                       lambda *, actor, entry, on: construction.roster_settle(actor=actor, entry=entry, settled_on=on),
                       _("已确认%(name)s工资结清。"))


@login_required
@require_POST
def account_open(request, pk):
    project = _for(request, pk, "finance")
    form = AccountOpenForm(request.POST)
    return _submit(request, project, "account", "open", form,
                   lambda d: construction.account_open(actor=request.user, project=project, **d),
                   _("已登记农民工工资专用账户。"))


@login_required
@require_POST
def account_file(request, pk):
    project = _for(request, pk, "finance")
    form = AccountFileForm(request.POST)
    return _submit(request, project, "account", "file", form,
                   lambda d: construction.account_file(actor=request.user, project=project, **d), _("已登记备案日期。"))


@login_required
@require_POST
def entry_add(request, pk):
    project = _for(request, pk, "upload")
    form = EntryForm(request.POST, project=project)
    return _submit(request, project, "account", "entry", form,
                   lambda d: construction.entry_add(actor=request.user, project=project, **d), _("已登记专户流水。"))


@login_required
@require_POST
def deposit_set(request, pk):
    project = _for(request, pk, "finance")
    form = DepositForm(request.POST)
    return _submit(request, project, "deposit", "deposit", form,
                   lambda d: construction.deposit_set(actor=request.user, project=project, **d),
                   _("已按现行规则核定工资保证金。"))


def _case_by_number(user, number: str):
    number = (number or "").strip()
    if not number:
        return None
    case = CasePolicy.scope(user, ArrearsCase.objects.filter(number=number)).first()
    if case is None:
        raise construction.RightsError(N_("找不到该欠薪案件（请核对案件编号）。"), "case_number")
    return case


@login_required
@require_POST
def deposit_move(request, pk, kind):
    project = _for(request, pk, "finance")
    if kind not in DepositMovement.Kind.values:
        messages.error(request, _("操作不正确。"))
        return redirect(f"{reverse('rights:project', args=[project.pk])}?section=deposit")
    form = DepositMoveForm(request.POST, prefix=kind)
    user = request.user

    def call(d):
        if kind == DepositMovement.Kind.PAID_OUT:
            return construction.deposit_pay_out(user, project, d["amount"], _case_by_number(user, d["case_number"]),
                                                d["on"], note=d["note"])
        service = {DepositMovement.Kind.LODGED: construction.deposit_lodge,
                   DepositMovement.Kind.TOPPED_UP: construction.deposit_top_up,
                   DepositMovement.Kind.RETURNED: construction.deposit_return}[kind]
        return service(actor=user, project=project, amount=d["amount"], on=d["on"], note=d["note"])

    return _submit(request, project, "deposit", kind, form, call, _("已登记保证金收支。"))


@login_required
@require_POST
def notice_board_posted(request, pk):
    project = _for(request, pk, "upload")
    form = DayForm(request.POST)
    return _submit(request, project, "board", "board", form,
                   lambda d: construction.notice_board_posted(actor=request.user, project=project, on=d["on"],
                                                              expected_version=d["version"]),
                   _("已记录维权信息告示牌张贴日期。"))


@login_required
@require_GET
def notice_board(request, pk):
    project = construction.get_project_for_user(request.user, pk)
    return render(request, "rights/notice_board.html", {
        "nav": NAV, "project": project, "board": construction.notice_board(project, printed_by=request.user)})
