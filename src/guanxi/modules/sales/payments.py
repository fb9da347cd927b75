"""Cash (回款): payment plans in instalments, payments matched to them, invoices, and
what is collected, outstanding and overdue on a contract or an account.

- The instalments of a contract add up to at most its amount (a part may stay
  unscheduled, e.g. a retention due on acceptance); each is ``open``, ``partial`` or
  ``paid`` by the payments matched to it, recomputed on every payment write.
- A payment may not exceed what remains of its instalment, nor what remains of its
  contract; invoices (not voided) may not add up to more than the contract amount.
  Each of these checks locks the contract row first, so concurrent writes take turns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, select

from guanxi.kernel.errors import FieldError, ValidationFailed
from guanxi.modules.sales.contracts import (
    ZERO,
    amount_of,
    as_id,
    live_sum,
    lock_contract,
    refresh_outstanding,
)
from guanxi.modules.sales.errors import (
    OverInvoiced,
    Overpayment,
    OverPlanned,
    field_refusal,
    say,
)
from guanxi.platform.records.context import Ctx, record_values
from guanxi.platform.records.hooks import WriteEvent
from guanxi.platform.records.reads import get_record
from guanxi.platform.records.service import create_many
from guanxi.platform.records.updates import update_current
from guanxi.platform.records.values import decimal_text


def _row(ctx: Ctx, object_name: str, record_id: UUID | None) -> dict[str, Any] | None:
    if record_id is None:
        return None
    table = ctx.snap.table(object_name)
    row = ctx.conn.execute(
        select(table).where(table.c.id == record_id, table.c.deleted_at.is_(None))
    ).first()
    return None if row is None else record_values(ctx.snap.object(object_name), row._mapping)


def _subject(event: WriteEvent) -> dict[str, Any]:
    """The record as it will be: stored values overlaid with the change."""
    return {**(event.stored or {}), **event.values}


def instalment_status(amount: Decimal, collected: Decimal) -> str:
    if collected <= 0:
        return "open"
    return "paid" if collected >= amount else "partial"


class PaymentPlanRules:
    """An instalment's account follows its contract; instalments add up to at most the
    contract amount; its amount may not fall below what was paid on it; its status
    follows the payments."""

    objects = ("payment_plan",)

    def before(self, ctx: Ctx, event: WriteEvent) -> None:
        if event.action not in ("create", "update", "restore"):
            return
        values, record = event.values, _subject(event)
        contract_id = as_id(record.get("contract"))
        # Locked only when the planned sum can change: a status refresh after a payment
        # (which holds the lock already) or an edit of other fields needs no turn.
        moves = event.action != "update" or {"amount", "contract"} & set(values)
        contract = (
            (lock_contract(ctx, contract_id) if moves else _row(ctx, "contract", contract_id))
            if contract_id
            else None
        )
        amount = amount_of(record.get("amount"))
        collected = ZERO
        if event.record_id is not None:
            collected = live_sum(ctx, "payment", "payment_plan", event.record_id)
        if contract is not None:
            currency = str(contract.get("currency") or "CNY")
            if record.get("account") is None and event.action != "restore":
                values["account"] = contract.get("account")
            if "amount" in values:
                values["amount"] = {"amount": amount, "currency": currency}
            planned = live_sum(
                ctx, "payment_plan", "contract", contract["id"], without=event.record_id
            )
            limit = amount_of(contract.get("amount"))
            if moves and planned + amount > limit:
                raise field_refusal(
                    OverPlanned,
                    "amount",
                    ctx.actor.locale,
                    "over_planned",
                    planned=decimal_text(planned + amount),
                    amount=decimal_text(limit),
                    currency=currency,
                )
        if "amount" in values and amount < collected:
            raise field_refusal(
                ValidationFailed,
                "amount",
                ctx.actor.locale,
                "below_collected",
                collected=decimal_text(collected),
                currency=str((contract or {}).get("currency") or "CNY"),
            )
        if event.action != "restore":
            values["status"] = instalment_status(amount, collected)

    def after(self, ctx: Ctx, event: WriteEvent) -> None:
        return None


def refresh_instalment(ctx: Ctx, plan_id: UUID | None) -> None:
    plan = _row(ctx, "payment_plan", plan_id)
    if plan is None or plan_id is None:
        return
    status = instalment_status(
        amount_of(plan.get("amount")), live_sum(ctx, "payment", "payment_plan", plan_id)
    )
    if status != plan.get("status"):
        update_current(ctx.elevated(), "payment_plan", plan_id, {"status": status})


class PaymentRules:
    """A payment's contract and account come from its instalment when left out; it may
    not exceed what remains of the instalment or of the contract (the contract row is
    locked first, so two payments at once cannot over-pay together); the instalment's
    status and the contract's outstanding amount follow."""

    objects = ("payment",)

    def before(self, ctx: Ctx, event: WriteEvent) -> None:
        if event.action not in ("create", "update", "restore"):
            return
        values, record = event.values, _subject(event)
        plan = _row(ctx, "payment_plan", as_id(record.get("payment_plan")))
        if plan is not None and event.action != "restore":
            if record.get("contract") is None:
                values["contract"] = record["contract"] = plan.get("contract")
            elif as_id(record["contract"]) != as_id(plan.get("contract")):
                raise field_refusal(
                    ValidationFailed, "payment_plan", ctx.actor.locale, "wrong_contract"
                )
            if record.get("account") is None:
                values["account"] = record["account"] = plan.get("account")
        contract_id = as_id(record.get("contract"))
        contract = lock_contract(ctx, contract_id) if contract_id else None
        if contract is None:
            return
        if record.get("account") is None and event.action != "restore":
            values["account"] = contract.get("account")
        currency = str(contract.get("currency") or "CNY")
        amount = amount_of(record.get("amount"))
        if "amount" in values:
            values["amount"] = {"amount": amount, "currency": currency}
        if plan is not None:
            paid = live_sum(ctx, "payment", "payment_plan", plan["id"], without=event.record_id)
            remaining = amount_of(plan.get("amount")) - paid
            if amount > remaining:
                raise self._refusal(ctx, "overpayment_instalment", remaining, currency)
        paid = live_sum(ctx, "payment", "contract", contract["id"], without=event.record_id)
        remaining = amount_of(contract.get("amount")) - paid
        if amount > remaining:
            raise self._refusal(ctx, "overpayment_contract", remaining, currency)

    @staticmethod
    def _refusal(ctx: Ctx, key: str, remaining: Decimal, currency: str) -> ValidationFailed:
        left = decimal_text(max(remaining, ZERO))
        return field_refusal(
            Overpayment, "amount", ctx.actor.locale, key, remaining=left, currency=currency
        )

    def after(self, ctx: Ctx, event: WriteEvent) -> None:
        if event.action == "purge":
            return
        stored: Mapping[str, Any] = event.stored or {}
        plans = {as_id(stored.get("payment_plan")), as_id(event.values.get("payment_plan"))}
        for plan_id in sorted(plans - {None}, key=str):
            refresh_instalment(ctx, plan_id)
        contracts = {as_id(stored.get("contract")), as_id(event.values.get("contract"))}
        for contract_id in sorted(contracts - {None}, key=str):
            refresh_outstanding(ctx, contract_id)


