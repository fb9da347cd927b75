"""SQL for opportunities' stage history, the forecast and target attainment.

Every read of records takes the caller's read predicate, so what a user may not see is
never summed (ADR 0005). Sums are grouped in the database; people and departments are
joined through aliases, so the scope's own subqueries over users stay uncorrelated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Connection, Table, func, select, type_coerce

from guanxi.kernel.errors import NotFound
from guanxi.platform.access.tables import gx_department, gx_team, gx_team_member, gx_user
from guanxi.platform.records.tables import gx_history


def account_last_won(
    conn: Connection, accounts: Table, account_id: UUID
) -> tuple[bool, datetime | None]:
    """Whether the account exists outside the recycle bin, and its last won deal's time."""
    found = conn.execute(
        select(accounts.c.last_won_at).where(
            accounts.c.id == account_id, accounts.c.deleted_at.is_(None)
        )
    ).first()
    return (False, None) if found is None else (True, found.last_won_at)


@dataclass(frozen=True)
class Origin:
    stage: str | None
    created_at: datetime
    created_by: UUID | None


def opportunity_origin(
    conn: Connection, table: Table, record_id: UUID, readable: ColumnElement[bool]
) -> Origin:
    """The deal's stage now and when and by whom it was made; NotFound when missing or
    not readable (deleted deals too keep their history readable)."""
    row = conn.execute(
        select(table.c.stage, table.c.created_at, table.c.created_by_id).where(
            table.c.id == record_id, readable
        )
    ).first()
    if row is None:
        raise NotFound(f"no opportunity record with id {record_id}")
    return Origin(row.stage, row.created_at, row.created_by_id)


@dataclass(frozen=True)
class StageChange:
    old: Any
    new: Any
    changed_at: datetime
    changed_by: UUID | None


def stage_changes(conn: Connection, record_id: UUID) -> list[StageChange]:
    """The deal's changes of stage, oldest first."""
    rows = conn.execute(
        select(gx_history.c.old, gx_history.c.new, gx_history.c.changed_at, gx_history.c.changed_by)
        .where(
            gx_history.c.object_name == "opportunity",
            gx_history.c.record_id == record_id,
            gx_history.c.field == "stage",
        )
        .order_by(gx_history.c.id)
    )
    return [StageChange(r.old, r.new, r.changed_at, r.changed_by) for r in rows]


@dataclass(frozen=True)
class ForecastRow:
    """The deals of one group with one currency, stage, category and probability."""

    key: UUID | None
    label: str | None
    currency: str | None
    stage: str | None
    category: str | None
    probability: Decimal | None
    amount: Decimal
    deals: int


def forecast_rows(
    conn: Connection,
    deals: Table,
    readable: ColumnElement[bool],
    *,
    start: date,
    end: date,
    group_by: str,
) -> list[ForecastRow]:
    """Live deals with an amount and a close date in ``[start, end)`` among ``readable``
    ones, summed per owner (``group_by="owner"``) or owner's department, currency, stage,
    forecast category and probability: one statement."""
    owner = gx_user.alias("forecast_owner")
    if group_by == "owner":
        key: ColumnElement[Any] = deals.c.owner_id
        label: ColumnElement[Any] = owner.c.name
        source = deals.outerjoin(owner, owner.c.id == deals.c.owner_id)
    else:
        department = gx_department.alias("forecast_department")
        key, label = department.c.id, department.c.name
        source = deals.outerjoin(owner, owner.c.id == deals.c.owner_id).outerjoin(
            department, department.c.id == owner.c.department_id
        )
    amount = deals.c.amount
    grouping = (
        key,
        label,
        deals.c.amount__currency,
        deals.c.stage,
        deals.c.forecast_category,
        deals.c.probability,
    )
    rows = conn.execute(
        select(
            *grouping,
            type_coerce(func.sum(amount), amount.type).label("amount"),
            func.count().label("deals"),
        )
        .select_from(source)
        .where(
            deals.c.deleted_at.is_(None),
            readable,
            amount.is_not(None),
            deals.c.close_date >= start,
            deals.c.close_date < end,
        )
        .group_by(*grouping)
    )
    return [ForecastRow(*row) for row in rows]


