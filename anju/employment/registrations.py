"""What employment registers with the apps below it: its task steps and its timeline kinds."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_


def _link(name: str):
    def link(task) -> str:
        try:
            return reverse(name, args=[task.subject_id])
        except NoReverseMatch:  # the page is not wired (a test settings without the urls)
            return ""
    return link


def register() -> None:
    from anju.employment import services
    from anju.registry.panels import register_worker_panel
    from anju.registry.timeline import register_timeline_kind
    from anju.workflow.steps import register_step

    # The worker's referrals, job-seeking registration and top job matches with 推荐 (loaded after
    # the page: matching reads the index).
    register_worker_panel("employment", "registry/_lazy_panel.html", _worker_panel_context, order=18,
                          permission=_may_see_employment, column="side")
    register_step(services.REFERRAL_STEP, label=N_("岗位推荐跟进"), link=_link("employment:referral"))
    register_step(services.INTEREST_STEP, label=N_("求职报名跟进"), link=_link("employment:interest"))
    register_timeline_kind("referral", _("岗位推荐"), "bi-send-check",
                           describe=lambda e: _("推荐岗位：%(unit)s「%(title)s」") % {
                               "unit": (e.data or {}).get("unit", ""), "title": (e.data or {}).get("title", "")})
    register_timeline_kind("trip", _("点对点运送"), "bi-bus-front",
                           describe=lambda e: _("乘坐点对点专车前往%(place)s") % {"place": (e.data or {}).get("place", "")})
    register_timeline_kind("post_assignment", _("公益性岗位安置"), "bi-person-workspace",
                           describe=lambda e: _("安置到公益性岗位「%(title)s」") % {"title": (e.data or {}).get("title", "")})


def _worker_panel_context(request, worker) -> dict:
    from anju.employment.views_referrals import worker_panel_context

    return worker_panel_context(request, worker)


def _may_see_employment(user, worker) -> bool:
    from anju.employment.views_referrals import worker_panel_permission

    return worker_panel_permission(user, worker)
