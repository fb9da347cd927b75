"""Assignment rules: who becomes the owner of a record as it arrives (round-robin,
fewest open records, or by criteria)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, ConfigDict

from guanxi.platform.process import assignment
from guanxi.platform.process.assignment_schemas import MAX_VERSION, RuleIn, RulePatch
from guanxi.web.deps import ActorDep, ServicesDep
from guanxi.web.preconditions import if_match_version
from guanxi.web.responses import ORJSONResponse, versioned
from guanxi.web.routing import OrjsonRoute

router = APIRouter(
    prefix="/api/v1/assignment-rules",
    tags=["assignment rules"],
    default_response_class=ORJSONResponse,
    route_class=OrjsonRoute,
)


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    record_id: UUID


@router.get("")
def list_rules(
    services: ServicesDep,
    actor: ActorDep,
    object: str | None = Query(None, max_length=63, description="only this object's rules"),
) -> dict[str, Any]:
    """Every assignment rule, oldest first (``manage_automation``)."""
    with services.read(actor) as ctx:
        return {"rules": assignment.list_rules(ctx, object)}


@router.post("", status_code=201)
def create_rule(body: RuleIn, services: ServicesDep, actor: ActorDep) -> ORJSONResponse:
    """A new rule (``manage_automation``); every problem comes back at once."""
    with services.write(actor) as ctx:
        return versioned(assignment.create_rule(ctx, body), 201)


@router.get("/{rule_id}")
def get_rule(rule_id: UUID, services: ServicesDep, actor: ActorDep) -> ORJSONResponse:
    with services.read(actor) as ctx:
        return versioned(assignment.get_rule(ctx, rule_id))


@router.patch("/{rule_id}")
def update_rule(
    rule_id: UUID,
    body: RulePatch,
    services: ServicesDep,
    actor: ActorDep,
    if_match: str | None = Header(None),
) -> ORJSONResponse:
    """Change what you send; send the version you read (If-Match or ``version``): stale → 412."""
    expected = if_match_version(if_match, maximum=MAX_VERSION)
    with services.write(actor) as ctx:
        return versioned(assignment.update_rule(ctx, rule_id, body, expected_version=expected))


@router.delete("/{rule_id}", status_code=204)
def delete_rule(rule_id: UUID, services: ServicesDep, actor: ActorDep) -> Response:
    with services.write(actor) as ctx:
        assignment.delete_rule(ctx, rule_id)
    return Response(status_code=204)


@router.post("/{rule_id}/assign")
def assign(rule_id: UUID, body: AssignIn, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """Give a record to the member whose turn it is: ``{"owner_id"}``, null when nobody
    takes it (the rule is inactive, no criterion fits, no member is active). Takes what
    changing the record's owner takes."""
    with services.write(actor) as ctx:
        object_name = assignment.rule_object(ctx, rule_id)
        owner = assignment.assign(ctx, rule_id, object_name, body.record_id)
    return {"owner_id": None if owner is None else str(owner)}
