from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from anju.regions.selectors import region_name, region_path
from anju.registry.models import Worker
from anju.registry.timeline import timeline_line

register = template.Library()

_FIELD_LABELS = {f.name: f.verbose_name for f in Worker._meta.get_fields() if hasattr(f, "verbose_name")}
_FIELD_LABELS.update({"hukou_region_id": Worker._meta.get_field("hukou_region").verbose_name,
                      "residence_region_id": Worker._meta.get_field("residence_region").verbose_name,
                      "desired_region_id": Worker._meta.get_field("desired_region").verbose_name,
                      "phone": Worker._meta.get_field("phone_masked").verbose_name,
                      "household_no": Worker._meta.get_field("household").verbose_name})


@register.filter
def region(code):
    return region_name(code) or "—"


@register.filter
def region_full(code):
    return region_path(code) or "—"


@register.filter
def yes_no(value):
    if value is None:
        return _("未知")
    return _("是") if value else _("否")


@register.filter
def field_label(name):
    return str(_FIELD_LABELS.get(name, name))


@register.filter
def timeline_text(event) -> str:
    """The line's text, as the kind's registration describes it (registry.timeline)."""
    return timeline_line(event)["text"]


@register.filter
def timeline_icon(event) -> str:
    return timeline_line(event)["icon"]
