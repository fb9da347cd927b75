"""Web-to-lead forms: managed at /api/v1/sales/forms, posted to at /api/v1/public/forms."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl
from uuid import UUID

import orjson
from fastapi import APIRouter, Header, Request, Response
from fastapi.concurrency import run_in_threadpool

from guanxi.kernel.errors import BadRequest
from guanxi.modules.sales import forms
from guanxi.web.deps import ActorDep, Services, ServicesDep, client_ip
from guanxi.web.preconditions import if_match_version
from guanxi.web.problems import language
from guanxi.web.responses import ORJSONResponse, versioned
from guanxi.web.routing import OrjsonRoute

router = APIRouter(
    prefix="/api/v1/sales/forms",
    tags=["sales: web forms"],
    default_response_class=ORJSONResponse,
    route_class=OrjsonRoute,
)

public = APIRouter(
    prefix="/api/v1/public/forms",
    tags=["public: web forms"],
    default_response_class=ORJSONResponse,
)

# Any website may embed a form: the key in the address is what admits a submission.
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Accept-Language",
    "Access-Control-Max-Age": "86400",
}


@router.get("")
def list_forms(services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """The caller's forms (an administrator's: all of them), oldest first."""
    with services.read(actor) as ctx:
        return {"forms": forms.list_forms(ctx)}


@router.post("", status_code=201)
def create_form(body: forms.FormIn, services: ServicesDep, actor: ActorDep) -> ORJSONResponse:
    """A form asking for ``fields`` of a lead; its leads belong to the caller until the
    form's assignment rule gives them to someone. Answers with its ``form_key`` and the
    ``submit_url`` a website posts to."""
    with services.write(actor) as ctx:
        return versioned(forms.create_form(ctx, body), 201)


@router.get("/{form_id}")
def get_form(form_id: UUID, services: ServicesDep, actor: ActorDep) -> ORJSONResponse:
    with services.read(actor) as ctx:
        return versioned(forms.get_form(ctx, form_id))


@router.patch("/{form_id}")
def update_form(
    form_id: UUID,
    body: forms.FormPatch,
    services: ServicesDep,
    actor: ActorDep,
    if_match: str | None = Header(None),
) -> ORJSONResponse:
    """Change what you send; with If-Match, a stale version is refused (412)."""
    expected = if_match_version(if_match)
    with services.write(actor) as ctx:
        return versioned(forms.update_form(ctx, form_id, body, expected_version=expected))


@router.delete("/{form_id}", status_code=204)
def delete_form(form_id: UUID, services: ServicesDep, actor: ActorDep) -> Response:
    """The form stops taking submissions; its leads stay."""
    with services.write(actor) as ctx:
        forms.delete_form(ctx, form_id)
    return Response(status_code=204)


@public.options("/{form_key}", include_in_schema=False)
def preflight(form_key: str) -> Response:
    return Response(status_code=204, headers=CORS)


@public.get("/{form_key}")
def describe_form(form_key: str, request: Request, services: ServicesDep) -> ORJSONResponse:
    """What a website needs to draw the form, in the visitor's language (no sign-in)."""
    with services.system_write(ip=client_ip(request), user_agent=None) as ctx:
        return ORJSONResponse(forms.describe(ctx, form_key, language(request)), headers=CORS)


async def _payload(request: Request) -> dict[str, Any]:
    """A JSON object, or an HTML form's fields (``application/x-www-form-urlencoded``)."""
    body = await request.body()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BadRequest("send a JSON object or a URL-encoded form") from None
    if not isinstance(data, dict):
        raise BadRequest("send a JSON object or a URL-encoded form")
    return data


def _submit(
    services: Services, form_key: str, payload: dict[str, Any], ip: str | None, agent: str | None
) -> None:
    with services.system_write(ip=ip, user_agent=agent) as ctx:
        forms.submit(ctx, form_key, payload, ip=ip, user_agent=agent)


@public.post("/{form_key}", status_code=201)
async def submit_form(form_key: str, request: Request, services: ServicesDep) -> ORJSONResponse:
    """A visitor's submission (no sign-in): 201 ``{"status": "received"}`` and nothing of
    what was sent; 422 naming each missing field (and ``consent``); 429 with Retry-After
    past the address's limit. The honeypot field ``homepage`` must stay empty."""
    payload = await _payload(request)
    ip, agent = client_ip(request), request.headers.get("user-agent")
    if services.db.is_sqlite:
        _submit(services, form_key, payload, ip, agent)
    else:
        await run_in_threadpool(_submit, services, form_key, payload, ip, agent)
    return ORJSONResponse({"status": "received"}, status_code=201, headers=CORS)
