"""Staff pages of benefit applications: the scoped list, the detail page (the decision it was
taken on, the chain of steps with their deadlines and events, documents, the grant) with the
actions the user may take, counter intake, and the panel on the worker page.

Views check the shape of the input and who may see what; the services decide. A BenefitError
is shown on the page (nothing was changed); a stale version is a conflict the user is told of.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from anju.accounts.models import department_label
from anju.audit.models import Action
from anju.audit.services import audit_record
from anju.benefits import chain, selectors, services
from anju.benefits.attachments import attachment_add
from anju.benefits.comparison import source_line, sources_for
from anju.benefits.forms import (
    AccountForm,
    ApplicationFilterForm,
    AttachmentForm,
    DecideForm,
    IntakeForm,
    SupplyForm,
    WithdrawForm,
)
from anju.benefits.models import (
    OPEN_APPLICATION,
    Application,
    ApplicationStatus,
    Door,
    StepOutcome,
    StepState,
)
from anju.benefits.permissions import ApplicationPolicy
from anju.benefits.services import BenefitError
from anju.lib.i18n import is_english
from anju.lib.paginators import CappedPaginator
from anju.lib.versioning import VersionConflict
from anju.policies import engine
from anju.policies.facts import CATALOGUE, SUBJECTS
from anju.policies.models import DecisionStatus
from anju.policies.packs import Policy, catalogue, get_policy
from anju.regions.codes import clean_prefix, in_prefix
from anju.regions.selectors import region_name
from anju.workflow.permissions import TaskPolicy

PAGE_SIZE = 50
N_ = gettext_lazy

_EVENT_LABELS = {**dict(StepOutcome.choices), "supplied": N_("已补充材料")}
_MARKS = {True: "✓", False: "✗", None: "?"}
_STATUS_LABELS = {engine.ELIGIBLE: N_("符合条件"), engine.NOT_ELIGIBLE: N_("不符合条件"), engine.UNKNOWN: N_("暂无法判断")}
# The subjects whose applications a counter clerk takes on a worker's page.
INTAKE_SUBJECTS = ("worker", "household")


def _require(user, action: str) -> None:
    if not ApplicationPolicy.can(user, action):
        raise PermissionDenied(_("您没有此操作的权限。"))


def _label(label) -> str:
    return (label.en if is_english() else label.zh) if label is not None else ""


def _policy_title(policy_id: str, fallback: str = "") -> str:
    policy = get_policy(policy_id)
    return _label(policy.title) if policy else (fallback or policy_id)


# ---------------------------------------------------------------------------------------------
# The list
# ---------------------------------------------------------------------------------------------


def _policy_choices() -> list[tuple[str, str]]:
    return [(p.id, _label(p.title)) for p in sorted(catalogue().policies.values(), key=lambda p: p.id)]


def _step_choices() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for policy in catalogue().policies.values():
        for spec in chain.chain_of(policy):
            seen.setdefault(spec.code, _label(spec.label))
    return sorted(seen.items())


def _page_query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
@require_GET
def application_list(request):
    user = request.user
    _require(user, "view")
    steps = _step_choices()
    form = ApplicationFilterForm(request.GET or None, policies=_policy_choices(), steps=steps)
    data = form.cleaned_data if form.is_valid() else {}
    within = (data.get("region") or "").strip()
    if within and clean_prefix(within) is None:
        from anju.registry.validation import BAD_REGION_FILTER

        messages.warning(request, _(BAD_REGION_FILTER))
    # The counts by status are of the other filters, so each status reads as "of these, n are …".
    base = selectors.filtered_applications(user, policy=data.get("policy", ""), door=data.get("door", ""),
                                           step=data.get("step", ""), within=within)
    status = data.get("status", "")
    counts = selectors.status_counts(base)
    qs = base.filter(status=status) if status else base
    paginator = CappedPaginator(qs.order_by("-created_at", "-id"), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    step_labels = dict(steps)
    rows = [{
        "app": a, "title": _policy_title(a.policy_id, a.policy_title), "step": step_labels.get(a.current_step, a.current_step),
        "region": region_name(a.region_code),
    } for a in page.object_list]
    status_query = request.GET.copy()
    for key in ("status", "page"):
        status_query.pop(key, None)
    status_links = [{"value": "", "label": _("全部"), "count": sum(counts.values()), "active": not status,
                     "query": status_query.urlencode()}]
    for value, label in ApplicationStatus.choices:
        q = status_query.copy()
        q["status"] = value
        status_links.append({"value": value, "label": label, "count": counts.get(value, 0), "active": status == value,
                             "query": q.urlencode()})
    from anju.workflow.selectors import queue_for_user

    context = {
        "nav": "benefits", "form": form, "page": page, "paginator": paginator, "rows": rows,
        "status_links": status_links, "page_query": _page_query(request),
        "my_steps": queue_for_user(user).filter(step=chain.STEP).count(),
        "queue_url": reverse("workflow:queue") + "?step=" + chain.STEP,
        "filtering": any(data.get(k) for k in ("policy", "status", "door", "step", "region")),
    }
    template = "benefits/application_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


# ---------------------------------------------------------------------------------------------
# The detail page
# ---------------------------------------------------------------------------------------------


def _fact_text(subject_type: str, name: str, value: Any) -> str:
    from anju.policies.views import fact_text

    if name not in CATALOGUE.get(subject_type, {}):
        return f"{name}：{value}"
    return fact_text(subject_type, name, value)


def _param_text(policy: Policy | None, name: str, value: Any) -> str:
    from anju.policies.views import param_text

    if policy is None:
        return f"{name}：{value}"
    return param_text(policy, name, value)


def _decision_view(application: Application, policy: Policy | None) -> dict:
    """The decision the application was taken on: each condition with the facts and parameter
    values it read, and for each fact the comparison source that states it, if any."""
    decision = application.decision
    trace = decision.trace or []
    names: set[str] = set()
    for item in trace:
        names |= set((item.get("facts") or {}).keys())
    sources = sources_for(application.subject_type, application.subject_id, names) if names else {}
    conditions = []
    for item in trace:
        label = item.get("label") or {}
        passed = item.get("passed")
        conditions.append({
            "mark": _MARKS.get(passed, "?"), "passed": passed, "exclusion": item.get("exclusion"),
            "label": label.get("en" if is_english() else "zh") or item.get("name", ""),
            "facts": [{"text": _fact_text(application.subject_type, n, v),
                       "source": source_line(application.subject_type, sources[n]) if n in sources else ""}
                      for n, v in (item.get("facts") or {}).items()],
            "params": [_param_text(policy, n, v) for n, v in (item.get("params") or {}).items()],
        })
    return {
        "decision": decision, "status_label": DecisionStatus(decision.status).label if decision.status in
        DecisionStatus.values else decision.status, "conditions": conditions,
        "params": [_param_text(policy, n, v) for n, v in sorted((decision.params or {}).items())],
    }


def _step_rows(steps) -> list[dict]:
    rows = []
    for step in steps:
        task = step.task
        rows.append({
            "step": step, "label": step.label(), "department": department_label(step.department_kind),
            "state_label": step.get_state_display(), "task": task,
            "pauses": list(task.pauses.all()) if task else [],
            "events": [{"event": e, "label": _EVENT_LABELS.get(e.outcome, e.outcome),
                        "who": (str(e.actor) if e.actor else (_("比对数据") if e.by_data else _("申请人")))}
                       for e in step.events.all()],
        })
    return rows


def _range_text(e: engine.Evaluation) -> str:
    from anju.policies.views import range_text

    return range_text(e)


def _amount_view(application: Application, policy: Policy | None) -> dict | None:
    """On the last step of a cash policy whose approver sets the amount (a range, or an amount
    the rules leave pending): what the field shows. None when no amount field is needed."""
    if policy is None or policy.kind != "cash":
        return None
    subject = services.subject_get(application.subject_type, application.subject_id)
    if subject is None:
        return None
    e = engine.evaluate_subject(policy, subject, timezone.localdate())
    if not (policy.has_range or e.amount_pending):
        return None
    return {"proposed": application.decision.amount if application.decision.amount is not None else e.amount,
            "range": _range_text(e), "pending": e.amount_pending, "min": e.amount_min, "max": e.amount_max}


def _detail_context(request, application: Application, *, bound: dict | None = None, error: str = "",
                    conflict: str = "", error_form: str = "") -> dict:
    user = request.user
    policy = get_policy(application.policy_id)
    steps = selectors.steps_of(application)
    current = next((s for s in steps if s.state in (StepState.OPEN, StepState.RETURNED)), None)
    is_last = current is not None and current.position == steps[-1].position
    acts = bool(current and current.task and TaskPolicy.can_act(user, current.task))
    may_change = ApplicationPolicy.can_on(user, "change", application)
    can = {
        "decide": acts and application.status == ApplicationStatus.IN_REVIEW and current.state == StepState.OPEN,
        "supply": acts and may_change and application.status == ApplicationStatus.RETURNED
        and current.state == StepState.RETURNED,
        "withdraw": may_change and application.status in OPEN_APPLICATION,
        "recheck": may_change and application.status not in OPEN_APPLICATION and policy is not None,
        "account": may_change and (policy is None or policy.kind == "cash")
        and application.status not in (ApplicationStatus.REFUSED, ApplicationStatus.WITHDRAWN),
        "attach": ApplicationPolicy.can_on(user, "attach", application) and application.is_open,
    }
    version = {"version": application.version}
    forms = {
        "decide": DecideForm(initial=version | {"outcome": StepOutcome.PASS}),
        "supply": SupplyForm(initial=version), "withdraw": WithdrawForm(initial=version),
        "account": AccountForm(initial=version | {"payee_name": application.payee_name,
                                                  "bank_name": application.bank_name}),
        "attach": AttachmentForm(),
    }
    forms.update(bound or {})
    grant = selectors.grant_of(application)
    return {
        "nav": "benefits", "application": application, "policy": policy,
        "title": _policy_title(application.policy_id, application.policy_title),
        "decision": _decision_view(application, policy), "steps": _step_rows(steps), "current": current,
        "current_department": department_label(current.department_kind) if current else "",
        "is_last": is_last, "amount": _amount_view(application, policy) if can["decide"] and is_last else None,
        "can": can, "forms": forms, "attachments": selectors.attachments_of(application), "grant": grant,
        "region": region_name(application.region_code), "error": error, "conflict": conflict,
        "error_form": error_form, "today": timezone.localdate(),
        "phone_differs": _phone_differs(application),
    }


def _phone_differs(application: Application) -> bool:
    """An application made on the public site with a phone the ledger does not hold for the
    worker: anyone who knows an ID number could apply for someone else, so the acting officers
    are warned to confirm who applied."""
    worker = application.worker
    return bool(application.door == "portal" and worker is not None and worker.phone_hash
                and application.phone_hash and application.phone_hash != worker.phone_hash)


@login_required
@require_GET
def application_detail(request, pk):
    application = selectors.get_application_for_user(request.user, pk)
    return render(request, "benefits/application_detail.html", _detail_context(request, application))


def _refused(request, application: Application, exc: Exception, *, form_name: str, form=None):
    """Render the page again with what went wrong and nothing changed: a conflict (the record
    moved on since the page was opened) or the service's reason."""
    application = selectors.get_application_for_user(request.user, application.pk)
    bound = {form_name: form} if form is not None else {}
    if isinstance(exc, VersionConflict):
        context = _detail_context(request, application, bound=bound, error_form=form_name,
                                  conflict=_("%(reason)s 页面已显示最新办理情况，请核对后再操作。") % {"reason": exc.text()})
        if form is not None and hasattr(form, "data"):
            form.data = form.data.copy()
            form.data["version"] = str(application.version)
        return render(request, "benefits/application_detail.html", context, status=409)
    status = getattr(exc, "status", 400)
    status = status if status in (400, 403, 404, 409, 422) else 400
    if status == 404:
        raise Http404
    text = exc.text() if isinstance(exc, BenefitError) else str(exc)
    if form is not None and isinstance(exc, BenefitError) and exc.field in getattr(form, "fields", {}):
        form.add_error(exc.field, text)
    context = _detail_context(request, application, bound=bound, error=text, error_form=form_name)
    return render(request, "benefits/application_detail.html", context, status=status)


