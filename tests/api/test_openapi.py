"""The OpenAPI document: what it tells anyone, and what it tells a signed-in user."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from guanxi.platform.access.demo import DemoOrg
from guanxi.platform.access.users import create_token
from tests.api.conftest import Api, Persona
from tests.api.test_hidden_fields import add_revenue_formulas

PUBLIC = {
    ("get", "/api/v1/health"),
    ("get", "/api/v1/auth/options"),
    ("post", "/api/v1/auth/login"),
}


def document(api: Api) -> dict[str, Any]:
    response = api.client.get("/api/openapi.json", headers=api.headers)
    assert response.status_code == 200, response.text
    doc: dict[str, Any] = response.json()
    return doc


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "patch", "put", "delete"}
    ]


def test_without_credentials_the_document_describes_only_the_fixed_endpoints(
    client: TestClient,
) -> None:
    doc = client.get("/api/openapi.json").json()
    assert "/api/v1/health" in doc["paths"] and "/api/v1/records/{object_name}" in doc["paths"]
    assert not [path for path in doc["paths"] if path.startswith("/api/v1/records/account")]
    assert not {"account", "contact", "account.input"} & set(doc["components"]["schemas"])
    assert "annual_revenue" not in json.dumps(doc)


def test_signed_in_the_document_shows_only_what_the_user_may_read(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    add_revenue_formulas(admin)
    admin.ok(
        "POST",
        "/meta/objects/account/fields",
        201,
        json={
            "name": "credit_code",
            "type": "text",
            "label": {"en": "Credit code", "zh-CN": "信用代码"},
            "regex": "^9[0-9A-Z]{17}$",
        },
    )
    admin.ok(
        "POST",
        "/meta/objects",
        201,
        json={"name": "payroll", "label": {"en": "Payroll", "zh-CN": "工资单"}},
    )
    director, zhang = persona("director_li"), persona("rep_zhang")

    seen = document(director)  # another user's document first: nothing carries over
    assert {"annual_revenue", "revenue_band"} <= set(
        seen["components"]["schemas"]["account"]["properties"]
    )

    doc = document(zhang)
    schemas = doc["components"]["schemas"]
    assert "payroll" not in schemas and "/api/v1/records/payroll" not in doc["paths"]
    account = schemas["account"]["properties"]
    assert {"name", "shout", "credit_code"} <= set(account)
    assert not {"annual_revenue", "revenue_band", "band_note"} & set(account)
    assert not {"employer_revenue", "employer_band"} & set(schemas["contact"]["properties"])
    text = json.dumps(doc)
    assert "annual_revenue" not in text
    assert "UPPER(name)" not in text and "^9[0-9A-Z]{17}$" not in text  # definitions
    assert "level" in account and "level" not in schemas["account.patch"]["properties"]
    one = doc["paths"]["/api/v1/records/account/{id}"]
    assert "delete" not in one and "patch" in one  # reps may not delete

    full = document(admin)
    account = full["components"]["schemas"]["account"]["properties"]
    assert {"annual_revenue", "revenue_band", "band_note"} <= set(account)
    assert "UPPER(name)" in json.dumps(account["shout"])
    assert "^9[0-9A-Z]{17}$" in json.dumps(account["credit_code"])
    assert "payroll" in full["components"]["schemas"]


def test_the_document_lists_problem_answers_and_which_endpoints_are_public(
    client: TestClient, admin: Api
) -> None:
    for doc in (client.get("/api/openapi.json").json(), document(admin)):
        schemas = doc["components"]["schemas"]
        assert {"Problem", "FieldError"} <= set(schemas)
        assert "HTTPValidationError" not in schemas
        assert {"bearer", "session"} <= set(doc["components"]["securitySchemes"])
        for method, path, op in operations(doc):
            responses = op["responses"]
            problems = {
                code
                for code, answer in responses.items()
                if code.startswith("4")
                and answer["content"]["application/problem+json"]["schema"]
                == {"$ref": "#/components/schemas/Problem"}
            }
            assert problems == {c for c in responses if c.startswith("4")}, (method, path)
            assert "422" in problems, (method, path)
            public = (method, path) in PUBLIC or path.startswith(
                ("/api/v1/auth/oidc/", "/api/v1/public/")
            )
            assert (op.get("security") == []) == public, (method, path)
            assert ("403" in problems) != public, (method, path)
            if not public:
                assert "401" in problems, (method, path)
            if "{" in path:
                assert "404" in problems, (method, path)
            if "requestBody" in op:
                assert "413" in problems, (method, path)
        update = doc["paths"]["/api/v1/records/{object_name}/{record_id}"]["patch"]["responses"]
        assert {"409", "412", "428"} <= set(update)
        # Layouts and saved views change against the version read, as records do.
        layout = doc["paths"]["/api/v1/meta/objects/{object_name}/layouts/{kind}"]
        assert set(layout) == {"get", "put", "delete"}
        assert {"403", "404", "412", "422", "428"} <= set(layout["put"]["responses"])
        assert layout["put"]["requestBody"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/LayoutIn"
        }
        assert {"get", "post"} == set(doc["paths"]["/api/v1/views/{object_name}"])
        view = doc["paths"]["/api/v1/views/{object_name}/{view_id}"]
        assert set(view) == {"get", "patch", "delete"}
        assert {"412", "428"} <= set(view["patch"]["responses"])

    # What the document says is what the server does: public endpoints answer without
    # credentials, every other one asks for them.
    doc = client.get("/api/openapi.json").json()
    for method, path, op in operations(doc):
        url = path.replace("{object_name}", "account")
        for name in (
            "record_id",
            "share_id",
            "token_id",
            "user_id",
            "role_id",
            "file_id",
            "view_id",
        ):
            url = url.replace("{" + name + "}", "0190a4c2-0000-7000-8000-000000000000")
        url = url.replace("{field_name}", "name").replace("{kind}", "detail")
        response = client.request(method.upper(), url)
        if op.get("security") == []:
            assert response.status_code != 401 or path == "/api/v1/auth/login", (method, path)
        else:
            assert response.status_code == 401, (method, path, response.text)


def test_a_read_only_token_sees_no_writes_in_the_document(
    client: TestClient, installed_db: Database, clock: FixedClock, demo_org: DemoOrg
) -> None:
    with installed_db.write() as conn:
        _, token = create_token(
            conn, demo_org.users["director_li"], name="reader", now=clock.now(), scope="read"
        )
    doc = document(Api(client, token))
    assert set(doc["paths"]["/api/v1/records/account"]) == {"get"}
    assert set(doc["paths"]["/api/v1/records/account/{id}"]) == {"parameters", "get"}
    assert "account.input" not in doc["components"]["schemas"]
    assert "account.patch" not in doc["components"]["schemas"]
