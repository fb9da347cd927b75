"""The consumer's standing work, wired the same way by ``guanxi serve`` and ``guanxi worker``:
scheduled jobs at their times and the timer pump, as pollers of the task queue (ADR 0029).
Standing work added later (an outbox dispatcher) is attached in :func:`open_wired_queue`,
so that both kinds of process run it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import tzinfo

from guanxi.platform.process.jobs import Scheduler
from guanxi.platform.process.queue import TaskQueue, open_queue
from guanxi.platform.process.runtime import Runtime
from guanxi.platform.process.schedule import ScheduledJob
from guanxi.platform.process.timers import TimerHandler, TimerPump

TIMER_POLL_SECONDS = 0.1  # an idle pump's look for due timers: one indexed read


@dataclass(frozen=True)
class Background:
    scheduler: Scheduler
    pump: TimerPump


def attach(
    queue: TaskQueue,
    runtime: Runtime,
    jobs: Iterable[ScheduledJob],
    timer_handlers: Mapping[str, TimerHandler],
    *,
    zone: tzinfo | None = None,
) -> Background:
    """Register the job scheduler and the timer pump on ``queue``: every consumer of it
    (``queue.start``) then runs jobs and fires timers."""
    scheduler = Scheduler(runtime, queue, jobs, zone=zone)
    scheduler.attach()
    pump = TimerPump(runtime, timer_handlers)
    queue.every(TIMER_POLL_SECONDS, pump.pump, name="timers")
    return Background(scheduler, pump)


def open_wired_queue(
    queue_url: str | None,
    runtime: Runtime,
    jobs: Iterable[ScheduledJob],
    timer_handlers: Mapping[str, TimerHandler],
) -> TaskQueue:
    """The queue for ``queue_url`` (see :func:`open_queue`) on the runtime's database, with
    the scheduler and the timer pump attached."""
    queue = open_queue(
        queue_url,
        database_url=runtime.db.url.render_as_string(hide_password=False),
        schema=runtime.db.schema,
    )
    attach(queue, runtime, jobs, timer_handlers)
    return queue
