"""Relative date tokens (today, this_week, last_n_days:30 …) turned into half-open ranges."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

_N_DAYS = re.compile(r"^(last|next)_n_days:(\d{1,4})\Z")
PERIODS = ("day", "week", "month", "quarter", "year")
TOKENS = frozenset(
    {"today", "yesterday", "tomorrow"}
    | {f"{when}_{period}" for when in ("this", "last", "next") for period in PERIODS[1:]}
)


def is_relative(value: object) -> bool:
    return isinstance(value, str) and (value in TOKENS or _N_DAYS.match(value) is not None)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _period(today: date, period: str, offset: int) -> tuple[date, date]:
    if period == "day":
        start = today + timedelta(days=offset)
        return start, start + timedelta(days=1)
    if period == "week":  # ISO weeks start on Monday, as in China
        start = today - timedelta(days=today.weekday()) + timedelta(weeks=offset)
        return start, start + timedelta(weeks=1)
    if period == "month":
        start = _add_months(today.replace(day=1), offset)
        return start, _add_months(start, 1)
    if period == "quarter":
        first = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
        start = _add_months(first, 3 * offset)
        return start, _add_months(start, 3)
    start = date(today.year + offset, 1, 1)
    return start, date(start.year + 1, 1, 1)


def date_range(token: str, now: datetime, zone: ZoneInfo) -> tuple[date, date]:
    """The [start, end) dates a token covers, seen from ``now`` in the user's zone."""
    today = now.astimezone(zone).date()
    match = _N_DAYS.match(token)
    if match:
        n = int(match.group(2))
        if match.group(1) == "last":  # the past n days and today
            return today - timedelta(days=n), today + timedelta(days=1)
        return today + timedelta(days=1), today + timedelta(days=n + 1)
    simple = {"today": ("day", 0), "yesterday": ("day", -1), "tomorrow": ("day", 1)}
    if token in simple:
        period, offset = simple[token]
    else:
        when, period = token.split("_", 1)
        offset = {"this": 0, "last": -1, "next": 1}[when]
    return _period(today, period, offset)


def datetime_range(token: str, now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Like :func:`date_range`, as aware datetimes at midnight in the user's zone."""
    start, end = date_range(token, now, zone)
    return (
        datetime(start.year, start.month, start.day, tzinfo=zone),
        datetime(end.year, end.month, end.day, tzinfo=zone),
    )
