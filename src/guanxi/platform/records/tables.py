"""System tables the records service writes besides the object tables."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, Uuid

from guanxi.kernel.db import system_metadata
from guanxi.kernel.sqltypes import JsonType, UtcDateTime

# Record history. An update writes one row per field whose value changed (``field`` names
# it; ``old``/``new`` hold the JSON values, date-times in UTC), owner changes included, and
# so does a delete that clears lookups pointing at the deleted record. Delete, restore and
# purge write one row each with ``field`` NULL; purged records keep theirs (the audit
# trail). A create writes one row too (since 2026-12-06, ADR 0017); for records created
# before, the history read makes their "create" entry from created_at / created_by_id.
gx_history = Table(
    "gx_history",
    system_metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("object_name", String(63), nullable=False),
    Column("record_id", Uuid(), nullable=False),
    Column("action", String(16), nullable=False),  # update, delete, restore, purge
    Column("field", String(63), nullable=True),
    Column("old", JsonType, nullable=True),
    Column("new", JsonType, nullable=True),
    Column("changed_by", Uuid(), nullable=True),
    Column("changed_at", UtcDateTime, nullable=False),
    Index("ix_gx_history_record", "object_name", "record_id", "id"),
)

# Saved list views: a name, a filter tree, columns, sort, page size and an optional kanban
# field for one object. Personal (only the owner sees it), shared with everyone, or shared
# with the roles listed in ``gx_view_role`` (platform.records.views).
gx_view = Table(
    "gx_view",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column("object_name", String(63), nullable=False),
    Column("name", JsonType, nullable=False),  # {"en": …, "zh-CN": …}
    # {"filter", "columns", "sort", "page_size", "kanban_field"}
    Column("definition", JsonType, nullable=False),
    Column("visibility", String(16), nullable=False),  # personal | everyone | roles
    Column(
        "owner_id",
        Uuid(),
        ForeignKey("gx_user.id", ondelete="CASCADE", name="fk_gx_view_owner"),
        nullable=False,
    ),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_gx_view_object_owner", "object_name", "owner_id"),
)

gx_view_role = Table(
    "gx_view_role",
    system_metadata,
    Column(
        "view_id",
        Uuid(),
        ForeignKey("gx_view.id", ondelete="CASCADE", name="fk_gx_view_role_view"),
        primary_key=True,
    ),
    Column(
        "role_id",
        Uuid(),
        ForeignKey("gx_role.id", ondelete="CASCADE", name="fk_gx_view_role_role"),
        primary_key=True,
        index=True,
    ),
)
