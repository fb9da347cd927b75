"""Business-time arithmetic: lunch breaks, nights, weekends, holidays, make-up working days
(调休) from the holidays package, and daylight-saving zones; with properties that must hold
for any calendar and any instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from guanxi.platform.process.business_time import (
    WEEKDAYS,
    BusinessCalendar,
    NoWorkingTime,
    add_business_time,
    business_time_between,
    parse_minute,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
OFFICE = [("09:00", "12:00"), ("13:30", "18:00")]  # 7.5 hours with a lunch break


def china_2026() -> BusinessCalendar:
    """Mon–Fri office hours in Shanghai with 2026's public holidays and 调休 days."""
    cn = holidays.country_holidays("CN", years=2026)
    return BusinessCalendar.of(
        SHANGHAI,
        {day: OFFICE for day in WEEKDAYS[:5]},
        holidays=[d for d in cn if d.year == 2026],
        workdays=[d for d in cn.weekend_workdays if d.year == 2026],
    )


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


PLAIN = BusinessCalendar.of(SHANGHAI, {day: OFFICE for day in WEEKDAYS[:5]})


def test_the_lunch_break_is_not_working_time() -> None:
    due = add_business_time(PLAIN, sh(2026, 11, 23, 11, 0), timedelta(hours=2))
    assert due == sh(2026, 11, 23, 14, 30)
    assert business_time_between(PLAIN, sh(2026, 11, 23, 11, 30), sh(2026, 11, 23, 14, 0)) == (
        timedelta(hours=1)
    )


def test_time_left_at_closing_carries_over_the_night_and_the_weekend() -> None:
    assert add_business_time(PLAIN, sh(2026, 11, 23, 17, 0), timedelta(hours=2)) == sh(
        2026, 11, 24, 10, 0
    )
    # Friday 17:00 plus two hours: an hour on Friday, the other on Monday morning.
    assert add_business_time(PLAIN, sh(2026, 11, 27, 17, 0), timedelta(hours=2)) == sh(
        2026, 11, 30, 10, 0
    )
    # Exactly what is left of the day ends at closing time, not the next morning.
    assert add_business_time(PLAIN, sh(2026, 11, 27, 17, 0), timedelta(hours=1)) == sh(
        2026, 11, 27, 18, 0
    )


def test_a_start_outside_working_hours_waits_for_the_next_range() -> None:
    assert add_business_time(PLAIN, sh(2026, 11, 28, 23, 0), timedelta(minutes=30)) == sh(
        2026, 11, 30, 9, 30
    )
    assert add_business_time(PLAIN, sh(2026, 11, 23, 12, 15), timedelta(minutes=30)) == sh(
        2026, 11, 23, 14, 0
    )
    assert add_business_time(PLAIN, sh(2026, 11, 28, 23, 0), timedelta(0)) == sh(2026, 11, 28, 23)


def test_a_full_week_holds_five_working_days() -> None:
    week = business_time_between(PLAIN, sh(2026, 11, 23, 0, 0), sh(2026, 11, 30, 0, 0))
    assert week == timedelta(hours=37, minutes=30)
    assert business_time_between(PLAIN, sh(2026, 11, 30), sh(2026, 11, 23)) == -week


def test_national_day_holidays_are_skipped_and_the_saturday_after_is_worked() -> None:
    cal = china_2026()
    # 2026: 1–7 October off; Saturday 10 October a make-up working day (调休).
    assert add_business_time(cal, sh(2026, 9, 30, 17, 0), timedelta(hours=2)) == sh(
        2026, 10, 8, 10, 0
    )
    assert add_business_time(cal, sh(2026, 10, 9, 17, 0), timedelta(hours=2)) == sh(
        2026, 10, 10, 10, 0
    )
    assert business_time_between(cal, sh(2026, 10, 1), sh(2026, 10, 8)) == timedelta(0)
    # Sunday 20 September is worked too, with the normal weekday hours.
    assert business_time_between(cal, sh(2026, 9, 20), sh(2026, 9, 21)) == timedelta(
        hours=7, minutes=30
    )


def test_the_spring_festival_week_and_its_make_up_saturdays() -> None:
    cal = china_2026()
    # Off 15–23 February 2026; Saturdays 14 and 28 February are worked.
    assert business_time_between(cal, sh(2026, 2, 14), sh(2026, 2, 24)) == timedelta(
        hours=7, minutes=30
    )
    assert add_business_time(cal, sh(2026, 2, 13, 18, 0), timedelta(hours=8)) == sh(
        2026, 2, 24, 9, 30
    )
    assert business_time_between(cal, sh(2026, 2, 28), sh(2026, 3, 1)) == timedelta(
        hours=7, minutes=30
    )


def test_the_package_knows_china_s_make_up_working_days() -> None:
    cn = holidays.country_holidays("CN", years=2026)
    assert {d for d in cn.weekend_workdays if d.year == 2026} >= {
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 9, 20),
        date(2026, 10, 10),
    }


