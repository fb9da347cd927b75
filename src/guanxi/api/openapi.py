"""OpenAPI 3.1: the fixed endpoints for anyone, plus what the signed-in user may read.

Without credentials the document describes the fixed endpoints only. With them (a bearer
token or the session cookie, as ``/api/docs`` sends it) it adds a schema and paths per
object the user may read, without the fields hidden from them (formulas reading such
fields included), and only the operations they may use. Formula expressions and field
patterns are definitions, shown only to those who may define objects
(``manage_metadata``). Documents are cached per metadata version and field visibility.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.utils import get_openapi

from guanxi import __version__
from guanxi.api.openapi_problems import FIELD_ERROR_SCHEMA, PROBLEM_SCHEMA, add_problems
from guanxi.platform.access.actor import Actor
from guanxi.platform.access.fields import hidden_fields
from guanxi.platform.access.policy import FIELD_LEVELS
from guanxi.platform.metadata.fieldtypes import ADDRESS_PARTS, field_type
from guanxi.platform.metadata.model import FieldDef, ObjectDef
from guanxi.platform.metadata.registry import Snapshot
from guanxi.web.deps import SESSION_COOKIE, Credentials, ServicesDep, get_credentials

UUID_SCHEMA = {"type": "string", "format": "uuid"}
DECIMAL_SCHEMA = {
    "type": "string",
    "pattern": r"^-?\d+(\.\d+)?$",
    "description": "exact decimal as a string",
}
RECORD_OPERATIONS = ("read", "create", "update", "delete")
MAX_DOCUMENTS = 64  # cached per metadata version and view; more views than this is rare


@dataclass(frozen=True)
class View:
    """What one user's document shows; equal views get the same document."""

    operations: tuple[tuple[str, frozenset[str]], ...]  # readable objects, in order
    hidden: frozenset[tuple[str, str]]
    read_only: frozenset[tuple[str, str]]
    definitions: bool  # formula expressions and text patterns

    def allows(self, object_name: str) -> frozenset[str]:
        return dict(self.operations).get(object_name, frozenset())


def view_of(snap: Snapshot, actor: Actor) -> View:
    """The user's view of the objects in ``snap``."""
    policy = actor.policy
    hidden = hidden_fields(snap, policy)
    edit = FIELD_LEVELS["edit"]
    objects = [o for o in snap.objects.values() if not o.archived and policy.can("read", o.name)]
    operations = tuple(
        (
            o.name,
            frozenset(
                op
                for op in RECORD_OPERATIONS
                if policy.can(op, o.name) and (op == "read" or actor.can_write)
            ),
        )
        for o in objects
    )
    read_only = frozenset(
        (o.name, f.name)
        for o in objects
        for f in o.active_fields
        if (o.name, f.name) not in hidden and policy.field_level(o.name, f.name) < edit
    )
    return View(operations, hidden, read_only, actor.has_right("manage_metadata"))


def field_schema(f: FieldDef, *, definitions: bool = True, readable: bool = True) -> dict[str, Any]:
    """A field's JSON schema; ``definitions``: with its pattern or formula expression;
    ``readable``: a lookup names its target object."""
    t = f.type
    schema: dict[str, Any]
    if t in {"text", "long_text", "rich_text"}:
        schema = {"type": "string", "maxLength": f.opt("max_length")}
        if f.opt("regex") and definitions:
            schema["pattern"] = f.opt("regex")
    elif t == "integer":
        schema = {"type": "integer"}
    elif t in {"decimal", "percent"}:
        schema = dict(DECIMAL_SCHEMA)
    elif t == "currency":
        schema = {
            "type": "object",
            "properties": {
                "amount": DECIMAL_SCHEMA,
                "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
            },
        }
    elif t == "boolean":
        schema = {"type": "boolean"}
    elif t == "date":
        schema = {"type": "string", "format": "date"}
    elif t == "datetime":
        schema = {"type": "string", "format": "date-time"}
    elif t == "picklist":
        schema = {"type": "string", "enum": [o["value"] for o in f.opt("options", [])]}
    elif t == "multi_picklist":
        schema = {
            "type": "array",
            "items": {"type": "string", "enum": [o["value"] for o in f.opt("options", [])]},
        }
    elif t == "email":
        schema = {"type": "string", "format": "email"}
    elif t == "phone":
        schema = {"type": "string", "description": "E.164, e.g. +8613800138000"}
    elif t == "url":
        schema = {"type": "string", "format": "uri"}
    elif t in {"lookup", "user", "file"}:
        schema = dict(UUID_SCHEMA)
        if t == "lookup":
            target = f.opt("target") if readable else "related"
            schema["description"] = f"id of a {target} record"
    elif t == "address":
        schema = {"type": "object", "properties": {p: {"type": "string"} for p in ADDRESS_PARTS}}
    elif t == "tags":
        schema = {"type": "array", "items": {"type": "string"}}
    elif t == "auto_number":
        schema = {"type": "string", "readOnly": True}
    elif t == "rollup":
        spec = f.opt("rollup", {})
        counted = {"type": "integer"} if spec.get("op") == "count" else {}
        described = (
            f"{spec.get('op')} of {spec.get('object')}.{spec.get('field', 'id')}"
            f" by {spec.get('lookup')}"
            if definitions
            else "computed from related records"
        )
        schema = {**counted, "readOnly": True, "description": described}
    else:  # formula
        result = {
            "number": DECIMAL_SCHEMA,
            "boolean": {"type": "boolean"},
            "text": {"type": "string"},
            "date": {"type": "string", "format": "date"},
            "datetime": {"type": "string", "format": "date-time"},
        }.get(f.opt("result_type", ""), {})
        described = f"= {f.opt('expression')}" if definitions else "computed by a formula"
        schema = {**result, "readOnly": True, "description": described}
    schema = {k: v for k, v in schema.items() if v is not None}
    schema["title"] = f.label.get("en") or f.name
    if not f.required:
        read_only = schema.pop("readOnly", None)
        schema = {"anyOf": [schema, {"type": "null"}], "title": schema.pop("title")}
        if read_only:
            schema["readOnly"] = True
    return schema


