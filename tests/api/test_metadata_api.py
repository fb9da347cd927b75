"""Defining and changing objects and fields at runtime, over HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient

from guanxi.app import create_app
from guanxi.config import Settings
from guanxi.kernel.clock import FixedClock
from guanxi.kernel.db import Database
from tests.api.conftest import Api


def new_object(admin: Api, name: str = "project") -> None:
    admin.ok(
        "POST",
        "/meta/objects",
        201,
        json={"name": name, "label": {"en": "Project", "zh-CN": "项目"}},
    )


def add_field(admin: Api, obj: str, **spec: object) -> dict:
    spec.setdefault("label", {"en": str(spec["name"]).title(), "zh-CN": str(spec["name"])})
    return admin.ok("POST", f"/meta/objects/{obj}/fields", 201, json=spec)


def test_a_second_server_process_sees_new_fields_on_its_next_request(
    admin: Api, installed_db: Database, clock: FixedClock
) -> None:
    other_db = Database(
        installed_db.url.render_as_string(hide_password=False), schema=installed_db.schema
    )
    with TestClient(create_app(Settings(), db=other_db, clock=clock)) as other_client:
        other = Api(other_client, admin.headers["Authorization"].split()[1])
        assert other.ok("GET", "/meta/objects/account")["name"] == "account"  # warms its cache
        new_object(admin)
        add_field(admin, "project", name="budget", type="integer")
        record = other.ok("POST", "/records/project", 201, json={"budget": 5})
        assert record["budget"] == 5
    other_db.dispose()


def test_labels_change_freely_while_the_api_name_stays(admin: Api) -> None:
    new_object(admin)
    add_field(admin, "project", name="code", type="text")
    admin.ok(
        "PATCH", "/meta/objects/project", json={"label": {"en": "Engagement", "zh-CN": "合作项目"}}
    )
    admin.ok(
        "PATCH",
        "/meta/objects/project/fields/code",
        json={"label": {"en": "Project code", "zh-CN": "项目编号"}},
    )
    obj = admin.ok("GET", "/meta/objects/project")
    assert obj["label"]["zh-CN"] == "合作项目"
    assert obj["fields"][0]["name"] == "code" and obj["fields"][0]["label"]["en"] == "Project code"
    assert admin.ok("POST", "/records/project", 201, json={"code": "P-1"})["code"] == "P-1"


def test_archived_field_disappears_and_comes_back_with_its_data(admin: Api) -> None:
    new_object(admin)
    add_field(admin, "project", name="code", type="text")
    add_field(admin, "project", name="budget", type="decimal", scale=2)
    record = admin.ok("POST", "/records/project", 201, json={"code": "P-1", "budget": "12.50"})
    assert admin.delete("/meta/objects/project/fields/budget").status_code == 204
    assert "budget" not in admin.ok("GET", f"/records/project/{record['id']}")
    refused = admin.post("/records/project", json={"code": "P-2", "budget": "1"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "budget"
    again = admin.post(
        "/meta/objects/project/fields",
        json={"name": "budget", "type": "integer", "label": "Budget"},
    )
    assert again.status_code == 409 and "restore" in again.json()["errors"][0]["message"]
    admin.ok("POST", "/meta/objects/project/fields/budget/restore")
    assert admin.ok("GET", f"/records/project/{record['id']}")["budget"] == "12.50"


def test_unsafe_type_changes_are_refused_and_safe_ones_keep_values(admin: Api) -> None:
    new_object(admin)
    add_field(admin, "project", name="code", type="text")
    add_field(admin, "project", name="headcount", type="integer")
    record = admin.ok("POST", "/records/project", 201, json={"code": "P-1", "headcount": 42})
    refused = admin.patch("/meta/objects/project/fields/code", json={"type": "integer"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "unsafe_type_change"
    assert refused.json()["errors"][0]["field"] == "type"
    admin.ok(
        "PATCH", "/meta/objects/project/fields/headcount", json={"type": "decimal", "scale": 1}
    )
    admin.ok("PATCH", "/meta/objects/project/fields/code", json={"type": "long_text"})
    after = admin.ok("GET", f"/records/project/{record['id']}")
    assert after["headcount"] == "42.0" and after["code"] == "P-1"
    shrink = admin.patch("/meta/objects/project/fields/headcount", json={"scale": 0})
    assert shrink.status_code == 409


def test_making_a_field_unique_fails_clearly_when_data_has_duplicates(admin: Api) -> None:
    new_object(admin)
    add_field(admin, "project", name="code", type="text")
    admin.ok(
        "POST", "/records/project/bulk", 201, json={"records": [{"code": "same"}, {"code": "same"}]}
    )
    response = admin.patch("/meta/objects/project/fields/code", json={"unique": True})
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "unique"


def test_unique_values_are_enforced_per_row_and_freed_by_deletion(admin: Api) -> None:
    new_object(admin)
    add_field(admin, "project", name="code", type="text", unique=True)
    first = admin.ok("POST", "/records/project", 201, json={"code": "P-1"})
    dup = admin.post("/records/project", json={"code": "P-1"})
    assert dup.status_code == 422
    assert dup.json()["errors"] == [
        {
            "index": 0,
            "field": "code",
            "code": "duplicate",
            "message": "is already used by another record",
        }
    ]
    admin.delete(f"/records/project/{first['id']}")
    admin.ok("POST", "/records/project", 201, json={"code": "P-1"})
    blocked = admin.post(f"/records/project/{first['id']}/restore")
    assert blocked.status_code == 409


def test_bad_definitions_name_the_field_and_reason(admin: Api) -> None:
    for name in ("Bad Name!", "widget\n"):
        response = admin.post("/meta/objects", json={"name": name, "label": "x"})
        assert response.status_code == 422, name
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["field"] == "name"
    new_object(admin)
    cases = [
        ({"name": "stage", "type": "picklist", "label": "Stage"}, "options"),
        ({"name": "acct", "type": "lookup", "label": "Account", "target": "nope"}, "target"),
        (
            {
                "name": "total",
                "type": "formula",
                "label": "Total",
                "expression": "missing_field * 2",
            },
            "expression",
        ),
        ({"name": "total", "type": "formula", "label": "Total", "expression": "1 +"}, "expression"),
        ({"name": "size", "type": "decimal", "label": "Size", "scale": 40}, "scale"),
        ({"name": "id", "type": "text", "label": "Id"}, "name"),
        # "$" also matches before a final newline; the name would reach the DDL with it
        ({"name": "status\n", "type": "text", "label": "Status"}, "name"),
        ({"name": "code", "type": "text", "label": "Code", "regex": "(("}, "regex"),
        ({"name": "level", "type": "integer", "label": "Level", "default": "high"}, "default"),
        ({"name": "n", "type": "auto_number", "label": "No", "format": "X-{YYYY}"}, "format"),
    ]
    for spec, field in cases:
        response = admin.post("/meta/objects/project/fields", json=spec)
        assert response.status_code == 422, (spec, response.text)
        assert response.json()["errors"][0]["field"] == field, (spec, response.json())


def test_only_administrators_change_metadata(rep_zhang: Api) -> None:
    response = rep_zhang.post("/meta/objects", json={"name": "secret", "label": "Secret"})
    assert response.status_code == 403
    assert rep_zhang.ok("GET", "/meta/objects")["objects"]


def test_objects_a_user_may_not_read_are_not_described_to_them(admin: Api, rep_zhang: Api) -> None:
    admin.ok("POST", "/meta/objects", 201, json={"name": "payroll", "label": "工资"})
    admin.ok(
        "POST",
        "/meta/objects/payroll/fields",
        201,
        json={"name": "salary", "type": "decimal", "label": "Salary"},
    )
    assert "payroll" not in {o["name"] for o in rep_zhang.ok("GET", "/meta/objects")["objects"]}
    for path in (
        "/meta/objects/payroll",
        "/meta/objects/payroll/fields",
        "/meta/objects/payroll/fields/salary",
    ):
        hidden = rep_zhang.get(path)
        missing = rep_zhang.get(path.replace("payroll", "nothing"))
        assert hidden.status_code == missing.status_code == 404, path
        assert hidden.json()["detail"] == missing.json()["detail"].replace("nothing", "payroll")
    assert rep_zhang.ok("GET", "/meta/objects/account/fields")["fields"]
    assert admin.ok("GET", "/meta/objects/payroll/fields/salary")["type"] == "decimal"


def test_requests_without_a_valid_token_are_refused(client: TestClient) -> None:
    assert client.get("/api/v1/meta/objects").status_code == 401
    bad = client.get("/api/v1/meta/objects", headers={"Authorization": "Bearer gx_nope"})
    assert bad.status_code == 401
    assert bad.json()["code"] == "unauthenticated"
    assert client.get("/api/v1/health").json()["status"] == "ok"


def test_an_object_keeps_the_icon_chosen_for_it(admin: Api) -> None:
    created = admin.ok(
        "POST",
        "/meta/objects",
        201,
        json={"name": "project", "label": {"en": "Project", "zh-CN": "项目"}, "icon": "rocket"},
    )
    assert created["icon"] == "rocket"
    admin.ok("PATCH", "/meta/objects/project", json={"icon": "flag"})
    assert admin.ok("GET", "/meta/objects/project")["icon"] == "flag"
    refused = admin.request("PATCH", "/meta/objects/project", json={"icon": "<script>"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "icon"


def test_the_formula_editor_learns_the_result_type_or_the_error_as_one_types(
    admin: Api, rep_zhang: Api
) -> None:
    answer = admin.ok(
        "POST", "/meta/objects/account/formula-check", json={"expression": "employees * 2"}
    )
    assert answer == {"result_type": "number"}
    refused = admin.request(
        "POST", "/meta/objects/account/formula-check", json={"expression": "employees * "}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "expression"
    unknown = admin.request(
        "POST", "/meta/objects/account/formula-check", json={"expression": "no_such_field + 1"}
    )
    assert unknown.status_code == 422 and "no_such_field" in unknown.json()["errors"][0]["message"]
    # Defining objects is an administrator's work: so is trying their formulas.
    assert (
        rep_zhang.request(
            "POST", "/meta/objects/account/formula-check", json={"expression": "1"}
        ).status_code
        == 403
    )
    # Nothing was created by trying.
    fields = admin.ok("GET", "/meta/objects/account/fields")["fields"]
    assert "formula_probe" not in {f["name"] for f in fields}
