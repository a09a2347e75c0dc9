"""Applying on the public site (/apply/), no login: the phone is proven by an SMS code.

    /apply/                 the policies open to application on the site
    /apply/<policy>/        ID number and mobile -> a code is sent
    /apply/<policy>/code/   the code -> the worker is looked up in the ledger by the ID hash
    /apply/<policy>/form/   payee, bank account, note, documents -> application_create
    /apply/done/<pk>/       the application number and what happens next
    /apply/mine/...         "my applications": those whose phone is the confirmed one

The ledger lookup answers "not found" the same way whatever the reason (no such worker, no
household for a household measure), shows nothing of the worker but the first character of the
name and the masked ID number, and each lookup costs an SMS code (a confirmed phone allows
ANJU_OTP_LOOKUPS_PER_CODE), so the page cannot be used to list who is in the ledger. Every write goes through the benefits services with
actor=None and door=portal.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_POST

from anju.benefits import attachments, services
from anju.benefits.models import Application, AttachmentKind, Door, StepState
from anju.benefits.services import BenefitError
from anju.core.ratelimit import client_address, rate_limit
from anju.lib import crypto
from anju.lib.dates import today
from anju.lib.errors import AnjuError
from anju.lib.i18n import is_english
from anju.lib.identifiers import IdentifierError, mask_mobile, parse_id_number, validate_mobile
from anju.policies import engine, screening
from anju.policies.packs import Policy, catalogue, get_policy
from anju.portal import otp
from anju.portal.signin import MINE_KEY, code_step, pending_phone, phone_start, too_many
from anju.regions.selectors import region_path

APPLY_KEY = "portal_apply"
SUBJECTS = ("worker", "household")
NOT_IN_LEDGER = N_("台账中没有找到您的登记信息。请带上身份证到您所在乡镇（街道）的劳动保障站登记，登记后即可在网上申请。")


def _text(error: AnjuError) -> str:
    return error.text()


def _lang(label) -> str:
    return label.en if is_english() else label.zh


# Policies ------------------------------------------------------------------------------------------
def open_policies(on=None) -> list[Policy]:
    """Measures a worker applies for on the site: about a worker or a household, by application
    (not 免申即享, where there is nothing to apply for), in force today."""
    on = on or today()
    found = [p for p in catalogue().policies.values()
             if p.subject in SUBJECTS and not p.proactive and p.in_force(on)]
    return sorted(found, key=lambda p: (p.issuing_region, p.id))


def _open_policy(policy_id: str) -> Policy:
    policy = get_policy(policy_id)
    if policy is None or policy not in open_policies():
        raise Http404
    return policy


def describe(policy: Policy) -> dict[str, Any]:
    how = screening.how_to_apply(policy)
    lang = "en" if is_english() else "zh"
    return {"id": policy.id, "title": _lang(policy.title), "gist": _lang(policy.gist),
            "where": region_path(policy.issuing_region.ljust(12, "0")), "how": how["summary"][lang],
            "lead": screening.department_phrase(policy.lead)[lang], "household": policy.subject == "household",
            "cash": policy.kind == "cash"}


# Session state ---------------------------------------------------------------------------------------
def _pending(request: HttpRequest, policy: Policy) -> dict | None:
    data = request.session.get(APPLY_KEY)
    if isinstance(data, dict) and data.get("policy") == policy.id:
        return data
    return None


def _lookup(policy: Policy, id_number: str):
    """The subject of `policy` for the worker with this ID number, or None. The worker is found
    by the keyed ID hash only."""
    from anju.registry.services import find_worker_by_id_number

    worker = find_worker_by_id_number(id_number)
    if worker is None:
        return None, None
    if policy.subject == "household":
        return worker, worker.household
    return worker, worker


def _found(request: HttpRequest, policy: Policy, data: dict) -> HttpResponse:
    otp.lookup_counted(request)
    worker, subject = _lookup(policy, crypto.decrypt(data.get("id_enc", "")))
    if subject is None:
        request.session.pop(APPLY_KEY, None)
        return render(request, "portal/apply_not_found.html", {"policy": describe(policy),
                                                                "message": gettext(NOT_IN_LEDGER)})
    data.update({"subject": subject.pk, "worker": worker.pk})
    data.pop("id_enc", None)
    request.session[APPLY_KEY] = data
    return redirect("apply:form", policy_id=policy.id)


# Pages -----------------------------------------------------------------------------------------------
@require_http_methods(["GET"])
@rate_limit("portal.apply")
@cache_control(no_store=True, private=True)
def policy_list(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/apply_list.html", {"policies": [describe(p) for p in open_policies()]})


@require_http_methods(["GET", "POST"])
@rate_limit("portal.apply")
@cache_control(no_store=True, private=True)
def start(request: HttpRequest, policy_id: str) -> HttpResponse:
    policy = _open_policy(policy_id)
    errors: dict[str, str] = {}
    values = {"id_number": "", "phone": ""}
    if request.method == "POST":
        values = {k: (request.POST.get(k) or "").strip()[:30] for k in values}
        try:
            id_number = parse_id_number(values["id_number"], today=today()).number
        except IdentifierError:
            errors["id_number"] = gettext("身份证号码不正确，请核对（18 位，最后一位可能是 X）。")
        try:
            phone = validate_mobile(values["phone"])
        except IdentifierError:
            errors["phone"] = gettext("手机号码不正确（应为 11 位，以 1 开头）。")
        if not errors:
            data = {"policy": policy.id, "id_enc": crypto.encrypt(id_number), "phone_enc": crypto.encrypt(phone)}
            if otp.confirmed_phone(request) == phone and otp.lookups_left(request) > 0:
                # Proven in this session already (in the last half hour): no second code.
                return _found(request, policy, data)
            try:
                otp.code_send(phone=phone, address=client_address(request))
            except otp.OtpError as error:
                if error.status == 429:
                    return too_many(request, error)
                errors["phone"] = _text(error)
            else:
                request.session[APPLY_KEY] = data
                return redirect("apply:code", policy_id=policy.id)
    return render(request, "portal/apply_start.html", {"policy": describe(policy), "values": values, "errors": errors})


@require_http_methods(["GET", "POST"])
@rate_limit("portal.apply")
@cache_control(no_store=True, private=True)
def code(request: HttpRequest, policy_id: str) -> HttpResponse:
    policy = _open_policy(policy_id)
    data = _pending(request, policy)
    if data is None or "id_enc" not in data:
        return redirect("apply:start", policy_id=policy.id)
    phone = crypto.decrypt(data.get("phone_enc", ""))
    return code_step(request, phone, action=reverse("apply:code", args=[policy.id]),
                     on_verified=lambda: _found(request, policy, data), extra={"policy": describe(policy)})


def _uploads(request: HttpRequest) -> tuple[list[tuple[str, Any]], str]:
    """The files of a form (one input per kind of document), checked before anything is saved,
    so that a bad file refuses the whole form without leaving files behind."""
    files = [(kind, f) for kind in AttachmentKind.values for f in request.FILES.getlist(f"file_{kind}")]
    if len(files) > attachments.max_count():
        return [], gettext("每份申请最多上传 %(n)s 个文件。") % {"n": attachments.max_count()}
    for _kind, f in files:
        if f.size > attachments.max_bytes():
            return [], gettext("文件不能超过 %(mb)s MB。") % {"mb": attachments.max_bytes() // (1024 * 1024)}
        head = f.read(16)
        f.seek(0)
        if not f.size or attachments.sniff(head) is None:
            return [], gettext("「%(name)s」不是 PDF、JPG 或 PNG 文件。") % {"name": f.name[:60]}
    return files, ""


def kinds() -> list[tuple[str, str]]:
    return [(v, str(label)) for v, label in AttachmentKind.choices]


def masked_name(name: str) -> str:
    return f"{name[:1]}*" if name else ""


@require_http_methods(["GET", "POST"])
@rate_limit("portal.apply")
@cache_control(no_store=True, private=True)
def form(request: HttpRequest, policy_id: str) -> HttpResponse:
    from anju.registry.models import Worker

    policy = _open_policy(policy_id)
    data = _pending(request, policy)
    phone = otp.confirmed_phone(request)
    if data is None or "subject" not in data or not phone or crypto.decrypt(data.get("phone_enc", "")) != phone:
        return redirect("apply:start", policy_id=policy.id)
    worker = Worker.objects.filter(pk=data.get("worker")).first()
    if worker is None:
        raise Http404
    values = {k: (request.POST.get(k) or "").strip() for k in ("payee_name", "bank_name", "account", "note")}
    # The payee's name is typed, never filled in from the ledger: the page must not tell whoever
    # holds an ID number the name that goes with it.
    context: dict[str, Any] = {"policy": describe(policy), "applicant": f"{masked_name(worker.name)}（{worker.id_number_masked}）",
                               "values": values, "errors": {}, "error": "", "kinds": kinds(), "refused": ""}
    subject = services.subject_get(policy.subject, int(data["subject"]))
    try:
        services.policy_check(policy, engine.region_of(policy.subject, subject) or "" if subject else "", today())
    except BenefitError as error:
        context["refused"] = _text(error)
        return render(request, "portal/apply_form.html", context)
    if request.method == "POST":
        errors = context["errors"]
        if policy.kind == "cash":
            if not values["payee_name"]:
                errors["payee_name"] = gettext("请填写收款人姓名。")
            if not values["account"]:
                errors["account"] = gettext("请填写银行账号。")
        files, problem = _uploads(request)
        if problem:
            errors["files"] = problem
        if not errors:
            try:
                with transaction.atomic():
                    application = services.application_create(
                        actor=None, policy=policy, subject_type=policy.subject, subject_id=int(data["subject"]),
                        door=Door.PORTAL, phone=phone, payee_name=values["payee_name"][:120],
                        bank_name=values["bank_name"][:80], account=values["account"][:40], note=values["note"][:2000])
                    for kind, f in files:
                        attachments.attachment_add(actor=None, application=application, kind=kind, upload=f)
            except BenefitError as error:
                if error.field in ("payee_name", "bank_name", "account", "note"):
                    errors[error.field] = _text(error)
                elif error.field in ("file", "kind"):
                    errors["files"] = _text(error)
                else:
                    context["error"] = _text(error)
            else:
                request.session.pop(APPLY_KEY, None)
                return redirect("apply:done", pk=application.pk)
    return render(request, "portal/apply_form.html", context)


# My applications ------------------------------------------------------------------------------------
def mine_queryset(request: HttpRequest):
    hashed = otp.confirmed_phone_hash(request)
    if not hashed:
        return Application.objects.none()
    return (Application.objects.filter(phone_hash=hashed).select_related("grant")
            .prefetch_related("steps__task", "attachments"))


def get_mine(request: HttpRequest, pk) -> Application:
    """One of the confirmed phone's applications; anyone else's (or none) is 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    application = mine_queryset(request).filter(pk=pk).first()
    if application is None:
        raise Http404
    return application


