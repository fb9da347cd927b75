"""Field types: how each type is stored, validated, converted and filtered.

A field type turns API values into Python values (``clean``), Python values into
column values (``to_columns``) and back (``from_row``). Validation errors are raised as
:class:`FieldValueError` with a message naming what is wrong; callers attach the field.
"""

from __future__ import annotations

from guanxi.platform.metadata.fieldtypes.address import ADDRESS_SIZES, AddressType
from guanxi.platform.metadata.fieldtypes.base import (
    ADDRESS_PARTS,
    EQUALITY_OPS,
    ORDERED_OPS,
    SET_OPS,
    TEXT_OPS,
    ConfigError,
    FieldType,
    FieldValueError,
)
from guanxi.platform.metadata.fieldtypes.choices import (
    BooleanType,
    MultiPicklistType,
    PicklistType,
    TagsType,
)
from guanxi.platform.metadata.fieldtypes.computed import MAX_START, AutoNumberType, FormulaType
from guanxi.platform.metadata.fieldtypes.contact import EmailType, PhoneType, UrlType, valid_e164
from guanxi.platform.metadata.fieldtypes.dates import DateTimeType, DateType
from guanxi.platform.metadata.fieldtypes.numbers import (
    CurrencyType,
    DecimalType,
    IntegerType,
    PercentType,
)
from guanxi.platform.metadata.fieldtypes.references import FileType, LookupType, UserType
from guanxi.platform.metadata.fieldtypes.rollup import ROLLUP_OPS, RollupType
from guanxi.platform.metadata.fieldtypes.text import (
    PATTERN_TIMEOUT,
    LongTextType,
    RichTextType,
    TextType,
)

__all__ = [
    "ADDRESS_PARTS",
    "ADDRESS_SIZES",
    "EQUALITY_OPS",
    "FIELD_TYPES",
    "MAX_START",
    "ORDERED_OPS",
    "PATTERN_TIMEOUT",
    "ROLLUP_OPS",
    "SET_OPS",
    "TEXT_OPS",
    "AddressType",
    "AutoNumberType",
    "BooleanType",
    "ConfigError",
    "CurrencyType",
    "DateTimeType",
    "DateType",
    "DecimalType",
    "EmailType",
    "FieldType",
    "FieldValueError",
    "FileType",
    "FormulaType",
    "IntegerType",
    "LongTextType",
    "LookupType",
    "MultiPicklistType",
    "PercentType",
    "PhoneType",
    "PicklistType",
    "RichTextType",
    "RollupType",
    "TagsType",
    "TextType",
    "UrlType",
    "UserType",
    "field_type",
    "valid_e164",
]

FIELD_TYPES: dict[str, FieldType] = {
    t.name: t
    for t in (
        TextType(),
        LongTextType(),
        RichTextType(),
        IntegerType(),
        DecimalType(),
        CurrencyType(),
        PercentType(),
        BooleanType(),
        DateType(),
        DateTimeType(),
        PicklistType(),
        MultiPicklistType(),
        EmailType(),
        PhoneType(),
        UrlType(),
        LookupType(),
        UserType(),
        AddressType(),
        AutoNumberType(),
        FormulaType(),
        FileType(),
        TagsType(),
        RollupType(),
    )
}


def field_type(name: str) -> FieldType:
    return FIELD_TYPES[name]
