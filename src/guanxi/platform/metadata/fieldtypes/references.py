"""Fields that point elsewhere: lookups, users and files."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from sqlalchemy import Column, ForeignKey, Uuid
from sqlalchemy.types import TypeEngine

from guanxi.platform.metadata.fieldtypes.base import (
    ConfigError,
    FieldType,
    FieldValueError,
)
from guanxi.platform.metadata.model import FieldDef, table_name_for


def _uuid(value: Any) -> UUID:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise FieldValueError("expected a record id", "type") from None


class LookupType(FieldType):
    """Many-to-one reference to a record of another (or the same) object."""

    name = "lookup"
    config_keys = frozenset({"target", "on_delete", "related_label"})

    def check_config(self, config: dict[str, Any], objects: Mapping[str, Any]) -> dict[str, Any]:
        out = super().check_config(config, objects)
        target = out.get("target")
        if not isinstance(target, str) or target not in objects:
            raise ConfigError("target", "must name an existing object")
        on_delete = out.get("on_delete", "set_null")
        if on_delete not in {"restrict", "set_null", "cascade"}:
            raise ConfigError("on_delete", "must be restrict, set_null or cascade")
        out["on_delete"] = on_delete
        return out

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return Uuid()

    def columns(self, f: FieldDef) -> list[Column[Any]]:
        ondelete = {"restrict": "RESTRICT", "set_null": "SET NULL", "cascade": "CASCADE"}
        fk = ForeignKey(
            f"{table_name_for(f.opt('target'))}.id",
            ondelete=ondelete[f.opt("on_delete", "set_null")],
            name=f"fk_{f.object_name}_{f.name}",
        )
        return [Column(f.name, Uuid(), fk, nullable=True)]  # indexed by build_table

    def clean(self, f: FieldDef, value: Any) -> Any:
        if isinstance(value, Mapping) and "id" in value:
            value = value["id"]
        return _uuid(value)


class UserType(FieldType):
    name = "user"

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return Uuid()

    def columns(self, f: FieldDef) -> list[Column[Any]]:
        fk = ForeignKey("gx_user.id", ondelete="SET NULL", name=f"fk_{f.object_name}_{f.name}")
        return [Column(f.name, Uuid(), fk, nullable=True)]  # indexed by build_table

    def clean(self, f: FieldDef, value: Any) -> Any:
        return _uuid(value)


class FileType(FieldType):
    """A reference to an uploaded file (the file service holds the bytes)."""

    name = "file"
    ops = frozenset({"is_null"})

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return Uuid()

    def clean(self, f: FieldDef, value: Any) -> Any:
        if isinstance(value, Mapping) and "id" in value:
            value = value["id"]
        return _uuid(value)
