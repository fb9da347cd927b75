"""Metadata endpoints: define objects and fields at runtime."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from guanxi.kernel.errors import NotFound, PermissionDenied
from guanxi.platform.access.actor import Actor
from guanxi.platform.access.fields import field_editable, hidden_fields, object_access
from guanxi.platform.metadata import service
from guanxi.platform.metadata.model import FieldDef, ObjectDef
from guanxi.platform.metadata.schemas import CONFIG_KEYS, FieldIn, FieldPatch, ObjectIn, ObjectPatch
from guanxi.platform.query.check import check_formula
from guanxi.platform.records.context import Ctx
from guanxi.web.deps import ActorDep, ServicesDep
from guanxi.web.responses import ORJSONResponse
from guanxi.web.routing import OrjsonRoute

router = APIRouter(
    prefix="/api/v1/meta",
    tags=["metadata"],
    default_response_class=ORJSONResponse,
    route_class=OrjsonRoute,
)


def _admin(actor: Actor) -> None:
    if not actor.has_right("manage_metadata"):
        raise PermissionDenied("changing objects and fields needs the manage_metadata right")


def _readable(ctx: Ctx, object_name: str) -> ObjectDef:
    """The object, if this user may read its records or define objects; otherwise it is
    answered as missing, like an object that does not exist (its schema is no one else's
    business: a payroll object's fields tell a sales rep what they may not see)."""
    obj = ctx.snap.object(object_name)
    if not (ctx.actor.policy.can("read", obj.name) or ctx.actor.has_right("manage_metadata")):
        raise NotFound(f"object {object_name!r} does not exist")
    return obj


def _visible_object(ctx: Ctx, obj: ObjectDef) -> dict[str, Any]:
    """An object as this user sees it: fields hidden from them, and formulas reading such
    fields, are absent."""
    policy, can_write = ctx.actor.policy, ctx.actor.can_write
    out = object_out(obj, with_fields=False)
    out["access"] = object_access(policy, obj, can_write=can_write)
    hidden = hidden_fields(ctx.snap, policy)
    out["fields"] = [
        _user_field(ctx, obj, f)
        for f in obj.fields
        if not f.archived and (obj.name, f.name) not in hidden
    ]
    return out


def _user_field(ctx: Ctx, obj: ObjectDef, f: FieldDef) -> dict[str, Any]:
    """A field as this user reads it: with whether they may set it on create and update."""
    out = field_out(f)
    out["editable"] = field_editable(ctx.actor.policy, obj, f, can_write=ctx.actor.can_write)
    return out


def field_out(f: FieldDef) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": f.name,
        "type": f.type,
        "label": f.label,
        "help": f.help,
        "required": f.required,
        "unique": f.unique,
        "indexed": f.indexed,
        "searchable": f.searchable,
        "default": f.default,
        "position": f.position,
        "standard": f.module is not None,
        "archived": f.archived,
    }
    out.update({k: f.config[k] for k in CONFIG_KEYS if k in f.config})
    return out


def object_out(obj: ObjectDef, *, with_fields: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": obj.name,
        "label": obj.label,
        "plural_label": obj.plural_label,
        "description": obj.description,
        "name_field": obj.name_field,
        "icon": obj.icon,
        "nav": obj.nav,
        "standard": obj.module is not None,
        "module": obj.module,
    }
    if with_fields:
        out["fields"] = [field_out(f) for f in obj.fields if not f.archived]
    return out


