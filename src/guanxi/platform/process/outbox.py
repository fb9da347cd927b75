"""The outbox: what follows committed writes, at least once (ADR 0030).

Every record write passes the records service's write hooks (:mod:`guanxi.platform.records.
hooks`), creates, updates, deletes, restores, purges and what a lookup's ``on_delete`` does,
single and bulk. The :class:`Outbox` hook turns each into a domain event
(:func:`domain_event`) and asks each :class:`Handler` which messages it wants for it; those
are rows of ``gx_outbox``, written in the write's transaction, so a rolled-back write
leaves none and a committed one cannot lose them.

After the commit, :func:`dispatch` delivers what is due: it claims a batch of messages for
a lease (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so several dispatchers share the work),
calls the handler outside any transaction, and marks each message done, or due again
after an exponential back-off with the error kept on the row, or dead after
``MAX_ATTEMPTS``. A process killed midway leaves its claimed messages to be taken again
when the lease ends. Every attempt of one message carries the same idempotency key, which
receivers use to see a retry as one delivery. Done rows stay ``KEEP_DONE`` as the visible
log (``GET /api/v1/admin/outbox``); dead ones until an administrator retries them.

The search index's queue is the same table: its handler's messages (``"search"``) are
written by the records service's own statements and drained in the database by the
indexer (:mod:`guanxi.platform.search.index`), not by :func:`dispatch`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol
from uuid import UUID

from sqlalchemy import Connection, Select, and_, delete, insert, or_, select, update

from guanxi.kernel.db import Database, transaction_notes
from guanxi.kernel.errors import NotFound, PermissionDenied
from guanxi.kernel.ids import uuid7
from guanxi.platform.process.tables import gx_outbox
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.hooks import EVERY_OBJECT, WriteEvent
from guanxi.platform.records.values import plain

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10  # the last retry comes about 4 hours after the first attempt
FIRST_RETRY = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
LEASE = timedelta(minutes=5)  # a claimed message nobody finished is taken again after this
KEEP_DONE = timedelta(days=30)
BATCH = 100  # messages one dispatch claims at a time
MAX_ERROR = 2000  # characters of an error kept on the row

# The event names a write becomes, as webhooks and automation rules name them.
EVENT_NAMES = {
    "create": "created",
    "update": "updated",
    "delete": "deleted",
    "restore": "restored",
    "purge": "purged",
}


@dataclass(frozen=True)
class Outgoing:
    """A message a handler wants sent for an event, to one of its targets (a webhook)."""

    payload: dict[str, Any]
    target_id: UUID | None = None


@dataclass(frozen=True)
class Message:
    """One message as a handler receives it."""

    id: int
    handler: str
    key: UUID  # the same on every attempt
    object_name: str
    record_id: UUID | None
    payload: dict[str, Any]
    target_id: UUID | None
    attempt: int  # 1 for the first


class GiveUp(Exception):
    """Raised by a handler for a message no retry can deliver (its target is gone or
    switched off): the message is dead at once, with this as its error."""


class Handler(Protocol):
    """Something outside the database that follows record writes (webhooks, automation
    actions, notifications)."""

    @property
    def name(self) -> str: ...

    def wants(self, ctx: Ctx, object_name: str) -> bool:
        """Whether any write of the object may concern the handler (answer from memory);
        False spares describing the write at all."""
        ...

    def messages(self, ctx: Ctx, event: dict[str, Any]) -> Iterable[Outgoing]:
        """The messages to send for one domain event (none: not interested). Runs in the
        write's transaction, on every write: answer from memory."""
        ...

    def deliver(self, message: Message) -> str | None:
        """Do it, after the commit; returns what to log as its result (an HTTP status).
        Raise to have it tried again later, :class:`GiveUp` to stop trying."""
        ...


