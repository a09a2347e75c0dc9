"""Demo data of employment services (就业服务) in Shishi and Lan County: open postings of every
kind (regular, odd job, public welfare, temporary) in both places, some of them the demo
employer's own; odd-job reference wages for a few Shishi occupations; job seekers who name the
work they want in everyday words (烧焊, 搬砖, 看大门 ...); a Spring Breeze campaign (春风行动) under
way in Shishi with its employers, postings and an online and an offline fair; referrals at every
stage (recommended, contacted, interviewed, hired, not hired with the reason); two sign-ups from
the public job board; one point-to-point trip from Lan County to a Shishi employer; and one
public welfare post placement in Lan County with its attendance.

Everything goes through the services as the demo users (checked, indexed and audited); then the
referrals' history is moved back a few working days (timestamps only, demo only), as the
benefits demo does. The demo values of parameters are marked as demo data (DEMO_SOURCE).
Idempotent: records are looked up before they are made; a second run creates nothing."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from anju.accounts.models import User
from anju.employment import services
from anju.employment.models import (
    Campaign,
    CampaignFair,
    CampaignKind,
    Employer,
    JobInterest,
    JobPosting,
    Occupation,
    PayUnit,
    PostAssignment,
    PostingKind,
    Referral,
    ReferralEvent,
    ReferralStatus,
    SizeClass,
    TransportTrip,
)
from anju.lib.identifiers import make_uscc
from anju.params.models import DEMO_SOURCE, Parameter, ParameterValue
from anju.params.services import parameter_set
from anju.registry.choices import DIFFICULTY_BITS, EmploymentStatus
from anju.registry.models import TimelineEvent, Worker

logger = logging.getLogger(__name__)

SHISHI = "350581"
LAN = "141127"
TOWN = "350581001000"  # 湖滨街道, the demo town officer's
LAN_TOWN = "141127100000"  # 东村镇, Lan County's seat
POVERTY = DIFFICULTY_BITS["poverty_alleviated"]
CAMPAIGN_NAME = "石狮市春风行动专项招聘"
NOT_HIRED_REASON = "面试后本人认为工厂离家太远、需要上夜班，双方未达成一致。"

# Demo parameter values (never over a value that is there): the Shanxi minimum wage in Lan County
# after the 2025-01-01 raise, whose amount the pack leaves empty (so the public welfare post
# subsidy bounds can be checked), and the odd-job reference wages of a few Shishi occupations.
# The minimum wage row is dated the day after the pack's empty one, which stays as it is.
DEMO_PARAMETERS = [
    # name, region prefix, from, value, what it stands for
    ("min_wage_monthly", LAN, dt.date(2025, 1, 2), Decimal("1880"), "岚县 2025-01-01 调整后的月最低工资标准"),
    ("odd_job_daily_wage_porter", SHISHI, dt.date(2025, 1, 1), Decimal("260"), "石狮市装卸搬运工零工日工资参考价"),
    ("odd_job_daily_wage_construction_worker", SHISHI, dt.date(2025, 1, 1), Decimal("300"),
     "石狮市建筑工人零工日工资参考价"),
    ("odd_job_daily_wage_welder", SHISHI, dt.date(2025, 1, 1), Decimal("380"), "石狮市电焊工零工日工资参考价"),
    ("odd_job_daily_wage_cleaner", SHISHI, dt.date(2025, 1, 1), Decimal("180"), "石狮市保洁员零工日工资参考价"),
    ("odd_job_daily_wage_sewing_worker", SHISHI, dt.date(2025, 1, 1), Decimal("220"), "石狮市缝纫工零工日工资参考价"),
]

# The postings. `who` posts it (employer: the demo employer user, for its own organisation;
# town / hrss / lan: the staff), `unit` the employer it is for ("org": the demo employer's
# organisation, "shishi"/"lan": a demo employer of that place, by position, "gov": the town
# government running a public welfare post (PUBLIC_UNITS), None: only the unit named).
# Offsets (`start`, `valid`) are days from today.
POSTINGS = [
    # Shishi ------------------------------------------------------------------------------------
    dict(ref="s-sewing", who="employer", unit="org", kind=PostingKind.REGULAR, occupation="sewing-worker",
         title="平车车位工（熟手）", region=TOWN, address="石狮市湖滨街道鸿达服装工业园 3 号楼",
         description="休闲裤、夹克平车车缝，计件工资，包吃住，月休 4 天。", pay_unit=PayUnit.MONTH,
         pay_min="5500", pay_max="8000", headcount=20, contract_months=24, physical="light", age_min=18, age_max=50,
         requirements="一年以上平车经验；新手可先培训。", contact="林女士", phone="13905951201", campaign=True),
    dict(ref="s-packer", who="employer", unit="org", kind=PostingKind.REGULAR, occupation="packer",
         title="成衣包装工", region=TOWN, address="石狮市湖滨街道鸿达服装工业园 3 号楼",
         description="成衣剪线、折叠、装袋、装箱，白班。", pay_unit=PayUnit.MONTH, pay_min="4200", pay_max="5200",
         headcount=6, contract_months=12, physical="light", age_min=18, age_max=55, contact="林女士",
         phone="13905951201", campaign=True),
    dict(ref="s-guard", who="hrss", unit="shishi", index=0, kind=PostingKind.REGULAR, occupation="security-guard",
         title="厂区门卫", description="厂区大门值守、来访登记、夜间巡逻，两班倒。", pay_unit=PayUnit.MONTH,
         pay_min="3800", pay_max="4300", headcount=2, contract_months=12, physical="light", age_min=30, age_max=60,
         contact="王先生", phone="13805952302", campaign=True),
    dict(ref="s-shoe", who="hrss", unit="shishi", index=1, kind=PostingKind.REGULAR, occupation="shoe-worker",
         title="运动鞋成型工", description="运动鞋成型流水线，刷胶、贴底，有师傅带。", pay_unit=PayUnit.MONTH,
         pay_min="5000", pay_max="7000", headcount=15, contract_months=12, physical="light", age_min=18,
         age_max=48, contact="蔡先生", phone="13805952303", campaign=True),
    dict(ref="s-porter", who="hrss", unit="shishi", index=2, kind=PostingKind.ODD_JOB, occupation="porter",
         title="服装仓库卸货（日结）", description="集装箱卸布匹、搬货上架，当天结算。", pay_unit=PayUnit.DAY,
         pay_min="240", pay_max="280", headcount=6, start=2, days=3, valid=10, physical="heavy", age_min=18,
         age_max=55, contact="陈先生", phone="13805952304", campaign=True),
    dict(ref="s-welder", who="hrss", unit="shishi", index=3, kind=PostingKind.ODD_JOB, occupation="welder",
         title="钢结构厂房焊工（临时）", description="钢结构雨棚焊接，自带焊工证。", pay_unit=PayUnit.DAY,
         pay_min="350", pay_max="420", headcount=3, start=3, days=5, valid=12, physical="heavy",
         certificate="焊工证", age_min=20, age_max=58, contact="黄师傅", phone="13805952305"),
    dict(ref="s-builder", who="hrss", unit="shishi", index=5, kind=PostingKind.ODD_JOB,
         occupation="construction-worker", title="工地小工（日结）", description="厂房改造工地搬砖、运料、清理现场，管午饭。",
         pay_unit=PayUnit.DAY, pay_min="280", pay_max="320", headcount=10, start=2, days=10, valid=14,
         physical="heavy", age_min=18, age_max=60, contact="郑师傅", phone="13805952309", campaign=True),
    dict(ref="s-cleaner", who="town", unit=None, unit_name="湖滨街道某小区物业服务中心", kind=PostingKind.ODD_JOB,
         occupation="cleaner", title="小区开荒保洁（按小时）", region=TOWN, address="石狮市湖滨街道",
         description="新交付楼栋开荒保洁，工具由物业提供。", pay_unit=PayUnit.HOUR, pay_min="25", pay_max="28",
         headcount=8, start=1, hours=24, valid=7, physical="medium", age_min=18, age_max=62, contact="吴经理",
         phone="13805952306"),
    dict(ref="s-grid", who="town", unit="gov", unit_name="石狮市湖滨街道办事处", kind=PostingKind.PUBLIC_WELFARE,
         occupation="community-assistant", title="社区就业协管员（公益性岗位）", region=TOWN,
         address="石狮市湖滨街道劳动保障站", description="入户走访外来务工人员、登记就业失业信息、协助政策宣传。",
         pay_unit=PayUnit.MONTH, pay_min="2030", pay_max="2030", headcount=2, contract_months=12,
         cover="300000", physical="light", age_min=18, age_max=55, requirements="优先安置就业困难人员。",
         contact="湖滨街道劳动保障站", phone="13805952307"),
    dict(ref="s-temp", who="hrss", unit="shishi", index=4, kind=PostingKind.TEMPORARY, occupation="warehouse-keeper",
         title="电商旺季临时理货员", description="“双十二”至春节电商旺季，拣货、理货、核对单据。",
         pay_unit=PayUnit.MONTH, pay_min="4000", pay_max="4800", headcount=10, contract_months=3, physical="medium",
         age_min=18, age_max=50, contact="许先生", phone="13805952308", campaign=True),
    # Lan County --------------------------------------------------------------------------------
    dict(ref="l-loader", who="lan", unit="lan", index=0, kind=PostingKind.REGULAR, occupation="loader-driver",
         title="装载机司机", description="砂石料场装载机作业，包住宿。", pay_unit=PayUnit.MONTH, pay_min="5500",
         pay_max="7500", headcount=2, contract_months=12, physical="medium", certificate="特种作业操作证",
         age_min=22, age_max=55, contact="张先生", phone="13935801201"),
    dict(ref="l-harvest", who="lan", unit=None, unit_name="岚县东村镇马铃薯种植合作社", kind=PostingKind.ODD_JOB,
         occupation="farm-worker", title="马铃薯分拣装袋（日结）", region=LAN_TOWN, address="岚县东村镇",
         description="马铃薯入窖前分拣、装袋，管午饭。", pay_unit=PayUnit.DAY, pay_min="120", pay_max="150",
         headcount=12, start=1, days=4, valid=8, physical="medium", age_min=18, age_max=65, contact="刘社长",
         phone="13935801202"),
    dict(ref="l-ranger", who="lan", unit="gov", unit_name="岚县东村镇人民政府", kind=PostingKind.PUBLIC_WELFARE,
         occupation="forest-ranger", title="生态护林员（公益性岗位）", region=LAN_TOWN, address="岚县东村镇",
         description="责任片区日常巡山护林、森林防火宣传、发现火情及时报告。", pay_unit=PayUnit.MONTH,
         pay_min="800", pay_max="800", headcount=5, contract_months=12, cover="300000", physical="medium",
         age_min=18, age_max=60, requirements="面向脱贫劳动力。", contact="东村镇就业服务站", phone="13935801203"),
    dict(ref="l-road", who="lan", unit=None, unit_name="岚县交通运输局公路养护站", kind=PostingKind.TEMPORARY,
         occupation="road-maintenance", title="乡村公路养护（临时性岗位）", region=LAN_TOWN, address="岚县东村镇",
         description="乡村公路清扫、路肩修整、排水沟清淤，冬季除雪。", pay_unit=PayUnit.MONTH, pay_min="2200",
         pay_max="2600", headcount=6, contract_months=4, physical="heavy", age_min=18, age_max=60,
         contact="段站长", phone="13935801204"),
]

# The town governments that run the public welfare posts (岗位开发单位): a placement is their hire.
# Credit codes of government bodies (机关, "11"), made up for the demo. A government body is no
# enterprise of any size (SizeClass.PUBLIC), so its placements stay out of the SME hiring subsidies.
PUBLIC_UNITS = {
    "石狮市湖滨街道办事处": ("11350581MB0101478", TOWN, "公共管理", 86),
    "岚县东村镇人民政府": ("11141127MB1903256", LAN_TOWN, "公共管理", 64),
}

# Job seekers: what they say they want, in everyday words (the matcher maps them to occupations).
# The first Shishi ones are referred (REFERRALS, in order) to the postings their words name.
SEEKER_WORDS = {SHISHI: ["踩缝纫机", "做鞋", "看大门", "卸货", "仓管", "打包", "烧焊", "搬砖", "开叉车", "打扫卫生"],
                LAN: ["开铲车", "种地", "护林", "修路", "跑运输"]}
# The referrals, by stage, with the posting they are for.
REFERRALS = [
    ("s-sewing", ReferralStatus.HIRED),
    ("s-shoe", ReferralStatus.NOT_HIRED),
    ("s-guard", ReferralStatus.INTERVIEWED),
    ("s-porter", ReferralStatus.CONTACTED),
    ("s-temp", ReferralStatus.RECOMMENDED),
    ("s-packer", ReferralStatus.RECOMMENDED),
]
NOTES = {ReferralStatus.CONTACTED: "已电话联系本人，同意去面试。",
         ReferralStatus.INTERVIEWED: "本人已到厂面试，等待用人单位答复。",
         ReferralStatus.HIRED: "面试通过，签订两年劳动合同。"}
PATH = {ReferralStatus.RECOMMENDED: [], ReferralStatus.CONTACTED: [ReferralStatus.CONTACTED],
        ReferralStatus.INTERVIEWED: [ReferralStatus.CONTACTED, ReferralStatus.INTERVIEWED],
        ReferralStatus.HIRED: [ReferralStatus.CONTACTED, ReferralStatus.INTERVIEWED, ReferralStatus.HIRED],
        ReferralStatus.NOT_HIRED: [ReferralStatus.CONTACTED, ReferralStatus.INTERVIEWED, ReferralStatus.NOT_HIRED]}
# Sign-ups from the public board (name, phone; None: a demo worker's own phone).
INTERESTS = [("s-porter", "何建军", "13705958811", "下午可以到，想多做几天。"),
             ("s-cleaner", None, None, "住在附近，随时可以上工。")]


def _users() -> dict[str, User] | None:
    names = {"town": "shishi-town", "hrss": "shishi-hrss", "employer": "shishi-employer", "lan": "lanxian-hrss"}
    users = {key: User.objects.filter(username=name).first() for key, name in names.items()}
    return None if any(u is None for u in users.values()) else users  # type: ignore[return-value]


def seed_parameters() -> int:
    """The demo parameter values, where nobody has set one for the same region and date."""
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


# Postings ---------------------------------------------------------------------------------------
def _employers(prefix: str, exclude: list[str]) -> list[Employer]:
    """The demo employers of a place (seed_extras'), not the demo users' own organisations."""
    return list(Employer.objects.filter(region__code__startswith=prefix).exclude(uscc__in=exclude).order_by("pk")[:10])


def _public_unit(name: str) -> Employer:
    first17, region, industry, staff = PUBLIC_UNITS[name]
    employer, _made = Employer.objects.get_or_create(
        uscc=make_uscc(first17), defaults={"name": name, "region_id": region, "size_class": SizeClass.PUBLIC,
                                           "industry": industry, "staff_count": staff})
    return employer


def _data(spec: dict, employer: Employer | None, today: dt.date) -> dict:
    occupation = Occupation.objects.get(key=spec["occupation"])
    data = {"kind": spec["kind"], "title": spec["title"], "occupation": occupation,
            "region_id": spec.get("region") or (employer.region_id if employer else TOWN),
            "address": spec.get("address") or (f"{employer.name}厂区" if employer else ""),
            "description": spec.get("description", ""), "pay_unit": spec["pay_unit"],
            "pay_min": Decimal(spec["pay_min"]), "pay_max": Decimal(spec["pay_max"]),
            "headcount": spec["headcount"], "physical": spec.get("physical", "medium"),
            "certificate": spec.get("certificate", ""), "age_min": spec.get("age_min"), "age_max": spec.get("age_max"),
            "requirements": spec.get("requirements", ""), "contact_name": spec.get("contact", ""),
            "contact_phone": spec.get("phone", ""), "contract_months": spec.get("contract_months"),
            "valid_until": today + dt.timedelta(days=spec.get("valid", 45))}
    if employer is not None:
        data["employer"] = employer
        data["unit_name"] = employer.name
    else:
        data["unit_name"] = spec["unit_name"]
    if spec["kind"] == PostingKind.ODD_JOB:
        data["start_date"] = today + dt.timedelta(days=spec.get("start", 1))
        data["duration_days"] = spec.get("days")
        data["duration_hours"] = spec.get("hours")
    if spec.get("cover"):
        data["accident_insurance_cover"] = Decimal(spec["cover"])
    return data


def seed_postings(u: dict[str, User], today: dt.date) -> tuple[dict[str, JobPosting], dict[str, int]]:
    """The demo postings, published through the services (their rules checked, indexed). One that
    is refused is logged and left out (the demo goes on)."""
    from anju.core.demo import DEMO_ORGANISATIONS

    org = Employer.objects.filter(uscc=u["employer"].organisation_uscc).first()
    exclude = [o[0] for o in DEMO_ORGANISATIONS.values()] + [make_uscc(c[0]) for c in PUBLIC_UNITS.values()]
    pools = {"shishi": _employers(SHISHI, exclude), "lan": _employers(LAN, exclude)}
    out: dict[str, JobPosting] = {}
    made = refused = 0
    for spec in POSTINGS:
        if spec["unit"] == "org":
            employer = org
        elif spec["unit"] == "gov":
            employer = _public_unit(spec["unit_name"])
        elif spec["unit"] in pools:
            pool = pools[spec["unit"]] or ([org] if org and spec["unit"] == "shishi" else [])
            employer = pool[spec.get("index", 0) % len(pool)] if pool else None
        else:
            employer = None
        if spec["unit"] and employer is None:
            continue
        unit_name = employer.name if employer else spec["unit_name"]
        existing = JobPosting.objects.filter(title=spec["title"], unit_name=unit_name).order_by("pk").first()
        if existing is not None:
            out[spec["ref"]] = existing
            continue
        try:
            out[spec["ref"]] = services.posting_create(actor=u[spec["who"]], data=_data(spec, employer, today),
                                                       publish=True)
            made += 1
        except services.EmploymentError as exc:
            logger.warning("demo: posting %s refused: %s", spec["ref"], exc)
            refused += 1
    return out, {"postings": made, "postings_refused": refused}


# Seekers ----------------------------------------------------------------------------------------
def _free_workers(prefix: str, n: int, *, exclude: set[int] = frozenset(), employed: bool = False) -> list[Worker]:
    """Demo workers of a place looking for work: not employed (unless `employed`: changing jobs),
    not applying for a benefit (the benefits demo's); the town officer's first."""
    from anju.benefits.models import Application

    busy = set(Application.objects.values_list("worker_id", flat=True))
    qs = Worker.objects.filter(residence_region__code__startswith=prefix).exclude(
        employment_status__in=[EmploymentStatus.UNABLE, EmploymentStatus.SELF_EMPLOYED]).order_by("pk")
    if not employed:
        qs = qs.exclude(employment_status=EmploymentStatus.EMPLOYED)
    picked = [w for w in qs.iterator() if w.pk not in busy and w.pk not in exclude]
    picked.sort(key=lambda w: (not w.residence_region_id.startswith(TOWN[:9]), w.pk))
    return picked[:n]


def seed_seekers(u: dict[str, User]) -> tuple[dict[str, list[Worker]], dict[str, int]]:
    """Some demo workers say what work they want in everyday words; they are job seekers (the
    matching index, anju.employment.seekers)."""
    from anju.employment import seekers as seekers_mod
    from anju.employment.models import Seeker
    from anju.registry.services import worker_update

    out: dict[str, list[Worker]] = {}
    changed = indexed = 0
    for prefix, words in SEEKER_WORDS.items():
        actor = u["hrss"] if prefix == SHISHI else u["lan"]
        # Those already given a word by an earlier run come first, so a second run picks the same.
        said = list(Worker.objects.filter(residence_region__code__startswith=prefix, desired_occupation__in=words)
                    .order_by("pk"))
        said.sort(key=lambda w: (words.index(w.desired_occupation), w.pk))
        fresh = _free_workers(prefix, len(words), exclude={w.pk for w in said}) if len(said) < len(words) else []
        workers = (said + fresh)[:len(words)]
        taken = {w.desired_occupation for w in said}
        free_words = [w for w in words if w not in taken]
        touched = []
        for worker in workers:
            if worker.desired_occupation not in words:
                if worker_update(actor=actor, worker=worker, data={"desired_occupation": free_words.pop(0)}):
                    touched.append(worker)
        out[prefix] = workers
        changed += len(touched)
        have = set(Seeker.objects.filter(worker__in=workers).values_list("worker_id", flat=True))
        fresh_seekers = [w for w in workers if w.pk not in have]
        for worker in fresh_seekers:
            seekers_mod.seeker_for(worker)
        again = [w.pk for w in touched if w.pk in have]
        if again:
            seekers_mod.refresh(again)
        indexed += len(fresh_seekers) + len(again)
    return out, {"seekers_changed": changed, "seekers_indexed": indexed}


# Referrals and sign-ups ---------------------------------------------------------------------------
def _staff_for(worker: Worker, u: dict[str, User]) -> User:
    if worker.residence_region_id.startswith(TOWN[:9]):
        return u["town"]
    return u["hrss"] if worker.residence_region_id.startswith(SHISHI) else u["lan"]


def seed_referrals(u: dict[str, User], postings: dict[str, JobPosting], seekers: list[Worker],
                   today: dt.date) -> dict[str, int]:
    """A referral at each stage, for Shishi's job seekers (the hire through the service, so the
    Hire and the timeline entry exist)."""
    wanted = [(postings[ref], status) for ref, status in REFERRALS if ref in postings]
    if not wanted or Referral.objects.filter(posting__in=[p for p, _s in wanted]).exists():
        return {}
    workers = list(seekers)
    workers += _free_workers(SHISHI, len(wanted), exclude={w.pk for w in workers})
    workers += _free_workers(SHISHI, len(wanted), exclude={w.pk for w in workers}, employed=True)
    made = 0
    for (posting, status), worker in zip(wanted, workers, strict=False):
        actor = _staff_for(worker, u)
        referral = services.referral_create(actor=actor, worker=worker, posting=posting,
                                            note="根据求职意向推荐。")
        for step in PATH[status]:
            kw = {}
            if step == ReferralStatus.HIRED:
                kw["hire"] = {"start_date": today, "contract_months": posting.contract_months or 12,
                              "pension_insured": True, "medical_insured": True, "unemployment_insured": True}
            if step == ReferralStatus.NOT_HIRED:
                kw["reason"] = NOT_HIRED_REASON
            referral = services.referral_advance(actor=actor, referral=referral, status=step,
                                                 note=NOTES.get(step, ""), **kw)
        _age_referral(referral, days_ago=2 * len(PATH[status]) + 1 + made % 2)
        made += 1
    return {"referrals": made}


def _age_referral(referral: Referral, *, days_ago: int) -> None:
    """Demo only: move a referral's history back in time (made `days_ago` working days ago, each
    stage two working days after the one before), its follow-up tasks with the deadlines they
    would have had, so the queues and the campaign's chart look like weeks of work."""
    from anju.core.demo_benefits import _moment, _task_dates
    from anju.workflow.models import WorkTask

    events = list(ReferralEvent.objects.filter(referral=referral).order_by("at", "id"))
    moments = [_moment(max(days_ago - 2 * i, 0), i) for i in range(len(events))]
    for event, at in zip(events, moments, strict=True):
        ReferralEvent.objects.filter(pk=event.pk).update(at=at)
    Referral.objects.filter(pk=referral.pk).update(created_at=moments[0],
                                                   closed_at=moments[-1] if referral.closed_at else None)
    tasks = list(WorkTask.objects.filter(step=services.REFERRAL_STEP, subject_type="referral",
                                         subject_id=referral.pk).order_by("opened_at", "id"))
    for i, task in enumerate(tasks):
        fields = _task_dates(task, moments[i])
        if task.closed_at and i + 1 < len(moments):
            fields["closed_at"] = moments[i + 1]
        WorkTask.objects.filter(pk=task.pk).update(**fields)
    TimelineEvent.objects.filter(worker_id=referral.worker_id, kind="referral",
                                 data__posting=referral.posting_id).update(at=moments[0])
    TimelineEvent.objects.filter(worker_id=referral.worker_id, kind="hired",
                                 data__referral=referral.pk).update(at=moments[-1])


