"""Sales targets (销售目标) and their attainment.

A target is a ``sales_target`` record for a period (a month ``2026-11``, a quarter
``2026-Q4`` or a year ``2026``) and for one salesperson (``assignee``), one department
(``department_id``: its people and those of its sub-departments, by the department they
are in now), one team (``team_id``: its members now) or, with none, the whole company;
one holder at most. Its actual is what those people brought
in during the target's own period, in the target's currency: the amounts of their won
deals closed in it (``won_amount``, by ``close_date``) or of their payments received in
it (``collected``, by ``paid_on``). Only what the caller may read is counted, so a
manager whose scope covers the target's people sees its full figure. Attainment is
actual ÷ target as a percentage with two decimals (``"85.00"``), null for a zero target.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from guanxi.kernel.errors import PermissionDenied, invalid
from guanxi.modules.sales import forecast_repository as repository
from guanxi.modules.sales.forecast import CENT, money, parse_period
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.hooks import WriteEvent

# measure → (object, the fields it reads)
MEASURED = {
    "won_amount": ("opportunity", ("stage", "amount", "close_date")),
    "collected": ("payment", ("amount", "paid_on")),
}


def _uuid(value: object) -> UUID | None:
    if value is None or isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        return None


HOLDERS = ("assignee", "department_id", "team_id")


class TargetPeriodAndDepartment:
    """A target's period is a year, quarter or month (written in one form, ``2026-Q4``),
    its department or team one that exists, and it has one holder at most."""

    objects = ("sales_target",)

    def before(self, ctx: Ctx, event: WriteEvent) -> None:
        if event.action not in ("create", "update"):
            return
        values = event.values
        if values.get("period") is not None:
            values["period"] = parse_period(str(values["period"])).text
        if values.get("department_id") is not None:
            department = _uuid(values["department_id"])
            if department is None or not repository.departments(ctx.conn, [department]):
                raise invalid("department_id", "is not the id of a department", "not_found")
            values["department_id"] = str(department)
        if values.get("team_id") is not None:
            team = _uuid(values["team_id"])
            if team is None or not repository.teams(ctx.conn, [team]):
                raise invalid("team_id", "is not the id of a team", "not_found")
            values["team_id"] = str(team)
        stored = event.stored or {}
        holders = [h for h in HOLDERS if values.get(h, stored.get(h)) is not None]
        if len(holders) > 1:
            raise invalid(
                holders[-1],
                "a target is for one salesperson, department or team: clear "
                + " or ".join(h for h in holders[:-1]),
                "one_holder",
            )

    def after(self, ctx: Ctx, event: WriteEvent) -> None:
        return None


def attainment(ctx: Ctx, period_text: str | None) -> dict[str, Any]:
    """Each target the caller may read whose period lies within ``period_text`` (a year
    holds its quarters and months, a quarter its months), with its actual and attainment."""
    period = parse_period(period_text)
    policy = ctx.actor.policy
    if not policy.can("read", "sales_target"):
        raise PermissionDenied("you may not read sales targets")
    table = ctx.snap.table("sales_target")
    rows = repository.targets(
        ctx.conn, table, policy.read_predicate("sales_target", table), period.contains
    )
    if not rows:
        return {"period": period.text, "targets": []}
    sums: dict[str, dict[UUID, list[repository.Sum]] | None] = {}
    for measure in {row.measure for row in rows}:
        sums[measure] = _sums(ctx, measure, period.start, period.end)
    people = repository.people(ctx.conn)
    departments = repository.departments(
        ctx.conn, [d for d in (_uuid(r.department_id) for r in rows) if d is not None]
    )
    teams = repository.teams(
        ctx.conn, [t for t in (_uuid(r.team_id) for r in rows) if t is not None]
    )
    out = []
    for row in rows:
        target_period = parse_period(row.period)
        currency = row.amount__currency or "CNY"
        assignee, department, team = row.assignee, _uuid(row.department_id), _uuid(row.team_id)
        members: set[UUID] | None = None  # everyone: a company target
        if assignee is not None:
            members = {assignee}
        elif row.department_id is not None:
            found = departments.get(department) if department is not None else None
            path = found[1] if found else None
            members = {
                uid
                for uid, person in people.items()
                if path and person.department_path and person.department_path.startswith(path)
            }
        elif row.team_id is not None:
            members = set(teams[team][1]) if team in teams else set()
        by_owner = sums.get(row.measure)
        actual: Decimal | None = None
        if by_owner is not None:
            actual = sum(
                (
                    s.amount
                    for owner, owned in by_owner.items()
                    if members is None or owner in members
                    for s in owned
                    if target_period.start <= s.day < target_period.end
                    and (s.currency or currency) == currency
                ),
                Decimal(0),
            )
        target = row.amount
        ratio = None
        if actual is not None and target:
            ratio = (actual * 100 / target).quantize(CENT, ROUND_HALF_UP)
        out.append(
            {
                "id": str(row.id),
                "name": row.name,
                "measure": row.measure,
                "period": row.period,
                "assignee": _person(assignee, people),
                "department": (
                    {"id": str(department), "name": departments[department][0]}
                    if department in departments
                    else None
                ),
                "team": {"id": str(team), "name": teams[team][0]} if team in teams else None,
                "currency": currency,
                "target": None if target is None else money(target),
                "actual": None if actual is None else money(actual),
                "attainment": None if ratio is None else str(ratio),
            }
        )
    return {"period": period.text, "targets": out}


def _person(user_id: UUID | None, people: dict[UUID, repository.Person]) -> dict[str, Any] | None:
    if user_id is None:
        return None
    person = people.get(user_id)
    return {"id": str(user_id), "name": person.name if person else None}


def _sums(ctx: Ctx, measure: str, start: Any, end: Any) -> dict[UUID, list[repository.Sum]] | None:
    """What each person brought in per day by ``measure``, among the records the caller
    may read; None when the caller may not read them at all."""
    if measure not in MEASURED:
        return None
    object_name, reads = MEASURED[measure]
    policy = ctx.actor.policy
    if not policy.can("read", object_name) or not all(
        policy.field_visible(object_name, name) for name in reads
    ):
        return None
    table = ctx.snap.table(object_name)
    readable = policy.read_predicate(object_name, table)
    found = (
        repository.won_by_owner_and_day(ctx.conn, table, readable, start=start, end=end)
        if measure == "won_amount"
        else repository.collected_by_owner_and_day(ctx.conn, table, readable, start=start, end=end)
    )
    by_owner: dict[UUID, list[repository.Sum]] = defaultdict(list)
    for s in found:
        by_owner[s.owner_id].append(s)
    return by_owner
