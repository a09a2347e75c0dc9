"""The hotline ticket's moves: its clocks exact across rest days, holidays, make-up days and a
pause; every move of the state machine and its refusals (wrong user, wrong state, stale version);
return, reassignment, merging and reopening on an unhappy call-back."""

from __future__ import annotations

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from anju.audit.models import AuditEvent
from anju.lib.versioning import VersionConflict
from anju.rights import hotline
from anju.rights import registrations as steps
from anju.rights.models import Ticket, TicketCategory, TicketStatus
from anju.rights.services import Complainant, RightsError, case_create, ticket_create
from anju.rights.tests.factories import id_number, rights_personas
from anju.workflow.models import CalendarDay, CalendarYear, DayKind, Message, TaskState, WorkTask

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(y, m, d, h=9):
    return dt.datetime(y, m, d, h, tzinfo=SH)


@pytest.fixture
def p():
    return rights_personas()


def make_ticket(p, *, category="arrears", created_at=None, subject="工地欠薪三个月", region="350581001000"):
    return ticket_create(actor=p.desk, channel="phone", category=TicketCategory.objects.get(code=category),
                         region=region, subject=subject, description="石狮某工地拖欠工资", caller_name="张三",
                         phone="13800138000", created_at=created_at)


def tasks(ticket, step=None, state=None):
    qs = WorkTask.objects.filter(subject_type="ticket", subject_id=ticket.pk).order_by("id")
    if step:
        qs = qs.filter(step=step)
    if state:
        qs = qs.filter(state=state)
    return list(qs)


def one_open(ticket, step):
    (task,) = tasks(ticket, step, TaskState.OPEN) or tasks(ticket, step, TaskState.PAUSED)
    return task


def on(when, call, **kwargs):
    """A move made at `when` (the engine reads the clock; nothing else is faked)."""
    with mock.patch("django.utils.timezone.now", return_value=when):
        return call(**kwargs)


def through_contact(p, ticket):
    ticket = hotline.ticket_dispatch(actor=p.desk, ticket=ticket, expected_version=ticket.version)
    return hotline.ticket_contact(actor=p.inspector, ticket=ticket, note="已电话联系", expected_version=ticket.version)


def test_clock_is_exact_across_a_weekend_a_holiday_a_makeup_day_and_a_pause(p):
    # March 2031, entered by hand: Saturday the 8th is worked (调休), Monday the 10th is a holiday.
    CalendarDay.objects.filter(date__year=2031).delete()
    CalendarYear.objects.get_or_create(year=2031, defaults={"source": "测试安排"})
    CalendarDay.objects.create(date=dt.date(2031, 3, 8), kind=DayKind.MAKEUP, name="调休上班")
    CalendarDay.objects.create(date=dt.date(2031, 3, 10), kind=DayKind.HOLIDAY, name="测试节")

    # A wage-arrears call on Friday 7 March (dispatch 1, contact 2, resolve 5 working days).
    ticket = make_ticket(p, created_at=at(2031, 3, 7, 10))
    dispatch = one_open(ticket, steps.TICKET_DISPATCH)
    assert dispatch.due_on == dt.date(2031, 3, 8)  # the worked Saturday
    assert not dispatch.calendar_fallback

    ticket = on(at(2031, 3, 7, 15), hotline.ticket_dispatch, actor=p.desk, ticket=ticket)
    contact, resolve = one_open(ticket, steps.TICKET_CONTACT), one_open(ticket, steps.TICKET_RESOLVE)
    assert contact.due_on == dt.date(2031, 3, 11)  # Sat 8, (Sun 9, holiday 10), Tue 11
    assert resolve.due_on == dt.date(2031, 3, 14)  # 8, 11, 12, 13, 14
    assert resolve.limit_text == "5 个工作日"

    ticket = on(at(2031, 3, 12, 10), hotline.ticket_contact, actor=p.inspector, ticket=ticket)
    # Paused Thursday 13 to Monday 17: Friday 14 and Monday 17 stood still (the weekend is rest).
    ticket = on(at(2031, 3, 13, 10), hotline.ticket_pause, actor=p.inspector, ticket=ticket,
                reason_kind=hotline.PAUSE_CALLER, note="请补充工资条")
    assert ticket.status == TicketStatus.PAUSED
    ticket = on(at(2031, 3, 17, 9), hotline.ticket_resume, actor=p.inspector, ticket=ticket)
    resolve.refresh_from_db()
    assert resolve.due_on == dt.date(2031, 3, 18)
    pause = resolve.pauses.get()
    assert pause.working_days == 2 and pause.reason.startswith("等待来电人补充材料")
    assert ticket.events.filter(kind="resumed").get().data["days"] == 2

    # Replied on the moved due day: on time; the desk's call-back clock runs 3 working days.
    ticket = on(at(2031, 3, 18, 16), hotline.ticket_reply, actor=p.inspector, ticket=ticket, reply="已责令支付")
    assert ticket.replied_on_time is True
    assert one_open(ticket, steps.TICKET_CALLBACK).due_on == dt.date(2031, 3, 21)


