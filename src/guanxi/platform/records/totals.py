"""How many records a list matches: exact up to a limit, "at least" beyond it (ADR 0019)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from sqlalchemy import Connection, Executable, FromClause, Select, func, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement, ColumnElement

DEFAULT_COUNT_LIMIT = 1_000

Relation = Literal["eq", "gte"]


@dataclass(frozen=True)
class Total:
    """A list's total: ``count`` matches exactly ("eq"), or at least ``count`` ("gte").

    ``estimate`` is the database's guess at the real number when it is above the limit
    (PostgreSQL's planner); None where there is none (SQLite) or the count is exact.
    """

    count: int
    relation: Relation
    estimate: int | None = None


def count_matches(
    conn: Connection,
    from_clause: FromClause,
    conditions: Sequence[ColumnElement[bool]],
    *,
    limit: int,
) -> Total:
    """Count the rows of ``from_clause`` meeting ``conditions``, stopping after ``limit`` + 1.

    The conditions are the page's own (bin, data scope, filter), so the number is over
    exactly the records the user could page through. Past ``limit`` the answer is "at
    least ``limit``": the cost stays that of reading ``limit`` + 1 index entries or rows,
    however large the table.
    """
    if limit < 1:
        raise ValueError("the count limit must be at least 1")
    matching: Select[Any] = select(literal_column("1")).select_from(from_clause).where(*conditions)
    bounded = matching.limit(limit + 1).subquery("matching")
    count = int(conn.execute(select(func.count()).select_from(bounded)).scalar_one())
    if count <= limit:
        return Total(count, "eq")
    estimate = None
    if conn.dialect.name == "postgresql":
        # The planner can be far off (a scope subquery, correlated columns); it is shown
        # as an estimate, and never below what was just counted.
        estimate = max(planned_rows(conn, matching), limit + 1)
    return Total(limit, "gte", estimate)


def planned_rows(conn: Connection, statement: Select[Any]) -> int:
    """PostgreSQL's estimate of the rows ``statement`` returns (EXPLAIN, not run)."""
    plan = conn.execute(_Explain(statement)).scalar_one()
    if isinstance(plan, str | bytes):  # a driver that leaves json as text
        plan = orjson.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class _Explain(Executable, ClauseElement):
    """``EXPLAIN (FORMAT JSON) <statement>``, with the statement's parameters bound as usual."""

    inherit_cache = False

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement


@compiles(_Explain, "postgresql")
def _explain_on_postgresql(element: _Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.statement, **kw)
