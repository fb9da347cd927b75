"""The task queue: named tasks with JSON payloads, immediate in tests, stored otherwise."""

from __future__ import annotations

import os
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from guanxi.kernel.db import Database
from guanxi.platform.process.queue import TaskQueue, open_queue, sqlite_queue_file

REDIS_URL = os.environ.get("GUANXI_TEST_REDIS_URL", "")
WAIT_S = 15.0  # the most a test waits for a consumer thread; it returns as soon as it is done


def _stored_queue(db: Database) -> TaskQueue:
    """A queue kept where `guanxi serve` keeps it for ``db``: a file beside SQLite, tables
    in PostgreSQL."""
    return open_queue(
        None,
        database_url=db.url.render_as_string(hide_password=False),
        schema=db.schema,
        name=f"test-{uuid.uuid4().hex[:8]}",
    )


def test_an_immediate_queue_runs_a_task_as_it_is_enqueued() -> None:
    queue = open_queue(None, database_url="sqlite://", immediate=True)
    seen: list[dict[str, Any]] = []
    queue.register("greet", seen.append)
    queue.enqueue("greet", {"name": "王芳", "n": 1})
    assert seen == [{"name": "王芳", "n": 1}]
    with pytest.raises(LookupError, match="no task named 'nope'"):
        queue.enqueue("nope", {})
    with pytest.raises(TypeError):
        queue.enqueue("greet", {"when": object()})  # payloads are JSON
    with pytest.raises(ValueError, match="registered already"):
        queue.register("greet", seen.append)


def test_a_task_with_an_eta_waits_for_it_and_a_failing_one_is_retried() -> None:
    queue = open_queue(None, database_url="sqlite://", immediate=True)
    seen: list[dict[str, Any]] = []
    failures = [RuntimeError("once")]

    def flaky(payload: dict[str, Any]) -> None:
        if failures:
            raise failures.pop()
        seen.append(payload)

    queue.register("later", seen.append)
    queue.register("flaky", flaky, retries=2, retry_delay=30)
    due = datetime.now(UTC) + timedelta(hours=1)
    queue.enqueue("later", {"n": 1}, eta=due)
    assert seen == []
    assert queue.release_due(due - timedelta(seconds=1)) == 0
    assert queue.release_due(due) == 1 and seen == [{"n": 1}]
    queue.enqueue("flaky", {"n": 2})  # fails, and is scheduled again 30 s later
    assert seen == [{"n": 1}]
    assert queue.release_due(datetime.now(UTC) + timedelta(seconds=31)) == 1
    assert seen == [{"n": 1}, {"n": 2}]
    with pytest.raises(ValueError, match="time zone"):
        queue.enqueue("later", {}, eta=datetime(2030, 1, 1))


def test_queued_tasks_survive_a_restart_of_the_queue(db: Database) -> None:
    first = _stored_queue(db)
    first.register("note", lambda payload: None)
    first.enqueue("note", {"n": 1})
    first.enqueue("note", {"n": 2}, eta=datetime(2030, 1, 1, tzinfo=UTC))
    name = first.huey.name
    del first
    seen: list[dict[str, Any]] = []
    second = open_queue(
        None,
        database_url=db.url.render_as_string(hide_password=False),
        schema=db.schema,
        name=name,
    )
    second.register("note", seen.append)
    second.run_pending()  # the due task runs; the other goes to wait for 2030
    assert seen == [{"n": 1}]
    assert second.release_due(datetime(2030, 1, 1, tzinfo=UTC)) == 1
    second.run_pending(datetime(2030, 1, 1, tzinfo=UTC))
    assert seen == [{"n": 1}, {"n": 2}]
    second.close()


def test_the_consumer_threads_run_tasks_and_pollers(db: Database) -> None:
    queue = _stored_queue(db)
    done = threading.Event()
    polled = threading.Event()
    queue.register("finish", lambda payload: done.set())
    queue.every(60, lambda: polled.set() or False, name="probe")
    queue.start(workers=1)
    try:
        queue.enqueue("finish", {})
        assert done.wait(WAIT_S) and polled.wait(WAIT_S)
    finally:
        queue.stop()
    assert not queue.running
    queue.close()


def test_a_sqlite_database_keeps_its_queue_in_a_file_beside_it(tmp_path: Path) -> None:
    assert sqlite_queue_file(tmp_path / "guanxi.db") == tmp_path / "guanxi-queue.db"
    queue = open_queue(None, database_url=f"sqlite:///{tmp_path / 'crm.db'}")
    queue.register("x", lambda payload: None)
    queue.enqueue("x", {})
    assert (tmp_path / "crm-queue.db").exists()
    with pytest.raises(ValueError, match="redis://"):
        open_queue("amqp://broker", database_url="sqlite://")


@pytest.mark.redis
def test_workers_consume_from_redis() -> None:
    if not REDIS_URL:
        pytest.skip("GUANXI_TEST_REDIS_URL is not set")
    name = f"test-{uuid.uuid4().hex[:8]}"
    producer = open_queue(REDIS_URL, database_url="sqlite://", name=name)
    consumer = open_queue(REDIS_URL, database_url="sqlite://", name=name)  # another process
    seen: list[dict[str, Any]] = []
    done = threading.Event()

    def handle(payload: dict[str, Any]) -> None:
        seen.append(payload)
        done.set()

    producer.register("handle", handle)
    consumer.register("handle", handle)
    assert "Redis" in consumer.description
    consumer.start(workers=2)
    try:
        producer.enqueue("handle", {"deal": "A-1"})
        assert done.wait(WAIT_S), "the Redis-backed consumer did not run the task"
    finally:
        consumer.stop()
        producer.huey.flush()
    assert seen == [{"deal": "A-1"}]
