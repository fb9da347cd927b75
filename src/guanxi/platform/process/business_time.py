"""Business time: working time on a calendar between two instants, and when an amount of
it runs out.

A :class:`BusinessCalendar` has working ranges per weekday in local wall time (09:00–12:00
and 13:30–18:00: a lunch break), an IANA zone, holidays (dates without working time) and
make-up working days (调休: weekend dates worked with the normal weekday ranges).

Each local range of a date is turned into an interval of UTC instants, so a range across
a daylight-saving change lasts what the clock on the wall really showed passing (an hour
less in spring, an hour more in autumn), and a wall time that does not exist (02:30 on
the spring day in New York) is read as Python reads it (``fold=0``: the offset before the
change). Intervals are merged and taken in order, so no instant counts twice.

Pure functions, no I/O: the SLA clocks call them with calendars loaded from the database.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTES_A_DAY = 24 * 60
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Searching this far ahead without finding working time means there is none: a calendar
# whose every day is a holiday for ten years cannot give a due time.
HORIZON_DAYS = 3660

Range = tuple[int, int]  # minutes after local midnight: start < end, end ≤ 1440 (24:00)


class NoWorkingTime(ValueError):
    """The calendar has no working time within the horizon after the start."""


@dataclass(frozen=True)
class BusinessCalendar:
    """Working ranges per weekday (Monday first), a zone, holidays and make-up days.

    ``makeup`` are the ranges of a make-up working day: by default those of the first
    weekday that has any (a Saturday worked in place of a holiday keeps normal hours)."""

    zone: ZoneInfo
    week: tuple[tuple[Range, ...], ...]
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    makeup: tuple[Range, ...] = field(default=())
    # Each date's intervals, worked out once per calendar: a sweep asks for the same days
    # over and over.
    _days: dict[date, list[tuple[datetime, datetime]]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise ValueError("a week has seven days, Monday first")
        for ranges in (*self.week, self.makeup):
            check_ranges(ranges)
        if not self.makeup:
            first = next((r for r in self.week if r), ())
            object.__setattr__(self, "makeup", first)

    @classmethod
    def of(
        cls,
        zone: str | ZoneInfo,
        week: Mapping[str, Sequence[tuple[str, str]]],
        *,
        holidays: Sequence[date] = (),
        workdays: Sequence[date] = (),
    ) -> BusinessCalendar:
        """A calendar from ``{"mon": [("09:00", "12:00"), ("13:30", "18:00")], …}`` (days
        left out have no working time)."""
        unknown = set(week) - set(WEEKDAYS)
        if unknown:
            raise ValueError(f"unknown weekdays {sorted(unknown)}")
        return cls(
            zone=zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone),
            week=tuple(
                tuple((parse_minute(a), parse_minute(b)) for a, b in week.get(day, ()))
                for day in WEEKDAYS
            ),
            holidays=frozenset(holidays),
            workdays=frozenset(workdays),
        )

    def ranges_on(self, day: date) -> tuple[Range, ...]:
        """The local working ranges of a date: none on a holiday, the make-up ranges on a
        make-up working day, else the weekday's."""
        if day in self.holidays:
            return ()
        if day in self.workdays:
            return self.makeup
        return self.week[day.weekday()]

    def intervals_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working intervals of a local date as UTC instants, in order, merged."""
        found = self._days.get(day)
        if found is None:
            if len(self._days) > 20_000:  # a long-lived calendar does not grow without end
                self._days.clear()
            found = self._days[day] = self._intervals_on(day)
        return found

    def _intervals_on(self, day: date) -> list[tuple[datetime, datetime]]:
        spans = sorted(
            (a, b)
            for a, b in (
                (_instant(self.zone, day, s), _instant(self.zone, day, e))
                for s, e in self.ranges_on(day)
            )
            if b > a  # a range wholly inside a spring-forward gap never happens
        )
        merged: list[tuple[datetime, datetime]] = []
        for a, b in spans:
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
            else:
                merged.append((a, b))
        return merged


def parse_minute(text: str) -> int:
    """``"13:30"`` → 810; ``"24:00"`` (the end of the day) → 1440."""
    hours, sep, minutes = text.partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"{text!r}: write a time as HH:MM")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > MINUTES_A_DAY:
        raise ValueError(f"{text!r}: not a time between 00:00 and 24:00")
    return value


def format_minute(value: int) -> str:
    return f"{value // 60:02d}:{value % 60:02d}"


def check_ranges(ranges: Sequence[Range]) -> None:
    """Each range starts before it ends, within 00:00–24:00; ranges do not overlap."""
    last_end = -1
    for start, end in ranges:
        if not 0 <= start < end <= MINUTES_A_DAY:
            raise ValueError(
                f"{format_minute(start)}–{format_minute(end)}: a range ends after it starts"
            )
        if start < last_end:
            raise ValueError(f"{format_minute(start)}: ranges overlap or are out of order")
        last_end = end


def _instant(zone: ZoneInfo, day: date, minute: int) -> datetime:
    if minute == MINUTES_A_DAY:
        local = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    else:
        local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    return local.astimezone(UTC)


def working_intervals(
    calendar: BusinessCalendar, start: datetime, until: datetime | None = None
) -> Iterator[tuple[datetime, datetime]]:
    """The calendar's working intervals from ``start`` on, in order, the first clipped to
    begin at ``start``; never overlapping. With ``until`` they stop after the local date
    of ``until`` (the last may reach past it); without, :class:`NoWorkingTime` is raised
    after ``HORIZON_DAYS`` days without any."""
    _aware(start)
    cursor = start.astimezone(UTC)
    # The day before too: a zone's odd offsets must not hide a range reaching past midnight.
    day = cursor.astimezone(calendar.zone).date() - timedelta(days=1)
    last = None if until is None else until.astimezone(calendar.zone).date() + timedelta(days=1)
    idle = 0
    while last is not None or idle <= HORIZON_DAYS:
        if last is not None and day > last:
            return
        found = False
        for a, b in calendar.intervals_on(day):
            a = max(a, cursor)
            if b > a:
                found = True
                yield a, b
                cursor = b
        idle = 0 if found else idle + 1
        day += timedelta(days=1)
    raise NoWorkingTime(f"no working time within {HORIZON_DAYS} days after {start.isoformat()}")


def add_business_time(calendar: BusinessCalendar, start: datetime, duration: timedelta) -> datetime:
    """The instant at which ``duration`` of working time after ``start`` has passed (UTC).

    Zero is ``start`` itself; otherwise the result lies in a working interval or at its
    end (an hour from 17:00 with work until 18:00 is 18:00 that day, not the next
    morning)."""
    if duration < timedelta(0):
        raise ValueError("a duration of business time is not negative")
    if duration == timedelta(0):
        return start.astimezone(UTC)
    remaining = duration
    for a, b in working_intervals(calendar, start):
        span = b - a
        if remaining <= span:
            return a + remaining
        remaining -= span
    raise AssertionError("unreachable: working_intervals ends by raising")  # pragma: no cover


def business_time_between(calendar: BusinessCalendar, a: datetime, b: datetime) -> timedelta:
    """Working time from ``a`` to ``b``; negative when ``b`` is before ``a``."""
    _aware(a)
    _aware(b)
    if b < a:
        return -business_time_between(calendar, b, a)
    total = timedelta(0)
    end = b.astimezone(UTC)
    if end == a:
        return total
    for start, stop in working_intervals(calendar, a, until=end):
        if start >= end:
            break
        total += min(stop, end) - start
    return total


def _aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("business time is measured between aware date-times")
