"""The formula functions, each registered in the compiler's function table."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    Text,
    and_,
    case,
    cast,
    extract,
    func,
    not_,
    null,
    or_,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine

from guanxi.kernel.sqltypes import UtcDateTime
from guanxi.platform.metadata.context import current_timezone
from guanxi.platform.query.formula.base import (
    FormulaError,
)
from guanxi.platform.query.formula.compiler import _Compiler, _function
from guanxi.platform.query.formula.parser import (
    _Call,
)
from guanxi.platform.query.formula.values import (
    _Number,
    _result_type,
    _Type,
    _Val,
    _When,
)

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
