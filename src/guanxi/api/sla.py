"""SLA policies (first-response and resolution targets per priority or tier) and the SLA
clocks of a record."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Header, Query, Response

from guanxi.platform.process import sla_clocks, sla_policies
from guanxi.platform.process.sla_schemas import MAX_VERSION, PolicyIn, PolicyPatch
from guanxi.web.deps import ActorDep, ServicesDep, inline_on_sqlite
from guanxi.web.preconditions import if_match_version
from guanxi.web.responses import ORJSONResponse, versioned
from guanxi.web.routing import OrjsonRoute

router = APIRouter(
    prefix="/api/v1",
    tags=["sla"],
    default_response_class=ORJSONResponse,
    route_class=OrjsonRoute,
)


@router.get("/sla/policies")
def list_policies(
    services: ServicesDep,
    actor: ActorDep,
    object: str | None = Query(None, max_length=63, description="only this object's policies"),
) -> dict[str, Any]:
    """Every SLA policy in the order they are tried (``manage_automation``)."""
    with services.read(actor) as ctx:
        return {"policies": sla_policies.list_policies(ctx, object)}


@router.post("/sla/policies", status_code=201)
def create_policy(body: PolicyIn, services: ServicesDep, actor: ActorDep) -> ORJSONResponse:
    """A new policy; every problem comes back at once, each naming its place."""
    with services.write(actor) as ctx:
        return versioned(sla_policies.create_policy(ctx, body), 201)


@router.get("/sla/policies/{policy_id}")
def get_policy(policy_id: UUID, services: ServicesDep, actor: ActorDep) -> ORJSONResponse:
    with services.read(actor) as ctx:
        return versioned(sla_policies.get_policy(ctx, policy_id))


@router.patch("/sla/policies/{policy_id}")
def update_policy(
    policy_id: UUID,
    body: PolicyPatch,
    services: ServicesDep,
    actor: ActorDep,
    if_match: str | None = Header(None),
) -> ORJSONResponse:
    """Change what you send; send the version you read (If-Match or ``version``): stale →
    412. Its clocks are recomputed from their original start."""
    expected = if_match_version(if_match, maximum=MAX_VERSION)
    with services.write(actor) as ctx:
        return versioned(
            sla_policies.update_policy(ctx, policy_id, body, expected_version=expected)
        )


@router.delete("/sla/policies/{policy_id}", status_code=204)
def delete_policy(policy_id: UUID, services: ServicesDep, actor: ActorDep) -> Response:
    """Delete a policy and its clocks."""
    with services.write(actor) as ctx:
        sla_policies.delete_policy(ctx, policy_id)
    return Response(status_code=204)


@router.get("/records/{object_name}/{record_id}/sla")
@inline_on_sqlite
def record_sla(
    object_name: str, record_id: UUID, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    """The record's SLA clocks: due times, business minutes left and state (running,
    paused, warning, breached, met), for those who may read the record."""
    with services.read(actor) as ctx:
        return sla_clocks.record_sla(ctx, object_name, record_id)
