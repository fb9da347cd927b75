"""The SQL of assignment rules: rotation state, who the members are, open records per
member and which criteria a record meets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, case, false, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Row
from sqlalchemy.sql.elements import ColumnElement

from guanxi.kernel.errors import ValidationFailed
from guanxi.platform.access.policy import SUPERUSER
from guanxi.platform.access.tables import gx_department, gx_team_member, gx_user, gx_user_role
from guanxi.platform.metadata.model import ObjectDef
from guanxi.platform.metadata.registry import Snapshot
from guanxi.platform.process.tables import gx_assignment_state
from guanxi.platform.query.filters import FilterCompiler
from guanxi.platform.query.paths import QueryScope


# -- rotation state -----------------------------------------------------------------------
def create_state(conn: Connection, rule_id: UUID, now: datetime) -> None:
    conn.execute(
        insert(gx_assignment_state).values(
            rule_id=rule_id, last_assigned={}, assigned_count=0, updated_at=now
        )
    )


def lock_state(conn: Connection, rule_id: UUID, now: datetime) -> Row[Any]:
    """The rule's state row, locked until the transaction ends: on PostgreSQL by
    ``SELECT … FOR UPDATE``, so a second assignment on the rule waits here and then reads
    what the first one wrote; SQLite's write transactions (BEGIN IMMEDIATE) run one at a
    time already. Made when missing (a rule written before its state, by hand)."""
    stmt = select(gx_assignment_state).where(gx_assignment_state.c.rule_id == rule_id)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).first()
    if row is None:
        if conn.dialect.name == "postgresql":
            conn.execute(
                pg_insert(gx_assignment_state)
                .values(rule_id=rule_id, last_assigned={}, assigned_count=0, updated_at=now)
                .on_conflict_do_nothing(index_elements=["rule_id"])
            )
        else:
            create_state(conn, rule_id, now)
        row = conn.execute(stmt).one()
    return row


def save_state(
    conn: Connection, rule_id: UUID, last_assigned: Mapping[str, str], count: int, now: datetime
) -> None:
    conn.execute(
        update(gx_assignment_state)
        .where(gx_assignment_state.c.rule_id == rule_id)
        .values(last_assigned=dict(last_assigned), assigned_count=count, updated_at=now)
    )


# -- members ------------------------------------------------------------------------------
def member_rows(conn: Connection, members: Mapping[str, Any]) -> list[Any]:
    """Every user the members name, eligible or not (``id``, ``active``, ``locked_until``),
    in turn order: the order given for a list of users, by user id for a department,
    role or team. Resolved now, so a new colleague in the department takes turns at once."""
    columns = (gx_user.c.id, gx_user.c.active, gx_user.c.locked_until)
    kind = members["type"]
    if kind == "users":
        ids = [UUID(str(i)) for i in members["ids"]]
        found = {r.id: r for r in conn.execute(select(*columns).where(gx_user.c.id.in_(ids)))}
        return [found[i] for i in dict.fromkeys(ids) if i in found]
    where: ColumnElement[bool]
    target = UUID(str(members["id"]))
    if kind == "department":
        if members.get("include_subdepartments"):
            path = select(gx_department.c.path).where(gx_department.c.id == target)
            under = select(gx_department.c.id).where(
                gx_department.c.path.startswith(path.scalar_subquery(), autoescape=False)
            )
            where = gx_user.c.department_id.in_(under)
        else:
            where = gx_user.c.department_id == target
    elif kind == "role":
        where = gx_user.c.id.in_(
            select(gx_user_role.c.user_id).where(gx_user_role.c.role_id == target)
        )
    elif kind == "team":
        where = gx_user.c.id.in_(
            select(gx_team_member.c.user_id).where(gx_team_member.c.team_id == target)
        )
    else:  # pragma: no cover - the schema admits no other kind
        where = false()
    return list(conn.execute(select(*columns).where(where).order_by(gx_user.c.id)))


def eligible(rows: Sequence[Any], now: datetime) -> list[UUID]:
    """Members who may take a record: active, and not locked out of signing in."""
    return [r.id for r in rows if r.active and (r.locked_until is None or r.locked_until <= now)]


# -- records ------------------------------------------------------------------------------
def _scope(conn: Connection, snap: Snapshot, obj: ObjectDef) -> QueryScope:
    # A rule means the same whoever's request runs it: its conditions were checked against
    # its editor's permissions when saved and are evaluated here without a user's.
    return QueryScope(snap, obj, conn.dialect.name, SUPERUSER)


def open_counts(
    conn: Connection,
    snap: Snapshot,
    obj: ObjectDef,
    owners: Sequence[UUID],
    open_condition: Mapping[str, Any] | None,
    now: datetime,
    *,
    besides: UUID,
) -> dict[UUID, int]:
    """Open records (live, meeting ``open_condition``) each of ``owners`` owns, in one
    grouped query; the record being assigned (``besides``) is not counted."""
    if not owners:
        return {}
    scope = _scope(conn, snap, obj)
    base = scope.base
    conditions: list[ColumnElement[bool]] = [
        base.c.deleted_at.is_(None),
        base.c.owner_id.in_(list(owners)),
        base.c.id != besides,
    ]
    if open_condition:
        # A field it read is gone: every live record counts.
        with suppress(ValidationFailed):
            conditions.append(FilterCompiler(scope, now).compile(dict(open_condition)))
    stmt = (
        select(base.c.owner_id, func.count())
        .select_from(scope.from_clause())
        .where(*conditions)
        .group_by(base.c.owner_id)
    )
    counts = {owner: 0 for owner in owners}
    counts.update({owner: n for owner, n in conn.execute(stmt)})
    return counts


def criteria_met(
    conn: Connection,
    snap: Snapshot,
    obj: ObjectDef,
    record_id: UUID,
    conditions: Sequence[Mapping[str, Any]],
    now: datetime,
) -> list[bool]:
    """Which of the filter trees the record meets, in one statement compiled as the list
    compiles a filter (``WHERE id = :id AND <condition>``), so a rule and a list view of
    the same tree agree. A tree that no longer compiles (a field it read was archived) is
    met by nothing."""
    if not conditions:
        return []
    scope = _scope(conn, snap, obj)
    base = scope.base
    compiled: list[ColumnElement[bool]] = []
    for tree in conditions:
        try:
            compiled.append(FilterCompiler(scope, now).compile(dict(tree)))
        except ValidationFailed:
            compiled.append(false())
    stmt = (
        select(*(case((c, 1), else_=0).label(f"c{i}") for i, c in enumerate(compiled)))
        .select_from(scope.from_clause())
        .where(base.c.id == record_id, base.c.deleted_at.is_(None))
    )
    row = conn.execute(stmt).first()
    if row is None:
        return [False] * len(conditions)
    return [bool(v) for v in row]
