"""Demo data of the benefits work in Shishi: the city's special fund for migrant-worker care and
the quota of April birthday gift boxes, and applications of workers of 湖滨街道 for the Quanzhou
temporary assistance at every stage — waiting at the town (one overdue), returned for documents,
at the county HRSS, at civil affairs, on public notice, past notice and ready, in an exported
payment batch, paid, and refused — plus two households' union relief approved by the union.

Everything goes through the services as the demo users (so it is audited and on the timelines);
then the history is moved back in time (timestamps only, demo only) so the stages are where they
would be after some weeks of work. Idempotent: a second run creates nothing."""

from __future__ import annotations

import datetime as dt
import logging
import random
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from anju.accounts.models import DepartmentKind, User
from anju.benefits import services
from anju.benefits.models import (
    Application,
    ApplicationStatus,
    Door,
    Fund,
    FundMovement,
    Grant,
    Notice,
    PaymentBatch,
    StepEvent,
    StepOutcome,
    StepState,
)
from anju.lib.workdays import add_working_days
from anju.policies.packs import get_policy
from anju.regions.codes import prefix_q
from anju.registry.choices import DIFFICULTY_BITS, EmploymentStatus, TimelineKind
from anju.registry.models import Household, TimelineEvent, Worker
from anju.registry.services import worker_update
from anju.workflow.calendar import work_calendar
from anju.workflow.models import TaskPause, WorkTask
from anju.workflow.services import Assignment, task_build

logger = logging.getLogger(__name__)

TOWN = "350581001000"  # 湖滨街道, the demo town officer's
CITY = "350581"
TEMPORARY = "quanzhou-temporary-assistance"
UNION_RELIEF = "quanzhou-union-relief"
GIFT = "shishi-april-birthday-gift"
MLA = DIFFICULTY_BITS["minimum_living_allowance"]
SHISHI_MEASURES = "中共石狮市委办公室、石狮市人民政府办公室《石狮市关爱外来务工人员八条措施》（狮委办〔2022〕19号，2022-03-31）"
FUND_CODE = "shishi-migrant-care-2026"
QUOTA_CODE = "shishi-april-gift-boxes"
# Cash measures of the demo the special fund pays (those whose pack is loaded).
FUND_POLICIES = (TEMPORARY, UNION_RELIEF, "shishi-temporary-assistance")

# Debit card prefixes of the banks Shishi's workers use; the rest of each number is random, with
# a valid Luhn check digit, so the numbers look real and pass any format check (none is real).
BANKS = [("中国农业银行石狮支行", "622848"), ("中国工商银行石狮支行", "622202"), ("中国建设银行石狮支行", "621700"),
         ("中国邮政储蓄银行石狮市支行", "622188"), ("福建石狮农村商业银行", "623038")]


@dataclass(frozen=True)
class Case:
    """One demo application of the temporary assistance: where it stands, how long ago it was
    made (working days) and what was said on the way."""

    stage: str
    made: int  # working days ago
    door: str = Door.COUNTER
    amount: str | None = None
    amount_reason: str = ""
    note: str = ""
    extra: bool = False  # left out of a small demo with few people to apply


