"""Demo data of rights protection (维权) in Shishi: hotline tickets at every stage of the union's
line (new — one of them long overdue —, dispatched, in progress, paused while mediation runs,
replied and waiting for the call-back, closed with the caller's score, merged into another), two
wage-arrears cases (one mediated and concluded with the money recovered, one labour inspection
accepted and running, opened from a warning), and six construction projects with their rosters,
monthly attendance and payroll, special accounts, wage deposits and notice boards, crafted so the
warning sweep raises warnings of every colour: a month's wages not paid through the special
account and a worker gone without settlement (red), an account never opened and a deposit not
lodged (orange), a site without a notice board (yellow).

Everything goes through the services as the demo users: tickets through `services` and
`hotline`, cases through `services` and `cases`, projects, accounts and deposits through
`construction`, rosters, attendance, payroll and bank statements through the contractor's
tabular import (`imports`, the same row checks as an upload), then the warning sweep and the
deadline sweep. Only the overdue ticket is dated back (its intake time, demo only). The demo
values of parameters are marked as demo data (DEMO_SOURCE). Idempotent: a second run creates
nothing."""

from __future__ import annotations

import csv
import datetime as dt
import logging
import random
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from anju.accounts.models import User
from anju.lib.identifiers import make_id_number, make_uscc
from anju.params.models import DEMO_SOURCE, Parameter, ParameterValue
from anju.params.services import parameter_set
from anju.registry.models import Worker

logger = logging.getLogger(__name__)

SHISHI = "350581"
CENT = Decimal("0.01")

# Demo parameter values (never over a value that is there). Shishi's minimum wage after Fujian's
# 2025-04-01 raise, whose amount the pack leaves empty (the notice board and the average-pay rule
# need one), dated the day after the pack's empty row; the Fujian wage-deposit figures of the
# domain notes (1.5 % of the contract, capped at 5 million, exempt below 4 million, +50 % after
# arrears), which no
# source document in Anju states, so the deposits have an amount.
DEMO_PARAMETERS = [
    # name, region prefix, from, value, what it stands for
    ("min_wage_monthly", SHISHI, dt.date(2025, 4, 2), Decimal("2030"),
     "石狮市月最低工资标准（按一类地区 2030 元/月演示；2025-04-01 调整后的金额请人社部门核对录入）"),
    ("wage_deposit_rate", "35", dt.date(2022, 1, 1), Decimal("0.015"), "福建省工资保证金存储比例 1.5%"),
    ("wage_deposit_cap", "35", dt.date(2022, 1, 1), Decimal("5000000"), "福建省单个工程工资保证金存储上限 500 万元"),
    ("wage_deposit_exempt_below", "35", dt.date(2022, 1, 1), Decimal("4000000"),
     "福建省施工合同额 400 万元以下的工程免存工资保证金"),
    ("wage_deposit_arrears_raise", "35", dt.date(2022, 1, 1), Decimal("0.5"),
     "福建省：近两年发生拖欠农民工工资的施工总承包单位，存储比例提高 50%"),
]

OTHER_CONTRACTOR = (make_uscc("91350500MA31K8R2X"), "泉州市恒安建设工程有限公司")
LABOUR_SUBCONTRACTORS = ["石狮市鸿建劳务有限公司", "泉州市宏顺建筑劳务有限公司", "石狮市永信劳务分包有限公司"]
TRADES = [("钢筋工", 380), ("木工", 360), ("泥瓦工", 340), ("架子工", 350), ("电焊工", 400), ("普工", 280)]
TEAMS = ["钢筋班", "木工班", "泥瓦班", "架子班", "水电班"]
SITE_ROADS = ["环湖路 18 号", "城东大道 206 号", "工业路 9 号", "学府路 33 号", "滨海大道 1 号", "兴港路 57 号"]


