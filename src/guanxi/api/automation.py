"""Automation rules: when a record is written or a date comes and it meets a condition,
set fields, create records or tasks, assign it or call a webhook; with each rule's
published versions and run history."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Header, Query, Response

from guanxi.platform.process import automation
from guanxi.platform.process.automation_schemas import RuleIn, RulePatch
from guanxi.platform.process.versions import MAX_VERSION
from guanxi.web.deps import ActorDep, ServicesDep
from guanxi.web.preconditions import if_match_version
from guanxi.web.responses import ORJSONResponse
from guanxi.web.routing import OrjsonRoute

router = APIRouter(
    prefix="/api/v1/automation",
    tags=["automation"],
    default_response_class=ORJSONResponse,
    route_class=OrjsonRoute,
)


def _answer(rule: dict[str, Any], status: int = 200) -> ORJSONResponse:
    return ORJSONResponse(rule, status_code=status, headers={"ETag": f'"{rule["version"]}"'})


@router.get("/rules")
def list_rules(
    services: ServicesDep,
    actor: ActorDep,
    object: str | None = Query(None, max_length=63, description="only this object's rules"),
) -> dict[str, Any]:
    """Every rule in the order it runs, with its published version (``manage_automation``)."""
    with services.read(actor) as ctx:
        return {"rules": automation.list_rules(ctx, object)}


@router.post("/rules", status_code=201)
def create_rule(body: RuleIn, services: ServicesDep, actor: ActorDep) -> ORJSONResponse:
    """A new rule, published as version 1; every problem comes back at once, each naming
    its place (``actions[1].values.level``)."""
    with services.write(actor) as ctx:
        return _answer(automation.create_rule(ctx, body), 201)


@router.get("/rules/{rule_id}")
def get_rule(
    rule_id: UUID,
    services: ServicesDep,
    actor: ActorDep,
    version: int | None = Query(None, ge=1, le=MAX_VERSION, description="an earlier version"),
) -> ORJSONResponse:
    with services.read(actor) as ctx:
        return _answer(automation.get_rule(ctx, rule_id, version))


@router.patch("/rules/{rule_id}")
def update_rule(
    rule_id: UUID,
    body: RulePatch,
    services: ServicesDep,
    actor: ActorDep,
    if_match: str | None = Header(None),
) -> ORJSONResponse:
    """Publish the next version with what you send; send the version you read (If-Match
    or ``version``): stale → 412. Earlier versions stay as they were."""
    expected = if_match_version(if_match, maximum=MAX_VERSION)
    with services.write(actor) as ctx:
        return _answer(automation.update_rule(ctx, rule_id, body, expected_version=expected))


@router.delete("/rules/{rule_id}", status_code=204)
def delete_rule(rule_id: UUID, services: ServicesDep, actor: ActorDep) -> Response:
    """Delete a rule, its versions and its run history."""
    with services.write(actor) as ctx:
        automation.delete_rule(ctx, rule_id)
    return Response(status_code=204)


@router.get("/rules/{rule_id}/runs")
def list_runs(
    rule_id: UUID,
    services: ServicesDep,
    actor: ActorDep,
    before: int | None = Query(None, ge=1, description="the previous page's next_before"),
    limit: int = Query(50, ge=1, le=automation.MAX_RUNS),
) -> dict[str, Any]:
    """Each run, newest first: the version, the record, what set it off, its status and
    each action's outcome."""
    with services.read(actor) as ctx:
        return automation.runs(ctx, rule_id, before=before, limit=limit)
