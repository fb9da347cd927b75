"""Create, update, delete, restore and purge records; every change leaves history.

Functions take an open write transaction (``conn``): the caller's unit of work commits
once at the end, so a bulk call either lands whole or, with ``all_or_none=False``, lands
exactly its good rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from guanxi.kernel.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    PreconditionRequired,
    ValidationFailed,
    VersionConflict,
)
from guanxi.kernel.ids import uuid7
from guanxi.platform.access import audit
from guanxi.platform.access.actor import Actor
from guanxi.platform.metadata.fieldtypes import AutoNumberType, field_type
from guanxi.platform.metadata.model import SYSTEM_FIELDS, FieldDef, ObjectDef
from guanxi.platform.metadata.registry import Registry, Snapshot
from guanxi.platform.metadata.tables import gx_sequence, sequence_key
from guanxi.platform.query.paths import QueryScope
from guanxi.platform.records import reader
from guanxi.platform.records.tables import gx_history
from guanxi.platform.records.validation import (
    check_references,
    check_unique,
    clean_row,
    field_access,
)
from guanxi.platform.records.values import plain

MAX_BULK = 5000


@dataclass
class Ctx:
    """What every operation needs: the transaction, definitions, actor, time and origin."""

    conn: Connection
    snap: Snapshot
    actor: Actor
    now: datetime
    ip: str | None = None
    user_agent: str | None = None

    @classmethod
    def open(
        cls,
        conn: Connection,
        registry: Registry,
        actor: Actor,
        now: datetime,
        *,
        ip: str | None = None,
        user_agent: str | None = None,
    ) -> Ctx:
        return cls(conn, registry.snapshot(conn), actor, now, ip, user_agent)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.actor.time_zone)

    def audit(
        self, action: str, target: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        """Append to the security audit log, in this transaction, as the acting user."""
        audit.record(
            self.conn,
            action,
            now=self.now,
            actor_id=self.actor.user_id,
            target=target,
            ip=self.ip,
            user_agent=self.user_agent,
            details=details,
        )


@dataclass
class BulkResult:
    records: list[dict[str, Any]] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)


def _require(ctx: Ctx, operation: str, obj: ObjectDef) -> None:
    if operation != "read" and not ctx.actor.can_write:
        raise PermissionDenied("this token is read-only")
    reader.require(ctx.actor.policy, operation, obj)


def _columns(obj: ObjectDef, values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in values.items():
        f = obj.get_field(name)
        if f is None:
            out[name] = value  # owner_id
        else:
            out.update(field_type(f.type).to_columns(f, value))
    return out


def _history(ctx: Ctx, obj: ObjectDef, rows: list[dict[str, Any]]) -> None:
    if rows:
        for row in rows:
            row.setdefault("object_name", obj.name)
            row.setdefault("changed_by", ctx.actor.user_id)
            row.setdefault("changed_at", ctx.now)
            row.setdefault("field", None)
            row.setdefault("old", None)
            row.setdefault("new", None)
        ctx.conn.execute(insert(gx_history), rows)


def _next_numbers(ctx: Ctx, obj: ObjectDef, f: FieldDef, count: int) -> list[str]:
    """Reserve ``count`` auto-numbers in this transaction (the row lock serialises writers)."""
    key = sequence_key(obj.name, f.name)
    bump = (
        update(gx_sequence)
        .where(gx_sequence.c.key == key)
        .values(value=gx_sequence.c.value + count)
        .returning(gx_sequence.c.value)
    )
    last = ctx.conn.execute(bump).scalar()
    if last is None:  # the counter row is made with the field; this is a safety net
        ctx.conn.execute(insert(gx_sequence).values(key=key, value=int(f.opt("start", 1)) - 1))
        last = ctx.conn.execute(bump).scalar_one()
    ftype = field_type(f.type)
    assert isinstance(ftype, AutoNumberType)
    today = ctx.now.astimezone(ctx.zone).date()
    return [ftype.render(f, n, today) for n in range(last - count + 1, last + 1)]


def _raise_integrity(error: IntegrityError) -> None:
    raise Conflict(
        "the change conflicts with existing data (a unique value or a reference)",
        errors=[FieldError("record", str(error.orig).splitlines()[0][:200], "integrity")],
    ) from None


def create_many(
    ctx: Ctx,
    object_name: str,
    rows: Sequence[Any],
    *,
    all_or_none: bool = True,
    return_records: bool = True,
) -> BulkResult:
    """Insert records; with ``all_or_none`` one bad row rejects the call, naming each problem."""
    obj = ctx.snap.object(object_name)
    _require(ctx, "create", obj)
    if not 1 <= len(rows) <= MAX_BULK:
        raise ValidationFailed(
            "records", errors=[FieldError("records", f"send 1 to {MAX_BULK} records", "invalid")]
        )
    cleaned: list[tuple[int | None, dict[str, Any]]] = []
    errors: list[FieldError] = []
    access = field_access(obj, ctx.actor.policy)
    for index, data in enumerate(rows):
        values, row_errors = clean_row(
            obj, data, creating=True, index=index, policy=ctx.actor.policy, access=access
        )
        errors.extend(row_errors)
        if not row_errors:
            cleaned.append((index, values))
    errors.extend(check_references(ctx.conn, ctx.snap, obj, cleaned, ctx.actor.policy))
    errors.extend(check_unique(ctx.conn, ctx.snap, obj, cleaned))
    bad = {e.index for e in errors}
    if errors and all_or_none:
        raise ValidationFailed(f"{len(bad)} of {len(rows)} records are not valid", errors=errors)
    good = [(i, v) for i, v in cleaned if i not in bad]
    result = BulkResult(errors=errors)
    if not good:
        return result
    numbers = {
        f.name: _next_numbers(ctx, obj, f, len(good))
        for f in obj.active_fields
        if f.type == "auto_number"
    }
    table = ctx.snap.table(obj.name)
    stored = [f for f in obj.active_fields if field_type(f.type).stored]
    inserts = []
    ids = []
    for n, (_, values) in enumerate(good):
        record_id = uuid7()
        ids.append(record_id)
        for name, issued in numbers.items():
            values[name] = issued[n]
        row: dict[str, Any] = {
            "id": record_id,
            "version": 1,
            "created_at": ctx.now,
            "created_by_id": ctx.actor.user_id,
            "updated_at": ctx.now,
            "updated_by_id": ctx.actor.user_id,
            "owner_id": values.pop("owner_id", ctx.actor.user_id),
            "deleted_at": None,
        }
        for f in stored:
            row.update(field_type(f.type).to_columns(f, values.get(f.name)))
        inserts.append(row)
    try:
        ctx.conn.execute(insert(table), inserts)
    except IntegrityError as error:
        _raise_integrity(error)
    # No history rows for creates: the record's created_at/created_by_id say it all (and
    # history() shows them as the first entry), which halves the rows a bulk load writes.
    if not return_records or not ctx.actor.policy.can("read", obj.name):
        result.records = [{"id": str(record_id), "version": 1} for record_id in ids]
    elif not any(f.type == "formula" for f in obj.active_fields):
        # What was written is what a read would return: no need to read it back.
        scope = QueryScope(ctx.snap, obj, ctx.conn.dialect.name, ctx.actor.policy)
        selection = reader.make_selection(scope, None)
        render = selection.renderer(ctx.zone)
        keys = selection.column_keys()
        result.records = [render([row.get(key) for key in keys]) for row in inserts]
    else:
        for start in range(0, len(ids), reader.MAX_LIMIT):
            chunk = ids[start : start + reader.MAX_LIMIT]
            page = reader.query(
                ctx.conn,
                ctx.snap,
                obj,
                ctx.zone,
                ctx.now,
                limit=len(chunk),
                extra_where=[table.c.id.in_(chunk)],
                sort=[{"field": "id", "direction": "asc"}],
                policy=ctx.actor.policy,
            )
            result.records.extend(page.records)
    return result


def create(ctx: Ctx, object_name: str, data: Any) -> dict[str, Any]:
    return (
        create_many(ctx, object_name, [data]).records[0]
        if isinstance(data, Mapping)
        else _not_object()
    )


def _not_object() -> dict[str, Any]:
    raise ValidationFailed(
        "record: must be an object", errors=[FieldError("record", "must be an object", "type")]
    )


def _current(ctx: Ctx, obj: ObjectDef, record_id: UUID, *, deleted: bool = False) -> Any:
    """The row to change, locked; outside the user's edit scope it does not exist (404)."""
    table = ctx.snap.table(obj.name)
    stmt = select(table).where(
        table.c.id == record_id, ctx.actor.policy.edit_predicate(obj.name, table)
    )
    stmt = stmt.where(table.c.deleted_at.is_not(None) if deleted else table.c.deleted_at.is_(None))
    if ctx.conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = ctx.conn.execute(stmt).first()
    if row is None:
        where = " in the recycle bin" if deleted else ""
        raise NotFound(f"no {obj.name} record with id {record_id}{where}")
    return row


