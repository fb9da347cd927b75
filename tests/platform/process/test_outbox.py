"""The outbox as a receiver outside the database sees it: every kind of write arrives once
it is committed, never when it is rolled back, and a failing receiver or a dispatcher that
dies midway gets the same message again, with the same idempotency key, on SQLite and
PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select

from guanxi.kernel.db import Database
from guanxi.platform.access.actor import SYSTEM
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.metadata.schemas import FieldIn, ObjectIn
from guanxi.platform.metadata.service import create_field, create_object
from guanxi.platform.process import outbox
from guanxi.platform.process.tables import gx_outbox
from guanxi.platform.records import deletion, service, updates
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.hooks import WriteHooks

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


@dataclass
class Receiver:
    """A handler standing for an outside system: it takes project events and keeps what
    reached it; ``failures`` makes its next attempts fail."""

    name: str = "receiver"
    objects: tuple[str, ...] = ("project", "task")
    got: list[outbox.Message] = field(default_factory=list)
    failures: int = 0

    def wants(self, ctx: Ctx, object_name: str) -> bool:
        return object_name in self.objects

    def messages(self, ctx: Ctx, event: dict[str, Any]) -> Iterable[outbox.Outgoing]:
        return [outbox.Outgoing(event)] if event["object"] in self.objects else []

    def deliver(self, message: outbox.Message) -> str | None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the receiver answered 503")
        self.got.append(message)
        return "200"


@dataclass
class Clock:
    at: datetime = NOW

    def __call__(self) -> datetime:
        return self.at


@dataclass
class Crm:
    db: Database
    registry: Registry
    receiver: Receiver
    clock: Clock
    nudges: list[int] = field(default_factory=list)

    @property
    def hook(self) -> outbox.Outbox:
        return outbox.Outbox([self.receiver], nudge=lambda: self.nudges.append(1))

    @contextmanager
    def work(self) -> Iterator[Ctx]:
        with self.db.write() as conn:
            yield Ctx.open(conn, self.registry, SYSTEM, self.clock(), hooks=WriteHooks([self.hook]))

    def dispatch(self) -> outbox.Dispatched:
        return outbox.dispatch(self.db, {self.receiver.name: self.receiver}, self.clock)

    def rows(self) -> list[Any]:
        with self.db.read() as conn:
            mine = select(gx_outbox).where(gx_outbox.c.handler == self.receiver.name)
            return list(conn.execute(mine.order_by(gx_outbox.c.id)))

    def events(self) -> list[tuple[str, str]]:
        return [(m.payload["event"], m.payload["object"]) for m in self.receiver.got]


@pytest.fixture
def crm(db: Database) -> Crm:
    """project ← task (a lookup whose deletion cascades); ``memo`` nobody listens to."""
    registry = Registry()
    with db.write() as conn:
        for name in ("project", "task", "memo"):
            create_object(conn, registry, ObjectIn(name=name, label={"en": name}), now=NOW)
            create_field(
                conn,
                registry,
                name,
                FieldIn(name="name", label={"en": "Name"}, type="text"),
                now=NOW,
            )
        create_field(
            conn,
            registry,
            "project",
            FieldIn(name="budget", label={"en": "Budget"}, type="decimal", scale=2),
            now=NOW,
        )
        create_field(
            conn,
            registry,
            "task",
            FieldIn(
                name="project",
                label={"en": "Project"},
                type="lookup",
                target="project",
                on_delete="cascade",
            ),
            now=NOW,
        )
    return Crm(db, registry, Receiver(), Clock())


def test_each_kind_of_write_reaches_the_receiver_after_commit_with_what_changed(
    crm: Crm,
) -> None:
    with crm.work() as ctx:
        project = service.create(ctx, "project", {"name": "ERP 上线", "budget": "1200000.50"})
        service.create(ctx, "memo", {"name": "nobody listens"})
        assert crm.nudges == []
    assert crm.nudges == [1]  # one nudge per transaction, after its commit
    pid = UUID(project["id"])
    with crm.work() as ctx:
        updates.update_record(ctx, "project", pid, {"budget": "900000"}, expected_version=1)
        service.create(ctx, "task", {"name": "培训", "project": str(pid)})
    with crm.work() as ctx:
        deletion.delete_record(ctx, "project", pid)  # the task goes with it
    with crm.work() as ctx:
        deletion.restore_record(ctx, "project", pid)
    with crm.work() as ctx:
        deletion.delete_record(ctx, "project", pid)
        deletion.purge_record(ctx, "project", pid)

    assert crm.dispatch().delivered == 11
    # What a lookup's on_delete rule does comes first, then the write that caused it.
    assert crm.events() == [
        ("created", "project"),
        ("updated", "project"),
        ("created", "task"),
        ("deleted", "task"),
        ("deleted", "project"),
        ("restored", "project"),
        ("restored", "task"),
        ("deleted", "task"),
        ("deleted", "project"),
        ("purged", "task"),
        ("purged", "project"),
    ]
    created, updated = crm.receiver.got[0].payload, crm.receiver.got[1].payload
    assert created["record"]["budget"] == "1200000.50"  # decimals stay exact
    assert updated["changes"] == {"budget": {"old": "1200000.50", "new": "900000.00"}}
    assert updated["record"]["name"] == "ERP 上线" and updated["record"]["budget"] == "900000.00"
    cascade = crm.receiver.got[3].payload
    assert cascade["cause"] == {"event": "deleted", "object": "project", "record_id": str(pid)}
    assert {m.record_id for m in crm.receiver.got[:2]} == {pid}
    assert len({m.key for m in crm.receiver.got}) == 11
    assert {row.state for row in crm.rows()} == {"done"}  # kept as the log
    assert crm.dispatch().delivered == 0  # delivered once


def test_a_rolled_back_write_sends_nothing(crm: Crm) -> None:
    with pytest.raises(RuntimeError), crm.work() as ctx:
        service.create(ctx, "project", {"name": "never was"})
        raise RuntimeError("the request failed after the write")
    assert crm.nudges == []
    with crm.db.read() as conn:  # not even the search index's queue has it
        assert conn.execute(select(gx_outbox)).first() is None
    assert crm.dispatch() == (0, 0, False) and crm.receiver.got == []


def test_a_bulk_create_sends_one_message_per_record(crm: Crm) -> None:
    with crm.work() as ctx:
        service.create_many(ctx, "project", [{"name": f"P{i}"} for i in range(5)])
    assert crm.nudges == [1]
    assert crm.dispatch().delivered == 5
    assert sorted(m.payload["record"]["name"] for m in crm.receiver.got) == [
        f"P{i}" for i in range(5)
    ]


def test_a_failing_receiver_is_retried_with_back_off_under_the_same_key(crm: Crm) -> None:
    with crm.work() as ctx:
        service.create(ctx, "project", {"name": "ERP"})
    crm.receiver.failures = 2
    assert crm.dispatch() == (0, 1, False)
    [row] = crm.rows()
    assert row.attempts == 1 and row.error == "ConnectionError: the receiver answered 503"
    assert row.due_at == NOW + outbox.FIRST_RETRY
    crm.clock.at += timedelta(seconds=29)
    assert crm.dispatch() == (0, 0, False)  # not due yet
    crm.clock.at += timedelta(seconds=1)
    assert crm.dispatch() == (0, 1, False)
    assert crm.rows()[0].due_at == crm.clock.at + 2 * outbox.FIRST_RETRY  # doubled
    crm.clock.at += 2 * outbox.FIRST_RETRY
    assert crm.dispatch() == (1, 0, False)
    [message] = crm.receiver.got
    assert message.attempt == 3 and message.key == row.key
    [done] = crm.rows()
    assert done.state == "done" and done.error is None and done.done_at == crm.clock.at
    assert done.result == "200"


def test_a_dispatcher_that_dies_midway_leaves_its_messages_to_the_next(crm: Crm) -> None:
    with crm.work() as ctx:
        service.create(ctx, "project", {"name": "ERP"})
    with crm.db.write() as conn:  # claimed, then the process is killed before delivering
        [claimed] = outbox._claim(conn, ["receiver"], crm.clock(), outbox.BATCH)
    assert crm.dispatch() == (0, 0, False)  # the lease holds
    crm.clock.at += outbox.LEASE
    assert crm.dispatch() == (1, 0, False)
    [message] = crm.receiver.got
    assert message.key == claimed.key and message.attempt == 2


def test_a_message_dies_after_the_last_attempt_and_an_administrator_may_retry_it(
    crm: Crm,
) -> None:
    with crm.work() as ctx:
        service.create(ctx, "project", {"name": "ERP"})
    crm.receiver.failures = outbox.MAX_ATTEMPTS
    for _ in range(outbox.MAX_ATTEMPTS):
        assert crm.dispatch().failed == 1
        crm.clock.at += outbox.MAX_BACKOFF
    [dead] = crm.rows()
    assert dead.state == "dead" and dead.attempts == outbox.MAX_ATTEMPTS
    assert crm.dispatch() == (0, 0, False)
    with crm.db.write() as conn:
        assert outbox.retry(conn, dead.id)
    assert crm.dispatch() == (1, 0, False)
    assert crm.receiver.got[0].key == dead.key


def test_concurrent_dispatchers_deliver_each_message_once(crm: Crm) -> None:
    with crm.work() as ctx:
        service.create_many(ctx, "project", [{"name": f"P{i}"} for i in range(40)])
    start = threading.Barrier(4)
    lock = threading.Lock()
    slow = crm.receiver

    class Slow(Receiver):
        def deliver(self, message: outbox.Message) -> str | None:
            with lock:
                slow.got.append(message)
            return None

    racer = Slow()

    def run() -> None:
        start.wait()
        while outbox.dispatch(crm.db, {"receiver": racer}, crm.clock, batch=5).more:
            pass

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(slow.got) == 40 and len({m.id for m in slow.got}) == 40


def test_done_messages_are_forgotten_after_the_keeping_time(crm: Crm) -> None:
    with crm.work() as ctx:
        service.create(ctx, "project", {"name": "ERP"})
    crm.dispatch()
    with crm.db.write() as conn:
        assert outbox.sweep(conn, NOW + outbox.KEEP_DONE) == 0
        assert outbox.sweep(conn, NOW + outbox.KEEP_DONE + timedelta(seconds=1)) == 1
    assert crm.rows() == []


def test_handlers_need_their_own_names() -> None:
    with pytest.raises(ValueError):
        outbox.Outbox([Receiver(), Receiver()])
    with pytest.raises(ValueError):
        outbox.Outbox([Receiver(name="search")])
