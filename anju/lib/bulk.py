"""Fast bulk inserts of plain value tuples, for imports of 100,000 rows.

Django's `bulk_create` prepares every value of every instance through the field API (several
microseconds each); for a ledger row with its history, timeline and audit lines that is ~100
values. `Inserter` resolves each column's conversion once and sends a batch as multi-row INSERTs
(SQLite and other backends) or COPY (PostgreSQL). Values are model attribute values (attnames),
exactly what `bulk_create` would have been given; `auto_now` fields are not filled in (pass
them). `Copier` derives rows from rows just inserted inside the database (a "+" history record,
a timeline line), and `collector_paused` keeps the garbage collector out of a bulk job's way.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain
from typing import Any

from django.db import connections
from django.db.backends.sqlite3.base import Database

# Internal types whose Python value is already what the database driver takes.
_PLAIN = {"CharField", "TextField", "IntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
          "SmallIntegerField", "BigIntegerField", "BooleanField", "ForeignKey", "AutoField", "BigAutoField",
          "SlugField", "EmailField"}


_pause_lock = threading.Lock()
_pauses = 0
_collector_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk job. Pauses nest, also across threads
    (a counter under a lock); the collector is process-wide, so other threads run without it
    meanwhile, and it is enabled again when the last pause ends if it was enabled before the first.

    An import holds a workbook of millions of cells while it makes millions of short-lived
    rows; every full collection walks all of them, which cost a quarter of a 100,000-row
    import. Its garbage is freed by reference counting as it goes; any cycles it leaves are
    collected once the collector resumes.
    """
    global _pauses, _collector_was_enabled
    with _pause_lock:
        if _pauses == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _collector_was_enabled:
                gc.enable()


