"""Running automation rules: on record writes, inside the write's transaction, and on
dates, from an hourly sweep.

**On writes.** The :class:`Automation` write hook sees every write of the records service
(ADR 0017). For each active rule of the object, in ``position`` order, it asks whether the
trigger fired (created, updated, a field changed from / to, deleted) and whether the
record meets the condition, decided in Python from the written values
(:class:`~guanxi.platform.query.evaluate.RecordMatcher`) or, for what Python leaves to SQL,
by one statement on the record. ``starts_matching`` rules run only when the write makes
the record start to meet the condition. The actions then run in order, inside a savepoint
of the write's transaction, with the system's rights recorded as the acting user (ADR
0026): what they write has its history and sets off other rules in turn, and a rolled-back
write takes its rules' work with it. An action that fails rolls back the rule's other
actions (the savepoint), not the user's write; either way a run row records each action's
outcome.

**Loops.** A rule runs at most once per record in one transaction, and rules run inside
each other's writes at most ``MAX_DEPTH`` deep; deeper, the run is recorded as skipped.

**On dates and times.** :func:`sweep_dates` (the ``automation_dates`` job, hourly) finds,
in SQL, the records whose date field is ``offset_days`` away from today and that meet the
condition, and runs the rule for each once per record and date (the run's ``slot``,
unique per rule and record). :func:`sweep_cron` (every minute) does the same for rules
whose cron time has come, once per record and time, never for a time before the rule's
version was published.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from uuid import UUID

from croniter import croniter
from sqlalchemy import and_, exists, insert, literal, select
from sqlalchemy.exc import IntegrityError

from guanxi.kernel.db import transaction_notes
from guanxi.kernel.errors import DomainError, ValidationFailed
from guanxi.platform.access.tables import gx_user
from guanxi.platform.process import assignment, notifications
from guanxi.platform.process.outbox import domain_event, enqueue
from guanxi.platform.process.tables import (
    gx_automation_rule,
    gx_automation_run,
    gx_automation_version,
)
from guanxi.platform.query.evaluate import Predicate, RecordMatcher
from guanxi.platform.query.filters import FilterCompiler
from guanxi.platform.query.paths import QueryScope
from guanxi.platform.records import service
from guanxi.platform.records.context import Ctx, record_values
from guanxi.platform.records.hooks import EVERY_OBJECT, WriteEvent
from guanxi.platform.records.updates import update_current
from guanxi.platform.records.values import plain

log = logging.getLogger(__name__)

MAX_DEPTH = 5
SWEEP_BATCH = 1000  # records one rule handles per sweep; the next sweep goes on
_CACHE_KEY = "_automation_rules"
_PREPARED = "_automation_prepared"
_RAN, _DEPTH = "automation.ran", "automation.depth"
MERGE_FIELD = re.compile(r"\{\{\s*([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)?)\s*\}\}")
_WRITE_TRIGGERS = {"create": "created", "update": "updated", "delete": "deleted"}


@dataclass(frozen=True)
class Rule:
    id: UUID
    object_name: str
    version: int
    trigger: dict[str, Any]
    condition: dict[str, Any] | None
    run_when: str
    actions: list[dict[str, Any]]
    published_at: datetime | None = None  # when its version was published


def active_rules(ctx: Ctx, object_name: str) -> list[Rule]:
    """The object's active rules in the order they run, read once per metadata snapshot
    (every change to a rule moves the metadata version)."""
    cached: dict[str, list[Rule]] | None = ctx.snap.__dict__.get(_CACHE_KEY)
    if cached is None:
        cached = {}
        for rule in _published(ctx):
            cached.setdefault(rule.object_name, []).append(rule)
        ctx.snap.__dict__[_CACHE_KEY] = cached
    return cached.get(object_name, [])


def _published(ctx: Ctx) -> list[Rule]:
    """Every active rule at its published version, in the order rules run."""
    rule_c, version_c = gx_automation_rule.c, gx_automation_version.c
    rows = ctx.conn.execute(
        select(
            rule_c.id,
            rule_c.object_name,
            rule_c.version,
            version_c.definition,
            version_c.created_at,
        )
        .join(
            gx_automation_version,
            and_(version_c.rule_id == rule_c.id, version_c.version == rule_c.version),
        )
        .where(rule_c.active.is_(True))
        .order_by(rule_c.position, rule_c.created_at, rule_c.id)
    )
    return [
        Rule(
            row.id,
            row.object_name,
            row.version,
            row.definition["trigger"],
            row.definition.get("condition"),
            row.definition.get("run_when") or "every_time",
            row.definition["actions"],
            row.created_at,
        )
        for row in rows
    ]


def forget_rules(ctx: Ctx) -> None:
    for key in (_CACHE_KEY, _PREPARED):
        ctx.snap.__dict__.pop(key, None)


class Automation:
    """The write hook that runs rules."""

    objects = (EVERY_OBJECT,)

    def before(self, ctx: Ctx, event: WriteEvent) -> None:
        return None

    def after(self, ctx: Ctx, event: WriteEvent) -> None:
        trigger = _WRITE_TRIGGERS.get(event.action)
        if trigger is None or event.record_id is None:
            return
        prepared = _prepared(ctx, event.object).get(trigger)
        if not prepared:
            return
        after: dict[str, Any] | None = None  # made for the first rule that needs it
        for rule, condition, ends in prepared:
            if (
                rule.trigger["type"] == "field_changed"
                and rule.trigger["field"] not in event.values
            ):
                continue  # the cheap answer for most field_changed rules on most writes
            if not _fires(ctx, rule, trigger, event, ends):
                continue
            if after is None:
                after = {**(event.stored or {}), **event.values}
            if _meets(ctx, rule, condition, event, after):
                run(ctx, rule, trigger, event.record_id, after)


# A rule with its condition made a predicate (None: decided in SQL), and for field_changed
# its tests of the value before and after (None: any).
Prepared = tuple[Rule, "Predicate | None", tuple["Predicate | None", "Predicate | None"]]


def _prepared(ctx: Ctx, object_name: str) -> dict[str, list[Prepared]]:
    """The object's rules ready to decide, by the write trigger that may set them off (a
    field_changed rule under "updated"), in the order they run; made once per metadata
    snapshot."""
    kept: dict[str, dict[str, list[Prepared]]] = ctx.snap.__dict__.setdefault(_PREPARED, {})
    found = kept.get(object_name)
    if found is None:
        found = {}
        rules = active_rules(ctx, object_name)
        if rules:
            obj = ctx.snap.object(object_name)
            matcher = RecordMatcher(QueryScope(ctx.snap, obj, ctx.conn.dialect.name), ctx.now)
            for rule in rules:
                condition = None
                if rule.condition is not None and matcher.can_decide(rule.condition):
                    condition = matcher.predicate(rule.condition)
                ends: tuple[Predicate | None, Predicate | None] = (None, None)
                if rule.trigger["type"] == "field_changed":
                    name = rule.trigger["field"]
                    test = [
                        matcher.predicate({"field": name, "op": "eq", "value": rule.trigger[end]})
                        if end in rule.trigger
                        else None
                        for end in ("from", "to")
                    ]
                    ends = (test[0], test[1])
                on = "updated" if rule.trigger["type"] == "field_changed" else rule.trigger["type"]
                found.setdefault(on, []).append((rule, condition, ends))
        kept[object_name] = found
    return found


def _fires(
    ctx: Ctx,
    rule: Rule,
    trigger: str,
    event: WriteEvent,
    ends: tuple[Predicate | None, Predicate | None],
) -> bool:
    wanted = rule.trigger["type"]
    if wanted == "field_changed":
        name = rule.trigger["field"]
        if trigger != "updated" or name not in event.values:
            return False
        before, after = ends
        return (before is None or before({name: event.old.get(name)}, ctx.now) is True) and (
            after is None or after({name: event.values[name]}, ctx.now) is True
        )
    return wanted == trigger and (trigger != "updated" or bool(event.values))


def _meets(
    ctx: Ctx,
    rule: Rule,
    condition: Predicate | None,
    event: WriteEvent,
    after: Mapping[str, Any],
) -> bool:
    if rule.condition is None:
        return rule.run_when != "starts_matching" or event.action == "create"
    if condition is None:  # decided in SQL: one statement on the record as written
        obj = ctx.snap.object(event.object)
        table = ctx.snap.table(event.object)
        scope = QueryScope(ctx.snap, obj, ctx.conn.dialect.name)
        where = FilterCompiler(scope, ctx.now).compile(rule.condition)
        found = ctx.conn.execute(
            select(literal(1)).select_from(table).where(table.c.id == event.record_id, where)
        ).first()
        return found is not None
    if condition(after, ctx.now) is not True:
        return False
    if rule.run_when == "starts_matching" and event.action == "update":
        return condition(event.stored or {}, ctx.now) is not True
    return True


def run(
    ctx: Ctx,
    rule: Rule,
    trigger: str,
    record_id: UUID,
    record: Mapping[str, Any],
    *,
    slot: str | None = None,
) -> str:
    """Run the rule's actions for one record; returns the run's status."""
    notes = transaction_notes(ctx.conn)
    scratch: dict[str, Any] = notes.scratch if notes is not None else {}
    ran: set[tuple[UUID, UUID]] = scratch.setdefault(_RAN, set())
    if (rule.id, record_id) in ran:
        return "skipped"  # once per record and transaction: a rule's own writes loop back
    ran.add((rule.id, record_id))
    depth = scratch.get(_DEPTH, 0)
    outcomes: list[dict[str, Any]] = []
    status, error = "succeeded", None
    if depth >= MAX_DEPTH:
        status, error = "skipped", f"rules ran inside each other's writes {MAX_DEPTH} deep"
    else:
        scratch[_DEPTH] = depth + 1
        system = ctx.elevated()
        try:
            with ctx.conn.begin_nested():
                for index, action in enumerate(rule.actions):
                    outcomes.append({"action": index, "type": action["type"], "status": "failed"})
                    detail = _ACTIONS[action["type"]](system, rule, record_id, record, action)
                    outcomes[-1].update(status="done", **detail)
        except Exception as failure:  # recorded on the run; the user's write goes on
            status = "failed"
            error = said(failure)
            for done in outcomes[:-1]:
                done["status"] = "rolled_back"
            if outcomes:
                outcomes[-1]["error"] = error
            if not isinstance(failure, DomainError):
                log.exception("automation rule %s failed on %s", rule.id, record_id)
        finally:
            scratch[_DEPTH] = depth
    ctx.conn.execute(
        insert(gx_automation_run).values(
            rule_id=rule.id,
            version=rule.version,
            object_name=rule.object_name,
            record_id=record_id,
            trigger=trigger,
            slot=slot,
            status=status,
            outcomes=outcomes,
            error=error,
            started_at=ctx.now,
            actor_id=ctx.actor.user_id,
        )
    )
    return status


def said(failure: Exception) -> str:
    """A failure as the run log shows it: a domain error's words and the fields it names."""
    if not isinstance(failure, DomainError):
        return repr(failure)
    named = "; ".join(f"{e.field}: {e.message}" for e in failure.errors)
    return f"{failure.detail or failure.code}" + (f" ({named})" if named else "")


