"""The user directory: who is who, for everyone signed in (owner pickers, names of authors).

It shows what a colleague would see on a badge — name, avatar initials, department and
whether the account is active — and nothing an administrator keeps (e-mail, phone, roles,
sign-in state), so it needs no right beyond being signed in.
"""

from __future__ import annotations

import unicodedata
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, and_, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from guanxi.kernel import cursors
from guanxi.kernel.errors import invalid
from guanxi.platform.access.tables import gx_department, gx_user

MAX_IDS = 200  # names resolved in one call (a page of records' owners and authors)


def initials(name: str) -> str:
    """What an avatar shows: the given name for a Chinese name (张伟 → 张伟, 欧阳小明 → 小明),
    as WeCom and DingTalk do, else the first letters of the first two words (Bench Admin → BA)."""
    words = name.split()
    if not words:
        return "?"
    first = words[0]
    if _is_cjk(first[0]):
        return first[-2:] if len(first) > 2 else first
    letters = [w[0] for w in words[:2] if w[0].isalnum()]
    return "".join(letters).upper() or first[0]


def _is_cjk(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def after(cursor: str) -> tuple[str, UUID]:
    """The (name, id) a by-name page ended at, from its ``next_cursor``; a cursor this
    module did not make is a 422 on ``cursor``."""
    try:
        name, user_id = cursors.unpack(cursor)
        return str(name), UUID(str(user_id))
    except (ValueError, TypeError) as exc:
        raise invalid("cursor", "is not a cursor this list gave", "invalid_cursor") from exc


def list_users(
    conn: Connection,
    *,
    q: str | None = None,
    ids: list[UUID] | None = None,
    active: bool | None = None,
    limit: int = 20,
    cursor: str | None = None,
) -> dict[str, Any]:
    """A page of the directory by name: ``q`` matches part of a name (any case), ``ids``
    picks users (say, the owners on a page of records), ``active`` keeps only active or
    only inactive users."""
    if ids is not None and len(ids) > MAX_IDS:
        raise invalid("ids", f"at most {MAX_IDS} ids at a time", "too_many")
    conditions: list[ColumnElement[bool]] = []
    if q:
        conditions.append(func.lower(gx_user.c.name).contains(q.lower(), autoescape=True))
    if ids is not None:
        conditions.append(gx_user.c.id.in_(ids))
    if active is not None:
        conditions.append(gx_user.c.active.is_(active))
    if cursor:
        name, user_id = after(cursor)
        conditions.append(
            or_(gx_user.c.name > name, and_(gx_user.c.name == name, gx_user.c.id > user_id))
        )
    rows = conn.execute(
        select(gx_user.c.id, gx_user.c.name, gx_user.c.active, gx_department.c.id.label("dept_id"))
        .add_columns(gx_department.c.name.label("dept_name"))
        .select_from(
            gx_user.outerjoin(gx_department, gx_department.c.id == gx_user.c.department_id)
        )
        .where(*conditions)
        .order_by(gx_user.c.name, gx_user.c.id)
        .limit(limit + 1)
    ).all()
    page = rows[:limit]
    users = [
        {
            "id": str(row.id),
            "name": row.name,
            "initials": initials(row.name),
            "department": (
                {"id": str(row.dept_id), "name": row.dept_name} if row.dept_id is not None else None
            ),
            "active": bool(row.active),
        }
        for row in page
    ]
    more = len(rows) > limit
    return {
        "users": users,
        "next_cursor": cursors.pack([page[-1].name, str(page[-1].id)]) if more and page else None,
    }
