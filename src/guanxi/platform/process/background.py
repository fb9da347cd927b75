"""The consumer's standing work, wired the same way by ``guanxi serve`` and ``guanxi worker``:
scheduled jobs at their times, the timer pump and the outbox's dispatch, as pollers of the
task queue (ADR 0029, ADR 0030). A commit that queued outbox messages also enqueues a
dispatch (``outbox_dispatch``), so delivery starts at once rather than at the next poll."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import tzinfo

from guanxi.platform.process.jobs import Scheduler
from guanxi.platform.process.outbox import Relay
from guanxi.platform.process.queue import TaskQueue, open_queue
from guanxi.platform.process.runtime import Runtime
from guanxi.platform.process.schedule import ScheduledJob
from guanxi.platform.process.timers import TimerHandler, TimerPump

TIMER_POLL_SECONDS = 0.1  # an idle pump's look for due timers: one indexed read
OUTBOX_POLL_SECONDS = 1.0  # a look for outbox messages due (retries, missed nudges): one read


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


def attach_relay(queue: TaskQueue, relay: Relay) -> None:
    """Deliver the outbox's messages on ``queue``: a dispatch task the relay's nudge
    enqueues after each commit that queued messages, and a poll that finds what is due
    again (retries after back-off, leases of a killed worker)."""
    queue.register("outbox_dispatch", lambda payload: relay.run())
    queue.every(OUTBOX_POLL_SECONDS, relay.poll, name="outbox")
    relay.nudge = lambda: queue.enqueue("outbox_dispatch", {})


def open_wired_queue(
    queue_url: str | None,
    runtime: Runtime,
    jobs: Iterable[ScheduledJob],
    timer_handlers: Mapping[str, TimerHandler],
    relay: Relay | None = None,
) -> TaskQueue:
    """The queue for ``queue_url`` (see :func:`open_queue`) on the runtime's database, with
    the scheduler, the timer pump and the outbox's dispatch attached."""
    queue = open_queue(
        queue_url,
        database_url=runtime.db.url.render_as_string(hide_password=False),
        schema=runtime.db.schema,
    )
    attach(queue, runtime, jobs, timer_handlers)
    if relay is not None:
        attach_relay(queue, relay)
    return queue