RETURN_REASON = "请补充原用工单位出具的解除（终止）劳动合同证明，以及近三个月无收入情况的书面说明。"
REFUSAL = "经入户核实，申请人已于本月在本地鞋厂重新就业，有稳定收入来源，不符合连续 3 个月以上无收入的条件。"
CASES = [
    # Paid in an earlier batch (the worker's timeline shows the payment).
    Case("paid", 30, note="原在服装厂务工，工厂停产后一直未找到工作。"),
    Case("paid", 28, amount="3200", amount_reason="家中有重病患者，医疗支出大，按 4 个月低保标准给予救助。",
         note="本人腰部受伤，无法从事重体力劳动。", extra=True),
    # In the batch exported to the bank, waiting for its answer.
    Case("exported", 22, note="建筑工地停工后一直没有活干，没有收入。"),
    Case("exported", 21, door=Door.PORTAL, extra=True),
    # Notice over without objection: ready for the next batch.
    Case("ready", 17, amount="2800", amount_reason="独自抚养两名未成年子女，适当提高救助标准。"),
    # On public notice now.
    Case("on_notice", 12, note="鞋厂裁员后失业，家中有老人需赡养。"),
    Case("on_notice", 11, door=Door.PORTAL, extra=True),
    # At civil affairs for approval, at the county HRSS, returned, at the town.
    Case("civil", 8, note="外卖平台账号被停用后一直没有收入。"),
    Case("hrss", 5),
    Case("returned", 3, door=Door.PORTAL, note="已失业半年，申请临时救助。"),
    Case("town_overdue", 9, note="本人到街道劳动保障站窗口申请。"),
    Case("town", 1, door=Door.PORTAL),
    Case("refused", 7, note="称已三个月无收入。"),
]
UNION_CASES = [
    ("2000", "夫妻双方均因企业停产失业，子女在读，家庭生活十分困难，按上限给予救助。"),
    ("1500", "户主因病住院，家庭收入锐减，经核实符合帮扶条件。"),
]


def _users() -> dict[str, User] | None:
    names = {"town": "shishi-town", "hrss": "shishi-hrss", "civil": "shishi-civil", "union": "shishi-union",
             "finance": "shishi-finance"}
    users = {key: User.objects.filter(username=name).select_related("department").first()
             for key, name in names.items()}
    return None if any(u is None for u in users.values()) else users  # type: ignore[return-value]


def _luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def bank_account(seed: int) -> tuple[str, str]:
    """A fake but well-formed 19-digit debit card number of a local bank, and the bank."""
    rng = random.Random(seed * 104729 + 3)
    bank, prefix = rng.choice(BANKS)
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(18 - len(prefix)))
    return body + _luhn_digit(body), bank


# Time ---------------------------------------------------------------------------------------------
def _moment(days_ago: int, k: int = 0) -> dt.datetime:
    """A working-hours moment `days_ago` working days before today (never in the future)."""
    day = add_working_days(timezone.localdate(), -days_ago, work_calendar()) if days_ago > 0 else timezone.localdate()
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(9 + k % 8, (k * 17 + 5) % 60)))
    return min(at, timezone.now())


def _task_dates(task: WorkTask, opened_at: dt.datetime) -> dict:
    built = task_build(assignment=Assignment(step=task.step, department_kind=task.department_kind, role=task.role,
                                             working_days=task.working_days),
                       subject_type=task.subject_type, subject_id=task.subject_id, subject_label="",
                       region_code=task.region_code, opened_at=opened_at)
    fields = ("opened_at", "opened_on", "due_on", "warn_on", "urgent_on", "calendar_fallback")
    return {f: getattr(built, f) for f in fields}


