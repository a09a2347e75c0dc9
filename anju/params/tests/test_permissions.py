"""Who may set a parameter value where: the owner of a jurisdiction, a colleague elsewhere, an
outsider (and an employer's account, which sees no parameters at all)."""

from __future__ import annotations

import pytest

from anju.accounts.models import Role
from anju.accounts.tests.factories import organisation_user
from anju.lib.identifiers import make_uscc
from anju.params.permissions import ParameterPolicy


def test_owner_sets_values_inside_their_jurisdiction_only(personas):
    county = personas.county  # Shishi, 350581
    assert ParameterPolicy.can(county, "change")
    assert ParameterPolicy.can_set_for(county, "350581") and ParameterPolicy.can_set_for(county, "350581001")
    assert not ParameterPolicy.can_set_for(county, "3505")  # the city above
    assert not ParameterPolicy.can_set_for(county, "")      # national
    assert ParameterPolicy.can_on(county, "change", _value("350581001"))


def test_colleague_elsewhere_may_not_set_here(personas):
    lanxian = personas.lanxian
    assert ParameterPolicy.can_set_for(lanxian, "141127")
    assert not ParameterPolicy.can_set_for(lanxian, "350581")
    assert not ParameterPolicy.can_on(lanxian, "change", _value("350581"))


@pytest.mark.parametrize("who", ["town", "union", "auditor"])
def test_outsiders_read_but_never_set(personas, who):
    user = getattr(personas, who)
    assert ParameterPolicy.can(user, "view")
    assert not ParameterPolicy.can(user, "change")
    assert not ParameterPolicy.can_set_for(user, user.jurisdiction or "")


def test_administrator_sets_the_national_value(personas):
    assert ParameterPolicy.can_set_for(personas.admin, "") and ParameterPolicy.can_set_for(personas.admin, "3505")


def test_an_employer_account_sees_no_parameters(db):
    employer = organisation_user("p-employer", Role.EMPLOYER_USER, make_uscc("91350581MA2Y0A1B0"))
    assert not ParameterPolicy.can(employer, "view") and not ParameterPolicy.can_set_for(employer, "350581")


class _value:
    def __init__(self, region_prefix: str):
        self.region_prefix = region_prefix
