"""Sign-in, sessions, the current user and personal API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from guanxi.kernel.clock import check_moment
from guanxi.kernel.errors import DomainError, NotFound, PermissionDenied, Unauthenticated, invalid
from guanxi.platform.access import sessions, twofactor
from guanxi.platform.access.oidc import OidcProvider, Pending
from guanxi.platform.access.users import (
    change_email,
    check_token_scope,
    create_token,
    describe_user,
    set_preferences,
)
from guanxi.platform.records.context import Ctx
from guanxi.web.deps import (
    READ_ONLY,
    SESSION_COOKIE,
    ActorDep,
    Services,
    ServicesDep,
    client_ip,
)
from guanxi.web.responses import ORJSONResponse
from guanxi.web.routing import OrjsonRoute

router = APIRouter(
    prefix="/api/v1/auth",
    tags=["auth"],
    default_response_class=ORJSONResponse,
    route_class=OrjsonRoute,
)


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254)
    password: str = Field(max_length=1000)
    otp: str | None = Field(default=None, max_length=32)


# Changes that could lock the owner out of their account need the current password, so
# that a stolen session or token cannot make them (see sessions.confirm_password).
CurrentPassword = Field(max_length=1000)


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    scope: Literal["read", "write"] = "write"
    expires_at: datetime | None = None
    current_password: str = CurrentPassword


class MePatch(BaseModel):
    """Your own settings: preferences freely, the e-mail (what you sign in with) only with
    ``current_password``."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr | None = Field(default=None, max_length=254)
    current_password: str | None = Field(default=None, max_length=1000)
    locale: str | None = Field(default=None, pattern="^(zh-CN|en)$")
    time_zone: str | None = Field(default=None, max_length=64)
    list_density: str | None = Field(default=None, max_length=16)


class SetupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = CurrentPassword


def _confirm_password(ctx: Ctx, password: str) -> DomainError | None:
    """The refusal to raise once the transaction (with the failure count) has committed."""
    assert ctx.actor.user_id is not None
    return sessions.confirm_password(
        ctx.conn,
        ctx.actor.user_id,
        password,
        ip=ctx.ip,
        user_agent=ctx.user_agent,
        zone=ctx.zone,
        now=ctx.now,
    )


@router.post("/login")
def login(body: LoginIn, request: Request, services: ServicesDep) -> ORJSONResponse:
    """Password sign-in: sets an HttpOnly session cookie and returns its CSRF token."""
    now = services.clock.now()
    with services.db.write() as conn:
        result = sessions.login(
            conn,
            email=body.email,
            password=body.password,
            otp=body.otp,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
            now=now,
        )
    if not result.ok:  # the failure count and audit entry are committed by now
        raise Unauthenticated(result.reason, extra={"otp_required": result.code == "otp_required"})
    response = ORJSONResponse({"csrf_token": result.csrf_token, "user_id": str(result.user_id)})
    _set_session_cookie(response, request, services, result.secret)
    return response


def _secure(request: Request, services: Services) -> bool:
    """Cookies are Secure when users reach Guanxi over HTTPS: the configured public URL
    says so even when a proxy in front speaks plain HTTP to the app."""
    return request.url.scheme == "https" or services.settings.public_url.startswith("https:")


def _set_session_cookie(
    response: Response, request: Request, services: Services, secret: str
) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(sessions.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=_secure(request, services),
        path="/",
    )


OIDC_COOKIE = "gx_oidc"
OIDC_PATH = "/api/v1/auth/oidc"


def _provider(services: Services) -> OidcProvider:
    if services.oidc is None:
        raise NotFound("single sign-on is not configured (GUANXI_OIDC_ISSUER)")
    return services.oidc


@router.get("/options")
def sign_in_options(services: ServicesDep) -> dict[str, Any]:
    """How one may sign in, for the sign-in page before anyone has: password always,
    single sign-on when an identity provider is configured."""
    enabled = services.oidc is not None
    return {"sso": {"enabled": enabled, "login_url": f"{OIDC_PATH}/login" if enabled else None}}


