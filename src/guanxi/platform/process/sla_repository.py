"""The SQL of SLA clocks: a record as the clocks see it, the clocks themselves, and the
clocks a sweep finds due."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, and_, case, delete, false, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.sql.elements import ColumnElement

from guanxi.kernel.errors import ValidationFailed
from guanxi.kernel.ids import uuid7
from guanxi.kernel.sqltypes import utc_moment
from guanxi.platform.access.policy import SUPERUSER
from guanxi.platform.metadata.fieldtypes import field_type
from guanxi.platform.metadata.model import ObjectDef
from guanxi.platform.metadata.registry import Snapshot
from guanxi.platform.process.sla_timing import Pause
from guanxi.platform.process.tables import gx_sla_clock, gx_sla_policy
from guanxi.platform.query.filters import FilterCompiler
from guanxi.platform.query.paths import QueryScope


@dataclass
class Clock:
    """One clock of a record, as stored (``id`` None: not stored yet)."""

    object_name: str
    record_id: UUID
    metric: str
    policy_id: UUID
    target_minutes: int
    started_at: datetime
    pauses: list[Pause] = field(default_factory=list)
    due_at: datetime | None = None
    warn_at: datetime | None = None
    met_at: datetime | None = None
    warned_at: datetime | None = None
    breached_at: datetime | None = None
    escalation: dict[str, Any] | None = None
    id: UUID | None = None
    # The escalation as read: a save that did not change it leaves the column alone, so
    # a write does not put back a pending escalation the timer carried out meanwhile.
    stored_escalation: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def paused_since(self) -> datetime | None:
        if self.pauses and self.pauses[-1][1] is None:
            return self.pauses[-1][0]
        return None

    @classmethod
    def of(cls, row: Row[Any]) -> Clock:
        return cls(
            id=row.id,
            object_name=row.object_name,
            record_id=row.record_id,
            metric=row.metric,
            policy_id=row.policy_id,
            target_minutes=row.target_minutes,
            started_at=row.started_at,
            pauses=[
                (utc_moment(a), None if b is None else utc_moment(b)) for a, b in row.pauses or []
            ],
            due_at=row.due_at,
            warn_at=row.warn_at,
            met_at=row.met_at,
            warned_at=row.warned_at,
            breached_at=row.breached_at,
            escalation=row.escalation,
            stored_escalation=row.escalation,
        )

    def values(self, now: datetime) -> dict[str, Any]:
        return {
            "object_name": self.object_name,
            "record_id": self.record_id,
            "metric": self.metric,
            "policy_id": self.policy_id,
            "target_minutes": self.target_minutes,
            "started_at": self.started_at,
            "pauses": [
                [a.isoformat(), None if b is None else b.isoformat()] for a, b in self.pauses
            ],
            "paused_since": self.paused_since,
            "due_at": self.due_at,
            "warn_at": self.warn_at,
            "met_at": self.met_at,
            "warned_at": self.warned_at,
            "breached_at": self.breached_at,
            "escalation": self.escalation,
            "updated_at": now,
        }


# -- records ---------------------------------------------------------------------------------
def record_state(
    conn: Connection,
    snap: Snapshot,
    obj: ObjectDef,
    record_id: UUID,
    conditions: Sequence[Mapping[str, Any] | None],
    fields: Iterable[str],
    now: datetime,
) -> tuple[dict[str, Any], list[bool]] | None:
    """The record's ``fields`` (and ``deleted_at``), and which of the filter trees it
    meets (None: every record does), in one statement compiled as a list compiles a
    filter, without a user's permissions (a policy means the same whoever writes). A tree
    that no longer compiles (a field it read was archived) is met by nothing. None when
    the record is gone (purged)."""
    scope = QueryScope(snap, obj, conn.dialect.name, SUPERUSER)
    base = scope.base
    flags: list[ColumnElement[Any]] = []
    for i, tree in enumerate(conditions):
        compiled: ColumnElement[bool]
        if tree is None:
            flags.append(case((base.c.id.is_not(None), 1), else_=0).label(f"sla_c{i}"))
            continue
        try:
            compiled = FilterCompiler(scope, now).compile(dict(tree))
        except ValidationFailed:
            compiled = false()
        flags.append(case((compiled, 1), else_=0).label(f"sla_c{i}"))
    wanted = [f for f in (obj.get_field(n) for n in dict.fromkeys(fields)) if f is not None]
    stmt = select(*base.c, *flags).select_from(scope.from_clause()).where(base.c.id == record_id)
    row = conn.execute(stmt).first()
    if row is None:
        return None
    mapping: Mapping[str, Any] = row._mapping  # type: ignore[assignment]
    values = {f.name: field_type(f.type).from_row(f, mapping) for f in wanted}
    values["deleted_at"] = mapping["deleted_at"]
    return values, [bool(mapping[f"sla_c{i}"]) for i in range(len(conditions))]


def field_values(
    conn: Connection, snap: Snapshot, obj: ObjectDef, ids: Sequence[UUID], name: str | None
) -> dict[UUID, Any]:
    """One field's value for each of the records (all None when no field is named)."""
    if name is None or obj.get_field(name) is None:
        return dict.fromkeys(ids)
    f = obj.get_field(name)
    assert f is not None
    table = snap.table(obj.name)
    found: dict[UUID, Any] = dict.fromkeys(ids)
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        for row in conn.execute(select(table).where(table.c.id.in_(chunk))):
            found[row.id] = field_type(f.type).from_row(f, dict(row._mapping))
    return found


# -- clocks ----------------------------------------------------------------------------------
def clocks_of(conn: Connection, object_name: str, record_id: UUID) -> dict[str, Clock]:
    rows = conn.execute(
        select(gx_sla_clock).where(
            gx_sla_clock.c.object_name == object_name, gx_sla_clock.c.record_id == record_id
        )
    )
    return {row.metric: Clock.of(row) for row in rows}


def clocks_where(
    conn: Connection, where: ColumnElement[bool], limit: int | None = None
) -> list[Clock]:
    stmt = select(gx_sla_clock).where(where).order_by(gx_sla_clock.c.object_name, gx_sla_clock.c.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [Clock.of(row) for row in conn.execute(stmt)]


def save(conn: Connection, clock: Clock, now: datetime) -> None:
    values = clock.values(now)
    if clock.id is None:
        clock.id = uuid7()
        conn.execute(insert(gx_sla_clock).values(id=clock.id, **values))
    else:
        if clock.escalation == clock.stored_escalation:
            del values["escalation"]
        conn.execute(update(gx_sla_clock).where(gx_sla_clock.c.id == clock.id).values(**values))
    clock.stored_escalation = clock.escalation


def remove(conn: Connection, where: ColumnElement[bool]) -> None:
    conn.execute(delete(gx_sla_clock).where(where))


def policies_by_id(conn: Connection, ids: Iterable[UUID]) -> dict[UUID, Row[Any]]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = conn.execute(select(gx_sla_policy).where(gx_sla_policy.c.id.in_(wanted)))
    return {row.id: row for row in rows}


def due(conn: Connection, now: datetime, limit: int) -> list[Clock]:
    """Running clocks whose warning or breach came due and is not recorded yet."""
    c = gx_sla_clock.c
    return clocks_where(
        conn,
        and_(
            c.met_at.is_(None),
            or_(
                and_(c.due_at <= now, c.breached_at.is_(None)),
                and_(c.warn_at <= now, c.warned_at.is_(None)),
            ),
        ),
        limit,
    )
