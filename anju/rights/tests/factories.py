"""Test helpers for rights protection: the hotline desk and handlers with their departments, a
project with a roster."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from anju.accounts.models import DepartmentKind, Role
from anju.accounts.tests.factories import UserFactory, department, organisation_user
from anju.lib.identifiers import make_id_number, make_uscc

CONTRACTOR_USCC = make_uscc("91350581MA2Y1JG3P")
OTHER_USCC = make_uscc("91350581MA2Y1JG4Q")


def rights_personas() -> SimpleNamespace:
    """Shishi's union desk, its labour inspector and county HRSS officer, Lan County's inspector,
    a town officer, and two contractors' payroll supervisors."""
    union = department("r-shishi-union", DepartmentKind.TRADE_UNION, "350581000000", "石狮市总工会")
    hrss = department("r-shishi-hrss", DepartmentKind.HRSS, "350581000000", "石狮市人社局")
    lan = department("r-lan-hrss", DepartmentKind.HRSS, "141127000000", "岚县人社局")
    station = department("r-hubin-station", DepartmentKind.TOWN_STATION, "350581001000", "湖滨街道劳动保障站")
    return SimpleNamespace(
        desk=UserFactory(username="r-desk", role=Role.UNION, jurisdiction="350581", department=union),
        inspector=UserFactory(username="r-inspector", role=Role.INSPECTOR, jurisdiction="350581", department=hrss),
        county=UserFactory(username="r-county", role=Role.COUNTY_OFFICER, jurisdiction="350581", department=hrss),
        lan_inspector=UserFactory(username="r-lan-inspector", role=Role.INSPECTOR, jurisdiction="141127", department=lan),
        town=UserFactory(username="r-town", role=Role.TOWN_OFFICER, jurisdiction="350581001", department=station),
        contractor=organisation_user("r-contractor", Role.CONTRACTOR_USER, CONTRACTOR_USCC),
        other_contractor=organisation_user("r-contractor2", Role.CONTRACTOR_USER, OTHER_USCC),
        admin=UserFactory(username="r-admin", role=Role.ADMIN, jurisdiction="", is_superuser=True, is_staff=True),
    )


def id_number(seq: int, birth: dt.date = dt.date(1980, 5, 1)) -> str:
    return make_id_number("350581", birth, seq % 1000)


def make_project(*, code: str = "P-001", uscc: str = CONTRACTOR_USCC, region: str = "350581001000",
                 signed: dt.date = dt.date(2026, 1, 5), **kwargs):
    from anju.rights.models import Project

    defaults = dict(name=f"测试项目{code}", owner_name="石狮市城投公司", contractor_name="石狮建工集团有限公司",
                    contractor_uscc=uscc, contract_value=Decimal("8000000"), labour_share=Decimal("0.25"),
                    contract_signed_on=signed, start_on=signed, region_id=region)
    defaults.update(kwargs)
    return Project.objects.create(code=code, **defaults)
