"""Checking record input against field definitions, row by row and against the database."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, select

from guanxi.kernel.errors import FieldError
from guanxi.platform.access.fields import hidden_fields
from guanxi.platform.access.policy import SUPERUSER, Policy
from guanxi.platform.access.tables import gx_user
from guanxi.platform.files.service import visible_files
from guanxi.platform.metadata.fieldtypes import FieldType, FieldValueError, field_type
from guanxi.platform.metadata.model import FieldDef, ObjectDef
from guanxi.platform.metadata.registry import Snapshot

# System columns a caller may set; the rest are kept by the service.
WRITABLE_SYSTEM = frozenset({"owner_id"})
READ_ONLY_SYSTEM = frozenset(
    {"id", "created_at", "created_by_id", "updated_at", "updated_by_id", "deleted_at"}
)


def field_access(
    obj: ObjectDef, policy: Policy, operation: str = "update", snap: Snapshot | None = None
) -> tuple[frozenset[str], frozenset[str]]:
    """(known, writable) field names of an object for a user making a write (``create`` or
    ``update``): computed once per request. A field hidden from the user is unknown.

    With the snapshot, formulas reading a hidden field are unknown too (a write naming one
    is then told the field does not exist, not that it is read-only); without it only the
    fields the roles name.
    """
    formulas = frozenset() if snap is None else hidden_fields(snap, policy) - policy.hidden_fields
    levels = {
        f.name: 0
        if (obj.name, f.name) in formulas
        else policy.field_level(obj.name, f.name, operation)
        for f in obj.active_fields
    }
    visible = frozenset(name for name, level in levels.items() if level > 0)
    writable = frozenset(name for name, level in levels.items() if level == 2)
    return visible, writable


def clean_row(
    obj: ObjectDef,
    data: Any,
    *,
    creating: bool,
    index: int | None = None,
    policy: Policy = SUPERUSER,
    access: tuple[frozenset[str], frozenset[str]] | None = None,
    snap: Snapshot | None = None,
) -> tuple[dict[str, Any], list[FieldError]]:
    """Convert one input row to Python values; collect every problem instead of stopping."""
    cleaner = RowCleaner(obj, creating=creating, policy=policy, access=access, snap=snap)
    return cleaner.clean(data, index)


# What RowCleaner does with an input key.
_FIELD, _SKIP, _OWNER, _SYSTEM, _READ_ONLY = range(5)
# Cleaned defaults of these types can be shared by every row of a call; others are rebuilt.
_SHAREABLE = (str, int, bool, Decimal, date, datetime, UUID)
# Types that FieldType.is_empty never calls empty.
_NEVER_EMPTY = frozenset({int, bool, float, Decimal, date, datetime, UUID})


def _is_empty(value: Any) -> bool:
    """FieldType.is_empty without its four comparisons for the types cleaners return."""
    kind = type(value)
    if kind is str or kind is list or kind is dict:
        return not value
    if kind in _NEVER_EMPTY:
        return False
    return value is None or value == "" or value == [] or value == {}


class _Default:
    """A field's default, cleaned the first time a row needs it."""

    def __init__(self, ftype: FieldType, f: FieldDef) -> None:
        self._clean = partial(ftype.clean, f, f.default)
        self._shared: Any = None

    def __call__(self) -> Any:
        if self._shared is not None:
            return self._shared
        value = self._clean()
        if type(value) in _SHAREABLE:
            self._shared = value
        return value


Step = tuple[Any, ...]
# Per field with a default or a required check: the field, its type and how to test "empty".
TailSpec = tuple[FieldDef, FieldType, Callable[[Any], bool] | None]


def _plan(
    obj: ObjectDef, visible: frozenset[str], writable: frozenset[str]
) -> tuple[dict[str, Step], list[TailSpec]]:
    """What RowCleaner does with each input key, and which fields it checks after them."""
    steps: dict[str, Step] = {}
    tail: list[TailSpec] = []
    for f in obj.active_fields:
        ftype = field_type(f.type)
        is_empty = _is_empty if type(ftype).is_empty is FieldType.is_empty else ftype.is_empty
        if f.name in visible:
            if not ftype.writable or f.name not in writable:
                steps[f.name] = (_READ_ONLY,)
            else:
                steps[f.name] = (_FIELD, ftype.cleaner(f), f.type != "rich_text", is_empty)
        required = is_empty if f.required and f.name in writable else None
        if f.default is not None or required is not None:
            tail.append((f, ftype, required))
    # System keys win over fields, as the checks for them come first.
    steps["version"] = (_SKIP,)  # handled by the update path
    steps.update(dict.fromkeys(WRITABLE_SYSTEM, (_OWNER,)))
    steps.update(dict.fromkeys(READ_ONLY_SYSTEM, (_SYSTEM,)))
    return steps, tail


