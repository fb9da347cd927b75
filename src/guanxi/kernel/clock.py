"""Time is injected so tests never sleep and relative dates are reproducible."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
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


def local_text(value: datetime, zone: tzinfo) -> str:
    """``value`` in ``zone`` as ISO text, or in UTC where ``zone`` would pass year 9999."""
    try:
        return value.astimezone(zone).isoformat()
    except OverflowError:
        return value.astimezone(UTC).isoformat()
