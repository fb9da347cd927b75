"""SQL building blocks shared by the formula operators and functions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

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
    case,
    cast,
    func,
    literal,
    not_,
    null,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine

from guanxi.platform.query.formula.base import (
    FormulaError,
)
from guanxi.platform.query.formula.parser import (
    _Call,
)
from guanxi.platform.query.formula.values import (
    _Number,
    _result_type,
    _Type,
    _Val,
)

_DAY_LIMIT = 1_000_000  # ADDDAYS day counts beyond this are NULL (PostgreSQL would fail)


class _SqlBuilder:
    """Typed SQL pieces for one dialect; the compiler and the functions build with them."""

    pg: bool

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
