"""Keeping the search index (``gx_search``) in step with the records.

Each record with searchable text has one row: the grams of its searchable fields
(:mod:`guanxi.platform.search.grams`); on SQLite each row also has its entry in the FTS5
table, written here too. Creates and updates only :func:`enqueue` the records they wrote
(one small row, in their own transaction); :func:`drain` indexes what is queued in
batches, from the indexer thread (:mod:`guanxi.platform.search.indexer`) within a second,
and before any search that finds the queue non-empty, so the next search finds what was
just saved (ADR 0007). A purge calls :func:`remove` at once. Soft-deleted records
keep their row (search joins the object table and asks ``deleted_at IS NULL``), so
deleting and restoring cost the index nothing. A metadata change that alters which fields
are searchable queues the records concerned (:func:`enqueue_having`);
:func:`reindex` rebuilds an object's rows at once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, NamedTuple
from uuid import UUID

from sqlalchemy import (
    CTE,
    Connection,
    MetaData,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from guanxi.platform.access.policy import SUPERUSER, Policy
from guanxi.platform.metadata.model import FieldDef, ObjectDef
from guanxi.platform.metadata.registry import Snapshot, build_table
from guanxi.platform.process.tables import gx_outbox
from guanxi.platform.records.inserts import insert_rows
from guanxi.platform.search.grams import value_grams
from guanxi.platform.search.tables import (
    FTS_TABLE,
    gx_search,
    gx_search_fts,
    gx_search_fts_content,
)

SEARCHABLE_TYPES = frozenset({"text", "email", "phone", "auto_number", "url"})
BATCH = 5000  # records per SELECT and per executemany while re-indexing
DRAIN = 1000  # records drain() indexes per transaction (SQLite's write lock is held meanwhile)
QUEUE_LOCK = 0x67785F7365617263  # PostgreSQL advisory lock key of drain() ("gx_searc")
SQLITE_IDS = 5000  # ids per IN list, well under SQLite's limit of bound parameters


class Drained(NamedTuple):
    records: int  # records (re)indexed
    more: bool  # queue rows were left for the next batch


class Entry(NamedTuple):
    """One index row, in the column order :func:`_insert` writes."""

    object_name: str
    record_id: UUID
    grams: list[str]


# The index's queue is the outbox's messages to this handler (ADR 0030): one row per write,
# listing the records it wrote; a bulk create of 1,000 records adds one row.
HANDLER = "search"
_QUEUED = (gx_outbox.c.handler == HANDLER) & (gx_outbox.c.state == "pending")
_ENQUEUE = insert(gx_outbox).values(handler=HANDLER)
_PENDING = select(gx_outbox.c.id).where(_QUEUED).limit(1)


def searchable_fields(obj: ObjectDef, policy: Policy = SUPERUSER) -> list[FieldDef]:
    """The title field and fields marked searchable, minus those hidden from the user.

    With the default (superuser) policy these are the fields the index holds.
    """
    return [
        f
        for f in obj.active_fields
        if f.type in SEARCHABLE_TYPES
        and (f.searchable or f.name == obj.name_field)
        and policy.field_visible(obj.name, f.name)
    ]


def record_grams(fields: Sequence[FieldDef], values: Mapping[Any, Any]) -> list[str] | None:
    """The index row's grams for one record's column values; None without searchable text.

    Searchable fields have one column named like the field, so ``values`` may be a row.
    """
    grams: set[str] = set()
    for f in fields:
        value_grams(values.get(f.name), f.type, grams)
    return list(grams) if grams else None


def enqueue(
    conn: Connection,
    obj: ObjectDef,
    record_ids: Sequence[UUID],
    changed: Iterable[str] | None = None,
) -> None:
    """Queue records whose index rows are out of date, in the transaction that wrote them.

    With ``changed`` (the fields an update changed), only if a searchable one is among
    them. :func:`drain` writes the rows later (the indexer thread, or a search first).
    """
    if not record_ids or not searchable_fields(obj):
        return
    if changed is not None and not touches(obj, changed):
        return
    conn.execute(_ENQUEUE, {"object_name": obj.name, "record_ids": [i.hex for i in record_ids]})


# Bind parameter names of :func:`enqueue_cte` (capitals never meet a column's parameter).
QUEUE_OBJECT, QUEUE_IDS = "GX_QUEUE_OBJECT", "GX_QUEUE_IDS"


def enqueue_cte(obj: ObjectDef) -> CTE | None:
    """:func:`enqueue` as a CTE for the statement that writes the records (PostgreSQL runs
    a data-modifying CTE whether or not the statement refers to it), so that queueing
    costs no statement of its own; None when the object has nothing to index. Its
    parameters: :func:`enqueue_params`."""
    if not searchable_fields(obj):
        return None
    queue = gx_outbox.c
    row = select(
        literal(HANDLER, type_=queue.handler.type),
        bindparam(QUEUE_OBJECT, type_=queue.object_name.type),
        bindparam(QUEUE_IDS, type_=queue.record_ids.type),
    )
    # INSERT … SELECT: its columns are fixed, where VALUES would take in every column the
    # outer statement's parameters name (``id``).
    return (
        insert(gx_outbox).from_select([queue.handler, queue.object_name, queue.record_ids], row)
    ).cte("gx_queued")


def enqueue_params(obj: ObjectDef, record_ids: Sequence[UUID]) -> dict[str, Any]:
    return {QUEUE_OBJECT: obj.name, QUEUE_IDS: [i.hex for i in record_ids]}


def touches(obj: ObjectDef, changed: Iterable[str]) -> bool:
    """Whether changing these fields changes a record's grams."""
    return not {f.name for f in searchable_fields(obj)}.isdisjoint(changed)


