"""One SLA clock's arithmetic: pauses do not count, the due time follows the calendar, and
the state is read in a fixed order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from guanxi.platform.process.business_time import (
    WEEKDAYS,
    BusinessCalendar,
    business_time_between,
)
from guanxi.platform.process.sla_timing import (
    Pause,
    elapsed,
    moment_reached,
    running_spans,
    state_at,
    times,
    whole_minutes,
)

OFFICE = BusinessCalendar.of(
    "Asia/Shanghai", {day: [("09:00", "12:00"), ("13:30", "18:00")] for day in WEEKDAYS[:5]}
)


def sh(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of November 2026 in Shanghai, as UTC."""
    return datetime(2026, 11, day, hour - 8, minute, tzinfo=UTC)


def test_a_clock_paused_over_lunch_and_an_afternoon_is_due_later_by_the_working_time_lost() -> None:
    start = sh(23, 10)
    pauses: list[Pause] = [(sh(23, 11), sh(23, 15))]  # 11:00–15:00: 2.5 working hours
    worked = times(OFFICE, start, pauses, timedelta(hours=3), timedelta(minutes=30))
    assert worked.due_at == sh(23, 17)
    assert worked.warn_at == sh(23, 16, 30)
    assert elapsed(OFFICE, start, pauses, sh(23, 16)) == timedelta(hours=2)


def test_a_clock_paused_now_has_no_due_time_unless_it_was_reached_before() -> None:
    start = sh(23, 10)
    assert moment_reached(OFFICE, start, [(sh(23, 10, 30), None)], timedelta(hours=1)) is None
    reached = moment_reached(OFFICE, start, [(sh(23, 11, 30), None)], timedelta(hours=1))
    assert reached == sh(23, 11)


def test_a_pause_from_the_start_runs_nothing_until_it_ends() -> None:
    start = sh(23, 10)
    assert list(running_spans(start, [(start, None)])) == []
    assert list(running_spans(start, [(start, sh(23, 14))])) == [(sh(23, 14), None)]


def test_the_state_is_met_then_breached_then_paused_then_warning_then_running() -> None:
    now = sh(23, 12)
    due, warn = sh(23, 11), sh(23, 10)
    assert (
        state_at(now=now, due_at=due, warn_at=warn, met_at=now, breached_at=due, paused=True)
        == "met"
    )
    assert (
        state_at(now=now, due_at=due, warn_at=warn, met_at=None, breached_at=None, paused=True)
        == "breached"
    )
    later = sh(24, 12)
    assert (
        state_at(now=now, due_at=None, warn_at=None, met_at=None, breached_at=None, paused=True)
        == "paused"
    )
    assert (
        state_at(now=now, due_at=later, warn_at=warn, met_at=None, breached_at=None, paused=False)
        == "warning"
    )
    assert (
        state_at(now=now, due_at=later, warn_at=later, met_at=None, breached_at=None, paused=False)
        == "running"
    )


def test_minutes_are_rounded_down() -> None:
    assert whole_minutes(timedelta(seconds=90)) == 1
    assert whole_minutes(timedelta(seconds=-30)) == -1


INSTANTS = st.datetimes(
    min_value=datetime(2026, 11, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)


@given(
    INSTANTS,
    st.lists(st.tuples(st.integers(0, 5000), st.integers(1, 5000)), max_size=4),
    st.integers(1, 5000),
)
def test_the_working_time_between_start_and_due_less_the_pauses_is_the_target(
    start: datetime, gaps: list[tuple[int, int]], minutes: int
) -> None:
    """Whatever the pauses, the due time is where running (not paused) business time
    reaches the target."""
    pauses: list[Pause] = []
    cursor = start
    for run, pause in gaps:
        begin = cursor + timedelta(minutes=run)
        pauses.append((begin, begin + timedelta(minutes=pause)))
        cursor = begin + timedelta(minutes=pause)
    target = timedelta(minutes=minutes)
    due = moment_reached(OFFICE, start, pauses, target)
    assert due is not None
    assert elapsed(OFFICE, start, pauses, due) == target
    paused = sum(
        (business_time_between(OFFICE, a, min(b, due)) for a, b in pauses if b and a < due),
        timedelta(0),
    )
    assert business_time_between(OFFICE, start, due) - paused == target
