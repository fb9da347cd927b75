"""Yes/no, picklist, multi-select picklist and tag fields."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from sqlalchemy import Boolean, String
from sqlalchemy.types import TypeEngine

from guanxi.kernel.sqltypes import JsonType
from guanxi.platform.metadata.fieldtypes.base import (
    SET_OPS,
    ConfigError,
    FieldType,
    FieldValueError,
)
from guanxi.platform.metadata.model import FieldDef


class BooleanType(FieldType):
    name = "boolean"
    ops = frozenset({"eq", "ne", "is_null"})

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return Boolean()

    def clean(self, f: FieldDef, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"true", "false", "1", "0"}:
            return value.lower() in {"true", "1"}
        raise FieldValueError("expected true or false", "type")


class PicklistType(FieldType):
    name = "picklist"
    config_keys = frozenset({"options"})

    def check_config(self, config: dict[str, Any], objects: Mapping[str, Any]) -> dict[str, Any]:
        out = super().check_config(config, objects)
        options = out.get("options")
        if not isinstance(options, list) or not options:
            raise ConfigError("options", "a picklist needs at least one option")
        seen: set[str] = set()
        cleaned = []
        for i, option in enumerate(options):
            if not isinstance(option, Mapping):
                raise ConfigError(f"options.{i}", "must be an object with value and label")
            value = option.get("value")
            if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_\-.]{1,64}", value):
                raise ConfigError(f"options.{i}.value", "must be 1-64 letters, digits, _ - or .")
            if value in seen:
                raise ConfigError(f"options.{i}.value", f"duplicate option {value}")
            seen.add(value)
            label = option.get("label") or {"en": value}
            if isinstance(label, str):
                label = {"en": label}
            if not isinstance(label, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in label.items()
            ):
                raise ConfigError(f"options.{i}.label", "must be text or {language: text}")
            color = option.get("color")
            if color is not None and not re.fullmatch(r"#[0-9a-fA-F]{6}|[a-z]{3,20}", str(color)):
                raise ConfigError(f"options.{i}.color", "must be #rrggbb or a colour name")
            cleaned.append(
                {
                    "value": value,
                    "label": dict(label),
                    "color": color,
                    "active": bool(option.get("active", True)),
                }
            )
        out["options"] = cleaned
        return out

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return String(64)

    def _check_option(self, f: FieldDef, value: Any) -> str:
        if not isinstance(value, str):
            raise FieldValueError("expected an option value", "type")
        for option in f.opt("options", []):
            if option["value"] == value:
                if not option.get("active", True):
                    raise FieldValueError(
                        f"option {value!r} is no longer active", "inactive_option"
                    )
                return value
        allowed = ", ".join(o["value"] for o in f.opt("options", []) if o.get("active", True))
        raise FieldValueError(f"{value!r} is not one of: {allowed}", "invalid_option")

    def clean(self, f: FieldDef, value: Any) -> Any:
        return self._check_option(f, value)

    def cleaner(self, f: FieldDef) -> Callable[[Any], Any]:
        slow = partial(self.clean, f)
        active: dict[str, bool] = {}
        try:
            for option in f.opt("options", []):
                active.setdefault(option["value"], bool(option.get("active", True)))
        except (KeyError, TypeError, AttributeError):
            return slow  # odd stored options: clean says what is wrong

        def clean(value: Any) -> Any:
            if type(value) is str and active.get(value):
                return value
            return slow(value)

        return clean


class MultiPicklistType(PicklistType):
    name = "multi_picklist"
    ops = SET_OPS
    sortable = False

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return JsonType

    def cleaner(self, f: FieldDef) -> Callable[[Any], Any]:
        return partial(self.clean, f)

    def clean(self, f: FieldDef, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise FieldValueError("expected a list of option values", "type")
        chosen = [self._check_option(f, v) for v in value]
        order = [o["value"] for o in f.opt("options", [])]
        return sorted(set(chosen), key=order.index)


class TagsType(FieldType):
    name = "tags"
    ops = SET_OPS
    sortable = False

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return JsonType

    def clean(self, f: FieldDef, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            raise FieldValueError("expected a list of tags", "type")
        tags: list[str] = []
        for tag in (t.strip() for t in value):
            if not tag:
                continue
            if len(tag) > 64:
                raise FieldValueError("a tag is at most 64 characters", "max_length")
            if tag not in tags:
                tags.append(tag)
        return tags
