"""Customer pools (公海): accounts without an owner that members of a pool claim.

A pool is configuration (``gx_pool``): its member roles, how many accounts a member may
own (``claim_limit``), how long a previous owner waits to claim an account again
(``cooldown_days``), how long a claimed account is safe from reclaiming
(``protection_days``, 0: not at all) and its reclaim rules. An account in a pool has
``pool_state = in_pool``, ``pool = <pool id>`` and no owner (ADR 0025); once claimed it
keeps ``pool`` (the pool it came from, where a release or reclaim returns it).

Every move goes through the records service as the acting user with the system's rights
(``Ctx.elevated``), so it is in the account's history with who and when, and is logged in
``gx_pool_event`` (the cool-down reads it). Managing pools takes ``manage_automation``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, FromClause, and_, or_, select
from sqlalchemy.engine import Row

from guanxi.kernel.errors import (
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from guanxi.kernel.ids import uuid7
from guanxi.modules.sales import pool_repository as repo
from guanxi.modules.sales.errors import AlreadyClaimed, ClaimCooldown, ClaimLimitReached, NotInPool
from guanxi.modules.sales.pool_schemas import PoolIn, PoolPatch
from guanxi.platform.access.policy import Policy
from guanxi.platform.process.versions import check_version, stale
from guanxi.platform.records import reads
from guanxi.platform.records.context import Ctx, require, written
from guanxi.platform.records.reader import Page
from guanxi.platform.records.service import create
from guanxi.platform.records.updates import update_current
from guanxi.platform.records.values import plain

OBJECT = "account"
RIGHT = "manage_automation"
DEFAULTS: dict[str, Any] = {"claim_limit": 50, "cooldown_days": 30, "protection_days": 0}


# -- managing pools --------------------------------------------------------------------------
def list_pools(ctx: Ctx) -> list[dict[str, Any]]:
    """The pools the caller may see: all for a manager of pools, else those one of their
    roles is a member of."""
    rows = repo.pools(ctx.conn, OBJECT)
    if not _manages(ctx):
        roles = repo.role_ids_of(ctx.conn, ctx.actor.user_id)
        rows = [row for row in rows if _member_of(row, roles)]
    return [pool_out(ctx, row) for row in rows]


def get_pool(ctx: Ctx, pool_id: UUID) -> dict[str, Any]:
    return pool_out(ctx, _visible(ctx, pool_id))


def create_pool(ctx: Ctx, body: PoolIn) -> dict[str, Any]:
    _may_manage(ctx)
    _check_roles(ctx, body.member_roles)
    pool_id = uuid7()
    settings: dict[str, Any] = {
        key: default if getattr(body, key) is None else getattr(body, key)
        for key, default in DEFAULTS.items()
    }
    settings["reclaim"] = None if body.reclaim is None else body.reclaim.model_dump()
    repo.insert_pool(
        ctx.conn,
        {
            "id": pool_id,
            "object_name": OBJECT,
            "name": body.name,
            "member_roles": [str(r) for r in dict.fromkeys(body.member_roles)],
            "settings": settings,
            "is_default": bool(body.default),
            "version": 1,
            "created_at": ctx.now,
            "created_by_id": ctx.actor.user_id,
            "updated_at": ctx.now,
            "updated_by_id": ctx.actor.user_id,
        },
    )
    if body.default:
        repo.clear_default(ctx.conn, OBJECT, pool_id)
    ctx.audit("pool.create", str(pool_id), {"name": body.name})
    return get_pool(ctx, pool_id)


def update_pool(
    ctx: Ctx, pool_id: UUID, body: PoolPatch, *, expected_version: int | None
) -> dict[str, Any]:
    """Change what ``body`` sends if the pool is still at the version read (412
    otherwise, 428 without one)."""
    _may_manage(ctx)
    row = _row(ctx, pool_id)
    version = expected_version if expected_version is not None else body.version
    check_version("the pool", row.version, version)
    sent = body.model_fields_set - {"version"}
    settings = dict(row.settings)
    for key in DEFAULTS:
        if key in sent:
            value = getattr(body, key)
            settings[key] = DEFAULTS[key] if value is None else value
    if "reclaim" in sent:
        settings["reclaim"] = None if body.reclaim is None else body.reclaim.model_dump()
    values: dict[str, Any] = {
        "settings": settings,
        "version": row.version + 1,
        "updated_at": ctx.now,
        "updated_by_id": ctx.actor.user_id,
    }
    if "name" in sent and body.name is not None:
        values["name"] = body.name
    if "member_roles" in sent and body.member_roles is not None:
        _check_roles(ctx, body.member_roles)
        values["member_roles"] = [str(r) for r in dict.fromkeys(body.member_roles)]
    if "default" in sent and body.default is not None:
        values["is_default"] = body.default
    if repo.update_pool(ctx.conn, row.id, row.version, values) != 1:
        raise stale("the pool", row.version + 1, row.version)
    if values.get("is_default"):
        repo.clear_default(ctx.conn, OBJECT, row.id)
    ctx.audit("pool.update", str(row.id), {"fields": sorted(sent)})
    return get_pool(ctx, row.id)


def pool_out(ctx: Ctx, row: Row[Any]) -> dict[str, Any]:
    """A pool as the API shows it."""
    settings: Mapping[str, Any] = row.settings
    return {
        "id": str(row.id),
        "name": row.name,
        "member_roles": list(row.member_roles),
        **{key: settings.get(key, default) for key, default in DEFAULTS.items()},
        "reclaim": settings.get("reclaim"),
        "default": row.is_default,
        "version": row.version,
        "created_at": plain(row.created_at, ctx.zone),
        "created_by_id": plain(row.created_by_id),
        "updated_at": plain(row.updated_at, ctx.zone),
        "updated_by_id": plain(row.updated_by_id),
    }


# -- the accounts in a pool --------------------------------------------------------------------
def list_pool_accounts(ctx: Ctx, pool_id: UUID, **query: Any) -> Page:
    """A page of the pool's accounts for a member: the records engine's list (filters,
    sorting, fields, cursors), the accounts in the pool readable beside the caller's own
    scope, bounded to the pool, in the one statement. Field permissions still hold."""
    pool = _visible(ctx, pool_id)
    table = ctx.snap.table(OBJECT)
    in_pool = [table.c.pool_state == "in_pool", table.c.pool == str(pool.id)]
    reader = replace(ctx.actor, policy=PoolReader.of(ctx.actor.policy, str(pool.id)))
    return reads.list_records(replace(ctx, actor=reader), OBJECT, extra_where=in_pool, **query)


@dataclass(frozen=True)
class PoolReader(Policy):
    """A caller's policy under which the accounts in one pool are readable too, wherever
    an account is read (the list, a lookup path through an account): their read
    predicate is ``<own scope> OR (pool_state = 'in_pool' AND pool = :pool)``. A policy
    of its own: a policy caches the predicates it built, and these must never be the
    caller's."""

    pool_id: str = ""

    @classmethod
    def of(cls, policy: Policy, pool_id: str) -> Policy:
        if policy.superuser:
            return policy
        kept = {f.name: getattr(policy, f.name) for f in fields(Policy) if f.init}
        return cls(**{**kept, "_predicates": {}}, pool_id=pool_id)

    def predicate(self, action: str, object_name: str, table: FromClause) -> ColumnElement[bool]:
        own = super().predicate(action, object_name, table)
        if action != "read" or object_name != OBJECT:
            return own
        pooled = and_(table.c.pool_state == "in_pool", table.c.pool == self.pool_id)
        return or_(own, pooled)


