"""Counting the SQL statements a piece of code sends (query budgets, "one statement" checks)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from guanxi.kernel.db import Database


@contextmanager
def count_queries(db: Database) -> Iterator[list[str]]:
    """The statements sent to ``db`` while the block runs, in order."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
