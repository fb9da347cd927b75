"""The field type base class, its errors and the filter operator sets."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any, ClassVar

from sqlalchemy import Column
from sqlalchemy.types import TypeEngine

from guanxi.platform.metadata.model import FieldDef

ADDRESS_PARTS = ("country", "province", "city", "district", "street", "postcode")
TEXT_OPS = frozenset(
    {
        "eq",
        "ne",
        "in",
        "not_in",
        "contains",
        "starts_with",
        "ends_with",
        "is_null",
        "lt",
        "lte",
        "gt",
        "gte",
    }
)
ORDERED_OPS = frozenset(
    {"eq", "ne", "lt", "lte", "gt", "gte", "between", "in", "not_in", "is_null"}
)
EQUALITY_OPS = frozenset({"eq", "ne", "in", "not_in", "is_null"})
SET_OPS = frozenset({"contains", "in", "not_in", "is_null"})


class FieldValueError(ValueError):
    """A value that a field cannot take; the message says why."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class ConfigError(ValueError):
    """Bad type-specific settings for a field definition."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise FieldValueError("expected a number", "type")
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise FieldValueError("expected a number", "type") from None
    if not number.is_finite():
        raise FieldValueError("expected a finite number", "type")
    return number


class FieldType:
    """Base class: a single nullable column holding a scalar."""

    name: ClassVar[str]
    ops: ClassVar[frozenset[str]] = EQUALITY_OPS
    stored: ClassVar[bool] = True  # False for computed types (formula)
    writable: ClassVar[bool] = True  # False when the system fills the value
    sortable: ClassVar[bool] = True
    config_keys: ClassVar[frozenset[str]] = frozenset()

    # -- definition -----------------------------------------------------------------
    def check_config(self, config: dict[str, Any], objects: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and normalise the type-specific settings."""
        out = {k: v for k, v in config.items() if k in self.config_keys and v is not None}
        bounds = {}
        for key in ("min", "max"):
            if key in out:
                try:
                    bounds[key] = self.bound(out[key])
                except (ValueError, TypeError, ArithmeticError):  # FieldValueError included
                    raise ConfigError(key, f"is not a {self.name} value") from None
        if len(bounds) == 2 and bounds["min"] > bounds["max"]:
            raise ConfigError("min", "must not be greater than max")
        return out

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        # Single-column types override this; multi-column ones (address) override columns().
        raise TypeError(f"{self.name} fields have no single SQL type")

    def columns(self, f: FieldDef) -> list[Column[Any]]:
        return [Column(f.name, self.sql_type(f), nullable=True)]

    def column_names(self, f: FieldDef) -> list[str]:
        return [f.name]

    # -- values ---------------------------------------------------------------------
    def clean(self, f: FieldDef, value: Any) -> Any:
        """Turn an API value (never None) into the canonical Python value."""
        return value

    def cleaner(self, f: FieldDef) -> Callable[[Any], Any]:
        """``clean`` for one field, its settings read once: for converting many rows.

        It must give exactly what ``clean`` gives, value or error. Types that bulk loads
        spend their time in override it with a shortcut for common, clearly valid values
        that hands everything else to ``clean``.
        """
        return partial(self.clean, f)

    def bound(self, raw: Any) -> Any:
        """A configured min/max as a comparable value."""
        return _decimal(raw)

    def check_bounds(self, f: FieldDef, value: Any) -> None:
        lo, hi = f.opt("min"), f.opt("max")
        if lo is not None and value < self.bound(lo):
            raise FieldValueError(f"must be at least {lo}", "min")
        if hi is not None and value > self.bound(hi):
            raise FieldValueError(f"must be at most {hi}", "max")

    def bounds_test(self, f: FieldDef) -> Callable[[Any], bool] | None:
        """Whether a value passes ``check_bounds``, the bounds converted once; None when a
        configured bound does not convert (``check_bounds`` then reports it per value)."""
        lo, hi = f.opt("min"), f.opt("max")
        try:
            low = None if lo is None else self.bound(lo)
            high = None if hi is None else self.bound(hi)
        except (ValueError, TypeError):
            return None
        return lambda value: (low is None or not value < low) and (high is None or not value > high)

    def to_columns(self, f: FieldDef, value: Any) -> dict[str, Any]:
        return {f.name: value}

    def column_values(self, f: FieldDef, value: Any) -> list[Any]:
        """``to_columns`` as a list in ``column_names`` order (for bulk inserts)."""
        columns = self.to_columns(f, value)
        return [columns[name] for name in self.column_names(f)]

    def from_row(self, f: FieldDef, row: Mapping[str, Any]) -> Any:
        return row.get(f.name)

    def is_empty(self, value: Any) -> bool:
        return value is None or value == "" or value == [] or value == {}
