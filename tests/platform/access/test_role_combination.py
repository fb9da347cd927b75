"""Users with two and three roles of different scopes and field rules, checked against a
plain-Python model of how roles combine (docs/access.md, "Roles").

The model: an operation on a record is allowed when one role grants that operation and
that same role's scope covers the record's owner, or a share does (read and export: a read
or edit share; update: an edit share; never delete, restore, purge, share or transfer).
Shares never add an operation the roles do not grant. A field is visible when a role that reads the object does not hide it, and writable by a
create or update when a role granting that operation sets no rule on it.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Connection, select

from guanxi.kernel.db import Database
from guanxi.kernel.errors import NotFound, PermissionDenied, ValidationFailed
from guanxi.platform.access import org, sharing
from guanxi.platform.access.actor import SYSTEM, Actor
from guanxi.platform.access.policy import SCOPES, load_policy
from guanxi.platform.access.tables import gx_department, gx_user
from guanxi.platform.access.users import create_user
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.metadata.schemas import FieldIn, ObjectIn
from guanxi.platform.metadata.service import create_field, create_object
from guanxi.platform.records import deletion, export, reads, service, updates
from guanxi.platform.records.context import Ctx

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
OBJECT = "deal"
RULED_FIELDS = ("budget", "notes")
GRANTABLE = ("create", "read", "update", "delete", "export")
COMBINATIONS = 24
SUBJECTS = ("east_head", "east_rep", "sh_rep", "loner", "boss")


@dataclass(frozen=True)
class Role:
    operations: frozenset[str]
    scope: str
    rules: dict[str, str]  # field -> hidden | read_only


@dataclass
class Org:
    users: dict[str, UUID]
    records: dict[UUID, tuple[str, UUID]]  # record id -> (name, owner)
    team_id: UUID


@pytest.fixture
def world(db: Database) -> tuple[Database, Registry, Org]:
    """HQ → East → Shanghai, HQ → South; boss → east_head → east_rep → sh_rep, boss →
    south_rep; a loner in no department. One deal owned by each."""
    registry = Registry()
    with db.write() as conn:
        create_object(conn, registry, ObjectIn(name=OBJECT, label={"en": "Deal"}), now=NOW)
        for name, kind in (("name", "text"), ("budget", "integer"), ("notes", "text")):
            create_field(
                conn, registry, OBJECT, FieldIn(name=name, label={"en": name}, type=kind), now=NOW
            )
        users = {
            name: create_user(conn, email=f"{name}@example.com", name=name, password=None, now=NOW)
            for name in ("boss", "east_head", "east_rep", "sh_rep", "south_rep", "loner")
        }

        def department(name: str, parent: UUID | None) -> UUID:
            return org.create_department(conn, name=name, parent_id=parent, head_id=None, now=NOW)

        hq = department("HQ", None)
        east = department("East", hq)
        shanghai = department("Shanghai", east)
        south = department("South", hq)
        for user, dept, manager in (
            ("boss", hq, None),
            ("east_head", east, "boss"),
            ("east_rep", east, "east_head"),
            ("sh_rep", shanghai, "east_rep"),
            ("south_rep", south, "boss"),
        ):
            org.set_placement(
                conn,
                users[user],
                department_id=dept,
                manager_id=users[manager] if manager else None,
                now=NOW,
            )
        ctx = Ctx.open(conn, registry, SYSTEM, NOW)
        records: dict[UUID, tuple[str, UUID]] = {}
        for user, user_id in users.items():
            made = service.create(
                ctx, OBJECT, {"name": f"deal of {user}", "budget": 1, "owner_id": str(user_id)}
            )
            records[UUID(made["id"])] = (made["name"], user_id)
        team_id = org.create_team(conn, name="shared desk", member_ids=[], now=NOW)
    return db, registry, Org(users, records, team_id)


class Model:
    """The rules of docs/access.md in plain Python, over the org read from the database."""

    def __init__(self, conn: Connection, subject: UUID, roles: list[Role]) -> None:
        self.subject = subject
        self.roles = roles
        self.manager = dict(conn.execute(select(gx_user.c.id, gx_user.c.manager_id)).all())
        self.department = dict(conn.execute(select(gx_user.c.id, gx_user.c.department_id)).all())
        self.parent = dict(
            conn.execute(select(gx_department.c.id, gx_department.c.parent_id)).all()
        )
        self.shares: dict[UUID, str] = {}  # record -> read | edit (to the subject or a team)

    def _reports_to_subject(self, owner: UUID) -> bool:
        seen: set[UUID] = set()
        current = self.manager.get(owner)
        while current is not None and current not in seen:
            if current == self.subject:
                return True
            seen.add(current)
            current = self.manager.get(current)
        return False

    def _inside(self, department: UUID | None, root: UUID) -> bool:
        while department is not None:
            if department == root:
                return True
            department = self.parent.get(department)
        return False

    def covers(self, scope: str, owner: UUID) -> bool:
        mine = self.department.get(self.subject)
        if owner == self.subject or scope == "all":
            return True
        if scope == "own_and_subordinates":
            return self._reports_to_subject(owner)
        if scope == "department":
            return mine is not None and self.department.get(owner) == mine
        if scope == "department_and_children":
            return mine is not None and self._inside(self.department.get(owner), mine)
        return False

    def granted(self, operation: str) -> bool:
        return any(operation in r.operations for r in self.roles)

    def by_role(self, operation: str, owner: UUID) -> bool:
        return any(operation in r.operations and self.covers(r.scope, owner) for r in self.roles)

    def allowed(self, action: str, record: UUID, owner: UUID) -> bool:
        share = self.shares.get(record)
        # A share opens records to operations the user's roles grant, never adds one.
        if action in {"read", "export"}:
            return self.by_role(action, owner) or (share is not None and self.granted(action))
        if action == "update":
            return self.by_role("update", owner) or (share == "edit" and self.granted(action))
        if action == "transfer":
            return self.allowed("update", record, owner) and (
                owner == self.subject or self.by_role("update", owner)
            )
        if action == "share":
            return self.by_role("update", owner)
        return self.by_role("delete", owner)  # delete, restore, purge

    def expected(self, action: str, record: UUID, owner: UUID) -> str:
        if action == "transfer" and self.allowed("update", record, owner):
            # They may see and edit it (an edit share), so refusing says why: 403.
            return "ok" if self.allowed("transfer", record, owner) else "403"
        operation = {"transfer": "update", "share": "update"}.get(action, action)
        operation = {"restore": "delete", "purge": "delete"}.get(operation, operation)
        if not self.granted(operation):
            return "403"
        return "ok" if self.allowed(action, record, owner) else "404"

    def visible(self, field: str) -> bool:
        return any("read" in r.operations and r.rules.get(field) != "hidden" for r in self.roles)

    def writable(self, operation: str, field: str) -> bool:
        return any(operation in r.operations and field not in r.rules for r in self.roles)


def outcome(conn: Connection, action: Callable[[], Any]) -> str:
    """What a user would see of ``action``; nothing it does is kept."""
    savepoint = conn.begin_nested()
    try:
        action()
        return "ok"
    except PermissionDenied:
        return "403"
    except NotFound:
        return "404"
    except ValidationFailed:
        return "422"
    finally:
        savepoint.rollback()


def random_role(rng: random.Random) -> Role:
    operations = frozenset(op for op in GRANTABLE if rng.random() < 0.55)
    rules = {}
    for name in RULED_FIELDS:
        rule = rng.choice([None, None, "hidden", "read_only"])
        if rule:
            rules[name] = rule
    return Role(operations or frozenset({"read"}), rng.choice(SCOPES), rules)


def check_combination(
    db: Database, registry: Registry, org_: Org, rng: random.Random, n: int, roles: list[Role]
) -> list[str]:
    """Every action of one subject holding ``roles``, against the model; the mismatches."""
    failures: list[str] = []
    subject_name = SUBJECTS[n % len(SUBJECTS)]
    subject = org_.users[subject_name]
    with db.engine.connect() as conn, conn.begin() as transaction:
        snap = registry.snapshot(conn)
        role_ids = [
            org.create_role(
                conn,
                snap,
                name=f"combination {n}.{i}",
                objects={
                    OBJECT: {op: op in role.operations for op in GRANTABLE} | {"scope": role.scope}
                },
                fields={f"{OBJECT}.{name}": rule for name, rule in role.rules.items()},
                rights=[],
                require_2fa=False,
                description=None,
                now=NOW,
            )
            for i, role in enumerate(roles)
        ]
        org.set_roles(conn, subject, role_ids)
        model = Model(conn, subject, roles)
        system = Ctx.open(conn, registry, SYSTEM, NOW)
        shared = list(org_.records)
        rng.shuffle(shared)
        org.set_team_members(conn, org_.team_id, [subject])
        for record, (access, team) in zip(
            shared[:3], [("read", False), ("edit", False), ("edit", True)], strict=False
        ):
            sharing.share(
                conn,
                system.snap,
                SYSTEM,
                OBJECT,
                record,
                user_id=None if team else subject,
                team_id=org_.team_id if team else None,
                access=access,
                now=NOW,
            )
            model.shares[record] = access
        actor = Actor(user_id=subject, policy=load_policy(conn, subject, superuser=False))
        ctx = Ctx.open(conn, registry, actor, NOW)
        describe = f"#{n} {subject_name} {roles}"

        def check(action: str, record: UUID, owner: UUID, got: str) -> None:
            want = model.expected(action, record, owner)
            if got != want:
                failures.append(f"{describe}: {action} {org_.records[record][0]}: {got} ≠ {want}")

        def deleted_then(fn: Callable[..., Any], record: UUID) -> Callable[[], Any]:
            def run() -> None:
                deletion.delete_record(system, OBJECT, record)
                fn(ctx, OBJECT, record)

            return run

        for record, (_, owner) in org_.records.items():
            check(
                "read",
                record,
                owner,
                outcome(conn, lambda r=record: reads.get_record(ctx, OBJECT, r)),
            )
            check(
                "update",
                record,
                owner,
                outcome(
                    conn,
                    lambda r=record: updates.update_record(
                        ctx, OBJECT, r, {"name": "renamed"}, expected_version=1
                    ),
                ),
            )
            new_owner = str(org_.users["loner" if owner != org_.users["loner"] else "boss"])
            check(
                "transfer",
                record,
                owner,
                outcome(
                    conn,
                    lambda r=record, o=new_owner: updates.update_record(
                        ctx, OBJECT, r, {"owner_id": o}, expected_version=1
                    ),
                ),
            )
            check(
                "delete",
                record,
                owner,
                outcome(conn, lambda r=record: deletion.delete_record(ctx, OBJECT, r)),
            )
            check(
                "restore",
                record,
                owner,
                outcome(conn, deleted_then(deletion.restore_record, record)),
            )
            check(
                "purge",
                record,
                owner,
                outcome(conn, deleted_then(deletion.purge_record, record)),
            )
            check(
                "share",
                record,
                owner,
                outcome(
                    conn,
                    lambda r=record: sharing.share(
                        conn,
                        ctx.snap,
                        actor,
                        OBJECT,
                        r,
                        user_id=org_.users["boss"],
                        team_id=None,
                        access="read",
                        now=NOW,
                    ),
                ),
            )
        # Export: the records a role that may export covers (or shared), and only those.
        if not (model.granted("export") and model.granted("read")):
            if outcome(conn, lambda: export.export_rows(ctx, OBJECT)) != "403":
                failures.append(f"{describe}: export allowed")
        else:
            text = export.to_csv(export.export_rows(ctx, OBJECT))
            names = {row["name"] for row in csv.DictReader(io.StringIO(text))}
            want = {
                name
                for record, (name, owner) in org_.records.items()
                if model.allowed("read", record, owner) and model.allowed("export", record, owner)
            }
            if names != want:
                failures.append(f"{describe}: exported {sorted(names)} ≠ {sorted(want)}")
        # Fields: what reads show, and what an update and a create may write.
        readable = [r for r, (_, o) in org_.records.items() if model.allowed("read", r, o)]
        if readable:
            shown = reads.get_record(ctx, OBJECT, readable[0])
            for name in RULED_FIELDS:
                if (name in shown) != model.visible(name):
                    failures.append(f"{describe}: {name} shown={name in shown}")
        editable = [r for r, (_, o) in org_.records.items() if model.allowed("update", r, o)]
        for name in RULED_FIELDS:
            value = 7 if name == "budget" else "x"
            if editable:
                got = outcome(
                    conn,
                    lambda f=name, v=value: updates.update_record(
                        ctx, OBJECT, editable[0], {f: v}, expected_version=1
                    ),
                )
                if (got == "ok") != model.writable("update", name):
                    failures.append(f"{describe}: update {name} → {got}")
            if model.granted("create"):
                got = outcome(
                    conn,
                    lambda f=name, v=value: service.create(ctx, OBJECT, {"name": "n", f: v}),
                )
                if (got == "ok") != model.writable("create", name):
                    failures.append(f"{describe}: create {name} → {got}")
        transaction.rollback()
    return failures


def test_roles_combine_per_role_for_every_operation_record_and_field(
    world: tuple[Database, Registry, Org],
) -> None:
    db, registry, org_ = world
    rng = random.Random(20261206)
    failures: list[str] = []
    for n in range(COMBINATIONS):
        roles = [random_role(rng) for _ in range(2 + n % 2)]  # two and three roles
        failures += check_combination(db, registry, org_, rng, n, roles)
    assert not failures, "\n".join(failures)
