"""Decimals as JSON text: plain notation, never an exponent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from anju.lib.jsonutil import jsonable, plain_decimal


@pytest.mark.parametrize(("value", "text"), [
    (Decimal("10"), "10"),
    (Decimal("10.0000"), "10"),
    (Decimal("20"), "20"),
    (Decimal("2E+1"), "20"),            # what normalize() gives for 20: never shown like this
    (Decimal("800.0000"), "800"),       # a parameter as the database returns it (4 places)
    (Decimal("8E+2"), "800"),
    (Decimal("2400.00"), "2400"),
    (Decimal("0.6000"), "0.6"),
    (Decimal("1234.5600"), "1234.56"),
    (Decimal("0E-4"), "0"),
    (Decimal("-0"), "0"),
    (15, "15"),
])
def test_plain_decimal(value, text):
    assert plain_decimal(value) == text


@pytest.mark.parametrize(("value", "text"), [
    (Decimal("2400.00"), "2400.00"),
    (Decimal("2400"), "2400.00"),
    (Decimal("2.4E+3"), "2400.00"),
    (Decimal("0.125"), "0.13"),        # half up, as money() rounds
    (Decimal("10"), "10.00"),
])
def test_money_keeps_its_cents(value, text):
    assert plain_decimal(value, places=2) == text


def test_jsonable():
    assert jsonable(Decimal("2E+1")) == "20"
    assert jsonable(dt.date(2021, 6, 15)) == "2021-06-15"
    assert jsonable(True) is True and jsonable(None) is None and jsonable("x") == "x"
