"""Reading records: field selection, related records, filtered and sorted pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cached_property, partial
from operator import itemgetter
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Select, case, select, type_coerce
from sqlalchemy.sql.elements import ColumnElement, False_, True_
from sqlalchemy.sql.selectable import FromClause
from sqlalchemy.sql.sqltypes import NULLTYPE

from guanxi.kernel.clock import local_text
from guanxi.kernel.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from guanxi.kernel.sqltypes import uuid_text
from guanxi.platform.access.fields import field_visible, hidden_fields
from guanxi.platform.access.policy import SUPERUSER, Policy
from guanxi.platform.metadata.fieldtypes import ADDRESS_PARTS, field_type
from guanxi.platform.metadata.model import SYSTEM_FIELDS, FieldDef, ObjectDef
from guanxi.platform.metadata.registry import Snapshot
from guanxi.platform.query.filters import FilterCompiler
from guanxi.platform.query.paths import SYSTEM_KINDS, QueryScope
from guanxi.platform.query.sorting import after, decode_cursor, encode_cursor, order_by, parse_sort
from guanxi.platform.records import driver_values
from guanxi.platform.records.driver_values import ConvertColumn
from guanxi.platform.records.totals import DEFAULT_COUNT_LIMIT, Relation, Total, count_matches
from guanxi.platform.records.values import decimal_text, plain

MAX_LIMIT = 1000
# What a record says the user may do with it (``_access``), beside the read.
RECORD_ACTIONS = ("update", "delete", "share")
SYSTEM_OUT = tuple(f for f in SYSTEM_FIELDS if f != "deleted_at")


UUID_KINDS = frozenset({"id", "user", "lookup", "file"})  # stored as Uuid columns


def _converter(kind: str, zone: ZoneInfo) -> Callable[[Any], Any] | None:
    """How a stored value becomes JSON: None means "as it is"."""
    if kind in UUID_KINDS:
        return str
    if kind in {"decimal", "percent"}:
        return decimal_text
    if kind == "datetime":
        return partial(local_text, zone=zone)
    if kind == "date":
        return lambda value: value.isoformat()
    if kind == "formula":
        return lambda value: plain(value, zone)
    if kind == "formula_number":
        return formula_number
    return None


def _column_converter(kind: str, zone: ZoneInfo) -> ConvertColumn | None:
    """:func:`_converter` for a column of values (None stays None)."""
    convert = _converter(kind, zone)
    return None if convert is None else driver_values.each(convert)


def formula_number(value: Any, scale: int | None = None) -> str:
    """A computed number as exact text, identical on SQLite (float) and PostgreSQL (NUMERIC)."""
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if scale is not None:
        return decimal_text(number.quantize(Decimal(1).scaleb(-scale)))
    text = format(number.normalize(), "f")
    return text if text != "-0" else "0"


@dataclass
class Selection:
    """Which fields a read returns, the SQL columns that carry them, and how to render rows."""

    scope: QueryScope
    fields: list[FieldDef]
    paths: list[str]  # dotted paths through lookups, e.g. "account.name"
    include_deleted_at: bool = False

    def _system(self) -> tuple[str, ...]:
        return (*SYSTEM_OUT, "deleted_at") if self.include_deleted_at else SYSTEM_OUT

    @cached_property
    def _outputs(self) -> list[tuple[str, ColumnElement[Any], bool]]:
        """(label, expression, raw) of each selected column, ids as text (:class:`UuidText`).

        ``raw``: a stored column whose driver values :mod:`driver_values` converts, selected
        without its SQLAlchemy type so that nothing processes its values twice. Formulas and
        paths through lookups keep their types.
        """
        base = self.scope.base
        dialect = self.scope.dialect

        def out(expr: ColumnElement[Any], kind: str) -> ColumnElement[Any]:
            return uuid_text(expr, dialect) if kind in UUID_KINDS else expr

        def stored(name: str, kind: str) -> tuple[str, ColumnElement[Any], bool]:
            expr = out(base.c[name], kind)
            return name, expr, driver_values.supported(expr.type, kind)

        outputs = [stored(name, SYSTEM_KINDS[name]) for name in self._system()]
        for f in self.fields:
            if not field_type(f.type).stored:  # formulas and roll-ups: computed in SQL
                outputs.append((f.name, self.scope.resolve(f.name).expr, False))
            else:
                outputs.extend(stored(name, f.type) for name in field_type(f.type).column_names(f))
        for i, path in enumerate(self.paths):
            term = self.scope.resolve(path)
            outputs.append((f"_p{i}", out(term.expr, term.kind), False))
        return outputs

    def columns(self) -> list[ColumnElement[Any]]:
        """The select list, in the order :meth:`rows_renderer` reads (``selected=True``)."""
        base = self.scope.base
        cols: list[ColumnElement[Any]] = []
        for label, expr, raw in self._outputs:
            if raw:
                expr = type_coerce(expr, NULLTYPE)
            cols.append(expr if expr is base.c.get(label) else expr.label(label))
        return cols

    def column_keys(self) -> list[str]:
        return [label for label, _, _ in self._outputs]

    def rows_renderer(self, zone: ZoneInfo, *, selected: bool = False) -> RowsRenderer:
        """A function from rows (columns in :meth:`column_keys` order) to JSON-ready dicts.

        ``selected``: the rows come from a statement selecting :meth:`columns`, holding the
        driver's values; otherwise they hold the Python values SQLAlchemy's types give (as a
        write has them in hand). Built once per plan: per-column converters are chosen up
        front, and rows are converted column by column — a page of 50 accounts holds ~1,400
        values, and most need no conversion at all, so they are never touched one by one.
        """
        outputs = self._outputs
        dialect = self.scope.dialect

        def convert(index: int, kind: str) -> ConvertColumn | None:
            _, expr, raw = outputs[index]
            if selected and raw:
                return driver_values.column_converter(expr.type, dialect, zone)
            return _column_converter(kind, zone)

        keys: list[str] = []
        columns: list[ColumnBuilder] = []
        position = 0
        for name in self._system():
            keys.append(name)
            columns.append(_column(position, convert(position, SYSTEM_KINDS[name])))
            position += 1
        for f in self.fields:
            ftype = field_type(f.type)
            width = len(ftype.column_names(f)) if ftype.stored else 1
            keys.append(f.name)
            columns.append(self._field_column(f, position, convert, selected))
            position += width
        for path in self.paths:
            kind = self.scope.resolve(path).kind
            keys.append(path)
            columns.append(_column(position, _column_converter(kind, zone)))
            position += 1

        def render(rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
            if not rows:
                return []
            stored = list(zip(*rows, strict=True))
            shown = [build(stored) for build in columns]
            return [dict(zip(keys, values, strict=True)) for values in zip(*shown, strict=True)]

        return render

    def _field_column(
        self,
        f: FieldDef,
        index: int,
        convert: Callable[[int, str], ConvertColumn | None],
        selected: bool,
    ) -> ColumnBuilder:
        if f.type == "currency":
            amounts_text = convert(index, "decimal") or driver_values.each(decimal_text)

            def currency(stored: Sequence[Sequence[Any]]) -> list[Any]:
                return [
                    None if amount is None else {"amount": amount, "currency": code}
                    for amount, code in zip(
                        amounts_text(stored[index]), stored[index + 1], strict=True
                    )
                ]

            return currency
        if f.type == "address":
            names = ADDRESS_PARTS
            parts = range(index, index + len(names))

            def address(stored: Sequence[Sequence[Any]]) -> list[Any]:
                return [
                    dict(zip(names, values, strict=True))
                    if any(v is not None for v in values)
                    else None
                    for values in zip(*(stored[i] for i in parts), strict=True)
                ]

            return address
        if f.type == "rollup":
            term = self.scope.resolve(f.name)
            shown = convert(index, term.kind)
            if selected or term.nullable:
                return _column(index, shown)
            # A record just created (the only rows a write renders) has no children yet:
            # its count or sum is 0, as a read would say.
            zero: Any = 0
            if term.kind != "integer" and term.field is not None:
                zero = decimal_text(Decimal(0).scaleb(-term.field.opt("scale", 2)))

            def nothing(stored: Sequence[Sequence[Any]]) -> list[Any]:
                return [zero] * len(stored[index])

            return nothing
        if f.type == "formula" and self.scope.resolve(f.name).kind == "formula_number":
            scale = f.opt("scale")
            return _column(index, driver_values.each(lambda value: formula_number(value, scale)))
        return _column(index, convert(index, f.type))


RowsRenderer = Callable[[Sequence[Sequence[Any]]], list[dict[str, Any]]]
ColumnBuilder = Callable[[Sequence[Sequence[Any]]], Sequence[Any]]


def _column(index: int, convert: ConvertColumn | None) -> ColumnBuilder:
    """One output column from the transposed stored columns: as stored, or converted."""
    if convert is None:
        return itemgetter(index)

    def converted(stored: Sequence[Sequence[Any]]) -> list[Any]:
        return convert(stored[index])

    return converted


@dataclass(frozen=True)
class ReadPlan:
    """How to read an object's records: the selection, its ``SELECT`` and renderers."""

    selection: Selection
    zone: ZoneInfo

    @cached_property
    def select(self) -> Select[Any]:
        """``SELECT`` of the selection's columns, to add the rest to (statements are
        immutable)."""
        return select(*self.selection.columns())

    @cached_property
    def render(self) -> RowsRenderer:
        """Renders rows holding the driver's values of :attr:`select`'s columns."""
        return self.selection.rows_renderer(self.zone, selected=True)

    @cached_property
    def render_written(self) -> RowsRenderer:
        """Renders rows of the Python values a write holds (``selection.column_keys()``)."""
        return self.selection.rows_renderer(self.zone)


