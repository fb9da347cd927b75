"""Users and personal API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from guanxi.kernel.errors import Conflict, FieldError, NotFound, Unauthenticated, invalid
from guanxi.kernel.ids import uuid7
from guanxi.platform.access.actor import Actor
from guanxi.platform.access.tables import gx_api_token, gx_user

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
TOKEN_PREFIX = "gx_"  # noqa: S105 - a public prefix, not a secret


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise invalid("password", "must be at least 8 characters", "too_short")
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def create_user(
    conn: Connection,
    *,
    email: str,
    name: str,
    password: str | None,
    now: datetime,
    is_admin: bool = False,
    locale: str = "zh-CN",
    time_zone: str = "Asia/Shanghai",
) -> UUID:
    user_id = uuid7()
    try:
        with conn.begin_nested():
            conn.execute(
                insert(gx_user).values(
                    id=user_id,
                    email=email.strip().lower(),
                    name=name,
                    password_hash=hash_password(password) if password else None,
                    locale=locale,
                    time_zone=time_zone,
                    is_admin=is_admin,
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
            )
    except IntegrityError:
        raise Conflict(
            f"a user with e-mail {email} exists",
            errors=[FieldError("email", "is already taken", "duplicate")],
        ) from None
    return user_id


def user_by_email(conn: Connection, email: str) -> Any:
    row = conn.execute(select(gx_user).where(gx_user.c.email == email.strip().lower())).first()
    if row is None:
        raise NotFound(f"no user with e-mail {email}")
    return row


def set_password(conn: Connection, user_id: UUID, password: str, *, now: datetime) -> None:
    conn.execute(
        update(gx_user)
        .where(gx_user.c.id == user_id)
        .values(password_hash=hash_password(password), updated_at=now)
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    conn: Connection,
    user_id: UUID,
    *,
    name: str,
    now: datetime,
    scope: str = "write",
    expires_at: datetime | None = None,
) -> tuple[UUID, str]:
    """A new personal API token; the secret is returned once and stored only as a hash."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = uuid7()
    conn.execute(
        insert(gx_api_token).values(
            id=token_id,
            user_id=user_id,
            name=name,
            token_hash=_digest(secret),
            scope=scope,
            created_at=now,
            expires_at=expires_at,
        )
    )
    return token_id, secret


def authenticate_token(conn: Connection, token: str, *, now: datetime) -> Actor:
    """The actor behind a bearer token; revoked, expired or unknown tokens are refused."""
    row = conn.execute(
        select(gx_user, gx_api_token.c.scope, gx_api_token.c.expires_at, gx_api_token.c.revoked_at)
        .join(gx_api_token, gx_api_token.c.user_id == gx_user.c.id)
        .where(gx_api_token.c.token_hash == _digest(token))
    ).first()
    if row is None or row.revoked_at is not None or not row.active:
        raise Unauthenticated("invalid or revoked token")
    if row.expires_at is not None and row.expires_at <= now:
        raise Unauthenticated("the token has expired")
    return Actor(
        user_id=row.id,
        name=row.name,
        is_admin=row.is_admin,
        locale=row.locale,
        time_zone=row.time_zone,
        can_write=row.scope == "write",
    )
