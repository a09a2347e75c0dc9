"""The deadline engine: dates from the calendar, pause and resume, the sweep, who may close."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse

from anju.accounts.models import DepartmentKind, Role
from anju.audit.models import AuditEvent
from anju.workflow import services
from anju.workflow.models import Alert, Message, TaskState, WorkTask
from anju.workflow.selectors import open_counts, queue_for_user, supervised_tasks

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db
ASSIGN = services.Assignment(step="test.visit", department_kind=DepartmentKind.TOWN_STATION,
                             role=Role.TOWN_OFFICER, working_days=10, supervisor_role=Role.COUNTY_OFFICER)


def at(y, m, d, h=9):
    return dt.datetime(y, m, d, h, tzinfo=SH)


def open_task(personas, *, opened_at, region="350581001000", assignment=ASSIGN, subject_id=1):
    return services.task_open(actor=personas.county, assignment=assignment, subject_type="test.thing",
                              subject_id=subject_id, subject_label=f"对象{subject_id}", region_code=region,
                              opened_at=opened_at)


def test_due_date_skips_national_day(personas):
    # Opened Tuesday 2025-09-30; 1–8 October off, Saturday 11 October worked.
    task = open_task(personas, opened_at=at(2025, 9, 30))
    # Working days: 9, 10, 11 (Saturday), 13, 14, 15, 16, 17, 20, 21 October.
    assert task.due_on == dt.date(2025, 10, 21)
    assert task.warn_on == dt.date(2025, 10, 16)  # 7th working day
    assert task.urgent_on == dt.date(2025, 10, 20)  # 9th
    assert not task.calendar_fallback


def test_warning_points_are_regional_parameters(personas):
    from decimal import Decimal

    from anju.params.services import parameter_set

    # Jinjiang (350582) warns at half the time from 2025 on; Shishi keeps the national 70 %.
    parameter_set(actor=personas.county, name="workflow_warn_ratio", region_prefix="350582",
                  valid_from=dt.date(2025, 1, 1), value=Decimal("0.5"), source="晋江督办办法")
    # A county that sets no urgent point gets none: the value is empty, not a guess.
    parameter_set(actor=personas.county, name="workflow_urgent_ratio", region_prefix="350582",
                  valid_from=dt.date(2025, 1, 1), value=None, source="未规定")
    jinjiang = open_task(personas, opened_at=at(2025, 9, 30), region="350582100000", subject_id=2)
    shishi = open_task(personas, opened_at=at(2025, 9, 30), subject_id=3)
    assert jinjiang.warn_on == dt.date(2025, 10, 14)  # 5th working day
    assert jinjiang.urgent_on is None
    assert shishi.warn_on == dt.date(2025, 10, 16)
    built = list(services.tasks_build_many(
        assignment=ASSIGN, opened_at=at(2025, 9, 30),
        subjects=[("test.thing", 4, "甲", "350582100000"), ("test.thing", 5, "乙", "350581001000")]))
    assert [(t.warn_on, t.urgent_on) for t in built] == [
        (dt.date(2025, 10, 14), None), (dt.date(2025, 10, 16), dt.date(2025, 10, 20))]


def test_fallback_year_is_flagged(personas):
    task = open_task(personas, opened_at=at(2026, 12, 24))
    assert task.calendar_fallback  # runs into 2027, which nobody has entered


def test_pause_and_resume_move_the_deadline_by_the_working_days_paused(personas):
    task = open_task(personas, opened_at=at(2026, 3, 2))  # Monday
    assert task.due_on == dt.date(2026, 3, 16)
    task = services.task_pause(actor=personas.town, task=task, reason="等待补充材料")
    # Paused Monday 2 March, resumed Thursday 5 March: 3 working days.
    pause = task.pauses.get()
    pause.paused_at = at(2026, 3, 2, 10)
    pause.save()
    task = _resume_on(personas, task, at(2026, 3, 5, 15))
    assert task.due_on == dt.date(2026, 3, 19)
    assert task.warn_on == dt.date(2026, 3, 16)
    assert task.pauses.get().working_days == 3
    assert task.state == TaskState.OPEN


def _resume_on(personas, task, when):
    from unittest import mock

    with mock.patch("django.utils.timezone.now", return_value=when):
        return services.task_resume(actor=personas.town, task=task)


def test_pause_same_day_moves_nothing(personas):
    task = open_task(personas, opened_at=at(2026, 3, 2))
    task = services.task_pause(actor=personas.town, task=task, reason="暂停")
    task = services.task_resume(actor=personas.town, task=task)
    assert task.due_on == dt.date(2026, 3, 16)


def test_only_the_named_role_and_jurisdiction_close(personas):
    task = open_task(personas, opened_at=at(2026, 3, 2))
    for outsider in (personas.town2, personas.county, personas.lanxian, personas.admin, personas.union):
        with pytest.raises(services.TaskError):
            services.task_close(actor=outsider, task=task, outcome="办结")
    services.task_close(actor=personas.town, task=task, outcome="已核实")
    task.refresh_from_db()
    assert task.state == TaskState.DONE and task.closed_by == personas.town
    with pytest.raises(services.TaskError):
        services.task_close(actor=personas.town, task=task, outcome="再次")
    assert AuditEvent.objects.filter(object_type="worktask", object_id=str(task.pk)).count() == 2


def test_queue_and_supervisor_counts_show_overdue(personas):
    late = open_task(personas, opened_at=at(2026, 1, 5), subject_id=1)
    fresh = open_task(personas, opened_at=at(2026, 11, 30), subject_id=2)
    open_task(personas, opened_at=at(2026, 1, 5), region="350581002000", subject_id=3)
    queue = list(queue_for_user(personas.town))
    assert queue == [late, fresh]  # oldest first; the other street's task is not here
    assert list(queue_for_user(personas.county)) == []  # not theirs to do
    on = dt.date(2026, 12, 1)
    by_town = {r["town"]: r for r in open_counts(supervised_tasks(personas.county), "town", on=on)}
    assert by_town["350581001"]["open"] == 2 and by_town["350581001"]["overdue"] == 1
    assert by_town["350581002"]["overdue"] == 1
    assert open_counts(supervised_tasks(personas.town), "town", on=on) == []  # not a supervisor
    assert open_counts(supervised_tasks(personas.lanxian), "town", on=on) == []


def test_sweep_warns_escalates_once(personas):
    task = open_task(personas, opened_at=at(2026, 3, 2))  # due 16 March
    counts = services.deadlines_sweep(on=dt.date(2026, 3, 11))  # 7th working day
    assert counts["warning"] == 1
    assert Message.objects.filter(recipient=personas.town, kind="task.warning").count() == 1
    counts = services.deadlines_sweep(on=dt.date(2026, 3, 17))
    task.refresh_from_db()
    assert task.alert == Alert.ESCALATED and counts["overdue"] == 1 and counts["escalated"] == 1
    # The town officer is told once (overdue), not once per level skipped; the county escalated.
    assert Message.objects.filter(recipient=personas.town, kind="task.overdue").count() == 1
    assert Message.objects.filter(recipient=personas.town, kind="task.urgent").count() == 0
    assert Message.objects.filter(recipient=personas.county, kind="task.escalated").count() == 1
    assert Message.objects.filter(recipient=personas.lanxian).count() == 0
    before = Message.objects.count()  # warning and overdue to the street, escalations to county and city
    assert before == 4
    services.deadlines_sweep(on=dt.date(2026, 3, 18))
    assert Message.objects.count() == before  # idempotent


def test_paused_task_is_not_swept(personas):
    task = open_task(personas, opened_at=at(2026, 3, 2))
    services.task_pause(actor=personas.town, task=task, reason="等待")
    services.deadlines_sweep(on=dt.date(2026, 4, 1))
    task.refresh_from_db()
    assert task.alert == Alert.NONE


def test_queue_page_and_pause_form(client, personas):
    task = open_task(personas, opened_at=at(2026, 1, 5))
    client.force_login(personas.town)
    page = client.get(reverse("workflow:queue"))
    assert page.status_code == 200 and "对象1" in page.content.decode() and 'data-testid="overdue"' in page.content.decode()
    assert client.post(reverse("workflow:task_pause", args=[task.pk]), {"reason": ""}).status_code == 302
    task.refresh_from_db()
    assert task.state == TaskState.OPEN  # no reason, no pause
    client.post(reverse("workflow:task_pause", args=[task.pk]), {"reason": "等待补充材料"})
    task.refresh_from_db()
    assert task.state == TaskState.PAUSED
    client.force_login(personas.town2)
    assert client.post(reverse("workflow:task_resume", args=[task.pk])).status_code == 404
    client.force_login(personas.county)
    assert client.get(reverse("workflow:supervise")).status_code == 200
    client.force_login(personas.town)
    assert client.get(reverse("workflow:supervise")).status_code == 403


def test_queue_page_query_count(client, personas, django_assert_max_num_queries):
    for i in range(60):
        open_task(personas, opened_at=at(2026, 1, 5), subject_id=i)
    client.force_login(personas.town)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("workflow:queue")).status_code == 200


def test_workdays_command(capsys):
    call_command("workdays", "add", "2026-02-13", "1")
    assert capsys.readouterr().out.strip() == "2026-02-14"
    call_command("workdays", "between", "2025-09-30", "2025-10-09")
    assert capsys.readouterr().out.strip() == "1"
    call_command("workdays", "add", "2026-12-30", "3")
    out = capsys.readouterr()
    assert out.out.strip() == "2027-01-04" and "2027" in out.err


def test_tasks_open_many_share_dates(personas):
    tasks = services.tasks_build_many(assignment=ASSIGN, subjects=[("t", i, f"x{i}", "350581001000") for i in range(3)],
                                      opened_at=at(2026, 3, 2))
    assert services.tasks_open(tasks) == 3
    assert set(WorkTask.objects.values_list("due_on", flat=True)) == {dt.date(2026, 3, 16)}
