"""Chinese identifiers: resident ID numbers (GB 11643-1999), Unified Social Credit Codes
(GB 32100-2015) and mobile numbers.

The functions here check form only. Whether an ID number's address code is a real (or formerly
real) division is the regions app's question, asked by the callers that need it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")


class IdentifierError(ValueError):
    """A malformed identifier. `code` names the reason for translation by callers."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ResidentId:
    number: str
    region_code: str  # 6 digits
    birth_date: dt.date
    gender: str  # "male" / "female"


def id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def upgrade_legacy_id(number15: str) -> str:
    """A 15-digit number (YYMMDD, no check character) upgraded to 18 digits, assuming 19YY."""
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + id_check_char(first17)


def normalize_id_number(raw: str) -> str:
    return (raw or "").strip().replace(" ", "").upper()


def _ascii_digits(text: str) -> bool:
    # str.isdigit() also accepts other scripts' digits (e.g. Arabic-Indic); identifiers never do.
    return text.isascii() and text.isdigit()


def parse_id_number(raw: str, *, today: dt.date | None = None) -> ResidentId:
    """Validate a resident ID number and return its parts; 15-digit numbers are upgraded.

    Raises IdentifierError with code one of: empty, length, chars, check, birth_date, future.
    """
    number = normalize_id_number(raw)
    if not number:
        raise IdentifierError("empty", "ID number is empty")
    if len(number) == 15:
        if not _ascii_digits(number):
            raise IdentifierError("chars", "a 15-digit ID number has digits only")
        number = upgrade_legacy_id(number)
    elif len(number) != 18:
        raise IdentifierError("length", "an ID number has 18 characters (or 15 for old numbers)")
    if not _ascii_digits(number[:17]) or not (_ascii_digits(number[17]) or number[17] == "X"):
        raise IdentifierError("chars", "an ID number has 17 digits then a digit or X")
    if id_check_char(number[:17]) != number[17]:
        raise IdentifierError("check", "the check character does not match")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentifierError("birth_date", "the birth date in the ID number is not a real date") from None
    today = today or dt.date.today()
    if birth > today or birth.year < 1900:
        raise IdentifierError("future", "the birth date in the ID number is in the future or before 1900")
    gender = "male" if int(number[16]) % 2 == 1 else "female"
    return ResidentId(number=number, region_code=number[:6], birth_date=birth, gender=gender)


def is_valid_id_number(raw: str) -> bool:
    try:
        parse_id_number(raw)
    except IdentifierError:
        return False
    return True


def make_id_number(region6: str, birth: dt.date, seq: int) -> str:
    """Build a valid ID number (for demo data and tests). seq 0-999; odd means male."""
    first17 = f"{region6}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(raw: str) -> str:
    return (raw or "").strip().replace(" ", "").upper()


def validate_uscc(raw: str) -> str:
    """Validate a Unified Social Credit Code and return it normalised.

    Letter-leading codes (registration authorities such as 9 = market regulation are digits, but
    A, N, Y and others exist) are accepted: only the alphabet and the check character decide.
    """
    code = normalize_uscc(raw)
    if len(code) != 18:
        raise IdentifierError("length", "a credit code has 18 characters")
    bad = [c for c in code if c not in _USCC_ALPHABET]
    if bad:
        raise IdentifierError("chars", f"a credit code cannot contain {''.join(sorted(set(bad)))}")
    if not _ascii_digits(code[2:8]):
        raise IdentifierError("region", "characters 3 to 8 of a credit code are a region code")
    if uscc_check_char(code[:17]) != code[17]:
        raise IdentifierError("check", "the check character does not match")
    return code


def make_uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def normalize_mobile(raw: str) -> str:
    value = (raw or "").strip().replace(" ", "").replace("-", "")
    if value.startswith("+86"):
        value = value[3:]
    return value


def validate_mobile(raw: str) -> str:
    value = normalize_mobile(raw)
    if not MOBILE_RE.match(value):
        raise IdentifierError("mobile", "a mobile number has 11 digits starting 13-19")
    return value


def mask_id_number(number: str) -> str:
    """350581********1234: region kept, birth date and sequence hidden."""
    if not number:
        return ""
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_mobile(number: str) -> str:
    if not number:
        return ""
    return number[:3] + "****" + number[-4:]
