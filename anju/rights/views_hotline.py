"""Staff pages of the hotline: the tickets list, the intake form and a ticket's page (its clocks,
its timeline and the moves the user may make). Every ticket comes through
`hotline.get_ticket_for_user` (out of scope is 404); every write is a service, and its refusal
is shown on the page beside the form that asked for it, never a server error."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import gettext_noop as N_
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anju.lib.errors import AnjuError
from anju.lib.paginators import CappedPaginator
from anju.lib.versioning import VersionConflict
from anju.regions.codes import clean_prefix
from anju.regions.selectors import region_name
from anju.registry.permissions import WorkerPolicy
from anju.rights import forms_hotline as f
from anju.rights import hotline
from anju.rights.kpis import registered_between
from anju.rights.models import Ticket, TicketStatus
from anju.rights.permissions import CasePolicy, TicketPolicy
from anju.rights.services import RightsError, desk_of
from anju.workflow.models import OPEN_STATES, Alert, TaskState, WorkTask
from anju.workflow.steps import get_step

NAV = "rights"
PAGE_SIZE = 30


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("您没有此操作的权限。"))


def _add_error(form, exc: AnjuError) -> None:
    field = exc.field if exc.field in form.fields and not form.fields[exc.field].widget.is_hidden else None
    form.add_error(field, exc.text())


def _url(name: str, *args) -> str:
    """A page another engineer builds, linked only once it exists."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def alert_of(task: WorkTask, on: dt.date) -> int:
    """The level the task's dates have reached today (the nightly sweep stores the same level;
    the page does not wait for it)."""
    if not task.is_open:
        return Alert.NONE
    if task.state == TaskState.PAUSED:
        return Alert.NONE  # its clock stands still
    if task.due_on < on:
        return max(task.alert, Alert.OVERDUE)
    if task.urgent_on and task.urgent_on <= on:
        return Alert.URGENT
    if task.warn_on and task.warn_on <= on:
        return Alert.WARNING
    return Alert.NONE


ALERT_STYLE = {Alert.NONE: "", Alert.WARNING: "info", Alert.URGENT: "warning", Alert.OVERDUE: "danger",
               Alert.ESCALATED: "danger"}


# The list --------------------------------------------------------------------------------------
@login_required
@require_GET
def ticket_list(request):
    user = request.user
    _require(TicketPolicy.can(user, "view"))
    form = f.TicketFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    within = (data.get("region") or "").strip()
    if within and clean_prefix(within) is None:
        messages.warning(request, _("区划代码格式不正确，已忽略该条件。"))
        within = ""
    today = timezone.localdate()
    qs = hotline.tickets_for_user(user, within=within)
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    if data.get("category"):
        qs = qs.filter(Q(category__code=data["category"]) | Q(category__parent__code=data["category"]))
    if data.get("channel"):
        qs = qs.filter(channel=data["channel"])
    if data.get("department"):
        qs = qs.filter(lead_department_kind=data["department"])
    if data.get("from") or data.get("to"):
        low, high = registered_between(data.get("from"), data.get("to"))
        qs = qs.filter(**({"created_at__gte": low} if low else {}), **({"created_at__lt": high} if high else {}))
    if data.get("q"):
        q = data["q"].strip()
        qs = qs.filter(Q(number__iexact=q) | Q(subject__icontains=q))
    overdue = WorkTask.objects.filter(subject_type="ticket", subject_id=OuterRef("pk"), state=TaskState.OPEN,
                                      due_on__lt=today)
    if data.get("overdue"):
        qs = qs.filter(Exists(overdue))
    ordered = qs.select_related("category", "category__parent").annotate(mine=_mine(user)).order_by(
        "mine", "-created_at", "-id")
    paginator = CappedPaginator(ordered, PAGE_SIZE, count_queryset=qs)
    page = paginator.get_page(request.GET.get("page"))
    tickets = list(page.object_list)
    clocks: dict[int, WorkTask] = {}
    for task in (WorkTask.objects.filter(subject_type="ticket", subject_id__in=[t.pk for t in tickets],
                                         state__in=OPEN_STATES).order_by("due_on", "id")):
        clocks.setdefault(task.subject_id, task)
    rows = []
    for t in tickets:
        task = clocks.get(t.pk)
        level = alert_of(task, today) if task else Alert.NONE
        rows.append({"t": t, "task": task, "step": get_step(task.step).label if task else "",
                     "alert": Alert(level).label if level else "", "alert_style": ALERT_STYLE[level],
                     "region": region_name(t.region_id), "mine": t.mine == 0})
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "nav": NAV, "form": form, "page": page, "paginator": paginator, "rows": rows, "page_query": query.urlencode(),
        "filtering": any(data.get(k) for k in ("status", "category", "channel", "region", "overdue", "q", "department",
                                                "from", "to")),
        "can_create": TicketPolicy.can(user, "create"),
    }
    template = "rights/ticket_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


