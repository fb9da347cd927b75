"""Roll-ups stay exact: after any sequence of child writes through the records service,
each parent's roll-up equals an aggregate worked out afresh from the stored children."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from guanxi.kernel.db import Database
from guanxi.platform.access.actor import SYSTEM
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.metadata.schemas import FieldIn, ObjectIn
from guanxi.platform.metadata.service import create_field, create_object
from guanxi.platform.query.check import check_formula
from guanxi.platform.records import deletion, reader, service, updates
from guanxi.platform.records.context import Ctx

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
PARENTS = 3
ROLLUPS: dict[str, dict[str, Any]] = {
    "payments": {"op": "count"},
    "collected": {"op": "sum", "field": "amount"},
    "smallest": {"op": "min", "field": "amount"},
    "largest": {"op": "max", "field": "amount"},
    "fewest_items": {"op": "min", "field": "items"},
    # Only the cleared ones: the filter is part of the aggregate.
    "cleared_sum": {
        "op": "sum",
        "field": "items",
        "filter": {"field": "cleared", "op": "eq", "value": True},
    },
}


def _define(db: Database) -> Registry:
    registry = Registry()
    with db.write() as conn:
        for name in ("contract", "payment"):
            create_object(conn, registry, ObjectIn(name=name, label={"en": name}), now=NOW)
            create_field(
                conn,
                registry,
                name,
                FieldIn(name="name", label={"en": "Name"}, type="text"),
                now=NOW,
            )
        for spec in (
            FieldIn(name="contract", label={"en": "Contract"}, type="lookup", target="contract"),
            FieldIn(name="amount", label={"en": "Amount"}, type="decimal", scale=2),
            FieldIn(name="items", label={"en": "Items"}, type="integer"),
            FieldIn(name="cleared", label={"en": "Cleared"}, type="boolean"),
        ):
            create_field(conn, registry, "payment", spec, now=NOW)
        for name, rollup in ROLLUPS.items():
            create_field(
                conn,
                registry,
                "contract",
                FieldIn(
                    name=name,
                    label={"en": name},
                    type="rollup",
                    rollup={"object": "payment", "lookup": "contract", **rollup},
                ),
                now=NOW,
                formula_check=check_formula,
            )
    return registry


amounts = st.none() | st.decimals(
    min_value=Decimal("-1000"), max_value=Decimal("1000"), places=2, allow_nan=False
)
items = st.none() | st.integers(min_value=-50, max_value=50)
parent = st.integers(min_value=0, max_value=PARENTS - 1)
child = st.integers(min_value=0, max_value=30)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("create"), parent, amounts, items, st.booleans()),
        st.tuples(st.just("update"), child, amounts, items, st.booleans()),
        st.tuples(st.just("move"), child, st.none() | parent),
        st.tuples(st.just("delete"), child),
        st.tuples(st.just("restore"), child),
        st.tuples(st.just("purge"), child),
    ),
    min_size=1,
    max_size=25,
)


def _expected(rows: list[Any], contract: UUID) -> dict[str, Any]:
    """The roll-ups worked out in Python from the stored child rows."""
    live = [r for r in rows if r.contract == contract and r.deleted_at is None]
    money = [r.amount for r in live if r.amount is not None]
    counts = [r.items for r in live if r.items is not None]
    cleared = [r.items for r in live if r.items is not None and r.cleared is True]
    return {
        "payments": len(live),
        "collected": sum(money, Decimal("0.00")),
        "smallest": min(money, default=None),
        "largest": max(money, default=None),
        "fewest_items": min(counts, default=None),
        "cleared_sum": sum(cleared),
    }


def _shown(record: dict[str, Any]) -> dict[str, Any]:
    def number(value: Any) -> Any:
        return None if value is None else Decimal(value)

    return {
        "payments": record["payments"],
        "collected": number(record["collected"]),
        "smallest": number(record["smallest"]),
        "largest": number(record["largest"]),
        "fewest_items": record["fewest_items"],
        "cleared_sum": record["cleared_sum"],
    }


def test_rollups_equal_a_fresh_aggregate_after_any_child_writes(db: Database) -> None:
    registry = _define(db)

    @given(steps)
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    def run(plan: list[tuple[Any, ...]]) -> None:
        with db.write() as conn:
            ctx = Ctx.open(conn, registry, SYSTEM, NOW)
            contracts = [
                UUID(service.create(ctx, "contract", {"name": f"c{i}"})["id"])
                for i in range(PARENTS)
            ]
            children: list[UUID] = []
            deleted: set[UUID] = set()
            for step in plan:
                kind = step[0]
                if kind == "create":
                    _, p, amount, count, cleared = step
                    data = {"name": "p", "contract": str(contracts[p]), "amount": amount}
                    data |= {"items": count, "cleared": cleared}
                    children.append(UUID(service.create(ctx, "payment", data)["id"]))
                    continue
                if not children:
                    continue
                target = children[step[1] % len(children)]
                if kind in {"update", "move"} and target not in deleted:
                    change: dict[str, Any] = (
                        {"amount": step[2], "items": step[3], "cleared": step[4]}
                        if kind == "update"
                        else {"contract": None if step[2] is None else str(contracts[step[2]])}
                    )
                    payments = ctx.snap.table("payment")
                    version = conn.execute(
                        select(payments.c.version).where(payments.c.id == target)
                    ).scalar()
                    updates.update_record(ctx, "payment", target, change, expected_version=version)
                elif kind == "delete" and target not in deleted:
                    deletion.delete_record(ctx, "payment", target)
                    deleted.add(target)
                elif kind == "restore" and target in deleted:
                    deletion.restore_record(ctx, "payment", target)
                    deleted.discard(target)
                elif kind == "purge" and target in deleted:
                    deletion.purge_record(ctx, "payment", target)
                    deleted.discard(target)
                    children.remove(target)
            table = ctx.snap.table("payment")
            rows = conn.execute(select(table).where(table.c.contract.in_(contracts))).all()
            obj = ctx.snap.object("contract")
            for contract in contracts:
                record = reader.fetch_one(conn, ctx.snap, obj, contract, ctx.zone)
                assert _shown(record) == _expected(rows, contract)
            page = reader.query(
                conn,
                ctx.snap,
                obj,
                ctx.zone,
                NOW,
                extra_where=[ctx.snap.table("contract").c.id.in_(contracts)],
            )
            assert {r["id"]: _shown(r) for r in page.records} == {
                str(c): _expected(rows, c) for c in contracts
            }

    run()
