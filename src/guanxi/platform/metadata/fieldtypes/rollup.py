"""Roll-up fields: a count, sum, minimum or maximum over the records that look up to one.

The value is never stored: the query engine computes it in SQL as a correlated subquery
over the child table each time it is read (``platform.query.paths``, ADR 0018), so it is
exact after any write to the children without maintenance code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Column

from guanxi.platform.metadata.fieldtypes.base import ORDERED_OPS, ConfigError, FieldType
from guanxi.platform.metadata.model import FieldDef

ROLLUP_OPS = ("count", "sum", "min", "max")
ROLLUP_KEYS = frozenset({"object", "lookup", "op", "field", "filter"})
SUMMABLE = frozenset({"integer", "decimal", "percent", "currency"})
ORDERABLE = SUMMABLE | {"date", "datetime"}
MAX_FILTER_CHARS = 20_000  # a stored filter tree; the engine bounds its conditions too


class RollupType(FieldType):
    """Read-only aggregate of a field of the child records (see the module doc)."""

    name = "rollup"
    stored = False
    writable = False
    ops = ORDERED_OPS
    config_keys = frozenset({"rollup"})

    def check_config(self, config: dict[str, Any], objects: Mapping[str, Any]) -> dict[str, Any]:
        out = super().check_config(config, objects)
        spec = out.get("rollup")
        if not isinstance(spec, Mapping):
            raise ConfigError("rollup", "a roll-up field needs {object, lookup, op, field?}")
        unknown = set(spec) - ROLLUP_KEYS
        if unknown:
            raise ConfigError(f"rollup.{sorted(unknown)[0]}", "is not a roll-up setting")
        child_name = spec.get("object")
        child = objects.get(child_name) if isinstance(child_name, str) else None
        if child is None:
            raise ConfigError("rollup.object", "must name an existing object")
        lookup = (
            child.get_field(spec.get("lookup")) if isinstance(spec.get("lookup"), str) else None
        )
        if lookup is None or lookup.type != "lookup":
            raise ConfigError("rollup.lookup", f"must name a lookup field of {child.name}")
        op = spec.get("op")
        if op not in ROLLUP_OPS:
            raise ConfigError("rollup.op", "must be count, sum, min or max")
        normal: dict[str, Any] = {"object": child.name, "lookup": lookup.name, "op": op}
        name = spec.get("field")
        if op == "count":
            if name is not None:
                raise ConfigError("rollup.field", "count takes no field: it counts records")
        else:
            measured = child.get_field(name) if isinstance(name, str) else None
            if measured is None:
                raise ConfigError("rollup.field", f"must name a field of {child.name}")
            allowed = SUMMABLE if op == "sum" else ORDERABLE
            if measured.type not in allowed:
                raise ConfigError(
                    "rollup.field",
                    f"{op} takes an integer, decimal, percent or currency field"
                    + ("" if op == "sum" else ", a date or a date-time")
                    + f", not a {measured.type} field",
                )
            normal["field"] = measured.name
        condition = spec.get("filter")
        if condition is not None:
            if not isinstance(condition, Mapping):
                raise ConfigError("rollup.filter", "must be a filter tree (an object)")
            if len(json.dumps(condition, default=str)) > MAX_FILTER_CHARS:
                raise ConfigError("rollup.filter", f"is longer than {MAX_FILTER_CHARS} characters")
            if condition:
                normal["filter"] = dict(condition)
        out["rollup"] = normal
        return out

    @staticmethod
    def check_parent(f: FieldDef, objects: Mapping[str, Any]) -> None:
        """The lookup must point at the object the roll-up belongs to."""
        spec = f.opt("rollup", {})
        lookup = objects[spec["object"]].get_field(spec["lookup"])
        if lookup.opt("target") != f.object_name:
            raise ConfigError(
                "rollup.lookup",
                f"{spec['object']}.{spec['lookup']} looks up {lookup.opt('target')},"
                f" not {f.object_name}",
            )

    def columns(self, f: FieldDef) -> list[Column[Any]]:
        return []

    def column_names(self, f: FieldDef) -> list[str]:
        return []
