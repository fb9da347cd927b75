"""OpenID Connect single sign-on (authorisation code flow with PKCE).

Only existing, active users sign in this way. A user is known to the provider by the
ID token's (issuer, subject) pair: the first time a pair is seen, the e-mail the provider
verified is matched to a Guanxi user and the pair is recorded for that user; afterwards
the pair alone signs them in (see ``sessions.login_sso``). The user's roles then apply as
for any other sign-in.

The provider is spoken to with plain httpx (discovery, keys, the code exchange); the ID
token is verified with joserfc (ADR 0005).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit, urlunsplit

import httpx
from joserfc import jwt
from joserfc.errors import InvalidClaimError, InvalidKeyIdError, JoseError, MissingClaimError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from guanxi.kernel.errors import BadGateway, Unauthenticated

DISCOVERY_TTL = 3600.0
# A token signed with a key the cached set lacks refetches the set (the provider rotated
# its keys), at most this often.
KEYS_REFRESH = 60.0
HTTP_TIMEOUT = 10.0
# Clock skew tolerated between Guanxi and the provider when checking exp, nbf and iat.
LEEWAY_SECONDS = 60
# ID tokens are checked against the provider's published (public) keys, so only asymmetric
# signatures make sense: never "none", never an HMAC keyed with something public.
ID_TOKEN_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "ES256K",
    "EdDSA",
)
# Providers may add header parameters of their own; the signature covers them anyway.
_ID_TOKEN_JWS = JWSRegistry(algorithms=ID_TOKEN_ALGORITHMS, strict_check_header=False)


# OpenID Connect Core §2: sub is at most 255 ASCII characters (and so fits the column).
MAX_SUBJECT = 255


@dataclass(frozen=True)
class SsoIdentity:
    """Who the identity provider says signed in."""

    issuer: str
    subject: str
    # The e-mail address, when the provider vouches for it (or is allowed not to, see
    # OidcConfig.allow_unverified_email); None otherwise. Only a first sign-in needs it.
    email: str | None


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    scope: str = "openid email profile"
    # A first sign-in is matched by e-mail, so by default only an e-mail the provider says
    # it verified (email_verified: true) binds anyone. Some providers never send the claim.
    allow_unverified_email: bool = False


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
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._keys_fetched_at = 0.0

    def metadata(self) -> dict[str, Any]:
        if self._metadata is None or time.monotonic() - self._fetched_at > DISCOVERY_TTL:
            url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
            metadata = _fetch_json(url, "discovery document")
            # OpenID Connect Discovery §4.3: the document must name the issuer asked.
            if str(metadata.get("issuer", "")).rstrip("/") != self.config.issuer.rstrip("/"):
                raise BadGateway("the identity provider's discovery document names another issuer")
            self._keys = _key_set(metadata)
            self._metadata = metadata
            self._fetched_at = self._keys_fetched_at = time.monotonic()
        return self._metadata

    def _decode(self, id_token: str) -> dict[str, Any]:
        """The token's claims once its signature checks out against the provider's keys."""
        assert self._keys is not None  # fetched together with the metadata
        try:
            return dict(jwt.decode(id_token, self._keys, registry=_ID_TOKEN_JWS).claims)
        except InvalidKeyIdError:
            if time.monotonic() - self._keys_fetched_at < KEYS_REFRESH:
                raise
        assert self._metadata is not None
        self._keys = _key_set(self._metadata)
        self._keys_fetched_at = time.monotonic()
        return dict(jwt.decode(id_token, self._keys, registry=_ID_TOKEN_JWS).claims)

    def start(self) -> tuple[str, Pending]:
        """The provider URL to send the browser to, and what to remember until it returns."""
        pending = Pending(
            secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
        )
        url = _add_query(
            self.metadata()["authorization_endpoint"],
            [
                ("response_type", "code"),
                ("client_id", self.config.client_id),
                ("redirect_uri", self.config.redirect_uri),
                ("scope", self.config.scope),
                ("state", pending.state),
                ("nonce", pending.nonce),
                ("code_challenge", s256_code_challenge(pending.verifier)),
                ("code_challenge_method", "S256"),
            ],
        )
        return url, pending

    def finish(self, *, code: str, state: str, pending: Pending) -> SsoIdentity:
        """Exchange the code; who the verified ID token says signed in."""
        if not secrets.compare_digest(state, pending.state):
            raise Unauthenticated("the sign-in attempt does not match; start again")
        meta = self.metadata()
        token = self._exchange(meta["token_endpoint"], code=code, verifier=pending.verifier)
        id_token = token.get("id_token")
        if not id_token or not isinstance(id_token, str):
            raise Unauthenticated("the identity provider sent no ID token")
        try:
            claims = self._decode(id_token)
            validate_id_token_claims(
                claims, issuer=meta["issuer"], client_id=self.config.client_id, nonce=pending.nonce
            )
        except JoseError as exc:
            raise Unauthenticated(f"the ID token is not valid: {_explain(exc)}") from None
        verified = claims.get("email_verified")
        email = claims.get("email")
        vouched = isinstance(email, str) and (
            verified is True or (verified is None and self.config.allow_unverified_email)
        )
        return SsoIdentity(
            issuer=str(claims["iss"]),
            subject=str(claims["sub"]),
            email=email if vouched and isinstance(email, str) else None,
        )

    def _exchange(self, token_endpoint: str, *, code: str, verifier: str) -> dict[str, Any]:
        """The token request (RFC 6749 §4.1.3 with the PKCE verifier, client_secret_basic)."""
        try:
            response = httpx.post(
                token_endpoint,
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": self.config.redirect_uri,
                    "code_verifier": verifier,
                },
                # client_secret_basic: each part form-encoded first (RFC 6749 §2.3.1)
                auth=(quote_plus(self.config.client_id), quote_plus(self.config.client_secret)),
                headers={"Accept": "application/json"},
                timeout=HTTP_TIMEOUT,
            )
        except httpx.HTTPError as exc:  # the provider is unreachable or too slow
            raise Unauthenticated(
                f"the identity provider refused the sign-in: {type(exc).__name__}"
            ) from None
        try:
            token = response.json()
        except ValueError:
            token = None
        if response.is_error or not isinstance(token, dict) or "error" in token:
            if isinstance(token, dict) and token.get("error"):
                reason = str(token["error"])  # invalid_grant, invalid_client …
            else:
                reason = f"HTTP {response.status_code}, no token in the answer"
            raise Unauthenticated(f"the identity provider refused the sign-in: {reason}")
        return token


def _fetch_json(url: str, what: str) -> dict[str, Any]:
    try:
        document = httpx.get(url, timeout=HTTP_TIMEOUT).raise_for_status().json()
    except (httpx.HTTPError, ValueError) as exc:
        raise BadGateway(
            f"the identity provider's {what} could not be fetched: {type(exc).__name__}"
        ) from None
    if not isinstance(document, dict):
        raise BadGateway(f"the identity provider's {what} is not a JSON object")
    return document


def _key_set(metadata: dict[str, Any]) -> KeySet:
    jwks = _fetch_json(str(metadata.get("jwks_uri", "")), "signing keys")
    try:
        return KeySet.import_key_set(jwks)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise BadGateway(f"the identity provider's signing keys are unusable: {exc}") from None


def s256_code_challenge(verifier: str) -> str:
    """PKCE S256 (RFC 7636 §4.2): base64url without padding of SHA-256 of the verifier."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def validate_id_token_claims(
    claims: dict[str, Any], *, issuer: str, client_id: str, nonce: str
) -> None:
    """The ID-token claim checks of OpenID Connect Core §3.1.3.7 for the code flow.

    Raises a joserfc ``JoseError`` naming the first claim that fails.
    """
    jwt.JWTClaimsRegistry(
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": issuer},
        sub={"essential": True},  # the user's identifier at the provider
        aud={"essential": True, "value": client_id},  # a string, or a list that includes it
        exp={"essential": True},
        iat={"essential": True},
    ).validate(claims)  # also: exp not past, iat and nbf not in the future (with leeway)

    sub = claims["sub"]
    if not isinstance(sub, str) or not 1 <= len(sub) <= MAX_SUBJECT:
        raise InvalidClaimError("sub")

    if "nonce" not in claims:
        raise MissingClaimError("nonce")
    if not isinstance(claims["nonce"], str) or not secrets.compare_digest(
        claims["nonce"].encode(), nonce.encode()
    ):
        raise InvalidClaimError("nonce")

    auth_time = claims.get("auth_time")
    if auth_time and (isinstance(auth_time, bool) or not isinstance(auth_time, int | float)):
        raise InvalidClaimError("auth_time")
    amr = claims.get("amr")
    if amr and not isinstance(amr, list):
        raise InvalidClaimError("amr")

    # azp: needed when the token has audiences besides us; when present it must be us.
    aud = claims["aud"]
    sole_audience = aud[0] if isinstance(aud, list) and len(aud) == 1 else aud
    azp = claims.get("azp")
    if sole_audience != client_id and not azp:
        raise MissingClaimError("azp")
    if azp and azp != client_id:
        raise InvalidClaimError("azp")


def _explain(exc: JoseError) -> str:
    """``bad_signature``, ``invalid_claim ('iat': The token was issued in the future)`` …"""
    claim = getattr(exc, "claim", None)  # claim errors name the claim
    about = f"'{claim}': " if claim and f"'{claim}'" not in exc.description else ""
    return f"{exc.error} ({about}{exc.description})" if exc.description else exc.error


def _add_query(url: str, params: list[tuple[str, str]]) -> str:
    """The URL with params appended to whatever query it already has."""
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params]
    return urlunsplit(parts._replace(query=urlencode(query)))