class Inserter:
    def __init__(self, model, fields: Sequence[str], *, using: str = "default"):
        self.connection = connections[using]
        meta = model._meta
        self.fields = [meta.get_field(name) for name in fields]
        self.table = meta.db_table
        self.pk_column = meta.pk.column
        quote = self.connection.ops.quote_name
        self.columns = ", ".join(quote(f.column) for f in self.fields)
        self.converters = [(i, self._converter(f)) for i, f in enumerate(self.fields) if f.get_internal_type() not in _PLAIN]
        # Keep each statement under the backend's host-parameter limit.
        self.sqlite = self.connection.vendor == "sqlite"
        self.postgresql = self.connection.vendor == "postgresql"
        self.quoted_table = quote(self.table)
        limit = 30_000 if self.sqlite else 60_000
        self.rows_per_statement = max(1, limit // max(1, len(self.fields)))
        self._statements: dict[tuple[int, bool], str] = {}

    def _converter(self, field) -> Callable[[list], list]:
        """A function converting one column's values (a list) for the database.

        Dates, amounts and timestamps repeat across rows (an import stamps every row with one
        datetime; birth dates and incomes recur): each distinct value is converted once and the
        column mapped through the memo at C speed. Values that cannot be dictionary keys (JSON)
        are converted one by one, except that a repeat of the same object (a detail shared by
        every row) reuses its conversion.
        """
        connection = self.connection
        prep = field.get_db_prep_save
        if field.get_internal_type() == "JSONField":
            # What JSONField.get_db_prep_save ends in, without its per-value layers.
            encoder = field.encoder

            def prep(value, connection):  # noqa: F811 - the JSON shortcut of the line above
                return connection.ops.adapt_json_value(value, encoder)
        memo: dict[Any, Any] = {None: None}
        if field.get_internal_type() == "JSONField":
            # In JSON, true and 1 (and 1.0) are different values, but equal as dictionary keys:
            # memoise by type and value.
            typed: dict[Any, Any] = {}

            def convert_json(column: list) -> list:
                out, last, converted = [], None, None
                for value in column:
                    if value is None:
                        out.append(None)
                    elif value is last:  # a detail shared by every row
                        out.append(converted)
                    elif isinstance(value, (dict, list)):
                        last, converted = value, prep(value, connection)
                        out.append(converted)
                    else:
                        key = (value.__class__, value)
                        if key not in typed:
                            typed[key] = prep(value, connection)
                        out.append(typed[key])
                return out
            return convert_json

        def convert(column: list) -> list:
            try:
                for value in set(column).difference(memo):
                    memo[value] = prep(value, connection)
                return list(map(memo.__getitem__, column))
            except TypeError:  # unhashable values
                pass
            out, last, converted = [], None, None
            for value in column:
                if value is None:
                    out.append(None)
                elif value is last:
                    out.append(converted)
                else:
                    last, converted = value, prep(value, connection)
                    out.append(converted)
            return out
        return convert

    def prepare(self, rows: Sequence[Sequence[Any]]) -> list[list]:
        """The rows' values converted for the database (new lists: callers may set a value that
        needs no conversion, such as a primary key, before `insert_prepared`)."""
        if not rows:
            return []
        if not self.converters:
            return [list(row) for row in rows]
        columns = list(zip(*rows, strict=True))
        for i, convert in self.converters:
            columns[i] = convert(columns[i])
        return [list(row) for row in zip(*columns, strict=True)]

    def _sql(self, count: int, returning: bool) -> str:
        key = (count, returning)
        sql = self._statements.get(key)
        if sql is None:
            mark = "?" if self.sqlite else "%s"
            one = "(" + ", ".join([mark] * len(self.fields)) + ")"
            sql = f"INSERT INTO {self.connection.ops.quote_name(self.table)} ({self.columns}) VALUES " + ", ".join([one] * count)
            sql += f" RETURNING {self.connection.ops.quote_name(self.pk_column)}" if returning else ""
            self._statements[key] = sql
        return sql

    def _execute(self, cursor, sql: str, params: list) -> None:
        if self.sqlite:
            # The driver's own execute with "?" marks: Django's SQLite wrapper would rewrite
            # every "%s" of a 30,000-parameter statement with a regular expression first.
            with self.connection.wrap_database_errors:
                Database.Cursor.execute(cursor.cursor, sql, params)
        else:
            cursor.execute(sql, params)

    def insert(self, rows: Sequence[Sequence[Any]]) -> None:
        self.insert_prepared(self.prepare(rows))

    def insert_prepared(self, prepared: Sequence[Sequence[Any]]) -> None:
        """Insert rows from `prepare`, as multi-row INSERTs: one statement per
        `rows_per_statement` rows (fewer, cheaper calls than `executemany` of one-row INSERTs);
        on PostgreSQL, with COPY."""
        if self.postgresql:
            self._copy(prepared)
            return
        step = self.rows_per_statement
        with self.connection.cursor() as cursor:
            for start in range(0, len(prepared), step):
                part = prepared[start:start + step]
                self._execute(cursor, self._sql(len(part), False), list(chain.from_iterable(part)))

    def insert_returning_pks(self, rows: Sequence[Sequence[Any]]) -> list[int]:
        """Insert and return the new primary keys in the order of `rows`: on SQLite inside a
        transaction, read back after the INSERTs (`_sqlite_insert_pks`); on PostgreSQL, taken from
        the sequence before a COPY (`_postgresql_insert_pks`); else multi-row VALUES ... RETURNING."""
        return self.insert_prepared_returning_pks(self.prepare(rows))

    def insert_prepared_returning_pks(self, prepared: Sequence[Sequence[Any]]) -> list[int]:
        if self.sqlite and self.connection.in_atomic_block:
            return self._sqlite_insert_pks(prepared)
        if self.postgresql:
            return self._postgresql_insert_pks(prepared)
        pks: list[int] = []
        step = self.rows_per_statement
        with self.connection.cursor() as cursor:
            for start in range(0, len(prepared), step):
                part = prepared[start:start + step]
                self._execute(cursor, self._sql(len(part), True), list(chain.from_iterable(part)))
                pks.extend(r[0] for r in cursor.fetchall())
        return pks

    def _copy(self, prepared: Sequence[Sequence[Any]], pks: Sequence[int] | None = None) -> None:
        """PostgreSQL: the rows through COPY (no statement text to build or parse; psycopg
        adapts each value by type, as for a query), with `pks` as the key column if given.
        COPY goes to psycopg's own cursor, so Django's execute wrappers and query log do not
        see it."""
        if not prepared:
            return
        quote = self.connection.ops.quote_name
        columns = self.columns if pks is None else f"{quote(self.pk_column)}, {self.columns}"
        with self.connection.cursor() as cursor, self.connection.wrap_database_errors:
            with cursor.cursor.copy(f"COPY {self.quoted_table} ({columns}) FROM STDIN") as copy:
                if pks is None:
                    for row in prepared:
                        copy.write_row(row)
                else:
                    for pk, row in zip(pks, prepared, strict=True):
                        copy.write_row((pk, *row))

    def _postgresql_insert_pks(self, prepared: Sequence[Sequence[Any]]) -> list[int]:
        """PostgreSQL: take the keys from the table's sequence in one query, then COPY the rows
        with them (Django's identity columns are GENERATED BY DEFAULT, so given keys are kept)."""
        if not prepared:
            return []
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [self.quoted_table, self.pk_column, len(prepared)])
            pks = sorted(r[0] for r in cursor.fetchall() if r[0] is not None)
        if len(pks) != len(prepared):
            raise RuntimeError(f"{self.table}: {self.pk_column} has no sequence to take keys from")
        self._copy(prepared, pks)
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


