"""Set-up for the benefits tests: the departments and officers of the Quanzhou temporary
assistance chain in Shishi, a fund, a minimum living standard, and a worker who qualifies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from anju.accounts.models import DepartmentKind, Role
from anju.accounts.tests.factories import UserFactory, department
from anju.benefits.models import Fund
from anju.params.services import parameter_set
from anju.registry.tests.factories import make_worker

TOWN = "350581001000"
POLICY = "quanzhou-temporary-assistance"


def chain_people() -> SimpleNamespace:
    station = department("shishi-hubin-station", DepartmentKind.TOWN_STATION, TOWN, "湖滨街道劳动保障站")
    fengli = department("shishi-fengli-station", DepartmentKind.TOWN_STATION, "350581002000", "凤里街道劳动保障站")
    hrss = department("shishi-hrss", DepartmentKind.HRSS, "350581000000", "石狮市人社局")
    civil = department("shishi-civil", DepartmentKind.CIVIL_AFFAIRS, "350581000000", "石狮市民政局")
    finance = department("shishi-finance", DepartmentKind.FINANCE, "350581000000", "石狮市财政局")
    union = department("shishi-union", DepartmentKind.TRADE_UNION, "350581000000", "石狮市总工会")
    lanxian = department("lanxian-civil", DepartmentKind.CIVIL_AFFAIRS, "141127000000", "岚县民政局")
    return SimpleNamespace(
        town=UserFactory(username="b-town", role=Role.TOWN_OFFICER, jurisdiction="350581001", department=station),
        other_town=UserFactory(username="b-town2", role=Role.TOWN_OFFICER, jurisdiction="350581002", department=fengli),
        hrss=UserFactory(username="b-hrss", role=Role.COUNTY_OFFICER, jurisdiction="350581", department=hrss),
        civil=UserFactory(username="b-civil", role=Role.CIVIL_AFFAIRS, jurisdiction="350581", department=civil),
        finance=UserFactory(username="b-finance", role=Role.FINANCE, jurisdiction="350581", department=finance),
        union=UserFactory(username="b-union", role=Role.UNION, jurisdiction="350581", department=union),
        lanxian_civil=UserFactory(username="b-lanxian", role=Role.CIVIL_AFFAIRS, jurisdiction="141127",
                                  department=lanxian),
    )


def packs_synced() -> None:
    from anju.policies.packs import catalogue
    from anju.policies.services import sync_from_packs

    sync_from_packs(catalogue().policies.values())


def living_standard(value: str = "800") -> None:
    packs_synced()
    parameter_set(actor=None, name="min_living_standard_monthly", region_prefix="3505",
                  valid_from=dt.date(2020, 1, 1), value=Decimal(value), source="测试：泉州市低保标准")


def fund(*, budget: str = "5000000", policies: tuple[str, ...] = (POLICY,), code: str = "shishi-special",
         unit: str = "元") -> Fund:
    return Fund.objects.create(code=code, name="石狮市农民工关爱专项资金", region_prefix="350581",
                               department_kind=DepartmentKind.FINANCE, policy_ids=list(policies), unit=unit,
                               budget=Decimal(budget), valid_from=dt.date(2020, 1, 1), source="测试")


def qualifying_worker(**fields):
    """Not on the minimum living allowance, no income since 2026-06, not insured."""
    defaults = dict(last_income_month=dt.date(2026, 6, 1), unemployment_insured=False, name="李四")
    defaults.update(fields)
    return make_worker(**defaults)
