"""Records behaviour a user notices: lookups, numbering, related records, filters, search."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import orjson
import pytest
from sqlalchemy import update

from guanxi.kernel.db import Database
from guanxi.platform.access.demo import DemoOrg
from guanxi.platform.metadata.registry import Registry
from tests.api.conftest import Api, Persona
from tests.statements import count_queries


def accounts_with_contacts(admin: Api, n: int = 20) -> list[dict[str, Any]]:
    accounts = admin.ok(
        "POST",
        "/records/account/bulk",
        201,
        json={
            "records": [
                {"name": f"客户{i:02d}", "industry": "it" if i % 2 else "retail"} for i in range(n)
            ]
        },
    )["records"]
    contacts = [
        {"name": f"联系人{i:02d}", "account": a["id"], "mobile": f"1380013{i:04d}"}
        for i, a in enumerate(accounts)
    ]
    admin.ok("POST", "/records/contact/bulk", 201, json={"records": contacts})
    return accounts


def test_related_records_are_included_without_n_plus_1(admin: Api, installed_db: Database) -> None:
    accounts_with_contacts(admin, 30)
    with count_queries(installed_db) as statements:
        page = admin.ok(
            "POST",
            "/records/contact/query",
            json={
                "limit": 30,
                "include": ["account"],
                "fields": ["name", "account", "account.industry"],
            },
        )
    assert len(page["records"]) == 30
    first = page["records"][0]
    assert first["_related"]["account"]["name"].startswith("客户")
    assert first["account.industry"] in {"it", "retail"}
    # token check + metadata version + page + one query for the included accounts (+ BEGIN/COMMIT noise on SQLite)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 5, selects


def test_auto_numbers_are_sequential_and_read_only(admin: Api) -> None:
    first = admin.ok("POST", "/records/account", 201, json={"name": "甲"})
    second = admin.ok("POST", "/records/account", 201, json={"name": "乙"})
    assert first["account_no"] == "ACC-2026-000001"
    assert second["account_no"] == "ACC-2026-000002"
    refused = admin.patch(f"/records/account/{first['id']}", json={"account_no": "X", "version": 1})
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "read_only"


def test_lookup_must_point_at_a_live_record(admin: Api) -> None:
    response = admin.post(
        "/records/contact", json={"name": "王伟", "account": "01890000-0000-7000-8000-000000000000"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "account"


def test_deleting_an_account_cascades_to_contacts_and_restore_brings_them_back(admin: Api) -> None:
    account = accounts_with_contacts(admin, 1)[0]
    assert admin.ok("POST", "/records/contact/query", json={"with_total": True})["total"] == 1
    admin.delete(f"/records/account/{account['id']}")
    assert admin.ok("POST", "/records/contact/query", json={"with_total": True})["total"] == 0
    admin.ok("POST", f"/records/account/{account['id']}/restore")
    assert admin.ok("POST", "/records/contact/query", json={"with_total": True})["total"] == 1


def test_restrict_and_set_null_lookups(admin: Api) -> None:
    admin.ok("POST", "/meta/objects", 201, json={"name": "visit", "label": "Visit"})
    admin.ok(
        "POST",
        "/meta/objects/visit/fields",
        201,
        json={"name": "subject", "type": "text", "label": "Subject"},
    )
    admin.ok(
        "POST",
        "/meta/objects/visit/fields",
        201,
        json={
            "name": "account",
            "type": "lookup",
            "label": "Account",
            "target": "account",
            "on_delete": "restrict",
        },
    )
    admin.ok(
        "POST",
        "/meta/objects/visit/fields",
        201,
        json={
            "name": "contact",
            "type": "lookup",
            "label": "Contact",
            "target": "contact",
            "on_delete": "set_null",
        },
    )
    account = accounts_with_contacts(admin, 1)[0]
    contact = admin.ok("POST", "/records/contact/query", json={})["records"][0]
    visit = admin.ok(
        "POST",
        "/records/visit",
        201,
        json={"subject": "拜访", "account": account["id"], "contact": contact["id"]},
    )
    blocked = admin.delete(f"/records/account/{account['id']}")
    assert blocked.status_code == 409
    assert blocked.json()["errors"][0]["field"] == "visit.account"
    admin.delete(f"/records/contact/{contact['id']}")
    after = admin.ok("GET", f"/records/visit/{visit['id']}")
    assert after["contact"] is None and after["version"] == 2
    history = admin.ok("GET", f"/records/visit/{visit['id']}/history")["entries"]
    assert history[-1]["field"] == "contact" and history[-1]["new"] is None


def test_relative_date_filters_use_the_users_calendar(admin: Api) -> None:
    admin.ok("POST", "/meta/objects", 201, json={"name": "chore", "label": "Chore"})
    admin.ok(
        "POST",
        "/meta/objects/chore/fields",
        201,
        json={"name": "title", "type": "text", "label": "Title"},
    )
    admin.ok(
        "POST",
        "/meta/objects/chore/fields",
        201,
        json={"name": "due", "type": "date", "label": "Due"},
    )
    # The fixed clock says Monday 2026-11-23.
    days = {
        "sun": "2026-11-22",
        "mon": "2026-11-23",
        "wed": "2026-11-25",
        "nextmon": "2026-11-30",
        "oct": "2026-10-15",
    }
    admin.ok(
        "POST",
        "/records/chore/bulk",
        201,
        json={"records": [{"title": k, "due": v} for k, v in days.items()]},
    )

    def titles(value: Any, op: str = "eq") -> set[str]:
        page = admin.ok(
            "POST",
            "/records/chore/query",
            json={"filter": {"field": "due", "op": op, "value": value}},
        )
        return {r["title"] for r in page["records"]}

    assert titles("today") == {"mon"}
    assert titles("this_week") == {"mon", "wed"}
    assert titles("last_week") == {"sun"}
    assert titles("next_week") == {"nextmon"}
    assert titles("this_month") == {"sun", "mon", "wed", "nextmon"}
    assert titles("last_month") == {"oct"}
    assert titles("this_quarter") == {"sun", "mon", "wed", "nextmon", "oct"}
    assert titles("last_n_days:1") == {"sun", "mon"}
    assert titles("next_n_days:7") == {"wed", "nextmon"}
    assert titles("today", "lt") == {"sun", "oct"}
    assert titles(["last_week", "this_week"], "between") == {"sun", "mon", "wed"}


def test_filter_operators_on_text_numbers_sets_and_nulls(admin: Api) -> None:
    rows = [
        {
            "name": "上海星辰科技有限公司",
            "employees": 50,
            "tags": ["VIP", "华东"],
            "email": "info@xingchen.cn",
        },
        {"name": "Acme Trading Co., Ltd.", "employees": 300, "tags": ["华南"]},
        {"name": "北京100%_真实公司", "employees": None, "tags": []},
    ]
    admin.ok("POST", "/records/account/bulk", 201, json={"records": rows})

    def names(condition: dict[str, Any]) -> set[str]:
        page = admin.ok("POST", "/records/account/query", json={"filter": condition})
        return {r["name"] for r in page["records"]}

    assert names({"field": "name", "op": "contains", "value": "星辰"}) == {rows[0]["name"]}
    assert names({"field": "name", "op": "contains", "value": "acme"}) == {rows[1]["name"]}
    assert names({"field": "name", "op": "contains", "value": "100%_"}) == {rows[2]["name"]}
    assert names({"field": "name", "op": "starts_with", "value": "上海"}) == {rows[0]["name"]}
    assert names({"field": "name", "op": "ends_with", "value": "Ltd."}) == {rows[1]["name"]}
    assert names({"field": "employees", "op": "between", "value": [10, 100]}) == {rows[0]["name"]}
    assert names({"field": "employees", "op": "is_null", "value": True}) == {rows[2]["name"]}
    assert names({"field": "employees", "op": "ne", "value": 50}) == {
        rows[1]["name"],
        rows[2]["name"],
    }
    assert names({"field": "tags", "op": "contains", "value": "VIP"}) == {rows[0]["name"]}
    both = rows[0]["tags"]
    assert names({"field": "tags", "op": "contains", "value": [*both, both[0]]}) == {
        rows[0]["name"]
    }
    assert names({"field": "tags", "op": "contains", "value": [both[0], "华南"]}) == set()
    # A thousand values are one condition (on SQLite they once nested past its limit).
    many = [*both, *(f"t{i}" for i in range(998))]
    assert names({"field": "tags", "op": "contains", "value": many}) == set()
    assert names({"field": "tags", "op": "in", "value": many}) == {rows[0]["name"]}
    assert names({"field": "tags", "op": "in", "value": ["华南", "华东"]}) == {
        rows[0]["name"],
        rows[1]["name"],
    }
    assert names({"field": "tags", "op": "is_null", "value": True}) == {rows[2]["name"]}
    assert names({"not": {"field": "employees", "op": "gt", "value": 100}}) == {rows[0]["name"]}
    assert names(
        {
            "or": [
                {"field": "email", "op": "is_null", "value": False},
                {"field": "employees", "op": "gte", "value": 300},
            ]
        }
    ) == {rows[0]["name"], rows[1]["name"]}
    bad = admin.post(
        "/records/account/query",
        json={"filter": {"field": "employees", "op": "gt", "value": "many"}},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "employees"
    bad_op = admin.post(
        "/records/account/query",
        json={"filter": {"field": "tags", "op": "starts_with", "value": "V"}},
    )
    assert bad_op.status_code == 422


def test_global_search_finds_chinese_english_email_and_phone_substrings(admin: Api) -> None:
    admin.ok(
        "POST",
        "/records/account/bulk",
        201,
        json={
            "records": [
                {"name": "杭州云帆电子商务有限公司", "email": "hello@yunfan.cn"},
                {"name": "Globex Logistics", "phone": "021-6288 1234"},
            ]
        },
    )
    admin.ok("POST", "/records/contact", 201, json={"name": "李云帆", "mobile": "13800138000"})

    def found(q: str) -> dict[str, set[str]]:
        body = admin.ok("GET", "/search", params={"q": q})
        return {
            group["object"]: {r["title"] for r in group["records"]} for group in body["results"]
        }

    assert found("云帆") == {"account": {"杭州云帆电子商务有限公司"}, "contact": {"李云帆"}}
    assert found("globex") == {"account": {"Globex Logistics"}}
    assert found("yunfan.cn") == {"account": {"杭州云帆电子商务有限公司"}}
    assert found("138 0013") == {"contact": {"李云帆"}}
    assert found("6288") == {"account": {"Globex Logistics"}}
    assert found("不存在") == {}


def test_currency_filters_formula_numbers_and_cursor_binding(admin: Api) -> None:
    admin.ok(
        "POST",
        "/meta/objects/account/fields",
        201,
        json={
            "name": "half_revenue",
            "type": "formula",
            "label": "Half",
            "expression": "annual_revenue / 2",
        },
    )
    admin.ok(
        "POST",
        "/meta/objects/account/fields",
        201,
        json={
            "name": "ratio",
            "type": "formula",
            "label": "Ratio",
            "expression": "employees / 4",
            "scale": 2,
        },
    )
    rows = [
        {"name": f"币{i}", "annual_revenue": f"{i * 1000}.50", "employees": i} for i in range(1, 6)
    ]
    admin.ok("POST", "/records/account/bulk", 201, json={"records": rows})
    page = admin.ok(
        "POST",
        "/records/account/query",
        json={
            "filter": {"field": "annual_revenue", "op": "gte", "value": "3000"},
            "sort": ["annual_revenue"],
            "limit": 2,
        },
    )
    assert [r["name"] for r in page["records"]] == ["币3", "币4"]
    assert page["records"][0]["half_revenue"] == "1500.25"  # same text on SQLite and PostgreSQL
    assert page["records"][0]["ratio"] == "0.75"
    other_filter = admin.post(
        "/records/account/query",
        json={"sort": ["annual_revenue"], "limit": 2, "cursor": page["next_cursor"]},
    )
    assert other_filter.status_code == 422 and other_filter.json()["errors"][0]["field"] == "cursor"
    mismatch = admin.post(
        "/meta/objects/account/fields",
        json={
            "name": "bad",
            "type": "formula",
            "label": "Bad",
            "expression": "name",
            "result_type": "number",
        },
    )
    assert mismatch.status_code == 422 and mismatch.json()["errors"][0]["field"] == "result_type"


@pytest.mark.parametrize("value", ["9e5000000", "-1E+999999999", "1e-999999", "NaN", "Infinity"])
def test_numbers_out_of_every_range_are_refused_in_filters(admin: Api, value: str) -> None:
    admin.ok(
        "POST",
        "/meta/objects/account/fields",
        201,
        json={
            "name": "half_employees",
            "type": "formula",
            "label": "Half",
            "expression": "employees / 2",
        },
    )
    for field in ("employees", "annual_revenue", "half_employees"):
        answer = admin.post(
            "/records/account/query",
            json={"filter": {"field": field, "op": "gt", "value": value}},
        )
        assert answer.status_code == 422, (field, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["errors"][0]["field"] == field


def test_include_works_with_an_explicit_field_list_and_failed_bulk_delete_is_422(
    admin: Api,
) -> None:
    accounts_with_contacts(admin, 2)
    page = admin.ok(
        "POST", "/records/contact/query", json={"fields": ["name"], "include": ["account"]}
    )
    assert all(r["_related"]["account"]["name"].startswith("客户") for r in page["records"])
    failed = admin.post(
        "/records/account/bulk-delete",
        json={"ids": ["01890000-0000-7000-8000-000000000000"], "all_or_none": False},
    )
    assert failed.status_code == 422 and failed.json()["deleted"] == 0
    assert failed.headers["content-type"] == "application/problem+json"
    assert failed.json()["errors"][0]["index"] == 0
    for method, path in (("POST", "/records/account/bulk"), ("PATCH", "/records/account/bulk")):
        none_landed = admin.request(
            method, path, json={"records": [{"nope": 1}], "all_or_none": False}
        )
        assert none_landed.status_code == 422
        assert none_landed.headers["content-type"] == "application/problem+json"
        body = none_landed.json()
        assert body["code"] == "validation_failed" and body["records"] == []
        assert body["errors"][0]["index"] == 0


def test_tiny_decimals_read_as_plain_numbers_everywhere(admin: Api) -> None:
    """0.00000001 is never shown as 1E-8: not on create, read, query, formula or history."""
    admin.ok("POST", "/meta/objects", 201, json={"name": "rate", "label": {"en": "Rate"}})
    for field in [
        {"name": "fee", "type": "decimal", "precision": 18, "scale": 8},
        {"name": "double_fee", "type": "formula", "expression": "fee * 2"},
    ]:
        admin.ok("POST", "/meta/objects/rate/fields", 201, json={"label": {"en": "x"}, **field})
    created = admin.ok("POST", "/records/rate", 201, json={"fee": "0.00000001"})
    assert created["fee"] == "0.00000001"
    assert admin.ok("GET", f"/records/rate/{created['id']}")["fee"] == "0.00000001"
    changed = admin.ok(
        "PATCH",
        f"/records/rate/{created['id']}",
        json={"fee": "-0.00000005"},
        headers={"If-Match": '"1"'},
    )
    assert changed["fee"] == "-0.00000005"
    page = admin.ok("POST", "/records/rate/query", json={"fields": ["fee", "double_fee"]})
    assert page["records"][0]["fee"] == "-0.00000005"
    assert page["records"][0]["double_fee"] == "-0.0000001"
    entries = admin.ok("GET", f"/records/rate/{created['id']}/history")["entries"]
    fee = next(e for e in entries if e["field"] == "fee" and e["old"] is not None)
    assert (fee["old"], fee["new"]) == ("0.00000001", "-0.00000005")


def test_a_record_created_for_an_owner_out_of_sight_answers_with_its_id(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    # With a formula field the created record is read back, under the creator's data scope.
    admin.ok(
        "POST",
        "/meta/objects/account/fields",
        201,
        json={"name": "double", "type": "formula", "label": "2×", "expression": "employees * 2"},
    )
    zhang = persona("rep_zhang")
    body = {"name": "交给小刘", "employees": 3, "owner_id": str(demo_org.users["rep_liu"])}
    created = zhang.ok("POST", "/records/account", 201, json=body)
    assert created["version"] == 1
    assert zhang.get(f"/records/account/{created['id']}").status_code == 404
    seen = persona("rep_liu").ok("GET", f"/records/account/{created['id']}")
    assert seen["name"] == "交给小刘" and seen["double"] == "6"
    bulk = zhang.ok(
        "POST",
        "/records/account/bulk",
        201,
        json={"records": [{**body, "name": "也交给小刘"}, {"name": "自己的"}]},
    )
    assert [r["version"] for r in bulk["records"]] == [1, 1]
    assert bulk["records"][1]["name"] == "自己的" and "name" not in bulk["records"][0]


def _pages(api: Api, sort: list[dict[str, str]]) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        page = api.ok(
            "POST", "/records/gadget/query", json={"sort": sort, "limit": 2, "cursor": cursor}
        )
        ids += [r["id"] for r in page["records"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return ids


def test_cursors_page_every_sortable_kind_and_refuse_tampered_values(admin: Api) -> None:
    admin.ok("POST", "/meta/objects", 201, json={"name": "gadget", "label": "Gadget"})
    fields = [
        {"name": "label", "type": "text"},
        {"name": "flag", "type": "boolean"},
        {"name": "size", "type": "integer"},
        {"name": "price", "type": "decimal", "scale": 2},
        {"name": "day", "type": "date"},
        {"name": "at", "type": "datetime"},
        {"name": "double", "type": "formula", "expression": "size * 2"},
        {"name": "big", "type": "formula", "expression": "size > 2"},
        {"name": "shout", "type": "formula", "expression": "UPPER(label)"},
    ]
    for spec in fields:
        admin.ok("POST", "/meta/objects/gadget/fields", 201, json={"label": spec["name"], **spec})
    rows = [
        {
            "label": f"g{i % 3}",
            "flag": i % 2 == 0,
            "size": i % 4,
            "price": f"{i % 3}.5",
            "day": f"2026-01-0{1 + i % 3}",
            "at": f"2026-01-01T0{i % 3}:00:00+08:00",
        }
        for i in range(7)
    ]
    rows.append({})  # NULLs sort too
    created = admin.ok("POST", "/records/gadget/bulk", 201, json={"records": rows})
    every = sorted(r["id"] for r in created["records"])
    for spec in fields:
        for direction in ("asc", "desc"):
            seen = _pages(admin, [{"field": spec["name"], "direction": direction}])
            assert sorted(seen) == every, (spec["name"], direction)

    def tampered(field: str, value: Any) -> Any:
        sort = [{"field": field, "direction": "asc"}]
        first = admin.ok("POST", "/records/gadget/query", json={"sort": sort, "limit": 2})
        raw = first["next_cursor"] + "=" * (-len(first["next_cursor"]) % 4)
        payload = orjson.loads(base64.urlsafe_b64decode(raw))
        payload["v"][0] = value
        cursor = base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")
        return admin.post("/records/gadget/query", json={"sort": sort, "cursor": cursor})

    for field, value in [
        ("label", {"$gt": ""}),
        ("label", [1, 2]),
        ("size", "1"),
        ("size", True),
        ("flag", "yes"),
        ("price", "NaN"),
        ("price", "9e999999"),
        ("price", "abc"),
        ("at", "0001-01-01T00:00:00+08:00"),
        ("label", "a\x00b"),
        ("day", 20260101),
        ("at", "2026-01-01T00:00:00"),
        ("double", "Infinity"),
        ("shout", {"a": 1}),
    ]:
        answer = tampered(field, value)
        assert answer.status_code == 422, (field, value, answer.text)
        assert answer.json()["errors"][0]["field"] == "cursor"


def test_filters_nested_too_deep_or_binding_too_many_values_are_refused(admin: Api) -> None:
    node: Any = {"field": "name", "op": "eq", "value": "x"}
    for _ in range(40):
        node = {"not": node}
    deep = admin.post("/records/account/query", json={"filter": node})
    assert deep.status_code == 422 and "nested" in deep.json()["errors"][0]["message"]
    many = {
        "or": [
            {"field": "name", "op": "in", "value": [f"{n}-{i}" for i in range(1000)]}
            for n in range(11)
        ]
    }
    answer = admin.post("/records/account/query", json={"filter": many})
    assert answer.status_code == 422 and "10000 values" in answer.json()["errors"][0]["message"]
    for odd in (
        {"field": "name", "op": ["eq"], "value": "x"},
        {"not": {"field": "name", "op": {}}},
    ):
        answer = admin.post("/records/account/query", json={"filter": odd})
        assert answer.status_code == 422 and "unknown operator" in answer.text
    backwards = admin.post(
        "/records/account/query", json={"sort": [{"field": "name", "direction": ["asc"]}]}
    )
    assert backwards.status_code == 422
    ten = {"or": many["or"][:10]}
    assert admin.ok("POST", "/records/account/query", json={"filter": ten})["records"] == []


def test_date_times_out_of_range_are_refused_and_old_ones_still_read(
    admin: Api, installed_db: Database
) -> None:
    far = {"name": "far", "last_activity_at": "9999-12-31T20:00:00Z"}
    for path in ("/records/account", "/records/account/bulk"):
        body = far if path.endswith("account") else {"records": [far], "return_records": False}
        refused = admin.post(path, json=body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "last_activity_at"
    # A value stored before the range was checked: shown in UTC, not a 500 for everyone.
    record = admin.ok("POST", "/records/account", 201, json={"name": "旧数据"})
    with installed_db.write() as conn:
        table = Registry().snapshot(conn).table("account")
        conn.execute(
            update(table)
            .where(table.c.id == UUID(record["id"]))
            .values(last_activity_at=datetime(9999, 12, 31, 20, tzinfo=UTC))
        )
    assert admin.ok("GET", f"/records/account/{record['id']}")["last_activity_at"] == (
        "9999-12-31T20:00:00+00:00"
    )
    listed = admin.ok("GET", "/records/account", params={"limit": 50})["records"]
    assert any(r["last_activity_at"] == "9999-12-31T20:00:00+00:00" for r in listed)


def test_every_record_keeps_an_owner(admin: Api) -> None:
    refused = admin.post("/records/account", json={"name": "无主", "owner_id": None})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "owner_id"
    record = admin.ok("POST", "/records/account", 201, json={"name": "有主"})
    cleared = admin.patch(f"/records/account/{record['id']}", json={"owner_id": None, "version": 1})
    assert cleared.status_code == 422 and cleared.json()["errors"][0]["code"] == "required"
    assert admin.ok("GET", f"/records/account/{record['id']}")["owner_id"] == record["owner_id"]
