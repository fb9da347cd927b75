"""Runtime DDL: object tables and field columns created and altered while the server runs.

Both SQLite and PostgreSQL run DDL inside the caller's transaction, so a failed metadata
change leaves neither a half-made table nor a definition without its column. One
exception (ADR 0020): on PostgreSQL a field's new indexes are not built in that
transaction, where CREATE INDEX would stop every write to the table (and, behind the
ALTER TABLE's lock, every read) for the whole build. They are recorded as pending and
built after the commit with CREATE INDEX CONCURRENTLY (``online_index``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, Index, MetaData, Table, delete, exc, insert, inspect
from sqlalchemy.schema import CreateColumn, CreateIndex

from guanxi.kernel.clock import SystemClock
from guanxi.kernel.db import transaction_notes
from guanxi.kernel.errors import FieldError, TableBusy
from guanxi.platform.metadata.fieldtypes import field_type
from guanxi.platform.metadata.model import FieldDef, ObjectDef, table_name_for
from guanxi.platform.metadata.registry import build_table, index_name
from guanxi.platform.metadata.tables import gx_pending_index

# How long a metadata change waits for its table's lock on PostgreSQL. A lock request
# that waits makes every later reader of the table queue behind it, so it gives up soon
# (answering 503, nothing changed) instead of stalling the table while a long transaction
# finishes.
LOCK_TIMEOUT = "3s"
LOCK_NOT_AVAILABLE = "55P03"


def builds_concurrently(conn: Connection) -> bool:
    """Whether a field's new indexes wait for the commit (PostgreSQL) or are made in the
    transaction (SQLite: one writer at a time, and WAL readers never wait for it)."""
    return conn.dialect.name == "postgresql"


@contextmanager
def brief_table_locks(conn: Connection, field_name: str) -> Iterator[None]:
    """PostgreSQL: the DDL inside gives up after ``LOCK_TIMEOUT`` waiting for a table
    lock, raising :class:`TableBusy` (the transaction is then rolled back)."""
    if conn.dialect.name != "postgresql":
        yield
        return
    conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    try:
        yield
    except exc.OperationalError as error:
        if getattr(error.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        raise TableBusy(
            f"the table of {field_name!r} is in use by other transactions; try again",
            errors=[FieldError("name", "its object's table is busy; try again", "busy")],
        ) from None
    conn.exec_driver_sql("SET LOCAL lock_timeout TO DEFAULT")


def create_object_table(conn: Connection, obj: ObjectDef) -> None:
    metadata = MetaData()
    _reflect_targets(conn, obj, metadata)
    table = build_table(obj, metadata, conn.dialect.name)
    table.create(conn)
    notes = transaction_notes(conn)
    if notes is not None:  # no one else sees it before the commit: index it right here
        notes.created.add(obj.table_name)


def _reflect_targets(conn: Connection, obj: ObjectDef, metadata: MetaData) -> None:
    """Lookup foreign keys need their target tables present in the same MetaData."""
    for f in obj.fields:
        if f.type == "lookup" and f.opt("target") != obj.name:
            Table(table_name_for(f.opt("target")), metadata, autoload_with=conn)


def add_field_columns(
    conn: Connection,
    obj: ObjectDef,
    f: FieldDef,
    *,
    concurrently: bool = False,
    undo: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> list[str]:
    """ALTER TABLE … ADD COLUMN for each column of a new field, then its indexes (see
    :func:`sync_field_indexes`); returns the names of the indexes left pending."""
    ftype = field_type(f.type)
    if not ftype.stored:
        return []
    preparer = conn.dialect.identifier_preparer
    table_sql = preparer.quote(obj.table_name)
    for column in ftype.columns(f):
        spec = str(CreateColumn(_detached(column)).compile(dialect=conn.dialect))
        if f.type == "lookup":
            target = preparer.quote(table_name_for(f.opt("target")))
            action = {"restrict": "RESTRICT", "set_null": "SET NULL", "cascade": "CASCADE"}[
                f.opt("on_delete", "set_null")
            ]
            spec += f" REFERENCES {target} (id) ON DELETE {action}"
        conn.exec_driver_sql(f"ALTER TABLE {table_sql} ADD COLUMN {spec}")
    return sync_field_indexes(
        conn, obj, f, concurrently=concurrently, undo=undo or {"action": "create"}, now=now
    )


def drop_field_columns(conn: Connection, obj: ObjectDef, f: FieldDef) -> None:
    """ALTER TABLE … DROP COLUMN for each column of a field (and so its indexes): the
    undoing of :func:`add_field_columns`."""
    ftype = field_type(f.type)
    if not ftype.stored:
        return
    quote = conn.dialect.identifier_preparer.quote
    for name in ftype.column_names(f):
        conn.exec_driver_sql(f"ALTER TABLE {quote(obj.table_name)} DROP COLUMN {quote(name)}")


def _detached(column: Column[Any]) -> Column[Any]:
    """A copy without constraints, which ADD COLUMN adds separately (see above)."""
    copy = Column(column.name, column.type, nullable=True)
    Table("_detached", MetaData(), copy)
    return copy


def sync_field_indexes(
    conn: Connection,
    obj: ObjectDef,
    f: FieldDef,
    *,
    concurrently: bool = False,
    undo: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Create or drop the field's indexes so they match its unique/indexed/searchable flags.

    With ``concurrently`` (PostgreSQL only) an index to create is recorded in
    ``gx_pending_index`` instead, with ``undo`` (what undoes the metadata change should a
    unique index meet duplicates), to be built after the commit; returns those names.
    Drops happen at once either way: they take the table's lock only for a moment."""
    ftype = field_type(f.type)
    if not ftype.stored:
        return []
    notes = transaction_notes(conn)
    concurrently = (
        concurrently
        and builds_concurrently(conn)
        and not (notes is not None and obj.table_name in notes.created)
    )
    table = build_table(obj, MetaData(), conn.dialect.name)
    first = ftype.column_names(f)[0]
    candidates = {index_name(obj.table_name, first), index_name(obj.table_name, first, unique=True)}
    wanted: dict[str, Index] = {str(ix.name): ix for ix in table.indexes if ix.name in candidates}
    existing = _existing_indexes(conn, obj.table_name)
    quote = conn.dialect.identifier_preparer.quote
    pending: list[str] = []
    trigram = _sync_trigram_index(conn, obj, f, existing, build=not concurrently)
    if trigram is not None:
        name, sql = trigram
        _record_pending(conn, obj, f, name, sql, unique=False, undo=undo, now=now)
        pending.append(name)
    for name in candidates & existing:
        if name not in wanted:
            conn.exec_driver_sql(f"DROP INDEX {quote(name)}")
            _forget_pending(conn, name)
    for name, index in wanted.items():
        if name in existing:
            continue
        if concurrently:
            index.dialect_options["postgresql"]["concurrently"] = True
            sql = str(CreateIndex(index).compile(dialect=conn.dialect))
            _record_pending(conn, obj, f, name, sql, unique=bool(index.unique), undo=undo, now=now)
            pending.append(name)
        else:
            index.create(conn)
    return pending