def describe_application(application: Application) -> dict[str, Any]:
    steps = []
    returned = ""
    for step in application.steps.all():
        due = step.task.due_on if step.task and step.state in (StepState.OPEN, StepState.RETURNED) else None
        steps.append({"label": step.label(), "state": step.state, "state_label": step.get_state_display(),
                      "due": due if step.state == StepState.OPEN else None, "working_days": step.working_days,
                      "department": _department(step.department_kind), "reason": step.reason})
        if step.state == StepState.RETURNED:
            returned = step.reason
    grant = getattr(application, "grant", None)
    return {
        "app": application, "steps": steps, "returned": returned, "grant": grant,
        "can_supply": application.status == "returned",
        "can_withdraw": application.is_open,
        "can_confirm": application.door == Door.PROACTIVE and application.account_confirmed_at is None
        and application.status not in ("refused", "withdrawn"),
    }


def _department(kind: str) -> str:
    from anju.accounts.models import department_label

    return department_label(kind)


@require_http_methods(["GET"])
@rate_limit("portal.apply")
@cache_control(no_store=True, private=True)
def done(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "portal/apply_done.html", describe_application(get_mine(request, pk)))


@require_http_methods(["GET", "POST"])
@rate_limit("portal.apply")
@cache_control(no_store=True, private=True)
def mine(request: HttpRequest) -> HttpResponse:
    if otp.confirmed_phone_hash(request):
        phone = otp.confirmed_phone(request)
        rows = [describe_application(a) for a in mine_queryset(request)]
        return render(request, "portal/mine_list.html", {"rows": rows, "phone": mask_mobile(phone)})
    return phone_start(request, code_url=reverse("apply:mine_code"), template="portal/mine_start.html")


