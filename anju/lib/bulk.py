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
        # that cannot be dictionary keys (JSON) are converted every time, except when the same
        # object comes again (a detail shared by every row is encoded once).
        memo: dict[Any, Any] = {}
        last: list[Any] = [None, None]  # the last unhashable value (a shared JSON object) and its conversion

        def convert(value):
            if value is None:
                return None
            try:
                return memo[value]
            except KeyError:
                converted = memo[value] = prep(value, connection)
                return converted
            except TypeError:
                if value is last[0]:
                    return last[1]
                converted = prep(value, connection)
                last[:] = value, converted
                return converted
        return convert

    def prepare(self, rows: Sequence[Sequence[Any]]) -> list[list]:
        """The rows' values converted for the database (new lists: callers may set a value that
        needs no conversion, such as a primary key, before `insert_prepared`)."""
        converters = [(i, c) for i, c in enumerate(self.prep) if c is not None]
        out = []
        for row in rows:
            row = list(row)
            for i, convert in converters:
                row[i] = convert(row[i])
            out.append(row)
        return out

    def _sql(self, count: int, returning: bool) -> str:
        one = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
        sql = f"INSERT INTO {self.connection.ops.quote_name(self.table)} ({self.columns}) VALUES " + ", ".join([one] * count)
        return sql + (f" RETURNING {self.connection.ops.quote_name(self.pk_column)}" if returning else "")

    def insert(self, rows: Sequence[Sequence[Any]]) -> None:
        self.insert_prepared(self.prepare(rows))

    def insert_prepared(self, prepared: Sequence[Sequence[Any]]) -> None:
        """Insert rows from `prepare`, as multi-row INSERTs: one statement per
        `rows_per_statement` rows (fewer, cheaper calls than `executemany` of one-row INSERTs)."""
        step = self.rows_per_statement
        with self.connection.cursor() as cursor:
            for start in range(0, len(prepared), step):
                part = prepared[start:start + step]
                cursor.execute(self._sql(len(part), False), [v for row in part for v in row])

    def insert_returning_pks(self, rows: Sequence[Sequence[Any]]) -> list[int]:
        """Insert and return the new primary keys in the order of `rows` (multi-row VALUES ...
        RETURNING, as Django's bulk_create does on SQLite 3.35+ and PostgreSQL)."""
        return self.insert_prepared_returning_pks(self.prepare(rows))

    def insert_prepared_returning_pks(self, prepared: Sequence[Sequence[Any]]) -> list[int]:
        if self.connection.vendor == "sqlite" and self.connection.in_atomic_block:
            return self._sqlite_insert_pks(prepared)
        pks: list[int] = []
        step = self.rows_per_statement
        with self.connection.cursor() as cursor:
            for start in range(0, len(prepared), step):
                part = prepared[start:start + step]
                cursor.execute(self._sql(len(part), True), [v for row in part for v in row])
                pks.extend(r[0] for r in cursor.fetchall())
        return pks

    def _sqlite_insert_pks(self, prepared: Sequence[Sequence[Any]]) -> list[int]:
        """SQLite, inside a transaction: RETURNING hands back one row per step; instead, insert
        without it and read the new keys back. The INSERT takes SQLite's only write lock for the
        rest of the transaction (if another connection wrote since our SELECT, it fails rather
        than proceeds, in WAL mode), and a rowid table gives each new row a key above every key
        before it, so the rows inserted here are exactly those above the previous maximum, in
        order."""
        if not prepared:
            return []
        table, pk = self.connection.ops.quote_name(self.table), self.connection.ops.quote_name(self.pk_column)
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT max({pk}) FROM {table}")
            before = cursor.fetchone()[0] or 0
            self.insert_prepared(prepared)
            cursor.execute(f"SELECT count(*), min({pk}), max({pk}) FROM {table} WHERE {pk} > %s", [before])
            count, first, last = cursor.fetchone()
            if count == len(prepared) and last - first + 1 == count:
                return list(range(first, last + 1))
            cursor.execute(f"SELECT {pk} FROM {table} WHERE {pk} > %s ORDER BY {pk}", [before])
            pks = [r[0] for r in cursor.fetchall()]
        if len(pks) != len(prepared):
            raise RuntimeError(f"{self.table}: inserted {len(prepared)} rows but found {len(pks)} new keys")
        return pks
