"""A list's total: exact up to the count limit, "at least" beyond it, always within the
reader's data scope and filter (ADR 0019)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import event

from guanxi.kernel.db import Database
from guanxi.platform.access import org
from guanxi.platform.access.actor import SYSTEM, Actor
from guanxi.platform.access.policy import load_policy
from guanxi.platform.access.users import create_user
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.metadata.schemas import FieldIn, ObjectIn
from guanxi.platform.metadata.service import create_field, create_object
from guanxi.platform.records import deletion, reads, service
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.reader import Page

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


@pytest.fixture
def visits(db: Database) -> tuple[Database, Registry, dict[str, UUID]]:
    """A ``visit`` object (name, minutes); rep_zhang reads only the visits he owns."""
    registry = Registry()
    with db.write() as conn:
        create_object(conn, registry, ObjectIn(name="visit", label={"en": "Visit"}), now=NOW)
        for spec in (
            FieldIn(name="name", label={"en": "Name"}, type="text"),
            FieldIn(name="minutes", label={"en": "Minutes"}, type="integer"),
        ):
            create_field(conn, registry, "visit", spec, now=NOW)
        users = {
            name: create_user(conn, email=f"{name}@example.com", name=name, password=None, now=NOW)
            for name in ("rep_zhang", "rep_liu")
        }
        role = org.create_role(
            conn,
            registry.snapshot(conn),
            name="visits own",
            objects={"visit": {"create": True, "read": True, "update": True, "scope": "own"}},
            fields={},
            rights=[],
            require_2fa=False,
            description=None,
            now=NOW,
        )
        org.set_roles(conn, users["rep_zhang"], [role])
    return db, registry, users


@contextmanager
def _as(
    db: Database, registry: Registry, user_id: UUID | None, *, write: bool = False
) -> Iterator[Ctx]:
    with db.write() if write else db.read() as conn:
        actor = (
            SYSTEM
            if user_id is None
            else Actor(user_id=user_id, policy=load_policy(conn, user_id, superuser=False))
        )
        yield Ctx.open(conn, registry, actor, NOW)


def _add(
    db: Database, registry: Registry, owner: UUID, count: int, *, minutes: int = 30
) -> list[UUID]:
    with _as(db, registry, None, write=True) as ctx:
        return [
            UUID(
                service.create(
                    ctx,
                    "visit",
                    {"name": f"v{i}", "minutes": minutes, "owner_id": str(owner)},
                )["id"]
            )
            for i in range(count)
        ]


def _page(db: Database, registry: Registry, user_id: UUID | None, limit: int, **query: Any) -> Page:
    with _as(db, registry, user_id) as ctx:
        return reads.list_records(
            ctx, "visit", with_total=True, count_limit=limit, limit=2, **query
        )


def _total(page: Page) -> tuple[int | None, str | None]:
    return page.total, page.total_relation


def test_below_the_limit_the_total_is_exact_within_scope_filter_and_bin(
    visits: tuple[Database, Registry, dict[str, UUID]],
) -> None:
    db, registry, users = visits
    zhang, liu = users["rep_zhang"], users["rep_liu"]
    mine = _add(db, registry, zhang, 4, minutes=30) + _add(db, registry, zhang, 2, minutes=90)
    _add(db, registry, liu, 7)
    with _as(db, registry, None, write=True) as ctx:
        deletion.delete_record(ctx, "visit", mine[0])

    as_zhang = _page(db, registry, zhang, 100)
    assert _total(as_zhang) == (5, "eq") and as_zhang.total_estimate is None
    long_ones = {"field": "minutes", "op": "gte", "value": 60}
    assert _total(_page(db, registry, zhang, 100, filter=long_ones)) == (2, "eq")
    assert _total(_page(db, registry, None, 100)) == (12, "eq")
    assert _total(_page(db, registry, None, 100, deleted=True)) == (1, "eq")


def test_at_the_limit_the_total_is_exact_and_past_it_at_least_the_limit(
    visits: tuple[Database, Registry, dict[str, UUID]],
) -> None:
    db, registry, users = visits
    _add(db, registry, users["rep_liu"], 5)
    assert _total(_page(db, registry, None, 5)) == (5, "eq")
    assert _total(_page(db, registry, None, 4)) == (4, "gte")
    past = _page(db, registry, None, 3)
    assert _total(past) == (3, "gte")
    if db.engine.dialect.name == "postgresql":
        assert past.total_estimate is not None and past.total_estimate >= 4
    else:  # SQLite has no row estimate to offer
        assert past.total_estimate is None
    assert len(past.records) == 2 and past.next_cursor is not None  # the page is unchanged


def test_the_estimate_binds_the_filters_and_scopes_parameters(
    visits: tuple[Database, Registry, dict[str, UUID]],
) -> None:
    db, registry, users = visits
    _add(db, registry, users["rep_zhang"], 6, minutes=45)
    _add(db, registry, users["rep_zhang"], 2, minutes=10)
    flt = {
        "and": [
            {"field": "minutes", "op": "eq", "value": 45},
            {"field": "name", "op": "starts_with", "value": "v"},
        ]
    }
    assert _total(_page(db, registry, users["rep_zhang"], 6, filter=flt)) == (6, "eq")
    page = _page(db, registry, users["rep_zhang"], 2, filter=flt)
    assert _total(page) == (2, "gte")
    if db.engine.dialect.name == "postgresql":
        assert page.total_estimate is not None and page.total_estimate >= 3


def test_a_reps_total_never_counts_records_outside_their_scope(
    visits: tuple[Database, Registry, dict[str, UUID]],
) -> None:
    db, registry, users = visits
    zhang, liu = users["rep_zhang"], users["rep_liu"]
    _add(db, registry, liu, 10)
    _add(db, registry, zhang, 3)
    assert _total(_page(db, registry, zhang, 3)) == (3, "eq")
    assert _total(_page(db, registry, None, 3)) == (3, "gte")
    _add(db, registry, zhang, 1)
    past = _page(db, registry, zhang, 3)
    assert _total(past) == (3, "gte")
    assert _total(_page(db, registry, zhang, 4)) == (4, "eq")
    if db.engine.dialect.name == "postgresql":
        assert past.total_estimate is not None and past.total_estimate >= 4


def test_the_total_follows_creates_and_deletes(
    visits: tuple[Database, Registry, dict[str, UUID]],
) -> None:
    db, registry, users = visits
    zhang = users["rep_zhang"]
    created = _add(db, registry, zhang, 2)
    assert _total(_page(db, registry, zhang, 3)) == (2, "eq")
    created += _add(db, registry, zhang, 2)
    assert _total(_page(db, registry, zhang, 3)) == (3, "gte")
    with _as(db, registry, None, write=True) as ctx:
        deletion.delete_record(ctx, "visit", created[0])
    assert _total(_page(db, registry, zhang, 3)) == (3, "eq")
    with _as(db, registry, None, write=True) as ctx:
        deletion.delete_record(ctx, "visit", created[1])
    assert _total(_page(db, registry, zhang, 3)) == (2, "eq")


def test_the_total_counts_the_whole_filter_whatever_the_cursor(
    visits: tuple[Database, Registry, dict[str, UUID]],
) -> None:
    db, registry, users = visits
    _add(db, registry, users["rep_zhang"], 5)
    first = _page(db, registry, None, 10)
    second = _page(db, registry, None, 10, cursor=first.next_cursor)
    last = _page(db, registry, None, 10, cursor=second.next_cursor)
    assert [_total(p) for p in (first, second, last)] == [(5, "eq")] * 3
    assert last.next_cursor is None and len(last.records) == 1


def test_without_a_total_nothing_is_counted(
    visits: tuple[Database, Registry, dict[str, UUID]],
) -> None:
    db, registry, users = visits
    _add(db, registry, users["rep_zhang"], 3)
    with _as(db, registry, None) as ctx:
        page = reads.list_records(ctx, "visit", count_limit=1)
    assert (page.total, page.total_relation, page.total_estimate) == (None, None, None)


def test_a_first_page_holding_every_match_is_its_own_total(
    visits: tuple[Database, Registry, dict[str, UUID]],
) -> None:
    db, registry, users = visits
    _add(db, registry, users["rep_zhang"], 3)
    _add(db, registry, users["rep_liu"], 4)
    counts: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        if "count(" in statement.lower():
            counts.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        with _as(db, registry, users["rep_zhang"]) as ctx:
            page = reads.list_records(ctx, "visit", with_total=True, limit=10)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert (len(page.records), page.total, page.total_relation) == (3, 3, "eq")
    assert counts == []  # the page's own rows were the count
