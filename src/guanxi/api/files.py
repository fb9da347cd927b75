"""Upload and download files for file fields."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, UploadFile
from fastapi.responses import FileResponse

from guanxi.platform.files import service
from guanxi.web.deps import ActorDep, ServicesDep
from guanxi.web.responses import ORJSONResponse
from guanxi.web.routing import OrjsonRoute

router = APIRouter(
    prefix="/api/v1/files",
    tags=["files"],
    default_response_class=ORJSONResponse,
    route_class=OrjsonRoute,
)


@router.post("", status_code=201)
def upload(file: UploadFile, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """Store a file; put the returned id into a file field."""
    settings = services.settings
    with services.write(actor) as ctx:
        stored = service.store(
            ctx.conn,
            settings.files_dir,
            file.file,
            name=file.filename,
            content_type=file.content_type,
            max_bytes=settings.max_upload_mb << 20,
            user_id=ctx.actor.user_id,
            now=ctx.now,
        )
    return stored.as_dict()


@router.get("/{file_id}")
def download(file_id: UUID, services: ServicesDep, actor: ActorDep) -> FileResponse:
    with services.read(actor) as ctx:
        stored = service.get(
            ctx.conn, services.settings.files_dir, file_id, snap=ctx.snap, policy=ctx.actor.policy
        )
    inline = stored.content_type in service.INLINE_TYPES
    disposition = "inline" if inline else "attachment"
    return FileResponse(
        stored.path,
        media_type=stored.content_type if inline else "application/octet-stream",
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(stored.name)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox",
        },
    )
