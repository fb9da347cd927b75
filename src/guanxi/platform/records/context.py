"""The unit of work every records operation takes, and helpers the write paths share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from guanxi.kernel.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from guanxi.platform.access import audit
from guanxi.platform.access.actor import Actor
from guanxi.platform.access.policy import SUPERUSER
from guanxi.platform.metadata import counters
from guanxi.platform.metadata.fieldtypes import AutoNumberType, field_type
from guanxi.platform.metadata.model import SYSTEM_FIELDS, FieldDef, ObjectDef
from guanxi.platform.metadata.registry import Registry, Snapshot
from guanxi.platform.metadata.tables import gx_sequence, sequence_key
from guanxi.platform.records import reader
from guanxi.platform.records.hooks import NO_HOOKS, WriteEvent, WriteHooks
from guanxi.platform.records.tables import gx_history

MAX_BULK = 5000


@dataclass
class Ctx:
    """What every operation needs: the transaction, definitions, actor, time and origin,
    the installation's write hooks and its file store (``files_dir``; None: bytes a purge
    frees stay on disk)."""

    conn: Connection
    snap: Snapshot
    actor: Actor
    now: datetime
    ip: str | None = None
    user_agent: str | None = None
    hooks: WriteHooks = NO_HOOKS
    files_dir: Path | None = None

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
        hooks: WriteHooks = NO_HOOKS,
        files_dir: Path | None = None,
    ) -> Ctx:
        snap = registry.snapshot(conn, actor.meta_version)
        return cls(conn, snap, actor, now, ip, user_agent, hooks, files_dir)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.actor.time_zone)

    def elevated(self) -> Ctx:
        """This unit of work with every right, still recorded as the acting user.

        For what a module's rule writes as a consequence of the user's own write or
        request (logging a call updates the account's last activity; a claim from a pool
        makes the user the owner), which the user's role alone may not allow. Never for
        reading data to show the user."""
        actor = replace(self.actor, policy=SUPERUSER, can_write=True)
        return replace(self, actor=actor)

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


def require(ctx: Ctx, operation: str, obj: ObjectDef) -> None:
    if operation != "read" and not ctx.actor.can_write:
        raise PermissionDenied("this token is read-only")
    reader.require(ctx.actor.policy, operation, obj)


def record_values(obj: ObjectDef, row: Mapping[Any, Any]) -> dict[str, Any]:
    """A stored row as field values (a currency as its amount and code, …) beside the
    system columns: how hooks see a record."""
    values = {name: row[name] for name in (*SYSTEM_FIELDS, "owner_id") if name in row}
    for f in obj.active_fields:
        values[f.name] = field_type(f.type).from_row(f, row)
    return values


def refused(ctx: Ctx, event: WriteEvent) -> list[FieldError]:
    """Run the before-write hooks of one record of a create or update: the problems they
    refuse it with (each marked with the record's row), or none."""
    try:
        ctx.hooks.before(ctx, [event])
    except ValidationFailed as error:
        return [
            FieldError(e.field, e.message, e.code, event.index)
            for e in error.errors or [FieldError("record", error.detail or error.code, error.code)]
        ]
    return []


def columns(obj: ObjectDef, values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in values.items():
        f = obj.get_field(name)
        if f is None:
            out[name] = value  # owner_id
        else:
            out.update(field_type(f.type).to_columns(f, value))
    return out


def write_history(ctx: Ctx, obj: ObjectDef, rows: list[dict[str, Any]]) -> None:
    if rows:
        for row in rows:
            row.setdefault("object_name", obj.name)
            row.setdefault("changed_by", ctx.actor.user_id)
            row.setdefault("changed_at", ctx.now)
            row.setdefault("field", None)
            row.setdefault("old", None)
            row.setdefault("new", None)
        ctx.conn.execute(insert(gx_history), rows)


_BUMP = (
    update(gx_sequence)
    .where(gx_sequence.c.key == bindparam("seq_key"))
    .values(value=gx_sequence.c.value + bindparam("seq_count"))
    .returning(gx_sequence.c.value)
)


def next_numbers(ctx: Ctx, obj: ObjectDef, f: FieldDef, count: int) -> list[str]:
    """Reserve ``count`` auto-numbers, in order, from the field's source (ADR 0008)."""
    issued: Sequence[int]
    if counters.uses_sequence(f, ctx.conn.dialect.name):
        issued = _from_sequence(ctx.conn, f, count)
    else:
        issued = _from_counter_row(ctx.conn, obj, f, count)
    ftype = field_type(f.type)
    assert isinstance(ftype, AutoNumberType)
    render = ftype.renderer(f, ctx.now.astimezone(ctx.zone).date())
    return [render(n) for n in issued]


def _from_sequence(conn: Connection, f: FieldDef, count: int) -> list[int]:
    """``nextval`` holds no lock until commit: concurrent creates never wait for it."""
    nextval = counters.sequence_of(f).next_value()
    if count == 1:
        return [conn.execute(select(nextval)).scalar_one()]
    many = select(nextval).select_from(func.generate_series(1, count))
    return sorted(conn.execute(many).scalars())


def _from_counter_row(conn: Connection, obj: ObjectDef, f: FieldDef, count: int) -> range:
    """Bump the counter row in this transaction (its lock serialises writers until commit)."""
    params = {"seq_key": sequence_key(obj.name, f.name), "seq_count": count}
    last = conn.execute(_BUMP, params).scalar()
    if last is None:  # the counter row is made with the field; this is a safety net
        conn.execute(
            insert(gx_sequence).values(key=params["seq_key"], value=int(f.opt("start", 1)) - 1)
        )
        last = conn.execute(_BUMP, params).scalar_one()
    return range(last - count + 1, last + 1)


# The rule a change broke, by PostgreSQL SQLSTATE or SQLite extended error name.
_BROKEN_RULES = {
    "23505": "unique",
    "SQLITE_CONSTRAINT_UNIQUE": "unique",
    "SQLITE_CONSTRAINT_PRIMARYKEY": "unique",
    "23503": "reference",
    "SQLITE_CONSTRAINT_FOREIGNKEY": "reference",
}
_INTEGRITY_MESSAGES = {
    "unique": "a unique value is already used by another record",
    "reference": "a reference between records does not allow the change",
}


def raise_integrity(error: IntegrityError) -> None:
    """409 for a change the database refused. Its own message names tables, columns and
    values — fields hidden from the user among them — so only the kind of rule is told."""
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "sqlite_errorname", "")
    message = _INTEGRITY_MESSAGES.get(
        _BROKEN_RULES.get(str(code), ""), "the change conflicts with existing data"
    )
    raise Conflict(
        "the change conflicts with existing data (a unique value or a reference)",
        errors=[FieldError("record", message, "integrity")],
    ) from None


def not_object() -> dict[str, Any]:
    raise ValidationFailed(
        "record: must be an object", errors=[FieldError("record", "must be an object", "type")]
    )


def current(
    ctx: Ctx, obj: ObjectDef, record_id: UUID, *, deleted: bool = False, action: str = "update"
) -> Any:
    """The row to change, locked; outside the scope of the user's roles that may take
    ``action`` on it (``Policy.predicate``) it does not exist (404)."""
    table = ctx.snap.table(obj.name)
    stmt = select(table).where(
        table.c.id == record_id, ctx.actor.policy.predicate(action, obj.name, table)
    )
    stmt = stmt.where(table.c.deleted_at.is_not(None) if deleted else table.c.deleted_at.is_(None))
    if ctx.conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = ctx.conn.execute(stmt).first()
    if row is None:
        where = " in the recycle bin" if deleted else ""
        raise NotFound(f"no {obj.name} record with id {record_id}{where}")
    return row


def read_many(ctx: Ctx, obj: ObjectDef, ids: Sequence[UUID]) -> dict[str, dict[str, Any]]:
    """The records among ``ids`` the user may read, by id, a page of queries at a time."""
    table = ctx.snap.table(obj.name)
    found: dict[str, dict[str, Any]] = {}
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
            policy=ctx.actor.policy,
        )
        found.update((record["id"], record) for record in page.records)
    return found


def written(ctx: Ctx, obj: ObjectDef, record_id: UUID) -> dict[str, Any]:
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
