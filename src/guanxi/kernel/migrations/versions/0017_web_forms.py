"""Web-to-lead forms, their submissions, and the sales module's settings.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 10:00:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import guanxi.kernel.sqltypes

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _at() -> sa.types.TypeEngine[Any]:
    return guanxi.kernel.sqltypes.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "gx_web_form",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("form_key", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("fields", _json(), nullable=False),
        sa.Column("required", _json(), nullable=False),
        sa.Column("defaults", _json(), nullable=False),
        sa.Column("consent_text", sa.Text(), nullable=True),
        sa.Column("assignment_rule_id", sa.Uuid(), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", _at(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("updated_at", _at(), nullable=False),
        sa.Column("updated_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignment_rule_id"],
            ["gx_assignment_rule.id"],
            name="fk_gx_web_form_rule",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("form_key"),
    )
    op.create_table(
        "gx_form_submission",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("form_id", sa.Uuid(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=400), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=True),
        sa.Column("at", _at(), nullable=False),
        sa.ForeignKeyConstraint(
            ["form_id"], ["gx_web_form.id"], name="fk_gx_form_submission_form", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_gx_form_submission_ip_at", "gx_form_submission", ["ip", "at"])
    op.create_index("ix_gx_form_submission_form_at", "gx_form_submission", ["form_id", "at"])
    op.create_table(
        "gx_sales_setting",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", _json(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", _at(), nullable=False),
        sa.Column("updated_by_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("gx_sales_setting")
    op.drop_table("gx_form_submission")
    op.drop_table("gx_web_form")
