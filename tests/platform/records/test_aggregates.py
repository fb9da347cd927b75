"""Totals per group: exact decimal sums and averages on both databases, within the data
scope, and the ``_access`` columns a read adds."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection

from guanxi.kernel.db import Database
from guanxi.platform.access import org
from guanxi.platform.access.policy import SUPERUSER, Policy, load_policy
from guanxi.platform.access.users import create_user
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.metadata.schemas import FieldIn, ObjectIn
from guanxi.platform.metadata.service import create_field, create_object
from guanxi.platform.records import aggregates
from guanxi.platform.records.aggregates import Measure
from guanxi.platform.records.reader import access_columns

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


@pytest.fixture
def rates(db: Database) -> tuple[Registry, UUID]:
    """A ``rate`` object (kind picklist, value decimal(18, 4)) and a rep who reads his own."""
    registry = Registry()
    with db.write() as conn:
        create_object(conn, registry, ObjectIn(name="rate", label={"en": "Rate"}), now=NOW)
        for spec in (
            FieldIn(
                name="kind",
                label={"en": "Kind"},
                type="picklist",
                options=[{"value": "b"}, {"value": "a"}],
            ),
            FieldIn(name="value", label={"en": "Value"}, type="decimal", precision=18, scale=4),
        ):
            create_field(conn, registry, "rate", spec, now=NOW)
        rep = create_user(conn, email="rep@example.com", name="rep", password=None, now=NOW)
        role = org.create_role(
            conn,
            registry.snapshot(conn),
            name="rates own",
            objects={"rate": {"read": True, "update": True, "scope": "own"}},
            fields={},
            rights=[],
            require_2fa=False,
            description=None,
            now=NOW,
        )
        org.set_roles(conn, rep, [role])
        table = registry.snapshot(conn).table("rate")
        rows = [
            ("a", Decimal("0.1000"), rep),
            ("a", Decimal("0.2000"), None),
            ("a", Decimal("12345678901234.0001"), None),
            ("b", Decimal("0.0001"), rep),
            ("b", Decimal("0.0002"), rep),
            (None, None, None),
        ]
        for i, (kind, value, owner) in enumerate(rows):
            conn.execute(
                table.insert().values(
                    id=UUID(int=i + 1),
                    version=1,
                    created_at=NOW,
                    updated_at=NOW,
                    owner_id=owner,
                    kind=kind,
                    value=value,
                )
            )
    return registry, rep


def _totals(conn: Connection, registry: Registry, policy: Policy) -> aggregates.Aggregates:
    snap = registry.snapshot(conn)
    return aggregates.aggregate(
        conn,
        snap,
        snap.object("rate"),
        ZoneInfo("UTC"),
        NOW,
        group_by=["kind"],
        measures=[Measure("count"), Measure("sum", "value"), Measure("avg", "value")],
        policy=policy,
    )


def test_sums_and_averages_are_exact_and_groups_follow_the_picklist(
    db: Database, rates: tuple[Registry, UUID]
) -> None:
    registry, _ = rates
    with db.read() as conn:
        result = _totals(conn, registry, SUPERUSER)
    assert [(g.key, g.values) for g in result.groups] == [
        (["b"], {"count": 2, "sum_value": "0.0003", "avg_value": "0.0002"}),  # half-even
        (
            ["a"],
            {
                "count": 3,
                "sum_value": "12345678901234.3001",
                "avg_value": "4115226300411.4334",
            },
        ),
        ([None], {"count": 1, "sum_value": "0.0000", "avg_value": None}),
    ]
    assert result.truncated is False


def test_a_reps_totals_cover_only_their_scope(db: Database, rates: tuple[Registry, UUID]) -> None:
    registry, rep = rates
    with db.read() as conn:
        result = _totals(conn, registry, load_policy(conn, rep, superuser=False))
    assert [(g.key, g.values["sum_value"]) for g in result.groups] == [
        (["b"], "0.0003"),
        (["a"], "0.1000"),
    ]


def test_access_columns_are_constants_where_every_row_gets_the_same_answer(
    db: Database, rates: tuple[Registry, UUID]
) -> None:
    registry, rep = rates
    with db.read() as conn:
        snap = registry.snapshot(conn)
        obj, table = snap.object("rate"), snap.table("rate")
        everything = access_columns(SUPERUSER, obj, table)
        assert everything.columns == [] and set(everything.constants.values()) == {True}
        read_only = access_columns(SUPERUSER, obj, table, can_write=False)
        assert read_only.columns == [] and set(read_only.constants.values()) == {False}
        mine = access_columns(load_policy(conn, rep, superuser=False), obj, table)
        # No role deletes: a constant; update and share depend on the row.
        assert mine.constants == {"delete": False}
        assert [c.name for c in mine.columns] == ["_a_update", "_a_share"]
