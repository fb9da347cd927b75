"""Checking record input against field definitions, row by row and against the database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, select

from guanxi.kernel.errors import FieldError
from guanxi.platform.access.policy import SUPERUSER, Policy
from guanxi.platform.access.tables import gx_user
from guanxi.platform.files.tables import gx_file
from guanxi.platform.metadata.fieldtypes import FieldValueError, field_type
from guanxi.platform.metadata.model import ObjectDef
from guanxi.platform.metadata.registry import Snapshot

# System columns a caller may set; the rest are kept by the service.
WRITABLE_SYSTEM = frozenset({"owner_id"})
READ_ONLY_SYSTEM = frozenset(
    {"id", "created_at", "created_by_id", "updated_at", "updated_by_id", "deleted_at"}
)


def field_access(obj: ObjectDef, policy: Policy) -> tuple[frozenset[str], frozenset[str]]:
    """(visible, writable) field names of an object for a user: computed once per request."""
    visible = frozenset(f.name for f in obj.active_fields if policy.field_visible(obj.name, f.name))
    writable = frozenset(name for name in visible if policy.field_writable(obj.name, name))
    return visible, writable


def clean_row(
    obj: ObjectDef,
    data: Any,
    *,
    creating: bool,
    index: int | None = None,
    policy: Policy = SUPERUSER,
    access: tuple[frozenset[str], frozenset[str]] | None = None,
) -> tuple[dict[str, Any], list[FieldError]]:
    """Convert one input row to Python values; collect every problem instead of stopping."""
    visible, writable = access or field_access(obj, policy)
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    if not isinstance(data, Mapping):
        return values, [FieldError("record", "must be an object", "type", index)]
    for key, raw in data.items():
        if key == "version":
            continue  # handled by the update path
        if key in WRITABLE_SYSTEM:
            try:
                values[key] = None if raw is None else UUID(str(raw))
            except ValueError:
                errors.append(FieldError(key, "expected a user id", "type", index))
            continue
        if key in READ_ONLY_SYSTEM:
            errors.append(FieldError(key, "is set by the system", "read_only", index))
            continue
        f = obj.get_field(key)
        if f is None or key not in visible:
            errors.append(
                FieldError(key, f"{obj.name} has no field {key!r}", "unknown_field", index)
            )
            continue
        ftype = field_type(f.type)
        if not ftype.writable or key not in writable:
            errors.append(FieldError(key, "is read-only", "read_only", index))
            continue
        if raw is None or (isinstance(raw, str) and not raw.strip() and f.type != "rich_text"):
            values[key] = None
            continue
        try:
            cleaned = ftype.clean(f, raw)
        except FieldValueError as error:
            errors.append(FieldError(key, error.message, error.code, index))
            continue
        values[key] = None if ftype.is_empty(cleaned) else cleaned
    for f in obj.active_fields:
        ftype = field_type(f.type)
        if creating and f.name not in values and f.default is not None:
            values[f.name] = ftype.clean(f, f.default)
        if f.name not in writable:
            continue  # the user cannot fill it, so cannot be asked to
        if f.required and (f.name in values or creating) and ftype.is_empty(values.get(f.name)):
            errors.append(FieldError(f.name, "is required", "required", index))
    return values, errors


def check_references(
    conn: Connection,
    snap: Snapshot,
    obj: ObjectDef,
    rows: Sequence[tuple[int | None, Mapping[str, Any]]],
    policy: Policy = SUPERUSER,
) -> list[FieldError]:
    """Lookups must point at live records and user fields at active users (one query per target)."""
    errors: list[FieldError] = []
    wanted: dict[str, set[UUID]] = {}
    user_fields = [f.name for f in obj.active_fields if f.type == "user"] + ["owner_id"]
    file_fields = [f.name for f in obj.active_fields if f.type == "file"]
    lookups = [f for f in obj.active_fields if f.type == "lookup"]
    for _, values in rows:
        for name in file_fields:
            if values.get(name) is not None:
                wanted.setdefault("\0file", set()).add(values[name])
        for f in lookups:
            if values.get(f.name) is not None:
                wanted.setdefault(f.opt("target"), set()).add(values[f.name])
        for name in user_fields:
            if values.get(name) is not None:
                wanted.setdefault("\0user", set()).add(values[name])
    found: dict[str, set[UUID]] = {}
    for target, ids in wanted.items():
        if target == "\0user":
            stmt = select(gx_user.c.id).where(gx_user.c.id.in_(ids), gx_user.c.active.is_(True))
        elif target == "\0file":
            stmt = select(gx_file.c.id).where(gx_file.c.id.in_(ids))
        else:
            table = snap.table(target)
            stmt = select(table.c.id).where(
                table.c.id.in_(ids),
                table.c.deleted_at.is_(None),
                policy.read_predicate(target, table),
            )
        found[target] = set(conn.execute(stmt).scalars())
    for index, values in rows:
        for f in lookups:
            ref = values.get(f.name)
            if ref is not None and ref not in found.get(f.opt("target"), set()):
                errors.append(
                    FieldError(
                        f.name, f"no {f.opt('target')} record with id {ref}", "not_found", index
                    )
                )
        for name in user_fields:
            ref = values.get(name)
            if ref is not None and ref not in found.get("\0user", set()):
                errors.append(FieldError(name, f"no active user with id {ref}", "not_found", index))
        for name in file_fields:
            ref = values.get(name)
            if ref is not None and ref not in found.get("\0file", set()):
                errors.append(
                    FieldError(name, f"no uploaded file with id {ref}", "not_found", index)
                )
    return errors


def check_unique(
    conn: Connection,
    snap: Snapshot,
    obj: ObjectDef,
    rows: Sequence[tuple[int | None, Mapping[str, Any]]],
    *,
    exclude_ids: Sequence[UUID] = (),
) -> list[FieldError]:
    """Unique fields: clashes within the batch and with live records, named per row."""
    errors: list[FieldError] = []
    table = snap.table(obj.name)
    for f in obj.active_fields:
        if not f.unique:
            continue
        ftype = field_type(f.type)
        column = ftype.column_names(f)[0]
        seen: dict[Any, int | None] = {}
        stored: list[tuple[int | None, Any]] = []
        for index, values in rows:
            if values.get(f.name) is None:
                continue
            key = ftype.to_columns(f, values[f.name])[column]
            if key in seen:
                errors.append(
                    FieldError(
                        f.name, f"duplicates row {seen[key]} of this request", "duplicate", index
                    )
                )
                continue
            seen[key] = index
            stored.append((index, key))
        if not stored:
            continue
        stmt = select(table.c[column]).where(
            table.c[column].in_([key for _, key in stored]), table.c.deleted_at.is_(None)
        )
        if exclude_ids:
            stmt = stmt.where(table.c.id.not_in(list(exclude_ids)))
        taken = set(conn.execute(stmt).scalars())
        for index, key in stored:
            if key in taken:
                errors.append(
                    FieldError(f.name, "is already used by another record", "duplicate", index)
                )
    return errors
