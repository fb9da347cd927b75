"""Timers: run a handler once an absolute instant has passed (ADR 0029).

``arm(conn, handler, key, due_at, payload)`` and ``disarm(conn, handler, key)`` write in the
caller's transaction: a rolled-back write arms nothing, and a committed one survives any
restart. ``(handler, key)`` names a timer, so arming it again moves it (and re-arms one that
has fired). The :class:`TimerPump` fires what is due, in batches: each batch is one write
transaction that takes the due rows (on PostgreSQL ``FOR UPDATE SKIP LOCKED``, so pumps in
other processes take other rows; SQLite's write transactions run one at a time), runs
each handler with a system unit of work in a savepoint of its own and marks the row fired
in the same transaction. A timer's effects and its "fired" mark commit together: it fires
once, however many pumps run. A handler that raises is rolled back alone, and the timer
is tried again later (``BACKOFF_BASE`` × 2ⁿ, at most ``BACKOFF_MAX``) with the error on
its row, until ``MAX_ATTEMPTS``. Handlers that reach outside the database (mail,
webhooks) enqueue that work to run after the commit.

Time comes from the runtime's clock, so tests move a fake clock and never sleep.
"""

from __future__ import annotations

import logging
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from guanxi.platform.process.runtime import Runtime
from guanxi.platform.process.tables import gx_timer
from guanxi.platform.records.context import Ctx

log = logging.getLogger(__name__)

TimerHandler = Callable[[Ctx, dict[str, Any]], object]

BATCH = 500  # timers taken per transaction at most
BATCH_SECONDS = 0.25  # a batch stops taking timers after this long: it holds SQLite's write lock
MAX_ATTEMPTS = 10
BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_MAX = timedelta(hours=1)
PENDING, FIRED, FAILED = "pending", "fired", "failed"


def arm(
    conn: Connection,
    handler: str,
    key: str,
    due_at: datetime,
    payload: Mapping[str, Any] | None = None,
    *,
    now: datetime,
) -> None:
    """Set timer (``handler``, ``key``) to fire at ``due_at`` (aware) with ``payload``, in
    the caller's transaction; an existing one is moved and starts afresh."""
    if due_at.tzinfo is None:
        raise ValueError("a timer's due time needs a time zone")
    values = {
        "handler": handler,
        "key": key,
        "due_at": due_at,
        "run_at": due_at,
        "payload": dict(payload or {}),
        "state": PENDING,
        "attempts": 0,
        "error": None,
        "armed_at": now,
        "fired_at": None,
    }
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(gx_timer).values(id=uuid.uuid4(), **values)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["handler", "key"],
            set_={k: stmt.excluded[k] for k in values if k not in ("handler", "key")},
        )
    )


def disarm(conn: Connection, handler: str, key: str) -> bool:
    """Remove timer (``handler``, ``key``) in the caller's transaction; whether it was
    pending."""
    removed = conn.execute(
        delete(gx_timer)
        .where(gx_timer.c.handler == handler, gx_timer.c.key == key)
        .returning(gx_timer.c.state)
    ).all()
    return any(state == PENDING for (state,) in removed)


def backoff(attempts: int) -> timedelta:
    """How long after its ``attempts``-th failure a timer is tried again."""
    delay: timedelta = BACKOFF_BASE * 2 ** min(attempts - 1, 20)
    return min(delay, BACKOFF_MAX)


class TimerPump:
    """Fires due timers with the handlers registered by name."""

    def __init__(
        self,
        runtime: Runtime,
        handlers: Mapping[str, TimerHandler],
        *,
        batch_seconds: float = BATCH_SECONDS,
    ) -> None:
        self.runtime = runtime
        self.handlers = dict(handlers)
        self.batch_seconds = batch_seconds

    def fire_due(self, limit: int = BATCH) -> int:
        """One batch: fire up to ``limit`` timers due by the clock's time; returns how many
        were taken (fired or failed)."""
        db = self.runtime.db
        now = self.runtime.clock.now()
        started = time.monotonic()
        due = (gx_timer.c.state == PENDING) & (gx_timer.c.run_at <= now)
        with db.read() as conn:  # an idle pump's look takes no write lock
            if conn.execute(select(gx_timer.c.id).where(due).limit(1)).first() is None:
                return 0
        with db.write() as conn:
            stmt = (
                select(gx_timer.c.id, gx_timer.c.handler, gx_timer.c.payload, gx_timer.c.attempts)
                .where(due)
                .order_by(gx_timer.c.run_at)
                .limit(limit)
            )
            if conn.dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            rows = conn.execute(stmt).all()
            if not rows:
                return 0
            ctx = self.runtime.system_ctx(conn)
            fired: list[uuid.UUID] = []
            taken = 0
            for row in rows:
                taken += 1
                handler = self.handlers.get(row.handler)
                try:
                    with conn.begin_nested():
                        if handler is None:
                            raise LookupError(f"no timer handler named {row.handler!r}")
                        handler(ctx, row.payload)
                except Exception as exc:
                    self._failed(conn, row.id, row.handler, row.attempts + 1, exc, now)
                else:
                    fired.append(row.id)
                if time.monotonic() - started > self.batch_seconds:
                    break
            if fired:
                conn.execute(
                    update(gx_timer)
                    .where(gx_timer.c.id.in_(fired))
                    .values(state=FIRED, fired_at=self.runtime.clock.now(), error=None)
                )
        return taken

    def pump(self) -> bool:
        """A poll of the consumer: one batch; True when more may be due at once."""
        return self.fire_due() > 0

    def _failed(
        self,
        conn: Connection,
        timer_id: uuid.UUID,
        handler: str,
        attempts: int,
        exc: Exception,
        now: datetime,
    ) -> None:
        gave_up = attempts >= MAX_ATTEMPTS
        log.warning(
            "timer %s (%s) failed, attempt %d%s: %s",
            timer_id,
            handler,
            attempts,
            ", giving up" if gave_up else "",
            exc,
        )
        conn.execute(
            update(gx_timer)
            .where(gx_timer.c.id == timer_id)
            .values(
                attempts=attempts,
                state=FAILED if gave_up else PENDING,
                run_at=now + backoff(attempts),
                error="".join(traceback.format_exception_only(exc)).strip()[:4000],
            )
        )


def purge_fired(conn: Connection, before: datetime) -> int:
    """Delete the timers that fired before ``before``; how many."""
    result = conn.execute(
        delete(gx_timer).where(gx_timer.c.state == FIRED, gx_timer.c.fired_at < before)
    )
    return result.rowcount
