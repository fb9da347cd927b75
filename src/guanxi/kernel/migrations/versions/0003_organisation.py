"""Organisation, roles, sessions, sharing and the audit log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 09:59:07.334793
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import guanxi.kernel.sqltypes

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gx_audit",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=63), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("target", sa.String(length=200), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column(
            "details",
            sa.JSON(none_as_null=True).with_variant(
                postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql"
            ),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("gx_audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gx_audit_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_gx_audit_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_gx_audit_at"), ["at"], unique=False)

    op.create_table(
        "gx_department",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("path", sa.String(length=2000), nullable=False),
        sa.Column("head_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["gx_department.id"], name="fk_gx_department_parent", ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("gx_department", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gx_department_path"), ["path"], unique=False)

    op.create_table(
        "gx_role",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column(
            "objects",
            sa.JSON(none_as_null=True).with_variant(
                postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column(
            "fields",
            sa.JSON(none_as_null=True).with_variant(
                postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column(
            "rights",
            sa.JSON(none_as_null=True).with_variant(
                postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column("require_2fa", sa.Boolean(), nullable=False),
        sa.Column("created_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "gx_team",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "gx_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("created_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["gx_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("gx_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gx_session_user_id"), ["user_id"], unique=False)

    op.create_table(
        "gx_share",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("object_name", sa.String(length=63), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("access", sa.String(length=8), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["gx_team.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["gx_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("object_name", "record_id", "user_id", "team_id", name="uq_gx_share"),
    )
    with op.batch_alter_table("gx_share", schema=None) as batch_op:
        batch_op.create_index("ix_gx_share_record", ["object_name", "record_id"], unique=False)
        batch_op.create_index(
            "ix_gx_share_team", ["team_id", "object_name", "record_id"], unique=False
        )
        batch_op.create_index(
            "ix_gx_share_user", ["user_id", "object_name", "record_id"], unique=False
        )

    op.create_table(
        "gx_team_member",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["gx_team.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["gx_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
    )
    with op.batch_alter_table("gx_team_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gx_team_member_user_id"), ["user_id"], unique=False)

    op.create_table(
        "gx_user_role",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["role_id"], ["gx_role.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["gx_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "role_id"),
    )
    with op.batch_alter_table("gx_user_role", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gx_user_role_role_id"), ["role_id"], unique=False)

    with op.batch_alter_table("gx_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("department_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("manager_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column(
                "locked_until", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_gx_user_department_id"), ["department_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_gx_user_manager_id"), ["manager_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_gx_user_department", "gx_department", ["department_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_foreign_key(
            "fk_gx_user_manager", "gx_user", ["manager_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("gx_user", schema=None) as batch_op:
        batch_op.drop_constraint("fk_gx_user_manager", type_="foreignkey")
        batch_op.drop_constraint("fk_gx_user_department", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_gx_user_manager_id"))
        batch_op.drop_index(batch_op.f("ix_gx_user_department_id"))
        batch_op.drop_column("totp_secret")
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")
        batch_op.drop_column("manager_id")
        batch_op.drop_column("department_id")
        batch_op.drop_column("phone")

    with op.batch_alter_table("gx_user_role", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gx_user_role_role_id"))

    op.drop_table("gx_user_role")
    with op.batch_alter_table("gx_team_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gx_team_member_user_id"))

    op.drop_table("gx_team_member")
    with op.batch_alter_table("gx_share", schema=None) as batch_op:
        batch_op.drop_index("ix_gx_share_user")
        batch_op.drop_index("ix_gx_share_team")
        batch_op.drop_index("ix_gx_share_record")

    op.drop_table("gx_share")
    with op.batch_alter_table("gx_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gx_session_user_id"))

    op.drop_table("gx_session")
    op.drop_table("gx_team")
    op.drop_table("gx_role")
    with op.batch_alter_table("gx_department", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gx_department_path"))

    op.drop_table("gx_department")
    with op.batch_alter_table("gx_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gx_audit_at"))
        batch_op.drop_index(batch_op.f("ix_gx_audit_actor_id"))
        batch_op.drop_index(batch_op.f("ix_gx_audit_action"))

    op.drop_table("gx_audit")
