from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anju.lib import identifiers as ids


def test_known_valid_id_number():
    # GB 11643 worked example.
    assert ids.id_check_char("11010519491231002") == "X"
    parsed = ids.parse_id_number("11010519491231002x")
    assert parsed.number == "11010519491231002X"
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.gender == "female"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        ("1234", "length"),
        ("11010519491231002A", "chars"),
        ("110105194912310021", "check"),
        (ids.make_id_number("350581", dt.date(2001, 1, 1), 1)[:10] + "0230" + "0011", "check"),
    ],
)
def test_bad_id_numbers(raw, code):
    with pytest.raises(ids.IdentifierError) as exc:
        ids.parse_id_number(raw)
    assert exc.value.code == code


def test_impossible_and_future_birth_dates():
    first17 = "35058120010230001"
    with pytest.raises(ids.IdentifierError) as exc:
        ids.parse_id_number(first17 + ids.id_check_char(first17))
    assert exc.value.code == "birth_date"
    future = ids.make_id_number("350581", dt.date(2030, 1, 1), 1)
    with pytest.raises(ids.IdentifierError) as exc:
        ids.parse_id_number(future, today=dt.date(2026, 11, 25))
    assert exc.value.code == "future"


def test_legacy_15_digit_upgrade():
    assert ids.parse_id_number("350581850615123").number == ids.upgrade_legacy_id("350581850615123")
    assert ids.upgrade_legacy_id("350581850615123").startswith("3505811985")


@given(
    region=st.sampled_from(["350581", "141127", "110105", "142329"]),
    birth=st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2010, 12, 31)),
    seq=st.integers(0, 999),
)
def test_generated_numbers_round_trip(region, birth, seq):
    number = ids.make_id_number(region, birth, seq)
    parsed = ids.parse_id_number(number)
    assert parsed.birth_date == birth and parsed.region_code == region
    assert parsed.gender == ("male" if seq % 2 else "female")
    # Any single-digit change in the first 17 is caught by the check character.
    pos = seq % 17
    wrong = number[:pos] + str((int(number[pos]) + 1) % 10) + number[pos + 1 :]
    assert not ids.is_valid_id_number(wrong) or wrong[6:14] != number[6:14]


def test_uscc_including_letter_leading_codes():
    code = ids.make_uscc("91350581MA2Y0A1B2")
    assert ids.validate_uscc(code.lower()) == code
    letter = ids.make_uscc("N2350581MJ0000001")  # farmers' cooperative, letter-leading
    assert ids.validate_uscc(letter) == letter
    with pytest.raises(ids.IdentifierError):
        ids.validate_uscc(code[:-1] + ("0" if code[-1] != "0" else "1"))
    with pytest.raises(ids.IdentifierError):
        ids.validate_uscc("91350581MA2Y0A1BI" + "0")  # I is not in the alphabet


def test_mobile_and_masks():
    assert ids.validate_mobile("+86 138 0013 8000") == "13800138000"
    with pytest.raises(ids.IdentifierError):
        ids.validate_mobile("12800138000")
    assert ids.mask_id_number("350581198506151234") == "350581********1234"
    assert ids.mask_mobile("13800138000") == "138****8000"