class InvoiceRules:
    """An invoice's account follows its contract; invoices that are not voided may not
    add up to more than the contract amount."""

    objects = ("invoice",)

    def before(self, ctx: Ctx, event: WriteEvent) -> None:
        if event.action not in ("create", "update", "restore"):
            return
        values, record = event.values, _subject(event)
        contract_id = as_id(record.get("contract"))
        contract = lock_contract(ctx, contract_id) if contract_id else None
        if contract is None:
            return
        if record.get("account") is None and event.action != "restore":
            values["account"] = contract.get("account")
        currency = str(contract.get("currency") or "CNY")
        if record.get("status") == "voided":
            return
        amount = amount_of(record.get("amount"))
        if "amount" in values:
            values["amount"] = {"amount": amount, "currency": currency}
        invoiced = live_sum(
            ctx, "invoice", "contract", contract["id"], without=event.record_id, not_voided=True
        )
        remaining = amount_of(contract.get("amount")) - invoiced
        if amount > remaining:
            raise field_refusal(
                OverInvoiced,
                "amount",
                ctx.actor.locale,
                "over_invoiced",
                remaining=decimal_text(max(remaining, ZERO)),
                currency=currency,
            )

    def after(self, ctx: Ctx, event: WriteEvent) -> None:
        return None


