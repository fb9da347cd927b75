"""Writing many new rows at once through the database driver's own bulk path.

``conn.execute(insert(table), [dict, …])`` compiles the statement and builds and converts
every parameter of every row in generic code: a sixth of a 1,000-row bulk create. Here
rows come as values in column order; each column's own bind processor (the conversion
SQLAlchemy would apply) runs once per value, values shared by all rows are converted once,
and the rows go to the driver in one call — ``executemany`` on SQLite, ``COPY … FROM
STDIN`` on PostgreSQL — on the caller's connection and transaction. A constraint
violation still rolls the whole transaction back and still arrives as SQLAlchemy's
``IntegrityError``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from itertools import repeat
from typing import Any

from sqlalchemy import Column, Connection, Dialect, Table, insert
from sqlalchemy.exc import DBAPIError

from guanxi.platform.metadata.fieldtypes import FieldType, field_type
from guanxi.platform.metadata.model import ObjectDef

Processor = Callable[[Any], Any]
# Below this, SQLAlchemy's insert() (its statement cached) costs less than preparing the
# driver path, and on PostgreSQL a plain INSERT saves the round trip COPY adds.
FEW_ROWS = 10


class FieldColumns:
    """The columns an object's stored fields fill, and one record's values for them."""

    def __init__(self, obj: ObjectDef) -> None:
        self.names: list[str] = []
        # Per field: its name and, for a type with several columns, how to split a value.
        self._fields: list[tuple[str, Callable[[Any], list[Any]] | None]] = []
        for f in obj.active_fields:
            ftype = field_type(f.type)
            if not ftype.stored:
                continue
            names = ftype.column_names(f)
            self.names.extend(names)
            if len(names) == 1 and type(ftype).to_columns is FieldType.to_columns:
                self._fields.append((f.name, None))
            else:
                self._fields.append((f.name, partial(ftype.column_values, f)))

    def values(self, values: Mapping[str, Any], row: list[Any]) -> list[Any]:
        """Append the record's column values to ``row`` (a missing field is NULL)."""
        for name, split in self._fields:
            if split is None:
                row.append(values.get(name))
            else:
                row.extend(split(values.get(name)))
        return row


def insert_rows(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    shared: Mapping[str, Any] | None = None,
) -> None:
    """INSERT ``rows`` (Python values in ``columns`` order) into ``table``, in one driver call.

    ``shared`` holds columns whose value is the same for every row (converted once).
    Columns not named get NULL, as with ``insert(table)``, which a few rows still use.
    """
    if not rows:
        return
    shared = dict(shared or {})
    dialect = conn.dialect
    sqlite = dialect.name == "sqlite" and dialect.paramstyle == "qmark"
    copy = dialect.name == "postgresql" and dialect.driver == "psycopg"
    if len(rows) < FEW_ROWS or not (sqlite or copy):  # SQLAlchemy's own way
        conn.execute(
            insert(table), [{**dict(zip(columns, row, strict=True)), **shared} for row in rows]
        )
        return
    names = [*columns, *shared]
    processors = [_bind_processor(table.c[name], dialect) for name in columns]
    tail = tuple(
        value if (proc := _bind_processor(table.c[name], dialect)) is None else proc(value)
        for name, value in shared.items()
    )
    params = _driver_rows(rows, processors, tail)
    preparer = dialect.identifier_preparer
    quoted = ", ".join(preparer.quote(name) for name in names)
    if sqlite:
        marks = ", ".join("?" for _ in names)
        sql = f"INSERT INTO {preparer.format_table(table)} ({quoted}) VALUES ({marks})"  # noqa: S608 - identifiers quoted by the dialect
        conn.exec_driver_sql(sql, params)
    else:
        _copy(conn, f"COPY {preparer.format_table(table)} ({quoted}) FROM STDIN", params)


def _bind_processor(column: Column[Any], dialect: Dialect) -> Processor | None:
    """The conversion SQLAlchemy applies to a parameter for this column (None: as it is)."""
    processor: Processor | None = column.type.dialect_impl(dialect).bind_processor(dialect)
    return processor


def _keeps_none(processor: Processor) -> bool:
    try:
        return processor(None) is None
    except Exception:  # a processor that cannot take None must still be called with it
        return False


def _driver_rows(
    rows: Sequence[Sequence[Any]], processors: list[Processor | None], tail: tuple[Any, ...]
) -> list[tuple[Any, ...]]:
    """Each column's values through its processor, then back into rows (with ``tail``)."""
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
    for i, processor in enumerate(processors):
        if processor is not None:
            if _keeps_none(processor):
                columns[i] = [None if v is None else processor(v) for v in columns[i]]
            else:
                columns[i] = [processor(v) for v in columns[i]]
    shared = [repeat(value, len(rows)) for value in tail]
    return list(zip(*columns, *shared, strict=True))


def _copy(conn: Connection, sql: str, params: list[tuple[Any, ...]]) -> None:
    import psycopg

    driver = conn.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    try:
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for row in params:
                copy.write_row(row)
    except psycopg.Error as error:
        # Raised as Connection.execute raises it: IntegrityError for a unique violation …
        wrapped = DBAPIError.instance(sql, None, error, psycopg.Error, dialect=conn.dialect)
        assert isinstance(wrapped, DBAPIError)
        raise wrapped from error
