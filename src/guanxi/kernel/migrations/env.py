"""Alembic environment: migrations for system tables only (object tables are runtime DDL)."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
target_metadata = context.config.attributes.get("target_metadata")

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    # Object tables (o_*) are managed by the metadata engine, not by Alembic.
    include_name=lambda name, type_, parent: (
        not (type_ == "table" and name and name.startswith("o_"))
    ),
)
with context.begin_transaction():
    context.run_migrations()