def _instalment_name(locale: str, n: int) -> str:
    return f"第 {n} 期" if locale.lower().startswith("zh") else f"Instalment {n}"


def _decimal_or_none(value: Any) -> Decimal | None:
    try:
        return amount_of(value)
    except (ArithmeticError, TypeError, ValueError):
        return None  # the record cleaner names the bad amount


def _within_contract(
    ctx: Ctx,
    contract_id: UUID,
    contract: Mapping[str, Any],
    instalments: Sequence[Any],
) -> None:
    """The instalment hook checks each new instalment against those already stored, not
    against the others of the same request: here the request is checked as a whole, the
    contract locked first (422 naming the amount of each instalment past the limit)."""
    lock_contract(ctx, contract_id)
    limit = amount_of(contract.get("amount"))
    currency = str(contract.get("currency") or "CNY")
    planned = live_sum(ctx, "payment_plan", "contract", contract_id)
    errors: list[FieldError] = []
    for index, item in enumerate(instalments):
        amount = _decimal_or_none(item.get("amount")) if isinstance(item, Mapping) else None
        if amount is None:
            continue
        planned += amount
        if planned > limit:
            message = say(
                ctx.actor.locale,
                "over_planned",
                planned=decimal_text(planned),
                amount=decimal_text(limit),
                currency=currency,
            )
            errors.append(FieldError("amount", message, OverPlanned.code, index))
    if errors:
        raise OverPlanned(
            f"the instalments add up to {decimal_text(planned)} {currency}, "
            f"more than the contract's {decimal_text(limit)}",
            errors=errors,
        )


