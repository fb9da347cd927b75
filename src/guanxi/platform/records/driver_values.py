"""Driver values straight to JSON, for rows a read selects.

A page of 50 accounts holds some 1,400 values. Through SQLAlchemy's type processors each
became a Python object first (a ``UUID``, an aware ``datetime``, a ``Decimal``) which the
renderer then turned into JSON text: two Python calls per value, about half of a page's
time in the app. Columns whose stored form is known are therefore selected without a
SQLAlchemy type, and converted here from what the driver hands back — SQLite's text and
integers, psycopg's own (C) values — in one call, or none where the value is JSON already.
The result is exactly what the typed path gives (tests compare both for every field type).
Columns of any other type keep their SQLAlchemy type and the typed path.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import JSON, BigInteger, Boolean, Date, Integer, String, Text
from sqlalchemy.types import TypeEngine

from guanxi.kernel.sqltypes import ExactDecimal, UtcDateTime, UuidText

Convert = Callable[[Any], Any]
JSON_LISTS = frozenset({"tags", "multi_picklist"})  # JSON arrays of strings


def supported(sql_type: TypeEngine[Any], kind: str) -> bool:
    """Whether a column of this type can be read raw and converted here."""
    if isinstance(sql_type, JSON):
        return kind in JSON_LISTS
    return isinstance(
        sql_type, (UuidText, UtcDateTime, ExactDecimal, Boolean, Date, String, Integer, BigInteger)
    )


def converter(sql_type: TypeEngine[Any], dialect: str, zone: ZoneInfo) -> Convert | None:
    """From the driver's value (never None) to JSON; None when it is JSON as it comes.

    Only for types :func:`supported` accepts.
    """
    sqlite = dialect == "sqlite"
    if isinstance(sql_type, UuidText):  # PostgreSQL casts ids to text in the statement
        return _dashed if sqlite else None
    if isinstance(sql_type, UtcDateTime):
        return (
            _sqlite_datetime(zone) if sqlite else lambda value: value.astimezone(zone).isoformat()
        )
    if isinstance(sql_type, ExactDecimal):
        return _scaled(sql_type.scale) if sqlite else str
    if isinstance(sql_type, Boolean):
        return bool if sqlite else None
    if isinstance(sql_type, Date):
        return None if sqlite else _isoformat  # SQLite stores the ISO text
    if isinstance(sql_type, JSON):
        return orjson.loads if sqlite else None  # psycopg decodes JSONB itself
    if isinstance(sql_type, (String, Text, Integer, BigInteger)):
        return None
    raise TypeError(f"no driver conversion for {sql_type!r}")


def _dashed(value: str) -> str:
    """SQLite keeps a UUID as 32 hex digits: the canonical text puts the dashes in."""
    if len(value) != 32:
        return value
    return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"


def _isoformat(value: Any) -> Any:
    return value.isoformat()


def _sqlite_datetime(zone: ZoneInfo) -> Convert:
    """Stored as naive UTC text (``2026-11-23 02:30:00.000000``): parsed as UTC, shown in
    the user's zone, as ``UtcDateTime`` and the typed renderer do in two steps."""
    parse = datetime.fromisoformat

    def convert(value: Any) -> Any:
        if isinstance(value, str) and len(value) >= 19 and value[-6] not in "+-":
            return parse(value + "+00:00").astimezone(zone).isoformat()
        moment = parse(value) if isinstance(value, str) else value
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(zone).isoformat()

    return convert


def _scaled(scale: int) -> Convert:
    """SQLite stores an exact decimal as a scaled integer (ADR 0003): 1234 at scale 2 is
    ``"12.34"``, the text ``str(Decimal)`` gives. That text turns scientific below 10⁻⁶
    (``1E-7``): such values take the ``Decimal`` path, so the text stays the same."""
    if scale == 0:
        return str
    quantum = Decimal(1).scaleb(-scale)
    plain_from = 10 ** (scale - 6) if scale > 6 else 0

    def convert(value: Any) -> str:
        if isinstance(value, int) and (value >= plain_from or -value >= plain_from):
            digits = str(-value if value < 0 else value).rjust(scale + 1, "0")
            return ("-" if value < 0 else "") + digits[:-scale] + "." + digits[-scale:]
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        return str(number.scaleb(-scale).quantize(quantum))

    return convert