def test_a_range_across_a_daylight_saving_change_lasts_what_the_wall_clock_showed() -> None:
    night = BusinessCalendar.of(NEW_YORK, {day: [("00:00", "06:00")] for day in WEEKDAYS})
    # 8 March 2026: clocks go from 02:00 to 03:00, so 00:00–06:00 is five hours.
    assert business_time_between(night, ny(2026, 3, 8), ny(2026, 3, 9)) == timedelta(hours=5)
    # 1 November 2026: 02:00 comes back to 01:00, so the same range is seven hours.
    assert business_time_between(night, ny(2026, 11, 1), ny(2026, 11, 2)) == timedelta(hours=7)
    assert add_business_time(night, ny(2026, 3, 8, 1, 0), timedelta(hours=2)) == ny(
        2026, 3, 8, 4, 0
    )


def test_office_hours_in_new_york_are_eight_hours_on_both_sides_of_the_change() -> None:
    office = BusinessCalendar.of(NEW_YORK, {day: [("09:00", "17:00")] for day in WEEKDAYS[:5]})
    friday, monday = ny(2026, 3, 6, 16, 0), ny(2026, 3, 9, 10, 0)
    assert business_time_between(office, friday, monday) == timedelta(hours=2)
    due = add_business_time(office, friday, timedelta(hours=2))
    assert due == monday
    assert due.utcoffset() == timedelta(0)  # results are UTC
    assert due.astimezone(NEW_YORK).utcoffset() == timedelta(hours=-4)  # EDT by Monday


def test_round_the_clock_calendars_count_every_instant() -> None:
    always = BusinessCalendar.of("UTC", {day: [("00:00", "24:00")] for day in WEEKDAYS})
    start = datetime(2026, 3, 7, 22, 0, tzinfo=UTC)
    assert add_business_time(always, start, timedelta(days=3)) == start + timedelta(days=3)


def test_a_calendar_without_working_time_gives_no_due_time() -> None:
    never = BusinessCalendar.of(SHANGHAI, {})
    with pytest.raises(NoWorkingTime):
        add_business_time(never, sh(2026, 1, 1), timedelta(minutes=1))
    assert business_time_between(never, sh(2026, 1, 1), sh(2036, 1, 1)) == timedelta(0)


def test_bad_ranges_and_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="ends after it starts"):
        BusinessCalendar.of(SHANGHAI, {"mon": [("12:00", "09:00")]})
    with pytest.raises(ValueError, match="overlap"):
        BusinessCalendar.of(SHANGHAI, {"mon": [("09:00", "12:00"), ("11:00", "13:00")]})
    with pytest.raises(ValueError, match="HH:MM"):
        parse_minute("9am")
    with pytest.raises(ValueError, match="between 00:00 and 24:00"):
        parse_minute("24:30")
    with pytest.raises(ValueError, match="aware"):
        business_time_between(PLAIN, datetime(2026, 1, 1), sh(2026, 1, 2))
    with pytest.raises(ValueError, match="not negative"):
        add_business_time(PLAIN, sh(2026, 1, 1), timedelta(minutes=-1))


# -- properties ---------------------------------------------------------------------------
ZONES = st.sampled_from(["Asia/Shanghai", "America/New_York", "Europe/London", "UTC"])


@st.composite
def day_ranges(draw: st.DrawFn) -> list[tuple[int, int]]:
    cuts = sorted(draw(st.sets(st.integers(0, 1440), max_size=6)))
    pairs = list(zip(cuts[::2], cuts[1::2], strict=False))
    return [(a, b) for a, b in pairs if a < b]


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    week = tuple(tuple(draw(day_ranges())) for _ in range(7))
    assume(any(week))
    first = date(2026, 1, 1)
    some_days = st.lists(st.integers(0, 400).map(lambda n: first + timedelta(days=n)), max_size=20)
    holidays_ = frozenset(draw(some_days))
    return BusinessCalendar(
        zone=ZoneInfo(draw(ZONES)),
        week=week,
        holidays=holidays_,
        workdays=frozenset(draw(some_days)) - holidays_,
    )


INSTANTS = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 31), timezones=st.just(UTC)
)
DURATIONS = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20))


@given(calendars(), INSTANTS, DURATIONS)
def test_the_time_between_a_start_and_its_due_time_is_the_duration(
    cal: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    due = add_business_time(cal, start, duration)
    assert due >= start
    assert business_time_between(cal, start, due) == duration


@given(calendars(), INSTANTS, DURATIONS, DURATIONS)
def test_adding_in_two_steps_is_adding_the_sum(
    cal: BusinessCalendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    stepped = add_business_time(cal, add_business_time(cal, start, first), second)
    whole = add_business_time(cal, start, first + second)
    assert stepped == whole
    assert add_business_time(cal, start, first) <= add_business_time(cal, start, first + second)


@given(calendars(), INSTANTS, INSTANTS, INSTANTS)
def test_business_time_adds_up_over_consecutive_spans_and_never_exceeds_real_time(
    cal: BusinessCalendar, a: datetime, b: datetime, c: datetime
) -> None:
    a, b, c = sorted((a, b, c))
    ab, bc = business_time_between(cal, a, b), business_time_between(cal, b, c)
    assert ab + bc == business_time_between(cal, a, c)
    assert timedelta(0) <= ab <= b - a
    assert business_time_between(cal, b, a) == -ab


@given(calendars(), INSTANTS)
def test_the_due_time_of_a_positive_duration_lies_in_working_time(
    cal: BusinessCalendar, start: datetime
) -> None:
    due = add_business_time(cal, start, timedelta(minutes=1))
    # The instant before the due time was working time (the last bit of the minute).
    tick = timedelta(microseconds=1)
    assert business_time_between(cal, due - tick, due) == tick