# -- actions ---------------------------------------------------------------------------------
Act = Callable[[Ctx, Rule, UUID, Mapping[str, Any], dict[str, Any]], dict[str, Any]]


def render(text: str, record: Mapping[str, Any]) -> str:
    """Merge fields (``{{name}}``, ``{{amount.currency}}``) as plain text; never code."""

    def value(match: re.Match[str]) -> str:
        name, _, part = match.group(1).partition(".")
        found = record.get(name)
        if part and isinstance(found, Mapping):
            found = found.get(part)
        shown = plain(found)
        if isinstance(shown, Mapping):  # a currency without a part: its amount
            shown = shown.get("amount")
        return "" if shown is None else str(shown)

    return MERGE_FIELD.sub(value, text)


def values_for(ctx: Ctx, values: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, Any]:
    """An action's values with copies, relative dates and merge fields filled in."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, Mapping) and set(value) == {"copy"}:
            out[name] = plain(record.get(value["copy"]))
        elif isinstance(value, Mapping) and set(value) == {"today"}:
            day = ctx.now.astimezone(ctx.zone).date() + timedelta(days=int(value["today"]))
            out[name] = day.isoformat()
        elif isinstance(value, str):
            out[name] = render(value, record)
        else:
            out[name] = value
    return out


def _update_fields(
    ctx: Ctx, rule: Rule, record_id: UUID, record: Mapping[str, Any], action: dict[str, Any]
) -> dict[str, Any]:
    object_name, target_id = rule.object_name, record_id
    if action.get("target"):
        lookup = ctx.snap.object(rule.object_name).get_field(action["target"])
        related = record.get(action["target"])
        if lookup is None or related is None:
            return {"detail": f"no {action['target']} to update"}
        object_name, target_id = lookup.opt("target"), UUID(str(related))
    update_current(ctx, object_name, target_id, values_for(ctx, action["values"], record))
    return {"object": object_name, "record_id": str(target_id)}


def _create_record(
    ctx: Ctx, rule: Rule, record_id: UUID, record: Mapping[str, Any], action: dict[str, Any]
) -> dict[str, Any]:
    made = service.create(ctx, action["object"], values_for(ctx, action["values"], record))
    return {"object": action["object"], "record_id": made["id"]}


def _recipient(ctx: Ctx, who: Any, record: Mapping[str, Any]) -> UUID:
    """``owner``, ``manager`` (the owner's) or a user id, as a user id."""
    if who not in ("owner", "manager"):
        return UUID(str(who))
    user = record.get("owner_id")
    if user is not None and who == "manager":
        user = ctx.conn.execute(select(gx_user.c.manager_id).where(gx_user.c.id == user)).scalar()
    if user is None:
        raise ValidationFailed(f"the record's {who} is not known")
    return UUID(str(user))


def _notify(
    ctx: Ctx, rule: Rule, record_id: UUID, record: Mapping[str, Any], action: dict[str, Any]
) -> dict[str, Any]:
    users = [_recipient(ctx, who, record) for who in action["to"]]
    made = notifications.notify(
        ctx,
        users,
        kind="automation",
        title=render(action["title"], record),
        body=render(action["body"], record) if action.get("body") else None,
        link=(rule.object_name, record_id),
    )
    return {"notified": [str(u) for u in users], "in_app": len(made)}


def _send_email(
    ctx: Ctx, rule: Rule, record_id: UUID, record: Mapping[str, Any], action: dict[str, Any]
) -> dict[str, Any]:
    users = [_recipient(ctx, who, record) for who in action["to"]]
    template = {k: action[k] for k in ("subject", "text", "html") if action.get(k)}
    fields = plain(dict(record))
    queued = notifications.send_email(
        ctx, users, template, {**fields, "record": fields}, link=(rule.object_name, record_id)
    )
    return {"emails": queued}


def _post_to_robot(
    ctx: Ctx, rule: Rule, record_id: UUID, record: Mapping[str, Any], action: dict[str, Any]
) -> dict[str, Any]:
    notifications.post_to_robot(ctx, UUID(str(action["robot_id"])), render(action["text"], record))
    return {"robot_id": str(action["robot_id"])}


def _submit_for_approval(
    ctx: Ctx, rule: Rule, record_id: UUID, record: Mapping[str, Any], action: dict[str, Any]
) -> dict[str, Any]:
    # Approvals run these actions on their own decisions: imported here, not at the top.
    from guanxi.platform.process import approvals
    from guanxi.platform.process.approval_schemas import SubmitIn

    comment = render(action["comment"], record) if action.get("comment") else None
    body = SubmitIn(process_id=action.get("process_id"), comment=comment)
    made = approvals.submit(ctx, rule.object_name, record_id, body)
    return {"approval_id": made["id"]}


def _create_task(
    ctx: Ctx, rule: Rule, record_id: UUID, record: Mapping[str, Any], action: dict[str, Any]
) -> dict[str, Any]:
    task = ctx.snap.object("task")
    assignee = _recipient(ctx, action.get("assignee", "owner"), record)
    values: dict[str, Any] = {"subject": render(action["subject"], record)}
    wanted = {
        "assignee": str(assignee),
        "owner_id": str(assignee),
        "priority": action.get("priority"),
        "description": render(action["description"], record) if action.get("description") else None,
    }
    if action.get("due_in_days") is not None:
        day = ctx.now.astimezone(ctx.zone).date() + timedelta(days=action["due_in_days"])
        wanted["due_at"] = datetime.combine(day, time(18, 0), tzinfo=ctx.zone).isoformat()
    for name, value in wanted.items():
        if value is not None and (name == "owner_id" or task.get_field(name) is not None):
            values[name] = value
    for f in task.active_fields:  # linked to the record where the task can point at it
        if f.type == "lookup" and f.opt("target") == rule.object_name:
            values[f.name] = str(record_id)
    made = service.create(ctx, "task", values)
    return {"object": "task", "record_id": made["id"], "assignee": str(assignee)}


def _assign(
    ctx: Ctx, rule: Rule, record_id: UUID, record: Mapping[str, Any], action: dict[str, Any]
) -> dict[str, Any]:
    owner = assignment.assign(ctx, UUID(str(action["rule_id"])), rule.object_name, record_id)
    return {"owner_id": plain(owner)}


def _webhook(
    ctx: Ctx, rule: Rule, record_id: UUID, record: Mapping[str, Any], action: dict[str, Any]
) -> dict[str, Any]:
    event = WriteEvent(rule.object_name, "update", record_id, stored=record)
    body = {**domain_event(ctx, event), "event": "automation", "rule_id": str(rule.id)}
    body.pop("changes", None)
    webhook_id = UUID(str(action["webhook_id"]))
    enqueue(ctx.conn, "webhook", rule.object_name, record_id, body, webhook_id, ctx.now)
    return {"webhook_id": str(webhook_id)}


_ACTIONS: dict[str, Act] = {
    "update_fields": _update_fields,
    "create_record": _create_record,
    "create_task": _create_task,
    "assign": _assign,
    "webhook": _webhook,
    "notify": _notify,
    "send_email": _send_email,
    "post_to_robot": _post_to_robot,
    "submit_for_approval": _submit_for_approval,
}


def perform(
    ctx: Ctx,
    object_name: str,
    source_id: UUID,
    record_id: UUID,
    record: Mapping[str, Any],
    actions: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Run checked actions for one record as a rule would, with the system's rights, for
    another part of the engine (an approval process's final actions, ``source_id`` its
    id); each action's outcome in order. A failure is raised: the caller's write, of
    which these actions are part, fails with it."""
    rule = Rule(source_id, object_name, 0, {"type": "approval"}, None, "every_time", actions)
    system = ctx.elevated()
    return [
        {
            "action": index,
            "type": action["type"],
            **_ACTIONS[action["type"]](system, rule, record_id, record, action),
        }
        for index, action in enumerate(actions)
    ]


# -- dates -----------------------------------------------------------------------------------
def sweep_dates(ctx: Ctx) -> str:
    """Run every active date rule for the records whose date has come (see the module)."""
    ran = 0
    today = ctx.now.astimezone(ctx.zone).date()
    for rule in _scheduled_rules(ctx, "date"):
        day = today - timedelta(days=rule.trigger.get("offset_days") or 0)
        on_day = _on_day(ctx, rule, day.isoformat())
        tree = on_day if rule.condition is None else {"and": [on_day, rule.condition]}
        ran += _sweep(ctx, rule, tree, "date", day.isoformat())
    return f"{ran} runs"


def sweep_cron(ctx: Ctx) -> str:
    """Run every active cron rule whose latest time has come since it was published, for
    each record meeting its condition, once per record and time."""
    ran = 0
    for rule in _scheduled_rules(ctx, "cron"):
        start = ctx.now.astimezone(ctx.zone).replace(second=0, microsecond=0)
        slot = croniter(rule.trigger["cron"], start + timedelta(minutes=1)).get_prev(datetime)
        if rule.published_at is not None and slot < rule.published_at:
            continue  # a rule does not run for times before it existed
        tree = rule.condition if rule.condition is not None else {"and": []}
        ran += _sweep(ctx, rule, tree, "cron", slot.astimezone(UTC).isoformat())
    return f"{ran} runs"


def _scheduled_rules(ctx: Ctx, kind: str) -> list[Rule]:
    """The active rules with a ``kind`` trigger on objects that still exist."""
    return [
        rule
        for rule in _published(ctx)
        if rule.trigger["type"] == kind and rule.object_name in ctx.snap.objects
    ]


def _on_day(ctx: Ctx, rule: Rule, day: str) -> dict[str, Any]:
    """The filter of records whose date field falls on ``day`` (in the zone, for a
    date-time)."""
    field = ctx.snap.object(rule.object_name).get_field(rule.trigger["field"])
    if field is None or field.type != "datetime":
        return {"field": rule.trigger["field"], "op": "eq", "value": day}
    start = datetime.fromisoformat(day).replace(tzinfo=ctx.zone)
    return {
        "and": [
            {"field": field.name, "op": "gte", "value": start.isoformat()},
            {"field": field.name, "op": "lt", "value": (start + timedelta(days=1)).isoformat()},
        ]
    }


def _sweep(ctx: Ctx, rule: Rule, tree: Any, trigger: str, slot: str) -> int:
    """Run ``rule`` for the records meeting ``tree`` that have no run for ``slot`` yet."""
    obj = ctx.snap.object(rule.object_name)
    table = ctx.snap.table(obj.name)
    scope = QueryScope(ctx.snap, obj, ctx.conn.dialect.name)
    done = exists(
        select(literal(1)).where(
            gx_automation_run.c.rule_id == rule.id,
            gx_automation_run.c.record_id == table.c.id,
            gx_automation_run.c.slot == slot,
        )
    )
    due = (
        select(table)
        .where(table.c.deleted_at.is_(None), FilterCompiler(scope, ctx.now).compile(tree), ~done)
        .order_by(table.c.id)
        .limit(SWEEP_BATCH)
    )
    count = 0
    for row in ctx.conn.execute(due).all():
        try:
            with ctx.conn.begin_nested():
                run(ctx, rule, trigger, row.id, record_values(obj, row._mapping), slot=slot)
        except IntegrityError:  # another worker ran this slot first
            continue
        count += 1
    return count
