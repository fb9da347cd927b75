"""Generated matrix: every operation granted alone, tried on every object, over HTTP.

For each (object, operation) a role grants only that operation on that object (scope
"all"). A user with that role then tries every operation on every object; exactly the
granted cell may succeed. Import and export have no endpoints yet (later issues), so
their cells are checked on the compiled policy that those endpoints will consult.
"""

from __future__ import annotations

import itertools
from itertools import product
from uuid import UUID

from fastapi.testclient import TestClient

from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.platform.access.policy import OPERATIONS, load_policy
from guanxi.platform.access.users import create_token
from tests.api.conftest import Api

OBJECTS = ("account", "contact")
HTTP_OPERATIONS = ("create", "read", "update", "delete")


# Account names are registered once each (sales.registration): every record its own name.
SERIAL = itertools.count()


def attempt(api: Api, admin: Api, object_name: str, operation: str) -> bool:
    """Try one operation on a fresh record the admin made; True when it was allowed."""
    record = admin.ok(
        "POST",
        f"/records/{object_name}",
        201,
        json={"name": f"{object_name}-{operation}-{next(SERIAL)}"},
    )
    if operation == "create":
        response = api.post(f"/records/{object_name}", json={"name": f"new-{next(SERIAL)}"})
        allowed = response.status_code == 201
    elif operation == "read":
        response = api.get(f"/records/{object_name}/{record['id']}")
        listing = api.post(f"/records/{object_name}/query", json={})
        assert (response.status_code == 200) == (listing.status_code == 200), (
            response.text,
            listing.text,
        )
        allowed = response.status_code == 200
    elif operation == "update":
        response = api.patch(
            f"/records/{object_name}/{record['id']}",
            json={"name": f"changed-{next(SERIAL)}", "version": 1},
        )
        allowed = response.status_code == 200
    else:
        response = api.delete(f"/records/{object_name}/{record['id']}")
        allowed = response.status_code == 204
    assert response.status_code in {200, 201, 204, 403}, response.text
    return allowed


def test_every_role_object_operation_cell(
    admin: Api, client: TestClient, installed_db: Database, clock: FixedClock
) -> None:
    failures = []
    for n, (granted_object, granted_op) in enumerate(product(OBJECTS, OPERATIONS)):
        grant = {op: op == granted_op for op in OPERATIONS} | {"scope": "all"}
        role = admin.ok(
            "POST",
            "/admin/roles",
            201,
            json={
                "name": f"only {granted_op} {granted_object}",
                "objects": {granted_object: grant},
            },
        )
        user = admin.ok(
            "POST",
            "/admin/users",
            201,
            json={"email": f"matrix{n}@example.com", "name": f"矩阵{n}", "role_ids": [role["id"]]},
        )
        with installed_db.write() as conn:
            user_id = UUID(user["id"])
            _, token = create_token(conn, user_id, name="matrix", now=clock.now())
            policy = load_policy(conn, user_id, superuser=False)
        api = Api(client, token)
        for object_name, operation in product(OBJECTS, OPERATIONS):
            expected = (object_name, operation) == (granted_object, granted_op)
            if operation in HTTP_OPERATIONS:
                actual = attempt(api, admin, object_name, operation)
            else:
                actual = policy.can(operation, object_name)
            if actual != expected:
                failures.append(
                    f"role {role['id']} ({granted_op} {granted_object}): {operation} {object_name} → {actual}"
                )
    assert failures == []
