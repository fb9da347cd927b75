"""System tables of the customer pools (migration 0018), owned by the sales module on the
shared ``system_metadata`` (ADR 0026)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Uuid

from guanxi.kernel.db import system_metadata
from guanxi.kernel.sqltypes import JsonType, UtcDateTime

# A pool of records without an owner that members claim (公海). ``member_roles``: role
# ids whose users may see and claim; ``settings``: the claim limit, cool-down, protection
# and reclaim rules as ``modules/sales/pools.py`` reads them.
gx_pool = Table(
    "gx_pool",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column(
        "object_name",
        String(63),
        ForeignKey("gx_object.name", ondelete="CASCADE", name="fk_gx_pool_object"),
        nullable=False,
    ),
    Column("name", String(100), nullable=False),
    Column("member_roles", JsonType, nullable=False),  # [role id, …]
    Column("settings", JsonType, nullable=False),
    Column("is_default", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by_id", Uuid(), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by_id", Uuid(), nullable=True),
    Index("ix_gx_pool_object", "object_name"),
)

# Every move of a record in or out of a pool: claim, release, reclaim, and the warning
# before a reclaim. ``user_id`` is the owner concerned (who claimed, released or lost it,
# or was warned), ``actor_id`` who did it (None: the system). The cool-down reads the last
# release or reclaim of a record by a user; a warning's ``due_at`` keeps it from being
# repeated for the same reclaim date.
gx_pool_event = Table(
    "gx_pool_event",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column(
        "pool_id",
        Uuid(),
        ForeignKey("gx_pool.id", ondelete="CASCADE", name="fk_gx_pool_event_pool"),
        nullable=False,
    ),
    Column("object_name", String(63), nullable=False),
    Column("record_id", Uuid(), nullable=False),
    Column("user_id", Uuid(), nullable=True),
    Column("actor_id", Uuid(), nullable=True),
    Column("action", String(16), nullable=False),  # claim | release | reclaim | warn
    Column("at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=True),
    Column("reason", String(500), nullable=True),
    Index("ix_gx_pool_event_record", "record_id", "action", "at"),
)
