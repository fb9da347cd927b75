"""Password sign-in with throttling and lockout, and server-side cookie sessions.

The cookie holds a random secret; the database keeps only its SHA-256 (like API tokens),
so a leaked database does not leak live sessions. Each session has its own CSRF token,
required on every cookie-authenticated write.

Two-factor codes checked outside sign-in (turning it off, replacing the authenticator)
and the current password asked before changes that could lock the owner out (new API
tokens, two-factor set-up, a new e-mail address) count against the same limit as sign-in
failures (``failed_logins``, ``locked_until``): neither six digits nor the password may be
guessable by whoever holds a stolen session or token.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from guanxi.kernel.clock import local_text
from guanxi.kernel.errors import MESSAGES, DomainError, Unauthenticated, invalid
from guanxi.kernel.ids import uuid7
from guanxi.platform.access import audit, twofactor
from guanxi.platform.access.actor import Actor
from guanxi.platform.access.oidc import SsoIdentity
from guanxi.platform.access.tables import gx_api_token, gx_session, gx_user, gx_user_identity
from guanxi.platform.access.users import ACTOR_COLUMNS, actor_for, dummy_hash, verify_password
from guanxi.platform.metadata.state import state_versions

MAX_FAILURES = 5
# What every refused password sign-in says, whatever the reason (unknown e-mail, wrong
# password or code, deactivated or locked account): the answer must not tell who has an
# account, nor that someone is guessing at it.
SIGN_IN_REFUSED = "wrong e-mail or password"
LOCKOUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(days=7)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class LoginResult:
    """Either a new session (``secret``, ``csrf_token``) or the reason sign-in failed."""

    ok: bool
    reason: str = ""
    code: str = "unauthenticated"
    secret: str = ""
    csrf_token: str = ""
    user_id: UUID | None = None


def login(
    conn: Connection,
    *,
    email: str,
    password: str,
    otp: str | None = None,
    ip: str | None,
    user_agent: str | None,
    now: datetime,
) -> LoginResult:
    """Check a password; failures are counted and written even though sign-in fails.

    Returns instead of raising so that the caller commits the failure count and the
    audit entry. Unknown e-mail and wrong password give the same answer.
    """
    where: dict[str, Any] = {"ip": ip, "user_agent": user_agent}
    row = _active_user(conn, email, where, now, failure="unknown")
    if row is None:
        # As slow as a wrong password: the answer's timing must not tell who has an account.
        verify_password(dummy_hash(), password)
        return LoginResult(False, SIGN_IN_REFUSED)
    if row.locked_until is not None and row.locked_until > now:
        # The same answer, after the same work, as an unknown e-mail: a distinct one would
        # confirm the account exists to whoever locked it by guessing. The owner learns of
        # the lockout from their administrator (the audit log has login.lockout).
        verify_password(row.password_hash or dummy_hash(), password)
        audit.record(conn, "login.locked", now=now, actor_id=row.id, target=row.email, **where)
        return LoginResult(False, SIGN_IN_REFUSED)
    password_ok = verify_password(row.password_hash, password)
    if password_ok and row.totp_secret and not otp:
        # Not a failure: the password was right, the second factor is still to come.
        return LoginResult(False, "enter the code from your authenticator app", code="otp_required")
    if not password_ok or (row.totp_secret and not twofactor.verify(conn, row, otp, now=now)):
        _count_failure(conn, row, "login", where, now)
        return LoginResult(False, SIGN_IN_REFUSED)
    conn.execute(
        update(gx_user).where(gx_user.c.id == row.id).values(failed_logins=0, locked_until=None)
    )
    return _start(conn, row, "login.succeeded", where, now)


# Every refused single sign-on says the same: like password sign-in, the answer does not
# tell a locked or deactivated account from an unknown one.
SSO_REFUSED = "no active Guanxi user matches this sign-in"


def login_sso(
    conn: Connection,
    identity: SsoIdentity,
    *,
    ip: str | None,
    user_agent: str | None,
    now: datetime,
) -> LoginResult:
    """A session for the user the identity provider vouches for.

    The user is the one bound to the token's (issuer, subject), whatever the e-mail says
    now. A pair never seen before is matched by the e-mail the provider verified and then
    bound to that user — unless the user is bound to another subject of the same issuer
    already: that is another account at the provider claiming the same address. Locked
    and deactivated users are refused as at password sign-in, with the same audit entries
    (``login.failed``, ``login.locked``); success is ``login.sso``.
    """
    where: dict[str, Any] = {"ip": ip, "user_agent": user_agent}
    about = {"issuer": identity.issuer, "subject": identity.subject}

    def refuse(reason: str, row: Any = None) -> LoginResult:
        target = row.email if row is not None else (identity.email or identity.subject)
        audit.record(
            conn,
            "login.failed",
            now=now,
            actor_id=None if row is None else row.id,
            target=target[:200],
            details={"reason": reason, **about},
            **where,
        )
        detail = SSO_REFUSED
        if reason == "sso_unverified_email":
            detail = "the identity provider did not confirm an e-mail address"
        return LoginResult(False, detail)

    bound = conn.execute(
        select(gx_user_identity.c.user_id).where(
            gx_user_identity.c.issuer == identity.issuer,
            gx_user_identity.c.subject == identity.subject,
        )
    ).scalar()
    row: Any
    if bound is not None:
        row = conn.execute(select(gx_user).where(gx_user.c.id == bound).with_for_update()).one()
    elif identity.email is None:
        return refuse("sso_unverified_email")
    else:
        row = conn.execute(
            select(gx_user)
            .where(gx_user.c.email == identity.email.strip().lower())
            .with_for_update()
        ).first()
        if row is None:
            return refuse("sso_unknown")
        other = conn.execute(
            select(gx_user_identity.c.subject).where(
                gx_user_identity.c.user_id == row.id,
                gx_user_identity.c.issuer == identity.issuer,
            )
        ).first()
        if other is not None:
            return refuse("sso_other_subject", row)
    if not row.active:
        return refuse("sso_inactive", row)
    if row.locked_until is not None and row.locked_until > now:
        audit.record(
            conn, "login.locked", now=now, actor_id=row.id, target=row.email, details=about, **where
        )
        return LoginResult(False, SSO_REFUSED)
    if bound is None:
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(gx_user_identity).values(
                        user_id=row.id,
                        issuer=identity.issuer,
                        subject=identity.subject,
                        created_at=now,
                    )
                )
        except IntegrityError:  # a parallel first sign-in bound the pair or the user
            return refuse("sso_other_subject", row)
    return _start(conn, row, "login.sso", where, now, details={**about, "bound": bound is None})


def _active_user(
    conn: Connection, email: str, where: dict[str, Any], now: datetime, *, failure: str
) -> Any:
    """The active user with this e-mail, or None after auditing a failed sign-in."""
    # Locked until the transaction ends, so that parallel guesses are counted one by one.
    row = conn.execute(
        select(gx_user).where(gx_user.c.email == email.strip().lower()).with_for_update()
    ).first()
    if row is not None and row.active:
        return row
    audit.record(
        conn,
        "login.failed",
        now=now,
        actor_id=None,
        target=email[:200],
        details={"reason": failure},
        **where,
    )
    return None


def _count_failure(
    conn: Connection, row: Any, prefix: str, where: dict[str, Any], now: datetime
) -> datetime | None:
    """Count a wrong password or code; returns the lockout's end when this one starts it."""
    failures = row.failed_logins + 1
    locked = now + LOCKOUT if failures >= MAX_FAILURES else None
    conn.execute(
        update(gx_user)
        .where(gx_user.c.id == row.id)
        .values(failed_logins=0 if locked else failures, locked_until=locked)
    )
    audit.record(
        conn,
        f"{prefix}.failed",
        now=now,
        actor_id=row.id,
        target=row.email,
        details={"failures": failures},
        **where,
    )
    if locked:
        audit.record(
            conn,
            f"{prefix}.lockout",
            now=now,
            actor_id=row.id,
            target=row.email,
            details={"until": locked.isoformat()},
            **where,
        )
    return locked


