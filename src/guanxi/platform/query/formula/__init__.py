"""Formula fields: a small, safe expression language compiled to SQLAlchemy Core.

A formula such as ``IF(amount > 1000, 'big', 'small') & ' deal'`` is tokenized, parsed into
a syntax tree and then type-checked and compiled in one pass to a SQLAlchemy Core
expression. The database computes the value, so a formula field can be selected, filtered
and sorted like a column on SQLite and PostgreSQL alike.

Safety: nothing is evaluated in Python (no ``eval``, ``exec``, ``ast`` or ``compile``).
Every literal of the formula becomes a bound parameter; SQL function names come only from
the whitelist in ``functions`` and column expressions only from the caller's resolver.

Semantics, chosen so that both databases give the same answer:

* NULL propagates as in SQL: ``amount + NULL`` is NULL, most functions of NULL are NULL and
  a comparison with a NULL operand is NULL (so false in a WHERE clause). ``x = NULL`` and
  ``x != NULL`` mean ``x IS NULL`` / ``x IS NOT NULL``. Exceptions, as in Salesforce:
  ``&`` and CONCAT treat NULL as ``''``; ISBLANK and BLANKVALUE also treat ``''`` as blank.
  MIN and MAX are NULL when any argument is NULL.
* ``/`` is true division (``3 / 2`` is 1.5) and dividing by zero yields NULL.
* Arithmetic is exact NUMERIC on PostgreSQL and INTEGER/REAL on SQLite; number results are
  returned as ``Decimal`` on both. TEXT(number) drops trailing zeros (``3.50`` → ``'3.5'``).
* Datetimes are UTC: YEAR/MONTH/DAY/DATEDIFF/TEXT of a datetime use its UTC date and time.
  TODAY() is the current date in the acting user's time zone
  (:func:`guanxi.platform.metadata.context.current_timezone`).
* Date arithmetic that leaves 0001-01-02 … 9999-12-31 (datetimes: … 9999-12-30 on
  PostgreSQL) yields NULL, as does a day count beyond ±1,000,000: no row can make a query
  fail.
* Text comparisons and MIN/MAX of text follow the database collation (binary on SQLite);
  UPPER/LOWER only change ASCII letters on SQLite.
"""

from __future__ import annotations

from sqlalchemy import type_coerce

from guanxi.platform.query.formula import functions as _functions  # noqa: F401  (fills the function table)
from guanxi.platform.query.formula.base import (
    MAX_ARGS,
    MAX_DEPTH,
    MAX_LENGTH,
    FormulaError,
    FormulaType,
    Resolver,
    Typed,
)
from guanxi.platform.query.formula.compiler import _Compiler
from guanxi.platform.query.formula.limits import _check_sql_depth, _check_sqlite_limits
from guanxi.platform.query.formula.parser import _Binary, _Call, _FieldRef, _Node, _parse, _Unary
from guanxi.platform.query.formula.values import _result_type

__all__ = [
    "MAX_ARGS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "FormulaError",
    "FormulaType",
    "Resolver",
    "Typed",
    "compile_formula",
    "referenced_paths",
]


# --------------------------------------------------------------------------------------


def referenced_paths(expression: str) -> list[tuple[str, ...]]:
    """Field paths the expression mentions, in order of first use, without duplicates.

    Only parses (no type checking); raises :class:`FormulaError` on syntax errors.
    """
    found: dict[tuple[str, ...], None] = {}

    def walk(node: _Node) -> None:
        if isinstance(node, _FieldRef):
            found.setdefault(node.path, None)
        elif isinstance(node, _Unary):
            walk(node.operand)
        elif isinstance(node, _Binary):
            walk(node.left)
            walk(node.right)
        elif isinstance(node, _Call):
            for arg in node.args:
                walk(arg)

    walk(_parse(expression))
    return list(found)


def compile_formula(expression: str, resolve: Resolver, dialect: str) -> Typed:
    """Parse, type-check and compile a formula to a SQLAlchemy Core expression.

    ``resolve`` maps field paths such as ``("amount",)`` or ``("account", "name")`` to a
    column expression and its type, raising :class:`FormulaError` for unknown fields.
    ``dialect`` is ``"sqlite"`` or ``"postgresql"``. The result's expression carries a
    SQLAlchemy type that reads values back as ``Decimal``, ``str``, ``bool``, ``date`` or
    an aware UTC ``datetime``; a boolean result can be used directly in WHERE.
    Raises :class:`FormulaError` for any problem in the formula.
    """
    compiler = _Compiler(resolve, dialect)
    value = compiler.compile(_parse(expression))
    # A formula that is only NULL has no type of its own; call it text.
    value = compiler.as_type(value, "text")
    assert value.type != "null"
    t: FormulaType = value.type
    result = Typed(type_coerce(value.expr, _result_type(t)), t)
    # Resolved fields may be whole formulas themselves: check the final tree.
    _check_sql_depth(result.expr)
    if dialect == "sqlite":
        _check_sqlite_limits(result.expr)
    return result
