"""The recycle bin: deleting with each lookup's on-delete rule, restoring, purging."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, func, not_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from guanxi.kernel.errors import (
    Conflict,
    FieldError,
    NotFound,
    ValidationFailed,
)
from guanxi.platform.metadata.fieldtypes import field_type
from guanxi.platform.metadata.model import FieldDef, ObjectDef
from guanxi.platform.records import attachments
from guanxi.platform.records.context import (
    BulkResult,
    Ctx,
    current,
    raise_integrity,
    record_values,
    require,
    write_history,
    written,
)
from guanxi.platform.records.hooks import WriteAction, WriteEvent
from guanxi.platform.records.validation import (
    check_unique,
)
from guanxi.platform.search import index as search_index


def _lookups_to(
    ctx: Ctx, obj: ObjectDef, *, archived: bool = False
) -> list[tuple[ObjectDef, FieldDef]]:
    """The lookups to ``obj`` of live objects; with ``archived``, every one (archived
    objects and fields keep their foreign keys, which a purge must clear first)."""
    return [
        (other, f)
        for other in ctx.snap.objects.values()
        if archived or not other.archived
        for f in (other.fields if archived else other.active_fields)
        if f.type == "lookup" and f.opt("target") == obj.name
    ]


def _events(
    ctx: Ctx, obj: ObjectDef, ids: list[UUID], action: WriteAction, cause: WriteEvent | None
) -> list[WriteEvent]:
    """The hook events of records a lookup's rule reaches (none when no hook watches)."""
    if not ctx.hooks.watching(obj.name):
        return []
    table = ctx.snap.table(obj.name)
    rows = ctx.conn.execute(select(table).where(table.c.id.in_(ids))).all()
    return [
        WriteEvent(obj.name, action, r.id, stored=record_values(obj, r._mapping), cause=cause)
        for r in rows
    ]


def _asked(ctx: Ctx, obj: ObjectDef, record_id: UUID, action: WriteAction, row: Any) -> WriteEvent:
    """The event of the write the user asked for; before hooks may refuse it."""
    event = WriteEvent(obj.name, action, record_id, stored=record_values(obj, row._mapping))
    ctx.hooks.before(ctx, [event])
    return event


def delete_record(ctx: Ctx, object_name: str, record_id: UUID) -> None:
    """Move a record to the recycle bin, applying each lookup's on-delete rule."""
    obj = ctx.snap.object(object_name)
    require(ctx, "delete", obj)
    asked = _asked(ctx, obj, record_id, "delete", current(ctx, obj, record_id, action="delete"))
    _soft_delete(ctx, obj, [record_id], depth=0, cause=asked, events=[asked])


def _soft_delete(
    ctx: Ctx,
    obj: ObjectDef,
    ids: list[UUID],
    depth: int,
    *,
    cause: WriteEvent,
    events: list[WriteEvent] | None = None,
) -> None:
    if depth > 10:
        raise Conflict("cascading deletes go deeper than 10 levels")
    if events is None:
        events = _events(ctx, obj, ids, "delete", cause)
        ctx.hooks.before(ctx, events)
    for other, f in _lookups_to(ctx, obj):
        table = ctx.snap.table(other.name)
        live = and_(table.c[f.name].in_(ids), table.c.deleted_at.is_(None))
        rule = f.opt("on_delete", "set_null")
        if rule == "restrict":
            blocking = ctx.conn.execute(select(table.c.id).where(live).limit(1)).first()
            if blocking is not None:
                raise Conflict(
                    f"{other.name} records still refer to this record through {f.name}",
                    errors=[
                        FieldError(
                            f"{other.name}.{f.name}", "still refers to this record", "restricted"
                        )
                    ],
                )
        elif rule == "cascade":
            children = list(ctx.conn.execute(select(table.c.id).where(live)).scalars())
            if children:
                _soft_delete(ctx, other, children, depth + 1, cause=cause)
        else:
            _clear_references(ctx, other, f, live, cause)
    table = ctx.snap.table(obj.name)
    ctx.conn.execute(
        update(table)
        .where(table.c.id.in_(ids), table.c.deleted_at.is_(None))
        .values(
            deleted_at=ctx.now,
            version=table.c.version + 1,
            updated_at=ctx.now,
            updated_by_id=ctx.actor.user_id,
        )
    )
    write_history(ctx, obj, [{"record_id": i, "action": "delete"} for i in ids])
    ctx.hooks.after(ctx, events)


