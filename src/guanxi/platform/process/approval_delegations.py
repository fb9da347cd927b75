"""Approvers away (审批代理): a user names a delegate for a period, and while it runs the
decisions that would come to them go to the delegate (ADR 0035).

- When a step's decision becomes a user's (the step is entered, or a sequential step's
  turn comes), it goes to their delegate instead if they have one at that moment: the
  task's acting approver is the delegate, its original approver the user, and the trail
  says ``delegated``. One hop only: the delegate's own delegation is not followed, so
  who decides is always plain from the user's setting.
- While it runs the delegate may also decide what was already waiting for the user
  (:func:`delegators`); the trail records the delegate as acting and the user as the
  approver acted for.
- A delegate who submitted the request is passed over: self-approval stays refused.

Each user sets their own; those with ``manage_users`` may set anyone's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, delete, insert, select

from guanxi.kernel.errors import FieldError, NotFound, PermissionDenied
from guanxi.platform.access.tables import gx_user
from guanxi.platform.process.approval_schemas import DelegationIn
from guanxi.platform.process.tables import gx_approval_delegation
from guanxi.platform.process.versions import invalid
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.values import plain

MANAGE_USERS = "manage_users"

d = gx_approval_delegation.c


def delegate_of(conn: Connection, user_id: UUID, now: datetime) -> UUID | None:
    """The active user standing in for ``user_id`` at ``now``, if any."""
    found: UUID | None = conn.execute(
        select(d.delegate_id)
        .join(gx_user, gx_user.c.id == d.delegate_id)
        .where(
            d.user_id == user_id,
            d.starts_at <= now,
            d.ends_at > now,
            gx_user.c.active.is_(True),
        )
    ).scalar()
    return found


def delegators(conn: Connection, delegate_id: UUID | None, now: datetime) -> list[UUID]:
    """The users ``delegate_id`` stands in for at ``now``."""
    if delegate_id is None:
        return []
    return list(
        conn.execute(
            select(d.user_id).where(
                d.delegate_id == delegate_id, d.starts_at <= now, d.ends_at > now
            )
        ).scalars()
    )


def active_user(conn: Connection, user_id: UUID) -> bool:
    """Whether ``user_id`` is a user who may still be handed decisions."""
    found = conn.execute(
        select(gx_user.c.id).where(gx_user.c.id == user_id, gx_user.c.active.is_(True))
    ).first()
    return found is not None


# -- a user's setting --------------------------------------------------------------------------
def get_delegation(ctx: Ctx, user_id: UUID | None = None) -> dict[str, Any]:
    """The caller's (or, with ``manage_users``, ``user_id``'s) delegation, or None."""
    user = _whose(ctx, user_id)
    row = ctx.conn.execute(select(gx_approval_delegation).where(d.user_id == user)).first()
    return {"delegation": None if row is None else _shown(ctx, row)}


def set_delegation(ctx: Ctx, body: DelegationIn, user_id: UUID | None = None) -> dict[str, Any]:
    """Name a delegate from ``starts_at`` until ``ends_at``, replacing any earlier one."""
    user = _whose(ctx, user_id)
    errors: list[FieldError] = []
    if not active_user(ctx.conn, body.delegate_id):
        errors.append(FieldError("delegate_id", "no active user with this id", "unknown"))
    elif body.delegate_id == user:
        errors.append(FieldError("delegate_id", "may not be the user away", "self"))
    if body.ends_at <= body.starts_at:
        errors.append(FieldError("ends_at", "must come after starts_at", "invalid"))
    elif body.ends_at <= ctx.now:
        errors.append(FieldError("ends_at", "is in the past", "invalid"))
    if errors:
        raise invalid(errors)
    ctx.conn.execute(delete(gx_approval_delegation).where(d.user_id == user))
    ctx.conn.execute(
        insert(gx_approval_delegation).values(
            user_id=user,
            delegate_id=body.delegate_id,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            created_at=ctx.now,
            created_by_id=ctx.actor.user_id,
        )
    )
    ctx.audit("approval.delegate", str(user), {"delegate": str(body.delegate_id)})
    return get_delegation(ctx, user)


def clear_delegation(ctx: Ctx, user_id: UUID | None = None) -> None:
    """End the delegation at once (404: there is none)."""
    user = _whose(ctx, user_id)
    removed = ctx.conn.execute(delete(gx_approval_delegation).where(d.user_id == user)).rowcount
    if not removed:
        raise NotFound("no approval delegation is set")
    ctx.audit("approval.undelegate", str(user))


def _whose(ctx: Ctx, user_id: UUID | None) -> UUID:
    me = ctx.actor.user_id
    if user_id is None or user_id == me:
        if me is None:
            raise PermissionDenied("only a user has approvals to delegate")
        return me
    if not ctx.actor.has_right(MANAGE_USERS):
        raise PermissionDenied(f"setting another user's delegation needs {MANAGE_USERS}")
    if ctx.conn.execute(select(gx_user.c.id).where(gx_user.c.id == user_id)).first() is None:
        raise NotFound(f"no user with id {user_id}")
    return user_id


def _shown(ctx: Ctx, row: Any) -> dict[str, Any]:
    names = dict(
        ctx.conn.execute(
            select(gx_user.c.id, gx_user.c.name).where(
                gx_user.c.id.in_([row.user_id, row.delegate_id])
            )
        ).all()
    )
    return {
        "user": {"id": str(row.user_id), "name": names.get(row.user_id)},
        "delegate": {"id": str(row.delegate_id), "name": names.get(row.delegate_id)},
        "starts_at": plain(row.starts_at, ctx.zone),
        "ends_at": plain(row.ends_at, ctx.zone),
        "active": row.starts_at <= ctx.now < row.ends_at,
    }
