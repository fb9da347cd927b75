"""Creating and updating records: validation, numbering, optimistic locking, history.

Functions take the request's unit of work (:class:`Ctx`): it commits once at the end, so a
bulk call either lands whole or, with ``all_or_none=False``, lands exactly its good rows.
Deleting, restoring and purging live in ``deletion``; reading in ``reads``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from datetime import date
from functools import partial
from typing import Any
from uuid import UUID

from sqlalchemy import Insert, Table, and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from guanxi.kernel.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    PreconditionRequired,
    ValidationFailed,
    VersionConflict,
)
from guanxi.kernel.ids import uuid7_batch
from guanxi.platform.metadata import counters
from guanxi.platform.metadata.fieldtypes import AutoNumberType, field_type
from guanxi.platform.metadata.model import FieldDef, ObjectDef
from guanxi.platform.query.paths import QueryScope
from guanxi.platform.records import reader
from guanxi.platform.records.context import (
    MAX_BULK,
    BulkResult,
    Ctx,
    columns,
    current,
    next_numbers,
    not_object,
    raise_integrity,
    require,
    write_history,
    written,
)
from guanxi.platform.records.inserts import FieldColumns, insert_rows
from guanxi.platform.records.validation import (
    RowCleaner,
    check_references,
    check_unique,
    clean_row,
    field_access,
)
from guanxi.platform.records.values import plain
from guanxi.platform.search import index as search_index

MAX_VERSION = 2**63 - 1  # a record's version is a positive 64-bit integer


def create_many(
    ctx: Ctx,
    object_name: str,
    rows: Sequence[Any],
    *,
    all_or_none: bool = True,
    return_records: bool = True,
) -> BulkResult:
    """Insert records; with ``all_or_none`` one bad row rejects the call, naming each problem."""
    obj = ctx.snap.object(object_name)
    require(ctx, "create", obj)
    if not 1 <= len(rows) <= MAX_BULK:
        raise ValidationFailed(
            "records", errors=[FieldError("records", f"send 1 to {MAX_BULK} records", "invalid")]
        )
    cleaned: list[tuple[int | None, dict[str, Any]]] = []
    errors: list[FieldError] = []
    cleaner = RowCleaner(
        obj,
        creating=True,
        access=field_access(obj, ctx.actor.policy, "create"),
        policy=ctx.actor.policy,
    )
    for index, data in enumerate(rows):
        values, row_errors = cleaner.clean(data, index)
        errors.extend(row_errors)
        if not row_errors:
            cleaned.append((index, values))
    errors.extend(check_references(ctx.conn, ctx.snap, obj, cleaned, ctx.actor.policy))
    errors.extend(check_unique(ctx.conn, ctx.snap, obj, cleaned))
    bad = {e.index for e in errors}
    if errors and all_or_none:
        raise ValidationFailed(f"{len(bad)} of {len(rows)} records are not valid", errors=errors)
    good = [(i, v) for i, v in cleaned if i not in bad]
    result = BulkResult(errors=errors)
    if not good:
        return result
    # A single new record on PostgreSQL is one statement (see _insert_one).
    one_statement = len(good) == 1 and ctx.conn.dialect.name == "postgresql"
    numbered_in_sql = (
        [
            f
            for f in obj.active_fields
            if f.type == "auto_number" and counters.uses_sequence(f, "postgresql")
        ]
        if one_statement
        else []
    )
    numbers = {
        f.name: next_numbers(ctx, obj, f, len(good))
        for f in obj.active_fields
        if f.type == "auto_number" and f not in numbered_in_sql
    }
    table = ctx.snap.table(obj.name)
    fields = obj.derived("field_columns", partial(FieldColumns, obj))
    columns = ["id", "owner_id", *fields.names]
    shared = {
        "version": 1,
        "created_at": ctx.now,
        "created_by_id": ctx.actor.user_id,
        "updated_at": ctx.now,
        "updated_by_id": ctx.actor.user_id,
        "deleted_at": None,
    }
    inserts: list[list[Any]] = []
    ids = uuid7_batch(len(good))
    for n, (_, values) in enumerate(good):
        record_id = ids[n]
        for name, issued in numbers.items():
            values[name] = issued[n]
        owner_id = values.pop("owner_id", ctx.actor.user_id)
        inserts.append(fields.values(values, [record_id, owner_id]))
    try:
        if one_statement:
            row = inserts[0]
            params = {**dict(zip(columns, row, strict=True)), **shared}
            new_numbers = _insert_one(ctx, obj, params, numbered_in_sql)
            for f, number in zip(numbered_in_sql, new_numbers, strict=True):
                row[columns.index(f.name)] = number
        else:
            insert_rows(ctx.conn, table, columns, inserts, shared=shared)
    except IntegrityError as error:
        raise_integrity(error)
    if not one_statement:
        search_index.enqueue(ctx.conn, obj, ids)
    # No history rows for creates: the record's created_at/created_by_id say it all (and
    # history() shows them as the first entry), which halves the rows a bulk load writes.
    if not return_records or not ctx.actor.policy.can("read", obj.name):
        result.records = [{"id": str(record_id), "version": 1} for record_id in ids]
    elif not any(f.type == "formula" for f in obj.active_fields):
        # What was written is what a read would return: no need to read it back.
        scope = QueryScope(ctx.snap, obj, ctx.conn.dialect.name, ctx.actor.policy)
        plan = reader.read_plan(scope, None, ctx.zone)
        position = {name: i for i, name in enumerate(columns)}
        picks = [(position.get(key), shared.get(key)) for key in plan.selection.column_keys()]
        result.records = plan.render_written(
            [[same if i is None else row[i] for i, same in picks] for row in inserts]
        )
    else:
        read: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), reader.MAX_LIMIT):
            chunk = ids[start : start + reader.MAX_LIMIT]
            page = reader.query(
                ctx.conn,
                ctx.snap,
                obj,
                ctx.zone,
                ctx.now,
                limit=len(chunk),
                extra_where=[table.c.id.in_(chunk)],
                policy=ctx.actor.policy,
            )
            read.update((r["id"], r) for r in page.records)
        # A record given to an owner outside the creator's data scope is not read back:
        # its id and version are all the creator may see of it.
        result.records = [
            read.get(str(record_id)) or {"id": str(record_id), "version": 1} for record_id in ids
        ]
    return result


def _insert_one(
    ctx: Ctx, obj: ObjectDef, params: dict[str, Any], numbered: list[FieldDef]
) -> Sequence[str]:
    """Insert one record on PostgreSQL in one statement; returns its ``numbered`` fields'
    new numbers.

    The numbers from the fields' sequences and the record's search-queue entry are part of
    the ``INSERT`` (:func:`counters.next_number_sql`, :func:`search_index.enqueue_cte`)
    instead of statements of their own: each statement costs a round trip and about
    0.1 ms of SQLAlchemy's and psycopg's Python, a fifth of a create's time in the server.
    """
    key = ("insert_one", ctx.conn.dialect.name, *(f.name for f in numbered))
    stmt = obj.derived(key, partial(_one_row_insert, ctx.snap.table(obj.name), obj, numbered))
    today = ctx.now.astimezone(ctx.zone).date()
    for f in numbered:
        auto = field_type(f.type)
        assert isinstance(auto, AutoNumberType)
        before, _, after = auto.affixes(f, today)
        before_key, after_key = counters.affix_keys(f)
        params[before_key], params[after_key] = before, after
        del params[f.name]  # the statement's own expression fills it
    if search_index.searchable_fields(obj):
        params.update(search_index.enqueue_params(obj, [params["id"]]))
    result = ctx.conn.execute(stmt, params)
    return tuple(result.one()) if numbered else ()


def _one_row_insert(table: Table, obj: ObjectDef, numbered: list[FieldDef]) -> Insert:
    """The statement :func:`_insert_one` runs for ``obj`` (made once per definition)."""
    stmt = insert(table)
    if numbered:
        widths = {f.name: _counter_width(f) for f in numbered}
        stmt = stmt.values(
            {f.name: counters.next_number_sql(f, widths[f.name]) for f in numbered}
        ).returning(*(table.c[f.name] for f in numbered))
    queue = search_index.enqueue_cte(obj)
    return stmt if queue is None else stmt.add_cte(queue)


def _counter_width(f: FieldDef) -> int:
    auto = field_type(f.type)
    assert isinstance(auto, AutoNumberType)
    return auto.affixes(f, date.min)[1]


def create(ctx: Ctx, object_name: str, data: Any) -> dict[str, Any]:
    return (
        create_many(ctx, object_name, [data]).records[0]
        if isinstance(data, Mapping)
        else not_object()
    )


def update_record(
    ctx: Ctx,
    object_name: str,
    record_id: UUID,
    data: Any,
    *,
    expected_version: int | None,
    index: int | None = None,
    reindex: list[UUID] | None = None,
) -> dict[str, Any]:
    """Apply a partial change if ``expected_version`` is still current (optimistic locking).

    A change to a searchable field queues the record for the search index, or, given
    ``reindex``, adds its id there for the caller to queue with others in one row.
    """
    obj = ctx.snap.object(object_name)
    require(ctx, "update", obj)
    if not isinstance(data, Mapping):
        not_object()
    if expected_version is None and data.get("version") is not None:
        expected_version = data["version"]
        if (
            isinstance(expected_version, bool)
            or not isinstance(expected_version, int)
            or not 1 <= expected_version <= MAX_VERSION
        ):
            raise ValidationFailed(
                "version: must be an integer",
                errors=[
                    FieldError("version", f"must be an integer, 1 to {MAX_VERSION}", "type", index)
                ],
            )
    if expected_version is None:
        raise PreconditionRequired(
            'send If-Match: "<version>" or a version in the body',
            errors=[FieldError("version", "is required to update", "required", index)],
        )
    row = current(ctx, obj, record_id)
    if row.version != expected_version:
        raise VersionConflict(
            f"record is at version {row.version}, not {expected_version}",
            errors=[FieldError("version", f"is {row.version} now", "stale", index)],
            extra={"current_version": row.version},
        )
    values, errors = clean_row(obj, data, creating=False, index=index, policy=ctx.actor.policy)
    if not errors:
        errors = check_references(ctx.conn, ctx.snap, obj, [(index, values)], ctx.actor.policy)
        errors += check_unique(ctx.conn, ctx.snap, obj, [(index, values)], exclude_ids=[record_id])
    if errors:
        raise ValidationFailed(f"{len(errors)} values are not valid", errors=errors)
    stored = row._mapping
    history: list[dict[str, Any]] = []
    changed: dict[str, Any] = {}
    for name, new in values.items():
        f = obj.get_field(name)
        old = stored[name] if f is None else field_type(f.type).from_row(f, stored)
        if plain(old) != plain(new):
            changed[name] = new
            history.append(
                {
                    "record_id": record_id,
                    "action": "update",
                    "field": name,
                    "old": plain(old),
                    "new": plain(new),
                }
            )
    if changed:
        table = ctx.snap.table(obj.name)
        if "owner_id" in changed:
            _may_transfer(ctx, obj, record_id, index)
        try:
            result = ctx.conn.execute(
                update(table)
                .where(and_(table.c.id == record_id, table.c.version == expected_version))
                .values(
                    **columns(obj, changed),
                    version=table.c.version + 1,
                    updated_at=ctx.now,
                    updated_by_id=ctx.actor.user_id,
                )
            )
        except IntegrityError as error:
            raise_integrity(error)
        if result.rowcount != 1:
            raise VersionConflict(
                "the record changed while it was being updated",
                errors=[FieldError("version", "is stale", "stale", index)],
            )
        write_history(ctx, obj, history)
        if reindex is None:
            search_index.enqueue(ctx.conn, obj, [record_id], changed)
        elif search_index.touches(obj, changed):
            reindex.append(record_id)
    return written(ctx, obj, record_id)


def _may_transfer(ctx: Ctx, obj: ObjectDef, record_id: UUID, index: int | None) -> None:
    """Changing the owner needs more than edit access (``Policy.transfer_predicate``)."""
    table = ctx.snap.table(obj.name)
    allowed = ctx.conn.execute(
        select(table.c.id).where(
            table.c.id == record_id, ctx.actor.policy.transfer_predicate(obj.name, table)
        )
    ).first()
    if allowed is None:
        raise PermissionDenied(
            "you may edit this record but not give it to someone else",
            errors=[
                FieldError(
                    "owner_id",
                    "only its owner, a manager whose scope covers it, or someone with the "
                    "transfer_records right may change the owner",
                    "forbidden",
                    index,
                )
            ],
        )


def update_many(
    ctx: Ctx, object_name: str, rows: Sequence[Any], *, all_or_none: bool = True
) -> BulkResult:
    """Bulk partial updates; each row carries ``id`` and ``version``."""
    if not 1 <= len(rows) <= MAX_BULK:
        raise ValidationFailed(
            "records", errors=[FieldError("records", f"send 1 to {MAX_BULK} records", "invalid")]
        )
    require(ctx, "update", ctx.snap.object(object_name))  # a 403 for the call, not per row
    result = BulkResult()
    reindex: list[UUID] = []  # one queue row for the whole call (a rolled-back row's id
    # in it costs a needless re-index, nothing more)
    for index, data in enumerate(rows):
        if not isinstance(data, Mapping) or "id" not in data:
            result.errors.append(FieldError("id", "each record needs an id", "required", index))
            continue
        try:
            record_id = UUID(str(data["id"]))
            body = {k: v for k, v in data.items() if k != "id"}
            with nullcontext() if all_or_none else ctx.conn.begin_nested():
                result.records.append(
                    update_record(
                        ctx,
                        object_name,
                        record_id,
                        body,
                        expected_version=None,
                        index=index,
                        reindex=reindex,
                    )
                )
        except (
            ValidationFailed,
            VersionConflict,
            PreconditionRequired,
            NotFound,
            Conflict,
            PermissionDenied,
        ) as error:
            result.errors.extend(
                [FieldError(e.field, e.message, e.code, index) for e in error.errors]
                or [FieldError("id", error.detail or error.code, error.code, index)]
            )
        except ValueError:
            result.errors.append(FieldError("id", "is not a record id", "type", index))
    if result.errors and all_or_none:
        raise ValidationFailed(
            f"{len({e.index for e in result.errors})} of {len(rows)} records were not updated",
            errors=result.errors,
        )
    if reindex:
        search_index.enqueue(ctx.conn, ctx.snap.object(object_name), reindex)
    return result
