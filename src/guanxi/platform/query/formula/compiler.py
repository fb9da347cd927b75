"""Type checking and compilation: walks the syntax tree, dispatching calls to the function table."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeAlias

from sqlalchemy import (
    REAL,
    Integer,
    and_,
    cast,
    func,
    literal,
    not_,
    null,
    or_,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement

from guanxi.platform.query.formula.base import (
    _MAX_SQL_SIZE,
    FormulaError,
    Resolver,
)
from guanxi.platform.query.formula.builder import _SqlBuilder
from guanxi.platform.query.formula.parser import (
    _Binary,
    _Call,
    _FieldRef,
    _Literal,
    _Node,
    _Unary,
)
from guanxi.platform.query.formula.values import (
    _FORMULA_TYPES,
    _Number,
    _Val,
)

_Handler: TypeAlias = Callable[["_Compiler", _Call, list[_Val]], _Val]
# upper-case name → (minimum arguments, maximum or None, handler)
_FUNCTIONS: dict[str, tuple[int, int | None, _Handler]] = {}

_ARITH_VERBS = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide"}
_COMPARISONS: dict[str, Callable[[Any, Any], ColumnElement[bool]]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class _Compiler(_SqlBuilder):
    def __init__(self, resolve: Resolver, dialect: str) -> None:
        if dialect not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported dialect: {dialect!r}")
        self.resolve = resolve
        self.pg = dialect == "postgresql"

    # -- tree walk -------------------------------------------------------------------
    def compile(self, node: _Node) -> _Val:
        if isinstance(node, _Literal):
            val = self._literal(node)
        elif isinstance(node, _FieldRef):
            val = self._field(node)
        elif isinstance(node, _Unary):
            val = self._unary(node)
        elif isinstance(node, _Binary):
            val = self._binary(node)
        else:
            val = self._call(node)
        if val.size > _MAX_SQL_SIZE:
            raise FormulaError("formula is too complex", node.start)
        return val

    def _literal(self, node: _Literal) -> _Val:
        if node.kind == "null":
            return _Val(null(), "null")
        if node.kind == "boolean":
            return _Val(self.boolean_literal(bool(node.value)), "boolean", not_null=True)
        if node.kind == "text":
            return _Val(self.text_literal(str(node.value)), "text", not_null=True)
        assert isinstance(node.value, int | Decimal)
        return _Val(self.number_literal(node.value), "number", exact=True, not_null=True)

    def _field(self, node: _FieldRef) -> _Val:
        try:
            typed = self.resolve(node.path)
        except FormulaError as exc:
            if exc.position is not None:
                raise
            raise FormulaError(exc.message, node.start) from None
        if typed.type not in _FORMULA_TYPES:
            raise ValueError(f"resolver returned an unknown formula type {typed.type!r}")
        return _Val(typed.expr, typed.type)

    def _call(self, node: _Call) -> _Val:
        entry = _FUNCTIONS.get(node.name)
        if entry is None:
            raise FormulaError(f"unknown function {node.name}", node.start)
        low, high, handler = entry
        count = len(node.args)
        if count < low or (high is not None and count > high):
            raise FormulaError(f"{node.name} expects {_arity(low, high)}, got {count}", node.start)
        return handler(self, node, [self.compile(arg) for arg in node.args])

    def _unary(self, node: _Unary) -> _Val:
        v = self.compile(node.operand)
        if node.op == "-":
            if v.type not in ("number", "null"):
                raise FormulaError(f"cannot negate {v.type}", node.start)
            return self.val(-self.arith(v), "number", v, exact=True)
        if v.type not in ("boolean", "null"):
            raise FormulaError(f"NOT expects boolean, got {v.type}", node.start)
        return self.val(not_(self.boolean(v)), "boolean", v)

    def _binary(self, node: _Binary) -> _Val:
        left, right = self.compile(node.left), self.compile(node.right)
        op = node.op
        if op in ("and", "or"):
            for v in (left, right):
                if v.type not in ("boolean", "null"):
                    raise FormulaError(
                        f"{op.upper()} expects boolean operands, got {v.type}", node.pos
                    )
            combine = and_ if op == "and" else or_
            return self.val(
                combine(self.boolean(left), self.boolean(right)), "boolean", left, right
            )
        if op == "&":
            return self.concat([left, right])
        if op in _COMPARISONS:
            return self._compare(node, left, right)
        return self._arithmetic(node, left, right)

    def _compare(self, node: _Binary, left: _Val, right: _Val) -> _Val:
        op = node.op
        if "null" in (left.type, right.type):
            # `x = NULL` reads naturally as a blank test; in SQL it would never be true.
            if op not in ("=", "!="):
                raise FormulaError(f"cannot compare with NULL using {op}; use ISBLANK", node.pos)
            other = right if left.type == "null" else left
            test = other.expr.is_(None) if op == "=" else other.expr.is_not(None)
            return self.val(test, "boolean", other)
        if left.type != right.type:
            raise FormulaError(f"cannot compare {left.type} and {right.type}", node.pos)
        if left.type == "boolean" and op not in ("=", "!="):
            raise FormulaError(f"cannot compare boolean values with {op}", node.pos)
        t = left.type
        a, b = self.coerce(left.expr, t), self.coerce(right.expr, t)
        return self.val(_COMPARISONS[op](a, b), "boolean", left, right)

    def _arithmetic(self, node: _Binary, left: _Val, right: _Val) -> _Val:
        op, lt, rt = node.op, left.type, right.type
        temporal = ("date", "datetime")
        if op == "+" and lt in temporal and rt in ("number", "null"):
            return self.add_days(left, right)
        if op == "+" and rt in temporal and lt in ("number", "null"):
            return self.add_days(right, left)
        if op == "-" and lt in temporal and rt in ("number", "null"):
            return self.add_days(left, self.val(-self.arith(right), "number", right, exact=True))
        if op == "-" and lt == "date" and rt in ("date", "null"):
            return self.date_diff(left, self.as_type(right, "date"))
        if lt not in ("number", "null") or rt not in ("number", "null"):
            raise FormulaError(f"cannot {_ARITH_VERBS[op]} {lt} and {rt}", node.pos)
        a, b = self.arith(left), self.arith(right)
        if op == "+":
            expr = a + b
        elif op == "-":
            expr = a - b
        elif op == "*":
            expr = a * b
        else:
            # True division that yields NULL for a zero divisor. PostgreSQL NUMERIC and
            # SQLite REAL both keep the fraction (integer division would truncate).
            divisor = func.nullif(b, literal(0, Integer()), type_=_Number())
            expr = a / divisor if self.pg else type_coerce(cast(a, REAL()), _Number()) / divisor
        return self.val(expr, "number", left, right, exact=True)


def _arity(low: int, high: int | None) -> str:
    def plural(n: int) -> str:
        return f"{n} argument{'s' if n != 1 else ''}"

    if high is None:
        return f"at least {plural(low)}"
    if low == high:
        return plural(low)
    return f"{low} to {plural(high)}"


def _function(*names: str, args: int | tuple[int, int | None]) -> Callable[[_Handler], _Handler]:
    low, high = (args, args) if isinstance(args, int) else args

    def register(handler: _Handler) -> _Handler:
        for name in names:
            _FUNCTIONS[name] = (low, high, handler)
        return handler

    return register
