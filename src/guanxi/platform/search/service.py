"""Global search: substring matches on names, e-mails and phones of every object.

Each object contributes its title field and its searchable fields. On PostgreSQL those
columns carry trigram (pg_trgm) GIN indexes, so ``ILIKE '%…%'`` is an index scan; on
SQLite the match is a scan of the (narrow) searchable columns.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, or_, select

from guanxi.kernel.errors import FieldError, ValidationFailed
from guanxi.platform.access.policy import SUPERUSER, Policy
from guanxi.platform.metadata.model import FieldDef, ObjectDef
from guanxi.platform.metadata.registry import Snapshot
from guanxi.platform.records.values import plain

SEARCHABLE_TYPES = frozenset({"text", "email", "phone", "auto_number", "url"})
PHONE_LIKE = re.compile(r"^\+?[\d\s\-()]{3,}$")


def searchable_fields(obj: ObjectDef, policy: Policy = SUPERUSER) -> list[FieldDef]:
    """The title field and fields marked searchable, minus those hidden from the user."""
    return [
        f
        for f in obj.active_fields
        if f.type in SEARCHABLE_TYPES
        and (f.searchable or f.name == obj.name_field)
        and policy.field_visible(obj.name, f.name)
    ]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(
    conn: Connection,
    snap: Snapshot,
    q: str,
    *,
    objects: list[str] | None = None,
    limit: int = 5,
    policy: Policy = SUPERUSER,
) -> dict[str, Any]:
    """Up to ``limit`` matches per object, grouped by object."""
    q = (q or "").strip()
    if not 1 <= len(q) <= 100:
        raise ValidationFailed(
            "q", errors=[FieldError("q", "search for 1 to 100 characters", "invalid")]
        )
    digits = re.sub(r"\D", "", q) if PHONE_LIKE.match(q) else None
    results: list[dict[str, Any]] = []
    pg = conn.dialect.name == "postgresql"
    for obj in snap.objects.values():
        if (
            obj.archived
            or (objects and obj.name not in objects)
            or not policy.can("read", obj.name)
        ):
            continue
        fields = searchable_fields(obj, policy)
        if not fields:
            continue
        table = snap.table(obj.name)
        conditions = []
        for f in fields:
            needle = digits if (f.type == "phone" and digits) else q
            pattern = f"%{_escape(needle)}%"
            col = table.c[f.name]
            conditions.append(
                col.ilike(pattern, escape="\\") if pg else col.like(pattern, escape="\\")
            )
        stmt = (
            select(table.c.id, *(table.c[f.name] for f in fields))
            .where(
                table.c.deleted_at.is_(None),
                or_(*conditions),
                policy.read_predicate(obj.name, table),
            )
            .limit(limit)
        )
        hits = []
        for row in conn.execute(stmt):
            mapping = row._mapping
            matched = [f.name for f in fields if _matches(mapping[f.name], q, digits, f.type)]
            hits.append(
                {
                    "id": plain(row.id),
                    "title": mapping[obj.name_field]
                    if obj.name_field and obj.name_field in mapping
                    else str(row.id),
                    "matched": matched,
                    "fields": {f.name: mapping[f.name] for f in fields},
                }
            )
        if hits:
            results.append({"object": obj.name, "label": obj.label, "records": hits})
    return {"query": q, "results": results}


def _matches(value: Any, q: str, digits: str | None, ftype: str) -> bool:
    if value is None:
        return False
    text = str(value)
    if ftype == "phone" and digits:
        return digits in text
    return q.lower() in text.lower()