def _invalid(request, application: Application, form, name: str):
    context = _detail_context(request, application, bound={name: form}, error_form=name,
                              error=_("请检查填写的内容。"))
    return render(request, "benefits/application_detail.html", context, status=400)


def _done(request, application: Application, text: str):
    messages.success(request, text)
    return redirect("benefits:application", pk=application.pk)


@login_required
@require_POST
def application_decide(request, pk):
    application = selectors.get_application_for_user(request.user, pk)
    form = DecideForm(request.POST)
    if not form.is_valid():
        return _invalid(request, application, form, "decide")
    data = form.cleaned_data
    try:
        services.step_decide(actor=request.user, application=application.pk, outcome=data["outcome"],
                             reason=data["reason"], amount=data["amount"] or None, version=data["version"])
    except (VersionConflict, BenefitError) as exc:
        return _refused(request, application, exc, form_name="decide", form=form)
    return _done(request, application, {
        StepOutcome.PASS: _("已办理：通过。"), StepOutcome.FAIL: _("已办理：不通过。"),
        StepOutcome.RETURN: _("已退回补充材料，办理时限暂停计算。"),
    }[data["outcome"]])


def _changeable(request, pk, action: str = "change") -> Application:
    application = selectors.get_application_for_user(request.user, pk)
    if not ApplicationPolicy.can_on(request.user, action, application):
        raise PermissionDenied(_("您没有此操作的权限。"))
    return application


