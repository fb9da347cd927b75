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

from sqlalchemy import (
    Boolean,
    Connection,
    Table,
    case,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select
from sqlalchemy.types import Text

from guanxi.kernel.errors import FieldError, ValidationFailed
from guanxi.platform.access.policy import SUPERUSER, Policy
from guanxi.platform.metadata.model import ObjectDef
from guanxi.platform.metadata.registry import Snapshot
from guanxi.platform.records.values import plain
from guanxi.platform.search.grams import required_grams
from guanxi.platform.search.index import SEARCHABLE_TYPES, searchable_fields
from guanxi.platform.search.tables import (
    FTS_TABLE,
    gx_search,
    gx_search_fts,
    index_key,
    index_keys,
)

__all__ = ["SEARCHABLE_TYPES", "search", "searchable_fields"]

PHONE_LIKE = re.compile(r"^\+?[\d\s\-()]{3,}\Z")
# Candidates verified at most per object before search scans instead (see _verify).
CANDIDATES = 1000
SEEN = "_seen"  # field names start with a letter, so this label is never a field's

_KEYS = index_keys(gx_search.c.object_name, gx_search.c.grams)


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
    if "\x00" in q:  # PostgreSQL text cannot hold it
        raise ValidationFailed(
            "q", errors=[FieldError("q", "may not contain NUL characters (\\u0000)", "invalid")]
        )
    digits = re.sub(r"\D", "", q) if PHONE_LIKE.match(q) else None
    alternatives = candidate_grams(q, digits)
    results: list[dict[str, Any]] = []
    pg = conn.dialect.name == "postgresql"
    if pg:
        # The best plan depends on the values (how common the grams are; whether one
        # letter matches at once). psycopg prepares a statement run five times, and
        # PostgreSQL may then reuse a generic plan that knows no values (measured on 100k
        # accounts: "a" 3 → 160 ms with the generic plan).
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
        verified = select(table_.c.id, *(table_.c[f.name] for f in fields)).where(
            table_.c.deleted_at.is_(None),
            or_(*conditions),
            policy.read_predicate(obj.name, table_),
        )
        rows: list[Any]
        if alternatives is None:
            rows = list(conn.execute(verified.limit(limit)))
        else:
            candidates = (
                _pg_candidates(obj, alternatives) if pg else _sqlite_candidates(obj, alternatives)
            )
            found = conn.execute(_verify(candidates, verified, table_, limit)).all()
            rows = [row for row in found if row.id is not None]
            if len(rows) < limit and found[0]._mapping[SEEN] >= CANDIDATES:
                # Many candidates, few of them matches this user may see: scan instead.
                rows = list(conn.execute(verified.limit(limit)))
        hits = []
        for row in rows[:limit]:
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


def _pg_candidates(obj: ObjectDef, alternatives: list[list[str]]) -> Select[Any]:
    """Ids of the records holding one alternative's grams, from the GIN index (``@>``).

    A materialised CTE: PostgreSQL plans it from the keys' own statistics (they carry the
    object's name, so "华为" common among accounts and absent among contacts is known as
    such), not from its guess for ``LIKE '%…%'``, which it believes matches far
    more rows than it does; and it reads it only as far as the query above needs.
    """
    contains: list[ColumnElement[bool]] = [
        _KEYS.op("@>", return_type=Boolean)(
            literal([index_key(obj.name, g) for g in grams], ARRAY(Text()))
        )
        for grams in alternatives
    ]
    cte = (
        select(gx_search.c.record_id)
        .where(or_(*contains))
        .cte("candidates")
        .prefix_with("MATERIALIZED")
    )
    return select(cte.c.record_id)


def _sqlite_candidates(obj: ObjectDef, alternatives: list[list[str]]) -> Select[Any]:
    """Ids of the records holding one alternative's grams, from the FTS5 index (``MATCH``).

    Every token is a quoted string, so no user text can become query syntax; the whole
    expression is a bound parameter.
    """
    either = " OR ".join(
        "(" + " AND ".join(_quoted(index_key(obj.name, g)) for g in grams) + ")"
        for grams in alternatives
    )
    return (
        select(gx_search.c.record_id)
        .select_from(gx_search_fts.join(gx_search, gx_search.c.id == gx_search_fts.c.rowid))
        .where(gx_search_fts.c[FTS_TABLE].match(either))
    )


def _verify(
    candidates: Select[Any], verified: Select[Any], table_: Table, limit: int
) -> Select[Any]:
    """Up to ``limit`` verified records among the first ``CANDIDATES`` candidates.

    One row per hit (or a single row of NULLs), each with ``_seen``: how many candidates
    were looked at, counted only when fewer than ``limit`` records passed (else
    ``CANDIDATES``: counting means reading them). When that number reaches
    ``CANDIDATES`` without ``limit`` hits, the caller scans instead: a common gram with
    few matches the user may see (a narrow data scope) would otherwise cost a lookup per
    candidate, and scanning is what search did before the index.
    """
    looked_at = candidates.limit(CANDIDATES).subquery("looked_at")
    # At most CANDIDATES rows to join, and the planner knows it: both databases loop over
    # them and look each record up by id, rather than scan the object table.
    hits = verified.select_from(looked_at.join(table_, table_.c.id == looked_at.c.record_id))
    found = hits.limit(limit).cte("found")
    counted = candidates.limit(CANDIDATES).subquery("counted")
    seen = case(  # both databases run a CASE branch's subquery only when it is taken
        (
            select(func.count()).select_from(found).scalar_subquery() < limit,
            select(func.count()).select_from(counted).scalar_subquery(),
        ),
        else_=CANDIDATES,
    )
    one_row = select(literal(1).label("one")).subquery("one_row")
    return select(seen.label(SEEN), *found.c).select_from(one_row.outerjoin(found, true()))


def _quoted(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _matches(value: Any, q: str, digits: str | None, ftype: str) -> bool:
    if value is None:
        return False
    text = str(value)
    if ftype == "phone" and digits:
        return digits in text
    return q.lower() in text.lower()
