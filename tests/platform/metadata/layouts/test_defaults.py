"""The derived layouts and what a reader is shown of a layout, on definitions alone."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from sqlalchemy import MetaData

from guanxi.platform.access.policy import SUPERUSER, ObjectGrant, Policy
from guanxi.platform.metadata.layouts.defaults import default_layout
from guanxi.platform.metadata.layouts.schemas import Layout, RelatedList, Section
from guanxi.platform.metadata.layouts.service import visible_layout
from guanxi.platform.metadata.model import FieldDef, ObjectDef
from guanxi.platform.metadata.registry import Snapshot


def _f(obj: str, name: str, type_: str, **kwargs: Any) -> FieldDef:
    return FieldDef(object_name=obj, name=name, type=type_, label={"en": name}, **kwargs)


PROJECT = ObjectDef(
    name="project",
    table_name="o_project",
    label={"en": "Project", "zh-CN": "项目"},
    plural_label={"en": "Projects", "zh-CN": "项目"},
    name_field="title",
    fields=(
        _f("project", "code", "auto_number"),
        _f("project", "budget", "currency"),
        _f("project", "title", "text", required=True),
        _f("project", "notes", "rich_text"),
        _f("project", "stage", "picklist"),
        _f("project", "margin", "formula", config={"expression": "budget * 0.1"}),
        _f("project", "parent", "lookup", config={"target": "project"}),
        _f("project", "old_code", "text", archived=True),
        _f("project", "due", "date", required=True),
    ),
)
TASK = ObjectDef(
    name="task",
    table_name="o_task",
    label={"en": "Task", "zh-CN": "任务"},
    name_field="subject",
    fields=(
        _f("task", "subject", "text"),
        _f("task", "description", "long_text"),
        _f(
            "task",
            "project",
            "lookup",
            config={"target": "project", "related_label": {"en": "To do", "zh-CN": "待办"}},
        ),
        _f("task", "old_project", "lookup", config={"target": "project"}, archived=True),
        _f("task", "done", "boolean"),
    ),
)
SNAP = Snapshot(
    version="v", objects={"project": PROJECT, "task": TASK}, tables={}, metadata=MetaData()
)


def reader(*readable: str, hidden: tuple[tuple[str, str], ...] = ()) -> Policy:
    return Policy(
        user_id=uuid4(),
        grants={name: ObjectGrant({"read": frozenset({"all"})}) for name in readable},
        field_levels=dict.fromkeys(hidden, 0),
    )


def test_the_title_field_leads_and_long_texts_get_their_own_section() -> None:
    layout = default_layout(SNAP, PROJECT, "detail")
    details, description, system = layout.sections
    assert details.fields == ("title", "code", "budget", "stage", "margin", "parent", "due")
    assert description == Section("description", description.title, 1, ("notes",))
    assert system.key == "system" and "owner_id" in system.fields
    assert layout.highlights == ("budget", "stage", "parent", "due")
    assert layout.is_default and layout.version == 0


def test_a_form_offers_only_what_people_type() -> None:
    form = default_layout(SNAP, PROJECT, "form")
    assert form.sections[0].fields == ("title", "budget", "stage", "parent", "due")
    assert [s.key for s in form.sections] == ["details", "description"]
    assert form.related_lists == () and form.highlights == ()


def test_every_active_lookup_pointing_here_is_a_related_list() -> None:
    lists = default_layout(SNAP, PROJECT, "detail").related_lists
    assert [(r.object, r.field) for r in lists] == [("project", "parent"), ("task", "project")]
    assert lists[1].columns == ("subject", "done")
    assert lists[0].columns[0] == "title" and "parent" not in lists[0].columns


def test_hidden_fields_are_not_chosen_for_the_default() -> None:
    hidden = frozenset({("project", "budget"), ("project", "stage")})
    layout = default_layout(SNAP, PROJECT, "detail", hidden)
    assert "budget" not in layout.sections[0].fields
    assert layout.highlights == ("parent", "due")


def test_a_reader_is_shown_only_what_they_may_see() -> None:
    saved = Layout(
        sections=(
            Section("a", {"en": "A"}, 2, ("title", "budget", "old_code", "owner_id")),
            Section("b", {"en": "B"}, 1, ("budget",)),
            Section("empty", {"en": "Later"}, 1, ()),
        ),
        related_lists=(
            RelatedList("task", "project", ("subject", "done")),
            RelatedList("task", "old_project", ("subject",)),
            RelatedList("project", "parent", ("budget",)),
        ),
        highlights=("budget", "stage"),
        is_default=False,
        version=3,
    )
    rep = reader("project", hidden=(("project", "budget"),))
    shown = visible_layout(SNAP, rep, PROJECT, "detail", saved)
    assert [(s.key, s.fields) for s in shown.sections] == [
        ("a", ("title", "owner_id")),
        ("empty", ()),
    ]
    assert shown.related_lists == ()  # tasks unreadable; the project list's column hidden
    assert shown.highlights == ("stage",)
    everything = visible_layout(SNAP, SUPERUSER, PROJECT, "detail", saved)
    assert [(r.object, r.field) for r in everything.related_lists] == [
        ("task", "project"),
        ("project", "parent"),
    ]
    assert "old_code" not in everything.sections[0].fields


def test_a_form_gains_the_required_fields_it_does_not_place() -> None:
    saved = Layout(sections=(Section("a", {"en": "A"}, 2, ("stage", "margin")),), is_default=False)
    form = visible_layout(SNAP, SUPERUSER, PROJECT, "form", saved)
    assert form.sections[0].fields == ("stage", "title", "due")
