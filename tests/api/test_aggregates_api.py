"""Totals per group (kanban columns, list summaries) over HTTP, within the user's scope."""

from __future__ import annotations

from typing import Any

from guanxi.platform.access.demo import DemoOrg
from tests.api.conftest import Api, Persona

ACCOUNTS: list[tuple[str, str | None, str, str, int | None]] = [
    # name, industry, owner, annual revenue, employees
    ("星辰科技", "retail", "rep_zhang", "100.10", 10),
    ("云帆电商", "retail", "rep_zhang", "200.25", None),
    ("苏州制造", "manufacturing", "rep_wang", "1000.00", 300),
    ("广州物流", "logistics", "rep_liu", "0.01", 50),
    ("无名公司", None, "rep_zhang", "5.00", 7),
    ("杭州软件", "it", "rep_liu", "12.34", 20),
]


def load_accounts(admin: Api, demo_org: DemoOrg) -> list[dict[str, Any]]:
    rows = [
        {
            "name": name,
            "industry": industry,
            "owner_id": str(demo_org.users[owner]),
            "annual_revenue": revenue,
            "employees": employees,
        }
        for name, industry, owner, revenue, employees in ACCOUNTS
    ]
    return admin.ok("POST", "/records/account/bulk", 201, json={"records": rows})["records"]


def aggregate(api: Api, body: dict[str, Any], object_name: str = "account") -> Any:
    return api.post(f"/records/{object_name}/aggregate", json=body)


def test_count_and_sum_per_picklist_group_match_the_records(admin: Api, demo_org: DemoOrg) -> None:
    load_accounts(admin, demo_org)
    body = {
        "group_by": [{"field": "industry"}],
        "measures": [
            {"op": "count"},
            {"op": "sum", "field": "annual_revenue"},
            {"op": "avg", "field": "employees"},
            {"op": "max", "field": "employees"},
            {"op": "min", "field": "created_at"},
        ],
    }
    answer = admin.ok("POST", "/records/account/aggregate", json=body)
    assert answer["truncated"] is False
    groups = {tuple(g["key"]): g["values"] for g in answer["groups"]}
    # Picklist option order (it, manufacturing, retail, …, logistics), nulls last.
    assert [g["key"] for g in answer["groups"]] == [
        ["it"],
        ["manufacturing"],
        ["retail"],
        ["logistics"],
        [None],
    ]
    records = admin.ok("POST", "/records/account/query", json={"limit": 100})["records"]
    for (industry,), values in groups.items():
        mine = [r for r in records if r["industry"] == industry]
        assert values["count"] == len(mine)
    assert groups[("retail",)]["sum_annual_revenue"] == "300.35"  # exact, as text
    assert groups[("retail",)]["avg_employees"] == "10.00"  # the average of the values there
    assert groups[("retail",)]["max_employees"] == 10
    assert groups[("logistics",)]["sum_annual_revenue"] == "0.01"
    assert groups[("it",)]["min_created_at"] is not None


def test_no_group_by_is_one_total_and_a_filter_narrows_it(admin: Api, demo_org: DemoOrg) -> None:
    load_accounts(admin, demo_org)
    answer = admin.ok(
        "POST",
        "/records/account/aggregate",
        json={
            "filter": {"field": "industry", "op": "eq", "value": "retail"},
            "measures": [{"op": "count"}, {"op": "sum", "field": "employees"}],
        },
    )
    assert answer["groups"] == [{"key": [], "values": {"count": 2, "sum_employees": 10}}]
    nothing = admin.ok(
        "POST",
        "/records/account/aggregate",
        json={
            "filter": {"field": "industry", "op": "eq", "value": "energy"},
            "measures": [{"op": "count"}, {"op": "sum", "field": "annual_revenue"}],
        },
    )
    assert nothing["groups"] == [{"key": [], "values": {"count": 0, "sum_annual_revenue": "0.00"}}]


