"""Compiled values: a SQL expression with its formula type, and how numbers read back."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, TypeAlias, get_args

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    Numeric,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator, TypeEngine

from guanxi.kernel.sqltypes import UtcDateTime
from guanxi.platform.query.formula.base import (
    FormulaType,
)

_Type = Literal["text", "number", "boolean", "date", "datetime", "null"]  # null: NULL literal
_FORMULA_TYPES: frozenset[str] = frozenset(get_args(FormulaType))


class _Number(TypeDecorator[Decimal]):
    """Formula numbers: read back as ``Decimal`` on both databases."""

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            # SQLite returns int or float; reading through Numeric would round-trip floats
            # via a lossy, warning-emitting conversion, so take the raw value instead.
            return dialect.type_descriptor(Float())
        return dialect.type_descriptor(Numeric())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if isinstance(value, float):
            return Decimal(repr(value))  # shortest repr: 0.1 stays 0.1
        return Decimal(value)

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


def _result_type(t: FormulaType) -> TypeEngine[Any]:
    if t == "number":
        return _Number()
    if t == "text":
        return Text()
    if t == "boolean":
        return Boolean()
    if t == "date":
        return Date()
    return UtcDateTime()


_When: TypeAlias = tuple[ColumnElement[Any], ColumnElement[Any]]


@dataclass(frozen=True, slots=True)
class _Val:
    expr: ColumnElement[Any]
    type: _Type
    size: int = 1  # nodes in the SQL expression, to cap blow-up
    exact: bool = False  # already NUMERIC on PostgreSQL: no cast needed
    not_null: bool = False  # never NULL: concatenation can skip COALESCE
    # For IF: the CASE's branches, so IF(a, x, IF(b, y, z)) becomes one flat CASE.
    whens: tuple[_When, ...] = ()
    otherwise: ColumnElement[Any] | None = None
