"""The platform core as a new administrator meets it over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api

EQUIPMENT_FIELDS: list[dict[str, Any]] = [
    {
        "name": "serial_no",
        "type": "text",
        "label": {"en": "Serial number", "zh-CN": "序列号"},
        "required": True,
        "unique": True,
    },
    {
        "name": "status",
        "type": "picklist",
        "label": {"en": "Status", "zh-CN": "状态"},
        "options": [
            {"value": "active", "label": {"en": "Active", "zh-CN": "在用"}, "color": "#52c41a"},
            {"value": "repair", "label": {"en": "In repair", "zh-CN": "维修中"}},
            {"value": "retired", "label": {"en": "Retired", "zh-CN": "已报废"}},
        ],
    },
    {
        "name": "price",
        "type": "decimal",
        "label": {"en": "Price", "zh-CN": "价格"},
        "precision": 12,
        "scale": 2,
    },
    {"name": "installed_on", "type": "date", "label": {"en": "Installed on", "zh-CN": "安装日期"}},
    {
        "name": "account",
        "type": "lookup",
        "label": {"en": "Account", "zh-CN": "客户"},
        "target": "account",
    },
    {
        "name": "price_with_vat",
        "type": "formula",
        "label": {"en": "Price incl. VAT", "zh-CN": "含税价"},
        "expression": "price * 1.13",
    },
]


def make_equipment(admin: Api) -> None:
    admin.ok(
        "POST",
        "/meta/objects",
        201,
        json={"name": "equipment", "label": {"en": "Equipment", "zh-CN": "设备"}},
    )
    for spec in EQUIPMENT_FIELDS:
        admin.ok("POST", "/meta/objects/equipment/fields", 201, json=spec)


def make_accounts(admin: Api) -> list[dict[str, Any]]:
    rows = [
        {"name": "上海星辰科技有限公司", "industry": "it"},
        {"name": "Acme Manufacturing (Suzhou) Co., Ltd.", "industry": "manufacturing"},
        {"name": "杭州云帆电子商务有限公司", "industry": "retail"},
    ]
    return admin.ok("POST", "/records/account/bulk", 201, json={"records": rows})["records"]


def test_new_object_is_first_class_immediately(admin: Api) -> None:
    make_equipment(admin)
    obj = admin.ok("GET", "/meta/objects/equipment")
    assert [f["name"] for f in obj["fields"]] == [f["name"] for f in EQUIPMENT_FIELDS]
    assert obj["label"] == {"en": "Equipment", "zh-CN": "设备"}

    accounts = make_accounts(admin)
    record = admin.ok(
        "POST",
        "/records/equipment",
        201,
        json={
            "serial_no": "EQ-0001",
            "status": "active",
            "price": "1000.50",
            "installed_on": "2026-01-15",
            "account": accounts[0]["id"],
        },
    )
    assert record["version"] == 1
    assert record["price"] == "1000.50"
    assert (
        record["price_with_vat"] is not None
        and abs(float(record["price_with_vat"]) - 1130.565) < 1e-6
    )
    fetched = admin.request("GET", f"/records/equipment/{record['id']}")
    assert fetched.status_code == 200
    assert fetched.headers["etag"] == '"1"'
    assert fetched.json()["serial_no"] == "EQ-0001"


def test_bulk_insert_filter_through_lookup_sort_and_page(admin: Api) -> None:
    make_equipment(admin)
    accounts = make_accounts(admin)
    rows = [
        {
            "serial_no": f"SN-{i:05d}",
            "status": ["active", "repair", "retired"][i % 3],
            "price": f"{(i * 7) % 1000}.{i % 100:02d}",
            "installed_on": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "account": accounts[i % 3]["id"],
        }
        for i in range(1000)
    ]
    created = admin.ok(
        "POST", "/records/equipment/bulk", 201, json={"records": rows, "all_or_none": True}
    )
    assert len(created["records"]) == 1000

    query = {
        "filter": {
            "and": [
                {"field": "account.industry", "op": "eq", "value": "it"},
                {"field": "status", "op": "in", "value": ["active", "repair"]},
            ]
        },
        "sort": [
            {"field": "price", "direction": "desc"},
            {"field": "serial_no", "direction": "asc"},
        ],
        "limit": 50,
        "with_total": True,
    }
    expected = sorted(
        (r for i, r in enumerate(rows) if i % 3 == 0 and r["status"] in {"active", "repair"}),
        key=lambda r: (-float(r["price"]), r["serial_no"]),
    )
    seen: list[str] = []
    cursor = None
    while True:
        page = admin.ok("POST", "/records/equipment/query", json={**query, "cursor": cursor})
        assert page["total"] == len(expected)
        seen.extend(r["serial_no"] for r in page["records"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [r["serial_no"] for r in expected]


def test_stale_version_is_refused_and_nothing_is_written(admin: Api) -> None:
    make_equipment(admin)
    record = admin.ok("POST", "/records/equipment", 201, json={"serial_no": "EQ-1", "price": "10"})
    admin.ok(
        "PATCH",
        f"/records/equipment/{record['id']}",
        json={"price": "11"},
        headers={"If-Match": '"1"'},
    )
    stale = admin.patch(
        f"/records/equipment/{record['id']}", json={"price": "99"}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert stale.json()["code"] == "version_conflict"
    current = admin.ok("GET", f"/records/equipment/{record['id']}")
    assert current["price"] == "11.00" and current["version"] == 2


def test_bulk_with_one_bad_row_writes_nothing_and_names_row_and_field(admin: Api) -> None:
    make_equipment(admin)
    rows = [{"serial_no": f"OK-{i}", "price": "1.00"} for i in range(10)]
    rows[7] = {"serial_no": "BAD-7", "price": "not a number"}
    response = admin.post("/records/equipment/bulk", json={"records": rows})
    assert response.status_code == 422
    body = response.json()
    assert body["errors"] == [
        {"index": 7, "field": "price", "code": "type", "message": "expected a number"}
    ]
    assert admin.ok("POST", "/records/equipment/query", json={"with_total": True})["total"] == 0

    partial = admin.post("/records/equipment/bulk", json={"records": rows, "all_or_none": False})
    assert partial.status_code == 207
    assert len(partial.json()["records"]) == 9
    assert [e["index"] for e in partial.json()["errors"]] == [7]


def test_history_shows_old_and_new_values(admin: Api) -> None:
    make_equipment(admin)
    record = admin.ok(
        "POST", "/records/equipment", 201, json={"serial_no": "EQ-H", "status": "active"}
    )
    admin.ok("PATCH", f"/records/equipment/{record['id']}", json={"status": "repair", "version": 1})
    entries = admin.ok("GET", f"/records/equipment/{record['id']}/history")["entries"]
    assert entries[0]["action"] == "create"
    change = entries[-1]
    assert (change["field"], change["old"], change["new"]) == ("status", "active", "repair")
    assert change["changed_by"] and change["changed_at"]


def test_delete_then_restore_returns_the_record(admin: Api) -> None:
    make_equipment(admin)
    record = admin.ok("POST", "/records/equipment", 201, json={"serial_no": "EQ-D"})
    assert admin.delete(f"/records/equipment/{record['id']}").status_code == 204
    assert admin.get(f"/records/equipment/{record['id']}").status_code == 404
    binned = admin.ok("GET", "/recycle-bin/equipment")["records"]
    assert [r["id"] for r in binned] == [record["id"]]
    restored = admin.ok("POST", f"/records/equipment/{record['id']}/restore")
    assert restored["serial_no"] == "EQ-D"
    assert admin.ok("GET", f"/records/equipment/{record['id']}")["id"] == record["id"]


def test_openapi_lists_the_new_object(admin: Api) -> None:
    before = admin.client.get("/api/openapi.json", headers=admin.headers).json()
    assert "equipment" not in before["components"]["schemas"]
    make_equipment(admin)
    doc = admin.client.get("/api/openapi.json", headers=admin.headers).json()
    schema = doc["components"]["schemas"]["equipment"]
    assert {"serial_no", "status", "price", "installed_on", "account", "price_with_vat"} <= set(
        schema["properties"]
    )
    assert doc["components"]["schemas"]["equipment.input"]["required"] == ["serial_no"]
    assert "/api/v1/records/equipment" in doc["paths"]


def test_injection_attempts_are_literals_or_errors(admin: Api) -> None:
    make_equipment(admin)
    admin.ok("POST", "/records/equipment", 201, json={"serial_no": "EQ-X"})
    evil = "x' OR 1=1 --"
    page = admin.ok(
        "POST",
        "/records/equipment/query",
        json={"filter": {"field": "serial_no", "op": "eq", "value": evil}},
    )
    assert page["records"] == []
    unknown = admin.post(
        "/records/equipment/query",
        json={"filter": {"field": "serial_no; DROP TABLE o_equipment", "op": "eq", "value": 1}},
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["code"] == "unknown_field"
    sort = admin.post(
        "/records/equipment/query", json={"sort": [{"field": "id desc; --", "direction": "asc"}]}
    )
    assert sort.status_code == 422
    assert admin.ok("POST", "/records/equipment/query", json={"with_total": True})["total"] == 1
