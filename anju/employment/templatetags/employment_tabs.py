"""The tab strip of the employment pages: postings, referrals, sign-ups, campaigns, point-to-point
trips, public welfare posts and bulk import, each shown to those who may open it (and once its
page is wired).

    {% load employment_tabs %}{% employment_tabs "postings" %}
"""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import pgettext

from anju.accounts.permissions import is_owner_scoped
from anju.employment.permissions import (
    CampaignPolicy,
    InterestPolicy,
    PlacementPolicy,
    PostingPolicy,
    ReferralPolicy,
    TripPolicy,
)

register = template.Library()
TAB = "employment tab"  # the short tab labels read differently elsewhere (推荐 the button, 报名 the verb)


@register.inclusion_tag("employment/_tabs.html", takes_context=True)
def employment_tabs(context, current: str = "") -> dict:
    user = context["request"].user
    staff = not is_owner_scoped(user)
    tabs = [
        ("postings", pgettext(TAB, "岗位"), "employment:postings", PostingPolicy.can(user, "view")),
        ("referrals", pgettext(TAB, "推荐"), "employment:referrals", ReferralPolicy.can(user, "view")),
        ("interests", pgettext(TAB, "报名"), "employment:interests", InterestPolicy.can(user, "view")),
        ("campaigns", pgettext(TAB, "活动"), "employment:campaigns", staff and CampaignPolicy.can(user, "view")),
        ("trips", pgettext(TAB, "点对点"), "employment:trips", staff and TripPolicy.can(user, "view")),
        ("placements", pgettext(TAB, "公益性岗位"), "employment:placements", staff and PlacementPolicy.can(user, "view")),
        ("imports", pgettext(TAB, "批量导入"), "employment:imports", staff and PostingPolicy.can(user, "import")),
    ]
    out = []
    for key, label, name, allowed in tabs:
        if not allowed:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:  # that area's pages are not wired (yet)
            continue
        out.append({"key": key, "label": label, "url": url, "active": key == current})
    return {"tabs": out}
