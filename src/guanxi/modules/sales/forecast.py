"""The sales forecast (销售预测): open deals by forecast category, won deals and the
probability-weighted pipeline of a period, per owner or department, within the caller's
data scope.

Decisions (docs/api.md, "Opportunities, forecast and targets"):

- A deal belongs to the period its ``close_date`` falls in (a won deal's close date is
  the day it was won unless given, see ``opportunities``).
- ``pipeline``, ``best_case`` and ``commit`` are **not cumulative**: each sums the open
  deals (stage neither won nor lost) of that category alone, so the three add up to the
  open forecast; an open deal marked ``closed`` counts as commit, ``omitted`` ones count
  nowhere. Salesforce's cumulative figures are sums of these (its best case forecast is
  ``closed + commit + best_case``).
- ``closed`` sums the won deals; ``weighted`` sums amount × probability / 100 over the
  open deals that are not omitted, rounded half up to cents after summing. A deal
  without a category or probability takes its stage's (``objects.STAGES``).
- One currency at a time (``currency``, by default the amount field's, CNY): deals in
  other currencies are not converted but counted in ``other_currencies``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from guanxi.kernel.errors import PermissionDenied, invalid
from guanxi.modules.sales import forecast_repository as repository
from guanxi.modules.sales.opportunities import CLOSED_STAGES, STAGE_DEFAULTS
from guanxi.platform.records.context import Ctx
from guanxi.platform.records.values import decimal_text

GROUPINGS = ("owner", "department")
MEASURES = ("pipeline", "best_case", "commit", "closed", "weighted")
CENT = Decimal("0.01")
# The fields a forecast reads: hidden from the caller, and the forecast is refused.
READS = ("stage", "probability", "forecast_category", "amount", "close_date")

_YEAR = re.compile(r"(\d{4})")
_QUARTER = re.compile(r"(\d{4})-Q([1-4])")
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
_YEARS = (1, 9998)  # a period and the day after it are dates Python can hold
PERIOD_FORMS = "a year (2026), a quarter (2026-Q4) or a month (2026-11)"


@dataclass(frozen=True)
class Period:
    """A calendar year, quarter or month: its text and days ``[start, end)``."""

    text: str
    start: date
    end: date

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def months(self) -> list[str]:
        """Its months as ``YYYY-MM``."""
        out, year, month = [], self.start.year, self.start.month
        while date(year, month, 1) < self.end:
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out

    @property
    def contains(self) -> list[str]:
        """The periods inside it, itself included: a year holds its quarters and months,
        a quarter its months."""
        inside = [self.text]
        if _YEAR.fullmatch(self.text):
            inside += [f"{self.text}-Q{q}" for q in range(1, 5)]
        if not _MONTH.fullmatch(self.text):
            inside += self.months
        return inside


def _next_month(year: int, month: int) -> date:
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def parse_period(text: str | None, field: str = "period") -> Period:
    """``2026``, ``2026-Q4`` (also ``2026-q4``) or ``2026-11``; a 422 naming ``field``
    otherwise."""
    raw = (text or "").strip().upper()
    if m := _YEAR.fullmatch(raw):
        year = int(m[1])
        if _YEARS[0] <= year <= _YEARS[1]:
            return Period(raw, date(year, 1, 1), date(year + 1, 1, 1))
    if m := _QUARTER.fullmatch(raw):
        year, quarter = int(m[1]), int(m[2])
        if _YEARS[0] <= year <= _YEARS[1]:
            first = 3 * quarter - 2
            return Period(raw, date(year, first, 1), _next_month(year, first + 2))
    if m := _MONTH.fullmatch(raw):
        year, month = int(m[1]), int(m[2])
        if _YEARS[0] <= year <= _YEARS[1]:
            return Period(raw, date(year, month, 1), _next_month(year, month))
    if not raw:
        raise invalid(field, f"is required: {PERIOD_FORMS}", "required")
    raise invalid(field, f"{text!r} is not a period; give {PERIOD_FORMS}")


def money(value: Decimal) -> str:
    """An amount as exact text in cents, rounded half up."""
    return decimal_text(value.quantize(CENT, ROUND_HALF_UP))


def _bucket(stage: str | None, category: str | None) -> str | None:
    """Where a deal's amount goes: ``closed`` when won, nowhere when lost or omitted,
    else its forecast category."""
    if stage == "won":
        return "closed"
    if stage == "lost":
        return None
    category = category or STAGE_DEFAULTS.get(stage or "", (None, "pipeline"))[1]
    if category == "omitted":
        return None
    return "commit" if category == "closed" else category


def forecast(
    ctx: Ctx, period_text: str | None, group_by: str = "owner", currency: str | None = None
) -> dict[str, Any]:
    """The forecast of ``period_text`` per owner or department, over the deals the caller
    may read; amounts as decimal strings."""
    period = parse_period(period_text)
    if group_by not in GROUPINGS:
        raise invalid("group_by", f"{group_by!r}: group by one of {', '.join(GROUPINGS)}")
    policy = ctx.actor.policy
    if not policy.can("read", "opportunity"):
        raise PermissionDenied("you may not read opportunities")
    hidden = [name for name in READS if not policy.field_visible("opportunity", name)]
    if hidden:
        raise PermissionDenied(f"the forecast reads opportunity fields hidden from you: {hidden}")
    amount_field = ctx.snap.object("opportunity").get_field("amount")
    code = (currency or (amount_field.opt("currency", "CNY") if amount_field else "CNY")).upper()
    deals = ctx.snap.table("opportunity")
    rows = repository.forecast_rows(
        ctx.conn,
        deals,
        policy.read_predicate("opportunity", deals),
        start=period.start,
        end=period.end,
        group_by=group_by,
    )
    groups: dict[Any, dict[str, Any]] = {}
    sums: dict[Any, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(MEASURES, Decimal(0)))
    others: dict[str, int] = defaultdict(int)
    for row in rows:
        if (row.currency or code) != code:
            others[row.currency or ""] += row.deals
            continue
        groups.setdefault(row.key, {"key": _key(row.key), "label": row.label})
        bucket = _bucket(row.stage, row.category)
        if bucket is None:
            continue
        totals = sums[row.key]
        totals[bucket] += row.amount
        if bucket != "closed" and row.stage not in CLOSED_STAGES:
            probability = row.probability
            if probability is None:
                probability = STAGE_DEFAULTS.get(row.stage or "", (Decimal(0), ""))[0]
            totals["weighted"] += row.amount * probability / 100
    overall = dict.fromkeys(MEASURES, Decimal(0))
    out = []
    for key, group in sorted(
        groups.items(), key=lambda kv: (kv[1]["label"] is None, kv[1]["label"] or "", str(kv[0]))
    ):
        values = sums[key]
        for measure in MEASURES:
            overall[measure] += values[measure]
        out.append({**group, **{m: money(values[m]) for m in MEASURES}})
    return {
        "period": period.text,
        "start": period.start.isoformat(),
        "end": period.last_day.isoformat(),
        "group_by": group_by,
        "currency": code,
        "groups": out,
        "totals": {m: money(overall[m]) for m in MEASURES},
        "other_currencies": [{"currency": c, "deals": n} for c, n in sorted(others.items())],
    }


def _key(value: Any) -> str | None:
    return None if value is None else str(value)
