"""Users and personal API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from guanxi.kernel import cursors
from guanxi.kernel.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    invalid,
)
from guanxi.kernel.ids import uuid7
from guanxi.platform.access import directory
from guanxi.platform.access.actor import Actor
from guanxi.platform.access.policy import load_policy
from guanxi.platform.access.tables import (
    gx_api_token,
    gx_department,
    gx_role,
    gx_session,
    gx_user,
    gx_user_role,
)
from guanxi.platform.metadata.state import state_versions

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
TOKEN_PREFIX = "gx_"  # noqa: S105 - a public prefix, not a secret


def check_password_policy(password: str) -> None:
    """At least 8 characters mixing two of: letters, digits, other characters."""
    if len(password) < 8:
        raise invalid("password", "must be at least 8 characters", "too_short")
    kinds = sum(
        (
            any(c.isalpha() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if kinds < 2:
        raise invalid(
            "password", "must mix at least two of letters, digits and symbols", "too_weak"
        )


def hash_password(password: str) -> str:
    check_password_policy(password)
    return _hasher.hash(password)


@cache
def dummy_hash() -> str:
    """A hash no password matches, to verify against when there is no user: the same work
    as for a real one (made on first use, not at import)."""
    return _hasher.hash(secrets.token_urlsafe(16))


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
    phone: str | None = None,
) -> UUID:
    _check_zone(time_zone)
    user_id = uuid7()
    try:
        with conn.begin_nested():
            conn.execute(
                insert(gx_user).values(
                    id=user_id,
                    email=email.strip().lower(),
                    name=name,
                    phone=phone,
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


def change_email(conn: Connection, user_id: UUID, email: str, *, now: datetime) -> str:
    """Give the user a new e-mail address (they sign in with it); returns the old one.

    The caller has checked the current password: whoever controls the address can reset
    access to the account, so a stolen session or token must not change it."""
    old = conn.execute(select(gx_user.c.email).where(gx_user.c.id == user_id)).scalar_one()
    try:
        with conn.begin_nested():
            conn.execute(
                update(gx_user)
                .where(gx_user.c.id == user_id)
                .values(email=email.strip().lower(), updated_at=now)
            )
    except IntegrityError:
        raise Conflict(
            f"a user with e-mail {email} exists",
            errors=[FieldError("email", "is already taken", "duplicate")],
        ) from None
    return str(old)


LIST_DENSITIES = ("comfortable", "compact")


def _check_zone(time_zone: str) -> None:
    try:
        ZoneInfo(time_zone)
    except (ValueError, KeyError):
        raise invalid("time_zone", "is not an IANA time zone such as Asia/Shanghai") from None


def set_preferences(
    conn: Connection,
    user_id: UUID,
    *,
    locale: str | None = None,
    time_zone: str | None = None,
    list_density: str | None = None,
    now: datetime,
) -> dict[str, str]:
    """Change the user's own preferences (what is None stays); returns what changed."""
    values: dict[str, str] = {}
    if locale is not None:
        values["locale"] = locale
    if time_zone is not None:
        _check_zone(time_zone)
        values["time_zone"] = time_zone
    if list_density is not None:
        if list_density not in LIST_DENSITIES:
            raise invalid("list_density", f"is one of {', '.join(LIST_DENSITIES)}")
        values["list_density"] = list_density
    if values:
        conn.execute(
            update(gx_user).where(gx_user.c.id == user_id).values(**values, updated_at=now)
        )
    return values


def user_by_email(conn: Connection, email: str) -> Any:
    row = conn.execute(select(gx_user).where(gx_user.c.email == email.strip().lower())).first()
    if row is None:
        raise NotFound(f"no user with e-mail {email}")
    return row


def set_password(
    conn: Connection,
    user_id: UUID,
    password: str,
    *,
    now: datetime,
    keep_session: UUID | None = None,
    keep_token: UUID | None = None,
) -> dict[str, int]:
    """Set a new password and end every way in that the old one may have opened: the
    user's sessions end and their API tokens are revoked (a reset is what follows a leak).

    ``keep_session`` / ``keep_token``: the credential of a user changing their own
    password, which goes on working so the change does not sign them out."""
    conn.execute(
        update(gx_user)
        .where(gx_user.c.id == user_id)
        .values(password_hash=hash_password(password), updated_at=now)
    )
    return end_credentials(conn, user_id, now=now, keep_session=keep_session, keep_token=keep_token)


