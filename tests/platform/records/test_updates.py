"""Bulk updates: the same few statements for 10 records or 300, and each row judged alone."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from guanxi.kernel.db import Database
from guanxi.platform.access.actor import SYSTEM
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.metadata.schemas import FieldIn, ObjectIn
from guanxi.platform.metadata.service import create_field, create_object
from guanxi.platform.records import reads, service, updates
from guanxi.platform.records.context import Ctx
from tests.statements import count_queries

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)


@pytest.fixture
def shops(db: Database) -> tuple[Database, Registry]:
    """shop (unique code, searchable name) ← branch.shop (lookup)."""
    registry = Registry()
    with db.write() as conn:
        for name in ("shop", "branch"):
            create_object(conn, registry, ObjectIn(name=name, label={"en": name}), now=NOW)
        for obj, spec in (
            ("shop", FieldIn(name="name", label={"en": "Name"}, type="text", searchable=True)),
            ("shop", FieldIn(name="code", label={"en": "Code"}, type="text", unique=True)),
            ("shop", FieldIn(name="seats", label={"en": "Seats"}, type="integer")),
            ("branch", FieldIn(name="name", label={"en": "Name"}, type="text")),
            ("branch", FieldIn(name="shop", label={"en": "Shop"}, type="lookup", target="shop")),
        ):
            create_field(conn, registry, obj, spec, now=NOW)
    return db, registry


def _bulk_rename(db: Database, registry: Registry, count: int) -> int:
    """Statements a bulk update of ``count`` branches (name, lookup) and shops costs."""
    with db.write() as conn:
        ctx = Ctx.open(conn, registry, SYSTEM, NOW)
        shops = service.create_many(
            ctx, "shop", [{"name": f"s{n}", "code": f"c{count}-{n}"} for n in range(count)]
        ).records
        branches = service.create_many(
            ctx, "branch", [{"name": f"b{n}"} for n in range(count)]
        ).records
    with db.write() as conn, count_queries(db) as statements:
        ctx = Ctx.open(conn, registry, SYSTEM, NOW)
        updates.update_many(
            ctx,
            "shop",
            [
                {"id": s["id"], "version": 1, "name": f"renamed {n}", "code": f"d{count}-{n}"}
                for n, s in enumerate(shops)
            ],
        )
        updates.update_many(
            ctx,
            "branch",
            [
                {"id": b["id"], "version": 1, "shop": shops[n]["id"]}
                if n % 2
                else {"id": b["id"], "version": 1, "name": "odd one"}
                for n, b in enumerate(branches)
            ],
        )
    return len(statements)


def test_a_bulk_update_costs_the_same_statements_for_ten_records_or_three_hundred(
    shops: tuple[Database, Registry],
) -> None:
    db, registry = shops
    few = _bulk_rename(db, registry, 10)
    many = _bulk_rename(db, registry, 300)
    assert many == few, (few, many)
    assert few <= 20  # two calls: lock, checks, one UPDATE per column set, history, read-back


def test_each_row_of_a_partial_bulk_update_is_judged_alone(
    shops: tuple[Database, Registry],
) -> None:
    db, registry = shops
    with db.write() as conn:
        ctx = Ctx.open(conn, registry, SYSTEM, NOW)
        a, b, c = service.create_many(
            ctx, "shop", [{"name": n, "code": n} for n in ("a", "b", "c")]
        ).records
        result = updates.update_many(
            ctx,
            "shop",
            [
                {"id": a["id"], "version": 1, "seats": 5},
                {"id": b["id"], "version": 2, "seats": 6},  # stale
                {"id": c["id"], "version": 1, "code": "a"},  # a's code
                {"id": a["id"], "version": 1, "seats": 7},  # twice in one call
                {"id": "not-an-id"},
            ],
            all_or_none=False,
        )
        assert [r["id"] for r in result.records] == [a["id"]]
        assert [(e.index, e.field, e.code) for e in result.errors] == [
            (1, "version", "stale"),
            (2, "code", "duplicate"),
            (3, "id", "duplicate"),
            (4, "id", "type"),
        ]
        assert reads.get_record(ctx, "shop", UUID(a["id"]))["seats"] == 5
        assert reads.get_record(ctx, "shop", UUID(c["id"]))["code"] == "c"


def test_a_create_is_in_the_history_and_on_postgresql_still_one_statement(
    shops: tuple[Database, Registry],
) -> None:
    db, registry = shops
    with db.write() as conn:
        ctx = Ctx.open(conn, registry, SYSTEM, NOW)
        with count_queries(db) as statements:
            shop = service.create(ctx, "shop", {"name": "静安店"})
    if db.engine.dialect.name == "postgresql":
        assert len(statements) == 1, statements  # the record, its queue row, its history
    with db.read() as conn:
        entries = reads.history(Ctx.open(conn, registry, SYSTEM, NOW), "shop", UUID(shop["id"]))
    assert [e["action"] for e in entries] == ["create"]
    assert entries[0]["changed_at"].startswith("2026-12-06T10:00:00")
