"""Customer pools (公海): configuring pools, their accounts, claiming, releasing and
reclaiming (see ``modules/sales/pools.py``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import orjson
from fastapi import APIRouter, Header, Query

from guanxi.kernel.errors import FieldError, ValidationFailed
from guanxi.modules.sales import pools
from guanxi.modules.sales.pool_schemas import MAX_VERSION, ClaimIn, PoolIn, PoolPatch, ReleaseIn
from guanxi.platform.records import reader
from guanxi.web.deps import ActorDep, ServicesDep
from guanxi.web.preconditions import if_match_version
from guanxi.web.responses import ORJSONResponse, versioned
from guanxi.web.routing import OrjsonRoute

router = APIRouter(
    prefix="/api/v1/sales",
    tags=["customer pools"],
    default_response_class=ORJSONResponse,
    route_class=OrjsonRoute,
)

MAX_FILTER = 20_000  # characters of a filter tree in the query string


def _csv(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


@router.get("/pools")
def list_pools(services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """The pools the caller may see: every one for a manager of pools
    (``manage_automation``), else those one of their roles is a member of."""
    with services.read(actor) as ctx:
        return {"pools": pools.list_pools(ctx)}


@router.post("/pools", status_code=201)
def create_pool(body: PoolIn, services: ServicesDep, actor: ActorDep) -> ORJSONResponse:
    """A new pool (``manage_automation``)."""
    with services.write(actor) as ctx:
        return versioned(pools.create_pool(ctx, body), 201)


@router.get("/pools/{pool_id}")
def get_pool(pool_id: UUID, services: ServicesDep, actor: ActorDep) -> ORJSONResponse:
    with services.read(actor) as ctx:
        return versioned(pools.get_pool(ctx, pool_id))


@router.patch("/pools/{pool_id}")
def update_pool(
    pool_id: UUID,
    body: PoolPatch,
    services: ServicesDep,
    actor: ActorDep,
    if_match: str | None = Header(None),
) -> ORJSONResponse:
    """Change what you send; send the version you read (If-Match or ``version``): stale → 412."""
    expected = if_match_version(if_match, maximum=MAX_VERSION)
    with services.write(actor) as ctx:
        return versioned(pools.update_pool(ctx, pool_id, body, expected_version=expected))


@router.get("/pools/{pool_id}/accounts")
def pool_accounts(
    pool_id: UUID,
    services: ServicesDep,
    actor: ActorDep,
    limit: int = Query(50, ge=1, le=reader.MAX_LIMIT),
    cursor: str | None = Query(None, max_length=4000),
    sort: str | None = Query(None, max_length=1000, description="as the records list: -name"),
    fields: str | None = Query(None, max_length=4000, description="comma-separated field paths"),
    include: str | None = Query(None, max_length=1000),
    filter: str | None = Query(None, max_length=MAX_FILTER, description="a JSON filter tree"),
    with_total: bool = False,
) -> dict[str, Any]:
    """The accounts in the pool, as ``GET /records/account`` lists them (filters, sorting,
    fields, cursors), for its members."""
    tree = None
    if filter:
        try:
            tree = orjson.loads(filter)
        except orjson.JSONDecodeError:
            tree = None
        if not isinstance(tree, dict):
            raise ValidationFailed(
                "filter", errors=[FieldError("filter", "is not a JSON filter tree", "invalid")]
            )
    with services.read(actor) as ctx:
        page = pools.list_pool_accounts(
            ctx,
            pool_id,
            filter=tree,
            sort=_csv(sort),
            limit=limit,
            cursor=cursor,
            with_total=with_total,
            count_limit=services.settings.count_limit,
            fields=_csv(fields),
            include=_csv(include),
        )
    return {
        "records": page.records,
        "next_cursor": page.next_cursor,
        "total": page.total,
        "total_relation": page.total_relation,
        "total_estimate": page.total_estimate,
    }


@router.post("/pools/{pool_id}/claim")
def claim(pool_id: UUID, body: ClaimIn, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """Take an account from the pool: the caller becomes its owner (409
    ``already_claimed``, ``claim_limit_reached`` or ``claim_cooldown`` otherwise)."""
    with services.write(actor) as ctx:
        return pools.claim_account(ctx, pool_id, body.account_id)


@router.post("/pools/{pool_id}/reclaim")
def reclaim(pool_id: UUID, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """Run the pool's reclaim rules now (``manage_automation``): ``{"reclaimed": [ids],
    "warned": [ids]}``."""
    with services.write(actor) as ctx:
        return pools.reclaim_idle_accounts(ctx, pool_id)


@router.post("/accounts/{account_id}/release")
def release(
    account_id: UUID, services: ServicesDep, actor: ActorDep, body: ReleaseIn | None = None
) -> dict[str, Any]:
    """Return an account to a pool (its owner, or a manager whose scope covers it)."""
    body = body or ReleaseIn()
    with services.write(actor) as ctx:
        return pools.release_account(ctx, account_id, pool_id=body.pool_id, reason=body.reason)


@router.get("/accounts/{account_id}/pool-events")
def pool_events(account_id: UUID, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """The account's claims, releases, reclaims and warnings, oldest first:
    ``{"events": [{"action", "pool_id", "user_id", "actor_id", "at", "due_at", "reason"}]}``."""
    with services.read(actor) as ctx:
        return {"events": pools.pool_events(ctx, account_id)}
