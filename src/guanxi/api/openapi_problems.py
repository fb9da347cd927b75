"""The error answers of the OpenAPI document: every operation lists the problem+json
statuses it may answer with, and public operations need no credentials."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Operations that need no credentials: no security requirement, no 401/403. Everything
# under PUBLIC_PREFIX is public too (a website posting a lead form).
PUBLIC_PREFIX = "/api/v1/public/"
PUBLIC_OPERATIONS = frozenset(
    {
        ("get", "/api/v1/health"),
        ("get", "/api/v1/auth/options"),
        ("post", "/api/v1/auth/login"),
        ("get", "/api/v1/auth/oidc/login"),
        ("get", "/api/v1/auth/oidc/callback"),
    }
)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


FIELD_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "FieldError",
    "required": ["field", "code", "message"],
    "properties": {
        "field": {"type": "string", "description": "the input it is about (a field path)"},
        "code": {"type": "string"},
        "message": {"type": "string"},
        "index": {"type": "integer", "description": "the row of a bulk request"},
    },
}
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string", "description": "in the caller's language"},
        "status": {"type": "integer"},
        "code": {"type": "string", "description": "stable error code"},
        "detail": {"type": ["string", "null"]},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": _ref("FieldError")},
    },
}
PROBLEMS = {
    "400": "bad request",
    "401": "no valid credentials (or a wrong password or code)",
    "403": "not allowed for this user or token",
    "404": "no such thing, or none this user may see",
    "409": "conflicts with existing data",
    "412": "the record changed since it was read",
    "413": "the request body is too large",
    "429": "too many requests from your address; wait as Retry-After says",
    "422": "invalid input, naming each bad field",
    "428": "a version (If-Match or version) is required",
}
_WRITES = frozenset({"post", "put", "patch", "delete"})
_METHODS = frozenset({"get", "head", "options", *_WRITES})


def _problems_of(method: str, path: str, op: Mapping[str, Any], public: bool) -> list[str]:
    """Which problem statuses an operation may answer with."""
    codes = ["422"]
    if op.get("parameters") or op.get("requestBody") or "{" in path:
        codes.append("400")
    if not public or path == "/api/v1/auth/login" or path.endswith("/callback"):
        codes.append("401")
    if not public:
        codes.append("403")
    if "{" in path:
        codes.append("404")
    if method in _WRITES and not public:
        codes.append("409")
    if op.get("requestBody"):
        codes.append("413")
    if method in _WRITES and path.startswith(PUBLIC_PREFIX):
        codes += ["413", "429"]  # a raw body, read by the endpoint; limited per address
    if _versioned(method, path):
        codes += ["412", "428"]
    return sorted(codes)


# Changes made against a version read (optimistic locking): stale → 412, none → 428;
# besides a record's update (any object's path).
_VERSIONED = (
    ("put", "/api/v1/meta/objects/{object_name}/layouts/{kind}"),
    ("patch", "/api/v1/views/{object_name}/{view_id}"),
)


def _versioned(method: str, path: str) -> bool:
    if method == "patch" and path.startswith("/api/v1/records/"):
        return not path.endswith("/bulk")
    return (method, path) in _VERSIONED


def add_problems(path: str, item: dict[str, Any]) -> None:
    """List the problem+json answers of a path's operations; public ones need no
    credentials (an empty security requirement)."""
    for method, op in item.items():
        if method not in _METHODS:
            continue
        public = (method, path) in PUBLIC_OPERATIONS or path.startswith(PUBLIC_PREFIX)
        responses = op.setdefault("responses", {})
        for code in _problems_of(method, path, op, public):
            responses[code] = {
                "description": PROBLEMS[code],
                "content": {"application/problem+json": {"schema": _ref("Problem")}},
            }
        if public:
            op["security"] = []
