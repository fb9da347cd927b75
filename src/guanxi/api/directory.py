"""The user directory for everyone signed in: ``GET /api/v1/directory/users``."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query

from guanxi.kernel.errors import invalid
from guanxi.platform.access import directory
from guanxi.web.deps import ActorDep, ServicesDep
from guanxi.web.responses import ORJSONResponse
from guanxi.web.routing import OrjsonRoute

router = APIRouter(
    prefix="/api/v1/directory",
    tags=["directory"],
    default_response_class=ORJSONResponse,
    route_class=OrjsonRoute,
)


@router.get("/users")
def list_users(
    services: ServicesDep,
    actor: ActorDep,
    q: str | None = Query(None, max_length=100, description="part of a name, any case"),
    ids: str | None = Query(None, description="comma-separated user ids to look up"),
    active: bool | None = Query(None, description="only active (true) or inactive (false)"),
    limit: int = Query(20, ge=1, le=100),
    cursor: str | None = Query(None, max_length=500),
) -> dict[str, Any]:
    """Users by name — id, name, avatar initials, department, active — for owner pickers
    and for showing who owns or wrote a record; no right needed beyond signing in."""
    wanted = None
    if ids is not None:
        try:
            wanted = [UUID(part) for part in ids.split(",") if part.strip()]
        except ValueError as exc:
            raise invalid("ids", "must be comma-separated user ids", "invalid") from exc
    with services.read(actor) as ctx:
        return directory.list_users(
            ctx.conn, q=q, ids=wanted, active=active, limit=limit, cursor=cursor
        )
