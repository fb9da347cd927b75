"""Time is injected so tests never sleep and relative dates are reproducible."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Protocol

from guanxi.kernel.errors import invalid


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock for tests: stands still until moved."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def advance(self, **delta: float) -> None:
        self._at += timedelta(**delta)


# Date-times a user may send: every database (and Python) can hold them in any zone.
EARLIEST = datetime(1700, 1, 1, tzinfo=UTC)
LATEST = datetime(4001, 1, 1, tzinfo=UTC)  # exclusive: through 4000-12-31 (UTC)


def in_range(moment: datetime) -> bool:
    """Whether an aware date-time lies within 1700-01-01 … 4000-12-31 (UTC): far enough from
    Python's years 1 and 9999 that it can be shown in any time zone."""
    return EARLIEST <= moment < LATEST  # compared without converting: that could overflow


def check_moment(field_name: str, value: datetime) -> datetime:
    """``value`` if it is aware and within 1700-01-01 … 4000-12-31 (UTC), else a 422."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise invalid(field_name, "needs a time zone offset")
    if not in_range(value):
        raise invalid(field_name, "must be between 1700-01-01 and 4000-12-31 (UTC)")
    return value


def in_zone(value: datetime, zone: tzinfo) -> datetime:
    """``value`` in ``zone``, its offset to the minute, for RFC 3339 text.

    Before standard time, zones used local mean time, offsets with seconds (Shanghai until
    1901: +08:05:43) that RFC 3339 cannot write and ``isoformat`` writes anyway. Such an
    offset is rounded to the nearest minute and the wall time follows it, so the text
    names the same instant. Raises ``OverflowError`` as ``astimezone`` does.
    """
    local = value.astimezone(zone)
    offset = local.utcoffset()
    if offset is None or not offset.seconds % 60:
        return local
    minutes = (offset.total_seconds() + 30) // 60
    rounded = timedelta(minutes=minutes)
    return value.astimezone(timezone(rounded))


def local_text(value: datetime, zone: tzinfo) -> str:
    """``value`` in ``zone`` as RFC 3339 text, or in UTC where ``zone`` would pass year 9999."""
    try:
        return in_zone(value, zone).isoformat()
    except OverflowError:
        return value.astimezone(UTC).isoformat()
