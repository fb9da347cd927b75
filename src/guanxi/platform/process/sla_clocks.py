"""SLA clocks of records: started, paused, met and breached as records are written.

:class:`SlaClocks` is a write hook watching every object. After a write of a record whose
object has active SLA policies it finds the first policy the record meets and keeps one
clock per metric (``first_response``, ``resolution``) that has a target for the
record's priority or tier:

- a record starting to match a policy starts its clocks (at its creation, or when it
  first matches);
- while the status is one of the policy's ``paused_statuses`` (or the record is in the
  recycle bin) the clocks are paused; each pause is kept as two instants;
- the first response is met when ``first_response_when`` says; resolution when the
  status enters ``resolved_statuses`` (leaving them again reopens the clock, the time in
  between counted as a pause);
- a new priority, another policy or a changed policy or calendar works the due times out
  again from the original start, so the answer is the one the clock would have had all
  along (ADR 0028);
- warnings and breaches are recorded as they come due (``warned_at``, ``breached_at``),
  here when a write shows them and by :func:`sla_sweep` otherwise; the policy's
  ``on_warning`` and ``on_breach`` actions are then owed in ``escalation`` and carried
  out once by :mod:`~guanxi.platform.process.sla_escalation`.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import and_, or_, select

from guanxi.kernel.errors import NotFound
from guanxi.platform.process import calendar_repository, sla_escalation, sla_repository
from guanxi.platform.process.business_time import BusinessCalendar
from guanxi.platform.process.sla_policies import Policy, active_policies
from guanxi.platform.process.sla_repository import Clock
from guanxi.platform.process.sla_schemas import METRICS
from guanxi.platform.process.sla_timing import elapsed, state_at, times, whole_minutes
from guanxi.platform.process.tables import gx_calendar, gx_sla_clock, gx_sla_policy
from guanxi.platform.records import reader
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.hooks import EVERY_OBJECT, WriteEvent
from guanxi.platform.records.values import plain

SWEEP_BATCH = 1000


class SlaClocks:
    """The write hook that keeps records' SLA clocks current."""

    objects: Collection[str] = (EVERY_OBJECT,)

    def before(self, ctx: Ctx, event: WriteEvent) -> None:
        return None

    def after(self, ctx: Ctx, event: WriteEvent) -> None:
        if event.record_id is None:
            return
        policies = active_policies(ctx, event.object)
        if not policies:
            return  # an inactive or deleted policy's clocks went with it
        track(ctx, event.object, event.record_id, policies)


def track(ctx: Ctx, object_name: str, record_id: UUID, policies: list[Policy]) -> None:
    """Bring the record's clocks up to date with the record as now written."""
    obj = ctx.snap.object(object_name)
    fields = {
        name
        for p in policies
        for name in (p.target_field, p.status_field, p.first_response_field)
        if name is not None
    }
    found = sla_repository.record_state(
        ctx.conn, ctx.snap, obj, record_id, [p.condition for p in policies], fields, ctx.now
    )
    clocks = sla_repository.clocks_of(ctx.conn, object_name, record_id)
    where = and_(gx_sla_clock.c.object_name == object_name, gx_sla_clock.c.record_id == record_id)
    if found is None:  # purged
        if clocks:
            sla_repository.remove(ctx.conn, where)
        return
    values, met = found
    policy = next((p for p, yes in zip(policies, met, strict=True) if yes), None)
    if policy is None:  # the record left every policy: nothing times it any more
        if clocks:
            sla_repository.remove(ctx.conn, where)
        return
    calendar = _calendar(ctx, policy.calendar_id, {})
    status = None if policy.status_field is None else values.get(policy.status_field)
    paused = values["deleted_at"] is not None or (
        status is not None and status in policy.paused_statuses
    )
    for metric in METRICS:
        minutes = policy.minutes(metric, values.get(policy.target_field or ""))
        clock = clocks.get(metric)
        if minutes is None:
            if clock is not None:
                sla_repository.remove(ctx.conn, gx_sla_clock.c.id == clock.id)
            continue
        if clock is None:
            clock = Clock(object_name, record_id, metric, policy.id, minutes, ctx.now)
        clock.policy_id, clock.target_minutes = policy.id, minutes
        _follow(clock, policy, values, status, paused, ctx.now)
        if calendar is not None:
            settle(clock, calendar, policy, ctx.now)
        _save(ctx, clock)


def _save(ctx: Ctx, clock: Clock) -> None:
    """Store the clock, arming the timers of the escalations it newly owes."""
    before = clock.stored_escalation
    sla_repository.save(ctx.conn, clock, ctx.now)
    sla_escalation.arm_owed(ctx, clock, before)


