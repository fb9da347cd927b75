"""Bulk updates and deletes, the recycle bin and hard purge, list via GET."""

from __future__ import annotations

import json

from tests.api.conftest import Api


def seed(admin: Api, n: int = 5) -> list[dict]:
    return admin.ok(
        "POST",
        "/records/account/bulk",
        201,
        json={"records": [{"name": f"公司{i}", "employees": i} for i in range(n)]},
    )["records"]


def test_bulk_update_is_all_or_none_with_versions(admin: Api) -> None:
    rows = seed(admin)
    changes = [
        {"id": r["id"], "version": r["version"], "employees": 100 + i} for i, r in enumerate(rows)
    ]
    changes[2]["version"] = 99
    refused = admin.patch("/records/account/bulk", json={"records": changes})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"index": 2, "field": "version", "code": "stale", "message": "is 1 now"}
    ]
    assert {r["employees"] for r in admin.ok("GET", "/records/account")["records"]} == {
        0,
        1,
        2,
        3,
        4,
    }

    partial = admin.patch("/records/account/bulk", json={"records": changes, "all_or_none": False})
    assert partial.status_code == 207
    assert sorted(r["employees"] for r in admin.ok("GET", "/records/account")["records"]) == [
        2,
        100,
        101,
        103,
        104,
    ]


def test_update_without_a_version_is_refused(admin: Api) -> None:
    record = seed(admin, 1)[0]
    response = admin.patch(f"/records/account/{record['id']}", json={"employees": 7})
    assert response.status_code == 428
    assert response.json()["errors"][0]["field"] == "version"


def test_bulk_delete_then_purge_for_good(admin: Api) -> None:
    rows = seed(admin, 3)
    result = admin.ok(
        "POST", "/records/account/bulk-delete", json={"ids": [r["id"] for r in rows[:2]]}
    )
    assert result["deleted"] == 2
    assert len(admin.ok("GET", "/recycle-bin/account")["records"]) == 2
    assert admin.delete(f"/recycle-bin/account/{rows[0]['id']}").status_code == 204
    assert admin.post(f"/records/account/{rows[0]['id']}/restore").status_code == 404
    assert len(admin.ok("GET", "/recycle-bin/account")["records"]) == 1
    assert (
        admin.delete(f"/recycle-bin/account/{rows[2]['id']}").status_code == 404
    )  # live records are not purged
    history = admin.ok("GET", f"/records/account/{rows[1]['id']}/history")["entries"]
    assert [e["action"] for e in history] == ["create", "delete"]


def test_list_with_query_parameters(admin: Api) -> None:
    seed(admin, 6)
    page = admin.ok(
        "GET",
        "/records/account",
        params={
            "sort": "-employees",
            "limit": 2,
            "fields": "name,employees",
            "with_total": "true",
            "filter": json.dumps({"field": "employees", "op": "gte", "value": 2}),
        },
    )
    assert [r["employees"] for r in page["records"]] == [5, 4]
    assert page["total"] == 4 and page["next_cursor"]
    assert set(page["records"][0]) >= {"id", "version", "name", "employees"}
    assert "industry" not in page["records"][0]
    following = admin.ok(
        "GET",
        "/records/account",
        params={
            "sort": "-employees",
            "limit": 2,
            "cursor": page["next_cursor"],
            "filter": json.dumps({"field": "employees", "op": "gte", "value": 2}),
        },
    )
    assert [r["employees"] for r in following["records"]] == [3, 2]
    assert following["next_cursor"] is None
    wrong = admin.get("/records/account", params={"sort": "name", "cursor": page["next_cursor"]})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "cursor"


def test_owner_and_user_fields_must_name_active_users(admin: Api, rep_zhang: Api) -> None:
    me = admin.ok("POST", "/records/account", 201, json={"name": "甲公司"})
    assert me["owner_id"] == me["created_by_id"]
    bad = admin.post(
        "/records/account",
        json={"name": "乙公司", "owner_id": "01890000-0000-7000-8000-000000000000"},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "owner_id"
    theirs = rep_zhang.ok("POST", "/records/account", 201, json={"name": "丙公司"})
    moved = admin.ok(
        "PATCH", f"/records/account/{me['id']}", json={"owner_id": theirs["owner_id"], "version": 1}
    )
    assert moved["owner_id"] == theirs["owner_id"]
    assert (
        admin.ok("GET", f"/records/account/{me['id']}/history")["entries"][-1]["field"]
        == "owner_id"
    )