def read_plan(
    scope: QueryScope,
    requested: list[str] | None,
    zone: ZoneInfo,
    *,
    include_deleted_at: bool = False,
) -> ReadPlan:
    """The plan for reading ``requested`` fields (default: all the user may see).

    The default selection is what almost every read asks for (list pages, a record, the
    answer to a write), and building it — some thirty typed columns, converters and a
    renderer — cost more than running the query. It depends only on the definitions, the
    user's field visibility and zone, so it is made once per metadata snapshot for each of
    those and shared. Not when the selection joins other tables (a formula through a
    lookup): such joins carry the user's own read predicate and belong to the query.
    """
    if not requested and scope.alias is None:
        policy = scope.policy
        hidden = hidden_fields(scope.snap, policy)
        key = (scope.dialect, policy.superuser, hidden, include_deleted_at, zone)
        shared = scope.obj.derived(
            ("read_plan", *key),
            lambda: _shared_plan(scope, zone, include_deleted_at=include_deleted_at),
        )
        if shared is not None:
            return shared
    return ReadPlan(make_selection(scope, requested, include_deleted_at=include_deleted_at), zone)


def _shared_plan(scope: QueryScope, zone: ZoneInfo, *, include_deleted_at: bool) -> ReadPlan | None:
    """The default plan built on a scope of its own, or None when it needs joins."""
    own = QueryScope(scope.snap, scope.obj, scope.dialect, scope.policy)
    plan = ReadPlan(make_selection(own, None, include_deleted_at=include_deleted_at), zone)
    plan.select  # noqa: B018 - resolving the columns adds any joins they need to ``own``
    return plan if own.from_clause() is own.base else None