@dataclass(frozen=True)
class Sum:
    """What one person brought in on one day in one currency."""

    owner_id: UUID
    day: date
    currency: str | None
    amount: Decimal


def won_by_owner_and_day(
    conn: Connection, deals: Table, readable: ColumnElement[bool], *, start: date, end: date
) -> list[Sum]:
    """Won deals among ``readable`` ones closed in ``[start, end)``, per owner and day."""
    return _sums(
        conn,
        deals,
        deals.c.close_date,
        (readable, deals.c.stage == "won"),
        start=start,
        end=end,
    )


def collected_by_owner_and_day(
    conn: Connection, payments: Table, readable: ColumnElement[bool], *, start: date, end: date
) -> list[Sum]:
    """Payments among ``readable`` ones paid in ``[start, end)``, per owner and day."""
    return _sums(conn, payments, payments.c.paid_on, (readable,), start=start, end=end)


def _sums(
    conn: Connection,
    table: Table,
    day: ColumnElement[Any],
    conditions: Sequence[ColumnElement[bool]],
    *,
    start: date,
    end: date,
) -> list[Sum]:
    grouping = (table.c.owner_id, day, table.c.amount__currency)
    rows = conn.execute(
        select(*grouping, type_coerce(func.sum(table.c.amount), table.c.amount.type))
        .where(
            table.c.deleted_at.is_(None),
            *conditions,
            table.c.amount.is_not(None),
            day >= start,
            day < end,
        )
        .group_by(*grouping)
    )
    return [Sum(*row) for row in rows]


def targets(
    conn: Connection, table: Table, readable: ColumnElement[bool], periods: Sequence[str]
) -> list[Any]:
    """Live targets among ``readable`` ones for any of ``periods``, in a stable order."""
    return list(
        conn.execute(
            select(
                table.c.id,
                table.c.name,
                table.c.measure,
                table.c.period,
                table.c.assignee,
                table.c.department_id,
                table.c.team_id,
                table.c.amount,
                table.c.amount__currency,
            )
            .where(table.c.deleted_at.is_(None), readable, table.c.period.in_(list(periods)))
            .order_by(table.c.period, table.c.name, table.c.id)
        )
    )


@dataclass(frozen=True)
class Person:
    name: str
    department_path: str | None


def people(conn: Connection) -> dict[UUID, Person]:
    """Every user's name and the materialised path of their department."""
    rows = conn.execute(
        select(gx_user.c.id, gx_user.c.name, gx_department.c.path).select_from(
            gx_user.outerjoin(gx_department, gx_department.c.id == gx_user.c.department_id)
        )
    )
    return {r.id: Person(r.name, r.path) for r in rows}


def teams(conn: Connection, ids: Sequence[UUID]) -> dict[UUID, tuple[str, set[UUID]]]:
    """The name and members of each of ``ids`` that exists."""
    if not ids:
        return {}
    found: dict[UUID, tuple[str, set[UUID]]] = {
        r.id: (r.name, set())
        for r in conn.execute(
            select(gx_team.c.id, gx_team.c.name).where(gx_team.c.id.in_(list(ids)))
        )
    }
    members = conn.execute(
        select(gx_team_member.c.team_id, gx_team_member.c.user_id).where(
            gx_team_member.c.team_id.in_(list(found))
        )
    )
    for team_id, user_id in members:
        found[team_id][1].add(user_id)
    return found


def departments(conn: Connection, ids: Sequence[UUID]) -> dict[UUID, tuple[str, str]]:
    """The name and materialised path of each of ``ids`` that exists."""
    if not ids:
        return {}
    rows = conn.execute(
        select(gx_department.c.id, gx_department.c.name, gx_department.c.path).where(
            gx_department.c.id.in_(list(ids))
        )
    )
    return {r.id: (r.name, r.path) for r in rows}
