"""PostgreSQL: a field's indexes built while its table stays open to reads and writes.

A metadata change commits the field's column (an instant ADD COLUMN) and records each
index it wants in ``gx_pending_index`` (``ddl.sync_field_indexes``). After the commit the
same call builds them here with CREATE [UNIQUE] INDEX CONCURRENTLY, which lets inserts,
updates and reads of the table go on, and answers only when they are valid (ADR 0020).

A unique index that meets duplicate values (written in the moment between the commit and
the index taking effect) undoes the metadata change and answers what the in-transaction
build answered: 409, ``unique``: duplicate. A build cut short by the death of its process
leaves its pending row and perhaps an INVALID index; :func:`finish_pending`, run at
start-up, by ``guanxi migrate`` and by ``guanxi doctor``, drops that index and builds it
again, or undoes the change as above.

Each build holds a session advisory lock on its index name, so several processes starting
at once, or a start-up meeting a call still building, never build the same index twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import Connection, Engine, delete, exc, inspect, select, text, update

from guanxi.kernel.clock import SystemClock
from guanxi.kernel.db import after_commit
from guanxi.kernel.errors import Conflict, FieldError
from guanxi.platform.metadata import ddl
from guanxi.platform.metadata.counters import sequence_name
from guanxi.platform.metadata.model import FieldDef, ObjectDef
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.metadata.state import bump_version
from guanxi.platform.metadata.tables import (
    gx_field,
    gx_object,
    gx_pending_index,
    gx_sequence,
    sequence_key,
)
from guanxi.platform.search import index as search_index

# The first key of the advisory locks taken on index names (the second is a hash of the
# schema and the name), apart from the other advisory locks of the database.
ADVISORY_CLASS = 7462

# gx_field's columns a flag change may have touched, as its undo restores them.
FIELD_ROW = (
    "type",
    "label",
    "help",
    "required",
    "is_unique",
    "indexed",
    "searchable",
    "default",
    "config",
    "position",
    "archived",
)


class Outcome(Enum):
    BUILT = "built"  # the index is valid, its pending row gone
    UNDONE = "undone"  # duplicates: the metadata change was undone
    SKIPPED = "skipped"  # another process holds its lock (it is building it)


def duplicate_values() -> Conflict:
    """The answer to a unique flag that the records' current values break."""
    return Conflict(
        "existing records have duplicate values",
        errors=[FieldError("unique", "existing records have duplicate values", "duplicate")],
    )


def field_row(f: FieldDef) -> dict[str, Any]:
    """A field's gx_field values that an update's undo puts back."""
    return {
        "type": f.type,
        "label": f.label,
        "help": f.help,
        "required": f.required,
        "is_unique": f.unique,
        "indexed": f.indexed,
        "searchable": f.searchable,
        "default": f.default,
        "config": f.config,
        "position": f.position,
        "archived": f.archived,
    }


def build_after_commit(conn: Connection, names: Sequence[str]) -> None:
    """Have the pending indexes ``names`` built once ``conn``'s transaction commits.

    Outside a ``Database.write`` transaction they stay pending until the next
    :func:`finish_pending`."""
    if names:
        engine = conn.engine
        after_commit(conn, lambda: build(engine, list(names)))


def build(engine: Engine, names: Sequence[str]) -> None:
    """Build the pending indexes ``names`` (waiting for a process building one of them
    to finish); raises the duplicate-values :class:`Conflict` if one was undone."""
    undone = False
    with _autocommit(engine) as conn:
        for name in names:
            undone |= _finish_locked(engine, conn, name, wait=True) is Outcome.UNDONE
    if undone:
        raise duplicate_values()


def finish_pending(engine: Engine) -> dict[str, Outcome]:
    """Build every pending index no live process is building: drop its INVALID remains
    first, undo its metadata change if it meets duplicates. Idempotent, safe to run from
    several processes at once; nothing to do on SQLite or before the migration that made
    the table. Returns what happened to each."""
    if engine.dialect.name != "postgresql":
        return {}
    with _autocommit(engine) as conn:
        if not inspect(conn).has_table(gx_pending_index.name):
            return {}
        names = conn.execute(
            select(gx_pending_index.c.index_name).order_by(gx_pending_index.c.created_at)
        ).scalars()
        return {name: _finish_locked(engine, conn, name, wait=False) for name in list(names)}


