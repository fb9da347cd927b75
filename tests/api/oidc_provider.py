"""A small but real OpenID Connect provider for tests, served over HTTP on loopback.

It speaks the authorisation code flow with PKCE and signs RS256 ID tokens, so Guanxi's
client is exercised end to end (discovery, keys, token exchange, validation). Tests make it
misbehave through ``signing_key`` and ``claims``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote_plus, urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

CLIENT_ID = "guanxi-test"
CLIENT_SECRET = "test+secret:1 23%/"  # characters client_secret_basic must form-encode
KID = "test-key"


class Provider:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.key = new_key()  # published at /jwks
        self.signing_key: RSAKey | None = self.key  # None: an unsigned ("alg": "none") token
        self.email = "rep.zhang@example.com"
        # Changes to the next ID tokens' claims; None removes the claim.
        self.claims: dict[str, Any] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.issuer = base_url  # what the discovery document claims
        self.up = True  # False: discovery answers 503

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/jwks", self.jwks),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
            ]
        )

    async def discovery(self, request: Request) -> JSONResponse:
        if not self.up:
            return JSONResponse({"error": "maintenance"}, status_code=503)
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.base_url}/authorize",
                "token_endpoint": f"{self.base_url}/token",
                "jwks_uri": f"{self.base_url}/jwks",
                "response_types_supported": ["code"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def jwks(self, request: Request) -> JSONResponse:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    async def authorize(self, request: Request) -> RedirectResponse:
        q = request.query_params
        assert (
            q["client_id"] == CLIENT_ID
            and q["response_type"] == "code"
            and q["code_challenge_method"] == "S256"
        )
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "nonce": q["nonce"],
            "challenge": q["code_challenge"],
            "redirect_uri": q["redirect_uri"],
            "email": self.email,
        }
        return RedirectResponse(
            f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}", status_code=302
        )

    async def token(self, request: Request) -> JSONResponse:
        form = await request.form()
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        user, _, password = base64.b64decode(credentials or "").decode().partition(":")
        # RFC 6749 §2.3.1: both parts are form-encoded before they are joined
        if scheme != "Basic" or (unquote_plus(user), unquote_plus(password)) != (
            CLIENT_ID,
            CLIENT_SECRET,
        ):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self.codes.pop(str(form.get("code")), None)
        verifier = str(form.get("code_verifier", ""))
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        if (
            grant is None
            or grant["challenge"] != challenge
            or grant["redirect_uri"] != form.get("redirect_uri")
        ):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.base_url,
            "sub": grant["email"],
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            "email": grant["email"],
            "email_verified": True,
        }
        for name, value in self.claims.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self.id_token(claims),
            }
        )

    def id_token(self, claims: dict[str, Any]) -> str:
        if self.signing_key is None:
            header = _b64({"alg": "none", "typ": "JWT", "kid": KID})
            return f"{header}.{_b64(claims)}."
        kid = self.signing_key.kid or KID
        return jwt.encode({"alg": "RS256", "kid": kid}, claims, self.signing_key)


def new_key(kid: str = KID) -> RSAKey:
    """An RSA key under the provider's key ID (a stranger's key looks just the same)."""
    return RSAKey.generate_key(2048, parameters={"kid": kid})


def _b64(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


@contextmanager
def running_provider() -> Iterator[Provider]:
    # The socket listens before the server thread starts: a request made at once waits in
    # the listen queue until the server accepts it, so there is no start-up to poll for.
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen()
    port = listening.getsockname()[1]
    provider = Provider(f"http://127.0.0.1:{port}")
    server = uvicorn.Server(uvicorn.Config(provider.app(), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listening.close()
