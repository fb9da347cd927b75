"""Webhook subscriptions: record events sent as signed JSON to outside receivers, with
their delivery log."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Header, Query, Response

from guanxi.platform.process import webhooks
from guanxi.platform.process.outbox import nudge_after_commit
from guanxi.platform.process.versions import MAX_VERSION
from guanxi.platform.process.webhook_schemas import WebhookIn, WebhookPatch
from guanxi.web.deps import ActorDep, ServicesDep
from guanxi.web.preconditions import if_match_version
from guanxi.web.responses import ORJSONResponse, versioned
from guanxi.web.routing import OrjsonRoute

router = APIRouter(
    prefix="/api/v1/webhooks",
    tags=["webhooks"],
    default_response_class=ORJSONResponse,
    route_class=OrjsonRoute,
)


@router.get("")
def list_webhooks(
    services: ServicesDep,
    actor: ActorDep,
    object: str | None = Query(None, max_length=63, description="only this object's webhooks"),
) -> dict[str, Any]:
    """Every subscription, without secrets (``manage_automation``)."""
    with services.read(actor) as ctx:
        return {"webhooks": webhooks.list_webhooks(ctx, object)}


@router.post("", status_code=201)
def create_webhook(body: WebhookIn, services: ServicesDep, actor: ActorDep) -> ORJSONResponse:
    """A new subscription. The answer holds its ``secret``, shown this once: receivers
    check ``Guanxi-Signature`` with it. A URL resolving to a private, loopback or
    link-local address is refused (422 on ``url``)."""
    with services.write(actor) as ctx:
        made = webhooks.create_webhook(
            ctx, body, allow_private=services.settings.webhook_allow_private
        )
    return versioned(made, 201)


@router.get("/{webhook_id}")
def get_webhook(webhook_id: UUID, services: ServicesDep, actor: ActorDep) -> ORJSONResponse:
    with services.read(actor) as ctx:
        return versioned(webhooks.get_webhook(ctx, webhook_id))


@router.patch("/{webhook_id}")
def update_webhook(
    webhook_id: UUID,
    body: WebhookPatch,
    services: ServicesDep,
    actor: ActorDep,
    if_match: str | None = Header(None),
) -> ORJSONResponse:
    """Change what you send; send the version you read (If-Match or ``version``): stale →
    412. ``"active": true`` switches a webhook the failures switched off back on."""
    expected = if_match_version(if_match, maximum=MAX_VERSION)
    with services.write(actor) as ctx:
        changed = webhooks.update_webhook(
            ctx,
            webhook_id,
            body,
            expected_version=expected,
            allow_private=services.settings.webhook_allow_private,
        )
    return versioned(changed)


@router.post("/{webhook_id}/secret")
def renew_secret(webhook_id: UUID, services: ServicesDep, actor: ActorDep) -> ORJSONResponse:
    """A new secret, shown in this answer only; the old one stops signing at once."""
    with services.write(actor) as ctx:
        return versioned(webhooks.renew_secret(ctx, webhook_id))


@router.delete("/{webhook_id}", status_code=204)
def delete_webhook(webhook_id: UUID, services: ServicesDep, actor: ActorDep) -> Response:
    """Delete a subscription; deliveries still waiting are not sent."""
    with services.write(actor) as ctx:
        webhooks.delete_webhook(ctx, webhook_id)
    return Response(status_code=204)


@router.get("/{webhook_id}/deliveries")
def list_deliveries(
    webhook_id: UUID,
    services: ServicesDep,
    actor: ActorDep,
    before: int | None = Query(None, ge=1, description="the previous page's next_before"),
    limit: int = Query(50, ge=1, le=webhooks.MAX_DELIVERIES),
) -> dict[str, Any]:
    """Each delivery, newest first: its event, state (pending, delivered, failed),
    attempts, the receiver's last answer or error, and its idempotency key."""
    with services.read(actor) as ctx:
        return webhooks.deliveries(ctx, webhook_id, before=before, limit=limit)


@router.post("/{webhook_id}/deliveries/{delivery_id}/replay", status_code=201)
def replay_delivery(
    webhook_id: UUID, delivery_id: int, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    """Send a delivery's event again, as a new delivery with its own idempotency key."""
    with services.write(actor) as ctx:
        again = webhooks.replay(ctx, webhook_id, delivery_id)
        nudge_after_commit(ctx.conn, services.relay.nudge if services.relay else None)
    return again
