from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from anju.audit.middleware import current_meta
from anju.audit.models import Action, AuditEvent
from anju.lib.jsonutil import plain_decimal


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "pk"):
        return value.pk
    return value


def audit_record(
    *,
    actor,
    action: str | Action,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    region_code: str = "",
    changes: dict[str, tuple[Any, Any]] | None = None,
    detail: dict[str, Any] | None = None,
    username: str = "",
) -> AuditEvent:
    """Append one audit event. Call inside the transaction of the write it records."""
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    meta = current_meta()
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=actor_obj,
        actor_username=username or (actor_obj.get_username() if actor_obj else ""),
        action=str(action),
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        region_code=region_code or "",
        changes={k: [_plain(a), _plain(b)] for k, (a, b) in (changes or {}).items()},
        detail={k: _plain(v) for k, v in (detail or {}).items()},
        ip=meta.get("ip"),
        user_agent=meta.get("user_agent", ""),
    )
