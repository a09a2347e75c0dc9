"""`anju scan` and `anju simulate`: output formats, masking, audited reveal, exit codes, numbers."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from anju.audit.models import AuditEvent
from anju.lib.identifiers import make_id_number
from anju.policies.packs import catalogue
from anju.policies.services import sync_from_packs
from anju.policies.tests.conftest import enter_living_standard
from anju.registry.tests.factories import make_worker

ON = "2021-06-15"
TOWN_ID = make_id_number("350581", dt.date(1985, 6, 15), 1)


@pytest.fixture
def ledger(db):
    sync_from_packs(catalogue().policies.values())
    enter_living_standard()
    income = {"last_income_month": dt.date(2021, 1, 1), "unemployment_insured": False}
    return {
        "town": make_worker(residence="350581001000", id_number=TOWN_ID, **income),
        "town2": make_worker(residence="350581002000", id_number=make_id_number("350581", dt.date(1985, 6, 15), 2), **income),
        "insured": make_worker(residence="350581001000", id_number=make_id_number("350581", dt.date(1985, 6, 15), 3),
                               last_income_month=dt.date(2021, 1, 1), unemployment_insured=True),
        "lanxian": make_worker(residence="141127100000", id_number=make_id_number("141127", dt.date(1985, 6, 15), 1), **income),
    }


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def exit_code(*args) -> tuple[int, str]:
    err = io.StringIO()
    with pytest.raises(SystemExit) as info:
        call_command(*args, stdout=io.StringIO(), stderr=err)
    return info.value.code, err.getvalue()


def test_scan_csv_masked_with_summary(ledger):
    out, err = run("scan", "quanzhou-temporary-assistance", "--date", ON)
    lines = out.splitlines()
    assert lines[0] == "id_number,amount"
    assert sorted(lines[1:]) == sorted([f"{ledger['town'].id_number_masked},2400.00",
                                        f"{ledger['town2'].id_number_masked},2400.00"])
    assert TOWN_ID not in out and "*" in lines[1]
    assert "2 qualifying" in err and "4800.00" in err
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_scan_json_lines_and_region(ledger):
    out, _err = run("scan", "quanzhou-temporary-assistance", "--date", ON, "--region", "350581001", "--format", "json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows == [{"id_number": ledger["town"].id_number_masked, "amount": "2400.00"}]


def test_scan_reveal_is_audited_and_scoped(ledger, personas):
    out, err = run("scan", "quanzhou-temporary-assistance", "--date", ON, "--reveal", "--as", personas.town.username)
    assert out.splitlines()[1:] == [f"{TOWN_ID},2400.00"]  # the town officer's own town only
    event = AuditEvent.objects.get(action="reveal")
    assert event.actor == personas.town
    assert event.detail["policy"] == "quanzhou-temporary-assistance" and event.detail["count"] == 1


def test_scan_exit_codes(ledger, personas):
    assert exit_code("scan", "no-such-policy", "--date", ON)[0] == 2
    assert exit_code("scan", "quanzhou-temporary-assistance", "--date", "2021-02-30")[0] == 2
    code, err = exit_code("scan", "quanzhou-temporary-assistance", "--date", ON, "--region", "999999")
    assert code == 2 and "999999" in err
    assert exit_code("scan", "quanzhou-temporary-assistance", "--date", ON, "--region", "35A")[0] == 2
    assert exit_code("scan", "quanzhou-temporary-assistance", "--date", ON, "--reveal")[0] == 2  # needs --as
    # Outside the user's jurisdiction, and a role that may not reveal.
    assert exit_code("scan", "quanzhou-temporary-assistance", "--date", ON, "--region", "141127",
                     "--as", personas.town.username)[0] == 2
    assert exit_code("scan", "quanzhou-temporary-assistance", "--date", ON, "--reveal", "--as", personas.auditor.username)[0] == 2
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_scan_before_the_policy_is_in_force_lists_nobody(ledger):
    out, err = run("scan", "quanzhou-temporary-assistance", "--date", "2019-01-01")
    assert out.splitlines() == ["id_number,amount"] and "0 qualifying" in err


def test_simulate_table(ledger):
    out, _err = run("simulate", "quanzhou-temporary-assistance", "--date", ON, "--region", "350581",
                    "--param", "min_living_standard_monthly=900")
    assert "min_living_standard_monthly: 800" in out and "-> 900" in out
    qualifying = next(line for line in out.splitlines() if line.startswith("qualifying")).split()
    total = next(line for line in out.splitlines() if line.startswith("total")).split()
    assert qualifying[1:] == ["2", "2", "0"]
    assert total[2:] == ["4,800.00", "5,400.00", "+600.00"]


def test_simulate_bad_input(ledger):
    assert exit_code("simulate", "quanzhou-temporary-assistance", "--date", ON, "--region", "350581",
                     "--param", "no_such_param=1")[0] == 2
    assert exit_code("simulate", "quanzhou-temporary-assistance", "--date", ON, "--region", "350581",
                     "--param", "min_living_standard_monthly=abc")[0] == 2
    assert exit_code("simulate", "quanzhou-temporary-assistance", "--date", ON, "--region", "350581")[0] == 2