def _follow(
    clock: Clock, policy: Policy, values: dict[str, Any], status: Any, paused: bool, now: datetime
) -> None:
    """Meet, reopen, pause or resume the clock as the record's values say."""
    if clock.metric == "resolution":
        resolved = status is not None and status in policy.resolved_statuses
        if resolved and clock.met_at is None:
            _meet(clock, now)
        elif not resolved and clock.met_at is not None:  # reopened: resolved time is a pause
            clock.pauses.append((clock.met_at, now))
            clock.met_at = None
    elif clock.met_at is None and _responded(policy, values, status):
        _meet(clock, now)
    if clock.met_at is not None:
        return
    if paused and clock.paused_since is None:
        clock.pauses.append((now, None))
    elif not paused and clock.paused_since is not None:
        clock.pauses[-1] = (clock.pauses[-1][0], now)


def _responded(policy: Policy, values: dict[str, Any], status: Any) -> bool:
    name = policy.first_response_field
    if name is not None and values.get(name) not in (None, "", [], {}):
        return True
    leaves = policy.first_response_leaves
    return leaves is not None and status is not None and status not in leaves


def _meet(clock: Clock, now: datetime) -> None:
    clock.met_at = now
    if clock.paused_since is not None:  # a stopped clock is no longer paused
        clock.pauses[-1] = (clock.pauses[-1][0], now)


def settle(clock: Clock, calendar: BusinessCalendar, policy: Policy, now: datetime) -> None:
    """Work out the clock's due and warning times from its start and pauses, and record
    the warning and the breach if they came due (before it was met, for a met one), with
    the escalations they owe. A recomputation that moves the due time later takes back a
    warning or breach not yet acted on."""
    worked = times(
        calendar,
        clock.started_at,
        clock.pauses,
        timedelta(minutes=clock.target_minutes),
        timedelta(minutes=policy.warn_before_minutes),
    )
    clock.due_at, clock.warn_at = worked.due_at, worked.warn_at
    limit = clock.met_at or now
    was_warned, was_breached = clock.warned_at is not None, clock.breached_at is not None
    clock.breached_at = clock.due_at if clock.due_at is not None and clock.due_at <= limit else None
    clock.warned_at = (
        clock.warn_at if clock.warn_at is not None and clock.warn_at <= limit else None
    )
    clock.escalation = sla_escalation.owed(
        clock, policy, was_warned=was_warned, was_breached=was_breached
    )


def _calendar(
    ctx: Ctx, calendar_id: UUID | None, seen: dict[UUID | None, BusinessCalendar | None]
) -> BusinessCalendar | None:
    """The policy's calendar (the default one for None); None when there is none."""
    if calendar_id in seen:
        return seen[calendar_id]
    row = (
        calendar_repository.default_row(ctx.conn)
        if calendar_id is None
        else calendar_repository.calendar_row(ctx.conn, calendar_id)
    )
    seen[calendar_id] = (
        None if row is None else calendar_repository.business_calendar(ctx.conn, row)
    )
    return seen[calendar_id]


# -- recomputing after a change of policy or calendar -----------------------------------------
def recompute(
    ctx: Ctx,
    *,
    policy_id: UUID | None = None,
    calendar_id: UUID | None = None,
    defaulted: bool = False,
) -> int:
    """Work the running clocks out again from their original start: those of a policy
    (new targets for each record's current priority too), or of the policies counting on
    a calendar (``defaulted``: on the default one). Returns how many were recomputed."""
    p = gx_sla_policy.c
    wanted = []
    if policy_id is not None:
        wanted.append(p.id == policy_id)
    if calendar_id is not None:
        wanted.append(p.calendar_id == calendar_id)
        is_default = ctx.conn.execute(
            select(gx_calendar.c.is_default).where(gx_calendar.c.id == calendar_id)
        ).scalar()
        defaulted = defaulted or bool(is_default)
    if defaulted:
        wanted.append(p.calendar_id.is_(None))
    if not wanted:
        return 0
    rows = list(ctx.conn.execute(select(gx_sla_policy).where(p.active.is_(True), or_(*wanted))))
    calendars: dict[UUID | None, BusinessCalendar | None] = {}
    count = 0
    for row in rows:
        policy = Policy.of(row)
        calendar = _calendar(ctx, policy.calendar_id, calendars)
        clocks = sla_repository.clocks_where(
            ctx.conn, and_(gx_sla_clock.c.policy_id == policy.id, gx_sla_clock.c.met_at.is_(None))
        )
        if not clocks:
            continue
        obj = ctx.snap.objects.get(policy.object_name)
        if obj is None:
            continue
        targets = sla_repository.field_values(
            ctx.conn, ctx.snap, obj, list({c.record_id for c in clocks}), policy.target_field
        )
        for clock in clocks:
            minutes = policy.minutes(clock.metric, targets.get(clock.record_id))
            if minutes is None:
                sla_repository.remove(ctx.conn, gx_sla_clock.c.id == clock.id)
                continue
            clock.target_minutes = minutes
            if calendar is not None:
                settle(clock, calendar, policy, ctx.now)
            _save(ctx, clock)
            count += 1
    return count