def make_selection(
    scope: QueryScope, requested: list[str] | None, *, include_deleted_at: bool = False
) -> Selection:
    obj = scope.obj
    if not requested:
        return Selection(scope, _default_fields(scope), [], include_deleted_at)
    if not isinstance(requested, list) or len(requested) > 200:
        raise ValidationFailed(
            "fields: must be a list", errors=[FieldError("fields", "must be a list of field paths")]
        )
    fields: list[FieldDef] = []
    paths: list[str] = []
    for name in requested:
        if not isinstance(name, str):
            raise ValidationFailed(
                "fields: must be strings",
                errors=[FieldError("fields", "must be a list of field paths")],
            )
        if name in SYSTEM_FIELDS:
            continue
        if "." in name:
            scope.resolve(name)  # validates
            paths.append(name)
            continue
        f = obj.get_field(name)
        if f is None or not field_visible(scope.snap, scope.policy, obj.name, name):
            raise ValidationFailed(
                f"fields: unknown field {name}",
                errors=[FieldError(name, f"{obj.name} has no field {name!r}", "unknown_field")],
            )
        fields.append(f)
    return Selection(scope, fields, paths, include_deleted_at)


def _default_fields(scope: QueryScope) -> list[FieldDef]:
    """Every field the user may see; a formula only when all it refers to is visible."""
    fields = []
    for f in scope.obj.active_fields:
        if not field_visible(scope.snap, scope.policy, scope.obj.name, f.name):
            continue
        # A roll-up over children the user may not read, or whose child object or fields
        # are gone, is left out rather than failing the whole read.
        if f.type == "rollup" or (f.type == "formula" and not scope.policy.superuser):
            try:
                scope.resolve(f.name)
            except ValidationFailed:
                continue
        fields.append(f)
    return fields


