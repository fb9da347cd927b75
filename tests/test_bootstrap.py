"""`guanxi migrate` brings object tables' indexes up to the current design."""

from __future__ import annotations

from sqlalchemy import inspect

from guanxi.bootstrap import migrate
from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.platform.metadata.ddl import sync_table_indexes
from guanxi.platform.metadata.registry import Registry


def index_columns(db: Database, table: str) -> dict[str, list[str]]:
    with db.engine.connect() as conn:
        return {
            str(ix["name"]): list(ix["column_names"]) for ix in inspect(conn).get_indexes(table)
        }


def test_migrate_rebuilds_indexes_whose_design_changed(
    empty_db: Database, clock: FixedClock
) -> None:
    migrate(empty_db, clock=clock)
    designed = index_columns(empty_db, "o_account")
    assert designed["ix_o_account_created_at"][:2] == ["created_at", "id"]
    # An index as an older release made it: same name, other columns.
    with empty_db.write() as conn:
        conn.exec_driver_sql("DROP INDEX ix_o_account_created_at")
        conn.exec_driver_sql("CREATE INDEX ix_o_account_created_at ON o_account (created_at)")
    assert index_columns(empty_db, "o_account")["ix_o_account_created_at"] == ["created_at"]

    migrate(empty_db, clock=clock)
    assert index_columns(empty_db, "o_account") == designed
    if empty_db.is_sqlite:  # the owner rides along so scoped lists skip rows in the index
        assert designed["ix_o_account_created_at"] == ["created_at", "id", "owner_id"]
    else:
        assert designed["ix_o_account_created_at"] == ["created_at", "id"]


def test_a_current_database_keeps_its_indexes(empty_db: Database, clock: FixedClock) -> None:
    migrate(empty_db, clock=clock)
    with empty_db.write() as conn:
        objects = Registry().snapshot(conn).objects.values()
        assert {obj.name: sync_table_indexes(conn, obj) for obj in objects} == {
            obj.name: [] for obj in objects
        }
