"""The layout body an administrator saves, and the layout as it is stored and shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from guanxi.platform.metadata.schemas import LabelIn, _check_label

LayoutKind = Literal["detail", "form"]
KINDS: tuple[LayoutKind, ...] = ("detail", "form")

MAX_SECTIONS = 30
MAX_SECTION_FIELDS = 200
MAX_RELATED_LISTS = 20
MAX_RELATED_COLUMNS = 10
MAX_HIGHLIGHTS = 6
MAX_VERSION = 2**31 - 1

# System columns a record page may show (the owner, who made and changed it, and when);
# a form may offer the owner alone, the only one a user writes.
DETAIL_SYSTEM_FIELDS = ("owner_id", "created_by_id", "created_at", "updated_by_id", "updated_at")
FORM_SYSTEM_FIELDS = ("owner_id",)
KEY_PATTERN = r"^[a-z][a-z0-9_]{0,47}$"


class SectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=KEY_PATTERN, description="stable within the layout")
    title: LabelIn
    columns: int = Field(default=2, ge=1, le=3, strict=True)
    fields: list[str] = Field(default_factory=list, max_length=MAX_SECTION_FIELDS)

    @field_validator("title")
    @classmethod
    def _title(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_label(value)


class RelatedListIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    object: str = Field(max_length=63, description="the related object")
    field: str = Field(max_length=63, description="its lookup field pointing at this object")
    columns: list[str] = Field(min_length=1, max_length=MAX_RELATED_COLUMNS)
    title: LabelIn | None = None

    @field_validator("title")
    @classmethod
    def _title(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return None if value is None else _check_label(value)


class LayoutIn(BaseModel):
    """A layout to save. ``kind``, ``object`` and ``is_default`` may be echoed back from a
    read (they are checked or ignored); ``version`` is the one read (or send If-Match)."""

    model_config = ConfigDict(extra="forbid")

    kind: LayoutKind | None = None
    object: str | None = None
    sections: list[SectionIn] = Field(min_length=1, max_length=MAX_SECTIONS)
    related_lists: list[RelatedListIn] = Field(default_factory=list, max_length=MAX_RELATED_LISTS)
    highlights: list[str] = Field(default_factory=list, max_length=MAX_HIGHLIGHTS)
    is_default: bool | None = None
    version: int | None = Field(default=None, ge=0, le=MAX_VERSION, strict=True)
    updated_at: Any = None  # echoed from a read; ignored
    updated_by_id: Any = None


@dataclass(frozen=True)
class Section:
    key: str
    title: dict[str, str]
    columns: int
    fields: tuple[str, ...]


@dataclass(frozen=True)
class RelatedList:
    object: str
    field: str
    columns: tuple[str, ...]
    title: dict[str, str] | None = None


@dataclass(frozen=True)
class Layout:
    """A layout's content, saved or derived."""

    sections: tuple[Section, ...]
    related_lists: tuple[RelatedList, ...] = ()
    highlights: tuple[str, ...] = ()
    is_default: bool = True
    version: int = 0
    updated_at: Any = None
    updated_by_id: Any = None

    def definition(self) -> dict[str, Any]:
        """The stored JSON."""
        return {
            "sections": [
                {"key": s.key, "title": s.title, "columns": s.columns, "fields": list(s.fields)}
                for s in self.sections
            ],
            "related_lists": [
                {
                    "object": r.object,
                    "field": r.field,
                    "columns": list(r.columns),
                    **({"title": r.title} if r.title else {}),
                }
                for r in self.related_lists
            ],
            "highlights": list(self.highlights),
        }


def from_definition(definition: dict[str, Any]) -> Layout:
    """A stored layout's content (its row's version and times are added by the caller)."""
    return Layout(
        sections=tuple(
            Section(s["key"], s["title"], int(s["columns"]), tuple(s.get("fields", ())))
            for s in definition.get("sections", ())
        ),
        related_lists=tuple(
            RelatedList(r["object"], r["field"], tuple(r.get("columns", ())), r.get("title"))
            for r in definition.get("related_lists", ())
        ),
        highlights=tuple(definition.get("highlights", ())),
        is_default=False,
    )


def from_input(body: LayoutIn) -> Layout:
    return Layout(
        sections=tuple(Section(s.key, s.title, s.columns, tuple(s.fields)) for s in body.sections),
        related_lists=tuple(
            RelatedList(r.object, r.field, tuple(r.columns), r.title) for r in body.related_lists
        ),
        highlights=tuple(body.highlights),
        is_default=False,
    )