# -- claiming and releasing --------------------------------------------------------------------
def claim_account(ctx: Ctx, pool_id: UUID, account_id: UUID) -> dict[str, Any]:
    """Make the caller the owner of an account in the pool, if they are a member, own
    fewer accounts than the pool's limit and are not the previous owner within the
    cool-down. Of two claims at once the second finds it claimed (409 already_claimed)."""
    pool = _visible(ctx, pool_id)
    user_id = ctx.actor.user_id
    if user_id is None or not (ctx.actor.is_admin or _member(ctx, pool)):
        raise PermissionDenied("only members of the pool may claim its accounts")
    obj = ctx.snap.object(OBJECT)
    table = ctx.snap.table(OBJECT)
    repo.lock_claimer(ctx.conn, user_id)
    row = repo.lock_record(ctx.conn, table, account_id)
    if row is None or row.pool != str(pool.id):
        raise NotFound(f"no account with id {account_id} in this pool")
    if row.pool_state != "in_pool" or row.owner_id is not None:
        raise AlreadyClaimed(
            "the account has already been claimed",
            errors=[FieldError("account_id", "has already been claimed", "already_claimed")],
        )
    settings: Mapping[str, Any] = pool.settings
    cooldown = int(settings.get("cooldown_days", DEFAULTS["cooldown_days"]))
    returned = repo.last_returned(ctx.conn, account_id, user_id)
    if returned is not None and cooldown and returned + timedelta(days=cooldown) > ctx.now:
        until = returned + timedelta(days=cooldown)
        raise ClaimCooldown(
            f"you returned this account on {plain(returned, ctx.zone)}; you may claim it "
            f"again from {plain(until, ctx.zone)}",
            errors=[FieldError("account_id", "is cooling down for you", "claim_cooldown")],
            extra={"available_at": plain(until, ctx.zone), "cooldown_days": cooldown},
        )
    limit = int(settings.get("claim_limit", DEFAULTS["claim_limit"]))
    holding = repo.owned_count(ctx.conn, table, user_id)
    if holding >= limit:
        raise ClaimLimitReached(
            f"you own {holding} accounts; this pool lets a member own at most {limit}",
            errors=[FieldError("account_id", f"you own {holding} of {limit}", "claim_limit")],
            extra={"claim_limit": limit, "owned": holding},
        )
    protection = int(settings.get("protection_days", 0))
    update_current(
        ctx.elevated(),
        obj.name,
        account_id,
        {
            "owner_id": str(user_id),
            "pool_state": "owned",
            "claimed_at": ctx.now,
            "protected_until": ctx.now + timedelta(days=protection) if protection else None,
        },
    )
    repo.add_event(
        ctx.conn,
        pool_id=pool.id,
        object_name=OBJECT,
        record_id=account_id,
        user_id=user_id,
        actor_id=user_id,
        action="claim",
        at=ctx.now,
    )
    return reads.get_record(ctx, OBJECT, account_id)


