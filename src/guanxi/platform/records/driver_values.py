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

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import JSON, Boolean, Date, Integer, String
from sqlalchemy.types import TypeEngine

from guanxi.kernel.clock import in_zone, local_text
from guanxi.kernel.sqltypes import (
    ExactDecimal,
    UtcDateTime,
    UuidText,
    dashed_uuid,
    is_naive_utc_text,
    unscaled,
    utc_moment,
)
from guanxi.platform.records.values import decimal_text

Convert = Callable[[Any], Any]
JSON_LISTS = frozenset({"tags", "multi_picklist"})  # JSON arrays of strings


def supported(sql_type: TypeEngine[Any], kind: str) -> bool:
    """Whether a column of this type can be read raw and converted here."""
    if isinstance(sql_type, JSON):
        return kind in JSON_LISTS
    # String covers Text, Integer covers BigInteger.
    return isinstance(
        sql_type, (UuidText, UtcDateTime, ExactDecimal, Boolean, Date, String, Integer)
    )


ConvertColumn = Callable[[Sequence[Any]], list[Any]]


def column_converter(
    sql_type: TypeEngine[Any], dialect: str, zone: ZoneInfo
) -> ConvertColumn | None:
    """:func:`converter` for a whole column of a page's values (None stays None); None
    when the values are JSON as they come. Ids, the most frequent values, are converted
    inline rather than by a call per value."""
    if dialect == "sqlite" and isinstance(sql_type, UuidText):
        return dashed_uuids
    if isinstance(sql_type, UtcDateTime):
        return _sqlite_datetimes(zone) if dialect == "sqlite" else _aware_datetimes(zone)
    convert = converter(sql_type, dialect, zone)
    return None if convert is None else each(convert)


def each(convert: Convert) -> ConvertColumn:
    """Apply a value converter to a column's values, leaving None as it is."""

    def convert_column(values: Sequence[Any]) -> list[Any]:
        return [None if value is None else convert(value) for value in values]

    return convert_column


def dashed_uuids(values: Sequence[Any]) -> list[Any]:
    """:func:`~guanxi.kernel.sqltypes.dashed_uuid` of each value (None stays None)."""
    return [
        f"{v[:8]}-{v[8:12]}-{v[12:16]}-{v[16:20]}-{v[20:]}" if v is not None and len(v) == 32 else v
        for v in values
    ]


def converter(sql_type: TypeEngine[Any], dialect: str, zone: ZoneInfo) -> Convert | None:
    """From the driver's value (never None) to JSON; None when it is JSON as it comes.

    Only for types :func:`supported` accepts.
    """
    sqlite = dialect == "sqlite"
    if isinstance(sql_type, UuidText):  # PostgreSQL casts ids to text in the statement
        return dashed_uuid if sqlite else None
    if isinstance(sql_type, UtcDateTime):
        return _sqlite_datetime(zone) if sqlite else local_times(zone).from_datetime
    if isinstance(sql_type, ExactDecimal):
        return _scaled(sql_type.scale) if sqlite else decimal_text
    if isinstance(sql_type, Boolean):
        return bool if sqlite else None
    if isinstance(sql_type, Date):
        return None if sqlite else _isoformat  # SQLite stores the ISO text
    if isinstance(sql_type, JSON):
        return orjson.loads if sqlite else None  # psycopg decodes JSONB itself
    if isinstance(sql_type, (String, Integer)):
        return None
    raise TypeError(f"no driver conversion for {sql_type!r}")


def _isoformat(value: Any) -> Any:
    return value.isoformat()


