"""Saved list views of an object: personal, or shared with everyone or with roles."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Header, Response

from guanxi.platform.records import views
from guanxi.platform.records.view_schemas import MAX_VERSION, ViewIn, ViewPatch
from guanxi.web.deps import ActorDep, ServicesDep
from guanxi.web.preconditions import if_match_version
from guanxi.web.responses import ORJSONResponse, versioned
from guanxi.web.routing import OrjsonRoute

router = APIRouter(
    prefix="/api/v1/views",
    tags=["views"],
    default_response_class=ORJSONResponse,
    route_class=OrjsonRoute,
)


@router.get("/{object_name}")
def list_views(object_name: str, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """Your views of the object and those shared with you, oldest first."""
    with services.read(actor) as ctx:
        return {"views": views.list_views(ctx, object_name)}


@router.post("/{object_name}", status_code=201)
def create_view(
    object_name: str, body: ViewIn, services: ServicesDep, actor: ActorDep
) -> ORJSONResponse:
    """Save a view; sharing it (``everyone``, ``roles``) needs ``manage_metadata``."""
    with services.write(actor) as ctx:
        return versioned(views.create_view(ctx, object_name, body), 201)


@router.get("/{object_name}/{view_id}")
def get_view(
    object_name: str, view_id: UUID, services: ServicesDep, actor: ActorDep
) -> ORJSONResponse:
    with services.read(actor) as ctx:
        return versioned(views.get_view(ctx, object_name, view_id))


@router.patch("/{object_name}/{view_id}")
def update_view(
    object_name: str,
    view_id: UUID,
    body: ViewPatch,
    services: ServicesDep,
    actor: ActorDep,
    if_match: str | None = Header(None),
) -> ORJSONResponse:
    """Change what you send; send the version you read (If-Match or ``version``): stale → 412."""
    expected = if_match_version(if_match, maximum=MAX_VERSION)
    with services.write(actor) as ctx:
        return versioned(
            views.update_view(ctx, object_name, view_id, body, expected_version=expected)
        )


@router.delete("/{object_name}/{view_id}", status_code=204)
def delete_view(
    object_name: str, view_id: UUID, services: ServicesDep, actor: ActorDep
) -> Response:
    with services.write(actor) as ctx:
        views.delete_view(ctx, object_name, view_id)
    return Response(status_code=204)