def release_account(
    ctx: Ctx, account_id: UUID, *, pool_id: UUID | None = None, reason: str | None = None
) -> dict[str, Any]:
    """Return an owned account to a pool: ``pool_id``, else the one it was claimed from,
    else the default pool. Its owner may, and whoever may change its owner (a manager
    whose scope covers it); for anyone else it does not exist."""
    obj = ctx.snap.object(OBJECT)
    require(ctx, "update", obj)
    table = ctx.snap.table(OBJECT)
    row = repo.lock_record(ctx.conn, table, account_id)
    if row is None or not _may_transfer(ctx, account_id):
        raise NotFound(f"no account record with id {account_id}")
    if row.owner_id is None or row.pool_state == "in_pool":
        raise NotInPool("the account is already in a pool")
    pool = _target_pool(ctx, pool_id, row.pool)
    _move_to_pool(ctx, pool, row, action="release", reason=reason)
    return account_out(ctx, account_id)


def account_out(ctx: Ctx, account_id: UUID) -> dict[str, Any]:
    """The account as the caller may see it; once it left their hands, only what the
    move wrote (as an update shows a record given away)."""
    try:
        return reads.get_record(ctx, OBJECT, account_id)
    except NotFound:
        return written(ctx, ctx.snap.object(OBJECT), account_id)


def _move_to_pool(
    ctx: Ctx,
    pool: Row[Any],
    row: Row[Any],
    *,
    action: str,
    reason: str | None = None,
    owner: UUID | None = None,
) -> None:
    """Leave the account without an owner in ``pool``: through the records service
    (history, hooks), and in the pool's event log for the cool-down."""
    previous = owner or row.owner_id
    update_current(
        ctx.elevated(),
        OBJECT,
        row.id,
        {
            "owner_id": None,
            "previous_owner": None if previous is None else str(previous),
            "pool_state": "in_pool",
            "pool": str(pool.id),
            "released_at": ctx.now,
            "protected_until": None,
        },
        allow_unowned=True,
    )
    repo.add_event(
        ctx.conn,
        pool_id=pool.id,
        object_name=OBJECT,
        record_id=row.id,
        user_id=previous,
        actor_id=ctx.actor.user_id,
        action=action,
        at=ctx.now,
        reason=reason,
    )