@dataclass(frozen=True)
class ProjectSpec:
    """A demo project. Dates are days before today; `months` how many full months of attendance
    and payroll it has (the last ones before this month); the flags make the warnings."""

    code: str
    name: str
    town: str
    value: str
    workers: int
    signed: int
    months: int = 4
    own: bool = True  # the demo contractor's organisation is the general contractor
    account: bool = True
    deposit: bool = True
    notice_board: bool = True
    cash_month: int | None = None  # this month (1 = last month) paid in cash, not through the account
    unsettled: int = 0  # workers who left 20 days ago without a settlement confirmed
    completed: int | None = None  # completed this many days ago (all left and settled)


PROJECTS = [
    ProjectSpec("SS-2026-JZ-001", "湖滨街道城东安置房二期工程", "350581001000", "68000000", 48, signed=220),
    ProjectSpec("SS-2026-JZ-002", "凤里街道商业综合体（一标段）", "350581002000", "52000000", 36, signed=210,
                cash_month=2, unsettled=1),
    ProjectSpec("SS-2026-JZ-003", "宝盖镇标准厂房建设工程", "350581101000", "18600000", 22, signed=56, months=1,
                account=False, deposit=False),
    ProjectSpec("SS-2026-JZ-004", "灵秀镇中心小学扩建工程", "350581100000", "26500000", 30, signed=200, own=False,
                notice_board=False),
    ProjectSpec("SS-2026-JZ-005", "蚶江镇滨海大道改造工程", "350581102000", "41000000", 40, signed=190),
    ProjectSpec("SS-2026-JZ-006", "祥芝镇污水处理厂提标改造工程", "350581103000", "15800000", 25, signed=300,
                completed=40),
]


def _users() -> dict[str, User] | None:
    names = {"desk": "shishi-union", "inspector": "shishi-inspector", "hrss": "shishi-hrss",
             "contractor": "shishi-contractor"}
    users = {key: User.objects.filter(username=name).first() for key, name in names.items()}
    return None if any(u is None for u in users.values()) else users  # type: ignore[return-value]


def seed_parameters() -> int:
    made = 0
    for name, region, valid_from, value, what in DEMO_PARAMETERS:
        if not Parameter.objects.filter(name=name).exists():
            continue
        if ParameterValue.objects.filter(parameter__name=name, region_prefix=region, valid_from=valid_from).exists():
            continue
        parameter_set(actor=None, name=name, region_prefix=region, valid_from=valid_from, value=value,
                      source=f"{DEMO_SOURCE}：{what}（非正式取值，仅供演示）")
        made += 1
    return made


