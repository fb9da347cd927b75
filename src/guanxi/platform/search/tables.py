"""The search index: one row of grams per record that has searchable text.

On PostgreSQL ``grams`` is a ``text[]`` with a GIN index. On SQLite it is space-separated
text, indexed by the FTS5 table ``gx_search_fts`` (external content: it stores only the
index and reads ``gx_search`` when it needs the text), which triggers keep in step with
``gx_search``. So the application writes ``gx_search`` the same way on both databases.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, Connection, Index, Integer, String, Table, Uuid, event

from guanxi.kernel.db import system_metadata
from guanxi.kernel.sqltypes import TokenList

gx_search = Table(
    "gx_search",
    system_metadata,
    # An integer key because SQLite's FTS5 table refers to its content rows by rowid.
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("object_name", String(63), nullable=False),
    Column("record_id", Uuid(), nullable=False),
    Column("grams", TokenList(), nullable=False),
    Index("ux_gx_search_record", "object_name", "record_id", unique=True),
)
# PostgreSQL only (SQLite has the FTS5 table below); ``info`` tells Alembic's comparison.
Index(
    "ix_gx_search_grams", gx_search.c.grams, postgresql_using="gin", info={"only_on": "postgresql"}
).ddl_if(dialect="postgresql")

FTS_TABLE = "gx_search_fts"

# The same statements as migration 0005 (which keeps its own copy, as migrations do).
# tokenize='ascii': every non-ASCII character is part of a token and ASCII letters and
# digits are too, so a gram is indexed verbatim; '@' and '_' join object tags such as
# '@sales_order' into one token. detail=none: queries are AND/OR of single tokens.
SQLITE_FTS_DDL = (
    "CREATE VIRTUAL TABLE gx_search_fts USING fts5(grams, content='gx_search',"
    " content_rowid='id', tokenize=\"ascii tokenchars '@_'\", detail=none)",
    "CREATE TRIGGER gx_search_fts_insert AFTER INSERT ON gx_search BEGIN"
    " INSERT INTO gx_search_fts(rowid, grams) VALUES (new.id, new.grams); END",
    "CREATE TRIGGER gx_search_fts_delete AFTER DELETE ON gx_search BEGIN"
    " INSERT INTO gx_search_fts(gx_search_fts, rowid, grams)"
    " VALUES ('delete', old.id, old.grams); END",
    "CREATE TRIGGER gx_search_fts_update AFTER UPDATE ON gx_search BEGIN"
    " INSERT INTO gx_search_fts(gx_search_fts, rowid, grams)"
    " VALUES ('delete', old.id, old.grams);"
    " INSERT INTO gx_search_fts(rowid, grams) VALUES (new.id, new.grams); END",
)


@event.listens_for(gx_search, "after_create")
def _create_fts(target: Table, connection: Connection, **kw: Any) -> None:
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_FTS_DDL:
            connection.exec_driver_sql(statement)


@event.listens_for(gx_search, "before_drop")
def _drop_fts(target: Table, connection: Connection, **kw: Any) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
