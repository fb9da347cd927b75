"""System tables of the sales module (migration 0017): web-to-lead forms, their
submissions, and the module's settings."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, Uuid

from guanxi.kernel.db import system_metadata
from guanxi.kernel.sqltypes import JsonType, UtcDateTime

# A form a website posts leads to, by its unguessable ``form_key``. ``fields`` lists the
# lead fields it asks for, in order; ``required`` those it insists on beyond the lead's own.
gx_web_form = Table(
    "gx_web_form",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column("form_key", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("fields", JsonType, nullable=False),
    Column("required", JsonType, nullable=False),
    Column("defaults", JsonType, nullable=False),  # values every lead of the form gets
    Column("consent_text", Text, nullable=True),
    Column(
        "assignment_rule_id",
        Uuid(),
        ForeignKey("gx_assignment_rule.id", ondelete="SET NULL", name="fk_gx_web_form_rule"),
        nullable=True,
    ),
    Column("owner_id", Uuid(), nullable=False),  # leads' owner when no rule assigns them
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by_id", Uuid(), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by_id", Uuid(), nullable=True),
)

# Every submission, accepted or caught by the honeypot: the rate limit per address counts
# them, and an administrator can see where a lead came from.
gx_form_submission = Table(
    "gx_form_submission",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column(
        "form_id",
        Uuid(),
        ForeignKey("gx_web_form.id", ondelete="CASCADE", name="fk_gx_form_submission_form"),
        nullable=False,
    ),
    Column("ip", String(64), nullable=True),
    Column("user_agent", String(400), nullable=True),
    Column("outcome", String(16), nullable=False),  # accepted | honeypot
    Column("lead_id", Uuid(), nullable=True),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_gx_form_submission_ip_at", "ip", "at"),
    Index("ix_gx_form_submission_form_at", "form_id", "at"),
)

# Settings of the sales module by key (the lead conversion mapping), versioned so two
# administrators' edits do not overwrite each other.
gx_sales_setting = Table(
    "gx_sales_setting",
    system_metadata,
    Column("key", String(64), primary_key=True),
    Column("value", JsonType, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by_id", Uuid(), nullable=True),
)