def _age(app: Application, days_ago: int, gap: int = 2) -> dict[str, dt.datetime]:
    """Move an application's history back in time: made `days_ago` working days ago, each later
    event `gap` working days after the one before (never later than now). Its steps' tasks get
    the deadlines they would have had. Returns the moments of the made / decided events."""
    made = _moment(days_ago)
    events = list(StepEvent.objects.filter(step__application=app).order_by("at", "id"))
    when: dict[int, dt.datetime] = {}
    last = made
    for i, event in enumerate(events, start=1):
        last = last if event.by_data else _moment(max(days_ago - gap * i, 0), i)
        when[event.pk] = last
        StepEvent.objects.filter(pk=event.pk).update(at=last)
    Application.objects.filter(pk=app.pk).update(created_at=made, closed_at=last if app.closed_at else None,
                                                 account_confirmed_at=made if app.account_confirmed_at else None)
    opened = made
    out = {"made": made}
    for step in app.steps.order_by("position"):
        mine = [e for e in events if e.step_id == step.pk]
        decided = next((when[e.pk] for e in reversed(mine) if e.outcome in (StepOutcome.PASS, StepOutcome.FAIL)), None)
        if step.task_id:
            task = WorkTask.objects.get(pk=step.task_id)
            fields = _task_dates(task, opened)
            if task.closed_at and decided:
                fields["closed_at"] = decided
            returned = next((when[e.pk] for e in mine if e.outcome == StepOutcome.RETURN), None)
            if returned and task.paused_at:
                fields["paused_at"] = returned
                TaskPause.objects.filter(task=task, resumed_at__isnull=True).update(paused_at=returned)
            WorkTask.objects.filter(pk=task.pk).update(**fields)
        if decided:
            if step.decided_at:
                type(step).objects.filter(pk=step.pk).update(decided_at=decided)
            opened = decided
            out[step.code] = decided
    grant = Grant.objects.filter(application=app).first()
    if grant:
        Grant.objects.filter(pk=grant.pk).update(approved_at=opened)
        FundMovement.objects.filter(grant=grant, kind=FundMovement.Kind.COMMIT).update(at=opened)
    for event in TimelineEvent.objects.filter(worker_id=app.worker_id, data__application=app.pk):
        at = {"application": made, "grant_approved": opened, "application_refused": last}.get(event.kind)
        if at:
            TimelineEvent.objects.filter(pk=event.pk).update(at=at)
    return out


def _age_notice(notice: Notice, days_ago: int) -> Notice:
    cal = work_calendar()
    opens = add_working_days(timezone.localdate(), -days_ago, cal)
    Notice.objects.filter(pk=notice.pk).update(published_at=_moment(days_ago, 1), opens_on=opens,
                                               closes_on=add_working_days(opens, notice.working_days, cal))
    notice.refresh_from_db()
    return notice


def _age_batch(batch: PaymentBatch, days_ago: int) -> None:
    at = _moment(days_ago, 2)
    PaymentBatch.objects.filter(pk=batch.pk).update(created_at=at, exported_at=at)


# The ledger ---------------------------------------------------------------------------------------
def _qualify(worker: Worker, *, actor: User, k: int) -> None:
    """Make a demo applicant meet the temporary assistance as the town verified it: out of work
    with no income since 6 to 8 months ago (so 3 months or more when the earliest applied, six
    weeks ago), not on the minimum living allowance, not insured."""
    today = timezone.localdate()
    y, m = divmod(today.year * 12 + today.month - 1 - (6 + k % 3), 12)
    data = {"employment_status": EmploymentStatus.UNEMPLOYED, "last_income_month": dt.date(y, m + 1, 1),
            "monthly_income": None, "unemployment_insured": False}
    if worker.difficulty_mask & MLA:
        # Still a worker in difficulty (whether one is decides the rounds and the demo's extras,
        # so a second load of the demo finds the same people as the first).
        data["difficulty_mask"] = (worker.difficulty_mask & ~MLA) or DIFFICULTY_BITS["employment_difficulty"]
    worker_update(actor=actor, worker=worker, data=data)


def _age_ledger(worker_id: int, made: dt.datetime, since: dt.datetime) -> None:
    """The ledger history of an applicant before the application: entered in the ledger months
    earlier, and today's changes of the demo (residence, status, income) made just before."""
    registered = made - dt.timedelta(days=random.Random(worker_id * 13 + 1).randrange(45, 400))
    Worker.objects.filter(pk=worker_id, created_at__gt=registered).update(created_at=registered)
    events = TimelineEvent.objects.filter(worker_id=worker_id)
    events.filter(kind=TimelineKind.REGISTERED, at__gt=registered).update(at=registered)
    (events.filter(at__gte=since).exclude(kind=TimelineKind.REGISTERED).exclude(data__has_key="application")
     .update(at=made - dt.timedelta(minutes=10)))


# Who may apply: out of work, in flexible work or farming, or self-employed; the unemployed first. Never
# the employed: whether one is employed or in difficulty decides what else the demo gives them
# (demo.seed_extras), and a second load of the demo must find them as the first did.
_FIT = {EmploymentStatus.UNEMPLOYED: 0, EmploymentStatus.FLEXIBLE: 1, EmploymentStatus.FARMING: 2,
        EmploymentStatus.SELF_EMPLOYED: 3}


