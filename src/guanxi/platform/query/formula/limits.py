"""Limits of SQLAlchemy and SQLite on the compiled expression."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import (
    func,
    null,
    select,
)
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.sql.elements import ColumnElement

from guanxi.platform.query.formula.base import (
    FormulaError,
)

# SQLAlchemy renders SQL recursively, with up to ~4.3 Python frames per level of the
# expression tree; 120 levels stay well within Python's default limit of 1000 frames,
# leaving room for the caller's stack.
_MAX_SQL_DEPTH = 120


def _check_sql_depth(expr: ColumnElement[Any]) -> None:
    """Refuse expression trees SQLAlchemy could not render (iterative: cannot overflow)."""
    stack: list[tuple[Any, int]] = [(expr, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > _MAX_SQL_DEPTH:
            raise FormulaError("formula is nested too deeply")
        stack.extend((child, depth + 1) for child in element.get_children())


_SQLITE = sqlite_dialect.dialect()
# Levels the caller's query may add around the formula (WHERE … AND, comparisons, a
# formula field used inside another formula is measured as part of that one).
_CONTEXT_LEVELS = 3
_SQLITE_LIMITS = {
    "parser stack overflow": "formula is nested too deeply for SQLite",
    "expression tree is too large": "formula is nested too deeply for SQLite",
    "too many sql variables": "formula is too complex for SQLite",
    "too many arguments": "formula is too complex for SQLite",
}


# Verdicts by SQL structure (SQLAlchemy's cache key, which leaves out bound values): the
# probe costs a statement compilation, and the same formulas are compiled for every query.
_SQLITE_VERDICTS: dict[Any, str | None] = {}
_MAX_VERDICTS = 1024


def _check_sqlite_limits(expr: ColumnElement[Any]) -> None:
    """Refuse SQL that SQLite cannot parse, instead of failing when the query runs."""
    cache_key = expr._generate_cache_key()
    key = None if cache_key is None else cache_key.key
    if key is not None and key in _SQLITE_VERDICTS:
        message = _SQLITE_VERDICTS[key]
    else:
        message = _probe_sqlite(expr)
        if key is not None:
            if len(_SQLITE_VERDICTS) >= _MAX_VERDICTS:
                _SQLITE_VERDICTS.clear()
            _SQLITE_VERDICTS[key] = message
    if message is not None:
        raise FormulaError(message)


def _probe_sqlite(expr: ColumnElement[Any]) -> str | None:
    """Why SQLite cannot parse the expression, or None.

    SQLite's parser stack is fixed-size in the versions Python ships with (about 30 nested
    function calls), and the compiled SQL nests more than the formula. Rather than model
    the parser, ask the linked SQLite itself: prepare the statement on an empty in-memory
    database. Name resolution ("no such table") comes after parsing and is ignored.
    """
    probe: ColumnElement[Any] = expr
    for _ in range(_CONTEXT_LEVELS):
        probe = func.coalesce(null(), probe)
    compiled = select(probe).compile(dialect=_SQLITE)
    params = [None] * len(compiled.positiontup or ())
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute(f"EXPLAIN {compiled}", params)
    except sqlite3.Error as exc:
        reason = str(exc).lower()
        for fragment, message in _SQLITE_LIMITS.items():
            if fragment in reason:
                return message
    finally:
        conn.close()
    return None
