"""The bodies that create and change a saved list view."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from guanxi.platform.metadata.schemas import LabelIn, _check_label

Visibility = Literal["personal", "everyone", "roles"]
MAX_COLUMNS = 50
MAX_PAGE_SIZE = 200
MAX_ROLES = 100
MIN_WIDTH, MAX_WIDTH = 40, 2000
MAX_VERSION = 2**31 - 1


class ColumnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str = Field(max_length=200, description="a field path, e.g. name or account.industry")
    width: int | None = Field(default=None, ge=MIN_WIDTH, le=MAX_WIDTH, strict=True)


class ViewSettings(BaseModel):
    """What a view holds besides its name; every part optional in a change."""

    model_config = ConfigDict(extra="forbid")

    filter: dict[str, Any] | None = Field(
        default=None, description="a filter tree, as the records list takes it"
    )
    columns: list[ColumnIn] | None = Field(default=None, max_length=MAX_COLUMNS)
    sort: list[Any] | None = Field(
        default=None, description='"-created_at" / "name", or {"field", "direction"}'
    )
    page_size: int | None = Field(default=None, ge=1, le=MAX_PAGE_SIZE, strict=True)
    kanban_field: str | None = Field(default=None, description="a picklist field of the object")
    visibility: Visibility | None = None
    role_ids: list[UUID] | None = Field(default=None, max_length=MAX_ROLES)


class ViewIn(ViewSettings):
    name: LabelIn

    @field_validator("name")
    @classmethod
    def _name(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_label(value)


class ViewPatch(ViewSettings):
    """A change to a view: only the members sent change (``"filter": null`` clears the
    filter). ``version`` is the one read (or send If-Match)."""

    name: LabelIn | None = None
    version: int | None = Field(default=None, ge=1, le=MAX_VERSION, strict=True)

    @field_validator("name")
    @classmethod
    def _name(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return None if value is None else _check_label(value)
