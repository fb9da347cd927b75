"""Input shapes for defining objects and fields (used by the API and by modules)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from guanxi.platform.metadata.fieldtypes import FIELD_TYPES, MAX_START
from guanxi.platform.metadata.model import NAME_RE, RESERVED_NAMES

LANGS = ("en", "zh-CN")


def _label(value: Any) -> Any:
    if isinstance(value, str):
        return {"en": value, "zh-CN": value}
    return value


def _check_label(value: dict[str, str]) -> dict[str, str]:
    unknown = set(value) - set(LANGS)
    if unknown:
        raise ValueError(f"unknown languages {sorted(unknown)}; use en and zh-CN")
    cleaned = {k: v.strip() for k, v in value.items() if v and v.strip()}
    if not cleaned:
        raise ValueError("needs a label in en or zh-CN")
    if any(len(v) > 120 for v in cleaned.values()):
        raise ValueError("labels are at most 120 characters")
    return cleaned


LabelIn = Annotated[dict[str, str], BeforeValidator(_label)]

FieldTypeName = Literal[
    "text",
    "long_text",
    "rich_text",
    "integer",
    "decimal",
    "currency",
    "percent",
    "boolean",
    "date",
    "datetime",
    "picklist",
    "multi_picklist",
    "email",
    "phone",
    "url",
    "lookup",
    "user",
    "address",
    "auto_number",
    "formula",
    "file",
    "tags",
    "rollup",
]
assert set(FieldTypeName.__args__) == set(FIELD_TYPES)  # type: ignore[attr-defined]

MAX_POSITION = 1_000_000

# Settings that live in FieldDef.config, flattened into the API shape.
CONFIG_KEYS = (
    "options",
    "target",
    "on_delete",
    "related_label",
    "expression",
    "result_type",
    "precision",
    "scale",
    "min",
    "max",
    "max_length",
    "regex",
    "format",
    "start",
    "gapless",
    "currency",
    "region",
    "rollup",
)


def _check_name(value: str) -> str:
    if not NAME_RE.match(value) or "__" in value:
        raise ValueError(
            "use 1-48 lower-case letters, digits and single underscores, starting with a letter"
        )
    if value in RESERVED_NAMES:
        raise ValueError(f"{value!r} is reserved")
    return value


ICON_PATTERN = r"^[a-z][a-z0-9-]{0,39}$"  # a name from the web app's icon set


class ObjectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    label: LabelIn
    plural_label: LabelIn | None = None
    description: LabelIn | None = None
    name_field: str | None = None
    icon: str | None = Field(default=None, pattern=ICON_PATTERN)
    nav: bool = Field(default=True, strict=True)  # listed in the web app's navigation

    _name = field_validator("name")(_check_name)

    @field_validator("label", "plural_label", "description")
    @classmethod
    def _labels(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return None if value is None else _check_label(value)


class ObjectPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: LabelIn | None = None
    plural_label: LabelIn | None = None
    description: LabelIn | None = None
    name_field: str | None = None
    icon: str | None = Field(default=None, pattern=ICON_PATTERN)
    nav: bool | None = Field(default=None, strict=True)

    @field_validator("label", "plural_label", "description")
    @classmethod
    def _labels(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return None if value is None else _check_label(value)


class FieldSettings(BaseModel):
    """Everything about a field that may change after it was created."""

    model_config = ConfigDict(extra="forbid")

    label: LabelIn | None = None
    help: LabelIn | None = None
    required: bool | None = None
    unique: bool | None = None
    indexed: bool | None = None
    searchable: bool | None = None
    default: Any = None
    position: int | None = Field(default=None, ge=0, le=MAX_POSITION, strict=True)
    options: list[dict[str, Any]] | None = None
    target: str | None = None
    on_delete: Literal["restrict", "set_null", "cascade"] | None = None
    related_label: LabelIn | None = None
    expression: str | None = Field(default=None, max_length=4000)
    result_type: Literal["text", "number", "boolean", "date", "datetime"] | None = None
    precision: int | None = None
    scale: int | None = None
    min: Any = None
    max: Any = None
    max_length: int | None = None
    regex: str | None = Field(default=None, max_length=500)
    format: str | None = None
    start: int | None = Field(default=None, ge=0, le=MAX_START, strict=True)
    gapless: bool | None = None
    currency: str | None = None
    region: str | None = None
    # {object, lookup, op, field?, filter?}: checked by the rollup field type
    rollup: dict[str, Any] | None = None

    @field_validator("label", "help", "related_label")
    @classmethod
    def _labels(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return None if value is None else _check_label(value)

    def config(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in CONFIG_KEYS if getattr(self, k) is not None}


class FieldIn(FieldSettings):
    name: str
    type: FieldTypeName
    label: LabelIn

    _name = field_validator("name")(_check_name)


class FieldPatch(FieldSettings):
    """A change to a field; ``type`` changes only when no value can be lost."""

    type: FieldTypeName | None = None
