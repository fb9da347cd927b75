"""Endpoints for quotes, contracts and cash beyond generic record CRUD."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote as percent_encode
from uuid import UUID

from fastapi import APIRouter, Body
from fastapi.responses import Response

from guanxi.config import Settings
from guanxi.modules.sales import contracts, payments, quotes
from guanxi.modules.sales.pdf import Language, Letterhead
from guanxi.web.deps import ActorDep, ServicesDep
from guanxi.web.responses import ORJSONResponse
from guanxi.web.routing import OrjsonRoute

router = APIRouter(
    prefix="/api/v1/sales",
    tags=["sales"],
    default_response_class=ORJSONResponse,
    route_class=OrjsonRoute,
)


def letterhead(settings: Settings, language: Language) -> Letterhead:
    """The company printed on quotes, from the ``GUANXI_COMPANY_*`` settings: the name
    and address in the document's language first, the other name under it."""
    chinese, english = settings.company_name, settings.company_name_en
    if language == "en" and english:
        name, other = english, chinese if chinese != english else None
    else:
        name, other = chinese or english, english if english != chinese else None
    address = settings.company_address
    if language == "en" and settings.company_address_en:
        address = settings.company_address_en
    return Letterhead(
        name=name,
        name_other_language=other or None,
        address=address,
        phone=settings.company_phone,
        email=settings.company_email,
        website=settings.company_website,
        tax_id=settings.company_tax_id or None,
        bank_name=settings.company_bank_name or None,
        bank_account=settings.company_bank_account or None,
    )


def content_disposition(number: str) -> str:
    """``attachment`` named after the quote number: an ASCII fallback and, for any other
    character, the RFC 5987 ``filename*``."""
    name = f"{number}.pdf"
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    if fallback == name:
        return f'attachment; filename="{name}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{percent_encode(name, safe='')}"


@router.post("/quotes/{quote_id}/revise", status_code=201)
def revise_quote(quote_id: UUID, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """A new version of the quote with the same lines; the old one is superseded."""
    with services.write(actor) as ctx:
        return quotes.revise_quote(ctx, quote_id)


@router.get(
    "/quotes/{quote_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def quote_pdf(
    quote_id: UUID,
    services: ServicesDep,
    actor: ActorDep,
    language: Literal["zh-CN", "en"] | None = None,
) -> Response:
    """The quote as a PDF on the company's letterhead (default: the caller's language)."""
    with services.read(actor) as ctx:
        chosen: Language = language or (
            "zh-CN" if ctx.actor.locale.lower().startswith("zh") else "en"
        )
        number, pdf = quotes.quote_pdf(ctx, quote_id, chosen, letterhead(services.settings, chosen))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": content_disposition(number)},
    )


@router.post("/contracts/from-opportunity/{opportunity_id}", status_code=201)
def contract_from_opportunity(
    opportunity_id: UUID,
    services: ServicesDep,
    actor: ActorDep,
    body: dict[str, Any] | None = Body(default=None),
) -> dict[str, Any]:
    """A draft contract for a won opportunity."""
    with services.write(actor) as ctx:
        return contracts.contract_from_opportunity(ctx, opportunity_id, body)


@router.post("/contracts/from-quote/{quote_id}", status_code=201)
def contract_from_quote(
    quote_id: UUID,
    services: ServicesDep,
    actor: ActorDep,
    body: dict[str, Any] | None = Body(default=None),
) -> dict[str, Any]:
    """A draft contract for an accepted quote, for its total."""
    with services.write(actor) as ctx:
        return contracts.contract_from_quote(ctx, quote_id, body)


@router.post("/contracts/run-reminders")
def run_contract_jobs(services: ServicesDep, actor: ActorDep) -> dict[str, int]:
    """Expire ended contracts and send due renewal reminders (administrators)."""
    with services.write(actor) as ctx:
        return contracts.run_contract_jobs(ctx)


@router.post("/contracts/{contract_id}/payment-plan", status_code=201)
def add_payment_plan(
    contract_id: UUID,
    services: ServicesDep,
    actor: ActorDep,
    instalments: list[dict[str, Any]] = Body(..., embed=True, max_length=120),
) -> dict[str, Any]:
    """Instalments for a contract, adding up to at most its amount."""
    with services.write(actor) as ctx:
        return payments.add_payment_plan(ctx, contract_id, instalments)


@router.get("/contracts/{contract_id}/summary")
def contract_summary(contract_id: UUID, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """Contracted, collected, outstanding, overdue and invoiced on one contract."""
    with services.read(actor) as ctx:
        return payments.contract_summary(ctx, contract_id)


@router.get("/accounts/{account_id}/summary")
def account_summary(account_id: UUID, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """The same over an account's signed contracts."""
    with services.read(actor) as ctx:
        return payments.account_summary(ctx, account_id)
