"""The recycle bin: deleting with each lookup's on-delete rule, restoring, purging."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, select, update
from sqlalchemy.exc import IntegrityError

from guanxi.kernel.errors import (
    Conflict,
    FieldError,
    NotFound,
    ValidationFailed,
)
from guanxi.platform.metadata.fieldtypes import field_type
from guanxi.platform.metadata.model import FieldDef, ObjectDef
from guanxi.platform.records.context import (
    BulkResult,
    Ctx,
    current,
    raise_integrity,
    require,
    write_history,
    written,
)
from guanxi.platform.records.validation import (
    check_unique,
)
from guanxi.platform.search import index as search_index


def _referencing(ctx: Ctx, obj: ObjectDef) -> list[tuple[ObjectDef, FieldDef]]:
    return [
        (other, f)
        for other in ctx.snap.objects.values()
        if not other.archived
        for f in other.active_fields
        if f.type == "lookup" and f.opt("target") == obj.name
    ]


def delete_record(ctx: Ctx, object_name: str, record_id: UUID) -> None:
    """Move a record to the recycle bin, applying each lookup's on-delete rule."""
    obj = ctx.snap.object(object_name)
    require(ctx, "delete", obj)
    current(ctx, obj, record_id)
    _soft_delete(ctx, obj, [record_id], depth=0)


def _soft_delete(ctx: Ctx, obj: ObjectDef, ids: list[UUID], depth: int) -> None:
    if depth > 10:
        raise Conflict("cascading deletes go deeper than 10 levels")
    for other, f in _referencing(ctx, obj):
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
                _soft_delete(ctx, other, children, depth + 1)
        else:
            affected = ctx.conn.execute(select(table.c.id, table.c[f.name]).where(live)).all()
            if affected:
                ctx.conn.execute(
                    update(table)
                    .where(live)
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
                            "record_id": r[0],
                            "action": "update",
                            "field": f.name,
                            "old": str(r[1]),
                            "new": None,
                        }
                        for r in affected
                    ],
                )
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


def restore_record(ctx: Ctx, object_name: str, record_id: UUID) -> dict[str, Any]:
    """Bring a record back from the recycle bin, with what its deletion cascaded to."""
    obj = ctx.snap.object(object_name)
    require(ctx, "delete", obj)
    row = current(ctx, obj, record_id, deleted=True)
    values = {
        f.name: field_type(f.type).from_row(f, row._mapping) for f in obj.active_fields if f.unique
    }
    errors = check_unique(
        ctx.conn, ctx.snap, obj, [(None, values)], exclude_ids=[record_id], policy=ctx.actor.policy
    )
    if errors:
        raise Conflict("another record now uses its unique values", errors=errors)
    _restore(ctx, obj, [record_id], row.deleted_at, depth=0)
    return written(ctx, obj, record_id)


def _restore(ctx: Ctx, obj: ObjectDef, ids: list[UUID], deleted_at: datetime, depth: int) -> None:
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
    if depth > 10:
        return
    for other, f in _referencing(ctx, obj):
        if f.opt("on_delete") != "cascade":
            continue
        child = ctx.snap.table(other.name)
        children = list(
            ctx.conn.execute(
                select(child.c.id).where(child.c[f.name].in_(ids), child.c.deleted_at == deleted_at)
            ).scalars()
        )
        if children:
            _restore(ctx, other, children, deleted_at, depth + 1)


def purge_record(ctx: Ctx, object_name: str, record_id: UUID) -> None:
    """Delete a record from the recycle bin for good (its history stays for the audit trail)."""
    obj = ctx.snap.object(object_name)
    require(ctx, "delete", obj)
    current(ctx, obj, record_id, deleted=True)
    table = ctx.snap.table(obj.name)
    search_index.remove(ctx.conn, ctx.snap, obj, [record_id])
    try:
        ctx.conn.execute(table.delete().where(table.c.id == record_id))
    except IntegrityError as error:
        raise_integrity(error)
    write_history(ctx, obj, [{"record_id": record_id, "action": "purge"}])


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