def attach_related(
    conn: Connection,
    snap: Snapshot,
    obj: ObjectDef,
    records: list[dict[str, Any]],
    include: list[str] | None,
    zone: ZoneInfo,
    policy: Policy = SUPERUSER,
) -> None:
    """Embed the records that lookups point at: one query per included lookup, not per row.

    A record the user may not read shows only that it exists: ``{"id", "accessible": false}``.
    """
    # Once per lookup however often it is named: each one costs a query.
    for name in dict.fromkeys(include or []):
        f = obj.get_field(name) if isinstance(name, str) else None
        if f is None or f.type != "lookup" or not field_visible(snap, policy, obj.name, name):
            raise ValidationFailed(
                f"include: {name}",
                errors=[
                    FieldError(
                        "include",
                        f"{name!r} is not a lookup field of {obj.name}",
                        "invalid_include",
                    )
                ],
            )
        ids = {UUID(r[name]) for r in records if r.get(name)}
        related: dict[str, dict[str, Any]] = {}
        if ids:
            target = snap.object(f.opt("target"))
            scope = QueryScope(snap, target, conn.dialect.name, policy)
            plan = read_plan(scope, None, zone)
            stmt = plan.select.select_from(scope.from_clause()).where(
                scope.base.c.id.in_(ids),
                scope.base.c.deleted_at.is_(None),
                policy.read_predicate(target.name, scope.base),
            )
            related = {r["id"]: r for r in plan.render(conn.execute(stmt).all())}
        for record in records:
            if record.get(name):
                found = related.get(record[name], {"id": record[name], "accessible": False})
                record.setdefault("_related", {})[name] = found


@dataclass(frozen=True)
class AccessColumns:
    """Whether the user may update, delete and share each row, worked out by the same
    ``SELECT`` that reads the rows: ``CASE WHEN <action predicate> THEN 1 ELSE 0 END``
    columns beside the page's (no statement of its own, no check per row afterwards).

    An action whose answer is the same for every row (a superuser, a read-only token, a
    scope of ``all``, no role granting it) is no column at all, only a constant.
    """

    constants: dict[str, bool]
    columns: list[ColumnElement[Any]]

    def render(self, row: Any) -> dict[str, bool]:
        mapping = row._mapping
        return {
            action: self.constants[action]
            if action in self.constants
            else bool(mapping[f"_a_{action}"])
            for action in RECORD_ACTIONS
        }


def access_columns(
    policy: Policy, obj: ObjectDef, table: FromClause, *, can_write: bool = True
) -> AccessColumns:
    """The ``_access`` columns of a read of ``table`` (see :class:`AccessColumns`)."""
    constants: dict[str, bool] = {}
    columns: list[ColumnElement[Any]] = []
    for action in RECORD_ACTIONS:
        if not can_write or policy.superuser:
            constants[action] = can_write
            continue
        predicate = policy.predicate(action, obj.name, table)
        if isinstance(predicate, True_ | False_):
            constants[action] = isinstance(predicate, True_)
            continue
        columns.append(case((predicate, 1), else_=0).label(f"_a_{action}"))
    return AccessColumns(constants, columns)


def fetch_one(
    conn: Connection,
    snap: Snapshot,
    obj: ObjectDef,
    record_id: UUID,
    zone: ZoneInfo,
    *,
    deleted: bool = False,
    fields: list[str] | None = None,
    for_update: bool = False,
    policy: Policy = SUPERUSER,
    scoped: bool = True,
    access: bool = False,
    can_write: bool = True,
) -> dict[str, Any]:
    """One record the user may read; missing and forbidden look the same (404).

    ``access``: also say what the user may do with it (``_access``, as :func:`query`
    does), in the same statement."""
    require(policy, "read", obj)
    scope = QueryScope(snap, obj, conn.dialect.name, policy)
    plan = read_plan(scope, fields, zone, include_deleted_at=deleted)
    base = scope.base
    actions = access_columns(policy, obj, base, can_write=can_write) if access else None
    stmt: Select[Any] = plan.select.add_columns(*(actions.columns if actions else ()))
    stmt = stmt.select_from(scope.from_clause()).where(base.c.id == record_id)
    stmt = stmt.where(base.c.deleted_at.is_not(None) if deleted else base.c.deleted_at.is_(None))
    if scoped:
        stmt = stmt.where(policy.read_predicate(obj.name, base))
    if for_update and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=base)
    row = conn.execute(stmt).first()
    if row is None:
        raise NotFound(f"no {obj.name} record with id {record_id}")
    record = plan.render([row])[0]
    if actions is not None:
        record["_access"] = actions.render(row)
    return record


