"""The formula language's public types, errors and limits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.sql.elements import ColumnElement

FormulaType = Literal["text", "number", "boolean", "date", "datetime"]
MAX_LENGTH = 4000  # characters in a formula
MAX_DEPTH = 50  # levels of nesting in a formula
MAX_PATH = 3  # segments in a dotted field path (two lookups deep)
MAX_ARGS = 100  # arguments of one function call (SQLite allows 127, PostgreSQL 100)
# Some SQL forms repeat an operand (e.g. CASE guards); this caps the compiled size so that
# nesting such forms cannot blow up exponentially.
_MAX_SQL_SIZE = 5_000
_MAX_DIGITS = 30


@dataclass(frozen=True)
class Typed:
    """A SQL expression and the formula type of its value."""

    expr: ColumnElement[Any]
    type: FormulaType


class FormulaError(ValueError):
    """A formula that cannot be parsed or type-checked; ``position`` is a 0-based offset."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message if position is None else f"{message} (at position {position})")
        self.message = message
        self.position = position


Resolver = Callable[[tuple[str, ...]], Typed]