def add_payment_plan(
    ctx: Ctx, contract_id: UUID, instalments: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """Add instalments to a contract, numbered after its existing ones. Together with
    those they may add up to at most the contract amount (422 naming the amount)."""
    contract = get_record(ctx, "contract", contract_id)  # 404 unless readable
    if not instalments:
        raise ValidationFailed(
            "give at least one instalment",
            errors=[FieldError("instalments", "give at least one instalment", "required")],
        )
    _within_contract(ctx, contract_id, contract, instalments)
    plans = ctx.snap.table("payment_plan")
    numbers = ctx.conn.execute(
        select(plans.c.instalment).where(
            plans.c.contract == contract_id, plans.c.deleted_at.is_(None)
        )
    ).scalars()
    start = max((int(n) for n in numbers if n is not None), default=0)
    rows = []
    for i, item in enumerate(instalments, start=start + 1):
        if not isinstance(item, Mapping):
            raise ValidationFailed(
                "each instalment is an object",
                errors=[FieldError("instalments", "must be objects", "type", i - start - 1)],
            )
        rows.append(
            {
                "name": item.get("name") or _instalment_name(ctx.actor.locale, i),
                "contract": str(contract_id),
                "account": contract.get("account"),
                "instalment": i,
                "due_date": item.get("due_date"),
                "amount": item.get("amount"),
                **({"description": item["description"]} if item.get("description") else {}),
            }
        )
    made = create_many(ctx, "payment_plan", rows).records
    limit = amount_of(contract.get("amount"))
    scheduled = live_sum(ctx, "payment_plan", "contract", contract_id)
    currency = (contract.get("amount") or {}).get("currency") or "CNY"
    return {
        "instalments": made,
        "scheduled": decimal_text(scheduled),
        "unscheduled": decimal_text(limit - scheduled),
        "currency": currency,
    }


def _today(ctx: Ctx) -> dt.date:
    return ctx.now.astimezone(ctx.zone).date()


def _money_text(value: Decimal) -> str:
    return decimal_text(value.quantize(Decimal("0.01")))


def _summary(
    ctx: Ctx,
    contracts_where: Sequence[ColumnElement[bool]],
) -> dict[str, Any]:
    """Totals over the contracts matching ``contracts_where`` that the caller may read,
    from the instalments, payments and invoices the caller may read."""
    policy = ctx.actor.policy
    contracts = ctx.snap.table("contract")
    rows = ctx.conn.execute(
        select(contracts.c.id, contracts.c.amount, contracts.c.status, contracts.c.currency).where(
            contracts.c.deleted_at.is_(None),
            policy.read_predicate("contract", contracts),
            *contracts_where,
        )
    ).all()
    ids = [r.id for r in rows]
    signed = [r for r in rows if r.status in ("active", "expired", "terminated")]
    contracted = sum((Decimal(r.amount or 0) for r in signed), ZERO)
    currencies = sorted({r.currency or "CNY" for r in rows})
    payments = ctx.snap.table("payment")
    collected_by_plan: dict[UUID, Decimal] = {}
    collected = ZERO
    if ids:
        for plan_id, amount in ctx.conn.execute(
            select(payments.c.payment_plan, payments.c.amount).where(
                payments.c.contract.in_(ids),
                payments.c.deleted_at.is_(None),
                policy.read_predicate("payment", payments),
            )
        ):
            value = Decimal(amount or 0)
            collected += value
            if plan_id is not None:
                collected_by_plan[plan_id] = collected_by_plan.get(plan_id, ZERO) + value
    invoices = ctx.snap.table("invoice")
    invoiced = ZERO
    if ids:
        invoiced = sum(
            (
                Decimal(a or 0)
                for a in ctx.conn.execute(
                    select(invoices.c.amount).where(
                        invoices.c.contract.in_(ids),
                        invoices.c.deleted_at.is_(None),
                        (invoices.c.status != "voided") | invoices.c.status.is_(None),
                        policy.read_predicate("invoice", invoices),
                    )
                ).scalars()
            ),
            ZERO,
        )
    plans = ctx.snap.table("payment_plan")
    today = _today(ctx)
    overdue_items: list[dict[str, Any]] = []
    next_due: dict[str, Any] | None = None
    every: list[dict[str, Any]] = []
    scheduled = ZERO
    if ids:
        for plan in ctx.conn.execute(
            select(plans)
            .where(
                plans.c.contract.in_(ids),
                plans.c.deleted_at.is_(None),
                policy.read_predicate("payment_plan", plans),
            )
            .order_by(plans.c.due_date, plans.c.instalment, plans.c.id)
        ):
            amount = Decimal(plan.amount or 0)
            scheduled += amount
            paid = collected_by_plan.get(plan.id, ZERO)
            remaining = max(amount - paid, ZERO)
            due = plan.due_date if isinstance(plan.due_date, dt.date) else None
            due = due or dt.date.fromisoformat(str(plan.due_date))
            item = {
                "id": str(plan.id),
                "contract": str(plan.contract),
                "name": plan.name,
                "instalment": plan.instalment,
                "due_date": due.isoformat(),
                "amount": _money_text(amount),
                "collected": _money_text(paid),
                "remaining": _money_text(remaining),
            }
            late = remaining > 0 and due < today
            every.append(
                {
                    **item,
                    "status": instalment_status(amount, paid),
                    "days_overdue": (today - due).days if late else 0,
                }
            )
            if remaining <= 0:
                continue
            if due < today:
                overdue_items.append({**item, "days_overdue": (today - due).days})
            elif next_due is None:
                next_due = item
    overdue = sum((Decimal(i["remaining"]) for i in overdue_items), ZERO)
    return {
        "currency": currencies[0] if len(currencies) == 1 else (currencies or ["CNY"])[0],
        "contracted": _money_text(contracted),
        "collected": _money_text(collected),
        "outstanding": _money_text(contracted - collected),
        "overdue": _money_text(overdue),
        "invoiced": _money_text(invoiced),
        "overdue_instalments": overdue_items,
        "next_due": next_due,
        "instalments": every,
        "scheduled": _money_text(scheduled),
    }


def contract_summary(ctx: Ctx, contract_id: UUID) -> dict[str, Any]:
    """What a contract has brought in and what is overdue, as the caller may see it."""
    contracts = ctx.snap.table("contract")
    get_record(ctx, "contract", contract_id, fields=["id"])  # 404 unless readable
    summary = _summary(ctx, [contracts.c.id == contract_id])
    # A contract's own amount counts whatever its status: it is what it is for.
    row = _row(ctx, "contract", contract_id) or {}
    contracted = amount_of(row.get("amount"))
    summary["contracted"] = _money_text(contracted)
    summary["outstanding"] = _money_text(contracted - Decimal(summary["collected"]))
    summary["contract"] = str(contract_id)
    summary["status"] = row.get("status")
    # What is left to put into instalments (a retention may stay unscheduled).
    summary["unscheduled"] = _money_text(contracted - Decimal(summary["scheduled"]))
    return summary


def account_summary(ctx: Ctx, account_id: UUID) -> dict[str, Any]:
    """Signed contracts of an account (active, expired, terminated) against what was
    collected on them, with overdue instalments, as the caller may see them."""
    get_record(ctx, "account", account_id, fields=["id"])  # 404 unless readable
    contracts = ctx.snap.table("contract")
    summary = _summary(ctx, [contracts.c.account == account_id])
    # Every instalment of every contract is the contract page's business, not the account's.
    del summary["instalments"], summary["scheduled"]
    summary.update(_deals(ctx, account_id, str(summary["currency"])))
    summary["account"] = str(account_id)
    return summary


def _deals(ctx: Ctx, account_id: UUID, currency: str) -> dict[str, Any]:
    """The account's open pipeline and what it won this calendar year (by close date, the
    day a deal closed, as the targets count it), over the deals the caller may read in
    the summary's currency; deals in another currency are counted, not converted."""
    deals = ctx.snap.table("opportunity")
    year = _today(ctx).year
    open_total = won_total = ZERO
    open_deals = won_deals = other = 0
    rows = ctx.conn.execute(
        select(deals.c.stage, deals.c.amount, deals.c.amount__currency, deals.c.close_date).where(
            deals.c.account == account_id,
            deals.c.deleted_at.is_(None),
            ctx.actor.policy.read_predicate("opportunity", deals),
        )
    )
    for stage, amount, code, close_date in rows:
        closed_on = close_date if isinstance(close_date, dt.date) or close_date is None else None
        closed_on = closed_on or (dt.date.fromisoformat(str(close_date)) if close_date else None)
        counted = stage not in ("won", "lost") or (
            stage == "won" and closed_on is not None and closed_on.year == year
        )
        if not counted:
            continue
        if (code or currency) != currency:
            other += 1
            continue
        value = Decimal(amount or 0)
        if stage == "won":
            won_total, won_deals = won_total + value, won_deals + 1
        else:
            open_total, open_deals = open_total + value, open_deals + 1
    return {
        "open_pipeline": _money_text(open_total),
        "open_deals": open_deals,
        "won_this_year": _money_text(won_total),
        "won_deals": won_deals,
        "deals_in_other_currencies": other,
    }
