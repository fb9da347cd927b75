"""Record endpoints for every object, standard and custom alike."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

import orjson
from fastapi import APIRouter, Body, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from guanxi.kernel.errors import FieldError, ValidationFailed
from guanxi.platform.access import sharing
from guanxi.platform.records import (
    aggregates,
    context,
    deletion,
    export,
    reader,
    reads,
    service,
    timeline,
    updates,
)
from guanxi.web.deps import ActorDep, Credentials, Services, ServicesDep, inline_on_sqlite
from guanxi.web.preconditions import if_match_version
from guanxi.web.problems import problem
from guanxi.web.responses import ORJSONResponse
from guanxi.web.routing import OrjsonRoute

router = APIRouter(
    prefix="/api/v1",
    tags=["records"],
    default_response_class=ORJSONResponse,
    route_class=OrjsonRoute,  # bulk bodies are large: decode them with orjson
)


class QueryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filter: dict[str, Any] | None = None
    sort: list[Any] | None = None
    limit: int = Field(default=50, ge=1, le=reader.MAX_LIMIT)
    cursor: str | None = None
    with_total: bool = False
    fields: list[str] | None = None
    include: list[str] | None = None
    access: bool = Field(
        default=True, description="say per record what the user may do with it (_access)"
    )


class BulkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Items are not validated here: the records service checks each one anyway and names
    # the row of any that is not an object (pydantic copying 1,000 dicts cost ~5 ms).
    records: list[Any] = Field(
        min_length=1, max_length=context.MAX_BULK, json_schema_extra={"items": {"type": "object"}}
    )
    all_or_none: bool = True
    return_records: bool = True


class BulkDeleteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[str] = Field(min_length=1, max_length=context.MAX_BULK)
    all_or_none: bool = True


def _record_response(record: dict[str, Any], status: int = 200) -> ORJSONResponse:
    return ORJSONResponse(record, status_code=status, headers={"ETag": f'"{record["version"]}"'})


def _csv(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


@router.get("/records/{object_name}")
@inline_on_sqlite
def list_records(
    object_name: str,
    services: ServicesDep,
    actor: ActorDep,
    limit: int = Query(50, ge=1, le=reader.MAX_LIMIT),
    cursor: str | None = None,
    sort: str | None = Query(
        None, description="comma-separated fields, '-' for descending: -created_at,name"
    ),
    fields: str | None = Query(None, description="comma-separated field paths"),
    include: str | None = Query(None, description="comma-separated lookup fields to embed"),
    filter: str | None = Query(None, description="a JSON filter tree, as in the query endpoint"),
    with_total: bool = False,
    access: bool = Query(True, description="say per record what the user may do (_access)"),
) -> ORJSONResponse:
    try:
        tree = orjson.loads(filter) if filter else None
    except orjson.JSONDecodeError:
        raise ValidationFailed(
            "filter", errors=[FieldError("filter", "is not valid JSON", "invalid")]
        ) from None
    try:
        body = QueryIn(
            filter=tree,
            sort=_csv(sort),
            limit=limit,
            cursor=cursor,
            with_total=with_total,
            fields=_csv(fields),
            include=_csv(include),
            access=access,
        )
    except PydanticValidationError as error:  # e.g. filter=[]: named as POST /query names it
        raise ValidationFailed(
            "the request parameters are not valid",
            errors=[
                FieldError(".".join(str(p) for p in e["loc"]) or "filter", e["msg"], e["type"])
                for e in error.errors()
            ],
        ) from None
    return _page(object_name, body, services, actor)


@router.post("/records/{object_name}/query")
@inline_on_sqlite
def query_records(
    object_name: str, body: QueryIn, services: ServicesDep, actor: ActorDep
) -> ORJSONResponse:
    return _page(object_name, body, services, actor)


def _page(
    object_name: str, body: QueryIn, services: Services, actor: Credentials
) -> ORJSONResponse:
    with services.read(actor) as ctx:
        page = reads.list_records(
            ctx,
            object_name,
            filter=body.filter,
            sort=body.sort,
            limit=body.limit,
            cursor=body.cursor,
            with_total=body.with_total,
            count_limit=services.settings.count_limit,
            fields=body.fields,
            include=body.include,
            access=body.access,
        )
    # A Response skips FastAPI's jsonable_encoder pass over every value (orjson is enough).
    return ORJSONResponse(
        {
            "records": page.records,
            "next_cursor": page.next_cursor,
            "total": page.total,
            "total_relation": page.total_relation,
            "total_estimate": page.total_estimate,
        }
    )


class GroupByIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str = Field(max_length=200)


class MeasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Checked by the service, which names the measure of an unknown op or field.
    op: str = Field(description="count, sum, avg, min or max", max_length=16)
    field: str | None = Field(default=None, max_length=200)


class AggregateIn(BaseModel):
    """Strict on unknown keys: later options (a date bucket per group_by) are added here."""

    model_config = ConfigDict(extra="forbid")

    filter: dict[str, Any] | None = None
    group_by: list[GroupByIn] = Field(default_factory=list, max_length=aggregates.MAX_GROUP_BY)
    measures: list[MeasureIn] = Field(
        default_factory=lambda: [MeasureIn(op="count")],
        min_length=1,
        max_length=aggregates.MAX_MEASURES,
    )


@router.post("/records/{object_name}/aggregate")
@inline_on_sqlite
def aggregate_records(
    object_name: str, body: AggregateIn, services: ServicesDep, actor: ActorDep
) -> ORJSONResponse:
    """Counts and totals per group of the records the user may read (at most
    ``aggregates.MAX_GROUPS`` groups; ``truncated`` says when there were more)."""
    with services.read(actor) as ctx:
        result = reads.aggregate(
            ctx,
            object_name,
            filter=body.filter,
            group_by=[g.field for g in body.group_by],
            measures=[aggregates.Measure(m.op, m.field) for m in body.measures],
        )
    return ORJSONResponse(result.as_dict())


@router.post("/records/{object_name}", status_code=201)
@inline_on_sqlite
def create_record(
    object_name: str, services: ServicesDep, actor: ActorDep, data: dict[str, Any] = Body(...)
) -> ORJSONResponse:
    with services.write(actor) as ctx:
        return _record_response(service.create(ctx, object_name, data), 201)


def _bulk_answer(request: Request, body: dict[str, Any], status: int) -> ORJSONResponse:
    """A bulk call's answer; when nothing landed (422) it is a problem+json document too,
    its members (records or deleted, errors) as they are in the other answers."""
    if status != 422:
        return ORJSONResponse(body, status_code=status)
    errors = body.pop("errors")
    rows = len({e["index"] for e in errors})
    return problem(
        request,
        status=422,
        code="validation_failed",
        detail=f"none of the records was written: {rows} are not valid",
        errors=errors,
        **body,
    )


@router.post("/records/{object_name}/bulk", status_code=201)
def bulk_create(
    object_name: str, body: BulkIn, request: Request, services: ServicesDep, actor: ActorDep
) -> ORJSONResponse:
    with services.write(actor) as ctx:
        result = service.create_many(
            ctx,
            object_name,
            body.records,
            all_or_none=body.all_or_none,
            return_records=body.return_records,
        )
    status = 201 if not result.errors else (207 if result.records else 422)
    errors = [e.as_dict() for e in result.errors]
    return _bulk_answer(request, {"records": result.records, "errors": errors}, status)


@router.patch("/records/{object_name}/bulk")
def bulk_update(
    object_name: str, body: BulkIn, request: Request, services: ServicesDep, actor: ActorDep
) -> ORJSONResponse:
    with services.write(actor) as ctx:
        result = updates.update_many(ctx, object_name, body.records, all_or_none=body.all_or_none)
    status = 200 if not result.errors else (207 if result.records else 422)
    errors = [e.as_dict() for e in result.errors]
    return _bulk_answer(request, {"records": result.records, "errors": errors}, status)


@router.post("/records/{object_name}/bulk-delete")
def bulk_delete(
    object_name: str,
    body: BulkDeleteIn,
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
) -> ORJSONResponse:
    with services.write(actor) as ctx:
        result = deletion.delete_many(ctx, object_name, body.ids, all_or_none=body.all_or_none)
    deleted = len(body.ids) - len({e.index for e in result.errors})
    status = 200 if not result.errors else (207 if deleted else 422)
    errors = [e.as_dict() for e in result.errors]
    return _bulk_answer(request, {"deleted": deleted, "errors": errors}, status)


@router.get("/records/{object_name}/{record_id}")
@inline_on_sqlite
def get_record(
    object_name: str,
    record_id: UUID,
    services: ServicesDep,
    actor: ActorDep,
    fields: str | None = None,
    include: str | None = None,
    access: bool = Query(True, description="say what the user may do with it (_access)"),
) -> ORJSONResponse:
    with services.read(actor) as ctx:
        record = reads.get_record(
            ctx, object_name, record_id, fields=_csv(fields), include=_csv(include), access=access
        )
    return _record_response(record)


@router.patch("/records/{object_name}/{record_id}")
@inline_on_sqlite
def update_record(
    object_name: str,
    record_id: UUID,
    services: ServicesDep,
    actor: ActorDep,
    data: dict[str, Any] = Body(...),
    if_match: str | None = Header(None),
) -> ORJSONResponse:
    """Partial update; send the version you read (If-Match or "version"): stale → 412."""
    expected = if_match_version(if_match, maximum=updates.MAX_VERSION)
    with services.write(actor) as ctx:
        return _record_response(
            updates.update_record(ctx, object_name, record_id, data, expected_version=expected)
        )


@router.delete("/records/{object_name}/{record_id}", status_code=204)
@inline_on_sqlite
def delete_record(
    object_name: str, record_id: UUID, services: ServicesDep, actor: ActorDep
) -> Response:
    with services.write(actor) as ctx:
        deletion.delete_record(ctx, object_name, record_id)
    return Response(status_code=204)


@router.post("/records/{object_name}/{record_id}/restore")
@inline_on_sqlite
def restore_record(
    object_name: str, record_id: UUID, services: ServicesDep, actor: ActorDep
) -> ORJSONResponse:
    with services.write(actor) as ctx:
        return _record_response(deletion.restore_record(ctx, object_name, record_id))


@router.get("/records/{object_name}/{record_id}/history")
@inline_on_sqlite
def record_history(
    object_name: str, record_id: UUID, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    with services.read(actor) as ctx:
        return {"entries": reads.history(ctx, object_name, record_id)}


@router.get("/records/{object_name}/{record_id}/timeline")
@inline_on_sqlite
def record_timeline(
    object_name: str,
    record_id: UUID,
    services: ServicesDep,
    actor: ActorDep,
    limit: int = Query(50, ge=1, le=timeline.MAX_LIMIT),
    cursor: str | None = None,
    related: bool = Query(True, description="include records made that look up to it"),
) -> ORJSONResponse:
    """What happened to a record, newest first: one entry per write, share, related
    record made, … ."""
    with services.read(actor) as ctx:
        page = timeline.timeline(
            ctx, object_name, record_id, limit=limit, cursor=cursor, related=related
        )
    return ORJSONResponse({"entries": page.entries, "next_cursor": page.next_cursor})


@router.get("/recycle-bin/{object_name}")
def recycle_bin(
    object_name: str,
    services: ServicesDep,
    actor: ActorDep,
    limit: int = Query(50, ge=1, le=reader.MAX_LIMIT),
    cursor: str | None = None,
) -> dict[str, Any]:
    """Deleted records, most recently deleted first."""
    with services.read(actor) as ctx:
        page = reads.list_records(
            ctx,
            object_name,
            sort=[{"field": "deleted_at", "direction": "desc"}],
            limit=limit,
            cursor=cursor,
            deleted=True,
        )
    return {"records": page.records, "next_cursor": page.next_cursor}


@router.delete("/recycle-bin/{object_name}/{record_id}", status_code=204)
def purge_record(
    object_name: str, record_id: UUID, services: ServicesDep, actor: ActorDep
) -> Response:
    with services.write(actor) as ctx:
        deletion.purge_record(ctx, object_name, record_id)
    return Response(status_code=204)


class ShareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: UUID | None = None
    team_id: UUID | None = None
    access: Literal["read", "edit"] = "read"


@router.get("/records/{object_name}/{record_id}/shares")
def list_shares(
    object_name: str, record_id: UUID, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    with services.read(actor) as ctx:
        return {
            "shares": sharing.shares(ctx.conn, ctx.snap, ctx.actor.policy, object_name, record_id)
        }


@router.post("/records/{object_name}/{record_id}/shares", status_code=201)
def share_record(
    object_name: str, record_id: UUID, body: ShareIn, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    """Share a record with a user or team (read or edit); needs the update permission on
    the object and the record within your edit scope."""
    with services.write(actor) as ctx:
        share_id = sharing.share(
            ctx.conn,
            ctx.snap,
            ctx.actor,
            object_name,
            record_id,
            user_id=body.user_id,
            team_id=body.team_id,
            access=body.access,
            now=ctx.now,
        )
    return {"id": str(share_id)}


@router.delete("/records/{object_name}/{record_id}/shares/{share_id}", status_code=204)
def unshare_record(
    object_name: str, record_id: UUID, share_id: UUID, services: ServicesDep, actor: ActorDep
) -> Response:
    with services.write(actor) as ctx:
        sharing.unshare(ctx.conn, ctx.snap, ctx.actor, object_name, record_id, share_id)
    return Response(status_code=204)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("/records/{object_name}/export")
def export_records(
    object_name: str,
    body: QueryIn,
    services: ServicesDep,
    actor: ActorDep,
    format: Literal["csv", "xlsx"] = Query("csv", description="csv (default) or xlsx"),
) -> Response:
    """Every matching record the user may export (filter/sort/fields as in query), as CSV
    or as an XLSX workbook."""
    with services.read(actor) as ctx:
        # Read inside the transaction: one consistent snapshot, then sent.
        rows = export.export_rows(
            ctx, object_name, filter=body.filter, sort=body.sort, fields=body.fields
        )
        label = ctx.snap.object(object_name).label
    # The audit entry is bookkeeping of a read: a read-only token may export.
    with services.write(actor, read_only_ok=True) as ctx:
        ctx.audit(
            "export",
            object_name,
            {
                "filter": body.filter,
                "rows": rows.count,
                "truncated": rows.truncated,
                "format": format,
            },
        )
    filename = f"{object_name}-{ctx.now:%Y%m%d-%H%M%S}.{format}"
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Guanxi-Rows": str(rows.count),
        "X-Guanxi-Truncated": "true" if rows.truncated else "false",  # capped at export.MAX_ROWS
    }
    if format == "xlsx":
        sheet = label.get("en") or object_name
        return Response(export.to_xlsx(rows, sheet), media_type=XLSX, headers=headers)
    return Response(
        "\ufeff" + export.to_csv(rows),  # BOM: Excel opens UTF-8 Chinese text correctly
        media_type="text/csv; charset=utf-8",
        headers=headers,
    )
