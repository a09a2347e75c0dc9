"""Edits that carry their version (DESIGN idea 8; STYLE "Edits carry their version").

A record people edit has `version = models.PositiveIntegerField(default=1)`. An edit states the
version it started from (a form's hidden field, the API's `If-Match`); the service, inside its
transaction, re-reads the row under a lock and writes only what changed:

    record = lock_versioned(Worker.objects, pk, expected_version=version)  # 409 if stale
    ... compare the request with `record`, the locked row, not the copy the view read ...
    save_versioned(record, ["notes"])  # UPDATE notes, version = version + 1, updated_at

Two edits of different fields then both keep their change (the second waits for the first's
lock and compares against what the first wrote), and an edit made from a stale copy is refused
with `VersionConflict` (HTTP 409) instead of silently undoing the other one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils.translation import gettext_noop as N_

from anju.lib.errors import AnjuError

M = TypeVar("M", bound=models.Model)

VERSION_FIELD = "version"


class VersionConflict(AnjuError):
    """The record changed since the editor read it; nothing was saved."""

    code = "version_conflict"
    status = 409

    def __init__(self, *, expected: int | None = None, current: int | None = None, message: Any = None,
                 params: dict[str, Any] | None = None, field: str | None = None):
        self.expected, self.current = expected, current
        if message is None:
            if expected is None or current is None:
                message = N_("该记录已被他人修改，请重新读取后再试。")
            else:
                message = N_("该记录已被他人修改（您读取的是第 %(expected)s 版，现在是第 %(current)s 版），"
                             "请重新读取后再试。")
                params = {"expected": expected, "current": current}
        super().__init__(message, field, params=params)


def check_version(record: models.Model, expected_version: int | None) -> None:
    """Refuse a stale edit: `expected_version` None means the editor stated none."""
    current = getattr(record, VERSION_FIELD)
    if expected_version is not None and expected_version != current:
        raise VersionConflict(expected=expected_version, current=current)


def lock_versioned(queryset: models.QuerySet[M] | models.Manager[M], pk: Any, *,
                   expected_version: int | None = None) -> M:
    """The row `pk`, locked (SELECT ... FOR UPDATE) and then read with `queryset`, checked
    against `expected_version`. Must run inside a transaction. A row deleted since it was read
    is a conflict too.

    The lock is taken by a query of its own, without joins: on PostgreSQL a locking query that
    had to wait re-reads the locked row at its new version but its joined rows as they were when
    it started, so a relation the other transaction created (a new household) would be missing.
    The read after it starts afresh and sees everything committed before the lock was granted."""
    if not transaction.get_connection(queryset.db).in_atomic_block:
        raise RuntimeError("lock_versioned must run inside transaction.atomic")
    model = queryset.model
    locked = list(model._default_manager.db_manager(queryset.db).select_for_update().filter(pk=pk).values_list("pk", flat=True))
    record = queryset.filter(pk=pk).first() if locked else None
    if record is None:
        raise VersionConflict(expected=expected_version, message=N_("该记录已不存在（可能已被他人删除），请返回列表重新查找。"))
    check_version(record, expected_version)
    return record


def save_versioned(record: models.Model, fields: Iterable[str]) -> list[str]:
    """Save `fields` of a locked record (from `lock_versioned`) with its version + 1 and, if the
    model has one, its `updated_at` (auto_now). Returns the columns written."""
    update_fields = sorted(set(fields) - {VERSION_FIELD, "updated_at"})
    setattr(record, VERSION_FIELD, getattr(record, VERSION_FIELD) + 1)
    update_fields.append(VERSION_FIELD)
    if any(f.name == "updated_at" for f in record._meta.concrete_fields):
        update_fields.append("updated_at")
    record.save(update_fields=update_fields)
    return update_fields


def update_versioned(queryset: models.QuerySet[M] | models.Manager[M], pk: Any, values: dict[str, Any], *,
                     expected_version: int | None = None) -> tuple[M, dict[str, tuple[Any, Any]]]:
    """For plain fields: lock the row, set the `values` that differ from it, save only those.
    Returns the saved record and {field: (before, after)} (empty, and no write, if none differ)."""
    record = lock_versioned(queryset, pk, expected_version=expected_version)
    changes = {name: (getattr(record, name), value) for name, value in values.items() if getattr(record, name) != value}
    if changes:
        for name, (_before, after) in changes.items():
            setattr(record, name, after)
        save_versioned(record, changes)
    return record, changes


def adopt(target: models.Model, source: models.Model) -> None:
    """Make `target` (the caller's stale copy) hold what `source` (the locked, saved row) holds,
    cached relations included, so the caller shows the stored record without another query."""
    for field in target._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
        if field.is_relation:
            if field.is_cached(source):
                field.set_cached_value(target, field.get_cached_value(source))
            elif field.is_cached(target):
                field.delete_cached_value(target)


# -- HTTP: the version as an entity tag --------------------------------------------------------

_ETAG = re.compile(r'\s*(?:W/)?"?([0-9]{1,10})"?\s*')


def etag(version: int) -> str:
    """The `ETag` of a record at `version`: `"3"`."""
    return f'"{version}"'


def versions_from_if_match(header: str | None) -> set[int] | None:
    """The versions an `If-Match` header names: None when absent or `*` (no condition). Accepts
    `"3"`, `W/"3"`, `3` and comma-separated lists; ValueError for anything else."""
    if header is None or not header.strip() or header.strip() == "*":
        return None
    versions = set()
    for part in header.split(","):
        match = _ETAG.fullmatch(part)
        if match is None:
            raise ValueError(header)
        versions.add(int(match.group(1)))
    return versions
