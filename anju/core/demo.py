"""Demo and benchmark data: departments, demo users, and synthetic but realistic people.

Everything is deterministic (seeded), so loading twice changes nothing, and N people are always
the same N people: `seed-demo --workers 2000` then `--workers 5000` adds 3,000.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from anju.accounts.models import Department, DepartmentKind, Role, User
from anju.employment.models import Business, Employer, EmployerYear, Hire, SizeClass
from anju.lib.identifiers import make_id_number, make_uscc
from anju.params.models import DEMO_SOURCE, Parameter, ParameterValue
from anju.params.services import parameter_set
from anju.registry.choices import (
    DIFFICULTY_BITS,
    CertificateKind,
    EmploymentStatus,
    Relation,
    TimelineKind,
    VisitResult,
)
from anju.registry.models import Certificate, Household, TimelineEvent, VerificationVisit, Worker
from anju.registry.services import set_identifiers
from anju.training.models import TrainingEnrolment

DEMO_PASSWORD = "anju-demo"

SHISHI_TOWNS = ["350581001000", "350581002000", "350581100000", "350581101000", "350581102000",
                "350581103000", "350581104000", "350581105000", "350581106000"]
LANXIAN_TOWNS = ["141127100000", "141127101000", "141127102000", "141127103000", "141127201000",
                 "141127202000", "141127203000", "141127204000", "141127206000"]
# Where Shishi's migrant workers come from (county codes, all current).
HUKOU_COUNTIES = ["510722", "511623", "520521", "522624", "411524", "411625", "360731", "341522",
                  "431024", "350524", "350526", "350582", "350583", "451229", "500229", "530524"]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华玉兰志强春梅海燕红梅小红德明文斌晓东国庆金凤淑珍荣"
OCCUPATIONS = ["缝纫工", "电工", "焊工", "砌筑工", "钢筋工", "叉车司机", "保育员", "家政服务员", "中式烹调师", "育婴员",
               "服装制版师", "鞋类设计", "电子商务师", "保安员", "快递员", "养老护理员", "车工", "美容师"]
INDUSTRIES = ["纺织服装", "制鞋", "建筑", "物流", "餐饮", "电子商务", "食品加工", "商贸"]
EMPLOYER_WORDS = ["鸿达", "永盛", "华联", "锦绣", "海峡", "鑫源", "宏图", "东方", "顺发", "金穗", "富华", "恒通"]

DEMO_USERS = [
    # username, role, jurisdiction, department code, display name
    ("admin", Role.ADMIN, "", None, "系统管理员"),
    ("quanzhou-hrss", Role.COUNTY_OFFICER, "3505", "quanzhou-hrss", "泉州市人社局 经办员"),
    ("shishi-hrss", Role.COUNTY_OFFICER, "350581", "shishi-hrss", "石狮市人社局 经办员"),
    ("shishi-town", Role.TOWN_OFFICER, "350581001", "shishi-hubin-station", "湖滨街道劳动保障站 经办员"),
    ("shishi-civil", Role.CIVIL_AFFAIRS, "350581", "shishi-civil", "石狮市民政局 经办员"),
    ("shishi-union", Role.UNION, "350581", "shishi-union", "石狮市总工会 经办员"),
    ("shishi-finance", Role.FINANCE, "350581", "shishi-finance", "石狮市财政局 经办员"),
    ("shishi-inspector", Role.INSPECTOR, "350581", "shishi-hrss", "石狮市劳动保障监察员"),
    ("lanxian-hrss", Role.COUNTY_OFFICER, "141127", "lanxian-hrss", "岚县人社局 经办员"),
    ("auditor", Role.AUDITOR, "", None, "审计人员"),
    # Owner-scoped accounts: they see their own organisation only (see DEMO_ORGANISATIONS).
    ("shishi-employer", Role.EMPLOYER_USER, "350581", None, "石狮市鸿达服装有限公司 人事专员"),
    ("shishi-contractor", Role.CONTRACTOR_USER, "350581", None, "石狮建工集团有限公司 劳资专管员"),
]

# The organisations of the owner-scoped demo users: an employer, and a general contractor of
# construction projects (施工总承包单位). Fixed credit codes, valid under GB 32100.
DEMO_ORGANISATIONS = {
    # username: (credit code, name, region, size, industry, staff)
    "shishi-employer": (make_uscc("91350581MA2Y1HD7K"), "石狮市鸿达服装有限公司", "350581001000",
                        SizeClass.SMALL, "纺织服装", 86),
    "shishi-contractor": (make_uscc("91350581MA2Y1JG3P"), "石狮建工集团有限公司", "350581002000",
                          SizeClass.LARGE, "建筑", 1450),
}

DEPARTMENTS = [
    ("quanzhou-hrss", DepartmentKind.HRSS, "350500000000", "泉州市人力资源和社会保障局"),
    ("quanzhou-civil", DepartmentKind.CIVIL_AFFAIRS, "350500000000", "泉州市民政局"),
    ("quanzhou-finance", DepartmentKind.FINANCE, "350500000000", "泉州市财政局"),
    ("quanzhou-union", DepartmentKind.TRADE_UNION, "350500000000", "泉州市总工会"),
    ("shishi-hrss", DepartmentKind.HRSS, "350581000000", "石狮市人力资源和社会保障局"),
    ("shishi-civil", DepartmentKind.CIVIL_AFFAIRS, "350581000000", "石狮市民政局"),
    ("shishi-finance", DepartmentKind.FINANCE, "350581000000", "石狮市财政局"),
    ("shishi-union", DepartmentKind.TRADE_UNION, "350581000000", "石狮市总工会"),
    ("shishi-women", DepartmentKind.WOMENS_FEDERATION, "350581000000", "石狮市妇联"),
    ("shishi-education", DepartmentKind.EDUCATION, "350581000000", "石狮市教育局"),
    ("shishi-youth", DepartmentKind.YOUTH_LEAGUE, "350581000000", "共青团石狮市委"),
    ("shishi-publicity", DepartmentKind.PUBLICITY, "350581000000", "中共石狮市委宣传部"),
    ("shishi-industry", DepartmentKind.INDUSTRY, "350581000000", "石狮市工业和信息化局"),
    ("shishi-hubin-station", DepartmentKind.TOWN_STATION, "350581001000", "湖滨街道劳动保障站"),
    ("shishi-fengli-station", DepartmentKind.TOWN_STATION, "350581002000", "凤里街道劳动保障站"),
    ("lanxian-hrss", DepartmentKind.HRSS, "141127000000", "岚县人力资源和社会保障局"),
    ("lanxian-civil", DepartmentKind.CIVIL_AFFAIRS, "141127000000", "岚县民政局"),
]


@transaction.atomic
def seed_reference_users() -> int:
    for code, kind, region, name in DEPARTMENTS:
        Department.objects.update_or_create(code=code, defaults={"kind": kind, "region_id": region, "name": name})
    organisations = {}
    for username, (uscc, name, region, size, industry, staff) in DEMO_ORGANISATIONS.items():
        Employer.objects.get_or_create(uscc=uscc, defaults={"name": name, "region_id": region, "size_class": size,
                                                            "industry": industry, "staff_count": staff})
        organisations[username] = uscc
    created = 0
    for username, role, jurisdiction, dept, display in DEMO_USERS:
        user, was_created = User.objects.get_or_create(
            username=username,
            defaults={"role": role, "jurisdiction": jurisdiction, "display_name": display,
                      "organisation_uscc": organisations.get(username, ""),
                      "department": Department.objects.filter(code=dept).first() if dept else None,
                      "is_staff": role == Role.ADMIN, "is_superuser": role == Role.ADMIN},
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            created += 1
    return created


# Values the packs ship empty (no source is known), set for the demo so its screens show amounts.
# Each is marked as demo data: the parameter page shows the badge, and every figure resting on one
# says it is not an official value.
DEMO_PARAMETERS = [
    # name, region prefix, from, value, what it stands for
    ("min_living_standard_monthly", "3505", dt.date(2020, 1, 1), Decimal("800"), "泉州市城乡低保标准"),
    ("training_subsidy_grade_4", "3505", dt.date(2020, 3, 1), Decimal("1000"), "四级证书补贴"),
    ("training_subsidy_grade_3", "3505", dt.date(2020, 3, 1), Decimal("1500"), "三级证书补贴"),
    ("training_subsidy_grade_2", "3505", dt.date(2020, 3, 1), Decimal("2000"), "二级证书补贴"),
    ("training_shortage_uplift_service", "3505", dt.date(2020, 3, 1), Decimal("1.2"), "服务类紧缺工种上浮 20%"),
]


def seed_demo_parameters() -> int:
    """Set the demo parameter values where nobody has set a value for the same region and date
    (never over a pack's or staff's value). Audited like any parameter change. Returns how many
    were set."""
    made = 0
    for name, region, valid_from, value, what in DEMO_PARAMETERS:
        if not Parameter.objects.filter(name=name).exists():
            continue  # the pack that declares it is not loaded
        if ParameterValue.objects.filter(parameter__name=name, region_prefix=region, valid_from=valid_from).exists():
            continue
        parameter_set(actor=None, name=name, region_prefix=region, valid_from=valid_from, value=value,
                      source=f"{DEMO_SOURCE}：{what}（非正式取值，仅供演示）")
        made += 1
    return made


def _weighted(rng: random.Random, table: list[tuple[object, float]]):
    return rng.choices([v for v, _w in table], weights=[w for _v, w in table])[0]


STATUS_MIX = [(EmploymentStatus.EMPLOYED, 55), (EmploymentStatus.UNEMPLOYED, 15), (EmploymentStatus.FLEXIBLE, 12),
              (EmploymentStatus.SELF_EMPLOYED, 5), (EmploymentStatus.FARMING, 10), (EmploymentStatus.UNABLE, 3)]


def person(i: int, *, today: dt.date, towns: list[str] | None = None) -> dict:
    """The i-th synthetic person: model-ready values plus `id_number`, `phone`, `household_no`."""
    rng = random.Random(i * 7919 + 17)
    # Every fourth group of three consecutive people is one household (head, spouse, child):
    # they share where they live and come from.
    group = i // 3
    in_household = group % 4 == 0
    home = random.Random(group * 31 + 7) if in_household else rng
    lanxian = towns is None and home.random() < 0.25
    residence = home.choice(towns or (LANXIAN_TOWNS if lanxian else SHISHI_TOWNS))
    hukou_county = "141127" if lanxian and home.random() < 0.85 else home.choice(HUKOU_COUNTIES)
    # (birth day, sequence) is unique for every i below 15.33 million: 7919 is prime to 15330, so
    # for a fixed sequence number (i % 1000) the day is a permutation of i // 1000.
    day = ((i // 1000) * 7919 + (i % 1000) * 104729) % 15330
    birth = dt.date(1962, 1, 1) + dt.timedelta(days=day)
    id_number = make_id_number(hukou_county, birth, i % 1000)
    status = _weighted(rng, STATUS_MIX)
    mask = 0
    if rng.random() < 0.3:
        for bit in DIFFICULTY_BITS.values():
            if rng.random() < 0.22:
                mask |= bit
        mask = mask or DIFFICULTY_BITS["employment_difficulty"]
    registered = None
    last_income = None
    if status == EmploymentStatus.UNEMPLOYED:
        if rng.random() < 0.7:
            registered = today - dt.timedelta(days=rng.randrange(10, 720))
        months_back = rng.randrange(0, 14)
        y, m = divmod(today.year * 12 + today.month - 1 - months_back, 12)
        last_income = dt.date(y, m + 1, 1)
    elif status != EmploymentStatus.UNABLE:
        y, m = divmod(today.year * 12 + today.month - 1 - rng.randrange(0, 2), 12)
        last_income = dt.date(y, m + 1, 1)
    insured = status in (EmploymentStatus.EMPLOYED, EmploymentStatus.SELF_EMPLOYED)
    return {
        "name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
        "id_number": id_number,
        "phone": f"1{rng.choice('3578')}{rng.randrange(0, 10**9):09d}" if rng.random() < 0.9 else "",
        "gender": "male" if (i % 1000) % 2 else "female",
        "birth_date": birth,
        "hukou_region_id": hukou_county + "000000",
        "residence_region_id": residence,
        "education": rng.choice(["primary", "junior", "junior", "junior", "senior", "vocational", "college", "bachelor"]),
        "employment_status": status,
        "unemployment_registered_on": registered,
        "difficulty_mask": mask,
        "pension_insured": insured or rng.random() < 0.5,
        "medical_insured": rng.random() < 0.9,
        "unemployment_insured": insured and rng.random() < 0.7,
        "injury_insured": insured and rng.random() < 0.8,
        "ui_contribution_months": rng.randrange(0, 120) if insured else rng.choice([None, 0, rng.randrange(0, 36)]),
        "last_income_month": last_income,
        "monthly_income": Decimal(rng.randrange(1800, 9000)) if status not in (EmploymentStatus.UNEMPLOYED, EmploymentStatus.UNABLE) else None,
        "skills": rng.choice(["", "", "缝纫", "驾驶", "电焊", "烹饪", "电脑操作"]),
        "desired_occupation": rng.choice(OCCUPATIONS) if status == EmploymentStatus.UNEMPLOYED else "",
        "desired_region_id": residence[:6] + "000000" if status == EmploymentStatus.UNEMPLOYED else None,
        "expected_salary": Decimal(rng.randrange(30, 80) * 100) if status == EmploymentStatus.UNEMPLOYED else None,
        "training_willing": rng.random() < 0.4 if status == EmploymentStatus.UNEMPLOYED else None,
        "household_no": f"H{residence[:9]}{group:07d}" if in_household else "",
        "relation_to_head": [Relation.HEAD, Relation.SPOUSE, Relation.CHILD][i % 3] if in_household else "",
        "notes": "",
    }


def people(start: int, stop: int, *, today: dt.date | None = None, towns: list[str] | None = None) -> Iterator[dict]:
    today = today or timezone.localdate()
    for i in range(start, stop):
        yield person(i, today=today, towns=towns)


def build_worker(data: dict) -> Worker:
    extra = {"id_number", "phone", "household_no"}
    worker = Worker(**{k: v for k, v in data.items() if k not in extra})
    set_identifiers(worker, id_number=data["id_number"], phone=data["phone"])
    return worker


def insert_people(n: int, *, batch: int = 5000, towns: list[str] | None = None, progress=None) -> int:
    """Insert people 0..n-1 that are not there yet. Returns how many were inserted."""
    from anju.registry.services import id_hash

    today = timezone.localdate()
    inserted = 0
    for start in range(0, n, batch):
        rows = list(people(start, min(n, start + batch), today=today, towns=towns))
        hashes = {id_hash(r["id_number"]): r for r in rows}
        existing = set(Worker.objects.filter(id_number_hash__in=list(hashes)).values_list("id_number_hash", flat=True))
        fresh = [r for h, r in hashes.items() if h not in existing]
        with transaction.atomic():
            households = {}
            for r in fresh:
                if r["household_no"]:
                    households.setdefault(r["household_no"], r["residence_region_id"])
            known = set(Household.objects.filter(household_no__in=list(households)).values_list("household_no", flat=True))
            Household.objects.bulk_create([Household(household_no=no, region_id=reg) for no, reg in households.items() if no not in known])
            ids = dict(Household.objects.filter(household_no__in=list(households)).values_list("household_no", "id"))
            workers = []
            for r in fresh:
                w = build_worker(r)
                w.household_id = ids.get(r["household_no"])
                workers.append(w)
            Worker.objects.bulk_create(workers, batch_size=1000)
            now = timezone.now()
            saved = Worker.objects.filter(id_number_hash__in=[w.id_number_hash for w in workers]).values_list("id", flat=True)
            TimelineEvent.objects.bulk_create(
                [TimelineEvent(worker_id=pk, kind=TimelineKind.REGISTERED, at=now) for pk in saved], batch_size=2000)
        inserted += len(fresh)
        if progress:
            progress(min(n, start + batch), n)
    return inserted


def _registered_on(wid: int, today: dt.date) -> dt.date:
    """When a demo person who gets visited was entered in the ledger: 30 to 700 days ago. Their
    registration time and timeline entry are moved there, so no visit predates it."""
    registered = today - dt.timedelta(days=random.Random(wid * 31 + 5).randrange(30, 701))
    at = timezone.make_aware(dt.datetime.combine(registered, dt.time(9)))
    Worker.objects.filter(pk=wid, created_at__gt=at).update(created_at=at)
    TimelineEvent.objects.filter(worker_id=wid, kind=TimelineKind.REGISTERED, at__gt=at).update(at=at)
    return registered


def local_employers(employers: list[Employer], region: str) -> list[Employer]:
    return [e for e in employers if e.region_id[:6] == region[:6]] or employers


@transaction.atomic
def seed_extras(*, limit: int) -> None:
    """Employers, hires, certificates and verification visits for the first `limit` demo people."""
    rng = random.Random(2026)
    today = timezone.localdate()
    employers = []
    for k in range(50):
        region = rng.choice(SHISHI_TOWNS) if k < 40 else rng.choice(LANXIAN_TOWNS)
        first17 = f"91{region[:6]}MA{k:02d}{rng.choice('ABCDEFGHJKLMNPQRTUWXY')}{k * 37 % 1000:03d}{k % 10}"[:17]
        first17 = first17.ljust(17, "0")
        size = _weighted(rng, [(SizeClass.MICRO, 30), (SizeClass.SMALL, 40), (SizeClass.MEDIUM, 20), (SizeClass.LARGE, 10)])
        employer, _ = Employer.objects.get_or_create(
            uscc=make_uscc(first17),
            defaults={"name": f"{'石狮市' if k < 40 else '岚县'}{rng.choice(EMPLOYER_WORDS)}{rng.choice(INDUSTRIES)}有限公司",
                      "size_class": size, "industry": rng.choice(INDUSTRIES), "region_id": region,
                      "staff_count": {"micro": 8, "small": 45, "medium": 260, "large": 1200}[size] + rng.randrange(0, 20)},
        )
        employers.append(employer)
    # The demo organisations' accounts have something of their own to see: staff hired there.
    employers += Employer.objects.filter(uscc__in=[o[0] for o in DEMO_ORGANISATIONS.values()])
    town_staff = {"350581": User.objects.filter(username="shishi-town").first(),
                  "141127": User.objects.filter(username="lanxian-hrss").first()}
    for employer in employers:
        r = random.Random(employer.pk)
        staff = employer.staff_count or 10
        EmployerYear.objects.get_or_create(employer=employer, year=today.year - 1, defaults={
            "ui_months_paid": 12 if r.random() < 0.85 else r.randrange(6, 12),
            "ui_premiums_paid": Decimal(staff * r.randrange(180, 260) * 12).quantize(Decimal("0.01")),
            "average_staff": staff, "layoffs": int(staff * r.choice([0, 0, 0.02, 0.05, 0.08, 0.3])),
        })
    workers = list(Worker.objects.order_by("id").values_list("id", "employment_status", "residence_region_id",
                                                             "difficulty_mask")[:limit])
    for wid, status, region, mask in workers:
        r = random.Random(wid)
        if status == EmploymentStatus.SELF_EMPLOYED and not Business.objects.filter(founder_id=wid).exists():
            Business.objects.create(founder_id=wid, name=f"{r.choice(EMPLOYER_WORDS)}{r.choice(['小吃店', '服装店', '网店', '修理部'])}",
                                    kind=r.choice(["individual", "online_shop", "company"]), region_id=region,
                                    founded_on=today - dt.timedelta(days=r.randrange(60, 1200)))
        if mask and r.random() < 0.15 and not TrainingEnrolment.objects.filter(worker_id=wid).exists():
            done = r.random() < 0.7
            started = today - dt.timedelta(days=r.randrange(40, 400))
            TrainingEnrolment.objects.create(worker_id=wid, employer=r.choice(local_employers(employers, region)),
                                             course=r.choice(OCCUPATIONS) + "培训", class_hours=r.choice([16, 20, 24, 40]),
                                             started_on=started, completed_on=started + dt.timedelta(days=20) if done else None,
                                             certificate_obtained=done, newly_hired=r.random() < 0.6)
        local = local_employers(employers, region)
        if status == EmploymentStatus.EMPLOYED and r.random() < 0.5 and not Hire.objects.filter(worker_id=wid).exists():
            start = today - dt.timedelta(days=r.randrange(30, 900))
            employer = r.choice(local)
            TimelineEvent.objects.create(worker_id=wid, kind=TimelineKind.HIRED, at=timezone.make_aware(dt.datetime.combine(start, dt.time(9))),
                                         data={"employer": employer.name})
            Hire.objects.create(worker_id=wid, employer=employer, start_date=start, contract_months=r.choice([6, 12, 24, 36]),
                                pension_insured=True, medical_insured=True, unemployment_insured=r.random() < 0.8,
                                pension_premium_monthly=Decimal("640.00"), medical_premium_monthly=Decimal("280.00"),
                                unemployment_premium_monthly=Decimal("20.00"))
        if r.random() < 0.1 and not Certificate.objects.filter(worker_id=wid).exists():
            kind = r.choice(CertificateKind.values)
            Certificate.objects.create(worker_id=wid, kind=kind, occupation=r.choice(OCCUPATIONS),
                                       grade=None if kind == CertificateKind.SPECIAL_ABILITY else r.randrange(3, 6),
                                       shortage=r.random() < 0.3, issued_on=today - dt.timedelta(days=r.randrange(30, 1500)),
                                       certificate_no=f"DEMO{wid:08d}")
        staff = town_staff.get(region[:6])
        if staff and r.random() < 0.6 and not VerificationVisit.objects.filter(worker_id=wid).exists():
            # A house-to-house visit comes after the person is in the ledger: the person is
            # registered some time ago and visited between then and today.
            registered = _registered_on(wid, today)
            visited = registered + dt.timedelta(days=r.randrange(0, (today - registered).days + 1))
            visit = VerificationVisit.objects.create(worker_id=wid, visited_on=visited, staff=staff, result=VisitResult.CONFIRMED,
                                                     findings="本人在家，信息属实。", fields_confirmed=["phone", "residence_region"])
            TimelineEvent.objects.create(worker_id=wid, kind=TimelineKind.VERIFIED, actor=staff,
                                         at=timezone.make_aware(dt.datetime.combine(visited, dt.time(10))),
                                         data={"visit": visit.pk, "result": VisitResult.CONFIRMED, "visited_on": visited.isoformat()})
            Worker.objects.filter(pk=wid).update(last_verified_on=visited)
