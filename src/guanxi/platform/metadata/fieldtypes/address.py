"""Structured postal addresses."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Column, String

from guanxi.platform.metadata.fieldtypes.base import (
    ADDRESS_PARTS,
    FieldType,
    FieldValueError,
)
from guanxi.platform.metadata.model import FieldDef

_ADDRESS_PART_SET = frozenset(ADDRESS_PARTS)
_COUNTRY_CODE = re.compile(r"[A-Z]{2}")
_CN_POSTCODE = re.compile(r"\d{6}")


ADDRESS_SIZES = {
    "country": 2,
    "province": 64,
    "city": 64,
    "district": 64,
    "street": 255,
    "postcode": 16,
}


class AddressType(FieldType):
    """A structured address: country, province, city, district, street, postcode."""

    name = "address"
    ops = frozenset({"is_null"})
    sortable = False

    def columns(self, f: FieldDef) -> list[Column[Any]]:
        return [
            Column(f"{f.name}__{part}", String(ADDRESS_SIZES[part]), nullable=True)
            for part in ADDRESS_PARTS
        ]

    def column_names(self, f: FieldDef) -> list[str]:
        return [f"{f.name}__{part}" for part in ADDRESS_PARTS]

    def clean(self, f: FieldDef, value: Any) -> Any:
        if not isinstance(value, Mapping):
            raise FieldValueError("expected an object with " + ", ".join(ADDRESS_PARTS), "type")
        unknown = value.keys() - _ADDRESS_PART_SET
        if unknown:
            raise FieldValueError(f"unknown address parts: {', '.join(sorted(unknown))}", "type")
        out: dict[str, str | None] = {}
        for part in ADDRESS_PARTS:
            item = value.get(part)
            if item is None or item == "":
                out[part] = None
                continue
            if not isinstance(item, str):
                raise FieldValueError(f"{part} must be text", "type")
            out[part] = item.strip()
            if len(out[part] or "") > ADDRESS_SIZES[part]:
                raise FieldValueError(
                    f"{part} must be at most {ADDRESS_SIZES[part]} characters", "max_length"
                )
        country = out["country"]
        if country is not None:
            country = country.upper()
            if not _COUNTRY_CODE.fullmatch(country):
                raise FieldValueError("country must be a two-letter ISO code such as CN", "country")
            out["country"] = country
        postcode = out["postcode"]
        if (
            postcode is not None
            and (out["country"] or "CN") == "CN"
            and not _CN_POSTCODE.fullmatch(postcode)
        ):
            raise FieldValueError("a Chinese postcode has six digits", "postcode")
        return out

    def to_columns(self, f: FieldDef, value: Any) -> dict[str, Any]:
        return {f"{f.name}__{part}": (value or {}).get(part) for part in ADDRESS_PARTS}

    def column_values(self, f: FieldDef, value: Any) -> list[Any]:
        parts = value or {}
        return [parts.get(part) for part in ADDRESS_PARTS]

    def from_row(self, f: FieldDef, row: Mapping[str, Any]) -> Any:
        parts = {part: row.get(f"{f.name}__{part}") for part in ADDRESS_PARTS}
        return parts if any(v is not None for v in parts.values()) else None

    def is_empty(self, value: Any) -> bool:
        return value is None or not any(value.values())
