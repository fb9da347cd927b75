"""Alembic migrations produce exactly the system tables the code declares."""

import importlib.util
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from guanxi.kernel.db import Database
from guanxi.kernel.migrate import SCRIPTS, include_name, include_object_on, pending, upgrade
from guanxi.modules import installed
from guanxi.platform.search import tables as search_tables
from guanxi.platform.system_tables import system_metadata


def test_migrations_match_the_declared_tables_and_rerun_safely(empty_db: Database) -> None:
    installed()  # the modules' own tables (web forms, pools) are declared with them
    upgrade(empty_db)
    upgrade(empty_db)  # idempotent
    current, head = pending(empty_db)
    assert current == head
    with empty_db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "include_name": include_name,
                "include_object": include_object_on(conn.dialect.name),
            },
        )
        diff = compare_metadata(context, system_metadata)
    assert diff == []


def test_the_search_migration_creates_the_full_text_index_the_code_declares() -> None:
    path = Path(SCRIPTS, "versions", "0005_search_index.py")
    spec = importlib.util.spec_from_file_location("migration_0005", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert migration.SQLITE_FTS_DDL == search_tables.SQLITE_FTS_DDL
    assert migration.SQLITE_FTS_DROP == search_tables.SQLITE_FTS_DROP