def _target_pool(ctx: Ctx, asked: UUID | None, current: str | None) -> Row[Any]:
    if asked is not None:
        found = repo.pool(ctx.conn, asked)
        if found is None or found.object_name != OBJECT:
            raise ValidationFailed(
                "pool_id: no such pool",
                errors=[FieldError("pool_id", f"no pool with id {asked}", "not_found")],
            )
        return found
    pools = repo.pools(ctx.conn, OBJECT)
    for candidate in pools:
        if current is not None and str(candidate.id) == current:
            return candidate
    for candidate in pools:
        if candidate.is_default:
            return candidate
    raise ValidationFailed(
        "pool_id: the account came from no pool and there is no default pool",
        errors=[FieldError("pool_id", "name the pool to return the account to", "required")],
    )


def pool_events(ctx: Ctx, account_id: UUID) -> list[dict[str, Any]]:
    """An account's moves in and out of pools, oldest first, for whoever may read it."""
    reads.get_record(ctx, OBJECT, account_id, fields=["name"])  # 404 outside their sight
    return [
        {
            "action": row.action,
            "pool_id": str(row.pool_id),
            "user_id": plain(row.user_id),
            "actor_id": plain(row.actor_id),
            "at": plain(row.at, ctx.zone),
            "due_at": plain(row.due_at, ctx.zone),
            "reason": row.reason,
        }
        for row in repo.events(ctx.conn, account_id)
    ]


# -- reclaiming ---------------------------------------------------------------------------------
def reclaim_idle_accounts(ctx: Ctx, pool_id: UUID | None = None) -> dict[str, list[str]]:
    """Return to their pools the owned accounts idle for longer than the pool's reclaim
    rules allow, and warn each owner once, ``warn_days`` before, with a task.

    An owned account belongs to the pool it was claimed from (its ``pool``); one never
    in a pool, or whose pool is gone, to the default pool. Its clock starts at the later
    of its last activity (or won deal) and its claim, else at its creation, and a
    protection (registration or claim) holds it until it ends. Idempotent: a second run
    on the same day changes nothing. Run daily by the ``reclaim_idle_accounts`` job, or
    by an administrator (``POST /api/v1/sales/pools/{pool}/reclaim``)."""
    pools = repo.pools(ctx.conn, OBJECT)
    if pool_id is not None:
        _may_manage(ctx)
        pools = [p for p in pools if p.id == pool_id]
        if not pools:
            raise NotFound(f"no pool with id {pool_id}")
    known = [str(p.id) for p in repo.pools(ctx.conn, OBJECT)]
    table = ctx.snap.table(OBJECT)
    done: dict[str, list[str]] = {"reclaimed": [], "warned": []}
    for pool in pools:
        rules: Mapping[str, Any] | None = pool.settings.get("reclaim")
        if not rules:
            continue
        belongs: ColumnElement[bool] = table.c.pool == str(pool.id)
        if pool.is_default:
            belongs = or_(belongs, table.c.pool.is_(None), table.c.pool.not_in(known))
        _sweep(ctx, pool, rules, belongs, done)
    return done


def _sweep(
    ctx: Ctx,
    pool: Row[Any],
    rules: Mapping[str, Any],
    belongs: ColumnElement[bool],
    done: dict[str, list[str]],
) -> None:
    table = ctx.snap.table(OBJECT)
    warn = timedelta(days=int(rules.get("warn_days") or 0))
    idle_days = rules.get("days_without_activity")
    won_days = rules.get("days_without_won")
    rows = repo.idle_accounts(
        ctx.conn,
        table,
        pool_filter=belongs,
        activity_before=None if not idle_days else ctx.now - timedelta(days=idle_days) + warn,
        won_before=None if not won_days else ctx.now - timedelta(days=won_days) + warn,
        protected_before=ctx.now + warn,
    )
    warned = repo.warnings_given(ctx.conn, [r.id for r in rows])
    for row in rows:
        due = _due(row, idle_days, won_days)
        if due <= ctx.now:
            locked = repo.lock_record(ctx.conn, table, row.id)
            if locked is None or locked.owner_id != row.owner_id:
                continue  # changed hands meanwhile: next run judges it afresh
            _move_to_pool(ctx, pool, locked, action="reclaim", reason="reclaim")
            done["reclaimed"].append(str(row.id))
        elif warn and due - warn <= ctx.now and not _warned(ctx, warned, row, due):
            _warn(ctx, pool, row, due)
            done["warned"].append(str(row.id))


