"""The outbox's log: what followed record writes (webhook deliveries and the like), with
each message's attempts, result and last error, and a retry for those that failed."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query

from guanxi.platform.process import outbox
from guanxi.web.deps import ActorDep, ServicesDep
from guanxi.web.responses import ORJSONResponse
from guanxi.web.routing import OrjsonRoute

router = APIRouter(
    prefix="/api/v1/admin/outbox",
    tags=["webhooks"],
    default_response_class=ORJSONResponse,
    route_class=OrjsonRoute,
)


@router.get("")
def list_messages(
    services: ServicesDep,
    actor: ActorDep,
    handler: str | None = Query(None, max_length=63, description="webhook, …"),
    state: Literal["pending", "done", "dead"] | None = Query(None),
    before: int | None = Query(None, ge=1, description="the previous page's next_before"),
    limit: int = Query(50, ge=1, le=100),
) -> dict[str, Any]:
    """Messages newest first (``manage_automation``)."""
    with services.read(actor) as ctx:
        return outbox.messages_log(ctx, handler=handler, state=state, before=before, limit=limit)


@router.post("/{message_id}/retry")
def retry_message(message_id: int, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """Send a failed message again, now, with the same idempotency key."""
    with services.write(actor) as ctx:
        shown = outbox.retry_message(ctx, message_id)
        outbox.nudge_after_commit(ctx.conn, services.relay.nudge if services.relay else None)
    return shown