def _clear_references(
    ctx: Ctx, other: ObjectDef, f: FieldDef, refers: ColumnElement[bool], cause: WriteEvent
) -> None:
    """``set_null``: the records ``refers`` picks lose their link, as a change with history
    that their object's hooks see (and may refuse, not alter)."""
    table = ctx.snap.table(other.name)
    hooked = bool(ctx.hooks.watching(other.name))
    picked = select(table) if hooked else select(table.c.id, table.c[f.name])
    affected = ctx.conn.execute(picked.where(refers)).all()
    if not affected:
        return
    events = [
        WriteEvent(
            other.name,
            "update",
            r.id,
            values={f.name: None},
            old={f.name: r._mapping[f.name]},
            stored=record_values(other, r._mapping),
            cause=cause,
        )
        for r in (affected if hooked else ())
    ]
    ctx.hooks.before(ctx, events)
    ctx.conn.execute(
        update(table)
        .where(refers)
        .values(
            {
                f.name: None,
                "version": table.c.version + 1,
                "updated_at": ctx.now,
                "updated_by_id": ctx.actor.user_id,
            }
        )
    )
    write_history(
        ctx,
        other,
        [
            {
                "record_id": r.id,
                "action": "update",
                "field": f.name,
                "old": str(r._mapping[f.name]),
                "new": None,
            }
            for r in affected
        ],
    )
    ctx.hooks.after(ctx, events)


def restore_record(ctx: Ctx, object_name: str, record_id: UUID) -> dict[str, Any]:
    """Bring a record back from the recycle bin, with what its deletion cascaded to."""
    obj = ctx.snap.object(object_name)
    require(ctx, "delete", obj)
    row = current(ctx, obj, record_id, deleted=True, action="restore")
    asked = _asked(ctx, obj, record_id, "restore", row)
    values = {
        f.name: field_type(f.type).from_row(f, row._mapping) for f in obj.active_fields if f.unique
    }
    errors = check_unique(
        ctx.conn, ctx.snap, obj, [(None, values)], exclude_ids=[record_id], policy=ctx.actor.policy
    )
    if errors:
        raise Conflict("another record now uses its unique values", errors=errors)
    _restore(ctx, obj, [record_id], row.deleted_at, depth=0, cause=asked, events=[asked])
    return written(ctx, obj, record_id)


def _restore(
    ctx: Ctx,
    obj: ObjectDef,
    ids: list[UUID],
    deleted_at: datetime,
    depth: int,
    *,
    cause: WriteEvent,
    events: list[WriteEvent] | None = None,
) -> None:
    if events is None:
        events = _events(ctx, obj, ids, "restore", cause)
        ctx.hooks.before(ctx, events)
    table = ctx.snap.table(obj.name)
    ctx.conn.execute(
        update(table)
        .where(table.c.id.in_(ids))
        .values(
            deleted_at=None,
            version=table.c.version + 1,
            updated_at=ctx.now,
            updated_by_id=ctx.actor.user_id,
        )
    )
    write_history(ctx, obj, [{"record_id": i, "action": "restore"} for i in ids])
    ctx.hooks.after(ctx, events)
    if depth > 10:
        return
    for other, f in _lookups_to(ctx, obj):
        if f.opt("on_delete") != "cascade":
            continue
        child = ctx.snap.table(other.name)
        children = list(
            ctx.conn.execute(
                select(child.c.id).where(child.c[f.name].in_(ids), child.c.deleted_at == deleted_at)
            ).scalars()
        )
        if children:
            _restore(ctx, other, children, deleted_at, depth + 1, cause=cause)