def test_a_late_reply_is_not_on_time(p):
    ticket = make_ticket(p, created_at=at(2031, 3, 3))
    ticket = on(at(2031, 3, 3, 10), hotline.ticket_dispatch, actor=p.desk, ticket=ticket)
    due = one_open(ticket, steps.TICKET_RESOLVE).due_on
    ticket = on(dt.datetime.combine(due + dt.timedelta(days=1), dt.time(10), SH), hotline.ticket_reply,
                actor=p.inspector, ticket=ticket, reply="答复")
    assert ticket.replied_on_time is False


def test_the_whole_path_to_a_satisfied_close(p):
    from anju.accounts.tests.factories import UserFactory

    colleague = UserFactory(username="r-desk2", role="union", jurisdiction="350581", department=p.desk.department)
    ticket = make_ticket(p)
    ticket = hotline.ticket_dispatch(actor=p.desk, ticket=ticket, note="确认由监察承办", expected_version=ticket.version)
    assert ticket.status == TicketStatus.DISPATCHED and ticket.version == 2
    assert tasks(ticket, steps.TICKET_DISPATCH)[0].state == TaskState.DONE
    assert {t.step for t in tasks(ticket, state=TaskState.OPEN)} == {steps.TICKET_CONTACT, steps.TICKET_RESOLVE}
    # The lead's users are told, and the union as co-handler of wage arrears.
    assert Message.objects.filter(recipient=p.inspector, kind="rights.ticket_dispatched").exists()
    assert Message.objects.filter(recipient=p.county, kind="rights.ticket_dispatched").count() == 0
    assert not Message.objects.filter(recipient=p.desk).exists()  # the actor is not told of their own move
    assert Message.objects.filter(recipient=colleague, kind="rights.ticket_cohandle").count() == 1

    ticket = hotline.ticket_contact(actor=p.inspector, ticket=ticket, expected_version=ticket.version)
    assert ticket.status == TicketStatus.IN_PROGRESS and ticket.contacted_at
    hotline.ticket_note(actor=p.inspector, ticket=ticket, text="已约谈项目负责人")
    ticket = hotline.ticket_reply(actor=p.inspector, ticket=ticket, reply="企业已承诺本周支付",
                                  expected_version=ticket.version)
    assert ticket.status == TicketStatus.REPLIED and ticket.replied_on_time is True
    assert Message.objects.filter(recipient=p.desk, kind="rights.ticket_replied").exists()
    ticket = hotline.ticket_callback(actor=p.desk, ticket=ticket, satisfaction=5, note="满意",
                                     expected_version=ticket.version)
    assert ticket.status == TicketStatus.CLOSED and ticket.satisfaction == 5 and ticket.closed_at
    assert not tasks(ticket, state=TaskState.OPEN)
    assert list(ticket.events.values_list("kind", flat=True)) == [
        "created", "dispatched", "contacted", "note", "replied", "callback", "closed"]
    assert AuditEvent.objects.filter(object_type="ticket", object_id=str(ticket.pk)).count() == 6


def test_the_desk_may_send_it_to_another_department(p):
    ticket = make_ticket(p)
    ticket = hotline.ticket_dispatch(actor=p.desk, ticket=ticket, department_kind="town_station",
                                     role="town_officer", expected_version=ticket.version)
    assert (ticket.lead_department_kind, ticket.lead_role) == ("town_station", "town_officer")
    assert one_open(ticket, steps.TICKET_CONTACT).role == "town_officer"
    assert Message.objects.filter(recipient=p.town, kind="rights.ticket_dispatched").exists()
    assert hotline.ticket_contact(actor=p.town, ticket=ticket).status == TicketStatus.IN_PROGRESS


def test_dispatch_to_a_department_without_staff_is_refused(p):
    ticket = make_ticket(p)
    with pytest.raises(RightsError) as exc:
        hotline.ticket_dispatch(actor=p.desk, ticket=ticket, department_kind="civil_affairs", role="civil_affairs")
    assert exc.value.field == "department_kind"
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW and one_open(ticket, steps.TICKET_DISPATCH)


