"""Contracts (合同): made from a won opportunity or an accepted quote, their status
lifecycle, what remains to be collected, renewal reminders and expiry.

Status lifecycle (a hook, so a plain PATCH follows it too)::

    draft → pending_approval → active → expired | terminated
    draft → active               (until the approval engine lands: no approval step yet)
    pending_approval → draft     (approval withdrawn or refused)

``expired`` and ``terminated`` are final. A new contract may start at any status (an
import of contracts already running); every change after that follows the arrows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import select

from guanxi.kernel.errors import FieldError, PermissionDenied, ValidationFailed
from guanxi.modules.sales.errors import (
    ContractExists,
    OpportunityNotWon,
    QuoteNotAccepted,
    StatusTransition,
    field_refusal,
)
from guanxi.platform.records.context import Ctx, current, record_values
from guanxi.platform.records.hooks import WriteEvent
from guanxi.platform.records.reads import get_record
from guanxi.platform.records.service import create
from guanxi.platform.records.updates import update_current

ZERO = Decimal(0)
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"pending_approval", "active"}),
    "pending_approval": frozenset({"active", "draft"}),
    "active": frozenset({"expired", "terminated"}),
    "expired": frozenset(),
    "terminated": frozenset(),
}
# Fields a caller may set on a contract made from an opportunity or a quote.
OVERRIDABLE = (
    "name",
    "status",
    "signed_on",
    "start_date",
    "end_date",
    "renewal_reminder_days",
    "terms",
    "description",
)


def amount_of(value: Any) -> Decimal:
    if value is None:
        return ZERO
    if isinstance(value, Mapping):
        return ZERO if value.get("amount") is None else Decimal(value["amount"])
    return Decimal(value)


def as_id(value: Any) -> UUID | None:
    return value if value is None or isinstance(value, UUID) else UUID(str(value))


def lock_contract(ctx: Ctx, contract_id: UUID) -> dict[str, Any] | None:
    """The live contract, its row locked until the transaction ends on PostgreSQL (SQLite
    writes one transaction at a time): payments, instalments and invoices that check
    what remains of it take their turns."""
    table = ctx.snap.table("contract")
    stmt = select(table).where(table.c.id == contract_id, table.c.deleted_at.is_(None))
    if ctx.conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = ctx.conn.execute(stmt).first()
    return None if row is None else record_values(ctx.snap.object("contract"), row._mapping)


def live_sum(
    ctx: Ctx,
    object_name: str,
    lookup: str,
    parent_id: UUID,
    *,
    without: UUID | None = None,
    not_voided: bool = False,
) -> Decimal:
    """Σ ``amount`` of the live records of ``object_name`` pointing at ``parent_id``
    (leaving out ``without``), summed exactly in Python."""
    table = ctx.snap.table(object_name)
    stmt = select(table.c.amount).where(table.c[lookup] == parent_id, table.c.deleted_at.is_(None))
    if without is not None:
        stmt = stmt.where(table.c.id != without)
    if not_voided:
        stmt = stmt.where((table.c.status != "voided") | table.c.status.is_(None))
    return sum((Decimal(a) for a in ctx.conn.execute(stmt).scalars() if a is not None), ZERO)


def _label(ctx: Ctx, status: str) -> str:
    f = ctx.snap.object("contract").get_field("status")
    language = "zh-CN" if ctx.actor.locale.lower().startswith("zh") else "en"
    for option in (f.config.get("options") if f is not None else None) or []:
        if option.get("value") == status:
            return str(option.get("label", {}).get(language, status))
    return status


class ContractRules:
    """The status lifecycle; the amount's currency follows the contract's; the amount
    may not fall below what was collected; ``outstanding`` = amount − collected."""

    objects = ("contract",)

    def before(self, ctx: Ctx, event: WriteEvent) -> None:
        if event.action not in ("create", "update"):
            return
        values = event.values
        stored: Mapping[str, Any] = event.stored or {}
        merged = {**stored, **values}
        if event.action == "update" and "status" in values:
            old, new = stored.get("status") or "draft", values["status"]
            if new != old and new not in TRANSITIONS.get(old, frozenset()):
                allowed = TRANSITIONS.get(old, frozenset())
                names = ", ".join(_label(ctx, s) for s in sorted(allowed)) or "—"
                raise field_refusal(
                    StatusTransition,
                    "status",
                    ctx.actor.locale,
                    "status_transition",
                    old=_label(ctx, old),
                    new=_label(ctx, str(new)),
                    allowed=names,
                )
        currency = str(merged.get("currency") or "CNY")
        amount = amount_of(merged.get("amount"))
        if "amount" in values or "currency" in values:
            values["amount"] = {"amount": amount, "currency": currency}
        collected = ZERO
        if event.action == "update":
            assert event.record_id is not None
            collected = live_sum(ctx, "payment", "contract", event.record_id)
            if "amount" in values and amount < collected:
                raise field_refusal(
                    ValidationFailed,
                    "amount",
                    ctx.actor.locale,
                    "below_collected",
                    collected=collected,
                    currency=currency,
                )
        values["outstanding"] = {"amount": amount - collected, "currency": currency}

    def after(self, ctx: Ctx, event: WriteEvent) -> None:
        return None


def refresh_outstanding(ctx: Ctx, contract_id: UUID | None) -> None:
    """Rewrite a live contract's outstanding amount (the contract hook works it out)."""
    if contract_id is None:
        return
    table = ctx.snap.table("contract")
    live = ctx.conn.execute(
        select(table.c.id).where(table.c.id == contract_id, table.c.deleted_at.is_(None))
    ).first()
    if live is not None:
        update_current(ctx.elevated(), "contract", contract_id, {})


