"""A server killed with SIGKILL in the middle of a big call leaves all of it or none of it.

Method: a real server process (see conftest) gets a 5,000-record bulk create, a 5,000-record
bulk update, or a metadata change (a unique field added to an object holding 5,000 records)
from a client thread, and is killed with SIGKILL while that call's transaction is open. No
server is restarted: the test opens the database itself and checks the call's effects are
all there or none are, never part of them.

Landing in the middle, without guessing at sleeps:

* PostgreSQL, records: before the call the test locks, ``IN EXCLUSIVE MODE`` (reads still
  pass), a system table the call writes only after its main work: the search queue (bulk
  create, after the 5,000 rows are inserted) or the history (bulk update, after the 5,000
  rows are updated). It waits until the server's backend is blocked by that lock, kills the
  server, then lets go of the lock and waits for the orphaned backend to end before it
  counts.
* PostgreSQL, metadata: the field's column and row commit first, then the same call builds
  its unique index with CREATE INDEX CONCURRENTLY (ADR 0020), the longest part. Before the
  call the test opens a transaction holding a snapshot (of nothing in the object's table),
  which such a build waits for before it marks its index valid. It waits until the build
  is blocked by it, kills the server, ends the orphaned backend (else it would go on to
  finish the build once let go: what a database restart or a dead connection's check
  would stop), then lets go. The field is then there with an INVALID index and its row in
  ``gx_pending_index``; the recovery run at start-up (``finish_pending``) must leave it
  whole.
* SQLite: one writer at a time; nothing outside the process can hold the call halfway. A
  first call of the same kind is let finish, timing how long it holds the write lock; the
  next call is killed a third of that time after its lock is seen (a second connection's
  ``BEGIN IMMEDIATE`` answers "database is locked"), if the lock is still held then. On a
  busy machine a call may end sooner: it is counted as finished and another is tried.

The figures of the last run are in docs/benchmarks.md ("Faults and concurrent edits").
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, create_engine, func, inspect, select, text

from guanxi.platform.metadata.model import table_name_for
from guanxi.platform.metadata.online_index import finish_pending
from guanxi.platform.metadata.registry import index_name
from guanxi.platform.metadata.tables import gx_field, gx_pending_index
from guanxi.platform.records.tables import gx_history
from tests.conftest import PG_URL
from tests.faults.conftest import Server

OBJECT = "fault_item"
TABLE = table_name_for(OBJECT)
RECORDS = 5000
WAIT = 60.0  # seconds: the bound of every wait on the server or the database
POLL = 0.005  # seconds between two looks at the database while a call runs
MISSES = 5  # attempts at killing a SQLite transaction before giving up


def make_object(server: Server) -> None:
    server.ok("POST", "/meta/objects", 201, json={"name": OBJECT, "label": {"en": "Fault item"}})
    for spec in (
        {"name": "title", "type": "text", "label": {"en": "Title"}, "searchable": True},
        {"name": "hits", "type": "integer", "label": {"en": "Hits"}},
    ):
        server.ok("POST", f"/meta/objects/{OBJECT}/fields", 201, json=spec)


def create_body(batch: str) -> dict[str, Any]:
    rows = [{"title": f"{batch} 记录 {n}", "hits": 0} for n in range(RECORDS)]
    return {"records": rows, "return_records": False}


def count_rows(conn: Connection) -> int:
    return int(conn.execute(text(f"SELECT count(*) FROM {TABLE}")).scalar_one())


@dataclass
class Call:
    """A request sent from a thread; ``response`` or ``error`` once it returns."""

    thread: threading.Thread
    response: httpx.Response | None = None
    error: Exception | None = None


def send(server: Server, method: str, path: str, body: dict[str, Any]) -> Call:
    call = Call(thread=threading.Thread(daemon=True, target=lambda: None))

    def run() -> None:
        try:
            with server.client() as client:
                call.response = client.request(method, path, json=body)
        except httpx.TransportError as error:  # the server died under it
            call.error = error

    call.thread = threading.Thread(target=run, daemon=True)
    call.thread.start()
    return call


def wait_for(condition: Callable[[], bool], what: str, call: Call | None = None) -> float:
    """Poll ``condition`` until true (bounded); the monotonic time it became true."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return time.monotonic()
        if call is not None and not call.thread.is_alive():
            pytest.fail(f"the call ended before {what}: {call.response or call.error}")
        time.sleep(POLL)
    pytest.fail(f"not {what} within {WAIT} s")


