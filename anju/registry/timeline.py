"""The kinds of line on a worker's timeline, registered by the apps that write them.

A service adds its own kinds from its AppConfig.ready() — the ledger never lists the services
above it:

    register_timeline_kind("application", _("提交申请"), "bi-send",
                           describe=lambda event: _("申请：%(title)s") % event.data)

`TimelineEvent.kind` takes its choices from this registry (a callable, so a new kind needs no
migration), and the worker page shows each line with its kind's icon and text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from anju.registry.choices import DifficultyType, EmploymentStatus, TimelineKind, VisitResult

KIND_MAX_LENGTH = 20  # TimelineEvent.kind's column


@dataclass(frozen=True)
class TimelineKindSpec:
    code: str
    label: Any  # a lazy translation
    icon: str  # a Bootstrap Icons class, e.g. "bi-clipboard-check"
    describe: Callable[[Any], str] | None = None  # event -> its line's text; default: the label

    def text(self, event) -> str:
        return str(self.describe(event)) if self.describe is not None else str(self.label)


_KINDS: dict[str, TimelineKindSpec] = {}


def register_timeline_kind(code: str, label, icon: str = "bi-dot", *,
                           describe: Callable[[Any], str] | None = None) -> TimelineKindSpec:
    """Make `code` a valid TimelineEvent.kind. Registering the same code twice is refused unless
    it is the same registration (an app's ready() may run again in a test process)."""
    if not code or len(code) > KIND_MAX_LENGTH or not code.replace("_", "").isalnum() or not code.isascii():
        raise ImproperlyConfigured(f"timeline kind {code!r}: ASCII letters, digits and _; at most {KIND_MAX_LENGTH}")
    spec = TimelineKindSpec(code, label, icon, describe)
    existing = _KINDS.get(code)
    if existing is not None and existing != spec:
        raise ImproperlyConfigured(f"timeline kind {code!r} is already registered")
    _KINDS[code] = spec
    return spec


def timeline_kind(code: str) -> TimelineKindSpec | None:
    return _KINDS.get(code)


def timeline_kind_choices() -> list[tuple[str, Any]]:
    """TimelineEvent.kind's choices: every registered kind, in registration order."""
    return [(spec.code, spec.label) for spec in _KINDS.values()]


def timeline_line(event) -> dict[str, str]:
    """What the page shows for one event: its icon and its text (an unknown kind, e.g. of an
    app since removed, shows its code rather than failing)."""
    spec = timeline_kind(event.kind)
    if spec is None:
        return {"icon": "bi-dot", "text": event.kind, "label": event.kind}
    return {"icon": spec.icon, "text": spec.text(event), "label": str(spec.label)}


# -- the ledger's own kinds ------------------------------------------------------------------

def _labels(codes, choices) -> str:
    table = dict(choices)
    return "、".join(str(table.get(c, c)) for c in codes) or _("无")


def _field_labels(event) -> str:
    from anju.registry.templatetags.ledger import field_label

    return "、".join(field_label(f) for f in (event.data or {}).get("fields", []))


def _prefixed(prefix: str, event) -> str:
    fields = _field_labels(event)
    return f"{prefix}：{fields}" if fields else prefix


def _status(event) -> str:
    data, status = event.data or {}, dict(EmploymentStatus.choices)
    return _("就业状态：%(before)s → %(after)s") % {
        "before": status.get(data.get("before"), "—"), "after": status.get(data.get("after"), "—")}


def _difficulty(event) -> str:
    data = event.data or {}
    return _("困难类型：%(before)s → %(after)s") % {
        "before": _labels(data.get("before", []), DifficultyType.choices),
        "after": _labels(data.get("after", []), DifficultyType.choices)}


def _verified(event) -> str:
    data = event.data or {}
    if "result" in data:
        return _("入户核实（%(date)s）：%(result)s") % {
            "date": data.get("visited_on", ""), "result": dict(VisitResult.choices).get(data["result"], data["result"])}
    return _prefixed(_("核实更正"), event)


def _certificate(event) -> str:
    return _("取得证书：%(occupation)s") % {"occupation": (event.data or {}).get("occupation", "")}


def _hired(event) -> str:
    return _("用工登记：%(employer)s") % {"employer": (event.data or {}).get("employer", "")}


_LABELS = dict(TimelineKind.choices)
for code, icon, describe in (
    (TimelineKind.REGISTERED, "bi-person-plus", None),
    (TimelineKind.UPDATED, "bi-pencil", lambda e: _prefixed(_("修改信息"), e)),
    (TimelineKind.STATUS, "bi-briefcase", _status),
    (TimelineKind.DIFFICULTY, "bi-exclamation-triangle", _difficulty),
    (TimelineKind.VERIFIED, "bi-clipboard-check", _verified),
    (TimelineKind.IMPORTED, "bi-file-earmark-spreadsheet", lambda e: _prefixed(_("表格导入更新"), e)),
    (TimelineKind.CERTIFICATE, "bi-award", _certificate),
    # Hires are employment's; the kind predates the registry and stays here until employment
    # registers its own lines.
    (TimelineKind.HIRED, "bi-building", _hired),
    (TimelineKind.HOUSEHOLD, "bi-people", None),
):
    register_timeline_kind(str(code), _LABELS[code], icon, describe=describe)
