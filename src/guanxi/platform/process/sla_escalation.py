"""Carrying out an SLA policy's escalations: its ``on_warning`` actions when a clock's
warning comes, its ``on_breach`` actions when it breaches — each once (ADR 0035).

The clocks (:mod:`~guanxi.platform.process.sla_clocks`) record what is owed in the
clock's ``escalation``, wherever they find it (a write that shows the breach, a change of
policy or calendar, the minute sweep): the breach at its top level
(``{"status": "pending", "breached_at", "actions"}``), the warning under ``"warning"``
(``{"status": "pending", "warned_at", "actions"}``). In the same transaction they arm a
timer (:func:`arm_owed`), so nothing is owed without a timer to carry it out and a
rolled-back write owes nothing.

The timer's handler (:func:`escalate`) runs in the timer pump's transaction, which marks
the timer fired: it takes the clock's row (locked on PostgreSQL), and only if that part of
the escalation is still pending for the same moment it performs the actions as the
system — notify the record's owner (:func:`notifications.notify`, kind ``sla``, by the
owner's preferences), reassign and set a field (the automation rules' ``update_fields``,
:func:`automation_runner.perform`, through the records service with history and hooks)
— and writes the part ``done`` with the time and each action's outcome. Effects, status
and the timer's mark commit together: a crash before the commit performs nothing and the
timer fires again; after it, the part is no longer pending. An action that fails rolls
back that part's actions (a savepoint) and is recorded (``failed`` with the error), not
tried again. A clock met, or a record deleted, before the timer fired is ``skipped``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

from sqlalchemy import select, update

from guanxi.kernel.errors import DomainError, ValidationFailed
from guanxi.platform.metadata.model import ObjectDef
from guanxi.platform.process import notifications, timers
from guanxi.platform.process.automation_runner import perform, said
from guanxi.platform.process.sla_policies import Policy
from guanxi.platform.process.sla_repository import Clock
from guanxi.platform.process.tables import gx_sla_clock
from guanxi.platform.records.context import Ctx, record_values

log = logging.getLogger(__name__)

HANDLER = "sla_escalation"  # the timer handler's name (engine.TIMER_HANDLERS)
BREACH, WARNING = "breach", "warning"
PENDING, DONE, FAILED, SKIPPED = "pending", "done", "failed", "skipped"
# The breach's part of ``escalation`` (its top level, as it was before warnings had one).
_BREACH_KEYS = ("status", "breached_at", "actions", "done_at", "outcomes", "error", "reason")
_METRICS = {
    "first_response": {"en": "first response", "zh-CN": "首次响应"},
    "resolution": {"en": "resolution", "zh-CN": "解决"},
}


# -- what is owed ------------------------------------------------------------------------------
def part(escalation: Mapping[str, Any] | None, kind: str) -> dict[str, Any] | None:
    """The breach's or the warning's part of a clock's ``escalation`` (None: none)."""
    if not escalation:
        return None
    if kind == WARNING:
        found = escalation.get(WARNING)
        return dict(found) if found else None
    kept = {k: escalation[k] for k in _BREACH_KEYS if k in escalation}
    return kept or None


