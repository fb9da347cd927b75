"""In-memory definitions of objects and fields, loaded from the system tables."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,47}\Z")

# Columns every object table has; field names may not reuse them.
SYSTEM_FIELDS: tuple[str, ...] = (
    "id",
    "version",
    "created_at",
    "created_by_id",
    "updated_at",
    "updated_by_id",
    "owner_id",
    "deleted_at",
)
RESERVED_NAMES = frozenset(SYSTEM_FIELDS) | {"_related", "include", "fields", "all_or_none"}

Label = dict[str, str]


@dataclass(frozen=True)
class FieldDef:
    """One field of an object. ``config`` holds the type-specific settings."""

    object_name: str
    name: str
    type: str
    label: Label
    required: bool = False
    unique: bool = False
    indexed: bool = False
    searchable: bool = False
    default: Any = None
    help: Label | None = None
    config: dict[str, Any] = field(default_factory=dict)
    position: int = 0
    module: str | None = None
    archived: bool = False

    def opt(self, key: str, fallback: Any = None) -> Any:
        return self.config.get(key, fallback)


@dataclass(frozen=True)
class ObjectDef:
    """One object (a record type) and its fields in display order."""

    name: str
    table_name: str
    label: Label
    plural_label: Label | None = None
    description: Label | None = None
    module: str | None = None
    name_field: str | None = None
    archived: bool = False
    fields: tuple[FieldDef, ...] = ()
    icon: str | None = None
    nav: bool = True  # listed in the navigation (child objects are reached from their parent)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {f.name: f for f in self.fields})
        object.__setattr__(self, "_active", tuple(f for f in self.fields if not f.archived))

    def get_field(self, name: str, *, include_archived: bool = False) -> FieldDef | None:
        found: FieldDef | None = self.__dict__["_by_name"].get(name)
        if found is None or (found.archived and not include_archived):
            return None
        return found

    @property
    def active_fields(self) -> tuple[FieldDef, ...]:
        active: tuple[FieldDef, ...] = self.__dict__["_active"]
        return active

    def derived(self, key: Hashable, make: Callable[[], T]) -> T:
        """A value worked out from this definition, made once and kept with it.

        Definitions never change (a metadata change loads new ones), so whatever depends
        only on them — a validation plan, a column layout — can be reused by every request.
        """
        cache: dict[Hashable, Any] = self.__dict__.setdefault("_derived", {})
        if key not in cache:
            cache[key] = make()
        value: T = cache[key]
        return value


def table_name_for(object_name: str) -> str:
    """Object tables carry a prefix so no object name can clash with a system table."""
    return f"o_{object_name}"
