from __future__ import annotations

from types import SimpleNamespace

import factory

from anju.accounts.models import Department, DepartmentKind, Role, User

PASSWORD = "anju-test-pass"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.TOWN_OFFICER
    jurisdiction = "350581001"
    password = factory.django.Password(PASSWORD)


def department(code: str, kind: str, region: str, name: str) -> Department:
    return Department.objects.get_or_create(code=code, defaults={"kind": kind, "region_id": region, "name": name})[0]


def make_personas() -> SimpleNamespace:
    """Owner (a Shishi street officer), a colleague elsewhere (Lan County) and outsiders."""
    station = department("shishi-hubin-station", DepartmentKind.TOWN_STATION, "350581001000", "湖滨街道劳动保障站")
    shishi = department("shishi-hrss", DepartmentKind.HRSS, "350581000000", "石狮市人社局")
    lanxian = department("lanxian-hrss", DepartmentKind.HRSS, "141127000000", "岚县人社局")
    return SimpleNamespace(
        town=UserFactory(username="t-town", role=Role.TOWN_OFFICER, jurisdiction="350581001", department=station),
        town2=UserFactory(username="t-town2", role=Role.TOWN_OFFICER, jurisdiction="350581002", department=station),
        county=UserFactory(username="t-county", role=Role.COUNTY_OFFICER, jurisdiction="350581", department=shishi),
        city=UserFactory(username="t-city", role=Role.COUNTY_OFFICER, jurisdiction="3505", department=shishi),
        lanxian=UserFactory(username="t-lanxian", role=Role.COUNTY_OFFICER, jurisdiction="141127", department=lanxian),
        union=UserFactory(username="t-union", role=Role.UNION, jurisdiction="350581", department=shishi),
        auditor=UserFactory(username="t-auditor", role=Role.AUDITOR, jurisdiction=""),
        admin=UserFactory(username="t-admin", role=Role.ADMIN, jurisdiction="", is_superuser=True, is_staff=True),
    )


def organisation_user(username: str, role: str, uscc: str, *, jurisdiction: str = "350581") -> User:
    """An employer's or general contractor's account (owner-scoped)."""
    return UserFactory(username=username, role=role, jurisdiction=jurisdiction, organisation_uscc=uscc)
