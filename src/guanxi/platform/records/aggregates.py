"""Totals over the records a user may read: counts and sums per group (kanban columns,
list summaries).

One ``SELECT … GROUP BY`` compiled like a list page: the same filter compiler, the same
paths through lookups (``account.industry``: a LEFT JOIN whose unreadable records group as
null), the user's read predicate and field visibility. A hidden field cannot be grouped
or measured: it resolves as an unknown one, exactly as when filtering on it, so the
answer reveals nothing of it.

Sums are exact: SQLite keeps decimals as scaled integers (their sum is a scaled integer
of the same scale) and PostgreSQL as NUMERIC. Averages are worked out from that sum and
the count of values, so both databases give the same digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, case, func, select, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from guanxi.kernel.clock import local_text
from guanxi.kernel.errors import FieldError, ValidationFailed
from guanxi.platform.access.policy import SUPERUSER, Policy
from guanxi.platform.metadata.model import ObjectDef
from guanxi.platform.metadata.registry import Snapshot
from guanxi.platform.query.filters import FilterCompiler
from guanxi.platform.query.paths import QueryScope, Term
from guanxi.platform.records.reader import require
from guanxi.platform.records.values import decimal_text

MAX_GROUPS = 1_000  # groups one answer holds; more and it says ``truncated``
MAX_GROUP_BY = 2
MAX_MEASURES = 20
OPS = ("count", "sum", "avg", "min", "max")
# Kinds a group key may have: values people pick from, or few enough to group by.
GROUP_KINDS = frozenset(
    {"picklist", "boolean", "lookup", "user", "text", "email", "phone", "url", "integer", "date"}
)
NUMBER_KINDS = frozenset({"integer", "decimal", "percent"})  # currency resolves as decimal
ORDERED_KINDS = NUMBER_KINDS | {"date", "datetime"}
AVG_SCALE = 2  # decimal places of an average of integers


@dataclass(frozen=True)
class Measure:
    """One value per group: ``op`` over ``field`` (``count`` without a field counts rows)."""

    op: str
    field: str | None = None

    @property
    def key(self) -> str:
        """Its name in a group's ``values``: ``count``, ``sum_amount``, ``max_close_date``."""
        return self.op if self.field is None else f"{self.op}_{self.field}"


@dataclass(frozen=True)
class Group:
    key: list[Any]
    values: dict[str, Any]


@dataclass(frozen=True)
class Aggregates:
    groups: list[Group]
    truncated: bool  # more than MAX_GROUPS groups matched: the first ones are given

    def as_dict(self) -> dict[str, Any]:
        return {
            "groups": [{"key": g.key, "values": g.values} for g in self.groups],
            "truncated": self.truncated,
        }


def _invalid(where: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed(detail=f"{where}: {message}", errors=[FieldError(where, message, code)])


def _group_term(scope: QueryScope, path: str, where: str) -> Term:
    term = scope.resolve(path)  # unknown and hidden alike: "has no field"
    if term.kind not in GROUP_KINDS:
        raise _invalid(where, f"cannot group by {path!r} (a {term.kind} field)", "invalid_group_by")
    return term


def _measure_term(scope: QueryScope, measure: Measure, where: str) -> Term | None:
    if measure.op not in OPS:
        raise _invalid(
            f"{where}.op",
            f"unknown op {measure.op!r}; one of {', '.join(OPS)}",
            "invalid_op",
        )
    if measure.field is None:
        if measure.op != "count":
            raise _invalid(f"{where}.field", f"{measure.op} needs a field", "required")
        return None
    term = scope.resolve(measure.field)
    allowed = ORDERED_KINDS if measure.op in {"min", "max"} else NUMBER_KINDS
    if measure.op != "count" and term.kind not in allowed:
        raise _invalid(
            f"{where}.field",
            f"cannot take the {measure.op} of {measure.field!r} (a {term.kind} field)",
            "invalid_measure",
        )
    return term


def _order(term: Term) -> list[ColumnElement[Any]]:
    """Nulls last, then picklist option order (as the picklist shows them) or the key."""
    expr = term.expr
    keys: list[ColumnElement[Any]] = [expr.is_(None)]
    if term.kind == "picklist" and term.field is not None:
        options = [o["value"] for o in term.field.opt("options", [])]
        if options:
            keys.append(case({v: i for i, v in enumerate(options)}, value=expr, else_=len(options)))
    keys.append(expr)
    return keys


def _key(value: Any, term: Term, zone: ZoneInfo) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime):
        return local_text(value, zone)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)  # UUIDs of lookups and users