@login_required
@require_POST
def application_supply(request, pk):
    application = _changeable(request, pk)
    form = SupplyForm(request.POST)
    if not form.is_valid():
        return _invalid(request, application, form, "supply")
    try:
        services.application_supply(actor=request.user, application=application.pk, note=form.cleaned_data["note"],
                                    version=form.cleaned_data["version"])
    except (VersionConflict, BenefitError) as exc:
        return _refused(request, application, exc, form_name="supply", form=form)
    return _done(request, application, _("已记录补充材料，办理时限恢复计算。"))


@login_required
@require_POST
def application_withdraw(request, pk):
    application = _changeable(request, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _invalid(request, application, form, "withdraw")
    try:
        services.application_withdraw(actor=request.user, application=application.pk,
                                      reason=form.cleaned_data["reason"], version=form.cleaned_data["version"])
    except (VersionConflict, BenefitError) as exc:
        return _refused(request, application, exc, form_name="withdraw", form=form)
    return _done(request, application, _("申请已撤回。"))


@login_required
@require_POST
def application_recheck(request, pk):
    application = _changeable(request, pk)
    try:
        new = services.application_recheck(actor=request.user, application=application)
    except (VersionConflict, BenefitError) as exc:
        return _refused(request, application, exc, form_name="recheck")
    messages.success(request, _("已发起复核，复核申请 %(number)s。") % {"number": new.number})
    return redirect("benefits:application", pk=new.pk)


@login_required
@require_POST
def application_account(request, pk):
    application = _changeable(request, pk)
    form = AccountForm(request.POST)
    if not form.is_valid():
        return _invalid(request, application, form, "account")
    data = form.cleaned_data
    try:
        services.application_confirm_account(actor=request.user, application=application.pk,
                                             payee_name=data["payee_name"], bank_name=data["bank_name"],
                                             account=data["account"], version=data["version"])
    except (VersionConflict, BenefitError) as exc:
        return _refused(request, application, exc, form_name="account", form=form)
    return _done(request, application, _("已确认收款账户。"))


@login_required
@require_POST
def attachment_upload(request, pk):
    application = _changeable(request, pk, "attach")
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _invalid(request, application, form, "attach")
    try:
        attachment_add(actor=request.user, application=application, kind=form.cleaned_data["kind"],
                       upload=form.cleaned_data["file"])
    except BenefitError as exc:
        return _refused(request, application, exc, form_name="attach", form=form)
    return _done(request, application, _("已上传材料。"))


@login_required
@require_GET
def attachment_download(request, pk, attachment_pk):
    """A kept document, to those who may see the application; each download is audited."""
    application = selectors.get_application_for_user(request.user, pk)
    attachment = application.attachments.filter(pk=attachment_pk).first()
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    with transaction.atomic():
        audit_record(actor=request.user, action=Action.EXPORT, obj=attachment, region_code=application.region_code,
                     detail={"application": application.pk, "kind": attachment.kind, "name": attachment.original_name})
    return FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                        content_type=attachment.content_type)