# Dates -----------------------------------------------------------------------------------------
def _months_back(today: dt.date, n: int) -> dt.date:
    """The first day of the month `n` months before this one."""
    index = today.year * 12 + today.month - 1 - n
    return dt.date(index // 12, index % 12 + 1, 1)


def _pay_day(month: dt.date, today: dt.date) -> dt.date:
    """A month's wages are paid on the 15th of the next month (never in the future: a month still
    within its pay period is paid as of today)."""
    return min(_months_back(month, -1).replace(day=15), today)


# Construction projects ---------------------------------------------------------------------------
@dataclass
class Person:
    name: str
    id_number: str
    phone: str
    card: str
    trade: str
    rate: int
    team: str
    entered: dt.date
    exited: dt.date | None = None
    settled: dt.date | None = None


def _people(spec: ProjectSpec, index: int, start: dt.date, today: dt.date) -> list[Person]:
    from anju.core.demo import GIVEN, HUKOU_COUNTIES, SURNAMES

    rng = random.Random(9103 + index)
    out = []
    for i in range(spec.workers):
        k = index * 100 + i
        trade, rate = TRADES[i % len(TRADES)]
        birth = dt.date(1968, 1, 1) + dt.timedelta(days=(k * 211) % 11000)
        entered = min(start + dt.timedelta(days=i % 12), today)
        person = Person(name=rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
                        id_number=make_id_number(HUKOU_COUNTIES[k % len(HUKOU_COUNTIES)], birth, 500 + k % 500),
                        phone=f"1390596{k:04d}", card=f"6228481{k:09d}", trade=trade, rate=rate + rng.randrange(0, 3) * 10,
                        team=TEAMS[i % len(TEAMS)], entered=entered)
        if spec.completed is not None:
            person.exited = today - dt.timedelta(days=spec.completed + 2)
            person.settled = person.exited + dt.timedelta(days=3)
        elif i < spec.unsettled:
            person.exited = today - dt.timedelta(days=20)
        out.append(person)
    return out


def _write_csv(directory: Path, name: str, header: list[str], rows: list[list]) -> Path:
    path = directory / name
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _upload(actor, project, kind: str, month: dt.date | None, path: Path) -> int:
    """Put one file through the contractor's import: every row checked, then written (all or
    nothing). A refusal is logged and leaves the project as it was."""
    from anju.rights import imports

    imports.check_import(actor, project, kind, month)
    book = imports.read(kind, path, path.name)
    outcome = imports.import_run(book, imports.context_for(actor, project, kind, month))
    if not outcome.ok:
        errors = outcome.plan.errors
        logger.warning("demo: %s %s of %s refused (%s bad rows), first: %s", kind, month, project.code, len(errors),
                       errors[0] if errors else "no rows")
        return 0
    return outcome.plan.total_rows


def _attends(person: Person, month: dt.date) -> bool:
    end = _months_back(month, -1) - dt.timedelta(days=1)
    return person.entered <= end and (person.exited is None or person.exited >= month)


def _monthly(actor, project, spec: ProjectSpec, people: list[Person], months: list[dt.date], today: dt.date,
             directory: Path) -> dict[str, int]:
    """Attendance and payroll of each month, and the special account's statement: the owner's
    labour-cost allocation on the first of every month, each worker's net wage on the pay day
    (except the month paid in cash, signed for instead)."""
    counts = {"attendance": 0, "payroll": 0, "statement": 0}
    payer = LABOUR_SUBCONTRACTORS[int(project.code[-1]) % len(LABOUR_SUBCONTRACTORS)]
    statement: list[list] = []
    for back, month in zip(range(len(months), 0, -1), months, strict=True):
        present = [p for p in people if _attends(p, month)]
        if not present:
            continue
        rng = random.Random(f"{project.code}{month}")
        days = {p.id_number: Decimal(rng.randrange(20, 27)) for p in present}
        counts["attendance"] += _upload(actor, project, "attendance", month, _write_csv(
            directory, f"att-{project.code}-{month:%Y%m}.csv", ["公民身份号码", "姓名", "出勤天数"],
            [[p.id_number, p.name, days[p.id_number]] for p in present]))
        paid_on = _pay_day(month, today)
        cash = back == spec.cash_month
        rows = []
        for p in present:
            gross = (days[p.id_number] * p.rate).quantize(CENT)
            reference = "" if cash else f"{project.code}-{month:%Y%m}-{p.id_number[-6:]}"
            rows.append([payer, paid_on.isoformat(), p.name, p.id_number, days[p.id_number], gross, "0.00", gross,
                         reference, "是"])
            if spec.account and not cash:
                statement.append([paid_on.isoformat(), "代发工资", gross, p.id_number, f"{month:%Y-%m}", reference])
        counts["payroll"] += _upload(actor, project, "payroll", month, _write_csv(
            directory, f"pay-{project.code}-{month:%Y%m}.csv",
            ["用人单位", "支付日期", "姓名", "公民身份号码", "出勤天数", "应发工资", "代扣代缴", "实发工资", "银行支付凭证号",
             "本人签字"], rows))
    if spec.account:
        bill = sum(p.rate for p in people) * 23
        for n in range(len(months), -1, -1):
            first = _months_back(today, n)
            if first >= project.wage_account.opened_on and (spec.completed is None or n > 1):
                statement.append([first.isoformat(), "人工费拨付", f"{Decimal(bill) * Decimal('1.05'):.2f}", "", "",
                                  f"{project.code}-ALLOC-{first:%Y%m}"])
        statement.sort(key=lambda row: row[0])
        counts["statement"] += _upload(actor, project, "statement", None, _write_csv(
            directory, f"bank-{project.code}.csv", ["记账日期", "交易类型", "金额", "收款人公民身份号码", "工资所属月份", "流水号"],
            statement))
    return counts


def _project(u: dict[str, User], spec: ProjectSpec, index: int, today: dt.date, directory: Path) -> dict[str, int]:
    from anju.core.demo import DEMO_ORGANISATIONS
    from anju.regions.selectors import region_name
    from anju.rights import construction
    from anju.rights.models import Project, RosterEntry

    hrss = u["hrss"]
    signed = today - dt.timedelta(days=spec.signed)
    permit, start = signed + dt.timedelta(days=6), signed + dt.timedelta(days=11)
    uscc, name = (DEMO_ORGANISATIONS["shishi-contractor"][:2] if spec.own else OTHER_CONTRACTOR)
    data = {"code": spec.code, "name": spec.name, "region_id": spec.town, "address": f"{region_name(spec.town)}{SITE_ROADS[int(spec.code[-1]) % len(SITE_ROADS)]}",
            "owner_name": "石狮市城市建设投资集团有限公司", "owner_uscc": make_uscc("91350581MA2XW3N8L"),
            "contractor_name": name, "contractor_uscc": uscc, "contract_value": Decimal(spec.value),
            "labour_share": Decimal("0.22"), "disbursement_cycle_months": 1, "contract_signed_on": signed,
            "permit_on": permit, "start_on": start, "planned_end_on": signed + dt.timedelta(days=540),
            "status": "building", "supervisor_name": "陈志强" if spec.own else "黄建华",
            "supervisor_phone": "13905951688" if spec.own else "13905952699"}
    if spec.completed is not None:
        data.update(status="completed", completed_on=today - dt.timedelta(days=spec.completed))
    project = construction.project_create(actor=hrss, data=data)
    construction.subcontractor_add(actor=hrss, project=project,
                                   name=LABOUR_SUBCONTRACTORS[int(spec.code[-1]) % len(LABOUR_SUBCONTRACTORS)])
    if spec.account:
        opened = signed + dt.timedelta(days=12)
        construction.account_open(actor=hrss, project=project, bank="中国农业银行石狮市支行",
                                  account_number=f"13580101040{index:03d}{spec.workers:04d}", opened_on=opened)
        construction.account_file(actor=hrss, project=project, filed_on=opened + dt.timedelta(days=5))
    if spec.deposit:
        deposit = construction.deposit_set(actor=hrss, project=project, form="cash", bank="中国农业银行石狮市支行")
        if deposit.amount_due and not deposit.exempt:
            construction.deposit_lodge(actor=hrss, project=project, amount=deposit.amount_due,
                                       on=permit + dt.timedelta(days=9), note="现金存储")
    uploader = u["contractor"] if spec.own else hrss
    if spec.notice_board:
        project = construction.notice_board_posted(actor=uploader, project=project, on=start + dt.timedelta(days=3),
                                                   expected_version=project.version)
    project = Project.objects.select_related("wage_account").get(pk=project.pk)
    people = _people(spec, index, start, today)
    counts = {"projects": 1, "roster": _upload(uploader, project, "roster", None, _write_csv(
        directory, f"roster-{spec.code}.csv",
        ["姓名", "公民身份号码", "手机号码", "班组", "工种", "是否签订劳动合同", "进场日期", "退场日期", "工资卡号", "工资结清确认日期"],
        [[p.name, p.id_number, p.phone, p.team, p.trade, "是", p.entered.isoformat(),
          p.exited.isoformat() if p.exited else "", p.card,
          p.settled.isoformat() if p.settled else ""] for p in people]))}
    months = [_months_back(today, n) for n in range(spec.months, 0, -1)]
    counts |= _monthly(uploader, project, spec, people, months, today, directory)
    if spec.completed is not None and spec.deposit:
        from anju.rights.models import WageDeposit

        held = construction.deposit_balance(WageDeposit.objects.get(project=project))
        if held > 0:
            construction.deposit_return(actor=hrss, project=project, amount=held, on=today - dt.timedelta(days=3),
                                        note="工程竣工、无拖欠工资，公示期满返还")
    counts["exits"] = RosterEntry.objects.filter(project=project, exited_on__isnull=False).count()
    return counts


def seed_projects(u: dict[str, User], today: dt.date) -> dict[str, int]:
    from anju.rights.models import Project

    out: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="anju-demo-rights-") as tmp:
        for index, spec in enumerate(PROJECTS, start=1):
            if Project.objects.filter(code=spec.code).exists():
                continue
            with transaction.atomic():
                for key, n in _project(u, spec, index, today, Path(tmp)).items():
                    out[key] = out.get(key, 0) + n
    return out


