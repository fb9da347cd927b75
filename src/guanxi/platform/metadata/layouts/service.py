"""Reading, saving and resetting layouts; what each user is shown of them."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, tzinfo
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from guanxi.kernel.clock import local_text
from guanxi.kernel.errors import (
    FieldError,
    PreconditionRequired,
    ValidationFailed,
    VersionConflict,
)
from guanxi.platform.access.fields import hidden_fields
from guanxi.platform.access.policy import Policy
from guanxi.platform.metadata.fieldtypes import field_type
from guanxi.platform.metadata.layouts.defaults import default_layout, related_title
from guanxi.platform.metadata.layouts.schemas import (
    DETAIL_SYSTEM_FIELDS,
    FORM_SYSTEM_FIELDS,
    Layout,
    LayoutIn,
    LayoutKind,
    RelatedList,
    from_definition,
    from_input,
)
from guanxi.platform.metadata.model import ObjectDef
from guanxi.platform.metadata.registry import Snapshot
from guanxi.platform.metadata.tables import gx_layout


def stored_layout(conn: Connection, obj: ObjectDef, kind: LayoutKind) -> Layout | None:
    """The saved layout, all of it (archived fields too), or None while it is derived."""
    row = conn.execute(
        select(gx_layout).where(gx_layout.c.object_name == obj.name, gx_layout.c.kind == kind)
    ).first()
    if row is None:
        return None
    return replace(
        from_definition(row.definition),
        version=row.version,
        updated_at=row.updated_at,
        updated_by_id=row.updated_by_id,
    )


def get_layout(
    conn: Connection,
    snap: Snapshot,
    policy: Policy,
    obj: ObjectDef,
    kind: LayoutKind,
    *,
    zone: tzinfo,
) -> dict[str, Any]:
    """The layout as ``policy``'s user is shown it: saved or derived, without archived
    fields, fields hidden from the user, or related lists of objects they may not read
    (read from the table on every call, so a saved layout is live everywhere at once)."""
    hidden = hidden_fields(snap, policy)
    layout = stored_layout(conn, obj, kind) or default_layout(snap, obj, kind, hidden)
    return layout_out(snap, obj, kind, visible_layout(snap, policy, obj, kind, layout), zone)


def visible_layout(
    snap: Snapshot, policy: Policy, obj: ObjectDef, kind: LayoutKind, layout: Layout
) -> Layout:
    """``layout`` without what the user may not see. A section left with no fields goes
    (one saved empty stays: the administrator meant it); a related list goes when its
    object may not be read or its lookup is gone or hidden, and when none of its columns
    is left. On a form, required fields the layout does not place (added since it was
    saved) join its first section, or no record could be created with it."""
    hidden = hidden_fields(snap, policy)
    system = DETAIL_SYSTEM_FIELDS if kind == "detail" else FORM_SYSTEM_FIELDS

    def shown(target: ObjectDef, name: str) -> bool:
        if name in system:
            return True
        f = target.get_field(name)
        return f is not None and (target.name, name) not in hidden and _fits(kind, f.type)

    sections = []
    for section in layout.sections:
        fields = tuple(name for name in section.fields if shown(obj, name))
        if fields or not section.fields:
            sections.append(replace(section, fields=fields))
    if kind == "form" and sections:
        placed = {name for s in sections for name in s.fields}
        missing = tuple(
            f.name
            for f in obj.active_fields
            if f.required
            and f.name not in placed
            and shown(obj, f.name)
            and field_type(f.type).writable
        )
        if missing:
            sections[0] = replace(sections[0], fields=sections[0].fields + missing)
    related = []
    for rel in layout.related_lists if kind == "detail" else ():
        other = snap.objects.get(rel.object)
        if other is None or other.archived or not policy.can("read", other.name):
            continue
        lookup = other.get_field(rel.field)
        if (
            lookup is None
            or lookup.type != "lookup"
            or lookup.opt("target") != obj.name
            or (other.name, lookup.name) in hidden
        ):
            continue
        columns = tuple(c for c in rel.columns if _column_shown(other, c, hidden))
        if columns:
            related.append(replace(rel, columns=columns))
    highlights = tuple(h for h in layout.highlights if kind == "detail" and shown(obj, h))
    return replace(
        layout, sections=tuple(sections), related_lists=tuple(related), highlights=highlights
    )


def _fits(kind: LayoutKind, type_name: str) -> bool:
    """Whether a field of this type belongs on a layout of this kind: a form edits, so it
    offers no computed field."""
    return kind == "detail" or field_type(type_name).writable


def _column_shown(obj: ObjectDef, name: str, hidden: frozenset[tuple[str, str]]) -> bool:
    if name in DETAIL_SYSTEM_FIELDS:
        return True
    return obj.get_field(name) is not None and (obj.name, name) not in hidden


def layout_out(
    snap: Snapshot, obj: ObjectDef, kind: LayoutKind, layout: Layout, zone: tzinfo
) -> dict[str, Any]:
    """The JSON answer: the definition plus the object, kind, version and who saved it."""
    definition = layout.definition()
    for rel, out in zip(layout.related_lists, definition["related_lists"], strict=True):
        out["title"] = rel.title or related_title(snap, rel)
    updated_at = layout.updated_at
    return {
        "object": obj.name,
        "kind": kind,
        **definition,
        "is_default": layout.is_default,
        "version": layout.version,
        "updated_at": local_text(updated_at, zone) if isinstance(updated_at, datetime) else None,
        "updated_by_id": str(layout.updated_by_id) if layout.updated_by_id else None,
    }


def save_layout(
    conn: Connection,
    snap: Snapshot,
    obj: ObjectDef,
    kind: LayoutKind,
    body: LayoutIn,
    *,
    expected_version: int | None,
    now: datetime,
    user_id: UUID | None,
) -> int:
    """Check and save a layout made against ``expected_version`` (If-Match, else the
    body's ``version``; 0 while the layout is derived): a stale version is refused (412),
    a missing one too (428). Returns the new version."""
    version = expected_version if expected_version is not None else body.version
    if version is None:
        raise PreconditionRequired(
            'send If-Match: "<version>" or a version in the body (0 for a derived layout)',
            errors=[FieldError("version", "is required to save a layout", "required")],
        )
    layout = from_input(body)
    check_layout(snap, obj, kind, layout, body_kind=body.kind, body_object=body.object)
    current = stored_layout(conn, obj, kind)
    at = current.version if current is not None else 0
    if at != version:
        raise _stale(at, version)
    values = {
        "definition": layout.definition(),
        "version": version + 1,
        "updated_at": now,
        "updated_by_id": user_id,
    }
    if current is None:
        try:
            conn.execute(insert(gx_layout).values(object_name=obj.name, kind=kind, **values))
        except IntegrityError:  # another administrator saved the first one meanwhile
            raise _stale(1, version) from None
    else:
        changed = conn.execute(
            update(gx_layout)
            .where(
                gx_layout.c.object_name == obj.name,
                gx_layout.c.kind == kind,
                gx_layout.c.version == version,
            )
            .values(**values)
        ).rowcount
        if changed != 1:
            raise _stale(version + 1, version)
    return version + 1


def reset_layout(conn: Connection, obj: ObjectDef, kind: LayoutKind) -> bool:
    """Forget the saved layout: it is derived again. False when none was saved."""
    return bool(
        conn.execute(
            delete(gx_layout).where(gx_layout.c.object_name == obj.name, gx_layout.c.kind == kind)
        ).rowcount
    )


def _stale(current: int, sent: int) -> VersionConflict:
    return VersionConflict(
        f"the layout is at version {current}, not {sent}",
        errors=[FieldError("version", f"is {current} now", "stale")],
        extra={"current_version": current},
    )


def check_layout(
    snap: Snapshot,
    obj: ObjectDef,
    kind: LayoutKind,
    layout: Layout,
    *,
    body_kind: str | None = None,
    body_object: str | None = None,
) -> None:
    """Every problem of a layout at once, each naming its place (``sections[0].fields[2]``).

    Fields must exist on the object (archived ones may stay: they are never shown, and
    come back with a restore); each is placed once; a form places no computed field and
    has neither related lists nor highlights; a related list names an object with a
    lookup pointing here, and columns of that object."""
    errors: list[FieldError] = []
    if body_kind is not None and body_kind != kind:
        errors.append(FieldError("kind", f"is {body_kind!r}, but this is the {kind} layout"))
    if body_object is not None and body_object != obj.name:
        errors.append(FieldError("object", f"is {body_object!r}, but this is {obj.name}'s layout"))
    system = DETAIL_SYSTEM_FIELDS if kind == "detail" else FORM_SYSTEM_FIELDS
    keys: set[str] = set()
    placed: set[str] = set()
    for i, section in enumerate(layout.sections):
        if section.key in keys:
            errors.append(FieldError(f"sections[{i}].key", "is used twice", "duplicate"))
        keys.add(section.key)
        for j, name in enumerate(section.fields):
            where = f"sections[{i}].fields[{j}]"
            problem = _field_problem(obj, kind, name, system)
            if problem is not None:
                errors.append(FieldError(where, *problem))
            elif name in placed:
                errors.append(FieldError(where, f"{name!r} is placed twice", "duplicate"))
            placed.add(name)
    if kind == "form":
        if layout.highlights:
            errors.append(FieldError("highlights", "only a detail layout has highlights"))
        if layout.related_lists:
            errors.append(FieldError("related_lists", "only a detail layout has related lists"))
    else:
        for k, name in enumerate(layout.highlights):
            problem = _field_problem(obj, kind, name, system)
            if problem is not None:
                errors.append(FieldError(f"highlights[{k}]", *problem))
            elif name in layout.highlights[:k]:
                errors.append(
                    FieldError(f"highlights[{k}]", f"{name!r} is named twice", "duplicate")
                )
        errors.extend(_related_problems(snap, obj, layout.related_lists))
    if errors:
        raise ValidationFailed(
            f"the layout is not valid: {errors[0].field}: {errors[0].message}"
            + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
            errors=errors,
        )


def _field_problem(
    obj: ObjectDef, kind: LayoutKind, name: str, system: tuple[str, ...]
) -> tuple[str, str] | None:
    if name in system:
        return None
    f = obj.get_field(name, include_archived=True)
    if f is None:
        return f"{obj.name} has no field {name!r}", "unknown_field"
    if not _fits(kind, f.type):
        return f"{name!r} is computed ({f.type}): a form cannot edit it", "read_only"
    return None


def _related_problems(
    snap: Snapshot, obj: ObjectDef, related: tuple[RelatedList, ...]
) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: set[tuple[str, str]] = set()
    for i, rel in enumerate(related):
        where = f"related_lists[{i}]"
        other = snap.objects.get(rel.object)
        if other is None or other.archived:
            errors.append(FieldError(f"{where}.object", f"no object {rel.object!r}", "not_found"))
            continue
        lookup = other.get_field(rel.field)
        if lookup is None or lookup.type != "lookup" or lookup.opt("target") != obj.name:
            errors.append(
                FieldError(
                    f"{where}.field",
                    f"{other.name}.{rel.field} is not a lookup pointing at {obj.name}",
                    "invalid",
                )
            )
            continue
        if (other.name, lookup.name) in seen:
            errors.append(FieldError(where, "this related list is listed twice", "duplicate"))
        seen.add((other.name, lookup.name))
        for j, column in enumerate(rel.columns):
            if column in DETAIL_SYSTEM_FIELDS:
                continue
            if other.get_field(column, include_archived=True) is None:
                errors.append(
                    FieldError(
                        f"{where}.columns[{j}]",
                        f"{other.name} has no field {column!r}",
                        "unknown_field",
                    )
                )
            elif column in rel.columns[:j]:
                errors.append(
                    FieldError(f"{where}.columns[{j}]", f"{column!r} is named twice", "duplicate")
                )
    return errors
