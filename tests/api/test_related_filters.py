"""Filters on a related record's fields (``account.industry``): the same answers whether the
condition runs as a correlated EXISTS or through the join, and pages that walk the sort index."""

from __future__ import annotations

from typing import Any

import pytest

from guanxi.kernel.db import Database
from guanxi.platform.access.demo import DemoOrg
from tests.api.conftest import Api, Persona
from tests.statements import count_queries


@pytest.fixture
def contacts(admin: Api) -> dict[str, str]:
    """c1 → an IT account in 上海, c2 → a retail account, c3 → an account without industry,
    c4 → no account. Returns contact name → id."""

    def account(**values: Any) -> str:
        return str(admin.ok("POST", "/records/account", 201, json=values)["id"])

    it = account(name="IT 客户", industry="it", address={"city": "上海"})
    retail = account(name="Retail 客户", industry="retail")
    blank = account(name="无行业客户")
    ids = {}
    for name, acc in [("c1", it), ("c2", retail), ("c3", blank), ("c4", None)]:
        ids[name] = admin.ok("POST", "/records/contact", 201, json={"name": name, "account": acc})[
            "id"
        ]
    return ids


def names(api: Api, flt: dict[str, Any]) -> list[str]:
    page = api.ok(
        "POST",
        "/records/contact/query",
        json={"filter": flt, "sort": [{"field": "name"}], "with_total": True},
    )
    found = [r["name"] for r in page["records"]]
    assert page["total"] == len(found)
    return found


def cond(path: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"field": path, "op": op, "value": value}


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (cond("account.industry", "eq", "it"), ["c1"]),
        (cond("account.industry", "in", ["it", "retail"]), ["c1", "c2"]),
        (cond("account.industry", "is_null", False), ["c1", "c2"]),
        (cond("account.name", "contains", "客户"), ["c1", "c2", "c3"]),
        (cond("account.address.city", "eq", "上海"), ["c1"]),
        (cond("account.created_at", "eq", "today"), ["c1", "c2", "c3"]),
        # A missing or blank related value satisfies these: they keep the join's NULLs.
        (cond("account.industry", "ne", "it"), ["c2", "c3", "c4"]),
        (cond("account.industry", "not_in", ["it"]), ["c2", "c3", "c4"]),
        (cond("account.industry", "is_null", True), ["c3", "c4"]),
        (cond("account.industry", "eq", None), ["c3", "c4"]),
        # Under NOT the join's three-valued logic decides: NOT (NULL = 'it') is not true.
        ({"not": cond("account.industry", "eq", "it")}, ["c2"]),
        ({"or": [cond("account.industry", "eq", "it"), cond("name", "eq", "c4")]}, ["c1", "c4"]),
        (
            {"and": [cond("account.industry", "in", ["it", "retail"]), cond("name", "ne", "c1")]},
            ["c2"],
        ),
    ],
)
def test_related_conditions_match_the_join_semantics(
    admin: Api, contacts: dict[str, str], flt: dict[str, Any], expected: list[str]
) -> None:
    assert names(admin, flt) == expected


def test_a_related_condition_is_a_semi_join_not_a_join(
    admin: Api, contacts: dict[str, str], installed_db: Database
) -> None:
    with count_queries(installed_db) as statements:
        assert names(admin, cond("account.industry", "eq", "it")) == ["c1"]
    page_sql = next(s for s in statements if "o_contact" in s and "LIMIT" in s.upper())
    assert "EXISTS" in page_sql.upper()
    assert "JOIN" not in page_sql.upper()


def test_sqlite_walks_the_sort_index_for_a_related_condition(
    admin: Api, contacts: dict[str, str], installed_db: Database
) -> None:
    """The plan that makes a page of contacts by name, filtered on their account, fast on
    1M rows: no temporary sort of every match."""
    if not installed_db.is_sqlite:
        pytest.skip("SQLite's query plan")
    with count_queries(installed_db) as statements:
        names(admin, cond("account.industry", "eq", "it"))
    page_sql = next(s for s in statements if "o_contact" in s and "LIMIT" in s.upper())
    with installed_db.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        nulls = page_sql.count("?")
        plan = " | ".join(
            str(row[-1])
            for row in raw.execute(f"EXPLAIN QUERY PLAN {page_sql}", [None] * nulls).fetchall()
        )
    assert "TEMP B-TREE" not in plan, plan
    assert "idx_o_contact_name" in plan or "ix_o_contact_name" in plan, plan


def test_unreadable_related_records_never_match(
    admin: Api, persona: Persona, demo_org: DemoOrg
) -> None:
    """A rep filtering their contacts by an account they may not read finds nothing,
    exactly as if the account were not there."""
    other = str(demo_org.users["rep_wang"])
    mine = str(demo_org.users["rep_zhang"])
    hidden = admin.ok(
        "POST",
        "/records/account",
        201,
        json={"name": "王的客户", "industry": "it", "owner_id": other},
    )["id"]
    own = admin.ok(
        "POST",
        "/records/account",
        201,
        json={"name": "张的客户", "industry": "it", "owner_id": mine},
    )["id"]
    for name, acc in [("zc1", hidden), ("zc2", own)]:
        admin.ok(
            "POST",
            "/records/contact",
            201,
            json={"name": name, "account": acc, "owner_id": mine},
        )
    rep = persona("rep_zhang")
    flt = {"and": [cond("account.industry", "eq", "it"), cond("name", "starts_with", "zc")]}
    assert names(rep, flt) == ["zc2"]
    assert names(rep, cond("account.name", "contains", "王的")) == []
    # ...while the join-based form sees the unreadable account as missing.
    missing = {
        "and": [cond("account.industry", "is_null", True), cond("name", "starts_with", "zc")]
    }
    assert names(rep, missing) == ["zc1"]


def test_errors_in_related_conditions_name_the_whole_path(
    admin: Api, contacts: dict[str, str]
) -> None:
    response = admin.post(
        "/records/contact/query", json={"filter": cond("account.nope", "eq", "x")}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "account.nope"
    response = admin.post(
        "/records/contact/query", json={"filter": cond("account.industry", "gt", 5)}
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "account.industry"
