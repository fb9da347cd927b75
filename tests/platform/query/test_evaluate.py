"""The filter tree decided in Python agrees with the SQL the compiler makes, on SQLite and
PostgreSQL: every operator of every field type, against records with empty, boundary and
ordinary values, alone and combined with and / or / not. Automation rules decide a
written record in Python and sweep many in SQL; a disagreement would make a rule fire in
one and not the other."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from guanxi.kernel.db import Database
from guanxi.platform.access.actor import SYSTEM
from guanxi.platform.metadata.context import use_timezone
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.metadata.schemas import FieldIn, ObjectIn
from guanxi.platform.metadata.service import create_field, create_object
from guanxi.platform.query.evaluate import RecordMatcher
from guanxi.platform.query.paths import QueryScope
from guanxi.platform.records import reader, service
from guanxi.platform.records.context import Ctx, record_values

NOW = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai, a Monday
ZONE = ZoneInfo("Asia/Shanghai")


def _options(*values: str) -> list[dict[str, Any]]:
    return [{"value": v, "label": {"en": v}} for v in values]


FIELDS = [
    FieldIn(name="name", label={"en": "Name"}, type="text"),
    FieldIn(
        name="level", label={"en": "Level"}, type="picklist", options=_options("a", "b", "key")
    ),
    FieldIn(name="amount", label={"en": "Amount"}, type="decimal", scale=2),
    FieldIn(name="seats", label={"en": "Seats"}, type="integer"),
    FieldIn(name="signed", label={"en": "Signed"}, type="date"),
    FieldIn(name="seen_at", label={"en": "Seen"}, type="datetime"),
    FieldIn(name="vip", label={"en": "VIP"}, type="boolean"),
    FieldIn(name="price", label={"en": "Price"}, type="currency"),
    FieldIn(
        name="tags", label={"en": "Tags"}, type="multi_picklist", options=_options("x", "y", "z")
    ),
    FieldIn(name="email", label={"en": "E-mail"}, type="email"),
]

RECORDS: list[dict[str, Any]] = [
    {
        "name": "Alpha 华为",
        "level": "key",
        "amount": "100.00",
        "seats": 5,
        "signed": "2026-12-07",
        "seen_at": "2026-12-07T09:00:00+08:00",
        "vip": True,
        "price": {"amount": "99.50", "currency": "CNY"},
        "tags": ["x", "y"],
        "email": "sales@alpha.cn",
    },
    {
        "name": "beta",
        "level": "a",
        "amount": "0",
        "seats": 0,
        "signed": "2026-11-30",
        "seen_at": "2026-12-06T23:59:59+08:00",
        "vip": False,
        "price": {"amount": "100", "currency": "USD"},
        "tags": ["z"],
        "email": "BETA@Example.COM",
    },
    {
        "name": "Gamma",
        "level": "b",
        "amount": "-5.25",
        "seats": 100,
        "signed": "2027-01-01",
        "seen_at": "2026-12-08T00:00:00+08:00",
        "tags": [],
    },
    {
        "name": "字节跳动（北京）",
        "amount": "100",
        "signed": "2026-12-13",
        "seen_at": "2026-12-01T00:00:00+08:00",
        "vip": True,
    },
    {},  # every field empty
    {"name": "%_\\ odd", "level": "key", "seats": -1, "tags": ["x"]},
]

CONDITIONS: list[Any] = [
    *(
        {"field": "name", "op": op, "value": v}
        for op in ("eq", "ne")
        for v in ("beta", "Beta", None)
    ),
    *(
        {"field": "name", "op": op, "value": v}
        for op in ("contains", "starts_with", "ends_with")
        for v in ("a", "ALPHA", "华为", "%_", "京）", "\\")
    ),
    {"field": "name", "op": "in", "value": ["beta", "Gamma", "nobody"]},
    {"field": "name", "op": "not_in", "value": ["beta", "Gamma"]},
    *(
        {"field": f, "op": "is_null", "value": v}
        for f in ("name", "level", "amount", "signed", "vip", "price", "tags", "email")
        for v in (True, False)
    ),
    *({"field": "level", "op": op, "value": "key"} for op in ("eq", "ne")),
    {"field": "level", "op": "in", "value": ["a", "b"]},
    {"field": "level", "op": "not_in", "value": ["key"]},
    *(
        {"field": "amount", "op": op, "value": v}
        for op in ("eq", "ne", "lt", "lte", "gt", "gte")
        for v in ("100", "0", "-5.25", 100)
    ),
    {"field": "amount", "op": "between", "value": ["0", "100"]},
    {"field": "amount", "op": "in", "value": ["100.00", "-5.25"]},
    {"field": "amount", "op": "not_in", "value": ["100"]},
    *({"field": "seats", "op": op, "value": 5} for op in ("eq", "ne", "lt", "lte", "gt", "gte")),
    {"field": "seats", "op": "between", "value": [0, 5]},
    *(
        {"field": "signed", "op": op, "value": v}
        for op in ("eq", "ne", "lt", "lte", "gt", "gte")
        for v in (
            "2026-12-07",
            "today",
            "this_week",
            "last_week",
            "next_month",
            "last_n_days:7",
            "next_n_days:7",
        )
    ),
    {"field": "signed", "op": "between", "value": ["2026-12-01", "2026-12-31"]},
    {"field": "signed", "op": "between", "value": ["last_month", "this_month"]},
    {"field": "signed", "op": "between", "value": ["2026-12-01", "next_week"]},
    *(
        {"field": "seen_at", "op": op, "value": v}
        for op in ("eq", "ne", "lt", "gte")
        for v in ("today", "yesterday", "this_month", "2026-12-07T09:00:00+08:00")
    ),
    {
        "field": "seen_at",
        "op": "between",
        "value": ["2026-12-01T00:00:00+08:00", "2026-12-07T23:00:00+08:00"],
    },
    *({"field": "vip", "op": op, "value": v} for op in ("eq", "ne") for v in (True, False)),
    *({"field": "price", "op": op, "value": "99.50"} for op in ("eq", "lt", "gte")),
    {"field": "price.currency", "op": "eq", "value": "CNY"},
    {"field": "price.currency", "op": "ne", "value": "CNY"},
    *(
        {"field": "tags", "op": op, "value": v}
        for op in ("contains", "in", "not_in")
        for v in ("x", ["x", "y"], ["z", "x"])
    ),
    {"field": "email", "op": "ends_with", "value": "example.com"},
    {"field": "email", "op": "eq", "value": "sales@alpha.cn"},
    {"field": "created_at", "op": "eq", "value": "today"},
    {"field": "version", "op": "eq", "value": 1},
    {"field": "owner_id", "op": "is_null", "value": True},
    {"and": []},
    {"or": []},
    {
        "and": [
            {"field": "level", "op": "eq", "value": "key"},
            {"field": "vip", "op": "eq", "value": True},
        ]
    },
    {
        "or": [
            {"field": "amount", "op": "gt", "value": "50"},
            {"not": {"field": "tags", "op": "in", "value": ["x"]}},
        ]
    },
    {"not": {"field": "name", "op": "contains", "value": "a"}},
    {
        "not": {
            "or": [
                {"field": "seats", "op": "lt", "value": 1},
                {"field": "level", "op": "is_null", "value": True},
            ]
        }
    },
]


@pytest.fixture
def things(db: Database) -> Iterator[tuple[Database, Registry]]:
    registry = Registry()
    with db.write() as conn:
        create_object(conn, registry, ObjectIn(name="thing", label={"en": "Thing"}), now=NOW)
        for f in FIELDS:
            create_field(conn, registry, "thing", f, now=NOW)
        ctx = Ctx.open(conn, registry, SYSTEM, NOW)
        service.create_many(ctx, "thing", RECORDS)
    with use_timezone("Asia/Shanghai"):
        yield db, registry


def test_python_and_sql_agree_on_every_condition(things: tuple[Database, Registry]) -> None:
    db, registry = things
    with db.read() as conn:
        snap = registry.snapshot(conn)
        obj = snap.object("thing")
        rows = {
            row.id: record_values(obj, row._mapping)
            for row in conn.execute(snap.table("thing").select())
        }
        assert len(rows) == len(RECORDS)
        matcher = RecordMatcher(QueryScope(snap, obj, conn.dialect.name), NOW)
        disagreements = []
        for tree in CONDITIONS:
            matcher.check(tree)
            assert matcher.can_decide(tree), tree
            page = reader.query(conn, snap, obj, ZONE, NOW, filter=tree, limit=100, fields=["id"])
            in_sql = {r["id"] for r in page.records}
            in_python = {str(i) for i, values in rows.items() if matcher.matches(tree, values)}
            if in_sql != in_python:
                names = {str(i): v.get("name") for i, v in rows.items()}
                disagreements.append((tree, sorted(names[i] or "" for i in in_sql ^ in_python)))
        assert disagreements == []


def test_what_python_leaves_to_sql(things: tuple[Database, Registry]) -> None:
    db, registry = things
    with db.read() as conn:
        snap = registry.snapshot(conn)
        matcher = RecordMatcher(QueryScope(snap, snap.object("thing"), conn.dialect.name), NOW)
        text_order = {"field": "name", "op": "lt", "value": "m"}  # collations differ
        assert not matcher.can_decide(text_order)
        assert not matcher.can_decide(
            {"and": [{"field": "vip", "op": "eq", "value": True}, text_order]}
        )
        assert matcher.can_decide({"field": "amount", "op": "lt", "value": "5"})
        assert matcher.can_decide(None) and matcher.matches(None, {})