def _mine(user):
    """0 for the tickets the user's department owes the next move on: those it leads, and for
    the desk's department the ones waiting to be dispatched or called back; 1 for the rest."""
    department = getattr(user, "department", None)
    if department is None:
        return Value(1, output_field=IntegerField())
    whens = [When(lead_department_kind=department.kind, then=Value(0))]
    desk = desk_of((user.jurisdiction or "").ljust(12, "0")) if user.jurisdiction else None
    if desk is not None and desk.lead_department_kind == department.kind:
        whens.append(When(status__in=[TicketStatus.NEW, TicketStatus.REPLIED], then=Value(0)))
    return Case(*whens, default=Value(1), output_field=IntegerField())


# Intake ----------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def ticket_new(request):
    user = request.user
    _require(TicketPolicy.can(user, "create"))
    form = f.TicketForm(request.POST or None, user=user)
    chosen = request.POST.getlist("knowledge")[:20] if request.method == "POST" else []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            ticket = hotline.ticket_intake(
                actor=user, channel=d["channel"], category=d["category"], region=d["region"], subject=d["subject"],
                description=d["description"], caller_name=d["caller_name"], phone=d["phone"],
                id_number=d["id_number"], priority=d["priority"], knowledge_ids=chosen)
        except AnjuError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("已登记工单 %(number)s。") % {"number": ticket.number})
            if ticket.worker_id:
                messages.info(request, _("已按证件号码或手机号码关联台账人员。"))
            return redirect("rights:ticket", pk=ticket.pk)
    return render(request, "rights/ticket_form.html", {
        "nav": NAV, "form": form, "suggest_url": _suggest_url(knowledge=chosen),
    }, status=400 if form.errors else 200)


def _suggest_url(**params) -> str:
    """The knowledge base's suggestions (another engineer's fragment, `rights:knowledge_suggest`:
    GET q / subject + description, region, and the cited `knowledge` ids to keep ticked)."""
    base = _url("rights:knowledge_suggest")
    query = urlencode({k: v for k, v in params.items() if v}, doseq=True)
    return f"{base}?{query}" if base and query else base


# A ticket's page -------------------------------------------------------------------------------
ACTION_FORMS = {
    "dispatch": f.DispatchForm, "contact": f.ContactForm, "pause": f.PauseForm, "resume": f.ResumeForm,
    "note": f.NoteForm, "reply": f.ReplyForm, "return": f.ReturnForm, "reassign": f.ReassignForm,
    "merge": f.MergeForm, "link_case": f.LinkCaseForm, "callback": f.CallbackForm,
}
NEEDS_TICKET = {"dispatch", "reassign"}
# The page's action cards, in the order of the work: (action, title, button, button style, hint).
ACTION_UI = [
    ("dispatch", _lazy("派单"), _lazy("确认派单"), "primary", _lazy("按分派规则预选了承办部门，可改选。")),
    ("contact", _lazy("首次联系"), _lazy("已联系来电人"), "primary", ""),
    ("reply", _lazy("答复来电人"), _lazy("提交答复"), "success", _lazy("答复后转热线受理人员回访。")),
    ("pause", _lazy("暂停计时"), _lazy("暂停"), "outline-warning", _lazy("暂停期间不计入办理时限，恢复后期限相应顺延。")),
    ("resume", _lazy("恢复计时"), _lazy("恢复"), "warning", ""),
    ("callback", _lazy("回访"), _lazy("记录回访"), "primary", _lazy("4–5 分办结；1–3 分退回承办部门重新办理。")),
    ("note", _lazy("办理记录"), _lazy("添加记录"), "outline-secondary", ""),
    ("return", _lazy("退回派单"), _lazy("退回"), "outline-danger", _lazy("不属于本部门职责时，写明理由退回受理人员重新派单。")),
    ("reassign", _lazy("改派"), _lazy("改派"), "outline-danger", ""),
    ("merge", _lazy("并单"), _lazy("并入"), "outline-secondary", _lazy("同一诉求的重复来电并入保留的工单，本工单不再办理。")),
    ("link_case", _lazy("关联欠薪案件"), _lazy("关联"), "outline-secondary", ""),
]


