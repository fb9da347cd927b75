"""The notification centre: a user's own notifications, their unread count and a live
stream of both (server-sent events), channel preferences, and the chat group robots."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import orjson
from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from guanxi.kernel.errors import PermissionDenied, Unauthenticated
from guanxi.platform.process import notifications as service
from guanxi.platform.process.notification_schemas import NotifyIn, PreferencesIn, RobotIn
from guanxi.platform.process.outbox import nudge_after_commit
from guanxi.web.deps import ActorDep, Credentials, Services, ServicesDep
from guanxi.web.responses import ORJSONResponse
from guanxi.web.routing import OrjsonRoute

router = APIRouter(
    prefix="/api/v1/notifications",
    tags=["notifications"],
    default_response_class=ORJSONResponse,
    route_class=OrjsonRoute,
)

POLL = 1.5  # seconds between a stream's looks for what other processes wrote
HEARTBEAT = 15.0  # seconds of quiet before a comment keeps proxies from closing the stream
RECHECK = 60.0  # seconds between checks that the stream's session is still valid


@router.get("")
def list_notifications(
    services: ServicesDep,
    actor: ActorDep,
    unread: bool = Query(False, description="only the unread ones"),
    before: UUID | None = Query(None, description="the previous page's next_before"),
    limit: int = Query(50, ge=1, le=service.MAX_PAGE),
) -> dict[str, Any]:
    """Your own notifications, newest first, with the unread count."""
    with services.read(actor) as ctx:
        return service.list_notifications(ctx, unread=unread, before=before, limit=limit)


@router.post("", status_code=201)
def notify(body: NotifyIn, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """Notify users by their channels for ``kind``; notifying anyone but yourself takes
    ``manage_automation``."""
    with services.write(actor) as ctx:
        if set(body.user_ids) != {ctx.actor.user_id} and not ctx.actor.has_right(service.RIGHT):
            raise PermissionDenied(f"notifying others needs the {service.RIGHT} right")
        made = service.notify(
            ctx,
            body.user_ids,
            kind=body.kind,
            title=_text(body.title),
            body=_text(body.body) if body.body is not None else None,
            link=(body.link.object, body.link.record_id) if body.link else None,
            url=body.url,
        )
        nudge_after_commit(ctx.conn, services.relay.nudge if services.relay else None)
    return {"ids": [str(i) for i in made]}


def _text(text: Any) -> Any:
    return text if isinstance(text, str) else text.texts()


@router.get("/unread-count")
def unread_count(services: ServicesDep, actor: ActorDep) -> dict[str, int]:
    with services.read(actor) as ctx:
        return {"unread": service.unread_count(ctx.conn, service._mine(ctx))}


@router.post("/read-all")
def read_all(services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    with services.write(actor) as ctx:
        return service.mark_all_read(ctx)


@router.post("/{notification_id}/read")
def read_one(notification_id: UUID, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    with services.write(actor) as ctx:
        return service.mark_read(ctx, notification_id)


@router.get("/preferences")
def get_preferences(services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """Your channels (in_app, email, robot) per notification kind."""
    with services.read(actor) as ctx:
        return service.preferences(ctx)


@router.put("/preferences")
def put_preferences(body: PreferencesIn, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    kinds = {k: v.model_dump(exclude_none=True) for k, v in body.kinds.items()}
    with services.write(actor) as ctx:
        return service.set_preferences(ctx, kinds)


@router.get("/robots")
def list_robots(services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """The chat group robots notifications go to (``manage_automation``)."""
    with services.read(actor) as ctx:
        return {"robots": service.list_robots(ctx)}


@router.post("/robots", status_code=201)
def create_robot(body: RobotIn, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """A DingTalk, WeCom or Feishu group robot by its webhook address (and signing secret;
    never shown again)."""
    with services.write(actor) as ctx:
        return service.create_robot(
            ctx,
            vendor=body.vendor,
            name=body.name,
            url=body.url,
            secret=body.secret,
            allow_private=services.settings.webhook_allow_private,
        )


@router.delete("/robots/{robot_id}", status_code=204)
def delete_robot(robot_id: UUID, services: ServicesDep, actor: ActorDep) -> Response:
    with services.write(actor) as ctx:
        service.delete_robot(ctx, robot_id)
    return Response(status_code=204)


@router.get("/stream", response_class=StreamingResponse)
async def stream(request: Request, services: ServicesDep, actor: ActorDep) -> StreamingResponse:
    """Server-sent events: ``unread`` (``{"unread": n}``) at once and whenever it changes,
    ``notification`` (one as listed) for each new one, and a comment line after quiet
    spells. Ends when the client goes, or within a minute of its session ending; the
    session cookie or a token signs it in."""

    def start() -> tuple[UUID, str, UUID | None, int]:
        with services.read(actor) as ctx:
            me = service._mine(ctx)
            return (
                me,
                ctx.actor.locale,
                service.newest_id(ctx.conn, me),
                service.unread_count(ctx.conn, me),
            )

    me, locale, newest, unread = await run_in_threadpool(start)
    return StreamingResponse(
        _events(request, services, actor, me, locale, newest, unread),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _event(name: str, data: Any) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


async def _events(
    request: Request,
    services: Services,
    credentials: Credentials,
    me: UUID,
    locale: str,
    newest: UUID | None,
    unread: int,
) -> AsyncIterator[bytes]:
    def look(after: UUID | None) -> tuple[list[dict[str, Any]], int]:
        with services.db.read() as conn:
            return service.newer_than(conn, me, after, locale), service.unread_count(conn, me)

    def still_signed_in() -> bool:
        try:
            with services.read(credentials):
                return True
        except (Unauthenticated, PermissionDenied):
            return False

    with service.LIVE.listen(me) as woken:
        yield b"retry: 3000\n" + _event("unread", {"unread": unread})
        quiet = 0.0
        checked = time.monotonic()
        while True:
            try:
                await asyncio.wait_for(woken.wait(), POLL)
                woken.clear()
            except TimeoutError:
                quiet += POLL
            if await request.is_disconnected():
                return
            if time.monotonic() - checked > RECHECK:  # signed out, or the session ended
                if not await run_in_threadpool(still_signed_in):
                    return
                checked = time.monotonic()
            fresh, count = await run_in_threadpool(look, newest)
            for item in fresh:
                yield _event("notification", item)
                newest = UUID(item["id"])
            if count != unread or fresh:
                unread = count
                yield _event("unread", {"unread": unread})
                quiet = 0.0
            elif quiet >= HEARTBEAT:
                yield b": keep-alive\n\n"
                quiet = 0.0