def update_record(
    ctx: Ctx,
    object_name: str,
    record_id: UUID,
    data: Any,
    *,
    expected_version: int | None,
    index: int | None = None,
) -> dict[str, Any]:
    """Apply a partial change if ``expected_version`` is still current (optimistic locking)."""
    obj = ctx.snap.object(object_name)
    _require(ctx, "update", obj)
    if not isinstance(data, Mapping):
        _not_object()
    if expected_version is None and isinstance(data.get("version"), int):
        expected_version = data["version"]
    if expected_version is None:
        raise PreconditionRequired(
            'send If-Match: "<version>" or a version in the body',
            errors=[FieldError("version", "is required to update", "required", index)],
        )
    row = _current(ctx, obj, record_id)
    if row.version != expected_version:
        raise VersionConflict(
            f"record is at version {row.version}, not {expected_version}",
            errors=[FieldError("version", f"is {row.version} now", "stale", index)],
            extra={"current_version": row.version},
        )
    values, errors = clean_row(obj, data, creating=False, index=index, policy=ctx.actor.policy)
    if not errors:
        errors = check_references(ctx.conn, ctx.snap, obj, [(index, values)], ctx.actor.policy)
        errors += check_unique(ctx.conn, ctx.snap, obj, [(index, values)], exclude_ids=[record_id])
    if errors:
        raise ValidationFailed(f"{len(errors)} values are not valid", errors=errors)
    current = row._mapping
    history: list[dict[str, Any]] = []
    changed: dict[str, Any] = {}
    for name, new in values.items():
        f = obj.get_field(name)
        old = current[name] if f is None else field_type(f.type).from_row(f, current)
        if plain(old) != plain(new):
            changed[name] = new
            history.append(
                {
                    "record_id": record_id,
                    "action": "update",
                    "field": name,
                    "old": plain(old),
                    "new": plain(new),
                }
            )
    if changed:
        table = ctx.snap.table(obj.name)
        try:
            result = ctx.conn.execute(
                update(table)
                .where(and_(table.c.id == record_id, table.c.version == expected_version))
                .values(
                    **_columns(obj, changed),
                    version=table.c.version + 1,
                    updated_at=ctx.now,
                    updated_by_id=ctx.actor.user_id,
                )
            )
        except IntegrityError as error:
            _raise_integrity(error)
        if result.rowcount != 1:
            raise VersionConflict(
                "the record changed while it was being updated",
                errors=[FieldError("version", "is stale", "stale", index)],
            )
        _history(ctx, obj, history)
    return _written(ctx, obj, record_id)


