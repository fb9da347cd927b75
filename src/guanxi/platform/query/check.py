"""Validation of formula fields when they are defined."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guanxi.kernel.errors import FieldError, ValidationFailed
from guanxi.platform.metadata.model import FieldDef, ObjectDef
from guanxi.platform.metadata.registry import Snapshot, Tables, build_table
from guanxi.platform.query.dates import is_relative
from guanxi.platform.query.paths import QueryScope


def check_formula(snap: Snapshot, obj: ObjectDef, f: FieldDef) -> str:
    """Compile the formula against the object as it will be and return its result type.

    Errors name ``expression`` (or ``result_type`` / ``scale`` when those disagree with it).
    """
    objects = {**snap.objects, obj.name: obj}
    table = build_table(obj, type(snap.metadata)())
    tables = (
        snap.tables.with_table(obj, table)
        if isinstance(snap.tables, Tables)
        else {**snap.tables, obj.name: table}
    )
    trial = Snapshot(version=snap.version, objects=objects, tables=tables, metadata=snap.metadata)
    scope = QueryScope(trial, obj, "sqlite")
    if f.type == "rollup":
        return _check_rollup(scope, f)
    try:
        term = scope.resolve(f.name)
    except ValidationFailed as exc:
        message = exc.errors[0].message if exc.errors else str(exc)
        raise ValidationFailed(
            f"expression: {message}", errors=[FieldError("expression", message, "formula")]
        ) from None
    computed = "number" if term.kind == "formula_number" else term.kind
    declared = f.opt("result_type")
    if declared is not None and declared != computed:
        message = f"the expression gives a {computed}, not a {declared}"
        raise ValidationFailed(
            f"result_type: {message}", errors=[FieldError("result_type", message, "formula")]
        )
    if f.opt("scale") is not None and computed != "number":
        message = f"scale applies to numbers; the expression gives a {computed}"
        raise ValidationFailed(
            f"scale: {message}", errors=[FieldError("scale", message, "formula")]
        )
    return computed


def _check_rollup(scope: QueryScope, f: FieldDef) -> str:
    """Compile a roll-up's filter against its child object; returns the value's kind.

    Relative dates (``this_month``) are refused: a list's statement is built once per
    metadata version and shared (``records.reader.read_plan``), so "today" would stay
    the day it was built.
    """
    condition = f.opt("rollup", {}).get("filter")
    if condition is not None and _relative(condition):
        message = "relative dates such as this_month are not allowed in a roll-up's filter"
        raise ValidationFailed(
            f"rollup.filter: {message}", errors=[FieldError("rollup.filter", message, "config")]
        )
    try:
        return scope.resolve(f.name).kind
    except ValidationFailed as exc:
        message = exc.errors[0].message if exc.errors else str(exc)
        raise ValidationFailed(
            f"rollup.filter: {message}", errors=[FieldError("rollup.filter", message, "config")]
        ) from None


def _relative(node: Any) -> bool:
    """Whether a filter tree compares with a relative date anywhere."""
    if isinstance(node, list):
        return any(_relative(child) for child in node)
    if not isinstance(node, Mapping):
        return False
    if "field" in node:
        value = node.get("value")
        return any(is_relative(v) for v in (value if isinstance(value, list) else [value]))
    return any(_relative(child) for child in node.values())
