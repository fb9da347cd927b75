"""Automation rules (自动化规则): when a record of an object is written or a date comes,
and it meets a condition, do something — set fields, create a record or a task, assign
it, call a webhook.

A rule belongs to one object, named only through metadata. What it does is a published
**version**: a change publishes the next one and never edits an old one, so every run
names the version it ran (``GET /api/v1/automation/rules/{id}/runs``). Everything is
checked when the rule is saved — fields, values, the condition (the list view's filter
tree), the objects and rules its actions name — and every problem comes back at once,
each naming its place (``actions[1].values.level``). Running them is
:mod:`guanxi.platform.process.automation_runner`'s. Managing rules takes the
``manage_automation`` right.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from croniter import croniter
from sqlalchemy import delete, func, select
from sqlalchemy.engine import Row

from guanxi.kernel.errors import FieldError, PermissionDenied, ValidationFailed
from guanxi.platform.metadata.fieldtypes import field_type
from guanxi.platform.metadata.model import ObjectDef
from guanxi.platform.metadata.state import bump_version
from guanxi.platform.process.automation_runner import MERGE_FIELD, forget_rules
from guanxi.platform.process.automation_schemas import RuleIn, RulePatch, Trigger
from guanxi.platform.process.tables import (
    gx_approval_process,
    gx_assignment_rule,
    gx_automation_rule,
    gx_automation_run,
    gx_automation_version,
    gx_chat_robot,
    gx_webhook,
)
from guanxi.platform.process.versions import Definitions, check_version, invalid
from guanxi.platform.query.evaluate import RecordMatcher
from guanxi.platform.query.paths import QueryScope
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.values import plain

RIGHT = "manage_automation"
MAX_RUNS = 100  # per page of the run history
_WRITABLE_SYSTEM = {"owner_id"}


def create_rule(ctx: Ctx, body: RuleIn) -> dict[str, Any]:
    _may_manage(ctx)
    definition = _definition(
        ctx,
        body.object,
        body.trigger,
        body.condition,
        body.run_when or "every_time",
        [a.model_dump(mode="json", exclude_none=True) for a in body.actions],
    )
    rule_id = RULES.create(
        ctx,
        object_name=body.object,
        name=body.name,
        active=body.active,
        position=body.position,
        definition=definition,
    )
    _changed(ctx)
    ctx.audit("automation_rule.create", str(rule_id), {"object": body.object})
    return get_rule(ctx, rule_id)


def update_rule(
    ctx: Ctx, rule_id: UUID, body: RulePatch, *, expected_version: int | None
) -> dict[str, Any]:
    """Publish the next version with the parts ``body`` sends (412 if the rule moved on
    since the version read, 428 without one)."""
    _may_manage(ctx)
    row = _row(ctx, rule_id)
    check_version("the rule", row.version, expected_version or body.version)
    sent = body.model_fields_set - {"version"}
    old = _version(ctx, row.id, row.version)
    trigger = body.trigger if body.trigger is not None else Trigger.model_validate(old["trigger"])
    definition = _definition(
        ctx,
        row.object_name,
        trigger,
        body.condition if "condition" in sent else old.get("condition"),
        body.run_when or old.get("run_when") or "every_time",
        [a.model_dump(mode="json", exclude_none=True) for a in body.actions]
        if body.actions is not None
        else old["actions"],
    )
    RULES.publish(
        ctx, row, {n: getattr(body, n) for n in ("name", "position", "active")}, definition
    )
    _changed(ctx)
    ctx.audit("automation_rule.update", str(row.id), {"fields": sorted(sent)})
    return get_rule(ctx, row.id)


def delete_rule(ctx: Ctx, rule_id: UUID) -> None:
    """Delete a rule with its versions and run history."""
    _may_manage(ctx)
    row = _row(ctx, rule_id)
    ctx.conn.execute(delete(gx_automation_rule).where(gx_automation_rule.c.id == row.id))
    _changed(ctx)
    ctx.audit("automation_rule.delete", str(row.id), {"object": row.object_name})


def list_rules(ctx: Ctx, object_name: str | None = None) -> list[dict[str, Any]]:
    _may_manage(ctx)
    stmt = select(gx_automation_rule).order_by(
        gx_automation_rule.c.object_name,
        gx_automation_rule.c.position,
        gx_automation_rule.c.created_at,
    )
    if object_name is not None:
        stmt = stmt.where(gx_automation_rule.c.object_name == object_name)
    rows = ctx.conn.execute(stmt).all()
    last = _last_runs(ctx, [row.id for row in rows])
    return [
        {**_shown(ctx, row, _version(ctx, row.id, row.version)), "last_run": last.get(row.id)}
        for row in rows
    ]


def _last_runs(ctx: Ctx, rule_ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
    """Each rule's newest run (when and how it ended), in one statement for the list."""
    if not rule_ids:
        return {}
    r = gx_automation_run.c
    newest = (
        select(func.max(r.id)).where(r.rule_id.in_(rule_ids)).group_by(r.rule_id).scalar_subquery()
    )
    found = ctx.conn.execute(select(r.rule_id, r.status, r.started_at).where(r.id.in_(newest)))
    return {
        row.rule_id: {"status": row.status, "started_at": plain(row.started_at, ctx.zone)}
        for row in found
    }