# Hotline tickets --------------------------------------------------------------------------------
# (key, category, channel, caller, subject, description, stage). The stage says how far the demo
# takes the ticket: new, overdue (new, taken long ago), dispatched, in_progress, paused, replied,
# closed (called back, satisfied), merged (into the ticket named after the colon).
TICKETS = [
    ("t-social", "policy", "phone", "赵小燕", "灵活就业人员社保补贴怎么申请",
     "在石狮做家政服务，没有单位，想问灵活就业人员社会保险补贴的条件和到哪里申请。", "new"),
    ("t-overdue", "assistance", "visit", "刘德明", "刚到石狮找不到住处，求助临时住宿",
     "从四川过来找工作，身上钱不多，想问有没有临时住宿或者救助的地方。", "overdue"),
    ("t-school", "policy", "online", "周桂英", "孩子在石狮上小学需要什么材料",
     "明年孩子要在湖滨街道上小学，想知道随迁子女入学要准备哪些材料、什么时候报名。", "dispatched"),
    ("t-contract", "legal", "phone", "吴国庆", "工厂不签劳动合同",
     "在鞋厂干了五个月，老板一直不签劳动合同，想知道怎么维护自己的权益。", "in_progress"),
    ("t-injury", "mediation", "visit", "黄建华", "工伤后与工厂就赔偿谈不拢",
     "上个月在车间被机器压伤手指，工厂只愿意付医药费，对停工期间的工资和赔偿有争议，希望调解。", "paused"),
    ("t-training", "policy", "phone", "陈秀兰", "想参加电工培训，有没有补贴",
     "想学电工拿证，问问石狮有没有免费培训或者培训补贴。", "replied"),
    ("t-arrears", "arrears", "phone", "郑志强", "凤里街道工地拖欠两个月工资",
     "在凤里街道商业综合体工地做钢筋工，劳务公司拖欠了两个月工资，工友们都没拿到。", "closed"),
    ("t-arrears-dup", "arrears", "online", "郑志强", "凤里工地欠薪（重复反映）",
     "网上再反映一次：凤里街道商业综合体工地劳务公司拖欠工资。", "merged:t-arrears"),
]
REPLIES = {
    "t-training": "电工属于本市职业技能培训补贴目录，可在人社局指定培训机构报名，取得证书后按规定申领补贴；"
                  "报名地址和机构名单已短信发送给您。",
    "t-arrears": "经市总工会调解，劳务公司已将拖欠的工资全额支付给您和工友，请注意查收。",
}


