"""Endpoints for quotes, contracts and cash beyond generic record CRUD."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote as percent_encode
from uuid import UUID

from fastapi import APIRouter, Body, Header
from fastapi.responses import Response

from guanxi.config import Settings
from guanxi.modules.sales import contracts, letterhead, payments, quotes
from guanxi.modules.sales.letterhead import LetterheadIn, bilingual
from guanxi.modules.sales.pdf import Language
from guanxi.web.deps import ActorDep, ServicesDep
from guanxi.web.preconditions import if_match_version
from guanxi.web.responses import ORJSONResponse
from guanxi.web.routing import OrjsonRoute

router = APIRouter(
    prefix="/api/v1/sales",
    tags=["sales"],
    default_response_class=ORJSONResponse,
    route_class=OrjsonRoute,
)


def default_letterhead(settings: Settings) -> LetterheadIn:
    """The letterhead from the ``GUANXI_COMPANY_*`` settings, until an administrator
    stores one."""
    return LetterheadIn(
        name=bilingual(settings.company_name, settings.company_name_en),
        address=bilingual(settings.company_address, settings.company_address_en),
        phone=settings.company_phone,
        email=settings.company_email,
        website=settings.company_website,
        tax_id=settings.company_tax_id,
        bank_name=settings.company_bank_name,
        bank_account=settings.company_bank_account,
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
        company, _ = letterhead.current(ctx, default_letterhead(services.settings))
        number, pdf = quotes.quote_pdf(ctx, quote_id, chosen, company.for_language(chosen))
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


@router.get("/settings/letterhead")
def get_letterhead(services: ServicesDep, actor: ActorDep) -> ORJSONResponse:
    """The company's letterhead on quotes; version 0: from the server's settings."""
    with services.read(actor) as ctx:
        company, at = letterhead.current(ctx, default_letterhead(services.settings))
    body = {"letterhead": company.as_json(), "version": at}
    return ORJSONResponse(body, headers={"ETag": f'"{at}"'})


@router.put("/settings/letterhead")
def set_letterhead(
    body: LetterheadIn,
    services: ServicesDep,
    actor: ActorDep,
    if_match: str | None = Header(None),
) -> ORJSONResponse:
    """Replace the letterhead (administrators); ``If-Match`` guards against a lost update."""
    expected = if_match_version(if_match, minimum=0)
    with services.write(actor) as ctx:
        saved = letterhead.replace(ctx, body, expected_version=expected)
    answer = {"letterhead": saved["value"], "version": saved["version"]}
    return ORJSONResponse(answer, headers={"ETag": f'"{saved["version"]}"'})
