"""Running Alembic migrations of the system tables programmatically."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData

from guanxi.kernel.db import Database

SCRIPTS = Path(__file__).parent / "migrations"

# Tables Alembic leaves alone: object tables (runtime DDL of the metadata engine),
# SQLite's full-text index of gx_search with its shadow tables (SQLite-only DDL in 0005),
# and the task queue's own tables on PostgreSQL (huey makes them; ADR 0029).
UNMANAGED_TABLE_PREFIXES = ("o_", "gx_search_fts", "huey_")


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic filter by name: skip the tables it does not manage."""
    return not (type_ == "table" and name and name.startswith(UNMANAGED_TABLE_PREFIXES))


def include_object_on(dialect: str) -> Callable[[Any, str | None, str, bool, Any], bool]:
    """Alembic filter by object: skip indexes declared for another database only.

    Such an index carries ``info={"only_on": "<dialect>"}`` (and ``ddl_if`` for create_all).
    """

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool, other: Any) -> bool:
        only_on = getattr(obj, "info", {}).get("only_on")
        return only_on is None or only_on == dialect

    return include_object


def _config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    return cfg


def upgrade(db: Database) -> list[str]:
    """Bring the system tables to the newest revision; returns the revisions it applied."""
    cfg = _config(db)
    with db.engine.connect() as conn:
        if db.is_sqlite:
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            before = MigrationContext.configure(conn).get_current_revision()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    script = ScriptDirectory.from_config(cfg)
    return [rev.revision for rev in script.iterate_revisions("head", before)]


def revision(db: Database, message: str, metadata: MetaData) -> None:
    """Autogenerate a new revision from the difference between ``metadata`` and the database."""
    cfg = _config(db)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        cfg.attributes["target_metadata"] = metadata
        command.revision(cfg, message=message, autogenerate=True)


def pending(db: Database) -> tuple[str | None, str | None]:
    """(current revision, head revision) — equal when nothing is pending."""
    head = ScriptDirectory.from_config(_config(db)).get_current_head()
    with db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current, head
