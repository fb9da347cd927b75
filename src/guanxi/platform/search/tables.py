"""The search index: one row of grams per record that has searchable text.

``grams`` is the record's grams separated by spaces, on both databases, so the
application writes ``gx_search`` the same way on both. Both index *keys*: each gram
prefixed by the object's name (``account:华为``, :func:`index_keys`), so a lookup for one
object's gram never walks through another object's records, and PostgreSQL keeps
statistics per object ("华为" may be common among accounts and absent among contacts).
The prefixes live only in the indexes, so the table rows stay small.

- PostgreSQL: a GIN index on the expression :func:`index_keys`.
- SQLite: the FTS5 table ``gx_search_fts`` (``SQLITE_FTS_DDL``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
    column,
    event,
    func,
    literal_column,
    table,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement, Grouping

from guanxi.kernel.db import system_metadata
from guanxi.kernel.sqltypes import TokenList


def index_keys(object_name: ColumnElement[Any], grams: ColumnElement[Any]) -> ColumnElement[Any]:
    """PostgreSQL: the keys the GIN index holds for a row, ``{account:华为, account:为公…}``.

    Constants are SQL literals, not parameters, so a query's expression is the index's;
    the parentheses are where PostgreSQL puts them, so Alembic sees the index unchanged.
    """
    space, colon = literal_column("' '", Text), literal_column("':'", Text)

    def cat(left: ColumnElement[Any], right: ColumnElement[Any]) -> ColumnElement[Any]:
        return left.op("||")(right)

    prefixed = cat(
        Grouping(cat(object_name, colon)),
        func.replace(grams, space, cat(Grouping(cat(space, object_name)), colon)),
    )
    return func.string_to_array(prefixed, space, type_=ARRAY(Text()))


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
    # PostgreSQL only (SQLite has the FTS5 table below); ``info`` tells Alembic's comparison.
    Index(
        "ix_gx_search_grams",
        index_keys(column("object_name", String()), column("grams", Text())),
        postgresql_using="gin",
        info={"only_on": "postgresql"},
    ).ddl_if(dialect="postgresql"),
)

FTS_TABLE = "gx_search_fts"
# For statements only (the real table is the FTS5 DDL below): rowid, the indexed text, and
# the hidden column named like the table that takes whole-table MATCH queries (detail=none
# allows no column filter).
gx_search_fts = table(FTS_TABLE, column("rowid"), column("grams"), column(FTS_TABLE))
# The view that computes the keys the FTS5 table indexes for each gx_search row.
gx_search_fts_content = table("gx_search_fts_content", column("id"), column("grams"))


# The same statements as migration 0005 (which keeps its own copy, as migrations do).
# The FTS5 table indexes the keys of index_keys(), as PostgreSQL's GIN index does, so a
# lookup for one object's "华为" never walks through another object's. Its external
# content is a view that computes them; the search index module writes every change
# with INSERT … SELECT from that view (search.index: _insert, delete_rows), and 'rebuild'
# reads it too. tokenize='ascii': every non-ASCII character is a token character,
# and so are ASCII letters, digits and (tokenchars) ':' and '_', so a key is one token.
# detail=none: queries are AND/OR of single tokens.
SQLITE_FTS_DDL = (
    "CREATE VIEW gx_search_fts_content (id, grams) AS SELECT id, object_name || ':' || replace(grams, ' ', ' ' || object_name || ':') FROM gx_search",
    "CREATE VIRTUAL TABLE gx_search_fts USING fts5(grams, content='gx_search_fts_content', content_rowid='id', tokenize=\"ascii tokenchars ':_'\", detail=none)",
)
SQLITE_FTS_DROP = (
    "DROP TABLE IF EXISTS gx_search_fts",
    "DROP VIEW IF EXISTS gx_search_fts_content",
)


def index_key(object_name: str, gram: str) -> str:
    """One key of the index: ``account:华为`` (object names have no ':', grams neither)."""
    return f"{object_name}:{gram}"


@event.listens_for(gx_search, "after_create")
def _create_fts(target: Table, connection: Connection, **kw: Any) -> None:
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_FTS_DDL:
            connection.exec_driver_sql(statement)


@event.listens_for(gx_search, "before_drop")
def _drop_fts(target: Table, connection: Connection, **kw: Any) -> None:
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_FTS_DROP:
            connection.exec_driver_sql(statement)
