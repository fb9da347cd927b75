"""Integer, decimal, percent and currency fields."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import BigInteger, Column, String
from sqlalchemy.types import TypeEngine

from guanxi.kernel.sqltypes import MAX_SQLITE_PRECISION, ExactDecimal
from guanxi.platform.metadata.fieldtypes.base import (
    ORDERED_OPS,
    ConfigError,
    FieldType,
    FieldValueError,
    _decimal,
)
from guanxi.platform.metadata.model import FieldDef


class IntegerType(FieldType):
    name = "integer"
    ops = ORDERED_OPS
    config_keys = frozenset({"min", "max"})

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return BigInteger()

    def clean(self, f: FieldDef, value: Any) -> Any:
        number = _decimal(value)
        if number != number.to_integral_value():
            raise FieldValueError("expected a whole number", "type")
        if number and number.adjusted() >= 19:
            # Before int(): "9e5000000" would become a five-million-digit integer first.
            raise FieldValueError("is out of range", "max")
        result = int(number)
        if not -(2**63) <= result < 2**63:
            raise FieldValueError("is out of range", "max")
        self.check_bounds(f, result)
        return result

    def cleaner(self, f: FieldDef) -> Callable[[Any], Any]:
        slow = partial(self.clean, f)
        in_bounds = self.bounds_test(f)
        if in_bounds is None:
            return slow

        def clean(value: Any) -> Any:
            if type(value) is int and -(2**63) <= value < 2**63 and in_bounds(value):
                return value
            return slow(value)

        return clean


class DecimalType(FieldType):
    name = "decimal"
    ops = ORDERED_OPS
    config_keys = frozenset({"precision", "scale", "min", "max"})
    default_scale = 2

    def check_config(self, config: dict[str, Any], objects: Mapping[str, Any]) -> dict[str, Any]:
        out = super().check_config(config, objects)
        precision = out.get("precision", 18)
        scale = out.get("scale", self.default_scale)
        if not isinstance(precision, int) or not 1 <= precision <= MAX_SQLITE_PRECISION:
            raise ConfigError(
                "precision", f"must be an integer between 1 and {MAX_SQLITE_PRECISION}"
            )
        if not isinstance(scale, int) or not 0 <= scale <= min(precision, 10):
            raise ConfigError("scale", "must be an integer between 0 and min(precision, 10)")
        out["precision"], out["scale"] = precision, scale
        return out

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return ExactDecimal(f.opt("precision", 18), f.opt("scale", self.default_scale))

    def clean(self, f: FieldDef, value: Any) -> Any:
        number = _decimal(value)
        scale = f.opt("scale", self.default_scale)
        precision = f.opt("precision", 18)
        exponent = number.as_tuple().exponent
        if (
            isinstance(exponent, int)
            and -exponent > scale
            and number != number.quantize(Decimal(1).scaleb(-scale))
        ):
            raise FieldValueError(f"allows at most {scale} decimal places", "scale")
        if number != 0 and number.adjusted() + 1 > precision - scale:
            # Checked before quantize(), which raises InvalidOperation beyond 28 digits.
            raise FieldValueError(f"allows at most {precision} digits", "precision")
        number = number.quantize(Decimal(1).scaleb(-scale))
        if len(number.as_tuple().digits) > precision and number != 0:
            raise FieldValueError(f"allows at most {precision} digits", "precision")
        self.check_bounds(f, number)
        return number

    def cleaner(self, f: FieldDef) -> Callable[[Any], Any]:
        return self.number_cleaner(f)

    def number_cleaner(self, f: FieldDef) -> Callable[[Any], Any]:
        """DecimalType.clean for one field: a number that needs no rounding, fits and is
        within bounds is taken as it is; anything else goes through ``clean``."""
        slow = partial(DecimalType.clean, self, f)
        scale = f.opt("scale", self.default_scale)
        precision = f.opt("precision", 18)
        in_bounds = self.bounds_test(f)
        try:
            quantum = Decimal(1).scaleb(-scale)
        except (ArithmeticError, TypeError):
            in_bounds = None
        if in_bounds is None:
            return slow

        def clean(value: Any) -> Any:
            number = _decimal(value)  # clean starts with the same call: same errors
            try:
                rounded = number.quantize(quantum)
            except ArithmeticError:
                return slow(value)
            if (
                rounded == number
                and len(rounded.as_tuple().digits) <= precision
                and in_bounds(rounded)
            ):
                return rounded
            return slow(value)

        return clean


class PercentType(DecimalType):
    name = "percent"


_CURRENCY_CODE = re.compile(r"[A-Z]{3}")
_CURRENCY_KEYS = frozenset({"amount", "currency"})


class CurrencyType(DecimalType):
    """An amount and its ISO 4217 code, stored in two columns."""

    name = "currency"
    config_keys = DecimalType.config_keys | {"currency"}

    def check_config(self, config: dict[str, Any], objects: Mapping[str, Any]) -> dict[str, Any]:
        out = super().check_config(config, objects)
        code = out.get("currency", "CNY")
        if not isinstance(code, str) or not re.fullmatch(r"[A-Z]{3}", code):
            raise ConfigError("currency", "must be an ISO 4217 code such as CNY")
        out["currency"] = code
        return out

    def columns(self, f: FieldDef) -> list[Column[Any]]:
        return [
            Column(f.name, self.sql_type(f), nullable=True),
            Column(f"{f.name}__currency", String(3), nullable=True),
        ]

    def column_names(self, f: FieldDef) -> list[str]:
        return [f.name, f"{f.name}__currency"]

    def clean(self, f: FieldDef, value: Any) -> Any:
        if isinstance(value, Mapping):
            unknown = set(value) - {"amount", "currency"}
            if unknown:
                raise FieldValueError(f"unknown keys: {', '.join(sorted(unknown))}", "type")
            code = value.get("currency") or f.opt("currency", "CNY")
            if not isinstance(code, str) or not _CURRENCY_CODE.fullmatch(code):
                raise FieldValueError("currency must be an ISO 4217 code such as CNY", "currency")
            if value.get("amount") is None:
                raise FieldValueError("amount is required", "required")
            return {"amount": super().clean(f, value["amount"]), "currency": code}
        return {"amount": super().clean(f, value), "currency": f.opt("currency", "CNY")}

    def cleaner(self, f: FieldDef) -> Callable[[Any], Any]:
        slow = partial(self.clean, f)
        amount = self.number_cleaner(f)
        default = f.opt("currency", "CNY")

        def clean(value: Any) -> Any:
            if type(value) is dict:
                if value.keys() <= _CURRENCY_KEYS:
                    code = value.get("currency") or default
                    raw = value.get("amount")
                    if type(code) is str and _CURRENCY_CODE.fullmatch(code) and raw is not None:
                        return {"amount": amount(raw), "currency": code}
                return slow(value)
            if isinstance(value, Mapping):
                return slow(value)
            return {"amount": amount(value), "currency": default}

        return clean

    def to_columns(self, f: FieldDef, value: Any) -> dict[str, Any]:
        if value is None:
            return {f.name: None, f"{f.name}__currency": None}
        return {f.name: value["amount"], f"{f.name}__currency": value["currency"]}

    def column_values(self, f: FieldDef, value: Any) -> list[Any]:
        return [None, None] if value is None else [value["amount"], value["currency"]]

    def from_row(self, f: FieldDef, row: Mapping[str, Any]) -> Any:
        amount = row.get(f.name)
        if amount is None:
            return None
        return {"amount": amount, "currency": row.get(f"{f.name}__currency")}