def update_many(
    ctx: Ctx, object_name: str, rows: Sequence[Any], *, all_or_none: bool = True
) -> BulkResult:
    """Bulk partial updates; each row carries ``id`` and ``version``."""
    if not 1 <= len(rows) <= MAX_BULK:
        raise ValidationFailed(
            "records", errors=[FieldError("records", f"send 1 to {MAX_BULK} records", "invalid")]
        )
    result = BulkResult()
    for index, data in enumerate(rows):
        if not isinstance(data, Mapping) or "id" not in data:
            result.errors.append(FieldError("id", "each record needs an id", "required", index))
            continue
        try:
            record_id = UUID(str(data["id"]))
            body = {k: v for k, v in data.items() if k != "id"}
            if all_or_none:
                result.records.append(
                    update_record(
                        ctx, object_name, record_id, body, expected_version=None, index=index
                    )
                )
            else:
                with ctx.conn.begin_nested():
                    result.records.append(
                        update_record(
                            ctx, object_name, record_id, body, expected_version=None, index=index
                        )
                    )
        except (
            ValidationFailed,
            VersionConflict,
            PreconditionRequired,
            NotFound,
            Conflict,
        ) as error:
            result.errors.extend(
                [FieldError(e.field, e.message, e.code, index) for e in error.errors]
                or [FieldError("id", error.detail or error.code, error.code, index)]
            )
        except ValueError:
            result.errors.append(FieldError("id", "is not a record id", "type", index))
    if result.errors and all_or_none:
        raise ValidationFailed(
            f"{len({e.index for e in result.errors})} of {len(rows)} records were not updated",
            errors=result.errors,
        )
    return result


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
    _require(ctx, "delete", obj)
    _current(ctx, obj, record_id)
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
                _history(
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
    _history(ctx, obj, [{"record_id": i, "action": "delete"} for i in ids])


def restore_record(ctx: Ctx, object_name: str, record_id: UUID) -> dict[str, Any]:
    """Bring a record back from the recycle bin, with what its deletion cascaded to."""
    obj = ctx.snap.object(object_name)
    _require(ctx, "delete", obj)
    row = _current(ctx, obj, record_id, deleted=True)
    values = {
        f.name: field_type(f.type).from_row(f, row._mapping) for f in obj.active_fields if f.unique
    }
    errors = check_unique(ctx.conn, ctx.snap, obj, [(None, values)], exclude_ids=[record_id])
    if errors:
        raise Conflict("another record now uses its unique values", errors=errors)
    _restore(ctx, obj, [record_id], row.deleted_at, depth=0)
    return _written(ctx, obj, record_id)


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
    _history(ctx, obj, [{"record_id": i, "action": "restore"} for i in ids])
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
    _require(ctx, "delete", obj)
    _current(ctx, obj, record_id, deleted=True)
    table = ctx.snap.table(obj.name)
    try:
        ctx.conn.execute(table.delete().where(table.c.id == record_id))
    except IntegrityError as error:
        _raise_integrity(error)
    _history(ctx, obj, [{"record_id": record_id, "action": "purge"}])


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


def history(ctx: Ctx, object_name: str, record_id: UUID) -> list[dict[str, Any]]:
    """Every change to a record the user may read, oldest first, without hidden fields."""
    obj = ctx.snap.object(object_name)
    _require(ctx, "read", obj)
    table = ctx.snap.table(obj.name)
    policy = ctx.actor.policy
    created = ctx.conn.execute(
        select(table.c.created_at, table.c.created_by_id).where(
            table.c.id == record_id, policy.read_predicate(obj.name, table)
        )
    ).first()
    if created is None:
        raise NotFound(f"no {obj.name} record with id {record_id}")
    rows = ctx.conn.execute(
        select(gx_history)
        .where(gx_history.c.object_name == obj.name, gx_history.c.record_id == record_id)
        .order_by(gx_history.c.id)
    )
    first = {
        "action": "create",
        "field": None,
        "old": None,
        "new": None,
        "changed_by": plain(created.created_by_id),
        "changed_at": plain(created.created_at, ctx.zone),
    }
    return [first] + [
        {
            "action": r.action,
            "field": r.field,
            "old": r.old,
            "new": r.new,
            "changed_by": plain(r.changed_by),
            "changed_at": plain(r.changed_at, ctx.zone),
        }
        for r in rows
        if r.field is None or r.field in SYSTEM_FIELDS or policy.field_visible(obj.name, r.field)
    ]


def _written(ctx: Ctx, obj: ObjectDef, record_id: UUID) -> dict[str, Any]:
    """The record as just written, shown with the user's field permissions.

    Not limited by the data scope: a user who handed a record to a colleague outside
    their scope still sees the result of their own change once.
    """
    if not ctx.actor.policy.can("read", obj.name):  # may write but not read: only the id
        version = ctx.conn.execute(
            select(ctx.snap.table(obj.name).c.version).where(
                ctx.snap.table(obj.name).c.id == record_id
            )
        ).scalar()
        return {"id": str(record_id), "version": version}
    return reader.fetch_one(
        ctx.conn, ctx.snap, obj, record_id, ctx.zone, policy=ctx.actor.policy, scoped=False
    )


def get_record(
    ctx: Ctx,
    object_name: str,
    record_id: UUID,
    *,
    fields: list[str] | None = None,
    include: list[str] | None = None,
) -> dict[str, Any]:
    """One record the user may read (404 otherwise), optionally with related records."""
    obj = ctx.snap.object(object_name)
    policy = ctx.actor.policy
    record = reader.fetch_one(
        ctx.conn, ctx.snap, obj, record_id, ctx.zone, fields=fields, policy=policy
    )
    if include:
        reader.attach_related(ctx.conn, ctx.snap, obj, [record], include, ctx.zone, policy)
    return record


def list_records(ctx: Ctx, object_name: str, **query: Any) -> reader.Page:
    """A page of the records the user may read (see :func:`reader.query` for the options)."""
    obj = ctx.snap.object(object_name)
    return reader.query(
        ctx.conn, ctx.snap, obj, ctx.zone, ctx.now, policy=ctx.actor.policy, **query
    )
