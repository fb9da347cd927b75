"""Updating records, one or many: optimistic locking, validation, hooks, history.

A bulk update works on its rows together: one locked read of them all, one check per
lookup target and unique field, one ``UPDATE`` per set of changed columns, one history
insert, one search-queue row and a paged read-back, so a mass edit of 5,000 records is a
few dozen statements rather than five per record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from guanxi.kernel.errors import (
    Conflict,
    DomainError,
    FieldError,
    PermissionDenied,
    PreconditionRequired,
    ValidationFailed,
    VersionConflict,
)
from guanxi.platform.metadata.fieldtypes import field_type
from guanxi.platform.metadata.model import ObjectDef
from guanxi.platform.records.context import (
    MAX_BULK,
    BulkResult,
    Ctx,
    columns,
    current,
    not_object,
    raise_integrity,
    read_many,
    record_values,
    refused,
    require,
    write_history,
    written,
)
from guanxi.platform.records.hooks import WriteEvent
from guanxi.platform.records.validation import RowCleaner, check_references, check_unique
from guanxi.platform.records.values import plain
from guanxi.platform.search import index as search_index

MAX_VERSION = 2**63 - 1  # a record's version is a positive 64-bit integer
TRANSFER_REFUSED = (
    "only its owner, a manager whose scope covers it, or someone with the transfer_records "
    "right may change the owner"
)


@dataclass
class _Change:
    """One record of an update: as stored (locked), what was asked, and what changes."""

    index: int | None
    record_id: UUID
    row: Any
    changed: dict[str, Any] = field(default_factory=dict)
    before: dict[str, Any] = field(default_factory=dict)
    stored: dict[str, Any] | None = None  # as hooks see it, when a hook watches


def update_record(
    ctx: Ctx,
    object_name: str,
    record_id: UUID,
    data: Any,
    *,
    expected_version: int | None,
    index: int | None = None,
    allow_unowned: bool = False,
) -> dict[str, Any]:
    """Apply a partial change if ``expected_version`` is still current (optimistic locking).

    ``allow_unowned``: ``"owner_id": None`` leaves the record without an owner, which a
    caller's input never may; only for a module's service that keeps such records (an
    account returned to a customer pool, ADR 0025)."""
    obj = ctx.snap.object(object_name)
    require(ctx, "update", obj)
    if not isinstance(data, Mapping):
        not_object()
    version = _expected_version(data, expected_version, index)
    row = current(ctx, obj, record_id)
    if row.version != version:
        raise VersionConflict(
            f"record is at version {row.version}, not {version}",
            errors=[FieldError("version", f"is {row.version} now", "stale", index)],
            extra={"current_version": row.version},
        )
    change = _Change(index, record_id, row)
    errors = _validate(ctx, obj, [(change, data)], allow_unowned=allow_unowned)
    if errors:
        raise ValidationFailed(f"{len(errors)} values are not valid", errors=errors)
    if _not_transferable(ctx, obj, [change]):
        raise PermissionDenied(
            "you may edit this record but not give it to someone else",
            errors=[FieldError("owner_id", TRANSFER_REFUSED, "forbidden", index)],
        )
    _write(ctx, obj, [change])
    return written(ctx, obj, record_id)


def update_current(
    ctx: Ctx, object_name: str, record_id: UUID, data: Any, *, allow_unowned: bool = False
) -> dict[str, Any]:
    """Apply a change to the record as it is now, whatever its version.

    For a module's rules (an account's last activity after a call is logged), which
    change a record as a consequence of another write and have no version a user saw;
    a user's own edit goes through :func:`update_record` with the version they saw.
    ``allow_unowned`` as in :func:`update_record`."""
    obj = ctx.snap.object(object_name)
    row = current(ctx, obj, record_id)  # locked on PostgreSQL until the transaction ends
    return update_record(
        ctx,
        object_name,
        record_id,
        data,
        expected_version=row.version,
        allow_unowned=allow_unowned,
    )


def update_many(
    ctx: Ctx, object_name: str, rows: Sequence[Any], *, all_or_none: bool = True
) -> BulkResult:
    """Bulk partial updates; each row carries ``id`` and ``version``. With ``all_or_none``
    one bad row rejects the call, naming each problem; otherwise the good rows land."""
    if not 1 <= len(rows) <= MAX_BULK:
        raise ValidationFailed(
            "records", errors=[FieldError("records", f"send 1 to {MAX_BULK} records", "invalid")]
        )
    obj = ctx.snap.object(object_name)
    require(ctx, "update", obj)  # a 403 for the call, not per row
    result = BulkResult()
    asked: list[tuple[int, UUID, int, Mapping[str, Any]]] = []
    seen: set[UUID] = set()
    for index, data in enumerate(rows):
        if not isinstance(data, Mapping) or "id" not in data:
            result.errors.append(FieldError("id", "each record needs an id", "required", index))
            continue
        try:
            record_id = UUID(str(data["id"]))
        except ValueError:
            result.errors.append(FieldError("id", "is not a record id", "type", index))
            continue
        if record_id in seen:
            result.errors.append(FieldError("id", "appears twice in the call", "duplicate", index))
            continue
        seen.add(record_id)
        body = {k: v for k, v in data.items() if k != "id"}
        try:
            asked.append((index, record_id, _expected_version(body, None, index), body))
        except (ValidationFailed, PreconditionRequired) as error:
            result.errors.extend(_row_errors(error, index))
    locked = _locked(ctx, obj, [record_id for _, record_id, _, _ in asked])
    pairs: list[tuple[_Change, Mapping[str, Any]]] = []
    for index, record_id, version, asked_body in asked:
        row = locked.get(record_id)
        if row is None:
            message = f"no {obj.name} record with id {record_id}"
            result.errors.append(FieldError("id", message, "not_found", index))
        elif row.version != version:
            result.errors.append(FieldError("version", f"is {row.version} now", "stale", index))
        else:
            pairs.append((_Change(index, record_id, row), asked_body))
    result.errors.extend(_validate(ctx, obj, pairs))
    bad = {e.index for e in result.errors}
    changes = [change for change, _ in pairs if change.index not in bad]
    for change in _not_transferable(ctx, obj, changes):
        result.errors.append(FieldError("owner_id", TRANSFER_REFUSED, "forbidden", change.index))
    bad = {e.index for e in result.errors}
    changes = [change for change in changes if change.index not in bad]
    if result.errors and all_or_none:
        raise ValidationFailed(
            f"{len(bad)} of {len(rows)} records were not updated", errors=result.errors
        )
    if all_or_none:
        _write(ctx, obj, changes)
    else:
        changes = _write_what_can_be(ctx, obj, changes, result.errors)
    result.records = _read_back(ctx, obj, [change.record_id for change in changes])
    result.errors.sort(key=lambda e: e.index or 0)
    return result


def _expected_version(data: Mapping[str, Any], given: int | None, index: int | None) -> int:
    """The version the change is made against: ``If-Match`` or the body's ``version``."""
    version = given
    if version is None and data.get("version") is not None:
        version = data["version"]
        if isinstance(version, bool) or not isinstance(version, int):
            version = 0  # refused below, with the same words as an out-of-range number
        if not 1 <= version <= MAX_VERSION:
            raise ValidationFailed(
                "version: must be an integer",
                errors=[
                    FieldError("version", f"must be an integer, 1 to {MAX_VERSION}", "type", index)
                ],
            )
    if version is None:
        raise PreconditionRequired(
            'send If-Match: "<version>" or a version in the body',
            errors=[FieldError("version", "is required to update", "required", index)],
        )
    return version


