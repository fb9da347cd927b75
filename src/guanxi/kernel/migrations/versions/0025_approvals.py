"""Approval processes, their immutable versions, requests, approvers' tasks and the trail.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 17:00:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import guanxi.kernel.sqltypes

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql"
    )


def _at(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "gx_approval_process",
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
            name="fk_gx_approval_process_object",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_gx_approval_process_object", "gx_approval_process", ["object_name"])
    op.create_table(
        "gx_approval_process_version",
        sa.Column("process_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", _json(), nullable=False),
        _at("created_at"),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["gx_approval_process.id"],
            name="fk_gx_approval_process_version_process",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("process_id", "version", name="pk_gx_approval_process_version"),
    )
    op.create_table(
        "gx_approval_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("process_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("object_name", sa.String(length=63), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("plan", _json(), nullable=False),
        sa.Column("submitted_by_id", sa.Uuid(), nullable=True),
        _at("submitted_at"),
        _at("decided_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["gx_approval_process.id"],
            name="fk_gx_approval_request_process",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_gx_approval_request_record", "gx_approval_request", ["object_name", "record_id"]
    )
    op.create_index(
        "ux_gx_approval_request_pending",
        "gx_approval_request",
        ["object_name", "record_id"],
        unique=True,
        sqlite_where=sa.text("state = 'pending'"),
        postgresql_where=sa.text("state = 'pending'"),
    )
    op.create_table(
        "gx_approval_task",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("approver_id", sa.Uuid(), nullable=False),
        sa.Column("original_approver_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        _at("created_at"),
        _at("acted_at", nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["gx_approval_request.id"],
            name="fk_gx_approval_task_request",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_gx_approval_task_request", "gx_approval_task", ["request_id", "step", "position"]
    )
    op.create_index("ix_gx_approval_task_inbox", "gx_approval_task", ["approver_id", "state"])
    op.create_table(
        "gx_approval_action",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("object_name", sa.String(length=63), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("approver_id", sa.Uuid(), nullable=True),
        sa.Column("to_user_id", sa.Uuid(), nullable=True),
        sa.Column("to_step", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        _at("at"),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["gx_approval_request.id"],
            name="fk_gx_approval_action_request",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_gx_approval_action_record",
        "gx_approval_action",
        ["object_name", "record_id", "at", "id"],
    )
    op.create_index("ix_gx_approval_action_request", "gx_approval_action", ["request_id", "id"])


def downgrade() -> None:
    op.drop_table("gx_approval_action")
    op.drop_table("gx_approval_task")
    op.drop_table("gx_approval_request")
    op.drop_table("gx_approval_process_version")
    op.drop_table("gx_approval_process")
