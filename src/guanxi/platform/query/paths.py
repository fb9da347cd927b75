"""Field paths (``account.industry``, ``billing_address.city``) resolved to SQL columns.

A :class:`QueryScope` belongs to one query on one object. Resolving a path through a
lookup adds a LEFT OUTER JOIN to the target table (once per distinct path), so filters,
sorting, field selection and formulas all share the same joins. A filter condition that
only needs a related record's value can instead run in a correlated subquery on a scope of
its own (see :meth:`QueryScope.lookup_hop` and ``filters``), rooted at an aliased target.

Every path of every kind (filters, sorting, ``fields``, formulas) is resolved here, so the
limits on what one statement may reach are kept here too (ADR 0012): a path goes through
at most :data:`MAX_LOOKUPS` lookups, counted from the query's own object even inside a
subquery, and all the scopes of one statement together join or probe at most
:data:`MAX_JOINS` related tables (a :class:`JoinBudget` they share).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Float, and_, cast, func, select, type_coerce
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause

from guanxi.kernel.errors import FieldError, ValidationFailed
from guanxi.kernel.sqltypes import MAX_SQLITE_PRECISION
from guanxi.platform.access.fields import field_visible
from guanxi.platform.access.policy import SUPERUSER, Policy
from guanxi.platform.metadata.fieldtypes import ADDRESS_PARTS, ROLLUP_OPS, field_type
from guanxi.platform.metadata.model import FieldDef, ObjectDef
from guanxi.platform.metadata.registry import Snapshot
from guanxi.platform.query import formula

MAX_LOOKUPS = 3  # lookups one path may go through: account.parent.owner_account.name
# Related tables one statement may join or probe (LEFT JOINs for paths, and each related
# condition's subquery with its own joins). Unbounded, an OR of conditions through lookups
# made one PostgreSQL backend plan thousands of subqueries and grow past 19 GB; SQLite
# refuses more than 64 tables in one SELECT.
MAX_JOINS = 50

# Kinds of the system columns, for value conversion and allowed operators.
SYSTEM_KINDS: dict[str, str] = {
    "id": "id",
    "version": "integer",
    "created_at": "datetime",
    "updated_at": "datetime",
    "deleted_at": "datetime",
    "created_by_id": "user",
    "updated_by_id": "user",
    "owner_id": "user",
}
NOT_NULL_SYSTEM = frozenset({"id", "version", "created_at", "updated_at"})


@dataclass(frozen=True)
class Term:
    """A resolved path: the SQL expression and what kind of value it holds."""

    path: str
    expr: ColumnElement[Any]
    kind: str  # a field type name, or "id"
    field: FieldDef | None = None  # None for system columns and sub-parts
    nullable: bool = True


def _formula_kind(result: str) -> str:
    return {
        "text": "text",
        "number": "formula_number",
        "boolean": "boolean",
        "date": "date",
        "datetime": "datetime",
    }[result]


@dataclass
class JoinBudget:
    """Related tables one statement has joined or probed so far, shared by its scopes."""

    used: int = 0

    def take(self, scope: QueryScope, path: str) -> None:
        self.used += 1
        if self.used > MAX_JOINS:
            raise scope.error(
                path,
                f"the query reaches more than {MAX_JOINS} related tables"
                " (each lookup path and each condition on a related record counts)",
                "too_many_joins",
            )


@dataclass
class QueryScope:
    """Resolves paths for one query rooted at ``obj`` and collects the joins it needs."""

    snap: Snapshot
    obj: ObjectDef
    dialect: str
    policy: Policy = SUPERUSER
    alias: str | None = None  # alias the base table (a scope inside a subquery)
    path_prefix: str = ""  # paths arrive with this prefix (``account.``) and report it
    budget: JoinBudget = field(default_factory=JoinBudget)  # shared with sub-scopes
    base: FromClause = field(init=False)
    _joins: dict[tuple[str, ...], tuple[FromClause, ObjectDef]] = field(
        default_factory=dict, init=False
    )
    _join_order: list[tuple[FromClause, ColumnElement[bool]]] = field(
        default_factory=list, init=False
    )
    _formula_stack: set[tuple[str, str]] = field(default_factory=set, init=False)
    _rollups: dict[tuple[FromClause, str, str], Term] = field(default_factory=dict, init=False)
    _rollup_count: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        name = self.obj.name
        self.base = self.snap.alias(name, self.alias) if self.alias else self.snap.table(name)

    def error(self, path: str, message: str, code: str = "unknown_field") -> ValidationFailed:
        return ValidationFailed(
            detail=f"{path}: {message}", errors=[FieldError(path, message, code)]
        )

    # -- joins ------------------------------------------------------------------------
    @property
    def prefix_lookups(self) -> int:
        """Lookups the scope's own object lies behind (a subquery's ``account.``: one)."""
        return self.path_prefix.count(".")

    def too_deep(self, path: str) -> ValidationFailed:
        return self.error(
            path,
            f"goes through more than {MAX_LOOKUPS} lookups (a path may go through at most"
            f" {MAX_LOOKUPS})",
            "too_many_lookups",
        )

    def _joined(
        self, path: str, prefix: tuple[str, ...], source: FromClause, lookup: FieldDef
    ) -> tuple[FromClause, ObjectDef]:
        found = self._joins.get(prefix)
        if found is not None:
            return found
        self.budget.take(self, path)
        target = self.snap.object(lookup.opt("target"))
        alias = self.snap.alias(target.name, f"{self.alias or ''}j{len(self._joins) + 1}")
        # Records the user may not read join as NULL: their values never leak into
        # filters, sorting or selected columns.
        visible = self.policy.read_predicate(target.name, alias)
        self._join_order.append((alias, and_(source.c[lookup.name] == alias.c.id, visible)))
        self._joins[prefix] = (alias, target)
        return alias, target

    def from_clause(self) -> FromClause:
        clause: FromClause = self.base
        for alias, on in self._join_order:
            clause = clause.outerjoin(alias, on)
        return clause

    def lookup_hop(self, path: str) -> tuple[FieldDef, ObjectDef] | None:
        """The lookup a path's first step goes through (``account`` of ``account.industry``)
        when the user may follow it; None for anything else, which :meth:`resolve` judges."""
        if not isinstance(path, str) or not path.startswith(self.path_prefix):
            return None
        first, dot, rest = path[len(self.path_prefix) :].partition(".")
        f = self.obj.get_field(first)
        if (
            self.prefix_lookups >= MAX_LOOKUPS
            or not dot
            or not rest
            or f is None
            or f.type != "lookup"
            or not field_visible(self.snap, self.policy, self.obj.name, first)
            or not self.policy.can("read", f.opt("target"))
        ):
            return None
        return f, self.snap.object(f.opt("target"))

    # -- paths ------------------------------------------------------------------------
    def resolve(self, path: str) -> Term:
        """Resolve a dotted path; unknown or hidden names are a validation error."""
        if not isinstance(path, str) or not path or len(path) > 200:
            raise self.error(str(path)[:200], "is not a field path")
        if not path.startswith(self.path_prefix):
            raise self.error(path, "is not a field path")
        parts = tuple(path[len(self.path_prefix) :].split("."))
        lookups = self.prefix_lookups
        # Lookups, a field and at most one part of it (address.city): judged by the count
        # alone, before any name is looked up, so it tells nothing about hidden fields.
        if lookups + len(parts) > MAX_LOOKUPS + 2:
            raise self.too_deep(path)
        source: FromClause = self.base
        obj = self.obj
        for depth, name in enumerate(parts):
            rest = parts[depth + 1 :]
            if not rest and name in SYSTEM_KINDS:
                return Term(
                    path, source.c[name], SYSTEM_KINDS[name], None, name not in NOT_NULL_SYSTEM
                )
            f = obj.get_field(name)
            if f is None or not field_visible(self.snap, self.policy, obj.name, name):
                raise self.error(path, f"{obj.name} has no field {name!r}")
            if not rest:
                return self._field_term(path, source, obj, f)
            if f.type == "lookup":
                if not self.policy.can("read", f.opt("target")):
                    raise self.error(
                        path, f"{obj.name} has no field {'.'.join(parts[: depth + 2])!r}"
                    )
                lookups += 1
                if lookups > MAX_LOOKUPS:
                    raise self.too_deep(path)
                source, obj = self._joined(path, parts[: depth + 1], source, f)
                continue
            if f.type == "address" and len(rest) == 1 and rest[0] in ADDRESS_PARTS:
                return Term(path, source.c[f"{f.name}__{rest[0]}"], "text")
            if f.type == "currency" and len(rest) == 1 and rest[0] in {"amount", "currency"}:
                if rest[0] == "amount":
                    return Term(path, source.c[f.name], "decimal", f)
                return Term(path, source.c[f"{f.name}__currency"], "text")
            raise self.error(path, f"{name!r} is a {f.type} field and has no part {rest[0]!r}")
        raise self.error(path, "is not a field path")  # pragma: no cover - loop always returns

    def _field_term(self, path: str, source: FromClause, obj: ObjectDef, f: FieldDef) -> Term:
        if f.type == "formula":
            typed = self._formula(source, obj, f)
            return Term(path, typed.expr, _formula_kind(typed.type), f)
        if f.type == "rollup":
            return self._rollup(path, source, f)
        if not field_type(f.type).stored:
            raise self.error(path, "cannot be queried")
        if f.type == "address":
            return Term(path, source.c[f"{f.name}__city"], "address", f)
        if f.type == "currency":  # compares and sorts by amount (field.currency for the code)
            return Term(path, source.c[f.name], "decimal", f)
        return Term(path, source.c[f.name], f.type, f)

    # -- roll-ups ---------------------------------------------------------------------
    def _rollup(self, path: str, source: FromClause, f: FieldDef) -> Term:
        """The aggregate over the child records as a correlated scalar subquery (ADR 0018).

        All live children count, whoever reads the parent: the value belongs to the parent
        record, as a Salesforce roll-up summary does. A user who may not read the child
        object, or its measured field, is not shown the roll-up at all.
        """
        key = (source, f.object_name, f.name)
        found = self._rollups.get(key)
        if found is not None:
            return Term(path, found.expr, found.kind, found.field, found.nullable)
        spec = f.opt("rollup") or {}
        child = self.snap.objects.get(spec.get("object", ""))
        lookup = child.get_field(spec.get("lookup", "")) if child else None
        op = spec.get("op")
        measured = child.get_field(spec["field"]) if child and spec.get("field") else None
        if (
            child is None
            or lookup is None
            or lookup.type != "lookup"
            or lookup.opt("target") != f.object_name
            or op not in ROLLUP_OPS
            or (op != "count" and measured is None)
        ):
            raise self.error(path, "the roll-up's child object or fields no longer exist", "rollup")
        if not self.policy.can("read", child.name) or (
            measured is not None
            and not field_visible(self.snap, self.policy, child.name, measured.name)
        ):
            raise self.error(path, f"{f.object_name} has no field {f.name!r}")
        self.budget.take(self, path)
        self._rollup_count += 1
        inner = QueryScope(
            self.snap,
            child,
            self.dialect,
            SUPERUSER,
            alias=f"{self.alias or ''}r{self._rollup_count}",
            budget=self.budget,
        )
        children = inner.base
        conditions: list[ColumnElement[bool]] = [
            children.c[lookup.name] == source.c.id,
            children.c.deleted_at.is_(None),
        ]
        if spec.get("filter"):
            from guanxi.platform.query.filters import FilterCompiler  # imports this module

            # Relative dates are refused when the field is defined (query.check): ``now``
            # only anchors the compiler.
            # Its related conditions' aliases (``e…``) are numbered apart from the outer
            # filter's: Snapshot.alias hands out one object per name, and two subqueries
            # sharing one could be correlated to each other. A statement takes at most
            # MAX_JOINS tables, so each roll-up's block of numbers is its own.
            compiler = FilterCompiler(
                inner, datetime.now(UTC), aliases=[self.budget.used * (MAX_JOINS + 1)]
            )
            conditions.append(compiler.compile(spec["filter"], f"{f.name}.rollup.filter"))
        kind, result = _rollup_result(f, op, measured)
        if op == "count":
            aggregate: ColumnElement[Any] = func.count()
        else:
            assert measured is not None
            column = inner.resolve(measured.name).expr
            aggregate = (
                func.sum(column)
                if op == "sum"
                else func.min(column)
                if op == "min"
                else func.max(column)
            )
        value: ColumnElement[Any] = (
            select(aggregate)
            .select_from(inner.from_clause())
            .where(*conditions)
            .correlate(source)
            .scalar_subquery()
        )
        if op == "sum":  # no children: 0, not NULL
            value = func.coalesce(value, 0)
        if kind == "integer":  # PostgreSQL's SUM(bigint) is NUMERIC
            value = cast(value, BigInteger)
        typed = type_coerce(value, field_type(kind).sql_type(result))
        term = Term(path, typed, kind, result, op in {"min", "max"})
        self._rollups[key] = term
        return term

    # -- formulas ---------------------------------------------------------------------
    def _formula(self, source: FromClause, obj: ObjectDef, f: FieldDef) -> formula.Typed:
        key = (obj.name, f.name)
        if key in self._formula_stack:
            raise self.error(f.name, "the formula refers to itself", "formula")
        self._formula_stack.add(key)
        try:
            sub = _SubScope(self, source, obj)
            return formula.compile_formula(f.opt("expression", ""), sub.resolve, self.dialect)
        except formula.FormulaError as exc:
            raise self.error(f.name, f"formula error: {exc.message}", "formula") from None
        finally:
            self._formula_stack.discard(key)

    def formula_operand(self, term: Term) -> formula.Typed:
        """A term as a formula operand: numbers as plain numerics, exact decimals unscaled."""
        kind = term.kind
        if kind in {"integer"}:
            return formula.Typed(term.expr, "number")
        if kind in {"decimal", "percent", "currency"}:
            if self.dialect == "sqlite":
                scale = term.field.opt("scale", 2) if term.field else 2
                return formula.Typed(cast(term.expr, Float) / (10**scale), "number")
            return formula.Typed(term.expr, "number")
        if kind == "formula_number":
            return formula.Typed(term.expr, "number")
        if kind in {"boolean", "date", "datetime"}:
            return formula.Typed(term.expr, kind)  # type: ignore[arg-type]
        if kind in {
            "text",
            "long_text",
            "email",
            "phone",
            "url",
            "picklist",
            "auto_number",
            "rich_text",
        }:
            return formula.Typed(term.expr, "text")
        raise formula.FormulaError(f"{term.path} ({kind}) cannot be used in a formula")


def _rollup_result(f: FieldDef, op: str, measured: FieldDef | None) -> tuple[str, FieldDef]:
    if op == "count" or measured is None:
        kind, config = "integer", {}
    elif measured.type in {"decimal", "percent", "currency"}:
        # A sum may pass the child's precision: the widest exact decimal, same scale.
        kind = "percent" if measured.type == "percent" else "decimal"
        config = {"precision": MAX_SQLITE_PRECISION, "scale": measured.opt("scale", 2)}
    else:
        kind, config = measured.type, {}
    return kind, FieldDef(
        object_name=f.object_name, name=f.name, type=kind, label=f.label, config=config
    )


@dataclass
class _SubScope:
    """Resolves formula references relative to the record the formula belongs to."""

    scope: QueryScope
    source: FromClause
    obj: ObjectDef

    def resolve(self, parts: tuple[str, ...]) -> formula.Typed:
        if self.source is self.scope.base:
            path = ".".join(parts)
        else:  # a formula on a joined record: find the prefix that leads to it
            prefix = next(p for p, (alias, _) in self.scope._joins.items() if alias is self.source)
            path = ".".join(prefix + parts)
        try:
            term = self.scope.resolve(self.scope.path_prefix + path)
        except ValidationFailed as exc:
            raise formula.FormulaError(exc.errors[0].message if exc.errors else str(exc)) from None
        return self.scope.formula_operand(term)
