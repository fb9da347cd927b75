"""The catalogue of stored files (the bytes live in the file store), and the files
attached to records."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table, Uuid

from guanxi.kernel.db import system_metadata
from guanxi.kernel.sqltypes import UtcDateTime

gx_file = Table(
    "gx_file",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("content_type", String(127), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_by", Uuid(), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)

# A file attached to a record of any object (a contract scan on an account), beside the
# file fields: one row per link, removed when the attachment is. Attaching and removing
# are written to the record's history too (platform.records.attachments), which keeps
# them once the link is gone.
gx_attachment = Table(
    "gx_attachment",
    system_metadata,
    Column("id", Uuid(), primary_key=True),
    Column("object_name", String(63), nullable=False),
    Column("record_id", Uuid(), nullable=False),
    Column(
        "file_id",
        Uuid(),
        ForeignKey("gx_file.id", name="fk_gx_attachment_file"),
        nullable=False,
    ),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by_id", Uuid(), nullable=True),
    Index("ix_gx_attachment_record", "object_name", "record_id"),
    Index("ix_gx_attachment_file_id", "file_id"),
)