def enqueue_having(
    conn: Connection, obj: ObjectDef, changed: Collection[str], table: Table | None = None
) -> int:
    """Queue the records with a value in one of the ``changed`` fields; returns how many.

    For a metadata change that altered those fields' part in the index (searchable flag,
    type, archive, restore, title field): the indexer re-indexes them in the background,
    in batches, instead of the change's own transaction doing it for every record.
    """
    if table is None:
        table = build_table(obj, MetaData(), conn.dialect.name)
    stored = [table.c[name] for name in changed if name in table.c]
    if not stored:
        return 0
    ids = (
        select(table.c.id)
        .where(or_(*(column.is_not(None) for column in stored)))
        .order_by(table.c.id)
    )
    count = 0
    streamed = conn.execute(ids, execution_options={"stream_results": True})
    for part in streamed.scalars().partitions(DRAIN):
        conn.execute(_ENQUEUE, {"object_name": obj.name, "record_ids": [i.hex for i in part]})
        count += len(part)
    return count


def pending(conn: Connection) -> bool:
    """Whether the queue lists any record."""
    return conn.execute(_PENDING).first() is not None


def drain(conn: Connection, snap: Snapshot, budget: int = DRAIN) -> Drained:
    """Index the records the queue lists, oldest first, about ``budget`` of them.

    Runs in the caller's write transaction and says how many records it (re)indexed and
    whether it left queue rows behind (0 records: the queue is empty). Each record's row
    is rebuilt from what its table holds now, so the order of writes does not matter and
    a record written twice is indexed once; a purged record loses its row. Drainers take turns (SQLite has one writer;
    PostgreSQL takes a transaction-scoped advisory lock), so two of them never index the
    same record from different states.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(QUEUE_LOCK)))
    queued = conn.execute(
        select(gx_outbox.c.id, gx_outbox.c.object_name, gx_outbox.c.record_ids)
        .where(_QUEUED)
        .order_by(gx_outbox.c.id)
        .limit(budget)
    ).all()
    taken: list[int] = []
    by_object: dict[str, set[UUID]] = {}
    count = 0
    more = len(queued) == budget  # there may be rows beyond those it read
    for entry in queued:
        if taken and count + len(entry.record_ids) > budget:
            more = True
            break
        taken.append(entry.id)
        by_object.setdefault(entry.object_name, set()).update(map(UUID, entry.record_ids))
        count += len(entry.record_ids)
    for name, ids in by_object.items():
        obj = snap.objects.get(name)
        if obj is not None:  # a dropped object's table and rows are gone already
            _rebuild(conn, obj, snap.table(name), sorted(ids))
    if taken:
        conn.execute(delete(gx_outbox).where(gx_outbox.c.id.in_(taken)))
    return Drained(count, more)


def _rebuild(conn: Connection, obj: ObjectDef, table: Table, ids: Sequence[UUID]) -> None:
    fields = searchable_fields(obj)
    columns = [table.c.id, *(table.c[f.name] for f in fields)]
    for start in range(0, len(ids), SQLITE_IDS):
        chunk = ids[start : start + SQLITE_IDS]
        delete_rows(conn, gx_search.c.object_name == obj.name, gx_search.c.record_id.in_(chunk))
        rows = conn.execute(select(*columns).where(table.c.id.in_(chunk))).mappings().all()
        entries = _entries(obj, fields, rows)
        if entries:
            _insert(conn, entries)


def remove(conn: Connection, snap: Snapshot, obj: ObjectDef, ids: Sequence[UUID]) -> None:
    """Drop the rows of records about to be purged, and of what the purge cascades to.

    A purge deletes for good; lookups with ``on_delete=cascade`` are foreign keys with
    ``ON DELETE CASCADE``, so the database removes those records too, at any depth.
    """
    pending: list[tuple[ObjectDef, list[UUID]]] = [(obj, list(ids))]
    seen: set[tuple[str, UUID]] = set()
    while pending:
        current, record_ids = pending.pop()
        record_ids = [i for i in record_ids if (current.name, i) not in seen]
        if not record_ids:
            continue
        seen.update((current.name, i) for i in record_ids)
        delete_rows(
            conn, gx_search.c.object_name == current.name, gx_search.c.record_id.in_(record_ids)
        )
        for other in snap.objects.values():
            for f in other.fields:  # archived lookups keep their foreign keys
                if (
                    f.type == "lookup"
                    and f.opt("target") == current.name
                    and f.opt("on_delete") == "cascade"
                ):
                    table = snap.table(other.name)
                    children = list(
                        conn.execute(
                            select(table.c.id).where(table.c[f.name].in_(record_ids))
                        ).scalars()
                    )
                    if children:
                        pending.append((other, children))


def reindex(conn: Connection, snap: Snapshot, object_name: str) -> int:
    """Rebuild one object's part of the index from its table; returns the rows written."""
    obj = snap.objects[object_name]
    return reindex_object(conn, obj, snap.table(object_name))


