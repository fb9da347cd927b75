"""Database engine and transaction boundaries for SQLite and PostgreSQL."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from guanxi.kernel.errors import QueryTimeout

# System tables (metadata, users, history …) register themselves on this MetaData.
system_metadata = MetaData()


def json_loads(text: str | bytes) -> Any:
    """orjson for JSON columns (psycopg's default, the standard library, took ~7 % of a
    PostgreSQL list page decoding its tags); the standard library for what orjson refuses,
    such as integers wider than 64 bits."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


# SQLite calls the budget's check every this many virtual-machine instructions: a few
# hundred microseconds of work, so an expired budget stops a statement within about a
# millisecond, at a cost too small to measure on a page read.
PROGRESS_STEPS = 10_000


class _Budget:
    """A SQLite connection's time budget for its current transaction (its progress handler).

    SQLite requests may run on the event loop (ADR 0009): one slow statement would stop the
    whole process answering, so each transaction gets ``seconds`` of work at most."""

    __slots__ = ("deadline", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = math.inf

    def start(self) -> None:
        self.deadline = time.monotonic() + self.seconds

    def __call__(self) -> int:
        if time.monotonic() < self.deadline:
            return 0
        # Interrupt once: the ROLLBACK that follows must not be interrupted in turn.
        self.deadline = math.inf
        return 1


def _cut_off(error: DBAPIError) -> bool:
    """Whether the database stopped a statement at the query time limit."""
    orig = error.orig
    return (
        getattr(orig, "sqlstate", None) == "57014"  # PostgreSQL: query_canceled
        or getattr(orig, "sqlite_errorname", None) == "SQLITE_INTERRUPT"
    )


def _prepare_sqlite(engine: Engine, query_timeout: float | None) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, control BEGIN so DDL is transactional too.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()
        if query_timeout:
            budget = _Budget(query_timeout)
            dbapi_connection.set_progress_handler(budget, PROGRESS_STEPS)
            record.info["gx_budget"] = budget

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        budget = conn.info.get("gx_budget")
        if budget is not None:
            budget.start()
        # Writers take the lock up front: a deferred transaction that upgrades to a
        # write lock fails with SQLITE_BUSY instead of waiting.
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}")


TRANSACTION = "gx_transaction"


@dataclass
class TransactionNotes:
    """What a :meth:`Database.write` transaction carries besides its SQL: work to run after
    its commit, and names of what it created (tables others cannot see until then)."""

    after_commit: list[Callable[[], None]] = field(default_factory=list)
    created: set[str] = field(default_factory=set)
    # What the layers above keep for the length of one transaction (automation rules: which
    # rule ran for which record, how deep rules run inside each other's writes).
    scratch: dict[str, Any] = field(default_factory=dict)


def transaction_notes(conn: Connection) -> TransactionNotes | None:
    """The notes of ``conn``'s :meth:`Database.write` transaction; None outside one."""
    notes: TransactionNotes | None = conn.info.get(TRANSACTION)
    return notes


def after_commit(conn: Connection, work: Callable[[], None]) -> bool:
    """Run ``work`` after the :meth:`Database.write` transaction of ``conn`` commits.

    For what must not run inside a transaction (PostgreSQL's CREATE INDEX CONCURRENTLY).
    False, and nothing registered, when ``conn`` is not in such a transaction: the caller
    then leaves the work to whatever finishes it otherwise."""
    notes = transaction_notes(conn)
    if notes is None:
        return False
    notes.after_commit.append(work)
    return True


class Database:
    """One database: an engine plus read and write transaction boundaries.

    ``query_timeout`` (seconds; None or 0: none) bounds the work of each statement on
    PostgreSQL (``statement_timeout``) and of each transaction on SQLite (a progress
    handler); work cut off by it rolls back and raises :class:`QueryTimeout` (ADR 0012).
    """

    def __init__(
        self,
        url: str,
        *,
        schema: str | None = None,
        echo: bool = False,
        query_timeout: float | None = None,
    ) -> None:
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        connect_args: dict[str, Any] = {}
        kwargs: dict[str, Any] = {}
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            connect_args["check_same_thread"] = False
            kwargs["pool_size"] = 8
            kwargs["max_overflow"] = 16
        elif self.dialect == "postgresql":
            if parsed.drivername == "postgresql":
                parsed = parsed.set(drivername="postgresql+psycopg")
            options = []
            if schema:
                options.append(f"-c search_path={schema},public")
            if query_timeout:
                # Per connection, not SET LOCAL per transaction: no extra round trip.
                options.append(f"-c statement_timeout={max(1, round(query_timeout * 1000))}")
            if options:
                connect_args["options"] = " ".join(options)
            kwargs["pool_size"] = 10
            kwargs["max_overflow"] = 20
        else:
            raise ValueError(f"unsupported database: {self.dialect}")
        self.url = parsed
        self.schema = schema
        self.query_timeout = query_timeout or None
        self.engine = create_engine(
            parsed,
            echo=echo,
            connect_args=connect_args,
            pool_pre_ping=False,
            # The connection used last comes back first: its SQLite page cache and
            # psycopg's prepared statements are warm. Handed out in turn (FIFO), a page
            # of contacts through their account took 4.3-5.4 ms instead of 2.5 ms.
            pool_use_lifo=True,
            json_deserializer=json_loads,
            **kwargs,
        )
        if self.dialect == "sqlite":
            _prepare_sqlite(self.engine, self.query_timeout)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: committed when the block ends, rolled back on error.

        Work registered with :func:`after_commit` runs once the commit is done, on
        connections of its own, before the block's caller goes on; its errors are raised
        to that caller. A rolled-back transaction drops it."""
        with self.engine.connect() as conn:
            if self.is_sqlite:
                conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            notes = conn.info[TRANSACTION] = TransactionNotes()
            try:
                with self._timed(), conn.begin():
                    yield conn
            finally:
                # The info dict lives with the pooled DBAPI connection: never let notes
                # leak into the next transaction that borrows it.
                del conn.info[TRANSACTION]
        for job in notes.after_commit:
            job()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction that sees one snapshot of the database throughout.

        SQLite's deferred transaction reads one snapshot already. PostgreSQL's default,
        READ COMMITTED, takes a new snapshot per statement, so a page and its total could
        disagree: reads there run REPEATABLE READ (the same snapshot for every statement)
        and READ ONLY (a write in a read path is an error, not a surprise).
        """
        with self.engine.connect() as conn:
            if self.dialect == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with self._timed(), conn.begin():
                yield conn

    @contextmanager
    def _timed(self) -> Iterator[None]:
        """A statement stopped at the query time limit as :class:`QueryTimeout`, raised
        after the transaction has rolled back."""
        try:
            yield
        except DBAPIError as error:
            if not _cut_off(error):
                raise
            raise QueryTimeout(
                f"the database stopped this request's work after {self.query_timeout:g} s"
                if self.query_timeout
                else "the database stopped this request's work"
            ) from error

    def dispose(self) -> None:
        self.engine.dispose()
