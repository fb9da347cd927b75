"""The task queue: named tasks with JSON payloads, run by a consumer (ADR 0029).

The rest of the code uses this interface and never huey itself::

    queue = open_queue(settings.queue_url, database_url=…, schema=…)   # or immediate=True
    queue.register("outbox_dispatch", dispatch, retries=5, retry_delay=2.0)
    queue.enqueue("outbox_dispatch", {"batch": 3})                    # after the commit
    queue.enqueue("outbox_dispatch", {"batch": 4}, eta=due)           # not before ``due``
    queue.every(0.5, poll_outbox, name="outbox")                      # each consumer polls
    queue.start(workers=2) … queue.stop()

* ``register(name, handler)`` (or the ``@queue.task(name)`` decorator): ``handler(payload)``
  runs in a consumer's worker thread; a raised error is retried ``retries`` times, the n-th
  retry ``retry_delay × 2ⁿ⁻¹`` seconds later. Every process that consumes must register
  the same names (``guanxi serve`` and ``guanxi worker`` wire the same ones).
* ``enqueue(name, payload, eta=None)``: ``payload`` is a JSON-able dict; ``eta`` an aware
  date-time. Enqueue after the transaction that caused the task commits
  (:func:`guanxi.kernel.db.after_commit`): a task is not part of the transaction.
* ``every(seconds, poll)``: ``poll()`` runs on each consumer's poll thread every
  ``seconds``, again at once while it returns True (more work waiting). For work that
  coordinates through the database (claims rows), since every consumer polls: the
  scheduled jobs and the timer pump are pollers.
* ``start(workers)`` / ``stop()``: the consumer, as threads of this process (``guanxi serve``
  runs one beside the web server; ``guanxi worker`` runs only that). It installs no signal
  handlers: the web server keeps its own.

Where the queue comes from: :func:`guanxi.platform.process.background.open_wired_queue`
makes it for ``guanxi serve`` (``Services.queue``) and ``guanxi worker`` alike, and attaches
the standing work (scheduled jobs, the timer pump); more standing work, such as an outbox
dispatcher, is attached there too, so both processes run it. Handlers get only their
payload: one that needs the database closes over the
:class:`~guanxi.platform.process.runtime.Runtime` it was registered with.

Storage, by :func:`open_queue`: ``redis://…`` → Redis (workers on any number of machines);
unset on SQLite → a SQLite file beside the database; unset on PostgreSQL → huey's tables
(``huey_*``) in the same database, so several ``guanxi worker`` processes share it without
another service; ``immediate=True`` (tests) → in memory, each task run as it is enqueued.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.api import Task, TaskWrapper
from huey.storage import PostgresStorage
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

TaskHandler = Callable[[dict[str, Any]], object]
Poll = Callable[[], bool]

QUEUE_NAME = "guanxi"
WORKER_IDLE_MAX = 0.5  # seconds a worker waits between looks at an empty SQLite queue
POLL_ERROR_PAUSE = 5.0  # seconds before a poller that raised is called again
RELEASE_INTERVAL = 0.5  # seconds between moves of due delayed tasks into the queue


@dataclass(frozen=True)
class _Registered:
    handler: TaskHandler
    retries: int
    retry_delay: float


@dataclass
class _Poller:
    name: str
    interval: float
    poll: Poll
    next_at: float = 0.0


class TaskQueue:
    """Named tasks on a huey instance, made when first needed (``make_huey``)."""

    def __init__(self, make_huey: Callable[[], Huey], *, description: str) -> None:
        self._make_huey = make_huey
        self._huey: Huey | None = None
        self._runner: TaskWrapper
        self._huey_lock = threading.Lock()
        self.description = description
        self._tasks: dict[str, _Registered] = {}
        self._pollers: list[_Poller] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- what producers and wiring call -------------------------------------------------

    def register(
        self, name: str, handler: TaskHandler, *, retries: int = 0, retry_delay: float = 1.0
    ) -> None:
        if name in self._tasks:
            raise ValueError(f"task {name!r} is registered already")
        self._tasks[name] = _Registered(handler, retries, retry_delay)

    def task(
        self, name: str, *, retries: int = 0, retry_delay: float = 1.0
    ) -> Callable[[TaskHandler], TaskHandler]:
        def decorator(handler: TaskHandler) -> TaskHandler:
            self.register(name, handler, retries=retries, retry_delay=retry_delay)
            return handler

        return decorator

    def enqueue(
        self, name: str, payload: Mapping[str, Any], *, eta: datetime | None = None
    ) -> None:
        """Queue task ``name`` with ``payload``; with ``eta`` (aware), not before then."""
        registered = self._tasks.get(name)
        if registered is None:
            raise LookupError(f"no task named {name!r}")
        if eta is not None and eta.tzinfo is None:
            raise ValueError("eta needs a time zone")
        text = orjson.dumps(dict(payload)).decode()  # refuses what JSON cannot carry
        huey = self.huey
        options: dict[str, Any] = {"retries": registered.retries}
        if registered.retries:
            options["retry_delay"] = registered.retry_delay
            options["retry_backoff"] = 2.0
        if eta is not None:
            options["eta"] = eta.astimezone(UTC)
        huey.enqueue(self._runner.s(name, text, **options))

    def every(self, seconds: float, poll: Poll, *, name: str) -> None:
        """Call ``poll()`` on each consumer's poll thread every ``seconds`` (see above)."""
        if seconds <= 0:
            raise ValueError("a poll interval must be positive")
        self._pollers.append(_Poller(name, seconds, poll))

    # -- the consumer ----------------------------------------------------------------------

    @property
    def huey(self) -> Huey:
        with self._huey_lock:
            if self._huey is None:
                huey = self._make_huey()
                # The one huey task: it runs the handler registered under the name it
                # carries, so a name needs no huey task of its own and payloads stay JSON.
                self._runner = huey.task(name="gx_run")(self._run)
                self._huey = huey
            return self._huey

    @property
    def immediate(self) -> bool:
        return bool(self.huey.immediate)

    def _run(self, name: str, text: str) -> object:
        registered = self._tasks.get(name)
        if registered is None:
            raise LookupError(f"no task named {name!r} in this process")
        return registered.handler(orjson.loads(text))

    def release_due(self, now: datetime | None = None) -> int:
        """Move the delayed tasks due by ``now`` (default: the wall clock) into the queue;
        in immediate mode run them, as at ``now``. Returns how many. The consumer calls it;
        tests call it with a later time instead of waiting."""
        huey = self.huey
        moment = _huey_time(now)
        due = huey.read_schedule(moment)
        for task in due:
            if huey.immediate:
                huey.execute(task, moment)
            else:
                huey.enqueue(task)
        return len(due)

    def _release(self) -> bool:
        self.release_due()
        return False

    def run_pending(self, now: datetime | None = None) -> int:
        """Take the queued tasks in this thread until none is left, running those due by
        ``now`` (default: the wall clock; a later one goes back to wait for its time);
        returns how many were taken. For tests and tools on a stored queue."""
        huey, taken = self.huey, 0
        while (task := huey.dequeue()) is not None:
            huey.execute(task, _huey_time(now))
            taken += 1
        return taken

    def poll_once(self) -> None:
        """Call every poller once, in this thread (tests drive a fake clock with this)."""
        for poller in self._pollers:
            poller.poll()

    def start(self, workers: int = 2) -> None:
        """Start the consumer: ``workers`` threads running tasks and one poll thread."""
        if self._threads:
            return
        if self.immediate:
            raise RuntimeError("an immediate queue runs tasks as they come: nothing to start")
        self._stop.clear()
        for number in range(workers):
            thread = threading.Thread(target=self._work, name=f"queue-worker-{number}", daemon=True)
            self._threads.append(thread)
        self._threads.append(threading.Thread(target=self._polls, name="queue-poll", daemon=True))
        for thread in self._threads:
            thread.start()
        log.info("queue consumer started: %s, %d worker thread(s)", self.description, workers)

    def stop(self) -> None:
        """Stop after the tasks and polls in progress."""
        self._stop.set()
        for thread in self._threads:
            thread.join()
        self._threads = []

    @property
    def running(self) -> bool:
        return bool(self._threads)

    def close(self) -> None:
        """Stop the consumer and close the storage's connection (a new one opens on use)."""
        self.stop()
        if self._huey is not None:
            self._huey.storage.close()

    def _work(self) -> None:
        huey = self.huey
        pause = 0.01
        while not self._stop.is_set():
            try:
                task: Task | None = huey.dequeue()  # Redis: blocks up to a second
            except Exception:
                log.exception("queue: reading the queue failed")
                self._stop.wait(POLL_ERROR_PAUSE)
                continue
            if task is None:
                if not huey.storage.blocking:
                    self._stop.wait(pause)
                    pause = min(pause * 2, WORKER_IDLE_MAX)
                continue
            pause = 0.01
            try:
                huey.execute(task)  # huey logs a failing task and schedules its retry
            except Exception:
                log.exception("queue: task %s failed", task.id)

    def _polls(self) -> None:
        pollers = [
            _Poller("release_due", RELEASE_INTERVAL, self._release),
            *self._pollers,
        ]
        while not self._stop.is_set():
            now = time.monotonic()
            for poller in pollers:
                if self._stop.is_set():
                    return
                if poller.next_at > now:
                    continue
                try:
                    more = poller.poll()
                except Exception:
                    log.exception("queue: poller %s failed", poller.name)
                    poller.next_at = time.monotonic() + max(poller.interval, POLL_ERROR_PAUSE)
                else:
                    poller.next_at = time.monotonic() + (0 if more else poller.interval)
            wait = min(p.next_at for p in pollers) - time.monotonic()
            if wait > 0:
                self._stop.wait(wait)