class RowCleaner:
    """:func:`clean_row` for many rows of one object, with the per-field work done once.

    Field lookups, permissions, converters (``FieldType.cleaner``) and required fields
    are settled once per definition and set of permissions (and kept with the
    definition), so a row costs only its own values. Defaults are cleaned once per
    cleaner: make one per call, as a default may depend on the request's time zone.
    """

    def __init__(
        self,
        obj: ObjectDef,
        *,
        creating: bool,
        policy: Policy = SUPERUSER,
        access: tuple[frozenset[str], frozenset[str]] | None = None,
        snap: Snapshot | None = None,
    ) -> None:
        visible, writable = access or field_access(
            obj, policy, "create" if creating else "update", snap
        )
        self.obj = obj
        self.creating = creating
        steps, tail = obj.derived(
            ("row_cleaner", visible, writable), partial(_plan, obj, visible, writable)
        )
        self._steps = steps
        self._tail: list[tuple[str, _Default | None, Callable[[Any], bool] | None]] = []
        for f, ftype, required in tail:
            default = _Default(ftype, f) if creating and f.default is not None else None
            if default is not None or required is not None:
                self._tail.append((f.name, default, required))

    def clean(self, data: Any, index: int | None = None) -> tuple[dict[str, Any], list[FieldError]]:
        """Convert one input row to Python values; collect every problem instead of stopping."""
        errors: list[FieldError] = []
        values: dict[str, Any] = {}
        if not isinstance(data, Mapping):
            return values, [FieldError("record", "must be an object", "type", index)]
        steps = self._steps
        for key, raw in data.items():
            step = steps.get(key)
            if step is None:
                errors.append(
                    FieldError(key, f"{self.obj.name} has no field {key!r}", "unknown_field", index)
                )
                continue
            kind = step[0]
            if kind == _FIELD:
                _, clean, blank_is_null, is_empty = step
                # (`not raw or raw.isspace()` is `not raw.strip()` without the copy.)
                if raw is None or (
                    blank_is_null and isinstance(raw, str) and (not raw or raw.isspace())
                ):
                    values[key] = None
                    continue
                try:
                    cleaned = clean(raw)
                except FieldValueError as error:
                    errors.append(FieldError(key, error.message, error.code, index))
                    continue
                values[key] = None if is_empty(cleaned) else cleaned
            elif kind == _OWNER:
                if raw is None:  # every record has an owner: leave it out to keep (or be) it
                    errors.append(FieldError(key, "every record has an owner", "required", index))
                    continue
                try:
                    values[key] = UUID(str(raw))
                except ValueError:
                    errors.append(FieldError(key, "expected a user id", "type", index))
            elif kind == _SYSTEM:
                errors.append(FieldError(key, "is set by the system", "read_only", index))
            elif kind == _READ_ONLY:
                errors.append(FieldError(key, "is read-only", "read_only", index))
        for name, default, required in self._tail:
            if default is not None and name not in values:
                values[name] = default()
            if (
                required is not None
                and (self.creating or name in values)
                and required(values.get(name))
            ):
                errors.append(FieldError(name, "is required", "required", index))
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
        elif target == "\0file":  # a file id is no key: only files the writer may see
            found[target] = visible_files(conn, snap, policy, ids)
            continue
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
    policy: Policy = SUPERUSER,
) -> list[FieldError]:
    """Unique fields: clashes within the batch and with live records, named per row.

    A clash on a field hidden from the user (a restored record's, a default's) is the
    record's, not the field's: the answer names neither the field nor its value.
    """
    errors: list[FieldError] = []
    table = snap.table(obj.name)
    hidden = hidden_fields(snap, policy)
    for f in obj.active_fields:
        if not f.unique:
            continue
        ftype = field_type(f.type)
        column = ftype.column_names(f)[0]
        name = "record" if (obj.name, f.name) in hidden else f.name
        seen: dict[Any, int | None] = {}
        stored: list[tuple[int | None, Any]] = []
        for index, values in rows:
            if values.get(f.name) is None:
                continue
            key = ftype.to_columns(f, values[f.name])[column]
            if key in seen:
                message = f"duplicates row {seen[key]} of this request"
                if name == "record":
                    message = f"a unique value duplicates row {seen[key]} of this request"
                errors.append(FieldError(name, message, "duplicate", index))
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
                message = "is already used by another record"
                if name == "record":
                    message = "a unique value is already used by another record"
                errors.append(FieldError(name, message, "duplicate", index))
    return errors
