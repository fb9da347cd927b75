"""Multi-field sorting and keyset (cursor) pagination.

NULLs sort as the smallest value on both databases (SQLite's native order; PostgreSQL is
told NULLS FIRST / NULLS LAST explicitly), and ``id`` breaks ties so that every row has
exactly one place and a cursor never skips or repeats a row.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import Boolean, and_, false, literal, or_
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression

from guanxi.kernel import cursors
from guanxi.kernel.clock import in_range
from guanxi.kernel.errors import FieldError, ValidationFailed
from guanxi.platform.metadata.fieldtypes import field_type
from guanxi.platform.query.filters import NUMBER_EXPONENT
from guanxi.platform.query.paths import QueryScope, Term

MAX_SORT_KEYS = 5


@dataclass(frozen=True)
class SortKey:
    term: Term
    descending: bool


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        detail=f"{field}: {message}", errors=[FieldError(field, message, "invalid_sort")]
    )


def parse_sort(scope: QueryScope, spec: Any) -> list[SortKey]:
    """Sort keys from ``[{"field": ..., "direction": "asc"|"desc"}]``, with ``id`` appended."""
    spec = spec or [{"field": "id", "direction": "desc"}]
    if not isinstance(spec, list) or len(spec) > MAX_SORT_KEYS:
        raise _fail("sort", f"must be a list of at most {MAX_SORT_KEYS} keys")
    keys: list[SortKey] = []
    for item in spec:
        if isinstance(item, str):  # "-created_at" shorthand
            item = {
                "field": item.lstrip("-"),
                "direction": "desc" if item.startswith("-") else "asc",
            }
        if not isinstance(item, dict) or "field" not in item:
            raise _fail("sort", "each key needs a field")
        direction = item.get("direction", "asc")
        if not isinstance(direction, str) or direction not in {"asc", "desc"}:
            raise _fail(str(item["field"]), "direction must be asc or desc")
        term = scope.resolve(item["field"])
        if term.kind not in {"id", "user", "formula_number"} and not _sortable(term.kind):
            raise _fail(term.path, f"a {term.kind} field cannot be sorted")
        keys.append(SortKey(term, direction == "desc"))
    if not any(k.term.path == "id" for k in keys):
        keys.append(SortKey(scope.resolve("id"), keys[-1].descending if keys else True))
    return keys


def _sortable(kind: str) -> bool:
    try:
        return field_type(kind).sortable and kind != "address"
    except KeyError:
        return False


def order_by(keys: list[SortKey], dialect: str) -> list[UnaryExpression[Any]]:
    clauses = []
    for key in keys:
        clause = key.term.expr.desc() if key.descending else key.term.expr.asc()
        if dialect == "postgresql" and key.term.nullable:
            clause = clause.nulls_last() if key.descending else clause.nulls_first()
        clauses.append(clause)
    return clauses


def after(keys: list[SortKey], values: list[Any]) -> ColumnElement[bool]:
    """Rows strictly after the row whose sort values are ``values`` (lexicographic)."""
    branches: list[ColumnElement[bool]] = []
    equal_so_far: list[ColumnElement[bool]] = []
    for key, value in zip(keys, values, strict=True):
        col = key.term.expr
        beyond: ColumnElement[bool]
        same: ColumnElement[bool]
        if value is None:
            beyond = false() if key.descending else col.is_not(None)
            same = col.is_(None)
        else:
            if isinstance(value, bool):  # SQLAlchemy refuses "col > True" unless it is bound
                value = literal(value, Boolean())
            if key.descending:
                beyond = or_(col < value, col.is_(None)) if key.term.nullable else col < value
            else:
                beyond = col > value
            same = col == value
        branches.append(and_(*equal_so_far, beyond))
        equal_so_far.append(same)
    return or_(*branches)


# -- cursors ---------------------------------------------------------------------------
def _fingerprint(keys: list[SortKey], context: Any) -> str:
    """Ties a cursor to its sort order and filter: reused with another query it is refused."""
    text = ",".join(f"{k.term.path}:{'d' if k.descending else 'a'}" for k in keys)
    text += orjson.dumps(context, option=orjson.OPT_SORT_KEYS).decode()
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _plain(value: Any) -> Any:
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def encode_cursor(keys: list[SortKey], values: list[Any], context: Any = None) -> str:
    return cursors.pack({"k": _fingerprint(keys, context), "v": [_plain(v) for v in values]})


def decode_cursor(keys: list[SortKey], cursor: str, context: Any = None) -> list[Any]:
    try:
        payload = cursors.unpack(cursor)
        if payload["k"] != _fingerprint(keys, context) or len(payload["v"]) != len(keys):
            raise ValueError("cursor belongs to another sort order")
        return [_revive(k.term, v) for k, v in zip(keys, payload["v"], strict=True)]
    except (ValueError, KeyError, TypeError, ArithmeticError):
        raise ValidationFailed(
            "cursor: not a cursor of this query",
            errors=[FieldError("cursor", "is not a cursor of this query", "invalid_cursor")],
        ) from None


def _revive(term: Term, value: Any) -> Any:
    """A cursor's sort value as the statement binds it. Cursors come back from clients, so
    each value must have the type :func:`encode_cursor` gives its kind (else ValueError or
    TypeError: "not a cursor of this query")."""
    if value is None:
        return None
    kind = term.kind
    if kind == "boolean":
        if not isinstance(value, int):  # bool is an int
            raise TypeError("not a boolean")
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean where none belongs")
    if kind in {"id", "user", "lookup", "file"}:
        return UUID(_text(value))
    if kind == "datetime":
        moment = datetime.fromisoformat(_text(value))
        if moment.tzinfo is None or not in_range(moment):
            raise ValueError("a cursor's date-time carries its offset, within the field's range")
        return moment
    if kind == "date":
        return date.fromisoformat(_text(value))
    if kind in {"decimal", "percent", "currency"}:
        number = Decimal(_text(value))
        if not number.is_finite() or (number and abs(number.adjusted()) > NUMBER_EXPONENT):
            raise ValueError("not a stored number")
        return number
    if kind == "formula_number":
        if not isinstance(value, (int, float, str)):
            raise TypeError("not a number")
        double = float(value)
        if not math.isfinite(double):
            raise ValueError("not a finite number")
        return double
    if kind == "integer":
        if not isinstance(value, int) or not -(2**63) <= value < 2**63:
            raise TypeError("not a stored integer")
        return value
    if not isinstance(value, (int, float)):  # text and picklists: never a list or object
        _text(value)
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or "\x00" in value:  # PostgreSQL refuses NUL in text
        raise TypeError("expected text")
    return value
