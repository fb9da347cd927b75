"""The bodies that create and change a business calendar and its days."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from guanxi.platform.metadata.schemas import LabelIn, _check_label

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DayKind = Literal["holiday", "workday"]
MAX_VERSION = 2**31 - 1
MAX_RANGES = 12  # working ranges in one day
MAX_YEARS = 10  # years seeded from the holidays package in one call
HHMM = r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RangeIn(_Strict):
    """A working range of a day in the calendar's local time (``"24:00"`` ends the day)."""

    start: str = Field(pattern=HHMM, examples=["09:00"])
    end: str = Field(pattern=HHMM, examples=["12:00"])


WorkingHours = dict[Weekday, list[RangeIn]]


class HolidaySource(_Strict):
    """Public holidays (and make-up working days, where the package has them: China's
    调休) from the ``holidays`` package for a country (ISO 3166 code) and years."""

    country: str = Field(min_length=2, max_length=3, examples=["CN"])
    years: list[int] = Field(min_length=1, max_length=MAX_YEARS, examples=[[2026, 2027]])

    @field_validator("years")
    @classmethod
    def _years(cls, value: list[int]) -> list[int]:
        if any(not 1950 <= year <= 2100 for year in value):
            raise ValueError("years from 1950 to 2100")
        return sorted(set(value))


class CalendarSettings(_Strict):
    time_zone: str | None = Field(default=None, max_length=64, examples=["Asia/Shanghai"])
    working_hours: WorkingHours | None = Field(
        default=None,
        description="per weekday (mon … sun), the working ranges in local time; a day left "
        "out has none",
    )
    is_default: bool | None = None


class CalendarIn(CalendarSettings):
    name: LabelIn
    time_zone: str = Field(max_length=64, examples=["Asia/Shanghai"])
    working_hours: WorkingHours
    holidays_from: HolidaySource | None = Field(
        default=None, description="seed the calendar's days from the holidays package"
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_label(value)


class CalendarPatch(CalendarSettings):
    """Change what is sent; ``version`` is the one read (or send If-Match)."""

    name: LabelIn | None = None
    version: int | None = Field(default=None, ge=1, le=MAX_VERSION, strict=True)

    @field_validator("name")
    @classmethod
    def _name(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return None if value is None else _check_label(value)


class DayIn(_Strict):
    """A holiday (no working time) or a make-up working day (调休: the normal weekday
    ranges on a date that has none)."""

    kind: DayKind
    name: LabelIn | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return None if value is None else _check_label(value)


class DaysImport(HolidaySource):
    """Seed days from the package; ``replace`` first removes the days of those years that
    came from the package before (days entered by hand stay either way)."""

    replace: bool = False
