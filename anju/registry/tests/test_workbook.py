"""The workbook import (registry.workbook + registry.imports) and the import-ledger command,
on real files written to tmp_path."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from anju.audit.models import AuditEvent
from anju.lib import crypto
from anju.lib.identifiers import id_check_char
from anju.registry import imports
from anju.registry.choices import TimelineKind
from anju.registry.imports import import_book, ledger_import, plan_import
from anju.registry.models import Certificate, Household, TimelineEvent, Worker
from anju.registry.services import id_hash
from anju.registry.tests.factories import make_worker
from anju.registry.tests.workbook_data import (
    certificate_row,
    id_for,
    worker_row,
    write_csv,
    write_xlsx,
)
from anju.registry.workbook import WorkbookError, read_workbook, write_error_report


def run_import(path, user):
    plan = plan_import(read_workbook(path), actor=user)
    return plan, ledger_import(actor=user, plan=plan)


def bad_id_check(i: int) -> str:
    number = id_for(i)
    return number[:17] + ("0" if number[17] != "0" else "1")


IMPOSSIBLE_BIRTH = "35058119850230123" + id_check_char("35058119850230123")

# row index -> (overrides, column expected in the report)
BAD_ROWS = {
    5: ({"公民身份号码": bad_id_check(5)}, "公民身份号码"),
    50: ({"公民身份号码": IMPOSSIBLE_BIRTH}, "公民身份号码"),
    120: ({"手机号码": "12345"}, "手机号码"),
    200: ({"现居住地区划代码": "350581999"}, "现居住地区划代码"),
    333: ({"姓名": ""}, "姓名"),
    444: ({"就业状态": "待业"}, "就业状态"),
    555: ({"最近有收入月份": "2099-01"}, "最近有收入月份"),
    666: ({"月收入（元）": "-5"}, "月收入（元）"),
    # Two rows with one ID number: both rejected, not merged.
    777: ({"公民身份号码": id_for(778)}, "公民身份号码"),
    778: ({}, "公民身份号码"),
}


def thousand_rows(**changes_by_index):
    rows = []
    for i in range(1000):
        over = dict(BAD_ROWS[i][0]) if i in BAD_ROWS else {}
        over.update(changes_by_index.get(i, {}))
        rows.append(worker_row(i, **over))
    return rows


def test_thousand_rows_ten_bad_then_reimport_changes_nothing(personas, tmp_path):
    path = write_xlsx(tmp_path / "ledger.xlsx", thousand_rows())
    plan, summary = run_import(path, personas.county)
    assert (summary["created"], summary["updated"], summary["unchanged"], summary["rejected"]) == (990, 0, 0, 10)
    assert Worker.objects.count() == 990
    reported = {(e.row, e.column) for e in plan.errors}
    assert reported == {(i + 2, column) for i, (_over, column) in BAD_ROWS.items()}
    assert all(e.sheet == "人员" and e.reason_zh for e in plan.errors)
    assert Worker.history.filter(history_type="+").count() == 990
    assert TimelineEvent.objects.filter(kind=TimelineKind.REGISTERED).count() == 990
    creates = AuditEvent.objects.filter(action="create", object_type="worker")
    assert creates.count() == 990
    some = Worker.objects.get(id_number_hash=id_hash(id_for(1)))
    assert id_for(1) not in json.dumps(list(creates.values_list("changes", flat=True)))
    assert some.household.members.count() == 2  # rows 0 and 1 share a 户编号
    assert AuditEvent.objects.filter(action="import").count() == 1

    plan, again = run_import(path, personas.county)
    assert (again["created"], again["updated"], again["unchanged"], again["rejected"]) == (0, 0, 990, 10)
    assert {(e.row, e.column) for e in plan.errors} == reported
    assert Worker.history.count() == 990


@pytest.mark.parametrize("fork", [False, True], ids=["cleaned-in-thread", "cleaned-in-forked-process"])
def test_one_pass_import_matches_plan_then_commit(personas, tmp_path, monkeypatch, fork):
    """`import_book` (parts of BATCH rows cleaned ahead, each written once checked) does exactly
    what planning the whole file and then committing it does — also for rows sharing an ID
    number far apart in the sheet, which land in different parts."""
    monkeypatch.setattr(imports, "BATCH", 97)
    monkeypatch.setattr(imports, "FORK_FROM_ROWS", 0 if fork else 10**9)
    rows = thousand_rows()
    rows[900] = worker_row(900, 公民身份号码=id_for(10))
    certificates = [certificate_row(i, id_for(i)) for i in range(0, 1000, 50)]
    path = write_xlsx(tmp_path / "ledger.xlsx", rows, certificates)
    expected = plan_import(read_workbook(path), actor=personas.county)
    plan = import_book(read_workbook(path), actor=personas.county, filename="ledger.xlsx")
    assert plan.summary == expected.summary
    assert [e.as_dict() for e in plan.errors] == [e.as_dict() for e in expected.errors]
    assert {e.row for e in plan.errors if e.sheet == "人员"} == {i + 2 for i in BAD_ROWS} | {12, 902}
    assert (plan.summary["created"], plan.summary["rejected"]) == (988 + 17, 12 + 3)
    assert Worker.objects.count() == 988 and Certificate.objects.count() == 17
    assert Worker.history.filter(history_type="+").count() == 988
    assert AuditEvent.objects.filter(action="create", object_type="worker").count() == 988
    stored = Worker.objects.get(id_number_hash=id_hash(id_for(3)))
    assert crypto.decrypt(stored.id_number_enc) == id_for(3)
    assert stored.id_number_masked == id_for(3)[:6] + "********" + id_for(3)[-4:]
    assert stored.certificates.count() == 0 and Worker.objects.get(id_number_hash=id_hash(id_for(100))).certificates.count() == 1
    # The "+" history record and the 登记 line, copied by the database from the new row.
    record = stored.history.get()
    assert (record.history_type, record.history_change_reason, record.history_user_id) == ("+", "表格导入", personas.county.pk)
    assert {f.attname: getattr(record, f.attname) for f in Worker._meta.concrete_fields if f.attname != "updated_at"} == {
        f.attname: getattr(stored, f.attname) for f in Worker._meta.concrete_fields if f.attname != "updated_at"}
    cert = Certificate.objects.get(worker__id_number_hash=id_hash(id_for(100)))
    cert_record = cert.history.get()
    assert (cert_record.history_type, cert_record.history_user_id, cert_record.certificate_no, cert_record.worker_id,
            cert_record.issued_on) == ("+", personas.county.pk, cert.certificate_no, cert.worker_id, cert.issued_on)
    assert Certificate.history.filter(history_type="+").count() == 17
    line = stored.timeline.get()
    assert (line.kind, line.actor_id, line.data, line.at) == (TimelineKind.REGISTERED, personas.county.pk,
                                                              {"source": "import"}, stored.created_at)

    again = import_book(read_workbook(path), actor=personas.county)
    assert (again.summary["created"], again.summary["updated"], again.summary["unchanged"]) == (0, 0, 988 + 17)
    assert Worker.history.count() == 988


def test_changed_row_updates_with_history_and_timeline(personas, tmp_path):
    rows = [worker_row(i) for i in range(20)]
    run_import(write_xlsx(tmp_path / "a.xlsx", rows), personas.county)
    rows[3]["就业状态"] = "就业" if rows[3]["就业状态"] != "就业" else "务农"
    rows[3]["失业登记日期"] = ""
    rows[3]["姓名"] = "新名字"
    _plan, summary = run_import(write_xlsx(tmp_path / "b.xlsx", rows), personas.county)
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (0, 1, 19)
    worker = Worker.objects.get(name="新名字")
    assert [h.history_type for h in worker.history.order_by("history_date", "history_id")] == ["+", "~"]
    assert worker.history.first().name == "新名字"
    kinds = set(worker.timeline.values_list("kind", flat=True))
    assert {TimelineKind.STATUS, TimelineKind.IMPORTED} <= kinds
    update = AuditEvent.objects.get(action="update", object_id=str(worker.pk))
    assert update.changes["name"][1] == "新名字"


def test_town_officer_cannot_import_or_update_outside_their_street(personas, tmp_path):
    outsider = make_worker(residence="350581002000", id_number=id_for(9001))
    rows = [
        worker_row(1, street="350581001"),
        worker_row(2, street="350581002"),  # a new person in the next street
        worker_row(9001, street="350581001"),  # an existing person of the next street
    ]
    plan, summary = run_import(write_xlsx(tmp_path / "t.xlsx", rows), personas.town)
    assert (summary["created"], summary["rejected"]) == (1, 2)
    # Row 4's person is held in the next street: refused on the ID number, neutrally (issue 9).
    assert {(e.row, e.column) for e in plan.errors} == {(3, "现居住地区划代码"), (4, "公民身份号码")}
    outsider.refresh_from_db()
    assert outsider.residence_region_id == "350581002000"
    # The colleague of the other street may import the same person.
    _plan, summary = run_import(write_xlsx(tmp_path / "t2.xlsx", [worker_row(2, street="350581002")]), personas.town2)
    assert summary["created"] == 1


def test_households_are_joined_created_once_and_never_crossed(personas, tmp_path, monkeypatch):
    """Across parts: a number used by another area's household is refused; a stored household
    of the user's area is joined; a new number shared by rows of different parts makes one
    household."""
    monkeypatch.setattr(imports, "BATCH", 2)
    lan = Household.objects.create(household_no="H-LAN-1", region_id="141127100000")
    home = Household.objects.create(household_no="H-SS-1", region_id="350581001000")
    rows = [worker_row(i, 户编号=no, 与户主关系="户主" if i in (0, 2) else "子女")
            for i, no in enumerate(["H-NEW-1", "H-LAN-1", "H-SS-1", "H-SS-1", "H-NEW-1"])]
    with CaptureQueriesContext(connection) as queries:
        plan = import_book(read_workbook(write_xlsx(tmp_path / "h.xlsx", rows)), actor=personas.county)
    # Each number is looked up once, by the check; the write reuses what it found.
    lookups = [q["sql"] for q in queries.captured_queries if 'FROM "registry_household" WHERE "household_no" IN' in q["sql"]]
    assert len(lookups) == 2
    assert (plan.summary["created"], plan.summary["rejected"]) == (4, 1)
    assert [(e.row, e.column) for e in plan.errors] == [(3, "户编号")]
    assert Household.objects.count() == 3 and not lan.members.exists()
    assert home.members.count() == 2
    assert Household.objects.get(household_no="H-NEW-1").members.count() == 2


def test_certificates_sheet_rules(personas, tmp_path):
    stored = make_worker(residence="350581001000", id_number=id_for(500))
    elsewhere = make_worker(residence="141127100000", id_number=id_for(501))
    workers = [worker_row(1), worker_row(2, 姓名="")]  # row 3 is rejected
    certs = [
        certificate_row(1, id_for(1)),  # holder in the sheet: ok
        certificate_row(2, id_for(500)),  # holder already in the ledger: ok
        certificate_row(3, id_for(2)),  # holder's row rejected, not in the ledger
        certificate_row(4, id_for(501)),  # holder outside jurisdiction
        certificate_row(5, id_for(1), 证书编号="DUP"),
        certificate_row(6, id_for(1), 证书编号="DUP"),
        certificate_row(7, id_for(1), 等级=""),  # grade required for this kind
    ]
    plan, summary = run_import(write_xlsx(tmp_path / "c.xlsx", workers, certs), personas.county)
    errors = {(e.sheet, e.row, e.column) for e in plan.errors}
    assert errors == {("人员", 3, "姓名"), ("证书", 4, "公民身份号码"), ("证书", 5, "公民身份号码"),
                      ("证书", 6, "证书编号"), ("证书", 7, "证书编号"), ("证书", 8, "等级")}
    assert summary["sheets"]["certificates"] == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 5}
    assert set(Certificate.objects.values_list("worker__name", flat=True)) >= {stored.name}
    assert not Certificate.objects.filter(worker=elsewhere).exists()
    _plan, again = run_import(write_xlsx(tmp_path / "c.xlsx", workers, certs), personas.county)
    assert again["sheets"]["certificates"]["unchanged"] == 2 and again["created"] == 0


def test_csv_encodings_english_headers_and_unknown_columns(personas, tmp_path):
    rows = [worker_row(i) for i in range(3)]
    for encoding in ("utf-8", "utf-8-sig", "gb18030"):
        path = write_csv(tmp_path / f"{encoding}.csv", rows, encoding=encoding)
        book = read_workbook(path)
        assert [r for _n, r in book.ledger["workers"].records()][0]["name"] == rows[0]["姓名"]
    from anju.registry.validation import WORKER_COLUMNS

    english = [{field: r.get(label, "") for field, label in WORKER_COLUMNS} | {"shoe_size": 42} for r in rows]
    path = tmp_path / "en.xlsx"
    import xlsxwriter

    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("workers")
    headers = list(reversed(list(english[0])))  # free column order
    ws.write_row(0, 0, headers)
    for r, row in enumerate(english, start=1):
        ws.write_row(r, 0, [row[h] for h in headers])
    wb.close()
    book = read_workbook(path)
    assert any("shoe_size" in w for w in book.warnings)
    _plan, summary = run_import(path, personas.county)
    assert summary["created"] == 3


def test_unreadable_files(tmp_path):
    (tmp_path / "fake.xlsx").write_text("not a zip")
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    (tmp_path / "bin.csv").write_bytes(b"\x00\x01\x02\xff\xfe")
    for name in ("fake.xlsx", "x.pdf", "bin.csv"):
        with pytest.raises(WorkbookError):
            read_workbook(tmp_path / name)


def test_error_report_copies_the_workbook_with_reasons(personas, tmp_path):
    rows = [worker_row(0), worker_row(1, 手机号码="123")]
    certs = [certificate_row(1, id_for(0))]
    path = write_xlsx(tmp_path / "r.xlsx", rows, certs)
    book = read_workbook(path)
    plan = plan_import(book, actor=personas.county)
    write_error_report(book, plan.reasons(), tmp_path / "r.errors.xlsx")
    report = openpyxl.load_workbook(tmp_path / "r.errors.xlsx")
    assert report.sheetnames == ["人员", "证书"]
    sheet = report["人员"]
    header = [c.value for c in sheet[1]]
    assert header[-1] == "错误原因" and header[0] == "姓名"
    assert sheet.max_row == 3
    assert sheet.cell(2, len(header)).value is None
    assert sheet.cell(3, len(header)).value.startswith("手机号码：手机号码应为 11 位")
    assert [c.value for c in report["证书"][2]][0] == id_for(0)


# The command ---------------------------------------------------------------------------------


def command(*args):
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("import-ledger", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = exc.code
    return code, json.loads(out.getvalue().strip().splitlines()[-1]), err.getvalue()


def test_command_exit_codes_json_and_dry_run(personas, tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", [worker_row(i) for i in range(5)])
    code, result, err = command(str(good), "--as", "t-county", "--dry-run")
    assert code == 0 and result["created"] == 5 and result["error_report"] is None
    assert Worker.objects.count() == 0 and not AuditEvent.objects.exists()
    assert "rows" in err

    code, result, _err = command(str(good), "--as", "t-county")
    assert code == 0
    assert {k: result[k] for k in ("created", "updated", "unchanged", "rejected")} == \
        {"created": 5, "updated": 0, "unchanged": 0, "rejected": 0}

    bad = write_xlsx(tmp_path / "bad.xlsx", [worker_row(i) for i in range(5)] + [worker_row(6, 姓名="")])
    code, result, _err = command(str(bad), "--as", "t-county")
    assert code == 3 and result["unchanged"] == 5 and result["rejected"] == 1
    assert result["error_report"] == str(tmp_path / "bad.errors.xlsx")
    report = openpyxl.load_workbook(result["error_report"])["人员"]
    assert [c.value for c in report[1]][-1] == "错误原因"
    assert report.cell(7, report.max_column).value.startswith("姓名：")

    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 broken")
    assert command(str(tmp_path / "broken.xlsx"), "--as", "t-county")[0] == 2
    assert command(str(tmp_path / "missing.csv"), "--as", "t-county")[0] == 2
    assert command(str(good), "--as", "nobody")[0] == 2
    assert command(str(good), "--as", "t-union")[0] == 2  # may not import


def test_gbk_and_bom_csv_import_exactly_as_the_same_rows_in_xlsx(personas, tmp_path):
    rows = [worker_row(i, street="350581001") for i in range(20)] + [worker_row(30, 手机号码="12")]
    xlsx = write_xlsx(tmp_path / "same.xlsx", rows)
    files = {"gbk": write_csv(tmp_path / "gbk.csv", rows, encoding="gbk"),
             "utf-8-sig": write_csv(tmp_path / "bom.csv", rows, encoding="utf-8-sig")}
    assert files["gbk"].read_bytes()[:2] != b"\xef\xbb" and files["utf-8-sig"].read_bytes()[:3] == b"\xef\xbb\xbf"

    def outcome(path):
        plan = plan_import(read_workbook(path), actor=personas.county)
        summary = {k: plan.summary[k] for k in ("created", "updated", "unchanged", "rejected")}
        created = sorted((r.row, tuple(sorted(r.data.items()))) for r in plan.workers.create)
        return summary, created, [(e.row, e.column, e.reason_zh) for e in plan.errors]

    expected = outcome(xlsx)
    assert expected[0] == {"created": 20, "updated": 0, "unchanged": 0, "rejected": 1}
    for path in files.values():
        assert outcome(path) == expected
    # Imported from the GBK file, the ledger is what the workbook describes: nothing left to do.
    import_book(read_workbook(files["gbk"]), actor=personas.county)
    again = plan_import(read_workbook(xlsx), actor=personas.county).summary
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 20)


def test_command_refuses_a_bomb_workbook_within_seconds(personas, tmp_path, settings):
    import time

    from anju.lib.tests.test_sheets import bomb

    started = time.monotonic()
    code, result, err = command(str(bomb(tmp_path / "bomb.xlsx", "XFD1048576")), "--as", "t-county")
    assert code == 2 and "超出导入上限" in result["error"] and time.monotonic() - started < 5
    settings.ANJU_IMPORT_MAX_ROWS = 3
    code, result, _err = command(str(write_xlsx(tmp_path / "long.xlsx", [worker_row(i) for i in range(20)])),
                                 "--as", "t-county")
    assert code == 2 and "导入上限为 3 行" in result["error"] and not Worker.objects.exists()
