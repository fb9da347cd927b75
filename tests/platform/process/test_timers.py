"""Timers fire once, at their absolute due time, from the caller's committed transaction."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.process import timers
from guanxi.platform.process.background import open_wired_queue
from guanxi.platform.process.runtime import Runtime
from guanxi.platform.process.tables import gx_timer
from guanxi.platform.process.timers import TimerPump, arm, disarm
from guanxi.platform.records.context import Ctx


class Rollback(Exception):
    pass


def _rows(db: Database) -> list[Any]:
    with db.read() as conn:
        return list(conn.execute(select(gx_timer).order_by(gx_timer.c.key)))


def _pump(
    db: Database, clock: FixedClock, handlers: dict[str, Any], batch_seconds: float = 60.0
) -> TimerPump:
    # A batch's time budget is wall-clock time: on a loaded machine the default quarter
    # second can end a batch after its first timer, so the tests that count what one batch
    # fires give it a minute; the budget has its own test.
    return TimerPump(Runtime(db, Registry(), clock), handlers, batch_seconds=batch_seconds)


def test_a_batch_stops_taking_timers_when_its_time_is_spent(
    db: Database, clock: FixedClock
) -> None:
    seen: list[str] = []
    with db.write() as conn:
        for key in "abc":
            arm(conn, "note", key, clock.now(), {"k": key}, now=clock.now())
    pump = _pump(db, clock, {"note": lambda ctx, p: seen.append(p["k"])}, batch_seconds=0.0)
    assert [pump.fire_due() for _ in range(4)] == [1, 1, 1, 0]  # the first of each always
    assert sorted(seen) == ["a", "b", "c"]


def test_a_timer_fires_once_when_its_due_time_has_passed(db: Database, clock: FixedClock) -> None:
    seen: list[tuple[str | None, dict[str, Any]]] = []

    def remind(ctx: Ctx, payload: dict[str, Any]) -> None:
        seen.append((ctx.actor.name, payload))

    with db.write() as conn:
        arm(conn, "remind", "deal-1", clock.now() + timedelta(hours=2), {"n": 1}, now=clock.now())
    pump = _pump(db, clock, {"remind": remind})
    assert pump.fire_due() == 0
    clock.advance(hours=1, minutes=59, seconds=59)
    assert pump.fire_due() == 0 and seen == []
    clock.advance(seconds=1)
    assert pump.fire_due() == 1
    assert seen == [("system", {"n": 1})]
    assert pump.fire_due() == 0  # fired: never again
    clock.advance(days=3)
    assert pump.fire_due() == 0 and len(seen) == 1
    [row] = _rows(db)
    assert row.state == "fired" and row.fired_at == clock.now() - timedelta(days=3)


def test_a_timer_armed_in_a_rolled_back_transaction_never_fires(
    db: Database, clock: FixedClock
) -> None:
    fired: list[dict[str, Any]] = []
    with pytest.raises(Rollback), db.write() as conn:
        arm(conn, "remind", "deal-1", clock.now(), {}, now=clock.now())
        raise Rollback
    clock.advance(days=1)
    assert _pump(db, clock, {"remind": lambda ctx, p: fired.append(p)}).fire_due() == 0
    assert fired == [] and _rows(db) == []


def test_arming_again_moves_the_timer_and_disarming_removes_it(
    db: Database, clock: FixedClock
) -> None:
    fired: list[dict[str, Any]] = []
    pump = _pump(db, clock, {"remind": lambda ctx, p: fired.append(p)})
    with db.write() as conn:
        arm(conn, "remind", "a", clock.now() + timedelta(minutes=5), {"v": 1}, now=clock.now())
        arm(conn, "remind", "a", clock.now() + timedelta(minutes=10), {"v": 2}, now=clock.now())
        arm(conn, "remind", "b", clock.now() + timedelta(minutes=5), {"v": 3}, now=clock.now())
    with db.write() as conn:
        assert disarm(conn, "remind", "b") is True
        assert disarm(conn, "remind", "b") is False
    clock.advance(minutes=5)
    assert pump.fire_due() == 0
    clock.advance(minutes=5)
    assert pump.fire_due() == 1 and fired == [{"v": 2}]
    # A fired timer armed again fires again, at its new time.
    with db.write() as conn:
        arm(conn, "remind", "a", clock.now() + timedelta(minutes=1), {"v": 4}, now=clock.now())
    clock.advance(minutes=1)
    assert pump.fire_due() == 1 and fired == [{"v": 2}, {"v": 4}]


def test_a_failing_handler_is_rolled_back_alone_and_retried_with_back_off(
    db: Database, clock: FixedClock
) -> None:
    calls: list[str] = []
    broken = True

    def flaky(ctx: Ctx, payload: dict[str, Any]) -> None:
        calls.append(payload["k"])
        # Its write rolls back with it: the timer it arms here must not exist afterwards.
        arm(
            ctx.conn, "other", "inner-" + payload["k"], ctx.now + timedelta(days=1), {}, now=ctx.now
        )
        if broken:
            raise RuntimeError("mail server away")

    def fine(ctx: Ctx, payload: dict[str, Any]) -> None:
        calls.append(payload["k"])

    with db.write() as conn:
        arm(conn, "flaky", "x", clock.now(), {"k": "x"}, now=clock.now())
        arm(conn, "fine", "y", clock.now(), {"k": "y"}, now=clock.now())
    pump = _pump(db, clock, {"flaky": flaky, "fine": fine, "other": fine})
    assert pump.fire_due() == 2
    rows = {r.key: r for r in _rows(db)}
    assert set(rows) == {"x", "y"}  # the flaky handler's own timer was rolled back
    assert rows["y"].state == "fired"
    assert rows["x"].state == "pending" and rows["x"].attempts == 1
    assert "mail server away" in rows["x"].error
    assert rows["x"].run_at == clock.now() + timers.BACKOFF_BASE
    assert rows["x"].due_at == clock.now()  # the due time as armed stays
    clock.advance(seconds=9)
    assert pump.fire_due() == 0  # backing off
    clock.advance(seconds=1)
    assert pump.fire_due() == 1  # second attempt fails: the next wait doubles
    assert {r.key: r for r in _rows(db)}["x"].run_at == clock.now() + 2 * timers.BACKOFF_BASE
    broken = False
    clock.advance(seconds=20)
    assert pump.fire_due() == 1
    rows = {r.key: r for r in _rows(db)}
    assert rows["x"].state == "fired" and rows["x"].error is None
    assert rows["inner-x"].state == "pending"  # armed by the attempt that succeeded
    assert calls == ["x", "y", "x", "x"]


def test_a_timer_gives_up_after_the_last_attempt(db: Database, clock: FixedClock) -> None:
    with db.write() as conn:
        arm(conn, "nobody_handles_this", "z", clock.now(), {}, now=clock.now())
    pump = _pump(db, clock, {})
    for _ in range(timers.MAX_ATTEMPTS):
        assert pump.fire_due() == 1
        clock.advance(hours=2)
    assert pump.fire_due() == 0
    [row] = _rows(db)
    assert row.state == "failed" and row.attempts == timers.MAX_ATTEMPTS
    assert "no timer handler named 'nobody_handles_this'" in row.error


def test_a_timer_survives_a_restart_and_fires_from_a_new_queue(
    db: Database, clock: FixedClock
) -> None:
    fired: list[dict[str, Any]] = []
    with db.write() as conn:
        arm(conn, "remind", "r", clock.now() + timedelta(hours=8), {"who": "li"}, now=clock.now())
    # A process that arms and goes away: nothing of it is needed to fire the timer.
    first = open_wired_queue(None, Runtime(db, Registry(), clock), [], {})
    first.poll_once()
    del first
    clock.advance(hours=8)
    runtime = Runtime(db, Registry(), clock)
    second = open_wired_queue(None, runtime, [], {"remind": lambda ctx, p: fired.append(p)})
    second.poll_once()  # what the consumer's poll thread does
    assert fired == [{"who": "li"}]


def test_two_pumps_racing_fire_each_timer_exactly_once(db: Database, clock: FixedClock) -> None:
    fired: list[str] = []
    lock = threading.Lock()

    def count(ctx: Ctx, payload: dict[str, Any]) -> None:
        with lock:
            fired.append(payload["k"])

    with db.write() as conn:
        for n in range(300):
            arm(conn, "count", f"{n:03}", clock.now(), {"k": f"{n:03}"}, now=clock.now())
    clock.advance(seconds=1)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        pump = _pump(db, clock, {"count": count})
        start.wait()
        try:
            while pump.fire_due(limit=25):
                pass
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(fired) == 300 and set(Counter(fired).values()) == {1}
    assert {r.state for r in _rows(db)} == {"fired"}
