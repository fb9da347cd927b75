"""A field's new indexes on PostgreSQL: built after the metadata commit, concurrently, so
the table stays open to writes; a unique one meeting duplicates undoes the change; a
build cut short is finished at start-up (ADR 0020). On SQLite they are built in the
transaction, as before."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, create_engine, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError

from guanxi.app import create_app
from guanxi.config import Settings
from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database, after_commit
from guanxi.kernel.errors import Conflict, TableBusy
from guanxi.platform.metadata import service
from guanxi.platform.metadata.online_index import Outcome, finish_pending
from guanxi.platform.metadata.registry import Registry, index_name
from guanxi.platform.metadata.schemas import FieldIn, FieldPatch, ObjectIn
from guanxi.platform.metadata.tables import META_STATE, gx_field, gx_meta_state, gx_pending_index

OBJECT = "gadget"
TABLE = f"o_{OBJECT}"
WAIT = 30.0  # seconds: the bound of every wait on another connection
POLL = 0.01


@pytest.fixture
def gadget(db: Database, clock: FixedClock) -> Database:
    """An object with a text field ``code`` and three records (codes a, b, c)."""
    registry = Registry()
    with db.write() as conn:
        service.create_object(
            conn, registry, ObjectIn(name=OBJECT, label={"en": "Gadget"}), now=clock.now()
        )
        service.create_field(
            conn,
            registry,
            OBJECT,
            FieldIn(name="code", type="text", label={"en": "Code"}),
            now=clock.now(),
        )
    add_rows(db, clock, ["a", "b", "c"])
    return db


def add_rows(db: Database, clock: FixedClock, codes: list[str | None], **more: Any) -> None:
    with db.engine.begin() as conn:
        write_rows(conn, clock, codes, **more)


def write_rows(conn: Connection, clock: FixedClock, codes: list[str | None], **more: Any) -> None:
    table = Registry().snapshot(conn).tables[OBJECT]
    rows = [
        {
            "id": uuid.uuid4(),
            "version": 1,
            "created_at": clock.now(),
            "updated_at": clock.now(),
            "code": code,
            **more,
        }
        for code in codes
    ]
    conn.execute(insert(table), rows)


def add_field(conn: Connection, clock: FixedClock, name: str, **flags: Any) -> None:
    spec = FieldIn(name=name, type="text", label={"en": name}, **flags)
    service.create_field(conn, Registry(), OBJECT, spec, now=clock.now())


def make(conn: Connection, clock: FixedClock, name: str, **flags: Any) -> None:
    service.update_field(conn, Registry(), OBJECT, name, FieldPatch(**flags), now=clock.now())


def indexes(db: Database) -> dict[str, bool]:
    """The indexes of the fields ``code`` and ``serial`` by name: valid (True) or INVALID."""
    with db.engine.connect() as conn:
        if db.is_sqlite:
            names = [str(ix["name"]) for ix in inspect(conn).get_indexes(TABLE)]
            return {n: True for n in names if n.endswith(("_code", "_serial"))}
        rows = conn.execute(
            text(
                "SELECT c.relname, i.indisvalid FROM pg_index i"
                " JOIN pg_class c ON c.oid = i.indexrelid"
                " WHERE i.indrelid = to_regclass(:table)"
            ),
            {"table": TABLE},
        ).all()
    return {r.relname: r.indisvalid for r in rows if r.relname.endswith(("_code", "_serial"))}


def pending(db: Database) -> list[str]:
    with db.engine.connect() as conn:
        return list(conn.execute(select(gx_pending_index.c.index_name)).scalars())


def field_row(db: Database, name: str) -> Any:
    with db.engine.connect() as conn:
        return conn.execute(
            select(gx_field).where(gx_field.c.object_name == OBJECT, gx_field.c.name == name)
        ).first()


def columns(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return {str(c["name"]) for c in inspect(conn).get_columns(TABLE)}


UX_SERIAL = index_name(TABLE, "serial", unique=True)
UX_CODE = index_name(TABLE, "code", unique=True)
IX_CODE = index_name(TABLE, "code")


def current_version(conn: Connection) -> str:
    return str(
        conn.execute(
            select(gx_meta_state.c.version).where(gx_meta_state.c.id == META_STATE)
        ).scalar_one()
    )


def require_pg(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite builds indexes inside the metadata transaction")


def test_a_new_unique_field_answers_with_its_index_valid_and_nothing_pending(
    gadget: Database, clock: FixedClock
) -> None:
    with gadget.write() as conn:
        add_field(conn, clock, "serial", unique=True)
    with gadget.engine.connect() as conn:
        names = {str(ix["name"]): ix for ix in inspect(conn).get_indexes(TABLE)}
    assert names[UX_SERIAL]["unique"]
    assert indexes(gadget).get(UX_SERIAL, True) is True  # valid (SQLite: always)
    assert pending(gadget) == []
    add_rows(gadget, clock, [None], serial="S-1")
    with pytest.raises(IntegrityError):
        add_rows(gadget, clock, [None], serial="S-1")


def test_making_a_field_unique_over_duplicates_is_refused_and_nothing_changes(
    gadget: Database, clock: FixedClock
) -> None:
    add_rows(gadget, clock, ["a"])
    with pytest.raises(Conflict) as refused, gadget.write() as conn:
        make(conn, clock, "code", unique=True)
    assert [(e.field, e.code) for e in refused.value.errors] == [("unique", "duplicate")]
    assert field_row(gadget, "code").is_unique is False
    assert UX_CODE not in indexes(gadget)
    assert pending(gadget) == []


def test_duplicates_written_before_a_new_unique_index_takes_effect_undo_the_field(
    gadget: Database, clock: FixedClock
) -> None:
    require_pg(gadget)
    with gadget.engine.connect() as conn:
        version = current_version(conn)

    def duplicates() -> None:  # runs after the metadata commit, before the build
        add_rows(gadget, clock, [None, None], serial="same")

    with pytest.raises(Conflict) as refused, gadget.write() as conn:
        after_commit(conn, duplicates)
        add_field(conn, clock, "serial", unique=True, searchable=True)
    assert [(e.field, e.code) for e in refused.value.errors] == [("unique", "duplicate")]
    assert field_row(gadget, "serial") is None
    assert "serial" not in columns(gadget)
    assert UX_SERIAL not in indexes(gadget)  # no INVALID index left for writes to maintain
    assert pending(gadget) == []
    with gadget.engine.connect() as conn:
        assert current_version(conn) != version  # every process drops the field again


def test_duplicates_written_before_a_field_turns_unique_restore_its_plain_index(
    gadget: Database, clock: FixedClock
) -> None:
    require_pg(gadget)
    with gadget.write() as conn:
        make(conn, clock, "code", indexed=True)
    assert indexes(gadget) == {IX_CODE: True}

    with pytest.raises(Conflict), gadget.write() as conn:
        after_commit(conn, lambda: add_rows(gadget, clock, ["a"]))
        make(conn, clock, "code", unique=True, label={"en": "Gadget code"})
    row = field_row(gadget, "code")
    assert (row.is_unique, row.indexed, row.label) == (False, True, {"en": "Code"})
    assert indexes(gadget) == {IX_CODE: True}
    assert pending(gadget) == []


def test_recovery_rebuilds_an_invalid_index_and_clears_its_pending_row(
    gadget: Database, clock: FixedClock
) -> None:
    require_pg(gadget)
    # Outside Database.write nothing builds after the commit: the field is left as a
    # process killed between the commit and the build leaves it.
    with gadget.engine.begin() as conn:
        add_field(conn, clock, "serial", unique=True)
    assert pending(gadget) == [UX_SERIAL]
    # A build cut short: CREATE INDEX CONCURRENTLY that failed leaves an INVALID index.
    add_rows(gadget, clock, [None, None], serial="same")
    with gadget.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        ddl = conn.execute(select(gx_pending_index.c.ddl)).scalar_one()
        with pytest.raises(IntegrityError):
            conn.exec_driver_sql(ddl)
        conn.execute(text(f"DELETE FROM {TABLE} WHERE serial = 'same'"))
    assert indexes(gadget)[UX_SERIAL] is False

    assert finish_pending(gadget.engine) == {UX_SERIAL: Outcome.BUILT}
    assert indexes(gadget)[UX_SERIAL] is True
    assert pending(gadget) == []
    assert finish_pending(gadget.engine) == {}  # idempotent


def test_recovery_undoes_a_new_unique_field_whose_values_collide(
    gadget: Database, clock: FixedClock
) -> None:
    require_pg(gadget)
    with gadget.engine.begin() as conn:
        add_field(conn, clock, "serial", unique=True)
    add_rows(gadget, clock, [None, None], serial="same")
    assert finish_pending(gadget.engine) == {UX_SERIAL: Outcome.UNDONE}
    assert field_row(gadget, "serial") is None and "serial" not in columns(gadget)
    assert pending(gadget) == []


def test_recovery_leaves_an_index_another_process_is_building(
    gadget: Database, clock: FixedClock
) -> None:
    require_pg(gadget)
    with gadget.engine.begin() as conn:
        add_field(conn, clock, "serial", unique=True)
    with gadget.engine.connect() as other:
        other.execute(
            text("SELECT pg_advisory_lock(7462, hashtext(current_schema() || '.' || :name))"),
            {"name": UX_SERIAL},
        )
        assert finish_pending(gadget.engine) == {UX_SERIAL: Outcome.SKIPPED}
        assert pending(gadget) == [UX_SERIAL]
        other.rollback()
        other.execute(text("SELECT pg_advisory_unlock_all()"))
    assert finish_pending(gadget.engine) == {UX_SERIAL: Outcome.BUILT}


def pg_engine(db: Database) -> Any:
    return create_engine(
        db.url.render_as_string(hide_password=False),
        connect_args={"options": f"-c search_path={db.schema},public"},
    )


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(POLL)
    pytest.fail(f"not {what} within {WAIT} s")


@pytest.fixture
def old_snapshot(gadget: Database) -> Iterator[tuple[Connection, int]]:
    """A transaction holding a snapshot (of nothing in the object's table): CREATE INDEX
    CONCURRENTLY waits for it before it marks its index valid, so a build stays in
    progress, deterministically, until the test lets go."""
    require_pg(gadget)
    engine = pg_engine(gadget)
    conn = engine.connect().execution_options(isolation_level="REPEATABLE READ")
    conn.execute(text("SELECT 1"))
    pid = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
    try:
        yield conn, pid
    finally:
        conn.rollback()
        conn.close()
        engine.dispose()


def test_the_table_takes_writes_and_reads_while_a_field_index_builds(
    gadget: Database, clock: FixedClock, old_snapshot: tuple[Connection, int]
) -> None:
    require_pg(gadget)
    holder, holder_pid = old_snapshot
    outcome: list[BaseException | None] = []

    def call() -> None:
        try:
            with gadget.write() as conn:
                add_field(conn, clock, "serial", unique=True)
            outcome.append(None)
        except BaseException as error:  # handed to the test's thread
            outcome.append(error)

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    engine = pg_engine(gadget)
    try:
        with engine.connect() as look:

            def building() -> bool:
                rows = look.execute(
                    text(
                        "SELECT pid FROM pg_stat_progress_create_index"
                        " WHERE relid = to_regclass(:table)"
                        " AND :holder = ANY(pg_blocking_pids(pid))"
                    ),
                    {"holder": holder_pid, "table": TABLE},
                ).all()
                look.rollback()
                return bool(rows)

            wait_for(building, "the index build in progress")
            assert caller.is_alive()  # the call has not answered
            with engine.connect() as writer:
                writer.execute(text("SET lock_timeout = '1s'"))
                write_rows(writer, clock, ["d"], serial="S-1")
                updated = writer.execute(text(f"UPDATE {TABLE} SET code = 'e' WHERE code = 'd'"))
                assert updated.rowcount == 1
                seen = writer.execute(text(f"SELECT count(*) FROM {TABLE}")).scalar_one()
                assert seen == 4
                writer.commit()
            assert indexes(gadget)[UX_SERIAL] is False  # not valid yet: still building
            assert pending(gadget) == [UX_SERIAL]
    finally:
        holder.rollback()
        engine.dispose()
    caller.join(WAIT)
    assert outcome == [None]
    assert indexes(gadget)[UX_SERIAL] is True
    assert pending(gadget) == []


def test_a_field_added_to_a_table_in_use_gives_up_instead_of_stalling_its_readers(
    gadget: Database, clock: FixedClock
) -> None:
    require_pg(gadget)
    engine = pg_engine(gadget)
    try:
        with engine.connect() as reader:
            reader.execute(text(f"SELECT count(*) FROM {TABLE}"))  # holds ACCESS SHARE
            started = time.monotonic()
            with pytest.raises(TableBusy) as busy, gadget.write() as conn:
                add_field(conn, clock, "serial", indexed=True)
            assert time.monotonic() - started < WAIT
            assert busy.value.status == 503 and busy.value.errors[0].field == "name"
            reader.rollback()
    finally:
        engine.dispose()
    assert field_row(gadget, "serial") is None and "serial" not in columns(gadget)


def test_a_table_made_in_the_same_transaction_gets_its_indexes_in_it(
    db: Database, clock: FixedClock
) -> None:
    """No one else sees the table before the commit: nothing to build concurrently."""
    with db.write() as conn:
        service.create_object(
            conn, Registry(), ObjectIn(name=OBJECT, label={"en": "Gadget"}), now=clock.now()
        )
        add_field(conn, clock, "serial", unique=True)
        if not db.is_sqlite:
            assert conn.execute(select(gx_pending_index.c.index_name)).all() == []
    assert indexes(db) == {UX_SERIAL: True}


def test_an_index_for_a_table_others_use_waits_for_the_commit_on_postgresql(
    gadget: Database, clock: FixedClock
) -> None:
    with gadget.write() as conn:
        add_field(conn, clock, "serial", unique=True)
        if not gadget.is_sqlite:
            assert list(conn.execute(select(gx_pending_index.c.index_name)).scalars()) == [
                UX_SERIAL
            ]
            assert UX_SERIAL not in {str(ix["name"]) for ix in inspect(conn).get_indexes(TABLE)}
    assert indexes(gadget)[UX_SERIAL] is True


def test_the_app_finishes_pending_indexes_when_it_starts(
    gadget: Database, clock: FixedClock
) -> None:
    require_pg(gadget)
    with gadget.engine.begin() as conn:
        add_field(conn, clock, "serial", unique=True)
    assert pending(gadget) == [UX_SERIAL]
    with TestClient(create_app(Settings(search_index_interval=0), db=gadget, clock=clock)):
        assert pending(gadget) == []
    assert indexes(gadget)[UX_SERIAL] is True
