"""Sharing one record with a user or a team, with read or edit access."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import IntegrityError

from guanxi.kernel.errors import Conflict, FieldError, NotFound, PermissionDenied, invalid
from guanxi.kernel.ids import uuid7
from guanxi.platform.access.actor import Actor
from guanxi.platform.access.policy import Policy
from guanxi.platform.access.tables import gx_share, gx_team, gx_user
from guanxi.platform.metadata.registry import Snapshot


def _may_manage_shares(
    conn: Connection, snap: Snapshot, actor: Actor, object_name: str, record_id: UUID
) -> None:
    """Sharing hands on access, so it needs what changing the record needs: write access
    (not a read-only token) and the ``update`` permission on the object (403 otherwise),
    and the record within the scope of a role that may update it (404 otherwise, like a
    missing record).

    The data scope alone is not enough: a read-only grant with scope ``all`` covers every
    record, and an edit share from such a user would let someone else change it."""
    obj = snap.object(object_name)
    if not actor.can_write:
        raise PermissionDenied("this token is read-only")
    if not actor.policy.can("update", obj.name):
        raise PermissionDenied(
            f"you may not update {obj.name} records, so you may not share them either"
        )
    _shareable(conn, snap, actor.policy, object_name, record_id)


def _shareable(
    conn: Connection, snap: Snapshot, policy: Policy, object_name: str, record_id: UUID
) -> None:
    """The record, alive and within the scope of one of the user's roles that may update
    it (compiled into the query), or 404. An edit share lets its holder edit the record,
    not hand it on."""
    obj = snap.object(object_name)
    table = snap.table(obj.name)
    found = conn.execute(
        select(table.c.id).where(
            table.c.id == record_id,
            table.c.deleted_at.is_(None),
            policy.predicate("share", obj.name, table),
        )
    ).first()
    if found is None:
        raise NotFound(f"no {object_name} record with id {record_id}")


def share(
    conn: Connection,
    snap: Snapshot,
    actor: Actor,
    object_name: str,
    record_id: UUID,
    *,
    user_id: UUID | None,
    team_id: UUID | None,
    access: str,
    now: datetime,
) -> UUID:
    _may_manage_shares(conn, snap, actor, object_name, record_id)
    if (user_id is None) == (team_id is None):
        raise invalid("user_id", "share with exactly one user_id or team_id")
    if access not in {"read", "edit"}:
        raise invalid("access", "must be read or edit")
    if (
        user_id is not None
        and conn.execute(select(gx_user.c.id).where(gx_user.c.id == user_id)).first() is None
    ):
        raise invalid("user_id", "no such user", "not_found")
    if (
        team_id is not None
        and conn.execute(select(gx_team.c.id).where(gx_team.c.id == team_id)).first() is None
    ):
        raise invalid("team_id", "no such team", "not_found")
    share_id = uuid7()
    try:
        with conn.begin_nested():
            conn.execute(
                insert(gx_share).values(
                    id=share_id,
                    object_name=object_name,
                    record_id=record_id,
                    user_id=user_id,
                    team_id=team_id,
                    access=access,
                    created_by=actor.user_id,
                    created_at=now,
                )
            )
    except IntegrityError:
        raise Conflict(
            "the record is already shared with them",
            errors=[FieldError("user_id", "already shared", "duplicate")],
        ) from None
    return share_id


def unshare(
    conn: Connection,
    snap: Snapshot,
    actor: Actor,
    object_name: str,
    record_id: UUID,
    share_id: UUID,
) -> None:
    _may_manage_shares(conn, snap, actor, object_name, record_id)
    result = conn.execute(
        delete(gx_share).where(
            gx_share.c.id == share_id,
            gx_share.c.object_name == object_name,
            gx_share.c.record_id == record_id,
        )
    )
    if result.rowcount == 0:
        raise NotFound("no such share")


def shares(
    conn: Connection, snap: Snapshot, policy: Policy, object_name: str, record_id: UUID
) -> list[dict[str, Any]]:
    """Who a record is shared with: for those who may share it."""
    _shareable(conn, snap, policy, object_name, record_id)
    rows = conn.execute(
        select(gx_share)
        .where(gx_share.c.object_name == object_name, gx_share.c.record_id == record_id)
        .order_by(gx_share.c.id)
    )
    return [
        {
            "id": str(r.id),
            "user_id": None if r.user_id is None else str(r.user_id),
            "team_id": None if r.team_id is None else str(r.team_id),
            "access": r.access,
        }
        for r in rows
    ]
