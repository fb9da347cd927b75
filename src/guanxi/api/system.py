"""Health and version endpoints."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from guanxi import __version__
from guanxi.kernel.errors import DomainError
from guanxi.web.deps import ServicesDep
from guanxi.web.responses import ORJSONResponse
from guanxi.web.routing import OrjsonRoute

router = APIRouter(
    prefix="/api/v1",
    tags=["system"],
    default_response_class=ORJSONResponse,
    route_class=OrjsonRoute,
)


class Unavailable(DomainError):
    """The database does not answer."""

    code = "bad_request"
    status = 503


@router.get("/health")
def health(services: ServicesDep) -> dict[str, Any]:
    """200 when the database answers."""
    try:
        with services.connection() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not healthy"
        raise Unavailable(f"database unreachable: {type(exc).__name__}") from None
    return {"status": "ok", "database": services.db.dialect, "version": __version__}
