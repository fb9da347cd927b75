"""Global search endpoint."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from guanxi.api.deps import ActorDep, ServicesDep
from guanxi.api.responses import ORJSONResponse
from guanxi.platform.search.index import pending
from guanxi.platform.search.service import search as run_search

router = APIRouter(prefix="/api/v1", tags=["search"], default_response_class=ORJSONResponse)


@router.get("/search")
def search(
    services: ServicesDep,
    actor: ActorDep,
    q: str = Query(..., max_length=100),
    objects: str | None = Query(None, description="comma-separated object names to search in"),
    limit: int = Query(5, ge=1, le=50),
) -> dict[str, Any]:
    """Matches grouped by object: names, e-mails and phones (substrings, Chinese and English)."""
    wanted = [o.strip() for o in objects.split(",")] if objects else None
    with services.read(actor) as ctx:
        if not pending(ctx.conn):
            return run_search(
                ctx.conn, ctx.snap, q, objects=wanted, limit=limit, policy=ctx.actor.policy
            )
    # Records written in the last moments are still queued: index them first.
    services.indexer.catch_up()
    with services.read(actor) as ctx:
        return run_search(
            ctx.conn, ctx.snap, q, objects=wanted, limit=limit, policy=ctx.actor.policy
        )
