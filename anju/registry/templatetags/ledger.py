from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from anju.regions.selectors import region_name, region_path
from anju.registry.choices import DifficultyType, EmploymentStatus, TimelineKind, VisitResult
from anju.registry.models import Worker

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


def _labels(codes, choices) -> str:
    table = dict(choices)
    return "、".join(str(table.get(c, c)) for c in codes) or _("无")


@register.filter
def timeline_text(event) -> str:
    data = event.data or {}
    kind = event.kind
    if kind == TimelineKind.REGISTERED:
        return _("登记入台账")
    if kind == TimelineKind.STATUS:
        status = dict(EmploymentStatus.choices)
        return _("就业状态：%(before)s → %(after)s") % {
            "before": status.get(data.get("before"), "—"), "after": status.get(data.get("after"), "—")}
    if kind == TimelineKind.DIFFICULTY:
        return _("困难类型：%(before)s → %(after)s") % {
            "before": _labels(data.get("before", []), DifficultyType.choices),
            "after": _labels(data.get("after", []), DifficultyType.choices)}
    if kind == TimelineKind.VERIFIED and "result" in data:
        return _("入户核实（%(date)s）：%(result)s") % {
            "date": data.get("visited_on", ""), "result": dict(VisitResult.choices).get(data["result"], data["result"])}
    if kind in (TimelineKind.UPDATED, TimelineKind.IMPORTED, TimelineKind.VERIFIED):
        fields = "、".join(field_label(f) for f in data.get("fields", []))
        prefix = {TimelineKind.UPDATED: _("修改信息"), TimelineKind.IMPORTED: _("表格导入更新"),
                  TimelineKind.VERIFIED: _("核实更正")}[kind]
        return f"{prefix}：{fields}" if fields else prefix
    if kind == TimelineKind.CERTIFICATE:
        return _("取得证书：%(occupation)s") % {"occupation": data.get("occupation", "")}
    if kind == TimelineKind.HIRED:
        return _("用工登记：%(employer)s") % {"employer": data.get("employer", "")}
    return event.get_kind_display()
