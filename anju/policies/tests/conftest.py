"""Fixtures shared by the policy tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from anju.params.services import parameter_set
from anju.policies.packs import get_policy
from anju.policies.services import sync_from_packs

LIVING_STANDARD_SOURCE = "测试：泉州市民政局公布的城乡最低生活保障标准"


def enter_living_standard(value: str = "800", *, actor=None) -> None:
    """Civil affairs enters Quanzhou's minimum living standard with its source, as staff do: the
    pack ships none (no sourced figure is known), so without it amounts are "to be set"."""
    parameter_set(actor=actor, name="min_living_standard_monthly", region_prefix="3505",
                  valid_from=dt.date(2020, 1, 1), value=Decimal(value), source=LIVING_STANDARD_SOURCE)


@pytest.fixture
def assistance(db):
    """Quanzhou's temporary assistance, with the values its pack ships and the minimum living
    standard (800 a month) entered by civil affairs."""
    policy = get_policy("quanzhou-temporary-assistance")
    sync_from_packs([policy])
    enter_living_standard()
    return policy


def months_ago(n: int) -> dt.date:
    """The first day of the month n months before this one."""
    today = timezone.localdate()
    total = today.year * 12 + today.month - 1 - n
    return dt.date(total // 12, total % 12 + 1, 1)
