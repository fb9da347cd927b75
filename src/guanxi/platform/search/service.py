"""Global search: substring matches on names, e-mails and phones of every object.

Each object contributes its title field and its searchable fields. The search index
(``gx_search``, see :mod:`guanxi.platform.search.index`) narrows each object's records to
candidates that hold every gram the query requires: a GIN ``@>`` lookup on PostgreSQL,
an FTS5 ``MATCH`` on SQLite. The candidates are then checked with ``LIKE``/``ILIKE`` on
the record's real columns — only those the user may see, only records not deleted and
within the user's data scope — in the same statement. A query that requires no gram at
all (one Latin letter, punctuation) scans the columns instead, as before the index, which
finds ``limit`` matches quickly because such queries match many records.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Boolean, Connection, Table, literal, or_, select, table
from sqlalchemy import column as sql_column
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select
from sqlalchemy.types import Text

from guanxi.kernel.errors import FieldError, ValidationFailed
from guanxi.platform.access.policy import SUPERUSER, Policy
from guanxi.platform.metadata.model import ObjectDef
from guanxi.platform.metadata.registry import Snapshot
from guanxi.platform.records.values import plain
from guanxi.platform.search.grams import required_grams, tag
from guanxi.platform.search.index import SEARCHABLE_TYPES, searchable_fields
from guanxi.platform.search.tables import FTS_TABLE, gx_search, index_keys

__all__ = ["SEARCHABLE_TYPES", "search", "searchable_fields"]

PHONE_LIKE = re.compile(r"^\+?[\d\s\-()]{3,}$")

# The FTS5 table; its hidden column named like the table takes whole-table MATCH queries
# (detail=none allows no column filter).
_fts = table(FTS_TABLE, sql_column("rowid"), sql_column(FTS_TABLE))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def candidate_grams(q: str, digits: str | None) -> list[list[str]] | None:
    """Alternatives of required grams (a record must hold all grams of one of them).

    None when some alternative requires nothing: the index cannot narrow the search.
    """
    alternatives = [required_grams(q)]
    if digits and digits != q:
        alternatives.append(required_grams(digits))
    if not all(alternatives):
        return None
    unique: list[list[str]] = []
    for grams in alternatives:
        if grams not in unique:
            unique.append(grams)
    return unique


def search(
    conn: Connection,
    snap: Snapshot,
    q: str,
    *,
    objects: list[str] | None = None,
    limit: int = 5,
    policy: Policy = SUPERUSER,
) -> dict[str, Any]:
    """Up to ``limit`` matches per object, grouped by object."""
    q = (q or "").strip()
    if not 1 <= len(q) <= 100:
        raise ValidationFailed(
            "q", errors=[FieldError("q", "search for 1 to 100 characters", "invalid")]
        )
    digits = re.sub(r"\D", "", q) if PHONE_LIKE.match(q) else None
    alternatives = candidate_grams(q, digits)
    results: list[dict[str, Any]] = []
    pg = conn.dialect.name == "postgresql"
    if pg:
        # The best plan depends on the values: an index lookup for rare grams, a scan that
        # stops at ``limit`` for common ones or for one letter. psycopg prepares a statement
        # run five times, and PostgreSQL may then reuse a generic plan that knows no values
        # (measured: "有限公司" 1 → 31 ms, "a" 3 → 160 ms on 100k accounts).
        conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
    for obj in snap.objects.values():
        if (
            obj.archived
            or (objects and obj.name not in objects)
            or not policy.can("read", obj.name)
        ):
            continue
        fields = searchable_fields(obj, policy)
        if not fields:
            continue
        table_ = snap.table(obj.name)
        conditions = []
        for f in fields:
            needle = digits if (f.type == "phone" and digits) else q
            pattern = f"%{_escape(needle)}%"
            col = table_.c[f.name]
            conditions.append(
                col.ilike(pattern, escape="\\") if pg else col.like(pattern, escape="\\")
            )
        stmt = select(table_.c.id, *(table_.c[f.name] for f in fields))
        if alternatives is not None:
            stmt = _from_index(stmt, obj, table_, alternatives, pg)
        stmt = stmt.where(
            table_.c.deleted_at.is_(None),
            or_(*conditions),
            policy.read_predicate(obj.name, table_),
        ).limit(limit)
        hits = []
        for row in conn.execute(stmt):
            mapping = row._mapping
            matched = [f.name for f in fields if _matches(mapping[f.name], q, digits, f.type)]
            hits.append(
                {
                    "id": plain(row.id),
                    "title": mapping[obj.name_field]
                    if obj.name_field and obj.name_field in mapping
                    else str(row.id),
                    "matched": matched,
                    "fields": {f.name: mapping[f.name] for f in fields},
                }
            )
        if hits:
            results.append({"object": obj.name, "label": obj.label, "records": hits})
    return {"query": q, "results": results}


def _from_index(
    stmt: Select[Any], obj: ObjectDef, table_: Table, alternatives: list[list[str]], pg: bool
) -> Select[Any]:
    """Restrict ``stmt`` to the index's candidates: records holding one alternative's grams."""
    index_row = gx_search.c.record_id == table_.c.id
    if pg:
        keys = index_keys(gx_search.c.object_name, gx_search.c.grams)
        contains: list[ColumnElement[bool]] = [
            keys.op("@>", return_type=Boolean)(
                literal([f"{obj.name}:{g}" for g in grams], ARRAY(Text()))
            )
            for grams in alternatives
        ]
        return stmt.select_from(gx_search.join(table_, index_row)).where(
            gx_search.c.object_name == obj.name, or_(*contains)
        )
    # FTS5: every token is a quoted string, so no user text can become query syntax; the
    # whole expression is a bound parameter.
    either = " OR ".join(f"({' AND '.join(_quoted(g) for g in grams)})" for grams in alternatives)
    expression = f"{_quoted(tag(obj.name))} AND ({either})"
    return stmt.select_from(
        _fts.join(gx_search, gx_search.c.id == _fts.c.rowid).join(table_, index_row)
    ).where(_fts.c[FTS_TABLE].match(expression), gx_search.c.object_name == obj.name)


def _quoted(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _matches(value: Any, q: str, digits: str | None, ftype: str) -> bool:
    if value is None:
        return False
    text = str(value)
    if ftype == "phone" and digits:
        return digits in text
    return q.lower() in text.lower()