def _no_contract_yet(ctx: Ctx, lookup: str, record_id: UUID) -> None:
    table = ctx.snap.table("contract")
    found = ctx.conn.execute(
        select(table.c.contract_no).where(
            table.c[lookup] == record_id, table.c.deleted_at.is_(None)
        )
    ).first()
    if found is not None:
        raise ContractExists(
            f"contract {found.contract_no} was already made from this {lookup}",
            extra={"contract_no": found.contract_no},
        )


def _overrides(body: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (body or {}).items() if k in OVERRIDABLE}


def contract_from_opportunity(
    ctx: Ctx, opportunity_id: UUID, body: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A draft contract for a won deal: its account, contact, amount and name."""
    deal = get_record(ctx, "opportunity", opportunity_id)  # 404 unless readable
    if deal.get("stage") != "won":
        raise OpportunityNotWon(
            f"the opportunity is at stage {deal.get('stage')}, not won",
            errors=[FieldError("stage", "must be won", "opportunity_not_won")],
        )
    if deal.get("amount") is None:
        raise field_refusal(ValidationFailed, "amount", ctx.actor.locale, "price_required")
    _no_contract_yet(ctx, "opportunity", opportunity_id)
    amount = deal["amount"]
    data = {
        "name": deal["name"],
        "account": deal.get("account"),
        "contact": deal.get("contact"),
        "opportunity": str(opportunity_id),
        "amount": amount,
        "currency": amount.get("currency") or "CNY",
        "status": "draft",
        **_overrides(body),
    }
    return create(ctx, "contract", data)


def contract_from_quote(
    ctx: Ctx, quote_id: UUID, body: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A draft contract for an accepted quote, for the quote's total in its currency."""
    quote = get_record(ctx, "quote", quote_id)
    if quote.get("status") != "accepted":
        raise QuoteNotAccepted(
            f"the quote is {quote.get('status')}, not accepted",
            errors=[FieldError("status", "must be accepted", "quote_not_accepted")],
        )
    _no_contract_yet(ctx, "quote", quote_id)
    total = quote.get("total") or {"amount": "0", "currency": quote.get("currency") or "CNY"}
    data = {
        "name": quote["name"],
        "account": quote.get("account"),
        "contact": quote.get("contact"),
        "opportunity": quote.get("opportunity"),
        "quote": str(quote_id),
        "amount": total,
        "currency": total.get("currency") or "CNY",
        "status": "draft",
        **_overrides(body),
    }
    return create(ctx, "contract", data)


def _today(ctx: Ctx) -> dt.date:
    return ctx.now.astimezone(ctx.zone).date()


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def remind_renewals(ctx: Ctx) -> int:
    """A task for the owner of each active contract ``renewal_reminder_days`` before its
    end date; once per contract and end date (a moved end date is reminded again).
    Returns how many reminders it made."""
    contracts = ctx.snap.table("contract")
    today = _today(ctx)
    due = ctx.conn.execute(
        select(contracts.c.id, contracts.c.end_date, contracts.c.renewal_reminder_days)
        .where(
            contracts.c.deleted_at.is_(None),
            contracts.c.status == "active",
            contracts.c.end_date >= today,
            contracts.c.renewal_reminder_days.is_not(None),
        )
        .order_by(contracts.c.id)
    ).all()
    system = ctx.elevated()
    made = 0
    for contract_id, end_date, days in due:
        end = _as_date(end_date)
        if end is None or end - dt.timedelta(days=int(days)) > today:
            continue
        row = record_values(
            ctx.snap.object("contract"),
            current(system, ctx.snap.object("contract"), contract_id)._mapping,  # locked
        )
        if _as_date(row.get("renewal_reminded_for")) == end:
            continue
        _renewal_task(system, row, end)
        update_current(system, "contract", contract_id, {"renewal_reminded_for": end})
        made += 1
    return made


def _renewal_task(ctx: Ctx, contract: Mapping[str, Any], end: dt.date) -> None:
    number, name = contract.get("contract_no") or "", contract.get("name") or ""
    due = dt.datetime.combine(end, dt.time(9, 0), tzinfo=ctx.zone)
    create(
        ctx,
        "task",
        {
            "subject": f"续约提醒 Renewal: {name} ({number}) 到期 ends {end.isoformat()}",
            "status": "open",
            "priority": "high",
            "due_at": due.isoformat(),
            "reminder_at": ctx.now.isoformat(),
            "assignee": str(contract["owner_id"]),
            "owner_id": str(contract["owner_id"]),
            "account": None if contract.get("account") is None else str(contract["account"]),
            "opportunity": (
                None if contract.get("opportunity") is None else str(contract["opportunity"])
            ),
            "description": (
                f"合同 {number}「{name}」将于 {end.isoformat()} 到期,请联系客户商谈续约。\n"
                f'Contract {number} "{name}" ends on {end.isoformat()}: talk to the '
                "customer about renewing it."
            ),
        },
    )


def expire_contracts(ctx: Ctx) -> int:
    """Active contracts whose end date has passed become expired; returns how many."""
    contracts = ctx.snap.table("contract")
    ended = ctx.conn.execute(
        select(contracts.c.id)
        .where(
            contracts.c.deleted_at.is_(None),
            contracts.c.status == "active",
            contracts.c.end_date < _today(ctx),
        )
        .order_by(contracts.c.id)
    ).scalars()
    system = ctx.elevated()
    count = 0
    for contract_id in list(ended):
        update_current(system, "contract", contract_id, {"status": "expired"})
        count += 1
    return count


def run_contract_jobs(ctx: Ctx) -> dict[str, int]:
    """For administrators, until the process engine runs the jobs: expire, then remind."""
    if not ctx.actor.is_admin:
        raise PermissionDenied("only an administrator may run the contract jobs")
    return {"expired": expire_contracts(ctx), "reminders": remind_renewals(ctx)}
