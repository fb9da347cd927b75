"""Automation rules, their immutable versions and their runs.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 16:00:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import guanxi.kernel.sqltypes

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql"
    )


def _at(name: str) -> sa.Column[Any]:
    return sa.Column(name, guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "gx_automation_rule",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("object_name", sa.String(length=63), nullable=False),
        sa.Column("name", _json(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _at("created_at"),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        _at("updated_at"),
        sa.Column("updated_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["object_name"],
            ["gx_object.name"],
            name="fk_gx_automation_rule_object",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_gx_automation_rule_object", "gx_automation_rule", ["object_name"])
    op.create_table(
        "gx_automation_version",
        sa.Column("rule_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", _json(), nullable=False),
        _at("created_at"),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["gx_automation_rule.id"],
            name="fk_gx_automation_version_rule",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("rule_id", "version", name="pk_gx_automation_version"),
    )
    op.create_table(
        "gx_automation_run",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("rule_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("object_name", sa.String(length=63), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=True),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("slot", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcomes", _json(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        _at("started_at"),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["gx_automation_rule.id"],
            name="fk_gx_automation_run_rule",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_gx_automation_run_rule", "gx_automation_run", ["rule_id", "id"])
    op.create_index(
        "ux_gx_automation_run_slot",
        "gx_automation_run",
        ["rule_id", "record_id", "slot"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_table("gx_automation_run")
    op.drop_table("gx_automation_version")
    op.drop_table("gx_automation_rule")