class LocalTimes:
    """Stored UTC date-times as :func:`~guanxi.kernel.clock.local_text` shows them, faster.

    A zone's offset changes at a few instants a year, so it is looked up once per UTC hour
    (and the hour remembered); the local time is then the UTC time plus that offset,
    shown with the offset's text. An hour in which the offset changes takes the exact
    path for every value in it. About twice as fast as building an aware datetime per
    value, which was the largest single cost in rendering a page.
    """

    MAX_HOURS = 100_000  # about eleven years of distinct hours per zone

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        # per UTC hour: its offset, the offset's text and, for a whole-hour offset, the
        # local "YYYY-MM-DDTHH"; None when the offset changes within the hour
        self._hours: dict[Any, tuple[timedelta, str, str | None] | None] = {}

    def from_text(self, value: str) -> str:
        """SQLite's naive UTC text (``2026-11-23 02:30:00.000000``)."""
        hour = value[:13]
        known = self._hours[hour] if hour in self._hours else self._remember(hour, _parse(hour))
        if known is None:
            return local_text(_parse(value).replace(tzinfo=UTC), self.zone)
        if known[2] is not None and len(value) == 26:
            # A whole-hour offset changes only the date and hour: the rest is copied
            # (isoformat leaves out a zero fraction).
            rest = value[13:]
            return known[2] + (rest[:-7] if rest.endswith(".000000") else rest) + known[1]
        return (_parse(value) + known[0]).isoformat() + known[1]

    def from_datetime(self, value: datetime) -> str:
        """An aware datetime (psycopg's, in the session's zone: UTC)."""
        if value.utcoffset():
            value = value.astimezone(UTC)
        moment = value.replace(tzinfo=None)
        hour = moment.replace(minute=0, second=0, microsecond=0)
        known = self._hours[hour] if hour in self._hours else self._remember(hour, hour)
        if known is None:
            return local_text(value, self.zone)
        return (moment + known[0]).isoformat() + known[1]

    def _remember(self, key: Any, hour: datetime) -> tuple[timedelta, str, str | None] | None:
        known = None
        try:
            start = in_zone(hour.replace(tzinfo=UTC), self.zone)
            end = in_zone((hour + _LAST_INSTANT).replace(tzinfo=UTC), self.zone)
        except OverflowError:  # the exact path copes (local_text)
            return None
        offset = start.utcoffset()
        if offset is not None and offset == end.utcoffset():
            text = start.isoformat()
            whole_hours = offset % timedelta(hours=1) == timedelta(0)
            # "+08:00" (no fraction at :00:00), and "2026-11-23T10" for a whole-hour offset
            known = (offset, text[19:], text[:13] if whole_hours else None)
        if len(self._hours) >= self.MAX_HOURS:
            self._hours.clear()
        self._hours[key] = known
        return known


_LAST_INSTANT = timedelta(minutes=59, seconds=59, microseconds=999_999)
_parse = datetime.fromisoformat


@lru_cache(maxsize=64)
def local_times(zone: ZoneInfo) -> LocalTimes:
    return LocalTimes(zone)


def _sqlite_datetime(zone: ZoneInfo) -> Convert:
    """Stored as naive UTC text: shown in the user's zone, as ``UtcDateTime`` and the typed
    renderer do in two steps."""
    local = local_times(zone)

    def convert(value: Any) -> Any:
        if is_naive_utc_text(value):
            return local.from_text(value)
        return local_text(utc_moment(value), zone)

    return convert


def _sqlite_datetimes(zone: ZoneInfo) -> ConvertColumn:
    """:func:`_sqlite_datetime` for a column: the form SQLite is given (``YYYY-MM-DD
    HH:MM:SS.ffffff``, 26 characters, so no offset) goes straight to :class:`LocalTimes`."""
    from_text = local_times(zone).from_text
    other = _sqlite_datetime(zone)

    def convert_column(values: Sequence[Any]) -> list[Any]:
        return [
            from_text(v)
            if v.__class__ is str and len(v) == 26 and v[19] == "."
            else (None if v is None else other(v))
            for v in values
        ]

    return convert_column


def _aware_datetimes(zone: ZoneInfo) -> ConvertColumn:
    """:meth:`LocalTimes.from_datetime` for a column of psycopg's aware date-times: those
    in UTC (the session's zone) go through their text, which C writes, to the
    :meth:`LocalTimes.from_text` shortcut."""
    local = local_times(zone)
    from_text, other = local.from_text, local.from_datetime

    def convert_column(values: Sequence[Any]) -> list[Any]:
        return [
            None
            if v is None
            else other(v)
            if v.utcoffset()
            else from_text(v.isoformat(" ", "microseconds")[:26])
            for v in values
        ]

    return convert_column


def _scaled(scale: int) -> Convert:
    """SQLite stores an exact decimal as a scaled integer (ADR 0003): 1234 at scale 2 is
    ``"12.34"``, as :func:`decimal_text` writes the decimal."""
    if scale == 0:
        return str

    def convert(value: Any) -> str:
        if isinstance(value, int):
            digits = str(-value if value < 0 else value).rjust(scale + 1, "0")
            return ("-" if value < 0 else "") + digits[:-scale] + "." + digits[-scale:]
        return decimal_text(unscaled(value, scale))

    return convert
