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
set a field), kept as data for the rule engine to carry out.

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
    FieldError,
    NotFound,
    PermissionDenied,
    PreconditionRequired,
    ValidationFailed,
    VersionConflict,
)
from guanxi.kernel.ids import uuid7
from guanxi.platform.access.tables import gx_user
from guanxi.platform.metadata.model import ObjectDef
from guanxi.platform.metadata.registry import Snapshot
from guanxi.platform.metadata.state import bump_version
from guanxi.platform.process import calendar_repository
from guanxi.platform.process.sla_schemas import METRICS, PolicyIn, PolicyPatch
from guanxi.platform.process.tables import gx_sla_policy
from guanxi.platform.query.filters import FilterCompiler
from guanxi.platform.query.paths import QueryScope
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
    definition = _check(ctx, body.object, body.calendar_id, body.condition, definition)
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
    if version is None:
        raise PreconditionRequired(
            'send If-Match: "<version>" or a version in the body',
            errors=[FieldError("version", "is required to change a policy", "required")],
        )
    if version != row.version:
        raise _stale(row.version, version)
    sent = body.model_fields_set - {"version"}
    definition = dict(row.definition)
    for part in PARTS:
        if part in sent:
            definition[part] = _dumped(body, part)
    calendar_id = body.calendar_id if "calendar_id" in sent else row.calendar_id
    condition = body.condition if "condition" in sent else row.condition
    definition = _check(ctx, row.object_name, calendar_id, condition, definition)
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
        raise _stale(row.version + 1, version)
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


def _check(
    ctx: Ctx,
    object_name: str,
    calendar_id: UUID | None,
    condition: Mapping[str, Any] | None,
    definition: dict[str, Any],
) -> dict[str, Any]:
    """Refuse a policy that could not run, naming every problem; the definition with its
    defaults filled in (``status_field`` "status", first response when the status leaves
    "new") otherwise."""
    obj = ctx.snap.objects.get(object_name)
    if obj is None or obj.archived:
        raise ValidationFailed(
            f"object: no object named {object_name!r}",
            errors=[FieldError("object", f"no object named {object_name!r}", "not_found")],
        )
    d = dict(definition)
    errors: list[FieldError] = []
    if calendar_id is not None:
        if calendar_repository.calendar_row(ctx.conn, calendar_id) is None:
            errors.append(
                FieldError("calendar_id", f"no calendar with id {calendar_id}", "not_found")
            )
    elif calendar_repository.default_row(ctx.conn) is None:
        errors.append(
            FieldError("calendar_id", "there is no default calendar: name one", "required")
        )
    if condition is not None:
        errors += _filter_problems(ctx, obj, condition, "condition")
    targets: list[dict[str, Any]] = d.get("targets") or []
    if d.get("target_field") is not None:
        options = _picklist(obj, d["target_field"], "target_field", errors)
        seen: set[str] = set()
        for i, target in enumerate(targets):
            if options is not None and target["value"] not in options:
                errors.append(
                    FieldError(
                        f"targets[{i}].value",
                        f"{target['value']!r} is not an option of {d['target_field']}",
                        "invalid",
                    )
                )
            if target["value"] in seen:
                errors.append(FieldError(f"targets[{i}].value", "is named twice", "duplicate"))
            seen.add(target["value"])
    elif targets:
        errors.append(
            FieldError(
                "target_field", "name the field whose values the targets are for", "required"
            )
        )
    for i, target in enumerate(targets):
        if not any(target.get(f"{m}_minutes") for m in METRICS):
            errors.append(
                FieldError(
                    f"targets[{i}]", "give a first response or a resolution target", "required"
                )
            )
    if not targets and not d.get("default_target"):
        errors.append(FieldError("targets", "give targets or a default_target", "required"))
    elif d.get("default_target") is not None and not any(
        d["default_target"].get(f"{m}_minutes") for m in METRICS
    ):
        errors.append(
            FieldError("default_target", "give a first response or a resolution target", "required")
        )
    times = [*targets, d.get("default_target") or {}]
    first = any(t.get("first_response_minutes") for t in times)
    resolution = any(t.get("resolution_minutes") for t in times)
    when = d.get("first_response_when")
    if first and not when:
        when = d["first_response_when"] = {"status_leaves": ["new"]}
    uses_status = bool(
        d.get("paused_statuses") or d.get("resolved_statuses") or (when or {}).get("status_leaves")
    )
    if uses_status and not d.get("status_field"):
        d["status_field"] = "status"
    status_options = None
    if d.get("status_field"):
        status_options = _picklist(obj, d["status_field"], "status_field", errors)
    for part in ("paused_statuses", "resolved_statuses"):
        for i, value in enumerate(d.get(part) or []):
            if status_options is not None and value not in status_options:
                errors.append(FieldError(f"{part}[{i}]", f"{value!r} is not a status", "invalid"))
    both = set(d.get("paused_statuses") or ()) & set(d.get("resolved_statuses") or ())
    if both:
        errors.append(
            FieldError("paused_statuses", f"{sorted(both)} are resolved statuses too", "invalid")
        )
    if resolution and not d.get("resolved_statuses"):
        errors.append(
            FieldError("resolved_statuses", "name the statuses that resolve a record", "required")
        )
    if when:
        if not when.get("field_set") and not when.get("status_leaves"):
            errors.append(
                FieldError("first_response_when", "give field_set or status_leaves", "required")
            )
        if when.get("field_set") and obj.get_field(when["field_set"]) is None:
            errors.append(
                FieldError(
                    "first_response_when.field_set",
                    f"no field {when['field_set']!r}",
                    "unknown_field",
                )
            )
        for i, value in enumerate(when.get("status_leaves") or []):
            if status_options is not None and value not in status_options:
                errors.append(
                    FieldError(
                        f"first_response_when.status_leaves[{i}]",
                        f"{value!r} is not a status",
                        "invalid",
                    )
                )
    errors += _action_problems(ctx, obj, d.get("on_breach") or [])
    if errors:
        raise ValidationFailed(
            f"the policy is not valid: {errors[0].field}: {errors[0].message}"
            + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
            errors=errors,
        )
    return d