def _with(
    escalation: Mapping[str, Any] | None, kind: str, value: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    out = dict(escalation or {})
    if kind == WARNING:
        out.pop(WARNING, None)
        if value:
            out[WARNING] = dict(value)
    else:
        for key in _BREACH_KEYS:
            out.pop(key, None)
        out.update(value or {})
    return out or None


def owed(
    clock: Clock, policy: Policy, *, was_warned: bool, was_breached: bool
) -> dict[str, Any] | None:
    """The clock's escalation once its warning and breach, as just worked out, are taken
    into account: a new breach owes the policy's ``on_breach``; a new warning owes its
    ``on_warning`` (not when the clock breached at once: the breach says more); one taken
    back by a recomputation before it was carried out is owed no more."""
    escalation = clock.escalation
    for kind, at, was, acts, actions in (
        (BREACH, clock.breached_at, was_breached, True, policy.on_breach),
        (
            WARNING,
            clock.warned_at,
            was_warned,
            clock.breached_at is None and bool(policy.on_warning),
            policy.on_warning,
        ),
    ):
        current = part(escalation, kind)
        if at is not None and not was and acts:
            owe = {"status": PENDING, _at(kind): at.isoformat(), "actions": list(actions)}
            escalation = _with(escalation, kind, owe)
        elif at is None and current is not None and current.get("status") == PENDING:
            escalation = _with(escalation, kind, None)
    return escalation


def _at(kind: str) -> str:
    return "warned_at" if kind == WARNING else "breached_at"


def arm_owed(ctx: Ctx, clock: Clock, before: Mapping[str, Any] | None) -> None:
    """Arm the timer of each part the clock newly owes (compared with ``before``, its
    escalation as read), in the caller's transaction; it fires at the pump's next poll."""
    assert clock.id is not None
    for kind in (BREACH, WARNING):
        now_owed = part(clock.escalation, kind)
        if now_owed is None or now_owed.get("status") != PENDING:
            continue
        if now_owed == part(before, kind):
            continue
        timers.arm(
            ctx.conn,
            HANDLER,
            f"{clock.id}:{kind}",
            ctx.now,
            {"clock_id": str(clock.id), "kind": kind, "at": now_owed[_at(kind)]},
            now=ctx.now,
        )


# -- carrying it out ---------------------------------------------------------------------------
def escalate(ctx: Ctx, payload: dict[str, Any]) -> object:
    """The timer handler: carry out the part ``payload`` names if it is still pending for
    the same moment (otherwise it was taken back, moved or done: nothing to do)."""
    kind = str(payload["kind"])
    stmt = select(gx_sla_clock).where(gx_sla_clock.c.id == UUID(str(payload["clock_id"])))
    if ctx.conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = ctx.conn.execute(stmt).first()
    if row is None:
        return None  # the clock went (its record left the policy, or was purged)
    clock = Clock.of(row)
    owed_now = part(clock.escalation, kind)
    if owed_now is None or owed_now.get("status") != PENDING:
        return None
    if owed_now.get(_at(kind)) != payload.get("at"):
        return None  # a later warning or breach has its own timer
    outcome = _carry_out(ctx, clock, kind, list(owed_now.get("actions") or []))
    # The actions' own writes may have moved the clock (a new priority): keep what they
    # did and set this part's outcome.
    fresh = ctx.conn.execute(
        select(gx_sla_clock.c.escalation).where(gx_sla_clock.c.id == clock.id)
    ).scalar()
    ctx.conn.execute(
        update(gx_sla_clock)
        .where(gx_sla_clock.c.id == clock.id)
        .values(escalation=_with(fresh, kind, {**owed_now, **outcome}))
    )
    return outcome["status"]


def _carry_out(ctx: Ctx, clock: Clock, kind: str, actions: list[dict[str, Any]]) -> dict[str, Any]:
    """Perform ``actions`` for the clock's record in a savepoint; the part's outcome."""
    done_at = ctx.now.isoformat()
    obj = ctx.snap.objects.get(clock.object_name)
    record = None if obj is None else _record(ctx, obj, clock.record_id)
    if obj is None or record is None:
        return {"status": SKIPPED, "done_at": done_at, "reason": "the record is gone"}
    if record.get("deleted_at") is not None:
        return {"status": SKIPPED, "done_at": done_at, "reason": "the record is deleted"}
    if clock.met_at is not None:
        return {"status": SKIPPED, "done_at": done_at, "reason": "the target was met first"}
    outcomes: list[dict[str, Any]] = []
    try:
        with ctx.conn.begin_nested():
            for index, action in enumerate(actions):
                outcomes.append({"action": index, "type": action["type"], "status": FAILED})
                if index:  # an earlier action may have changed the owner
                    record = _record(ctx, obj, clock.record_id) or record
                detail = _ACTIONS[action["type"]](ctx, obj, clock, kind, record, action)
                outcomes[-1].update(status=DONE, **detail)
    except Exception as failure:  # recorded on the clock; never tried again
        for earlier in outcomes[:-1]:
            earlier["status"] = "rolled_back"
        error = said(failure)
        if outcomes:
            outcomes[-1]["error"] = error
        if not isinstance(failure, DomainError):
            log.exception("SLA escalation of clock %s failed", clock.id)
        return {"status": FAILED, "done_at": done_at, "outcomes": outcomes, "error": error}
    return {"status": DONE, "done_at": done_at, "outcomes": outcomes}


def _record(ctx: Ctx, obj: ObjectDef, record_id: UUID) -> dict[str, Any] | None:
    table = ctx.snap.table(obj.name)
    row = ctx.conn.execute(select(table).where(table.c.id == record_id)).first()
    if row is None:
        return None
    return {**record_values(obj, row._mapping), "deleted_at": row.deleted_at}


Act = Callable[[Ctx, ObjectDef, Clock, str, Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]


def _notify_owner(
    ctx: Ctx,
    obj: ObjectDef,
    clock: Clock,
    kind: str,
    record: Mapping[str, Any],
    action: Mapping[str, Any],
) -> dict[str, Any]:
    owner = record.get("owner_id")
    if owner is None:
        raise ValidationFailed("the record has no owner to notify")
    name = record.get(obj.name_field) if obj.name_field else None
    shown = str(name) if name not in (None, "") else str(clock.record_id)
    metric = _METRICS.get(clock.metric, {"en": clock.metric, "zh-CN": clock.metric})
    if kind == WARNING:
        title = {"en": f"SLA warning: {shown}", "zh-CN": f"服务时效即将超时:{shown}"}
        body = {
            "en": f"The {metric['en']} target is due soon.",
            "zh-CN": f"{metric['zh-CN']}时限即将到期。",
        }
    else:
        title = {"en": f"SLA breached: {shown}", "zh-CN": f"服务时效已超时:{shown}"}
        body = {
            "en": f"The {metric['en']} target was missed.",
            "zh-CN": f"{metric['zh-CN']}已超出时限。",
        }
    made = notifications.notify(
        ctx,
        [UUID(str(owner))],
        kind="sla",
        title=title,
        body=body,
        link=(obj.name, clock.record_id),
    )
    return {"notified": [str(owner)], "in_app": len(made)}


def _update(
    ctx: Ctx,
    obj: ObjectDef,
    clock: Clock,
    kind: str,
    record: Mapping[str, Any],
    action: Mapping[str, Any],
) -> dict[str, Any]:
    """``reassign`` and ``set_field``: the automation rules' ``update_fields``."""
    values = (
        {"owner_id": str(action["user_id"])}
        if action["type"] == "reassign"
        else {action["field"]: action.get("value")}
    )
    (done,) = perform(
        ctx,
        obj.name,
        clock.policy_id,
        clock.record_id,
        record,
        [{"type": "update_fields", "values": values}],
    )
    return {**{k: v for k, v in done.items() if k not in ("action", "type")}, "values": values}


_ACTIONS: dict[str, Act] = {
    "notify_owner": _notify_owner,
    "reassign": _update,
    "set_field": _update,
}
