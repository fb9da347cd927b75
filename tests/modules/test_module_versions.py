"""`guanxi migrate` installs a module's objects, then upgrades them when a new version of the
module changed a shipped field: added, relabelled, options added, made indexed — and
leaves administrators' own changes alone."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, inspect, select

from guanxi.bootstrap import migrate
from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.kernel.errors import Conflict
from guanxi.modules import FieldChange, Module, ObjectChange
from guanxi.platform.metadata.model import FieldDef
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.metadata.schemas import (
    FieldIn,
    FieldPatch,
    FieldTypeName,
    ObjectIn,
    ObjectPatch,
)
from guanxi.platform.metadata.service import (
    ObjectDeclaration,
    create_field,
    update_field,
    update_object,
)
from guanxi.platform.metadata.tables import gx_module


def _f(name: str, type_: FieldTypeName, en: str, zh: str, **kwargs: Any) -> FieldIn:
    return FieldIn(name=name, type=type_, label={"en": en, "zh-CN": zh}, **kwargs)


def _option(value: str, en: str, zh: str) -> dict[str, Any]:
    return {"value": value, "label": {"en": en, "zh-CN": zh}}


CALL, MEETING, VIDEO = (
    _option("call", "Call", "电话"),
    _option("meeting", "Meeting", "面谈"),
    _option("video", "Video call", "视频会议"),
)


def visits(version: int) -> Module:
    """Version 1 of a small module, or version 2, which changed every kind of thing."""
    v2 = version >= 2
    fields = [
        _f("name", "text", "Visit", "拜访", required=True),
        _f("kind", "picklist", "Kind", "方式", options=[CALL, MEETING, *([VIDEO] if v2 else [])]),
        _f("topic", "text", *(("Subject", "拜访主题") if v2 else ("Topic", "主题"))),
        _f("visited_on", "date", "Visited on", "拜访日期", indexed=v2),
    ]
    if v2:
        fields.append(_f("outcome", "long_text", "Outcome", "拜访结果"))
    return Module(
        name="visits",
        version=version,
        objects=[
            ObjectDeclaration(
                spec=ObjectIn(name="visit", label={"en": "Visit", "zh-CN": "拜访"}),
                fields=fields,
                name_field="name",
            )
        ],
        changes=[
            FieldChange("visit", "topic", since=2, change="relabelled"),
            FieldChange("visit", "kind", since=2, change="options_added"),
            FieldChange("visit", "visited_on", since=2, change="made_indexed"),
        ]
        if v2
        else [],
    )


def field(db: Database, name: str) -> FieldDef:
    with db.read() as conn:
        found = Registry().snapshot(conn).object("visit").get_field(name, include_archived=True)
    assert found is not None
    return found


def indexed_columns(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return {c for ix in inspect(conn).get_indexes("o_visit") for c in ix["column_names"]}


def recorded_version(db: Database) -> int | None:
    with db.read() as conn:
        return conn.execute(
            select(gx_module.c.version).where(gx_module.c.name == "visits")
        ).scalar()


def admin_changes(db: Database, clock: FixedClock, name: str, **patch: Any) -> None:
    with db.write() as conn:
        update_field(conn, Registry(), "visit", name, FieldPatch(**patch), now=clock.now())


def test_upgrading_a_module_brings_each_changed_field_and_nothing_else(
    empty_db: Database, clock: FixedClock
) -> None:
    (first,) = migrate(empty_db, clock=clock, modules=[visits(1)])
    assert (first.before, first.after) == (None, 1) and recorded_version(empty_db) == 1
    assert "visited_on" not in indexed_columns(empty_db)
    # The administrator's own work between the two versions.
    admin_changes(
        empty_db,
        clock,
        "kind",
        options=[CALL, {**MEETING, "active": False}, _option("lunch", "Lunch", "饭局")],
    )
    admin_changes(empty_db, clock, "visited_on", label={"en": "Date", "zh-CN": "日期"})
    admin_changes(empty_db, clock, "topic", required=True)
    with empty_db.write() as conn:
        create_field(conn, Registry(), "visit", _f("mood", "text", "Mood", "心情"), now=clock.now())

    (upgraded,) = migrate(empty_db, clock=clock, modules=[visits(2)])

    assert (upgraded.before, upgraded.after) == (1, 2) and recorded_version(empty_db) == 2
    assert field(empty_db, "outcome").label == {"en": "Outcome", "zh-CN": "拜访结果"}  # added
    topic = field(empty_db, "topic")
    assert topic.label == {"en": "Subject", "zh-CN": "拜访主题"} and topic.required  # relabelled
    assert [(o["value"], o["active"]) for o in field(empty_db, "kind").opt("options")] == [
        ("call", True),
        ("meeting", False),
        ("lunch", True),
        ("video", True),
    ]  # the new option after the administrator's, whose choices stand
    visited_on = field(empty_db, "visited_on")
    assert visited_on.indexed and visited_on.label == {"en": "Date", "zh-CN": "日期"}
    assert "visited_on" in indexed_columns(empty_db)
    assert field(empty_db, "mood").module is None


def test_an_upgrade_is_applied_once_so_later_edits_stay(
    empty_db: Database, clock: FixedClock
) -> None:
    migrate(empty_db, clock=clock, modules=[visits(1)])
    migrate(empty_db, clock=clock, modules=[visits(2)])
    admin_changes(empty_db, clock, "topic", label={"en": "About", "zh-CN": "关于"})
    admin_changes(empty_db, clock, "visited_on", indexed=False)

    (again,) = migrate(empty_db, clock=clock, modules=[visits(2)])

    assert (again.before, again.after) == (2, 2)
    assert field(empty_db, "topic").label == {"en": "About", "zh-CN": "关于"}
    assert not field(empty_db, "visited_on").indexed


def test_a_fresh_database_gets_the_current_version_as_declared(
    empty_db: Database, clock: FixedClock
) -> None:
    (fresh,) = migrate(empty_db, clock=clock, modules=[visits(2)])
    assert (fresh.before, fresh.after) == (None, 2) and recorded_version(empty_db) == 2
    assert field(empty_db, "topic").label == {"en": "Subject", "zh-CN": "拜访主题"}
    assert [o["value"] for o in field(empty_db, "kind").opt("options")] == [
        "call",
        "meeting",
        "video",
    ]
    assert field(empty_db, "visited_on").indexed


def test_objects_installed_before_versions_were_recorded_count_as_version_1(
    empty_db: Database, clock: FixedClock
) -> None:
    migrate(empty_db, clock=clock, modules=[visits(1)])
    with empty_db.write() as conn:
        conn.execute(delete(gx_module))

    (upgraded,) = migrate(empty_db, clock=clock, modules=[visits(2)])

    assert (upgraded.before, upgraded.after) == (1, 2)
    assert field(empty_db, "topic").label["en"] == "Subject"


def test_older_code_is_refused_on_a_newer_database_and_changes_nothing(
    empty_db: Database, clock: FixedClock
) -> None:
    migrate(empty_db, clock=clock, modules=[visits(2)])
    with pytest.raises(Conflict, match="version 2 of module visits"):
        migrate(empty_db, clock=clock, modules=[visits(1)])
    assert recorded_version(empty_db) == 2


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (FieldChange("visit", "topic", since=3, change="relabelled"), "between 2 and 2"),
        (FieldChange("visit", "topic", since=1, change="relabelled"), "between 2 and 2"),
        (FieldChange("visit", "nothing", since=2, change="relabelled"), "not declared"),
        (FieldChange("visit", "topic", since=2, change="options_added"), "has no options"),
        (FieldChange("visit", "topic", since=2, change="made_indexed"), "not indexed"),
    ],
)
def test_a_change_the_declaration_cannot_carry_out_is_refused_when_the_module_is_built(
    change: FieldChange, why: str
) -> None:
    with pytest.raises(ValueError, match=why):
        Module(name="visits", version=2, objects=visits(2).objects, changes=[change])


def visit_notes(version: int) -> Module:
    """Visits with their notes: version 2 leaves the notes (read on the visit) out of the
    navigation."""
    return Module(
        name="visits",
        version=version,
        objects=[
            ObjectDeclaration(
                spec=ObjectIn(name="visit", label={"en": "Visit", "zh-CN": "拜访"}),
                fields=[_f("name", "text", "Visit", "拜访", required=True)],
            ),
            ObjectDeclaration(
                spec=ObjectIn(
                    name="visit_note",
                    label={"en": "Visit note", "zh-CN": "拜访纪要"},
                    nav=version < 2,
                ),
                fields=[_f("name", "text", "Note", "纪要", required=True)],
            ),
        ],
        changes=[ObjectChange("visit_note", since=2, change="nav_changed")] if version >= 2 else [],
    )


def listed(db: Database) -> dict[str, bool]:
    with db.read() as conn:
        return {o.name: o.nav for o in Registry().snapshot(conn).objects.values()}


def test_an_upgrade_brings_an_object_out_of_the_navigation_once(
    empty_db: Database, clock: FixedClock
) -> None:
    migrate(empty_db, clock=clock, modules=[visit_notes(1)])
    assert listed(empty_db) == {"visit": True, "visit_note": True}

    (upgraded,) = migrate(empty_db, clock=clock, modules=[visit_notes(2)])

    assert (upgraded.before, upgraded.after) == (1, 2)
    assert listed(empty_db) == {"visit": True, "visit_note": False}
    # The administrator lists it again: a later run of the same version leaves that be.
    with empty_db.write() as conn:
        update_object(conn, Registry(), "visit_note", ObjectPatch(nav=True), now=clock.now())
    migrate(empty_db, clock=clock, modules=[visit_notes(2)])
    assert listed(empty_db) == {"visit": True, "visit_note": True}


def test_a_fresh_database_gets_the_navigation_as_declared(
    empty_db: Database, clock: FixedClock
) -> None:
    migrate(empty_db, clock=clock, modules=[visit_notes(2)])
    assert listed(empty_db) == {"visit": True, "visit_note": False}


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (ObjectChange("visit_note", since=3, change="nav_changed"), "between 2 and 2"),
        (ObjectChange("nothing", since=2, change="nav_changed"), "not declared"),
        (ObjectChange("visit_note", since=2, change="renamed"), "unknown change"),  # type: ignore[arg-type]
    ],
)
def test_an_object_change_the_declaration_cannot_carry_out_is_refused(
    change: ObjectChange, why: str
) -> None:
    with pytest.raises(ValueError, match=why):
        Module(name="visits", version=2, objects=visit_notes(2).objects, changes=[change])
