"""Shared fixtures: every data-layer test runs on SQLite and on PostgreSQL, isolated.

Each test gets a database of its own: a fresh SQLite file, or a fresh PostgreSQL schema
that is dropped afterwards. Without GUANXI_TEST_POSTGRES_URL the PostgreSQL tests skip,
with that reason shown (a laptop without PostgreSQL). With it set, a server that does not
answer is an error, never a skip: CI sets it, and a silently skipped half of the suite
would pass as green.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text

from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.platform.system_tables import system_metadata

# Property tests check behaviour, not speed: on a busy 2-core CI machine a single example
# can take longer than Hypothesis' default 200 ms deadline, which made them flaky.
settings.register_profile("guanxi", deadline=None)
settings.load_profile("guanxi")

PG_URL = os.environ.get("GUANXI_TEST_POSTGRES_URL", "")


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


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 23, 2, 30, tzinfo=UTC))  # 10:30 in Shanghai, a Monday
