"""Approval processes: define them (``manage_automation``), submit records to them, and
decide, recall or reassign requests from the inbox; the trail shows on the record's
timeline."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter, Header, Query, Response

from guanxi.platform.process import approval_delegations, approvals
from guanxi.platform.process.approval_schemas import (
    CommentIn,
    DelegationIn,
    ProcessIn,
    ProcessPatch,
    ReassignIn,
    RejectIn,
    SubmitIn,
)
from guanxi.platform.process.versions import MAX_VERSION
from guanxi.web.deps import ActorDep, ServicesDep
from guanxi.web.preconditions import if_match_version
from guanxi.web.responses import ORJSONResponse
from guanxi.web.routing import OrjsonRoute

router = APIRouter(
    prefix="/api/v1",
    tags=["approvals"],
    default_response_class=ORJSONResponse,
    route_class=OrjsonRoute,
)


def _answer(process: dict[str, Any], status: int = 200) -> ORJSONResponse:
    return ORJSONResponse(process, status_code=status, headers={"ETag": f'"{process["version"]}"'})


@router.get("/approvals/processes")
def list_processes(
    services: ServicesDep,
    actor: ActorDep,
    object: str | None = Query(None, max_length=63, description="only this object's processes"),
) -> dict[str, Any]:
    """Every process in the order submissions try them, with its published version."""
    with services.read(actor) as ctx:
        return {"processes": approvals.list_processes(ctx, object)}


@router.post("/approvals/processes", status_code=201)
def create_process(body: ProcessIn, services: ServicesDep, actor: ActorDep) -> ORJSONResponse:
    """A new process, published as version 1; every problem comes back at once, each
    naming its place (``steps[1].approvers[0].id``)."""
    with services.write(actor) as ctx:
        return _answer(approvals.create_process(ctx, body), 201)


@router.get("/approvals/processes/{process_id}")
def get_process(
    process_id: UUID,
    services: ServicesDep,
    actor: ActorDep,
    version: int | None = Query(None, ge=1, le=MAX_VERSION, description="an earlier version"),
) -> ORJSONResponse:
    with services.read(actor) as ctx:
        return _answer(approvals.get_process(ctx, process_id, version))


@router.patch("/approvals/processes/{process_id}")
def update_process(
    process_id: UUID,
    body: ProcessPatch,
    services: ServicesDep,
    actor: ActorDep,
    if_match: str | None = Header(None),
) -> ORJSONResponse:
    """Publish the next version with what you send; send the version you read (If-Match
    or ``version``): stale → 412. Requests under way stay on their version."""
    expected = if_match_version(if_match, maximum=MAX_VERSION)
    with services.write(actor) as ctx:
        return _answer(approvals.update_process(ctx, process_id, body, expected_version=expected))


@router.delete("/approvals/processes/{process_id}", status_code=204)
def delete_process(process_id: UUID, services: ServicesDep, actor: ActorDep) -> Response:
    """Delete a process and its finished requests (409 while one is pending)."""
    with services.write(actor) as ctx:
        approvals.delete_process(ctx, process_id)
    return Response(status_code=204)


@router.get("/approvals/inbox")
def inbox(
    services: ServicesDep,
    actor: ActorDep,
    view: Literal["to_approve", "submitted"] = Query(
        "to_approve",
        description="to_approve: the decisions awaiting you, oldest first; submitted: the "
        "requests you submitted, newest first, with who holds each now",
    ),
) -> dict[str, Any]:
    """The decisions awaiting you, oldest first (or, ``view=submitted``, your requests)."""
    with services.read(actor) as ctx:
        if view == "submitted":
            return {"approvals": approvals.submitted(ctx)}
        return {"approvals": approvals.inbox(ctx)}


# Declared before /approvals/{request_id}, which would take "delegation" for an id.
_FOR_USER = Query(None, description="another user's (needs manage_users); default: yours")


@router.get("/approvals/delegation")
def get_delegation(
    services: ServicesDep, actor: ActorDep, user_id: UUID | None = _FOR_USER
) -> dict[str, Any]:
    """Who decides your approvals while you are away (``{"delegation": null}``: nobody)."""
    with services.read(actor) as ctx:
        return approval_delegations.get_delegation(ctx, user_id)


@router.put("/approvals/delegation")
def set_delegation(
    body: DelegationIn, services: ServicesDep, actor: ActorDep, user_id: UUID | None = _FOR_USER
) -> dict[str, Any]:
    """From ``starts_at`` until ``ends_at`` your decisions go to ``delegate_id``, who may
    also decide those already waiting for you; replaces an earlier delegation."""
    with services.write(actor) as ctx:
        return approval_delegations.set_delegation(ctx, body, user_id)


@router.delete("/approvals/delegation", status_code=204)
def clear_delegation(
    services: ServicesDep, actor: ActorDep, user_id: UUID | None = _FOR_USER
) -> Response:
    """End the delegation now (404: none is set)."""
    with services.write(actor) as ctx:
        approval_delegations.clear_delegation(ctx, user_id)
    return Response(status_code=204)


@router.get("/approvals/{request_id}")
def get_request(request_id: UUID, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """A request with its steps, each approver's part and the trail."""
    with services.read(actor) as ctx:
        return approvals.get_request(ctx, request_id)


