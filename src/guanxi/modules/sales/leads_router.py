"""Lead endpoints beyond record CRUD: the duplicate check, conversion and its mapping."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Header, Query
from pydantic import BaseModel, ConfigDict, Field, RootModel

from guanxi.modules.customers.duplicates import MAX_LIMIT, Duplicates, find_duplicates
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


class ProspectIn(BaseModel):
    """A customer about to be registered (客户报备): what to check it against."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=200)
    contact_name: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)


def _shown(found: Duplicates) -> dict[str, list[dict[str, Any]]]:
    return {
        "accounts": [asdict(c) for c in found.accounts],
        "contacts": [asdict(c) for c in found.contacts],
    }


@router.get("/leads/{lead_id}/duplicates")
def lead_duplicates(
    lead_id: UUID,
    services: ServicesDep,
    actor: ActorDep,
    limit: int = Query(10, ge=1, le=MAX_LIMIT),
) -> dict[str, list[dict[str, Any]]]:
    """Accounts and contacts you may read that the lead may already be, best first:
    ``{"accounts": [{"id", "name", "score", "reasons"}], "contacts": [...]}``."""
    with services.read(actor) as ctx:
        return _shown(conversion.lead_duplicates(ctx, lead_id, limit=limit))


@router.post("/accounts/duplicates")
def account_duplicates(
    body: ProspectIn,
    services: ServicesDep,
    actor: ActorDep,
    limit: int = Query(10, ge=1, le=MAX_LIMIT),
) -> dict[str, list[dict[str, Any]]]:
    """The same check for a customer about to be registered, before it is created."""
    with services.read(actor) as ctx:
        found = find_duplicates(
            ctx,
            company=body.name,
            person_name=body.contact_name,
            phone=body.phone,
            email=body.email,
            limit=limit,
        )
    return _shown(found)


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
