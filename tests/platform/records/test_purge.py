"""Purging from the recycle bin: what it reaches through lookups, and who may reach it."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest
from sqlalchemy import select

from guanxi.kernel.db import Database
from guanxi.kernel.errors import Conflict
from guanxi.platform.access import org
from guanxi.platform.access.actor import SYSTEM, Actor
from guanxi.platform.access.policy import load_policy
from guanxi.platform.access.users import create_user
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.metadata.schemas import FieldIn, ObjectIn
from guanxi.platform.metadata.service import create_field, create_object
from guanxi.platform.records import deletion, service
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.tables import gx_history

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)


@pytest.fixture
def projects(db: Database) -> tuple[Database, Registry, dict[str, UUID]]:
    """project ← task (cascade) and project ← memo (set_null); a rep who may delete own."""
    registry = Registry()
    with db.write() as conn:
        for name in ("project", "task", "memo"):
            create_object(conn, registry, ObjectIn(name=name, label={"en": name}), now=NOW)
            create_field(
                conn,
                registry,
                name,
                FieldIn(name="name", label={"en": "Name"}, type="text"),
                now=NOW,
            )
        for child, rule in (("task", "cascade"), ("memo", "set_null")):
            create_field(
                conn,
                registry,
                child,
                FieldIn(
                    name="project",
                    label={"en": "Project"},
                    type="lookup",
                    target="project",
                    on_delete=rule,
                ),
                now=NOW,
            )
        users = {
            name: create_user(conn, email=f"{name}@example.com", name=name, password=None, now=NOW)
            for name in ("rep", "colleague")
        }
        own = {"create": True, "read": True, "update": True, "delete": True, "scope": "own"}
        role = org.create_role(
            conn,
            registry.snapshot(conn),
            name="deletes own",
            objects={name: own for name in ("project", "task", "memo")},
            fields={},
            rights=[],
            require_2fa=False,
            description=None,
            now=NOW,
        )
        org.set_roles(conn, users["rep"], [role])
    return db, registry, users


def _as(conn: object, registry: Registry, user_id: UUID | None) -> Ctx:
    actor = (
        SYSTEM
        if user_id is None
        else Actor(user_id=user_id, policy=load_policy(conn, user_id, superuser=False))  # type: ignore[arg-type]
    )
    return Ctx.open(conn, registry, actor, NOW)  # type: ignore[arg-type]


def test_a_purge_that_would_reach_records_out_of_the_purgers_scope_is_refused_whole(
    projects: tuple[Database, Registry, dict[str, UUID]],
) -> None:
    db, registry, users = projects
    with db.write() as conn:
        system = _as(conn, registry, None)
        rep = str(users["rep"])
        project = service.create(system, "project", {"name": "P", "owner_id": rep})["id"]
        service.create(system, "task", {"name": "mine", "project": project, "owner_id": rep})
        theirs = service.create(
            system,
            "task",
            {"name": "theirs", "project": project, "owner_id": str(users["colleague"])},
        )["id"]
        deletion.delete_record(system, "project", UUID(project))  # the tasks go to the bin too
    with db.engine.connect() as conn, conn.begin(), pytest.raises(Conflict) as refused:
        deletion.purge_record(_as(conn, registry, users["rep"]), "project", UUID(project))
    assert refused.value.extra["blocking"] == 1
    assert refused.value.errors[0].field == "task.project"
    with db.engine.connect() as conn:
        tasks = registry.snapshot(conn).table("task")
        task = conn.execute(select(tasks).where(tasks.c.id == UUID(theirs))).one()
    assert task.name == "theirs"  # nothing was purged


def test_a_purge_deletes_its_cascade_and_clears_links_with_history(
    projects: tuple[Database, Registry, dict[str, UUID]],
) -> None:
    db, registry, _ = projects
    with db.write() as conn:
        system = _as(conn, registry, None)
        project = service.create(system, "project", {"name": "P"})["id"]
        task = service.create(system, "task", {"name": "t", "project": project})["id"]
        memo = service.create(system, "memo", {"name": "m", "project": project})["id"]
        deletion.delete_record(system, "memo", UUID(memo))  # binned first: keeps its link
        deletion.delete_record(system, "project", UUID(project))
        deletion.purge_record(system, "project", UUID(project))
        actions = {
            (r.object_name, str(r.record_id), r.action, r.field)
            for r in conn.execute(select(gx_history).where(gx_history.c.changed_at == NOW))
        }
        memo_row = conn.execute(
            select(system.snap.table("memo")).where(system.snap.table("memo").c.id == UUID(memo))
        ).one()
    assert ("project", project, "purge", None) in actions
    assert ("task", task, "purge", None) in actions
    assert ("memo", memo, "update", "project") in actions
    assert memo_row.project is None and memo_row.version == 3
