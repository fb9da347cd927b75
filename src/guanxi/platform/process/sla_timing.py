"""The arithmetic of one SLA clock: a start, its pauses, a target in business minutes.

A clock is kept as instants only — when it started and when each pause began and ended —
never as business time already spent. Its due time is worked out from those instants on
whatever calendar and target apply now, so changing the priority, the policy or the
calendar gives the answer the clock would have had all along (ADR 0028).

Pure: the SLA service stores what these functions compute.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from guanxi.platform.process.business_time import (
    BusinessCalendar,
    NoWorkingTime,
    add_business_time,
    business_time_between,
)

Pause = tuple[datetime, datetime | None]  # from, to (None: still paused)
State = Literal["running", "paused", "warning", "breached", "met"]


@dataclass(frozen=True)
class ClockTimes:
    """What a clock's times come to on a calendar: ``due_at`` and ``warn_at`` are None
    while it is paused (or when the calendar has no working time left)."""

    due_at: datetime | None
    warn_at: datetime | None


def running_spans(
    started: datetime, pauses: Sequence[Pause]
) -> Iterator[tuple[datetime, datetime | None]]:
    """The spans the clock ran: from the start to the first pause, between pauses, and
    after the last (open: None) unless it is still paused."""
    since: datetime | None = started
    for begin, end in pauses:
        if since is not None and begin > since:
            yield since, begin
        elif since is not None and begin <= since:
            pass  # a pause from the very start (or overlapping the previous one)
        since = None if end is None else max(end, since or end)
    if since is not None:
        yield since, None


def moment_reached(
    calendar: BusinessCalendar, started: datetime, pauses: Sequence[Pause], amount: timedelta
) -> datetime | None:
    """When the clock will have run ``amount`` of business time (None: not while paused)."""
    remaining = amount
    for begin, end in running_spans(started, pauses):
        if end is None:
            return add_business_time(calendar, begin, remaining)
        span = business_time_between(calendar, begin, end)
        if remaining <= span:
            return add_business_time(calendar, begin, remaining)
        remaining -= span
    return None


def times(
    calendar: BusinessCalendar,
    started: datetime,
    pauses: Sequence[Pause],
    target: timedelta,
    warn_before: timedelta,
) -> ClockTimes:
    """The due time and the time of the warning (``warn_before`` of business time before
    the due time; at the start when the target is shorter than that)."""
    try:
        due = moment_reached(calendar, started, pauses, target)
        warn = moment_reached(calendar, started, pauses, max(target - warn_before, timedelta(0)))
    except NoWorkingTime:
        return ClockTimes(None, None)
    return ClockTimes(due, warn if warn_before > timedelta(0) else None)


def elapsed(
    calendar: BusinessCalendar, started: datetime, pauses: Sequence[Pause], at: datetime
) -> timedelta:
    """Business time the clock ran from its start until ``at``."""
    total = timedelta(0)
    for begin, end in running_spans(started, pauses):
        if begin >= at:
            break
        total += business_time_between(calendar, begin, at if end is None else min(end, at))
    return total


def state_at(
    *,
    now: datetime,
    due_at: datetime | None,
    warn_at: datetime | None,
    met_at: datetime | None,
    breached_at: datetime | None,
    paused: bool,
) -> State:
    """Met first (whether late or not), then breached, paused, warning, running."""
    if met_at is not None:
        return "met"
    if breached_at is not None or (due_at is not None and due_at <= now):
        return "breached"
    if paused:
        return "paused"
    if warn_at is not None and warn_at <= now:
        return "warning"
    return "running"


def whole_minutes(amount: timedelta) -> int:
    """Business minutes, rounded down (a clock 30 s overdue is -1 minute)."""
    return int(amount.total_seconds() // 60)
