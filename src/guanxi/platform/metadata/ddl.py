"""Runtime DDL: object tables and field columns created and altered while the server runs.

Both SQLite and PostgreSQL run DDL inside the caller's transaction, so a failed metadata
change leaves neither a half-made table nor a definition without its column.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, Index, MetaData, Table, inspect
from sqlalchemy.schema import CreateColumn

from guanxi.platform.metadata.fieldtypes import field_type
from guanxi.platform.metadata.model import FieldDef, ObjectDef, table_name_for
from guanxi.platform.metadata.registry import build_table, index_name


def create_object_table(conn: Connection, obj: ObjectDef) -> None:
    metadata = MetaData()
    _reflect_targets(conn, obj, metadata)
    table = build_table(obj, metadata, conn.dialect.name)
    table.create(conn)


def _reflect_targets(conn: Connection, obj: ObjectDef, metadata: MetaData) -> None:
    """Lookup foreign keys need their target tables present in the same MetaData."""
    for f in obj.fields:
        if f.type == "lookup" and f.opt("target") != obj.name:
            Table(table_name_for(f.opt("target")), metadata, autoload_with=conn)


def add_field_columns(conn: Connection, obj: ObjectDef, f: FieldDef) -> None:
    """ALTER TABLE … ADD COLUMN for each column of a new field, then its indexes."""
    ftype = field_type(f.type)
    if not ftype.stored:
        return
    preparer = conn.dialect.identifier_preparer
    table_sql = preparer.quote(obj.table_name)
    for column in ftype.columns(f):
        spec = str(CreateColumn(_detached(column)).compile(dialect=conn.dialect))
        if f.type == "lookup":
            target = preparer.quote(table_name_for(f.opt("target")))
            action = {"restrict": "RESTRICT", "set_null": "SET NULL", "cascade": "CASCADE"}[
                f.opt("on_delete", "set_null")
            ]
            spec += f" REFERENCES {target} (id) ON DELETE {action}"
        conn.exec_driver_sql(f"ALTER TABLE {table_sql} ADD COLUMN {spec}")
    sync_field_indexes(conn, obj, f)


def _detached(column: Column[Any]) -> Column[Any]:
    """A copy without constraints, which ADD COLUMN adds separately (see above)."""
    copy = Column(column.name, column.type, nullable=True)
    Table("_detached", MetaData(), copy)
    return copy


def sync_field_indexes(conn: Connection, obj: ObjectDef, f: FieldDef) -> None:
    """Create or drop the field's index so it matches its unique/indexed flags."""
    ftype = field_type(f.type)
    if not ftype.stored:
        return
    table = build_table(obj, MetaData(), conn.dialect.name)
    first = ftype.column_names(f)[0]
    candidates = {index_name(obj.table_name, first), index_name(obj.table_name, first, unique=True)}
    wanted: dict[str, Index] = {str(ix.name): ix for ix in table.indexes if ix.name in candidates}
    existing = _existing_indexes(conn, obj.table_name)
    _sync_trigram_index(conn, obj, f, existing)
    for name in candidates & existing:
        if name not in wanted:
            conn.exec_driver_sql(f"DROP INDEX {conn.dialect.identifier_preparer.quote(name)}")
    for name, index in wanted.items():
        if name not in existing:
            index.create(conn)


def sync_table_indexes(conn: Connection, obj: ObjectDef) -> list[str]:
    """Rebuild the object table's indexes whose columns differ from the current design
    (``build_table``), e.g. after an upgrade changed it; returns the names rebuilt."""
    table = build_table(obj, MetaData(), conn.dialect.name)
    existing = {str(ix["name"]): ix for ix in inspect(conn).get_indexes(obj.table_name)}
    quote = conn.dialect.identifier_preparer.quote
    rebuilt = []
    for index in table.indexes:
        name = str(index.name)
        have = existing.get(name)
        if have is None:
            continue  # a field's index that is not there yet is sync_field_indexes' business
        if list(have["column_names"]) != [col.name for col in index.columns]:
            conn.exec_driver_sql(f"DROP INDEX {quote(name)}")
            index.create(conn)
            rebuilt.append(name)
    return rebuilt


def _existing_indexes(conn: Connection, table_name: str) -> set[str]:
    return {str(ix["name"]) for ix in inspect(conn).get_indexes(table_name)}


TRIGRAM_TYPES = frozenset({"text", "email", "phone", "auto_number", "url"})


def _sync_trigram_index(conn: Connection, obj: ObjectDef, f: FieldDef, existing: set[str]) -> None:
    """PostgreSQL: a pg_trgm GIN index makes ILIKE '%…%' on a searchable field an index scan.

    Global search no longer needs it (it has its own index, ADR 0006), but list filters
    with ``contains`` and ``ends_with`` on these fields do.
    """
    if conn.dialect.name != "postgresql":
        return
    quote = conn.dialect.identifier_preparer.quote
    name = f"tg_{obj.table_name}_{f.name}"[:63]
    wanted = f.searchable and f.type in TRIGRAM_TYPES and not f.archived
    if wanted and name not in existing:
        conn.exec_driver_sql(
            f"CREATE INDEX {quote(name)} ON {quote(obj.table_name)} USING gin ({quote(f.name)} gin_trgm_ops)"
        )
    elif not wanted and name in existing:
        conn.exec_driver_sql(f"DROP INDEX {quote(name)}")
