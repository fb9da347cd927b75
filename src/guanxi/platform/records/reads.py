"""Reading records and their history with the user's permissions applied."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select

from guanxi.platform.records import aggregates, reader, timeline
from guanxi.platform.records.context import (
    Ctx,
)
from guanxi.platform.records.tables import gx_history
from guanxi.platform.records.values import plain


def history(ctx: Ctx, object_name: str, record_id: UUID) -> list[dict[str, Any]]:
    """Every change to a record the user may read, oldest first, without hidden fields."""
    obj = ctx.snap.object(object_name)
    origin = timeline.record_origin(ctx, obj, record_id)
    rows = ctx.conn.execute(
        select(gx_history)
        .where(
            gx_history.c.object_name == obj.name,
            gx_history.c.record_id == record_id,
            timeline.visible_changes(ctx, obj),
        )
        .order_by(gx_history.c.id)
    ).all()
    # Records created before creates were written to the history have no entry of their
    # own: their created_at and created_by_id stand in for it.
    first: list[dict[str, Any]] = []
    if not origin.has_create_entry:
        first = [
            {
                "action": "create",
                "field": None,
                "old": None,
                "new": None,
                "changed_by": plain(origin.created_by),
                "changed_at": plain(origin.created_at, ctx.zone),
            }
        ]
    return first + [
        {
            "action": r.action,
            "field": r.field,
            "old": r.old,
            "new": r.new,
            "changed_by": plain(r.changed_by),
            "changed_at": plain(r.changed_at, ctx.zone),
        }
        for r in rows
    ]


def get_record(
    ctx: Ctx,
    object_name: str,
    record_id: UUID,
    *,
    fields: list[str] | None = None,
    include: list[str] | None = None,
    access: bool = False,
) -> dict[str, Any]:
    """One record the user may read (404 otherwise), optionally with related records, and
    with ``access`` what the user may do with it (``_access``)."""
    obj = ctx.snap.object(object_name)
    policy = ctx.actor.policy
    record = reader.fetch_one(
        ctx.conn,
        ctx.snap,
        obj,
        record_id,
        ctx.zone,
        fields=fields,
        policy=policy,
        access=access,
        can_write=ctx.actor.can_write,
    )
    if include:
        reader.attach_related(ctx.conn, ctx.snap, obj, [record], include, ctx.zone, policy)
    return record


def list_records(ctx: Ctx, object_name: str, **query: Any) -> reader.Page:
    """A page of the records the user may read (see :func:`reader.query` for the options)."""
    obj = ctx.snap.object(object_name)
    return reader.query(
        ctx.conn,
        ctx.snap,
        obj,
        ctx.zone,
        ctx.now,
        policy=ctx.actor.policy,
        can_write=ctx.actor.can_write,
        **query,
    )


def aggregate(ctx: Ctx, object_name: str, **options: Any) -> aggregates.Aggregates:
    """Totals per group of the records the user may read (see :func:`aggregates.aggregate`)."""
    obj = ctx.snap.object(object_name)
    return aggregates.aggregate(
        ctx.conn, ctx.snap, obj, ctx.zone, ctx.now, policy=ctx.actor.policy, **options
    )