def _ticket_moves(u: dict[str, User], key: str, ticket, stage: str, made: dict) -> None:
    from anju.rights import hotline

    desk = u["desk"]
    lead = u["inspector"] if ticket.lead_role == "inspector" else desk
    if stage in ("new", "overdue"):
        return
    if stage.startswith("merged:"):
        hotline.ticket_merge(actor=desk, ticket=ticket, into=made[stage.split(":", 1)[1]],
                             reason="同一来电人就同一事项重复反映，并入首次登记的工单办理", expected_version=ticket.version)
        return
    ticket = hotline.ticket_dispatch(actor=desk, ticket=ticket, note="按分派规则派单", expected_version=ticket.version)
    if stage == "dispatched":
        return
    ticket = hotline.ticket_contact(actor=lead, ticket=ticket, note="已电话联系来电人，了解具体情况",
                                    expected_version=ticket.version)
    if stage == "in_progress":
        return
    if stage == "paused":
        hotline.ticket_pause(actor=lead, ticket=ticket, reason_kind=hotline.PAUSE_MEDIATION,
                             note="已转劳动争议调解委员会，等待调解结果", expected_version=ticket.version)
        return
    if stage == "closed":
        ticket = _mediate(u, ticket)
    ticket = hotline.ticket_reply(actor=lead, ticket=ticket, reply=REPLIES[key],
                                  expected_version=ticket.version)
    if stage == "closed":
        hotline.ticket_callback(actor=desk, ticket=ticket, satisfaction=5, note="来电人表示工资已收到，非常满意",
                                expected_version=ticket.version)


