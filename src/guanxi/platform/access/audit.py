"""The security audit log: append-only, readable by those with the view_audit_log right."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select

from guanxi.kernel.clock import check_moment
from guanxi.kernel.errors import invalid
from guanxi.platform.access.tables import gx_audit


def record(
    conn: Connection,
    action: str,
    *,
    now: datetime,
    actor_id: UUID | None,
    target: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        insert(gx_audit).values(
            at=now,
            action=action,
            actor_id=actor_id,
            target=target,
            ip=ip,
            user_agent=(user_agent or "")[:300] or None,
            details=details,
        )
    )


def entries(
    conn: Connection,
    *,
    action: str | None = None,
    actor_id: UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
    zone: ZoneInfo,
) -> list[dict[str, Any]]:
    """Newest first; page with ``before_id`` (the last id of the previous page). ``since``
    and ``until`` bound the time (from, inclusive; to, exclusive). Times are shown in
    ``zone``, the reader's."""
    stmt = select(gx_audit).order_by(gx_audit.c.id.desc()).limit(limit)
    if action:
        stmt = (
            stmt.where(gx_audit.c.action == action)
            if "*" not in action
            else stmt.where(gx_audit.c.action.startswith(action.rstrip("*"), autoescape=True))
        )
    if actor_id:
        stmt = stmt.where(gx_audit.c.actor_id == actor_id)
    if since:
        stmt = stmt.where(gx_audit.c.at >= check_moment("since", since))
    if until:
        stmt = stmt.where(gx_audit.c.at < check_moment("until", until))
    if before_id is not None and not -(2**63) <= before_id < 2**63:
        raise invalid("before_id", "must be a 64-bit integer")
    if before_id:
        stmt = stmt.where(gx_audit.c.id < before_id)
    return [
        {
            "id": r.id,
            "at": r.at.astimezone(zone).isoformat(),
            "action": r.action,
            "actor_id": None if r.actor_id is None else str(r.actor_id),
            "target": r.target,
            "ip": r.ip,
            "user_agent": r.user_agent,
            "details": r.details,
        }
        for r in conn.execute(stmt)
    ]