class SqliteLock:
    """Whether some connection holds the SQLite database's write lock."""

    def __init__(self, server: Server) -> None:
        path = server.db.engine.url.database
        assert path is not None
        self.conn = sqlite3.connect(path, timeout=0, isolation_level=None)

    def held(self) -> bool:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if "locked" in str(error):
                return True
            raise
        self.conn.execute("ROLLBACK")
        return False

    def close(self) -> None:
        self.conn.close()


def sqlite_lock_time(server: Server, method: str, path: str, body: dict[str, Any]) -> float:
    """Seconds a call that is let finish holds the write lock (first to last sighting;
    0 when it was too short to be seen)."""
    lock = SqliteLock(server)
    try:
        call = send(server, method, path, body)
        first = last = None
        while call.thread.is_alive():
            if lock.held():
                last = time.monotonic()
                first = first or last
            time.sleep(POLL)
        call.thread.join(WAIT)
        assert call.response is not None and call.response.status_code < 300, call.response
        return 0.0 if first is None or last is None else last - first
    finally:
        lock.close()


@contextmanager
def postgres_blocker(server: Server, table: str) -> Iterator[Callable[[], bool]]:
    """Holds an EXCLUSIVE lock on ``table`` in the server's schema; yields "is a backend
    waiting on it" and, on leaving, lets go and waits for the waiting backends to end."""
    engine = create_engine(
        PG_URL.replace("postgresql://", "postgresql+psycopg://", 1),
        connect_args={"options": f"-c search_path={server.schema},public"},
    )
    conn = engine.connect()
    blocked: set[int] = set()
    try:
        conn.execute(text(f"LOCK TABLE {table} IN EXCLUSIVE MODE"))
        me = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()

        def waiting() -> bool:
            with engine.connect() as look:
                rows = look.execute(
                    text(
                        "SELECT pid, backend_xid IS NOT NULL AS wrote FROM pg_stat_activity"
                        " WHERE :me = ANY(pg_blocking_pids(pid))"
                    ),
                    {"me": me},
                ).all()
                # A transaction id is only given at the first write: the call is midway.
                assert all(row.wrote for row in rows), "blocked before writing anything"
                blocked.update(row.pid for row in rows)
            return bool(blocked)

        yield waiting
    finally:
        conn.rollback()
        conn.close()
        with engine.connect() as look:
            deadline = time.monotonic() + WAIT
            while blocked and time.monotonic() < deadline:
                alive = look.execute(
                    text("SELECT pid FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                    {"pids": list(blocked)},
                ).scalars()
                blocked = set(alive)
                look.rollback()
                time.sleep(POLL)
        engine.dispose()
        assert not blocked, f"orphaned backends {blocked} still running after {WAIT} s"


@contextmanager
def postgres_index_build_held(server: Server) -> Iterator[Callable[[], bool]]:
    """Holds a snapshot open in the server's database; yields "is a concurrent index build
    waiting on it" and, on leaving, ends those (by then orphaned) builds and lets go."""
    engine = create_engine(
        PG_URL.replace("postgresql://", "postgresql+psycopg://", 1),
        connect_args={"options": f"-c search_path={server.schema},public"},
    )
    conn = engine.connect().execution_options(isolation_level="REPEATABLE READ")
    blocked: set[int] = set()
    try:
        conn.execute(text("SELECT 1"))  # takes the snapshot, locks nothing
        me = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()

        def waiting() -> bool:
            with engine.connect() as look:
                rows = look.execute(
                    text(
                        "SELECT pid FROM pg_stat_progress_create_index"
                        " WHERE relid = to_regclass(:table) AND :me = ANY(pg_blocking_pids(pid))"
                    ),
                    {"me": me, "table": TABLE},
                ).all()
                blocked.update(row.pid for row in rows)
            return bool(blocked)

        yield waiting
    finally:
        with engine.connect() as look:
            for pid in blocked:
                look.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            deadline = time.monotonic() + WAIT
            while blocked and time.monotonic() < deadline:
                alive = look.execute(
                    text("SELECT pid FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                    {"pids": list(blocked)},
                ).scalars()
                blocked = set(alive)
                look.rollback()
                time.sleep(POLL)
        conn.rollback()
        conn.close()
        engine.dispose()
        assert not blocked, f"orphaned backends {blocked} still running after {WAIT} s"


@dataclass
class Kill:
    attempt: int  # the killed call's number; the ones before it ran to their end
    seconds_to_kill: float  # from sending the call to SIGKILL
    lock_seconds: float | None = None  # SQLite: the first call's write lock


def call_and_kill(
    server: Server,
    method: str,
    path: str,
    body: Callable[[int], dict[str, Any]],
    *,
    blocker: str | Callable[[Server], AbstractContextManager[Callable[[], bool]]],
) -> Kill:
    """Sends ``body(n)``, kills the server while its transaction is open, and returns when
    the database is as the kill left it (on PostgreSQL: the orphaned backend ended).
    ``blocker`` is the system table to lock on PostgreSQL, or what holds the call there.

    On SQLite ``body(0)`` is let finish, to time its write lock; the next calls are killed
    a third of that time after their lock is seen. A call whose lock is gone by then ran
    to its end: the next number is tried, a few times at most."""
    if server.kind == "postgresql":
        held = postgres_blocker(server, blocker) if isinstance(blocker, str) else blocker(server)
        with held as waiting:
            started = time.monotonic()
            call = send(server, method, path, body(0))
            wait_for(waiting, "the server's transaction was held", call)
            server.kill()
            killed = time.monotonic()
        call.thread.join(WAIT)
        assert call.response is None, f"the call answered despite the kill: {call.response}"
        return Kill(attempt=0, seconds_to_kill=killed - started)
    lock_time = sqlite_lock_time(server, method, path, body(0))
    lock = SqliteLock(server)
    try:
        for attempt in range(1, 1 + MISSES):
            started = time.monotonic()
            call = send(server, method, path, body(attempt))
            while not lock.held() and call.thread.is_alive():
                time.sleep(POLL)
            seen = time.monotonic()
            while time.monotonic() < seen + lock_time / 3 and call.thread.is_alive():
                time.sleep(POLL)
            if call.thread.is_alive() and lock.held():
                server.kill()
                killed = time.monotonic()
                call.thread.join(WAIT)
                assert call.response is None, f"the call answered despite the kill: {call.response}"
                return Kill(attempt, seconds_to_kill=killed - started, lock_seconds=lock_time)
            call.thread.join(WAIT)  # too late: the call runs to its end
            assert call.response is not None and call.response.status_code < 300, call.response
    finally:
        lock.close()
    pytest.fail(f"the kill came after the call's end {MISSES} times")


def figures(server: Server, kill: Kill, **values: Any) -> None:
    """Printed for docs/benchmarks.md (run with -s to see them)."""
    lock = "" if kill.lock_seconds is None else f" lock_seconds={kill.lock_seconds:.2f}"
    print(
        f"\n[faults] {server.kind}: seconds_to_kill={kill.seconds_to_kill:.2f}{lock} "
        f"calls_let_finish={kill.attempt} " + " ".join(f"{k}={v}" for k, v in values.items())
    )


def test_a_bulk_create_killed_midway_leaves_no_record_or_all_5000(server: Server) -> None:
    make_object(server)
    kill = call_and_kill(
        server,
        "POST",
        f"/records/{OBJECT}/bulk",
        lambda n: create_body(f"call{n}"),
        blocker="gx_outbox",
    )
    before = RECORDS * kill.attempt  # the calls let finish
    with server.db.read() as conn:
        after = count_rows(conn)
        killed_rows = conn.execute(
            text(f"SELECT count(*) FROM {TABLE} WHERE title LIKE 'call{kill.attempt} %'")
        ).scalar_one()
    figures(server, kill, before=before, after=after)
    assert after in (before, before + RECORDS)
    assert killed_rows == after - before


def seed(server: Server) -> list[dict[str, Any]]:
    """The object with 5,000 records; their ids and versions."""
    make_object(server)
    server.ok("POST", f"/records/{OBJECT}/bulk", 201, json=create_body("seed"))
    with server.db.read() as conn:
        rows = conn.execute(text(f"SELECT id, version FROM {TABLE}")).all()
    assert len(rows) == RECORDS
    return [{"id": str(row.id), "version": row.version} for row in rows]


def test_a_bulk_update_killed_midway_changes_no_record_or_all_5000(server: Server) -> None:
    rows = seed(server)  # version 1, hits 0

    def update(n: int) -> dict[str, Any]:
        """The n-th call: from version 1 + n, hits n, to hits n + 1."""
        changed = [{**row, "version": 1 + n, "hits": n + 1} for row in rows]
        return {"records": changed, "return_records": False}

    kill = call_and_kill(server, "PATCH", f"/records/{OBJECT}/bulk", update, blocker="gx_history")
    n = kill.attempt
    with server.db.read() as conn:
        states = conn.execute(
            text(f"SELECT hits, version, count(*) AS n FROM {TABLE} GROUP BY hits, version")
        ).all()
        history = conn.execute(
            select(gx_history.c.new).where(
                gx_history.c.object_name == OBJECT, gx_history.c.field == "hits"
            )
        ).scalars()
        new_values = [value for value in history if value == n + 1]
    found = {(row.hits, row.version): row.n for row in states}
    figures(server, kill, rows_by_hits_and_version=found, history_rows=len(new_values))
    assert found in ({(n, 1 + n): RECORDS}, {(n + 1, 2 + n): RECORDS})
    assert len(new_values) == (RECORDS if (n + 1, 2 + n) in found else 0)


def field_state(conn: Connection, name: str) -> tuple[bool, bool, bool]:
    """Whether the field's metadata row, its column and a valid unique index on it exist."""
    row = conn.execute(
        select(func.count())
        .select_from(gx_field)
        .where(gx_field.c.object_name == OBJECT, gx_field.c.name == name)
    ).scalar_one()
    look = inspect(conn)
    columns = {column["name"] for column in look.get_columns(TABLE)}
    unique = any(
        index["column_names"] == [name] and index["unique"] for index in look.get_indexes(TABLE)
    ) or any(c["column_names"] == [name] for c in look.get_unique_constraints(TABLE))
    if unique and conn.dialect.name == "postgresql":  # a build cut short leaves it INVALID
        unique = bool(
            conn.execute(
                text("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(:ix)"),
                {"ix": index_name(TABLE, name, unique=True)},
            ).scalar()
        )
    return bool(row), name in columns, unique


def pending_indexes(conn: Connection) -> list[str]:
    if conn.dialect.name != "postgresql":
        return []
    return list(conn.execute(select(gx_pending_index.c.index_name)).scalars())


def test_a_field_added_to_5000_records_killed_midway_is_wholly_there_or_absent(
    server: Server,
) -> None:
    seed(server)

    def field(name: str) -> dict[str, Any]:
        return {"name": name, "type": "text", "label": {"en": name}, "unique": True}

    kill = call_and_kill(
        server,
        "POST",
        f"/meta/objects/{OBJECT}/fields",
        lambda n: field(f"code_{n}"),
        blocker=postgres_index_build_held,
    )
    name = f"code_{kill.attempt}"
    finished = [f"code_{n}" for n in range(kill.attempt)]
    with server.db.read() as conn:
        killed = field_state(conn, name)
        left_pending = pending_indexes(conn)
    # Never a field without its index and nothing to finish it.
    assert killed in ((True, True, True), (False, False, False)) or left_pending == [
        index_name(TABLE, name, unique=True)
    ], (killed, left_pending)
    if server.kind == "postgresql":  # the kill landed in the build: recovery is tested
        assert killed == (True, True, False) and left_pending, (killed, left_pending)
    finish_pending(server.db.engine)  # what the next start-up runs
    with server.db.read() as conn:
        state = field_state(conn, name)
        count = count_rows(conn)
        assert pending_indexes(conn) == []
        assert all(field_state(conn, done) == (True, True, True) for done in finished)
    figures(server, kill, row_column_index=state, after_kill=killed, records=count)
    assert state in ((True, True, True), (False, False, False))
    assert count == RECORDS