def seed_interests(postings: dict[str, JobPosting], seekers: list[Worker]) -> dict[str, int]:
    """Two sign-ups from the public board ("我要报名"), one by a demo worker (found by the phone)."""
    made = 0
    for ref, name, phone, note in INTERESTS:
        posting = postings.get(ref)
        if posting is None:
            continue
        if name is None:
            worker = next((w for w in reversed(seekers) if w.phone_enc), None)
            if worker is None:
                continue
            name, phone = worker.name, worker.phone
        if JobInterest.objects.filter(posting=posting, name=name).exists():
            continue
        posting.refresh_from_db()
        if not posting.is_open:
            continue
        services.interest_create(posting=posting, name=name, phone=phone, note=note)
        made += 1
    return {"interests": made}


# Campaign -------------------------------------------------------------------------------------
def seed_campaign(u: dict[str, User], postings: dict[str, JobPosting], today: dt.date) -> tuple[Campaign | None, dict]:
    """The Spring Breeze campaign under way in Shishi (started two weeks ago): its employers (those
    of its postings), its postings and two fairs, through anju.employment.campaigns (with the
    models only while that module is not there)."""
    existing = Campaign.objects.filter(kind=CampaignKind.SPRING_BREEZE, region_id=SHISHI + "000000",
                                       name=CAMPAIGN_NAME).first()
    if existing is not None:
        return existing, {}
    mine = [postings[s["ref"]] for s in POSTINGS if s.get("campaign") and s["ref"] in postings]
    employers = list({p.employer_id: p.employer for p in mine if p.employer_id}.values())
    data = {"kind": CampaignKind.SPRING_BREEZE, "name": CAMPAIGN_NAME, "region_id": SHISHI + "000000",
            "starts_on": today - dt.timedelta(days=14), "ends_on": today + dt.timedelta(days=45),
            "description": "“春风行动”专项招聘：送岗位、送政策、送服务，组织企业线上线下招聘，"
                           "帮助外来务工人员和就业困难人员就业。"}
    fairs = [
        {"name": "春风行动线上直播带岗专场", "mode": CampaignFair.Mode.ONLINE, "held_on": today - dt.timedelta(days=7),
         "place": "https://example.com/shishi-spring-breeze-live", "employers_count": 18, "visitors_count": 2360},
        {"name": "春风行动湖滨街道现场招聘会", "mode": CampaignFair.Mode.OFFLINE, "held_on": today - dt.timedelta(days=2),
         "place": "石狮市湖滨街道文化广场", "employers_count": 32, "visitors_count": 870},
    ]
    from anju.employment import campaigns

    actor = u["hrss"]
    with transaction.atomic():
        campaign = campaigns.campaign_create(actor=actor, data=data)
        campaigns.campaign_add_employers(actor=actor, campaign=campaign, employers=employers)
        campaigns.campaign_add_postings(actor=actor, campaign=campaign, postings=mine)
        for fair in fairs:
            campaigns.campaign_add_fair(actor=actor, campaign=campaign, data=fair)
    return campaign, {"campaign": 1}


