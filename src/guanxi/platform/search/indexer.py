"""The indexer: empties the search index queue in the background, and on demand.

Writes only queue the records they change (:func:`guanxi.platform.search.index.enqueue`);
an :class:`Indexer` per server process indexes them in batches within about a second.
:meth:`Indexer.catch_up` does the same at once: search calls it when it finds the queue
non-empty, so what a user just saved is found by the next search. It stops after
``SEARCH_CATCH_UP`` records, so a search right after a large import or a change to which
fields are searchable answers from the index as it is (and says so) instead of waiting
for all of it. Several processes may run indexers against one database;
:func:`~guanxi.platform.search.index.drain` makes them take turns.

The thread is background work and yields to the foreground (ADR 0010): writes run inside
:meth:`Indexer.writing`, and the thread drains only after an interval without any, or once
it has put indexing off for ``max_lag`` seconds. Indexing competes with writes for the
same cores, the same interpreter lock and, on SQLite, the one write lock; putting it after
a burst of writes lets the burst run at full speed. Searches do not depend on the thread:
they index what is queued first.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from guanxi.kernel.db import Database
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.search.index import DRAIN, drain, pending

log = logging.getLogger(__name__)

MAX_PAUSE = 30.0  # seconds between retries while indexing keeps failing
SEARCH_CATCH_UP = 5000  # records a search indexes at most before it answers (≈0.5 s)
MAX_LAG = 2.0  # seconds the thread may put indexing off while writes keep coming


class Indexer:
    """A daemon thread that drains the queue every ``interval`` seconds."""

    def __init__(
        self,
        db: Database,
        registry: Registry,
        interval: float = 0.5,
        *,
        max_lag: float = MAX_LAG,
        monotonic: Callable[[], float] = time.monotonic,
        wait: Callable[[float], bool] | None = None,
    ) -> None:
        """``monotonic`` and ``wait`` are the thread's time: ``wait(seconds)`` pauses between
        looks and returns True when the thread is to stop (by default, until :meth:`stop`).
        Tests pass a clock they move by hand and a wait they step through, never sleeping."""
        self.db = db
        self.registry = registry
        self.interval = interval
        self.max_lag = max_lag
        self._monotonic = monotonic
        self._stop = threading.Event()
        self._wait = wait or self._stop.wait
        self._thread: threading.Thread | None = None
        self._writes_lock = threading.Lock()
        self._writes = 0  # foreground writes in progress
        self._last_write = -float("inf")  # when the latest one ended
        self._put_off_since: float | None = None

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Wrap a foreground write: the thread does not start a drain while it runs, nor
        in the interval after it (unless indexing has been put off for ``max_lag``)."""
        with self._writes_lock:
            self._writes += 1
        try:
            yield
        finally:
            with self._writes_lock:
                self._writes -= 1
                self._last_write = self._monotonic()

    def yielding(self) -> bool:
        """Whether the thread should leave indexing for later: a write is running or ran
        within the last interval, and indexing has not been put off for ``max_lag`` yet.
        The thread asks once per look; the first "yes" starts the ``max_lag`` clock."""
        now = self._monotonic()
        if not self._writes and now - self._last_write >= self.interval:
            self._put_off_since = None
            return False
        if self._put_off_since is None:
            self._put_off_since = now
        if now - self._put_off_since >= self.max_lag:
            self._put_off_since = None
            return False
        return True

    def catch_up(self, limit: int | None = None) -> bool:
        """Index what is queued, a batch per transaction, stopping after about ``limit``
        records; returns whether the queue is empty now."""
        return self._drain(limit, lambda: False, until_empty=True)

    def _drain(self, limit: int | None, stopping: Callable[[], bool], *, until_empty: bool) -> bool:
        """Drain batch after batch, asking ``stopping`` after each; without ``until_empty``,
        only while the batches show a backlog: what the writes queued while a batch ran
        waits for the next look, so that under a steady stream of creates the thread indexes
        a batch per interval instead of a transaction per handful of records (which cost
        ~1 ms of CPU per record)."""
        if self.is_empty():
            return True
        indexed = 0
        while limit is None or indexed < limit:
            budget = DRAIN if limit is None else min(DRAIN, limit - indexed)
            with self.db.write() as conn:
                done = drain(conn, self.registry.snapshot(conn), budget)
            if not done.records:
                return True
            indexed += done.records
            if stopping():
                return False
            if done.more:
                continue
            if not until_empty:
                return False  # the next look tells
            if self.is_empty():  # a read, not another write transaction
                return True
        return self.is_empty()

    def is_empty(self) -> bool:
        with self.db.read() as conn:
            return not pending(conn)

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="search-indexer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop after the batch in progress, if any."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _interrupted(self) -> bool:
        """Stop after this batch: the server is stopping, or a write waits (perhaps for
        SQLite's write lock, which the batch holds)."""
        return self._stop.is_set() or self._writes > 0

    def _run(self) -> None:
        pause = self.interval
        while not self._wait(pause):
            if self.yielding():
                continue
            try:
                self._drain(None, self._interrupted, until_empty=False)
            except Exception:  # the database may be briefly away: retry, less and less often
                pause = min(pause * 2, MAX_PAUSE)
                log.exception("search indexer: indexing failed, retrying in %.1f s", pause)
            else:
                pause = self.interval
