"""The layout an object has until an administrator saves one, derived from its fields."""

from __future__ import annotations

from guanxi.platform.metadata.fieldtypes import field_type
from guanxi.platform.metadata.layouts.schemas import (
    DETAIL_SYSTEM_FIELDS,
    Layout,
    LayoutKind,
    RelatedList,
    Section,
)
from guanxi.platform.metadata.model import FieldDef, ObjectDef
from guanxi.platform.metadata.registry import Snapshot

DETAILS_TITLE = {"en": "Details", "zh-CN": "详细信息"}
DESCRIPTION_TITLE = {"en": "Description", "zh-CN": "描述信息"}
SYSTEM_TITLE = {"en": "System information", "zh-CN": "系统信息"}
# Fields that take a whole row of their own: shown in a one-column section below the rest.
WIDE_TYPES = frozenset({"long_text", "rich_text", "address"})
# Fields that say something about a record at a glance, for the record page's header.
HIGHLIGHT_TYPES = frozenset(
    {"picklist", "currency", "decimal", "integer", "percent", "date", "datetime", "lookup", "user"}
)
DEFAULT_HIGHLIGHTS = 4
# Columns a related list shows besides the related record's title.
RELATED_COLUMNS = 3
NARROW_TYPES = frozenset(
    {
        "text",
        "picklist",
        "phone",
        "email",
        "date",
        "datetime",
        "currency",
        "decimal",
        "integer",
        "percent",
        "boolean",
        "user",
        "auto_number",
    }
)


def default_layout(
    snap: Snapshot,
    obj: ObjectDef,
    kind: LayoutKind,
    hidden: frozenset[tuple[str, str]] = frozenset(),
) -> Layout:
    """The derived layout: the title field first, then the others in their declared order;
    long texts and addresses in a section of their own; on the record page the system
    fields last, a few key fields as highlights, and a related list for every lookup
    pointing at the object. A form leaves out what no one types (formulas, roll-ups,
    auto-numbers). Fields in ``hidden`` are not chosen (highlights pick visible ones)."""
    fields = [f for f in _ordered(obj) if (obj.name, f.name) not in hidden]
    if kind == "form":
        fields = [f for f in fields if field_type(f.type).writable]
    narrow = [f.name for f in fields if f.type not in WIDE_TYPES]
    wide = [f.name for f in fields if f.type in WIDE_TYPES]
    sections = [Section("details", DETAILS_TITLE, 2, tuple(narrow))]
    if wide:
        sections.append(Section("description", DESCRIPTION_TITLE, 1, tuple(wide)))
    if kind == "form":
        return Layout(sections=tuple(sections))
    sections.append(Section("system", SYSTEM_TITLE, 2, DETAIL_SYSTEM_FIELDS))
    highlights = [f.name for f in fields if f.type in HIGHLIGHT_TYPES and f.name != obj.name_field][
        :DEFAULT_HIGHLIGHTS
    ]
    return Layout(
        sections=tuple(sections),
        related_lists=tuple(related_lists(snap, obj, hidden)),
        highlights=tuple(highlights),
    )


def _ordered(obj: ObjectDef) -> list[FieldDef]:
    """Active fields in their declared order, the title field first."""
    fields = list(obj.active_fields)
    title = [f for f in fields if f.name == obj.name_field]
    return title + [f for f in fields if f.name != obj.name_field]


def related_lists(
    snap: Snapshot, obj: ObjectDef, hidden: frozenset[tuple[str, str]]
) -> list[RelatedList]:
    """A related list for every active lookup of another (or the same) object pointing at
    ``obj``: the related record's title and a few short fields."""
    found: list[RelatedList] = []
    for other in sorted(snap.objects.values(), key=lambda o: o.name):
        if other.archived:
            continue
        for lookup in other.active_fields:
            if lookup.type != "lookup" or lookup.opt("target") != obj.name:
                continue
            columns = [
                f.name
                for f in _ordered(other)
                if f.name != lookup.name
                and (other.name, f.name) not in hidden
                and (f.name == other.name_field or f.type in NARROW_TYPES)
            ]
            title = columns[:1] if columns and columns[0] == other.name_field else []
            rest = [c for c in columns if c not in title][: RELATED_COLUMNS + 1 - len(title)]
            chosen = tuple(title + rest) or ("created_at",)
            found.append(RelatedList(other.name, lookup.name, chosen))
    return found


def related_title(snap: Snapshot, related: RelatedList) -> dict[str, str]:
    """A related list's title when the layout names none: the lookup's related label
    (``联系人`` on an account), else the related object's plural label."""
    other = snap.objects.get(related.object)
    if other is None:
        return {"en": related.object, "zh-CN": related.object}
    lookup = other.get_field(related.field, include_archived=True)
    label = lookup.opt("related_label") if lookup is not None else None
    return dict(label or other.plural_label or other.label)