def domain_event(ctx: Ctx, event: WriteEvent) -> dict[str, Any]:
    """A write as the handlers (and, through them, receivers) see it.

    ``record`` is the record after the write (before it, for a delete or a purge);
    ``changes`` names each field an update changed with its value before and after;
    ``cause`` is the write a lookup's ``on_delete`` rule followed."""
    body: dict[str, Any] = {
        "event": EVENT_NAMES[event.action],
        "object": event.object,
        "record_id": str(event.record_id) if event.record_id else None,
        "at": ctx.now.isoformat(),
        "actor_id": str(ctx.actor.user_id) if ctx.actor.user_id else None,
    }
    # The record as the write left it (as it was, for a delete or a purge).
    body["record"] = plain({**(event.stored or {}), **event.values})
    if event.action == "update":
        body["changes"] = {
            name: {"old": plain(event.old.get(name)), "new": plain(value)}
            for name, value in event.values.items()
        }
    if event.cause is not None:
        body["cause"] = {
            "event": EVENT_NAMES[event.cause.action],
            "object": event.cause.object,
            "record_id": str(event.cause.record_id) if event.cause.record_id else None,
        }
    return body


class Outbox:
    """The write hook that writes the handlers' messages in the write's transaction, and
    has ``nudge`` called once the transaction commits (to start a dispatch soon)."""

    objects = (EVERY_OBJECT,)

    def __init__(self, handlers: Sequence[Handler], nudge: Callable[[], None] | None = None):
        names = [h.name for h in handlers]
        if len(names) != len(set(names)) or "search" in names:
            raise ValueError("outbox handlers need distinct names other than 'search'")
        self.handlers = tuple(handlers)
        self.nudge = nudge

    def before(self, ctx: Ctx, event: WriteEvent) -> None:
        return None

    def after(self, ctx: Ctx, event: WriteEvent) -> None:
        wanting = [h for h in self.handlers if h.wants(ctx, event.object)]
        body = domain_event(ctx, event) if wanting else {}
        rows = [
            {
                "handler": handler.name,
                "object_name": event.object,
                "record_ids": [event.record_id.hex] if event.record_id else [],
                "payload": out.payload,
                "target_id": out.target_id,
                "key": uuid7(),
                "created_at": ctx.now,
            }
            for handler in wanting
            for out in handler.messages(ctx, body)
        ]
        if rows:
            ctx.conn.execute(insert(gx_outbox), rows)
        notes = transaction_notes(ctx.conn)
        if rows or (notes is not None and notes.scratch.get(_QUEUED)):
            nudge_after_commit(ctx.conn, self.nudge)


_QUEUED = "outbox.queued"  # a transaction's scratch: messages were queued besides the hook


def enqueue(
    conn: Connection,
    handler: str,
    object_name: str,
    record_id: UUID | None,
    payload: dict[str, Any],
    target_id: UUID | None,
    now: datetime,
) -> None:
    """Queue one message in this transaction, outside the hook (an automation rule's
    webhook call): the hook's next write in the transaction nudges for it too, and the
    periodic dispatch finds it in any case."""
    conn.execute(
        insert(gx_outbox).values(
            handler=handler,
            object_name=object_name,
            record_ids=[record_id.hex] if record_id else [],
            payload=payload,
            target_id=target_id,
            key=uuid7(),
            created_at=now,
        )
    )
    notes = transaction_notes(conn)
    if notes is not None:
        notes.scratch[_QUEUED] = True


def nudge_after_commit(conn: Connection, nudge: Callable[[], None] | None) -> None:
    """Have ``nudge`` (start a dispatch soon) run once, when this transaction commits."""
    notes = transaction_notes(conn)
    if nudge is not None and notes is not None and nudge not in notes.after_commit:
        notes.after_commit.append(nudge)


@dataclass(frozen=True)
class Timing:
    """How long a claim holds (``lease``) and the first retry's delay (doubling after)."""

    lease: timedelta = LEASE
    first_retry: timedelta = FIRST_RETRY