def _record_pending(
    conn: Connection,
    obj: ObjectDef,
    f: FieldDef,
    name: str,
    sql: str,
    *,
    unique: bool,
    undo: dict[str, Any] | None,
    now: datetime | None = None,
) -> None:
    _forget_pending(conn, name)  # a change of mind before an earlier build ran
    conn.execute(
        insert(gx_pending_index).values(
            index_name=name,
            table_name=obj.table_name,
            object_name=obj.name,
            field_name=f.name,
            ddl=sql,
            is_unique=unique,
            undo=undo or {"action": "none"},
            created_at=now or SystemClock().now(),
        )
    )


def _forget_pending(conn: Connection, name: str) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(delete(gx_pending_index).where(gx_pending_index.c.index_name == name))


def sync_table_indexes(conn: Connection, obj: ObjectDef) -> list[str]:
    """Rebuild the object table's indexes whose columns differ from the current design
    (``build_table``), e.g. after an upgrade changed it; returns the names rebuilt."""
    table = build_table(obj, MetaData(), conn.dialect.name)
    existing = {str(ix["name"]): ix for ix in inspect(conn).get_indexes(obj.table_name)}
    quote = conn.dialect.identifier_preparer.quote
    rebuilt = []
    for index in table.indexes:
        name = str(index.name)
        have = existing.get(name)
        if have is None:
            continue  # a field's index that is not there yet is sync_field_indexes' business
        if list(have["column_names"]) != [col.name for col in index.columns]:
            conn.exec_driver_sql(f"DROP INDEX {quote(name)}")
            index.create(conn)
            rebuilt.append(name)
    return rebuilt


def _existing_indexes(conn: Connection, table_name: str) -> set[str]:
    return {str(ix["name"]) for ix in inspect(conn).get_indexes(table_name)}


TRIGRAM_TYPES = frozenset({"text", "email", "phone", "auto_number", "url"})


def _sync_trigram_index(
    conn: Connection, obj: ObjectDef, f: FieldDef, existing: set[str], *, build: bool
) -> tuple[str, str] | None:
    """PostgreSQL: a pg_trgm GIN index makes ILIKE '%…%' on a searchable field an index scan.

    Global search no longer needs it (it has its own index, ADR 0006), but list filters
    with ``contains`` and ``ends_with`` on these fields do. Unless ``build``, an index to
    make is returned as (name, CREATE INDEX CONCURRENTLY statement) instead.
    """
    if conn.dialect.name != "postgresql":
        return None
    quote = conn.dialect.identifier_preparer.quote
    name = f"tg_{obj.table_name}_{f.name}"[:63]
    wanted = f.searchable and f.type in TRIGRAM_TYPES and not f.archived
    if wanted and name not in existing:
        how = "" if build else " CONCURRENTLY"
        sql = (
            f"CREATE INDEX{how} {quote(name)} ON {quote(obj.table_name)}"
            f" USING gin ({quote(f.name)} gin_trgm_ops)"
        )
        if not build:
            return name, sql
        conn.exec_driver_sql(sql)
    elif not wanted and name in existing:
        conn.exec_driver_sql(f"DROP INDEX {quote(name)}")
        _forget_pending(conn, name)
    return None
