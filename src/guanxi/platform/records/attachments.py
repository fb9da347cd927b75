"""Files attached to a record of any object (a contract scan on an account, a business
card photo on a contact), beside the file fields.

Who may do what is the record's own rule, compiled into the statement that finds it:

- listing a record's attachments needs that the user may read the record (404 otherwise,
  missing or not, as the record's own read);
- attaching and removing need that they may change it (``Policy.predicate("update")``:
  an update role's scope or an edit share); a user who may read it but not change it
  gets 403;
- a file attached to a record is downloadable by whoever may read the record
  (``files.service.visible_files``).

Attaching and removing write to the record's history (``attach`` / ``detach``, with the
attachment, its file and the file's name in ``new`` / ``old``), the record's audit trail:
the timeline shows them as ``attachment_added`` / ``attachment_removed``. Neither changes
the record itself (no new version): an editor's open form is not made stale by a scan
being attached. A removed attachment's file stays in the store, as a cleared file field's
does; purging the record removes its links and the files no longer referred to
(:func:`forget`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO
from uuid import UUID

from sqlalchemy import and_, case, delete, insert, or_, select
from sqlalchemy.sql.elements import ColumnElement

from guanxi.kernel import cursors
from guanxi.kernel.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from guanxi.kernel.ids import uuid7
from guanxi.platform.access.tables import gx_user
from guanxi.platform.files import service as files
from guanxi.platform.files.tables import gx_attachment, gx_file
from guanxi.platform.metadata.model import ObjectDef
from guanxi.platform.records.context import Ctx, require, write_history
from guanxi.platform.records.tables import gx_history
from guanxi.platform.records.values import plain

MAX_LIMIT = 200
ATTACH, DETACH = "attach", "detach"  # their history actions


@dataclass(frozen=True)
class AttachmentPage:
    attachments: list[dict[str, Any]]
    next_cursor: str | None


def _readable(ctx: Ctx, obj: ObjectDef, record_id: UUID) -> None:
    """The record, alive and readable by the user (in the query), or 404."""
    require(ctx, "read", obj)
    table = ctx.snap.table(obj.name)
    found = ctx.conn.execute(
        select(table.c.id).where(
            table.c.id == record_id,
            table.c.deleted_at.is_(None),
            ctx.actor.policy.read_predicate(obj.name, table),
        )
    ).first()
    if found is None:
        raise NotFound(f"no {obj.name} record with id {record_id}")


def _changeable(ctx: Ctx, obj: ObjectDef, record_id: UUID) -> None:
    """The record, alive, readable and changeable by the user, locked until the
    transaction ends (a delete and purge cannot slip in between): 404 when they may not
    read it, 403 when they may read it but not change it. One statement."""
    require(ctx, "read", obj)
    if not ctx.actor.can_write:
        raise PermissionDenied("this token is read-only")
    policy = ctx.actor.policy
    table = ctx.snap.table(obj.name)
    stmt = select(
        case((policy.predicate("update", obj.name, table), 1), else_=0).label("may_update")
    ).where(
        table.c.id == record_id,
        table.c.deleted_at.is_(None),
        policy.read_predicate(obj.name, table),
    )
    if ctx.conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=table)
    row = ctx.conn.execute(stmt).first()
    if row is None:
        raise NotFound(f"no {obj.name} record with id {record_id}")
    if not row.may_update:
        raise PermissionDenied(
            f"you may read this {obj.name} record but not change it, "
            "so you may not attach files to it or remove them"
        )


def _selected(
    ctx: Ctx, *where: ColumnElement[bool], limit: int
) -> list[tuple[datetime, dict[str, Any]]]:
    """Attachments matching ``where`` with their files and uploaders, newest first, each
    beside the time it sorts by."""
    a = gx_attachment.c
    rows = ctx.conn.execute(
        select(
            a.id,
            a.created_at,
            a.created_by_id,
            gx_file.c.id.label("file_id"),
            gx_file.c.name,
            gx_file.c.content_type,
            gx_file.c.size,
            gx_user.c.name.label("user_name"),
        )
        .select_from(
            gx_attachment.join(gx_file, gx_file.c.id == a.file_id).outerjoin(
                gx_user, gx_user.c.id == a.created_by_id
            )
        )
        .where(*where)
        .order_by(a.created_at.desc(), a.id.desc())
        .limit(limit)
    ).all()
    return [
        (
            r.created_at,
            {
                "id": str(r.id),
                "file": {
                    "id": str(r.file_id),
                    "name": r.name,
                    "content_type": r.content_type,
                    "size": r.size,
                },
                "created_at": plain(r.created_at, ctx.zone),
                "created_by": None
                if r.created_by_id is None
                else {"id": str(r.created_by_id), "name": r.user_name},
            },
        )
        for r in rows
    ]


def _after(cursor: str | None) -> ColumnElement[bool] | None:
    if not cursor:
        return None
    try:
        at_text, key_text = cursors.unpack(cursor)
        at, key = datetime.fromisoformat(at_text), UUID(key_text)
        if at.tzinfo is None:
            raise ValueError("naive")
    except (ValueError, TypeError):
        raise ValidationFailed(
            "cursor", errors=[FieldError("cursor", "is not a cursor of this list", "invalid")]
        ) from None
    a = gx_attachment.c
    return or_(a.created_at < at, and_(a.created_at == at, a.id < key))


def attachments(
    ctx: Ctx, object_name: str, record_id: UUID, *, limit: int = 50, cursor: str | None = None
) -> AttachmentPage:
    """A page of the files attached to a record the user may read, newest first; each with
    its file (``id``, ``name``, ``content_type``, ``size``), who attached it and when."""
    if isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(
            "limit", errors=[FieldError("limit", f"must be between 1 and {MAX_LIMIT}", "invalid")]
        )
    obj = ctx.snap.object(object_name)
    after = _after(cursor)
    _readable(ctx, obj, record_id)
    a = gx_attachment.c
    where = [a.object_name == obj.name, a.record_id == record_id]
    if after is not None:
        where.append(after)
    found = _selected(ctx, *where, limit=limit + 1)
    page = found[:limit]
    next_cursor = None
    if len(found) > limit:
        at, last = page[-1]
        next_cursor = cursors.pack([at.isoformat(), last["id"]])
    return AttachmentPage([item for _, item in page], next_cursor)


def attach(
    ctx: Ctx,
    object_name: str,
    record_id: UUID,
    stream: BinaryIO,
    *,
    name: str | None,
    content_type: str | None,
    root: Path,
    max_bytes: int,
) -> dict[str, Any]:
    """Store an upload (as ``POST /files`` does: the same size limit, a safe name) and
    attach it to a record the user may change; the attachment as listed."""
    obj = ctx.snap.object(object_name)
    _changeable(ctx, obj, record_id)
    stored = files.store(
        ctx.conn,
        root,
        stream,
        name=name,
        content_type=content_type,
        max_bytes=max_bytes,
        user_id=ctx.actor.user_id,
        now=ctx.now,
    )
    (attachment_id,) = link(ctx, obj, record_id, [(stored.id, stored.name)])
    ((_, attached),) = _selected(ctx, gx_attachment.c.id == attachment_id, limit=1)
    return attached


def link(
    ctx: Ctx, obj: ObjectDef, record_id: UUID, stored: Sequence[tuple[UUID, str]]
) -> list[UUID]:
    """Attach stored files (each its id and name) to the record, with the record's
    history; the new attachments' ids. Whether the user may is the caller's to decide (an
    approver attaches to the record they decide on without the right to change it)."""
    made = [(uuid7(), file_id, name) for file_id, name in stored]
    if not made:
        return []
    ctx.conn.execute(
        insert(gx_attachment),
        [
            {
                "id": attachment_id,
                "object_name": obj.name,
                "record_id": record_id,
                "file_id": file_id,
                "created_at": ctx.now,
                "created_by_id": ctx.actor.user_id,
            }
            for attachment_id, file_id, _ in made
        ],
    )
    write_history(
        ctx,
        obj,
        [
            {"record_id": record_id, "action": ATTACH, "new": _trace(attachment_id, file_id, name)}
            for attachment_id, file_id, name in made
        ],
    )
    return [attachment_id for attachment_id, _, _ in made]


def _trace(attachment_id: UUID, file_id: UUID, name: str) -> dict[str, Any]:
    """What the history keeps of an attachment: enough to name it once the file is gone."""
    return {"attachment": str(attachment_id), "file": str(file_id), "name": name}


def remove(ctx: Ctx, object_name: str, record_id: UUID, attachment_id: UUID) -> None:
    """Remove an attachment from a record the user may change (404 for an attachment that
    is not the record's). The record's history keeps it; the file stays in the store."""
    obj = ctx.snap.object(object_name)
    _changeable(ctx, obj, record_id)
    a = gx_attachment.c
    found = ctx.conn.execute(
        select(a.id, gx_file.c.id.label("file_id"), gx_file.c.name)
        .select_from(gx_attachment.join(gx_file, gx_file.c.id == a.file_id))
        .where(a.id == attachment_id, a.object_name == obj.name, a.record_id == record_id)
    ).first()
    if found is None:
        raise NotFound(f"no attachment with id {attachment_id} on this record")
    ctx.conn.execute(delete(gx_attachment).where(a.id == attachment_id))
    trace = _trace(found.id, found.file_id, found.name)
    write_history(ctx, obj, [{"record_id": record_id, "action": DETACH, "old": trace}])


def forget(ctx: Ctx, obj: ObjectDef, ids: Sequence[UUID]) -> None:
    """For records being purged: remove their attachments, and the files they had
    attached (removed ones included, found in their history) that nothing refers to any
    more; the bytes leave the store once the purge commits."""
    a = gx_attachment.c
    attached = set(
        ctx.conn.execute(
            select(a.file_id).where(a.object_name == obj.name, a.record_id.in_(ids))
        ).scalars()
    )
    h = gx_history.c
    removed = ctx.conn.execute(
        select(h.old).where(h.object_name == obj.name, h.record_id.in_(ids), h.action == DETACH)
    ).scalars()
    for trace in removed:
        try:
            attached.add(UUID(str(trace["file"])))
        except (KeyError, TypeError, ValueError):
            continue
    if not attached:
        return
    ctx.conn.execute(delete(gx_attachment).where(a.object_name == obj.name, a.record_id.in_(ids)))
    files.discard(ctx.conn, ctx.files_dir, files.unreferenced(ctx.conn, ctx.snap, attached))
