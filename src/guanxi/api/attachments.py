"""Files attached to a record of any object: list, attach (multipart upload), remove."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query, Response, UploadFile
from pydantic import BaseModel

from guanxi.platform.records import attachments
from guanxi.web.deps import ActorDep, ServicesDep, inline_on_sqlite
from guanxi.web.responses import ORJSONResponse
from guanxi.web.routing import OrjsonRoute

router = APIRouter(
    prefix="/api/v1/records/{object_name}/{record_id}/attachments",
    tags=["attachments"],
    default_response_class=ORJSONResponse,
    route_class=OrjsonRoute,
)


# The shapes below describe the answers in the OpenAPI document; the service builds them.
class FileOut(BaseModel):
    id: UUID
    name: str
    content_type: str
    size: int


class UserRef(BaseModel):
    id: UUID
    name: str | None


class AttachmentOut(BaseModel):
    id: UUID
    file: FileOut
    created_at: str
    created_by: UserRef | None


class AttachmentPageOut(BaseModel):
    attachments: list[AttachmentOut]
    next_cursor: str | None


@router.get("", responses={200: {"model": AttachmentPageOut}})
@inline_on_sqlite
def list_attachments(
    object_name: str,
    record_id: UUID,
    services: ServicesDep,
    actor: ActorDep,
    limit: int = Query(50, ge=1, le=attachments.MAX_LIMIT),
    cursor: str | None = None,
) -> ORJSONResponse:
    """The files attached to a record you may read, newest first (404 for a record you may
    not read); download one with `GET /api/v1/files/{file.id}`."""
    with services.read(actor) as ctx:
        page = attachments.attachments(ctx, object_name, record_id, limit=limit, cursor=cursor)
    return ORJSONResponse({"attachments": page.attachments, "next_cursor": page.next_cursor})


@router.post("", status_code=201, responses={201: {"model": AttachmentOut}})
def attach(
    object_name: str, record_id: UUID, file: UploadFile, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    """Upload a file (multipart field `file`, at most `GUANXI_MAX_UPLOAD_MB`) and attach it
    to a record you may change (403 when you may only read it)."""
    settings = services.settings
    with services.write(actor) as ctx:
        return attachments.attach(
            ctx,
            object_name,
            record_id,
            file.file,
            name=file.filename,
            content_type=file.content_type,
            root=settings.files_dir,
            max_bytes=settings.max_upload_mb << 20,
        )


@router.delete("/{attachment_id}", status_code=204)
@inline_on_sqlite
def remove(
    object_name: str, record_id: UUID, attachment_id: UUID, services: ServicesDep, actor: ActorDep
) -> Response:
    """Remove an attachment from a record you may change; the record's timeline keeps it."""
    with services.write(actor) as ctx:
        attachments.remove(ctx, object_name, record_id, attachment_id)
    return Response(status_code=204)