class Relay:
    """An installation's outbox handlers: the write hook that queues their messages and
    the dispatch that delivers them. ``nudge`` is how a commit asks for a dispatch soon
    (the task queue's; None: only the periodic dispatch delivers)."""

    def __init__(
        self,
        db: Database,
        handlers: Sequence[Handler],
        now: Callable[[], datetime],
        nudge: Callable[[], None] | None = None,
        timing: Timing = Timing(),
    ) -> None:
        self.db = db
        self.handlers = {h.name: h for h in handlers}
        self.now = now
        self.nudge = nudge
        self.timing = timing
        self.hook = Outbox(handlers, nudge=self._nudge)

    def _nudge(self) -> None:
        if self.nudge is not None:
            try:
                self.nudge()
            except Exception:  # the write is committed: the periodic dispatch will follow
                log.exception("could not start an outbox dispatch")

    def poll(self) -> bool:
        """The queue's poll: dispatch if anything is due (a read when nothing is)."""
        with self.db.read() as conn:
            waiting = conn.execute(_due(list(self.handlers), self.now()).limit(1)).first()
        if waiting is not None:
            self.run()
        return False

    def run(self) -> Dispatched:
        """Dispatch until nothing more is due now; the total of what it did."""
        delivered = failed = 0
        while True:
            done = dispatch(self.db, self.handlers, self.now, timing=self.timing)
            delivered, failed = delivered + done.delivered, failed + done.failed
            if not done.more:
                return Dispatched(delivered, failed, False)


class Dispatched(NamedTuple):
    delivered: int
    failed: int
    more: bool  # a full batch was claimed: there may be more due


def backoff(attempt: int, first: timedelta = FIRST_RETRY) -> timedelta:
    """How long after failed attempt number ``attempt`` the next one comes."""
    delay: timedelta = first * 2 ** (attempt - 1)
    return min(delay, MAX_BACKOFF)


def dispatch(
    db: Database,
    handlers: Mapping[str, Handler],
    now: Callable[[], datetime],
    batch: int = BATCH,
    *,
    timing: Timing = Timing(),
) -> Dispatched:
    """Deliver one batch of due messages of ``handlers``; see the module's docstring."""
    if not handlers:
        return Dispatched(0, 0, False)
    with db.write() as conn:
        messages = _claim(conn, list(handlers), now(), batch, timing.lease)
    delivered = failed = 0
    for message in messages:
        try:
            result = handlers[message.handler].deliver(message)
        except Exception as error:  # a handler's failure is the message's, not the dispatcher's
            failed += 1
            log.warning("outbox message %s (%s) failed: %s", message.id, message.handler, error)
            why = str(error) if isinstance(error, GiveUp) else f"{type(error).__name__}: {error}"
            _failed(db, message, why[:MAX_ERROR], now(), timing, last=isinstance(error, GiveUp))
        else:
            delivered += 1
            with db.write() as conn:
                conn.execute(
                    update(gx_outbox)
                    .where(gx_outbox.c.id == message.id)
                    .values(state="done", done_at=now(), due_at=None, error=None, result=result)
                )
    return Dispatched(delivered, failed, len(messages) == batch)


def _due(names: list[str], at: datetime) -> Select[Any]:
    return (
        select(gx_outbox)
        .where(
            gx_outbox.c.handler.in_(names),
            gx_outbox.c.state == "pending",
            or_(gx_outbox.c.due_at.is_(None), gx_outbox.c.due_at <= at),
        )
        .order_by(gx_outbox.c.id)
    )


def _claim(
    conn: Connection, names: list[str], at: datetime, batch: int, lease: timedelta = LEASE
) -> list[Message]:
    due = _due(names, at).limit(batch)
    if conn.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    rows = conn.execute(due).all()
    if not rows:
        return []
    conn.execute(
        update(gx_outbox)
        .where(gx_outbox.c.id.in_([row.id for row in rows]))
        .values(attempts=gx_outbox.c.attempts + 1, due_at=at + lease)
    )
    return [
        Message(
            id=row.id,
            handler=row.handler,
            key=row.key,
            object_name=row.object_name,
            record_id=UUID(row.record_ids[0]) if row.record_ids else None,
            payload=row.payload or {},
            target_id=row.target_id,
            attempt=row.attempts + 1,
        )
        for row in rows
    ]


