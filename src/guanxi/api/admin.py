"""Administration: departments, users, roles, teams and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from guanxi.kernel.errors import PermissionDenied, invalid
from guanxi.platform.access import audit, org
from guanxi.platform.access.users import create_user, describe_user, page_users, set_password
from guanxi.platform.records.context import Ctx
from guanxi.web.deps import ActorDep, ServicesDep
from guanxi.web.responses import ORJSONResponse
from guanxi.web.routing import OrjsonRoute

router = APIRouter(
    prefix="/api/v1/admin",
    tags=["admin"],
    default_response_class=ORJSONResponse,
    route_class=OrjsonRoute,
)


def _require(ctx: Ctx, right: str) -> None:
    if not ctx.actor.has_right(right):
        raise PermissionDenied(f"this needs the {right} right")


class DepartmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    parent_id: UUID | None = None
    head_id: UUID | None = None


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(max_length=254)  # "not-an-email" once made a user
    name: str = Field(min_length=1, max_length=120)
    password: str | None = Field(default=None, max_length=1000)
    phone: str | None = Field(default=None, max_length=32)
    locale: str | None = Field(
        default=None, pattern="^(zh-CN|en)$"
    )  # default: GUANXI_DEFAULT_LOCALE
    time_zone: str | None = None  # default: GUANXI_DEFAULT_TIMEZONE
    department_id: UUID | None = None
    manager_id: UUID | None = None
    role_ids: list[UUID] = Field(default_factory=list)


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    department_id: UUID | None = None
    manager_id: UUID | None = None
    role_ids: list[UUID] | None = None
    active: bool | None = None
    password: str | None = Field(default=None, max_length=1000)


class RoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=500)
    objects: dict[str, dict[str, Any]] = Field(default_factory=dict)
    fields: dict[str, str] = Field(default_factory=dict)
    rights: list[str] = Field(default_factory=list)
    require_2fa: bool = False


class RolePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str | None = None
    objects: dict[str, dict[str, Any]] | None = None
    fields: dict[str, str] | None = None
    rights: list[str] | None = None
    require_2fa: bool | None = None


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    member_ids: list[UUID] = Field(default_factory=list)


@router.post("/departments", status_code=201)
def create_department(body: DepartmentIn, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    with services.write(actor) as ctx:
        _require(ctx, "manage_users")
        department_id = org.create_department(
            ctx.conn, name=body.name, parent_id=body.parent_id, head_id=body.head_id, now=ctx.now
        )
        ctx.audit("department.create", str(department_id), {"name": body.name})
    return {"id": str(department_id)}


@router.get("/departments")
def list_departments(services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    with services.read(actor) as ctx:
        return {"departments": org.list_departments(ctx.conn)}


@router.post("/users", status_code=201)
def create_user_endpoint(body: UserIn, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    with services.write(actor) as ctx:
        _require(ctx, "manage_users")
        org.check_may_grant(ctx.actor, org.role_rights(ctx.conn, body.role_ids))
        user_id = create_user(
            ctx.conn,
            email=body.email,
            name=body.name,
            password=body.password,
            now=ctx.now,
            locale=body.locale or services.settings.default_locale,
            time_zone=body.time_zone or services.settings.default_timezone,
            phone=body.phone,
        )
        org.set_placement(
            ctx.conn,
            user_id,
            department_id=body.department_id,
            manager_id=body.manager_id,
            now=ctx.now,
        )
        org.set_roles(ctx.conn, user_id, body.role_ids)
        ctx.audit(
            "user.create",
            str(user_id),
            {"email": body.email, "role_ids": [str(r) for r in body.role_ids]},
        )
    return {"id": str(user_id)}


@router.get("/users")
def list_users(
    services: ServicesDep,
    actor: ActorDep,
    q: str | None = Query(None, max_length=100, description="part of a name or e-mail"),
    department_id: UUID | None = Query(None, description="this department and those under it"),
    active: bool | None = Query(None, description="only active (true) or inactive (false)"),
    role_id: UUID | None = Query(None, description="only users holding this role"),
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = Query(None, max_length=500),
) -> dict[str, Any]:
    """Users by name, each as ``GET /admin/users/{id}`` shows them, a keyset page at a time."""
    with services.read(actor) as ctx:
        _require(ctx, "manage_users")
        return page_users(
            ctx.conn,
            ctx.zone,
            q=q,
            department_id=department_id,
            active=active,
            role_id=role_id,
            limit=limit,
            cursor=cursor,
        )


@router.get("/users/{user_id}")
def get_user(user_id: UUID, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    with services.read(actor) as ctx:
        _require(ctx, "manage_users")
        return describe_user(ctx.conn, user_id, ctx.zone)


@router.patch("/users/{user_id}")
def update_user(
    user_id: UUID, body: UserPatch, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    with services.write(actor) as ctx:
        _require(ctx, "manage_users")
        current = describe_user(ctx.conn, user_id, ctx.zone)
        org.check_may_manage(ctx.conn, ctx.actor, user_id)
        given = body.model_dump(exclude_unset=True)
        if "department_id" in given or "manager_id" in given:
            org.set_placement(
                ctx.conn,
                user_id,
                department_id=given.get(
                    "department_id", current["department_id"] and UUID(current["department_id"])
                ),
                manager_id=given.get(
                    "manager_id", current["manager_id"] and UUID(current["manager_id"])
                ),
                now=ctx.now,
            )
        if body.role_ids is not None:
            org.check_may_grant(ctx.actor, org.role_rights(ctx.conn, body.role_ids))
            org.set_roles(ctx.conn, user_id, body.role_ids)
            ctx.audit("user.roles", str(user_id), {"role_ids": [str(r) for r in body.role_ids]})
        if body.active is not None:
            ended = org.set_active(ctx.conn, user_id, body.active, now=ctx.now)
            ctx.audit(
                "user.activate" if body.active else "user.deactivate", str(user_id), ended or None
            )
        if body.password is not None:
            # The user's sessions end and their tokens are revoked; changing one's own
            # password keeps the credential making the request, so it does not sign out.
            own = user_id == ctx.actor.user_id
            ended = set_password(
                ctx.conn,
                user_id,
                body.password,
                now=ctx.now,
                keep_session=ctx.actor.session_id if own else None,
                keep_token=ctx.actor.token_id if own else None,
            )
            ctx.audit("user.password_reset", str(user_id), ended)
        return describe_user(ctx.conn, user_id, ctx.zone)


@router.post("/roles", status_code=201)
def create_role(body: RoleIn, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    with services.write(actor) as ctx:
        _require(ctx, "manage_users")
        org.check_may_grant(ctx.actor, body.rights)
        role_id = org.create_role(
            ctx.conn,
            ctx.snap,
            name=body.name,
            objects=body.objects,
            fields=body.fields,
            rights=body.rights,
            require_2fa=body.require_2fa,
            description=body.description,
            now=ctx.now,
        )
        ctx.audit("role.create", str(role_id), body.model_dump())
    return {"id": str(role_id)}


@router.get("/roles")
def list_roles(services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    with services.read(actor) as ctx:
        _require(ctx, "manage_users")
        return {"roles": org.list_roles(ctx.conn)}


@router.patch("/roles/{role_id}")
def update_role(
    role_id: UUID, body: RolePatch, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    with services.write(actor) as ctx:
        _require(ctx, "manage_users")
        changes = body.model_dump(exclude_unset=True)
        for name in ("objects", "fields", "rights", "require_2fa"):
            if name in changes and changes[name] is None:  # only a description can be cleared
                raise invalid(name, "must not be null; leave it out to keep it")
        org.check_may_change_role(ctx.conn, ctx.actor, role_id)  # nor strip what it carries
        if body.rights is not None:  # only rights the role does not carry yet are granted
            org.check_may_grant(ctx.actor, set(body.rights) - org.role_rights(ctx.conn, [role_id]))
        org.update_role(ctx.conn, ctx.snap, role_id, changes, now=ctx.now)
        ctx.audit("role.update", str(role_id), changes)
        return {"id": str(role_id)}


@router.post("/teams", status_code=201)
def create_team(body: TeamIn, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    with services.write(actor) as ctx:
        _require(ctx, "manage_users")
        team_id = org.create_team(ctx.conn, name=body.name, member_ids=body.member_ids, now=ctx.now)
        ctx.audit("team.create", str(team_id), {"name": body.name})
    return {"id": str(team_id)}


@router.get("/teams")
def list_teams(services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """Every team by name with its members, as an assignment rule's member picker offers
    them; like roles, for those who manage users."""
    with services.read(actor) as ctx:
        _require(ctx, "manage_users")
        return {"teams": org.list_teams(ctx.conn)}


@router.get("/audit")
def audit_log(
    services: ServicesDep,
    actor: ActorDep,
    action: str | None = Query(None, description="exact action, or a prefix ending in * (login.*)"),
    actor_id: UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = Query(None, description="entries before this moment"),
    before_id: int | None = None,
    limit: int = Query(100, ge=1, le=1000),
) -> dict[str, Any]:
    with services.read(actor) as ctx:
        _require(ctx, "view_audit_log")
        entries = audit.entries(
            ctx.conn,
            action=action,
            actor_id=actor_id,
            since=since,
            until=until,
            before_id=before_id,
            limit=limit,
            zone=ctx.zone,
        )
    return {
        "entries": entries,
        "next_before_id": entries[-1]["id"] if len(entries) == limit else None,
    }
