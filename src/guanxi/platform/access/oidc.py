"""OpenID Connect single sign-on (authorisation code flow with PKCE), built on Authlib.

Only existing, active users sign in this way: the verified e-mail in the ID token is
matched to a Guanxi user, whose roles then apply as for any other sign-in.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.integrations.httpx_client import OAuth2Client
from authlib.jose import JsonWebKey, jwt
from authlib.jose.errors import JoseError
from authlib.oidc.core import CodeIDToken

from guanxi.kernel.errors import Unauthenticated

DISCOVERY_TTL = 3600.0


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    scope: str = "openid email profile"


@dataclass(frozen=True)
class Pending:
    """What the browser carries between the redirect to the provider and the callback."""

    state: str
    nonce: str
    verifier: str

    def encode(self) -> str:
        return f"{self.state}.{self.nonce}.{self.verifier}"

    @classmethod
    def decode(cls, value: str | None) -> Pending:
        parts = (value or "").split(".")
        if len(parts) != 3 or not all(parts):
            raise Unauthenticated("the sign-in attempt expired; start again")
        return cls(*parts)


class OidcProvider:
    """One identity provider: discovery and keys are fetched lazily and cached."""

    def __init__(self, config: OidcConfig) -> None:
        self.config = config
        self._metadata: dict[str, Any] | None = None
        self._keys: Any = None
        self._fetched_at = 0.0

    def _client(self) -> OAuth2Client:
        return OAuth2Client(
            client_id=self.config.client_id,
            client_secret=self.config.client_secret,
            scope=self.config.scope,
            redirect_uri=self.config.redirect_uri,
            code_challenge_method="S256",
            timeout=10,
        )

    def metadata(self) -> dict[str, Any]:
        if self._metadata is None or time.monotonic() - self._fetched_at > DISCOVERY_TTL:
            url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
            self._metadata = httpx.get(url, timeout=10).raise_for_status().json()
            self._keys = JsonWebKey.import_key_set(
                httpx.get(self._metadata["jwks_uri"], timeout=10).raise_for_status().json()
            )
            self._fetched_at = time.monotonic()
        return self._metadata

    def start(self) -> tuple[str, Pending]:
        """The provider URL to send the browser to, and what to remember until it returns."""
        pending = Pending(
            secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
        )
        with self._client() as client:
            url, _ = client.create_authorization_url(
                self.metadata()["authorization_endpoint"],
                state=pending.state,
                nonce=pending.nonce,
                code_verifier=pending.verifier,
            )
        return url, pending

    def finish(self, *, code: str, state: str, pending: Pending) -> dict[str, Any]:
        """Exchange the code and return the verified ID-token claims."""
        if not secrets.compare_digest(state, pending.state):
            raise Unauthenticated("the sign-in attempt does not match; start again")
        meta = self.metadata()
        try:
            with self._client() as client:
                token = client.fetch_token(
                    meta["token_endpoint"], code=code, code_verifier=pending.verifier
                )
        except Exception as exc:  # the provider refused or is unreachable
            raise Unauthenticated(
                f"the identity provider refused the sign-in: {type(exc).__name__}"
            ) from None
        id_token = token.get("id_token")
        if not id_token:
            raise Unauthenticated("the identity provider sent no ID token")
        try:
            claims = jwt.decode(
                id_token,
                self._keys,
                claims_cls=CodeIDToken,
                claims_options={
                    "iss": {"essential": True, "value": meta["issuer"]},
                    "aud": {"essential": True, "value": self.config.client_id},
                },
                claims_params={"nonce": pending.nonce, "client_id": self.config.client_id},
            )
            claims.validate(leeway=60)
        except JoseError as exc:
            raise Unauthenticated(f"the ID token is not valid: {exc.error}") from None
        if not claims.get("email") or claims.get("email_verified") is False:
            raise Unauthenticated("the identity provider did not confirm an e-mail address")
        return dict(claims)
