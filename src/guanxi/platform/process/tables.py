"""System tables of the process engine: assignment rules and their rotation state, and
pools of records without an owner (customer pools) with their event log."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table, Uuid

from guanxi.kernel.db import system_metadata
from guanxi.kernel.sqltypes import JsonType, UtcDateTime

# Assignment rules (platform.process.assignment): who becomes the owner of a record of one
# object, by round-robin, fewest open records or criteria. ``definition`` holds
# {"members", "open_condition", "criteria", "fallback"} as the API shows them.
gx_assignment_rule = Table(
    "gx_assignment_rule",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column(
        "object_name",
        String(63),
        ForeignKey("gx_object.name", ondelete="CASCADE", name="fk_gx_assignment_rule_object"),
        nullable=False,
    ),
    Column("name", JsonType, nullable=False),  # {"en": …, "zh-CN": …}
    Column("strategy", String(16), nullable=False),  # round_robin | load_balanced | criteria
    Column("definition", JsonType, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by_id", Uuid(), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by_id", Uuid(), nullable=True),
    Index("ix_gx_assignment_rule_object", "object_name"),
)

# One row per rule, made with it: the last member each of its pools (``"members"``,
# ``"criteria.0"``, …, ``"fallback"``) gave a record to. An assignment locks the row
# (SELECT … FOR UPDATE on PostgreSQL; SQLite's write transactions are serial already), so
# concurrent arrivals on one rule take their turns one after another.
gx_assignment_state = Table(
    "gx_assignment_state",
    system_metadata,
    Column(
        "rule_id",
        Uuid(),
        ForeignKey("gx_assignment_rule.id", ondelete="CASCADE", name="fk_gx_assignment_state_rule"),
        primary_key=True,
    ),
    Column("last_assigned", JsonType, nullable=False),  # {pool: user id}
    Column("assigned_count", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Pools of records without an owner that members claim (the sales module's customer pools,
# 公海). Generic here: the platform runs no pool logic, but system tables are migrated
# from one metadata, so a module's tables live beside the engine's (ADR 0025).
# ``member_roles``: role ids whose users may see and claim; ``settings``: the claim limit,
# cool-down, protection and reclaim rules as the owning module reads them.
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
