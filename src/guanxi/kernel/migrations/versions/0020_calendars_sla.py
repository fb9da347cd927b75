"""Business calendars with their holidays and make-up days, SLA policies and SLA clocks.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08 09:00:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import guanxi.kernel.sqltypes

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _at(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "gx_calendar",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", _json(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("working_hours", _json(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _at("created_at"),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        _at("updated_at"),
        sa.Column("updated_by_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "gx_calendar_day",
        sa.Column("calendar_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", _json(), nullable=True),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["gx_calendar.id"],
            name="fk_gx_calendar_day_calendar",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("calendar_id", "day", name="pk_gx_calendar_day"),
    )
    op.create_table(
        "gx_sla_policy",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("object_name", sa.String(length=63), nullable=False),
        sa.Column("name", _json(), nullable=False),
        sa.Column("calendar_id", sa.Uuid(), nullable=True),
        sa.Column("condition", _json(), nullable=True),
        sa.Column("definition", _json(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _at("created_at"),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        _at("updated_at"),
        sa.Column("updated_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["object_name"], ["gx_object.name"], name="fk_gx_sla_policy_object", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["calendar_id"], ["gx_calendar.id"], name="fk_gx_sla_policy_calendar"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_gx_sla_policy_object", "gx_sla_policy", ["object_name"])
    op.create_table(
        "gx_sla_clock",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("object_name", sa.String(length=63), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("metric", sa.String(length=16), nullable=False),
        sa.Column("policy_id", sa.Uuid(), nullable=False),
        sa.Column("target_minutes", sa.Integer(), nullable=False),
        _at("started_at"),
        sa.Column("pauses", _json(), nullable=False),
        _at("paused_since", nullable=True),
        _at("due_at", nullable=True),
        _at("warn_at", nullable=True),
        _at("met_at", nullable=True),
        _at("warned_at", nullable=True),
        _at("breached_at", nullable=True),
        sa.Column("escalation", _json(), nullable=True),
        _at("updated_at"),
        sa.ForeignKeyConstraint(
            ["policy_id"], ["gx_sla_policy.id"], name="fk_gx_sla_clock_policy", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("object_name", "record_id", "metric", name="uq_gx_sla_clock_record"),
    )
    op.create_index("ix_gx_sla_clock_policy", "gx_sla_clock", ["policy_id"])
    op.create_index("ix_gx_sla_clock_due", "gx_sla_clock", ["due_at"])
    op.create_index("ix_gx_sla_clock_warn", "gx_sla_clock", ["warn_at"])


def downgrade() -> None:
    op.drop_index("ix_gx_sla_clock_warn", table_name="gx_sla_clock")
    op.drop_index("ix_gx_sla_clock_due", table_name="gx_sla_clock")
    op.drop_index("ix_gx_sla_clock_policy", table_name="gx_sla_clock")
    op.drop_table("gx_sla_clock")
    op.drop_index("ix_gx_sla_policy_object", table_name="gx_sla_policy")
    op.drop_table("gx_sla_policy")
    op.drop_table("gx_calendar_day")
    op.drop_table("gx_calendar")