def _huey_time(moment: datetime | None) -> datetime | None:
    """huey's time: naive UTC."""
    return None if moment is None else moment.astimezone(UTC).replace(tzinfo=None)


def open_queue(
    url: str | None,
    *,
    database_url: str,
    schema: str | None = None,
    immediate: bool = False,
    name: str = QUEUE_NAME,
) -> TaskQueue:
    """The queue for these settings (see the module's docstring for the choice of storage).
    Nothing is opened until the queue is first used; ``name`` keeps queues that share a
    storage apart."""
    if immediate:
        return TaskQueue(
            lambda: MemoryHuey(name, immediate=True, results=False), description="immediate"
        )
    if url:
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("GUANXI_QUEUE_URL must be a redis:// URL")
        return TaskQueue(
            lambda: RedisHuey(name, url=url, results=False),
            description="Redis " + make_url(url).render_as_string(hide_password=True),
        )
    parsed = make_url(database_url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            return TaskQueue(lambda: MemoryHuey(name, results=False), description="memory")
        path = sqlite_queue_file(Path(parsed.database))
        return TaskQueue(
            lambda: SqliteHuey(name, filename=str(path), results=False),
            description=f"SQLite {path}",
        )
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    options = {"options": f"-c search_path={schema},public"} if schema else {}
    return TaskQueue(
        lambda: Huey(
            name,
            results=False,
            storage_class=PostgresStorage,
            dsn=dsn,
            table_prefix="huey",
            **options,
        ),
        description="PostgreSQL (huey_* tables)",
    )


def sqlite_queue_file(database: Path) -> Path:
    """The queue's file beside a SQLite database: ``guanxi.db`` → ``guanxi-queue.db``."""
    return database.with_name(f"{database.stem}-queue{database.suffix or '.db'}")