def _blank_form(action: str, ticket: Ticket):
    cls = ACTION_FORMS[action]
    kwargs = {"ticket": ticket} if action in NEEDS_TICKET else {}
    initial = {} if action == "note" else {"version": ticket.version}
    return cls(initial=initial, **kwargs)


def _clocks(ticket: Ticket, today: dt.date) -> list[dict]:
    rows = []
    for task in hotline.ticket_tasks(ticket):
        level = alert_of(task, today)
        rows.append({"task": task, "step": get_step(task.step).label, "alert": Alert(level).label if level else "",
                     "alert_style": ALERT_STYLE[level], "pauses": list(task.pauses.all())})
    return rows


def _detail(request, ticket: Ticket, *, bound=None, status: int = 200, error: str = ""):
    user = request.user
    actions = hotline.available_actions(user, ticket)
    forms = {name: _blank_form(name, ticket) for name in actions}
    if bound is not None and bound[0] in forms:
        forms[bound[0]] = bound[1]
    today = timezone.localdate()
    desk = desk_of(ticket.region_id)
    case_new = _url("rights:case_new")
    context = {
        "nav": NAV, "ticket": ticket, "error": error,
        "action_forms": [{"action": a, "form": forms[a], "title": t, "button": b, "style": st, "hint": h,
                          "suggest": _reply_suggest(ticket, forms[a]) if a == "reply" else ""}
                         for a, t, b, st, h in ACTION_UI if a in forms], "clocks": _clocks(ticket, today),
        "events": list(ticket.events.select_related("actor").order_by("at", "id")),
        "merged": list(ticket.merged.order_by("created_at", "id")),
        "cited": list(ticket.knowledge.order_by("title", "id")),
        "region": region_name(ticket.region_id),
        "desk": desk.get_lead_department_kind_display() if desk else "",
        "co_handlers": [_kind_label(k) for k in ticket.co_handlers or []],
        "worker_visible": ticket.worker_id is not None and WorkerPolicy.can_on(user, "view", ticket.worker),
        "case_url": _url("rights:case", ticket.case_id) if ticket.case_id else "",
        "case_new_url": (f"{case_new}?ticket={ticket.pk}" if case_new and not ticket.case_id
                         and ticket.status != TicketStatus.MERGED and CasePolicy.can(user, "create") else ""),
        "is_desk": hotline.is_desk(user, ticket), "is_lead": hotline.is_lead(user, ticket),
    }
    return render(request, "rights/ticket_detail.html", context, status=status)


def _reply_suggest(ticket: Ticket, form) -> str:
    """Answers to cite in the reply: those for what the caller said, the ones already cited
    (at intake, or on the form being re-shown) ticked."""
    chosen = form.data.getlist("knowledge") if form.is_bound else [str(pk) for pk in ticket.knowledge.values_list(
        "pk", flat=True)]
    return _suggest_url(q=f"{ticket.subject} {ticket.description[:200]}", region=ticket.region_id, knowledge=chosen)


def _kind_label(kind: str) -> str:
    from anju.accounts.models import DepartmentKind

    return str(DepartmentKind(kind).label) if kind in DepartmentKind.values else kind


@login_required
@require_GET
def ticket_detail(request, pk):
    return _detail(request, hotline.get_ticket_for_user(request.user, pk))


def _other_ticket(user, number: str) -> Ticket | None:
    return hotline.tickets_for_user(user).filter(number=(number or "").strip().upper()).first()


def _case_by_number(user, number: str):
    from anju.rights.models import ArrearsCase

    return CasePolicy.scope(user, ArrearsCase.objects.all()).filter(number=(number or "").strip().upper()).first()