def object_schemas(obj: ObjectDef, view: View | None = None) -> dict[str, dict[str, Any]]:
    """The record, input and patch schemas of an object (``view``: as one user sees it;
    None: everything)."""
    readable = {name for name, _ in view.operations} if view else None
    fields = [f for f in obj.active_fields if view is None or (obj.name, f.name) not in view.hidden]
    props = {
        f.name: field_schema(
            f,
            definitions=view is None or view.definitions,
            readable=readable is None or f.opt("target") in readable,
        )
        for f in fields
    }
    system = {
        "id": {**UUID_SCHEMA, "readOnly": True},
        "version": {"type": "integer", "readOnly": True},
        "created_at": {"type": "string", "format": "date-time", "readOnly": True},
        "created_by_id": {**UUID_SCHEMA, "readOnly": True},
        "updated_at": {"type": "string", "format": "date-time", "readOnly": True},
        "updated_by_id": {**UUID_SCHEMA, "readOnly": True},
        "owner_id": dict(UUID_SCHEMA),
    }
    writable = {
        f.name: props[f.name]
        for f in fields
        if field_type(f.type).writable
        and (view is None or (obj.name, f.name) not in view.read_only)
    }
    title = obj.label.get("en") or obj.name
    allowed = view.allows(obj.name) if view else frozenset(RECORD_OPERATIONS)
    schemas: dict[str, dict[str, Any]] = {
        f"{obj.name}": {"type": "object", "title": title, "properties": {**system, **props}}
    }
    if "update" in allowed:
        schemas[f"{obj.name}.patch"] = {
            "type": "object",
            "title": f"{title} (changes)",
            "description": "Only the fields to change; send the version read (or If-Match).",
            "properties": {
                **writable,
                "owner_id": dict(UUID_SCHEMA),
                "version": {"type": "integer"},
            },
            "additionalProperties": False,
        }
    if "create" in allowed:
        schemas[f"{obj.name}.input"] = {
            "type": "object",
            "title": f"{title} (input)",
            "properties": {**writable, "owner_id": dict(UUID_SCHEMA)},
            "required": [f.name for f in fields if f.required and f.name in writable],
            "additionalProperties": False,
        }
    return schemas


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def object_paths(
    obj: ObjectDef, allowed: frozenset[str] = frozenset(RECORD_OPERATIONS)
) -> dict[str, Any]:
    """The record paths of an object, with the operations in ``allowed``."""
    record = _ref(obj.name)
    tag = [f"records: {obj.name}"]
    ok = {"200": {"description": "the record", "content": {"application/json": {"schema": record}}}}
    body = {
        "required": True,
        "content": {"application/json": {"schema": _ref(f"{obj.name}.input")}},
    }
    page = {
        "type": "object",
        "properties": {
            "records": {"type": "array", "items": record},
            "next_cursor": {"type": ["string", "null"]},
            "total": {"type": ["integer", "null"]},
            "total_relation": {"type": ["string", "null"], "enum": ["eq", "gte", None]},
            "total_estimate": {"type": ["integer", "null"]},
        },
    }
    id_param = [{"name": "id", "in": "path", "required": True, "schema": UUID_SCHEMA}]
    listing: dict[str, Any] = {
        "get": {
            "tags": tag,
            "summary": f"List {obj.name}",
            "operationId": f"list_{obj.name}",
            "parameters": [],
            "responses": {
                "200": {"description": "a page", "content": {"application/json": {"schema": page}}}
            },
        }
    }
    one: dict[str, Any] = {
        "parameters": id_param,
        "get": {
            "tags": tag,
            "summary": f"Get {obj.name}",
            "operationId": f"get_{obj.name}",
            "responses": dict(ok),
        },
    }
    if "create" in allowed:
        listing["post"] = {
            "tags": tag,
            "summary": f"Create {obj.name}",
            "operationId": f"create_{obj.name}",
            "requestBody": body,
            "responses": {"201": ok["200"]},
        }
    if "update" in allowed:
        one["patch"] = {
            "tags": tag,
            "summary": f"Update {obj.name} (If-Match)",
            "operationId": f"update_{obj.name}",
            "parameters": [
                {
                    "name": "If-Match",
                    "in": "header",
                    "required": False,
                    "description": 'the version read, as "<version>" (or send "version" in the body)',
                    "schema": {"type": "string"},
                }
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref(f"{obj.name}.patch")}},
            },
            "responses": dict(ok),
        }
    if "delete" in allowed:
        one["delete"] = {
            "tags": tag,
            "summary": f"Delete {obj.name} to the recycle bin",
            "operationId": f"delete_{obj.name}",
            "responses": {"204": {"description": "deleted"}},
        }
    paths = {f"/api/v1/records/{obj.name}": listing, f"/api/v1/records/{obj.name}/{{id}}": one}
    for path, item in paths.items():
        add_problems(path, item)
    return paths


