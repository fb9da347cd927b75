"""Global search endpoint."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Query

from guanxi.platform.records.context import Ctx
from guanxi.platform.search.index import pending
from guanxi.platform.search.indexer import SEARCH_CATCH_UP
from guanxi.platform.search.service import search as run_search
from guanxi.web.deps import ActorDep, ServicesDep
from guanxi.web.responses import ORJSONResponse
from guanxi.web.routing import OrjsonRoute

log = logging.getLogger(__name__)

router = APIRouter(
    prefix="/api/v1",
    tags=["search"],
    default_response_class=ORJSONResponse,
    route_class=OrjsonRoute,
)


@router.get("/search")
def search(
    services: ServicesDep,
    actor: ActorDep,
    q: str = Query(..., max_length=100),
    objects: str | None = Query(None, description="comma-separated object names to search in"),
    limit: int = Query(5, ge=1, le=50),
) -> dict[str, Any]:
    """Matches grouped by object: names, e-mails and phones (substrings, Chinese and English).

    ``index_pending`` is true when the search index is still catching up with a large
    import, so some recently written records may be missing from the results.
    """
    wanted = [o.strip() for o in objects.split(",")] if objects else None
    with services.read(actor) as ctx:
        if not pending(ctx.conn):
            return _found(ctx, q, wanted, limit, complete=True)
    # Records written in the last moments are still queued: index them first (a backlog
    # of a large import only in part; the answer then says the index is catching up).
    try:
        complete = services.indexer.catch_up(limit=SEARCH_CATCH_UP)
    except Exception:  # indexing trouble must not take search down with it
        log.exception("search: catching up the index failed; answering from the index as it is")
        complete = False
    with services.read(actor) as ctx:
        return _found(ctx, q, wanted, limit, complete=complete)


def _found(
    ctx: Ctx, q: str, objects: list[str] | None, limit: int, *, complete: bool
) -> dict[str, Any]:
    body = run_search(ctx.conn, ctx.snap, q, objects=objects, limit=limit, policy=ctx.actor.policy)
    body["index_pending"] = not complete
    return body
