"""OpenAPI 3.1 with a schema per object, regenerated whenever metadata changes."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from guanxi import __version__
from guanxi.platform.metadata.fieldtypes import ADDRESS_PARTS, field_type
from guanxi.platform.metadata.model import FieldDef, ObjectDef
from guanxi.platform.metadata.registry import Snapshot

UUID_SCHEMA = {"type": "string", "format": "uuid"}
DECIMAL_SCHEMA = {
    "type": "string",
    "pattern": r"^-?\d+(\.\d+)?$",
    "description": "exact decimal as a string",
}


def field_schema(f: FieldDef) -> dict[str, Any]:
    t = f.type
    schema: dict[str, Any]
    if t in {"text", "long_text", "rich_text"}:
        schema = {"type": "string", "maxLength": f.opt("max_length")}
        if f.opt("regex"):
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
            schema["description"] = f"id of a {f.opt('target')} record"
    elif t == "address":
        schema = {"type": "object", "properties": {p: {"type": "string"} for p in ADDRESS_PARTS}}
    elif t == "tags":
        schema = {"type": "array", "items": {"type": "string"}}
    elif t == "auto_number":
        schema = {"type": "string", "readOnly": True}
    else:  # formula
        result = {
            "number": DECIMAL_SCHEMA,
            "boolean": {"type": "boolean"},
            "text": {"type": "string"},
            "date": {"type": "string", "format": "date"},
            "datetime": {"type": "string", "format": "date-time"},
        }.get(f.opt("result_type", ""), {})
        schema = {**result, "readOnly": True, "description": f"= {f.opt('expression')}"}
    schema = {k: v for k, v in schema.items() if v is not None}
    schema["title"] = f.label.get("en") or f.name
    if not f.required:
        read_only = schema.pop("readOnly", None)
        schema = {"anyOf": [schema, {"type": "null"}], "title": schema.pop("title")}
        if read_only:
            schema["readOnly"] = True
    return schema


def object_schemas(obj: ObjectDef) -> dict[str, dict[str, Any]]:
    props = {f.name: field_schema(f) for f in obj.active_fields}
    system = {
        "id": {**UUID_SCHEMA, "readOnly": True},
        "version": {"type": "integer", "readOnly": True},
        "created_at": {"type": "string", "format": "date-time", "readOnly": True},
        "created_by_id": {**UUID_SCHEMA, "readOnly": True},
        "updated_at": {"type": "string", "format": "date-time", "readOnly": True},
        "updated_by_id": {**UUID_SCHEMA, "readOnly": True},
        "owner_id": dict(UUID_SCHEMA),
    }
    writable = {f.name: props[f.name] for f in obj.active_fields if field_type(f.type).writable}
    title = obj.label.get("en") or obj.name
    return {
        f"{obj.name}.patch": {
            "type": "object",
            "title": f"{title} (changes)",
            "description": "Only the fields to change; send the version read (or If-Match).",
            "properties": {
                **writable,
                "owner_id": dict(UUID_SCHEMA),
                "version": {"type": "integer"},
            },
            "additionalProperties": False,
        },
        f"{obj.name}": {"type": "object", "title": title, "properties": {**system, **props}},
        f"{obj.name}.input": {
            "type": "object",
            "title": f"{title} (input)",
            "properties": {**writable, "owner_id": dict(UUID_SCHEMA)},
            "required": [f.name for f in obj.active_fields if f.required],
            "additionalProperties": False,
        },
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def object_paths(obj: ObjectDef) -> dict[str, Any]:
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
        },
    }
    problem = {
        "description": "problem+json naming each bad field",
        "content": {"application/problem+json": {"schema": {"type": "object"}}},
    }
    id_param = [{"name": "id", "in": "path", "required": True, "schema": UUID_SCHEMA}]
    return {
        f"/api/v1/records/{obj.name}": {
            "get": {
                "tags": tag,
                "summary": f"List {obj.name}",
                "operationId": f"list_{obj.name}",
                "responses": {
                    "200": {
                        "description": "a page",
                        "content": {"application/json": {"schema": page}},
                    }
                },
            },
            "post": {
                "tags": tag,
                "summary": f"Create {obj.name}",
                "operationId": f"create_{obj.name}",
                "requestBody": body,
                "responses": {"201": ok["200"], "422": problem},
            },
        },
        f"/api/v1/records/{obj.name}/{{id}}": {
            "parameters": id_param,
            "get": {
                "tags": tag,
                "summary": f"Get {obj.name}",
                "operationId": f"get_{obj.name}",
                "responses": {**ok, "404": problem},
            },
            "patch": {
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
                "responses": {**ok, "404": problem, "412": problem, "422": problem, "428": problem},
            },
            "delete": {
                "tags": tag,
                "summary": f"Delete {obj.name} to the recycle bin",
                "operationId": f"delete_{obj.name}",
                "responses": {"204": {"description": "deleted"}},
            },
        },
    }


def build_openapi(app: FastAPI, snap: Snapshot) -> dict[str, Any]:
    """The static API plus a schema and paths for each object in ``snap``."""
    doc = get_openapi(
        title="Guanxi API",
        version=__version__,
        routes=app.routes,
        description="Guanxi (关系) CRM REST API. Authenticate with `Authorization: Bearer <token>`.",
    )
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    doc["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    doc["security"] = [{"bearer": []}]
    for obj in snap.objects.values():
        if obj.archived:
            continue
        schemas.update(object_schemas(obj))
        doc["paths"].update(object_paths(obj))
    return doc