def _row_errors(error: DomainError, index: int | None) -> list[FieldError]:
    return [FieldError(e.field, e.message, e.code, index) for e in error.errors] or [
        FieldError("id", error.detail or error.code, error.code, index)
    ]


def _locked(ctx: Ctx, obj: ObjectDef, ids: list[UUID]) -> dict[UUID, Any]:
    """The live rows among ``ids`` that the user may update, locked in id order (so two
    bulk updates never wait on each other in a circle); the others are not found."""
    if not ids:
        return {}
    table = ctx.snap.table(obj.name)
    stmt = (
        select(table)
        .where(
            table.c.id.in_(ids),
            table.c.deleted_at.is_(None),
            ctx.actor.policy.predicate("update", obj.name, table),
        )
        .order_by(table.c.id)
    )
    if ctx.conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return {row.id: row for row in ctx.conn.execute(stmt)}


def _validate(
    ctx: Ctx,
    obj: ObjectDef,
    pairs: Sequence[tuple[_Change, Mapping[str, Any]]],
    *,
    allow_unowned: bool = False,
) -> list[FieldError]:
    """Clean each change, let the hooks judge it, check references and unique values for
    all of them at once, and work out what each one changes."""
    cleaner = RowCleaner(obj, creating=False, policy=ctx.actor.policy, snap=ctx.snap)
    hooked = bool(ctx.hooks.watching(obj.name))
    errors: list[FieldError] = []
    cleaned: list[tuple[_Change, dict[str, Any]]] = []
    for change, data in pairs:
        unowned = allow_unowned and "owner_id" in data and data["owner_id"] is None
        if unowned:  # the cleaner refuses a record without an owner; the service may not
            data = {key: value for key, value in data.items() if key != "owner_id"}
        values, row_errors = cleaner.clean(data, change.index)
        if unowned:
            values["owner_id"] = None
        if hooked and not row_errors:  # a module's rule holds for a plain PATCH too
            change.stored = record_values(obj, change.row._mapping)
            event = WriteEvent(
                obj.name,
                "update",
                change.record_id,
                values=values,
                stored=change.stored,
                index=change.index,
            )
            row_errors = refused(ctx, event)
        errors.extend(row_errors)
        if not row_errors:
            cleaned.append((change, values))
    rows = [(change.index, values) for change, values in cleaned]
    # A record may keep its own unique values; one of the call that leaves them alone
    # still holds them.
    unique = {f.name for f in obj.active_fields if f.unique}
    setting = [change.record_id for change, values in cleaned if not unique.isdisjoint(values)]
    errors += check_references(ctx.conn, ctx.snap, obj, rows, ctx.actor.policy)
    errors += check_unique(
        ctx.conn, ctx.snap, obj, rows, exclude_ids=setting, policy=ctx.actor.policy
    )
    for change, values in cleaned:
        stored = change.row._mapping
        for name, new in values.items():
            f = obj.get_field(name)
            old = stored[name] if f is None else field_type(f.type).from_row(f, stored)
            if plain(old) != plain(new):
                change.changed[name] = new
                change.before[name] = old
    return errors