@pytest.mark.parametrize("who", ["inspector", "town", "lan_inspector", "contractor"])
def test_only_the_desk_dispatches(p, who):
    ticket = make_ticket(p)
    with pytest.raises(RightsError) as exc:
        hotline.ticket_dispatch(actor=getattr(p, who), ticket=ticket)
    assert exc.value.code == "forbidden"
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW and ticket.version == 1


def test_only_the_lead_contacts_pauses_and_replies(p):
    ticket = hotline.ticket_dispatch(actor=p.desk, ticket=make_ticket(p))
    for actor in (p.desk, p.county, p.town, p.lan_inspector):
        for move, extra in ((hotline.ticket_contact, {}), (hotline.ticket_reply, {"reply": "答复"})):
            with pytest.raises(RightsError) as exc:
                move(actor=actor, ticket=ticket, **extra)
            assert exc.value.code == "forbidden"
    ticket = hotline.ticket_contact(actor=p.inspector, ticket=ticket)
    with pytest.raises(RightsError):
        hotline.ticket_pause(actor=p.desk, ticket=ticket, reason_kind=hotline.PAUSE_MEDIATION)
    with pytest.raises(RightsError):
        hotline.ticket_callback(actor=p.inspector, ticket=ticket, satisfaction=5)


def test_moves_out_of_order_are_refused(p):
    ticket = make_ticket(p)
    cases = [
        (hotline.ticket_contact, {"actor": p.inspector}),
        (hotline.ticket_pause, {"actor": p.inspector, "reason_kind": hotline.PAUSE_CALLER}),
        (hotline.ticket_resume, {"actor": p.inspector}),
        (hotline.ticket_callback, {"actor": p.desk, "satisfaction": 5}),
        (hotline.ticket_return, {"actor": p.inspector, "reason": "非本部门"}),
    ]
    for move, kwargs in cases:
        with pytest.raises(RightsError) as exc:
            move(ticket=ticket, **kwargs)
        assert exc.value.code == "wrong_state", move
    ticket = hotline.ticket_dispatch(actor=p.desk, ticket=ticket)
    with pytest.raises(RightsError) as exc:
        hotline.ticket_dispatch(actor=p.desk, ticket=ticket)
    assert exc.value.code == "wrong_state"
    with pytest.raises(RightsError) as exc:  # first contact before a pause
        hotline.ticket_pause(actor=p.inspector, ticket=ticket, reason_kind=hotline.PAUSE_CALLER)
    assert "待联系" in exc.value.text()


def test_bad_input_is_refused(p):
    ticket = through_contact(p, make_ticket(p))
    with pytest.raises(RightsError) as exc:
        hotline.ticket_pause(actor=p.inspector, ticket=ticket, reason_kind="holiday")
    assert exc.value.field == "reason_kind"
    with pytest.raises(RightsError) as exc:
        hotline.ticket_reply(actor=p.inspector, ticket=ticket, reply="  ")
    assert exc.value.field == "reply"
    with pytest.raises(RightsError) as exc:
        hotline.ticket_reply(actor=p.inspector, ticket=ticket, reply="答复", knowledge_ids=[999999])
    assert exc.value.field == "knowledge"
    ticket = hotline.ticket_reply(actor=p.inspector, ticket=ticket, reply="答复")
    for score in (0, 6, "x", None):
        with pytest.raises(RightsError) as exc:
            hotline.ticket_callback(actor=p.desk, ticket=ticket, satisfaction=score)
        assert exc.value.field == "satisfaction"


def test_a_stale_version_is_refused(p):
    ticket = make_ticket(p)
    stale = ticket.version
    hotline.ticket_dispatch(actor=p.desk, ticket=ticket, expected_version=stale)
    with pytest.raises(VersionConflict):
        hotline.ticket_contact(actor=p.inspector, ticket=ticket, expected_version=stale)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DISPATCHED


def test_pause_and_resume_are_logged(p):
    ticket = through_contact(p, make_ticket(p))
    ticket = hotline.ticket_pause(actor=p.inspector, ticket=ticket, reason_kind=hotline.PAUSE_MEDIATION,
                                  note="已转人民调解", expected_version=ticket.version)
    resolve = one_open(ticket, steps.TICKET_RESOLVE)
    assert resolve.state == TaskState.PAUSED and resolve.pauses.get().reason == "等待调解结果：已转人民调解"
    with pytest.raises(RightsError):  # paused already
        hotline.ticket_pause(actor=p.inspector, ticket=ticket, reason_kind=hotline.PAUSE_CALLER)
    ticket = hotline.ticket_resume(actor=p.inspector, ticket=ticket, expected_version=ticket.version)
    assert ticket.status == TicketStatus.IN_PROGRESS
    assert list(ticket.events.filter(kind__in=["paused", "resumed"]).values_list("kind", flat=True)) == [
        "paused", "resumed"]


