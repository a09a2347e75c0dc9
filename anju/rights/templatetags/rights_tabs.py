"""The tab row of the rights pages: {% rights_tabs "tickets" %}. A tab shows only when its page
exists and the user may open it."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from anju.rights.permissions import CasePolicy, ProjectPolicy, TicketPolicy, WarningPolicy

register = template.Library()

TABS = [
    # (key, url name, label, policy, action)
    ("tickets", "rights:tickets", _("热线工单"), TicketPolicy, "view"),
    ("cases", "rights:cases", _("欠薪案件"), CasePolicy, "view"),
    ("projects", "rights:projects", _("工程项目"), ProjectPolicy, "view"),
    ("warnings", "rights:warnings", _("欠薪预警"), WarningPolicy, "view"),
    ("risk", "rights:risk", _("项目风险清单"), WarningPolicy, "handle"),
    ("knowledge", "rights:knowledge", _("知识库"), TicketPolicy, "view"),
    ("kpis", "rights:kpis", _("办理统计"), TicketPolicy, "view"),
]


@register.inclusion_tag("rights/_tabs.html", takes_context=True)
def rights_tabs(context, active: str = ""):
    user = context["request"].user
    tabs = []
    for key, name, label, policy, action in TABS:
        if not policy.can(user, action):
            continue
        try:
            tabs.append({"key": key, "url": reverse(name), "label": label, "active": key == active})
        except NoReverseMatch:
            continue
    return {"tabs": tabs}


def first_tab_url(user) -> str:
    """Where the 维权 item of the main menu leads this user (the first tab they may open)."""
    for _key, name, _label, policy, action in TABS:
        if policy.can(user, action):
            try:
                return reverse(name)
            except NoReverseMatch:
                continue
    return ""


@register.simple_tag(takes_context=True)
def rights_home_url(context) -> str:
    """{% rights_home_url as url %}: the 维权 menu item's link for the user ('' = no item)."""
    request = context.get("request")
    return first_tab_url(request.user) if request is not None else ""