@router.get("/oidc/login")
def oidc_login(request: Request, services: ServicesDep) -> RedirectResponse:
    """Send the browser to the company's identity provider."""
    url, pending = _provider(services).start()
    response = RedirectResponse(url, status_code=302)
    response.set_cookie(
        OIDC_COOKIE,
        pending.encode(),
        max_age=600,
        httponly=True,
        samesite="lax",
        secure=_secure(request, services),
        path=OIDC_PATH,
    )
    return response


@router.get("/oidc/callback")
def oidc_callback(
    request: Request, services: ServicesDep, code: str, state: str
) -> RedirectResponse:
    """The provider sends the browser back here; on success a session starts."""
    pending = Pending.decode(request.cookies.get(OIDC_COOKIE))
    identity = _provider(services).finish(code=code, state=state, pending=pending)
    with services.db.write() as conn:
        result = sessions.login_sso(
            conn,
            identity,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
            now=services.clock.now(),
        )
    if not result.ok:
        raise Unauthenticated(result.reason)
    response = RedirectResponse("/", status_code=302)
    _set_session_cookie(response, request, services, result.secret)
    response.delete_cookie(OIDC_COOKIE, path=OIDC_PATH)
    return response


@router.post("/logout", status_code=204)
def logout(services: ServicesDep, actor: ActorDep, everywhere: bool = False) -> Response:
    """End this session (``?everywhere=true``: every session of the user)."""
    # A read-only token may end its own session (it has none: nothing happens), not all of
    # the user's sessions: that changes more than the credential in use.
    with services.write(actor, read_only_ok=not everywhere) as ctx:
        user_id = ctx.actor.user_id
        assert user_id is not None
        if everywhere:
            sessions.logout_everywhere(ctx.conn, user_id, now=ctx.now)
            ctx.audit("logout.everywhere")
        elif ctx.actor.session_id is not None:
            sessions.logout(ctx.conn, ctx.actor.session_id, now=ctx.now)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me")