class Copier:
    """Rows derived from rows just inserted, copied by the database: ``INSERT INTO target (...)
    SELECT ... FROM source WHERE pk IN (...)``. A person's "+" history record repeats the new
    row's values and a timeline line needs only its key, so nothing is bound value by value.

    `copied` pairs a target field with the source field it takes its value from; `constants`
    are target fields given one value for every row (converted once, as `Inserter` would).
    """

    def __init__(self, target, source, copied: Sequence[tuple[str, str]], constants: Sequence[str], *,
                 using: str = "default"):
        self.connection = connections[using]
        quote = self.connection.ops.quote_name
        tmeta, smeta = target._meta, source._meta
        self.constants = [tmeta.get_field(name) for name in constants]
        columns = [quote(tmeta.get_field(t).column) for t, _s in copied] + [quote(f.column) for f in self.constants]
        values = [quote(smeta.get_field(s).column) for _t, s in copied] + ["%s"] * len(self.constants)
        self.pk = quote(smeta.pk.column)
        self.sql = (f"INSERT INTO {quote(tmeta.db_table)} ({', '.join(columns)}) "
                    f"SELECT {', '.join(values)} FROM {quote(smeta.db_table)} WHERE ")

    def prepare(self, values: Sequence[Any]) -> list:
        """The constants' values converted for the database."""
        return [f.get_db_prep_save(v, self.connection) for f, v in zip(self.constants, values, strict=True)]

    def copy(self, pks: Sequence[int], prepared: list) -> None:
        """One row per source key in `pks` (distinct), written in ascending key order (per
        chunk of 900 keys when they are not one run)."""
        if not pks:
            return
        with self.connection.cursor() as cursor:
            low, high = min(pks), max(pks)
            if high - low + 1 == len(pks) == len(set(pks)):  # one run of keys (always, inserting alone on SQLite)
                cursor.execute(self.sql + f"{self.pk} BETWEEN %s AND %s ORDER BY {self.pk}", prepared + [low, high])
                return
            for start in range(0, len(pks), 900):
                part = list(pks[start:start + 900])
                cursor.execute(self.sql + f"{self.pk} IN ({', '.join(['%s'] * len(part))}) ORDER BY {self.pk}",
                               prepared + part)