def _number(value: Any, term: Term) -> Any:
    if term.kind == "integer":
        return int(value)
    return decimal_text(Decimal(value))


def _scale(term: Term) -> int:
    return AVG_SCALE if term.kind == "integer" or term.field is None else term.field.opt("scale", 2)


def _value(measure: Measure, term: Term | None, row: Any, i: int, zone: ZoneInfo) -> Any:
    """A measure's value from its labelled columns, rendered as the records API renders
    the field (decimals as exact text, date-times in the user's zone)."""
    if measure.op == "count":
        return int(row[f"m{i}"])
    assert term is not None
    value = row[f"m{i}"]
    if measure.op == "sum":
        zero = 0 if term.kind == "integer" else Decimal(0).scaleb(-_scale(term))
        return _number(zero if value is None else value, term)
    if measure.op == "avg":
        count = int(row[f"m{i}_n"])
        if value is None or not count:
            return None
        exact = Decimal(value) / count
        return decimal_text(exact.quantize(Decimal(1).scaleb(-_scale(term)), ROUND_HALF_EVEN))
    if value is None:
        return None
    if term.kind in NUMBER_KINDS:
        return _number(value, term)
    return _key(value, term, zone)


def aggregate(
    conn: Connection,
    snap: Snapshot,
    obj: ObjectDef,
    zone: ZoneInfo,
    now: datetime,
    *,
    filter: Any = None,
    group_by: list[str] | None = None,
    measures: list[Measure] | None = None,
    policy: Policy = SUPERUSER,
) -> Aggregates:
    """Counts, sums, averages, minima and maxima of the live records the user may read
    that match ``filter``, per distinct value of up to two ``group_by`` paths (none: one
    group over them all). Groups come nulls last, in picklist option order for picklists
    and by key otherwise, at most :data:`MAX_GROUPS` of them."""
    require(policy, "read", obj)
    group_by = group_by or []
    measures = measures or [Measure("count")]
    if len(group_by) > MAX_GROUP_BY:
        raise _invalid("group_by", f"at most {MAX_GROUP_BY} fields", "too_many")
    if len(measures) > MAX_MEASURES:
        raise _invalid("measures", f"at most {MAX_MEASURES} measures", "too_many")
    keys = [m.key for m in measures]
    if len(set(keys)) != len(keys):
        raise _invalid("measures", "a measure is asked for twice", "duplicate")
    scope = QueryScope(snap, obj, conn.dialect.name, policy)
    base = scope.base
    conditions: list[ColumnElement[bool]] = [
        base.c.deleted_at.is_(None),
        policy.read_predicate(obj.name, base),
    ]
    if filter:
        conditions.append(FilterCompiler(scope, now).compile(filter))
    groups = [_group_term(scope, path, f"group_by.{i}.field") for i, path in enumerate(group_by)]
    terms = [_measure_term(scope, m, f"measures.{i}") for i, m in enumerate(measures)]
    columns: list[ColumnElement[Any]] = [t.expr.label(f"g{i}") for i, t in enumerate(groups)]
    for i, (measure, term) in enumerate(zip(measures, terms, strict=True)):
        if term is None:
            columns.append(func.count().label(f"m{i}"))
        elif measure.op == "count":
            columns.append(func.count(term.expr).label(f"m{i}"))
        elif measure.op in {"sum", "avg"}:
            # The column's own type turns SQLite's scaled integers back into decimals.
            columns.append(type_coerce(func.sum(term.expr), term.expr.type).label(f"m{i}"))
            if measure.op == "avg":
                columns.append(func.count(term.expr).label(f"m{i}_n"))
        else:
            op = func.min if measure.op == "min" else func.max
            columns.append(type_coerce(op(term.expr), term.expr.type).label(f"m{i}"))
    stmt = select(*columns).select_from(scope.from_clause()).where(*conditions)
    if groups:
        stmt = (
            stmt.group_by(*(t.expr for t in groups))
            .order_by(*(k for t in groups for k in _order(t)))
            .limit(MAX_GROUPS + 1)
        )
    rows = [r._mapping for r in conn.execute(stmt).all()]
    truncated = len(rows) > MAX_GROUPS
    return Aggregates(
        [
            Group(
                [_key(row[f"g{i}"], t, zone) for i, t in enumerate(groups)],
                {
                    m.key: _value(m, term, row, i, zone)
                    for i, (m, term) in enumerate(zip(measures, terms, strict=True))
                },
            )
            for row in rows[:MAX_GROUPS]
        ],
        truncated,
    )
