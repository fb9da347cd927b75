"""Validation of formula fields when they are defined."""

from __future__ import annotations

from guanxi.kernel.errors import FieldError, ValidationFailed
from guanxi.platform.metadata.model import FieldDef, ObjectDef
from guanxi.platform.metadata.registry import Snapshot, build_table
from guanxi.platform.query.paths import QueryScope


def check_formula(snap: Snapshot, obj: ObjectDef, f: FieldDef) -> None:
    """Compile the formula against the object as it will be; errors name ``expression``."""
    objects = {**snap.objects, obj.name: obj}
    tables = dict(snap.tables)
    tables[obj.name] = build_table(obj, type(snap.metadata)())
    trial = Snapshot(version=snap.version, objects=objects, tables=tables, metadata=snap.metadata)
    scope = QueryScope(trial, obj, "sqlite")
    try:
        scope.resolve(f.name)
    except ValidationFailed as exc:
        message = exc.errors[0].message if exc.errors else str(exc)
        raise ValidationFailed(
            f"expression: {message}", errors=[FieldError("expression", message, "formula")]
        ) from None
