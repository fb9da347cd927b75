"""Formula fields: a small, safe expression language compiled to SQLAlchemy Core.

A formula such as ``IF(amount > 1000, 'big', 'small') & ' deal'`` is tokenized, parsed into
a syntax tree and then type-checked and compiled in one pass to a SQLAlchemy Core
expression. The database computes the value, so a formula field can be selected, filtered
and sorted like a column on SQLite and PostgreSQL alike.

Safety: nothing is evaluated in Python (no ``eval``, ``exec``, ``ast`` or ``compile``).
Every literal of the formula becomes a bound parameter; SQL function names come only from
the whitelist below and column expressions only from the caller's resolver.

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

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, TypeAlias, get_args

from sqlalchemy import (
    REAL,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    Interval,
    Numeric,
    Text,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    not_,
    null,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator, TypeEngine

from guanxi.kernel.sqltypes import UtcDateTime
from guanxi.platform.metadata.context import current_timezone

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


# --------------------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------------------

_DIGITS = frozenset("0123456789")
_IDENT_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_IDENT_CHARS = _IDENT_START | _DIGITS
_SPACE = frozenset(" \t\r\n\f\v")
_KEYWORDS = frozenset({"true", "false", "null", "and", "or", "not"})
_TWO_CHAR_OPS = frozenset({"&&", "||", "==", "!=", "<>", "<=", ">="})
_ONE_CHAR_OPS = frozenset("+-*/&=<>!(),.")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"'}
_INT64_MAX = 2**63 - 1

_TokenKind = Literal["number", "string", "name", "keyword", "op", "end"]


@dataclass(frozen=True, slots=True)
class _Token:
    kind: _TokenKind
    text: str  # as written in the formula
    pos: int
    value: int | Decimal | str | None = None

    @property
    def key(self) -> str:
        """Case-insensitive identity of keywords, names and operators."""
        return self.text.lower()


def _tokenize(src: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        if ch in _SPACE:
            i += 1
        elif ch in _DIGITS or (ch == "." and i + 1 < n and src[i + 1] in _DIGITS):
            i = _scan_number(src, i, tokens)
        elif ch in _IDENT_START:
            start = i
            while i < n and src[i] in _IDENT_CHARS:
                i += 1
            word = src[start:i]
            tokens.append(_Token("keyword" if word.lower() in _KEYWORDS else "name", word, start))
        elif ch in "'\"":
            i = _scan_string(src, i, tokens)
        elif src[i : i + 2] in _TWO_CHAR_OPS:
            tokens.append(_Token("op", src[i : i + 2], i))
            i += 2
        elif ch in _ONE_CHAR_OPS:
            tokens.append(_Token("op", ch, i))
            i += 1
        else:
            hint = " (use || or OR)" if ch == "|" else ""
            raise FormulaError(f"unexpected character {ch!r}{hint}", i)
    tokens.append(_Token("end", "", n))
    return tokens


def _scan_number(src: str, start: int, tokens: list[_Token]) -> int:
    i, n = start, len(src)
    while i < n and src[i] in _DIGITS:
        i += 1
    if i < n and src[i] == ".":
        i += 1
        if i >= n or src[i] not in _DIGITS:
            raise FormulaError("expected a digit after the decimal point", i)
        while i < n and src[i] in _DIGITS:
            i += 1
    if i < n and (src[i] in _IDENT_CHARS or src[i] == "."):
        raise FormulaError("invalid number", start)
    text = src[start:i]
    if len(text) > _MAX_DIGITS:
        raise FormulaError(f"number has more than {_MAX_DIGITS} digits", start)
    value: int | Decimal = Decimal(text) if "." in text else int(text)
    if isinstance(value, int) and value > _INT64_MAX:
        # SQLite integers are 64-bit; a bigger literal would fail when bound.
        raise FormulaError("number is too large", start)
    tokens.append(_Token("number", text, start, value))
    return i


def _scan_string(src: str, start: int, tokens: list[_Token]) -> int:
    quote, i, n = src[start], start + 1, len(src)
    parts: list[str] = []
    while True:
        if i >= n:
            raise FormulaError("unterminated text literal", start)
        ch = src[i]
        if ch == quote:
            break
        if ch == "\\":
            if i + 1 >= n:
                raise FormulaError("unterminated text literal", start)
            escaped = _ESCAPES.get(src[i + 1])
            if escaped is None:
                raise FormulaError(f"unknown escape sequence \\{src[i + 1]}", i)
            parts.append(escaped)
            i += 2
            continue
        # PostgreSQL text cannot hold NUL and lone surrogates cannot be encoded as UTF-8:
        # refuse them here rather than fail when the query runs.
        if ch == "\x00" or "\ud800" <= ch <= "\udfff":
            raise FormulaError("text literal contains an invalid character", i)
        parts.append(ch)
        i += 1
    tokens.append(_Token("string", src[start : i + 1], start, "".join(parts)))
    return i + 1


def _describe(tok: _Token) -> str:
    if tok.kind == "end":
        return "end of formula"
    if tok.kind == "string":
        return "text literal"
    if tok.kind in ("name", "keyword", "number"):
        return f"{tok.kind} {tok.text!r}"
    return repr(tok.text)


# --------------------------------------------------------------------------------------
# Syntax tree and parser
# --------------------------------------------------------------------------------------

_LiteralKind = Literal["number", "text", "boolean", "null"]


@dataclass(frozen=True, slots=True)
class _Literal:
    kind: _LiteralKind
    value: int | Decimal | str | bool | None
    start: int
    depth: int = 1


@dataclass(frozen=True, slots=True)
class _FieldRef:
    path: tuple[str, ...]
    start: int
    depth: int = 1


@dataclass(frozen=True, slots=True)
class _Unary:
    op: Literal["-", "not"]
    operand: _Node
    start: int  # the operator
    depth: int


@dataclass(frozen=True, slots=True)
class _Binary:
    op: str  # canonical: or and = != < <= > >= & + - * /
    left: _Node
    right: _Node
    pos: int  # the operator, where type errors point
    start: int
    depth: int


@dataclass(frozen=True, slots=True)
class _Call:
    name: str  # upper case
    args: tuple[_Node, ...]
    start: int  # the function name
    depth: int


_Node: TypeAlias = _Literal | _FieldRef | _Unary | _Binary | _Call

# operator token → (canonical operator, binding power); higher binds tighter.
_BINARY: dict[str, tuple[str, int]] = {
    "or": ("or", 1),
    "||": ("or", 1),
    "and": ("and", 2),
    "&&": ("and", 2),
    "=": ("=", 3),
    "==": ("=", 3),
    "!=": ("!=", 3),
    "<>": ("!=", 3),
    "<": ("<", 3),
    "<=": ("<=", 3),
    ">": (">", 3),
    ">=": (">=", 3),
    "&": ("&", 4),
    "+": ("+", 5),
    "-": ("-", 5),
    "*": ("*", 6),
    "/": ("/", 6),
}
_PREFIX_POWER = 7
# Parentheses add parser recursion without adding tree depth; this bounds the recursion.
_MAX_PARSER_NESTING = 3 * MAX_DEPTH


def _depth(start: int, *children: _Node) -> int:
    depth = 1 + max(child.depth for child in children)
    if depth > MAX_DEPTH:
        raise FormulaError(f"formula is nested too deeply (at most {MAX_DEPTH} levels)", start)
    return depth


class _Parser:
    """Recursive descent with precedence climbing (Pratt) for binary operators."""

    def __init__(self, src: str) -> None:
        self.tokens = _tokenize(src)
        self.index = 0
        self.nesting = 0

    def parse(self) -> _Node:
        if self._peek().kind == "end":
            raise FormulaError("formula is empty", 0)
        node = self._expression(0)
        tok = self._peek()
        if tok.kind != "end":
            raise FormulaError(f"unexpected {_describe(tok)}", tok.pos)
        return node

    # -- token helpers ---------------------------------------------------------------
    def _peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def _next(self) -> _Token:
        tok = self.tokens[self.index]
        if tok.kind != "end":
            self.index += 1
        return tok

    def _is_op(self, text: str, ahead: int = 0) -> bool:
        tok = self._peek(ahead)
        return tok.kind == "op" and tok.text == text

    def _expect(self, text: str) -> None:
        tok = self._peek()
        if not self._is_op(text):
            raise FormulaError(f"expected {text!r} but found {_describe(tok)}", tok.pos)
        self._next()

    # -- grammar ---------------------------------------------------------------------
    def _expression(self, min_power: int) -> _Node:
        self.nesting += 1
        if self.nesting > _MAX_PARSER_NESTING:
            raise FormulaError(
                f"formula is nested too deeply (at most {MAX_DEPTH} levels)", self._peek().pos
            )
        left = self._prefix()
        while True:
            tok = self._peek()
            entry = _BINARY.get(tok.key) if tok.kind in ("op", "keyword") else None
            if entry is None or entry[1] < min_power:
                break
            self._next()
            op, power = entry
            right = self._expression(power + 1)  # +1: operators are left-associative
            depth = _depth(tok.pos, left, right)
            left = _Binary(op, left, right, tok.pos, left.start, depth)
        self.nesting -= 1
        return left

    def _prefix(self) -> _Node:
        tok = self._next()
        if tok.kind == "number":
            assert isinstance(tok.value, int | Decimal)
            return _Literal("number", tok.value, tok.pos)
        if tok.kind == "string":
            return _Literal("text", tok.value, tok.pos)
        if tok.kind == "keyword":
            if tok.key in ("true", "false"):
                return _Literal("boolean", tok.key == "true", tok.pos)
            if tok.key == "null":
                return _Literal("null", None, tok.pos)
            if self._is_op("("):  # AND(...), OR(...), NOT(...) are functions too
                return self._call(tok)
            if tok.key == "not":
                operand = self._expression(_PREFIX_POWER)
                return _Unary("not", operand, tok.pos, _depth(tok.pos, operand))
        elif tok.kind == "op" and tok.text in ("-", "!"):
            operand = self._expression(_PREFIX_POWER)
            op: Literal["-", "not"] = "-" if tok.text == "-" else "not"
            return _Unary(op, operand, tok.pos, _depth(tok.pos, operand))
        elif tok.kind == "op" and tok.text == "(":
            inner = self._expression(0)
            self._expect(")")
            return inner
        elif tok.kind == "name":
            if self._is_op("("):
                return self._call(tok)
            return self._field(tok)
        raise FormulaError(f"unexpected {_describe(tok)}", tok.pos)

    def _call(self, name: _Token) -> _Call:
        self._expect("(")
        args: list[_Node] = []
        if not self._is_op(")"):
            while True:
                if len(args) == MAX_ARGS:
                    raise FormulaError(
                        f"{name.text.upper()} has more than {MAX_ARGS} arguments", self._peek().pos
                    )
                args.append(self._expression(0))
                if self._is_op(","):
                    self._next()
                    continue
                tok = self._peek()
                if not self._is_op(")"):
                    raise FormulaError(f"expected ',' or ')' but found {_describe(tok)}", tok.pos)
                break
        self._expect(")")
        depth = _depth(name.pos, *args) if args else 1
        return _Call(name.text.upper(), tuple(args), name.pos, depth)

    def _field(self, first: _Token) -> _FieldRef:
        # Field names are case-insensitive, like the rest of the language.
        path = [first.key]
        while self._is_op("."):
            self._next()
            tok = self._next()
            if tok.kind != "name":
                raise FormulaError(
                    f"expected a field name after '.' but found {_describe(tok)}", tok.pos
                )
            path.append(tok.key)
            if len(path) > MAX_PATH:
                raise FormulaError(f"field path has more than {MAX_PATH} parts", first.pos)
        return _FieldRef(tuple(path), first.pos)


def _parse(expression: str) -> _Node:
    if not isinstance(expression, str):
        raise FormulaError("formula must be text")
    if len(expression) > MAX_LENGTH:
        raise FormulaError(f"formula is longer than {MAX_LENGTH} characters", MAX_LENGTH)
    return _Parser(expression).parse()


# --------------------------------------------------------------------------------------
# Type checking and compilation
# --------------------------------------------------------------------------------------

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
_DAY_LIMIT = 1_000_000  # ADDDAYS day counts beyond this are NULL (PostgreSQL would fail)


class _Compiler:
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

    # -- building blocks shared by operators and functions ------------------------------
    def val(
        self,
        expr: ColumnElement[Any],
        t: _Type,
        *parts: _Val,
        exact: bool = False,
        not_null: bool = False,
    ) -> _Val:
        """A new value; ``parts`` lists each operand as often as the SQL repeats it."""
        return _Val(expr, t, 1 + sum(p.size for p in parts), exact, not_null)

    def boolean_literal(self, value: bool) -> ColumnElement[Any]:
        # Bound, not SQL TRUE/FALSE: a constant in ORDER BY is a column position on SQLite
        # (ORDER BY 1) and an error on PostgreSQL.
        return literal(value, Boolean())

    def text_literal(self, value: str) -> ColumnElement[Any]:
        return literal(value, Text())

    def number_literal(self, value: int | Decimal) -> ColumnElement[Any]:
        if self.pg:
            # NUMERIC, not INTEGER: integer arithmetic would overflow or truncate.
            return literal(Decimal(value), Numeric())
        if isinstance(value, int):
            return literal(value, Integer())
        return literal(float(value), Float())

    def cast_type(self, t: _Type) -> TypeEngine[Any]:
        if t == "number":
            return Numeric() if self.pg else REAL()
        if t == "boolean":
            return Boolean()
        if t == "date":
            return Date()
        if t == "datetime":
            return DateTime(timezone=True)
        return Text()

    def as_type(self, v: _Val, t: _Type) -> _Val:
        """A NULL literal takes the type its context needs (PostgreSQL wants typed NULLs)."""
        if v.type != "null" or t == "null":
            return v
        return _Val(cast(null(), self.cast_type(t)), t, exact=t == "number")

    def coerce(self, expr: ColumnElement[Any], t: _Type) -> ColumnElement[Any]:
        """Give the expression a SQLAlchemy type so its operators render as intended."""
        if t == "null":
            return expr
        return type_coerce(expr, _result_type(t))

    def arith(self, v: _Val) -> ColumnElement[Any]:
        v = self.as_type(v, "number")
        if self.pg and not v.exact:
            # BIGINT arithmetic can overflow and integer division truncates: use NUMERIC.
            return cast(v.expr, _Number())
        return type_coerce(v.expr, _Number())

    def boolean(self, v: _Val) -> ColumnElement[Any]:
        expr = self.as_type(v, "boolean").expr
        if isinstance(expr.type, Boolean):
            return expr  # unwrapped, so nested AND/OR flatten into one list
        return self.coerce(expr, "boolean")

    def literal_int(self, value: int) -> ColumnElement[Any]:
        return literal(value, Integer())

    def to_text(self, v: _Val) -> _Val:
        """TEXT(x): the same text on both databases for every type."""
        t = v.type
        expr: ColumnElement[Any]
        if t in ("text", "null"):
            return self.as_type(v, "text")
        if t == "number":
            if self.pg:
                # trim_scale drops NUMERIC's trailing zeros (1.5000 → 1.5).
                expr = cast(func.trim_scale(self.arith(v)), Text())
            else:
                # SQLite renders whole REALs as '3.0': append a marker so only a trailing
                # '.0' is removed, then drop the marker. Uses the operand once.
                marked = cast(v.expr, Text()).concat(self.text_literal("#"))
                stripped = func.replace(marked, self.text_literal(".0#"), self.text_literal("#"))
                expr = func.rtrim(stripped, self.text_literal("#"))
            return self.val(expr, "text", v)
        if t == "boolean":
            b = self.boolean(v)
            # Two WHENs so that NULL stays NULL.
            expr = case((b, self.text_literal("true")), (not_(b), self.text_literal("false")))
            return self.val(expr, "text", v, v)
        if t == "date":
            if not self.pg:
                return self.val(v.expr, "text", v)  # already ISO text
            return self.val(func.to_char(v.expr, self.text_literal("YYYY-MM-DD")), "text", v)
        if self.pg:
            fmt = self.text_literal('YYYY-MM-DD HH24:MI:SS"Z"')
            return self.val(func.to_char(self.utc(v), fmt), "text", v)
        return self.val(func.strftime(self.text_literal("%Y-%m-%d %H:%M:%SZ"), v.expr), "text", v)

    def concat(self, values: list[_Val]) -> _Val:
        """``&`` and CONCAT: everything as text, NULL as ''."""
        parts: list[_Val] = []
        for v in values:
            if v.type == "null":
                continue
            text = self.to_text(v)
            if not text.not_null:
                empty = self.text_literal("")
                text = self.val(func.coalesce(text.expr, empty, type_=Text()), "text", text)
            parts.append(text)
        if not parts:
            return _Val(self.text_literal(""), "text", not_null=True)
        expr = self.coerce(parts[0].expr, "text")
        for part in parts[1:]:
            expr = expr.concat(self.coerce(part.expr, "text"))
        return self.val(expr, "text", *parts, not_null=True)

    def utc(self, v: _Val) -> ColumnElement[Any]:
        """PostgreSQL: a TIMESTAMPTZ as a UTC wall-clock TIMESTAMP."""
        return func.timezone(self.text_literal("UTC"), v.expr)

    def date_of(self, v: _Val) -> ColumnElement[Any]:
        """The (UTC) date of a date or datetime."""
        if v.type == "date":
            return v.expr
        if self.pg:
            return cast(self.utc(v), Date())
        return func.date(v.expr, type_=Date())

    def date_diff(self, a: _Val, b: _Val) -> _Val:
        if self.pg:
            expr = self.date_of(a) - self.date_of(b)
            return self.val(type_coerce(expr, _Number()), "number", a, b)
        # julianday() of two dates differs by a whole number, exact in a double.
        diff = func.julianday(self.date_of(a)) - func.julianday(self.date_of(b))
        return self.val(cast(diff, Integer()), "number", a, b)

    def add_days(self, d: _Val, n: _Val) -> _Val:
        """A date or datetime plus n days; NULL when out of range (never a query error)."""
        n = self.as_type(n, "number")
        within = self.arith(n).between(
            self.number_literal(-_DAY_LIMIT), self.number_literal(_DAY_LIMIT)
        )
        # NULL beyond the limit: PostgreSQL would fail on the integer cast or the date range.
        count = type_coerce(case((within, self.arith(n))), _Number())
        shifted: ColumnElement[Any]
        if d.type == "date":
            if self.pg:
                shifted = self.coerce(d.expr, "date") + cast(func.trunc(count), Integer())
            else:
                # SQLite applies fractional days before truncating to a date: truncate first,
                # like PostgreSQL, so ADDDAYS(d, -1.5) is the day before on both.
                days = type_coerce(cast(count, Integer()), Text()).concat(
                    self.text_literal(" days")
                )
                shifted = func.date(d.expr, days)
            below = date(1, 1, 1)  # dates from 0001-01-02 on are valid
        else:
            if self.pg:
                second = literal(timedelta(seconds=1), Interval())
                seconds = cast(count * self.number_literal(86400), Float())
                shifted = self.coerce(d.expr, "datetime") + seconds * second
            else:
                days = type_coerce(count, Text()).concat(self.text_literal(" days"))
                fmt = self.text_literal("%Y-%m-%d %H:%M:%f")
                # %f has milliseconds; pad to the microseconds SQLAlchemy writes.
                shifted = func.strftime(fmt, d.expr, days).concat(self.text_literal("000"))
            # A day of margin inside Python's years 1 … 9999: PostgreSQL converts to the
            # session's zone when reading.
            below = datetime(1, 1, 2, tzinfo=UTC) - timedelta(microseconds=1)
        # Results must be readable by Python and, when nested, must never leave PostgreSQL's
        # range (which would fail the query). Clamp to sentinels just outside the valid range
        # and turn them into NULL. Unlike a CASE this uses the operand once, so nesting stays
        # linear in size (PostgreSQL's planner is slow on repeated subexpressions).
        bounds_type = _result_type("date" if d.type == "date" else "datetime")
        low = literal(below, bounds_type)
        shifted = type_coerce(shifted, bounds_type)
        if not self.pg:
            # SQLite's date functions are NULL past 9999-12-31; only the low side escapes.
            # Multi-argument max() is NULL for a NULL argument.
            expr = func.nullif(func.max(shifted, low), low)
            return self.val(expr, d.type, d, n, n)
        high: ColumnElement[Any]
        if d.type == "date":
            high = cast(self.text_literal("10000-01-01"), Date())  # Python has no year 10000
        else:
            high = literal(datetime(9999, 12, 30, tzinfo=UTC), bounds_type)
        # A NULL shift comes out of the clamp as `high` (LEAST/GREATEST skip NULLs), so it is
        # NULL again at the end.
        clamped = func.greatest(func.least(shifted, high), low)
        expr = func.nullif(func.nullif(clamped, low), high)
        return self.val(expr, d.type, d, n, n)

    def count_arg(self, v: _Val, high: int) -> ColumnElement[Any]:
        """A character or digit count: truncated toward zero and clamped to 0 … high."""
        v = self.as_type(v, "number")
        if not self.pg:
            # SQLite's CAST saturates instead of failing; multi-argument min()/max() are
            # NULL when an argument is NULL. substr() misreads lengths beyond 32 bits.
            floor = func.max(cast(v.expr, Integer()), self.literal_int(0))
            return func.min(floor, self.literal_int(high))
        n = self.arith(v)
        # CASE rather than GREATEST/LEAST, which would turn a NULL count into a number.
        clamped = case(
            (n < self.number_literal(0), self.number_literal(0)),
            (n > self.number_literal(high), self.number_literal(high)),
            else_=func.trunc(n),
        )
        return cast(clamped, Integer())

    def unify(self, what: str, call: _Call, values: list[_Val], first: int = 0) -> _Type:
        """The common type of values[first:]; NULL literals fit any type."""
        found: _Type = "null"
        for i in range(first, len(values)):
            t = values[i].type
            if t == "null":
                continue
            if found == "null":
                found = t
            elif t != found:
                raise FormulaError(
                    f"{what} have incompatible types {found} and {t}", call.args[i].start
                )
        return found

    def expect(self, call: _Call, values: list[_Val], index: int, *types: _Type) -> _Val:
        v = values[index]
        if v.type == "null":
            return self.as_type(v, types[0])
        if v.type not in types:
            wanted = " or ".join(types)
            raise FormulaError(
                f"{call.name} expects {wanted} for argument {index + 1}, got {v.type}",
                call.args[index].start,
            )
        return v


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


# -- logic ----------------------------------------------------------------------------


@_function("IF", args=3)
def _if(c: _Compiler, call: _Call, a: list[_Val]) -> _Val:
    cond = c.expect(call, a, 0, "boolean")
    t = c.unify("IF branches", call, a, first=1)
    then, other = c.as_type(a[1], t), c.as_type(a[2], t)
    whens: tuple[_When, ...] = ((c.boolean(cond), then.expr),)
    otherwise: ColumnElement[Any] | None = other.expr
    if other.whens:
        # Deeply nested CASEs overflow SQLite's parser; an else-chain needs no nesting.
        whens, otherwise = whens + other.whens, other.otherwise
    expr = c.coerce(case(*whens, else_=otherwise), t)
    size = 1 + cond.size + then.size + other.size
    exact = then.exact and other.exact
    return _Val(expr, t, size, exact, whens=whens, otherwise=otherwise)


@_function("AND", "OR", args=(1, None))
def _and_or(c: _Compiler, call: _Call, a: list[_Val]) -> _Val:
    values = [c.expect(call, a, i, "boolean") for i in range(len(a))]
    combine = and_ if call.name == "AND" else or_
    return c.val(combine(*(c.boolean(v) for v in values)), "boolean", *values)


@_function("NOT", args=1)
def _not(c: _Compiler, call: _Call, a: list[_Val]) -> _Val:
    v = c.expect(call, a, 0, "boolean")
    return c.val(not_(c.boolean(v)), "boolean", v)


@_function("ISBLANK", args=1)
def _isblank(c: _Compiler, call: _Call, a: list[_Val]) -> _Val:
    v = a[0]
    if v.type == "null":
        return _Val(c.boolean_literal(True), "boolean", not_null=True)
    if v.type == "text":
        blank = func.coalesce(v.expr, c.text_literal(""), type_=Text()) == c.text_literal("")
        return c.val(blank, "boolean", v)
    return c.val(v.expr.is_(None), "boolean", v)


@_function("BLANKVALUE", args=2)
def _blankvalue(c: _Compiler, call: _Call, a: list[_Val]) -> _Val:
    t = c.unify("BLANKVALUE arguments", call, a)
    value, fallback = c.as_type(a[0], t), c.as_type(a[1], t)
    first = value.expr
    if t == "text":
        first = func.nullif(first, c.text_literal(""), type_=Text())  # '' is blank too
    expr = func.coalesce(first, fallback.expr, type_=_result_type_or_null(t))
    return c.val(expr, t, value, fallback, exact=value.exact and fallback.exact)


@_function("COALESCE", args=(1, None))
def _coalesce(c: _Compiler, call: _Call, a: list[_Val]) -> _Val:
    t = c.unify("COALESCE arguments", call, a)
    values = [c.as_type(v, t) for v in a]
    if len(values) == 1:
        return values[0]  # SQLite's coalesce() needs two arguments
    expr = func.coalesce(*(v.expr for v in values), type_=_result_type_or_null(t))
    return c.val(expr, t, *values, exact=all(v.exact for v in values))


def _result_type_or_null(t: _Type) -> TypeEngine[Any] | None:
    return None if t == "null" else _result_type(t)


# -- text -----------------------------------------------------------------------------


@_function("CONCAT", args=(1, None))
def _concat(c: _Compiler, call: _Call, a: list[_Val]) -> _Val:
    return c.concat(a)


@_function("TEXT", args=1)
def _text(c: _Compiler, call: _Call, a: list[_Val]) -> _Val:
    return c.to_text(a[0])


@_function("UPPER", "LOWER", "TRIM", args=1)
def _text_function(c: _Compiler, call: _Call, a: list[_Val]) -> _Val:
    v = c.expect(call, a, 0, "text")
    fn = {"UPPER": func.upper, "LOWER": func.lower, "TRIM": func.trim}[call.name]
    return c.val(fn(v.expr, type_=Text()), "text", v)


@_function("LEN", args=1)
def _len(c: _Compiler, call: _Call, a: list[_Val]) -> _Val:
    v = c.expect(call, a, 0, "text")
    fn = func.char_length if c.pg else func.length  # characters, not bytes, on both
    return c.val(fn(v.expr, type_=_Number()), "number", v)


@_function("LEFT", "RIGHT", args=2)
def _left_right(c: _Compiler, call: _Call, a: list[_Val]) -> _Val:
    s = c.expect(call, a, 0, "text")
    n = c.expect(call, a, 1, "number")
    count = c.count_arg(n, 1_000_000_000)
    if c.pg:
        fn = func.left if call.name == "LEFT" else func.right
        return c.val(fn(s.expr, count, type_=Text()), "text", s, n, n, n)
    if call.name == "LEFT":
        expr = func.substr(s.expr, c.literal_int(1), count, type_=Text())
        return c.val(expr, "text", s, n)
    # substr(s, -k, k) is the last k characters, '' for k = 0 (substr(s, 0) would be all).
    expr = func.substr(s.expr, -count, count, type_=Text())
    return c.val(expr, "text", s, n, n)


@_function("CONTAINS", args=2)
def _contains(c: _Compiler, call: _Call, a: list[_Val]) -> _Val:
    s = c.expect(call, a, 0, "text")
    sub = c.expect(call, a, 1, "text")
    # A position search, not LIKE: % and _ in the data are not wildcards.
    fn = func.strpos if c.pg else func.instr
    return c.val(fn(s.expr, sub.expr, type_=Integer()) > c.literal_int(0), "boolean", s, sub)


# -- numbers --------------------------------------------------------------------------


@_function("ROUND", args=(1, 2))
def _round(c: _Compiler, call: _Call, a: list[_Val]) -> _Val:
    x = c.expect(call, a, 0, "number")
    if len(a) == 1:
        return c.val(func.round(c.arith(x), type_=_Number()), "number", x, exact=True)
    n = c.expect(call, a, 1, "number")
    # SQLite caps digits at 0 … 30 (negative means 0); PostgreSQL is made to agree.
    digits = c.count_arg(n, 30)
    expr = func.round(c.arith(x), digits, type_=_Number())
    return c.val(expr, "number", x, n, n, n, exact=True)


@_function("ABS", args=1)
def _abs(c: _Compiler, call: _Call, a: list[_Val]) -> _Val:
    x = c.expect(call, a, 0, "number")
    return c.val(func.abs(c.arith(x), type_=_Number()), "number", x, exact=True)


@_function("FLOOR", "CEILING", args=1)
def _floor_ceiling(c: _Compiler, call: _Call, a: list[_Val]) -> _Val:
    x = c.expect(call, a, 0, "number")
    if c.pg:
        fn = func.floor if call.name == "FLOOR" else func.ceil
        return c.val(fn(c.arith(x), type_=_Number()), "number", x, exact=True)
    # SQLite builds without the math extension have no floor()/ceil(): correct the
    # truncation toward zero by one where it went the wrong way.
    value = c.arith(x)
    whole = type_coerce(cast(x.expr, Integer()), _Number())
    if call.name == "FLOOR":
        expr = whole - type_coerce(value < whole, _Number())
    else:
        expr = whole + type_coerce(value > whole, _Number())
    return c.val(expr, "number", x, x, x)


@_function("MIN", "MAX", args=(1, None))
def _min_max(c: _Compiler, call: _Call, a: list[_Val]) -> _Val:
    t = c.unify(f"{call.name} arguments", call, a)
    if t == "boolean":
        raise FormulaError(f"{call.name} cannot compare boolean values", call.start)
    values = [c.as_type(v, "number" if t == "null" else t) for v in a]
    t = values[0].type
    if len(values) == 1:
        return values[0]  # min(x) alone would be SQLite's aggregate
    exprs = [c.arith(v) if t == "number" else v.expr for v in values]
    rtype = _result_type_or_null(t)
    if not c.pg:
        # SQLite's scalar min()/max() are NULL when any argument is NULL.
        fn = func.min if call.name == "MIN" else func.max
        return c.val(fn(*exprs, type_=rtype), t, *values, exact=t == "number")
    # LEAST/GREATEST skip NULLs: make them NULL-propagating like SQLite.
    pick = func.least if call.name == "MIN" else func.greatest
    any_null = or_(*(v.expr.is_(None) for v in values))
    expr = case((any_null, null()), else_=pick(*exprs, type_=rtype))
    return c.val(c.coerce(expr, t), t, *values, *values, exact=t == "number")


# -- dates ----------------------------------------------------------------------------


@_function("TODAY", args=0)
def _today(c: _Compiler, call: _Call, a: list[_Val]) -> _Val:
    zone = current_timezone()
    if c.pg:
        local = func.timezone(c.text_literal(zone.key), func.now())
        return _Val(cast(local, Date()), "date")
    # SQLite knows no time zones: shift by the zone's current UTC offset (read at compile
    # time, which is when the query is built).
    offset = datetime.now(zone).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    modifier = c.text_literal(f"{minutes:+d} minutes")
    return _Val(func.date(c.text_literal("now"), modifier, type_=Date()), "date")


@_function("NOW", args=0)
def _now(c: _Compiler, call: _Call, a: list[_Val]) -> _Val:
    if c.pg:
        return _Val(func.now(type_=UtcDateTime()), "datetime")
    # The text layout SQLAlchemy stores on SQLite, so comparisons with columns work.
    fmt = c.text_literal("%Y-%m-%d %H:%M:%f")
    now = func.strftime(fmt, c.text_literal("now")).concat(c.text_literal("000"))
    return _Val(type_coerce(now, UtcDateTime()), "datetime")


@_function("YEAR", "MONTH", "DAY", args=1)
def _date_part(c: _Compiler, call: _Call, a: list[_Val]) -> _Val:
    d = c.expect(call, a, 0, "date", "datetime")
    if c.pg:
        source = d.expr if d.type == "date" else c.utc(d)
        part = cast(extract(call.name.lower(), source), Integer())
    else:
        fmt = {"YEAR": "%Y", "MONTH": "%m", "DAY": "%d"}[call.name]
        part = cast(func.strftime(c.text_literal(fmt), d.expr), Integer())
    return c.val(type_coerce(part, _Number()), "number", d)


@_function("DATEDIFF", args=2)
def _datediff(c: _Compiler, call: _Call, a: list[_Val]) -> _Val:
    first = c.expect(call, a, 0, "date", "datetime")
    second = c.expect(call, a, 1, "date", "datetime")
    return c.date_diff(first, second)


@_function("ADDDAYS", args=2)
def _adddays(c: _Compiler, call: _Call, a: list[_Val]) -> _Val:
    d = c.expect(call, a, 0, "date", "datetime")
    n = c.expect(call, a, 1, "number")
    return c.add_days(d, n)


# --------------------------------------------------------------------------------------
# Limits of SQLAlchemy and SQLite on the compiled expression
# --------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------
# Public API
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