def get_rule(ctx: Ctx, rule_id: UUID, version: int | None = None) -> dict[str, Any]:
    """The rule with its published version (or an earlier ``version``, as it was)."""
    _may_manage(ctx)
    row = _row(ctx, rule_id)
    return _shown(ctx, row, _version(ctx, row.id, version or row.version), version)


def runs(ctx: Ctx, rule_id: UUID, *, before: int | None = None, limit: int = 50) -> dict[str, Any]:
    """The rule's runs, newest first; ``next_before`` pages on."""
    _may_manage(ctx)
    _row(ctx, rule_id)
    stmt = select(gx_automation_run).where(gx_automation_run.c.rule_id == rule_id)
    if before is not None:
        stmt = stmt.where(gx_automation_run.c.id < before)
    rows = ctx.conn.execute(stmt.order_by(gx_automation_run.c.id.desc()).limit(limit + 1)).all()
    return {
        "runs": [
            {
                "id": r.id,
                "version": r.version,
                "record_id": plain(r.record_id),
                "trigger": r.trigger,
                "slot": r.slot,
                "status": r.status,
                "actions": r.outcomes,
                "error": r.error,
                "started_at": plain(r.started_at, ctx.zone),
                "actor_id": plain(r.actor_id),
            }
            for r in rows[:limit]
        ],
        "next_before": rows[limit - 1].id if len(rows) > limit else None,
    }


# -- checking a rule -------------------------------------------------------------------------
def _definition(
    ctx: Ctx,
    object_name: str,
    trigger: Trigger,
    condition: dict[str, Any] | None,
    run_when: str,
    actions: list[dict[str, Any]],
) -> dict[str, Any]:
    """The version's definition once every part is judged; all problems at once."""
    obj = ctx.snap.objects.get(object_name)
    if obj is None:
        raise _invalid([FieldError("object", f"no object named {object_name!r}", "unknown")])
    matcher = RecordMatcher(QueryScope(ctx.snap, obj, ctx.conn.dialect.name), ctx.now)
    errors: list[FieldError] = []
    _check_trigger(ctx, obj, trigger, matcher, errors)
    if condition is not None:
        try:
            matcher.check(condition)
        except ValidationFailed as error:
            errors += [FieldError(f"condition.{e.field}", e.message, e.code) for e in error.errors]
        else:
            if run_when == "starts_matching" and not matcher.can_decide(condition):
                errors.append(
                    FieldError(
                        "run_when",
                        "starts_matching needs a condition on the record's own fields "
                        "(not through a lookup, a formula or a roll-up, nor text order)",
                        "invalid",
                    )
                )
    for index, action in enumerate(actions):
        _check_action(ctx, obj, action, f"actions[{index}]", errors)
    if errors:
        raise _invalid(errors)
    return {
        "trigger": trigger.stored(),
        "condition": condition,
        "run_when": run_when,
        "actions": actions,
    }


