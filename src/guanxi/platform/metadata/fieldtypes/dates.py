"""Date and date-time fields."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date
from sqlalchemy.types import TypeEngine

from guanxi.kernel.clock import in_range
from guanxi.kernel.sqltypes import UtcDateTime
from guanxi.platform.metadata.context import current_timezone
from guanxi.platform.metadata.fieldtypes.base import (
    ORDERED_OPS,
    FieldType,
    FieldValueError,
)
from guanxi.platform.metadata.model import FieldDef


class DateType(FieldType):
    name = "date"
    ops = ORDERED_OPS
    config_keys = frozenset({"min", "max"})

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return Date()

    def bound(self, raw: Any) -> Any:
        return raw if isinstance(raw, date) else date.fromisoformat(str(raw))

    def clean(self, f: FieldDef, value: Any) -> Any:
        if isinstance(value, datetime):
            raise FieldValueError("expected a date (YYYY-MM-DD)", "type")
        if isinstance(value, date):
            result = value
        else:
            try:
                result = date.fromisoformat(str(value))
            except ValueError:
                raise FieldValueError("expected a date (YYYY-MM-DD)", "type") from None
        self.check_bounds(f, result)
        return result


class DateTimeType(FieldType):
    """Stored in UTC. A value without an offset is read in the caller's time zone."""

    name = "datetime"
    ops = ORDERED_OPS

    def sql_type(self, f: FieldDef) -> TypeEngine[Any]:
        return UtcDateTime()

    def clean(self, f: FieldDef, value: Any) -> Any:
        if isinstance(value, datetime):
            result = value
        else:
            try:
                result = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            except ValueError:
                raise FieldValueError("expected an ISO 8601 date-time", "type") from None
        if result.tzinfo is None:
            result = result.replace(tzinfo=current_timezone())
        if not in_range(result):  # 1700–4000 UTC, as Salesforce's range
            raise FieldValueError("must be between the years 1700 and 4000", "max")
        return result
