"""System tables of the process engine: assignment rules and their rotation state."""

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
