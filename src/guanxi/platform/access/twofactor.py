"""Two-factor sign-in with TOTP (authenticator apps) and one-time recovery codes.

Every code is accepted once: the time step of the last accepted TOTP code is kept per user
(``gx_user.totp_last_step``) and a code whose step is not newer is refused, so a code seen
over someone's shoulder or in a log cannot be replayed within its validity window. Counting
wrong codes and locking checks after too many is the caller's part (see ``sessions``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Any
from uuid import UUID

import pyotp
from pyotp.utils import strings_equal
from sqlalchemy import Connection, delete, insert, or_, select, update

from guanxi.kernel.errors import Conflict, FieldError, invalid
from guanxi.platform.access.tables import gx_recovery_code, gx_user

ISSUER = "Guanxi CRM"
RECOVERY_CODES = 10
# Steps of 30 s accepted either side of now, for phones whose clocks drift a little.
VALID_WINDOW = 1


def _digest(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").lower().encode()).hexdigest()


def begin(conn: Connection, user_id: UUID, email: str) -> dict[str, Any]:
    """A new secret to scan; it takes effect only once a code from it is confirmed.

    ``current_otp_required`` says whether confirming it replaces an active authenticator,
    which then needs a code from that authenticator (or a recovery code) as well.
    """
    secret = pyotp.random_base32()
    active = conn.execute(
        update(gx_user)
        .where(gx_user.c.id == user_id)
        .values(totp_pending=secret)
        .returning(gx_user.c.totp_secret)
    ).scalar_one()
    return {
        "secret": secret,
        "otpauth_uri": pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER),
        "current_otp_required": active is not None,
    }


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code this is, within the drift window (the newest if several)."""
    code = code.strip().replace(" ", "")
    if not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current + VALID_WINDOW, current - VALID_WINDOW - 1, -1):
        if strings_equal(code, totp.generate_otp(step)):
            return step
    return None


def pending_step(user: Any, code: str, *, now: datetime) -> int:
    """Check a code from the secret being set up; returns its time step.

    ``user`` is a ``gx_user`` row. Raises when no set-up is in progress or the code is wrong.
    """
    if not user.totp_pending:
        raise Conflict(
            "start the set-up first",
            errors=[FieldError("otp", "no set-up in progress", "no_setup")],
        )
    step = _matching_step(user.totp_pending, code, now)
    if step is None:
        raise invalid("otp", "the code does not match; check the time on your phone", "wrong_code")
    return step


def confirm(conn: Connection, user: Any, *, step: int) -> list[str]:
    """Make the pending secret of this ``gx_user`` row the active one; returns new recovery
    codes, shown this once.

    ``step`` is the time step of the code that confirmed it (see :func:`pending_step`): that
    code is spent, so it cannot sign in afterwards. Earlier recovery codes stop working.
    """
    user_id = user.id
    conn.execute(
        update(gx_user)
        .where(gx_user.c.id == user_id)
        .values(totp_secret=user.totp_pending, totp_pending=None, totp_last_step=step)
    )
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    conn.execute(delete(gx_recovery_code).where(gx_recovery_code.c.user_id == user_id))
    conn.execute(
        insert(gx_recovery_code), [{"user_id": user_id, "code_hash": _digest(c)} for c in codes]
    )
    return codes


def verify(conn: Connection, user: Any, code: str | None, *, now: datetime) -> bool:
    """A TOTP code not used before or an unused recovery code; either is then spent.

    ``user`` is a ``gx_user`` row. Both updates are conditional, so two requests racing
    with the same code cannot both succeed.
    """
    if not code or not user.totp_secret:
        return False
    step = _matching_step(user.totp_secret, code, now)
    if step is not None:
        claimed = conn.execute(
            update(gx_user)
            .where(
                gx_user.c.id == user.id,
                or_(gx_user.c.totp_last_step.is_(None), gx_user.c.totp_last_step < step),
            )
            .values(totp_last_step=step)
        )
        return claimed.rowcount == 1
    digest = _digest(code.strip())
    for row in conn.execute(
        select(gx_recovery_code.c.code_hash).where(
            gx_recovery_code.c.user_id == user.id, gx_recovery_code.c.used_at.is_(None)
        )
    ):
        if hmac.compare_digest(row.code_hash, digest):
            used = conn.execute(
                update(gx_recovery_code)
                .where(
                    gx_recovery_code.c.user_id == user.id,
                    gx_recovery_code.c.code_hash == digest,
                    gx_recovery_code.c.used_at.is_(None),
                )
                .values(used_at=now)
            )
            return used.rowcount == 1
    return False


def require_enabled(user: Any) -> None:
    """Refuse (409) when two-factor sign-in is not on for this ``gx_user`` row."""
    if not user.totp_secret:
        raise Conflict(
            "two-factor sign-in is not on",
            errors=[FieldError("otp", "is not enabled", "not_enabled")],
        )


def disable(conn: Connection, user_id: UUID) -> None:
    """Turn two-factor sign-in off; the caller has checked a current code."""
    conn.execute(
        update(gx_user)
        .where(gx_user.c.id == user_id)
        .values(totp_secret=None, totp_pending=None, totp_last_step=None)
    )
    conn.execute(delete(gx_recovery_code).where(gx_recovery_code.c.user_id == user_id))
