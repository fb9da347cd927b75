"""The organisation: departments (部门), managers (上级), teams, roles and their members."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from guanxi.kernel.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    invalid,
)
from guanxi.kernel.ids import uuid7
from guanxi.platform.access.actor import Actor
from guanxi.platform.access.policy import OPERATIONS, RIGHTS, SCOPES
from guanxi.platform.access.tables import (
    gx_department,
    gx_role,
    gx_team,
    gx_team_member,
    gx_user,
    gx_user_role,
)
from guanxi.platform.access.users import end_credentials
from guanxi.platform.metadata.registry import Snapshot
from guanxi.platform.metadata.state import bump_version
from guanxi.platform.metadata.tables import ACCESS_STATE


def create_department(
    conn: Connection, *, name: str, parent_id: UUID | None, head_id: UUID | None, now: datetime
) -> UUID:
    """A department under ``parent_id`` (None for a top-level one)."""
    name = name.strip()
    if not 1 <= len(name) <= 120:
        raise invalid("name", "needs 1 to 120 characters")
    prefix = "/"
    if parent_id is not None:
        parent = conn.execute(
            select(gx_department.c.path).where(gx_department.c.id == parent_id)
        ).scalar()
        if parent is None:
            raise invalid("parent_id", "no such department", "not_found")
        prefix = parent
    if head_id is not None:
        _require_user(conn, head_id, "head_id")
    department_id = uuid7()
    conn.execute(
        insert(gx_department).values(
            id=department_id,
            name=name,
            parent_id=parent_id,
            path=f"{prefix}{department_id.hex}/",
            head_id=head_id,
            created_at=now,
        )
    )
    return department_id


def list_departments(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(gx_department).order_by(gx_department.c.path))
    return [
        {
            "id": str(r.id),
            "name": r.name,
            "parent_id": _s(r.parent_id),
            "head_id": _s(r.head_id),
            "depth": r.path.count("/") - 2,
        }
        for r in rows
    ]


def _s(value: UUID | None) -> str | None:
    return None if value is None else str(value)


def _require_user(conn: Connection, user_id: UUID, field: str) -> None:
    if conn.execute(select(gx_user.c.id).where(gx_user.c.id == user_id)).first() is None:
        raise invalid(field, "no such user", "not_found")


def set_placement(
    conn: Connection,
    user_id: UUID,
    *,
    department_id: UUID | None,
    manager_id: UUID | None,
    now: datetime,
) -> None:
    """Put a user in a department and under a manager; a manager chain may not loop."""
    if (
        department_id is not None
        and conn.execute(
            select(gx_department.c.id).where(gx_department.c.id == department_id)
        ).first()
        is None
    ):
        raise invalid("department_id", "no such department", "not_found")
    if manager_id is not None:
        _require_user(conn, manager_id, "manager_id")
        # Walk up from the new manager: meeting the user means a cycle.
        seen: set[UUID] = set()
        current: UUID | None = manager_id
        while current is not None and current not in seen:
            if current == user_id:
                raise invalid("manager_id", "would make the user their own manager", "cycle")
            seen.add(current)
            current = conn.execute(
                select(gx_user.c.manager_id).where(gx_user.c.id == current)
            ).scalar()
    conn.execute(
        update(gx_user)
        .where(gx_user.c.id == user_id)
        .values(department_id=department_id, manager_id=manager_id, updated_at=now)
    )


def check_role(
    snap: Snapshot, objects: dict[str, Any], fields: dict[str, str], rights: list[str]
) -> None:
    """A role may name only existing objects, fields, operations, scopes and rights."""
    errors: list[FieldError] = []
    for name, grant in objects.items():
        if name not in snap.objects:
            errors.append(FieldError(f"objects.{name}", "no such object", "not_found"))
            continue
        if not isinstance(grant, dict):
            errors.append(FieldError(f"objects.{name}", "must be an object", "type"))
            continue
        for key, value in grant.items():
            if key == "scope":
                if value not in SCOPES:
                    errors.append(
                        FieldError(
                            f"objects.{name}.scope",
                            f"must be one of {', '.join(SCOPES)}",
                            "invalid",
                        )
                    )
            elif key not in OPERATIONS:
                errors.append(
                    FieldError(
                        f"objects.{name}.{key}",
                        f"unknown operation; use {', '.join(OPERATIONS)}",
                        "invalid",
                    )
                )
            elif not isinstance(value, bool):
                errors.append(FieldError(f"objects.{name}.{key}", "must be true or false", "type"))
    for key, level in fields.items():
        object_name, _, field_name = key.partition(".")
        obj = snap.objects.get(object_name)
        if obj is None or obj.get_field(field_name, include_archived=True) is None:
            errors.append(FieldError(f"fields.{key}", "no such field", "not_found"))
        elif level not in {"hidden", "read_only"}:
            errors.append(FieldError(f"fields.{key}", "must be hidden or read_only", "invalid"))
    for right in rights:
        if right not in RIGHTS:
            errors.append(
                FieldError("rights", f"unknown right {right!r}; use {', '.join(RIGHTS)}", "invalid")
            )
    if errors:
        raise ValidationFailed("the role is not valid", errors=errors)


def create_role(
    conn: Connection,
    snap: Snapshot,
    *,
    name: str,
    objects: dict[str, Any],
    fields: dict[str, str],
    rights: list[str],
    require_2fa: bool,
    description: str | None,
    now: datetime,
) -> UUID:
    check_role(snap, objects, fields, rights)
    role_id = uuid7()
    try:
        with conn.begin_nested():
            conn.execute(
                insert(gx_role).values(
                    id=role_id,
                    name=name,
                    description=description,
                    objects=objects,
                    fields=fields,
                    rights=rights,
                    require_2fa=require_2fa,
                    created_at=now,
                    updated_at=now,
                )
            )
    except IntegrityError:
        raise Conflict(
            f"a role named {name!r} exists",
            errors=[FieldError("name", "is already taken", "duplicate")],
        ) from None
    return role_id


def update_role(
    conn: Connection, snap: Snapshot, role_id: UUID, changes: dict[str, Any], *, now: datetime
) -> None:
    row = conn.execute(select(gx_role).where(gx_role.c.id == role_id)).first()
    if row is None:
        raise NotFound("no such role")
    merged = {"objects": row.objects, "fields": row.fields, "rights": row.rights, **changes}
    check_role(snap, merged["objects"], merged["fields"], merged["rights"])
    conn.execute(update(gx_role).where(gx_role.c.id == role_id).values(**changes, updated_at=now))
    bump_version(conn, ACCESS_STATE)


def role_dict(row: Any) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.name,
        "description": row.description,
        "objects": row.objects,
        "fields": row.fields,
        "rights": row.rights,
        "require_2fa": row.require_2fa,
    }


def list_roles(conn: Connection) -> list[dict[str, Any]]:
    return [role_dict(r) for r in conn.execute(select(gx_role).order_by(gx_role.c.name))]


def set_roles(conn: Connection, user_id: UUID, role_ids: list[UUID]) -> None:
    known = (
        set(conn.execute(select(gx_role.c.id).where(gx_role.c.id.in_(role_ids))).scalars())
        if role_ids
        else set()
    )
    missing = [str(r) for r in role_ids if r not in known]
    if missing:
        raise invalid("role_ids", f"no such roles: {', '.join(missing)}", "not_found")
    conn.execute(delete(gx_user_role).where(gx_user_role.c.user_id == user_id))
    if role_ids:
        conn.execute(
            insert(gx_user_role),
            [{"user_id": user_id, "role_id": r} for r in dict.fromkeys(role_ids)],
        )
    bump_version(conn, ACCESS_STATE)


def role_rights(conn: Connection, role_ids: Iterable[UUID]) -> set[str]:
    """Every right the given roles carry (unknown ids carry none)."""
    ids = list(dict.fromkeys(role_ids))
    if not ids:
        return set()
    rows = conn.execute(select(gx_role.c.rights).where(gx_role.c.id.in_(ids))).scalars()
    return {right for rights in rows for right in rights or []}


def check_may_grant(actor: Actor, rights: Iterable[str]) -> None:
    """A user may hand on only the rights they hold themselves (a superuser holds all),
    whether by creating or changing a role or by giving someone a role — themselves too."""
    lacking = sorted({r for r in rights if not actor.has_right(r)})
    if lacking:
        raise PermissionDenied(f"you may not grant rights you do not hold: {', '.join(lacking)}")


def check_may_change_role(conn: Connection, actor: Actor, role_id: UUID) -> None:
    """Changing a role in any way (rights, objects, fields, the 2FA demand, description) is
    for someone holding every right it carries: a user manager may no more take a right
    away from its holders, or make the role unusable to them, than hand it out."""
    lacking = sorted(r for r in role_rights(conn, [role_id]) if not actor.has_right(r))
    if lacking:
        raise PermissionDenied(
            f"you may not change a role carrying rights you do not hold: {', '.join(lacking)}"
        )


def check_may_manage(conn: Connection, actor: Actor, user_id: UUID) -> None:
    """Changing a user (placement, roles, activation, password) is for someone who holds
    every right they hold: taking their account over must give nothing new. Only a
    superuser may change a superuser."""
    if actor.is_admin:
        return
    target = conn.execute(select(gx_user.c.is_admin).where(gx_user.c.id == user_id)).first()
    if target is None:
        raise NotFound("no such user")
    if target.is_admin:
        raise PermissionDenied("only a superuser may change a superuser")
    held = conn.execute(
        select(gx_role.c.rights)
        .join(gx_user_role, gx_user_role.c.role_id == gx_role.c.id)
        .where(gx_user_role.c.user_id == user_id)
    ).scalars()
    lacking = sorted({r for rights in held for r in rights or [] if not actor.has_right(r)})
    if lacking:
        raise PermissionDenied(
            f"you may not change a user who holds rights you do not: {', '.join(lacking)}"
        )


def create_team(conn: Connection, *, name: str, member_ids: list[UUID], now: datetime) -> UUID:
    team_id = uuid7()
    try:
        with conn.begin_nested():
            conn.execute(insert(gx_team).values(id=team_id, name=name.strip(), created_at=now))
    except IntegrityError:
        raise Conflict(
            f"a team named {name!r} exists",
            errors=[FieldError("name", "is already taken", "duplicate")],
        ) from None
    set_team_members(conn, team_id, member_ids)
    return team_id


def list_teams(conn: Connection) -> list[dict[str, Any]]:
    """Every team by name, with its members (by user id, the order a team takes turns in
    an assignment rule) and how many of them are active, in two queries whatever the
    number of teams."""
    members: dict[UUID, list[tuple[UUID, bool]]] = {}
    rows = conn.execute(
        select(gx_team_member.c.team_id, gx_user.c.id, gx_user.c.active)
        .join(gx_user, gx_user.c.id == gx_team_member.c.user_id)
        .order_by(gx_team_member.c.team_id, gx_user.c.id)
    )
    for team_id, user_id, active in rows:
        members.setdefault(team_id, []).append((user_id, bool(active)))
    teams = []
    for r in conn.execute(select(gx_team).order_by(gx_team.c.name, gx_team.c.id)):
        people = members.get(r.id, [])
        teams.append(
            {
                "id": str(r.id),
                "name": r.name,
                "member_ids": [str(user_id) for user_id, _ in people],
                "active_member_count": sum(1 for _, active in people if active),
            }
        )
    return teams


def set_team_members(conn: Connection, team_id: UUID, member_ids: list[UUID]) -> None:
    for user_id in member_ids:
        _require_user(conn, user_id, "member_ids")
    conn.execute(delete(gx_team_member).where(gx_team_member.c.team_id == team_id))
    if member_ids:
        conn.execute(
            insert(gx_team_member),
            [{"team_id": team_id, "user_id": u} for u in dict.fromkeys(member_ids)],
        )


def set_active(conn: Connection, user_id: UUID, active: bool, *, now: datetime) -> dict[str, int]:
    """Deactivated users cannot sign in. Deactivation ends their sessions and revokes their
    API tokens rather than merely suspending them, so reactivating the account later does
    not bring back credentials that may have leaked meanwhile: the user signs in afresh
    and makes new tokens. Returns what deactivation ended (nothing on reactivation)."""
    conn.execute(
        update(gx_user).where(gx_user.c.id == user_id).values(active=active, updated_at=now)
    )
    if active:
        return {}
    return end_credentials(conn, user_id, now=now)
