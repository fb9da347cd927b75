"""Roll-up fields over HTTP: an account's open deal amount, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api

OPEN = {"field": "stage", "op": "ne", "value": "lost"}


def make_deals(admin: Api) -> None:
    admin.ok("POST", "/meta/objects", 201, json={"name": "deal", "label": "Deal"})
    for spec in (
        {"name": "title", "type": "text", "label": "Title"},
        {"name": "account", "type": "lookup", "label": "Account", "target": "account"},
        {"name": "amount", "type": "currency", "label": "Amount", "scale": 2},
        {"name": "units", "type": "integer", "label": "Units"},
        {"name": "closes_on", "type": "date", "label": "Closes on"},
        {
            "name": "stage",
            "type": "picklist",
            "label": "Stage",
            "options": [{"value": "open", "label": "Open"}, {"value": "lost", "label": "Lost"}],
        },
    ):
        admin.ok("POST", "/meta/objects/deal/fields", 201, json=spec)


def add_rollup(admin: Api, name: str, rollup: dict[str, Any]) -> Any:
    return admin.ok(
        "POST",
        "/meta/objects/account/fields",
        201,
        json={"name": name, "type": "rollup", "label": name, "rollup": rollup},
    )


def deal(admin: Api, account: str, amount: str, units: int, stage: str = "open") -> Any:
    return admin.ok(
        "POST",
        "/records/deal",
        201,
        json={
            "title": f"deal {amount}",
            "account": account,
            "amount": amount,
            "units": units,
            "stage": stage,
            "closes_on": f"2026-12-{units:02d}",
        },
    )


@pytest.fixture
def accounts(admin: Api) -> list[str]:
    make_deals(admin)
    add_rollup(
        admin,
        "open_amount",
        {"object": "deal", "lookup": "account", "op": "sum", "field": "amount", "filter": OPEN},
    )
    add_rollup(admin, "deal_count", {"object": "deal", "lookup": "account", "op": "count"})
    add_rollup(
        admin,
        "last_close",
        {"object": "deal", "lookup": "account", "op": "max", "field": "closes_on"},
    )
    add_rollup(
        admin,
        "fewest_units",
        {"object": "deal", "lookup": "account", "op": "min", "field": "units"},
    )
    rows = [{"name": "Alpha"}, {"name": "Beta"}, {"name": "Gamma"}]
    created = admin.ok("POST", "/records/account/bulk", 201, json={"records": rows})["records"]
    return [r["id"] for r in created]


def test_an_account_shows_the_sum_count_min_and_max_of_its_deals(
    admin: Api, accounts: list[str]
) -> None:
    alpha, beta, _ = accounts
    deal(admin, alpha, "100.50", 3)
    deal(admin, alpha, "20.25", 7)
    deal(admin, alpha, "999.00", 9, stage="lost")
    deal(admin, beta, "5.00", 2)
    record = admin.ok("GET", f"/records/account/{alpha}")
    assert record["open_amount"] == "120.75"
    assert record["deal_count"] == 3
    assert record["last_close"] == "2026-12-09"
    assert record["fewest_units"] == 3
    page = admin.ok("POST", "/records/account/query", json={"sort": ["name"]})["records"]
    assert [(r["name"], r["open_amount"], r["deal_count"]) for r in page] == [
        ("Alpha", "120.75", 3),
        ("Beta", "5.00", 1),
        ("Gamma", "0.00", 0),
    ]
    assert page[2]["last_close"] is None and page[2]["fewest_units"] is None


def test_a_new_account_answers_with_no_deals_counted(admin: Api, accounts: list[str]) -> None:
    created = admin.ok("POST", "/records/account", 201, json={"name": "Delta"})
    assert (created["open_amount"], created["deal_count"], created["last_close"]) == (
        "0.00",
        0,
        None,
    )
    assert admin.ok("GET", f"/records/account/{created['id']}")["deal_count"] == 0


def test_deleting_restoring_and_moving_a_deal_changes_the_totals(
    admin: Api, accounts: list[str]
) -> None:
    alpha, beta, _ = accounts
    moved = deal(admin, alpha, "10.00", 1)
    deal(admin, alpha, "1.00", 2)
    admin.ok("DELETE", f"/records/deal/{moved['id']}", 204)
    assert admin.ok("GET", f"/records/account/{alpha}")["open_amount"] == "1.00"
    admin.ok("POST", f"/records/deal/{moved['id']}/restore")
    assert admin.ok("GET", f"/records/account/{alpha}")["open_amount"] == "11.00"
    admin.ok("PATCH", f"/records/deal/{moved['id']}", json={"account": beta, "version": 3})
    assert admin.ok("GET", f"/records/account/{alpha}")["open_amount"] == "1.00"
    assert admin.ok("GET", f"/records/account/{beta}")["open_amount"] == "10.00"


def test_accounts_filter_and_sort_by_a_rollup(admin: Api, accounts: list[str]) -> None:
    alpha, beta, _ = accounts
    deal(admin, alpha, "100.00", 1)
    deal(admin, beta, "50.00", 1)
    deal(admin, beta, "60.00", 2)

    def names(body: dict[str, Any]) -> list[str]:
        page = admin.ok("POST", "/records/account/query", json=body)["records"]
        return [r["name"] for r in page]

    assert names({"filter": {"field": "open_amount", "op": "gt", "value": "100"}}) == ["Beta"]
    assert names({"filter": {"field": "deal_count", "op": "eq", "value": 0}}) == ["Gamma"]
    assert names({"sort": [{"field": "open_amount", "direction": "desc"}]}) == [
        "Beta",
        "Alpha",
        "Gamma",
    ]
    first = admin.ok("POST", "/records/account/query", json={"sort": ["deal_count"], "limit": 2})
    rest = admin.ok(
        "POST",
        "/records/account/query",
        json={"sort": ["deal_count"], "limit": 2, "cursor": first["next_cursor"]},
    )
    assert [r["name"] for r in first["records"] + rest["records"]] == ["Gamma", "Alpha", "Beta"]


def test_a_formula_reads_a_rollup(admin: Api, accounts: list[str]) -> None:
    alpha, _, _ = accounts
    deal(admin, alpha, "100.00", 1)
    admin.ok(
        "POST",
        "/meta/objects/account/fields",
        201,
        json={
            "name": "open_with_vat",
            "type": "formula",
            "label": "Open incl. VAT",
            "expression": "open_amount * 2 + deal_count",
        },
    )
    assert admin.ok("GET", f"/records/account/{alpha}")["open_with_vat"] == "201"


def test_a_rollup_cannot_be_written(admin: Api, accounts: list[str]) -> None:
    response = admin.patch(f"/records/account/{accounts[0]}", json={"deal_count": 5, "version": 1})
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert (error["field"], error["code"]) == ("deal_count", "read_only")


@pytest.mark.parametrize(
    ("rollup", "key"),
    [
        ({"object": "nothing", "lookup": "account", "op": "count"}, "rollup.object"),
        ({"object": "deal", "lookup": "title", "op": "count"}, "rollup.lookup"),
        ({"object": "deal", "lookup": "account", "op": "avg", "field": "units"}, "rollup.op"),
        ({"object": "deal", "lookup": "account", "op": "sum"}, "rollup.field"),
        ({"object": "deal", "lookup": "account", "op": "sum", "field": "title"}, "rollup.field"),
        (
            {"object": "deal", "lookup": "account", "op": "sum", "field": "closes_on"},
            "rollup.field",
        ),
        ({"object": "deal", "lookup": "account", "op": "count", "field": "units"}, "rollup.field"),
        (
            {"object": "deal", "lookup": "account", "op": "count", "filter": {"field": "x"}},
            "rollup.filter",
        ),
        (
            {
                "object": "deal",
                "lookup": "account",
                "op": "count",
                "filter": {"field": "nope", "op": "eq", "value": 1},
            },
            "rollup.filter",
        ),
        (
            {
                "object": "deal",
                "lookup": "account",
                "op": "count",
                "filter": {"field": "closes_on", "op": "eq", "value": "this_month"},
            },
            "rollup.filter",
        ),
        ({"object": "deal", "lookup": "account", "op": "count", "having": 1}, "rollup.having"),
    ],
)
def test_a_rollup_that_cannot_be_computed_is_refused_naming_the_setting(
    admin: Api, rollup: dict[str, Any], key: str
) -> None:
    make_deals(admin)
    response = admin.post(
        "/meta/objects/account/fields",
        json={"name": "bad", "type": "rollup", "label": "Bad", "rollup": rollup},
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == key


def test_a_rollup_over_a_lookup_to_another_object_is_refused(admin: Api) -> None:
    make_deals(admin)
    response = admin.post(
        "/meta/objects/contact/fields",
        json={
            "name": "deals",
            "type": "rollup",
            "label": "Deals",
            "rollup": {"object": "deal", "lookup": "account", "op": "count"},
        },
    )
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert error["field"] == "rollup.lookup" and "not contact" in error["message"]


def test_a_rep_who_may_not_read_deals_sees_no_deal_rollup(
    admin: Api, accounts: list[str], persona: Any
) -> None:
    zhang = persona("rep_zhang")  # the demo roles grant nothing on the new deal object
    mine = zhang.ok("POST", "/records/account", 201, json={"name": "Zhang's"})
    assert "open_amount" not in mine
    record = zhang.ok("GET", f"/records/account/{mine['id']}")
    assert "open_amount" not in record and "deal_count" not in record
    response = zhang.post(
        "/records/account/query", json={"filter": {"field": "deal_count", "op": "gt", "value": 0}}
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["code"] == "unknown_field"
    described = zhang.ok("GET", "/meta/objects/account")
    assert not {"open_amount", "deal_count"} & {f["name"] for f in described["fields"]}
    spec = zhang.client.get("/api/openapi.json", headers=zhang.headers)
    assert spec.status_code == 200 and "open_amount" not in spec.text


def test_archiving_the_deals_lookup_leaves_the_rollup_out_instead_of_failing_reads(
    admin: Api, accounts: list[str]
) -> None:
    admin.ok("DELETE", "/meta/objects/deal/fields/account", 204)
    record = admin.ok("GET", f"/records/account/{accounts[0]}")
    assert record["name"] == "Alpha" and "deal_count" not in record


def test_the_openapi_document_shows_a_rollup_as_read_only(admin: Api, accounts: list[str]) -> None:
    response = admin.client.get("/api/openapi.json", headers=admin.headers)
    assert response.status_code == 200, response.text
    doc = response.json()
    count = doc["components"]["schemas"]["account"]["properties"]["deal_count"]
    assert count["readOnly"] is True
    assert count["anyOf"][0] == {"type": "integer", "description": "count of deal.id by account"}


def test_contacts_filter_and_show_their_accounts_rollup(admin: Api, accounts: list[str]) -> None:
    alpha, beta, _ = accounts
    deal(admin, alpha, "7.00", 1)
    for name, account in (("Ann", alpha), ("Bob", beta)):
        admin.ok("POST", "/records/contact", 201, json={"name": name, "account": account})
    page = admin.ok(
        "POST",
        "/records/contact/query",
        json={
            "filter": {"field": "account.deal_count", "op": "gte", "value": 1},
            "fields": ["name", "account.open_amount"],
        },
    )["records"]
    assert [(r["name"], r["account.open_amount"]) for r in page] == [("Ann", "7.00")]


def test_a_rollup_filter_through_another_lookup_holds_inside_a_related_condition(
    admin: Api, accounts: list[str]
) -> None:
    """The roll-up's own filter reaches account through deal.partner while the outer
    query reaches account through contact.account: the two must not be one table alias."""
    alpha, beta, _ = accounts
    admin.ok(
        "POST",
        "/meta/objects/deal/fields",
        201,
        json={"name": "partner", "type": "lookup", "label": "Partner", "target": "account"},
    )
    add_rollup(
        admin,
        "beta_partnered",
        {
            "object": "deal",
            "lookup": "account",
            "op": "count",
            "filter": {"field": "partner.name", "op": "eq", "value": "Beta"},
        },
    )
    made = deal(admin, alpha, "1.00", 1)
    admin.ok("PATCH", f"/records/deal/{made['id']}", json={"partner": beta, "version": 1})
    assert admin.ok("GET", f"/records/account/{alpha}")["beta_partnered"] == 1
    admin.ok("POST", "/records/contact", 201, json={"name": "Ann", "account": alpha})
    page = admin.ok(
        "POST",
        "/records/contact/query",
        json={"filter": {"field": "account.beta_partnered", "op": "eq", "value": 1}},
    )["records"]
    assert [r["name"] for r in page] == ["Ann"]