# ---------------------------------------------------------------------------------------------
# Counter intake
# ---------------------------------------------------------------------------------------------


def _intake_subject(request):
    """The subject named by ?subject_type=&subject_id=, if the user may take applications for it."""
    subject_type = request.GET.get("subject_type", "")
    if subject_type not in SUBJECTS:
        raise Http404
    try:
        subject_id = int(request.GET.get("subject_id", ""))
    except ValueError:
        raise Http404 from None
    subject = services.subject_get(subject_type, subject_id)
    if subject is None:
        raise Http404
    region = engine.region_of(subject_type, subject) or ""
    if not region or not in_prefix(region, request.user.jurisdiction or ""):
        raise Http404
    if subject_type == "worker":
        from anju.registry.selectors import get_worker_for_user

        get_worker_for_user(request.user, subject_id)
    return subject_type, subject, region


def _intake_entries(policies: list[Policy], evaluations: list[engine.Evaluation], open_ids: dict[str, int]) -> list[dict]:
    entries = []
    for policy, e in zip(policies, evaluations, strict=True):
        facts = CATALOGUE[policy.subject]
        entries.append({
            "policy": policy, "title": _label(policy.title), "status": e.status,
            "status_label": _STATUS_LABELS[e.status], "amount": e.amount, "pending": e.amount_pending,
            "range": _range_text(e), "lead": department_label(policy.lead),
            "missing": [facts[n].label if n in facts else n for n in e.missing_facts],
            "conditions": [{"mark": _MARKS[c.passed], "passed": c.passed, "exclusion": c.exclusion,
                            "label": c.label_en if is_english() else c.label_zh,
                            "facts": [_fact_text(policy.subject, n, v) for n, v in c.facts.items()]}
                           for c in e.conditions],
            "open": open_ids.get(policy.id),
        })
    return entries


