"""Employers under the owner scope: an employer user sees its own organisation only."""

from __future__ import annotations

import pytest

from anju.accounts.models import Role
from anju.accounts.tests.factories import organisation_user
from anju.employment.models import Employer
from anju.employment.permissions import EmployerPolicy
from anju.lib.identifiers import make_uscc


@pytest.fixture
def employers(db):
    return {
        "own": Employer.objects.create(name="石狮市鸿达纺织服装有限公司", uscc=make_uscc("91350581MA2Y0HD01"),
                                       size_class="small", region_id="350581001000"),
        "other": Employer.objects.create(name="石狮市永盛制鞋有限公司", uscc=make_uscc("91350581MA2Y0YP02"),
                                         size_class="small", region_id="350581001000"),
        "lanxian": Employer.objects.create(name="岚县华联商贸有限公司", uscc=make_uscc("91141127MA2Y0HL03"),
                                           size_class="micro", region_id="141127100000"),
    }


def test_employer_owner_scope_three_personas(employers):
    own = employers["own"]
    owner = organisation_user("hd-hr", Role.EMPLOYER_USER, own.uscc)
    elsewhere = organisation_user("hd-lanxian", Role.EMPLOYER_USER, own.uscc, jurisdiction="141127")
    outsider = organisation_user("ys-hr", Role.EMPLOYER_USER, employers["other"].uscc)
    assert EmployerPolicy.can_on(owner, "view", own)
    assert not EmployerPolicy.can_on(elsewhere, "view", own)
    assert not EmployerPolicy.can_on(outsider, "view", own)
    assert not EmployerPolicy.can_on(owner, "change", own)  # viewing its record is not editing it
    # Lists filter exactly alike.
    all_employers = Employer.objects.all()
    assert list(EmployerPolicy.scope(owner, all_employers)) == [own]
    assert list(EmployerPolicy.scope(elsewhere, all_employers)) == []
    assert list(EmployerPolicy.scope(outsider, all_employers)) == [employers["other"]]


def test_staff_see_employers_of_their_jurisdiction(employers, personas):
    qs = Employer.objects.order_by("id")
    assert set(EmployerPolicy.scope(personas.county, qs)) == {employers["own"], employers["other"]}
    assert list(EmployerPolicy.scope(personas.lanxian, qs)) == [employers["lanxian"]]
    assert EmployerPolicy.scope(personas.admin, qs).count() == 3
    assert EmployerPolicy.can_on(personas.county, "change", employers["own"])
    assert not EmployerPolicy.can_on(personas.lanxian, "view", employers["own"])
    for employer in employers.values():
        assert EmployerPolicy.can_on(personas.county, "view", employer) == (employer in EmployerPolicy.scope(personas.county, qs))
    # A region filter narrows, one outside the jurisdiction gives nothing.
    assert EmployerPolicy.scope(personas.county, qs, within="141127").count() == 0
    assert EmployerPolicy.scope(personas.admin, qs, within="141127").count() == 1
