"""Alembic migrations produce exactly the system tables the code declares."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from guanxi.kernel.db import Database
from guanxi.kernel.migrate import include_name, include_object_on, pending, upgrade
from guanxi.platform.system_tables import system_metadata


def test_migrations_match_the_declared_tables_and_rerun_safely(empty_db: Database) -> None:
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
