"""The sales module's rules around record writes (ADR 0017)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, select

from guanxi.kernel.errors import FieldError
from guanxi.modules.sales.errors import LeadConverted
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.hooks import WriteEvent
from guanxi.platform.records.updates import update_current

# The records an activity is logged against that keep "last activity" and "next
# follow-up" dates (an opportunity's are its account's).
FOLLOWED = ("account", "contact", "lead")


def _id(value: object) -> UUID | None:
    if value is None or isinstance(value, UUID):
        return value
    return UUID(str(value))


def _parents(event: WriteEvent) -> set[tuple[str, UUID]]:
    """The followed records an activity was or is now logged against."""
    found: set[tuple[str, UUID]] = set()
    for source in (event.stored or {}, event.old, event.values):
        for name in FOLLOWED:
            parent = _id(source.get(name))
            if parent is not None:
                found.add((name, parent))
    return found


class ActivityKeepsFollowUpDatesCurrent:
    """Logging, editing, deleting or restoring an activity keeps its account's, contact's
    and lead's last-activity time and next follow-up date current.

    Recomputed from the live activities rather than moved forward by the new one, so an
    activity deleted or moved to another account takes its dates with it. Written with
    the rights of the system (a service agent who logs a call on an account they may
    only read still moves its last activity), recorded as the acting user."""

    objects = ("activity",)

    def before(self, ctx: Ctx, event: WriteEvent) -> None:
        if event.action == "create" and event.values.get("occurred_at") is None:
            event.values["occurred_at"] = ctx.now

    def after(self, ctx: Ctx, event: WriteEvent) -> None:
        if event.action == "purge":
            return  # purged from the recycle bin: already left the dates when deleted
        if event.action == "update" and not (
            {"occurred_at", "next_follow_up", *FOLLOWED} & set(event.values)
        ):
            return
        refresh_follow_up_dates(ctx, _parents(event))


def refresh_follow_up_dates(ctx: Ctx, parents: Iterable[tuple[str, UUID]]) -> None:
    """Set each record's last activity and next follow-up from its live activities: the
    latest activity's time, and the earliest follow-up date from today on."""
    activities = ctx.snap.table("activity")
    today = ctx.now.astimezone(ctx.zone).date()
    system = ctx.elevated()
    for object_name, record_id in sorted(parents, key=lambda p: (p[0], str(p[1]))):
        column = activities.c[object_name]
        live = (column == record_id, activities.c.deleted_at.is_(None))
        last: datetime | None = ctx.conn.execute(
            select(func.max(activities.c.occurred_at)).where(*live)
        ).scalar()
        upcoming: date | None = ctx.conn.execute(
            select(func.min(activities.c.next_follow_up)).where(
                *live, activities.c.next_follow_up >= today
            )
        ).scalar()
        table = ctx.snap.table(object_name)
        row = ctx.conn.execute(
            select(table.c.last_activity_at, table.c.next_follow_up).where(
                table.c.id == record_id, table.c.deleted_at.is_(None)
            )
        ).first()
        if row is None:
            continue  # the parent is in the recycle bin: it keeps what it had
        values: dict[str, Any] = {}
        if row.last_activity_at != last:
            values["last_activity_at"] = last
        if _as_date(row.next_follow_up) != upcoming:
            values["next_follow_up"] = upcoming
        if values:
            update_current(system, object_name, record_id, values)


def _as_date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


class ConvertedLeadIsReadOnly:
    """A converted lead keeps what it was converted from and where it went."""

    objects = ("lead",)

    def before(self, ctx: Ctx, event: WriteEvent) -> None:
        stored: Mapping[str, Any] = event.stored or {}
        if event.action == "update" and stored.get("status") == "converted":
            raise LeadConverted(
                "the lead has been converted; it can no longer be changed",
                errors=[FieldError("status", "the lead has been converted", "lead_converted")],
            )

    def after(self, ctx: Ctx, event: WriteEvent) -> None:
        return None
