"""The one number to call (一号对外) in the public pages' footer: {% hotline_footer %}.

A page about one place (a complaint's town) sets `hotline_region` and gets that place's number
(`services.hotline_number`); other pages list the number of each place that has one in force.
The footer is on every public page, so what it shows is kept in the cache for a few minutes: a
new number shows up on the public pages within FOOTER_SECONDS."""

from __future__ import annotations

from django import template
from django.core.cache import cache

from anju.rights.models import HotlineNumber
from anju.rights.services import hotline_number, today

register = template.Library()
MAX_PLACES = 3
FOOTER_SECONDS = 300


def _shown(row: HotlineNumber) -> dict[str, str]:
    return {"name": row.name, "number": row.number, "hours": row.hours}


def _numbers(region: str) -> list[dict[str, str]]:
    if region:
        row = hotline_number(region)
        return [_shown(row)] if row else []
    current: dict[str, HotlineNumber] = {}
    for row in HotlineNumber.objects.filter(valid_from__lte=today()).order_by("region_prefix", "-valid_from")[:200]:
        current.setdefault(row.region_prefix, row)
    return [_shown(r) for _p, r in sorted(current.items())][:MAX_PLACES]


@register.inclusion_tag("rights/hotline_numbers_footer.html", takes_context=True)
def hotline_footer(context):
    region = str(context.get("hotline_region") or "")
    key = f"rights:hotline-footer:{region}:{today().isoformat()}"
    numbers = cache.get(key)
    if numbers is None:
        numbers = _numbers(region)
        cache.set(key, numbers, FOOTER_SECONDS)
    return {"numbers": numbers}
