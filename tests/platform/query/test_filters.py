"""The filter compiler on its own: operators by field type, NULLs, related records, errors,
the limits on paths and joins, and a reference evaluator the SQL must agree with — on
SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from guanxi.kernel.db import Database
from guanxi.kernel.errors import ValidationFailed
from guanxi.platform.access.actor import Actor
from guanxi.platform.access.users import create_user
from guanxi.platform.metadata.context import use_timezone
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.metadata.schemas import FieldIn, ObjectIn
from guanxi.platform.metadata.service import create_field, create_object
from guanxi.platform.query.filters import MAX_DEPTH, MAX_IN, MAX_NODES, FilterCompiler
from guanxi.platform.query.paths import MAX_JOINS, MAX_LOOKUPS, QueryScope
from guanxi.platform.records import service
from guanxi.platform.records.context import Ctx

NOW = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai, a Monday
TIERS = [{"value": "a", "label": {"en": "A"}}, {"value": "b", "label": {"en": "B"}}]
FIRM_FIELDS: list[dict[str, Any]] = [
    {"name": "name", "type": "text"},
    {"name": "size", "type": "integer"},
    {"name": "revenue", "type": "decimal", "precision": 12, "scale": 2},
    {"name": "founded", "type": "date"},
    {"name": "active", "type": "boolean"},
    {"name": "tier", "type": "picklist", "options": TIERS},
    {"name": "labels", "type": "tags"},
    {"name": "parent", "type": "lookup", "target": "firm"},
]
# acme ← globex ← initech ← umbrella (each the parent of the next); hooli stands alone.
FIRMS: list[dict[str, Any]] = [
    {"name": "acme", "size": 10, "revenue": "100.50", "founded": "2020-01-01", "active": True,
     "tier": "a", "labels": ["vip", "华东"]},
    {"name": "globex", "size": 200, "revenue": "0", "founded": "2024-06-30", "active": False,
     "tier": "b", "labels": ["vip"]},
    {"name": "initech"},
    {"name": "umbrella", "size": -5, "revenue": "-7.25", "founded": "2026-11-23", "active": True,
     "tier": "a", "labels": []},
    {"name": "hooli", "size": 7, "tier": "b"},
]  # fmt: skip
PEOPLE: list[tuple[str, int | None, str | None]] = [
    ("ann", 30, "acme"),
    ("bob", None, "globex"),
    ("cat", 41, "initech"),
    ("dan", 30, "umbrella"),
    ("eve", 25, None),
]


@dataclass
class Env:
    db: Database
    registry: Registry

    def scope(self, conn: Any, obj: str) -> QueryScope:
        snap = self.registry.snapshot(conn)
        return QueryScope(snap, snap.object(obj), conn.dialect.name)

    def names(self, flt: Any, obj: str = "firm") -> list[str]:
        """Names of the records of ``obj`` the filter matches, sorted."""
        with self.db.read() as conn, use_timezone("Asia/Shanghai"):
            scope = self.scope(conn, obj)
            predicate = FilterCompiler(scope, NOW).compile(flt)
            stmt = (
                select(scope.base.c.name)
                .select_from(scope.from_clause())
                .where(scope.base.c.deleted_at.is_(None), predicate)
            )
            return sorted(conn.execute(stmt).scalars())

    def refusal(self, flt: Any, obj: str = "firm") -> ValidationFailed:
        with self.db.read() as conn, pytest.raises(ValidationFailed) as raised:
            FilterCompiler(self.scope(conn, obj), NOW).compile(flt)
        return raised.value

    def sql(self, flt: Any, obj: str = "person") -> str:
        with self.db.read() as conn:
            scope = self.scope(conn, obj)
            predicate = FilterCompiler(scope, NOW).compile(flt)
            stmt = select(scope.base.c.id).select_from(scope.from_clause()).where(predicate)
            return str(stmt.compile(dialect=conn.dialect))


@pytest.fixture
def env(db: Database) -> Env:
    registry = Registry()
    with db.write() as conn:
        user_id = create_user(conn, email="u@example.com", name="U", password=None, now=NOW)
        create_object(conn, registry, ObjectIn(name="firm", label={"en": "Firm"}), now=NOW)
        for spec in FIRM_FIELDS:
            create_field(
                conn, registry, "firm", FieldIn(label={"en": spec["name"]}, **spec), now=NOW
            )
        create_object(conn, registry, ObjectIn(name="person", label={"en": "Person"}), now=NOW)
        for spec in [
            {"name": "name", "type": "text"},
            {"name": "age", "type": "integer"},
            {"name": "firm", "type": "lookup", "target": "firm"},
        ]:
            create_field(
                conn, registry, "person", FieldIn(label={"en": spec["name"]}, **spec), now=NOW
            )
        ctx = Ctx.open(conn, registry, Actor(user_id=user_id), NOW)
        ids: dict[str, str] = {}
        for firm in FIRMS:
            parent = {"acme": None, "globex": "acme", "initech": "globex", "umbrella": "initech"}
            row = {**firm, "parent": ids.get(parent.get(firm["name"]) or "")}
            ids[firm["name"]] = service.create_many(ctx, "firm", [row]).records[0]["id"]
        service.create_many(
            ctx,
            "person",
            [{"name": n, "age": age, "firm": ids.get(f or "")} for n, age, f in PEOPLE],
        )
    return Env(db, registry)


def cond(path: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"field": path, "op": op, "value": value}


# -- operators by type -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (cond("name", "eq", "acme"), ["acme"]),
        (cond("name", "ne", "acme"), ["globex", "hooli", "initech", "umbrella"]),
        (cond("name", "in", ["acme", "hooli", "nobody"]), ["acme", "hooli"]),
        (cond("name", "contains", "C"), ["acme", "initech"]),  # ASCII case ignored
        (cond("name", "starts_with", "glo"), ["globex"]),
        (cond("name", "ends_with", "ch"), ["initech"]),
        (cond("name", "contains", "%"), []),  # a wildcard is a literal
        (cond("size", "gt", 7), ["acme", "globex"]),
        (cond("size", "lte", 7), ["hooli", "umbrella"]),
        (cond("size", "between", [0, 10]), ["acme", "hooli"]),
        (cond("size", "eq", "10"), ["acme"]),  # converted with the field's rules
        (cond("size", "ne", 10), ["globex", "hooli", "initech", "umbrella"]),  # NULL is "not 10"
        (cond("size", "not_in", [10, 200]), ["hooli", "initech", "umbrella"]),
        (cond("size", "is_null", True), ["initech"]),
        (cond("size", "eq", None), ["initech"]),
        (cond("revenue", "gte", "0"), ["acme", "globex"]),
        (cond("revenue", "lt", 0), ["umbrella"]),
        (cond("founded", "gte", "2024-06-30"), ["globex", "umbrella"]),
        (cond("founded", "eq", "today"), ["umbrella"]),  # relative, in the user's zone
        (cond("founded", "between", ["2020-01-01", "today"]), ["acme", "globex", "umbrella"]),
        (cond("active", "eq", True), ["acme", "umbrella"]),
        (cond("active", "ne", True), ["globex", "hooli", "initech"]),
        (cond("tier", "in", ["b"]), ["globex", "hooli"]),
        (cond("labels", "in", ["vip"]), ["acme", "globex"]),
        (cond("labels", "contains", ["vip", "华东"]), ["acme"]),  # every value
        (cond("labels", "not_in", ["华东"]), ["globex", "hooli", "initech", "umbrella"]),
        (cond("labels", "is_null", True), ["hooli", "initech", "umbrella"]),  # [] is empty
        (cond("parent.name", "eq", "acme"), ["globex"]),
        (cond("parent.parent.parent.name", "eq", "acme"), ["umbrella"]),  # three lookups
        (cond("parent.size", "ne", 10), ["acme", "hooli", "initech", "umbrella"]),
        (cond("created_at", "eq", "today"), ["acme", "globex", "hooli", "initech", "umbrella"]),
        ({"and": []}, ["acme", "globex", "hooli", "initech", "umbrella"]),
        ({"or": []}, []),
        ({"not": cond("size", "gt", 7)}, ["hooli", "umbrella"]),  # NOT (NULL > 7) is not true
        (
            {"or": [cond("name", "eq", "acme"), {"and": [cond("size", "lt", 0)]}]},
            ["acme", "umbrella"],
        ),
    ],
)
def test_each_operator_matches_the_records_it_describes(
    env: Env, flt: dict[str, Any], expected: list[str]
) -> None:
    assert env.names(flt) == expected


# -- errors ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("flt", "field", "code", "words"),
    [
        ([], "filter", "invalid_filter", "must be an object"),
        ({"and": {}}, "filter", "invalid_filter", "takes a list"),
        ({"field": "name", "op": "eq", "value": 1, "x": 1}, "filter", "invalid_filter", "expected"),
        (cond("name", "like", "a"), "name", "invalid_filter", "unknown operator"),
        (cond("labels", "gt", "a"), "labels", "invalid_filter", "does not apply to a tags field"),
        (cond("size", "eq", "lots"), "size", "invalid_value", "'lots'"),
        (cond("size", "eq", True), "size", "invalid_value", ""),
        (cond("founded", "eq", "yesterday-ish"), "founded", "invalid_value", ""),
        (cond("size", "in", []), "size", "invalid_filter", f"1 to {MAX_IN} values"),
        (cond("size", "in", list(range(MAX_IN + 1))), "size", "invalid_filter", "values"),
        (cond("size", "between", [1]), "size", "invalid_filter", "[low, high]"),
        (cond("size", "is_null", "yes"), "size", "invalid_filter", "true or false"),
        (cond("name", "contains", ""), "name", "invalid_filter", "non-empty text"),
        (cond("size", "gt", None), "size", "invalid_filter", "needs a value"),
        (cond("nope", "eq", 1), "nope", "unknown_field", "no field"),
        (cond("parent", "contains", "x"), "parent", "invalid_filter", "does not apply"),
        (cond("name.first", "eq", "x"), "name.first", "unknown_field", "has no part"),
    ],
)
def test_a_bad_filter_names_the_field_and_the_reason(
    env: Env, flt: Any, field: str, code: str, words: str
) -> None:
    error = env.refusal(flt).errors[0]
    assert (error.field, error.code) == (field, code)
    assert words in error.message


def test_errors_say_where_in_the_tree_they_are(env: Env) -> None:
    refused = env.refusal({"and": [cond("name", "eq", "a"), {"not": cond("size", "eq", "x")}]})
    assert refused.extra["location"] == "filter.and[1].not"


def test_the_tree_is_bounded_in_conditions_nesting_and_list_values(env: Env) -> None:
    wide = {"or": [cond("name", "eq", str(i)) for i in range(MAX_NODES)]}
    assert f"more than {MAX_NODES} conditions" in env.refusal(wide).errors[0].message
    deep: dict[str, Any] = cond("name", "eq", "a")
    for _ in range(MAX_DEPTH + 1):
        deep = {"not": deep}
    assert f"more than {MAX_DEPTH} levels" in env.refusal(deep).errors[0].message
    many = {"or": [cond("size", "in", list(range(MAX_IN))) for _ in range(11)]}
    assert "more than 10000 values" in env.refusal(many).errors[0].message


# -- path and join limits ----------------------------------------------------------------
FOUR = "firm.parent.parent.parent.name"


@pytest.mark.parametrize(
    "flt",
    [
        cond(FOUR, "eq", "acme"),  # as a related-record subquery
        cond(FOUR, "ne", "acme"),  # through the query's joins
        {"not": cond(FOUR, "eq", "acme")},
        {"or": [cond("name", "eq", "ann"), cond(FOUR, "is_null", False)]},
        cond("firm.parent.parent.parent.parent.parent.parent.name", "eq", "acme"),
        cond("firm.parent.parent.parent.labels", "in", ["vip"]),
        cond("firm.parent.parent.parent.id", "eq", str(UUID(int=0))),
    ],
)
def test_no_filter_goes_through_more_than_three_lookups(env: Env, flt: dict[str, Any]) -> None:
    error = env.refusal(flt, "person").errors[0]
    assert error.code == "too_many_lookups"
    assert error.field.startswith("firm.parent.parent.parent.")
    assert f"at most {MAX_LOOKUPS}" in error.message


def test_three_lookups_reach_their_record_by_either_route(env: Env) -> None:
    path = "firm.parent.parent.name"  # dan → umbrella → initech → globex
    assert env.names(cond(path, "eq", "globex"), "person") == ["dan"]
    assert env.names({"not": {"not": cond(path, "eq", "globex")}}, "person") == ["dan"]


def test_too_deep_is_judged_before_names_so_it_reveals_none(env: Env) -> None:
    # Three lookups, a field and a part of it at most: six names are too many, whatever
    # they are, and the answer does not depend on whether ``secret`` exists.
    error = env.refusal(cond("secret.a.b.c.d.e", "eq", "x"), "person").errors[0]
    assert error.code == "too_many_lookups"


def test_an_or_of_conditions_through_lookups_is_bounded_in_tables(env: Env) -> None:
    """The shape that grew a PostgreSQL backend past 19 GB, at small scale: each condition
    on a related record is a subquery with its joins, so their number is bounded."""
    per_condition = 3  # a subquery for the firm, one in it for its parent, one for that's
    fits = MAX_JOINS // per_condition
    many = {"or": [cond("firm.parent.parent.name", "eq", f"n{i}") for i in range(fits)]}
    sql = env.sql(many).upper()
    assert sql.count("EXISTS") == fits * per_condition
    assert sql.count("O_FIRM AS") <= MAX_JOINS
    over = {"or": [*many["or"], cond("firm.parent.parent.name", "eq", "globex")]}
    error = env.refusal(over, "person").errors[0]
    assert (error.code, error.field) == ("too_many_joins", "firm.parent.parent.name")
    assert str(MAX_JOINS) in error.message


def test_joins_for_the_same_path_are_shared_and_not_counted_twice(env: Env) -> None:
    # Under NOT, conditions join; however many there are on one path, it is one join each.
    same = {"not": {"or": [cond("firm.parent.name", "eq", f"n{i}") for i in range(200)]}}
    # NOT (NULL = …) is not true: ann's firm has no parent and eve has no firm.
    assert env.names(same, "person") == ["bob", "cat", "dan"]
    assert env.sql(same).upper().count(" JOIN ") == 2


# -- agreement with a reference evaluator ------------------------------------------------
# Kleene logic as SQL has it: None is "unknown"; a record matches when the tree is True.
FIRM_ROWS = {f["name"]: f for f in FIRMS}
PARENT = {"globex": "acme", "initech": "globex", "umbrella": "initech"}


def _value(person: tuple[str, int | None, str | None], path: str) -> Any:
    name, age, firm = person
    if path == "name":
        return name
    if path == "age":
        return age
    steps = path.split(".")[1:]  # below firm.
    at = firm
    for _ in steps[:-1]:  # parents
        at = PARENT.get(at) if at else None
    return FIRM_ROWS[at].get(steps[-1]) if at else None


def _holds(op: str, actual: Any, value: Any) -> bool | None:
    if op == "is_null":
        return (actual is None) == value
    if op == "ne":
        return actual is None or actual != value
    if op == "not_in":
        return actual is None or actual not in value
    if actual is None:
        return None
    if op == "eq":
        return bool(actual == value)
    if op == "in":
        return actual in value
    if op == "lt":
        return bool(actual < value)
    if op == "gt":
        return bool(actual > value)
    assert op == "contains"
    return value.lower() in actual.lower()


def evaluate(node: dict[str, Any], person: tuple[str, int | None, str | None]) -> bool | None:
    if "and" in node:
        results = [evaluate(child, person) for child in node["and"]]
        return False if False in results else (None if None in results else True)
    if "or" in node:
        results = [evaluate(child, person) for child in node["or"]]
        return True if True in results else (None if None in results else False)
    if "not" in node:
        inner = evaluate(node["not"], person)
        return None if inner is None else not inner
    return _holds(node["op"], _value(person, node["field"]), node["value"])


TEXTS = st.sampled_from(["acme", "globex", "initech", "umbrella", "ann", "e", "zz"])
NUMBERS = st.sampled_from([-5, 0, 7, 10, 25, 30, 200])


def _conditions() -> st.SearchStrategy[dict[str, Any]]:
    text_paths = st.sampled_from(["name", "firm.name", "firm.parent.name"])
    number_paths = st.sampled_from(["age", "firm.size", "firm.parent.parent.size"])
    return st.one_of(
        st.builds(cond, text_paths, st.sampled_from(["eq", "ne", "contains"]), TEXTS),
        st.builds(cond, text_paths, st.sampled_from(["in", "not_in"]), st.lists(TEXTS, min_size=1)),
        st.builds(cond, number_paths, st.sampled_from(["eq", "ne", "lt", "gt"]), NUMBERS),
        st.builds(
            cond, number_paths, st.sampled_from(["in", "not_in"]), st.lists(NUMBERS, min_size=1)
        ),
        st.builds(cond, st.one_of(text_paths, number_paths), st.just("is_null"), st.booleans()),
    )


TREES = st.recursive(
    _conditions(),
    lambda children: st.one_of(
        st.builds(lambda c: {"and": c}, st.lists(children, max_size=3)),
        st.builds(lambda c: {"or": c}, st.lists(children, max_size=3)),
        st.builds(lambda c: {"not": c}, children),
    ),
    max_leaves=6,
)


def test_the_sql_matches_what_the_reference_evaluator_says(env: Env) -> None:
    @given(TREES)
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def agree(tree: dict[str, Any]) -> None:
        expected = sorted(p[0] for p in PEOPLE if evaluate(tree, p) is True)
        assert env.names(tree, "person") == expected, tree

    agree()
