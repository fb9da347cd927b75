"""SLA policies (服务等级协议): how long records of an object may wait.

A policy belongs to one object, named only through metadata, and times the records its
``condition`` (a filter tree) matches — the first active one by ``position`` that a
record meets. It gives business-minute targets for the first response and for
resolution per value of a picklist (``target_field``: priority, tier …) with a
``default_target`` for the rest; it counts on a calendar (the default one when it names
none); the clocks pause while the status is one of ``paused_statuses``; resolution is met
when the status enters ``resolved_statuses``, the first response as
``first_response_when`` says; a warning comes ``warn_before_minutes`` before the due
time; ``on_breach`` lists what should happen on a breach (notify the owner, reassign,
set a field) and ``on_warning`` the same at the warning, carried out once each by
:mod:`~guanxi.platform.process.sla_escalation`.

A change to a policy recomputes its running clocks from their original start. Managing
policies takes the ``manage_automation`` right.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Row

from guanxi.kernel.errors import (
    NotFound,
    PermissionDenied,
)
from guanxi.kernel.ids import uuid7
from guanxi.platform.metadata.registry import Snapshot
from guanxi.platform.metadata.state import bump_version
from guanxi.platform.process.sla_checks import check_policy
from guanxi.platform.process.sla_schemas import PolicyIn, PolicyPatch
from guanxi.platform.process.tables import gx_sla_policy
from guanxi.platform.process.versions import check_version, stale
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.values import plain

RIGHT = "manage_automation"
PARTS = (
    "target_field",
    "targets",
    "default_target",
    "status_field",
    "paused_statuses",
    "resolved_statuses",
    "first_response_when",
    "warn_before_minutes",
    "on_breach",
    "on_warning",
)
_CACHE_KEY = "_sla_policies"


@dataclass(frozen=True)
class Policy:
    """A policy as the clocks apply it."""

    id: UUID
    object_name: str
    calendar_id: UUID | None
    condition: Mapping[str, Any] | None
    target_field: str | None
    targets: Mapping[str, Mapping[str, int | None]]
    default_target: Mapping[str, int | None] | None
    status_field: str | None
    paused_statuses: frozenset[str]
    resolved_statuses: frozenset[str]
    first_response_field: str | None
    first_response_leaves: frozenset[str] | None
    warn_before_minutes: int
    on_breach: Sequence[Mapping[str, Any]]
    on_warning: Sequence[Mapping[str, Any]] = ()

    def minutes(self, metric: str, value: Any) -> int | None:
        """The target of ``metric`` for a record whose target field holds ``value``."""
        times = self.targets.get(str(value)) if value is not None else None
        if times is None:
            times = self.default_target
        return None if times is None else times.get(f"{metric}_minutes")

    @classmethod
    def of(cls, row: Row[Any]) -> Policy:
        d: Mapping[str, Any] = row.definition
        when = d.get("first_response_when") or {}
        leaves = when.get("status_leaves")
        return cls(
            id=row.id,
            object_name=row.object_name,
            calendar_id=row.calendar_id,
            condition=row.condition,
            target_field=d.get("target_field"),
            targets={t["value"]: t for t in d.get("targets") or []},
            default_target=d.get("default_target"),
            status_field=d.get("status_field"),
            paused_statuses=frozenset(d.get("paused_statuses") or ()),
            resolved_statuses=frozenset(d.get("resolved_statuses") or ()),
            first_response_field=when.get("field_set"),
            first_response_leaves=None if leaves is None else frozenset(leaves),
            warn_before_minutes=int(d.get("warn_before_minutes") or 0),
            on_breach=d.get("on_breach") or [],
            on_warning=d.get("on_warning") or [],
        )


def active_policies(ctx: Ctx, object_name: str) -> list[Policy]:
    """The object's active policies in the order they are tried.

    Read once per metadata snapshot: every change of a policy moves the metadata version
    (and drops this list from the snapshot its own transaction uses), so the write hook
    costs no statement for objects without policies."""
    cached: dict[str, list[Policy]] | None = ctx.snap.__dict__.get(_CACHE_KEY)
    if cached is None:
        cached = {}
        rows = ctx.conn.execute(
            select(gx_sla_policy)
            .where(gx_sla_policy.c.active.is_(True))
            .order_by(gx_sla_policy.c.position, gx_sla_policy.c.created_at, gx_sla_policy.c.id)
        )
        for row in rows:
            cached.setdefault(row.object_name, []).append(Policy.of(row))
        ctx.snap.__dict__[_CACHE_KEY] = cached
    return cached.get(object_name, [])


def forget_policies(snap: Snapshot) -> None:
    snap.__dict__.pop(_CACHE_KEY, None)


# -- managing policies ----------------------------------------------------------------------
def list_policies(ctx: Ctx, object_name: str | None = None) -> list[dict[str, Any]]:
    """Every policy (or one object's) in the order they are tried."""
    _may_manage(ctx)
    stmt = select(gx_sla_policy).order_by(
        gx_sla_policy.c.object_name,
        gx_sla_policy.c.position,
        gx_sla_policy.c.created_at,
        gx_sla_policy.c.id,
    )
    if object_name is not None:
        stmt = stmt.where(gx_sla_policy.c.object_name == object_name)
    return [policy_out(ctx, row) for row in ctx.conn.execute(stmt)]


def get_policy(ctx: Ctx, policy_id: UUID) -> dict[str, Any]:
    _may_manage(ctx)
    return policy_out(ctx, _row(ctx, policy_id))


def create_policy(ctx: Ctx, body: PolicyIn) -> dict[str, Any]:
    """A new policy, checked whole: every problem comes back at once, naming its place
    (``targets[1].value``). It times the records created (or first matching it) from now
    on."""
    _may_manage(ctx)
    definition = {part: _dumped(body, part) for part in PARTS}
    definition = check_policy(ctx, body.object, body.calendar_id, body.condition, definition)
    position = body.position
    if position is None:
        last = ctx.conn.execute(
            select(func.max(gx_sla_policy.c.position)).where(
                gx_sla_policy.c.object_name == body.object
            )
        ).scalar()
        position = 0 if last is None else last + 1
    policy_id = uuid7()
    ctx.conn.execute(
        insert(gx_sla_policy).values(
            id=policy_id,
            object_name=body.object,
            name=body.name,
            calendar_id=body.calendar_id,
            condition=body.condition,
            definition=definition,
            position=position,
            active=True if body.active is None else body.active,
            version=1,
            created_at=ctx.now,
            created_by_id=ctx.actor.user_id,
            updated_at=ctx.now,
            updated_by_id=ctx.actor.user_id,
        )
    )
    _policies_changed(ctx)
    ctx.audit("sla_policy.create", str(policy_id), {"object": body.object})
    return get_policy(ctx, policy_id)


def update_policy(
    ctx: Ctx, policy_id: UUID, body: PolicyPatch, *, expected_version: int | None
) -> dict[str, Any]:
    """Change the parts ``body`` sends if the policy is still at the version read (412
    otherwise, 428 without one), then recompute its clocks from their original start; an
    inactive policy's clocks are removed."""
    from guanxi.platform.process import sla_clocks

    _may_manage(ctx)
    row = _row(ctx, policy_id)
    version = expected_version if expected_version is not None else body.version
    check_version("the policy", row.version, version)
    sent = body.model_fields_set - {"version"}
    definition = dict(row.definition)
    for part in PARTS:
        if part in sent:
            definition[part] = _dumped(body, part)
    calendar_id = body.calendar_id if "calendar_id" in sent else row.calendar_id
    condition = body.condition if "condition" in sent else row.condition
    definition = check_policy(ctx, row.object_name, calendar_id, condition, definition)
    values: dict[str, Any] = {
        "definition": definition,
        "calendar_id": calendar_id,
        "condition": condition,
        "version": row.version + 1,
        "updated_at": ctx.now,
        "updated_by_id": ctx.actor.user_id,
    }
    for name in ("name", "position", "active"):
        if name in sent and getattr(body, name) is not None:
            values[name] = getattr(body, name)
    changed = ctx.conn.execute(
        update(gx_sla_policy)
        .where(gx_sla_policy.c.id == row.id, gx_sla_policy.c.version == row.version)
        .values(**values)
    ).rowcount
    if changed != 1:
        raise stale("the policy", row.version + 1, row.version)
    _policies_changed(ctx)
    ctx.audit("sla_policy.update", str(row.id), {"fields": sorted(sent)})
    if values.get("active", row.active):
        sla_clocks.recompute(ctx, policy_id=row.id)
    else:
        sla_clocks.remove_clocks(ctx, row.id)
    return get_policy(ctx, row.id)


def delete_policy(ctx: Ctx, policy_id: UUID) -> None:
    """Delete a policy and its clocks."""
    _may_manage(ctx)
    row = _row(ctx, policy_id)
    ctx.conn.execute(delete(gx_sla_policy).where(gx_sla_policy.c.id == row.id))
    _policies_changed(ctx)
    ctx.audit("sla_policy.delete", str(row.id), {"object": row.object_name})


def policy_out(ctx: Ctx, row: Row[Any]) -> dict[str, Any]:
    """A policy as the API shows it."""
    d: Mapping[str, Any] = row.definition
    return {
        "id": str(row.id),
        "object": row.object_name,
        "name": row.name,
        "condition": row.condition,
        "calendar_id": None if row.calendar_id is None else str(row.calendar_id),
        **{part: d.get(part) for part in PARTS},
        "targets": d.get("targets") or [],
        "paused_statuses": d.get("paused_statuses") or [],
        "resolved_statuses": d.get("resolved_statuses") or [],
        "warn_before_minutes": d.get("warn_before_minutes") or 0,
        "on_breach": d.get("on_breach") or [],
        "on_warning": d.get("on_warning") or [],
        "position": row.position,
        "active": row.active,
        "version": row.version,
        "created_at": plain(row.created_at, ctx.zone),
        "created_by_id": None if row.created_by_id is None else str(row.created_by_id),
        "updated_at": plain(row.updated_at, ctx.zone),
        "updated_by_id": None if row.updated_by_id is None else str(row.updated_by_id),
    }


def _policies_changed(ctx: Ctx) -> None:
    # Every process drops its cached policies on its next request; this transaction at once.
    bump_version(ctx.conn)
    forget_policies(ctx.snap)


# -- checking a policy -----------------------------------------------------------------------
def _dumped(body: PolicyIn | PolicyPatch, part: str) -> Any:
    value = getattr(body, part)
    if value is None:
        return None
    if isinstance(value, list):
        return [
            item.model_dump(mode="json", exclude_none=True) if hasattr(item, "model_dump") else item
            for item in value
        ]
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_none=True)
    return value


# -- who may do what --------------------------------------------------------------------------
def _may_manage(ctx: Ctx) -> None:
    if not ctx.actor.has_right(RIGHT):
        raise PermissionDenied(f"managing SLA policies needs the {RIGHT} right")


def _row(ctx: Ctx, policy_id: UUID) -> Row[Any]:
    row = ctx.conn.execute(select(gx_sla_policy).where(gx_sla_policy.c.id == policy_id)).first()
    if row is None:
        raise NotFound(f"no SLA policy with id {policy_id}")
    return row
