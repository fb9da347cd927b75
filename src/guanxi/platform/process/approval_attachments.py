"""Files on approval comments: an approver (or the submitter recalling) sends the ids of
files with their comment, and they become the record's attachments, listed on the trail
entry.

An id is usable when it is a file the caller may see (they uploaded it with
``POST /api/v1/files``, or a record they can read refers to it: what they may download is
what they may attach) — it is attached to the record now, with the record's history, as
the attachments API would — or one of the record's own attachments whose file they may
see, which is listed as it is. Anything else is refused (422 naming
``attachment_ids[i]``). Attaching needs no right to change the record: deciding on it is
the approver's part, and the record is locked while the request is pending anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select

from guanxi.kernel.errors import FieldError
from guanxi.platform.files import service as files
from guanxi.platform.files.tables import gx_attachment, gx_file
from guanxi.platform.process.tables import gx_approval_action_attachment
from guanxi.platform.process.versions import invalid
from guanxi.platform.records import attachments
from guanxi.platform.records.context import Ctx

# (attachment id, file id, file name), in the order the caller gave them.
Attached = tuple[UUID, UUID, str]


def attach(ctx: Ctx, request: Any, ids: Sequence[UUID]) -> list[Attached]:
    """Check every id (all problems at once) and attach the new files to the request's
    record; the attachments in the order given."""
    if not ids:
        return []
    a = gx_attachment.c
    wanted = list(ids)
    existing = {
        row.id: row
        for row in ctx.conn.execute(
            select(a.id, a.file_id, gx_file.c.name)
            .join(gx_file, gx_file.c.id == a.file_id)
            .where(
                a.id.in_(wanted),
                a.object_name == request.object_name,
                a.record_id == request.record_id,
            )
        )
    }
    stored = {
        row.id: row.name
        for row in ctx.conn.execute(
            select(gx_file.c.id, gx_file.c.name).where(gx_file.c.id.in_(wanted))
        )
    }
    candidates = {row.file_id for row in existing.values()} | set(stored)
    visible = files.visible_files(ctx.conn, ctx.snap, ctx.actor.policy, candidates)
    errors: list[FieldError] = []
    seen: set[UUID] = set()
    for index, given in enumerate(wanted):
        where = f"attachment_ids[{index}]"
        if given in seen:
            errors.append(FieldError(where, "is named twice", "duplicate"))
        elif not (
            (given in existing and existing[given].file_id in visible)
            or (given in stored and given in visible)
        ):
            errors.append(
                FieldError(where, "no file or attachment of this record you may use", "unknown")
            )
        seen.add(given)
    if errors:
        raise invalid(errors)
    new = [(given, stored[given]) for given in wanted if given not in existing]
    obj = ctx.snap.object(request.object_name)
    made = iter(attachments.link(ctx, obj, request.record_id, new))
    out: list[Attached] = []
    for given in wanted:
        if given in existing:
            out.append((given, existing[given].file_id, existing[given].name))
        else:
            out.append((next(made), given, stored[given]))
    return out


def keep(ctx: Ctx, action_id: int, attached: Sequence[Attached]) -> None:
    """List the attachments on trail entry ``action_id``."""
    if attached:
        ctx.conn.execute(
            insert(gx_approval_action_attachment),
            [
                {
                    "action_id": action_id,
                    "position": position,
                    "attachment_id": attachment_id,
                    "file_id": file_id,
                    "name": name,
                }
                for position, (attachment_id, file_id, name) in enumerate(attached)
            ],
        )


def of_entries(ctx: Ctx, action_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The attachments each trail entry lists, with their files (``content_type`` and
    ``size`` None once a file is gone)."""
    if not action_ids:
        return {}
    x = gx_approval_action_attachment.c
    rows = ctx.conn.execute(
        select(
            x.action_id, x.attachment_id, x.file_id, x.name, gx_file.c.content_type, gx_file.c.size
        )
        .select_from(gx_approval_action_attachment.outerjoin(gx_file, gx_file.c.id == x.file_id))
        .where(x.action_id.in_(list(action_ids)))
        .order_by(x.action_id, x.position)
    )
    out: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row.action_id, []).append(
            {
                "id": str(row.attachment_id),
                "file": {
                    "id": str(row.file_id),
                    "name": row.name,
                    "content_type": row.content_type,
                    "size": row.size,
                },
            }
        )
    return out
