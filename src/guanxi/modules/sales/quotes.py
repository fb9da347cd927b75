"""Quotes (报价单): line amounts and totals in exact decimals, versions, the PDF.

Money on a quote is in the quote's ``currency``: each line's unit price and amount carry
the quote's currency code (the code sent with a line is replaced by it), and the totals
are in it too. ``exchange_rate`` is how many CNY one unit of that currency is worth when
the quote is made; reports convert with it (``total × exchange_rate`` in CNY); the quote
itself is never converted.

Arithmetic, every step rounded half-up to cents:

- line ``amount`` = quantity × unit_price × (1 − discount_percent / 100);
- ``subtotal`` = Σ line amounts; ``discount_amount`` = subtotal × discount_percent / 100;
- ``tax`` = (subtotal − discount_amount) × tax_rate / 100;
- ``total`` = subtotal − discount_amount + tax.

The hooks keep them stored (formulas compute in floating point on SQLite).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import nulls_last, select

from guanxi.kernel.errors import FieldError, NotFound, Unavailable, ValidationFailed
from guanxi.modules.sales import fonts
from guanxi.modules.sales.errors import (
    QuoteClosed,
    field_refusal,
    say,
)
from guanxi.modules.sales.pdf import (
    Language,
    Letterhead,
    QuoteCustomer,
    QuoteDocument,
    QuoteLine,
    render_quote,
)
from guanxi.platform.records.context import Ctx, record_values
from guanxi.platform.records.hooks import WriteEvent
from guanxi.platform.records.reads import get_record
from guanxi.platform.records.service import create, create_many
from guanxi.platform.records.updates import update_current
from guanxi.platform.records.values import plain

CENT = Decimal("0.01")
ZERO = Decimal(0)
HUNDRED = Decimal(100)
# Statuses whose lines and prices are settled.
CLOSED = frozenset({"accepted", "rejected", "expired", "superseded"})
PRICING = ("discount_percent", "tax_rate", "currency")
LINE_COPY = (
    "name",
    "product",
    "price_book_entry",
    "quantity",
    "unit",
    "unit_price",
    "discount_percent",
    "position",
    "description",
)
QUOTE_COPY = (
    "name",
    "account",
    "contact",
    "opportunity",
    "price_book",
    "currency",
    "exchange_rate",
    "discount_percent",
    "tax_rate",
    "terms",
    "description",
)
DEFAULT_VALIDITY = dt.timedelta(days=30)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal) -> Decimal:
    return cents(quantity * unit_price * (HUNDRED - discount_percent) / HUNDRED)


def quote_totals(
    subtotal: Decimal, discount_percent: Decimal, tax_rate: Decimal, currency: str
) -> dict[str, Any]:
    """The stored totals of a quote whose lines add up to ``subtotal``."""
    subtotal = cents(subtotal)
    discount = cents(subtotal * discount_percent / HUNDRED)
    tax = cents((subtotal - discount) * tax_rate / HUNDRED)

    def money(amount: Decimal) -> dict[str, Any]:
        return {"amount": amount, "currency": currency}

    return {
        "subtotal": money(subtotal),
        "discount_amount": money(discount),
        "tax": money(tax),
        "total": money(subtotal - discount + tax),
    }


def _amount(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return None if value.get("amount") is None else Decimal(value["amount"])
    return Decimal(value)


def _id(value: Any) -> UUID | None:
    return value if value is None or isinstance(value, UUID) else UUID(str(value))


def _row(ctx: Ctx, object_name: str, record_id: UUID | None) -> dict[str, Any] | None:
    """A live record as hooks see it, whatever the user may read (the rule needs it)."""
    if record_id is None:
        return None
    table = ctx.snap.table(object_name)
    row = ctx.conn.execute(
        select(table).where(table.c.id == record_id, table.c.deleted_at.is_(None))
    ).first()
    return None if row is None else record_values(ctx.snap.object(object_name), row._mapping)


def lines_subtotal(ctx: Ctx, quote_id: UUID) -> Decimal:
    lines = ctx.snap.table("quote_line")
    amounts = ctx.conn.execute(
        select(lines.c.amount).where(lines.c.quote == quote_id, lines.c.deleted_at.is_(None))
    ).scalars()
    return sum((Decimal(a) for a in amounts if a is not None), ZERO)


def _has_lines(ctx: Ctx, quote_id: UUID) -> bool:
    lines = ctx.snap.table("quote_line")
    return (
        ctx.conn.execute(
            select(lines.c.id)
            .where(lines.c.quote == quote_id, lines.c.deleted_at.is_(None))
            .limit(1)
        ).first()
        is not None
    )


def _status_label(ctx: Ctx, status: str) -> str:
    f = ctx.snap.object("quote").get_field("status")
    language = "zh-CN" if ctx.actor.locale.lower().startswith("zh") else "en"
    for option in (f.config.get("options") if f is not None else None) or []:
        if option.get("value") == status:
            return str(option.get("label", {}).get(language, status))
    return status


def _closed(ctx: Ctx, quote: Mapping[str, Any], field: str) -> QuoteClosed:
    status = str(quote.get("status"))
    message = say(ctx.actor.locale, "quote_closed", status=_status_label(ctx, status))
    return QuoteClosed(
        f"the quote is {status}: its lines and prices can no longer be changed",
        errors=[FieldError(field, message, "quote_closed")],
        extra={"quote_status": status},
    )


class QuoteLinePricing:
    """A line's amount is quantity × unit price less its discount, in the quote's
    currency; a line from a price book entry or product takes their name and price when
    not given; the lines of a settled quote are read-only. Moves the quote's totals."""

    objects = ("quote_line",)

    def before(self, ctx: Ctx, event: WriteEvent) -> None:
        stored: Mapping[str, Any] = event.stored or {}
        if event.action in ("delete", "restore", "purge"):
            quote = _row(ctx, "quote", _id(stored.get("quote")))
            cascaded = event.cause is not None  # the quote itself is being deleted
            if not cascaded and event.action != "purge" and quote and quote.get("status") in CLOSED:
                raise _closed(ctx, quote, "quote")
            return
        values = event.values
        quote = None
        for quote_id in {_id(stored.get("quote")), _id(values.get("quote", stored.get("quote")))}:
            found = _row(ctx, "quote", quote_id)
            if found is not None and found.get("status") in CLOSED:
                raise _closed(ctx, found, "quote")
            if quote_id == _id(values.get("quote", stored.get("quote"))):
                quote = found
        currency = str((quote or {}).get("currency") or "CNY")
        self._from_catalogue(ctx, event, currency)
        merged = {**stored, **values}
        errors: list[FieldError] = []
        if not merged.get("name"):
            errors.append(FieldError("name", say(ctx.actor.locale, "name_required"), "required"))
        price = _amount(merged.get("unit_price"))
        if price is None:
            message = say(ctx.actor.locale, "price_required")
            errors.append(FieldError("unit_price", message, "required"))
        if errors:
            raise ValidationFailed("the line needs a name and a unit price", errors=errors)
        assert price is not None
        quantity = Decimal(merged.get("quantity") or 0)
        discount = Decimal(merged.get("discount_percent") or 0)
        values["unit_price"] = {"amount": price, "currency": currency}
        values["amount"] = {
            "amount": line_amount(quantity, price, discount),
            "currency": currency,
        }

    @staticmethod
    def _from_catalogue(ctx: Ctx, event: WriteEvent, currency: str) -> None:
        """Fill what the user left out from the price book entry, then the product."""
        values, creating = event.values, event.action == "create"
        stored: Mapping[str, Any] = event.stored or {}
        entry_id = _id(values.get("price_book_entry"))
        entry_changed = entry_id is not None and (
            creating or entry_id != _id(stored.get("price_book_entry"))
        )
        if entry_changed:
            entry = _row(ctx, "price_book_entry", entry_id)
            if entry is not None:
                entry_price = entry.get("unit_price") or {}
                if "unit_price" not in values and entry_price:
                    if entry_price.get("currency") not in (None, currency):
                        raise field_refusal(
                            ValidationFailed,
                            "price_book_entry",
                            ctx.actor.locale,
                            "currency_mismatch",
                            given=entry_price.get("currency"),
                            currency=currency,
                        )
                    values["unit_price"] = {"amount": entry_price["amount"], "currency": currency}
                if values.get("product") is None and entry.get("product") is not None:
                    values["product"] = entry["product"]
                if not values.get("name") and (creating or "name" in values):
                    # the product's name (below), else the entry's own
                    product = _row(ctx, "product", _id(values.get("product")))
                    values["name"] = (product or {}).get("name") or entry.get("name")
        product_id = _id(values.get("product"))
        if product_id is not None and (
            creating or entry_changed or product_id != _id(stored.get("product"))
        ):
            product = _row(ctx, "product", product_id)
            if product is not None:
                if not values.get("name") and (creating or "name" in values or entry_changed):
                    values["name"] = product.get("name")
                if not values.get("unit") and creating:
                    values["unit"] = product.get("unit")
                list_price = product.get("list_price") or {}
                if "unit_price" not in values and creating and list_price:
                    values["unit_price"] = {"amount": list_price["amount"], "currency": currency}

    def after(self, ctx: Ctx, event: WriteEvent) -> None:
        if event.action == "purge":
            return  # purged from the recycle bin: already out of the totals
        stored: Mapping[str, Any] = event.stored or {}
        quotes = {_id(stored.get("quote")), _id(event.values.get("quote"))} - {None}
        for quote_id in sorted(quotes, key=str):
            assert quote_id is not None
            refresh_totals(ctx, quote_id)


