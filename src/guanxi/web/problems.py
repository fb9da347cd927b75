"""Every error as RFC 9457 problem+json, naming each bad field."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from guanxi.kernel.errors import MESSAGES, DomainError
from guanxi.web.responses import ProblemResponse

STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    405: "bad_request",
    409: "conflict",
    412: "version_conflict",
    413: "too_large",
    422: "validation_failed",
}


def language(request: Request) -> str:
    header = request.headers.get("accept-language", "")
    return "zh-CN" if header.lower().startswith("zh") else "en"


def problem(
    request: Request,
    *,
    status: int,
    code: str,
    detail: str | None,
    errors: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> ProblemResponse:
    messages = MESSAGES.get(code, MESSAGES["bad_request"])
    body: dict[str, Any] = {
        "type": f"https://guanxi.dev/problems/{code}",
        "title": messages.get(language(request), messages["en"]),
        "status": status,
        "code": code,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return ProblemResponse(body, status_code=status, headers=headers)


def _pydantic_location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in {"body", "query", "path", "header"}]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> ProblemResponse:
        response = problem(
            request,
            status=exc.status,
            code=exc.code,
            detail=exc.detail,
            errors=[e.as_dict() for e in exc.errors],
            **exc.extra,
        )
        retry_after = getattr(exc, "retry_after", None)  # 429: when to try again (seconds)
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> ProblemResponse:
        errors = [
            {
                "field": _pydantic_location(tuple(e.get("loc", ()))),
                "code": e.get("type", "invalid"),
                "message": e.get("msg", ""),
            }
            for e in exc.errors()
        ]
        return problem(
            request,
            status=422,
            code="validation_failed",
            detail="the request body or parameters are not valid",
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
        code = STATUS_CODES.get(exc.status_code, "bad_request")
        return problem(request, status=exc.status_code, code=code, detail=str(exc.detail))
