"""Assignment rules as the web-to-lead form will use them: a record arrives and is given
to the member whose turn it is, in the same transaction, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select, update

from guanxi.kernel.db import Database
from guanxi.kernel.errors import ValidationFailed
from guanxi.platform.access import org
from guanxi.platform.access.actor import SYSTEM
from guanxi.platform.access.tables import gx_user
from guanxi.platform.access.users import create_user
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.metadata.schemas import FieldIn, ObjectIn
from guanxi.platform.metadata.service import create_field, create_object
from guanxi.platform.process import assignment
from guanxi.platform.process.assignment_schemas import RuleIn, RulePatch
from guanxi.platform.process.tables import gx_assignment_state
from guanxi.platform.records import reads, service
from guanxi.platform.records.context import Ctx

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def _options(*values: str) -> list[dict[str, Any]]:
    return [{"value": v, "label": {"en": v.title(), "zh-CN": v}} for v in values]


@dataclass
class Crm:
    """An ``inquiry`` object (询盘) with region, industry, source and status picklists."""

    db: Database
    registry: Registry

    @contextmanager
    def work(self) -> Iterator[Ctx]:
        """A unit of work as the system, committed at the end of the block."""
        with self.db.write() as conn:
            yield Ctx.open(conn, self.registry, SYSTEM, NOW)

    def users(self, *names: str) -> list[UUID]:
        with self.db.write() as conn:
            return [
                create_user(conn, email=f"{n}@example.com", name=n, password=None, now=NOW)
                for n in names
            ]

    def rule(self, **body: Any) -> dict[str, Any]:
        body.setdefault("object", "inquiry")
        body.setdefault("name", {"en": "Inquiries", "zh-CN": "询盘分配"})
        with self.work() as ctx:
            return assignment.create_rule(ctx, RuleIn.model_validate(body))

    def arrive(self, rule: dict[str, Any], **values: Any) -> tuple[UUID, UUID | None]:
        """A record is created and assigned in one transaction, as the form will do it."""
        with self.work() as ctx:
            record = service.create(ctx, "inquiry", {"name": "an inquiry", **values})
            record_id = UUID(record["id"])
            return record_id, assignment.assign(ctx, UUID(rule["id"]), "inquiry", record_id)

    def owner(self, record_id: UUID) -> UUID | None:
        with self.db.read() as conn:
            table = self.registry.snapshot(conn).table("inquiry")
            owner: UUID | None = conn.execute(
                select(table.c.owner_id).where(table.c.id == record_id)
            ).scalar_one()
            return owner

    def set_user(self, user_id: UUID, **values: Any) -> None:
        with self.db.write() as conn:
            conn.execute(update(gx_user).where(gx_user.c.id == user_id).values(**values))


@pytest.fixture
def crm(db: Database) -> Crm:
    registry = Registry()
    with db.write() as conn:
        create_object(
            conn,
            registry,
            ObjectIn(name="inquiry", label={"en": "Inquiry", "zh-CN": "询盘"}),
            now=NOW,
        )
        create_field(
            conn,
            registry,
            "inquiry",
            FieldIn(name="name", label={"en": "Name"}, type="text"),
            now=NOW,
        )
        for name, values in (
            ("region", ("east", "south", "north")),
            ("industry", ("manufacturing", "retail", "software")),
            ("source", ("web", "fair", "referral")),
            ("status", ("new", "working", "converted", "disqualified")),
        ):
            create_field(
                conn,
                registry,
                "inquiry",
                FieldIn(
                    name=name,
                    label={"en": name.title()},
                    type="picklist",
                    options=_options(*values),
                ),
                now=NOW,
            )
    return Crm(db, registry)


def users_of(ids: list[UUID]) -> dict[str, Any]:
    return {"type": "users", "ids": [str(i) for i in ids]}


def test_round_robin_gives_records_in_turn_in_the_order_the_members_are_listed(
    crm: Crm,
) -> None:
    a, b, c = crm.users("a", "b", "c")
    rule = crm.rule(strategy="round_robin", members=users_of([c, a, b]))
    owners = [crm.arrive(rule)[1] for _ in range(7)]
    assert owners == [c, a, b, c, a, b, c]
    record_id, owner = crm.arrive(rule)
    assert owner == a and crm.owner(record_id) == a
    with crm.work() as ctx:  # the change went through the records service: it has history
        changes = reads.history(ctx, "inquiry", record_id)
    assert [(h["action"], h["field"], h["new"]) for h in changes][-1] == (
        "update",
        "owner_id",
        str(a),
    )


def test_inactive_and_locked_out_users_are_skipped_and_take_their_turn_again_once_back(
    crm: Crm,
) -> None:
    a, b, c = crm.users("a", "b", "c")
    rule = crm.rule(strategy="round_robin", members=users_of([a, b, c]))
    assert crm.arrive(rule)[1] == a
    crm.set_user(b, active=False)
    assert [crm.arrive(rule)[1] for _ in range(3)] == [c, a, c]
    crm.set_user(b, active=True)
    crm.set_user(c, locked_until=NOW + timedelta(minutes=15))
    assert [crm.arrive(rule)[1] for _ in range(3)] == [a, b, a]
    crm.set_user(c, locked_until=NOW - timedelta(minutes=1))  # the lock-out has run out
    assert crm.arrive(rule)[1] == b
    assert crm.arrive(rule)[1] == c


def test_with_no_active_member_nobody_is_given_the_record_and_it_keeps_its_owner(
    crm: Crm,
) -> None:
    (a,) = crm.users("a")
    rule = crm.rule(strategy="round_robin", members=users_of([a]))
    crm.set_user(a, active=False)
    record_id, owner = crm.arrive(rule)
    assert owner is None and crm.owner(record_id) is None


def test_an_inactive_rule_assigns_nothing(crm: Crm) -> None:
    (a,) = crm.users("a")
    rule = crm.rule(strategy="round_robin", members=users_of([a]), active=False)
    assert crm.arrive(rule)[1] is None
    with crm.work() as ctx:
        assignment.update_rule(
            ctx, UUID(rule["id"]), RulePatch(active=True), expected_version=rule["version"]
        )
    assert crm.arrive(rule)[1] == a


def test_load_balanced_gives_the_record_to_the_member_with_the_fewest_open_records(
    crm: Crm,
) -> None:
    a, b, c = crm.users("a", "b", "c")
    with crm.work() as ctx:  # a: 2 open, 3 converted; b: 1 open, 1 disqualified; c: 2 open
        for owner, status, count in (
            (a, "new", 1),
            (a, "working", 1),
            (a, "converted", 3),
            (b, "working", 1),
            (b, "disqualified", 1),
            (c, "new", 2),
        ):
            for _ in range(count):
                service.create(
                    ctx, "inquiry", {"name": "x", "status": status, "owner_id": str(owner)}
                )
        service.create(  # deleted records count for no one
            ctx, "inquiry", {"name": "gone", "status": "new", "owner_id": str(b)}
        )
    with crm.work() as ctx:
        table = ctx.snap.table("inquiry")
        ctx.conn.execute(update(table).where(table.c.name == "gone").values(deleted_at=NOW))
    rule = crm.rule(
        strategy="load_balanced",
        members=users_of([a, b, c]),
        open_condition={"field": "status", "op": "not_in", "value": ["converted", "disqualified"]},
    )
    assert crm.arrive(rule, status="new")[1] == b  # 1 open against 2 and 2
    # Now 2 each: the tie goes to whoever comes after b in turn.
    assert crm.arrive(rule, status="new")[1] == c
    assert crm.arrive(rule, status="new")[1] == a
    assert crm.arrive(rule, status="new")[1] == b


def test_criteria_route_by_region_industry_and_source_with_a_fallback(crm: Crm) -> None:
    east1, east2, maker, web, anyone = crm.users("east1", "east2", "maker", "web", "anyone")
    rule = crm.rule(
        strategy="criteria",
        criteria=[
            {
                "condition": {"field": "region", "op": "eq", "value": "east"},
                "strategy": "round_robin",
                "members": users_of([east1, east2]),
            },
            {
                "condition": {
                    "and": [
                        {"field": "industry", "op": "in", "value": ["manufacturing"]},
                        {"field": "source", "op": "ne", "value": "referral"},
                    ]
                },
                "strategy": "round_robin",
                "members": users_of([maker]),
            },
            {
                "condition": {"field": "source", "op": "eq", "value": "web"},
                "strategy": "load_balanced",
                "members": users_of([web]),
            },
        ],
        fallback={"strategy": "round_robin", "members": users_of([anyone])},
    )
    arrive = crm.arrive
    assert arrive(rule, region="east", industry="manufacturing")[1] == east1  # first match wins
    assert arrive(rule, region="east")[1] == east2
    assert arrive(rule, region="south", industry="manufacturing", source="fair")[1] == maker
    assert arrive(rule, region="south", industry="manufacturing", source="referral")[1] == anyone
    assert arrive(rule, industry="manufacturing")[1] == maker  # ne holds for an empty source
    assert arrive(rule, source="web", industry="retail")[1] == web
    assert arrive(rule, region="north")[1] == anyone
    assert arrive(rule, region="east")[1] == east1  # each pool keeps its own turns

    with crm.work() as ctx:
        changed = assignment.update_rule(
            ctx, UUID(rule["id"]), RulePatch(fallback=None), expected_version=1
        )
    assert changed["fallback"] is None and changed["version"] == 2
    record_id, owner = arrive(rule, region="north")
    assert owner is None and crm.owner(record_id) is None


def test_a_department_team_takes_turns_by_user_id_with_or_without_its_sub_departments(
    crm: Crm,
) -> None:
    ids = crm.users("s1", "s2", "s3", "n1")
    with crm.db.write() as conn:
        sales = org.create_department(conn, name="Sales", parent_id=None, head_id=None, now=NOW)
        south = org.create_department(conn, name="South", parent_id=sales, head_id=None, now=NOW)
        north = org.create_department(conn, name="North", parent_id=None, head_id=None, now=NOW)
        for user_id, dept in zip(ids, (sales, south, south, north), strict=True):
            org.set_placement(conn, user_id, department_id=dept, manager_id=None, now=NOW)
    s1, s2, s3, _ = ids
    whole = crm.rule(
        strategy="round_robin",
        members={"type": "department", "id": str(sales), "include_subdepartments": True},
    )
    assert [crm.arrive(whole)[1] for _ in range(4)] == [s1, s2, s3, s1]
    only_top = crm.rule(strategy="round_robin", members={"type": "department", "id": str(sales)})
    assert [crm.arrive(only_top)[1] for _ in range(2)] == [s1, s1]
    # A new colleague joins the department: they take turns at once, in user-id order.
    (s4,) = crm.users("s4")
    with crm.db.write() as conn:
        org.set_placement(conn, s4, department_id=south, manager_id=None, now=NOW)
    assert [crm.arrive(whole)[1] for _ in range(4)] == [s2, s3, s4, s1]


def test_a_role_team_takes_turns_by_user_id(crm: Crm) -> None:
    a, b, outsider = crm.users("a", "b", "outsider")
    with crm.work() as ctx:
        role = org.create_role(
            ctx.conn,
            ctx.snap,
            name="Inside sales",
            objects={},
            fields={},
            rights=[],
            require_2fa=False,
            description=None,
            now=NOW,
        )
        org.set_roles(ctx.conn, a, [role])
        org.set_roles(ctx.conn, b, [role])
    rule = crm.rule(strategy="round_robin", members={"type": "role", "id": str(role)})
    assert [crm.arrive(rule)[1] for _ in range(3)] == [a, b, a]
    assert outsider not in {a, b}


def test_a_rolled_back_arrival_leaves_the_turns_as_they_were(crm: Crm) -> None:
    a, b = crm.users("a", "b")
    rule = crm.rule(strategy="round_robin", members=users_of([a, b]))
    with pytest.raises(RuntimeError), crm.work() as ctx:
        record = service.create(ctx, "inquiry", {"name": "spam"})
        assert assignment.assign(ctx, UUID(rule["id"]), "inquiry", UUID(record["id"])) == a
        raise RuntimeError("the form's consent check failed after all")
    assert crm.arrive(rule)[1] == a
    with crm.db.read() as conn:
        count = conn.execute(select(gx_assignment_state.c.assigned_count)).scalar_one()
    assert count == 1


def test_a_rule_is_refused_with_every_problem_named(crm: Crm) -> None:
    (a,) = crm.users("a")
    missing = "0190f000-0000-7000-8000-000000000000"
    with pytest.raises(ValidationFailed) as refused:
        crm.rule(
            strategy="criteria",
            members=users_of([a]),
            criteria=[
                {
                    "condition": {"field": "colour", "op": "eq", "value": "red"},
                    "strategy": "round_robin",
                    "members": {"type": "users", "ids": [str(a), missing]},
                    "open_condition": {"field": "status", "op": "eq", "value": "new"},
                },
                {
                    "condition": {"field": "region", "op": "eq", "value": "east"},
                    "strategy": "load_balanced",
                    "members": {"type": "department", "id": missing},
                    "open_condition": {"field": "status", "op": "gt", "value": "x", "y": 1},
                },
            ],
        )
    assert {(e.field, e.code) for e in refused.value.errors} == {
        ("members", "invalid"),
        ("criteria[0].condition", "unknown_field"),
        ("criteria[0].members.ids[1]", "not_found"),
        ("criteria[0].open_condition", "invalid"),
        ("criteria[1].members.id", "not_found"),
        ("criteria[1].open_condition", "invalid_filter"),
    }
    with pytest.raises(ValidationFailed) as refused:
        crm.rule(strategy="round_robin")
    assert [(e.field, e.code) for e in refused.value.errors] == [("members", "required")]
    with pytest.raises(ValidationFailed) as refused:
        crm.rule(strategy="criteria", object="nothing_here")
    assert [(e.field, e.code) for e in refused.value.errors] == [("object", "not_found")]


def test_a_rule_assigns_only_its_own_objects_records(crm: Crm) -> None:
    (a,) = crm.users("a")
    rule = crm.rule(strategy="round_robin", members=users_of([a]))
    with pytest.raises(ValidationFailed) as refused, crm.work() as ctx:
        assignment.assign(ctx, UUID(rule["id"]), "account", UUID(int=1))
    assert refused.value.errors[0].field == "object"


# -- concurrency ---------------------------------------------------------------------------
PARALLEL = 20


def _assign_in_parallel(crm: Crm, rule: dict[str, Any], record_ids: list[UUID]) -> list[Any]:
    """Each record assigned by its own thread in its own transaction, all let go at once."""
    start = threading.Barrier(len(record_ids))

    def one(record_id: UUID) -> UUID | None:
        start.wait(timeout=30)
        with crm.db.write() as conn:
            ctx = Ctx.open(conn, crm.registry, SYSTEM, NOW)
            return assignment.assign(ctx, UUID(rule["id"]), "inquiry", record_id)

    with ThreadPoolExecutor(max_workers=len(record_ids)) as pool:
        return list(pool.map(one, record_ids))


def test_parallel_arrivals_on_one_rule_share_the_records_evenly(crm: Crm) -> None:
    """On PostgreSQL the transactions run at once and the state row's lock orders them;
    SQLite's write transactions wait for each other (BEGIN IMMEDIATE)."""
    members = crm.users("m1", "m2", "m3", "m4")
    rule = crm.rule(strategy="round_robin", members=users_of(members))
    with crm.work() as ctx:
        record_ids = [
            UUID(r["id"])
            for r in service.create_many(
                ctx, "inquiry", [{"name": f"lead {n}"} for n in range(PARALLEL)]
            ).records
        ]
    owners = _assign_in_parallel(crm, rule, record_ids)
    assert Counter(owners) == {m: PARALLEL // len(members) for m in members}
    stored = Counter(crm.owner(r) for r in record_ids)
    assert stored == {m: PARALLEL // len(members) for m in members}  # none unassigned
    with crm.db.read() as conn:
        count = conn.execute(select(gx_assignment_state.c.assigned_count)).scalar_one()
    assert count == PARALLEL