def refresh_totals(ctx: Ctx, quote_id: UUID) -> None:
    """Write the quote's totals from its live lines (the quote hook works them out)."""
    quote = _row(ctx, "quote", quote_id)
    if quote is None:
        return  # deleted with its lines: keeps what it had
    totals = quote_totals(
        lines_subtotal(ctx, quote_id),
        Decimal(quote.get("discount_percent") or 0),
        Decimal(quote.get("tax_rate") or 0),
        str(quote.get("currency") or "CNY"),
    )
    if any(_amount(quote.get(k)) != v["amount"] for k, v in totals.items()):
        update_current(ctx.elevated(), "quote", quote_id, totals)


class QuoteTotals:
    """A quote's totals follow its lines, discount and tax; a superseded quote is
    read-only and a settled one keeps its prices; its currency is fixed once it has lines."""

    objects = ("quote",)

    def before(self, ctx: Ctx, event: WriteEvent) -> None:
        values = event.values
        if event.action == "create":
            values.update(
                quote_totals(
                    ZERO,
                    Decimal(values.get("discount_percent") or 0),
                    Decimal(values.get("tax_rate") or 0),
                    str(values.get("currency") or "CNY"),
                )
            )
            return
        if event.action != "update":
            return
        stored: Mapping[str, Any] = event.stored or {}
        assert event.record_id is not None
        if stored.get("status") == "superseded":
            newer = _newer_version(ctx, event.record_id)
            message = say(ctx.actor.locale, "quote_superseded", version=newer)
            raise QuoteClosed(
                "a newer version replaced this quote",
                errors=[FieldError("status", message, "quote_closed")],
                extra={"quote_status": "superseded"},
            )
        changed = [k for k in PRICING if k in values and values[k] != stored.get(k)]
        if changed and stored.get("status") in CLOSED:
            raise _closed(ctx, stored, changed[0])
        if "currency" in changed and _has_lines(ctx, event.record_id):
            raise field_refusal(ValidationFailed, "currency", ctx.actor.locale, "currency_locked")
        merged = {**stored, **values}
        values.update(
            quote_totals(
                lines_subtotal(ctx, event.record_id),
                Decimal(merged.get("discount_percent") or 0),
                Decimal(merged.get("tax_rate") or 0),
                str(merged.get("currency") or "CNY"),
            )
        )

    def after(self, ctx: Ctx, event: WriteEvent) -> None:
        return None