def _candidates() -> QuerySet[Worker]:
    return Worker.objects.filter(prefix_q("residence_region_id", CITY), employment_status__in=list(_FIT))


def _applicants(n: int, *, county: User) -> list[Worker]:
    """Up to `n` workers living in 湖滨街道 who may apply; in a small demo with too few there,
    other Shishi workers move in (a change of residence recorded by the county)."""
    def fit(w: Worker) -> tuple:
        return _FIT[w.employment_status], bool(w.difficulty_mask & MLA), w.pk

    shishi = _candidates()
    here = sorted(shishi.filter(residence_region_id=TOWN), key=fit)[:n]
    if len(here) < n:
        # Not in difficulty, so the town's verification round (opened already) stays as it is.
        movers = sorted(shishi.exclude(residence_region_id=TOWN),
                        key=lambda w: (w.difficulty_mask != 0, w.household_id is not None, fit(w)))[: n - len(here)]
        for worker in movers:
            worker_update(actor=county, worker=worker, data={"residence_region_id": TOWN})
        here += movers
    return here


def _union_households(n: int, *, exclude: set[int], county: User, union: User) -> list[Household]:
    """`n` Shishi households for the union relief, marked by the union as meeting its hardship
    conditions (audited); in a small demo without households, a worker's household is entered."""
    from anju.audit.models import Action
    from anju.audit.services import audit_record

    households = list(Household.objects.filter(prefix_q("region_id", CITY)).exclude(members__id__in=exclude)
                      .distinct().order_by("id")[:n])
    if len(households) < n:
        for worker in (Worker.objects.filter(prefix_q("residence_region_id", CITY), household__isnull=True)
                       .exclude(id__in=exclude).order_by("-id")[: n - len(households)]):
            worker_update(actor=county, worker=worker,
                          data={"household_no": f"H{worker.residence_region_id[:9]}D{worker.pk:06d}"})
            households.append(worker.household)
    for household in households:
        if household.union_hardship is not True:
            Household.objects.filter(pk=household.pk).update(union_hardship=True)
            audit_record(actor=union, action=Action.UPDATE, obj=household, region_code=household.region_id,
                         changes={"union_hardship": (household.union_hardship, True)},
                         detail={"reason": "工会入户走访，认定符合困难帮扶条件"})
            household.union_hardship = True
    return households


# Funds --------------------------------------------------------------------------------------------
def _age_fund(code: str, days_ago: int) -> None:
    """Registered before the first demo application was approved."""
    at = _moment(days_ago, 1)
    Fund.objects.filter(code=code).update(created_at=at)
    FundMovement.objects.filter(fund__code=code, kind=FundMovement.Kind.BUDGET).update(at=at)


def seed_funds(finance: User) -> int:
    made = 0
    policies = [p for p in FUND_POLICIES if get_policy(p) is not None]
    if TEMPORARY in policies and not Fund.objects.filter(code=FUND_CODE).exists():
        services.fund_create(actor=finance, code=FUND_CODE, name="石狮市关爱农民工专项资金", region_prefix=CITY,
                             department_kind=DepartmentKind.FINANCE, policy_ids=policies, budget="5000000",
                             valid_from=dt.date(2022, 3, 31),
                             source=f"{SHISHI_MEASURES}；市财政 2026 年度预算安排 500 万元")
        made += 1
        _age_fund(FUND_CODE, 45)
    gift = get_policy(GIFT)
    if gift is not None and gift.kind == "in_kind" and gift.quota and not Fund.objects.filter(code=QUOTA_CODE).exists():
        services.fund_create(actor=finance, code=QUOTA_CODE, name="外来务工儿童 4 月生日盲盒礼物名额",
                             region_prefix=CITY, department_kind=DepartmentKind.WOMENS_FEDERATION, policy_ids=[GIFT],
                             budget=str(gift.quota.units), unit=gift.quota.unit.zh or "份",
                             valid_from=gift.valid_from or dt.date(2022, 4, 1), valid_to=gift.valid_to,
                             source=f"{SHISHI_MEASURES}第五条：为 500 名 4 月过生日的儿童送上一份生日盲盒礼物")
        made += 1
        _age_fund(QUOTA_CODE, 45)
    return made


