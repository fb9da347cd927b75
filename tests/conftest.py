"""Shared fixtures: every data-layer test runs on SQLite and on PostgreSQL, isolated.

Each test gets a database of its own: a fresh SQLite file, or a fresh PostgreSQL schema
that is dropped afterwards. Without GUANXI_TEST_POSTGRES_URL the PostgreSQL tests skip,
with that reason shown (a laptop without PostgreSQL). With it set, a server that does not
answer is an error, never a skip: CI sets it, and a silently skipped half of the suite
would pass as green.
"""

from __future__ import annotations

import os
import queue
import shutil
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import Engine, create_engine, make_url, text

from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.platform.system_tables import system_metadata

# Property tests check behaviour, not speed: on a busy 2-core CI machine a single example
# can take longer than Hypothesis' default 200 ms deadline, which made them flaky.
settings.register_profile("guanxi", deadline=None)
settings.load_profile("guanxi")

PG_URL = os.environ.get("GUANXI_TEST_POSTGRES_URL", "")

# Apps made by tests run no queue consumer (jobs, timers; ADR 0029) in the background: the
# tests of those drive them by hand with a fake clock.
os.environ["GUANXI_QUEUE_CONSUMER"] = "false"


@cache
def postgres_unreachable() -> str | None:
    """None when the PostgreSQL at GUANXI_TEST_POSTGRES_URL answers, else why not."""
    try:
        engine = create_engine(
            PG_URL.replace("postgresql://", "postgresql+psycopg://", 1),
            connect_args={"connect_timeout": 10},
        )
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(7461)"))
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"))
        engine.dispose()
    except Exception as exc:  # any failure to connect or prepare: report it, whatever it is
        return f"PostgreSQL not reachable at {PG_URL}: {type(exc).__name__}: {exc}"
    return None


def require_postgres() -> str:
    """The PostgreSQL URL for this test: skips without one, fails when it does not answer."""
    if not PG_URL:
        pytest.skip("GUANXI_TEST_POSTGRES_URL is not set")
    reason = postgres_unreachable()
    if reason:
        pytest.fail(reason, pytrace=False)
    return PG_URL


def _database(kind: str, tmp_path: Path) -> Iterator[Database]:
    if kind == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'test.db'}")
        yield db
        db.dispose()
        return
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database(PG_URL, schema=schema)
    try:
        yield db
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database with nothing in it, on each engine."""
    yield from _database(request.param, tmp_path)


@pytest.fixture
def db(empty_db: Database) -> Database:
    """A database with the system tables (no standard objects)."""
    with empty_db.write() as conn:
        system_metadata.create_all(conn)
    return empty_db


CLOCK_AT = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai, a Monday


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(CLOCK_AT)


class _Installed:
    """Databases migrated like `guanxi migrate`, copied from one migrated per worker.

    Migrating the standard modules creates a few hundred columns and indexes: seconds
    per test on PostgreSQL. A copy of a migrated template is a file copy on SQLite and
    ``CREATE DATABASE … TEMPLATE`` on PostgreSQL (a tenth of a second); the copies are
    dropped by a background thread, since ``DROP DATABASE`` waits for a checkpoint."""

    SCHEMA = "guanxi"

    def __init__(self, base: Path) -> None:
        self.base = base
        self.sqlite_template: Path | None = None
        self.pg_template: str | None = None
        self._admin: Engine | None = None
        self._drops: queue.Queue[str | None] = queue.Queue()
        self._dropper: threading.Thread | None = None

    def _migrate(self, db: Database) -> None:
        from guanxi.bootstrap import migrate

        try:
            migrate(db, clock=FixedClock(CLOCK_AT))
        finally:
            db.dispose()

    def sqlite(self, tmp_path: Path) -> Iterator[Database]:
        if self.sqlite_template is None:
            template = self.base / f"installed-{uuid.uuid4().hex[:8]}.db"
            self._migrate(Database(f"sqlite:///{template}"))
            self.sqlite_template = template
        target = tmp_path / "test.db"
        shutil.copyfile(self.sqlite_template, target)
        db = Database(f"sqlite:///{target}")
        yield db
        db.dispose()

    def _url(self, database: str) -> str:
        return make_url(PG_URL).set(database=database).render_as_string(hide_password=False)

    def postgresql(self) -> Iterator[Database]:
        require_postgres()
        if self._admin is None:
            self._admin = create_engine(
                PG_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                isolation_level="AUTOCOMMIT",
            )
        if self.pg_template is None:
            name = f"gx_tpl_{uuid.uuid4().hex[:12]}"
            with self._admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            engine = create_engine(
                self._url(name).replace("postgresql://", "postgresql+psycopg://", 1)
            )
            with engine.begin() as conn:
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"))
                conn.execute(text(f'CREATE SCHEMA "{self.SCHEMA}"'))
            engine.dispose()
            self._migrate(Database(self._url(name), schema=self.SCHEMA))
            self.pg_template = name
        name = f"gx_t_{uuid.uuid4().hex[:12]}"
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.pg_template}"'))
        db = Database(self._url(name), schema=self.SCHEMA)
        try:
            yield db
        finally:
            db.dispose()
            self._drop_later(name)

    def _drop_later(self, name: str) -> None:
        if self._dropper is None:
            self._dropper = threading.Thread(target=self._drop_queued, daemon=True)
            self._dropper.start()
        self._drops.put(name)

    def _drop_queued(self) -> None:
        assert self._admin is not None
        while (name := self._drops.get()) is not None:
            with self._admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        if self._dropper is not None:
            self._drops.put(None)
            self._dropper.join()
        if self._admin is not None:
            if self.pg_template is not None:
                with self._admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{self.pg_template}"'))
            self._admin.dispose()


@pytest.fixture(scope="session")
def _installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Installed]:
    installed = _Installed(tmp_path_factory.mktemp("installed"))
    yield installed
    installed.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def installed_db(
    request: pytest.FixtureRequest, _installed: _Installed, tmp_path: Path
) -> Iterator[Database]:
    """Migrated with Alembic and the standard modules, as `guanxi migrate` does, on each
    engine (a copy of a database migrated once per test worker)."""
    if request.param == "sqlite":
        yield from _installed.sqlite(tmp_path)
    else:
        yield from _installed.postgresql()
