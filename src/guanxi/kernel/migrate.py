"""Running Alembic migrations of the system tables programmatically."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData

from guanxi.kernel.db import Database

SCRIPTS = Path(__file__).parent / "migrations"


def _config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    return cfg


def upgrade(db: Database) -> None:
    """Bring the system tables to the newest revision."""
    cfg = _config(db)
    with db.engine.connect() as conn:
        if db.is_sqlite:
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")


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