def me(services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """The signed-in user, their organisation placement, rights and object permissions."""
    with services.read(actor) as ctx:
        user_id = ctx.actor.user_id
        assert user_id is not None
        out = describe_user(ctx.conn, user_id, ctx.zone)
        policy = ctx.actor.policy
        out["rights"] = sorted(policy.rights) if not policy.superuser else ["*"]
        out["objects"] = {
            name: {"operations": sorted(grant.operations), "scope": grant.scope}
            for name, grant in policy.grants.items()
        }
        if ctx.actor.csrf_token:
            out["csrf_token"] = ctx.actor.csrf_token
        return out


@router.patch("/me")
def update_me(body: MePatch, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """Change your preferences (language, time zone, list density) and your e-mail address
    (what you sign in with; that needs ``current_password``)."""
    if body.email is not None and body.current_password is None:
        raise invalid("current_password", "is required to change the e-mail", "required")
    with services.write(actor) as ctx:
        user_id = ctx.actor.user_id
        assert user_id is not None
        refusal = None
        if body.email is not None:
            refusal = _confirm_password(ctx, body.current_password or "")
        if refusal is None:
            set_preferences(
                ctx.conn,
                user_id,
                locale=body.locale,
                time_zone=body.time_zone,
                list_density=body.list_density,
                now=ctx.now,
            )
            if body.email is not None:
                old = change_email(ctx.conn, user_id, body.email, now=ctx.now)
                ctx.audit("user.email", str(user_id), {"from": old, "to": body.email.lower()})
            out = describe_user(ctx.conn, user_id, ctx.zone)
    if refusal is not None:  # the failure count and audit entry are committed by now
        raise refusal
    return out


@router.get("/tokens")
def list_tokens(services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    with services.read(actor) as ctx:
        assert ctx.actor.user_id is not None
        return {"tokens": sessions.list_tokens(ctx.conn, ctx.actor.user_id, ctx.zone)}


@router.post("/tokens", status_code=201)
def new_token(body: TokenIn, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """A personal API token, shown this once (only its hash is kept)."""
    with services.write(actor) as ctx:  # refuses read-only tokens: a token mints no other
        user_id = ctx.actor.user_id
        assert user_id is not None
        check_token_scope(ctx.actor, body.scope)  # and never a wider one than its own
        if body.expires_at is not None:
            check_moment("expires_at", body.expires_at)
        if body.expires_at is not None and body.expires_at <= ctx.now:
            raise invalid("expires_at", "must be in the future")
        # A token outlives the session that makes it: without the password, a stolen
        # session would turn into lasting access that survives signing it out.
        refusal = _confirm_password(ctx, body.current_password)
        if refusal is None:
            token_id, secret = create_token(
                ctx.conn,
                user_id,
                name=body.name,
                now=ctx.now,
                scope=body.scope,
                expires_at=body.expires_at,
            )
            ctx.audit("token.create", str(token_id), details={"scope": body.scope})
    if refusal is not None:  # the failure count and audit entry are committed by now
        raise refusal
    return {"id": str(token_id), "token": secret, "name": body.name, "scope": body.scope}


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: UUID, services: ServicesDep, actor: ActorDep) -> Response:
    """Revoke a token: it fails from its very next request."""
    # Decided: a read-only token may revoke itself. Ending the credential in use gives
    # nothing away (whoever holds it could simply stop using it), and it lets a script
    # clean up after itself. Revoking any other token is a write, refused as usual.
    with services.write(actor, read_only_ok=True) as ctx:
        user_id = ctx.actor.user_id
        assert user_id is not None
        if not ctx.actor.can_write and token_id != ctx.actor.token_id:
            raise PermissionDenied(READ_ONLY)
        if not sessions.revoke_token(ctx.conn, user_id, token_id, now=ctx.now):
            raise NotFound("no such active token")
        ctx.audit("token.revoke", str(token_id))
    return Response(status_code=204)


class OtpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    otp: str = Field(min_length=6, max_length=32)


class EnableIn(OtpIn):
    # Re-enrolment (two-factor sign-in already on): a code from the active authenticator
    # or an unused recovery code, so that a stolen session cannot swap in its own.
    current_otp: str | None = Field(default=None, min_length=6, max_length=32)


@router.post("/2fa/setup")
def two_factor_setup(body: SetupIn, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """Start two-factor set-up: scan ``otpauth_uri`` (or type ``secret``), then confirm a code.

    Needs ``current_password``: set-up hands out the secret that ``enable`` then confirms,
    so asking here keeps a stolen session or token from putting its own authenticator on
    the account (and locking the owner out). ``current_otp_required``: two-factor sign-in
    is on already, so confirming needs a code from the current authenticator (or a
    recovery code) as well."""
    with services.write(actor) as ctx:
        assert ctx.actor.user_id is not None
        refusal = _confirm_password(ctx, body.current_password)
        if refusal is None:
            started = twofactor.begin(ctx.conn, ctx.actor.user_id, ctx.actor.email)
    if refusal is not None:  # the failure count and audit entry are committed by now
        raise refusal
    return started


@router.post("/2fa/enable")
def two_factor_enable(body: EnableIn, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """Confirm a code to turn two-factor sign-in on; returns recovery codes, shown once.

    If it is on already, this replaces the authenticator and needs ``current_otp``."""
    with services.write(actor) as ctx:
        user_id = ctx.actor.user_id
        assert user_id is not None
        change = sessions.enable_two_factor(
            ctx.conn,
            user_id,
            otp=body.otp,
            current_otp=body.current_otp,
            ip=ctx.ip,
            user_agent=ctx.user_agent,
            zone=ctx.zone,
            now=ctx.now,
        )
        if change.refusal is None:
            ctx.audit("2fa.enable", details={"replaced": True} if change.replaced else None)
    if change.refusal is not None:  # the failure count and audit entry are committed by now
        raise change.refusal
    return {"enabled": True, "recovery_codes": change.recovery_codes}


@router.post("/2fa/disable")
def two_factor_disable(body: OtpIn, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    with services.write(actor) as ctx:
        user_id = ctx.actor.user_id
        assert user_id is not None
        if ctx.actor.policy.require_2fa:
            raise PermissionDenied("your role requires two-factor sign-in")
        change = sessions.disable_two_factor(
            ctx.conn,
            user_id,
            otp=body.otp,
            ip=ctx.ip,
            user_agent=ctx.user_agent,
            zone=ctx.zone,
            now=ctx.now,
        )
        if change.refusal is None:
            ctx.audit("2fa.disable")
    if change.refusal is not None:  # the failure count and audit entry are committed by now
        raise change.refusal
    return {"enabled": False}
