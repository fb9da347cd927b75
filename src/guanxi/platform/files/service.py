"""Storing and serving uploaded files on the local disk.

Files are written under ``<files_dir>/<first two hex digits>/<id>`` with a temporary name
first and renamed into place, so a crash never leaves half a file behind a catalogue row.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from uuid import UUID

from sqlalchemy import Connection, delete, insert, select

from guanxi.kernel.db import after_commit
from guanxi.kernel.errors import FieldError, NotFound, ValidationFailed
from guanxi.kernel.ids import uuid7
from guanxi.platform.access.policy import Policy
from guanxi.platform.files.tables import gx_attachment, gx_file
from guanxi.platform.metadata.registry import Snapshot

CHUNK = 1 << 20
# Types a browser may show inline; everything else downloads as an attachment.
INLINE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"}
)


@dataclass(frozen=True)
class StoredFile:
    id: UUID
    name: str
    content_type: str
    size: int
    sha256: str
    path: Path

    def as_dict(self) -> dict[str, object]:
        return {
            "id": str(self.id),
            "name": self.name,
            "content_type": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
        }


def _safe_name(name: str | None) -> str:
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    base = re.sub(r"[\x00-\x1f\x7f]", "", base)
    return base[:255] or "file"


def _location(root: Path, file_id: UUID) -> Path:
    return root / file_id.hex[:2] / file_id.hex


def store(
    conn: Connection,
    root: Path,
    stream: BinaryIO,
    *,
    name: str | None,
    content_type: str | None,
    max_bytes: int,
    user_id: UUID | None,
    now: datetime,
) -> StoredFile:
    """Copy an upload into the store and catalogue it in the caller's transaction."""
    file_id = uuid7()
    target = _location(root, file_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    digest = hashlib.sha256()
    size = 0
    try:
        with partial.open("wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise ValidationFailed(
                        "file: too large",
                        errors=[
                            FieldError(
                                "file", f"is larger than {max_bytes // (1 << 20)} MB", "too_large"
                            )
                        ],
                    )
                digest.update(chunk)
                out.write(chunk)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    ctype = (content_type or "application/octet-stream").split(";")[0].strip().lower()[:127]
    stored = StoredFile(file_id, _safe_name(name), ctype, size, digest.hexdigest(), target)
    conn.execute(
        insert(gx_file).values(
            id=file_id,
            name=stored.name,
            content_type=ctype,
            size=size,
            sha256=stored.sha256,
            created_by=user_id,
            created_at=now,
        )
    )
    return stored


def get(
    conn: Connection, root: Path, file_id: UUID, *, snap: Snapshot, policy: Policy
) -> StoredFile:
    """A file the user may see: they uploaded it, or a record they can read refers to it
    or has it attached."""
    row = conn.execute(select(gx_file).where(gx_file.c.id == file_id)).first()
    path = _location(root, file_id)
    if row is None or not path.exists() or not visible_files(conn, snap, policy, [file_id]):
        raise NotFound(f"no file with id {file_id}")
    return StoredFile(row.id, row.name, row.content_type, row.size, row.sha256, path)


def visible_files(
    conn: Connection, snap: Snapshot, policy: Policy, ids: Collection[UUID]
) -> set[UUID]:
    """Those of ``ids`` that are uploaded files the user may see: a superuser sees every
    file, anyone else those they uploaded, those a record they can read refers to (in a
    file field they can see) and those attached to a record they can read. What a user
    may download is what they may attach."""
    rows = conn.execute(
        select(gx_file.c.id, gx_file.c.created_by).where(gx_file.c.id.in_(list(ids)))
    ).all()
    if policy.superuser:
        return {row.id for row in rows}
    seen = {
        row.id for row in rows if row.created_by is not None and row.created_by == policy.user_id
    }
    rest = {row.id for row in rows} - seen
    for obj in snap.objects.values():
        if not rest:
            break
        names = [
            f.name
            for f in obj.active_fields
            if f.type == "file" and policy.field_visible(obj.name, f.name)
        ]
        if obj.archived or not names or not policy.can("read", obj.name):
            continue
        table = snap.table(obj.name)
        for name in names:
            referred = select(table.c[name]).where(
                table.c[name].in_(list(rest)),
                table.c.deleted_at.is_(None),
                policy.read_predicate(obj.name, table),
            )
            seen.update(conn.execute(referred).scalars())
            rest -= seen
    if rest:
        seen |= _attached_to_readable(conn, snap, policy, rest)
    return seen


def _attached_to_readable(
    conn: Connection, snap: Snapshot, policy: Policy, ids: set[UUID]
) -> set[UUID]:
    """Those of ``ids`` attached to a live record the user may read: one statement for the
    objects they are attached to, then one per such object."""
    a = gx_attachment.c
    objects = conn.execute(select(a.object_name).where(a.file_id.in_(ids)).distinct()).scalars()
    seen: set[UUID] = set()
    for name in sorted(objects):
        obj = snap.objects.get(name)
        if obj is None or obj.archived or not policy.can("read", name):
            continue
        table = snap.table(name)
        readable = (
            select(a.file_id)
            .select_from(gx_attachment.join(table, table.c.id == a.record_id))
            .where(
                a.object_name == name,
                a.file_id.in_(ids - seen),
                table.c.deleted_at.is_(None),
                policy.read_predicate(name, table),
            )
        )
        seen.update(conn.execute(readable).scalars())
    return seen


def unreferenced(conn: Connection, snap: Snapshot, ids: Collection[UUID]) -> set[UUID]:
    """Those of ``ids`` that no attachment and no file field of any record (in the recycle
    bin, archived objects and fields included) refers to any more."""
    rest = set(ids)
    if rest:
        rest -= set(
            conn.execute(
                select(gx_attachment.c.file_id).where(gx_attachment.c.file_id.in_(rest))
            ).scalars()
        )
    for obj in snap.objects.values():
        if not rest:
            break
        table = snap.table(obj.name)
        for f in obj.fields:
            if f.type == "file" and f.name in table.c:
                column = table.c[f.name]
                rest -= set(conn.execute(select(column).where(column.in_(rest))).scalars())
    return rest


def discard(conn: Connection, root: Path | None, ids: Collection[UUID]) -> None:
    """Take files out of the catalogue in the caller's transaction, and their bytes out of
    the store once it commits (a rollback leaves both). Without a store (``root`` None)
    the bytes stay, unreachable."""
    if not ids:
        return
    conn.execute(delete(gx_file).where(gx_file.c.id.in_(list(ids))))
    if root is not None:
        paths = [_location(root, file_id) for file_id in ids]

        def unlink() -> None:
            for path in paths:
                path.unlink(missing_ok=True)

        after_commit(conn, unlink)