def reindex_object(conn: Connection, obj: ObjectDef, table: Table | None = None) -> int:
    """Rebuild all of an object's index rows from its table, in the caller's transaction.

    ``obj`` may be a definition not in any snapshot yet (a new object). Reads the table in
    batches by id; returns the index rows written. An archived object keeps its rows (its
    records are not searched, and come back with it).
    """
    if table is None:
        table = build_table(obj, MetaData(), conn.dialect.name)
    delete_rows(conn, gx_search.c.object_name == obj.name)
    fields = searchable_fields(obj)
    if not fields:
        return 0
    columns = [table.c.id, *(table.c[f.name] for f in fields)]
    written = 0
    last: Any = None
    while True:
        stmt = select(*columns).order_by(table.c.id).limit(BATCH)
        if last is not None:
            stmt = stmt.where(table.c.id > last)
        rows = conn.execute(stmt).mappings().all()
        if not rows:
            return written
        last = rows[-1]["id"]
        entries = _entries(obj, fields, rows)
        if entries:
            _insert(conn, entries)
            written += len(entries)


def _insert(conn: Connection, entries: list[Entry]) -> None:
    """Insert one object's index rows; on SQLite also their full-text entries.

    Two statements: the driver's bulk insert (``insert_rows``: executemany, or COPY on
    PostgreSQL), and on SQLite one INSERT … SELECT that has the database compute the
    keys (the content view) for all the new rows.
    """
    insert_rows(conn, gx_search, Entry._fields, entries)
    if conn.dialect.name != "sqlite":
        return
    object_name = entries[0].object_name
    record_ids = [e.record_id for e in entries]
    for start in range(0, len(record_ids), SQLITE_IDS):
        new_rows = select(gx_search.c.id).where(
            gx_search.c.object_name == object_name,
            gx_search.c.record_id.in_(record_ids[start : start + SQLITE_IDS]),
        )
        conn.execute(
            insert(gx_search_fts).from_select(
                ["rowid", "grams"],
                select(gx_search_fts_content.c.id, gx_search_fts_content.c.grams).where(
                    gx_search_fts_content.c.id.in_(new_rows)
                ),
            )
        )


def delete_rows(conn: Connection, *where: ColumnElement[bool]) -> None:
    """Delete index rows; on SQLite first take their entries out of the full-text index.

    FTS5 needs a row's old text to remove it, which the content view gives. The
    application does this in one statement rather than with triggers: FTS5 writes its
    pending entries to disk at every savepoint, and a trigger runs inside one per row,
    which made bulk changes six times slower.
    """
    if conn.dialect.name == "sqlite":
        old_rows = select(gx_search.c.id).where(*where)
        conn.execute(
            insert(gx_search_fts).from_select(
                [FTS_TABLE, "rowid", "grams"],
                select(
                    literal("delete"), gx_search_fts_content.c.id, gx_search_fts_content.c.grams
                ).where(gx_search_fts_content.c.id.in_(old_rows)),
            )
        )
    conn.execute(delete(gx_search).where(*where))


def _entries(
    obj: ObjectDef, fields: Sequence[FieldDef], rows: Iterable[Mapping[Any, Any]]
) -> list[Entry]:
    if not fields:
        return []
    entries = []
    for row in rows:
        grams = record_grams(fields, row)
        if grams is not None:
            entries.append(Entry(obj.name, row["id"], grams))
    return entries


def index_signature(obj: ObjectDef) -> dict[str, str]:
    """What the index of an object depends on: its searchable fields and their types."""
    return {f.name: f.type for f in searchable_fields(obj)}


def changed_fields(old: ObjectDef, new: ObjectDef) -> set[str]:
    """The fields whose part in the index differs between two definitions of an object."""
    before, after = index_signature(old), index_signature(new)
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
