"""Seekers: made from the ledger, kept in step with it, edited (audited), indexed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from anju.accounts.models import Role
from anju.accounts.tests.factories import UserFactory
from anju.audit.models import AuditEvent
from anju.employment import seekers
from anju.employment.models import Seeker, SeekerTerm
from anju.employment.services import EmploymentError
from anju.registry.models import Certificate
from anju.registry.tests.factories import make_worker

pytestmark = pytest.mark.django_db
TOWN = "350581001000"


def terms(worker) -> set[str]:
    return set(SeekerTerm.objects.filter(seeker_id=worker.pk).values_list("term", flat=True))


def test_seeker_is_made_from_the_ledger_with_its_occupation_and_range():
    w = make_worker(residence=TOWN, desired_occupation="烧焊", skills="会氩弧焊", expected_salary=Decimal("5000"))
    s = seekers.seeker_for(w)
    assert s.occupation.key == "welder" and s.pay_floor == Decimal("5000")
    assert s.work_range == Seeker.Range.COUNTY and s.range_prefix == "350581" and s.region_code == TOWN
    assert s.birth_date == w.birth_date and s.active
    assert {"烧焊", "电焊工", "氩弧焊", "二保焊"} <= terms(w)
    assert s.doc_len > 0


def test_range_follows_the_desired_region_and_the_chosen_range():
    assert seekers.range_prefix("county", TOWN) == "350581"
    assert seekers.range_prefix("county", TOWN, "141127100000") == "141127"
    assert seekers.range_prefix("town", TOWN) == "350581001"
    assert seekers.range_prefix("city", TOWN) == "3505"
    assert seekers.range_prefix("province", TOWN) == "35"
    assert seekers.range_prefix("any", TOWN) == ""


def test_a_ledger_edit_refreshes_the_seeker(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        w = make_worker(residence=TOWN, desired_occupation="保洁")
    assert Seeker.objects.get(pk=w.pk).occupation.key == "cleaner"  # made on commit: the worker is seeking
    w.desired_occupation = "开铲车"
    w.save()
    s = Seeker.objects.get(pk=w.pk)
    assert s.occupation.key == "loader-driver" and "装载机司机" in terms(w) and "保洁" not in terms(w)
    w.employment_status = "employed"
    w.save()
    assert not Seeker.objects.get(pk=w.pk).active


def test_a_ledger_import_indexes_the_seekers_it_adds_or_changes(tmp_path, django_capture_on_commit_callbacks):
    """The workbook import writes in bulk (no per-worker signal): once it commits it enqueues
    index_stale_seekers, which makes the new seekers and re-reads the changed ones."""
    from django_tasks_db.models import DBTaskResult

    from anju.employment.tasks import index_stale_seekers
    from anju.registry.imports import ledger_import, plan_import
    from anju.registry.models import Worker
    from anju.registry.tests.workbook_data import worker_row, write_xlsx
    from anju.registry.workbook import read_workbook

    county = UserFactory(username="s-county", role=Role.COUNTY_OFFICER, jurisdiction="350581")
    rows = [worker_row(i, 就业状态="失业", 求职意向工种="烧焊") for i in range(3)]
    path = write_xlsx(tmp_path / "ledger.xlsx", rows)
    with django_capture_on_commit_callbacks(execute=True):
        ledger_import(actor=county, plan=plan_import(read_workbook(path), actor=county))
    assert DBTaskResult.objects.filter(task_path__endswith="index_stale_seekers").count() == 1
    assert not Seeker.objects.exists()  # not yet: the task runs in the worker
    index_stale_seekers.call()
    ids = list(Worker.objects.values_list("pk", flat=True))
    assert len(ids) == 3
    assert sorted(Seeker.objects.values_list("pk", flat=True)) == sorted(ids)
    assert all(Seeker.objects.get(pk=pk).occupation.key == "welder" for pk in ids)


def test_an_employed_worker_gets_no_seeker_until_asked():
    w = make_worker(residence=TOWN, desired_occupation="电工", employment_status="employed")
    assert not Seeker.objects.filter(pk=w.pk).exists()
    assert not seekers.seeker_for(w).active


def test_certificates_from_the_ledger_and_entered_are_indexed():
    w = make_worker(residence=TOWN, desired_occupation="电工")
    Certificate.objects.create(worker=w, kind="vocational_qualification", occupation="电工", certificate_no="E-1")
    seekers.refresh([w.pk])
    assert "证:电工" in terms(w)
    officer = UserFactory(username="s-town", role=Role.TOWN_OFFICER, jurisdiction="350581001")
    s = seekers.seeker_update(actor=officer, worker=w, data={
        "certificates": "叉车证，焊工证", "work_range": "city", "available_from": dt.date(2027, 1, 1),
        "physical": "medium", "active": True})
    assert s.certificates == "叉车证、焊工证" and s.range_prefix == "3505" and s.physical == "medium"
    assert {"证:电工", "证:叉车", "证:焊工"} <= terms(w)
    event = AuditEvent.objects.get(object_type__icontains="seeker", object_id=str(w.pk))
    assert "work_range" in event.changes


@pytest.mark.parametrize(("data", "field"), [({"work_range": "moon"}, "work_range"), ({"physical": "x"}, "physical"),
                                             ({"certificates": "证" * 301}, "certificates")])
def test_bad_seeker_edits_are_refused_and_change_nothing(data, field):
    w = make_worker(residence=TOWN, desired_occupation="电工")
    officer = UserFactory(username="s-town", role=Role.TOWN_OFFICER, jurisdiction="350581001")
    before = seekers.seeker_for(w)
    with pytest.raises(EmploymentError) as caught:
        seekers.seeker_update(actor=officer, worker=w, data=data)
    assert caught.value.field == field
    after = Seeker.objects.get(pk=w.pk)
    assert (after.work_range, after.physical, after.certificates) == (before.work_range, before.physical,
                                                                      before.certificates)
    assert not AuditEvent.objects.filter(object_type__icontains="seeker").exists()


def test_an_officer_elsewhere_may_not_edit():
    w = make_worker(residence=TOWN, desired_occupation="电工")
    other = UserFactory(username="s-lan", role=Role.COUNTY_OFFICER, jurisdiction="141127")
    with pytest.raises(EmploymentError):
        seekers.seeker_update(actor=other, worker=w, data={"work_range": "any"})
    assert seekers.seeker_for(w).work_range == "county"


def test_index_seekers_command_makes_missing_and_stale_seekers(capsys):
    w = make_worker(residence=TOWN, desired_occupation="木匠")
    Seeker.objects.filter(pk=w.pk).delete()
    call_command("index-seekers")
    assert Seeker.objects.get(pk=w.pk).occupation.key == "carpenter"
    assert "seekers indexed" in capsys.readouterr().out
    SeekerTerm.objects.filter(seeker_id=w.pk).delete()
    call_command("index-seekers", "--all")
    assert "木匠" in terms(w)