def _typed(conn: Connection, expr: ColumnElement[Any], raw: Any) -> Any:
    """A driver value as the expression's SQLAlchemy type would have given it."""
    process = expr.type.result_processor(conn.dialect, None)
    return raw if process is None or raw is None else process(raw)


def require(policy: Policy, operation: str, obj: ObjectDef) -> None:
    """Object-level permission (records within it are filtered by the data scope)."""
    if not policy.can(operation, obj.name):
        raise PermissionDenied(f"you may not {operation} {obj.name} records")


@dataclass
class Page:
    """One page of a list; with a total, ``total_relation`` says whether it is exact.

    ``total_relation`` is "eq" (exactly ``total`` matches) or "gte" (at least ``total``,
    the count limit); ``total_estimate`` is PostgreSQL's guess when "gte" (ADR 0019).
    All three are None when no total was asked for.
    """

    records: list[dict[str, Any]]
    next_cursor: str | None
    total: int | None
    total_relation: Relation | None = None
    total_estimate: int | None = None


def query(
    conn: Connection,
    snap: Snapshot,
    obj: ObjectDef,
    zone: ZoneInfo,
    now: datetime,
    *,
    filter: Any = None,
    sort: Any = None,
    limit: int = 50,
    cursor: str | None = None,
    with_total: bool = False,
    count_limit: int = DEFAULT_COUNT_LIMIT,
    fields: list[str] | None = None,
    include: list[str] | None = None,
    deleted: bool = False,
    extra_where: list[ColumnElement[bool]] | None = None,
    policy: Policy = SUPERUSER,
    access: bool = False,
    can_write: bool = True,
) -> Page:
    """One page of the records the user may read that match a filter tree, with a cursor.

    ``with_total`` also counts every match (not only those after the cursor), exactly up
    to ``count_limit`` and as "at least ``count_limit``" beyond it. ``access`` adds to
    each record what the user may do with it (``_access``: update, delete, share; all
    false for a read-only token, ``can_write`` False), computed by the page's statement.
    """
    require(policy, "read", obj)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(
            "limit", errors=[FieldError("limit", f"must be between 1 and {MAX_LIMIT}", "invalid")]
        )
    scope = QueryScope(snap, obj, conn.dialect.name, policy)
    base = scope.base
    conditions: list[ColumnElement[bool]] = [
        base.c.deleted_at.is_not(None) if deleted else base.c.deleted_at.is_(None),
        policy.read_predicate(obj.name, base),
    ]
    if filter:
        conditions.append(FilterCompiler(scope, now).compile(filter))
    conditions.extend(extra_where or [])
    keys = parse_sort(scope, sort)
    if fields and include:  # an included lookup needs its own column
        fields = list(fields) + [name for name in include if name not in fields]
    plan = read_plan(scope, fields, zone, include_deleted_at=deleted)
    sort_labels = [f"_s{i}" for i in range(len(keys))]
    # Sort values come raw too: only the last row's are converted, for the cursor.
    sort_columns = [
        type_coerce(k.term.expr, NULLTYPE).label(label)
        for k, label in zip(keys, sort_labels, strict=True)
    ]
    page_conditions = list(conditions)
    if cursor:
        page_conditions.append(after(keys, decode_cursor(keys, cursor, filter)))
    actions = access_columns(policy, obj, base, can_write=can_write) if access else None
    stmt = (
        plan.select.add_columns(*sort_columns, *(actions.columns if actions else ()))
        .select_from(scope.from_clause())
        .where(*page_conditions)
        .order_by(*order_by(keys, scope.dialect))
        .limit(limit + 1)
    )
    rows = conn.execute(stmt).all()
    more = len(rows) > limit
    rows = rows[:limit]
    records = plan.render(rows)
    if actions is not None:
        for record, row in zip(records, rows, strict=True):
            record["_access"] = actions.render(row)
    next_cursor = None
    if more and rows:
        last = rows[-1]._mapping
        values = [
            _typed(conn, k.term.expr, last[label])
            for k, label in zip(keys, sort_labels, strict=True)
        ]
        next_cursor = encode_cursor(keys, values, filter)
    total = None
    if with_total and not cursor and not more and len(rows) <= count_limit:
        total = Total(len(rows), "eq")  # the first page holds every match: nothing to count
    elif with_total:
        total = count_matches(conn, scope.from_clause(), conditions, limit=count_limit)
    if include:
        attach_related(conn, snap, obj, records, include, zone, policy)
    if total is None:
        return Page(records, next_cursor, None)
    return Page(records, next_cursor, total.count, total.relation, total.estimate)
