"""Lead endpoints beyond record CRUD: conversion and its field mapping."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Header
from pydantic import RootModel

from guanxi.modules.sales import conversion
from guanxi.modules.sales.settings import version
from guanxi.web.deps import ActorDep, ServicesDep
from guanxi.web.preconditions import if_match_version
from guanxi.web.responses import ORJSONResponse
from guanxi.web.routing import OrjsonRoute

router = APIRouter(
    prefix="/api/v1/sales",
    tags=["sales: leads"],
    default_response_class=ORJSONResponse,
    route_class=OrjsonRoute,
)


class MappingIn(RootModel[dict[str, dict[str, str]]]):
    """``{"account": {"name": "company", …}, "contact": {…}, "opportunity": {…}}``:
    target field ← lead field."""


@router.post("/leads/{lead_id}/convert")
def convert_lead(
    lead_id: UUID, body: conversion.ConvertIn, services: ServicesDep, actor: ActorDep
) -> dict[str, str | None]:
    """Make (or pick) the account and contact the lead becomes, and an opportunity when
    ``opportunity`` is sent, in one transaction: ``{"account_id", "contact_id",
    "opportunity_id"}``. The lead becomes read-only; a second conversion is 409."""
    with services.write(actor) as ctx:
        return conversion.convert_lead(ctx, lead_id, body)


@router.get("/settings/lead-conversion")
def get_mapping(services: ServicesDep, actor: ActorDep) -> ORJSONResponse:
    """Which lead field fills which field of the account, contact and opportunity."""
    with services.read(actor) as ctx:
        at = version(ctx, conversion.SETTING)
        body = {"mapping": conversion.mapping(ctx), "version": at}
    return ORJSONResponse(body, headers={"ETag": f'"{at}"'})


@router.put("/settings/lead-conversion")
def set_mapping(
    body: MappingIn,
    services: ServicesDep,
    actor: ActorDep,
    if_match: str | None = Header(None),
) -> ORJSONResponse:
    """Replace the mapping (administrators); every bad field is named at once."""
    expected = if_match_version(if_match, minimum=0)
    with services.write(actor) as ctx:
        saved = conversion.set_mapping(ctx, body.root, expected_version=expected)
    answer: dict[str, Any] = {"mapping": saved["value"], "version": saved["version"]}
    return ORJSONResponse(answer, headers={"ETag": f'"{saved["version"]}"'})
