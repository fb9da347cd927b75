"""Two-factor sign-in with TOTP (authenticator apps) and one-time recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Any
from uuid import UUID

import pyotp
from sqlalchemy import Connection, delete, insert, select, update

from guanxi.kernel.errors import Conflict, FieldError, ValidationFailed, invalid
from guanxi.platform.access.tables import gx_recovery_code, gx_user

ISSUER = "Guanxi CRM"
RECOVERY_CODES = 10


def _digest(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").lower().encode()).hexdigest()


def begin(conn: Connection, user_id: UUID, email: str) -> dict[str, str]:
    """A new secret to scan; it takes effect only once a code from it is confirmed."""
    secret = pyotp.random_base32()
    conn.execute(update(gx_user).where(gx_user.c.id == user_id).values(totp_pending=secret))
    return {
        "secret": secret,
        "otpauth_uri": pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER),
    }


def _totp_ok(secret: str, code: str, now: datetime) -> bool:
    code = code.strip().replace(" ", "")
    return code.isdigit() and pyotp.TOTP(secret).verify(code, for_time=now, valid_window=1)


def confirm(conn: Connection, user_id: UUID, code: str, *, now: datetime) -> list[str]:
    """Turn two-factor sign-in on; returns the recovery codes, shown this once."""
    row = conn.execute(select(gx_user.c.totp_pending).where(gx_user.c.id == user_id)).first()
    if row is None or not row.totp_pending:
        raise Conflict(
            "start the set-up first",
            errors=[FieldError("otp", "no set-up in progress", "no_setup")],
        )
    if not _totp_ok(row.totp_pending, code, now):
        raise invalid("otp", "the code does not match; check the time on your phone", "wrong_code")
    conn.execute(
        update(gx_user)
        .where(gx_user.c.id == user_id)
        .values(totp_secret=row.totp_pending, totp_pending=None)
    )
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    conn.execute(delete(gx_recovery_code).where(gx_recovery_code.c.user_id == user_id))
    conn.execute(
        insert(gx_recovery_code), [{"user_id": user_id, "code_hash": _digest(c)} for c in codes]
    )
    return codes


def verify(conn: Connection, user: Any, code: str | None, *, now: datetime) -> bool:
    """A TOTP code or an unused recovery code (which is then used up)."""
    if not code or not user.totp_secret:
        return False
    if _totp_ok(user.totp_secret, code, now):
        return True
    digest = _digest(code.strip())
    for row in conn.execute(
        select(gx_recovery_code.c.code_hash).where(
            gx_recovery_code.c.user_id == user.id, gx_recovery_code.c.used_at.is_(None)
        )
    ):
        if hmac.compare_digest(row.code_hash, digest):
            conn.execute(
                update(gx_recovery_code)
                .where(
                    gx_recovery_code.c.user_id == user.id, gx_recovery_code.c.code_hash == digest
                )
                .values(used_at=now)
            )
            return True
    return False


def disable(conn: Connection, user_id: UUID, code: str, *, now: datetime) -> None:
    user = conn.execute(select(gx_user).where(gx_user.c.id == user_id)).first()
    if user is None or not user.totp_secret:
        raise Conflict(
            "two-factor sign-in is not on",
            errors=[FieldError("otp", "is not enabled", "not_enabled")],
        )
    if not verify(conn, user, code, now=now):
        raise ValidationFailed(
            "otp: wrong code", errors=[FieldError("otp", "the code does not match", "wrong_code")]
        )
    conn.execute(
        update(gx_user).where(gx_user.c.id == user_id).values(totp_secret=None, totp_pending=None)
    )
    conn.execute(delete(gx_recovery_code).where(gx_recovery_code.c.user_id == user_id))