def _newer_version(ctx: Ctx, quote_id: UUID) -> int | str:
    quotes = ctx.snap.table("quote")
    newer = ctx.conn.execute(
        select(quotes.c.quote_version).where(
            quotes.c.previous_version == quote_id, quotes.c.deleted_at.is_(None)
        )
    ).scalar()
    return "?" if newer is None else int(newer)


def revise_quote(ctx: Ctx, quote_id: UUID) -> dict[str, Any]:
    """A new version of a quote — the next version number, a draft, the same lines — and
    the old one superseded (read-only), in the caller's transaction."""
    old = get_record(ctx, "quote", quote_id)  # 404 unless the caller may read it
    if old.get("status") in ("accepted", "superseded"):
        stored = _row(ctx, "quote", quote_id) or {}
        raise _closed(ctx, stored, "status")
    today = ctx.now.astimezone(ctx.zone).date()
    data: dict[str, Any] = {name: old.get(name) for name in QUOTE_COPY}
    data |= {
        "status": "draft",
        "quote_version": int(old.get("quote_version") or 1) + 1,
        "previous_version": str(quote_id),
        "quote_date": today.isoformat(),
    }
    if old.get("valid_until") and old.get("quote_date"):
        validity = dt.date.fromisoformat(old["valid_until"]) - dt.date.fromisoformat(
            old["quote_date"]
        )
        data["valid_until"] = (today + validity).isoformat()
    new = create(ctx, "quote", data)
    lines = _readable_lines(ctx, quote_id)
    if lines:
        create_many(
            ctx,
            "quote_line",
            [{**{k: plain(line[k]) for k in LINE_COPY}, "quote": new["id"]} for line in lines],
            return_records=False,
        )
    update_current(ctx, "quote", quote_id, {"status": "superseded"})
    return get_record(ctx, "quote", UUID(new["id"]))


