"""System tables that hold object and field definitions."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    true,
)

from guanxi.kernel.db import system_metadata
from guanxi.kernel.sqltypes import JsonType, UtcDateTime

gx_object = Table(
    "gx_object",
    system_metadata,
    Column("name", String(63), primary_key=True),
    Column("table_name", String(63), nullable=False, unique=True),
    Column("label", JsonType, nullable=False),
    Column("plural_label", JsonType, nullable=True),
    Column("description", JsonType, nullable=True),
    Column("module", String(63), nullable=True),  # declaring module; NULL for custom objects
    Column("name_field", String(63), nullable=True),  # field used as the record's title
    Column("icon", String(40), nullable=True),  # a name from the web app's icon set
    # Listed in the web app's navigation; child objects (a quote's lines) are reached from
    # their parent, by URL and by search instead.
    Column("nav", Boolean, nullable=False, default=True, server_default=true()),
    Column("archived", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

gx_field = Table(
    "gx_field",
    system_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "object_name",
        String(63),
        ForeignKey("gx_object.name", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(63), nullable=False),
    Column("type", String(31), nullable=False),
    Column("label", JsonType, nullable=False),
    Column("help", JsonType, nullable=True),
    Column("required", Boolean, nullable=False, default=False),
    Column("is_unique", Boolean, nullable=False, default=False),
    Column("indexed", Boolean, nullable=False, default=False),
    Column("searchable", Boolean, nullable=False, default=False),
    Column("default", JsonType, nullable=True),
    Column("config", JsonType, nullable=False),  # type-specific settings (options, target …)
    Column("position", Integer, nullable=False, default=0),
    Column("module", String(63), nullable=True),
    Column("archived", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("object_name", "name", name="uq_gx_field_object_name"),
)

# The version of each module's declarations that the database holds: upgrading applies
# only the field changes of later versions, once (ADR 0014).
gx_module = Table(
    "gx_module",
    system_metadata,
    Column("name", String(63), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("installed_at", UtcDateTime, nullable=False),
    Column("upgraded_at", UtcDateTime, nullable=False),
)

# Rows whose version is replaced by a fresh random token on every change of what they
# stand for, so every server process notices it (a token, not a counter: a rolled-back
# change can never be mistaken for another process's committed one). Row 1: metadata
# (objects and fields); row 2: access (roles and who holds them).
META_STATE = 1
ACCESS_STATE = 2
gx_meta_state = Table(
    "gx_meta_state",
    system_metadata,
    Column("id", Integer, primary_key=True),
    Column("version", String(32), nullable=False),
)

# Counters for auto-number fields, one row per field.
gx_sequence = Table(
    "gx_sequence",
    system_metadata,
    Column("key", String(127), primary_key=True),
    Column("value", BigInteger, nullable=False),  # a load may bring numbers past 2**31
)


def sequence_key(object_name: str, field_name: str) -> str:
    return f"{object_name}.{field_name}"


# PostgreSQL: a field's index that its metadata change committed without, to be built
# with CREATE INDEX CONCURRENTLY (ADR 0020). A row outlives the build only when the
# process building it died: start-up and `guanxi doctor` finish it.
gx_pending_index = Table(
    "gx_pending_index",
    system_metadata,
    Column("index_name", String(63), primary_key=True),
    Column("table_name", String(63), nullable=False),
    Column("object_name", String(63), nullable=False),
    Column("field_name", String(63), nullable=False),
    Column("ddl", Text, nullable=False),  # CREATE [UNIQUE] INDEX CONCURRENTLY …
    Column("is_unique", Boolean, nullable=False),
    # What undoes the metadata change if a unique index meets duplicates:
    # {"action": "create"} or {"action": "update", "before": <the field's row before>}.
    Column("undo", JsonType, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# Page layouts: how an object's record page ("detail") and its create/edit form ("form")
# arrange its fields in sections, plus the detail page's related lists and highlights.
# No row: the layout is derived from the fields (``layouts.default_layout``). Read per
# request (a row or two), so a saved layout is live for every process at once.
gx_layout = Table(
    "gx_layout",
    system_metadata,
    Column(
        "object_name",
        String(63),
        ForeignKey("gx_object.name", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("kind", String(16), primary_key=True),  # detail | form
    # {"sections": [...], "related_lists": [...], "highlights": [...]}
    Column("definition", JsonType, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by_id", Uuid(), nullable=True),
)