def end_credentials(
    conn: Connection,
    user_id: UUID,
    *,
    now: datetime,
    keep_session: UUID | None = None,
    keep_token: UUID | None = None,
) -> dict[str, int]:
    """End the user's live sessions and revoke their live API tokens, for good: nothing
    that happens to the account later (a reactivation) brings them back."""
    end_sessions = update(gx_session).where(
        gx_session.c.user_id == user_id,
        gx_session.c.revoked_at.is_(None),
        gx_session.c.expires_at > now,
    )
    if keep_session is not None:
        end_sessions = end_sessions.where(gx_session.c.id != keep_session)
    revoke_tokens = update(gx_api_token).where(
        gx_api_token.c.user_id == user_id,
        gx_api_token.c.revoked_at.is_(None),
        or_(gx_api_token.c.expires_at.is_(None), gx_api_token.c.expires_at > now),
    )
    if keep_token is not None:
        revoke_tokens = revoke_tokens.where(gx_api_token.c.id != keep_token)
    sessions = conn.execute(end_sessions.values(revoked_at=now))
    tokens = conn.execute(revoke_tokens.values(revoked_at=now))
    return {"sessions_ended": sessions.rowcount, "tokens_revoked": tokens.rowcount}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


TOKEN_SCOPES = ("read", "write")  # narrowest first


def check_token_scope(actor: Actor, scope: str) -> None:
    """A new token may do no more than the credential asking for it: a read-only token
    never mints a write token (whatever else lets it reach token creation)."""
    if scope not in TOKEN_SCOPES:
        raise invalid("scope", f"must be one of {', '.join(TOKEN_SCOPES)}")
    own = "write" if actor.can_write else "read"
    if TOKEN_SCOPES.index(scope) > TOKEN_SCOPES.index(own):
        raise PermissionDenied(
            f"this token is read-only: it cannot create a token with scope {scope}"
        )


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


# What actor_for reads of a user: not the password hash or other columns a request never
# needs (each column is work for the driver on every request).
ACTOR_COLUMNS = tuple(
    gx_user.c[name]
    for name in ("id", "name", "email", "is_admin", "active", "locale", "time_zone", "totp_secret")
)

# Built once: this runs on every request, and building a statement costs more than running it.
_BY_TOKEN = (
    select(
        *ACTOR_COLUMNS,
        gx_api_token.c.id.label("token_id"),
        gx_api_token.c.scope,
        gx_api_token.c.expires_at,
        gx_api_token.c.revoked_at,
        *state_versions(),
    )
    .join(gx_api_token, gx_api_token.c.user_id == gx_user.c.id)
    .where(gx_api_token.c.token_hash == bindparam("token_hash"))
)


def authenticate_token(conn: Connection, token: str, *, now: datetime) -> Actor:
    """The actor behind a bearer token; revoked, expired or unknown tokens are refused."""
    row = conn.execute(_BY_TOKEN, {"token_hash": _digest(token)}).first()
    if row is None or row.revoked_at is not None or not row.active:
        raise Unauthenticated("invalid or revoked token")
    if row.expires_at is not None and row.expires_at <= now:
        raise Unauthenticated("the token has expired")
    return actor_for(conn, row, can_write=row.scope == "write", token_id=row.token_id)


def actor_for(conn: Connection, user: Any, *, can_write: bool = True, **extra: Any) -> Actor:
    """The acting user with their compiled permissions.

    ``user`` is a row with at least :data:`ACTOR_COLUMNS`; when it also carries
    ``meta_version`` and ``access_version`` (see ``state_versions``) the policy may come
    from the cache and the metadata snapshot needs no query of its own."""
    mapping = user._mapping if hasattr(user, "_mapping") else {}
    return Actor(
        user_id=user.id,
        name=user.name,
        is_admin=user.is_admin,
        locale=user.locale,
        time_zone=user.time_zone,
        can_write=can_write,
        policy=load_policy(
            conn, user.id, superuser=user.is_admin, version=mapping.get("access_version")
        ),
        meta_version=mapping.get("meta_version"),
        has_2fa=bool(user.totp_secret),
        email=user.email,
        **extra,
    )


