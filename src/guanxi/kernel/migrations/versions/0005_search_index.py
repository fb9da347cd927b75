"""Global search index: gx_search (grams per record); GIN on PostgreSQL, FTS5 on SQLite.

The rows themselves are written by ``guanxi migrate`` after this revision (it re-indexes
every object when this revision was applied), because object tables are runtime DDL.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import guanxi.kernel.sqltypes

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# A copy of guanxi.platform.search.tables.SQLITE_FTS_DDL as of this revision: the FTS5
# index holds each gram prefixed by its object's name, like the PostgreSQL index; the
# application writes it (guanxi.platform.search.index).
SQLITE_FTS_DDL = (
    "CREATE VIEW gx_search_fts_content (id, grams) AS SELECT id, object_name || ':' || replace(grams, ' ', ' ' || object_name || ':') FROM gx_search",
    "CREATE VIRTUAL TABLE gx_search_fts USING fts5(grams, content='gx_search_fts_content', content_rowid='id', tokenize=\"ascii tokenchars ':_'\", detail=none)",
)
SQLITE_FTS_DROP = (
    "DROP TABLE IF EXISTS gx_search_fts",
    "DROP VIEW IF EXISTS gx_search_fts_content",
)


def upgrade() -> None:
    op.create_table(
        "gx_search",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("object_name", sa.String(length=63), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("grams", guanxi.kernel.sqltypes.TokenList(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("gx_search", schema=None) as batch_op:
        batch_op.create_index("ux_gx_search_record", ["object_name", "record_id"], unique=True)
    if op.get_bind().dialect.name == "postgresql":
        # Each gram prefixed by its object, in the index only (see guanxi.platform.search).
        op.create_index(
            "ix_gx_search_grams",
            "gx_search",
            [
                sa.text(
                    "string_to_array(object_name || ':' || replace(grams, ' ', ' ' || object_name || ':'), ' ')"
                )
            ],
            unique=False,
            postgresql_using="gin",
        )
    else:
        for statement in SQLITE_FTS_DDL:  # raw SQL: ':_' is not a bound parameter
            op.get_bind().exec_driver_sql(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_gx_search_grams", table_name="gx_search", postgresql_using="gin")
    else:
        for statement in SQLITE_FTS_DROP:
            op.get_bind().exec_driver_sql(statement)
    with op.batch_alter_table("gx_search", schema=None) as batch_op:
        batch_op.drop_index("ux_gx_search_record")
    op.drop_table("gx_search")