@dataclass(frozen=True)
class TwoFactorChange:
    """The outcome of turning two-factor sign-in on (or re-enrolling) or off.

    A refused code is returned, not raised, so that the caller commits the failure count
    and the audit entries first and raises ``refusal`` afterwards (as with ``LoginResult``).
    """

    refusal: DomainError | None = None
    recovery_codes: list[str] = field(default_factory=list)
    replaced: bool = False  # re-enrolment: a new authenticator replaced the active one


def enable_two_factor(
    conn: Connection,
    user_id: UUID,
    *,
    otp: str,
    current_otp: str | None,
    ip: str | None,
    user_agent: str | None,
    zone: ZoneInfo,
    now: datetime,
) -> TwoFactorChange:
    """Confirm the pending secret with ``otp``; returns recovery codes, shown this once.

    With two-factor sign-in already on this replaces the authenticator, and so needs
    ``current_otp``: a code from the active authenticator or an unused recovery code,
    checked and counted like a sign-in code. Without it, a stolen session could swap in
    its own authenticator and lock the user out.
    """
    row = _user_for_update(conn, user_id)
    step = twofactor.pending_step(row, otp, now=now)
    if row.totp_secret:
        if not current_otp:
            raise invalid(
                "current_otp",
                "a code from your current authenticator app, or a recovery code, is required",
                "required",
            )
        where: dict[str, Any] = {"ip": ip, "user_agent": user_agent}
        refusal = _check_code(conn, row, current_otp, "current_otp", where, zone, now)
        if refusal is not None:
            return TwoFactorChange(refusal=refusal)
    codes = twofactor.confirm(conn, row, step=step)
    return TwoFactorChange(recovery_codes=codes, replaced=bool(row.totp_secret))