@require_http_methods(["GET", "POST"])
@rate_limit("portal.apply")
@cache_control(no_store=True, private=True)
def mine_code(request: HttpRequest) -> HttpResponse:
    phone = pending_phone(request)
    if not phone:
        return redirect("apply:mine")

    def signed_in() -> HttpResponse:
        request.session.pop(MINE_KEY, None)
        return redirect("apply:mine")

    return code_step(request, phone, action=reverse("apply:mine_code"), on_verified=signed_in)


@require_POST
def mine_leave(request: HttpRequest) -> HttpResponse:
    otp.forget_phone(request)
    request.session.pop(APPLY_KEY, None)
    return redirect("apply:mine")


@require_http_methods(["GET"])
@rate_limit("portal.apply")
@cache_control(no_store=True, private=True)
def mine_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not otp.confirmed_phone_hash(request):
        return redirect("apply:mine")
    return _detail(request, get_mine(request, pk))


def _detail(request: HttpRequest, application: Application, *, error: str = "", errors: dict | None = None,
            values: dict | None = None, done: str = "", status: int = 200) -> HttpResponse:
    context = describe_application(application)
    context.update({"error": error, "errors": errors or {}, "values": values or {}, "done": done, "kinds": kinds()})
    return render(request, "portal/mine_detail.html", context, status=status)


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _acting(view):
    """The POST actions on one of my applications: confirmed phone, my application, rate limit."""
    @require_POST
    @rate_limit("portal.apply")
    @cache_control(no_store=True, private=True)
    def wrapped(request: HttpRequest, pk: int) -> HttpResponse:
        if not otp.confirmed_phone_hash(request):
            return redirect("apply:mine")
        application = get_mine(request, pk)
        try:
            return view(request, application)
        except BenefitError as error:
            application = get_mine(request, pk)
            return _detail(request, application, error=_text(error), values=request.POST.dict())
        except AnjuError as error:  # a stale version
            application = get_mine(request, pk)
            return _detail(request, application, error=_text(error), status=409)

    wrapped.__name__ = view.__name__
    return wrapped


