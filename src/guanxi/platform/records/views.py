"""Saved list views: a named filter, columns, sort, page size and kanban field for one
object — personal, or shared with everyone or with roles.

Anyone who may read the object keeps personal views of it; sharing one needs the
``manage_metadata`` right. A view is checked against its editor's permissions when saved
(with the same query compiler as the list, so an unknown or hidden field is refused as
the list refuses it) and shown to each reader as they may see it: a column, sort key or
kanban field the reader may not see is left out, and a filter that reads such a field is
withheld (``filter`` null, ``filter_hidden`` true) rather than shown or loosened.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.sql.elements import ColumnElement

from guanxi.kernel.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    PreconditionRequired,
    ValidationFailed,
    VersionConflict,
)
from guanxi.kernel.ids import uuid7
from guanxi.platform.access.tables import gx_role, gx_user_role
from guanxi.platform.metadata.model import ObjectDef
from guanxi.platform.query.filters import FilterCompiler
from guanxi.platform.query.paths import QueryScope
from guanxi.platform.query.sorting import MAX_SORT_KEYS, parse_sort
from guanxi.platform.records.context import Ctx, require
from guanxi.platform.records.tables import gx_view, gx_view_role
from guanxi.platform.records.values import plain
from guanxi.platform.records.view_schemas import ViewIn, ViewPatch, ViewSettings

DEFAULT_PAGE_SIZE = 50
MAX_OWN_VIEWS = 100  # views one user keeps of one object
SHARE_RIGHT = "manage_metadata"


def list_views(ctx: Ctx, object_name: str) -> list[dict[str, Any]]:
    """The user's own views of the object and those shared with them (with everyone, or
    with a role they hold); holders of ``manage_metadata`` see every shared view."""
    obj = _object(ctx, object_name)
    rows = ctx.conn.execute(
        select(gx_view)
        .where(gx_view.c.object_name == obj.name, _audience(ctx))
        .order_by(gx_view.c.created_at, gx_view.c.id)
    ).all()
    roles = _roles_of(ctx, [r.id for r in rows if r.visibility == "roles"])
    return [view_out(ctx, obj, row, roles.get(row.id, [])) for row in rows]


def get_view(ctx: Ctx, object_name: str, view_id: UUID) -> dict[str, Any]:
    """One view the user may see (404 otherwise, as for one that does not exist)."""
    obj = _object(ctx, object_name)
    row = _visible_row(ctx, obj, view_id)
    return view_out(ctx, obj, row, _roles_of(ctx, [row.id]).get(row.id, []))


def create_view(ctx: Ctx, object_name: str, body: ViewIn) -> dict[str, Any]:
    """Save a new view owned by the user; a shared one needs ``manage_metadata``."""
    obj = _object(ctx, object_name)
    visibility = body.visibility or "personal"
    role_ids = list(body.role_ids or [])
    _may_share(ctx, visibility)
    definition = _definition(body, None)
    _check(ctx, obj, definition, visibility, role_ids)
    owned = ctx.conn.execute(
        select(func.count())
        .select_from(gx_view)
        .where(gx_view.c.object_name == obj.name, gx_view.c.owner_id == ctx.actor.user_id)
    ).scalar_one()
    if owned >= MAX_OWN_VIEWS:
        raise Conflict(f"you keep {owned} views of {obj.name}, the most one may; delete some")
    view_id = uuid7()
    ctx.conn.execute(
        insert(gx_view).values(
            id=view_id,
            object_name=obj.name,
            name=body.name,
            definition=definition,
            visibility=visibility,
            owner_id=ctx.actor.user_id,
            version=1,
            created_at=ctx.now,
            updated_at=ctx.now,
        )
    )
    _set_roles(ctx, view_id, role_ids)
    return get_view(ctx, obj.name, view_id)


def update_view(
    ctx: Ctx,
    object_name: str,
    view_id: UUID,
    body: ViewPatch,
    *,
    expected_version: int | None,
) -> dict[str, Any]:
    """Change the members of a view that ``body`` sends, if it is still at the version
    read (412 otherwise, 428 without one). The owner changes a personal view; a shared
    one takes ``manage_metadata``, as sharing does."""
    obj = _object(ctx, object_name)
    row = _visible_row(ctx, obj, view_id)
    if not _may_edit(ctx, row):
        raise PermissionDenied(
            "a shared view is changed by those holding the manage_metadata right"
        )
    version = expected_version if expected_version is not None else body.version
    if version is None:
        raise PreconditionRequired(
            'send If-Match: "<version>" or a version in the body',
            errors=[FieldError("version", "is required to change a view", "required")],
        )
    if version != row.version:
        raise _stale(row.version, version)
    sent = body.model_fields_set
    visibility = body.visibility if "visibility" in sent and body.visibility else row.visibility
    _may_share(ctx, visibility)
    if "role_ids" in sent:
        role_ids = list(body.role_ids or [])
    elif visibility == "roles":
        role_ids = [UUID(str(r)) for r in _roles_of(ctx, [row.id]).get(row.id, [])]
    else:
        role_ids = []
    definition = _definition(body, row.definition)
    _check(ctx, obj, definition, visibility, role_ids)
    values: dict[str, Any] = {
        "definition": definition,
        "visibility": visibility,
        "version": row.version + 1,
        "updated_at": ctx.now,
    }
    if "name" in sent and body.name is not None:
        values["name"] = body.name
    changed = ctx.conn.execute(
        update(gx_view)
        .where(gx_view.c.id == row.id, gx_view.c.version == row.version)
        .values(**values)
    ).rowcount
    if changed != 1:
        raise _stale(row.version + 1, version)
    _set_roles(ctx, row.id, role_ids)
    return get_view(ctx, obj.name, row.id)


def delete_view(ctx: Ctx, object_name: str, view_id: UUID) -> None:
    """Delete a view: its owner may, and for a shared view those holding
    ``manage_metadata``."""
    obj = _object(ctx, object_name)
    row = _visible_row(ctx, obj, view_id)
    if row.owner_id != ctx.actor.user_id and not (
        row.visibility != "personal" and ctx.actor.has_right(SHARE_RIGHT)
    ):
        raise PermissionDenied("a shared view is deleted by its owner or an administrator")
    ctx.conn.execute(delete(gx_view_role).where(gx_view_role.c.view_id == row.id))
    ctx.conn.execute(delete(gx_view).where(gx_view.c.id == row.id))


# -- who sees and changes what ----------------------------------------------------------
def _object(ctx: Ctx, object_name: str) -> ObjectDef:
    obj = ctx.snap.object(object_name)
    require(ctx, "read", obj)  # views are of lists the user may read
    return obj


def _audience(ctx: Ctx) -> ColumnElement[bool]:
    """Views the user sees, as a predicate: their own and those shared with them."""
    me = ctx.actor.user_id
    if ctx.actor.has_right(SHARE_RIGHT):
        return or_(gx_view.c.owner_id == me, gx_view.c.visibility != "personal")
    my_roles = select(gx_user_role.c.role_id).where(gx_user_role.c.user_id == me)
    shared_with_my_roles = select(gx_view_role.c.view_id).where(
        gx_view_role.c.role_id.in_(my_roles)
    )
    return or_(
        gx_view.c.owner_id == me,
        gx_view.c.visibility == "everyone",
        and_(gx_view.c.visibility == "roles", gx_view.c.id.in_(shared_with_my_roles)),
    )


def _visible_row(ctx: Ctx, obj: ObjectDef, view_id: UUID) -> Row[Any]:
    row = ctx.conn.execute(
        select(gx_view).where(
            gx_view.c.id == view_id, gx_view.c.object_name == obj.name, _audience(ctx)
        )
    ).first()
    if row is None:
        raise NotFound(f"no {obj.name} view with id {view_id}")
    return row


def _may_edit(ctx: Ctx, row: Row[Any]) -> bool:
    if row.visibility == "personal":
        return bool(row.owner_id == ctx.actor.user_id)
    return ctx.actor.has_right(SHARE_RIGHT)


def _may_share(ctx: Ctx, visibility: str) -> None:
    if visibility != "personal" and not ctx.actor.has_right(SHARE_RIGHT):
        raise PermissionDenied("sharing a view needs the manage_metadata right")


def _roles_of(ctx: Ctx, view_ids: Sequence[UUID]) -> dict[UUID, list[str]]:
    """The roles each view is shared with, for all of them in one query."""
    if not view_ids:
        return {}
    found: dict[UUID, list[str]] = {}
    for view_id, role_id in ctx.conn.execute(
        select(gx_view_role.c.view_id, gx_view_role.c.role_id)
        .where(gx_view_role.c.view_id.in_(list(view_ids)))
        .order_by(gx_view_role.c.role_id)
    ):
        found.setdefault(view_id, []).append(str(role_id))
    return found


def _set_roles(ctx: Ctx, view_id: UUID, role_ids: list[UUID]) -> None:
    ctx.conn.execute(delete(gx_view_role).where(gx_view_role.c.view_id == view_id))
    if role_ids:
        ctx.conn.execute(
            insert(gx_view_role),
            [{"view_id": view_id, "role_id": r} for r in dict.fromkeys(role_ids)],
        )


def _stale(current: int, sent: int) -> VersionConflict:
    return VersionConflict(
        f"the view is at version {current}, not {sent}",
        errors=[FieldError("version", f"is {current} now", "stale")],
        extra={"current_version": current},
    )


# -- checking a view against its editor -------------------------------------------------
def _definition(body: ViewSettings, current: dict[str, Any] | None) -> dict[str, Any]:
    """The stored definition: the members ``body`` sends over ``current`` (or defaults)."""
    out: dict[str, Any] = dict(
        current
        or {
            "filter": None,
            "columns": [],
            "sort": [],
            "page_size": DEFAULT_PAGE_SIZE,
            "kanban_field": None,
        }
    )
    sent = body.model_fields_set
    if "filter" in sent:
        out["filter"] = body.filter or None
    if "columns" in sent:
        out["columns"] = [{"field": c.field, "width": c.width} for c in body.columns or []]
    if "sort" in sent:
        out["sort"] = list(body.sort or [])
    if "page_size" in sent:
        out["page_size"] = body.page_size or DEFAULT_PAGE_SIZE
    if "kanban_field" in sent:
        out["kanban_field"] = body.kanban_field
    return out


def _check(
    ctx: Ctx,
    obj: ObjectDef,
    definition: dict[str, Any],
    visibility: str,
    role_ids: list[UUID],
) -> None:
    """Refuse a view the editor could not use. The filter is compiled first, as the list
    compiles it, and its error is the list's (the field path, ``location`` in the tree);
    then every other problem at once, each naming its place (``columns[2].field``)."""
    if definition["filter"] is not None:
        FilterCompiler(_scope(ctx, obj), ctx.now).compile(definition["filter"])
    errors: list[FieldError] = []
    scope = _scope(ctx, obj)
    seen: set[str] = set()
    for i, column in enumerate(definition["columns"]):
        where = f"columns[{i}].field"
        try:
            scope.resolve(column["field"])
        except ValidationFailed as error:
            errors.extend(FieldError(where, e.message, e.code) for e in error.errors)
            continue
        if column["field"] in seen:
            errors.append(FieldError(where, f"{column['field']!r} is shown twice", "duplicate"))
        seen.add(column["field"])
    sort = definition["sort"]
    if len(sort) > MAX_SORT_KEYS:
        errors.append(FieldError("sort", f"takes at most {MAX_SORT_KEYS} keys", "invalid_sort"))
    normalised: list[str] = []
    for i, key in enumerate(sort[:MAX_SORT_KEYS]):
        try:
            (parsed, *_) = parse_sort(scope, [key])
        except ValidationFailed as error:
            errors.extend(FieldError(f"sort[{i}]", e.message, e.code) for e in error.errors)
            continue
        normalised.append(("-" if parsed.descending else "") + parsed.term.path)
    definition["sort"] = normalised
    kanban = definition["kanban_field"]
    if kanban is not None and not _is_picklist(scope, kanban):
        errors.append(
            FieldError("kanban_field", f"{obj.name} has no picklist field {kanban!r}", "invalid")
        )
    errors.extend(_role_problems(ctx, visibility, role_ids))
    if errors:
        raise ValidationFailed(
            f"the view is not valid: {errors[0].field}: {errors[0].message}"
            + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
            errors=errors,
        )


def _role_problems(ctx: Ctx, visibility: str, role_ids: list[UUID]) -> list[FieldError]:
    if visibility != "roles":
        if role_ids:
            return [FieldError("role_ids", "only a view shared with roles names roles", "invalid")]
        return []
    if not role_ids:
        return [FieldError("role_ids", "name at least one role to share the view with", "required")]
    known = set(ctx.conn.execute(select(gx_role.c.id).where(gx_role.c.id.in_(role_ids))).scalars())
    return [
        FieldError(f"role_ids[{i}]", f"no role with id {role_id}", "not_found")
        for i, role_id in enumerate(role_ids)
        if role_id not in known
    ]


def _scope(ctx: Ctx, obj: ObjectDef) -> QueryScope:
    return QueryScope(ctx.snap, obj, ctx.conn.dialect.name, ctx.actor.policy)


def _is_picklist(scope: QueryScope, name: str) -> bool:
    if not isinstance(name, str) or "." in name:
        return False
    try:
        term = scope.resolve(name)
    except ValidationFailed:
        return False
    return term.field is not None and term.field.type == "picklist"


# -- a view as one reader sees it -------------------------------------------------------
def view_out(ctx: Ctx, obj: ObjectDef, row: Row[Any], role_ids: list[str]) -> dict[str, Any]:
    """The view as this user may see it (see the module's text)."""
    definition: dict[str, Any] = row.definition or {}
    scope = _scope(ctx, obj)

    def resolves(path: Any) -> bool:
        try:
            scope.resolve(path)
        except ValidationFailed:
            return False
        return True

    def sorts(key: Any) -> bool:
        try:
            parse_sort(scope, [key])
        except ValidationFailed:
            return False
        return True

    tree = definition.get("filter")
    filter_hidden = False
    if tree is not None:
        try:
            FilterCompiler(_scope(ctx, obj), ctx.now).compile(tree)
        except ValidationFailed:
            tree, filter_hidden = None, True
    kanban = definition.get("kanban_field")
    return {
        "id": str(row.id),
        "object": obj.name,
        "name": row.name,
        "filter": tree,
        "filter_hidden": filter_hidden,
        "columns": [c for c in definition.get("columns", []) if resolves(c.get("field"))],
        "sort": [key for key in definition.get("sort", []) if sorts(key)],
        "page_size": definition.get("page_size", DEFAULT_PAGE_SIZE),
        "kanban_field": kanban if kanban is not None and _is_picklist(scope, kanban) else None,
        "visibility": row.visibility,
        "role_ids": role_ids,
        "owner_id": str(row.owner_id),
        "editable": _may_edit(ctx, row),
        "version": row.version,
        "created_at": plain(row.created_at, ctx.zone),
        "updated_at": plain(row.updated_at, ctx.zone),
    }