# Point-to-point trip ------------------------------------------------------------------------------
def seed_trip(u: dict[str, User], exclude: set[int], today: dt.date) -> dict:
    """One point-to-point trip from Lan County to the demo employer in Shishi two days ago,
    arrived, its passengers (the poverty-alleviated first) health-checked and on board, through
    the services of anju.employment.trips."""
    org = Employer.objects.filter(uscc=u["employer"].organisation_uscc).first()
    if org is None or TransportTrip.objects.filter(origin_region__code__startswith=LAN,
                                                   destination_employer=org).exists():
        return {}
    pool = list(Worker.objects.filter(residence_region__code__startswith=LAN).exclude(pk__in=exclude)
                .exclude(employment_status=EmploymentStatus.UNABLE).order_by("pk")[:40])
    passengers = sorted(pool, key=lambda w: (not w.difficulty_mask & POVERTY, w.pk))[:4]
    if not passengers:
        return {}
    departs = today - dt.timedelta(days=2)
    data = {"origin_region_id": LAN_TOWN, "origin_place": "岚县人力资源和社会保障局门前广场",
            "destination_employer": org, "destination_place": f"{org.name}（石狮市湖滨街道）",
            "departs_on": departs, "vehicle": TransportTrip.Vehicle.BUS, "vehicle_no": "晋J·D2618", "seats": 45,
            "fare": Decimal("680.00")}
    departed = timezone.make_aware(dt.datetime.combine(departs, dt.time(7, 30)))
    arrived = departed + dt.timedelta(hours=26)
    from anju.employment import trips

    actor = u["lan"]
    with transaction.atomic():
        trip = trips.trip_create(actor=actor, data=data)
        for worker in passengers:
            passenger = trips.passenger_add(actor=actor, trip=trip, worker=worker)
            trips.passenger_health_check(actor=actor, passenger=passenger)
            trips.passenger_board(actor=actor, passenger=passenger)
        trip = trips.trip_depart(actor=actor, trip=trip)
        trip = trips.trip_arrive(actor=actor, trip=trip)
        # Demo only: the trip set out on its day, not at the moment the demo was loaded.
        TransportTrip.objects.filter(pk=trip.pk).update(departed_at=departed, arrived_at=arrived)
        TimelineEvent.objects.filter(worker__in=passengers, kind="trip", data__trip=trip.pk).update(at=departed)
    return {"trip": 1, "trip_passengers": len(passengers)}


