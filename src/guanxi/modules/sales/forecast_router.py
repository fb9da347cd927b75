"""Endpoints for opportunities' stage history, the forecast and target attainment."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from guanxi.modules.sales import forecast, opportunities, targets
from guanxi.web.deps import ActorDep, ServicesDep, inline_on_sqlite
from guanxi.web.responses import ORJSONResponse
from guanxi.web.routing import OrjsonRoute

router = APIRouter(
    prefix="/api/v1/sales",
    tags=["sales"],
    default_response_class=ORJSONResponse,
    route_class=OrjsonRoute,
)


@router.get("/opportunities/{opportunity_id}/stages")
@inline_on_sqlite
def opportunity_stages(
    opportunity_id: UUID, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    """The stages the deal has been in, with when it entered and left each and the days
    it spent there."""
    with services.read(actor) as ctx:
        return opportunities.stage_history(ctx, opportunity_id)


@router.get("/forecast")
@inline_on_sqlite
def sales_forecast(
    services: ServicesDep,
    actor: ActorDep,
    period: str | None = None,
    group_by: str = "owner",
    currency: str | None = None,
) -> dict[str, Any]:
    """Open deals by forecast category, won deals and the weighted pipeline of a period,
    per owner or department, over the deals the caller may read."""
    with services.read(actor) as ctx:
        return forecast.forecast(ctx, period, group_by, currency)


@router.get("/targets/attainment")
@inline_on_sqlite
def target_attainment(
    services: ServicesDep, actor: ActorDep, period: str | None = None
) -> dict[str, Any]:
    """Each target of the period the caller may read, with its actual and attainment."""
    with services.read(actor) as ctx:
        return targets.attainment(ctx, period)
