"""Panels of the worker page, registered by the apps that own them.

A service adds its panel from its AppConfig.ready(), so the ledger's page never names the
services above it:

    register_worker_panel("policies", "registry/_lazy_panel.html", context_fn=..., order=10,
                          permission=lambda user, worker: PolicyPolicy.can(user, "view"))

`context_fn(request, worker) -> dict` gives the template's context (the worker is always in it);
`permission(user, worker) -> bool` decides whether the user sees the panel at all. Panels render
in `order`, in their column ("side" beside the timeline, "main" under the record).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

COLUMNS = ("main", "side")


@dataclass(frozen=True)
class WorkerPanel:
    key: str
    template: str
    context_fn: Callable[[Any, Any], dict] | None
    order: int
    permission: Callable[[Any, Any], bool] | None
    column: str


_PANELS: dict[str, WorkerPanel] = {}


def register_worker_panel(key: str, template: str, context_fn: Callable[[Any, Any], dict] | None = None, *,
                          order: int = 100, permission: Callable[[Any, Any], bool] | None = None,
                          column: str = "side") -> WorkerPanel:
    """Add a panel to the worker page. The same key twice is refused unless it is the same
    registration (an app's ready() may run again in a test process)."""
    if column not in COLUMNS:
        raise ImproperlyConfigured(f"worker panel {key!r}: column must be one of {COLUMNS}")
    panel = WorkerPanel(key, template, context_fn, order, permission, column)
    existing = _PANELS.get(key)
    if existing is not None and existing != panel:
        raise ImproperlyConfigured(f"worker panel {key!r} is already registered")
    _PANELS[key] = panel
    return panel


def unregister_worker_panel(key: str) -> None:
    """For tests that register a panel of their own."""
    _PANELS.pop(key, None)


def registered_panels() -> list[WorkerPanel]:
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.key))


def worker_panels(request, worker) -> dict[str, list[SafeString]]:
    """The panels this user sees on this worker's page, rendered, by column."""
    out: dict[str, list[SafeString]] = {column: [] for column in COLUMNS}
    for panel in registered_panels():
        if panel.permission is not None and not panel.permission(request.user, worker):
            continue
        context = {"worker": worker, "panel_key": panel.key}
        if panel.context_fn is not None:
            context |= panel.context_fn(request, worker)
        out[panel.column].append(render_to_string(panel.template, context, request=request))
    return out


def _children_context(request, worker) -> dict:
    from anju.registry.permissions import WorkerPolicy

    return {"children": list(worker.children.all()), "can_change": WorkerPolicy.can_on(request.user, "change", worker)}


def register_ledger_panels() -> None:
    """The ledger's own panels (called from RegistryConfig.ready)."""
    register_worker_panel("children", "registry/_children_panel.html", _children_context, order=5, column="main")
