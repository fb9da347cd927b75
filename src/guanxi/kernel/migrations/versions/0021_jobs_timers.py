"""Scheduled jobs' runs (one row per job and time slot) and timers.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 16:00:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import guanxi.kernel.sqltypes

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _at(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "gx_job_run",
        sa.Column("job", sa.String(length=63), nullable=False),
        _at("slot_at"),
        _at("started_at"),
        _at("finished_at", nullable=True),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("job", "slot_at", name="pk_gx_job_run"),
    )
    op.create_table(
        "gx_timer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("handler", sa.String(length=63), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        _at("due_at"),
        _at("run_at"),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        _at("armed_at"),
        _at("fired_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("handler", "key", name="uq_gx_timer_key"),
    )
    op.create_index("ix_gx_timer_run", "gx_timer", ["state", "run_at"])


def downgrade() -> None:
    op.drop_index("ix_gx_timer_run", table_name="gx_timer")
    op.drop_table("gx_timer")
    op.drop_table("gx_job_run")