@login_required
def application_create(request):
    user = request.user
    _require(user, "create")
    subject_type, subject, region = _intake_subject(request)
    today = timezone.localdate()
    policies = [p for p in sorted(catalogue().policies.values(), key=lambda p: p.id)
                if p.subject == subject_type and engine.applies_in(p, region) and p.in_force(today)]
    evaluations = engine.evaluate_subject_many(policies, subject, today)
    open_ids = dict(Application.objects.filter(subject_type=subject_type, subject_id=subject.pk,
                                               status__in=OPEN_APPLICATION).values_list("policy_id", "id"))
    entries = _intake_entries(policies, evaluations, open_ids)
    worker = services.worker_of(subject_type, subject)
    choices = [(p.id, _label(p.title)) for p in policies]
    initial = {"payee_name": worker.name if worker else "", "policy": request.GET.get("policy", "")}
    form = IntakeForm(request.POST or None, request.FILES or None, policies=choices, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # The application and its documents together: a refused file leaves no application.
            with transaction.atomic():
                application = services.application_create(
                    actor=user, policy=get_policy(data["policy"]), subject_type=subject_type, subject_id=subject.pk,
                    door=Door.COUNTER, on=today, phone=data["phone"], payee_name=data["payee_name"],
                    bank_name=data["bank_name"], account=data["account"], note=data["note"])
                for upload in data["files"]:
                    attachment_add(actor=user, application=application, kind=data["attachment_kind"], upload=upload)
        except (BenefitError, VersionConflict) as exc:
            field = exc.field if exc.field in form.fields else ("files" if exc.field == "file" else None)
            form.add_error(field, exc.text())
        else:
            messages.success(request, _("已受理，受理编号 %(number)s。") % {"number": application.number})
            return redirect("benefits:application", pk=application.pk)
    context = {
        "nav": "benefits", "subject_type": subject_type, "subject": subject, "worker": worker,
        "subject_label": services.subject_label(subject_type, subject), "region": region_name(region),
        "subject_kind": SUBJECTS[subject_type].label, "entries": entries, "form": form, "today": today,
        "phone_masked": worker.phone_masked if worker is not None else "",
    }
    return render(request, "benefits/application_create.html", context, status=400 if form.errors else 200)


# ---------------------------------------------------------------------------------------------
# The worker page's panel
# ---------------------------------------------------------------------------------------------


def worker_panel_context(request, worker) -> dict:
    user = request.user
    rows = selectors.worker_applications(user, worker)
    for row in rows:
        row.title = _policy_title(row.policy_id, row.policy_title)
    may_create = ApplicationPolicy.can(user, "create") and in_prefix(worker.residence_region_id,
                                                                      user.jurisdiction or "")
    create = reverse("benefits:application_create")
    buttons = []
    if may_create:
        buttons.append({"label": _("受理申请"), "url": f"{create}?subject_type=worker&subject_id={worker.pk}",
                        "testid": "intake-worker"})
        if worker.household_id and any(p.subject == "household" for p in catalogue().policies.values()):
            buttons.append({"label": _("受理家庭申请"),
                            "url": f"{create}?subject_type=household&subject_id={worker.household_id}",
                            "testid": "intake-household"})
    return {"applications": rows, "intake_buttons": buttons,
            "list_url": reverse("benefits:application_list")}


def worker_panel_permission(user, worker) -> bool:
    return ApplicationPolicy.can(user, "view")
