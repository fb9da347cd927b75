"""Installing a module's standard objects and upgrading them between its versions (ADR 0014).

A module declares its objects as they are in its current version. A fresh database gets
them as declared. A database that holds an earlier version gets the fields added since
(as every run of ``ensure_declared`` does) and, once, each :class:`FieldChange` and
:class:`ObjectChange` made after the version it holds: the field or object is brought to
the declaration in that one respect and in no other, so what administrators changed
themselves (labels, options, flags of other fields, their own options) stays theirs. The
version reached is recorded in ``gx_module``; running it again does nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, insert, select, update

from guanxi.kernel.errors import Conflict
from guanxi.platform.metadata.registry import Registry
from guanxi.platform.metadata.schemas import FieldIn, FieldPatch, ObjectPatch
from guanxi.platform.metadata.service import (
    FormulaCheck,
    ObjectDeclaration,
    ensure_declared,
    update_field,
    update_object,
)
from guanxi.platform.metadata.tables import gx_module

# A field that is simply new needs no change: upgrading creates every declared field that
# is missing. These are the changes to a field an earlier version already shipped.
ChangeKind = Literal["relabelled", "options_added", "made_indexed"]
CHANGE_KINDS: tuple[ChangeKind, ...] = ("relabelled", "options_added", "made_indexed")


@dataclass(frozen=True)
class FieldChange:
    """A shipped field changed in module version ``since``; the declaration says how."""

    object: str
    field: str
    since: int
    change: ChangeKind


# Changes to an object itself, beside its fields: "nav_changed" brings whether it is listed
# in the navigation to the declaration (a child object hidden from the menu).
ObjectChangeKind = Literal["nav_changed"]
OBJECT_CHANGE_KINDS: tuple[ObjectChangeKind, ...] = ("nav_changed",)


@dataclass(frozen=True)
class ObjectChange:
    """A shipped object changed in module version ``since``; the declaration says how."""

    object: str
    since: int
    change: ObjectChangeKind


Change = FieldChange | ObjectChange


@dataclass(frozen=True)
class Installed:
    """What installing a module did: ``before`` is None for a fresh install."""

    module: str
    before: int | None
    after: int


def _declared_field(
    declarations: Sequence[ObjectDeclaration], object_name: str, field_name: str
) -> FieldIn | None:
    for decl in declarations:
        if decl.spec.name == object_name:
            return next((f for f in decl.fields if f.name == field_name), None)
    return None


def _declared_object(
    declarations: Sequence[ObjectDeclaration], object_name: str
) -> ObjectDeclaration | None:
    return next((d for d in declarations if d.spec.name == object_name), None)


def check_changes(
    module: str,
    version: int,
    declarations: Sequence[ObjectDeclaration],
    changes: Sequence[Change],
) -> None:
    """Raise ``ValueError`` for a change the declarations cannot carry out."""
    if version < 1:
        raise ValueError(f"module {module}: version must be 1 or more, not {version}")
    for change in changes:
        if isinstance(change, ObjectChange):
            _check_object_change(module, version, declarations, change)
            continue
        where = f"module {module}: change to {change.object}.{change.field}"
        if change.change not in CHANGE_KINDS:
            raise ValueError(f"{where}: unknown change {change.change!r}")
        if not 2 <= change.since <= version:
            raise ValueError(f"{where}: since must be between 2 and {version}")
        spec = _declared_field(declarations, change.object, change.field)
        if spec is None:
            raise ValueError(f"{where}: the field is not declared")
        if change.change == "options_added" and not spec.options:
            raise ValueError(f"{where}: the declared field has no options")
        if change.change == "made_indexed" and not spec.indexed:
            raise ValueError(f"{where}: the declared field is not indexed")


def _check_object_change(
    module: str, version: int, declarations: Sequence[ObjectDeclaration], change: ObjectChange
) -> None:
    where = f"module {module}: change to {change.object}"
    if change.change not in OBJECT_CHANGE_KINDS:
        raise ValueError(f"{where}: unknown change {change.change!r}")
    if not 2 <= change.since <= version:
        raise ValueError(f"{where}: since must be between 2 and {version}")
    if _declared_object(declarations, change.object) is None:
        raise ValueError(f"{where}: the object is not declared")


def install(
    conn: Connection,
    registry: Registry,
    module: str,
    declarations: Sequence[ObjectDeclaration],
    *,
    version: int,
    changes: Sequence[Change] = (),
    now: datetime,
    formula_check: FormulaCheck | None = None,
) -> Installed:
    """Install or upgrade a module's objects to ``version``; idempotent.

    A database newer than the code is refused (``Conflict``): nothing is downgraded."""
    check_changes(module, version, declarations, changes)
    recorded = conn.execute(select(gx_module.c.version).where(gx_module.c.name == module)).scalar()
    before: int | None = recorded
    if before is None:
        objects = registry.snapshot(conn).objects
        # Installed before versions were recorded; another module's object that this one
        # extends (a roll-up on an account) says nothing about this module.
        if any(
            d.spec.name in objects and objects[d.spec.name].module == module for d in declarations
        ):
            before = 1
    if before is not None and before > version:
        raise Conflict(
            f"the database holds version {before} of module {module}, newer than this "
            f"code's version {version}"
        )
    ensure_declared(
        conn, registry, module, list(declarations), now=now, formula_check=formula_check
    )
    if before is not None:
        for change in sorted(changes, key=lambda c: c.since):
            if before >= change.since:
                continue
            if isinstance(change, ObjectChange):
                _apply_to_object(conn, registry, declarations, change, now=now)
            else:
                _apply(conn, registry, declarations, change, now=now, formula_check=formula_check)
    if recorded is None:
        conn.execute(
            insert(gx_module).values(
                name=module, version=version, installed_at=now, upgraded_at=now
            )
        )
    elif recorded != version:
        conn.execute(
            update(gx_module)
            .where(gx_module.c.name == module)
            .values(version=version, upgraded_at=now)
        )
    return Installed(module, before, version)


def _apply(
    conn: Connection,
    registry: Registry,
    declarations: Sequence[ObjectDeclaration],
    change: FieldChange,
    *,
    now: datetime,
    formula_check: FormulaCheck | None,
) -> None:
    spec = _declared_field(declarations, change.object, change.field)
    current = (
        registry.snapshot(conn).object(change.object).get_field(change.field, include_archived=True)
    )
    if spec is None or current is None:
        return
    patch: dict[str, Any] = {}
    if change.change == "relabelled" and current.label != spec.label:
        patch["label"] = spec.label
    elif change.change == "made_indexed" and not current.indexed:
        patch["indexed"] = True
    elif change.change == "options_added" and "options" in current.config:
        # An administrator's own options, order and deactivations stay as they are.
        have = {option["value"] for option in current.config["options"]}
        new = [option for option in spec.options or [] if option["value"] not in have]
        if new:
            patch["options"] = [*current.config["options"], *new]
    if patch:
        update_field(
            conn,
            registry,
            change.object,
            change.field,
            FieldPatch(**patch),
            now=now,
            formula_check=formula_check,
        )


def _apply_to_object(
    conn: Connection,
    registry: Registry,
    declarations: Sequence[ObjectDeclaration],
    change: ObjectChange,
    *,
    now: datetime,
) -> None:
    declared = _declared_object(declarations, change.object)
    current = registry.snapshot(conn).objects.get(change.object)
    if declared is None or current is None or current.archived:
        return
    if change.change == "nav_changed" and current.nav != declared.spec.nav:
        update_object(conn, registry, change.object, ObjectPatch(nav=declared.spec.nav), now=now)