def _due(row: Row[Any], idle_days: int | None, won_days: int | None) -> datetime:
    """When the account goes back: the earlier rule, not before its protection ends."""
    start: datetime = row.claimed_at or row.created_at
    candidates: list[datetime] = []
    if idle_days:
        candidates.append(max(row.last_activity_at or row.created_at, start) + timedelta(idle_days))
    if won_days:
        candidates.append(max(row.last_won_at or row.created_at, start) + timedelta(won_days))
    due = min(candidates)
    protected: datetime | None = row.protected_until
    return protected if protected is not None and protected > due else due


def _warned(
    ctx: Ctx, given: set[tuple[UUID, UUID | None, datetime]], row: Row[Any], due: datetime
) -> bool:
    """Whether this owner was already warned of a reclaim on that day."""
    day = due.astimezone(ctx.zone).date()
    return any(
        record == row.id and owner == row.owner_id and at.astimezone(ctx.zone).date() == day
        for record, owner, at in given
    )


def _warn(ctx: Ctx, pool: Row[Any], row: Row[Any], due: datetime) -> None:
    """A task for the owner, due when the account goes back, linked to the account."""
    day = due.astimezone(ctx.zone).date().isoformat()
    name = str(row.name or "")[:60]
    create(
        ctx.elevated(),
        "task",
        {
            "subject": f"客户「{name}」将于 {day} 退回公海 / {name} returns to the pool on {day}",
            "due_at": due,
            "reminder_at": ctx.now,
            "priority": "high",
            "assignee": str(row.owner_id),
            "owner_id": str(row.owner_id),
            "account": str(row.id),
            "description": (
                f"跟进或赢单可避免客户退回公海「{pool.name}」。\n"
                f"Log an activity or win a deal to keep it out of the pool {pool.name}."
            ),
        },
    )
    repo.add_event(
        ctx.conn,
        pool_id=pool.id,
        object_name=OBJECT,
        record_id=row.id,
        user_id=row.owner_id,
        actor_id=ctx.actor.user_id,
        action="warn",
        at=ctx.now,
        due_at=due,
    )


# -- helpers -----------------------------------------------------------------------------------
def _manages(ctx: Ctx) -> bool:
    return ctx.actor.has_right(RIGHT)


def _may_manage(ctx: Ctx) -> None:
    if not _manages(ctx):
        raise PermissionDenied("managing customer pools takes the manage_automation right")


def _member_of(row: Row[Any], roles: set[UUID]) -> bool:
    return any(UUID(str(r)) in roles for r in row.member_roles)


def _member(ctx: Ctx, row: Row[Any]) -> bool:
    return _member_of(row, repo.role_ids_of(ctx.conn, ctx.actor.user_id))


def _row(ctx: Ctx, pool_id: UUID) -> Row[Any]:
    row = repo.pool(ctx.conn, pool_id)
    if row is None or row.object_name != OBJECT:
        raise NotFound(f"no pool with id {pool_id}")
    return row


def _visible(ctx: Ctx, pool_id: UUID) -> Row[Any]:
    """The pool, if the caller manages pools or is a member; else it does not exist."""
    row = _row(ctx, pool_id)
    if not (_manages(ctx) or _member(ctx, row)):
        raise NotFound(f"no pool with id {pool_id}")
    return row


def _may_transfer(ctx: Ctx, account_id: UUID) -> bool:
    table = ctx.snap.table(OBJECT)
    return (
        ctx.conn.execute(
            select(table.c.id).where(
                table.c.id == account_id, ctx.actor.policy.transfer_predicate(OBJECT, table)
            )
        ).first()
        is not None
    )


def _check_roles(ctx: Ctx, roles: list[UUID]) -> None:
    known = repo.known_roles(ctx.conn, roles)
    errors = [
        FieldError(f"member_roles[{i}]", f"no role with id {role}", "not_found")
        for i, role in enumerate(roles)
        if role not in known
    ]
    if errors:
        raise ValidationFailed(f"member_roles: {errors[0].message}", errors=errors)