def _picklist(obj: ObjectDef, name: str, where: str, errors: list[FieldError]) -> set[str] | None:
    f = obj.get_field(name)
    if f is None or f.archived:
        errors.append(FieldError(where, f"no field {name!r} on {obj.name}", "unknown_field"))
        return None
    if f.type != "picklist":
        errors.append(FieldError(where, f"{name} is a {f.type}, not a picklist", "invalid"))
        return None
    return {str(o["value"]) for o in f.opt("options") or []}


def _action_problems(
    ctx: Ctx, obj: ObjectDef, actions: Sequence[Mapping[str, Any]]
) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, action in enumerate(actions):
        if action["type"] == "reassign":
            user = UUID(str(action["user_id"]))
            if ctx.conn.execute(select(gx_user.c.id).where(gx_user.c.id == user)).first() is None:
                errors.append(
                    FieldError(f"on_breach[{i}].user_id", f"no user with id {user}", "not_found")
                )
        elif action["type"] == "set_field":
            f = obj.get_field(action["field"])
            if f is None or f.archived:
                errors.append(
                    FieldError(
                        f"on_breach[{i}].field",
                        f"no field {action['field']!r} on {obj.name}",
                        "unknown_field",
                    )
                )
            elif f.type == "picklist" and action.get("value") not in {
                o["value"] for o in f.opt("options") or []
            }:
                errors.append(
                    FieldError(
                        f"on_breach[{i}].value",
                        f"{action.get('value')!r} is not an option of {f.name}",
                        "invalid",
                    )
                )
    return errors


def _filter_problems(ctx: Ctx, obj: ObjectDef, tree: Any, where: str) -> list[FieldError]:
    """A condition is compiled as the list compiles it, against its editor's permissions."""
    scope = QueryScope(ctx.snap, obj, ctx.conn.dialect.name, ctx.actor.policy)
    try:
        FilterCompiler(scope, ctx.now).compile(tree)
    except ValidationFailed as error:
        return [FieldError(where, f"{e.field}: {e.message}", e.code) for e in error.errors]
    return []


# -- who may do what --------------------------------------------------------------------------
def _may_manage(ctx: Ctx) -> None:
    if not ctx.actor.has_right(RIGHT):
        raise PermissionDenied(f"managing SLA policies needs the {RIGHT} right")


def _row(ctx: Ctx, policy_id: UUID) -> Row[Any]:
    row = ctx.conn.execute(select(gx_sla_policy).where(gx_sla_policy.c.id == policy_id)).first()
    if row is None:
        raise NotFound(f"no SLA policy with id {policy_id}")
    return row


def _stale(current_version: int, sent: int) -> VersionConflict:
    return VersionConflict(
        f"the policy is at version {current_version}, not {sent}",
        errors=[FieldError("version", f"is {current_version} now", "stale")],
        extra={"current_version": current_version},
    )
