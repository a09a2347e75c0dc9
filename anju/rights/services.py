"""The shared core of rights protection: numbering, the hotline number of a place, the routing
table, the intake of a ticket and the opening of an arrears case. The moves after that live in
`hotline.py` (tickets), `cases.py` (arrears cases), `construction.py` (projects) and
`warnings.py` (the sweep); every write goes through them, checked and audited.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop as N_

from anju.accounts.models import DepartmentKind, Role
from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.lib import crypto
from anju.lib.errors import AnjuError
from anju.lib.identifiers import (
    IdentifierError,
    mask_id_number,
    mask_mobile,
    normalize_id_number,
    validate_mobile,
)
from anju.params.selectors import levels, resolve
from anju.regions.codes import in_prefix
from anju.rights import registrations as steps
from anju.rights.models import (
    ArrearsCase,
    CaseEvent,
    CaseSource,
    CaseWorker,
    Channel,
    HotlineNumber,
    Priority,
    Route,
    RoutingRule,
    Ticket,
    TicketCategory,
    TicketEvent,
    TicketEventKind,
)
from anju.rights.permissions import CasePolicy, TicketPolicy
from anju.workflow.services import Assignment, task_open

CENT = Decimal("0.01")
# Warning rules about particular workers (construction.warning_workers names them): the month's
# wages not paid to those who attended, and workers gone without a settlement. A case from a
# warning of any other rule may start with no complainant.
WAGE_RULES = ("wages_unpaid", "paid_fewer_than_attended", "attendees_unpaid")
WORKER_RULES = (*WAGE_RULES, "exit_unsettled")


class RightsError(AnjuError):
    """A rights-protection move refused with a reason the user is shown (nothing was changed)."""


def today() -> dt.date:
    return timezone.localdate()


def days_param(name: str, region_code: str, on: dt.date | None = None) -> int:
    """A time limit in (working) days from its dated regional parameter; refused when the region
    has none (a clock is never started on a guessed figure)."""
    value, _ = resolve(name, region_code, on or today())
    if value is None or value < 1:
        raise RightsError(N_("办理时限参数 %(name)s 在本地区尚未设定，请先在政策参数中录入。"), code="no_time_limit",
                          params={"name": name})
    return int(value)


SATISFIED_PARAM = "hotline_satisfied_score"


def satisfied_score(region_code: str, on: dt.date | None = None) -> int:
    """The lowest call-back score (of 1–5) counted as satisfied in a place: the dated parameter
    `hotline_satisfied_score` (Anju's default 4); a region that empties it is refused, not guessed."""
    value, _ = resolve(SATISFIED_PARAM, region_code, on or today())
    if value is None:
        raise RightsError(N_("回访满意评分参数 %(name)s 在本地区尚未设定，请先在政策参数中录入。"), code="no_parameter",
                          params={"name": SATISFIED_PARAM})
    return int(value)


def number_for(prefix: str, at: dt.datetime, pk: int) -> str:
    """A record number people can read out on the phone: GD20261202-000123."""
    return f"{prefix}{timezone.localtime(at):%Y%m%d}-{pk:06d}"


def _temporary_number() -> str:
    return "tmp-" + uuid.uuid4().hex[:14]


def encrypt_phone(raw: str) -> dict[str, str]:
    """The three stored forms of a mobile number (empty when none given); a malformed one refused."""
    raw = (raw or "").strip()
    if not raw:
        return {"phone_enc": "", "phone_hash": "", "phone_masked": ""}
    try:
        phone = validate_mobile(raw)
    except IdentifierError:
        raise RightsError(N_("手机号码格式不正确（应为 11 位手机号）。"), "phone") from None
    return {"phone_enc": crypto.encrypt(phone), "phone_hash": crypto.lookup_hash(phone, purpose="phone"),
            "phone_masked": mask_mobile(phone)}


def encrypt_id_number(raw: str, *, required: bool = False) -> dict[str, str]:
    raw = (raw or "").strip()
    if not raw:
        if required:
            raise RightsError(N_("请填写公民身份号码。"), "id_number")
        return {"id_number_enc": "", "id_number_hash": "", "id_number_masked": ""}
    try:
        number = normalize_id_number(raw)
        from anju.lib.identifiers import parse_id_number

        parse_id_number(number)
    except (IdentifierError, ValueError):
        raise RightsError(N_("公民身份号码不正确（应为 18 位，末位校验码须正确）。"), "id_number") from None
    return {"id_number_enc": crypto.encrypt(number), "id_number_hash": crypto.lookup_hash(number, purpose="id"),
            "id_number_masked": mask_id_number(number)}


def money(value: Any, field: str, *, positive: bool = True) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", "")).quantize(CENT)
    except (InvalidOperation, ValueError, AttributeError):
        raise RightsError(N_("金额格式不正确。"), field) from None
    if amount < 0 or (positive and amount == 0) or amount >= Decimal("1e12"):
        raise RightsError(N_("金额须为正数。") if positive else N_("金额不能为负数。"), field)
    return amount


# The hotline number --------------------------------------------------------------------------
def hotline_number(region_code: str, on: dt.date | None = None) -> HotlineNumber | None:
    """The one number of the place: the most specific prefix's latest number in force on `on`."""
    on = on or today()
    rows = {}
    for row in HotlineNumber.objects.filter(region_prefix__in=levels(region_code), valid_from__lte=on).order_by(
            "valid_from"):
        rows[row.region_prefix] = row
    for prefix in levels(region_code):
        if prefix in rows:
            return rows[prefix]
    return None


# Routing -------------------------------------------------------------------------------------
def route_for(category: TicketCategory, region_code: str) -> RoutingRule | None:
    """The routing rule for a category in a place: the category's own rule beats its parent's,
    which beats a rule for any category; within each, the longest matching region prefix wins.
    The rule with neither category nor region is the fallback."""
    chain: list[int | None] = []
    node: TicketCategory | None = category
    while node is not None:
        chain.append(node.pk)
        node = node.parent
    chain.append(None)
    rules = list(RoutingRule.objects.filter(category_id__in=[c for c in chain if c is not None])
                 | RoutingRule.objects.filter(category__isnull=True))
    best, best_key = None, None
    for rule in rules:
        if not in_prefix(region_code, rule.region_prefix):
            continue
        key = (-chain.index(rule.category_id), len(rule.region_prefix))
        if best_key is None or key > best_key:
            best, best_key = rule, key
    return best


def desk_of(region_code: str) -> RoutingRule | None:
    """The hotline desk of a place (who takes calls and dispatches): the fallback rule's lead."""
    rules = [r for r in RoutingRule.objects.filter(category__isnull=True) if in_prefix(region_code, r.region_prefix)]
    return max(rules, key=lambda r: len(r.region_prefix), default=None)


# Tickets -------------------------------------------------------------------------------------
def ticket_event(ticket: Ticket, kind: str, *, actor=None, text: str = "", data: dict | None = None,
                 at: dt.datetime | None = None) -> TicketEvent:
    return TicketEvent.objects.create(ticket=ticket, kind=kind, actor=actor if getattr(actor, "pk", None) else None,
                                      text=text[:2000], data=data or {}, at=at or timezone.now())


def ticket_assignment(step: str, ticket: Ticket, *, department_kind: str, role: str) -> Assignment:
    """The Assignment of one of a ticket's clocks, its days from the parameters of its category
    (top level) and priority."""
    region = ticket.region_id
    root = ticket.category.root.code
    name = {
        steps.TICKET_DISPATCH: f"hotline_dispatch_working_days_{ticket.priority}",
        steps.TICKET_CONTACT: f"hotline_contact_working_days_{ticket.priority}",
        steps.TICKET_RESOLVE: f"hotline_resolve_working_days_{root}_{ticket.priority}",
        steps.TICKET_CALLBACK: "hotline_callback_working_days",
    }[step]
    return Assignment(step=step, department_kind=department_kind, role=role, working_days=days_param(name, region),
                      supervisor_role=Role.COUNTY_OFFICER)


def open_ticket_task(*, actor, ticket: Ticket, step: str, department_kind: str, role: str,
                     opened_at: dt.datetime | None = None):
    return task_open(actor=actor, assignment=ticket_assignment(step, ticket, department_kind=department_kind, role=role),
                     subject_type="ticket", subject_id=ticket.pk, subject_label=f"{ticket.number} {ticket.subject}",
                     region_code=ticket.region_id, opened_at=opened_at)


@transaction.atomic
def ticket_create(*, actor, channel: str, category: TicketCategory, region, subject: str, description: str,
                  caller_name: str = "", phone: str = "", worker=None, priority: str = Priority.NORMAL,
                  created_at: dt.datetime | None = None) -> Ticket:
    """Register a call, visit, letter or online message. `actor` is the staff user taking it, or
    None for a worker's own complaint on the portal. The ticket is routed at once (category ×
    region → lead department); the desk's dispatch clock starts."""
    from anju.regions.models import Region

    if actor is not None and not TicketPolicy.can(actor, "create"):
        raise RightsError(N_("您没有登记热线工单的权限。"), code="forbidden", status=403)
    if channel not in Channel.values:
        raise RightsError(N_("请选择来源渠道。"), "channel")
    if priority not in Priority.values:
        raise RightsError(N_("请选择紧急程度。"), "priority")
    if not isinstance(region, Region):
        region = Region.objects.filter(pk=str(region or "")).first()
        if region is None:
            raise RightsError(N_("请选择所在地区。"), "region")
    if actor is not None and not in_prefix(region.code, actor.jurisdiction):
        raise RightsError(N_("所选地区不在您的管辖范围内。"), "region", code="forbidden", status=403)
    subject, description = (subject or "").strip(), (description or "").strip()
    if not subject:
        raise RightsError(N_("请填写标题（一句话概括诉求）。"), "subject")
    if not description:
        raise RightsError(N_("请填写诉求内容。"), "description")
    if category is None or not category.active:
        raise RightsError(N_("请选择工单类别。"), "category")
    now = created_at or timezone.now()
    rule = route_for(category, region.code)
    desk = desk_of(region.code)
    if rule is None or desk is None:
        raise RightsError(N_("本地区尚未设置工单分派规则（至少需要一条兜底规则），请联系管理员。"), code="no_route")
    ticket = Ticket.objects.create(
        number=_temporary_number(), channel=channel, caller_name=(caller_name or "").strip()[:50], worker=worker,
        category=category, priority=priority, region=region, subject=subject[:120], description=description,
        lead_department_kind=rule.lead_department_kind, lead_role=rule.lead_role,
        co_handlers=list(rule.co_handlers or []), routing_rule=rule,
        created_by=actor, created_at=now, **encrypt_phone(phone),
    )
    ticket.number = number_for("GD", now, ticket.pk)
    ticket.save(update_fields=["number"])
    ticket_event(ticket, TicketEventKind.CREATED, actor=actor, at=now,
                 data={"channel": channel, "rule": rule.pk, "lead": rule.lead_department_kind})
    open_ticket_task(actor=actor, ticket=ticket, step=steps.TICKET_DISPATCH, department_kind=desk.lead_department_kind,
                     role=desk.lead_role, opened_at=now)
    if worker is not None:
        from anju.registry.services import timeline_add

        timeline_add(worker=worker, kind="ticket", actor=actor, at=now,
                     data={"number": ticket.number, "subject": ticket.subject, "ticket": ticket.pk})
    audit_record(actor=actor, action=Action.CREATE, obj=ticket, region_code=region.code,
                 detail={"number": ticket.number, "channel": channel, "category": category.code})
    return ticket


# Arrears cases -------------------------------------------------------------------------------
# Each route's clocks: (accept parameter, conclude parameter, extension parameter, counted in
# calendar days, who handles it).
ROUTES = {
    Route.INSPECTION: ("arrears_inspection_accept_working_days", "arrears_inspection_conclude_working_days",
                       "arrears_inspection_extend_working_days", False, DepartmentKind.HRSS, Role.INSPECTOR),
    Route.ARBITRATION: ("arrears_arbitration_accept_days", "arrears_arbitration_award_days",
                        "arrears_arbitration_extend_days", True, DepartmentKind.HRSS, Role.COUNTY_OFFICER),
    Route.ARBITRATION_FAST: ("arrears_arbitration_accept_days", "arrears_fast_track_days", None, True,
                             DepartmentKind.HRSS, Role.COUNTY_OFFICER),
    Route.MEDIATION: (None, "arrears_mediation_days", None, True, DepartmentKind.TRADE_UNION, Role.UNION),
    Route.LEGAL_AID: (None, "arrears_legal_aid_days", None, True, DepartmentKind.HRSS, Role.COUNTY_OFFICER),
}


def case_event(case: ArrearsCase, kind: str, *, actor=None, text: str = "", data: dict | None = None) -> CaseEvent:
    return CaseEvent.objects.create(case=case, kind=kind, actor=actor if getattr(actor, "pk", None) else None,
                                    text=text[:2000], data=data or {}, at=timezone.now())


def case_assignment(case: ArrearsCase, stage: str) -> Assignment:
    """The clock of a case's stage ("accept" or "conclude") on its route."""
    accept, conclude, _extend, calendar_days, kind, role = ROUTES[case.route]
    name = accept if stage == "accept" else conclude
    step = steps.CASE_ACCEPT if stage == "accept" else steps.CASE_CONCLUDE
    return Assignment(step=step, department_kind=kind, role=role, working_days=days_param(name, case.region_id),
                      supervisor_role=Role.COUNTY_OFFICER if role != Role.COUNTY_OFFICER else Role.ADMIN,
                      calendar_days=calendar_days)


def open_case_task(*, actor, case: ArrearsCase, stage: str):
    return task_open(actor=actor, assignment=case_assignment(case, stage), subject_type="arrears_case",
                     subject_id=case.pk, subject_label=f"{case.number} {case.employer_name}", region_code=case.region_id)


@dataclass
class Complainant:
    name: str
    amount_owed: Any
    id_number: str = ""
    phone: str = ""
    worker: Any = None
    roster: Any = None


@transaction.atomic
def case_create(*, actor, source: str, route: str, region, employer_name: str, period_from: dt.date,
                period_to: dt.date, summary: str, complainants: list[Complainant], employer=None,
                employer_uscc: str = "", project=None, ticket: Ticket | None = None, warning=None) -> ArrearsCase:
    """Open a wage-arrears case with one or many complainants. Routes with an acceptance step
    (labour inspection, arbitration) start the acceptance clock; mediation and legal aid start
    their one clock at once. A ticket it comes from is linked; a warning is only referred to
    (`cases.case_register` also marks it as turned into a case and closes its task)."""
    from anju.regions.models import Region

    if not CasePolicy.can(actor, "create"):
        raise RightsError(N_("您没有登记欠薪案件的权限。"), code="forbidden", status=403)
    if source not in CaseSource.values:
        raise RightsError(N_("请选择案件来源。"), "source")
    if route not in ROUTES:
        raise RightsError(N_("请选择办理途径。"), "route")
    if not isinstance(region, Region):
        region = Region.objects.filter(pk=str(region or "")).first()
        if region is None:
            raise RightsError(N_("请选择所在地区。"), "region")
    if not in_prefix(region.code, actor.jurisdiction):
        raise RightsError(N_("所选地区不在您的管辖范围内。"), "region", code="forbidden", status=403)
    employer_name = (employer_name or (employer.name if employer else "")).strip()
    if not employer_name:
        raise RightsError(N_("请填写被投诉的用人单位。"), "employer_name")
    if not period_from or not period_to:
        raise RightsError(N_("请填写欠薪期间。"), "period_from")
    if period_from > period_to:
        raise RightsError(N_("欠薪起始月份不能晚于截止月份。"), "period_to")
    if period_from > today():
        raise RightsError(N_("欠薪期间不能在今天之后。"), "period_from")
    if not (summary or "").strip():
        raise RightsError(N_("请填写案情。"), "summary")
    # A case from an early warning may start with no complainant: the inspector acts of their own
    # motion (a project without its special account, say); a complaint always names someone.
    if not complainants:
        if warning is None or warning.rule in WORKER_RULES:
            raise RightsError(N_("请至少填写一名投诉人及被拖欠金额。"), "complainants")
    rows = []
    seen: set[str] = set()
    for i, c in enumerate(complainants, start=1):
        name = (c.name or (c.worker.name if c.worker else "")).strip()
        if not name:
            raise RightsError(N_("第 %(n)s 名投诉人：请填写姓名。"), "complainants", params={"n": i})
        try:
            owed = money(c.amount_owed, "complainants")
        except RightsError:
            raise RightsError(N_("第 %(n)s 名投诉人：被拖欠金额须为正数。"), "complainants", params={"n": i}) from None
        known = c.worker or c.roster  # the ledger's or the site roster's record of the person
        ids = encrypt_id_number(c.id_number) if c.id_number else (
            {"id_number_enc": known.id_number_enc, "id_number_hash": known.id_number_hash,
             "id_number_masked": known.id_number_masked} if known else encrypt_id_number(""))
        if ids["id_number_hash"]:
            if ids["id_number_hash"] in seen:
                raise RightsError(N_("第 %(n)s 名投诉人与前面的投诉人身份号码相同。"), "complainants", params={"n": i})
            seen.add(ids["id_number_hash"])
        phones = encrypt_phone(c.phone) if c.phone else (
            {"phone_enc": known.phone_enc, "phone_hash": known.phone_hash, "phone_masked": known.phone_masked}
            if known else encrypt_phone(""))
        rows.append(CaseWorker(name=name[:50], amount_owed=owed, worker=c.worker, roster=c.roster, **ids, **phones))
    now = timezone.now()
    case = ArrearsCase.objects.create(
        number=_temporary_number(), source=source, route=route, region=region, employer=employer,
        employer_name=employer_name[:120], employer_uscc=(employer_uscc or (employer.uscc if employer else ""))[:18],
        project=project, warning=warning, period_from=period_from, period_to=period_to, summary=summary.strip(),
        created_by=actor, created_at=now,
    )
    case.number = number_for("QX", now, case.pk)
    case.save(update_fields=["number"])
    for row in rows:
        row.case = case
    CaseWorker.objects.bulk_create(rows)
    case_event(case, "created", actor=actor, data={"source": source, "route": route, "workers": len(rows)})
    accept = ROUTES[route][0]
    if accept:
        open_case_task(actor=actor, case=case, stage="accept")
    else:
        case.status, case.accepted_on = "accepted", today()
        case.save(update_fields=["status", "accepted_on"])
        open_case_task(actor=actor, case=case, stage="conclude")
    if ticket is not None:
        Ticket.objects.filter(pk=ticket.pk).update(case=case)
        ticket_event(ticket, TicketEventKind.LINKED, actor=actor, data={"case": case.pk, "number": case.number})
    from anju.registry.services import timeline_add

    for row in rows:
        if row.worker_id:
            timeline_add(worker=row.worker, kind="arrears_case", actor=actor,
                         data={"number": case.number, "employer": case.employer_name, "case": case.pk})
    audit_record(actor=actor, action=Action.CREATE, obj=case, region_code=region.code,
                 detail={"number": case.number, "route": route, "workers": len(rows),
                         "owed": str(sum(r.amount_owed for r in rows))})
    return case