@_acting
def mine_supply(request: HttpRequest, application: Application) -> HttpResponse:
    files, problem = _uploads(request)
    note = (request.POST.get("note") or "").strip()
    if problem:
        return _detail(request, application, errors={"files": problem}, values={"note": note})
    if not files and not note:
        return _detail(request, application, errors={"files": gettext("请上传补充的材料或填写说明。")})
    with transaction.atomic():
        version = _version(request)
        for kind, f in files:
            attachments.attachment_add(actor=None, application=application, kind=kind, upload=f)
        services.application_supply(actor=None, application=application, note=note[:300], version=version,
                                    by_applicant=True)
    return _detail(request, get_mine(request, application.pk), done=gettext("补充材料已提交，审核继续进行。"))


@_acting
def mine_confirm_account(request: HttpRequest, application: Application) -> HttpResponse:
    if not describe_application(application)["can_confirm"]:
        raise BenefitError(N_("该申请不需要确认收款账户。"), status=409)
    services.application_confirm_account(
        application=application, payee_name=(request.POST.get("payee_name") or "")[:120],
        bank_name=(request.POST.get("bank_name") or "")[:80], account=(request.POST.get("account") or "")[:40],
        actor=None, version=_version(request))
    return _detail(request, get_mine(request, application.pk), done=gettext("收款账户已确认。"))


@_acting
def mine_withdraw(request: HttpRequest, application: Application) -> HttpResponse:
    services.application_withdraw(actor=None, application=application, reason=(request.POST.get("reason") or "")[:300],
                                  version=_version(request), by_applicant=True)
    return _detail(request, get_mine(request, application.pk), done=gettext("申请已撤回。"))
