"""Assignment rules: who becomes the owner of a record as it arrives (线索分配).

A rule belongs to one object, named only through metadata, so leads today and tickets
later share it. Its strategy is

- ``round_robin``: the members take turns;
- ``load_balanced``: the member owning the fewest open records (``open_condition``, a
  filter tree; none: every live record counts) takes it, ties in turn order;
- ``criteria``: entries ``{"condition", "strategy", "members", "open_condition"?}``
  tried in order, the first whose condition the record meets deciding, else the
  ``fallback`` pool (none: the record keeps its owner).

Members are a list of users (turns in the order given) or a department (optionally with
those under it), a role or a team, resolved when a record is assigned and taking turns in
order of user id. Inactive users and users locked out of signing in are skipped.

:func:`assign` runs inside the caller's unit of work and never commits: a web-to-lead
submission creates the lead and assigns it in one transaction. It locks the rule's state
row, so concurrent arrivals on one rule take their turns one after another.

Managing rules takes the ``manage_automation`` right; running one takes only what
changing the record's owner takes (the records service checks it).
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Row

from guanxi.kernel.errors import (
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    invalid,
)
from guanxi.kernel.ids import uuid7
from guanxi.platform.access.tables import gx_department, gx_role, gx_team, gx_user
from guanxi.platform.metadata.model import ObjectDef
from guanxi.platform.process import assignment_repository as repo
from guanxi.platform.process.assignment_schemas import RuleIn, RulePatch
from guanxi.platform.process.tables import gx_assignment_rule
from guanxi.platform.process.versions import check_version, stale
from guanxi.platform.query.filters import FilterCompiler
from guanxi.platform.query.paths import QueryScope
from guanxi.platform.records.context import Ctx, current, require
from guanxi.platform.records.updates import update_record
from guanxi.platform.records.values import plain

RIGHT = "manage_automation"
PARTS = ("members", "open_condition", "criteria", "fallback")
# What each strategy reads of a rule; the rest must be left out.
USES: dict[str, frozenset[str]] = {
    "round_robin": frozenset({"members"}),
    "load_balanced": frozenset({"members", "open_condition"}),
    "criteria": frozenset({"criteria", "fallback"}),
}


# -- managing rules -----------------------------------------------------------------------
def list_rules(ctx: Ctx, object_name: str | None = None) -> list[dict[str, Any]]:
    """Every rule (or those of one object), oldest first."""
    _may_manage(ctx)
    stmt = select(gx_assignment_rule).order_by(
        gx_assignment_rule.c.created_at, gx_assignment_rule.c.id
    )
    if object_name is not None:
        stmt = stmt.where(gx_assignment_rule.c.object_name == object_name)
    return [rule_out(ctx, row) for row in ctx.conn.execute(stmt)]


def get_rule(ctx: Ctx, rule_id: UUID) -> dict[str, Any]:
    _may_manage(ctx)
    return rule_out(ctx, _row(ctx, rule_id))


def create_rule(ctx: Ctx, body: RuleIn) -> dict[str, Any]:
    """A new rule, checked whole: every problem comes back at once, each naming its place
    (``criteria[1].members.id``)."""
    _may_manage(ctx)
    definition = {part: _dumped(body, part) for part in PARTS}
    _check(ctx, body.object, body.strategy, definition)
    rule_id = uuid7()
    ctx.conn.execute(
        insert(gx_assignment_rule).values(
            id=rule_id,
            object_name=body.object,
            name=body.name,
            strategy=body.strategy,
            definition=definition,
            active=True if body.active is None else body.active,
            version=1,
            created_at=ctx.now,
            created_by_id=ctx.actor.user_id,
            updated_at=ctx.now,
            updated_by_id=ctx.actor.user_id,
        )
    )
    repo.create_state(ctx.conn, rule_id, ctx.now)
    ctx.audit("assignment_rule.create", str(rule_id), {"object": body.object})
    return get_rule(ctx, rule_id)


def update_rule(
    ctx: Ctx, rule_id: UUID, body: RulePatch, *, expected_version: int | None
) -> dict[str, Any]:
    """Change the parts ``body`` sends if the rule is still at the version read (412
    otherwise, 428 without one). A new strategy drops the parts it does not read."""
    _may_manage(ctx)
    row = _row(ctx, rule_id)
    version = expected_version if expected_version is not None else body.version
    check_version("the rule", row.version, version)
    sent = body.model_fields_set
    strategy = body.strategy if "strategy" in sent and body.strategy else row.strategy
    definition = dict(row.definition)
    for part in PARTS:
        if part in sent:
            definition[part] = _dumped(body, part)
        elif part not in USES[strategy]:
            definition[part] = None
    _check(ctx, row.object_name, strategy, definition)
    values: dict[str, Any] = {
        "strategy": strategy,
        "definition": definition,
        "version": row.version + 1,
        "updated_at": ctx.now,
        "updated_by_id": ctx.actor.user_id,
    }
    if "name" in sent and body.name is not None:
        values["name"] = body.name
    if "active" in sent and body.active is not None:
        values["active"] = body.active
    changed = ctx.conn.execute(
        update(gx_assignment_rule)
        .where(gx_assignment_rule.c.id == row.id, gx_assignment_rule.c.version == row.version)
        .values(**values)
    ).rowcount
    if changed != 1:
        raise stale("the rule", row.version + 1, row.version)
    ctx.audit("assignment_rule.update", str(row.id), {"fields": sorted(sent - {"version"})})
    return get_rule(ctx, row.id)


def delete_rule(ctx: Ctx, rule_id: UUID) -> None:
    """Delete a rule and its rotation state; records it assigned keep their owners."""
    _may_manage(ctx)
    row = _row(ctx, rule_id)
    ctx.conn.execute(delete(gx_assignment_rule).where(gx_assignment_rule.c.id == row.id))
    ctx.audit("assignment_rule.delete", str(row.id), {"object": row.object_name})


def rule_out(ctx: Ctx, row: Row[Any]) -> dict[str, Any]:
    """A rule as the API shows it."""
    definition: Mapping[str, Any] = row.definition or {}
    return {
        "id": str(row.id),
        "object": row.object_name,
        "name": row.name,
        "strategy": row.strategy,
        "members": definition.get("members"),
        "open_condition": definition.get("open_condition"),
        "criteria": definition.get("criteria") or [],
        "fallback": definition.get("fallback"),
        "active": row.active,
        "version": row.version,
        "created_at": plain(row.created_at, ctx.zone),
        "created_by_id": None if row.created_by_id is None else str(row.created_by_id),
        "updated_at": plain(row.updated_at, ctx.zone),
        "updated_by_id": None if row.updated_by_id is None else str(row.updated_by_id),
    }


# -- assigning ------------------------------------------------------------------------------
def assign(ctx: Ctx, rule_id: UUID, object_name: str, record_id: UUID) -> UUID | None:
    """Give the record to the member whose turn it is under the rule, through the records
    service (history and write hooks apply), and return that user's id.

    None, and the record keeps its owner, when the rule is inactive, no criterion and no
    fallback fits the record, or no member is active. Runs in the caller's transaction and
    does not commit; the rule's state row stays locked until that transaction ends.
    """
    rule = _row(ctx, rule_id)
    if rule.object_name != object_name:
        raise invalid("object", f"the rule assigns {rule.object_name} records, not {object_name}")
    obj = ctx.snap.object(object_name)
    require(ctx, "update", obj)
    if not rule.active:
        return None
    state = repo.lock_state(ctx.conn, rule.id, ctx.now)
    record = current(ctx, obj, record_id)  # in the caller's update scope, locked; else 404
    chosen = _pool(ctx, rule, record_id)
    if chosen is None:
        return None
    slot, pool = chosen
    members: Mapping[str, Any] = pool["members"]
    rows = repo.member_rows(ctx.conn, members)
    ready = repo.eligible(rows, ctx.now)
    if not ready:
        return None
    last_assigned: dict[str, str] = dict(state.last_assigned or {})
    last = last_assigned.get(slot)
    turns = _turns(
        [r.id for r in rows], ready, UUID(last) if last else None, members["type"] != "users"
    )
    if pool["strategy"] == "load_balanced":
        counts = repo.open_counts(
            ctx.conn,
            ctx.snap,
            obj,
            turns,
            pool.get("open_condition"),
            ctx.now,
            besides=record_id,
        )
        fewest = min(counts.values())
        owner = next(u for u in turns if counts[u] == fewest)
    else:
        owner = turns[0]
    last_assigned[slot] = str(owner)
    repo.save_state(ctx.conn, rule.id, last_assigned, state.assigned_count + 1, ctx.now)
    if record.owner_id != owner:
        update_record(
            ctx, obj.name, record_id, {"owner_id": str(owner)}, expected_version=record.version
        )
    return owner


def rule_object(ctx: Ctx, rule_id: UUID) -> str:
    """The object whose records the rule assigns (404 for no such rule)."""
    return str(_row(ctx, rule_id).object_name)


def _pool(ctx: Ctx, rule: Row[Any], record_id: UUID) -> tuple[str, Mapping[str, Any]] | None:
    """The pool that takes the record, with the name its turns are kept under."""
    definition: Mapping[str, Any] = rule.definition
    if rule.strategy != "criteria":
        return "members", {
            "strategy": rule.strategy,
            "members": definition["members"],
            "open_condition": definition.get("open_condition"),
        }
    criteria: list[Mapping[str, Any]] = definition.get("criteria") or []
    obj = ctx.snap.object(rule.object_name)
    met = repo.criteria_met(
        ctx.conn, ctx.snap, obj, record_id, [c["condition"] for c in criteria], ctx.now
    )
    for i, (criterion, yes) in enumerate(zip(criteria, met, strict=True)):
        if yes:
            return f"criteria.{i}", criterion
    fallback = definition.get("fallback")
    return ("fallback", fallback) if fallback else None


def _turns(
    order: Sequence[UUID], ready: Sequence[UUID], last: UUID | None, by_id: bool
) -> list[UUID]:
    """The eligible members in the order their turns come, starting after ``last``.

    ``order`` holds every member, eligible or not, so a turn passes on correctly from a
    user who has since been deactivated; one who left the members altogether is placed by
    user id where the turns go by id, else the turns start over."""
    start = 0
    if last in order:
        start = order.index(last) + 1
    elif last is not None and by_id:
        start = bisect.bisect_right(list(order), last)
    willing = set(ready)
    return [u for u in (*order[start:], *order[:start]) if u in willing]


# -- checking a rule --------------------------------------------------------------------------
def _dumped(body: RuleIn | RulePatch, part: str) -> Any:
    value = getattr(body, part)
    if value is None:
        return None
    if isinstance(value, list):
        return [item.model_dump(mode="json", exclude_none=True) for item in value] or None
    if isinstance(value, dict):
        return value
    return value.model_dump(mode="json", exclude_none=True)


def _check(ctx: Ctx, object_name: str, strategy: str, definition: dict[str, Any]) -> None:
    """Refuse a rule that could not run, naming every problem."""
    obj = ctx.snap.objects.get(object_name)
    if obj is None or obj.archived:
        raise ValidationFailed(
            f"object: no object named {object_name!r}",
            errors=[FieldError("object", f"no object named {object_name!r}", "not_found")],
        )
    errors: list[FieldError] = []
    for part in PARTS:
        if definition.get(part) is not None and part not in USES[strategy]:
            errors.append(FieldError(part, f"a {strategy} rule has no {part}", "invalid"))
    if strategy == "criteria":
        if not definition.get("criteria"):
            errors.append(FieldError("criteria", "name at least one criterion", "required"))
        for i, criterion in enumerate(definition.get("criteria") or []):
            errors += _filter_problems(ctx, obj, criterion["condition"], f"criteria[{i}].condition")
            errors += _pool_problems(ctx, obj, criterion, f"criteria[{i}].")
        if definition.get("fallback"):
            errors += _pool_problems(ctx, obj, definition["fallback"], "fallback.")
    else:
        errors += _pool_problems(ctx, obj, {"strategy": strategy, **definition}, "")
    if errors:
        raise ValidationFailed(
            f"the rule is not valid: {errors[0].field}: {errors[0].message}"
            + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
            errors=errors,
        )


def _pool_problems(
    ctx: Ctx, obj: ObjectDef, pool: Mapping[str, Any], prefix: str
) -> list[FieldError]:
    errors: list[FieldError] = []
    members = pool.get("members")
    if members is None:
        errors.append(FieldError(f"{prefix}members", "name who takes the records", "required"))
    else:
        errors += _member_problems(ctx, members, f"{prefix}members")
    condition = pool.get("open_condition")
    if condition is not None:
        if pool["strategy"] != "load_balanced":
            if not prefix:  # the rule's own: told once, as a part its strategy does not read
                return errors
            errors.append(
                FieldError(
                    f"{prefix}open_condition", "only load_balanced counts open records", "invalid"
                )
            )
        else:
            errors += _filter_problems(ctx, obj, condition, f"{prefix}open_condition")
    return errors


def _member_problems(ctx: Ctx, members: Mapping[str, Any], where: str) -> list[FieldError]:
    kind = members["type"]
    if kind == "users":
        ids = [UUID(str(i)) for i in members["ids"]]
        known = set(ctx.conn.execute(select(gx_user.c.id).where(gx_user.c.id.in_(ids))).scalars())
        return [
            FieldError(f"{where}.ids[{i}]", f"no user with id {user_id}", "not_found")
            for i, user_id in enumerate(ids)
            if user_id not in known
        ]
    table = {"department": gx_department, "role": gx_role, "team": gx_team}[kind]
    target = UUID(str(members["id"]))
    if ctx.conn.execute(select(table.c.id).where(table.c.id == target)).first() is None:
        return [FieldError(f"{where}.id", f"no {kind} with id {target}", "not_found")]
    return []


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
        raise PermissionDenied(f"managing assignment rules needs the {RIGHT} right")


def _row(ctx: Ctx, rule_id: UUID) -> Row[Any]:
    row = ctx.conn.execute(
        select(gx_assignment_rule).where(gx_assignment_rule.c.id == rule_id)
    ).first()
    if row is None:
        raise NotFound(f"no assignment rule with id {rule_id}")
    return row
