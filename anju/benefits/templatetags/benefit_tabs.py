"""The tab strip of the benefits pages: applications, grants, notices, funds, payments,
recoveries, comparison data, figures and bulk work, each shown to those who may open it.

    {% load benefit_tabs %}{% benefits_tabs "grant" %}
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from anju.benefits.permissions import (
    ApplicationPolicy,
    FundPolicy,
    GrantPolicy,
    PaymentPolicy,
    SourcePolicy,
)

register = template.Library()


@register.inclusion_tag("benefits/_tabs.html", takes_context=True)
def benefits_tabs(context, current: str = "") -> dict:
    user = context["request"].user
    tabs = [
        ("application", _("待遇申请"), "benefits:application_list", ApplicationPolicy.can(user, "view")),
        ("grant", _("待遇发放"), "benefits:grant_list", GrantPolicy.can(user, "view")),
        ("notice", _("公示"), "benefits:notice_list", GrantPolicy.can(user, "view")),
        ("fund", _("资金与名额"), "benefits:fund_list", FundPolicy.can(user, "view")),
        ("batch", _("拨付"), "benefits:batch_list", PaymentPolicy.can(user, "view")),
        ("recovery", _("追回"), "benefits:recovery_list", GrantPolicy.can(user, "recover")),
        ("source", _("比对数据"), "benefits:source_list", SourcePolicy.can(user, "view")),
        ("figures", _("统计"), "benefits:figures", GrantPolicy.can(user, "view")),
        ("bulk", _("批量办理"), "benefits:bulk_pass", ApplicationPolicy.can(user, "bulk_create")),
    ]
    return {"tabs": [{"key": key, "label": label, "url": reverse(name), "active": key == current}
                     for key, label, name, allowed in tabs if allowed]}
