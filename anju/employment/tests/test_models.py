from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from anju.employment.models import Employer
from anju.lib.identifiers import make_uscc


@pytest.mark.parametrize("first17", ["91350581MA2Y0A1B2", "N2350581MJ0000001", "Y1141127MJ1234567"])
def test_employer_accepts_valid_credit_codes_including_letter_leading(db, first17):
    employer = Employer(name="石狮市鸿达纺织服装有限公司", uscc=make_uscc(first17).lower(), size_class="small",
                        region_id="350581001000")
    employer.full_clean()
    assert employer.uscc == make_uscc(first17)


@pytest.mark.parametrize("bad", ["", "91350581MA2Y0A1B2", "91350581MA2Y0A1BI0", "9135058IMA2Y0A1B2X"])
def test_employer_rejects_bad_credit_codes(db, bad):
    employer = Employer(name="某公司", uscc=bad, size_class="small", region_id="350581001000")
    with pytest.raises(ValidationError) as exc:
        employer.full_clean()
    assert "uscc" in exc.value.message_dict