@router.get("/objects")
def list_objects(services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """The objects the caller may read, and the installed modules that declare them: the
    web app's navigation groups the objects under their module's label, in its order."""
    with services.read(actor) as ctx:
        policy = ctx.actor.policy
        objects = [
            o
            for o in ctx.snap.objects.values()
            if not o.archived
            and (policy.can("read", o.name) or ctx.actor.has_right("manage_metadata"))
        ]
        module_of = {o.name: o.module for o in objects}
        return {
            "objects": [_visible_object(ctx, o) for o in objects],
            "modules": [
                {
                    "name": m.name,
                    "label": m.label,
                    # its own objects the caller sees (not another module's it extends)
                    "objects": [name for name in m.objects if module_of.get(name) == m.name],
                }
                for m in services.modules
            ],
        }


@router.post("/objects", status_code=201)
def create_object(body: ObjectIn, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    with services.write(actor) as ctx:
        _admin(ctx.actor)
        obj = service.create_object(ctx.conn, services.registry, body, now=ctx.now)
        ctx.audit("metadata.object.create", obj.name)
        return object_out(services.registry.snapshot(ctx.conn).object(obj.name))


@router.get("/objects/{object_name}")
def get_object(object_name: str, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    with services.read(actor) as ctx:
        return _visible_object(ctx, _readable(ctx, object_name))


@router.patch("/objects/{object_name}")
def update_object(
    object_name: str, body: ObjectPatch, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    with services.write(actor) as ctx:
        _admin(ctx.actor)
        service.update_object(ctx.conn, services.registry, object_name, body, now=ctx.now)
        ctx.audit(
            "metadata.object.update", object_name, body.model_dump(exclude_unset=True, mode="json")
        )
        return object_out(services.registry.snapshot(ctx.conn).object(object_name))


@router.get("/objects/{object_name}/fields")
def list_fields(
    object_name: str, services: ServicesDep, actor: ActorDep, archived: bool = False
) -> dict[str, Any]:
    with services.read(actor) as ctx:
        obj = _readable(ctx, object_name)
        hidden = hidden_fields(ctx.snap, ctx.actor.policy)
        return {
            "fields": [
                _user_field(ctx, obj, f)
                for f in obj.fields
                if f.archived == archived and (obj.name, f.name) not in hidden
            ]
        }


@router.post("/objects/{object_name}/fields", status_code=201)
def create_field(
    object_name: str, body: FieldIn, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    with services.write(actor) as ctx:
        _admin(ctx.actor)
        f = service.create_field(
            ctx.conn, services.registry, object_name, body, now=ctx.now, formula_check=check_formula
        )
        ctx.audit("metadata.field.create", f"{object_name}.{f.name}", {"type": f.type})
        return field_out(f)


class FormulaTry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expression: str = Field(min_length=1, max_length=4000)
    result_type: Literal["text", "number", "boolean", "date", "datetime"] | None = None
    scale: int | None = Field(default=None, ge=0, le=10)


@router.post("/objects/{object_name}/formula-check")
def check_formula_expression(
    object_name: str, body: FormulaTry, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    """Whether a formula compiles on the object, and what it gives: the builder's formula
    editor asks as the user types. A bad one is refused as creating the field would be."""
    with services.read(actor) as ctx:
        _admin(ctx.actor)
        kind = service.try_formula(
            ctx.snap,
            object_name,
            body.expression,
            result_type=body.result_type,
            scale=body.scale,
            formula_check=check_formula,
        )
        return {"result_type": kind}


@router.get("/objects/{object_name}/fields/{field_name}")
def get_field(
    object_name: str, field_name: str, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    with services.read(actor) as ctx:
        obj = _readable(ctx, object_name)
        f = obj.get_field(field_name, include_archived=True)
        if f is None or (obj.name, f.name) in hidden_fields(ctx.snap, ctx.actor.policy):
            raise NotFound(f"field {object_name}.{field_name} does not exist")
        return _user_field(ctx, obj, f)


@router.patch("/objects/{object_name}/fields/{field_name}")
def update_field(
    object_name: str, field_name: str, body: FieldPatch, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    with services.write(actor) as ctx:
        _admin(ctx.actor)
        f = service.update_field(
            ctx.conn,
            services.registry,
            object_name,
            field_name,
            body,
            now=ctx.now,
            formula_check=check_formula,
        )
        ctx.audit(
            "metadata.field.update",
            f"{object_name}.{f.name}",
            body.model_dump(exclude_unset=True, mode="json"),
        )
        return field_out(f)


@router.delete("/objects/{object_name}/fields/{field_name}", status_code=204)
def archive_field(
    object_name: str, field_name: str, services: ServicesDep, actor: ActorDep
) -> Response:
    """Archive a field: hidden everywhere, its column and data kept for a restore."""
    with services.write(actor) as ctx:
        _admin(ctx.actor)
        service.set_field_archived(
            ctx.conn, services.registry, object_name, field_name, True, now=ctx.now
        )
        ctx.audit("metadata.field.archive", f"{object_name}.{field_name}")
    return Response(status_code=204)


@router.post("/objects/{object_name}/fields/{field_name}/restore")
def restore_field(
    object_name: str, field_name: str, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    with services.write(actor) as ctx:
        _admin(ctx.actor)
        f = service.set_field_archived(
            ctx.conn, services.registry, object_name, field_name, False, now=ctx.now
        )
        ctx.audit("metadata.field.restore", f"{object_name}.{field_name}")
        return field_out(f)