@router.post("/approvals/{request_id}/approve")
def approve(
    request_id: UUID, services: ServicesDep, actor: ActorDep, body: CommentIn | None = None
) -> dict[str, Any]:
    """Approve your part of the current step (409 when it was decided already)."""
    with services.write(actor) as ctx:
        return approvals.approve(
            ctx, request_id, body.comment if body else None, body.attachment_ids if body else []
        )


@router.post("/approvals/{request_id}/reject")
def reject(
    request_id: UUID, services: ServicesDep, actor: ActorDep, body: RejectIn | None = None
) -> dict[str, Any]:
    """Reject: the request ends and the record returns to the submitter, or with
    ``to_step`` it goes back to that earlier step."""
    with services.write(actor) as ctx:
        return approvals.reject(ctx, request_id, body or RejectIn())


@router.post("/approvals/{request_id}/recall")
def recall(
    request_id: UUID, services: ServicesDep, actor: ActorDep, body: CommentIn | None = None
) -> dict[str, Any]:
    """Take your pending request back (the submitter, or an administrator)."""
    with services.write(actor) as ctx:
        return approvals.recall(
            ctx, request_id, body.comment if body else None, body.attachment_ids if body else []
        )


@router.post("/approvals/{request_id}/reassign")
def reassign(
    request_id: UUID, body: ReassignIn, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    """Hand your decision (or, an administrator, ``from`` an approver's) to ``to``."""
    with services.write(actor) as ctx:
        return approvals.reassign(ctx, request_id, body)


@router.post("/records/{object_name}/{record_id}/approval", status_code=201)
def submit(
    object_name: str,
    record_id: UUID,
    services: ServicesDep,
    actor: ActorDep,
    body: SubmitIn | None = None,
) -> dict[str, Any]:
    """Submit a record you may edit for approval; it is locked until the request ends."""
    with services.write(actor) as ctx:
        return approvals.submit(ctx, object_name, record_id, body or SubmitIn())


@router.get("/records/{object_name}/{record_id}/approval")
def record_approval(
    object_name: str, record_id: UUID, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    """The record's latest approval request (404: it has none)."""
    with services.read(actor) as ctx:
        return approvals.latest_request(ctx, object_name, record_id)


@router.get("/records/{object_name}/{record_id}/approval/processes")
def submittable_processes(
    object_name: str, record_id: UUID, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    """The active processes you could submit the record to now (entry condition met), in
    the order a submission tries them: empty while it is pending or if you may not edit it."""
    with services.read(actor) as ctx:
        return {"processes": approvals.submittable(ctx, object_name, record_id)}