# Public welfare post placement --------------------------------------------------------------------
def seed_placement(u: dict[str, User], postings: dict[str, JobPosting], exclude: set[int], today: dt.date) -> dict:
    """A poverty-alleviated worker of Lan County placed in the forest ranger post two months ago,
    with the attendance of both months, through anju.employment.placements (its rules checked).
    When no demo worker of Lan County is poverty-alleviated, the first candidate is recorded as one."""
    from anju.employment import placements
    from anju.registry.services import worker_update

    posting = postings.get("l-ranger")
    if posting is None or PostAssignment.objects.filter(posting=posting).exists():
        return {}
    candidates = list(Worker.objects.filter(residence_region__code__startswith=LAN)
                      .exclude(pk__in=exclude).exclude(trips__isnull=False)
                      .exclude(employment_status__in=[EmploymentStatus.EMPLOYED, EmploymentStatus.UNABLE])
                      .exclude(post_assignments__status="active").order_by("pk")[:40])
    worker = next((w for w in candidates if w.difficulty_mask & POVERTY), None) or next(iter(candidates), None)
    if worker is None:
        return {}
    actor = u["lan"]
    first = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    start = (first - dt.timedelta(days=1)).replace(day=1)
    try:
        with transaction.atomic():
            if not worker.difficulty_mask & POVERTY:
                worker_update(actor=actor, worker=worker, data={"difficulty_mask": worker.difficulty_mask | POVERTY})
            assignment = placements.assignment_create(
                actor=actor, posting=posting, worker=worker,
                data={"start_date": start, "monthly_subsidy": Decimal("800"),
                      "accident_insurance_cover": Decimal("300000"), "insurance_policy_no": "DEMO-2026-HL-0001",
                      "insured_until": start + dt.timedelta(days=364)})
            placements.attendance_record(actor=actor, assignment=assignment, month=start, days_required=22,
                                         days_present=22)
            placements.attendance_record(actor=actor, assignment=assignment, month=first, days_required=21,
                                         days_present=20, note="请事假 1 天。")
    except services.EmploymentError as exc:
        logger.warning("demo: the public welfare post placement was refused: %s", exc)
        return {"placement_refused": 1}
    return {"placement": 1, "attendance_months": 2}