# Applications -------------------------------------------------------------------------------------
def specimen_pdf(title: str) -> bytes:
    """A one-page PDF saying it stands in for a scanned document (ASCII only: no font needed)."""
    text = f"BT /F1 18 Tf 72 720 Td (DEMO SPECIMEN - {title}) Tj 0 -28 Td /F1 12 Tf " \
           "(Stands in for a scanned document. Not a real record.) Tj ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(text)} >>\nstream\n{text}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n".encode("ascii")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode("ascii")
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode("ascii")
    return bytes(out)


# What an applicant hands in (the returned one is asked for the contract's end, not yet given).
DOCUMENTS = [("id_card", "身份证.pdf", "ID card"), ("bank", "银行卡.pdf", "bank card")]


def _attach(app: Application, actor: User | None) -> None:
    from django.core.files.base import ContentFile

    from anju.benefits.attachments import attachment_add

    for kind, name, title in DOCUMENTS:
        attachment_add(actor=actor, application=app, kind=kind, upload=ContentFile(specimen_pdf(title), name=name))


def _apply(case: Case, worker: Worker, *, town: User) -> Application:
    account, bank = bank_account(worker.pk)
    actor = None if case.door == Door.PORTAL else town
    # Decided on the day it was made, with the ledger as it is (the demo's history is moved back).
    app = services.application_create(actor=actor, policy=get_policy(TEMPORARY), subject_type="worker",
                                      subject_id=worker.pk, door=case.door, on=_moment(case.made).date(),
                                      payee_name=worker.name, bank_name=bank, account=account, note=case.note)
    _attach(app, actor)
    return app


def _decide(app: Application, actor: User, outcome: str = StepOutcome.PASS, **kw) -> Application:
    app.refresh_from_db()
    return services.step_decide(actor=actor, application=app, outcome=outcome, version=app.version, **kw)


# How far each stage goes through the chain: the town, the county HRSS, civil affairs.
_STEPS = {"town": 0, "town_overdue": 0, "returned": 0, "refused": 0, "hrss": 1, "civil": 2}


def _run(case: Case, worker: Worker, u: dict[str, User], since: dt.datetime) -> Application:
    app = _apply(case, worker, town=u["town"])
    if case.stage == "returned":
        app = _decide(app, u["town"], StepOutcome.RETURN, reason=RETURN_REASON)
    elif case.stage == "refused":
        app = _decide(app, u["town"], StepOutcome.FAIL, reason=REFUSAL)
    else:
        for actor in (u["town"], u["hrss"])[: _STEPS.get(case.stage, 2)]:
            app = _decide(app, actor)
        if case.stage not in _STEPS:
            app = _decide(app, u["civil"], amount=case.amount, reason=case.amount_reason)
    _age_ledger(worker.pk, _age(app, case.made)["made"], since)
    return app


def _publish(policy_id: str, actor: User, days_ago: int) -> Notice:
    notice = services.notice_publish(actor=actor, policy=get_policy(policy_id), region_prefix=CITY)
    return _age_notice(notice, days_ago)


def _pay(fund: Fund, finance: User, *, created: int, settled: int | None) -> PaymentBatch:
    batch = services.batch_create(actor=finance, fund=fund, region_prefix=CITY)
    services.batch_mark_exported(actor=finance, batch=batch, rows=batch.line_count)
    _age_batch(batch, created)
    if settled is not None:
        at = _moment(settled, 3)
        for line in batch.lines.select_related("grant__application"):
            services.line_settle(actor=finance, line=line, paid=True, at=at)
            TimelineEvent.objects.filter(worker_id=line.grant.application.worker_id, kind="grant_paid",
                                         data__application=line.grant.application_id).update(at=at)
    return batch


