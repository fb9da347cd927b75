"""System tables: metadata, users and tokens, field history, sequences.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 09:27:39.128382
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import guanxi.kernel.sqltypes

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Trigram indexes make substring search fast; the lock avoids a race between
        # processes migrating at the same time.
        op.execute("SELECT pg_advisory_xact_lock(7461)")
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
    op.create_table(
        "gx_history",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("object_name", sa.String(length=63), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("field", sa.String(length=63), nullable=True),
        sa.Column(
            "old",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "new",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("changed_by", sa.Uuid(), nullable=True),
        sa.Column("changed_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("gx_history", schema=None) as batch_op:
        batch_op.create_index(
            "ix_gx_history_record", ["object_name", "record_id", "id"], unique=False
        )

    op.create_table(
        "gx_meta_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "gx_object",
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("table_name", sa.String(length=63), nullable=False),
        sa.Column(
            "label",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "plural_label",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "description",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("module", sa.String(length=63), nullable=True),
        sa.Column("name_field", sa.String(length=63), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
        sa.UniqueConstraint("table_name"),
    )
    op.create_table(
        "gx_sequence",
        sa.Column("key", sa.String(length=127), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "gx_user",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "gx_api_token",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("created_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["gx_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("gx_api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gx_api_token_user_id"), ["user_id"], unique=False)

    op.create_table(
        "gx_field",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("object_name", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("type", sa.String(length=31), nullable=False),
        sa.Column(
            "label",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "help",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("is_unique", sa.Boolean(), nullable=False),
        sa.Column("indexed", sa.Boolean(), nullable=False),
        sa.Column("searchable", sa.Boolean(), nullable=False),
        sa.Column(
            "default",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "config",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("module", sa.String(length=63), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["object_name"], ["gx_object.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("object_name", "name", name="uq_gx_field_object_name"),
    )


def downgrade() -> None:
    op.drop_table("gx_field")
    with op.batch_alter_table("gx_api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gx_api_token_user_id"))

    op.drop_table("gx_api_token")
    op.drop_table("gx_user")
    op.drop_table("gx_sequence")
    op.drop_table("gx_object")
    op.drop_table("gx_meta_state")
    with op.batch_alter_table("gx_history", schema=None) as batch_op:
        batch_op.drop_index("ix_gx_history_record")

    op.drop_table("gx_history")
