"""Layout endpoints: an object's record page and form, as sections of fields."""

from __future__ import annotations

from fastapi import APIRouter, Header, Response

from guanxi.kernel.errors import NotFound, PermissionDenied
from guanxi.platform.metadata.layouts import service
from guanxi.platform.metadata.layouts.schemas import MAX_VERSION, LayoutIn, LayoutKind
from guanxi.platform.metadata.model import ObjectDef
from guanxi.platform.records.context import Ctx
from guanxi.web.deps import ActorDep, ServicesDep
from guanxi.web.preconditions import if_match_version
from guanxi.web.responses import ORJSONResponse, versioned
from guanxi.web.routing import OrjsonRoute

router = APIRouter(
    prefix="/api/v1/meta",
    tags=["layouts"],
    default_response_class=ORJSONResponse,
    route_class=OrjsonRoute,
)


def _object(ctx: Ctx, object_name: str) -> ObjectDef:
    """The object, if the user may read its records or define objects; otherwise it is
    missing (404), as for the object's metadata."""
    obj = ctx.snap.object(object_name)
    if not (ctx.actor.policy.can("read", obj.name) or ctx.actor.has_right("manage_metadata")):
        raise NotFound(f"object {object_name!r} does not exist")
    return obj


def _admin(ctx: Ctx) -> None:
    if not ctx.actor.has_right("manage_metadata"):
        raise PermissionDenied("changing layouts needs the manage_metadata right")


@router.get("/objects/{object_name}/layouts/{kind}")
def get_layout(
    object_name: str, kind: LayoutKind, services: ServicesDep, actor: ActorDep
) -> ORJSONResponse:
    """The layout as you are shown it: saved, or derived from the fields (``is_default``),
    without archived fields or fields hidden from you."""
    with services.read(actor) as ctx:
        obj = _object(ctx, object_name)
        return versioned(
            service.get_layout(ctx.conn, ctx.snap, ctx.actor.policy, obj, kind, zone=ctx.zone)
        )


@router.put("/objects/{object_name}/layouts/{kind}")
def save_layout(
    object_name: str,
    kind: LayoutKind,
    body: LayoutIn,
    services: ServicesDep,
    actor: ActorDep,
    if_match: str | None = Header(None),
) -> ORJSONResponse:
    """Save a layout (needs ``manage_metadata``); send the version you read (If-Match or
    ``version``; 0 while the layout is derived): stale → 412."""
    expected = if_match_version(if_match, minimum=0, maximum=MAX_VERSION)
    with services.write(actor) as ctx:
        _admin(ctx)
        obj = _object(ctx, object_name)
        version = service.save_layout(
            ctx.conn,
            ctx.snap,
            obj,
            kind,
            body,
            expected_version=expected,
            now=ctx.now,
            user_id=ctx.actor.user_id,
        )
        ctx.audit("metadata.layout.update", f"{obj.name}.{kind}", {"version": version})
        return versioned(
            service.get_layout(ctx.conn, ctx.snap, ctx.actor.policy, obj, kind, zone=ctx.zone)
        )


@router.delete("/objects/{object_name}/layouts/{kind}", status_code=204)
def reset_layout(
    object_name: str, kind: LayoutKind, services: ServicesDep, actor: ActorDep
) -> Response:
    """Forget the saved layout (needs ``manage_metadata``): it is derived from the fields
    again."""
    with services.write(actor) as ctx:
        _admin(ctx)
        obj = _object(ctx, object_name)
        if service.reset_layout(ctx.conn, obj, kind):
            ctx.audit("metadata.layout.reset", f"{obj.name}.{kind}")
    return Response(status_code=204)
