"""Alembic environment: migrations for system tables only (object tables are runtime DDL)."""

from __future__ import annotations

from alembic import context

from guanxi.kernel.migrate import include_name, include_object_on

connection = context.config.attributes["connection"]
target_metadata = context.config.attributes.get("target_metadata")

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    include_name=include_name,
    include_object=include_object_on(connection.dialect.name),
)
with context.begin_transaction():
    context.run_migrations()
