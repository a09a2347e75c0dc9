"""Pages of the shared machinery: 我的待办 (the queue), the supervisors' counts, the bell's
messages, and the working-day calendar."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from anju.accounts.models import department_label
from anju.lib.dates import today
from anju.lib.paginators import CappedPaginator
from anju.regions.models import Region
from anju.workflow import outbox, selectors, services
from anju.workflow.calendar import (
    calendar_day_delete,
    calendar_day_set,
    calendar_year_publish,
    work_calendar,
)
from anju.workflow.forms import CalendarDayForm, CalendarYearForm, PauseForm
from anju.workflow.models import (
    Alert,
    CalendarDay,
    CalendarYear,
    Channel,
    Message,
    MessageStatus,
    TaskState,
    WorkTask,
)
from anju.workflow.permissions import CalendarPolicy, SmsPolicy, TaskPolicy
from anju.workflow.steps import get_step, steps

PER_PAGE = 50


def _row(task, on: dt.date) -> dict:
    step = get_step(task.step)
    return {"task": task, "step": step.title, "link": step.link(task) if step.link else "",
            "overdue": task.is_open and task.due_on < on, "alert": Alert(task.alert).label}


@login_required
def queue(request):
    on = today()
    qs = selectors.queue_for_user(request.user)
    step = request.GET.get("step", "")
    if step:
        qs = qs.filter(step=step)
    if request.GET.get("overdue") == "1":
        qs = qs.filter(due_on__lt=on)
    # Deferred join: the page's ids come from the queue index alone, then 50 rows are read, so a
    # deep page does not sort and skip whole rows.
    page = CappedPaginator(qs.values_list("id", flat=True), PER_PAGE).get_page(request.GET.get("page"))
    by_id = WorkTask.objects.in_bulk(list(page))
    tasks = [by_id[pk] for pk in page if pk in by_id]
    names = dict(Region.objects.filter(code__in={t.region_code for t in tasks}).values_list("code", "name"))
    rows = [_row(t, on) | {"region": names.get(t.region_code, t.region_code)} for t in tasks]
    return render(request, "workflow/queue.html", {
        "nav": "queue", "page": page, "rows": rows, "steps": steps(), "step": step,
        "only_overdue": request.GET.get("overdue") == "1", "today": on,
        "fallback": any(r["task"].calendar_fallback for r in rows),
        "pause_form": PauseForm(),
    })


def _back(request, default: str = "workflow:queue"):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


@login_required
@require_POST
def task_pause(request, pk: int):
    task = selectors.get_task_for_user(request.user, pk)
    if task is None or not TaskPolicy.can_act(request.user, task):
        raise Http404
    form = PauseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写暂停原因。"))
        return _back(request)
    try:
        services.task_pause(actor=request.user, task=task, reason=form.cleaned_data["reason"])
    except services.TaskError as exc:
        messages.error(request, _(exc.message))
    else:
        messages.success(request, _("已暂停计时：%(task)s") % {"task": task.subject_label})
    return _back(request)


@login_required
@require_POST
def task_resume(request, pk: int):
    task = selectors.get_task_for_user(request.user, pk)
    if task is None or not TaskPolicy.can_act(request.user, task):
        raise Http404
    try:
        task = services.task_resume(actor=request.user, task=task)
    except services.TaskError as exc:
        messages.error(request, _(exc.message))
    else:
        messages.success(request, _("已恢复计时，办理期限顺延至 %(date)s。") % {"date": task.due_on})
    return _back(request)


@login_required
def supervise(request):
    if not TaskPolicy.can_supervise(request.user):
        raise PermissionDenied(_("只有市县经办人员、管理员和审计人员可以查看督办统计。"))
    on = today()
    qs = selectors.supervised_tasks(request.user)
    by_step = [r | {"label": get_step(r["step"]).title} for r in selectors.open_counts(qs, "step", on=on)]
    by_department = [r | {"label": department_label(r["department_kind"])}
                     for r in selectors.open_counts(qs, "department_kind", on=on)]
    by_town = selectors.open_counts(qs, "town", on=on)
    names = dict(Region.objects.filter(code__in=[r["town"].ljust(12, "0") for r in by_town]).values_list("code", "name"))
    by_town = [r | {"label": names.get(r["town"].ljust(12, "0"), r["town"])} for r in by_town]
    overdue = qs.filter(state__in=(TaskState.OPEN, TaskState.PAUSED), due_on__lt=on).order_by("due_on", "id")
    page = Paginator(overdue, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "workflow/supervise.html", {
        "nav": "queue", "by_step": by_step, "by_department": by_department, "by_town": by_town,
        "page": page, "rows": [_row(t, on) for t in page], "today": on,
    })


@login_required
def message_list(request):
    qs = Message.objects.filter(recipient=request.user, channel=Channel.APP).order_by("-created_at", "-id")
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"message": m, "text": outbox.render(m.text, m.params) if m.text else m.body} for m in page]
    return render(request, "workflow/messages.html", {"nav": "messages", "page": page, "rows": rows})


@login_required
def sms_list(request):
    if not SmsPolicy.can_view(request.user):
        raise PermissionDenied(_("只有系统管理员可以查看短信发送状态。"))
    qs = Message.objects.filter(channel=Channel.SMS).order_by("-created_at", "-id")
    status = request.GET.get("status", "")
    if status in MessageStatus.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    counts = dict(Message.objects.filter(channel=Channel.SMS).values_list("status").annotate(n=Count("id")).order_by())
    page = CappedPaginator(qs.defer("phone_enc"), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "workflow/sms.html", {
        "nav": "queue", "page": page, "status": status,
        "statuses": [(value, label, counts.get(value, 0)) for value, label in MessageStatus.choices],
    })


@login_required
@require_POST
def sms_resend(request, pk: int):
    if not SmsPolicy.can_view(request.user):
        raise PermissionDenied(_("只有系统管理员可以重新发送短信。"))
    message = get_object_or_404(Message, pk=pk, channel=Channel.SMS)
    try:
        outbox.sms_resend(actor=request.user, message=message)
    except outbox.SmsError as exc:
        messages.error(request, _(str(exc)))
    else:
        messages.success(request, _("已重新加入发送队列。"))
    return _back(request, "workflow:sms")


@login_required
@require_POST
def messages_read(request):
    ids = [int(i) for i in request.POST.getlist("id") if i.isascii() and i.isdigit()] or None
    outbox.mark_read(user=request.user, ids=ids)
    return _back(request, "workflow:messages")


@login_required
def calendar(request):
    cal = work_calendar()
    on = today()
    try:
        year = int(request.GET.get("year") or on.year)
    except ValueError:
        year = on.year
    year = min(max(year, 2000), 2100)
    days = CalendarDay.objects.filter(date__year=year).order_by("date")
    entry = CalendarYear.objects.filter(year=year).first()
    return render(request, "workflow/calendar.html", {
        "nav": "calendar", "year": year, "days": days, "entry": entry, "known": sorted(cal.known_years),
        "can_edit": CalendarPolicy.can_edit(request.user), "day_form": CalendarDayForm(initial={"date": dt.date(year, 1, 1)}),
        "year_form": CalendarYearForm(initial={"year": year}), "fallback_next": (on.year + 1) not in cal.known_years,
        "next_year": on.year + 1, "history": CalendarDay.history.filter(date__year=year).select_related("history_user")[:20],
    })


def _require_calendar_edit(user) -> None:
    if not CalendarPolicy.can_edit(user):
        raise PermissionDenied(_("只有系统管理员可以维护节假日安排。"))


@login_required
@require_POST
def calendar_day(request):
    _require_calendar_edit(request.user)
    form = CalendarDayForm(request.POST)
    if form.is_valid():
        day = calendar_day_set(actor=request.user, **form.cleaned_data)
        messages.success(request, _("已保存：%(date)s %(name)s") % {"date": day.date, "name": day.name})
        return redirect(f"{reverse('workflow:calendar')}?year={day.date.year}")
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("workflow:calendar")


@login_required
@require_POST
def calendar_day_remove(request, pk: int):
    _require_calendar_edit(request.user)
    day = get_object_or_404(CalendarDay, pk=pk)
    year = day.date.year
    calendar_day_delete(actor=request.user, day=day)
    messages.success(request, _("已删除。"))
    return redirect(f"{reverse('workflow:calendar')}?year={year}")


@login_required
@require_POST
def calendar_year(request):
    _require_calendar_edit(request.user)
    form = CalendarYearForm(request.POST)
    if form.is_valid():
        entry = calendar_year_publish(actor=request.user, **form.cleaned_data)
        messages.success(request, _("%(year)s 年节假日安排已确认；该年期限不再按普通周末推算。") % {"year": entry.year})
        return redirect(f"{reverse('workflow:calendar')}?year={entry.year}")
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("workflow:calendar")