def fixed_document(app: FastAPI) -> dict[str, Any]:
    """The document of the fixed endpoints, as anyone may read it."""
    doc = get_openapi(
        title="Guanxi API",
        version=__version__,
        routes=app.routes,
        description=(
            "Guanxi (关系) CRM REST API. Authenticate with `Authorization: Bearer <token>` "
            "or the session cookie of `POST /api/v1/auth/login`. Signed in, this document "
            "also describes the objects you may read."
        ),
    )
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    # FastAPI's own 422 shape is not what the API answers: every error is a Problem.
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["FieldError"] = FIELD_ERROR_SCHEMA
    components["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer"},
        "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE},
    }
    doc["security"] = [{"bearer": []}, {"session": []}]
    for path, item in doc.get("paths", {}).items():
        add_problems(path, item)
    return doc


def build_openapi(app: FastAPI, snap: Snapshot, view: View | None = None) -> dict[str, Any]:
    """The fixed document plus each object in ``snap`` as ``view`` shows it (None: all)."""
    return document_for(fixed_document(app), snap, view)


def document_for(fixed: dict[str, Any], snap: Snapshot, view: View | None) -> dict[str, Any]:
    """``fixed`` plus the objects of ``snap`` a view shows; ``fixed`` is shared, not copied."""
    schemas = dict(fixed["components"]["schemas"])
    paths = dict(fixed["paths"])
    for obj in snap.objects.values():
        if obj.archived:
            continue
        allowed = view.allows(obj.name) if view else frozenset(RECORD_OPERATIONS)
        if "read" not in allowed:
            continue
        schemas.update(object_schemas(obj, view))
        paths.update(object_paths(obj, allowed))
    return {**fixed, "paths": paths, "components": {**fixed["components"], "schemas": schemas}}


async def optional_credentials(request: Request) -> Credentials | None:
    """The request's credentials, or None when it sends none."""
    if not request.headers.get("authorization") and not request.cookies.get(SESSION_COOKIE):
        return None
    return await get_credentials(request)


def install(app: FastAPI) -> None:
    """Serve ``/api/openapi.json``: the fixed endpoints, plus what the caller may read."""
    cache: dict[Any, dict[str, Any]] = {}

    @app.get("/api/openapi.json", include_in_schema=False)
    def openapi(
        services: ServicesDep,
        credentials: Annotated[Credentials | None, Depends(optional_credentials)],
    ) -> dict[str, Any]:
        fixed = cache.get("fixed")
        if fixed is None:
            fixed = cache["fixed"] = fixed_document(app)
        if credentials is None:
            return fixed
        with services.read(credentials) as ctx:
            view = view_of(ctx.snap, ctx.actor)
            key = (ctx.snap.version, view)
            found = cache.get(key)
            if found is None:
                if len(cache) > MAX_DOCUMENTS:
                    cache.clear()
                    cache["fixed"] = fixed
                found = cache[key] = document_for(fixed, ctx.snap, view)
            return found
