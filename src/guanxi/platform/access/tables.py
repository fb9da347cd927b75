"""System tables for users and API tokens."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, String, Table, Uuid

from guanxi.kernel.db import system_metadata
from guanxi.kernel.sqltypes import UtcDateTime

gx_user = Table(
    "gx_user",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("password_hash", String(255), nullable=True),
    Column("locale", String(8), nullable=False, default="zh-CN"),
    Column("time_zone", String(64), nullable=False, default="Asia/Shanghai"),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

gx_api_token = Table(
    "gx_api_token",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column(
        "user_id", Uuid(), ForeignKey("gx_user.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("name", String(120), nullable=False),
    # SHA-256 of the secret: tokens are long random strings, so a fast hash is enough and
    # lets the lookup be a single indexed equality.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("scope", String(16), nullable=False, default="write"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=True),
    Column("revoked_at", UtcDateTime, nullable=True),
    Column("last_used_at", UtcDateTime, nullable=True),
)
