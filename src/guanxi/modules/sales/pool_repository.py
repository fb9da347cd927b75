"""SQL of the customer pools the generic engine cannot say: the pool tables, the locks a
claim takes, the count a claim limit reads and the sweep of idle accounts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Connection, Table, and_, func, insert, or_, select, update
from sqlalchemy.engine import Row

from guanxi.kernel.ids import uuid7
from guanxi.modules.sales.pool_tables import gx_pool, gx_pool_event
from guanxi.platform.access.tables import gx_role, gx_user_role

RETURNS = ("release", "reclaim")  # the moves that start a previous owner's cool-down


# -- pools ----------------------------------------------------------------------------------
def pools(conn: Connection, object_name: str) -> list[Row[Any]]:
    """Every pool of the object, oldest first (a handful: configuration, not records)."""
    return list(
        conn.execute(
            select(gx_pool)
            .where(gx_pool.c.object_name == object_name)
            .order_by(gx_pool.c.created_at, gx_pool.c.id)
        )
    )


def pool(conn: Connection, pool_id: UUID, *, lock: bool = False) -> Row[Any] | None:
    stmt = select(gx_pool).where(gx_pool.c.id == pool_id)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return conn.execute(stmt).first()


def insert_pool(conn: Connection, values: Mapping[str, Any]) -> None:
    conn.execute(insert(gx_pool).values(**values))


def update_pool(conn: Connection, pool_id: UUID, version: int, values: Mapping[str, Any]) -> int:
    """Change the pool if it is still at ``version``; how many rows changed (0 or 1)."""
    return conn.execute(
        update(gx_pool)
        .where(gx_pool.c.id == pool_id, gx_pool.c.version == version)
        .values(**values)
    ).rowcount


def clear_default(conn: Connection, object_name: str, keep: UUID) -> None:
    """One default pool per object: the others stop being it."""
    conn.execute(
        update(gx_pool)
        .where(
            gx_pool.c.object_name == object_name,
            gx_pool.c.id != keep,
            gx_pool.c.is_default.is_(True),
        )
        .values(is_default=False, version=gx_pool.c.version + 1)
    )


def role_ids_of(conn: Connection, user_id: UUID | None) -> set[UUID]:
    if user_id is None:
        return set()
    return set(
        conn.execute(select(gx_user_role.c.role_id).where(gx_user_role.c.user_id == user_id))
        .scalars()
        .all()
    )


def known_roles(conn: Connection, ids: Sequence[UUID]) -> set[UUID]:
    if not ids:
        return set()
    return set(conn.execute(select(gx_role.c.id).where(gx_role.c.id.in_(list(ids)))).scalars())


# -- claiming ---------------------------------------------------------------------------------
def lock_record(conn: Connection, table: Table, record_id: UUID) -> Row[Any] | None:
    """The live record, locked until the transaction ends (SELECT … FOR UPDATE on
    PostgreSQL; SQLite's write transactions are serial already): of two claims at once,
    the second reads the record as the first left it."""
    stmt = select(table).where(table.c.id == record_id, table.c.deleted_at.is_(None))
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return conn.execute(stmt).first()


def lock_claimer(conn: Connection, user_id: UUID) -> None:
    """Serialise one user's claims (a transaction-level advisory lock on PostgreSQL), so
    two claims at once cannot both pass the limit; SQLite's writes are serial already."""
    if conn.dialect.name == "postgresql":
        key = (user_id.int & (2**63 - 1)) ^ 0x6A5F_504F_4F4C  # a 64-bit key of its own
        conn.execute(select(func.pg_advisory_xact_lock(key)))


def owned(table: Table) -> ColumnElement[bool]:
    """Accounts held by their owner: not in a pool (a record from before the pool state
    existed has none, and counts as owned)."""
    return or_(table.c.pool_state.is_(None), table.c.pool_state == "owned")


def owned_count(conn: Connection, table: Table, user_id: UUID) -> int:
    """Live accounts ``user_id`` owns outside any pool."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(table)
            .where(table.c.owner_id == user_id, table.c.deleted_at.is_(None), owned(table))
        ).scalar_one()
    )


def last_returned(conn: Connection, record_id: UUID, user_id: UUID) -> datetime | None:
    """When ``user_id`` last released the record or had it reclaimed."""
    value: datetime | None = conn.execute(
        select(func.max(gx_pool_event.c.at)).where(
            gx_pool_event.c.record_id == record_id,
            gx_pool_event.c.action.in_(RETURNS),
            gx_pool_event.c.user_id == user_id,
        )
    ).scalar()
    return value


def add_event(
    conn: Connection,
    *,
    pool_id: UUID,
    object_name: str,
    record_id: UUID,
    user_id: UUID | None,
    actor_id: UUID | None,
    action: str,
    at: datetime,
    due_at: datetime | None = None,
    reason: str | None = None,
) -> None:
    conn.execute(
        insert(gx_pool_event).values(
            id=uuid7(),
            pool_id=pool_id,
            object_name=object_name,
            record_id=record_id,
            user_id=user_id,
            actor_id=actor_id,
            action=action,
            at=at,
            due_at=due_at,
            reason=reason,
        )
    )


# -- reclaiming -------------------------------------------------------------------------------
def since(table: Table, name: str) -> ColumnElement[Any]:
    """The column's moment, or the record's creation when it has none."""
    return func.coalesce(table.c[name], table.c.created_at)


def idle_accounts(
    conn: Connection,
    table: Table,
    *,
    pool_filter: ColumnElement[bool],
    activity_before: datetime | None,
    won_before: datetime | None,
    protected_before: datetime,
) -> list[Row[Any]]:
    """Owned live accounts of the pool whose last activity (or won deal) — and claim —
    are both no later than the cut-off, outside any protection ending after
    ``protected_before``: the ones due for reclaiming or for a warning, in one statement."""
    stale: list[ColumnElement[bool]] = []
    claimed = since(table, "claimed_at")
    if activity_before is not None:
        stale.append(
            and_(since(table, "last_activity_at") <= activity_before, claimed <= activity_before)
        )
    if won_before is not None:
        stale.append(and_(since(table, "last_won_at") <= won_before, claimed <= won_before))
    if not stale:
        return []
    stmt = (
        select(
            table.c.id,
            table.c.name,
            table.c.owner_id,
            table.c.pool,
            table.c.created_at,
            table.c.claimed_at,
            table.c.last_activity_at,
            table.c.last_won_at,
            table.c.protected_until,
        )
        .where(
            table.c.deleted_at.is_(None),
            table.c.owner_id.is_not(None),
            owned(table),
            pool_filter,
            or_(table.c.protected_until.is_(None), table.c.protected_until <= protected_before),
            or_(*stale),
        )
        .order_by(table.c.id)
    )
    return list(conn.execute(stmt))


def warnings_given(
    conn: Connection, record_ids: Iterable[UUID]
) -> set[tuple[UUID, UUID | None, datetime]]:
    """(record, owner, reclaim moment) of every warning already given for these records."""
    ids = list(record_ids)
    found: set[tuple[UUID, UUID | None, datetime]] = set()
    for start in range(0, len(ids), 1000):
        rows = conn.execute(
            select(
                gx_pool_event.c.record_id, gx_pool_event.c.user_id, gx_pool_event.c.due_at
            ).where(
                gx_pool_event.c.record_id.in_(ids[start : start + 1000]),
                gx_pool_event.c.action == "warn",
            )
        )
        found.update((r.record_id, r.user_id, r.due_at) for r in rows)
    return found


def events(conn: Connection, record_id: UUID) -> list[Row[Any]]:
    """A record's pool moves, oldest first."""
    return list(
        conn.execute(
            select(gx_pool_event)
            .where(gx_pool_event.c.record_id == record_id)
            .order_by(gx_pool_event.c.at, gx_pool_event.c.id)
        )
    )
