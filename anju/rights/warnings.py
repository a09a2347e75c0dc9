"""The early-warning sweep of the construction wage guarantee, its rules, and the inspector's
moves on a warning (dismiss, turn into a case).

Each rule reads the whole of its tables with a few GROUP BY queries (project, month; never one
query per project) and applies its thresholds per project: dated regional parameters resolved for
the project's region on the sweep date (`_Params`, one query for all of them). A rule yields
findings — (project, period, detail) — and the sweep upserts them as `Warning` rows: a finding
raised once per (project, rule, period), seen again (its `last_seen_on` moves), or gone (the
warning is CLEARED and its task closed). Newly raised warnings open the inspector's handling task
and tell the inspectors, one message each. A second sweep on the same day changes nothing.

`detail` holds the figures the Chinese text names, as plain strings and numbers (months as
YYYY-MM, days as YYYY-MM-DD), so the text renders in any language from the stored row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_
from django_tasks import task

from anju.accounts.models import DepartmentKind, Role, User
from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.lib.dates import month_end, today
from anju.lib.jsonutil import plain_decimal
from anju.lib.workdays import add_working_days
from anju.params.selectors import resolve, tables_in_force
from anju.regions.codes import in_prefix
from anju.rights import registrations as steps
from anju.rights.models import (
    AccountEntry,
    Attendance,
    DepositMovement,
    EntryKind,
    Level,
    PayrollLine,
    Project,
    ProjectStatus,
    RosterEntry,
    SweepRun,
    Warning,
    WarningStatus,
)
from anju.rights.permissions import WarningPolicy
from anju.rights.services import RightsError
from anju.workflow import outbox
from anju.workflow.calendar import work_calendar
from anju.workflow.jobs import job_running, job_task
from anju.workflow.models import OPEN_STATES, TaskState, WorkTask
from anju.workflow.services import Assignment, task_close, tasks_build_many, tasks_open

HANDLE_DAYS = "warning_handle_working_days"
MIN_WAGE = "min_wage_monthly"
MONTH_DAYS = "month_paid_days"
CHUNK = 2000


# Dates -----------------------------------------------------------------------------------------
def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, n: int) -> dt.date:
    """The same day `n` months later; the 31st in a shorter month is its last day."""
    index = day.year * 12 + day.month - 1 + n
    year, month = divmod(index, 12)
    first = dt.date(year, month + 1, 1)
    last = (add_months(first, 1) - dt.timedelta(days=1)).day if day.day > 28 else 31
    return first.replace(day=min(day.day, last))


def _ym(day: dt.date) -> str:
    return f"{day:%Y-%m}"


def _money(value) -> str:
    return plain_decimal(Decimal(value).quantize(Decimal("0.01")), places=2)


# Parameters ----------------------------------------------------------------------------------
class _Params:
    """Every parameter the rules read, in force on the sweep date: one query, then resolved per
    region code (cached)."""

    def __init__(self, names: list[str], on: dt.date):
        self.on = on
        self.tables = tables_in_force(names, on)
        self.cache: dict[tuple[str, str], Decimal | None] = {}

    def __call__(self, name: str, region: str) -> Decimal | None:
        key = (name, region)
        if key not in self.cache:
            self.cache[key] = resolve(name, region, self.on, table=self.tables[name])[0]
        return self.cache[key]

    def loosest(self, name: str) -> Decimal | None:
        """The lowest value any region has: a filter in SQL that keeps every row some region's
        threshold could flag (each row is then checked against its own region's value)."""
        values = [v for v in self.tables[name].values() if v is not None]
        return min(values) if values else None


@dataclass
class Finding:
    project_id: int
    period: dt.date
    detail: dict


@dataclass
class Context:
    on: dt.date
    params: _Params
    projects: dict[int, dict]
    # (rule, project) a rule could not decide (a parameter missing in the project's region): their
    # open warnings are left as they are rather than cleared on a guess.
    undecided: set[tuple[str, int]]
    # Parameter -> the regions that lack it (the sweep's report names them).
    missing: dict[str, set[str]]
    attendance: dict | None = None
    payroll: dict | None = None

    def region(self, project_id: int) -> str:
        return self.projects[project_id]["region_id"]

    def param(self, name: str, project_id: int) -> Decimal | None:
        return self.params(name, self.region(project_id))


# The rules -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    code: str
    label: str
    text: str
    find: Callable[[Context], Iterator[Finding]]
    params: tuple[str, ...] = ()


def _building(ctx: Context) -> Iterator[tuple[int, dict]]:
    return ((pk, p) for pk, p in ctx.projects.items() if p["status"] == ProjectStatus.BUILDING)


def allocation_overdue(ctx: Context) -> Iterator[Finding]:
    """Labour cost is due every `disbursement_cycle_months` after the previous allocation (or the
    start date); overdue once the grace after that has passed without one."""
    last = dict(AccountEntry.objects.filter(kind=EntryKind.ALLOCATION, booked_on__lte=ctx.on).order_by()
                .values("project_id").annotate(last=Max("booked_on")).values_list("project_id", "last"))
    for pk, p in _building(ctx):
        since = last.get(pk) or p["start_on"]
        grace = ctx.param("warning_allocation_grace_days", pk)
        if since is None or grace is None:
            continue
        due = add_months(since, p["disbursement_cycle_months"]) + dt.timedelta(days=int(grace))
        if ctx.on > due:
            yield Finding(pk, due, {"since": since.isoformat(), "due": due.isoformat(),
                                    "cycle": p["disbursement_cycle_months"], "allocated": pk in last})


def _on_attendance():
    """A pay row whose worker has an attendance row for the row's month: one exact lookup in
    attendance's unique (roster, month) index, the index alone (no table row)."""
    return Exists(Attendance.objects.filter(roster_id=OuterRef("roster_id"), month=OuterRef("month")))


def _attendance(ctx: Context) -> dict[tuple[int, dt.date], dict]:
    """Per project and month before this one: attendees, those of them without a payroll line
    and those without a wage paid through the special account, for that month.

    The matching runs from the pay side into attendance's unique index (`_on_attendance`); the
    pay tables have no (roster, month) index to look attendees up in. Attendance rows of zero
    days (not attendees; rare) that have pay are then taken off."""
    if ctx.attendance is None:
        before = month_start(ctx.on)
        rows: dict[tuple[int, dt.date], dict] = {
            (r["project_id"], r["month"]): {"attended": r["n"], "with_pay": 0, "with_wage": 0}
            for r in Attendance.objects.filter(days__gt=0, month__lt=before).order_by().values("project_id", "month")
            .annotate(n=Count("id")) if r["project_id"] in ctx.projects}
        for key, row in _payroll(ctx).items():
            if key in rows:
                rows[key]["with_pay"] = row["matched"]
        for r in (AccountEntry.objects.filter(_on_attendance(), kind=EntryKind.WAGE, month__lt=before).order_by()
                  .values("project_id", "month").annotate(n=Count("roster_id", distinct=True))):
            if (r["project_id"], r["month"]) in rows:
                rows[(r["project_id"], r["month"])]["with_wage"] = r["n"]
        pay = PayrollLine.objects.filter(roster_id=OuterRef("roster_id"), month=OuterRef("month"))
        wage = AccountEntry.objects.filter(kind=EntryKind.WAGE, roster_id=OuterRef("roster_id"), month=OuterRef("month"))
        for r in (Attendance.objects.filter(days=0, month__lt=before).order_by().values("project_id", "month")
                  .annotate(pay=Count("id", filter=Q(Exists(pay))), wage=Count("id", filter=Q(Exists(wage))))):
            row = rows.get((r["project_id"], r["month"]))
            if row is not None:
                row["with_pay"] -= r["pay"]
                row["with_wage"] -= r["wage"]
        for row in rows.values():
            row["no_pay"], row["no_wage"] = row["attended"] - row["with_pay"], row["attended"] - row["with_wage"]
        ctx.attendance = rows
    return ctx.attendance


def _payroll(ctx: Context) -> dict[tuple[int, dt.date], dict]:
    """Per project and month: workers paid (net > 0), gross pay, days worked on the sheets, and
    workers with a line who have attendance that month (for `_attendance`)."""
    if ctx.payroll is None:
        rows = (PayrollLine.objects.filter(month__lt=month_start(ctx.on)).order_by().values("project_id", "month")
                .annotate(paid=Count("roster_id", distinct=True, filter=Q(net__gt=0)), gross=Sum("gross"),
                          days=Sum("work_days"), matched=Count("roster_id", distinct=True, filter=Q(_on_attendance()))))
        ctx.payroll = {(r["project_id"], r["month"]): r for r in rows if r["project_id"] in ctx.projects}
    return ctx.payroll


def _wage_deadline(ctx: Context, pk: int, month: dt.date) -> dt.date | None:
    months = ctx.param("warning_wage_unpaid_months", pk)
    return None if months is None else month_end(add_months(month, int(months)))


def _months_due(ctx: Context) -> Iterator[tuple[int, dt.date, dict, dt.date]]:
    """(project, month, attendance, deadline) of the months whose payroll is in, or whose wages
    were due by now: the months payroll can be compared with attendance."""
    payroll = _payroll(ctx)
    for (pk, month), row in _attendance(ctx).items():
        deadline = _wage_deadline(ctx, pk, month)
        if deadline is None:
            continue
        if ctx.on > deadline or (pk, month) in payroll:
            yield pk, month, row, deadline


def wages_unpaid(ctx: Context) -> Iterator[Finding]:
    for pk, month, row, deadline in _months_due(ctx):
        if ctx.on > deadline and row["no_wage"]:
            yield Finding(pk, month, {"month": _ym(month), "deadline": deadline.isoformat(),
                                      "attended": row["attended"], "paid": row["attended"] - row["no_wage"]})


def paid_fewer_than_attended(ctx: Context) -> Iterator[Finding]:
    payroll = _payroll(ctx)
    for pk, month, row, _deadline in _months_due(ctx):
        paid = payroll.get((pk, month), {}).get("paid", 0)
        if paid < row["attended"]:
            yield Finding(pk, month, {"month": _ym(month), "attended": row["attended"], "paid": paid})


def attendees_unpaid(ctx: Context) -> Iterator[Finding]:
    for pk, month, row, _deadline in _months_due(ctx):
        ratio = ctx.param("warning_unpaid_attendee_ratio", pk)
        if ratio is None:
            ctx.undecided.add(("attendees_unpaid", pk))
            continue
        if row["no_pay"] > row["attended"] * ratio:
            yield Finding(pk, month, {"month": _ym(month), "attended": row["attended"], "unpaid": row["no_pay"],
                                      "share": f"{row['no_pay'] * 100 / row['attended']:.1f}%",
                                      "limit": f"{ratio * 100:.1f}%"})


def average_pay_low(ctx: Context) -> Iterator[Finding]:
    """Gross pay per day worked, as a month's pay (× month_paid_days), against the minimum wage
    × the floor ratio. Where the minimum wage is not entered the rule cannot tell."""
    for (pk, month), row in _payroll(ctx).items():
        if not row["days"] or row["gross"] is None:
            continue
        wage, ratio, days = (ctx.param(MIN_WAGE, pk), ctx.param("warning_average_pay_floor_ratio", pk),
                             ctx.param(MONTH_DAYS, pk))
        if wage is None or ratio is None or not days:
            ctx.undecided.add(("average_pay_low", pk))
            if wage is None:
                ctx.missing[MIN_WAGE].add(ctx.region(pk))
            continue
        average = row["gross"] / row["days"] * days
        floor = wage * ratio
        if average < floor:
            yield Finding(pk, month, {"month": _ym(month), "average": _money(average), "floor": _money(floor),
                                      "min_wage": _money(wage)})


def pay_implausible(ctx: Context) -> Iterator[Finding]:
    """A payroll line (one worker's pay on a sheet) above the month cap: period the month; a
    worker's year above the year cap: period the year's last day (a day never a month's first,
    so the two never share a period)."""
    cap = ctx.params.loosest("warning_worker_month_pay_cap")
    by_month: dict[tuple[int, dt.date], list[tuple[int, Decimal]]] = defaultdict(list)
    if cap is not None:
        for pk, month, roster, gross in (PayrollLine.objects.filter(gross__gt=cap, month__lt=month_start(ctx.on))
                                         .values_list("project_id", "month", "roster_id", "gross")):
            own = ctx.param("warning_worker_month_pay_cap", pk) if pk in ctx.projects else None
            if own is not None and gross > own:
                by_month[(pk, month)].append((roster, gross))
    for (pk, month), rows in by_month.items():
        yield Finding(pk, month, {"month": _ym(month), "workers": len(rows), "top": _money(max(g for _r, g in rows)),
                                  "cap": _money(ctx.param("warning_worker_month_pay_cap", pk)),
                                  "rosters": sorted(r for r, _g in rows)[:20]})
    cap = ctx.params.loosest("warning_worker_year_pay_cap")
    if cap is None:
        return
    for year in (ctx.on.year - 1, ctx.on.year):
        by_project: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
        rows = (PayrollLine.objects.filter(month__gte=dt.date(year, 1, 1), month__lt=dt.date(year + 1, 1, 1)).order_by()
                .values("project_id", "roster_id").annotate(total=Sum("gross")).filter(total__gt=cap)
                .values_list("project_id", "roster_id", "total"))
        for pk, roster, total in rows:
            own = ctx.param("warning_worker_year_pay_cap", pk) if pk in ctx.projects else None
            if own is not None and total > own:
                by_project[pk].append((roster, total))
        for pk, found in by_project.items():
            yield Finding(pk, dt.date(year, 12, 31), {
                "year": str(year), "workers": len(found), "top": _money(max(t for _r, t in found)),
                "cap": _money(ctx.param("warning_worker_year_pay_cap", pk)), "rosters": sorted(r for r, _t in found)[:20]})


def exit_unsettled(ctx: Context) -> Iterator[Finding]:
    """Workers who left more than `warning_settlement_days` ago with no settlement confirmed,
    one warning per project and month of exit."""
    days = [v for v in ctx.params.tables["warning_settlement_days"].values() if v is not None]
    if not days:
        return
    rows = (RosterEntry.objects.filter(exited_on__isnull=False, settled_on__isnull=True,
                                       exited_on__lt=ctx.on - dt.timedelta(days=int(min(days)))).order_by()
            .values_list("project_id", "exited_on").annotate(n=Count("id")))
    by_month: dict[tuple[int, dt.date], list[tuple[dt.date, int]]] = defaultdict(list)
    for pk, exited, n in rows:
        if pk not in ctx.projects:
            continue
        limit = ctx.param("warning_settlement_days", pk)
        if limit is not None and (ctx.on - exited).days > limit:
            by_month[(pk, month_start(exited))].append((exited, n))
    for (pk, month), found in by_month.items():
        yield Finding(pk, month, {"month": _ym(month), "workers": sum(n for _d, n in found),
                                  "first": min(d for d, _n in found).isoformat(),
                                  "days": int(ctx.param("warning_settlement_days", pk))})


def account_not_opened(ctx: Context) -> Iterator[Finding]:
    for pk, p in ctx.projects.items():
        if p["status"] not in (ProjectStatus.PLANNED, ProjectStatus.BUILDING) or p["wage_account__opened_on"]:
            continue
        days = ctx.param("warning_account_open_days", pk)
        if days is None:
            continue
        due = p["contract_signed_on"] + dt.timedelta(days=int(days))
        if ctx.on > due:
            yield Finding(pk, p["contract_signed_on"], {"signed": p["contract_signed_on"].isoformat(),
                                                        "due": due.isoformat(), "days": int(days)})


def deposit_not_lodged(ctx: Context) -> Iterator[Finding]:
    """No deposit lodged within the working days after the permit (or the contract, for a
    project that needs no permit). A project is exempt by its deposit record, or — with none
    recorded yet — when its contract is below the exemption threshold."""
    lodged = set(DepositMovement.objects.filter(kind=DepositMovement.Kind.LODGED, on__lte=ctx.on)
                 .values_list("deposit__project_id", flat=True).distinct())
    calendar = work_calendar()
    for pk, p in ctx.projects.items():
        if p["status"] not in (ProjectStatus.PLANNED, ProjectStatus.BUILDING) or pk in lodged:
            continue
        if p["deposit__id"] is not None:
            if p["deposit__exempt"]:
                continue
        else:
            below = ctx.param("wage_deposit_exempt_below", pk)
            if below is not None and p["contract_value"] < below:
                continue
        days = ctx.param("wage_deposit_lodge_working_days", pk)
        if days is None:
            continue
        base = p["permit_on"] or p["contract_signed_on"]
        due = add_working_days(base, int(days), calendar)
        if ctx.on > due:
            yield Finding(pk, base, {"base": base.isoformat(), "permit": bool(p["permit_on"]), "due": due.isoformat(),
                                     "days": int(days)})


def no_notice_board(ctx: Context) -> Iterator[Finding]:
    for pk, p in _building(ctx):
        if p["start_on"] is None or (p["notice_board_on"] and p["notice_board_on"] <= ctx.on):
            continue
        days = ctx.param("warning_notice_board_days", pk)
        if days is None:
            continue
        due = p["start_on"] + dt.timedelta(days=int(days))
        if ctx.on > due:
            yield Finding(pk, p["start_on"], {"start": p["start_on"].isoformat(), "due": due.isoformat(),
                                              "days": int(days)})


RULES: dict[str, Rule] = {rule.code: rule for rule in (
    Rule("allocation_overdue", N_("人工费用未按期拨付"),
         N_("人工费用应于 %(due)s 前拨付至专户（拨付周期 %(cycle)s 个月，自 %(since)s 起算），逾期未拨付"),
         allocation_overdue, ("warning_allocation_grace_days",)),
    Rule("wages_unpaid", N_("工资未按月经专户支付"),
         N_("%(month)s 工资未在 %(deadline)s 前经专户发放：出勤 %(attended)s 人，专户代发 %(paid)s 人"),
         wages_unpaid, ("warning_wage_unpaid_months",)),
    Rule("paid_fewer_than_attended", N_("发薪人数少于出勤人数"),
         N_("%(month)s 发薪人数少于出勤人数：出勤 %(attended)s 人，发薪 %(paid)s 人"),
         paid_fewer_than_attended, ("warning_wage_unpaid_months",)),
    Rule("attendees_unpaid", N_("有考勤无工资记录比例过高"),
         N_("%(month)s 有考勤无工资记录 %(unpaid)s 人，占出勤 %(attended)s 人的 %(share)s（预警线 %(limit)s）"),
         attendees_unpaid, ("warning_unpaid_attendee_ratio", "warning_wage_unpaid_months")),
    Rule("average_pay_low", N_("人均工资过低"),
         N_("%(month)s 按出勤折算人均月工资 %(average)s 元，低于预警线 %(floor)s 元（最低工资标准 %(min_wage)s 元）"),
         average_pay_low, (MIN_WAGE, "warning_average_pay_floor_ratio", MONTH_DAYS)),
    Rule("pay_implausible", N_("单人工资异常"),
         N_("%(workers)s 人单月（或全年）工资超过异常上限 %(cap)s 元，最高 %(top)s 元"),
         pay_implausible, ("warning_worker_month_pay_cap", "warning_worker_year_pay_cap")),
    Rule("exit_unsettled", N_("退场未结清工资"),
         N_("%(month)s 退场的 %(workers)s 人超过 %(days)s 日未确认工资结清（最早 %(first)s 退场）"),
         exit_unsettled, ("warning_settlement_days",)),
    Rule("account_not_opened", N_("专用账户未按期开立"),
         N_("合同签订于 %(signed)s，%(days)s 日内（%(due)s 前）应开立农民工工资专用账户，至今未开立"),
         account_not_opened, ("warning_account_open_days",)),
    Rule("deposit_not_lodged", N_("工资保证金未按期存储"),
         N_("应自 %(base)s 起 %(days)s 个工作日内（%(due)s 前）存储工资保证金，至今未存储"),
         deposit_not_lodged, ("wage_deposit_lodge_working_days", "wage_deposit_exempt_below")),
    Rule("no_notice_board", N_("未设立维权信息告示牌"),
         N_("开工于 %(start)s，%(days)s 日内（%(due)s 前）应设立维权信息告示牌，至今未设立"),
         no_notice_board, ("warning_notice_board_days",)),
)}


def rule_label(code: str) -> str:
    rule = RULES.get(code)
    return gettext(rule.label) if rule else code


def warning_text(warning: Warning) -> str:
    """The warning's sentence with its figures, in the active language."""
    rule = RULES.get(warning.rule)
    if rule is None:
        return warning.rule
    detail = dict(warning.detail or {})
    if warning.rule == "pay_implausible" and "year" in detail:
        return gettext("%(year)s 年有 %(workers)s 人全年工资超过异常上限 %(cap)s 元，最高 %(top)s 元") % detail
    try:
        return gettext(rule.text) % detail
    except (KeyError, TypeError, ValueError):
        return gettext(rule.label)


def _parameter_names() -> list[str]:
    names = {HANDLE_DAYS, *(f"warning_level_{code}" for code in RULES)}
    for rule in RULES.values():
        names.update(rule.params)
    return sorted(names)


def _projects() -> dict[int, dict]:
    fields = ("id", "code", "name", "region_id", "status", "contract_signed_on", "permit_on", "start_on",
              "disbursement_cycle_months", "notice_board_on", "contract_value", "wage_account__opened_on",
              "deposit__id", "deposit__exempt")
    return {row["id"]: row for row in Project.objects.exclude(status=ProjectStatus.CLOSED).order_by().values(*fields)}


# The sweep -----------------------------------------------------------------------------------
def sweep(on: dt.date | None = None, *, actor=None, job: SweepRun | None = None) -> dict:
    """Run every rule for `on` (default today) and bring the warnings up to what they find.
    Returns the counts (also kept on the job)."""
    on = on or today()
    try:
        with transaction.atomic():
            return _sweep(on, actor=actor, job=job)
    except IntegrityError:
        raise RightsError(N_("另一次预警扫描正在进行，请稍后再试。"), code="sweep_busy", status=409) from None


def _sweep(on: dt.date, *, actor, job: SweepRun | None) -> dict:
    ctx = Context(on=on, params=_Params(_parameter_names(), on), projects=_projects(), undecided=set(),
                  missing=defaultdict(set))
    found: dict[tuple[int, str, dt.date], tuple[int, dict]] = {}
    by_rule: dict[str, int] = {}
    ungraded = 0
    steps_total = len(RULES) + 1
    for i, (code, rule) in enumerate(RULES.items(), start=1):
        n = 0
        for finding in rule.find(ctx):
            level = ctx.param(f"warning_level_{code}", finding.project_id)
            if level is None or int(level) not in Level.values:
                ungraded += 1
                ctx.undecided.add((code, finding.project_id))
                continue
            found[(finding.project_id, code, finding.period)] = (int(level), finding.detail)
            n += 1
        by_rule[code] = n
        if job is not None:
            job.report(i, steps_total)

    existing = {(pk_, rule, period): (pk, status, level, detail, seen)
                for pk, pk_, rule, period, status, level, detail, seen in Warning.objects.order_by().values_list(
                    "id", "project_id", "rule", "period", "status", "level", "detail", "last_seen_on")}
    new, reopened, seen_ids, changed = [], [], [], 0
    for key, (level, detail) in found.items():
        row = existing.get(key)
        if row is None:
            new.append(Warning(project_id=key[0], rule=key[1], period=key[2], level=level, detail=detail,
                               raised_on=on, last_seen_on=on))
            continue
        pk, status, old_level, old_detail, seen = row
        if status == WarningStatus.CLEARED:
            reopened.append(pk)
        elif seen != on:
            seen_ids.append(pk)
        if old_level != level or old_detail != detail:
            Warning.objects.filter(pk=pk).update(level=level, detail=detail)
            changed += 1
    created = Warning.objects.bulk_create(new, batch_size=CHUNK)
    for start in range(0, len(seen_ids), CHUNK):
        Warning.objects.filter(pk__in=seen_ids[start:start + CHUNK]).update(last_seen_on=on)
    for start in range(0, len(reopened), CHUNK):
        Warning.objects.filter(pk__in=reopened[start:start + CHUNK]).update(
            status=WarningStatus.OPEN, raised_on=on, last_seen_on=on, cleared_on=None)
    gone = [row[0] for key, row in existing.items() if row[1] == WarningStatus.OPEN and key not in found
            and (key[1], key[0]) not in ctx.undecided]
    for start in range(0, len(gone), CHUNK):
        chunk = gone[start:start + CHUNK]
        Warning.objects.filter(pk__in=chunk).update(status=WarningStatus.CLEARED, cleared_on=on)
        WorkTask.objects.filter(step=steps.WARNING_HANDLE, subject_type="warning", subject_id__in=chunk,
                                state__in=OPEN_STATES).update(state=TaskState.CANCELLED, closed_at=timezone.now(),
                                                              outcome=N_("预警已消除"), paused_at=None)
    raised = list(created) + list(Warning.objects.filter(pk__in=reopened))
    _open_tasks(raised, ctx)
    _notify(raised, ctx)

    counts = {
        "on": on.isoformat(), "projects": len(ctx.projects), "raised": len(raised), "seen": len(seen_ids),
        "changed": changed, "cleared": len(gone), "by_rule": by_rule, "ungraded": ungraded,
        "open": Warning.objects.filter(status=WarningStatus.OPEN).count(),
        "by_level": {str(level): n for level, n in Warning.objects.filter(status=WarningStatus.OPEN).order_by()
                     .values_list("level").annotate(n=Count("id"))},
        "missing": {name: sorted(regions) for name, regions in ctx.missing.items()},
    }
    if raised or gone or changed or seen_ids:
        audit_record(actor=actor, action=Action.UPDATE, object_type="wage_warning_sweep", object_id=on.isoformat(),
                     object_repr=gettext("预警扫描 %(on)s") % {"on": on.isoformat()},
                     detail={k: v for k, v in counts.items() if k != "missing"})
    if job is not None:
        job.report(steps_total, steps_total)
    return counts


def _label(warning: Warning, ctx: Context) -> str:
    project = ctx.projects.get(warning.project_id, {})
    return f"{project.get('code', warning.project_id)} {RULES[warning.rule].label}"


def _open_tasks(raised: list[Warning], ctx: Context) -> None:
    """The inspector's handling task of each newly raised warning, its time limit per region."""
    by_days: dict[int, list[Warning]] = defaultdict(list)
    for warning in raised:
        days = ctx.param(HANDLE_DAYS, warning.project_id)
        if days is None or days < 1:
            raise RightsError(N_("办理时限参数 %(name)s 在本地区尚未设定，请先在政策参数中录入。"), code="no_time_limit",
                              params={"name": HANDLE_DAYS})
        by_days[int(days)].append(warning)
    for days, warnings in by_days.items():
        assignment = Assignment(step=steps.WARNING_HANDLE, department_kind=DepartmentKind.HRSS, role=Role.INSPECTOR,
                                working_days=days, supervisor_role=Role.COUNTY_OFFICER)
        tasks_open(tasks_build_many(assignment=assignment, subjects=(
            ("warning", w.pk, _label(w, ctx), ctx.region(w.project_id)) for w in warnings)))


def _notify(raised: list[Warning], ctx: Context) -> None:
    """One message per inspector with new warnings in their jurisdiction, counted by colour."""
    if not raised:
        return
    users = [u for u in User.objects.filter(is_active=True, role=Role.INSPECTOR).exclude(jurisdiction="")
             .select_related("department") if u.department is None or u.department.kind == DepartmentKind.HRSS]
    link = reverse("rights:warnings") + "?status=open"
    for user in users:
        levels = defaultdict(int)
        for warning in raised:
            if in_prefix(ctx.region(warning.project_id), user.jurisdiction):
                levels[warning.level] += 1
        if levels:
            outbox.message_to_user(
                user=user, kind="rights.warning", link=link,
                text=N_("新增 %(count)s 条欠薪预警（红色 %(red)s 条、橙色 %(orange)s 条、黄色 %(yellow)s 条），请及时处置。"),
                params={"count": sum(levels.values()), "red": levels[Level.RED], "orange": levels[Level.ORANGE],
                        "yellow": levels[Level.YELLOW]})


# The sweep as a job --------------------------------------------------------------------------
def sweep_start(*, actor, on: dt.date | None = None) -> SweepRun:
    """Queue a sweep for `on` (default today) as a background job the risk page follows."""
    if not WarningPolicy.can(actor, "sweep"):
        raise RightsError(N_("您没有启动预警扫描的权限。"), code="forbidden", status=403)
    on = on or today()
    if on > today():
        raise RightsError(N_("预警日期不能在今天之后。"), "on")
    if SweepRun.objects.filter(status__in=SweepRun.RUNNING_STATES).exists():
        raise RightsError(N_("已有一次预警扫描正在进行，请等待其完成。"), code="sweep_busy", status=409)
    job = SweepRun.objects.create(created_by=actor, on=on)
    audit_record(actor=actor, action=Action.CREATE, obj=job, detail={"on": on.isoformat()})
    transaction.on_commit(lambda: run_sweep.enqueue(job.pk))
    return job


@job_task(SweepRun)
@task()
def run_sweep(job_id: int) -> None:
    with job_running(SweepRun, job_id, expected=(RightsError,)) as job:
        if job is not None:
            job.start(total=len(RULES) + 1)
            counts = sweep(job.on, actor=job.created_by, job=job)
            job.finish(counts=counts)


# The inspector's moves -----------------------------------------------------------------------
def _close_task(actor, warning: Warning, outcome: str) -> None:
    for t in WorkTask.objects.filter(step=steps.WARNING_HANDLE, subject_type="warning", subject_id=warning.pk,
                                     state__in=OPEN_STATES):
        task_close(actor=actor, task=t, outcome=outcome, by_record=True)


def _locked(actor, warning: Warning) -> Warning:
    if not WarningPolicy.can_on(actor, "handle", warning):
        raise RightsError(N_("您没有处置该预警的权限。"), code="forbidden", status=403)
    return Warning.objects.select_for_update().select_related("project").get(pk=warning.pk)


@transaction.atomic
def warning_dismiss(*, actor, warning: Warning, reason: str) -> Warning:
    """Dismiss an open warning with a reason (the data was wrong, the wages were paid in cash and
    signed for...). Its task is done."""
    warning = _locked(actor, warning)
    reason = (reason or "").strip()
    if warning.status != WarningStatus.OPEN:
        raise RightsError(N_("只有待处置的预警可以排除。"), code="not_open", status=409)
    if not reason:
        raise RightsError(N_("请填写排除理由。"), "reason")
    if len(reason) > 300:
        raise RightsError(N_("排除理由不能超过 300 字。"), "reason")
    warning.status, warning.dismissed_reason = WarningStatus.DISMISSED, reason
    warning.handled_by, warning.handled_at = actor, timezone.now()
    warning.save(update_fields=["status", "dismissed_reason", "handled_by", "handled_at"])
    _close_task(actor, warning, N_("已排除"))
    audit_record(actor=actor, action=Action.UPDATE, obj=warning, region_code=warning.project.region_id,
                 changes={"status": (WarningStatus.OPEN, WarningStatus.DISMISSED)}, detail={"reason": reason})
    return warning


@transaction.atomic
def warning_to_case(actor, warning: Warning, case) -> Warning:
    """Mark a warning as turned into an arrears case (called by the case's creation from the
    warning) and close its task. An open or cleared warning may become a case; the same case
    twice is a no-op."""
    warning = _locked(actor, warning)
    if warning.status == WarningStatus.CASE and warning.case_id == case.pk:
        return warning
    if warning.status not in (WarningStatus.OPEN, WarningStatus.CLEARED):
        raise RightsError(N_("该预警已处置，不能再立案。"), code="not_open", status=409)
    before = warning.status
    warning.status, warning.case = WarningStatus.CASE, case
    warning.handled_by, warning.handled_at = actor, timezone.now()
    warning.save(update_fields=["status", "case", "handled_by", "handled_at"])
    _close_task(actor, warning, N_("已立案"))
    audit_record(actor=actor, action=Action.UPDATE, obj=warning, region_code=warning.project.region_id,
                 changes={"status": (before, WarningStatus.CASE)}, detail={"case": case.pk})
    return warning

