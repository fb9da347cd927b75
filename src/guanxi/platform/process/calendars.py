"""Business calendars (工作日历): the working time SLA clocks count.

A calendar has an IANA time zone, working ranges per weekday (several a day: a lunch
break is the gap between two), holidays and make-up working days (调休). Its days can be
seeded from the ``holidays`` package for a country and years (China's public holidays
and make-up days included) and edited one by one. One calendar is the default, used by
SLA policies that name none; the first calendar made becomes it.

Every change (its days' included) moves the calendar's version and recomputes the due
times of the SLA clocks counting on it, from their original start. Managing calendars
takes the ``manage_automation`` right.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Row

from guanxi.kernel.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from guanxi.kernel.ids import uuid7
from guanxi.platform.process import calendar_repository as repo
from guanxi.platform.process import sla_clocks
from guanxi.platform.process.business_time import WEEKDAYS, check_ranges, parse_minute
from guanxi.platform.process.calendar_schemas import (
    CalendarIn,
    CalendarPatch,
    DayIn,
    DaysImport,
    HolidaySource,
    WorkingHours,
)
from guanxi.platform.process.tables import gx_calendar, gx_sla_policy
from guanxi.platform.process.versions import check_version, stale
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.values import plain

RIGHT = "manage_automation"


def list_calendars(ctx: Ctx) -> list[dict[str, Any]]:
    """Every calendar, the default first, then oldest first."""
    _may_manage(ctx)
    rows = ctx.conn.execute(
        select(gx_calendar).order_by(
            gx_calendar.c.is_default.desc(), gx_calendar.c.created_at, gx_calendar.c.id
        )
    )
    return [calendar_out(ctx, row) for row in rows]


def get_calendar(ctx: Ctx, calendar_id: UUID) -> dict[str, Any]:
    _may_manage(ctx)
    return calendar_out(ctx, _row(ctx, calendar_id))


def create_calendar(ctx: Ctx, body: CalendarIn) -> dict[str, Any]:
    """A new calendar, checked whole (every problem named), seeded from the holidays
    package when ``holidays_from`` says so."""
    _may_manage(ctx)
    errors = _zone_problems(body.time_zone) + _hours_problems(body.working_hours)
    if body.holidays_from is not None:
        errors += _source_problems(body.holidays_from, "holidays_from.")
    _raise(errors)
    first = ctx.conn.execute(select(func.count()).select_from(gx_calendar)).scalar_one() == 0
    is_default = bool(body.is_default) or first
    if is_default:
        ctx.conn.execute(update(gx_calendar).values(is_default=False))
    calendar_id = uuid7()
    ctx.conn.execute(
        insert(gx_calendar).values(
            id=calendar_id,
            name=body.name,
            time_zone=body.time_zone,
            working_hours=_hours(body.working_hours),
            is_default=is_default,
            version=1,
            created_at=ctx.now,
            created_by_id=ctx.actor.user_id,
            updated_at=ctx.now,
            updated_by_id=ctx.actor.user_id,
        )
    )
    if body.holidays_from is not None:
        source = body.holidays_from
        repo.put_days(
            ctx.conn, calendar_id, repo.package_days(source.country, source.years), "package"
        )
    ctx.audit("calendar.create", str(calendar_id), {"default": is_default})
    if is_default:  # policies without a calendar of their own now count on this one
        sla_clocks.recompute(ctx, defaulted=True)
    return get_calendar(ctx, calendar_id)


def update_calendar(
    ctx: Ctx, calendar_id: UUID, body: CalendarPatch, *, expected_version: int | None
) -> dict[str, Any]:
    """Change what ``body`` sends if the calendar is still at the version read (412
    otherwise, 428 without one); the clocks counting on it are recomputed."""
    _may_manage(ctx)
    row = _row(ctx, calendar_id)
    check_version(
        "the calendar",
        row.version,
        expected_version if expected_version is not None else body.version,
    )
    sent = body.model_fields_set - {"version"}
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    if "name" in sent and body.name is not None:
        values["name"] = body.name
    if "time_zone" in sent:
        errors += _zone_problems(body.time_zone)
        values["time_zone"] = body.time_zone
    if "working_hours" in sent:
        errors += _hours_problems(body.working_hours)
        values["working_hours"] = _hours(body.working_hours or {})
    if "is_default" in sent:
        if body.is_default is False and row.is_default:
            errors.append(
                FieldError("is_default", "make another calendar the default instead", "invalid")
            )
        elif body.is_default:
            values["is_default"] = True
    _raise(errors)
    becomes_default = values.get("is_default") is True and not row.is_default
    if becomes_default:
        ctx.conn.execute(update(gx_calendar).values(is_default=False))
    _bump(ctx, row, values)
    ctx.audit("calendar.update", str(row.id), {"fields": sorted(sent)})
    sla_clocks.recompute(ctx, calendar_id=row.id)
    if becomes_default:
        sla_clocks.recompute(ctx, defaulted=True)
    return get_calendar(ctx, row.id)


def delete_calendar(ctx: Ctx, calendar_id: UUID) -> None:
    """Delete a calendar no policy counts on (409 naming them otherwise), with its days.
    The default calendar goes only when no calendar-less policy exists; another becomes
    the default then (the oldest), if there is one."""
    _may_manage(ctx)
    row = _row(ctx, calendar_id)
    users = gx_sla_policy.c.calendar_id == row.id
    if row.is_default:
        users = users | gx_sla_policy.c.calendar_id.is_(None)
    using = list(ctx.conn.execute(select(gx_sla_policy.c.id).where(users)).scalars())
    if using:
        raise Conflict(
            f"{len(using)} SLA policies count on this calendar",
            errors=[
                FieldError("calendar", f"SLA policy {policy_id} counts on it", "in_use")
                for policy_id in using
            ],
        )
    ctx.conn.execute(delete(gx_calendar).where(gx_calendar.c.id == row.id))
    if row.is_default:
        oldest = ctx.conn.execute(
            select(gx_calendar.c.id).order_by(gx_calendar.c.created_at, gx_calendar.c.id)
        ).first()
        if oldest is not None:
            ctx.conn.execute(
                update(gx_calendar)
                .where(gx_calendar.c.id == oldest.id)
                .values(is_default=True, version=gx_calendar.c.version + 1)
            )
    ctx.audit("calendar.delete", str(row.id), None)


# -- days ------------------------------------------------------------------------------------
def list_days(ctx: Ctx, calendar_id: UUID, year: int | None = None) -> list[dict[str, Any]]:
    _may_manage(ctx)
    row = _row(ctx, calendar_id)
    return [_day_out(d) for d in repo.days(ctx.conn, row.id, year)]


def put_day(ctx: Ctx, calendar_id: UUID, day: date, body: DayIn) -> dict[str, Any]:
    """Make ``day`` a holiday or a make-up working day (entered by hand)."""
    _may_manage(ctx)
    row = _row(ctx, calendar_id)
    repo.put_days(ctx.conn, row.id, [repo.PackageDay(day, body.kind, body.name or {})], "manual")
    _changed(ctx, row, "calendar.day", {"date": day.isoformat(), "kind": body.kind})
    return _day_out(next(d for d in repo.days(ctx.conn, row.id, day.year) if d.day == day))


def delete_day(ctx: Ctx, calendar_id: UUID, day: date) -> None:
    """Make ``day`` an ordinary day of its weekday again."""
    _may_manage(ctx)
    row = _row(ctx, calendar_id)
    if repo.drop_day(ctx.conn, row.id, day) == 0:
        raise NotFound(f"{day.isoformat()} is an ordinary day of this calendar")
    _changed(ctx, row, "calendar.day_delete", {"date": day.isoformat()})


def import_days(ctx: Ctx, calendar_id: UUID, body: DaysImport) -> list[dict[str, Any]]:
    """Seed days from the holidays package; the days of those years, afterwards."""
    _may_manage(ctx)
    row = _row(ctx, calendar_id)
    _raise(_source_problems(body, ""))
    if body.replace:
        repo.drop_package_days(ctx.conn, row.id, body.years)
    # Days entered by hand win over the package's.
    manual = {
        d.day for y in body.years for d in repo.days(ctx.conn, row.id, y) if d.source == "manual"
    }
    seeded = [d for d in repo.package_days(body.country, body.years) if d.day not in manual]
    repo.put_days(ctx.conn, row.id, seeded, "package")
    _changed(ctx, row, "calendar.import", {"country": body.country, "years": body.years})
    return [_day_out(d) for y in body.years for d in repo.days(ctx.conn, row.id, y)]


# -- shapes ----------------------------------------------------------------------------------
def calendar_out(ctx: Ctx, row: Row[Any]) -> dict[str, Any]:
    """A calendar as the API shows it."""
    return {
        "id": str(row.id),
        "name": row.name,
        "time_zone": row.time_zone,
        "working_hours": row.working_hours,
        "is_default": row.is_default,
        "version": row.version,
        "created_at": plain(row.created_at, ctx.zone),
        "created_by_id": None if row.created_by_id is None else str(row.created_by_id),
        "updated_at": plain(row.updated_at, ctx.zone),
        "updated_by_id": None if row.updated_by_id is None else str(row.updated_by_id),
    }


def _day_out(row: Row[Any]) -> dict[str, Any]:
    return {"date": row.day.isoformat(), "kind": row.kind, "name": row.name, "source": row.source}


def _hours(working_hours: WorkingHours | None) -> dict[str, list[dict[str, str]]]:
    """Weekdays in order, each with its ranges (days without any left out)."""
    given = working_hours or {}
    return {
        day: [{"start": r.start, "end": r.end} for r in ranges]
        for day, ranges in sorted(given.items(), key=lambda item: WEEKDAYS.index(item[0]))
        if ranges
    }


# -- checks ----------------------------------------------------------------------------------
def _zone_problems(zone: str | None) -> list[FieldError]:
    if not zone:
        return [FieldError("time_zone", "name an IANA time zone (Asia/Shanghai)", "required")]
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return [FieldError("time_zone", f"{zone!r} is not an IANA time zone", "invalid")]
    return []


def _hours_problems(working_hours: WorkingHours | None) -> list[FieldError]:
    errors: list[FieldError] = []
    given = working_hours or {}
    for day, ranges in given.items():
        spans = [(parse_minute(r.start), parse_minute(r.end)) for r in ranges]
        backwards = [i for i, (start, end) in enumerate(spans) if start >= end]
        errors += [
            FieldError(f"working_hours.{day}[{i}]", "ends before it starts", "invalid")
            for i in backwards
        ]
        if not backwards:
            try:
                check_ranges(sorted(spans))
            except ValueError as error:
                errors.append(FieldError(f"working_hours.{day}", str(error), "invalid"))
    if not errors and not any(given.values()):
        errors.append(FieldError("working_hours", "name at least one working range", "required"))
    return errors


def _source_problems(source: HolidaySource, prefix: str) -> list[FieldError]:
    if not repo.supported_country(source.country):
        return [
            FieldError(
                f"{prefix}country",
                f"the holidays package knows no country {source.country!r}",
                "not_found",
            )
        ]
    return []


def _raise(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationFailed(
            f"the calendar is not valid: {errors[0].field}: {errors[0].message}"
            + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
            errors=errors,
        )


# -- who may do what; versions --------------------------------------------------------------
def _may_manage(ctx: Ctx) -> None:
    if not ctx.actor.has_right(RIGHT):
        raise PermissionDenied(f"managing calendars needs the {RIGHT} right")


def _row(ctx: Ctx, calendar_id: UUID) -> Row[Any]:
    row = repo.calendar_row(ctx.conn, calendar_id)
    if row is None:
        raise NotFound(f"no calendar with id {calendar_id}")
    return row


def _bump(ctx: Ctx, row: Row[Any], values: dict[str, Any]) -> None:
    changed = ctx.conn.execute(
        update(gx_calendar)
        .where(gx_calendar.c.id == row.id, gx_calendar.c.version == row.version)
        .values(
            **values,
            version=row.version + 1,
            updated_at=ctx.now,
            updated_by_id=ctx.actor.user_id,
        )
    ).rowcount
    if changed != 1:
        raise stale("the calendar", row.version + 1, row.version)


def _changed(ctx: Ctx, row: Row[Any], action: str, details: dict[str, Any]) -> None:
    """A day changed: a new version (its clocks' calendar is loaded afresh) and new due
    times for the clocks counting on it."""
    ctx.conn.execute(
        update(gx_calendar)
        .where(gx_calendar.c.id == row.id)
        .values(
            version=gx_calendar.c.version + 1, updated_at=ctx.now, updated_by_id=ctx.actor.user_id
        )
    )
    ctx.audit(action, str(row.id), details)
    sla_clocks.recompute(ctx, calendar_id=row.id)