def remove_clocks(ctx: Ctx, policy_id: UUID) -> None:
    """An inactive policy times nothing: its clocks go."""
    sla_repository.remove(ctx.conn, gx_sla_clock.c.policy_id == policy_id)


# -- the sweep ---------------------------------------------------------------------------------
def sla_sweep(ctx: Ctx, now: datetime) -> dict[str, int]:
    """Record the warnings and breaches that came due by ``now`` on running clocks (their
    due and warning times are kept current by every write and change): ``warned_at`` and
    ``breached_at`` are the moments they came due, and a breach copies the policy's
    actions into ``escalation``. Idempotent; run as the scheduled job ``sla_sweep``."""
    warned = breached = 0
    while True:
        clocks = sla_repository.due(ctx.conn, now, SWEEP_BATCH)
        if not clocks:
            break
        policies = {
            pid: Policy.of(row)
            for pid, row in sla_repository.policies_by_id(
                ctx.conn, {c.policy_id for c in clocks}
            ).items()
        }
        for clock in clocks:
            policy = policies[clock.policy_id]
            was_warned, was_breached = clock.warned_at is not None, clock.breached_at is not None
            if clock.warn_at is not None and clock.warn_at <= now and not was_warned:
                clock.warned_at = clock.warn_at
                warned += 1
            if clock.due_at is not None and clock.due_at <= now and not was_breached:
                clock.breached_at = clock.due_at
                breached += 1
            clock.escalation = sla_escalation.owed(
                clock, policy, was_warned=was_warned, was_breached=was_breached
            )
            _save(ctx, clock)
        if len(clocks) < SWEEP_BATCH:
            break
    return {"warned": warned, "breached": breached}


def run_sweep(ctx: Ctx) -> dict[str, int]:
    """The scheduled job: a sweep at the unit of work's time."""
    return sla_sweep(ctx, ctx.now)


# -- reading a record's clocks -----------------------------------------------------------------
def record_sla(ctx: Ctx, object_name: str, record_id: UUID) -> dict[str, Any]:
    """A record's clocks with their due times, the business minutes left (negative when
    overdue; at the moment it was met, for a met one) and their state, for a user who may
    read the record (404 otherwise, as for the record itself)."""
    obj = ctx.snap.object(object_name)
    policy_of_user = ctx.actor.policy
    reader.require(policy_of_user, "read", obj)
    table = ctx.snap.table(obj.name)
    visible = ctx.conn.execute(
        select(table.c.id).where(
            table.c.id == record_id,
            table.c.deleted_at.is_(None),
            policy_of_user.read_predicate(obj.name, table),
        )
    ).first()
    if visible is None:
        raise NotFound(f"no {obj.name} record with id {record_id}")
    clocks = sla_repository.clocks_of(ctx.conn, obj.name, record_id)
    rows = sla_repository.policies_by_id(ctx.conn, {c.policy_id for c in clocks.values()})
    calendars: dict[UUID | None, BusinessCalendar | None] = {}
    out: list[dict[str, Any]] = []
    for metric in METRICS:
        clock = clocks.get(metric)
        if clock is None:
            continue
        row = rows[clock.policy_id]
        calendar = _calendar(ctx, row.calendar_id, calendars)
        out.append(_clock_out(ctx, clock, calendar))
    first = next(iter(clocks.values()), None)
    policy_row = None if first is None else rows[first.policy_id]
    return {
        "object": obj.name,
        "record_id": str(record_id),
        "policy": None
        if policy_row is None
        else {"id": str(policy_row.id), "name": policy_row.name},
        "calendar_id": None
        if policy_row is None or policy_row.calendar_id is None
        else str(policy_row.calendar_id),
        "clocks": out,
    }


def _clock_out(ctx: Ctx, clock: Clock, calendar: BusinessCalendar | None) -> dict[str, Any]:
    at = clock.met_at or ctx.now
    spent = None if calendar is None else elapsed(calendar, clock.started_at, clock.pauses, at)
    target = timedelta(minutes=clock.target_minutes)
    paused = clock.paused_since is not None

    def shown(moment: datetime | None) -> str | None:
        return None if moment is None else plain(moment, ctx.zone)

    return {
        "metric": clock.metric,
        "policy_id": str(clock.policy_id),
        "target_minutes": clock.target_minutes,
        "started_at": shown(clock.started_at),
        "due_at": shown(clock.due_at),
        "warn_at": shown(clock.warn_at),
        "met_at": shown(clock.met_at),
        "warned_at": shown(clock.warned_at),
        "breached_at": shown(clock.breached_at),
        "paused": paused,
        "paused_since": shown(clock.paused_since),
        "elapsed_minutes": None if spent is None else whole_minutes(spent),
        "remaining_minutes": None if spent is None else whole_minutes(target - spent),
        "state": state_at(
            now=ctx.now,
            due_at=clock.due_at,
            warn_at=clock.warn_at,
            met_at=clock.met_at,
            breached_at=clock.breached_at,
            paused=paused,
        ),
        "escalation": clock.escalation,
    }
