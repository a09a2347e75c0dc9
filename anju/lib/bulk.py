"""Fast bulk inserts of plain value tuples, for imports of 100,000 rows.

Django's `bulk_create` prepares every value of every instance through the field API (several
microseconds each); for a ledger row with its history, timeline and audit lines that is ~100
values. `Inserter` resolves each column's conversion once and runs one prepared statement per
batch, on any backend Django supports. Values are model attribute values (attnames), exactly what
`bulk_create` would have been given; `auto_now` fields are not filled in (pass them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections

# Internal types whose Python value is already what the database driver takes.
_PLAIN = {"CharField", "TextField", "IntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
          "SmallIntegerField", "BigIntegerField", "BooleanField", "ForeignKey", "AutoField", "BigAutoField",
          "SlugField", "EmailField"}


class Inserter:
    def __init__(self, model, fields: Sequence[str], *, using: str = "default"):
        self.connection = connections[using]
        meta = model._meta
        self.fields = [meta.get_field(name) for name in fields]
        self.table = meta.db_table
        self.pk_column = meta.pk.column
        quote = self.connection.ops.quote_name
        self.columns = ", ".join(quote(f.column) for f in self.fields)
        self.prep: list[Callable[[Any], Any] | None] = [self._converter(f) for f in self.fields]
        # Keep each statement under the backend's host-parameter limit.
        limit = 30_000 if self.connection.vendor == "sqlite" else 60_000
        self.rows_per_statement = max(1, limit // max(1, len(self.fields)))

    def _converter(self, field) -> Callable[[Any], Any] | None:
        if field.get_internal_type() in _PLAIN:
            return None
        connection = self.connection
        prep = field.get_db_prep_save
        # Dates, amounts and timestamps repeat across rows (an import stamps every row with one
        # datetime; birth dates and incomes recur): convert each distinct value once. Values
        # that cannot be dictionary keys (JSON) are converted every time.
        memo: dict[Any, Any] = {}

        def convert(value):
            if value is None:
                return None
            try:
                return memo[value]
            except KeyError:
                converted = memo[value] = prep(value, connection)
                return converted
            except TypeError:
                return prep(value, connection)
        return convert

    def _prepared(self, rows: Sequence[Sequence[Any]]) -> list[tuple]:
        converters = [(i, c) for i, c in enumerate(self.prep) if c is not None]
        if not converters:
            return [tuple(r) for r in rows]
        out = []
        for row in rows:
            row = list(row)
            for i, convert in converters:
                row[i] = convert(row[i])
            out.append(tuple(row))
        return out

    def _sql(self, count: int, returning: bool) -> str:
        one = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
        sql = f"INSERT INTO {self.connection.ops.quote_name(self.table)} ({self.columns}) VALUES " + ", ".join([one] * count)
        return sql + (f" RETURNING {self.connection.ops.quote_name(self.pk_column)}" if returning else "")

    def insert(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        with self.connection.cursor() as cursor:
            cursor.executemany(self._sql(1, False), self._prepared(rows))

    def insert_returning_pks(self, rows: Sequence[Sequence[Any]]) -> list[int]:
        """Insert and return the new primary keys in the order of `rows` (multi-row VALUES ...
        RETURNING, as Django's bulk_create does on SQLite 3.35+ and PostgreSQL)."""
        pks: list[int] = []
        prepared = self._prepared(rows)
        step = self.rows_per_statement
        with self.connection.cursor() as cursor:
            for start in range(0, len(prepared), step):
                part = prepared[start:start + step]
                cursor.execute(self._sql(len(part), True), [v for row in part for v in row])
                pks.extend(r[0] for r in cursor.fetchall())
        return pks