def describe_user(conn: Connection, user_id: UUID, zone: ZoneInfo) -> dict[str, Any]:
    """A user as the API shows it (never the password hash or 2FA secret), with times in
    ``zone``, the reader's."""
    row = conn.execute(select(gx_user).where(gx_user.c.id == user_id)).first()
    if row is None:
        raise NotFound("no such user")
    return _user_dict(row, _roles_of(conn, [user_id]).get(row.id, []), zone)


def _roles_of(conn: Connection, user_ids: list[UUID]) -> dict[UUID, list[dict[str, str]]]:
    """The roles (id, name, by name) of each of the users, in one query."""
    held: dict[UUID, list[dict[str, str]]] = {}
    if not user_ids:
        return held
    rows = conn.execute(
        select(gx_user_role.c.user_id, gx_role.c.id, gx_role.c.name)
        .join(gx_role, gx_user_role.c.role_id == gx_role.c.id)
        .where(gx_user_role.c.user_id.in_(user_ids))
        .order_by(gx_role.c.name, gx_role.c.id)
    )
    for r in rows:
        held.setdefault(r.user_id, []).append({"id": str(r.id), "name": r.name})
    return held


def _user_dict(row: Any, roles: list[dict[str, str]], zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "email": row.email,
        "name": row.name,
        "phone": row.phone,
        "locale": row.locale,
        "time_zone": row.time_zone,
        "list_density": row.list_density,
        "active": row.active,
        "is_admin": row.is_admin,
        "department_id": None if row.department_id is None else str(row.department_id),
        "manager_id": None if row.manager_id is None else str(row.manager_id),
        "roles": roles,
        "two_factor": bool(row.totp_secret),
        "locked_until": (
            None if row.locked_until is None else row.locked_until.astimezone(zone).isoformat()
        ),
    }


def page_users(
    conn: Connection,
    zone: ZoneInfo,
    *,
    q: str | None = None,
    department_id: UUID | None = None,
    active: bool | None = None,
    role_id: UUID | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """A page of users by name, each as :func:`describe_user` shows them, for administrators.

    ``q`` matches part of the name or e-mail (any case); ``department_id`` keeps the users
    of that department and the departments under it; ``role_id`` those holding the role.
    Pages like the directory (``next_cursor``); two queries a page: the users, their roles."""
    conditions: list[ColumnElement[bool]] = []
    if q:
        needle = q.lower()
        conditions.append(
            or_(
                func.lower(gx_user.c.name).contains(needle, autoescape=True),
                gx_user.c.email.contains(needle, autoescape=True),  # stored lower-case
            )
        )
    if department_id is not None:
        # The subtree is one prefix match on the materialised path (see gx_department).
        path = conn.execute(
            select(gx_department.c.path).where(gx_department.c.id == department_id)
        ).scalar()
        if path is None:
            raise invalid("department_id", "no such department", "not_found")
        conditions.append(
            gx_user.c.department_id.in_(
                select(gx_department.c.id).where(
                    gx_department.c.path.startswith(path, autoescape=True)
                )
            )
        )
    if active is not None:
        conditions.append(gx_user.c.active.is_(active))
    if role_id is not None:
        conditions.append(
            gx_user.c.id.in_(
                select(gx_user_role.c.user_id).where(gx_user_role.c.role_id == role_id)
            )
        )
    if cursor:
        name, after_id = directory.after(cursor)
        conditions.append(
            or_(gx_user.c.name > name, and_(gx_user.c.name == name, gx_user.c.id > after_id))
        )
    rows = conn.execute(
        select(gx_user).where(*conditions).order_by(gx_user.c.name, gx_user.c.id).limit(limit + 1)
    ).all()
    page = rows[:limit]
    roles = _roles_of(conn, [r.id for r in page])
    more = len(rows) > limit
    return {
        "users": [_user_dict(r, roles.get(r.id, []), zone) for r in page],
        "next_cursor": cursors.pack([page[-1].name, str(page[-1].id)]) if more and page else None,
    }