def pending_names(engine: Engine) -> list[str]:
    """The indexes still to build (for ``guanxi doctor``)."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as conn:
        if not inspect(conn).has_table(gx_pending_index.name):
            return []
        return list(conn.execute(select(gx_pending_index.c.index_name)).scalars())


@contextmanager
def _autocommit(engine: Engine) -> Iterator[Connection]:
    """CREATE INDEX CONCURRENTLY runs outside any transaction, for as long as it needs:
    the request time limit (a session setting) is lifted, and restored before the
    connection goes back to the pool."""
    with engine.connect() as base:
        conn = base.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("SET statement_timeout = 0")
        try:
            yield conn
        finally:
            conn.exec_driver_sql("RESET statement_timeout")


def _finish_locked(engine: Engine, conn: Connection, name: str, *, wait: bool) -> Outcome:
    key = {"cls": ADVISORY_CLASS, "name": name}
    lock_key = "hashtext(current_schema() || '.' || :name)"
    if wait:
        conn.execute(text(f"SELECT pg_advisory_lock(:cls, {lock_key})"), key)
    elif not conn.execute(text(f"SELECT pg_try_advisory_lock(:cls, {lock_key})"), key).scalar():
        return Outcome.SKIPPED
    try:
        return _finish(engine, conn, name)
    finally:
        conn.execute(text(f"SELECT pg_advisory_unlock(:cls, {lock_key})"), key)


def _index_valid(conn: Connection, name: str) -> bool | None:
    """True when the index exists and is valid, False when it exists but is INVALID (a
    concurrent build cut short), None when there is none."""
    quoted = conn.dialect.identifier_preparer.quote(name)
    valid: bool | None = conn.execute(
        text("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(:name)"),
        {"name": quoted},
    ).scalar()
    return valid


def _finish(engine: Engine, conn: Connection, name: str) -> Outcome:
    row = conn.execute(
        select(gx_pending_index).where(gx_pending_index.c.index_name == name)
    ).first()
    if row is None:  # finished by another process while this one waited for the lock
        return Outcome.BUILT if _index_valid(conn, name) else Outcome.UNDONE
    forget = delete(gx_pending_index).where(gx_pending_index.c.index_name == name)
    field_id = conn.execute(
        select(gx_field.c.id).where(
            gx_field.c.object_name == row.object_name, gx_field.c.name == row.field_name
        )
    ).scalar()
    if field_id is None:  # the field is gone: nothing to index
        conn.execute(forget)
        return Outcome.UNDONE
    quote = conn.dialect.identifier_preparer.quote
    state = _index_valid(conn, name)
    if state is False:
        conn.exec_driver_sql(f"DROP INDEX CONCURRENTLY IF EXISTS {quote(name)}")
    if state is not True:
        try:
            conn.exec_driver_sql(row.ddl)
        except exc.IntegrityError:
            # Duplicates: the failed build leaves an INVALID index that writes would
            # still have to maintain.
            conn.exec_driver_sql(f"DROP INDEX CONCURRENTLY IF EXISTS {quote(name)}")
            for again in _undo(engine, row):
                _finish_locked(engine, conn, again, wait=True)
            return Outcome.UNDONE
    conn.execute(forget)
    return Outcome.BUILT


def _undo(engine: Engine, pending: Any) -> list[str]:
    """Undo the metadata change that wanted the unique index ``pending``: a new field is
    removed again, a changed one gets its previous definition back. Returns the indexes
    that definition needs again (e.g. the plain index a unique flag replaced), left
    pending to be built concurrently in turn."""
    now = SystemClock().now()
    with engine.begin() as conn:
        snap = Registry().snapshot(conn)
        obj = snap.objects[pending.object_name]
        f = obj.get_field(pending.field_name, include_archived=True)
        assert f is not None  # _finish saw its row, and this lock's holder alone undoes
        conn.execute(
            delete(gx_pending_index).where(
                gx_pending_index.c.object_name == obj.name,
                gx_pending_index.c.field_name == f.name,
            )
        )
        action = pending.undo.get("action")
        again: list[str] = []
        if action == "create":
            _remove_field(conn, obj, f)
        elif action == "update":
            again = _restore_field(conn, obj, f, pending.undo["before"], now)
        bump_version(conn)
    return again


def _remove_field(conn: Connection, obj: ObjectDef, f: FieldDef) -> None:
    with ddl.brief_table_locks(conn, f.name):
        ddl.drop_field_columns(conn, obj, f)
    conn.execute(
        delete(gx_field).where(gx_field.c.object_name == obj.name, gx_field.c.name == f.name)
    )
    if obj.name_field == f.name:
        conn.execute(update(gx_object).where(gx_object.c.name == obj.name).values(name_field=None))
    if f.type == "auto_number":
        conn.execute(delete(gx_sequence).where(gx_sequence.c.key == sequence_key(obj.name, f.name)))
        quote = conn.dialect.identifier_preparer.quote
        conn.exec_driver_sql(f"DROP SEQUENCE IF EXISTS {quote(sequence_name(obj.name, f.name))}")


def _restore_field(
    conn: Connection, obj: ObjectDef, f: FieldDef, before: dict[str, Any], now: datetime
) -> list[str]:
    conn.execute(
        update(gx_field)
        .where(gx_field.c.object_name == obj.name, gx_field.c.name == f.name)
        .values(**{k: before[k] for k in FIELD_ROW}, updated_at=now)
    )
    old = replace(
        f,
        type=before["type"],
        label=before["label"],
        help=before["help"],
        required=before["required"],
        unique=before["is_unique"],
        indexed=before["indexed"],
        searchable=before["searchable"],
        default=before["default"],
        config=before["config"],
        position=before["position"],
        archived=before["archived"],
    )
    old_obj = replace(obj, fields=tuple(old if g.name == f.name else g for g in obj.fields))
    changed = search_index.changed_fields(obj, old_obj)
    if changed:
        search_index.enqueue_having(conn, old_obj, changed)
    with ddl.brief_table_locks(conn, f.name):
        return ddl.sync_field_indexes(conn, old_obj, old, concurrently=True, now=now)