def _readable_lines(ctx: Ctx, quote_id: UUID) -> list[dict[str, Any]]:
    """The quote's live lines the caller may read, by position."""
    lines = ctx.snap.table("quote_line")
    obj = ctx.snap.object("quote_line")
    rows = ctx.conn.execute(
        select(lines)
        .where(
            lines.c.quote == quote_id,
            lines.c.deleted_at.is_(None),
            ctx.actor.policy.read_predicate("quote_line", lines),
        )
        .order_by(nulls_last(lines.c.position.asc()), lines.c.id)
    )
    return [record_values(obj, row._mapping) for row in rows]


def _readable_one(ctx: Ctx, object_name: str, record_id: Any) -> dict[str, Any] | None:
    if record_id is None:
        return None
    table = ctx.snap.table(object_name)
    row = ctx.conn.execute(
        select(table).where(
            table.c.id == _id(record_id),
            table.c.deleted_at.is_(None),
            ctx.actor.policy.read_predicate(object_name, table),
        )
    ).first()
    return None if row is None else record_values(ctx.snap.object(object_name), row._mapping)


def _address(value: Mapping[str, Any] | None, language: Language) -> str | None:
    if not value:
        return None
    if language == "zh-CN":
        parts = ("country", "province", "city", "district", "street")
        text = "".join(str(value[p]) for p in parts if value.get(p) and value[p] != "CN")
    else:
        parts = ("street", "district", "city", "province", "country")
        text = ", ".join(str(value[p]) for p in parts if value.get(p))
    postcode = value.get("postcode")
    return f"{text} {postcode}".strip() if postcode else text or None


def quote_pdf(
    ctx: Ctx, quote_id: UUID, language: Language, letterhead: Letterhead
) -> tuple[str, bytes]:
    """The quote as a PDF on the company's letterhead: its number and the PDF's bytes.

    What is printed is what the caller may read: the quote (404 otherwise), its lines and
    its account and contact (a name the caller may not read is left out). 503 while the
    fonts are not installed (`make install` installs them)."""
    if not fonts.installed():
        raise Unavailable(
            "The Chinese fonts for quote PDFs are not installed on the server: run "
            "`make install` or `python -m guanxi.modules.sales.fonts`."
        )
    quote = _readable_one(ctx, "quote", quote_id)
    if quote is None:
        raise NotFound(f"no quote record with id {quote_id}")
    account = _readable_one(ctx, "account", quote.get("account"))
    contact = _readable_one(ctx, "contact", quote.get("contact"))
    currency = str(quote.get("currency") or "CNY")
    created = quote["created_at"]
    day = _as_date(quote.get("quote_date")) or created.astimezone(ctx.zone).date()
    until = _as_date(quote.get("valid_until")) or day + DEFAULT_VALIDITY
    lines = [
        QuoteLine(
            product_name=str(line.get("name") or ""),
            quantity=Decimal(line.get("quantity") or 0),
            unit=str(line.get("unit") or ""),
            unit_price=_amount(line.get("unit_price")) or ZERO,
            line_amount=_amount(line.get("amount")) or ZERO,
            discount_percent=Decimal(line.get("discount_percent") or 0),
            description=line.get("description"),
        )
        for line in _readable_lines(ctx, quote_id)
    ]
    document = QuoteDocument(
        letterhead=letterhead,
        number=str(quote.get("quote_no") or quote_id),
        version=int(quote.get("quote_version") or 1),
        date=day,
        valid_until=until,
        customer=QuoteCustomer(
            account_name=str((account or {}).get("name") or "—"),
            contact_name=(contact or {}).get("name"),
            address=_address((account or {}).get("address"), language),
        ),
        currency=currency,
        lines=lines,
        subtotal=_amount(quote.get("subtotal")) or ZERO,
        total_discount=_amount(quote.get("discount_amount")) or ZERO,
        tax_rate_percent=Decimal(quote.get("tax_rate") or 0),
        tax=_amount(quote.get("tax")) or ZERO,
        grand_total=_amount(quote.get("total")) or ZERO,
        terms=str(quote.get("terms") or ""),
        prepared_by=ctx.actor.name,
    )
    return document.number, render_quote(document, language, created_at=ctx.now)


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
