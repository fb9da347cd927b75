"""Checking an SLA policy before it is saved: every problem named by its place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import select

from guanxi.kernel.errors import FieldError, ValidationFailed
from guanxi.platform.access.tables import gx_user
from guanxi.platform.metadata.model import ObjectDef
from guanxi.platform.process import calendar_repository
from guanxi.platform.process.sla_schemas import METRICS
from guanxi.platform.query.filters import FilterCompiler
from guanxi.platform.query.paths import QueryScope
from guanxi.platform.records.context import Ctx


def check_policy(
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
    for part in ("on_breach", "on_warning"):
        errors += _action_problems(ctx, obj, d.get(part) or [], part)
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
    ctx: Ctx, obj: ObjectDef, actions: Sequence[Mapping[str, Any]], part: str
) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, action in enumerate(actions):
        if action["type"] == "reassign":
            user = UUID(str(action["user_id"]))
            if ctx.conn.execute(select(gx_user.c.id).where(gx_user.c.id == user)).first() is None:
                errors.append(
                    FieldError(f"{part}[{i}].user_id", f"no user with id {user}", "not_found")
                )
        elif action["type"] == "set_field":
            f = obj.get_field(action["field"])
            if f is None or f.archived:
                errors.append(
                    FieldError(
                        f"{part}[{i}].field",
                        f"no field {action['field']!r} on {obj.name}",
                        "unknown_field",
                    )
                )
            elif f.type == "picklist" and action.get("value") not in {
                o["value"] for o in f.opt("options") or []
            }:
                errors.append(
                    FieldError(
                        f"{part}[{i}].value",
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
