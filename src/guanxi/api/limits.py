"""A ceiling on request bodies, answered as problem+json like every other refusal.

FastAPI's own ``max_body_size`` answers in plain text, from outside the app's error
handling. This middleware refuses a body whose declared length is over the limit before
reading any of it, and one that grows past the limit without declaring a length (chunked)
as soon as it does.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from guanxi.web.problems import problem


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.detail = f"the request body is larger than {max_bytes >> 20} MiB"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            refusal = problem(Request(scope), status=413, code="too_large", detail=self.detail)
            await refusal(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                # Raised while the app reads the body: its handler answers problem+json.
                raise HTTPException(413, self.detail)
            return message

        await self.app(scope, counted, send)