def seed_applications(u: dict[str, User]) -> dict[str, int]:
    policy = get_policy(TEMPORARY)
    fund = Fund.objects.filter(code=FUND_CODE).first()
    if policy is None or fund is None:
        return {}
    since = timezone.now()
    available = _candidates().count()
    cases = CASES if available >= len(CASES) else [c for c in CASES if not c.extra]
    if available < len(cases):
        return {}  # a demo with (almost) nobody in Shishi
    workers = _applicants(len(cases), county=u["hrss"])
    for k, worker in enumerate(workers):
        _qualify(worker, actor=u["town"], k=k)
    by_stage: dict[str, list[tuple[Case, Worker]]] = {}
    for case, worker in zip(cases, workers, strict=True):
        by_stage.setdefault(case.stage, []).append((case, worker))

    def run(stage: str) -> None:
        for case, worker in by_stage.get(stage, []):
            _run(case, worker, u, since)

    # In the order the work happened: each notice and batch takes what was approved before it.
    run("paid")
    _publish(TEMPORARY, u["civil"], 23)
    _pay(fund, u["finance"], created=16, settled=13)
    run("exported")
    _publish(TEMPORARY, u["civil"], 15)
    _pay(fund, u["finance"], created=3, settled=None)
    run("ready")
    _publish(TEMPORARY, u["civil"], 9)
    services.notices_close()
    run("on_notice")
    _publish(TEMPORARY, u["civil"], 2)
    for stage in ("civil", "hrss", "returned", "town_overdue", "town", "refused"):
        run(stage)
    out = {"applications": len(cases)}
    union = get_policy(UNION_RELIEF)
    if union is not None and UNION_RELIEF in fund.policy_ids:
        households = _union_households(len(UNION_CASES), exclude={w.pk for w in workers}, county=u["hrss"],
                                       union=u["union"])
        for k, ((amount, reason), household) in enumerate(zip(UNION_CASES, households, strict=False)):
            app = services.application_create(actor=u["union"], policy=union, subject_type="household",
                                              subject_id=household.pk, door=Door.COUNTER,
                                              on=_moment(6 + k * 2).date(), note="所在企业工会代为申请。")
            app = _decide(app, u["union"], reason="经入户走访核实，家庭困难情况属实。")
            app = _decide(app, u["union"], amount=amount, reason=reason)
            if app.worker_id:
                _age_ledger(app.worker_id, _age(app, 6 + k * 2, gap=1)["made"], since)
            out["union_relief"] = out.get("union_relief", 0) + 1
    return out


ROSTER_FILENAME = "石狮市社保中心失业保险参保缴费记录（{as_of:%Y年%m月%d日}）.csv"


def _roster(as_of: dt.date) -> list[tuple[str, str, str, int]]:
    """The Shishi social insurance agency's unemployment insurance records as of `as_of`: every
    Shishi worker the ledger has as insured (a few have stopped paying since: the import corrects
    the ledger), some who paid before and stopped, and three people the ledger does not have.
    Whoever it does not list is not insured (sources.py), as the ledger says already."""
    from anju.core.demo import SHISHI_TOWNS, person

    rows = []
    for worker in Worker.objects.filter(prefix_q("residence_region_id", CITY)).order_by("id"):
        rng = random.Random(worker.pk * 7 + 11)
        months = worker.ui_contribution_months or 0
        if worker.unemployment_insured:
            stopped = rng.random() < 0.03
            rows.append((worker.id_number, worker.name, "停保" if stopped else "参保", max(months, 1)))
        elif months > 0 and rng.random() < 0.15:
            rows.append((worker.id_number, worker.name, "停保", months))
    for k in range(3):  # moved away, or never entered in the ledger: the report lists them
        other = person(5_000_000 + k, today=as_of, towns=SHISHI_TOWNS)
        rows.append((other["id_number"], other["name"], "参保", 12 + k * 7))
    return rows


