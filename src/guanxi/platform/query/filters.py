"""The JSON filter tree compiled to a parameterised SQL predicate.

``{"and": [{"field": "account.industry", "op": "eq", "value": "it"}, {"not": {...}}]}``.
Values are converted by the field's type (so a text value is always a bound literal and
a bad number is a validation error naming the field); field names resolve through
metadata only, never into SQL text.

A condition on a related record (``account.industry = 'it'``) that can only hold when the
related record exists and is readable compiles to ``EXISTS (SELECT 1 FROM o_account …
WHERE id = o_contact.account …)`` rather than a join: the database can then walk the
page's sort index and probe the related record by primary key, instead of starting from
the related table and sorting every match (SQLite picks that plan for a join). Conditions
that a missing related record satisfies (``ne``, ``not_in``, ``is_null: true``) and any
condition under ``not`` keep the LEFT JOIN, whose NULL semantics they depend on.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Float, and_, exists, false, func, literal, not_, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from guanxi.kernel.errors import FieldError, ValidationFailed
from guanxi.platform.metadata.context import current_timezone
from guanxi.platform.metadata.fieldtypes import FieldValueError, field_type
from guanxi.platform.metadata.model import FieldDef, ObjectDef
from guanxi.platform.query.dates import date_range, datetime_range, is_relative
from guanxi.platform.query.paths import QueryScope, Term

MAX_NODES = 500
MAX_IN = 1000
MAX_DEPTH = 32  # and/or/not nesting; deeper trees are machine-made, and recursion is finite
MAX_VALUES = 10_000  # list values in one filter: SQLite binds at most 32,766 per statement
ALL_OPS = frozenset(
    {
        "eq",
        "ne",
        "lt",
        "lte",
        "gt",
        "gte",
        "in",
        "not_in",
        "contains",
        "starts_with",
        "ends_with",
        "is_null",
        "between",
    }
)
ORDERED = frozenset({"eq", "ne", "lt", "lte", "gt", "gte", "between", "in", "not_in", "is_null"})
KIND_OPS: dict[str, frozenset[str]] = {
    "id": frozenset({"eq", "ne", "in", "not_in"}),
    "user": frozenset({"eq", "ne", "in", "not_in", "is_null"}),
    "formula_number": ORDERED,
    "address": frozenset({"is_null"}),
}
SET_KINDS = frozenset({"multi_picklist", "tags"})


# Formula numbers are compared as doubles on SQLite, as NUMERIC on PostgreSQL: a value
# beyond a double's range would be infinity on one and an error on the other. (Cursors
# hold sort values to it too: no stored decimal comes near.)
NUMBER_EXPONENT = 300


def _formula_number(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise FieldValueError("expected a number")
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        raise FieldValueError("expected a number") from None
    if not number.is_finite():
        raise FieldValueError("expected a finite number")
    if number and not -NUMBER_EXPONENT <= number.adjusted() <= NUMBER_EXPONENT:
        raise FieldValueError(f"is out of range (10^±{NUMBER_EXPONENT})")
    return number


def _fail(where: str, field: str, message: str, code: str = "invalid_filter") -> ValidationFailed:
    return ValidationFailed(
        detail=f"{where}: {message}",
        errors=[FieldError(field, message, code)],
        extra={"location": where},
    )


class FilterCompiler:
    """Compiles one filter tree against a :class:`QueryScope`."""

    def __init__(
        self, scope: QueryScope, now: datetime, *, aliases: list[int] | None = None
    ) -> None:
        self.scope = scope
        self.now = now
        self.nodes = 0
        self.depth = 0  # and/or/not around the node being compiled
        self.values = 0  # list values bound so far
        self.negated = 0  # how many ``not`` enclose the node being compiled
        self._aliases = aliases if aliases is not None else [0]  # shared with sub-compilers

    def compile(self, node: Any, where: str = "filter") -> ColumnElement[bool]:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _fail(where, "filter", f"has more than {MAX_NODES} conditions")
        if not isinstance(node, Mapping):
            raise _fail(where, "filter", "must be an object")
        keys = set(node)
        if (keys == {"and"} or keys == {"or"} or keys == {"not"}) and self.depth >= MAX_DEPTH:
            raise _fail(where, "filter", f"is nested more than {MAX_DEPTH} levels deep")
        if keys == {"and"} or keys == {"or"}:
            key = next(iter(keys))
            children = node[key]
            if not isinstance(children, list):
                raise _fail(where, "filter", f"'{key}' takes a list")
            self.depth += 1
            try:
                parts = [
                    self.compile(child, f"{where}.{key}[{i}]") for i, child in enumerate(children)
                ]
            finally:
                self.depth -= 1
            if not parts:
                return true() if key == "and" else false()
            return and_(*parts) if key == "and" else or_(*parts)
        if keys == {"not"}:
            self.negated += 1
            self.depth += 1
            try:
                return not_(self.compile(node["not"], f"{where}.not"))
            finally:
                self.negated -= 1
                self.depth -= 1
        if "field" in node and "op" in node and keys <= {"field", "op", "value"}:
            return self.condition(node["field"], node["op"], node.get("value"), where)
        raise _fail(
            where,
            "filter",
            "expected {and: [...]}, {or: [...]}, {not: {...}} or {field, op, value}",
        )

    # -- one condition --------------------------------------------------------------
    def condition(self, path: Any, op: Any, value: Any, where: str) -> ColumnElement[bool]:
        if not isinstance(path, str):
            raise _fail(where, "filter", "field must be a string")
        if not isinstance(op, str) or op not in ALL_OPS:
            raise _fail(where, path, f"unknown operator {str(op)[:40]!r}")
        if not self.negated and _needs_related(op, value):
            hop = self.scope.lookup_hop(path)
            if hop is not None:
                return self._related(hop, path, op, value, where)
        term = self.scope.resolve(path)
        allowed = KIND_OPS.get(term.kind) or field_type(term.kind).ops
        if op not in allowed:
            raise _fail(where, path, f"operator {op!r} does not apply to a {term.kind} field")
        col = term.expr
        if op == "is_null":
            if not isinstance(value, bool):
                raise _fail(where, path, "is_null takes true or false")
            empty: ColumnElement[bool] = col.is_(None)
            if term.kind in SET_KINDS:
                empty = or_(col.is_(None), self._json_length(col) == 0)
            return empty if value else not_(empty)
        if term.kind in SET_KINDS:
            return self._set_condition(term, op, value, where)
        if term.kind in {"date", "datetime"} and (is_relative(value) or op == "between"):
            ranged = self._relative(term, op, value, where)
            if ranged is not None:
                return ranged
        if op in {"in", "not_in"}:
            if not isinstance(value, list) or not value or len(value) > MAX_IN:
                raise _fail(where, path, f"{op} takes a list of 1 to {MAX_IN} values")
            self._count(len(value), where, path)
            values = [self.value(term, v, where) for v in value]
            inside = col.in_(values)
            return inside if op == "in" else or_(not_(inside), col.is_(None))
        if op == "between":
            if not isinstance(value, list) or len(value) != 2:
                raise _fail(where, path, "between takes [low, high]")
            low, high = (self.value(term, v, where) for v in value)
            return and_(col >= low, col <= high)
        if op in {"contains", "starts_with", "ends_with"}:
            if not isinstance(value, str) or not value:
                raise _fail(where, path, f"{op} takes non-empty text")
            return self._like(col, op, value)
        if value is None:
            if op == "eq":
                return col.is_(None)
            if op == "ne":
                return col.is_not(None)
            raise _fail(where, path, f"{op} needs a value")
        bound = self.value(term, value, where)
        if op == "eq":
            return col == bound  # type: ignore[no-any-return]
        if op == "ne":
            return or_(col != bound, col.is_(None)) if term.nullable else col != bound
        comparisons: dict[str, ColumnElement[bool]] = {
            "lt": col < bound,
            "lte": col <= bound,
            "gt": col > bound,
            "gte": col >= bound,
        }
        return comparisons[op]

    def _related(
        self, hop: tuple[FieldDef, ObjectDef], path: str, op: Any, value: Any, where: str
    ) -> ColumnElement[bool]:
        """The condition as a correlated EXISTS on the related record (see the module doc)."""
        lookup, target = hop
        outer = self.scope
        outer.budget.take(outer, path)  # the subquery's own table
        self._aliases[0] += 1
        inner = QueryScope(
            outer.snap,
            target,
            outer.dialect,
            outer.policy,
            alias=f"e{self._aliases[0]}",
            path_prefix=f"{outer.path_prefix}{lookup.name}.",
            budget=outer.budget,
        )
        sub = FilterCompiler(inner, self.now, aliases=self._aliases)
        sub.values = self.values
        condition = sub.condition(path, op, value, where)
        self.values = sub.values
        return exists(
            select(literal(1))
            .select_from(inner.from_clause())
            .where(
                inner.base.c.id == outer.base.c[lookup.name],
                outer.policy.read_predicate(target.name, inner.base),
                condition,
            )
        )

    def value(self, term: Term, value: Any, where: str) -> Any:
        """Convert a filter value with the field's own rules; never builds SQL text."""
        kind = term.kind
        try:
            if kind in {"id", "user"}:
                return value if isinstance(value, UUID) else UUID(str(value))
            if kind == "formula_number":
                number = _formula_number(value)
                return literal(float(number), Float) if self.scope.dialect == "sqlite" else number
            if kind == "integer" and term.field is None:  # version
                if isinstance(value, bool) or not -(2**63) <= int(value) < 2**63:
                    raise FieldValueError("is not a version number")
                return int(value)
            if kind in {
                "text",
                "long_text",
                "rich_text",
                "email",
                "phone",
                "url",
                "auto_number",
                "formula",
            }:
                if not isinstance(value, (str, int, Decimal)) or isinstance(value, bool):
                    raise FieldValueError("expected text")
                return str(value)
            if term.field is None:
                return field_type(kind).clean(_bare(kind), value)
            f = term.field
            if kind == "decimal" and f.type == "currency":
                return field_type("decimal").clean(f, value)
            if kind in {"picklist", "lookup"}:
                return str(value) if kind == "picklist" else field_type(kind).clean(f, value)
            return field_type(kind).clean(_unbounded(f), value)
        except (FieldValueError, ValueError, TypeError, ArithmeticError) as exc:
            message = exc.message if isinstance(exc, FieldValueError) else "has the wrong type"
            raise _fail(
                where, term.path, f"value {str(value)[:60]!r} {message}", "invalid_value"
            ) from None

    def _count(self, values: int, where: str, path: str) -> None:
        self.values += values
        if self.values > MAX_VALUES:
            raise _fail(where, path, f"the filter's lists hold more than {MAX_VALUES} values")

    def _like(self, col: ColumnElement[Any], op: str, value: str) -> ColumnElement[bool]:
        escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = {
            "contains": f"%{escaped}%",
            "starts_with": f"{escaped}%",
            "ends_with": f"%{escaped}",
        }[op]
        if self.scope.dialect == "postgresql":
            return col.ilike(pattern, escape="\\")
        return col.like(pattern, escape="\\")  # SQLite's LIKE ignores ASCII case already

    def _json_length(self, col: ColumnElement[Any]) -> ColumnElement[int]:
        if self.scope.dialect == "postgresql":
            return func.jsonb_array_length(col)
        return func.json_array_length(col)

    def _set_condition(self, term: Term, op: str, value: Any, where: str) -> ColumnElement[bool]:
        values = value if isinstance(value, list) else [value]
        if not values or len(values) > MAX_IN or not all(isinstance(v, str) for v in values):
            raise _fail(where, term.path, f"{op} takes a value or a list of values")
        self._count(len(values), where, term.path)
        col = term.expr
        if self.scope.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import array

            if op == "contains":  # has every given value
                return col.op("@>")(func.to_jsonb(array(values)))
            has_any = col.op("?|", is_comparison=True)(array(values))
            return has_any if op == "in" else or_(not_(has_any), col.is_(None))
        each = func.json_each(col).table_valued("value")
        if op == "contains":  # has every given value: as many distinct matches as values
            wanted = sorted(set(values))
            matched = (
                select(func.count(each.c.value.distinct()))
                .select_from(each)
                .where(each.c.value.in_(wanted))
                .scalar_subquery()
            )
            return matched == len(wanted)
        any_of = exists(select(literal(1)).select_from(each).where(each.c.value.in_(values)))
        return any_of if op == "in" else or_(not_(any_of), col.is_(None))

    def _relative(self, term: Term, op: str, value: Any, where: str) -> ColumnElement[bool] | None:
        zone = current_timezone()
        convert = date_range if term.kind == "date" else datetime_range
        col = term.expr
        if op == "between":
            if (
                not isinstance(value, list)
                or len(value) != 2
                or not any(is_relative(v) for v in value)
            ):
                return None
            low = (
                convert(value[0], self.now, zone)[0]
                if is_relative(value[0])
                else self.value(term, value[0], where)
            )
            if is_relative(value[1]):
                return and_(col >= low, col < convert(value[1], self.now, zone)[1])
            return and_(col >= low, col <= self.value(term, value[1], where))
        start: date | datetime
        end: date | datetime
        start, end = convert(value, self.now, zone)
        if op == "eq":
            return and_(col >= start, col < end)
        if op == "ne":
            return or_(col < start, col >= end, col.is_(None))
        ops = {"lt": col < start, "lte": col < end, "gt": col >= end, "gte": col >= start}
        if op in ops:
            return ops[op]
        raise _fail(where, term.path, f"{op} does not take a relative date")


def _needs_related(op: Any, value: Any) -> bool:
    """Whether a condition is false (or unknown) when its field is NULL, as it is for a
    missing or unreadable related record: only those may move into an EXISTS."""
    if op in {"ne", "not_in"}:
        return False
    if op == "is_null":
        return value is False
    return not (op == "eq" and value is None)


def _bare(kind: str) -> Any:
    from guanxi.platform.metadata.model import FieldDef

    return FieldDef(object_name="", name="", type=kind, label={})


def _unbounded(f: Any) -> Any:
    """Filters compare against any value: min/max/regex rules are for stored values only."""
    from dataclasses import replace

    config = {k: v for k, v in f.config.items() if k not in {"min", "max", "regex", "max_length"}}
    return replace(f, config=config)