def test_a_reply_while_paused_ends_the_pause(p):
    ticket = through_contact(p, make_ticket(p))
    ticket = hotline.ticket_pause(actor=p.inspector, ticket=ticket, reason_kind=hotline.PAUSE_CALLER)
    ticket = hotline.ticket_reply(actor=p.inspector, ticket=ticket, reply="材料已补齐，已处理")
    resolve = tasks(ticket, steps.TICKET_RESOLVE)[0]
    assert resolve.state == TaskState.DONE and resolve.pauses.get().resumed_at
    assert ticket.status == TicketStatus.REPLIED


def test_a_reply_before_contact_counts_as_the_contact(p):
    ticket = hotline.ticket_dispatch(actor=p.desk, ticket=make_ticket(p))
    ticket = hotline.ticket_reply(actor=p.inspector, ticket=ticket, reply="当场答复")
    assert ticket.contacted_at and tasks(ticket, steps.TICKET_CONTACT)[0].state == TaskState.DONE


def test_the_lead_returns_a_ticket_that_is_not_theirs(p):
    ticket = through_contact(p, make_ticket(p))
    with pytest.raises(RightsError):
        hotline.ticket_return(actor=p.inspector, ticket=ticket, reason="")
    with pytest.raises(RightsError) as exc:
        hotline.ticket_return(actor=p.desk, ticket=ticket, reason="不是我们的")
    assert exc.value.code == "forbidden"
    ticket = hotline.ticket_return(actor=p.inspector, ticket=ticket, reason="属劳动争议，应由调解组织办理",
                                   expected_version=ticket.version)
    assert ticket.status == TicketStatus.NEW and ticket.contacted_at is None
    assert {t.state for t in tasks(ticket, steps.TICKET_RESOLVE)} == {TaskState.RETURNED}
    assert len(tasks(ticket, steps.TICKET_DISPATCH, TaskState.OPEN)) == 1
    assert Message.objects.filter(recipient=p.desk, kind="rights.ticket_returned").exists()
    ticket = hotline.ticket_dispatch(actor=p.desk, ticket=ticket, department_kind="trade_union", role="union")
    assert ticket.status == TicketStatus.DISPATCHED


def test_the_desk_reassigns_to_another_department(p):
    ticket = through_contact(p, make_ticket(p))
    with pytest.raises(RightsError) as exc:
        hotline.ticket_reassign(actor=p.inspector, ticket=ticket, department_kind="hrss", role="county_officer",
                                reason="改由人社局办理")
    assert exc.value.code == "forbidden"
    with pytest.raises(RightsError):
        hotline.ticket_reassign(actor=p.desk, ticket=ticket, department_kind="hrss", role="inspector", reason="同一")
    ticket = hotline.ticket_reassign(actor=p.desk, ticket=ticket, department_kind="hrss", role="county_officer",
                                     reason="涉及多部门，由人社局牵头", expected_version=ticket.version)
    assert ticket.status == TicketStatus.DISPATCHED and ticket.lead_role == "county_officer"
    assert {t.state for t in tasks(ticket, steps.TICKET_RESOLVE)} == {TaskState.CANCELLED, TaskState.OPEN}
    assert one_open(ticket, steps.TICKET_CONTACT).role == "county_officer"
    with pytest.raises(RightsError):
        hotline.ticket_contact(actor=p.inspector, ticket=ticket)
    assert hotline.ticket_contact(actor=p.county, ticket=ticket).status == TicketStatus.IN_PROGRESS