def seed_employment() -> dict[str, int]:
    """The employment demo (see the module docstring). Idempotent."""
    u = _users()
    if u is None or not Occupation.objects.exists():
        return {}
    today = timezone.localdate()
    out: dict[str, int] = {}
    with transaction.atomic():
        out["parameters"] = seed_parameters()
        postings, counts = seed_postings(u, today)
        out |= counts
    with transaction.atomic():
        seekers, counts = seed_seekers(u)
        out |= counts
    with transaction.atomic():
        out |= seed_referrals(u, postings, seekers.get(SHISHI, []), today)
        out |= seed_interests(postings, seekers.get(SHISHI, []))
    _campaign, counts = seed_campaign(u, postings, today)
    out |= counts
    out |= seed_trip(u, {w.pk for w in seekers.get(LAN, [])}, today)
    out |= seed_placement(u, postings, {w.pk for w in seekers.get(LAN, [])}, today)
    return {k: v for k, v in out.items() if v}


def open_postings() -> dict[tuple[str, str], int]:
    """{(place, kind): open postings} of the demo places (for the tests and the command's output)."""
    out = {}
    for prefix in (SHISHI, LAN):
        for kind in PostingKind.values:
            out[(prefix, kind)] = JobPosting.objects.filter(region__code__startswith=prefix, kind=kind,
                                                            status="published").count()
    return out