def _not_transferable(ctx: Ctx, obj: ObjectDef, changes: Sequence[_Change]) -> list[_Change]:
    """The changes of ``owner_id`` the user may not make (``Policy.transfer_predicate``):
    editing a record is not enough to give it away."""
    moving = {c.record_id: c for c in changes if "owner_id" in c.changed}
    if not moving:
        return []
    table = ctx.snap.table(obj.name)
    allowed = set(
        ctx.conn.execute(
            select(table.c.id).where(
                table.c.id.in_(list(moving)),
                ctx.actor.policy.transfer_predicate(obj.name, table),
            )
        ).scalars()
    )
    return [change for record_id, change in moving.items() if record_id not in allowed]


def _write(ctx: Ctx, obj: ObjectDef, changes: Sequence[_Change]) -> None:
    """Write the changes: one ``UPDATE`` per set of changed columns (each row still
    checks its version), the history in one insert, then the after hooks."""
    table = ctx.snap.table(obj.name)
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    history: list[dict[str, Any]] = []
    for change in changes:
        if not change.changed:
            continue
        values = columns(obj, change.changed)
        params = {f"v_{key}": value for key, value in values.items()}
        params |= {"k_id": change.record_id, "k_version": change.row.version}
        groups.setdefault(tuple(values), []).append(params)
        history += [
            {
                "record_id": change.record_id,
                "action": "update",
                "field": name,
                "old": plain(change.before[name]),
                "new": plain(new),
            }
            for name, new in change.changed.items()
        ]
    for keys, rows in groups.items():
        stmt = (
            update(table)
            .where(table.c.id == bindparam("k_id"), table.c.version == bindparam("k_version"))
            .values(
                {
                    **{key: bindparam(f"v_{key}") for key in keys},
                    "version": table.c.version + 1,
                    "updated_at": ctx.now,
                    "updated_by_id": ctx.actor.user_id,
                }
            )
        )
        try:
            result = ctx.conn.execute(stmt, rows)
        except IntegrityError as error:
            raise_integrity(error)
        if ctx.conn.dialect.supports_sane_multi_rowcount and result.rowcount != len(rows):
            raise VersionConflict(
                "a record changed while it was being updated",
                errors=[FieldError("version", "is stale", "stale", changes[0].index)],
            )
    write_history(ctx, obj, history)
    touched = [c.record_id for c in changes if search_index.touches(obj, c.changed)]
    if touched:
        search_index.enqueue(ctx.conn, obj, touched)
    if ctx.hooks.watching(obj.name):
        ctx.hooks.after(
            ctx,
            [
                WriteEvent(
                    obj.name,
                    "update",
                    c.record_id,
                    values=c.changed,
                    old=c.before,
                    stored=c.stored,
                    index=c.index,
                )
                for c in changes
                if c.changed
            ],
        )


def _write_what_can_be(
    ctx: Ctx, obj: ObjectDef, changes: list[_Change], errors: list[FieldError]
) -> list[_Change]:
    """``all_or_none=False``: all together, or, when the database refuses that (a unique
    value taken meanwhile), one by one, each in a savepoint; returns what landed."""
    try:
        with ctx.conn.begin_nested():
            _write(ctx, obj, changes)
        return changes
    except (Conflict, VersionConflict):
        pass
    landed: list[_Change] = []
    for change in changes:
        try:
            with ctx.conn.begin_nested():
                _write(ctx, obj, [change])
            landed.append(change)
        except (Conflict, VersionConflict) as error:
            errors.extend(_row_errors(error, change.index))
    return landed


def _read_back(ctx: Ctx, obj: ObjectDef, ids: list[UUID]) -> list[dict[str, Any]]:
    """The records as written, in the order asked, shown with the user's permissions
    (one query per page; one more for each record the change moved out of their sight)."""
    if not ids:
        return []
    table = ctx.snap.table(obj.name)
    if not ctx.actor.policy.can("read", obj.name):  # may write but not read: ids only
        versions = dict(
            ctx.conn.execute(select(table.c.id, table.c.version).where(table.c.id.in_(ids))).all()
        )
        return [{"id": str(i), "version": versions[i]} for i in ids]
    found = read_many(ctx, obj, ids)
    return [found.get(str(i)) or written(ctx, obj, i) for i in ids]
