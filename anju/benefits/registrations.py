"""What benefits registers with the apps below it: its task steps, its timeline kinds, its panel
on the worker page."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_


def _sources_panel_context(request, worker) -> dict:
    from anju.benefits.comparison import source_line
    from anju.benefits.models import FactSource
    from anju.benefits.permissions import SourcePolicy
    from anju.regions.codes import in_prefix

    rows = FactSource.objects.filter(subject_type="worker", subject_id=worker.pk)
    if worker.household_id:
        rows = rows | FactSource.objects.filter(subject_type="household", subject_id=worker.household_id)
    lines = [{"fact": r.fact, "text": source_line(r.subject_type, r),
              "import_id": r.source_import_id if in_prefix(r.source_import.region_prefix.ljust(12, "0"),
                                                           request.user.jurisdiction or "") else None}
             for r in rows.select_related("source_import").order_by("subject_type", "fact")]
    return {"lines": lines, "can_list": SourcePolicy.can(request.user, "view")}


def _may_view_sources(user, worker) -> bool:
    from anju.benefits.permissions import SourcePolicy

    return SourcePolicy.can(user, "view")


def register() -> None:
    from anju.benefits import chain
    from anju.registry.panels import register_worker_panel
    from anju.registry.timeline import register_timeline_kind
    from anju.workflow.steps import register_step

    # The worker's applications and grants, with the counter's "受理申请" button.
    register_worker_panel("benefits", "benefits/_app_worker_panel.html", _worker_panel_context, order=15,
                          permission=_may_view_applications, column="side")
    # The other departments' data on this worker (and their household), with whose and as of when.
    register_worker_panel("comparison", "benefits/source_panel.html", _sources_panel_context, order=20,
                          permission=_may_view_sources)

    register_step(chain.STEP, label=N_("待遇审核"),
                  link=lambda task: reverse("benefits:application", args=[task.subject_id]))
    register_step(chain.OBJECTION_STEP, label=N_("公示异议复核"),
                  link=lambda task: reverse("benefits:grant", args=[task.subject_id]))
    register_timeline_kind("application", _("提交待遇申请"), "bi-send",
                           describe=lambda e: _("申请「%(title)s」") % {"title": (e.data or {}).get("title", "")})
    register_timeline_kind("application_refused", _("待遇申请未通过"), "bi-x-circle",
                           describe=lambda e: _("「%(title)s」未通过：%(reason)s") % {
                               "title": (e.data or {}).get("title", ""), "reason": (e.data or {}).get("reason", "")})
    register_timeline_kind("grant_approved", _("待遇已批准"), "bi-check2-circle",
                           describe=lambda e: _("「%(title)s」已批准") % {"title": (e.data or {}).get("title", "")})
    register_timeline_kind("grant_paid", _("待遇已发放"), "bi-cash-coin", describe=_paid)


def _paid(event) -> str:
    data = event.data or {}
    if data.get("amount") is not None:
        return _("「%(title)s」已拨付 %(amount)s 元") % {"title": data.get("title", ""), "amount": data["amount"]}
    return _("「%(title)s」已发放 %(units)s 份") % {"title": data.get("title", ""), "units": data.get("units", 1)}


def _worker_panel_context(request, worker) -> dict:
    from anju.benefits.views_applications import worker_panel_context

    return worker_panel_context(request, worker)


def _may_view_applications(user, worker) -> bool:
    from anju.benefits.permissions import ApplicationPolicy

    return ApplicationPolicy.can(user, "view")
