"""免申即享 at scale: applications from a proactive list, and one step passed for many — each
the same as the one-by-one services make it."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from anju.audit.models import AuditEvent
from anju.benefits import bulk, services
from anju.benefits.models import Application, ApplicationStatus, BulkJob, Door, Grant, StepState
from anju.benefits.services import BenefitError
from anju.benefits.tasks_bulk import bulk_job_create, run_bulk
from anju.benefits.tests.factories import (
    POLICY,
    chain_people,
    fund,
    living_standard,
    qualifying_worker,
)
from anju.policies import tasks as policy_tasks
from anju.policies.models import ScanJob
from anju.policies.packs import get_policy
from anju.workflow.models import Message, TaskState, WorkTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    living_standard()
    fund()
    return chain_people()


def scan_of(actor, region="350581001") -> ScanJob:
    job = ScanJob.objects.create(policy_id=POLICY, region_prefix=region, on_date=timezone.localdate(), created_by=actor)
    policy_tasks.run_scan.call(job.pk)
    job.refresh_from_db()
    assert job.status == "done", job.message
    return job


def from_scan(actor, scan) -> BulkJob:
    job = bulk_job_create(actor=actor, kind=BulkJob.Kind.FROM_SCAN, policy_id=scan.policy_id, scan=scan,
                          region_prefix=scan.region_prefix)
    run_bulk.call(job.pk)
    job.refresh_from_db()
    return job


_VOLATILE = {"id", "decision", "created_at", "phone_enc", "account_enc", "version", "scan_job", "status", "closed_at",
             "refusal_reason"}


def _snapshot(app: Application) -> dict:
    """An application as data: its fields, its steps and the first task, its decision."""
    fields = {k: v for k, v in model_to_dict(app).items() if k not in _VOLATILE}
    steps = [(s.position, s.code, s.label_zh, s.label_en, s.department_kind, s.role, s.state, s.working_days, s.by_data)
             for s in app.steps.order_by("position")]
    task = app.steps.get(state=StepState.OPEN).task
    task_fields = (task.step, task.subject_type, task.subject_label, task.region_code, task.department_kind, task.role,
                   task.supervisor_role, task.working_days, task.opened_on, task.due_on, task.state, task.parent_type,
                   task.parent_id)
    d = app.decision
    decision = (d.policy_id, d.policy_version, d.policy_digest, d.subject_type, d.subject_id, d.region_code,
                d.decided_on, d.status, d.amount, d.facts, d.params,
                [(c["name"], c["value"], c["passed"], c["exclusion"]) for c in d.trace])
    return {"fields": fields, "steps": steps, "task": task_fields, "decision": decision,
            "phone": app.phone_enc and services.crypto.decrypt(app.phone_enc)}


def test_bulk_application_is_the_same_as_one_made_by_the_service(people):
    worker = qualifying_worker()
    scan = scan_of(people.civil, region="350581")
    one = services.application_create(actor=people.civil, policy=get_policy(POLICY), subject_type="worker",
                                      subject_id=worker.pk, door=Door.PROACTIVE, on=scan.on_date)
    expected = _snapshot(one)
    services.application_withdraw(actor=people.town, application=one, reason="测试：改为批量生成")
    job = from_scan(people.civil, scan)
    assert job.status == "done" and job.created_count == 1 and job.skipped_count == 0, job.message
    made = Application.objects.get(status=ApplicationStatus.IN_REVIEW)
    assert made.scan_job_id == scan.pk and made.door == Door.PROACTIVE
    assert _snapshot(made) == expected
    assert made.worker.timeline.filter(kind="application").count() == 2


def test_skips_open_applications_and_live_grants_and_tells_the_rest(people, django_capture_on_commit_callbacks):
    first, second, third = (qualifying_worker(name=n, phone=p) for n, p in
                            (("甲", "13900000001"), ("乙", "13900000002"), ("丙", "13900000003")))
    services.application_create(actor=people.town, policy=get_policy(POLICY), subject_type="worker",
                                subject_id=first.pk, door=Door.COUNTER)
    scan = scan_of(people.civil, region="350581")
    Message.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        job = from_scan(people.civil, scan)
    assert (job.created_count, job.skipped_count) == (2, 1) and job.report["skipped"] == {"open": 1}
    sms = Message.objects.filter(kind="benefits.proactive")
    assert sms.count() == 2 and all("/apply/mine/" in m.body for m in sms)
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(task_path="anju.workflow.tasks.send_sms_many").count() == 1
    # One audit event for the batch (and the job's creation), none per application.
    assert AuditEvent.objects.filter(object_type="bulk_job").count() == 2
    assert not AuditEvent.objects.filter(object_type="application", object_id__in=[
        str(pk) for pk in Application.objects.filter(door=Door.PROACTIVE).values_list("pk", flat=True)]).exists()
    # Run again: all three now have open applications.
    again = from_scan(people.civil, scan)
    assert (again.created_count, again.skipped_count) == (0, 3)
    assert {second.pk, third.pk} <= set(Application.objects.filter(door=Door.PROACTIVE).values_list("worker_id", flat=True))


def test_live_grant_for_the_period_is_skipped(people):
    worker = qualifying_worker()
    app = services.application_create(actor=people.town, policy=get_policy(POLICY), subject_type="worker",
                                      subject_id=worker.pk, door=Door.COUNTER)
    app = services.step_decide(actor=people.town, application=app, outcome="pass")
    app = services.step_decide(actor=people.hrss, application=app, outcome="pass")
    services.step_decide(actor=people.civil, application=app, outcome="pass", amount="3200", reason="家有病人")
    assert Grant.objects.count() == 1
    job = from_scan(people.civil, scan_of(people.civil, region="350581"))
    assert (job.created_count, job.skipped_count) == (0, 1) and job.report["skipped"] == {"granted": 1}


def test_outside_the_jurisdiction_is_skipped(people):
    qualifying_worker()
    qualifying_worker(residence="350581002000")
    scan = scan_of(people.civil, region="350581")
    job = from_scan(people.town, scan)  # the town officer covers 350581001 only
    assert (job.created_count, job.skipped_count) == (1, 1) and job.report["skipped"] == {"outside": 1}


def _bulk_pass(actor, step, region="350581", policy=POLICY) -> BulkJob:
    job = bulk_job_create(actor=actor, kind=BulkJob.Kind.PASS_STEP, policy_id=policy, step_code=step,
                          region_prefix=region, reason="批量核实")
    run_bulk.call(job.pk)
    job.refresh_from_db()
    return job


def test_pass_many_passes_the_actors_step_and_opens_the_next(people):
    for i in range(3):
        qualifying_worker(name=f"人{i}")
    qualifying_worker(name="外镇", residence="350581002000")
    from_scan(people.civil, scan_of(people.civil, region="350581"))
    ahead = Application.objects.filter(region_code="350581001000").first()
    services.step_decide(actor=people.town, application=ahead, outcome="pass")  # already at insurance_check
    job = _bulk_pass(people.town, "town_verification")
    assert job.status == "done", job.message
    assert (job.created_count, job.skipped_count) == (2, 2)
    for app in Application.objects.filter(region_code="350581001000"):
        assert app.current_step == "insurance_check"
        step = app.steps.get(code="town_verification")
        assert step.state == StepState.PASSED and step.decided_by == people.town
        assert step.task.state == TaskState.DONE and step.task.closed_by == people.town
        nxt = app.steps.get(code="insurance_check")
        assert nxt.state == StepState.OPEN and nxt.task.state == TaskState.OPEN and nxt.task.role == people.hrss.role
    moved = Application.objects.exclude(pk=ahead.pk).filter(region_code="350581001000")
    assert all(a.version == 2 for a in moved)
    assert all(s.events.get().reason == "批量核实" for a in moved for s in a.steps.filter(code="town_verification"))
    # The other town's application is not the town officer's: untouched.
    other = Application.objects.get(region_code="350581002000")
    assert other.current_step == "town_verification" and other.version == 1
    # Civil affairs may not act on a town step: nothing passes.
    assert _bulk_pass(people.civil, "town_verification").created_count == 0
    # The officer of the other town passes theirs.
    assert _bulk_pass(people.other_town, "town_verification", region="350581002").created_count == 1
    # The next step is then the county's: it can act on it.
    assert _bulk_pass(people.hrss, "insurance_check").created_count == 4
    assert set(Application.objects.values_list("current_step", flat=True)) == {"approval"}
    assert WorkTask.objects.filter(state=TaskState.OPEN).count() == 4


def test_pass_many_refuses_the_last_step(people):
    qualifying_worker()
    from_scan(people.civil, scan_of(people.civil, region="350581"))
    job = _bulk_pass(people.civil, "approval")
    assert job.status == "failed" and "逐件" in job.message
    with pytest.raises(BenefitError) as refused:
        bulk.step_pass_many(actor=people.civil, job=BulkJob(kind="pass_step", policy_id=POLICY, step_code="approval",
                                                            created_by=people.civil))
    assert refused.value.code == "last_step"
    assert _bulk_pass(people.civil, "no_such").status == "failed"


# Pages ----------------------------------------------------------------------------------------
def test_proactive_list_button_confirm_job_and_result(client, people, django_capture_on_commit_callbacks):
    from django.urls import reverse

    qualifying_worker()
    scan = scan_of(people.civil, region="350581")
    client.force_login(people.civil)
    html = client.get(reverse("policies:scan_job", args=[scan.pk])).content.decode()
    assert 'data-testid="bulk-create"' in html and f"/benefits/bulk/new?scan={scan.pk}" in html
    confirm = client.get(f"/benefits/bulk/new?scan={scan.pk}")
    assert confirm.status_code == 200 and 'data-testid="listed">1<' in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer = client.post("/benefits/bulk/new", {"scan": scan.pk})
    job = BulkJob.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/benefits/bulk/{job.pk}/"
    assert len(callbacks) == 1  # run_bulk enqueued after commit
    page = client.get(answer["Location"]).content.decode()
    assert 'data-testid="progress"' in page
    assert client.get(f"/benefits/bulk/{job.pk}/progress/").status_code == 200
    run_bulk.call(job.pk)
    assert client.get(f"/benefits/bulk/{job.pk}/progress/", HTTP_HX_REQUEST="true").status_code == 204
    page = client.get(f"/benefits/bulk/{job.pk}/").content.decode()
    assert 'data-testid="created">1<' in page
    # A second job for the same list is refused while one runs; bad ids are 404.
    assert client.get("/benefits/bulk/new?scan=abc").status_code == 404
    assert client.get("/benefits/bulk/new?scan=99999999").status_code == 404


def test_bulk_pages_are_for_the_right_people(client, people):
    qualifying_worker()
    scan = scan_of(people.civil, region="350581")
    client.force_login(people.town)  # town officers may not bulk-create
    assert client.get(f"/benefits/bulk/new?scan={scan.pk}").status_code == 403
    assert 'data-testid="bulk-create"' not in client.get(f"/policies/scans/{scan.pk}/").content.decode()
    client.force_login(people.hrss)  # someone else's list: 404
    assert client.get(f"/benefits/bulk/new?scan={scan.pk}").status_code == 404
    job = bulk_job_create(actor=people.civil, kind=BulkJob.Kind.FROM_SCAN, policy_id=POLICY, scan=scan)
    assert client.get(f"/benefits/bulk/{job.pk}/").status_code == 404


def test_pass_form_counts_then_runs(client, people, django_capture_on_commit_callbacks):
    for i in range(2):
        qualifying_worker(name=f"人{i}")
    from_scan(people.civil, scan_of(people.civil, region="350581"))
    client.force_login(people.town)
    page = client.get("/benefits/bulk/pass/")
    assert page.status_code == 200 and "审批时须逐件确定金额" in page.content.decode()
    preview = client.get("/benefits/bulk/pass/", {"policy": POLICY, "step": "town_verification", "region": ""})
    assert 'data-testid="pass-count"' in preview.content.decode() and "可由您通过 2 份" in preview.content.decode()
    # The last step is not offered; a region outside the jurisdiction is refused.
    assert 'value="approval"' not in preview.content.decode()
    bad = client.post("/benefits/bulk/pass/", {"policy": POLICY, "step": "approval"})
    assert bad.status_code == 422 and not BulkJob.objects.filter(kind="pass_step").exists()
    bad = client.post("/benefits/bulk/pass/", {"policy": POLICY, "step": "town_verification", "region": "350581002"})
    assert bad.status_code == 422 and "不在您的管辖范围" in bad.content.decode()
    bad = client.post("/benefits/bulk/pass/", {"policy": POLICY, "step": "town_verification", "region": "35x"})
    assert bad.status_code == 422
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/benefits/bulk/pass/", {"policy": POLICY, "step": "town_verification",
                                                      "region": "350581001", "reason": "已核实"})
    assert answer.status_code == 302
    job = BulkJob.objects.get(kind="pass_step")
    run_bulk.call(job.pk)
    job.refresh_from_db()
    assert job.status == "done" and job.created_count == 2
    assert set(Application.objects.values_list("current_step", flat=True)) == {"insurance_check"}