def seed_sources(hrss: User) -> dict[str, int]:
    """The unemployment insurance roster of the social insurance agency (as of the last day of
    last month), imported by the county HRSS like an upload: preview, then commit."""
    try:
        from anju.benefits import sources
    except ImportError:  # the comparison import is not there
        return {}
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from anju.benefits.models import ComparisonImport, SourceKind

    kind = SourceKind.UI_CONTRIBUTIONS
    if ComparisonImport.objects.filter(kind=kind, region_prefix=CITY).exists():
        return {}
    as_of = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    rows = _roster(as_of)
    if not rows:
        return {}
    header, _example = sources.example_rows(kind)
    lines = [",".join(header)] + [f"{number},{name},{status},{months}" for number, name, status, months in rows]
    stored = default_storage.save(f"{sources.UPLOAD_DIR}/demo/ui-{as_of:%Y%m%d}.csv",
                                  ContentFile(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")))
    job = ComparisonImport.objects.create(created_by=hrss, kind=kind, as_of=as_of, region_prefix=CITY,
                                          filename=ROSTER_FILENAME.format(as_of=as_of), stored_name=stored,
                                          report={"phase": sources.PREVIEW})
    try:
        sources.preview_job(job)
        job.refresh_from_db()
        sources.commit_job(job)
    except Exception:  # noqa: BLE001 - the demo goes on without the roster; the next load tries again
        logger.exception("demo: the unemployment insurance roster could not be imported")
        default_storage.delete(stored)
        ComparisonImport.objects.filter(pk=job.pk).delete()
        return {"roster_failed": 1}
    job.refresh_from_db()
    return {"roster_rows": job.row_count, "roster_matched": job.matched_count}


def seed_benefits() -> dict[str, int]:
    """The benefits demo (see the module docstring). Idempotent: the funds are looked up by code,
    the applications are made only when Shishi has none of the temporary assistance yet."""
    u = _users()
    if u is None:
        return {}
    out: dict[str, int] = {}
    with transaction.atomic():
        out["funds"] = seed_funds(u["finance"])
        if not Application.objects.filter(policy_id=TEMPORARY, region_code__startswith=CITY).exists():
            out |= seed_applications(u)
    # After the applications: the roster answers the insurance check of those that reach it from
    # now on (比对通过), while the one waiting at the county stays there.
    if Application.objects.filter(policy_id=TEMPORARY, region_code__startswith=CITY).exists():
        out |= seed_sources(u["hrss"])
    # The workflow demo once more (idempotent): its deadline sweep raises the overdue step to the
    # bell, and in a small demo the town's verification round takes in those who moved there
    # (else the next load would open it).
    from anju.core.demo_workflow import seed_workflow

    out |= {f"workflow_{k}": v for k, v in seed_workflow().items()}
    return out


def stage_counts() -> dict[str, int]:
    """How many demo applications stand at each stage (for the tests and the command's output)."""
    apps = Application.objects.filter(policy_id=TEMPORARY, region_code__startswith=CITY)
    counts = {
        "town": apps.filter(status=ApplicationStatus.IN_REVIEW, current_step="town_verification").count(),
        "returned": apps.filter(status=ApplicationStatus.RETURNED).count(),
        "hrss": apps.filter(status=ApplicationStatus.IN_REVIEW, current_step="insurance_check").count(),
        "civil": apps.filter(status=ApplicationStatus.IN_REVIEW, current_step="approval").count(),
        "refused": apps.filter(status=ApplicationStatus.REFUSED).count(),
    }
    for status in ("on_notice", "ready", "in_batch", "paid"):
        counts[status] = Grant.objects.filter(application__in=apps, status=status).count()
    counts["returned_paused"] = apps.filter(status=ApplicationStatus.RETURNED,
                                            steps__state=StepState.RETURNED, steps__task__state="paused").count()
    return counts