def seed_tickets(u: dict[str, User]) -> tuple[dict, dict[str, int]]:
    """The tickets, each taken by the union's desk and moved as far as its stage."""
    from anju.core.demo_benefits import _moment
    from anju.rights import services
    from anju.rights.models import Ticket, TicketCategory

    made: dict = {}
    created = 0
    callers = list(Worker.objects.filter(residence_region__code__startswith=SHISHI).exclude(phone_enc="")
                   .order_by("pk")[:2])
    for i, (key, category, channel, caller, subject, description, stage) in enumerate(TICKETS):
        existing = Ticket.objects.filter(subject=subject).order_by("pk").first()
        if existing is not None:
            made[key] = existing
            continue
        worker = callers[i] if i < len(callers) else None
        with transaction.atomic():
            ticket = services.ticket_create(
                actor=u["desk"], channel=channel, category=TicketCategory.objects.get(code=category),
                region=("350581002000" if category == "arrears" else "350581001000"), subject=subject,
                description=description, caller_name=worker.name if worker else caller,
                phone=worker.phone if worker else f"1370595{i:04d}", worker=worker,
                # Demo only: the overdue one was taken six working days ago and never dispatched.
                created_at=_moment(6) if stage == "overdue" else None)
            _ticket_moves(u, key, ticket, stage, made)
        made[key] = Ticket.objects.get(pk=ticket.pk)
        created += 1
    return made, {"tickets": created}


# Arrears cases ---------------------------------------------------------------------------------
MEDIATION_SUMMARY = "凤里街道商业综合体工地劳务分包单位拖欠钢筋班工人两个月工资，经热线转市总工会调解。"
INSPECTION_SUMMARY = "预警显示凤里街道商业综合体工地有一个月工资未经专用账户代发，监察大队立案调查。"


def _roster_complainants(project, first: int, n: int) -> list:
    """`n` workers of the project's roster (from the `first`th) as complainants."""
    from anju.rights.models import RosterEntry
    from anju.rights.services import Complainant

    rows = list(RosterEntry.objects.filter(project=project).order_by("pk")[first:first + n])
    return [Complainant(name=r.name, amount_owed=Decimal(8200 + 600 * i), id_number=r.id_number, phone=r.phone,
                        worker=r.worker, roster=r) for i, r in enumerate(rows)]


