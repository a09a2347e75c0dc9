"""What benefits registers with the apps below it: its task steps, its timeline kinds, its panel
on the worker page."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_


def register() -> None:
    from anju.benefits import chain
    from anju.registry.timeline import register_timeline_kind
    from anju.workflow.steps import register_step

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
