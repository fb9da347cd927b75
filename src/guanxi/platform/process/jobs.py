"""Scheduled jobs at their times (ADR 0029).

Each job's times are slots: for ``every``, multiples of the interval since the Unix epoch
(UTC); for ``cron``, croniter's times in the server's zone. The :class:`Scheduler`, polled
by every consumer, looks at each job's latest slot not after now and claims it by
inserting (job, slot) into ``gx_job_run``: the primary key lets one scheduler win, however
many workers poll, and the winner hands the run to the queue (task ``gx.job``). A worker
that was down for days claims only the latest slot, so a missed run happens once on start,
not once per missed slot. A job never run before starts at its next slot (its first slot
is recorded as skipped): a new installation does not run last night's job at noon.

The run is one write transaction as the system, like ``guanxi jobs run``; its outcome and
result (or error) are written on the slot's row, with the job's work when it succeeds.
"""

from __future__ import annotations

import logging
import math
import os
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter
from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from guanxi.platform.process.queue import TaskQueue
from guanxi.platform.process.runtime import Runtime
from guanxi.platform.process.schedule import ScheduledJob
from guanxi.platform.process.tables import gx_job_run

log = logging.getLogger(__name__)

RUN_TASK = "gx.job"
POLL_SECONDS = 1.0  # how often each consumer looks for a due slot
KEEP_RUNS = timedelta(days=30)  # a job's older rows go when it claims a new slot
QUEUED, OK, ERROR, SKIPPED = "queued", "ok", "error", "skipped"


def server_zone() -> tzinfo:
    """The server's time zone, which cron times are in: ``TZ``, else /etc/localtime's."""
    name = os.environ.get("TZ", "").lstrip(":")
    if name:
        try:
            return ZoneInfo(name)
        except (ValueError, OSError):
            pass
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        if "zoneinfo/" in target:
            try:
                return ZoneInfo(target.split("zoneinfo/", 1)[1])
            except (ValueError, OSError):
                pass
    return datetime.now().astimezone().tzinfo or UTC


def latest_slot(job: ScheduledJob, now: datetime, zone: tzinfo) -> datetime:
    """The latest time ``job`` was due at, not after ``now`` (UTC)."""
    if job.every is not None:
        step = job.every.total_seconds()
        return datetime.fromtimestamp(math.floor(now.timestamp() / step) * step, UTC)
    assert job.cron is not None
    # croniter's get_prev is strictly before its start: start at the next whole minute.
    start = now.astimezone(zone).replace(second=0, microsecond=0) + timedelta(minutes=1)
    previous: datetime = croniter(job.cron, start).get_prev(datetime)
    return previous.astimezone(UTC)


@dataclass(frozen=True)
class LastRun:
    slot_at: datetime
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    detail: str | None


class Scheduler:
    """Claims due slots and queues their runs; ``attach`` registers it on a queue."""

    def __init__(
        self,
        runtime: Runtime,
        queue: TaskQueue,
        jobs: Iterable[ScheduledJob],
        *,
        zone: tzinfo | None = None,
    ) -> None:
        self.runtime = runtime
        self.queue = queue
        self.jobs = {job.name: job for job in jobs}
        self.zone = zone or server_zone()
        # The slot each job was last seen claimed at, by this scheduler or another: a poll
        # between two slots then writes nothing (on SQLite, takes no write lock).
        self._claimed: dict[str, datetime] = {}
        for job in self.jobs.values():
            if job.cron is not None and not croniter.is_valid(job.cron):
                raise ValueError(f"job {job.name}: cron {job.cron!r} is not valid")

    def attach(self) -> None:
        """Register the run task and poll for due slots on the queue's consumers."""
        self.queue.register(RUN_TASK, self._run_task)
        self.queue.every(POLL_SECONDS, self.tick, name="scheduled-jobs")

    def tick(self) -> bool:
        """Claim and queue every job's due slot; always False (nothing more right away)."""
        now = self.runtime.clock.now()
        for job in self.jobs.values():
            slot = latest_slot(job, now, self.zone)
            if self._claimed.get(job.name) == slot:
                continue
            won = self._claim(job.name, slot, now)
            self._claimed[job.name] = slot
            if won:
                try:
                    self.queue.enqueue(RUN_TASK, {"job": job.name, "slot_at": slot.isoformat()})
                except Exception as exc:  # the slot is taken: say why it never ran
                    log.exception("job %s: queueing the run of %s failed", job.name, slot)
                    self._finish(job.name, slot, ERROR, f"not queued: {exc}")
        return False

    def _claim(self, name: str, slot: datetime, now: datetime) -> bool:
        with self.runtime.db.write() as conn:
            first = (
                conn.execute(
                    select(gx_job_run.c.job).where(gx_job_run.c.job == name).limit(1)
                ).first()
                is None
            )
            insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            claimed = conn.execute(
                insert(gx_job_run)
                .values(
                    job=name,
                    slot_at=slot,
                    started_at=now,
                    finished_at=now if first else None,
                    outcome=SKIPPED if first else QUEUED,
                    detail="first slot seen: runs from the next one" if first else None,
                )
                .on_conflict_do_nothing(index_elements=["job", "slot_at"])
                .returning(gx_job_run.c.job)  # rowcount is -1 here on psycopg
            ).first()
            if claimed is not None:
                conn.execute(
                    delete(gx_job_run).where(
                        gx_job_run.c.job == name, gx_job_run.c.slot_at < now - KEEP_RUNS
                    )
                )
        return claimed is not None and not first

    def _run_task(self, payload: dict[str, Any]) -> object:
        name = payload["job"]
        slot = datetime.fromisoformat(payload["slot_at"])
        job = self.jobs.get(name)
        if job is None:
            self._finish(name, slot, ERROR, "no such job in this worker")
            return None
        try:
            with self.runtime.as_system() as ctx:
                result = job.run(ctx)
                _set_outcome(ctx.conn, name, slot, OK, repr(result), self.runtime.clock.now())
        except Exception:
            log.exception("job %s (slot %s) failed", name, slot)
            self._finish(name, slot, ERROR, traceback.format_exc(limit=5)[-4000:])
            return None
        return result

    def _finish(self, name: str, slot: datetime, outcome: str, detail: str) -> None:
        with self.runtime.db.write() as conn:
            _set_outcome(conn, name, slot, outcome, detail, self.runtime.clock.now())


def _set_outcome(
    conn: Connection, name: str, slot: datetime, outcome: str, detail: str, now: datetime
) -> None:
    conn.execute(
        update(gx_job_run)
        .where(gx_job_run.c.job == name, gx_job_run.c.slot_at == slot)
        .values(outcome=outcome, detail=detail[:4000], finished_at=now)
    )


def last_runs(conn: Connection, names: Sequence[str]) -> dict[str, LastRun]:
    """Each job's latest claimed slot, by name (jobs that never ran are missing)."""
    latest = (
        select(gx_job_run.c.job, func.max(gx_job_run.c.slot_at).label("slot_at"))
        .where(gx_job_run.c.job.in_(names))
        .group_by(gx_job_run.c.job)
        .subquery()
    )
    rows = conn.execute(
        select(gx_job_run).join(
            latest,
            (gx_job_run.c.job == latest.c.job) & (gx_job_run.c.slot_at == latest.c.slot_at),
        )
    )
    return {
        row.job: LastRun(row.slot_at, row.started_at, row.finished_at, row.outcome, row.detail)
        for row in rows
    }