def disable_two_factor(
    conn: Connection,
    user_id: UUID,
    *,
    otp: str,
    ip: str | None,
    user_agent: str | None,
    zone: ZoneInfo,
    now: datetime,
) -> TwoFactorChange:
    """Turn two-factor sign-in off after a current code or an unused recovery code."""
    row = _user_for_update(conn, user_id)
    twofactor.require_enabled(row)
    where: dict[str, Any] = {"ip": ip, "user_agent": user_agent}
    refusal = _check_code(conn, row, otp, "otp", where, zone, now)
    if refusal is None:
        twofactor.disable(conn, user_id)
    return TwoFactorChange(refusal=refusal)


def _user_for_update(conn: Connection, user_id: UUID) -> Any:
    # The row lock (PostgreSQL; SQLite writers are serialised anyway) makes parallel
    # guesses wait for each other, so each one sees the count the previous one left.
    return conn.execute(select(gx_user).where(gx_user.c.id == user_id).with_for_update()).one()


def _check_code(
    conn: Connection,
    row: Any,
    code: str,
    field_name: str,
    where: dict[str, Any],
    zone: ZoneInfo,
    now: datetime,
) -> DomainError | None:
    """Check a code of the user's active second factor, counted like sign-in failures."""
    if row.locked_until is not None and row.locked_until > now:
        audit.record(conn, "2fa.locked", now=now, actor_id=row.id, target=row.email, **where)
        return _locked(row.locked_until, zone, now)
    if twofactor.verify(conn, row, code, now=now):
        if row.failed_logins:
            conn.execute(
                update(gx_user)
                .where(gx_user.c.id == row.id)
                .values(failed_logins=0, locked_until=None)
            )
        return None
    locked = _count_failure(conn, row, "2fa", where, now)
    if locked is not None:
        return _locked(locked, zone, now)
    return invalid(field_name, "the code does not match", "wrong_code")


def confirm_password(
    conn: Connection,
    user_id: UUID,
    password: str,
    *,
    ip: str | None,
    user_agent: str | None,
    zone: ZoneInfo,
    now: datetime,
) -> DomainError | None:
    """Check the signed-in user's current password before a change that could lock the
    owner out (a new API token, two-factor set-up, a new e-mail address), so that a stolen
    session or token cannot make one. Wrong passwords count like sign-in failures.

    Returns the refusal instead of raising it, so that the caller commits the failure
    count and the audit entries first (as with ``LoginResult``)."""
    row = _user_for_update(conn, user_id)
    where: dict[str, Any] = {"ip": ip, "user_agent": user_agent}
    if row.locked_until is not None and row.locked_until > now:
        audit.record(conn, "reauth.locked", now=now, actor_id=row.id, target=row.email, **where)
        return _locked(row.locked_until, zone, now)
    if not row.password_hash:
        return invalid(
            "current_password",
            "your account has no password (you sign in through single sign-on); "
            "ask an administrator to set one",
            "no_password",
        )
    if verify_password(row.password_hash, password):
        # The failure count stays: the password alone must not buy more guesses at the
        # second factor (someone with a stolen session and the password could otherwise
        # guess codes between password checks without ever being locked).
        return None
    locked = _count_failure(conn, row, "reauth", where, now)
    if locked is not None:
        return _locked(locked, zone, now)
    return invalid("current_password", "is not your password", "wrong_password")


