"""Fixtures shared by the policy tests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from anju.policies.packs import get_policy
from anju.policies.services import sync_from_packs


@pytest.fixture
def assistance(db):
    """Quanzhou's temporary assistance, with the parameter values its pack ships."""
    policy = get_policy("quanzhou-temporary-assistance")
    sync_from_packs([policy])
    return policy


def months_ago(n: int) -> dt.date:
    """The first day of the month n months before this one."""
    today = timezone.localdate()
    total = today.year * 12 + today.month - 1 - n
    return dt.date(total // 12, total % 12 + 1, 1)
