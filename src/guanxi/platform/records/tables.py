"""System tables the records service writes besides the object tables."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Uuid

from guanxi.kernel.db import system_metadata
from guanxi.kernel.sqltypes import JsonType, UtcDateTime

# Field history: one row per changed field (and one per create/delete/restore).
gx_history = Table(
    "gx_history",
    system_metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("object_name", String(63), nullable=False),
    Column("record_id", Uuid(), nullable=False),
    Column("action", String(16), nullable=False),  # create, update, delete, restore
    Column("field", String(63), nullable=True),
    Column("old", JsonType, nullable=True),
    Column("new", JsonType, nullable=True),
    Column("changed_by", Uuid(), nullable=True),
    Column("changed_at", UtcDateTime, nullable=False),
    Index("ix_gx_history_record", "object_name", "record_id", "id"),
)