def test_group_by_owner_and_a_path_through_a_lookup(admin: Api, demo_org: DemoOrg) -> None:
    accounts = load_accounts(admin, demo_org)
    for account in accounts[:3]:
        admin.ok(
            "POST",
            "/records/contact",
            201,
            json={"name": "联系人", "account": account["id"]},
        )
    by_industry = admin.ok(
        "POST",
        "/records/contact/aggregate",
        json={"group_by": [{"field": "account.industry"}, {"field": "account"}]},
    )
    keys = [g["key"] for g in by_industry["groups"]]
    assert keys == [
        ["manufacturing", accounts[2]["id"]],
        ["retail", min(accounts[0]["id"], accounts[1]["id"])],
        ["retail", max(accounts[0]["id"], accounts[1]["id"])],
    ]
    by_owner = admin.ok(
        "POST", "/records/account/aggregate", json={"group_by": [{"field": "owner_id"}]}
    )
    counts = {g["key"][0]: g["values"]["count"] for g in by_owner["groups"]}
    assert counts[str(demo_org.users["rep_zhang"])] == 3


def test_a_rep_sees_only_the_totals_of_their_scope(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    load_accounts(admin, demo_org)
    zhang = persona("rep_zhang")
    answer = zhang.ok(
        "POST",
        "/records/account/aggregate",
        json={
            "group_by": [{"field": "industry"}],
            "measures": [{"op": "sum", "field": "employees"}],
        },
    )
    assert answer["groups"] == [
        {"key": ["retail"], "values": {"sum_employees": 10}},
        {"key": [None], "values": {"sum_employees": 7}},
    ]


def test_a_hidden_field_can_be_neither_grouped_nor_summed(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    load_accounts(admin, demo_org)
    zhang = persona("rep_zhang")
    summed = aggregate(zhang, {"measures": [{"op": "sum", "field": "annual_revenue"}]})
    unknown = aggregate(zhang, {"measures": [{"op": "sum", "field": "no_such_field"}]})
    filtered = zhang.post(
        "/records/account/query",
        json={"filter": {"field": "annual_revenue", "op": "gt", "value": 1}},
    )
    for response in (summed, unknown, filtered):
        assert response.status_code == 422, response.text
    assert summed.json()["errors"][0]["field"] == "annual_revenue"
    assert summed.json()["errors"][0]["code"] == filtered.json()["errors"][0]["code"]
    assert summed.json()["errors"][0]["code"] == unknown.json()["errors"][0]["code"]
    grouped = aggregate(zhang, {"group_by": [{"field": "annual_revenue"}]})
    assert grouped.status_code == 422
    assert grouped.json()["errors"][0]["field"] == "annual_revenue"
    assert "annual_revenue" in grouped.json()["detail"]


def test_an_unknown_op_or_unfit_field_is_named(admin: Api) -> None:
    median = aggregate(admin, {"measures": [{"op": "median", "field": "employees"}]})
    assert median.status_code == 422
    assert median.json()["errors"][0]["field"] == "measures.0.op"
    assert "median" in median.json()["detail"]
    text_sum = aggregate(admin, {"measures": [{"op": "count"}, {"op": "sum", "field": "name"}]})
    assert text_sum.status_code == 422
    assert text_sum.json()["errors"][0]["field"] == "measures.1.field"
    sum_without = aggregate(admin, {"measures": [{"op": "sum"}]})
    assert sum_without.json()["errors"][0]["field"] == "measures.0.field"
    tags = aggregate(admin, {"group_by": [{"field": "tags"}]})
    assert tags.status_code == 422 and tags.json()["errors"][0]["field"] == "group_by.0.field"
    extra = aggregate(admin, {"group_by": [{"field": "industry", "date_trunc": "month"}]})
    assert extra.status_code == 422
    three = aggregate(admin, {"group_by": [{"field": "industry"}] * 3})
    assert three.status_code == 422


def test_a_user_who_may_not_read_the_object_gets_no_totals(persona: Persona) -> None:
    # Marketing reads accounts and contacts only; an object they may not read is refused.
    marketer = persona("marketer_ma")
    assert aggregate(marketer, {}).status_code == 200
    response = marketer.post("/records/no_such_object/aggregate", json={})
    assert response.status_code == 404