def test_duplicates_are_merged(p):
    survivor = make_ticket(p, subject="工地欠薪")
    first_dup = make_ticket(p, subject="同一工地欠薪（第二次来电）")
    second_dup = make_ticket(p, subject="同一工地欠薪（第三次来电）")
    second_dup = hotline.ticket_merge(actor=p.desk, ticket=second_dup, into=first_dup, reason="同一诉求")
    with pytest.raises(RightsError):
        hotline.ticket_merge(actor=p.desk, ticket=survivor, into=survivor, reason="自身")
    with pytest.raises(RightsError) as exc:
        hotline.ticket_merge(actor=p.desk, ticket=survivor, into=second_dup, reason="并入已并单的")
    assert exc.value.field == "into"
    with pytest.raises(RightsError) as exc:
        hotline.ticket_merge(actor=p.inspector, ticket=first_dup, into=survivor, reason="同一诉求")
    assert exc.value.code == "forbidden"
    first_dup = hotline.ticket_merge(actor=p.desk, ticket=first_dup, into=survivor, reason="同一工地同一诉求",
                                     expected_version=first_dup.version)
    assert first_dup.status == TicketStatus.MERGED and first_dup.merged_into == survivor
    assert not tasks(first_dup, state=TaskState.OPEN)
    assert {t.state for t in tasks(first_dup)} == {TaskState.CANCELLED}
    # The one merged into the duplicate follows it into the survivor.
    assert set(survivor.merged.values_list("pk", flat=True)) == {first_dup.pk, second_dup.pk}
    assert survivor.events.filter(kind="merged").count() == 1
    with pytest.raises(RightsError) as exc:
        hotline.ticket_note(actor=p.desk, ticket=first_dup, text="还在吗")
    assert exc.value.code == "wrong_state"


def test_an_unhappy_caller_reopens_the_ticket(p):
    ticket = through_contact(p, make_ticket(p))
    ticket = hotline.ticket_reply(actor=p.inspector, ticket=ticket, reply="已协调")
    ticket = hotline.ticket_callback(actor=p.desk, ticket=ticket, satisfaction=2, note="工资仍未到账",
                                     expected_version=ticket.version)
    assert ticket.status == TicketStatus.IN_PROGRESS and ticket.reopened == 1 and ticket.satisfaction == 2
    assert len(tasks(ticket, steps.TICKET_RESOLVE)) == 2
    assert one_open(ticket, steps.TICKET_RESOLVE).role == "inspector"
    assert Message.objects.filter(recipient=p.inspector, kind="rights.ticket_reopened").exists()
    ticket = hotline.ticket_reply(actor=p.inspector, ticket=ticket, reply="工资已全部到账")
    ticket = hotline.ticket_callback(actor=p.desk, ticket=ticket, satisfaction=4)
    assert ticket.status == TicketStatus.CLOSED and ticket.reopened == 1
    assert "reopened" in list(ticket.events.values_list("kind", flat=True))


def test_a_ticket_links_its_case(p):
    ticket = hotline.ticket_dispatch(actor=p.desk, ticket=make_ticket(p))
    case = case_create(actor=p.inspector, source="ticket", route="mediation", region="350581001000",
                       employer_name="某劳务公司", period_from=dt.date(2026, 8, 1), period_to=dt.date(2026, 10, 31),
                       summary="拖欠三个月工资",
                       complainants=[Complainant(name="张三", amount_owed="9000", id_number=id_number(21))])
    with pytest.raises(RightsError):
        hotline.ticket_link_case(actor=p.lan_inspector, ticket=ticket, case=case)
    ticket = hotline.ticket_link_case(actor=p.inspector, ticket=ticket, case=case, expected_version=ticket.version)
    assert Ticket.objects.get(pk=ticket.pk).case == case
    with pytest.raises(RightsError):
        hotline.ticket_link_case(actor=p.inspector, ticket=ticket, case=case)


def test_reads_are_scoped(p):
    ticket = make_ticket(p)
    assert list(hotline.tickets_for_user(p.inspector)) == [ticket]
    assert list(hotline.tickets_for_user(p.lan_inspector)) == []
    assert list(hotline.tickets_for_user(p.contractor)) == []
    assert hotline.is_desk(p.desk, ticket) and not hotline.is_lead(p.desk, ticket)
    assert hotline.is_lead(p.inspector, ticket) and not hotline.is_desk(p.inspector, ticket)


def test_the_caller_rates_the_reply_on_the_portal(p):
    ticket = through_contact(p, make_ticket(p))
    ticket = hotline.ticket_reply(actor=p.inspector, ticket=ticket, reply="已支付")
    ticket = hotline.ticket_callback(actor=None, ticket=ticket, satisfaction=3, by_caller=True,
                                     expected_version=ticket.version)
    assert ticket.status == TicketStatus.IN_PROGRESS and ticket.reopened == 1
    callback = tasks(ticket, steps.TICKET_CALLBACK)[0]
    assert callback.state == TaskState.DONE and callback.closed_by is None and "网上评价" in callback.outcome
    with pytest.raises(RightsError):  # without by_caller nobody anonymous may call back
        hotline.ticket_callback(actor=None, ticket=ticket, satisfaction=5)