def _check_trigger(
    ctx: Ctx, obj: ObjectDef, trigger: Trigger, matcher: RecordMatcher, errors: list[FieldError]
) -> None:
    if trigger.field is not None:
        f = obj.get_field(trigger.field)
        if f is None:
            errors.append(
                FieldError("trigger.field", f"{obj.name} has no field {trigger.field!r}", "unknown")
            )
            return
        if trigger.type == "date" and f.type not in ("date", "datetime"):
            errors.append(
                FieldError(
                    "trigger.field", "a date trigger needs a date or date-time field", "invalid"
                )
            )
        stored = trigger.stored()
        options = {o["value"] for o in f.opt("options") or []} if f.type == "picklist" else None
        for end in ("from", "to"):
            if end in stored and options is not None and stored[end] is not None:
                if stored[end] not in options:
                    errors.append(
                        FieldError(
                            f"trigger.{end}",
                            f"{stored[end]!r} is not an option of {f.name}",
                            "invalid",
                        )
                    )
            elif end in stored:
                try:
                    matcher.check({"field": f.name, "op": "eq", "value": stored[end]})
                except ValidationFailed as error:
                    errors += [
                        FieldError(f"trigger.{end}", e.message, e.code) for e in error.errors
                    ]
    cron = trigger.cron if trigger.type == "cron" else None
    if cron is not None and (len(cron.split()) != 5 or not croniter.is_valid(cron)):
        errors.append(
            FieldError(
                "trigger.cron",
                f"{cron!r} is not a cron time of five fields "
                "(minute hour day-of-month month day-of-week)",
                "invalid",
            )
        )


def _check_action(
    ctx: Ctx, obj: ObjectDef, action: dict[str, Any], where: str, errors: list[FieldError]
) -> None:
    kind = action["type"]
    if kind == "update_fields":
        target = obj
        if action.get("target"):
            lookup = obj.get_field(action["target"])
            if lookup is None or lookup.type != "lookup":
                errors.append(
                    FieldError(
                        f"{where}.target",
                        f"{obj.name} has no lookup {action['target']!r}",
                        "unknown",
                    )
                )
                return
            target = ctx.snap.object(lookup.opt("target"))
        _check_values(obj, target, action["values"], f"{where}.values", errors)
    elif kind == "create_record":
        made = ctx.snap.objects.get(action["object"])
        if made is None:
            errors.append(
                FieldError(f"{where}.object", f"no object named {action['object']!r}", "unknown")
            )
            return
        _check_values(obj, made, action["values"], f"{where}.values", errors)
    elif kind == "create_task":
        task = ctx.snap.objects.get("task")
        if task is None or task.get_field("subject") is None:
            errors.append(
                FieldError(f"{where}.type", "there is no task object with a subject", "unknown")
            )
        elif action.get("priority") is not None and task.get_field("priority") is not None:
            options = {o["value"] for o in task.get_field("priority").opt("options") or []}  # type: ignore[union-attr]
            if action["priority"] not in options:
                errors.append(
                    FieldError(
                        f"{where}.priority", f"{action['priority']!r} is not a priority", "invalid"
                    )
                )
        _check_merge(obj, action["subject"], f"{where}.subject", errors)
    elif kind == "assign":
        owner = ctx.conn.execute(
            select(gx_assignment_rule.c.object_name).where(
                gx_assignment_rule.c.id == UUID(str(action["rule_id"]))
            )
        ).scalar()
        if owner != obj.name:
            errors.append(
                FieldError(
                    f"{where}.rule_id", f"no assignment rule of {obj.name} with this id", "unknown"
                )
            )
    elif kind in ("notify", "send_email"):
        for part in ("title", "body", "subject", "text", "html"):
            if action.get(part):
                _check_merge(obj, action[part], f"{where}.{part}", errors)
    elif kind == "post_to_robot":
        found = ctx.conn.execute(
            select(gx_chat_robot.c.id).where(gx_chat_robot.c.id == UUID(str(action["robot_id"])))
        ).first()
        if found is None:
            errors.append(FieldError(f"{where}.robot_id", "no chat robot with this id", "unknown"))
        _check_merge(obj, action["text"], f"{where}.text", errors)
    elif kind == "submit_for_approval" and action.get("process_id"):
        owner = ctx.conn.execute(
            select(gx_approval_process.c.object_name).where(
                gx_approval_process.c.id == UUID(str(action["process_id"]))
            )
        ).scalar()
        if owner != obj.name:
            why = f"no approval process of {obj.name} with this id"
            errors.append(FieldError(f"{where}.process_id", why, "unknown"))
    elif kind == "webhook":
        found = ctx.conn.execute(
            select(gx_webhook.c.id).where(gx_webhook.c.id == UUID(str(action["webhook_id"])))
        ).first()
        if found is None:
            errors.append(FieldError(f"{where}.webhook_id", "no webhook with this id", "unknown"))


