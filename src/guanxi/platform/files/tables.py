"""The catalogue of stored files (the bytes live in the file store)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String, Table, Uuid

from guanxi.kernel.db import system_metadata
from guanxi.kernel.sqltypes import UtcDateTime

gx_file = Table(
    "gx_file",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("content_type", String(127), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_by", Uuid(), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)
