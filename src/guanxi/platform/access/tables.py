"""System tables for the organisation, credentials, roles, sharing and the audit log."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    Uuid,
)

from guanxi.kernel.db import system_metadata
from guanxi.kernel.sqltypes import JsonType, UtcDateTime

gx_department = Table(
    "gx_department",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column("name", String(120), nullable=False),
    Column(
        "parent_id",
        Uuid(),
        ForeignKey("gx_department.id", ondelete="RESTRICT", name="fk_gx_department_parent"),
        nullable=True,
    ),
    # Materialised path "/<root id>/…/<own id>/" so a subtree is one prefix match.
    Column("path", String(2000), nullable=False, index=True),
    Column("head_id", Uuid(), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)

gx_user = Table(
    "gx_user",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("phone", String(32), nullable=True),
    Column("password_hash", String(255), nullable=True),
    Column("locale", String(8), nullable=False, default="zh-CN"),
    Column("time_zone", String(64), nullable=False, default="Asia/Shanghai"),
    # How dense the user's lists are: "comfortable" or "compact" (a preference of the web app).
    Column(
        "list_density",
        String(16),
        nullable=False,
        default="comfortable",
        server_default="comfortable",
    ),
    Column("is_admin", Boolean, nullable=False, default=False),  # superuser: every right
    Column("active", Boolean, nullable=False, default=True),
    Column(
        "department_id",
        Uuid(),
        ForeignKey("gx_department.id", ondelete="SET NULL", name="fk_gx_user_department"),
        nullable=True,
        index=True,
    ),
    Column(
        "manager_id",
        Uuid(),
        ForeignKey("gx_user.id", ondelete="SET NULL", name="fk_gx_user_manager"),
        nullable=True,
        index=True,
    ),
    Column("failed_logins", Integer, nullable=False, default=0, server_default="0"),
    Column("locked_until", UtcDateTime, nullable=True),
    Column("totp_secret", String(64), nullable=True),  # set = two-factor sign-in is on
    Column("totp_pending", String(64), nullable=True),  # generated, not yet confirmed
    # Time step (Unix time // 30) of the last TOTP code accepted: a code is accepted once.
    Column("totp_last_step", BigInteger, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

gx_team = Table(
    "gx_team",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column("name", String(120), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
)

gx_team_member = Table(
    "gx_team_member",
    system_metadata,
    Column("team_id", Uuid(), ForeignKey("gx_team.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "user_id",
        Uuid(),
        ForeignKey("gx_user.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)

gx_role = Table(
    "gx_role",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column("name", String(120), nullable=False, unique=True),
    Column("description", String(500), nullable=True),
    # {"account": {"create": true, "read": true, …, "scope": "own"}}
    Column("objects", JsonType, nullable=False),
    # {"account.annual_revenue": "hidden" | "read_only"}
    Column("fields", JsonType, nullable=False),
    # ["manage_metadata", "manage_users", "manage_automation", "view_audit_log"]
    Column("rights", JsonType, nullable=False),
    Column("require_2fa", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

gx_user_role = Table(
    "gx_user_role",
    system_metadata,
    Column("user_id", Uuid(), ForeignKey("gx_user.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "role_id",
        Uuid(),
        ForeignKey("gx_role.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
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

gx_session = Table(
    "gx_session",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column(
        "user_id", Uuid(), ForeignKey("gx_user.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("csrf_token", String(64), nullable=False),
    Column("ip", String(64), nullable=True),
    Column("user_agent", String(300), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
)

gx_share = Table(
    "gx_share",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column("object_name", String(63), nullable=False),
    Column("record_id", Uuid(), nullable=False),
    Column("user_id", Uuid(), ForeignKey("gx_user.id", ondelete="CASCADE"), nullable=True),
    Column("team_id", Uuid(), ForeignKey("gx_team.id", ondelete="CASCADE"), nullable=True),
    Column("access", String(8), nullable=False),  # read | edit
    Column("created_by", Uuid(), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_gx_share_user", "user_id", "object_name", "record_id"),
    Index("ix_gx_share_team", "team_id", "object_name", "record_id"),
    Index("ix_gx_share_record", "object_name", "record_id"),
    UniqueConstraint("object_name", "record_id", "user_id", "team_id", name="uq_gx_share"),
)

# Append-only security log: logins, 2FA, tokens, roles, exports, metadata changes.
gx_audit = Table(
    "gx_audit",
    system_metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("at", UtcDateTime, nullable=False, index=True),
    Column("action", String(63), nullable=False, index=True),
    Column("actor_id", Uuid(), nullable=True, index=True),
    Column("target", String(200), nullable=True),
    Column("ip", String(64), nullable=True),
    Column("user_agent", String(300), nullable=True),
    Column("details", JsonType, nullable=True),
)

# Single sign-on: the identity provider's (issuer, subject) pair that signs a user in,
# recorded at their first SSO sign-in. E-mail addresses change and may be reassigned at
# the provider; the subject identifies the account there for good.
gx_user_identity = Table(
    "gx_user_identity",
    system_metadata,
    Column("issuer", String(1000), primary_key=True),
    Column("subject", String(255), primary_key=True),
    Column("user_id", Uuid(), ForeignKey("gx_user.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # One account per provider and user: another subject claiming the user's e-mail is not
    # the same person.
    UniqueConstraint("user_id", "issuer", name="uq_gx_user_identity_user"),
)

# One-time recovery codes for two-factor sign-in, stored hashed.
gx_recovery_code = Table(
    "gx_recovery_code",
    system_metadata,
    Column("user_id", Uuid(), ForeignKey("gx_user.id", ondelete="CASCADE"), primary_key=True),
    Column("code_hash", String(64), primary_key=True),
    Column("used_at", UtcDateTime, nullable=True),
)