def check_actions(
    ctx: Ctx, obj: ObjectDef, actions: list[dict[str, Any]], where: str, errors: list[FieldError]
) -> None:
    """Judge actions of ``obj`` as a rule's are (approval processes' final actions),
    adding each problem at ``where[index]``."""
    for index, action in enumerate(actions):
        _check_action(ctx, obj, action, f"{where}[{index}]", errors)


def _check_values(
    source: ObjectDef,
    target: ObjectDef,
    values: dict[str, Any],
    where: str,
    errors: list[FieldError],
) -> None:
    for name, value in values.items():
        f = target.get_field(name)
        if name not in _WRITABLE_SYSTEM and (
            f is None
            or not field_type(f.type).stored
            or f.type in ("auto_number", "formula", "rollup")
        ):
            errors.append(
                FieldError(
                    f"{where}.{name}",
                    f"{target.name} has no field {name!r} a rule may set",
                    "unknown",
                )
            )
        elif isinstance(value, dict) and set(value) == {"copy"}:
            if (
                source.get_field(str(value["copy"])) is None
                and value["copy"] not in _WRITABLE_SYSTEM
            ):
                errors.append(
                    FieldError(
                        f"{where}.{name}",
                        f"{source.name} has no field {value['copy']!r} to copy",
                        "unknown",
                    )
                )
        elif isinstance(value, dict) and set(value) == {"today"}:
            if not isinstance(value["today"], int) or isinstance(value["today"], bool):
                errors.append(
                    FieldError(f"{where}.{name}", "today takes a number of days", "invalid")
                )
        elif isinstance(value, str):
            _check_merge(source, value, f"{where}.{name}", errors)


def _check_merge(obj: ObjectDef, text: str, where: str, errors: list[FieldError]) -> None:
    for match in MERGE_FIELD.finditer(text):
        name = match.group(1).split(".", 1)[0]
        if obj.get_field(name) is None and name not in (
            "id",
            "owner_id",
            "created_at",
            "updated_at",
        ):
            errors.append(
                FieldError(
                    where, f"{{{{{match.group(1)}}}}}: {obj.name} has no field {name!r}", "unknown"
                )
            )


# -- storage ---------------------------------------------------------------------------------
RULES = Definitions("the rule", gx_automation_rule, gx_automation_version, "rule_id")


def _version(ctx: Ctx, rule_id: UUID, version: int) -> dict[str, Any]:
    return RULES.definition(ctx, rule_id, version)


def _row(ctx: Ctx, rule_id: UUID) -> Row[Any]:
    return RULES.row(ctx, rule_id)


def _shown(
    ctx: Ctx, row: Row[Any], definition: dict[str, Any], version: int | None = None
) -> dict[str, Any]:
    return RULES.shown(ctx, row, definition, version)


def _changed(ctx: Ctx) -> None:
    # Every process drops its cached rules on its next request; this transaction at once.
    bump_version(ctx.conn)
    forget_rules(ctx)


_invalid = invalid


def _may_manage(ctx: Ctx) -> None:
    if not ctx.actor.has_right(RIGHT):
        raise PermissionDenied(f"managing automation rules needs the {RIGHT} right")