@dataclass
class TooManyAttempts(DomainError):
    """Too many wrong passwords or codes in a row: checks are locked for a while.

    ``retry_after`` (seconds) becomes the ``Retry-After`` header of the 429 answer."""

    retry_after: int = 0

    code = "too_many_attempts"
    status = 429


MESSAGES["too_many_attempts"] = {
    "en": "Too many wrong passwords or codes; wait a while and try again.",
    "zh-CN": "密码或验证码错误次数过多,请稍后再试。",
}


def _locked(until: datetime, zone: ZoneInfo, now: datetime) -> TooManyAttempts:
    local = until.astimezone(zone)
    return TooManyAttempts(
        f"too many wrong codes or passwords; try again after {local:%H:%M}",
        # Kept from when this answered 401, for clients that read them.
        extra={"otp_locked": True, "locked_until": local.isoformat()},
        retry_after=max(1, math.ceil((until - now).total_seconds())),
    )


def _start(
    conn: Connection,
    row: Any,
    action: str,
    where: dict[str, Any],
    now: datetime,
    *,
    details: dict[str, Any] | None = None,
) -> LoginResult:
    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    conn.execute(
        insert(gx_session).values(
            id=uuid7(),
            user_id=row.id,
            token_hash=_digest(secret),
            csrf_token=csrf,
            ip=where["ip"],
            user_agent=(where["user_agent"] or "")[:300] or None,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    audit.record(conn, action, now=now, actor_id=row.id, target=row.email, details=details, **where)
    return LoginResult(True, secret=secret, csrf_token=csrf, user_id=row.id)


_BY_SESSION = (  # built once: it runs on every cookie-authenticated request
    select(
        *ACTOR_COLUMNS,
        gx_session.c.id.label("session_id"),
        gx_session.c.csrf_token,
        gx_session.c.expires_at,
        gx_session.c.revoked_at,
        *state_versions(),
    )
    .join(gx_session, gx_session.c.user_id == gx_user.c.id)
    .where(gx_session.c.token_hash == bindparam("token_hash"))
)


def authenticate_session(conn: Connection, secret: str, *, now: datetime) -> Actor:
    row = conn.execute(_BY_SESSION, {"token_hash": _digest(secret)}).first()
    if row is None or row.revoked_at is not None or row.expires_at <= now or not row.active:
        raise Unauthenticated("the session has ended; sign in again")
    return actor_for(conn, row, session_id=row.session_id, csrf_token=row.csrf_token)


def logout(conn: Connection, session_id: UUID, *, now: datetime) -> None:
    conn.execute(update(gx_session).where(gx_session.c.id == session_id).values(revoked_at=now))


def logout_everywhere(conn: Connection, user_id: UUID, *, now: datetime) -> dict[str, Any]:
    """End every session of the user (API tokens stay: revoke those one by one)."""
    result = conn.execute(
        update(gx_session)
        .where(gx_session.c.user_id == user_id, gx_session.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return {"sessions_ended": result.rowcount}


def revoke_token(conn: Connection, user_id: UUID, token_id: UUID, *, now: datetime) -> bool:
    result = conn.execute(
        update(gx_api_token)
        .where(
            gx_api_token.c.id == token_id,
            gx_api_token.c.user_id == user_id,
            gx_api_token.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return result.rowcount == 1


def list_tokens(conn: Connection, user_id: UUID, zone: ZoneInfo) -> list[dict[str, Any]]:
    """The user's API tokens, oldest first, with times in ``zone``."""
    rows = conn.execute(
        select(gx_api_token)
        .where(gx_api_token.c.user_id == user_id)
        .order_by(gx_api_token.c.created_at)
    )
    return [
        {
            "id": str(r.id),
            "name": r.name,
            "scope": r.scope,
            "created_at": r.created_at.astimezone(zone).isoformat(),
            "expires_at": local_text(r.expires_at, zone) if r.expires_at else None,
            "revoked": r.revoked_at is not None,
        }
        for r in rows
    ]