def _run(action: str, user, ticket: Ticket, d: dict) -> Ticket:
    """The service of one move, from the form's cleaned data."""
    version = d.get("version")
    common = {"actor": user, "ticket": ticket}
    if action == "dispatch":
        kind, role = f.split_lead(d["lead"])
        return hotline.ticket_dispatch(**common, department_kind=kind, role=role, note=d["note"],
                                       expected_version=version)
    if action == "contact":
        return hotline.ticket_contact(**common, note=d["note"], expected_version=version)
    if action == "pause":
        return hotline.ticket_pause(**common, reason_kind=d["reason_kind"], note=d["note"], expected_version=version)
    if action == "resume":
        return hotline.ticket_resume(**common, note=d["note"], expected_version=version)
    if action == "note":
        return hotline.ticket_note(**common, text=d["text"])
    if action == "reply":
        return hotline.ticket_reply(**common, reply=d["reply"], knowledge_ids=d.get("knowledge", ()),
                                    expected_version=version)
    if action == "return":
        return hotline.ticket_return(**common, reason=d["reason"], expected_version=version)
    if action == "reassign":
        kind, role = f.split_lead(d["lead"])
        return hotline.ticket_reassign(**common, department_kind=kind, role=role, reason=d["reason"],
                                       expected_version=version)
    if action == "merge":
        into = _other_ticket(user, d["into"])
        if into is None:
            raise RightsError(N_("找不到工单 %(number)s（或不在您的管辖范围内）。"), "into", params={"number": d["into"]})
        return hotline.ticket_merge(**common, into=into, reason=d["reason"], expected_version=version)
    if action == "link_case":
        case = _case_by_number(user, d["case"])
        if case is None:
            raise RightsError(N_("找不到案件 %(number)s（或不在您的管辖范围内）。"), "case", params={"number": d["case"]})
        return hotline.ticket_link_case(**common, case=case, expected_version=version)
    if action == "callback":
        return hotline.ticket_callback(**common, satisfaction=d["satisfaction"], note=d["note"],
                                       expected_version=version)
    raise Http404


DONE = {
    "dispatch": _lazy("已派单。"), "contact": _lazy("已记录首次联系。"), "pause": _lazy("已暂停计时。"),
    "resume": _lazy("已恢复计时。"), "note": _lazy("已添加办理记录。"), "reply": _lazy("已答复，待回访。"),
    "return": _lazy("已退回派单。"), "reassign": _lazy("已改派。"), "merge": _lazy("已并单。"),
    "link_case": _lazy("已关联欠薪案件。"), "callback": _lazy("已记录回访。"),
}


@login_required
@require_POST
def ticket_act(request, pk, action: str):
    """One move on a ticket: its form is checked, the service decides; a refusal re-renders
    the page with the form and the reason (403 not yours, 409 stale or out of order)."""
    if action not in ACTION_FORMS:
        raise Http404
    user = request.user
    ticket = hotline.get_ticket_for_user(user, pk)
    _require(TicketPolicy.can_on(user, "handle", ticket))
    cls = ACTION_FORMS[action]
    form = cls(request.POST, **({"ticket": ticket} if action in NEEDS_TICKET else {}))
    if not form.is_valid():
        if action not in hotline.available_actions(user, ticket):
            return _detail(request, ticket, status=409, error=_("当前环节不由您办理，或工单状态已变化，请核对后再操作。"))
        return _detail(request, ticket, bound=(action, form), status=400)
    # The cited answers are the suggestion fragment's checkboxes, not a field of the form.
    data = form.cleaned_data | ({"knowledge": request.POST.getlist("knowledge")[:20]} if action == "reply" else {})
    try:
        _run(action, user, ticket, data)
    except VersionConflict as exc:
        ticket = hotline.get_ticket_for_user(user, pk)
        return _detail(request, ticket, status=409,
                       error=_("%(reason)s 页面已显示最新情况，请核对后再操作。") % {"reason": exc.text()})
    except AnjuError as exc:
        ticket = hotline.get_ticket_for_user(user, pk)
        _add_error(form, exc)
        status = exc.status if exc.status in (403, 409) else 400
        if action not in hotline.available_actions(user, ticket):
            return _detail(request, ticket, status=status, error=exc.text())
        return _detail(request, ticket, bound=(action, form), status=status)
    messages.success(request, str(DONE[action]))
    return redirect("rights:ticket", pk=ticket.pk)
