"""Storing and serving uploaded files on the local disk.

Files are written under ``<files_dir>/<first two hex digits>/<id>`` with a temporary name
first and renamed into place, so a crash never leaves half a file behind a catalogue row.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO
from uuid import UUID

from sqlalchemy import Connection, insert, or_, select

from guanxi.kernel.errors import FieldError, NotFound, ValidationFailed
from guanxi.kernel.ids import uuid7
from guanxi.platform.access.policy import Policy
from guanxi.platform.files.tables import gx_file
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
    """A file the user may see: they uploaded it, or a record they can read refers to it."""
    row = conn.execute(select(gx_file).where(gx_file.c.id == file_id)).first()
    path = _location(root, file_id)
    if row is None or not path.exists() or not _may_see(conn, snap, policy, row):
        raise NotFound(f"no file with id {file_id}")
    return StoredFile(row.id, row.name, row.content_type, row.size, row.sha256, path)


def _may_see(conn: Connection, snap: Snapshot, policy: Policy, row: Any) -> bool:
    if policy.superuser or (row.created_by is not None and row.created_by == policy.user_id):
        return True
    for obj in snap.objects.values():
        names = [
            f.name
            for f in obj.active_fields
            if f.type == "file" and policy.field_visible(obj.name, f.name)
        ]
        if obj.archived or not names or not policy.can("read", obj.name):
            continue
        table = snap.table(obj.name)
        referring = select(table.c.id).where(
            or_(*(table.c[name] == row.id for name in names)),
            table.c.deleted_at.is_(None),
            policy.read_predicate(obj.name, table),
        )
        if conn.execute(referring.limit(1)).first() is not None:
            return True
    return False