def _failed(
    db: Database, message: Message, error: str, at: datetime, timing: Timing, *, last: bool
) -> None:
    values: dict[str, Any] = {"error": error}
    if last or message.attempt >= MAX_ATTEMPTS:
        values.update(state="dead", due_at=None)
    else:
        values["due_at"] = at + backoff(message.attempt, timing.first_retry)
    with db.write() as conn:
        conn.execute(update(gx_outbox).where(gx_outbox.c.id == message.id).values(values))


def next_due(conn: Connection, names: Iterable[str]) -> datetime | None:
    """When the earliest message of ``names`` waiting for a retry or a lease is due."""
    return conn.execute(
        select(gx_outbox.c.due_at)
        .where(
            gx_outbox.c.handler.in_(list(names)),
            gx_outbox.c.state == "pending",
            gx_outbox.c.due_at.is_not(None),
        )
        .order_by(gx_outbox.c.due_at)
        .limit(1)
    ).scalar()


# -- the log, for administrators (``manage_automation``) -------------------------------------
RIGHT = "manage_automation"


def messages_log(
    ctx: Ctx,
    *,
    handler: str | None = None,
    state: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """Messages newest first (the search index's are its own business and not shown)."""
    _may_see(ctx)
    stmt = select(gx_outbox).where(gx_outbox.c.handler != "search")
    if handler is not None:
        stmt = stmt.where(gx_outbox.c.handler == handler)
    if state is not None:
        stmt = stmt.where(gx_outbox.c.state == state)
    if before is not None:
        stmt = stmt.where(gx_outbox.c.id < before)
    rows = ctx.conn.execute(stmt.order_by(gx_outbox.c.id.desc()).limit(limit + 1)).all()
    return {
        "messages": [_shown(ctx, row) for row in rows[:limit]],
        "next_before": rows[limit - 1].id if len(rows) > limit else None,
    }


def retry_message(ctx: Ctx, message_id: int) -> dict[str, Any]:
    """Make a failed (or waiting) message due at once, its attempts counted afresh."""
    _may_see(ctx)
    if not retry(ctx.conn, message_id):
        raise NotFound(f"no waiting or failed outbox message {message_id}")
    ctx.audit("outbox.retry", str(message_id))
    return _shown(
        ctx, ctx.conn.execute(select(gx_outbox).where(gx_outbox.c.id == message_id)).one()
    )


def _shown(ctx: Ctx, row: Any) -> dict[str, Any]:
    payload = row.payload or {}
    return {
        "id": row.id,
        "handler": row.handler,
        "object": row.object_name,
        "record_id": payload.get("record_id"),
        "event": payload.get("event"),
        "target_id": plain(row.target_id),
        "idempotency_key": plain(row.key),
        "state": row.state,
        "attempts": row.attempts,
        "due_at": plain(row.due_at, ctx.zone),
        "done_at": plain(row.done_at, ctx.zone),
        "result": row.result,
        "error": row.error,
        "created_at": plain(row.created_at, ctx.zone),
    }


def _may_see(ctx: Ctx) -> None:
    if not ctx.actor.has_right(RIGHT):
        raise PermissionDenied(f"the outbox log needs the {RIGHT} right")


def retry(conn: Connection, message_id: int) -> bool:
    """Make a dead (or waiting) message due at once; False if there is none such."""
    done = conn.execute(
        update(gx_outbox)
        .where(
            gx_outbox.c.id == message_id,
            gx_outbox.c.handler != "search",
            gx_outbox.c.state != "done",
        )
        .values(state="pending", due_at=None, attempts=0)
    )
    return done.rowcount == 1


def sweep(conn: Connection, at: datetime) -> int:
    """Forget done messages older than ``KEEP_DONE``; returns how many."""
    gone = conn.execute(
        delete(gx_outbox).where(
            and_(gx_outbox.c.state == "done", gx_outbox.c.done_at < at - KEEP_DONE)
        )
    )
    return gone.rowcount