def _mediate(u: dict[str, User], ticket):
    """The arrears call becomes a mediation case at the union: the labour subcontractor pays two
    workers, the general contractor pays the third first (art. 30), and the case is concluded as
    paid in full. Returns the ticket as it is now (linked)."""
    from anju.rights import cases, services
    from anju.rights.models import ArrearsCase, Project, Ticket

    project = Project.objects.filter(code=PROJECTS[1].code).first()
    if project is None or ArrearsCase.objects.filter(summary=MEDIATION_SUMMARY).exists():
        return ticket
    today = services.today()
    subcontractor = project.subcontractors.order_by("pk").first()
    case = services.case_create(
        actor=u["desk"], source="ticket", route="mediation", region=project.region_id,
        employer_name=subcontractor.name if subcontractor else project.contractor_name, project=project,
        period_from=_months_back(today, 3), period_to=_months_back(today, 2), summary=MEDIATION_SUMMARY,
        complainants=_roster_complainants(project, 0, 3), ticket=ticket)
    rows = list(case.workers.order_by("pk"))
    for i, row in enumerate(rows):
        case.refresh_from_db()
        method = "general_contractor" if i == len(rows) - 1 else "employer"
        cases.case_record_recovery(actor=u["desk"], case=case, worker_row=row, amount=row.amount_owed, method=method,
                                   on=today, expected_version=case.version)
    case.refresh_from_db()
    cases.case_conclude(actor=u["desk"], case=case, conclusion="paid_in_full",
                        note="双方达成调解协议，劳务分包单位当场支付两人，其余一人由施工总承包单位先行清偿",
                        expected_version=case.version)
    return Ticket.objects.get(pk=ticket.pk)


def seed_inspection_case(u: dict[str, User]) -> dict[str, int]:
    """A labour inspection opened from the red warning on the project paid in cash, accepted and
    running on its 60-working-day clock; one complainant already paid from the wage deposit,
    which the contractor has topped up."""
    from anju.rights import cases, construction, services, warnings
    from anju.rights.models import ArrearsCase, Project, Warning

    project = Project.objects.filter(code=PROJECTS[1].code).first()
    if project is None or ArrearsCase.objects.filter(summary=INSPECTION_SUMMARY).exists():
        return {}
    warning = Warning.objects.filter(project=project, rule="wages_unpaid", status="open").order_by("period").first()
    today = services.today()
    with transaction.atomic():
        case = services.case_create(
            actor=u["inspector"], source="warning" if warning else "walk_in", route="inspection",
            region=project.region_id, employer_name=project.contractor_name, employer_uscc=project.contractor_uscc,
            project=project, warning=warning, period_from=_months_back(today, 2), period_to=_months_back(today, 2),
            summary=INSPECTION_SUMMARY, complainants=_roster_complainants(project, 3, 2))
        if warning is not None:
            warnings.warning_to_case(u["inspector"], warning, case)
        case = cases.case_accept(actor=u["inspector"], case=case, expected_version=case.version)
        row = case.workers.order_by("pk").first()
        cases.case_record_recovery(actor=u["inspector"], case=case, worker_row=row, amount=row.amount_owed,
                                   method="deposit", on=today, expected_version=case.version)
        owed, _due = construction.topup_owed(project.deposit)
        if owed > 0:
            construction.deposit_top_up(actor=u["hrss"], project=project, amount=owed, on=today,
                                        note="工资保证金动用后补足")
    return {"cases": 1}


def seed_rights() -> dict[str, int]:
    """The rights demo (see the module docstring). Idempotent."""
    u = _users()
    if u is None:
        return {}
    from anju.rights import warnings
    from anju.workflow.services import deadlines_sweep

    today = timezone.localdate()
    out: dict[str, int] = {"parameters": seed_parameters()}
    out |= seed_projects(u, today)
    if out.get("projects"):
        out["warnings_raised"] = warnings.sweep(today)["raised"]
    _made, counts = seed_tickets(u)
    out |= counts
    out |= seed_inspection_case(u)
    if out.get("tickets"):
        deadlines_sweep(on=today)
    return {k: v for k, v in out.items() if v}
