"""Define and change objects and fields while the server runs.

Each function runs inside the caller's write transaction: the system-table rows, the DDL
and the metadata version bump commit together or not at all. On PostgreSQL a field's new
indexes are the exception: they are built just after the commit, concurrently, before the
caller's ``Database.write`` block returns, and a unique one meeting duplicates undoes the
change (ADR 0020, ``online_index``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, column, exc, func, insert, select, table, update

from guanxi.kernel.errors import (
    Conflict,
    FieldError,
    NotFound,
    UnsafeTypeChange,
    ValidationFailed,
    invalid,
)
from guanxi.platform.metadata import counters, ddl, online_index, typechange
from guanxi.platform.metadata.fieldtypes import (
    ConfigError,
    FieldValueError,
    RollupType,
    field_type,
)
from guanxi.platform.metadata.model import FieldDef, ObjectDef, table_name_for
from guanxi.platform.metadata.registry import Registry, Snapshot
from guanxi.platform.metadata.schemas import FieldIn, FieldPatch, ObjectIn, ObjectPatch
from guanxi.platform.metadata.state import bump_version
from guanxi.platform.metadata.tables import gx_field, gx_object
from guanxi.platform.search import index as search_index

# Checks a formula (its result type) or roll-up field (its filter) against the object it
# belongs to; supplied by the query engine.
FormulaCheck = Callable[[Snapshot, ObjectDef, FieldDef], str]


def _reindex_if_searchable_changed(conn: Connection, old: ObjectDef, new: ObjectDef) -> None:
    """Queue for re-indexing the object's records that have a value in a field whose
    searchability changed. (A new field needs none: its column is empty in every record.)
    """
    changed = search_index.changed_fields(old, new)
    if changed:
        search_index.enqueue_having(conn, new, changed)


def create_object(
    conn: Connection,
    registry: Registry,
    spec: ObjectIn,
    *,
    now: datetime,
    module: str | None = None,
) -> ObjectDef:
    """Register an object and create its table."""
    snap = registry.snapshot(conn)
    if spec.name in snap.objects:
        raise Conflict(
            f"object {spec.name!r} already exists",
            errors=[FieldError("name", "already exists", "duplicate")],
        )
    obj = ObjectDef(
        name=spec.name,
        table_name=table_name_for(spec.name),
        label=spec.label,
        plural_label=spec.plural_label,
        description=spec.description,
        module=module,
        name_field=None,
        icon=spec.icon,
        nav=spec.nav,
    )
    conn.execute(
        insert(gx_object).values(
            name=obj.name,
            table_name=obj.table_name,
            label=obj.label,
            plural_label=obj.plural_label,
            description=obj.description,
            module=module,
            name_field=None,
            icon=spec.icon,
            nav=spec.nav,
            archived=False,
            created_at=now,
            updated_at=now,
        )
    )
    ddl.create_object_table(conn, obj)
    search_index.reindex_object(conn, obj)  # clears rows a same-named object may have left
    bump_version(conn)
    return obj


def update_object(
    conn: Connection, registry: Registry, name: str, patch: ObjectPatch, *, now: datetime
) -> ObjectDef:
    """Change labels, the icon, the navigation setting or the title field; the API name
    never changes."""
    obj = registry.snapshot(conn).object(name)
    values: dict[str, Any] = {"updated_at": now}
    for key in ("label", "plural_label", "description", "icon", "nav"):
        if getattr(patch, key) is not None:
            values[key] = getattr(patch, key)
    if patch.name_field is not None:
        target = obj.get_field(patch.name_field)
        if target is None or target.type not in {"text", "auto_number", "email", "phone"}:
            raise invalid(
                "name_field", "must name an active text, auto-number, e-mail or phone field"
            )
        values["name_field"] = patch.name_field
    conn.execute(update(gx_object).where(gx_object.c.name == name).values(**values))
    new = replace(obj, **{k: v for k, v in values.items() if k != "updated_at"})
    _reindex_if_searchable_changed(conn, obj, new)  # the title field is always searchable
    bump_version(conn)
    return new


def _config_error(error: ConfigError) -> ValidationFailed:
    return ValidationFailed(
        detail=f"{error.key}: {error.message}",
        errors=[FieldError(error.key, error.message, "config")],
    )


def _stand_in(object_name: str, config: dict[str, Any]) -> FieldDef:
    """A stand-in field of ``object_name`` with ``config``, for checks before it exists."""
    return FieldDef(object_name=object_name, name="", type="rollup", label={}, config=config)


def _check_default(f: FieldDef) -> Any:
    if f.default is None:
        return None
    ftype = field_type(f.type)
    if not ftype.writable or f.type in {"lookup", "user", "file"}:
        raise invalid("default", f"a {f.type} field cannot have a default")
    try:
        ftype.clean(f, f.default)
    except FieldValueError as error:
        raise invalid("default", error.message) from None
    return f.default


def _check_flags(f: FieldDef) -> None:
    ftype = field_type(f.type)
    if (f.unique or f.indexed) and (
        not ftype.stored
        or f.type in {"multi_picklist", "tags", "address", "rich_text", "long_text"}
    ):
        raise invalid(
            "unique" if f.unique else "indexed", f"a {f.type} field cannot be unique or indexed"
        )
    if f.required and not ftype.writable:
        raise invalid(
            "required", f"a {f.type} field is filled by the system and cannot be required"
        )


PROBE = "formula_probe"


def try_formula(
    snap: Snapshot,
    object_name: str,
    expression: str,
    *,
    result_type: str | None,
    scale: int | None,
    formula_check: FormulaCheck,
) -> str:
    """The result type a formula field with this expression would have, or the
    ``ValidationFailed`` creating it would raise: the builder checks as the user types."""
    obj = snap.object(object_name)
    settings = {"expression": expression, "result_type": result_type, "scale": scale}
    try:
        config = field_type("formula").check_config(
            {k: v for k, v in settings.items() if v is not None}, snap.objects
        )
    except ConfigError as error:
        raise _config_error(error) from None
    probe = FieldDef(
        object_name=object_name,
        name=PROBE,
        type="formula",
        label={"en": PROBE},
        config=config,
        position=1 + max((f.position for f in obj.fields), default=0),
    )
    return formula_check(snap, replace(obj, fields=(*obj.fields, probe)), probe)


def create_field(
    conn: Connection,
    registry: Registry,
    object_name: str,
    spec: FieldIn,
    *,
    now: datetime,
    module: str | None = None,
    formula_check: FormulaCheck | None = None,
) -> FieldDef:
    """Add a field: a system-table row plus real column(s) and indexes, without a restart."""
    snap = registry.snapshot(conn)
    obj = snap.object(object_name)
    existing = obj.get_field(spec.name, include_archived=True)
    if existing is not None:
        hint = " (it is archived: restore it instead)" if existing.archived else ""
        raise Conflict(
            f"field {spec.name!r} already exists{hint}",
            errors=[FieldError("name", f"already exists{hint}", "duplicate")],
        )
    ftype = field_type(spec.type)
    try:
        config = ftype.check_config(spec.config(), snap.objects)
        if spec.type == "rollup":
            RollupType.check_parent(_stand_in(object_name, config), snap.objects)
    except ConfigError as error:
        raise _config_error(error) from None
    position = spec.position
    if position is None:
        position = 1 + max((f.position for f in obj.fields), default=0)
    f = FieldDef(
        object_name=object_name,
        name=spec.name,
        type=spec.type,
        label=spec.label,
        help=spec.help,
        required=bool(spec.required),
        unique=bool(spec.unique),
        indexed=bool(spec.indexed),
        searchable=bool(spec.searchable)
        if spec.searchable is not None
        else spec.type in {"email", "phone"},
        default=spec.default,
        config=config,
        position=position,
        module=module,
    )
    _check_flags(f)
    _check_default(f)
    if f.type == "formula":
        if not f.opt("expression"):
            raise invalid("expression", "a formula field needs an expression")
        if formula_check is not None:
            result = formula_check(snap, replace(obj, fields=(*obj.fields, f)), f)
            f = replace(f, config={**f.config, "result_type": result})
    if f.type == "rollup" and formula_check is not None:  # compiles its filter
        formula_check(snap, replace(obj, fields=(*obj.fields, f)), f)
    conn.execute(
        insert(gx_field).values(
            object_name=object_name,
            name=f.name,
            type=f.type,
            label=f.label,
            help=f.help,
            required=f.required,
            is_unique=f.unique,
            indexed=f.indexed,
            searchable=f.searchable,
            default=f.default,
            config=f.config,
            position=f.position,
            module=module,
            archived=False,
            created_at=now,
            updated_at=now,
        )
    )
    if f.type == "auto_number":
        counters.create_counter(conn, f)
    new_obj = replace(obj, fields=(*obj.fields, f))
    try:
        with ddl.brief_table_locks(conn, f.name):
            pending = ddl.add_field_columns(
                conn, new_obj, f, concurrently=True, undo={"action": "create"}, now=now
            )
    except exc.IntegrityError:
        raise online_index.duplicate_values() from None
    online_index.build_after_commit(conn, pending)
    if obj.name_field is None and f.type in {"text", "auto_number"}:
        conn.execute(
            update(gx_object).where(gx_object.c.name == object_name).values(name_field=f.name)
        )
    bump_version(conn)
    return f


def _get_field(snap: Snapshot, object_name: str, field_name: str) -> tuple[ObjectDef, FieldDef]:
    obj = snap.object(object_name)
    f = obj.get_field(field_name, include_archived=True)
    if f is None:
        raise NotFound(f"field {object_name}.{field_name} does not exist")
    return obj, f


def update_field(
    conn: Connection,
    registry: Registry,
    object_name: str,
    field_name: str,
    patch: FieldPatch,
    *,
    now: datetime,
    formula_check: FormulaCheck | None = None,
) -> FieldDef:
    """Change labels, validation rules, options or flags; a type change only when lossless."""
    snap = registry.snapshot(conn)
    obj, old = _get_field(snap, object_name, field_name)
    given = patch.model_dump(exclude_unset=True)
    new_type = given.pop("type", None) or old.type
    config_changes = {k: v for k, v in given.items() if k in patch.config()}
    merged_config = {**old.config, **config_changes}
    if new_type != old.type and "target" in merged_config and new_type != "lookup":
        merged_config.pop("target")
    ftype = field_type(new_type)
    try:
        config = ftype.check_config(merged_config, snap.objects)
        if new_type == "rollup":
            RollupType.check_parent(_stand_in(object_name, config), snap.objects)
    except ConfigError as error:
        raise _config_error(error) from None
    if old.type == "lookup" and config.get("target") != old.opt("target"):
        raise UnsafeTypeChange(
            "a lookup's target object cannot change",
            errors=[FieldError("target", "cannot change", "immutable")],
        )
    new = replace(
        old,
        type=new_type,
        label=given.get("label", old.label),
        help=given.get("help", old.help),
        required=given.get("required", old.required),
        unique=given.get("unique", old.unique),
        indexed=given.get("indexed", old.indexed),
        searchable=given.get("searchable", old.searchable),
        default=given.get("default", old.default),
        position=given.get("position", old.position),
        config=config,
    )
    _check_flags(new)
    _check_default(new)
    if new.type == "formula" and formula_check is not None:
        if "expression" in config_changes:  # the result type follows a new expression
            new = replace(
                new,
                config={
                    k: v
                    for k, v in new.config.items()
                    if k != "result_type" or "result_type" in given
                },
            )
        result = formula_check(
            snap,
            replace(obj, fields=tuple(new if f.name == new.name else f for f in obj.fields)),
            new,
        )
        new = replace(new, config={**new.config, "result_type": result})
    new_obj = replace(obj, fields=tuple(new if f.name == new.name else f for f in obj.fields))
    if new.type == "rollup" and formula_check is not None:
        formula_check(snap, new_obj, new)
    if new.unique and not old.unique and ddl.builds_concurrently(conn):
        # Checked here, so that the likely refusal commits nothing; duplicates written
        # after this check make the concurrent build fail and undo the change instead.
        _refuse_duplicates(conn, obj, new)
    with ddl.brief_table_locks(conn, new.name):
        # raises UnsafeTypeChange for lossy changes
        rewritten = typechange.apply(conn, obj, old, new)
        if old.type == new.type == "auto_number":
            counters.switch_source(conn, old, new)
        pending: list[str] = []
        if (old.unique, old.indexed, old.searchable) != (new.unique, new.indexed, new.searchable):
            try:
                # A table just rewritten by a type change was locked throughout anyway:
                # its indexes are built in the transaction, as before.
                pending = ddl.sync_field_indexes(
                    conn,
                    new_obj,
                    new,
                    concurrently=not rewritten,
                    undo={"action": "update", "before": online_index.field_row(old)},
                    now=now,
                )
            except exc.IntegrityError:
                raise online_index.duplicate_values() from None
    online_index.build_after_commit(conn, pending)
    _write_field(conn, new, now)
    _reindex_if_searchable_changed(conn, obj, new_obj)
    bump_version(conn)
    return new


def _refuse_duplicates(conn: Connection, obj: ObjectDef, f: FieldDef) -> None:
    """Raise the duplicate-values conflict if two live records share a value of ``f``."""
    ftype = field_type(f.type)
    if not ftype.stored:
        return
    name = ftype.column_names(f)[0]
    rows = table(obj.table_name, column(name), column("deleted_at"))
    value = rows.c[name]
    shared = (
        select(value)
        .where(value.is_not(None), rows.c.deleted_at.is_(None))
        .group_by(value)
        .having(func.count() > 1)
        .limit(1)
    )
    if conn.execute(select(shared.exists())).scalar():
        raise online_index.duplicate_values()


def _write_field(conn: Connection, f: FieldDef, now: datetime) -> None:
    conn.execute(
        update(gx_field)
        .where(gx_field.c.object_name == f.object_name, gx_field.c.name == f.name)
        .values(
            type=f.type,
            label=f.label,
            help=f.help,
            required=f.required,
            is_unique=f.unique,
            indexed=f.indexed,
            searchable=f.searchable,
            default=f.default,
            config=f.config,
            position=f.position,
            archived=f.archived,
            updated_at=now,
        )
    )


def set_field_archived(
    conn: Connection,
    registry: Registry,
    object_name: str,
    field_name: str,
    archived: bool,
    *,
    now: datetime,
) -> FieldDef:
    """Archive (hide, keeping column and data) or restore a field."""
    snap = registry.snapshot(conn)
    obj, f = _get_field(snap, object_name, field_name)
    if archived and obj.name_field == field_name:
        raise Conflict(
            "the title field cannot be archived",
            errors=[FieldError("name", "is the object's title field", "in_use")],
        )
    if archived and f.module is not None and f.required:
        raise Conflict(
            "a required standard field cannot be archived",
            errors=[FieldError("name", "is a required standard field", "in_use")],
        )
    new = replace(f, archived=archived)
    _write_field(conn, new, now)
    _reindex_if_searchable_changed(
        conn, obj, replace(obj, fields=tuple(new if g.name == new.name else g for g in obj.fields))
    )
    bump_version(conn)
    return new


@dataclass(frozen=True)
class ObjectDeclaration:
    """A standard object as a module declares it."""

    spec: ObjectIn
    fields: list[FieldIn] = field(default_factory=list)
    name_field: str | None = None


def ensure_declared(
    conn: Connection,
    registry: Registry,
    module: str,
    declarations: list[ObjectDeclaration],
    *,
    now: datetime,
    formula_check: FormulaCheck | None = None,
) -> None:
    """Create a module's missing standard objects and fields; idempotent, never deletes."""
    for decl in declarations:
        snap = registry.snapshot(conn)
        if decl.spec.name not in snap.objects:
            create_object(conn, registry, decl.spec, now=now, module=module)
        for spec in decl.fields:
            obj = registry.snapshot(conn).object(decl.spec.name)
            if obj.get_field(spec.name, include_archived=True) is None:
                create_field(
                    conn,
                    registry,
                    obj.name,
                    spec,
                    now=now,
                    module=module,
                    formula_check=formula_check,
                )
        if decl.name_field:
            current = conn.execute(
                select(gx_object.c.name_field).where(gx_object.c.name == decl.spec.name)
            ).scalar()
            if current != decl.name_field:
                update_object(
                    conn, registry, decl.spec.name, ObjectPatch(name_field=decl.name_field), now=now
                )
