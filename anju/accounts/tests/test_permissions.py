"""The policy base: jurisdiction scope, owner scope, and the account rules they rest on."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from anju.accounts.models import Role, User
from anju.accounts.permissions import STAFF, Policy, narrower_scope
from anju.accounts.tests.factories import UserFactory, organisation_user
from anju.lib.identifiers import make_uscc

ACME = make_uscc("91350581MA2Y0AC0M")
OTHER = make_uscc("91350581MA2Y0QTHE")


class ContractPolicy(Policy):
    """A record with a region and an owning organisation (a stand-in for e.g. a project)."""

    model_label = "contract"
    actions = {"view": STAFF | {Role.EMPLOYER_USER, Role.CONTRACTOR_USER}, "change": frozenset({Role.COUNTY_OFFICER})}

    @classmethod
    def region_of(cls, obj):
        return obj.region

    @classmethod
    def owner_of(cls, obj):
        return obj.owner


class NoticePolicy(Policy):
    """A record without an owner, readable by every role."""

    model_label = "notice"
    actions = {"view": frozenset(Role.values)}

    @classmethod
    def region_of(cls, obj):
        return obj.region


def record(region="350581001000", owner=ACME):
    return SimpleNamespace(region=region, owner=owner)


def test_jurisdiction_scope_three_personas(personas):
    contract = record()
    assert ContractPolicy.can_on(personas.town, "view", contract)  # owner: the street's officer
    assert not ContractPolicy.can_on(personas.lanxian, "view", contract)  # colleague in another county
    assert not ContractPolicy.can_on(personas.town2, "view", contract)  # a neighbouring street
    assert not ContractPolicy.can_on(personas.town, "change", contract)  # the role has no such right
    assert ContractPolicy.can_on(personas.admin, "view", contract)  # empty jurisdiction: everywhere
    with pytest.raises(KeyError):
        ContractPolicy.can(personas.town, "approve")


@pytest.mark.django_db
def test_owner_scope_three_personas():
    owner = organisation_user("acme-hr", Role.EMPLOYER_USER, ACME)
    elsewhere = organisation_user("acme-lanxian", Role.EMPLOYER_USER, ACME, jurisdiction="141127")
    outsider = organisation_user("other-hr", Role.CONTRACTOR_USER, OTHER)
    contract = record()
    assert ContractPolicy.can_on(owner, "view", contract)
    assert not ContractPolicy.can_on(elsewhere, "view", contract)  # the same organisation, wrong area
    assert not ContractPolicy.can_on(outsider, "view", contract)  # another organisation, right area
    assert not ContractPolicy.can_on(owner, "view", record(owner=None))  # a record nobody owns
    # A model without an owner is closed to owner-scoped users, even when the role may view it.
    assert NoticePolicy.can(owner, "view") and not NoticePolicy.can_on(owner, "view", record())
    assert NoticePolicy.visible_prefix(owner) is None
    assert NoticePolicy.can_on(UserFactory(username="t", jurisdiction="350581"), "view", record())


@pytest.mark.django_db
def test_inactive_and_anonymous_users_have_no_rights(personas):
    from django.contrib.auth.models import AnonymousUser

    personas.county.is_active = False
    assert not ContractPolicy.can(personas.county, "view")
    assert not ContractPolicy.can(AnonymousUser(), "view")


@pytest.mark.django_db
def test_organisation_is_required_for_owner_roles_and_refused_for_staff():
    user = User(username="x", role=Role.EMPLOYER_USER, jurisdiction="350581")
    with pytest.raises(ValidationError) as err:
        user.full_clean()
    assert "organisation_uscc" in err.value.message_dict
    user.organisation_uscc = ACME[:-1] + ("0" if ACME[-1] != "0" else "1")  # wrong check character
    with pytest.raises(ValidationError) as err:
        user.full_clean()
    assert "统一社会信用代码不正确" in err.value.message_dict["organisation_uscc"][0]
    user.organisation_uscc = ACME.lower()
    user.set_password("a-long-pass-2026")
    user.full_clean()
    assert user.organisation_uscc == ACME
    staff = User(username="y", role=Role.COUNTY_OFFICER, jurisdiction="350581", organisation_uscc=ACME)
    with pytest.raises(ValidationError) as err:
        staff.full_clean()
    assert "organisation_uscc" in err.value.message_dict


@pytest.mark.django_db
def test_database_refuses_an_owner_role_without_organisation():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="z", role=Role.CONTRACTOR_USER, jurisdiction="350581")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="w", role=Role.TOWN_OFFICER, jurisdiction="350581001", organisation_uscc=ACME)


@pytest.mark.parametrize(("jurisdiction", "within", "expected"), [
    ("350581", "", "350581"),
    ("350581", "35", "350581"),
    ("350581", "3505", "350581"),
    ("350581", "350581001", "350581001"),
    ("350581", "350581001000", "350581001"),
    ("350581", "350581001002", "350581001002"),
    ("350581", "141127", None),
    ("350581", "3506", None),
    ("350581", "35058", None),
    ("350581", "abc", None),
    ("350581", "35058100100x", None),
    ("", "141127", "141127"),
    ("", "", ""),
])
def test_narrower_scope(jurisdiction, within, expected):
    assert narrower_scope(jurisdiction, within) == expected