def purge_record(ctx: Ctx, object_name: str, record_id: UUID) -> None:
    """Delete a record from the recycle bin for good (its history stays for the audit trail),
    with its attachments and the files nothing else refers to.

    What the purge reaches through lookups is handled here, with history, rather than left
    to the database's ``ON DELETE``: ``cascade`` children are purged too, which needs the
    purge right over every one of them (409 naming how many are out of reach otherwise);
    ``set_null`` references are cleared as a change; ``restrict`` ones refuse the purge.
    """
    obj = ctx.snap.object(object_name)
    require(ctx, "delete", obj)
    row = current(ctx, obj, record_id, deleted=True, action="purge")
    asked = _asked(ctx, obj, record_id, "purge", row)
    search_index.remove(ctx.conn, ctx.snap, obj, [record_id])
    _purge(ctx, obj, [record_id], depth=0, cause=asked, events=[asked])


def _purge(
    ctx: Ctx,
    obj: ObjectDef,
    ids: list[UUID],
    depth: int,
    *,
    cause: WriteEvent,
    events: list[WriteEvent] | None = None,
) -> None:
    if depth > 10:
        raise Conflict("cascading purges go deeper than 10 levels")
    if events is None:
        events = _events(ctx, obj, ids, "purge", cause)
        ctx.hooks.before(ctx, events)
    for other, f in _lookups_to(ctx, obj, archived=True):
        table = ctx.snap.table(other.name)
        refers = table.c[f.name].in_(ids)
        rule = f.opt("on_delete", "set_null")
        if rule == "cascade":
            children = list(ctx.conn.execute(select(table.c.id).where(refers)).scalars())
            if not children:
                continue
            out_of_reach = ctx.conn.execute(
                select(func.count())
                .select_from(table)
                .where(refers, not_(ctx.actor.policy.predicate("purge", other.name, table)))
            ).scalar_one()
            if out_of_reach:
                raise Conflict(
                    f"the purge would also delete {out_of_reach} {other.name} records "
                    "that you may not purge",
                    errors=[
                        FieldError(
                            f"{other.name}.{f.name}",
                            f"{out_of_reach} records refer to this one and would be purged",
                            "purge_blocked",
                        )
                    ],
                    extra={"blocking": out_of_reach},
                )
            _purge(ctx, other, children, depth + 1, cause=cause)
        elif rule == "restrict":
            if ctx.conn.execute(select(table.c.id).where(refers).limit(1)).first() is not None:
                raise Conflict(
                    f"{other.name} records still refer to this record through {f.name}",
                    errors=[
                        FieldError(
                            f"{other.name}.{f.name}", "still refers to this record", "restricted"
                        )
                    ],
                )
        else:
            _clear_references(ctx, other, f, refers, cause)
    table = ctx.snap.table(obj.name)
    try:
        ctx.conn.execute(table.delete().where(table.c.id.in_(ids)))
    except IntegrityError as error:
        raise_integrity(error)
    # After the rows: a file their own file fields held is then free too.
    attachments.forget(ctx, obj, ids)
    write_history(ctx, obj, [{"record_id": i, "action": "purge"} for i in ids])
    ctx.hooks.after(ctx, events)


def delete_many(
    ctx: Ctx, object_name: str, ids: Sequence[Any], *, all_or_none: bool = True
) -> BulkResult:
    result = BulkResult()
    for index, raw in enumerate(ids):
        try:
            record_id = UUID(str(raw))
            if all_or_none:
                delete_record(ctx, object_name, record_id)
            else:
                with ctx.conn.begin_nested():
                    delete_record(ctx, object_name, record_id)
        except (NotFound, Conflict) as error:
            result.errors.append(FieldError("id", error.detail or error.code, error.code, index))
        except ValueError:
            result.errors.append(FieldError("id", "is not a record id", "type", index))
    if result.errors and all_or_none:
        raise ValidationFailed(
            f"{len(result.errors)} of {len(ids)} records were not deleted", errors=result.errors
        )
    return result
