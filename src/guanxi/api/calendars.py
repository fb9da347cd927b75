"""Business calendars: working hours per weekday in a time zone, holidays and make-up
working days (调休), the time SLA clocks count."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Header, Query, Response

from guanxi.platform.process import calendars
from guanxi.platform.process.calendar_schemas import (
    MAX_VERSION,
    CalendarIn,
    CalendarPatch,
    DayIn,
    DaysImport,
)
from guanxi.web.deps import ActorDep, ServicesDep
from guanxi.web.preconditions import if_match_version
from guanxi.web.responses import ORJSONResponse, versioned
from guanxi.web.routing import OrjsonRoute

router = APIRouter(
    prefix="/api/v1/calendars",
    tags=["calendars"],
    default_response_class=ORJSONResponse,
    route_class=OrjsonRoute,
)


@router.get("")
def list_calendars(services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """Every calendar, the default first (``manage_automation``)."""
    with services.read(actor) as ctx:
        return {"calendars": calendars.list_calendars(ctx)}


@router.post("", status_code=201)
def create_calendar(body: CalendarIn, services: ServicesDep, actor: ActorDep) -> ORJSONResponse:
    """A new calendar, seeded from the holidays package with ``holidays_from``; the first
    one becomes the default."""
    with services.write(actor) as ctx:
        return versioned(calendars.create_calendar(ctx, body), 201)


@router.get("/{calendar_id}")
def get_calendar(calendar_id: UUID, services: ServicesDep, actor: ActorDep) -> ORJSONResponse:
    with services.read(actor) as ctx:
        return versioned(calendars.get_calendar(ctx, calendar_id))


@router.patch("/{calendar_id}")
def update_calendar(
    calendar_id: UUID,
    body: CalendarPatch,
    services: ServicesDep,
    actor: ActorDep,
    if_match: str | None = Header(None),
) -> ORJSONResponse:
    """Change what you send; send the version you read (If-Match or ``version``): stale →
    412. The SLA clocks counting on the calendar are recomputed."""
    expected = if_match_version(if_match, maximum=MAX_VERSION)
    with services.write(actor) as ctx:
        return versioned(
            calendars.update_calendar(ctx, calendar_id, body, expected_version=expected)
        )


@router.delete("/{calendar_id}", status_code=204)
def delete_calendar(calendar_id: UUID, services: ServicesDep, actor: ActorDep) -> Response:
    """Delete a calendar no SLA policy counts on (409 otherwise)."""
    with services.write(actor) as ctx:
        calendars.delete_calendar(ctx, calendar_id)
    return Response(status_code=204)


@router.get("/{calendar_id}/days")
def list_days(
    calendar_id: UUID,
    services: ServicesDep,
    actor: ActorDep,
    year: int | None = Query(None, ge=1950, le=2100, description="only this year's days"),
) -> dict[str, Any]:
    """The calendar's holidays and make-up working days, by date."""
    with services.read(actor) as ctx:
        return {"days": calendars.list_days(ctx, calendar_id, year)}


@router.post("/{calendar_id}/days/import")
def import_days(
    calendar_id: UUID, body: DaysImport, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    """Seed the days of some years from the holidays package (days entered by hand win)."""
    with services.write(actor) as ctx:
        return {"days": calendars.import_days(ctx, calendar_id, body)}


@router.put("/{calendar_id}/days/{day}")
def put_day(
    calendar_id: UUID, day: date, body: DayIn, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    """Make a date a holiday or a make-up working day."""
    with services.write(actor) as ctx:
        return calendars.put_day(ctx, calendar_id, day, body)


@router.delete("/{calendar_id}/days/{day}", status_code=204)
def delete_day(calendar_id: UUID, day: date, services: ServicesDep, actor: ActorDep) -> Response:
    """Make a date an ordinary day of its weekday again."""
    with services.write(actor) as ctx:
        calendars.delete_day(ctx, calendar_id, day)
    return Response(status_code=204)
