"""The SQL of business calendars, the days the holidays package knows, and calendars as
the business-time library takes them."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, delete, insert, select
from sqlalchemy.engine import Row

from guanxi.platform.process.business_time import WEEKDAYS, BusinessCalendar, parse_minute
from guanxi.platform.process.tables import gx_calendar, gx_calendar_day


@dataclass(frozen=True)
class PackageDay:
    day: date
    kind: str  # holiday | workday
    name: dict[str, str]


def package_days(country: str, years: Sequence[int]) -> list[PackageDay]:
    """A country's public holidays in ``years``, named in English and, where the package
    has it, Chinese; and its make-up working days (China's 调休: weekend dates worked in
    exchange for a longer holiday), which the package lists as ``weekend_workdays``."""
    import holidays  # 50 ms of imports, paid only by those seeding a calendar

    wanted = set(years)
    english = holidays.country_holidays(country, years=years, language=_language(country, "en"))
    chinese = holidays.country_holidays(
        country, years=years, language=_language(country, "zh") or _language(country, "en")
    )
    out: list[PackageDay] = []
    for day in sorted(d for d in english if d.year in wanted):
        name = {"en": str(english[day])}
        if _language(country, "zh"):
            name["zh-CN"] = str(chinese[day])
        out.append(PackageDay(day, "holiday", name))
    # The package keeps make-up days found for neighbouring years too: only those asked for.
    for day in sorted(d for d in english.weekend_workdays if d.year in wanted and d not in english):
        out.append(PackageDay(day, "workday", {"en": "Make-up working day", "zh-CN": "调休上班"}))
    return sorted(out, key=lambda d: d.day)


def _language(country: str, prefix: str) -> str | None:
    import holidays

    entity = holidays.country_holidays(country)
    supported: Iterable[str] = getattr(entity, "supported_languages", ()) or ()
    preferred = {"en": ("en_US", "en_GB", "en"), "zh": ("zh_CN", "zh")}[prefix]
    return next((lang for lang in preferred if lang in supported), None)


def supported_country(country: str) -> bool:
    import holidays

    return country in holidays.list_supported_countries()


# -- rows ----------------------------------------------------------------------------------
def calendar_row(conn: Connection, calendar_id: UUID) -> Row[Any] | None:
    return conn.execute(select(gx_calendar).where(gx_calendar.c.id == calendar_id)).first()


def default_row(conn: Connection) -> Row[Any] | None:
    return conn.execute(
        select(gx_calendar).where(gx_calendar.c.is_default.is_(True)).order_by(gx_calendar.c.id)
    ).first()


def days(conn: Connection, calendar_id: UUID, year: int | None = None) -> list[Row[Any]]:
    stmt = select(gx_calendar_day).where(gx_calendar_day.c.calendar_id == calendar_id)
    if year is not None:
        stmt = stmt.where(
            gx_calendar_day.c.day >= date(year, 1, 1), gx_calendar_day.c.day <= date(year, 12, 31)
        )
    return list(conn.execute(stmt.order_by(gx_calendar_day.c.day)))


def put_days(
    conn: Connection, calendar_id: UUID, entries: Sequence[PackageDay], source: str
) -> None:
    """Write these days, each replacing what the date held."""
    if not entries:
        return
    conn.execute(
        delete(gx_calendar_day).where(
            gx_calendar_day.c.calendar_id == calendar_id,
            gx_calendar_day.c.day.in_([e.day for e in entries]),
        )
    )
    conn.execute(
        insert(gx_calendar_day),
        [
            {
                "calendar_id": calendar_id,
                "day": e.day,
                "kind": e.kind,
                "name": e.name or None,
                "source": source,
            }
            for e in entries
        ],
    )


def drop_package_days(conn: Connection, calendar_id: UUID, years: Sequence[int]) -> None:
    for year in years:
        conn.execute(
            delete(gx_calendar_day).where(
                and_(
                    gx_calendar_day.c.calendar_id == calendar_id,
                    gx_calendar_day.c.source == "package",
                    gx_calendar_day.c.day >= date(year, 1, 1),
                    gx_calendar_day.c.day <= date(year, 12, 31),
                )
            )
        )


def drop_day(conn: Connection, calendar_id: UUID, day: date) -> int:
    return conn.execute(
        delete(gx_calendar_day).where(
            gx_calendar_day.c.calendar_id == calendar_id, gx_calendar_day.c.day == day
        )
    ).rowcount


# -- calendars for the business-time library ----------------------------------------------
_LOADED: OrderedDict[tuple[UUID, int], BusinessCalendar] = OrderedDict()
_LOADED_LOCK = threading.Lock()
_KEEP = 64


def business_calendar(conn: Connection, row: Row[Any]) -> BusinessCalendar:
    """The calendar of ``row`` with its days, kept per (id, version): every change of a
    calendar, its days' included, moves the version, so a kept one is never stale."""
    key = (row.id, row.version)
    with _LOADED_LOCK:
        found = _LOADED.get(key)
        if found is not None:
            _LOADED.move_to_end(key)
            return found
    entries = days(conn, row.id)
    calendar = to_business_calendar(
        row.time_zone,
        row.working_hours,
        holidays_=[d.day for d in entries if d.kind == "holiday"],
        workdays=[d.day for d in entries if d.kind == "workday"],
    )
    with _LOADED_LOCK:
        _LOADED[key] = calendar
        while len(_LOADED) > _KEEP:
            _LOADED.popitem(last=False)
    return calendar


def to_business_calendar(
    zone: str,
    working_hours: Mapping[str, Sequence[Mapping[str, str]]],
    *,
    holidays_: Sequence[date] = (),
    workdays: Sequence[date] = (),
) -> BusinessCalendar:
    return BusinessCalendar(
        zone=ZoneInfo(zone),
        week=tuple(
            tuple(
                (parse_minute(r["start"]), parse_minute(r["end"]))
                for r in working_hours.get(day, ())
            )
            for day in WEEKDAYS
        ),
        holidays=frozenset(holidays_),
        workdays=frozenset(workdays),
    )
