"""Scheduled jobs run at their times, once per slot however many schedulers poll."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.process.jobs import Scheduler, last_runs, latest_slot
from guanxi.platform.process.queue import open_queue
from guanxi.platform.process.runtime import Runtime
from guanxi.platform.process.schedule import ScheduledJob
from guanxi.platform.process.tables import gx_job_run, gx_timer
from guanxi.platform.process.timers import arm
from guanxi.platform.records.context import Ctx

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Calls:
    """A job's body that counts its runs (thread-safe: racing schedulers run it)."""

    def __init__(self) -> None:
        self.at: list[datetime] = []
        self._lock = threading.Lock()

    def __call__(self, ctx: Ctx) -> dict[str, int]:
        with self._lock:
            self.at.append(ctx.now)
            return {"runs": len(self.at)}


def _scheduler(db: Database, clock: FixedClock, *jobs: ScheduledJob) -> Scheduler:
    queue = open_queue(None, database_url="sqlite://", immediate=True)
    scheduler = Scheduler(Runtime(db, Registry(), clock), queue, jobs, zone=SHANGHAI)
    scheduler.attach()
    return scheduler


def _runs(db: Database, job: str) -> list[Any]:
    with db.read() as conn:
        return list(
            conn.execute(
                select(gx_job_run).where(gx_job_run.c.job == job).order_by(gx_job_run.c.slot_at)
            )
        )


def test_slots_are_the_latest_due_time_not_after_now() -> None:
    every = ScheduledJob("sweep", run=lambda ctx: None, every=timedelta(minutes=15))
    nightly = ScheduledJob("nightly", run=lambda ctx: None, cron="30 1 * * *")
    at = datetime(2026, 11, 23, 2, 44, 59, tzinfo=UTC)
    assert latest_slot(every, at, SHANGHAI) == datetime(2026, 11, 23, 2, 30, tzinfo=UTC)
    assert latest_slot(every, at.replace(minute=45, second=0), SHANGHAI) == at.replace(
        minute=45, second=0
    )
    # 01:30 in Shanghai is 17:30 UTC the day before; on the minute itself, that minute.
    assert latest_slot(nightly, at, SHANGHAI) == datetime(2026, 11, 22, 17, 30, tzinfo=UTC)
    on_time = datetime(2026, 11, 23, 17, 30, 0, tzinfo=UTC)
    assert latest_slot(nightly, on_time, SHANGHAI) == on_time
    assert latest_slot(nightly, on_time - timedelta(seconds=1), SHANGHAI) == on_time - timedelta(
        days=1
    )


def test_an_every_job_runs_once_per_slot_from_its_next_slot(
    db: Database, clock: FixedClock
) -> None:
    calls = Calls()
    scheduler = _scheduler(db, clock, ScheduledJob("sweep", run=calls, every=timedelta(minutes=1)))
    scheduler.tick()
    assert calls.at == []  # first seen: the job starts at its next time
    [first] = _runs(db, "sweep")
    assert first.outcome == "skipped"
    clock.advance(seconds=59)
    scheduler.tick()
    assert calls.at == []
    clock.advance(seconds=1)
    scheduler.tick()
    scheduler.tick()  # the same slot again: already taken
    assert calls.at == [clock.now()]
    runs = _runs(db, "sweep")
    assert [r.outcome for r in runs] == ["skipped", "ok"]
    assert runs[1].slot_at == clock.now() and runs[1].detail == "{'runs': 1}"
    assert runs[1].finished_at == clock.now()


def test_after_downtime_a_missed_slot_runs_once_not_once_per_missed_slot(
    db: Database, clock: FixedClock
) -> None:
    calls = Calls()
    nightly = ScheduledJob("reclaim", run=calls, cron="30 1 * * *")
    _scheduler(db, clock, nightly).tick()  # 10:30 in Shanghai: today's 01:30 is past, skipped
    # Down for three days, back at 09:00 Shanghai time: one run, for this morning's slot.
    clock.advance(days=3, hours=-1, minutes=-30)
    restarted = _scheduler(db, clock, nightly)
    restarted.tick()
    restarted.tick()
    assert len(calls.at) == 1
    runs = _runs(db, "reclaim")
    assert [r.outcome for r in runs] == ["skipped", "ok"]
    assert runs[1].slot_at == datetime(2026, 11, 25, 17, 30, tzinfo=UTC)  # 01:30 on the 26th
    # Then at its time the next night.
    clock.advance(hours=16, minutes=29)
    restarted.tick()
    assert len(calls.at) == 1
    clock.advance(minutes=1)
    restarted.tick()
    assert len(calls.at) == 2
    with db.read() as conn:
        latest = last_runs(conn, ["reclaim", "never_ran"])
    assert set(latest) == {"reclaim"}
    assert latest["reclaim"].slot_at == datetime(2026, 11, 26, 17, 30, tzinfo=UTC)
    assert latest["reclaim"].outcome == "ok"


def test_a_failing_job_is_rolled_back_and_its_error_recorded(
    db: Database, clock: FixedClock
) -> None:
    def broken(ctx: Ctx) -> None:
        arm(ctx.conn, "remind", "from-job", ctx.now, {}, now=ctx.now)
        raise ValueError("quota exceeded")

    scheduler = _scheduler(db, clock, ScheduledJob("broken", run=broken, every=timedelta(hours=1)))
    scheduler.tick()
    clock.advance(hours=1)
    scheduler.tick()
    run = _runs(db, "broken")[-1]
    assert run.outcome == "error" and "quota exceeded" in run.detail
    with db.read() as conn:
        assert conn.execute(select(gx_timer)).first() is None  # its write rolled back
    clock.advance(hours=1)
    scheduler.tick()  # the next slot is tried anew
    assert [r.outcome for r in _runs(db, "broken")] == ["skipped", "error", "error"]


def test_two_schedulers_racing_run_a_slot_exactly_once(db: Database, clock: FixedClock) -> None:
    calls = Calls()
    job = ScheduledJob("sweep", run=calls, every=timedelta(minutes=1))
    _scheduler(db, clock, job).tick()  # the first slot, skipped
    clock.advance(minutes=1)
    schedulers = [_scheduler(db, clock, job) for _ in range(2)]
    errors: list[BaseException] = []
    for _ in range(3):  # three slots, each raced for by both
        start = threading.Barrier(2)

        def run(scheduler: Scheduler, start: threading.Barrier = start) -> None:
            start.wait()
            try:
                scheduler.tick()
            except BaseException as exc:  # reported below, not lost in the thread
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(s,)) for s in schedulers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        clock.advance(minutes=1)
    assert errors == []
    assert len(calls.at) == 3 and len(set(calls.at)) == 3
    assert [r.outcome for r in _runs(db, "sweep")] == ["skipped", "ok", "ok", "ok"]
